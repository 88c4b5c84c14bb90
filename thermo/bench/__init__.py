"""Benchmark suite of thermo: ``thermo bench``, ``python -m thermo.bench`` (from any folder).

Sub-commands: ``suite`` (the default, also run when no sub-command is given: the
backend suite of ``thermo/bench/suite.py``, ``--quick`` for the few-minute CPU run),
``cavity``, ``devahldavis``, ``multigrid`` and ``cht`` (thermo against OpenFOAM's
chtMultiRegionSimpleFoam on the ``cht-channel`` example); ``python -m thermo.bench.compare_cooling``
puts the air, direct-to-chip and immersion examples side by side. Results go to
``-o``/``--out`` DIR, by default ``benchmarks/out`` in a checkout's root (where
``benchmarks/RESULTS.md`` records what is measured and the numbers measured so far)
and ``bench-out`` in the current folder anywhere else (see ``default_out``).
"""
from __future__ import annotations

import sys
from typing import Sequence

from .paths import default_out

__all__ = ["main", "SUITES", "default_out"]

SUITES = ("suite", "cavity", "devahldavis", "multigrid", "cht")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one benchmark, chosen by an optional first argument (``suite``, ``cavity``,
    ``devahldavis`` or ``multigrid``; default ``suite``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in SUITES else "suite"
    if args and args[0] in SUITES:
        args = args[1:]
    if name == "devahldavis":
        from .devahldavis import main as suite_main
    elif name == "multigrid":
        from .multigrid import main as suite_main
    elif name == "cavity":
        from .cavity import main as suite_main
    elif name == "cht":
        from .cht_peer import main as suite_main
    else:
        from .suite import main as suite_main
    return suite_main(args)
