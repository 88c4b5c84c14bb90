"""The benchmark suite runs end to end (quick sizes) and writes well-formed results."""
import json
import math
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` lives at the repository root, outside the package
    sys.path.insert(0, str(ROOT))

import benchmarks  # noqa: E402
from benchmarks.cavity import QUICK_SIZES, QUICK_STEPS  # noqa: E402


def test_quick_benchmark_writes_one_row_per_size(tmp_path):
    assert benchmarks.main(["--quick", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "cavity.json").read_text())
    rows = doc["rows"]
    for precision in ("float32", "float64"):
        mine = [r for r in rows if r["precision"] == precision]
        assert [r["cells"] for r in mine] == [n ** 3 for n in QUICK_SIZES]
    assert len(rows) == 2 * len(QUICK_SIZES)
    for row in rows:
        assert row["cells"] > 0
        assert row["steps"] == QUICK_STEPS
        assert math.isfinite(row["cell_updates_per_s"]) and row["cell_updates_per_s"] > 0
        assert row["bytes_per_cell"] > 0
        assert row["compile_s"] > 0
        assert row["timed_compilations"] == 0   # the timed run reuses the warm-up's compile
        for key in ("backend", "device_kind", "jax_version", "timestamp"):
            assert row[key]


def test_dispatch_keeps_cavity_default_and_accepts_cavity_subcommand(monkeypatch):
    import benchmarks.cavity
    import benchmarks.devahldavis
    seen = []
    monkeypatch.setattr(benchmarks.cavity, "main", lambda argv: seen.append(("cavity", argv)) or 0)
    monkeypatch.setattr(benchmarks.devahldavis, "main", lambda argv: seen.append(("dvd", argv)) or 0)
    assert benchmarks.main(["--quick"]) == 0
    assert benchmarks.main(["cavity", "--quick"]) == 0
    assert benchmarks.main(["devahldavis", "--quick"]) == 0
    assert seen == [("cavity", ["--quick"]), ("cavity", ["--quick"]), ("dvd", ["--quick"])]


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
