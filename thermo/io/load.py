"""Open a run's results in Python: ``thermo.load(path) -> Result``.

``path`` is a result file written by :func:`thermo.io.result.write_result`, or an
output folder (then ``OUTDIR/result.vtkhdf``, or an older version's ``result.h5``). Fields come back as NumPy arrays in the
solver's ``[i, j, k](, 3)`` layout: ``T`` (C), ``U`` (m/s), ``p`` (kinematic,
m2/s2) and ``material`` (id, 0 the fluid)::

    r = thermo.load("out/cavity3d")
    x, y, z = r.coords                 # cell-centre coordinates (m)
    r.fields["T"][:, :, r.grid.cells[2] // 2]
    ds = r.to_xarray()                 # needs xarray
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from thermo.meshes import Grid
from thermo.io.result import RESULT_NAME, result_file

__all__ = ["load", "Result", "Coords", "UNITS", "RESULT_NAME"]
#: Units of the fields the solver writes (``U`` per component; ``material`` has none).
UNITS = {"T": "C", "U": "m/s", "p": "m2/s2"}
_AXES = ("x", "y", "z")


class Coords(NamedTuple):
    """Cell-centre coordinates (m) along each axis: unpack as ``x, y, z = result.coords``."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray


@dataclass(repr=False)
class Result:
    """A run's final fields on its grid, with the file's attributes and transient frames."""

    grid: Grid
    fields: dict[str, np.ndarray]
    coords: Coords
    attrs: dict[str, Any] = field(default_factory=dict)
    frames: list[tuple[float, dict[str, np.ndarray]]] = field(default_factory=list)
    path: Path | None = None

    def __repr__(self) -> str:
        cells = "x".join(str(n) for n in self.grid.cells)
        where = f"{os.fspath(self.path)!r}, " if self.path is not None else ""
        return (f"Result({where}grid {cells} cells, fields {', '.join(self.fields) or 'none'}, "
                f"{len(self.frames)} frames)")

    @property
    def faces(self) -> Coords:
        """Face coordinates (m) along each axis, both boundary faces included (on a
        graded grid the true, unequal spacing): ``x, y, z = result.faces``."""
        return Coords(*(self.grid.faces(a) for a in range(3)))

    @property
    def times(self) -> np.ndarray:
        """Times (s) of the transient frames (empty for a steady run)."""
        return np.asarray([t for t, _ in self.frames], dtype=np.float64)

    @property
    def case_name(self) -> str | None:
        """The case name from the case TOML stored in the file, or None."""
        return _case_table(self.attrs).get("case", {}).get("name")

    @property
    def case_data(self) -> dict:
        """The case TOML stored in the file, parsed (empty if absent or unreadable)."""
        return _case_table(self.attrs)

    def to_xarray(self, frames: bool = False):
        """The fields as an ``xarray.Dataset`` with dims ``x``, ``y``, ``z`` (m, cell
        centres), plus ``component`` (x, y, z) for vectors such as ``U``; each variable
        carries its ``units``. With ``frames=True`` (and frames present) the frames are
        stacked along a leading ``time`` dim (s) instead of the final fields.

        Raises ImportError with an install hint if xarray is not installed.
        """
        try:
            import xarray as xr
        except ImportError as exc:
            raise ImportError(
                "Result.to_xarray() needs the xarray package, which is not installed: "
                "`pip install xarray` (thermo itself does not depend on it; "
                "Result.fields holds the same data as NumPy arrays)") from exc

        stacked = frames and bool(self.frames)
        if stacked:
            names = list(self.frames[0][1])
            data = {n: np.stack([f[n] for _, f in self.frames]) for n in names}
            lead: tuple[str, ...] = ("time",)
        else:
            data = dict(self.fields)
            lead = ()
        coords: dict[str, Any] = {}
        for axis, values in zip(_AXES, self.coords):
            coords[axis] = (axis, values, {"units": "m", "long_name": f"cell centre {axis}"})
        if stacked:
            coords["time"] = ("time", self.times, {"units": "s"})
        variables = {}
        for name, array in data.items():
            dims = lead + _AXES
            if array.ndim == len(dims) + 1:
                dims = dims + ("component",)
                coords.setdefault("component", ("component", list(_AXES)))
            var_attrs = {"units": UNITS[name]} if name in UNITS else {}
            if name == "p":
                var_attrs["long_name"] = "kinematic pressure p/rho"
            variables[name] = (dims, array, var_attrs)
        return xr.Dataset(variables, coords=coords, attrs=_plain_attrs(self.attrs))


def load(path: str | os.PathLike) -> Result:
    """Read a result file, or the one in ``path`` when it is a folder
    (``result.vtkhdf``, or an older version's ``result.h5``).

    Raises FileNotFoundError if there is no such file, and ValueError if the file is
    not a thermo result (HDF5 with a ``VTKHDF`` ImageData group).
    """
    from thermo.io.result import read_result

    path = result_file(path)
    try:
        data = read_result(path)
    except (OSError, KeyError) as exc:
        raise ValueError(f"{path} is not a thermo result file (HDF5 with a VTKHDF ImageData "
                         f"group, as `thermo run` writes): {exc}") from exc
    grid = data["grid"]
    coords = Coords(*(grid.centers(a) for a in range(3)))
    return Result(grid=grid, fields=data["fields"], coords=coords, attrs=data["attrs"],
                  frames=data["frames"], path=path)


def _case_table(attrs: dict) -> dict:
    text = attrs.get("case")
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            return {}
    try:
        return tomllib.loads(text)
    except Exception:  # noqa: BLE001 - a damaged case text only loses the name
        return {}


def _plain_attrs(attrs: dict) -> dict:
    """Attributes netCDF can store: scalars and strings kept, the rest JSON-encoded."""
    out = {}
    for key, value in attrs.items():
        if isinstance(value, (str, int, float, np.number)) and not isinstance(value, bool):
            out[key] = value
        elif isinstance(value, (bool, np.bool_)):
            out[key] = int(value)
        else:
            try:
                out[key] = json.dumps(value)
            except TypeError:
                out[key] = str(value)
    return out
