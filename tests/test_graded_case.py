"""The [grid] table: graded grids from a case, refused input, `thermo check`'s report."""
from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict

BASE = {
    "case": {"name": "graded"},
    "domain": {"size": [0.4, 0.3, 0.1]},
    "grid": {"max_cell": [0.02, 0.02, 0.02], "min_cell": 0.0005, "max_ratio": 1.2,
             "min_cells_across": 3,
             "refine": [{"parts": ["gpu*"], "max_cell": 0.004}]},
    "parts": [{"name": "gpu0", "kind": "solid", "material": "silicon", "power": 100.0,
               "box": {"min": [0.1, 0.1, 0.0], "max": [0.15, 0.15, 0.003]}},
              {"name": "sink", "kind": "solid", "material": "copper",
               "box": {"min": [0.1, 0.1, 0.003], "max": [0.15, 0.15, 0.0077]}}],
    "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0.0, 0.0],
                    "region": {"min": [0.05, 0.02], "max": [0.25, 0.08]}}],
}


def graded(**grid):
    d = copy.deepcopy(BASE)
    d["grid"].update(grid)
    return d


def test_lines_lie_on_every_part_face_and_boundary_edge():
    grid = case_from_dict(BASE).grid
    assert not grid.is_uniform
    faces = [grid.faces(a) for a in range(3)]
    wanted = {0: [0.1, 0.15], 1: [0.1, 0.15, 0.05, 0.25], 2: [0.0, 0.003, 0.0077, 0.02, 0.08]}
    for a, xs in wanted.items():
        for x in xs:
            gap = np.abs(faces[a] - x).min()
            print(f"axis {a}: line nearest {x} m is {gap:.2e} m away")
            assert gap < 1e-12


def test_walls_zone_puts_first_cells_on_the_open_faces_only():
    """``walls`` with ``first_cell``: cells of first_cell on the outer side of every
    face of the named parts that the fluid sees, none where the die rests on the floor
    or the sink on the die, the ratio limit kept growing away."""
    first = 1e-4
    grid = case_from_dict(graded(min_cell=0.0, refine=[{"walls": ["gpu*", "sink"],
                                                         "first_cell": first}])).grid
    faces = [grid.faces(a) for a in range(3)]
    w = [grid.widths(a) for a in range(3)]

    def outside(axis, at, side):
        i = int(np.argmin(np.abs(faces[axis] - at)))
        assert abs(faces[axis][i] - at) < 1e-12
        return w[axis][i - 1] if side < 0 else w[axis][i]

    open_faces = [(0, 0.1, -1), (0, 0.15, 1), (1, 0.1, -1), (1, 0.15, 1), (2, 0.0077, 1)]
    for axis, at, side in open_faces:
        print(f"axis {axis} at {at} m, side {side:+d}: first cell {outside(axis, at, side):.3e} m")
        assert abs(outside(axis, at, side) - first) < 1e-12
    print(f"die's top, under the sink: {outside(2, 0.003, 1):.3e} m")
    assert outside(2, 0.003, 1) > 2 * first
    for a in range(3):
        ratio = np.maximum(w[a][1:] / w[a][:-1], w[a][:-1] / w[a][1:]).max()
        assert ratio <= 1.2 * (1 + 1e-9)


def _server_layers_by_hand(first: float) -> list[dict]:
    """The resolved cht-server's layers as session 45 built them, one box per face the
    packages (x 120-160 and 280-320 mm, y 20-40 mm, z 4-8 mm) show the air, and the
    board's top."""
    z0, z1, y0, half = 0.004, 0.008, 0.02, 0.04
    ref = []
    for x0 in (0.12, 0.28):
        x1 = x0 + 0.04
        ref += [{"box": {"min": [round(x0 - first, 9), y0, z0], "max": [x0, half, z1]},
                 "max_cell": [first, 0.003, 0.003]},
                {"box": {"min": [x1, y0, z0], "max": [round(x1 + first, 9), half, z1]},
                 "max_cell": [first, 0.003, 0.003]},
                {"box": {"min": [x0, y0, z1], "max": [x1, half, round(z1 + first, 9)]},
                 "max_cell": [0.003, 0.003, first]},
                {"box": {"min": [x0, round(y0 - first, 9), z0], "max": [x1, y0, z1]},
                 "max_cell": [0.003, first, 0.003]}]
    ref.append({"box": {"min": [0.0, 0.0, z0], "max": [0.48, half, round(z0 + first, 9)]},
                "max_cell": [0.003, 0.003, first]})
    return ref


