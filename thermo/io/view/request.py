"""What a picture is asked for, checked before anything is drawn: the plane (a
`Slice`, parsed from ``"z=1.0"``, or the default one), the picture's size, the field
and its label, the output path; `ViewError` for anything that cannot be drawn."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from thermo.io.load import Result

__all__ = ["AXES", "DEFAULT_SIZE", "LABELS", "MID", "PLANE_ROUND_OFF", "Slice", "ViewError", "check_field",
           "check_out", "check_slice", "default_slice", "field_label", "parse_size", "parse_slice"]

AXES = ("x", "y", "z")
LABELS = {"T": ("T", "C"), "U": ("speed", "m/s"), "p": ("p", "m2/s2"), "material": ("material", "id")}
DEFAULT_SIZE = (1200, 800)
#: Words for "the default slice" (``--slice`` with no value).
MID = ("", "mid", "middle")
#: A plane this close to a face of the domain, relative to the domain's size and
#: position, is on that face: the file's coordinates carry round-off.
PLANE_ROUND_OFF = 1e-9


class ViewError(ValueError):
    """A picture that cannot be made as asked (bad field, slice, size or path)."""


@dataclass(frozen=True)
class Slice:
    """A plane ``axis = value`` (axis 0, 1, 2 for x, y, z; value in metres)."""

    axis: int
    value: float

    def __str__(self) -> str:
        return f"{AXES[self.axis]}={self.value:g}"


def parse_slice(text: str) -> Slice:
    """``"z=1.0"`` -> ``Slice(2, 1.0)``."""
    name, sep, value = str(text).partition("=")
    name = name.strip().lower()
    if not sep or name not in AXES:
        raise ViewError(f"bad slice {text!r}: expected AXIS=VALUE with AXIS x, y or z "
                        "and VALUE in metres, e.g. z=1.0")
    try:
        v = float(value)
    except ValueError:
        raise ViewError(f"bad slice {text!r}: {value.strip()!r} is not a number (metres)") from None
    if not math.isfinite(v):
        raise ViewError(f"bad slice {text!r}: the coordinate must be finite")
    return Slice(AXES.index(name), v)


def parse_size(text: str) -> tuple[int, int]:
    """``"1200x800"`` -> ``(1200, 800)`` (width, height in pixels)."""
    w, sep, h = str(text).lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        size = None
    if not sep or size is None or not (16 <= size[0] <= 8192 and 16 <= size[1] <= 8192):
        raise ViewError(f"bad size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1200x800 "
                        "(16 to 8192 each)")
    return size


def field_label(name: str, vector: bool = False) -> str:
    """Scalar-bar title with the unit: ``T (C)``, ``speed (m/s)`` (that is |U|), ``p (m2/s2)``.

    (VTK's text rendering drops ``|``, hence "speed" and "magnitude" in words.)
    """
    if name in LABELS:
        label, unit = LABELS[name]
        return f"{label} ({unit})"
    return f"{name} magnitude" if vector else name


def default_slice(result: Result) -> Slice:
    """The middle z plane; for a grid one cell thick along x or y (and more than one
    along z), that flat plane."""
    cells = result.grid.cells
    axis = 2
    if cells[2] > 1 and 1 in cells[:2]:
        axis = cells.index(1)
    return Slice(axis, float(result.coords[axis][cells[axis] // 2]))


# --------------------------------------------------------------------------- checks

def check_field(result: Result, name: str) -> np.ndarray:
    """The field ``name`` of ``result``; ViewError naming the fields it holds if absent."""
    if name not in result.fields:
        where = f" in {result.path}" if result.path is not None else ""
        raise ViewError(f"no field {name!r}{where}; the file holds: "
                        + (", ".join(result.fields) or "no fields"))
    return result.fields[name]


def check_slice(result: Result, s: Slice) -> int:
    """The index (along the plane's normal) of the cell layer of `result` that holds the
    plane `s`; ViewError if the plane is outside the domain."""
    grid = result.grid
    lo = grid.origin[s.axis]
    hi = lo + grid.size[s.axis]
    tol = PLANE_ROUND_OFF * max(abs(lo), abs(hi), grid.size[s.axis])
    if not (lo - tol <= s.value <= hi + tol):
        raise ViewError(f"slice {s} is outside the domain: {AXES[s.axis]} runs from "
                        f"{lo:g} to {hi:g} m")
    if grid.is_uniform:
        h = grid.spacing[s.axis]
        return int(min(max(math.floor((s.value - lo) / h), 0), grid.cells[s.axis] - 1))
    # a graded axis: the cell whose faces hold the plane
    index = int(np.searchsorted(grid.faces(s.axis), s.value, side="right")) - 1
    return int(min(max(index, 0), grid.cells[s.axis] - 1))


def check_out(out: str | os.PathLike) -> Path:
    """``out`` as a path, if it can name a PNG to write; ViewError otherwise."""
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ViewError(f"output {out} must be a .png file")
    if out.is_dir():
        raise ViewError(f"output {out} is a folder; give a file name ending in .png")
    if out.parent.exists() and not out.parent.is_dir():
        raise ViewError(f"cannot write {out}: {out.parent} is not a folder")
    return out

