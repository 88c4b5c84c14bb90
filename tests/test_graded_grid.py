"""Graded grids (Grid.from_lines) and voxelisation on them; uniform grids unchanged bit for bit."""
import importlib
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import trimesh

from thermo.meshes import (Box, Cylinder, Grid, Surface, box_mask, cell_mask, grid_lines, grid_quality,
                           power_density, volume_fractions)

REPO = Path(__file__).resolve().parents[1]
# the last commit whose meshes/grid.py and meshes/voxelize.py knew uniform grids only
REFERENCE = "24b707c3f3c3d8447ef0bbc6c88a2f199eb71cf0"

SIZE = (1.0, 0.8, 0.6)
PART = ((0.2, 0.2, 0.1), (0.5, 0.45, 0.3))
ZONE = ((0.1, 0.1, 0.05), (0.6, 0.6, 0.4))


def graded_lines():
    """A graded grid of a case-like domain: one part, a refinement zone, ratio 1.2."""
    return grid_lines(SIZE, [PART], max_cell=0.1, refine=[(ZONE, 0.03)], max_ratio=1.2)


def geometric(length, n, ratio, start=0.0):
    """n cells over [start, start + length] (m), each `ratio` times the one before."""
    w = ratio ** np.arange(n)
    w *= length / w.sum()
    x = start + np.concatenate(([0.0], np.cumsum(w)))
    x[-1] = start + length
    return x


def stretched():
    """A strongly stretched grid: widths 0.0098..0.14 m in x, 0.016..0.11 m in y, 0.039..0.1 m in z."""
    return Grid.from_lines(geometric(1.0, 20, 1.15), geometric(0.8, 16, 0.88), geometric(0.6, 10, 1.1))


def box_surface(lo, hi):
    m = trimesh.creation.box(extents=np.subtract(hi, lo))
    m.apply_translation(np.add(hi, lo) / 2)
    return np.array(m.vertices), np.array(m.faces)


def sphere_surface(center, radius, subdivisions=3):
    m = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    m.apply_translation(center)
    return np.array(m.vertices), np.array(m.faces)


# ----------------------------------------------------------------------------- the grid itself


def test_graded_grid_from_grid_lines_has_true_centres_widths_and_volumes():
    lines = graded_lines()
    q = grid_quality(lines)
    g = Grid.from_lines(*lines)
    print(f"graded grid {g.cells}: widths x {q['x']['smallest']:.4g}..{q['x']['largest']:.4g} m, "
          f"y {q['y']['smallest']:.4g}..{q['y']['largest']:.4g} m, "
          f"z {q['z']['smallest']:.4g}..{q['z']['largest']:.4g} m")
    assert not g.is_uniform
    assert g.cells == tuple(len(x) - 1 for x in lines)
    assert g.origin == (0.0, 0.0, 0.0) and g.size == SIZE
    for a, x in enumerate(lines):
        np.testing.assert_array_equal(g.faces(a), x)
        np.testing.assert_array_equal(g.widths(a), np.diff(x))
        np.testing.assert_array_equal(g.centers(a), (x[:-1] + x[1:]) / 2)
        assert np.all(g.widths(a) > 0) and g.widths(a).shape == (g.cells[a],)
        # the graded widths really differ: the refinement zone against the rest
        assert g.widths(a).max() / g.widths(a).min() > 1.2
    v = g.cell_volumes()
    assert v.shape == g.cells
    i, j, k = 3, 5, 7
    assert v[i, j, k] == g.widths(0)[i] * g.widths(1)[j] * g.widths(2)[k]
    err = v.sum() / math.prod(SIZE) - 1
    print(f"sum of cell volumes / domain volume - 1 = {err:+.2e}")
    assert abs(err) < 1e-13
    xs, ys, zs = g.mesh()
    assert xs.shape == g.cells and xs[i, j, k] == g.centers(0)[i] and zs[i, j, k] == g.centers(2)[k]


