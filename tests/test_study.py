"""Grid-convergence studies (`thermo study`): the GCI arithmetic against Celik et
al.'s published worked example, and a study of a case with an analytic answer."""
from __future__ import annotations

import json

import pytest

from thermo.case.overrides import parse_value
from thermo.cli import main
from thermo.study import convergence, grid_overrides, inlet_rise, observed_order, study_table


def test_celik_worked_example_monotonic():
    """Celik et al. (2008), Table 1, first column (dimensionless reattachment length,
    N = 18,000 / 8,000 / 4,500 cells in 2-D): p = 1.53, phi_ext = 6.1685, e_a = 1.5 %,
    e_ext = 1.7 %, GCI_fine = 2.2 %."""
    h = [(1.0 / n) ** 0.5 for n in (18000, 8000, 4500)]
    r = convergence([6.063, 5.972, 5.863], h)
    print({k: r[k] for k in ("order", "extrapolated", "approx_error_pct", "extrapolated_error_pct",
                             "gci_pct")})
    assert round(r["order"], 2) == 1.53
    assert round(r["extrapolated"], 4) == 6.1685
    assert round(r["approx_error_pct"], 1) == 1.5
    assert round(r["extrapolated_error_pct"], 1) == 1.7
    assert round(r["gci_pct"], 1) == 2.2
    assert not r["oscillatory"] and "warning" not in r


def test_celik_worked_example_low_order():
    """Table 1, second column (N = 18,000 / 4,500 / 980: r21 = 2, r32 = 2.14): p = 0.75,
    phi_ext = 10.8801, GCI_fine = 1.1 %."""
    h = [(1.0 / n) ** 0.5 for n in (18000, 4500, 980)]
    r = convergence([10.7880, 10.7250, 10.6050], h)
    assert round(r["order"], 2) == 0.75
    assert round(r["extrapolated"], 4) == 10.8801
    assert round(r["gci_pct"], 1) == 1.1


def test_manufactured_second_order_unequal_ratios():
    """phi = 3 + 0.4 h^2 on grids refined by 1.5 then 1.3: order 2 and the exact limit."""
    h = [0.1, 0.13, 0.195]
    r = convergence([3.0 + 0.4 * x * x for x in h], h)
    assert abs(r["order"] - 2.0) < 1e-8
    assert abs(r["extrapolated"] - 3.0) < 1e-12


def test_oscillatory_and_stalled_are_flagged():
    r = convergence([1.0, 1.1, 0.95], [1.0, 1.5, 2.25])
    assert r["oscillatory"] and "oscillatory" in r["warning"]
    assert observed_order([1.0, 1.0, 1.2], [1.0, 1.5, 2.25]) is None


def test_uncertainty_rules():
    """U is the GCI where the convergence is monotone at an order in (0.5, 3) (Celik's
    worked example: GCI 2.2 %), and otherwise from the range D of the three values:
    3 D oscillatory (the air rack's cooler returns on its three finest grids, session
    16) or where the changes do not shrink, max(GCI, 1.25 D) above order 3, min(GCI,
    3 D) below 0.5."""
    h = [(1.0 / n) ** 0.5 for n in (18000, 8000, 4500)]
    r = convergence([6.063, 5.972, 5.863], h)
    assert r["uncertainty_rule"] == "GCI" and r["uncertainty"] == r["gci"]
    phi = [32.491, 32.315, 32.347]  # window means, 137,144 / 41,040 / 20,468 cells
    r = convergence(phi, [0.0381, 0.0569, 0.0717], scale=10.491)
    print(r["uncertainty"], r["uncertainty_pct"], r["gci"])
    assert r["oscillatory"] and r["uncertainty_rule"] == "3 x range"
    assert abs(r["uncertainty"] - 3 * 0.176) < 1e-9 and abs(r["uncertainty_pct"] - 5.03) < 0.01
    r = convergence([1.0, 1.1, 1.15], [1.0, 1.5, 2.25])  # changes grow on refinement
    assert r["uncertainty_rule"] == "3 x range" and abs(r["uncertainty"] - 0.45) < 1e-12
    h = [1.0, 1.5, 2.25]
    r = convergence([2.0 + 0.1 * x ** 4 for x in h], h)  # order 4: extrapolation too trusting
    assert abs(r["order"] - 4.0) < 1e-8 and r["uncertainty_rule"] == "max(GCI, 1.25 x range)"
    assert abs(r["uncertainty"] - 1.25 * 0.1 * (2.25 ** 4 - 1.0)) < 1e-12 and r["gci"] < 0.2
    r = convergence([2.0 + x ** 0.3 for x in h], h)  # order 0.3: GCI huge, range bounds it
    assert abs(r["order"] - 0.3) < 1e-8 and r["uncertainty_rule"] == "min(GCI, 3 x range)"
    assert abs(r["uncertainty"] - 3.0 * (2.25 ** 0.3 - 1.0)) < 1e-12 and r["gci"] > r["uncertainty"]


