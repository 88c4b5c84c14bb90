"""`thermo check` reports the grid per axis and the parts it makes one cell thin."""
from thermo import cli
from thermo.case import case_from_dict, example_path, load_case
from thermo.grid.quality import MIN_CELLS_ACROSS, grid_report


def block_case(cells: int, block: tuple[float, float]) -> dict:
    return {"case": {"name": "block"}, "domain": {"size": [1.0, 1.0, 1.0], "cells": [cells] * 3},
            "parts": [{"name": "b", "kind": "solid", "material": "aluminium",
                       "box": {"min": [block[0]] * 3, "max": [block[1]] * 3}}],
            "boundaries": []}


def test_cells_across_count_the_centres_inside():
    # 10 cells of 0.1 m (centres at 0.05, 0.15, ...): a 0.3 m block on grid lines spans
    # 3 cells; a 0.05 m block holds one centre or none
    assert grid_report(case_from_dict(block_case(10, (0.2, 0.5))))["thin"] == []
    one = grid_report(case_from_dict(block_case(10, (0.21, 0.26))))["thin"]
    none = grid_report(case_from_dict(block_case(10, (0.16, 0.24))))["thin"]
    print(one, none)
    assert one == [("b", 1, "x")] and none == [("b", 0, "x")]


def test_the_default_rack_names_its_one_cell_features_and_refining_fixes_them():
    coarse = grid_report(load_case(example_path("air-rack-60kw")))
    print(coarse["thin"])
    names = {n for n, c, a in coarse["thin"]}
    assert {"cooler1", "cooler2", "cooler3", "cooler4", "containment-roof"} <= names
    assert coarse["cells"] == 24 * 8 * 24 and abs(coarse["x"]["max_ratio"] - 1.0) < 1e-12
    fine = grid_report(load_case(example_path("air-rack-60kw"), ["domain.cells=[96,32,96]"]))
    print(fine["thin"])
    assert len(fine["thin"]) < len(coarse["thin"])
    assert all(c < MIN_CELLS_ACROSS for _, c, _ in fine["thin"])


def test_check_prints_the_grid(capsys):
    assert cli.main(["check", "--example", "air-rack-60kw"]) == 0
    out = capsys.readouterr().out
    print(out)
    assert "x: 24 cells, 150 to 150 mm" in out and "4,608 cells" in out
    assert "fewer than 2 cells across: " in out and "cooler1 (1 along y)" in out