def test_from_lines_with_an_origin():
    shift = (-0.3, 1.2, 0.05)
    lines = [x + s for x, s in zip(graded_lines(), shift)]
    g = Grid.from_lines(*lines)
    assert g.origin == shift
    for a in range(3):
        assert g.size[a] == pytest.approx(SIZE[a], rel=1e-14)
        assert g.centers(a)[0] == pytest.approx(shift[a] + 0.5 * g.widths(a)[0], rel=1e-14)
        assert g.faces(a)[-1] == lines[a][-1]


def test_spacing_and_cell_volume_raise_on_a_graded_grid():
    g = Grid.from_lines(*graded_lines())
    with pytest.raises(ValueError, match=r"widths") as spacing:
        g.spacing
    with pytest.raises(ValueError, match=r"cell_volumes") as volume:
        g.cell_volume
    print(f"spacing: {spacing.value}\ncell_volume: {volume.value}")
    # graded by a relative 1e-9 only: still graded, still raises
    x = np.linspace(0.0, 1.0, 11)
    x[5] += 1e-9
    nearly = Grid.from_lines(x, [0.0, 1.0], [0.0, 1.0])
    assert not nearly.is_uniform
    with pytest.raises(ValueError, match=r"widths"):
        nearly.spacing


def test_uniform_grids_keep_their_spacing_and_widths_match():
    g = Grid((1.0, 0.5, 0.25), (8, 4, 2), origin=(0.1, -0.2, 0.0))
    assert g.lines is None and g.is_uniform
    assert repr(g) == "Grid(size=(1.0, 0.5, 0.25), cells=(8, 4, 2), origin=(0.1, -0.2, 0.0))"
    for a in range(3):
        np.testing.assert_array_equal(g.widths(a), np.full(g.cells[a], g.spacing[a]))
        # the uniform formulas, as before graded grids
        h = g.size[a] / g.cells[a]
        np.testing.assert_array_equal(g.faces(a), g.origin[a] + np.arange(g.cells[a] + 1) * h)
        np.testing.assert_array_equal(g.centers(a), g.origin[a] + (np.arange(g.cells[a]) + 0.5) * h)
    assert g.spacing == (0.125, 0.125, 0.125)
    assert g.cell_volume == float(np.prod(g.spacing))
    np.testing.assert_array_equal(g.cell_volumes(), np.full(g.cells, g.cell_volume))
    # uniform lines given explicitly: uniform, with the same spacing (np.linspace can be an ulp off)
    u = Grid.from_lines(*(np.linspace(o, o + s, n + 1) for o, s, n in zip(g.origin, g.size, g.cells)))
    assert u.is_uniform and u.lines is not None
    np.testing.assert_allclose(u.spacing, g.spacing, rtol=1e-15)
    assert u.cell_volume == pytest.approx(g.cell_volume, rel=1e-15)


def test_bad_lines_are_refused():
    ok = [0.0, 0.5, 1.0]
    for bad, what in [([0.0, 0.5, 0.5, 1.0], "repeated"), ([0.0, 1.0, 0.5], "decreasing"),
                      ([0.0], "one line"), ([0.0, float("nan"), 1.0], "nan"),
                      ([[0.0, 1.0], [2.0, 3.0]], "2-D"), ("abc", "text")]:
        with pytest.raises(ValueError, match=r"lines\[1\] \(y\)"):
            Grid.from_lines(ok, bad, ok)
    with pytest.raises(ValueError, match=r"from_lines derives them"):
        Grid((2.0, 1.0, 1.0), (2, 2, 2), lines=(ok, ok, ok))
    with pytest.raises(ValueError, match=r"from_lines derives them"):
        Grid((1.0, 1.0, 1.0), (3, 2, 2), lines=(ok, ok, ok))


