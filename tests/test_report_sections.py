"""thermo report's engineering sections (thermo/io/report.py): servers with their
inlets and ASHRAE class (hottest first, at most MOST_ROWS), air metrics, the heat split,
chips, junctions and heat sinks, the convergence picture from residual_history, and a
study's GCI table from study.json beside the run. No solver run: a written summary."""
import json

from thermo.io.report import MOST_ROWS, write_report


def summary() -> dict:
    servers = {f"srv[{k}]": {"power_w": 1000.0, "volume_flow_m3_s": 0.1, "inlet_mean_c": 20.0 + k,
                             "inlet_max_c": 21.0 + k, "exhaust_mean_c": 30.0 + k, "delta_t_k": 10.0,
                             "ashrae_class": "A1 recommended" if k < 7 else "A1 allowable"}
               for k in range(MOST_ROWS + 5)}
    return {
        "case": "synthetic", "converged": True, "status": "converged", "steps": 30, "cells": 8,
        "servers": servers,
        "air": {"rci_hi_pct": 97.5, "rti_pct": 88.0, "fan_power_w": 120.0, "n_servers": len(servers),
                "a1_recommended_servers": 7, "a1_compliant_servers": len(servers),
                "a1_outside_servers": []},
        "recirculation": {"hall_ri": 0.125, "racks": {"srv[44]": {"ri": 0.4}}},
        "liquid": {"heat_w": 80000.0, "air_heat_w": 20000.0, "liquid_fraction": 0.8,
                   "pumping_power_w": 95.0},
        "cold_plates": {"p[0]": {"chip": "gpu[0]", "chip_max_temperature_c": 61.0},
                        "p[1]": {"chip": "gpu[1]", "chip_max_temperature_c": 72.5}},
        "junctions": {"chips": {"gpu[1]": {"junction_c": 80.1, "case_c": 70.0, "board_c": 40.0,
                                           "power_w": 1000.0}}},
        "heat_sinks": {"hs[0]": {"power_w": 50.0, "base_temperature_c": 55.0}},
        "residual_history": {"step": [10, 20, 30], "time_s": [1.0, 2.0, 3.0],
                             "momentum": [1e-1, 1e-3, 1e-5], "continuity": [None, 1e-6, 1e-8],
                             "energy": [1e-2, 1e-4, 1e-6]},
    }


def test_report_has_the_engineering_sections(tmp_path):
    run = tmp_path / "grid-2"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps(summary()))
    (tmp_path / "study.json").write_text(json.dumps({
        "case": "synthetic", "ratio": 1.5, "grids": [{}, {}, {}], "method": "Celik et al. 2008",
        "quantities": [{"quantity": "air.inlet_max_c", "unit": "C", "all_grids": [66.0, 65.2, 65.0],
                        "order": 2.1, "extrapolated": 64.9, "gci_pct": 1.23}]}))
    report, _ = write_report(run)
    text = report.read_text()
    for heading in ("## Servers and racks", "## Air-side metrics", "## Heat split",
                    "## Chips under cold plates", "## Junctions", "## Heat sinks",
                    "## Convergence", "## Grid convergence"):
        assert heading in text, heading
    rows = [l for l in text.splitlines() if l.startswith("| srv[")]
    assert len(rows) == MOST_ROWS and rows[0].startswith("| srv[44] ")  # hottest inlet first
    assert "| 0.4 |" in rows[0] and "A1 allowable" in rows[0]
    assert "... and 5 more" in text
    chips = [l for l in text.splitlines() if l.startswith("| gpu[")]
    assert chips[0].startswith("| gpu[1] | p[1] | 72.5 ")
    assert "| air.inlet_max_c | C | 66, 65.2, 65 | 2.1 | 64.9 | 1.23 |" in text
    assert "3 grids refined by 1.5;" in text
    assert "| liquid fraction | 0.8 |" in text and "| RCI_HI | 97.5 % |" in text
    png = run / "report-convergence.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "latter-half mean" not in text  # no monitors: no averaged column
    assert (f"| servers by ASHRAE A1 class (recommended / allowable only / outside) | 7 / {MOST_ROWS - 2} / 0 |"
            in text)
    assert "outside A1 |" not in text