def test_walls_zone_of_a_part_buried_in_solids_is_refused():
    """A walls zone whose parts show the fluid no face (the die potted in a block) would
    refine nothing: refused, naming the key."""
    d = graded(refine=[{"walls": ["gpu0"], "first_cell": 1e-4}])
    d["parts"].insert(0, {"name": "potting", "kind": "solid", "material": "copper",
                          "box": {"min": [0.09, 0.09, 0.0], "max": [0.16, 0.16, 0.01]}})
    with pytest.raises(CaseError) as info:
        case_from_dict(d)
    print(info.value)
    assert info.value.key == "grid.refine[0].walls" and "meets the fluid" in str(info.value)


def test_check_reports_the_walls_layers_and_a_min_cell_that_holds_them():
    """`thermo check`'s grid report names each walls zone's faces (the die's four sides
    and the sink's four sides and top: the die's floor and top and the sink's bottom
    rest on solids or the domain) and says when min_cell keeps the first cells wider."""
    from thermo.grid.quality import grid_report, report_lines
    zone = [{"walls": ["gpu*", "sink"], "first_cell": 1e-4}]
    free = grid_report(case_from_dict(graded(min_cell=0.0, refine=zone)))["walls"]
    print(free)
    assert [(w["faces"], w["widest_first_cell"]) for w in free] == [(9, pytest.approx(1e-4, rel=1e-9))]
    held = grid_report(case_from_dict(graded(min_cell=5e-4, refine=zone)))
    text = "\n".join(report_lines(held))
    print(text)
    assert held["walls"][0]["widest_first_cell"] >= 5e-4 * (1 - 1e-9)
    assert "9 faces with first cells of 0.1 mm; the widest is 0.5 mm" in text


def test_walls_zone_gives_the_hand_built_layers_of_the_resolved_server():
    """Session 45 resolved cht-server's packages with a refinement box per face;
    ``walls = ["block", "board"]`` (benchmarks/cht_server_resolved.py now) gives the
    same lines to round-off."""
    from benchmarks.cht_server_resolved import graded as with_walls, half_case
    auto = with_walls(half_case(), 1.6e-4, 0.003, 1.3)
    hand = copy.deepcopy(auto)
    hand["grid"]["refine"] = _server_layers_by_hand(1.6e-4)
    a, b = case_from_dict(hand).grid, case_from_dict(auto).grid
    print("cells:", a.shape, b.shape)
    assert a.shape == b.shape == (227, 31, 41)
    for x, y in zip(a.lines, b.lines):
        assert np.max(np.abs(np.asarray(x) - np.asarray(y))) < 1e-12


def test_parts_get_min_cells_across_and_ratio_holds():
    grid = case_from_dict(BASE).grid
    c = grid.centers(2)
    across = np.count_nonzero((c > 0.0) & (c < 0.003))
    print("cells across the 3 mm die:", across, "widths z:", grid.widths(2)[:6])
    assert across >= 3
    for a in range(3):
        w = grid.widths(a)
        ratio = np.maximum(w[1:] / w[:-1], w[:-1] / w[1:]).max()
        print(f"axis {a}: {w.size} cells, {w.min():.4g}..{w.max():.4g} m, ratio {ratio:.4f}")
        assert ratio <= 1.2 * (1 + 1e-9)
        assert w.max() <= 0.02 * (1 + 1e-9)


def test_grid_is_deterministic_and_survives_the_toml_round_trip():
    case = case_from_dict(BASE)
    again = case_from_dict(BASE).grid
    assert case.grid.lines == again.lines
    import tomllib
    reread = case_from_dict(tomllib.loads(case.text))
    assert reread.grid.lines == case.grid.lines


