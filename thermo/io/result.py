"""Result files: ``result.vtkhdf`` (VTKHDF ImageData) and ``summary.json``, written atomically.

``result.vtkhdf`` is an HDF5 file (h5py opens it) named with the VTKHDF format's own
extension, so that a plain ``pyvista.read(path)`` and ParaView pick VTK's HDF reader.
Results of earlier versions are named ``result.h5``; :func:`find_result` and
:func:`read_pyvista` still read them. Layout (written with h5py)::

    /                                   attrs: case (str, the case TOML text),
    |                                          thermo_version (str),
    |                                          pressure = "kinematic (p/rho, m2/s2)",
    |                                          grid_size (3 x float64, metres, exact),
    |                                          any extra attrs given to write_result
    |                                          (non-scalars JSON-encoded; their names
    |                                          listed in the attr json_attrs),
    +-- VTKHDF                          attrs: Version = [2, 0] (int64),
    |   |                                      Type = "ImageData" (fixed-length ASCII, 9 bytes),
    |   |                                      WholeExtent = [0, nx, 0, ny, 0, nz] (int64),
    |   |                                      Origin, Spacing (3 x float64),
    |   |                                      Direction (9 x float64, identity)
    |   +-- CellData
    |       +-- <name>                  (nz, ny, nx) or (nz, ny, nx, 3), x fastest,
    |                                   chunked, gzip level 4; dtype as given
    |                                   (bool stored as uint8)
    +-- frames                          only for transient runs; attrs: count
        +-- times                       (nframes,) float64, seconds
        +-- 0, 1, 2, ...                attr time (s); datasets named like the fields,
                                        same layout and compression as CellData

``VTKHDF/CellData`` holds the final fields. VTK 9.7's ``vtkHDFReader`` can read
VTKHDF's own transient layout (``VTKHDF/Steps`` with arrays stacked as
(nsteps, nz, ny, nx[, 3])), but PyVista 0.49's ``HDFReader`` exposes no time
control and ``pyvista.read`` returns step 0 of such a file, which would hide the
final fields. So frames live in the separate top-level ``frames`` group, which the
VTKHDF specification leaves to applications and VTK ignores.

Why not ``.h5``: PyVista 0.49 maps ``.h5`` to its Fluent CFF reader, and a plain
``pyvista.read("result.h5")`` returns an empty MultiBlock without an error.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from thermo.io.files import (COMPRESSION_LEVEL, PRESSURE_KIND, atomic_path, atomic_write_bytes,
                             decode_attr, jsonable, write_frames)
from thermo.meshes import Grid

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "write_result",
    "read_result",
    "read_pyvista",
    "find_result",
    "result_file",
    "write_summary",
    "RESULT_NAME",
    "LEGACY_RESULT_NAME",
    "PRESSURE_KIND",
]

#: The result file in an output folder, and the name earlier versions wrote.
RESULT_NAME = "result.vtkhdf"
LEGACY_RESULT_NAME = "result.h5"
VTKHDF_VERSION = (2, 0)
# Root attributes that write_result manages itself and read_result does not return.
_INTERNAL_ATTRS = ("json_attrs", "grid_size")


# --------------------------------------------------------------------------- atomic writes

# --------------------------------------------------------------------------- result.vtkhdf

def find_result(outdir: str | os.PathLike) -> Path | None:
    """The result file in an output folder: ``result.vtkhdf``, else an older
    version's ``result.h5``; None if the folder holds neither."""
    outdir = Path(outdir)
    for name in (RESULT_NAME, LEGACY_RESULT_NAME):
        if (outdir / name).is_file():
            return outdir / name
    return None


def result_file(path: str | os.PathLike) -> Path:
    """``path`` itself if it is a file, else the result file in the folder ``path``
    (:func:`find_result`); FileNotFoundError if there is none."""
    path = Path(path)
    if path.is_dir():
        found = find_result(path)
        if found is None:
            raise FileNotFoundError(f"{path} is a folder without a {RESULT_NAME}")
        return found
    if not path.exists():
        raise FileNotFoundError(f"no result file or output folder {path}")
    return path