def test_report_names_the_servers_outside_a1(tmp_path):
    s = summary()
    outside = [f"srv[{k}]" for k in range(MOST_ROWS - 5, MOST_ROWS + 5)]
    for k, name in enumerate(s["servers"]):
        s["servers"][name]["ashrae_class"] = "outside" if name in outside else "A1 recommended"
    s["air"] |= {"a1_recommended_servers": MOST_ROWS - 5, "a1_compliant_servers": MOST_ROWS - 5,
                 "a1_outside_servers": outside}
    (tmp_path / "summary.json").write_text(json.dumps(s))
    report, _ = write_report(tmp_path)
    text = report.read_text()
    print([l for l in text.splitlines() if "A1" in l])
    assert (f"| servers by ASHRAE A1 class (recommended / allowable only / outside) | {MOST_ROWS - 5} / 0 / 10 |"
            in text)
    assert f"| outside A1 | {', '.join(outside[:8])} and 2 more |" in text


def test_report_gives_averaged_inlets_with_their_sampling_error(tmp_path):
    s = summary()
    s["monitors"] = {"run_means_c": {"srv[44] inlet max": 63.21, "srv[43] inlet max": 62.5},
                     "run_error_k": {"srv[44] inlet max": 0.164, "srv[43] inlet max": None}}
    (tmp_path / "summary.json").write_text(json.dumps(s))
    report, _ = write_report(tmp_path)
    text = report.read_text()
    print(text[:1500])
    assert "| inlet max, latter-half mean +- 95 % (C) |" in text
    rows = [l for l in text.splitlines() if l.startswith("| srv[")]
    assert "| 65 | 63.21 +- 0.16 | 74 |" in rows[0]  # srv[44]: inlet max, mean, exhaust
    assert "| 64 | 62.5 | 73 |" in rows[1]  # no error known: the mean alone
    assert "| 63 | - | 72 |" in rows[2]


def test_report_gives_averaged_indices_with_their_sampling_error(tmp_path):
    s = summary()
    s["air"]["bypass_fraction"] = 0.0915  # the last instant's
    s["monitors"] = {"run_means_c": {}, "run_error_k": {},
                     "run_index_means": {"air.rti_pct": 88.26, "air.bypass_fraction": 0.1172},
                     "run_index_errors": {"air.rti_pct": 0.314, "air.bypass_fraction": None}}
    (tmp_path / "summary.json").write_text(json.dumps(s))
    text = write_report(tmp_path)[0].read_text()
    rows = [l for l in text.splitlines() if l.startswith(("| RTI", "| bypass", "| RCI_HI", "| metric"))]
    print("\n".join(rows))
    assert "| metric | value | latter-half mean +- 95 % |" in rows
    assert any(r.startswith("| RTI |") and r.endswith("| 88.26 +- 0.31 |") for r in rows)
    assert any(r.startswith("| bypass fraction |") and r.endswith("| 0.1172 |") for r in rows)
    assert any(r.startswith("| RCI_HI |") and r.endswith("| - |") for r in rows)


def test_report_of_a_study_of_separate_runs_gives_the_ratios_reached(tmp_path):
    run = tmp_path / "grid-2"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps(summary()))
    (tmp_path / "study.json").write_text(json.dumps({
        "case": "synthetic", "ratio": None, "grids": [{"h": 0.3}, {"h": 0.2}, {"h": 0.1}],
        "method": "Celik et al. 2008", "quantities": []}))
    report, _ = write_report(run)
    assert "3 grids run separately (ratios reached 1.5, 2);" in report.read_text()


