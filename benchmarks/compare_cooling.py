"""``python -m benchmarks.compare_cooling``: a shim for ``python -m thermo.bench.compare_cooling``."""
import sys

from thermo.bench.compare_cooling import main, pick_examples, row, table

__all__ = ["main", "pick_examples", "row", "table"]

if __name__ == "__main__":
    sys.exit(main())