def test_graded_grids_are_hashable_values():
    lines = graded_lines()
    a = Grid.from_lines(*lines)
    b = Grid.from_lines(*(list(x) for x in lines))
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert all(isinstance(x, tuple) and all(type(v) is float for v in x) for x in a.lines)
    c = Grid.from_lines(lines[0], lines[1], lines[2] * 1.0001)
    assert c != a
    assert Grid((1.0, 1.0, 1.0), (2, 2, 2)) == Grid((1, 1, 1), (2, 2, 2))
    assert "graded" in repr(a) and len(repr(a)) < 300


# ----------------------------------------------------------------------------- voxelisation


def test_masks_and_fractions_of_boxes_on_grid_lines_are_exact():
    g = stretched()
    lo_i, hi_i = (3, 2, 1), (11, 13, 6)  # the box spans cells lo_i .. hi_i - 1
    lo = tuple(float(g.faces(a)[lo_i[a]]) for a in range(3))
    hi = tuple(float(g.faces(a)[hi_i[a]]) for a in range(3))
    expected = np.zeros(g.cells, dtype=bool)
    expected[lo_i[0]:hi_i[0], lo_i[1]:hi_i[1], lo_i[2]:hi_i[2]] = True
    box = Box(lo, hi)
    np.testing.assert_array_equal(box_mask(g, lo, hi), expected)
    np.testing.assert_array_equal(cell_mask(g, box), expected)
    np.testing.assert_array_equal(volume_fractions(g, box), expected.astype(float))
    # the same box as a triangle surface: sampled inside each cell's own widths, so exact too
    surface = Surface(*box_surface(lo, hi))
    np.testing.assert_array_equal(cell_mask(g, surface), expected)
    np.testing.assert_array_equal(volume_fractions(g, surface, samples=3), expected.astype(float))
    vol = float(np.sum(volume_fractions(g, box) * g.cell_volumes()))
    print(f"box on grid lines, {expected.sum()} cells: volume error {vol / box.volume() - 1:+.2e}")
    assert vol == pytest.approx(box.volume(), rel=1e-13)
    # the part of the case is on grid lines of grid_lines: its fractions are all 0 or 1
    gl = Grid.from_lines(*graded_lines())
    f = volume_fractions(gl, Box(*PART))
    assert set(np.unique(f)) == {0.0, 1.0}
    np.testing.assert_array_equal(f.astype(bool), cell_mask(gl, Box(*PART)))


def test_box_fractions_off_the_grid_lines_are_exact():
    g = stretched()
    box = Box((0.013, 0.171, 0.0), (0.611, 0.52, 0.4431))
    f = volume_fractions(g, box)
    err = float(np.sum(f * g.cell_volumes())) / box.volume() - 1
    print(f"box off the grid lines on a stretched grid: volume error {err:+.2e}")
    assert abs(err) < 1e-13
    assert f.min() >= 0.0 and f.max() == 1.0
    outside = Box((2.0, 2.0, 2.0), (3.0, 3.0, 3.0))
    assert volume_fractions(g, outside).sum() == 0.0 and not cell_mask(g, outside).any()


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_cylinder_volume_on_a_stretched_grid_converges_with_sampling(axis):
    """Midpoint sampling misclassifies only sub-cells the circle crosses: the volume error is
    at most about 2 d / R (d: the largest sub-cell diagonal there, R: radius); the tolerance
    is 0.5 d / R, measured at most 0.31 d / R over 60 random cylinders on this grid."""
    g = stretched()
    cyl = Cylinder((0.45, 0.37, 0.3), radius=0.17, length=0.29, axis=axis)
    a = cyl.axis_index
    lo, hi = cyl.bounds()
    across = []
    for t in ((a + 1) % 3, (a + 2) % 3):
        f = g.faces(t)
        across.append(g.widths(t)[(f[1:] >= lo[t]) & (f[:-1] <= hi[t])].max())
    rows = []
    for s in (2, 4, 8, 16, 32):
        f = volume_fractions(g, cyl, samples=s)
        assert f.min() >= 0.0 and f.max() <= 1.0
        err = float(np.sum(f * g.cell_volumes())) / cyl.volume() - 1
        tol = 0.5 * math.hypot(*across) / s / cyl.radius
        rows.append((s, err, tol))
    print(f"cylinder r = 0.17 m along {axis}, widths across up to {max(across):.3g} m:")
    for s, err, tol in rows:
        print(f"  {s:2d}^2 samples/cell: volume error {err:+.2e}, tolerance {tol:.2e}")
    for s, err, tol in rows:
        assert abs(err) <= tol, (s, err, tol)
    assert rows[-1][2] <= rows[0][2] / 16