def test_report_lists_the_cooling_units_and_the_stopped_ones(tmp_path):
    s = summary()
    s["cooling_units"] = {
        "hall.crah0": {"volume_flow_m3_s": 10.02, "speed": 1.3, "supply_c": 20.0, "return_c": 37.5,
                       "heat_removed_w": 170000.0, "capacity_w": 178500.0, "at_capacity": False},
        "hall.crah1": {"volume_flow_m3_s": 0.0, "speed": 0.0, "supply_c": 20.0, "return_c": 36.1,
                       "heat_removed_w": 0.0, "capacity_w": 178500.0, "at_capacity": False}}
    (tmp_path / "summary.json").write_text(json.dumps(s))
    report, _ = write_report(tmp_path)
    text = report.read_text()
    print(text[text.index("## Cooling units"):][:800])
    assert "| hall.crah0 | 10.02 | 1.3 | 20 | 37.5 | 170000 | 178500 | no |" in text
    assert "Moving no air (failed or off): hall.crah1." in text


def test_report_lists_leakage_paths_largest_flow_first(tmp_path):
    # an open failed unit (4.9 m3/s up) above the tiles; a cut-out reversed (air down
    # into the plenum) named; more paths than MOST_ROWS: the rest counted
    s = summary()
    leaks = {f"hall.tile{k}": {"volume_flow_m3_s": 0.9 + 0.001 * k, "axis": "z",
                               "pressure_drop_pa": 20.0, "open_area": 0.25,
                               "loss_coefficient": 30.7} for k in range(MOST_ROWS + 2)}
    leaks["hall.a.cutout3"] = {"volume_flow_m3_s": -0.05, "axis": "z", "pressure_drop_pa": -2.0,
                               "open_area": 0.05, "loss_coefficient": 1080.0}
    leaks["hall.crah1"] = {"volume_flow_m3_s": 4.9, "axis": "z", "pressure_drop_pa": 98.0,
                           "open_area": None, "loss_coefficient": 33.0}
    s["leakage"] = leaks
    (tmp_path / "summary.json").write_text(json.dumps(s))
    report, _ = write_report(tmp_path)
    text = report.read_text()
    section = text[text.index("## Leakage paths"):]
    print(section[:600])
    rows = [l for l in section.splitlines() if l.startswith("| hall.")]
    assert len(rows) == MOST_ROWS
    assert rows[0] == "| hall.crah1 | 4.9 | z | 98 | - | 33 |"
    assert rows[1].startswith(f"| hall.tile{MOST_ROWS + 1} | 0.941 |")
    assert "... and 4 more (all of them in summary.json)." in section
    total = sum(v["volume_flow_m3_s"] for v in leaks.values())
    assert f"{len(leaks)} paths carry {total:.4g} m3/s in all (+ along their axes); " \
           "against their axis: hall.a.cutout3." in section


def test_report_lists_the_wall_warnings_and_the_parts_the_leading_edge_check_flags(tmp_path):
    s = summary()
    warning = "first cells' centres beyond 0.1 of the boundary layer ... at block[0] (y/delta 0.98)"
    s["wall_warnings"] = [warning]
    s["walls"] = {"block[0]": {"y_plus_mean": 61.0, "y_over_delta": 0.976, "wall_heat_fraction": 0.74,
                               "first_cell_for_y_plus_1_m": 1.02e-4},
                  "board": {"y_plus_mean": 40.0, "y_over_delta": 0.127, "wall_heat_fraction": 0.29},
                  "default walls": {"y_plus_mean": 30.0}}
    (tmp_path / "summary.json").write_text(json.dumps(s))
    text = write_report(tmp_path)[0].read_text()
    assert "## Warnings" in text and f"- {warning}" in text
    rows = [l for l in text.splitlines() if l.startswith(("| block[0] ", "| board ", "| default walls "))]
    assert rows == ["| block[0] | 0.976 | 74 | 61 | 0.1 |", "| board | 0.127 | 29 | 40 | - |"], rows
    # a clean run has no warnings section
    (tmp_path / "summary.json").write_text(json.dumps(summary()))
    assert "## Warnings" not in write_report(tmp_path)[0].read_text()
