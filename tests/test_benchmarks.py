"""The benchmark suite runs end to end (quick sizes) and writes well-formed results."""
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from thermo import bench
from thermo import cli


def test_cavity_benchmark_writes_one_row_per_size(tmp_path):
    assert bench.main(["cavity", "--sizes", "6", "--steps", "3", "--precision", "float32",
                       "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "cavity.json").read_text())
    (row,) = doc["rows"]
    assert row["precision"] == "float32" and row["cells"] == 6 ** 3
    assert row["steps"] == 3
    assert math.isfinite(row["cell_updates_per_s"]) and row["cell_updates_per_s"] > 0
    assert row["bytes_per_cell"] > 0
    assert row["compile_s"] > 0
    assert row["timed_compilations"] == 0   # the timed run reuses the warm-up's compile
    for key in ("backend", "device_kind", "jax_version", "timestamp"):
        assert row[key]


def test_dispatch_defaults_to_the_suite_and_accepts_subcommands(monkeypatch):
    import thermo.bench.cavity
    import thermo.bench.devahldavis
    import thermo.bench.suite
    seen = []
    monkeypatch.setattr(thermo.bench.suite, "main", lambda argv: seen.append(("suite", argv)) or 0)
    monkeypatch.setattr(thermo.bench.cavity, "main", lambda argv: seen.append(("cavity", argv)) or 0)
    monkeypatch.setattr(thermo.bench.devahldavis, "main",
                        lambda argv: seen.append(("dvd", argv)) or 0)
    assert bench.main(["--quick"]) == 0
    assert bench.main(["suite", "-o", "x"]) == 0
    assert bench.main(["cavity", "--quick"]) == 0
    assert bench.main(["devahldavis", "--quick"]) == 0
    assert seen == [("suite", ["--quick"]), ("suite", ["-o", "x"]), ("cavity", ["--quick"]),
                    ("dvd", ["--quick"])]



def test_repository_shims_and_package_entry_points(tmp_path):
    # `python -m thermo.bench` from any folder; `python -m benchmarks[.compare_cooling]`
    # from the repository root still reach the same code
    root = pathlib.Path(__file__).resolve().parents[1]
    for cwd, module in ((tmp_path, "thermo.bench"), (root, "benchmarks"),
                        (root, "benchmarks.compare_cooling")):
        args = ["multigrid", "--help"] if module != "benchmarks.compare_cooling" else ["--help"]
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=cwd,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        prog = "thermo.bench.compare_cooling" if "compare" in module else "thermo.bench multigrid"
        assert f"usage: python -m {prog}" in done.stdout
    assert list(tmp_path.iterdir()) == []    # --help writes nothing


@pytest.mark.validation   # a run to convergence: tens of seconds
def test_quick_devahldavis_reaches_a_steady_answer(tmp_path):
    from thermo.bench.devahldavis import QUICK_RA, QUICK_SIZES
    assert bench.main(["devahldavis", "--quick", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "devahldavis.json").read_text())
    assert doc["benchmark"] == "devahldavis"
    assert doc["openfoam"]["peer_run"] is None
    (row,) = doc["rows"]
    assert row["ra"] == QUICK_RA and row["cells"] == QUICK_SIZES[0] ** 2
    assert row["result"] == "ok"
    assert row["steps"] > 0
    assert math.isfinite(row["nu"]) and row["nu"] > 1.0
    assert row["nu_reference"] == 1.118
    assert math.isfinite(row["nu_error_pct"])
    assert row["energy_imbalance"] < 1e-6
    assert row["openfoam_wall_s"] is None
    assert row["recorded_openfoam"] is None     # recorded figures are for Ra 1e5 only
    for key in ("wall_s", "compile_s", "solve_s", "pressure_iterations_per_step",
                "energy_iterations_per_step"):
        assert math.isfinite(row[key])
    for key in ("backend", "jax_version", "timestamp"):
        assert row[key]


# ---------------------------------------------------------------- the backend suite

ROW_KEYS = ("case", "grid", "cells", "backend", "device_kind", "precision", "steps", "wall_s",
            "cell_updates_per_s", "ns_per_cell_step", "lower_s", "compile_s", "compilations",
            "pressure_iterations_per_step", "pressure_solve_s", "pressure_s_per_iteration",
            "bytes_per_cell", "max_rss_bytes", "xla_bytes_accessed", "hand_bytes_per_step",
            "floor_s_per_step_hand", "achieved_pct_hand")


def test_default_output_folder():
    root = pathlib.Path(__file__).resolve().parents[1]     # a checkout: benchmarks/RESULTS.md
    assert bench.default_out(root) == pathlib.Path("benchmarks", "out")
    assert bench.default_out(root / "tests") == pathlib.Path("bench-out")


def test_suite_tiny_from_any_folder_writes_json_schema_and_plot(tmp_path, monkeypatch):
    # `thermo bench` outside a checkout: the suite is the installed thermo.bench (no
    # `benchmarks` package importable from here) and writes into ./bench-out
    from thermo.bench import suite
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "benchmarks", None)   # `import benchmarks` fails
    assert cli.main(["bench", "--config", "tiny", "--no-openfoam"]) == 0
    out = tmp_path / "bench-out"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench-out"]
    doc = json.loads((out / "suite.json").read_text())
    assert doc["benchmark"] == "suite" and doc["config"] == "tiny"
    assert doc["machine"]["jax"] and doc["machine"]["timestamp"]
    assert doc["bandwidth"]["cpu"]["bytes_per_s"] > 0
    expected = [(c, s, p) for c, s, ps in suite.CONFIGS["tiny"]["runs"] for p in ps]
    assert [(r["case"], r["size"], r["precision"]) for r in doc["rows"]] == expected
    assert doc["errors"] == []
    for row in doc["rows"]:
        for key in ROW_KEYS:
            assert row[key] is not None, key
        assert row["cells"] > 0 and row["steps"] > 0
        assert math.isfinite(row["cell_updates_per_s"]) and row["cell_updates_per_s"] > 0
        assert row["pressure_iterations_per_step"] > 0
        assert 0 < row["achieved_pct_hand"]
    assert "by_backend" in doc["scaling"]
    peers = doc["peers"]
    assert peers["openfoam"] is None and peers["openfoam_message"]
    assert peers["numpy"]["status"] == "converged" and math.isfinite(peers["numpy"]["nu"])
    png = (out / "suite.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_suite_second_run_of_same_shape_compiles_nothing():
    import jax
    from thermo.bench import suite
    dev = jax.devices("cpu")[0]
    first = suite.measure(suite.make_case("convection", 8, "float32", 3), dev, pressure=False)
    second = suite.measure(suite.make_case("convection", 8, "float32", 3), dev, pressure=False)
    assert second["executable_cached"] and second["compilations"] == 0
    assert second["steps"] == first["steps"] == 3
    assert second["pressure_iterations_per_step"] == first["pressure_iterations_per_step"]


def test_batch_equals_one_by_one():
    from thermo.bench.suite import make_case
    from thermo.solver import Simulation
    from thermo.sweep import run_batch, run_one_by_one
    case = make_case("convection", 8, "float64", 4)
    sim = Simulation(case)
    variants = [{"gravity": 0.5}, {"gravity": 1.0, "power": 2.0}, {"gravity": 1.5}]
    state, infos = run_batch(case, variants, sim=sim)
    ref = run_one_by_one(case, variants, sim=sim)
    assert len(infos) == len(ref) == 3
    for i, (s, info) in enumerate(ref):
        assert infos[i].steps == info.steps == 4
        assert infos[i].pressure_iterations == info.pressure_iterations
        np.testing.assert_allclose(np.asarray(state.T[i]), np.asarray(s.T), rtol=0, atol=1e-10)
        for c in range(3):
            np.testing.assert_allclose(np.asarray(state.u[c][i]), np.asarray(s.u[c]),
                                       rtol=0, atol=1e-10)
    # the variants differ: gravity drives the flow
    assert not np.allclose(np.asarray(state.u[1][0]), np.asarray(state.u[1][2]))


@pytest.mark.validation   # a run to convergence
def test_quick_devahldavis_with_the_implicit_scheme(tmp_path):
    assert bench.main(["devahldavis", "--quick", "--scheme", "implicit", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "devahldavis.json").read_text())
    (row,) = doc["rows"]
    print("implicit quick dVD:", row["steps"], "iterations, Nu error %", row["nu_error_pct"])
    assert doc["scheme"] == row["scheme"] == "implicit" and row["result"] == "ok"
    assert abs(row["nu_error_pct"]) < 5.0 and row["energy_imbalance"] < 1e-5


def test_rib_wall_law_variants_cut_cht_server_and_grade_its_walls():
    """benchmarks/rib_wall_laws.py: every variant is a valid case; the 2-D cut keeps
    cht-server's parts, air and inlet; the graded variants' smallest cells are the
    first cells asked for, on the ribs' faces (x) and the board's top (z)."""
    from benchmarks.rib_wall_laws import variants
    from thermo.case import case_from_dict
    from thermo.case.gridding import case_grid

    cases = {n: case_from_dict(d) for n, d in variants().items()}
    two = cases["2mm-blended"].data
    assert two["domain"]["cells"] == [240, 1, 22] and [p["name"] for p in two["parts"]] == ["board", "block"]
    assert cases["2mm-switched"].data["physics"]["thermal_wall_law"] == "switched"
    assert cases["0.5mm-blended"].data["domain"]["cells"] == [960, 1, 88]
    for name, first in (("graded-0.16mm", 1.6e-4), ("graded-0.08mm", 8e-5)):
        grid = case_grid(cases[name].data)
        for a in (0, 2):
            assert grid.widths(a).min() == pytest.approx(first, rel=1e-6)
        x = grid.faces(0)
        assert np.isclose(x, 0.12 - first).any() and np.isclose(x, 0.32 + first).any()


def test_cht_server_resolved_variants_halve_the_lane_and_grade_every_package_face():
    """benchmarks/cht_server_resolved.py: every variant is a valid case on half the
    lane (slip at the mid-plane y = 40 mm, the packages cut there, the same power per
    half package); the graded variant's cells are 0.16 mm on each side of the
    packages' front, back, side and top faces' air side and the board's top, and no
    neighbour ratio exceeds 1.3."""
    from benchmarks.cht_server_resolved import variants
    from thermo.case import case_from_dict
    from thermo.case.gridding import case_grid

    cases = {n: case_from_dict(d) for n, d in variants().items()}
    two = cases["2mm-blended"].data
    assert two["domain"]["size"] == [0.48, 0.04, 0.044] and two["domain"]["cells"] == [240, 20, 22]
    assert {b["name"]: b["flow"] for b in two["boundaries"]}["mid"] == "slip"
    block = two["parts"][1]
    assert block["box"]["min"][1] == 0.02 and block["box"]["max"][1] == 0.04
    assert block["power"] == 2.5 and block["repeat"]["count"] == 2
    assert cases["2mm-switched"].data["physics"]["thermal_wall_law"] == "switched"
    grid = case_grid(cases["graded-0.16mm"].data)
    first = 1.6e-4
    for a, plane in ((0, 0.12), (0, 0.16), (0, 0.28), (0, 0.32), (1, 0.02), (2, 0.004), (2, 0.008)):
        f, w = grid.faces(a), grid.widths(a)
        i = int(np.argmin(np.abs(f - plane)))
        assert f[i] == pytest.approx(plane, abs=1e-9), (a, plane)
        air = w[i - 1] if (a, plane) in ((0, 0.12), (0, 0.28), (1, 0.02)) else w[i]
        assert air == pytest.approx(first, rel=1e-6), (a, plane, air)
    for a in range(3):
        w = grid.widths(a)
        assert max(np.max(w[1:] / w[:-1]), np.max(w[:-1] / w[1:])) < 1.3 + 1e-9
    assert grid.cells == (227, 31, 41)
