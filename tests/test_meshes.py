"""Shapes, voxelisation (volume fractions, masks) and exact power distribution."""
import math

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

from thermo.meshes import (Box, Cylinder, Grid, Surface, box_mask, cell_mask, power_density,
                           repeat, shapes_of, volume_fractions)


def sphere_stl(tmp_path, radius=0.3, center=(0.5, 0.5, 0.5), name="sphere.stl"):
    mesh = trimesh.creation.icosphere(subdivisions=4, radius=radius)
    mesh.apply_translation(center)
    path = tmp_path / name
    mesh.export(path)
    return path


# ----------------------------------------------------------------------------- voxelised volumes


def test_sphere_stl_volume_within_2_percent(tmp_path):
    s = Surface.from_stl(sphere_stl(tmp_path))
    assert s.volume() == pytest.approx(4 / 3 * math.pi * 0.3 ** 3, rel=5e-3)  # a polyhedron
    grid = Grid((1.0, 1.0, 1.0), (20, 20, 20))  # 6 cells per radius
    f = volume_fractions(grid, s, samples=4)
    assert f.min() >= 0.0 and f.max() <= 1.0
    vol = f.sum() * grid.cell_volume
    err, err_sphere = vol / s.volume() - 1, vol / (4 / 3 * math.pi * 0.3 ** 3) - 1
    print(f"sphere STL r = 0.3 m on 20^3 cells (h = 0.05 m), 4^3 samples/cell: "
          f"volume error {err:+.2e} (polyhedron), {err_sphere:+.2e} (sphere)")
    assert abs(err) < 0.02 and abs(err_sphere) < 0.02
    # whole cells deep inside, none far outside
    assert f[10, 10, 10] == 1.0 and f[0, 0, 0] == 0.0


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_cylinder_volume_within_2_percent(axis):
    c = Cylinder((0.5, 0.45, 0.55), radius=0.2, length=0.33, axis=axis)
    grid = Grid((1.0, 1.0, 1.0), (16, 16, 16))  # 3.2 cells per radius
    f = volume_fractions(grid, c, samples=4)
    err = f.sum() * grid.cell_volume / c.volume() - 1
    print(f"cylinder r = 0.2 m, axis {axis}, on 16^3 cells (h = 0.0625 m), 4^2 samples/cell "
          f"across, exact along: volume error {err:+.2e}")
    assert abs(err) < 0.02
    assert f.min() >= 0.0 and f.max() <= 1.0


def test_thin_cylinder_keeps_its_volume_along_its_axis():
    fan = Cylinder((0.5, 0.5, 0.5), radius=0.3, length=0.01, axis="y")  # a fan disc, 1/6 of a cell
    grid = Grid((1.0, 1.0, 1.0), (16, 16, 16))
    f = volume_fractions(grid, fan)
    assert f.sum() * grid.cell_volume == pytest.approx(fan.volume(), rel=0.02)


def test_box_fractions_are_exact_and_masks_agree():
    grid = Grid((1.0, 0.5, 0.25), (8, 4, 2), origin=(0.1, -0.2, 0.0))
    b = Box((0.13, -0.17, 0.01), (0.61, 0.2, 0.24))
    f = volume_fractions(grid, b)
    assert f.sum() * grid.cell_volume == pytest.approx(b.volume(), rel=1e-13)
    np.testing.assert_array_equal(cell_mask(grid, b), box_mask(grid, b.lo, b.hi))
    s = Surface(*_box_mesh(b))
    np.testing.assert_array_equal(cell_mask(grid, s), cell_mask(grid, b))
    assert volume_fractions(grid, Box((5, 5, 5), (6, 6, 6))).sum() == 0.0


def _box_mesh(b):
    m = trimesh.creation.box(extents=np.subtract(b.hi, b.lo))
    m.apply_translation(np.add(b.hi, b.lo) / 2)
    return m.vertices, m.faces


def test_surface_ray_test_is_exact_on_grid_aligned_cubes():
    """Rays through the shared diagonals and vertices of a cube's faces count once."""
    for n in (1, 3, 4):
        grid = Grid((1.0, 1.0, 1.0), (n, n, n))
        s = Surface(*_box_mesh(Box((0, 0, 0), (1, 1, 1))))
        assert np.all(volume_fractions(grid, s) == 1.0)
        half = Surface(*_box_mesh(Box((0.25, 0.25, 0.25), (0.75, 0.75, 0.75))))
        assert volume_fractions(grid, half).sum() * grid.cell_volume == pytest.approx(0.125, rel=1e-12)


def test_surface_contains_matches_the_sphere(tmp_path):
    s = Surface.from_stl(sphere_stl(tmp_path))
    pts = np.random.default_rng(0).random((4000, 3))
    r = np.linalg.norm(pts - 0.5, axis=1)
    clear = np.abs(r - 0.3) > 0.005  # away from the facets' sag
    np.testing.assert_array_equal(s.contains(pts)[clear], (r < 0.3)[clear])


# ----------------------------------------------------------------------------- power


