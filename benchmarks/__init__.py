"""Benchmark suite of thermo: ``python -m benchmarks`` or ``thermo bench`` from the repository root.

Sub-commands: ``cavity`` (the default, also run when no sub-command is given) and
``devahldavis`` and ``multigrid``. See benchmarks/RESULTS.md for what is measured and the numbers
measured so far.
"""
from __future__ import annotations

import sys
from typing import Sequence

__all__ = ["main", "SUITES"]

SUITES = ("cavity", "devahldavis", "multigrid")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one benchmark, chosen by an optional first argument (``cavity`` or
    ``devahldavis``; default ``cavity``); returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args and args[0] in SUITES else "cavity"
    if args and args[0] in SUITES:
        args = args[1:]
    if name == "devahldavis":
        from .devahldavis import main as suite_main
    elif name == "multigrid":
        from .multigrid import main as suite_main
    else:
        from .cavity import main as suite_main
    return suite_main(args)