def _to_vtk_layout(name: str, array: Any, grid: Grid) -> np.ndarray:
    """Our [i, j, k](, c) cell array -> VTK's (nz, ny, nx[, c]) with x fastest."""
    a = np.asarray(array)
    if a.shape[:3] != tuple(grid.cells) or a.ndim not in (3, 4):
        raise ValueError(
            f"field {name!r} has shape {a.shape}; expected {tuple(grid.cells)} "
            f"or {tuple(grid.cells) + (3,)} (cell-centred, indexed [i, j, k])"
        )
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    axes = (2, 1, 0) if a.ndim == 3 else (2, 1, 0, 3)
    return np.ascontiguousarray(a.transpose(axes))


def _from_vtk_layout(a: np.ndarray) -> np.ndarray:
    axes = (2, 1, 0) if a.ndim == 3 else (2, 1, 0, 3)
    return np.ascontiguousarray(a.transpose(axes))


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or "/" in name or name in (".", "times"):
        raise ValueError(f"bad field name {name!r}")


def _write_fields(group, fields: Mapping[str, Any], grid: Grid) -> None:
    for name, array in fields.items():
        _check_name(name)
        data = _to_vtk_layout(name, array, grid)
        group.create_dataset(
            name, data=data, chunks=True, compression="gzip", compression_opts=COMPRESSION_LEVEL
        )


def _attr_value(value: Any) -> tuple[Any, bool]:
    """An HDF5-storable attribute value and whether it was JSON-encoded."""
    if isinstance(value, (str, bool, int, float, np.number, np.bool_)):
        return value, False
    return json.dumps(jsonable(value), allow_nan=False), True


def write_result(
    path: str | os.PathLike,
    grid: Grid,
    fields: dict[str, np.ndarray],
    *,
    case_text: str = "",
    attrs: dict | None = None,
    frames: list[tuple[float, dict[str, np.ndarray]]] | None = None,
) -> None:
    """Write a result file (``result.vtkhdf``): cell-centred fields on ``grid`` as VTKHDF
    ImageData (a graded grid: an UnstructuredGrid of hexahedra at the true
    coordinates, :func:`thermo.io.rectilinear.write_rectilinear`).

    ``fields`` maps names to arrays shaped ``grid.cells`` (scalars) or
    ``grid.cells + (3,)`` (vectors), indexed ``[i, j, k]``: the solver writes ``T``
    (C), ``U`` (m/s), ``p`` (kinematic, Pa/(kg/m3)) and ``material`` (int32 id).
    ``frames`` is an optional list of ``(time_s, fields)`` for transient runs,
    stored in the top-level ``frames`` group (see the module docstring for why not
    in ``VTKHDF/Steps``). The file is written through :func:`atomic_path`.
    """
    import h5py

    from thermo.version import __version__

    if not grid.is_uniform:  # ImageData has one spacing per axis: hexahedra at true coordinates
        from thermo.io.rectilinear import write_rectilinear
        return write_rectilinear(path, *(grid.faces(a) for a in range(3)), fields,
                                 case_text=case_text, attrs=attrs, frames=frames)
    nx, ny, nz = grid.cells
    root_attrs: dict[str, Any] = {
        "case": case_text,
        "thermo_version": __version__,
        "pressure": PRESSURE_KIND,
    }
    json_names: list[str] = []
    for key, value in (attrs or {}).items():
        if not isinstance(key, str) or key in _INTERNAL_ATTRS:
            raise ValueError(f"bad attribute name {key!r}")
        stored, encoded = _attr_value(value)
        root_attrs[key] = stored
        if encoded:
            json_names.append(key)

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for key, value in root_attrs.items():
                f.attrs[key] = value
            f.attrs["grid_size"] = np.asarray(grid.size, dtype=np.float64)
            if json_names:
                f.attrs["json_attrs"] = json.dumps(json_names)

            vtk = f.create_group("VTKHDF")
            vtk.attrs["Version"] = np.asarray(VTKHDF_VERSION, dtype=np.int64)
            # Fixed-length, null-padded ASCII, as VTK itself writes it.
            vtk.attrs["Type"] = np.bytes_("ImageData")
            vtk.attrs["WholeExtent"] = np.asarray([0, nx, 0, ny, 0, nz], dtype=np.int64)
            vtk.attrs["Origin"] = np.asarray(grid.origin, dtype=np.float64)
            vtk.attrs["Spacing"] = np.asarray(grid.spacing, dtype=np.float64)
            vtk.attrs["Direction"] = np.eye(3, dtype=np.float64).ravel()
            _write_fields(vtk.create_group("CellData"), fields, grid)

            if frames is not None:
                write_frames(f, frames, lambda g, fields_: _write_fields(g, fields_, grid))