def test_sphere_surface_volume_on_a_graded_grid():
    g = Grid.from_lines(*graded_lines())
    s = Surface(*sphere_surface((0.5, 0.4, 0.3), 0.2, subdivisions=4))
    f = volume_fractions(g, s, samples=4)
    err = float(np.sum(f * g.cell_volumes())) / s.volume() - 1
    print(f"sphere surface r = 0.2 m on the graded grid {g.cells}, 4^3 samples/cell: volume error {err:+.2e}")
    assert abs(err) < 0.01
    assert f.min() >= 0.0 and f.max() <= 1.0


def test_graded_path_agrees_with_uniform_path_on_uniform_lines():
    g = Grid((1.0, 0.7, 0.45), (16, 11, 7), origin=(0.1, -0.2, 0.03))
    u = Grid.from_lines(*(np.linspace(o, o + s, n + 1) for o, s, n in zip(g.origin, g.size, g.cells)))
    shapes = [Cylinder((0.6, 0.15, 0.25), 0.2, 0.3, axis="y"),
              Surface(*sphere_surface((0.55, 0.1, 0.25), 0.18)),
              Box((0.2, -0.1, 0.1), (0.77, 0.33, 0.41))]
    worst = 0.0
    for shape in shapes:
        fg, fu = volume_fractions(g, shape, samples=3), volume_fractions(u, shape, samples=3)
        worst = max(worst, float(np.abs(fg - fu).max()))
        np.testing.assert_array_equal(cell_mask(g, shape), cell_mask(u, shape))
        np.testing.assert_allclose(power_density(u, fu, 50.0), power_density(g, fg, 50.0), rtol=1e-12)
    print(f"uniform grid given as lines against the uniform grid: fractions differ by {worst:.1e} at most")
    assert worst < 1e-12


def test_power_density_integrates_to_the_power_on_a_graded_grid():
    g = stretched()
    power = 350.0
    parts = {"cylinder": Cylinder((0.45, 0.37, 0.3), 0.17, 0.29, axis="z"),
             "sphere": Surface(*sphere_surface((0.3, 0.5, 0.3), 0.15)),
             "box half outside": Box((0.7, 0.6, -0.2), (1.3, 0.9, 0.2))}
    v = g.cell_volumes()
    for name, shape in parts.items():
        f = volume_fractions(g, shape, samples=4)
        q = power_density(g, f, power)
        total = float(np.sum(q * v))
        print(f"{name}: sum(q * V) - P = {total - power:+.2e} W of {power} W")
        assert abs(total - power) <= 1e-12 * power
        # one density (W/m3) in every whole cell of the part, none outside it
        full = f == 1.0
        if full.any():
            np.testing.assert_allclose(q[full], power / float(np.sum(f * v)), rtol=1e-15)
        assert np.all(q[f == 0.0] == 0.0)
    with pytest.raises(ValueError, match="no volume"):
        power_density(g, np.zeros(g.cells), power)


# ----------------------------------------------------------------------------- uniform: as before