def test_a_runaway_order_iteration_gives_no_order_not_an_overflow():
    # measured on the contained data hall's cooler return (cell sizes 0.143 / 0.170 /
    # 0.288 m): the coarse change is 9.5 times the fine one over unequal ratios 1.19 and
    # 1.69, and the fixed-point iteration ran off to an OverflowError
    phi, h = [34.5508, 34.5159, 34.1836], [0.1430, 0.1704, 0.2878]
    assert observed_order(phi, h) is None
    r = convergence(phi, h, scale=14.55)
    assert r["order"] is None and r["gci"] is None and "diverges" in r["warning"]
    r = convergence([1.0, 1.1, 1.15], [1.0, 1.5, 2.25])  # changes grow on refinement
    assert r["order"] is None and r["extrapolated"] is None and "do not shrink" in r["warning"]
    # unequal ratios at a low order: the finer change is the larger, yet it converges
    h = [1.0, 1.5, 2.0]
    r = convergence([2.0 + x ** 0.5 for x in h], h)
    assert abs(r["order"] - 0.5) < 1e-8 and abs(r["extrapolated"] - 2.0) < 1e-10


def test_grid_overrides_uniform_and_graded():
    uniform = {"domain": {"cells": [24, 8, 1]}}
    assert grid_overrides(uniform, 2, 1.5) == ["domain.cells=[54,18,1]"]
    graded = {"domain": {"size": [2.0, 1.0, 1.0]}, "grid": {"max_cell": [0.3, 0.3, 0.2], "min_cell": [0.0, 0.0, 0.0],
                                     "min_cells_across": 2,
                                     "refine": [{"max_cell": [0.3, 0.3, 0.1]},
                                                {"walls": ["chip"], "first_cell": 3e-4}]}}
    out = grid_overrides(graded, 1, 1.5)
    wall = [o for o in out if o.startswith("grid.refine[1].first_cell=")]
    assert len(wall) == 1 and abs(float(wall[0].split("=", 1)[1]) - 2e-4) < 1e-15
    assert "grid.min_cells_across=3" in out
    zone = [o for o in out if o.startswith("grid.refine[0].max_cell=")]
    assert len(zone) == 1
    got = parse_value(zone[0].split("=", 1)[1])
    assert all(abs(a - b) < 1e-12 for a, b in zip(got, [0.2, 0.2, 0.1 / 1.5]))


def test_grid_overrides_keep_a_graded_2d_case_flat():
    """A graded 2-D slice (one cell across y: max_cell there spans the domain) keeps
    that axis and min_cells_across; refined grids of it stay one cell across."""
    from benchmarks.rib_wall_laws import graded as rib_graded, rib_case
    from thermo.case import case_from_dict
    from thermo.case.overrides import apply_override
    raw = rib_graded(rib_case(), 2.4e-4, 0.003)
    case = case_from_dict(raw)
    out = grid_overrides(case.data, 2, 1.5)
    print(out)
    assert "grid.min_cells_across=1" in out
    for o in out:
        apply_override(raw, o, "<test>")
    refined = case_from_dict(raw)
    print(case.grid.shape, "->", refined.grid.shape)
    assert refined.grid.shape[1] == 1 and refined.grid.shape[0] > case.grid.shape[0]


def _hall(inlet: float, rack_in: float) -> dict:
    """A hall's summary in miniature: two racks with a 15 K and a 10 K air rise."""
    return {"fluid": {"min_temperature_c": 20.0},
            "recirculation": {"inlet_max_c": inlet, "racks": {
                "a.rack0": {"inlet_mean_c": rack_in, "inlet_max_c": rack_in + 0.2,
                            "exhaust_mean_c": rack_in + 15.0},
                "a.rack1": {"inlet_mean_c": 20.1, "inlet_max_c": 20.3, "exhaust_mean_c": 30.1}}},
            "monitors": {"means_c": {"a.rack0 inlet max": rack_in + 0.2}},
            "parts": {"chip": {"power_w": 10.0, "max_temperature_c": inlet + 40.0}}}


