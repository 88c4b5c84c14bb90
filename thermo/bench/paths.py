"""Where the benchmarks write their results when no ``-o``/``--out`` folder is given."""
from __future__ import annotations

import pathlib

__all__ = ["default_out"]


def default_out(cwd: str | pathlib.Path | None = None) -> pathlib.Path:
    """The results folder when none is given: ``benchmarks/out`` when the current folder
    is a thermo checkout's root (it holds ``benchmarks/RESULTS.md``), else ``bench-out``
    in the current folder. Relative to the current folder, decided at each call."""
    here = pathlib.Path.cwd() if cwd is None else pathlib.Path(cwd)
    if (here / "benchmarks" / "RESULTS.md").is_file():
        return pathlib.Path("benchmarks", "out")
    return pathlib.Path("bench-out")
