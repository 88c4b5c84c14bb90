"""The benchmark suite runs end to end (quick sizes) and writes well-formed results."""
import json
import math
import pathlib
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` lives at the repository root, outside the package
    sys.path.insert(0, str(ROOT))

import benchmarks  # noqa: E402
from benchmarks.cavity import QUICK_SIZES, QUICK_STEPS  # noqa: E402


def test_cavity_benchmark_writes_one_row_per_size(tmp_path):
    assert benchmarks.main(["cavity", "--sizes", "6", "--steps", "3", "--precision", "float32",
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
    import benchmarks.cavity
    import benchmarks.devahldavis
    import benchmarks.suite
    seen = []
    monkeypatch.setattr(benchmarks.suite, "main", lambda argv: seen.append(("suite", argv)) or 0)
    monkeypatch.setattr(benchmarks.cavity, "main", lambda argv: seen.append(("cavity", argv)) or 0)
    monkeypatch.setattr(benchmarks.devahldavis, "main", lambda argv: seen.append(("dvd", argv)) or 0)
    assert benchmarks.main(["--quick"]) == 0
    assert benchmarks.main(["suite", "-o", "x"]) == 0
    assert benchmarks.main(["cavity", "--quick"]) == 0
    assert benchmarks.main(["devahldavis", "--quick"]) == 0
    assert seen == [("suite", ["--quick"]), ("suite", ["-o", "x"]), ("cavity", ["--quick"]),
                    ("dvd", ["--quick"])]


@pytest.mark.validation   # a run to convergence: tens of seconds
def test_quick_devahldavis_reaches_a_steady_answer(tmp_path):
    from benchmarks.devahldavis import QUICK_RA, QUICK_SIZES
    assert benchmarks.main(["devahldavis", "--quick", "--out", str(tmp_path)]) == 0
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


def test_suite_tiny_writes_json_schema_and_plot(tmp_path):
    from benchmarks import suite
    assert benchmarks.main(["--config", "tiny", "-o", str(tmp_path), "--no-openfoam"]) == 0
    doc = json.loads((tmp_path / "suite.json").read_text())
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
    png = (tmp_path / "suite.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_suite_second_run_of_same_shape_compiles_nothing():
    import jax
    from benchmarks import suite
    dev = jax.devices("cpu")[0]
    first = suite.measure(suite.make_case("convection", 8, "float32", 3), dev, pressure=False)
    second = suite.measure(suite.make_case("convection", 8, "float32", 3), dev, pressure=False)
    assert second["executable_cached"] and second["compilations"] == 0
    assert second["steps"] == first["steps"] == 3
    assert second["pressure_iterations_per_step"] == first["pressure_iterations_per_step"]


def test_batch_equals_one_by_one():
    from benchmarks.suite import make_case
    from thermo.simulation import Simulation
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