def test_inlet_errors_are_judged_against_the_air_rise_through_the_unit():
    """An intake 0.5 K above the 20 C supply that moves 0.1 K between grids is 0.7 %
    of its rack's 15 K rise, not 20 % of its own 0.5 K; other temperatures keep the
    rise above the coldest fluid."""
    fine = _hall(20.5, 20.3)
    scale, label = inlet_rise("recirculation.racks.a.rack0.inlet_max_c", fine)
    assert abs(scale - 15.0) < 1e-9 and label == "a.rack0's air rise"
    assert abs(inlet_rise("monitors.means_c.a.rack0 inlet max", fine)[0] - 15.0) < 1e-9
    assert abs(inlet_rise("recirculation.inlet_max_c", fine)[0] - 12.5) < 1e-9  # the racks' mean
    assert inlet_rise("parts.chip.max_temperature_c", fine) is None
    assert inlet_rise("recirculation.racks.a.rack9.inlet_max_c", fine) is None  # no such rack
    summaries = [_hall(20.5 + 0.4 * d, 20.3 + 0.4 * d) for d in (1.0, 0.5, 0.25)]  # order 1, r = 2
    rows = {r["quantity"]: r for r in study_table(summaries, [0.4, 0.2, 0.1],
                                                   ("recirculation.*", "parts.*", "monitors.*"))}
    rack = rows["recirculation.racks.a.rack0.inlet_max_c"]
    assert rack["relative_to"] == "a.rack0's air rise" and abs(rack["scale"] - 15.0) < 1e-9
    assert abs(rack["order"] - 1.0) < 1e-9
    # GCI = 1.25 * 0.1 / (2 - 1) = 0.125 K: 0.83 % of 15 K
    assert abs(rack["gci"] - 0.125) < 1e-9 and abs(rack["gci_pct"] - 100 * 0.125 / 15.0) < 1e-9
    chip = rows["parts.chip.max_temperature_c"]
    assert chip["relative_to"] == "rise above the coldest fluid"
    assert abs(chip["gci_pct"] - 100 * 0.125 / (60.6 - 20.0)) < 1e-9  # finest chip 60.6 C
    assert abs(rows["recirculation.inlet_max_c"]["scale"] - 12.5) < 1e-9
    assert rows["monitors.means_c.a.rack0 inlet max"]["relative_to"] == "a.rack0's air rise"


SLAB = """
[case]
name = "heated-slab"

[domain]
size = [1.0, 0.1, 0.1]
cells = [8, 1, 1]

[[materials]]
name = "unit-solid"
density = 1.0
specific_heat = 1.0
conductivity = 1.0

[fluid]
initial_temperature = 0.0
reference_temperature = 0.0

[[parts]]
name = "slab"
kind = "solid"
material = "unit-solid"
power = 0.08
box = { min = [0.0, 0.0, 0.0], max = [1.0, 0.1, 0.1] }

[[boundaries]]
name = "left"
face = "x-"
temperature = 0.0

[[boundaries]]
name = "right"
face = "x+"
temperature = 0.0

[solver]
mode = "steady"
tolerance = 1.0e-10
max_steps = 200000
steps_per_call = 20000
precision = "float64"
"""


def test_study_of_a_heated_slab(tmp_path):
    """A slab heating 8 W/m3 between two faces at 0 C (k = 1, L = 1 m): its mean
    temperature is q L^2 / (12 k) = 2/3 C. The cell-centred grid's mean converges at
    second order (the half cell at each face); the study's extrapolate must land on
    the analytic mean far closer than the finest grid does, and the GCI must cover
    the finest grid's true error."""
    case = tmp_path / "slab.toml"
    case.write_text(SLAB)
    out = tmp_path / "study"
    assert main(["study", str(case), "--grids", "3", "--ratio", "1.5", "-o", str(out),
                 "--quantity", "parts.*.mean_temperature_c"]) == 0
    study = json.loads((out / "study.json").read_text())
    assert [g["cells"] for g in study["grids"]] == [8, 12, 18]
    (row,) = study["quantities"]
    exact = 2.0 / 3.0
    fine_error = abs(row["values"][0] - exact)
    ext_error = abs(row["extrapolated"] - exact)
    print(f"mean on 8/12/18 cells {row['all_grids']}, order {row['order']:.3f}, extrapolate "
          f"{row['extrapolated']:.6f} (error {ext_error:.2e}), finest error {fine_error:.2e}, "
          f"GCI {row['gci']:.2e}")
    assert abs(row["order"] - 2.0) < 0.1
    assert ext_error < 1e-9  # the error is (4/3) h^2 exactly: Richardson removes it
    assert row["gci"] >= fine_error
    assert (out / "study.md").read_text().count("parts.slab.mean_temperature_c") == 1
    assert (out / "study.png").stat().st_size > 1000
    # resumed: nothing reruns, the same answer
    mtime = (out / "grid-2" / "summary.json").stat().st_mtime
    assert main(["study", str(case), "-o", str(out), "--quantity", "parts.*.mean_temperature_c"]) == 0
    assert (out / "grid-2" / "summary.json").stat().st_mtime == mtime