@pytest.mark.parametrize("change,key,words", [
    ({"max_ratio": 0.9}, "grid.max_ratio", "out of range"),
    ({"max_ratio": 1.0}, "grid.max_ratio", "out of range"),
    ({"max_cell": 0.0}, "grid.max_cell", "out of range"),
    ({"max_cell": [0.02, -0.01, 0.02]}, "grid.max_cell[1]", "out of range"),
    ({"min_cell": 0.5}, "grid.min_cell", "above max_cell"),
    ({"refine": [{"parts": ["cpu*"], "max_cell": 0.004}]}, "grid.refine[0].parts", "names no part"),
    ({"refine": [{"box": {"min": [0.0, 0.0, 0.0], "max": [0.5, 0.3, 0.1]}, "max_cell": 0.01}]},
     "grid.refine[0].box.max", "outside the domain"),
    ({"refine": [{"max_cell": 0.01}]}, "grid.refine[0]", "exactly one of box, parts and walls"),
    ({"refine": [{"walls": ["gpu0"], "parts": ["gpu0"], "first_cell": 1e-4}]}, "grid.refine[0]",
     "exactly one of box, parts and walls"),
    ({"refine": [{"walls": ["cpu*"], "first_cell": 1e-4}]}, "grid.refine[0].walls", "names no part"),
    ({"refine": [{"walls": ["gpu0"], "max_cell": 1e-4}]}, "grid.refine[0].max_cell", "not with walls"),
    ({"refine": [{"walls": ["gpu0"]}]}, "grid.refine[0].first_cell", "missing required key"),
    ({"refine": [{"walls": ["gpu0"], "first_cell": 0.0}]}, "grid.refine[0].first_cell", "out of range"),
    ({"refine": [{"parts": ["gpu0"], "first_cell": 1e-4}]}, "grid.refine[0].first_cell",
     "not with parts"),
    ({"max_cell": 1e-5, "min_cell": 0.0}, "grid.max_cell", "200,000,000"),
    ({"min_cell": 0.0, "refine": [{"parts": ["gpu0"], "max_cell": 1e-9}]}, "grid.refine",
     "cells along the axis"),
])
def test_bad_grid_is_refused_naming_the_key(change, key, words):
    with pytest.raises(CaseError) as info:
        case_from_dict(graded(**change))
    print(info.value)
    assert info.value.key == key and words in str(info.value)


def test_cells_and_grid_together_are_refused():
    d = copy.deepcopy(BASE)
    d["domain"]["cells"] = [4, 4, 4]
    with pytest.raises(CaseError) as info:
        case_from_dict(d)
    assert info.value.key == "grid" and "not both" in str(info.value)


def test_neither_cells_nor_grid_is_refused():
    d = copy.deepcopy(BASE)
    del d["grid"]
    with pytest.raises(CaseError) as info:
        case_from_dict(d)
    assert info.value.key == "domain.cells"


def test_check_prints_the_grid_and_draws_it(tmp_path):
    case = case_from_dict(BASE)
    path = tmp_path / "case.toml"
    path.write_text(case.text)
    png = tmp_path / "grid.png"
    out = subprocess.run([sys.executable, "-m", "thermo", "check", str(path), "--picture", str(png)],
                         capture_output=True, text=True, timeout=300)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    g = case.grid
    assert f"{g.cells[0]}x{g.cells[1]}x{g.cells[2]} cells" in out.stdout
    assert "neighbour ratio up to 1.2" in out.stdout and "GiB in float32" in out.stdout
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_grid_too_large_for_the_device_is_refused_before_building(monkeypatch):
    import jax

    from thermo.solver import Simulation, capacity

    case = case_from_dict(BASE)
    assert capacity.device_memory(jax.devices("cpu")[0]) > 2 ** 28  # the host's memory is known
    need = case.grid.ncells * capacity.BYTES_PER_CELL[1]
    monkeypatch.setattr(capacity, "device_memory", lambda device: need // 2)
    with pytest.raises(CaseError) as info:
        Simulation(case)
    print(info.value)
    assert info.value.key == "grid.max_cell"
    assert f"{case.grid.ncells:,} cells" in str(info.value) and f"{need:,} bytes" in str(info.value)