@st.composite
def grid_and_box(draw):
    cells = tuple(draw(st.integers(1, 9)) for _ in range(3))
    size = tuple(draw(st.floats(0.01, 10.0)) for _ in range(3))
    origin = tuple(draw(st.floats(-5.0, 5.0)) for _ in range(3))
    grid = Grid(size, cells, origin)
    lo, hi = [], []
    for a in range(3):
        h = grid.spacing[a]
        start = origin[a] + draw(st.floats(0.0, 0.999)) * size[a]
        # from a sliver far thinner than a cell to the rest of the domain
        width = draw(st.one_of(st.floats(1e-6, 0.5), st.floats(0.5, 50.0))) * h
        lo.append(start)
        hi.append(min(start + width, origin[a] + size[a] * 1.2))  # may stick out
    return grid, Box(lo, hi)


@settings(max_examples=50, deadline=None)
@given(grid_and_box(), st.floats(1e-3, 1e4))
def test_power_is_conserved_exactly(gb, power):
    grid, box = gb
    f = volume_fractions(grid, box)
    assert f.min() >= 0.0 and f.max() <= 1.0
    q = power_density(grid, f, power)
    assert abs(q.sum() * grid.cell_volume - power) <= 1e-12 * power
    assert np.all(q[f == 0] == 0.0)
    inside = Box(np.maximum(box.lo, grid.origin), np.minimum(box.hi, np.add(grid.origin, grid.size)))
    assert f.sum() * grid.cell_volume == pytest.approx(inside.volume(), rel=1e-9)


def test_power_outside_the_grid_is_refused():
    grid = Grid((1.0, 1.0, 1.0), (4, 4, 4))
    with pytest.raises(ValueError, match="all fractions are zero"):
        power_density(grid, volume_fractions(grid, Box((2, 2, 2), (3, 3, 3))), 10.0)
    with pytest.raises(ValueError, match="shape"):
        power_density(grid, np.ones((2, 2, 2)), 10.0)


# ----------------------------------------------------------------------------- shapes


def test_non_watertight_stl_is_refused(tmp_path):
    mesh = trimesh.creation.icosphere(subdivisions=2)
    holed = trimesh.Trimesh(mesh.vertices, mesh.faces[1:], process=False)
    path = tmp_path / "holed.stl"
    holed.export(path)
    with pytest.raises(ValueError, match="not watertight") as info:
        Surface.from_stl(path)
    assert "holed.stl" in str(info.value)


def test_rotation_by_90_degrees_swaps_extents(tmp_path):
    b = Box((0.0, 0.0, 0.0), (0.4, 0.2, 0.1))
    for axis, want in [("z", (0.2, 0.4, 0.1)), ("x", (0.4, 0.1, 0.2)), ("y", (0.1, 0.2, 0.4))]:
        for turns in (1, -1, 3):
            r = b.rotated(turns, axis)
            lo, hi = r.bounds()
            np.testing.assert_allclose(hi - lo, want, atol=1e-15)
            np.testing.assert_allclose((hi + lo) / 2, (0.2, 0.1, 0.05), atol=1e-15)  # about its centre
        lo, hi = b.rotated(2, axis).bounds()
        np.testing.assert_allclose(hi - lo, (0.4, 0.2, 0.1), atol=1e-15)
    # about a given point: +x goes to +y for one turn about z
    r = Box((1.0, 0.0, 0.0), (2.0, 0.5, 1.0)).rotated(1, "z", about=(0, 0, 0))
    np.testing.assert_allclose(np.array(r.bounds()), [[-0.5, 1.0, 0.0], [0.0, 2.0, 1.0]], atol=1e-15)
    c = Cylinder((1.0, 0.0, 0.0), 0.1, 0.5, "x").rotated(1, "z", about=(0, 0, 0))
    assert c.axis == "y" and np.allclose(c.center, (0.0, 1.0, 0.0))
    s = Surface(*_box_mesh(b)).rotated(1, "z")
    lo, hi = s.bounds()
    np.testing.assert_allclose(hi - lo, (0.2, 0.4, 0.1), atol=1e-15)
    assert s.volume() == pytest.approx(b.volume(), rel=1e-12)


def test_repeat_gives_count_copies_at_the_right_offsets():
    c = Cylinder((0.1, 0.2, 0.3), 0.05, 0.02, "z")
    copies = repeat(c, 4, (0.0, 0.0, 0.0445))
    assert len(copies) == 4
    for k, s in enumerate(copies):
        np.testing.assert_allclose(s.center, (0.1, 0.2, 0.3 + k * 0.0445), atol=1e-15)
        assert s.volume() == pytest.approx(c.volume())
    with pytest.raises(ValueError):
        repeat(c, 0, (0, 0, 1))


def test_shapes_of_a_part_rotates_then_repeats(tmp_path):
    part = {"name": "srv", "rotate": 90, "axis": "z", "repeat": {"count": 3, "step": [0.0, 0.0, 0.1]},
            "shape": {"type": "box", "min": [0.0, 0.0, 0.0], "max": [0.4, 0.2, 0.05]}}
    shapes = shapes_of(part)
    assert len(shapes) == 3
    for k, s in enumerate(shapes):
        lo, hi = s.bounds()
        np.testing.assert_allclose(lo, (0.1, -0.1, 0.1 * k), atol=1e-15)
        np.testing.assert_allclose(hi, (0.3, 0.3, 0.05 + 0.1 * k), atol=1e-15)
    stl = {"name": "s", "shape": {"type": "stl", "path": str(sphere_stl(tmp_path))}}
    (s,) = shapes_of(stl)
    assert isinstance(s, Surface)
    (b,) = shapes_of({"name": "old", "box": {"min": [0, 0, 0], "max": [1, 1, 1]}})
    assert b == Box((0, 0, 0), (1, 1, 1))
