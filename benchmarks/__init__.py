"""Benchmark suite of thermo: ``python -m benchmarks`` or ``thermo bench`` from the repository root.

See benchmarks/RESULTS.md for what is measured and the numbers measured so far.
"""
from __future__ import annotations

from typing import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite (currently the 3-D lid-driven cavity); returns the exit code."""
    from .cavity import main as cavity_main
    return cavity_main(argv)