def read_result(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`write_result`.

    Returns ``{"grid": Grid, "fields": {name: array}, "attrs": {...},
    "frames": [(time, {name: array})]}`` with arrays back in the ``[i, j, k](, 3)``
    layout and JSON-encoded attributes decoded.
    """
    import h5py

    from thermo.io.rectilinear import is_rectilinear, read_rectilinear

    if is_rectilinear(path):  # a graded grid's result
        r = read_rectilinear(path)
        return {"grid": Grid.from_lines(*r["faces"]), "fields": r["fields"], "attrs": r["attrs"],
                "frames": r["frames"]}
    with h5py.File(path, "r") as f:
        vtk = f["VTKHDF"]
        ext = np.asarray(vtk.attrs["WholeExtent"])
        cells = tuple(int(ext[2 * a + 1] - ext[2 * a]) for a in range(3))
        origin = tuple(float(o) for o in vtk.attrs["Origin"])
        if "grid_size" in f.attrs:
            size = tuple(float(s) for s in f.attrs["grid_size"])
        else:
            size = tuple(float(h) * n for h, n in zip(vtk.attrs["Spacing"], cells))
        grid = Grid(size=size, cells=cells, origin=origin)

        fields = {name: _from_vtk_layout(ds[()]) for name, ds in vtk["CellData"].items()}

        json_names = set(json.loads(decode_attr(f.attrs["json_attrs"]))) if "json_attrs" in f.attrs else set()
        attrs = {}
        for key, value in f.attrs.items():
            if key in _INTERNAL_ATTRS:
                continue
            value = decode_attr(value)
            attrs[key] = json.loads(value) if key in json_names else value

        frames: list[tuple[float, dict[str, np.ndarray]]] = []
        if "frames" in f:
            fg = f["frames"]
            indices = sorted(int(k) for k in fg.keys() if k.isdigit())
            for index in indices:
                g = fg[str(index)]
                frames.append(
                    (float(g.attrs["time"]), {n: _from_vtk_layout(ds[()]) for n, ds in g.items()})
                )

    return {"grid": grid, "fields": fields, "attrs": attrs, "frames": frames}


def read_pyvista(path: str | os.PathLike):
    """Open a result file (or an output folder's) with PyVista as ``pyvista.ImageData``
    (final fields as cell data).

    A ``.vtkhdf`` file is a plain ``pyvista.read``; any other name (an older
    version's ``result.h5``) is sent to VTK's HDF reader explicitly, since PyVista
    0.49 would pick its Fluent reader for ``.h5``.
    """
    import pyvista

    path = result_file(path)
    if path.suffix == ".vtkhdf":
        return pyvista.read(os.fspath(path))
    return pyvista.read(os.fspath(path), force_ext=".hdf")


# --------------------------------------------------------------------------- summary.json

def write_summary(path: str | os.PathLike, summary: dict) -> None:
    """Write ``summary.json`` atomically: indent 2, numpy scalars as plain numbers, NaN -> null."""
    text = json.dumps(jsonable(summary), indent=2, allow_nan=False) + "\n"
    atomic_write_bytes(path, text.encode("utf-8"))