@pytest.fixture(scope="module")
def before(tmp_path_factory):
    """meshes' grid, shapes and voxelize modules as they were at REFERENCE (a package in tmp)."""
    root = tmp_path_factory.mktemp("reference")
    pkg = root / "meshes_before_graded"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in ("grid", "shapes", "voxelize"):
        try:
            text = subprocess.run(["git", "show", f"{REFERENCE}:meshes/{name}.py"], cwd=REPO,
                                  capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"git cannot show meshes/{name}.py at {REFERENCE[:7]} here: {exc}")
        (pkg / f"{name}.py").write_text(text)
    sys.path.insert(0, str(root))
    try:
        mods = {n: importlib.import_module(f"meshes_before_graded.{n}") for n in ("grid", "shapes", "voxelize")}
    finally:
        sys.path.remove(str(root))
    yield SimpleNamespace(**mods)
    for name in [m for m in sys.modules if m.startswith("meshes_before_graded")]:
        del sys.modules[name]


def same_bits(new, old):
    new, old = np.asarray(new), np.asarray(old)
    return new.dtype == old.dtype and new.shape == old.shape and new.tobytes() == old.tobytes()


UNIFORM = [((1.0, 1.0, 1.0), (16, 16, 16), (0.0, 0.0, 0.0)),
           ((0.7, 0.45, 0.31), (9, 7, 5), (0.1, -0.2, 0.03)),
           ((2.0, 0.5, 0.25), (13, 3, 1), (-1.0, 0.0, 5.0))]


@pytest.mark.parametrize("size, cells, origin", UNIFORM)
def test_uniform_grids_give_the_same_bits_as_before(before, size, cells, origin):
    new, old = Grid(size, cells, origin), before.grid.Grid(size, cells, origin)
    assert repr(new) == repr(old)
    assert new.spacing == old.spacing and new.cell_volume == old.cell_volume
    for a in range(3):
        assert same_bits(new.centers(a), old.centers(a)) and same_bits(new.faces(a), old.faces(a))
    assert all(same_bits(n, o) for n, o in zip(new.mesh(), old.mesh()))

    o, s = np.array(origin), np.array(size)

    def at(frac):
        return o + np.array(frac) * s

    vertices, faces = sphere_surface(at((0.45, 0.55, 0.5)), 0.3 * s.min())
    pairs = [
        (Box(at((0.13, 0.07, 0.2)), at((0.61, 0.8, 0.9))),
         before.shapes.Box(at((0.13, 0.07, 0.2)), at((0.61, 0.8, 0.9)))),
        (Box(at((0.5, -0.3, 0.4)), at((1.4, 0.5, 1.2))),
         before.shapes.Box(at((0.5, -0.3, 0.4)), at((1.4, 0.5, 1.2)))),
        (Surface(vertices, faces), before.shapes.Surface(vertices, faces)),
    ]
    for axis in "xyz":
        c, r, ln = at((0.45, 0.52, 0.48)), 0.27 * s.min(), 0.6 * s["xyz".index(axis)]
        pairs.append((Cylinder(c, r, ln, axis), before.shapes.Cylinder(c, r, ln, axis)))
    c = at((0.9, 0.1, 0.5))  # partly outside the grid
    pairs.append((Cylinder(c, 0.3 * s.min(), 0.5 * s[0], "x"), before.shapes.Cylinder(c, 0.3 * s.min(), 0.5 * s[0], "x")))
    compared = 0
    for shape, old_shape in pairs:
        lo, hi = shape.bounds()
        assert same_bits(box_mask(new, lo, hi), before.voxelize.box_mask(old, lo, hi))
        assert same_bits(cell_mask(new, shape), before.voxelize.cell_mask(old, old_shape))
        for samples in (1, 3, 4):
            f_new = volume_fractions(new, shape, samples=samples)
            f_old = before.voxelize.volume_fractions(old, old_shape, samples=samples)
            assert same_bits(f_new, f_old), (shape, samples, np.abs(f_new - f_old).max())
            if f_new.sum() > 0:
                assert same_bits(power_density(new, f_new, 123.4), before.voxelize.power_density(old, f_old, 123.4))
            compared += 1
    print(f"grid {cells} at {origin}: {compared} fraction arrays, their masks and power densities "
          f"identical bit for bit to {REFERENCE[:7]}")