def test_study_of_runs_made_separately(tmp_path, capsys):
    """`thermo study --runs`: the slab run on three grids by `thermo run`, given out of
    order, makes the study `thermo study` makes (the grids read from the result files),
    and the analytic mean is found by the extrapolation; wrong folders are refused."""
    case = tmp_path / "slab.toml"
    case.write_text(SLAB)
    runs = []
    for n in (18, 8, 12):
        runs.append(tmp_path / f"run-{n}")
        assert main(["run", str(case), "-o", str(runs[-1]), "--quiet",
                     "--set", f"domain.cells=[{n},1,1]"]) == 0
    out = tmp_path / "study"
    assert main(["study", "--runs", *map(str, runs), "-o", str(out),
                 "--quantity", "parts.*.mean_temperature_c"]) == 0
    study = json.loads((out / "study.json").read_text())
    assert [g["cells"] for g in study["grids"]] == [8, 12, 18]
    assert [g["run"] for g in study["grids"]] == [str(runs[1]), str(runs[2]), str(runs[0])]
    (row,) = study["quantities"]
    print(f"from runs: order {row['order']:.4f}, extrapolate {row['extrapolated']:.9f} vs 2/3")
    assert abs(row["order"] - 2.0) < 0.1
    assert abs(row["extrapolated"] - 2.0 / 3.0) < 1e-9
    assert "1.5, 1.5 reached" in (out / "study.md").read_text()
    # --mean: the slab's maximum and mean temperature averaged, studied as one number
    assert main(["study", "--runs", *map(str, runs), "-o", str(out),
                 "--quantity", "parts.*_temperature_c",
                 "--mean", "both=parts.slab.*_temperature_c"]) == 0
    rows = {r["quantity"]: r for r in json.loads((out / "study.json").read_text())["quantities"]}
    assert sorted(rows) == ["mean.both", "parts.slab.max_temperature_c",
                            "parts.slab.mean_temperature_c"]
    assert rows["mean.both"]["all_grids"] == pytest.approx(
        [(a + b) / 2 for a, b in zip(rows["parts.slab.max_temperature_c"]["all_grids"],
                                     rows["parts.slab.mean_temperature_c"]["all_grids"])], rel=1e-15)
    capsys.readouterr()
    for bad, says in (("both", "NAME=PATTERN"), ("a.b=parts.*", "NAME=PATTERN"),
                      ("none=parts.*.nothing_c", "matches no number")):
        assert main(["study", "--runs", *map(str, runs), "-o", str(tmp_path / "x"),
                     "--mean", bad]) == 2
        assert says in capsys.readouterr().err
    # refused: two folders, a folder without a summary, two cases, one grid twice
    assert main(["study", "--runs", str(runs[0]), str(runs[1]), "-o", str(tmp_path / "x")]) == 2
    assert "at least 3" in capsys.readouterr().err
    assert main(["study", "--runs", *map(str, runs[:2]), str(tmp_path), "-o", str(tmp_path / "x")]) == 2
    assert f"{tmp_path} has no summary.json" in capsys.readouterr().err
    summary = json.loads((runs[0] / "summary.json").read_text())
    other = tmp_path / "other"
    other.mkdir()
    (other / "summary.json").write_text(json.dumps({**summary, "case": "another"}))
    for f in runs[0].glob("result*"):
        (other / f.name).write_bytes(f.read_bytes())
    assert main(["study", "--runs", *map(str, runs[1:]), str(other), "-o", str(tmp_path / "x")]) == 2
    assert "different cases" in capsys.readouterr().err
    assert main(["study", "--runs", *map(str, runs), str(runs[0]), "-o", str(tmp_path / "x")]) == 2
    assert "same grid" in capsys.readouterr().err
    assert main(["study", str(case), "--runs", *map(str, runs)]) == 2
    assert "give no case" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_study_refuses_bad_arguments(tmp_path, capsys):
    case = tmp_path / "slab.toml"
    case.write_text(SLAB)
    assert main(["study", str(case), "--grids", "2", "-o", str(tmp_path / "x")]) == 2
    assert "--grids 3 or more" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["study", str(case), "--set", "domain.cells=[0,1,1]", "-o", str(tmp_path / "y")]) == 2
    assert "domain.cells" in capsys.readouterr().err
