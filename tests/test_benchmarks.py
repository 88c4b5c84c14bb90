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
