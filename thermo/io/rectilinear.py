"""Result files on a graded grid: a VTKHDF ``UnstructuredGrid`` of hexahedra (issue #15).

A uniform grid keeps its ``result.vtkhdf`` as VTKHDF ImageData
(:func:`thermo.io.result.write_result`). A graded grid (per-axis face coordinates
``x``, ``y``, ``z`` of lengths nx+1, ny+1, nz+1) cannot be ImageData, which has one
spacing per axis. :func:`write_rectilinear` writes it so that a plain
``pyvista.read(path)`` and ParaView open it at its true coordinates, with the same
field names, units, root attributes, ``frames`` group and atomic write as
:func:`~thermo.io.result.write_result`; :func:`read_rectilinear` reads it back.

Why UnstructuredGrid: what was measured
---------------------------------------
pyproject.toml allows ``pyvista>=0.43`` and does not pin VTK. Installed here:
VTK 9.7.2, PyVista 0.49.1, h5py 3.16. Three candidates were written with h5py for a
stretched 4x3x2 grid and opened with a plain ``pyvista.read``; "ok" means 24 cells,
cell centres at the true (stretched) positions and ``T`` at the right cells:

====================================  =========  =========  =========  =========
file                                  VTK 9.7.2  VTK 9.6.2  VTK 9.3.1  VTK 9.2.6
                                      PV 0.49.1  PV 0.48.4  PV 0.45.3  PV 0.45.3
====================================  =========  =========  =========  =========
VTKHDF RectilinearGrid (2.7)          ok         fails [1]  fails [2]  fails [2]
VTKHDF UnstructuredGrid, hexahedra    ok         ok         ok         ok [3]
XDMF 3DRectMesh + HDF5, no <Time>     fails [4]  fails [4]  fails [4]  fails [4]
XDMF 3DRectMesh + HDF5, <Time>        ok         ok         ok         ok
====================================  =========  =========  =========  =========

[1] "Unknown data set type: RectilinearGrid", then PyVista's TypeError on a bare
vtkDataObject. [2] "File reader failed to read and/or produced no output".
[3] with Version 2.0 VTK 9.2 warns "File version: 2.0 is higher than this reader
supports 1.0" and reads it; today's ImageData results do not open there at all (it
reads cell data with the point dimensions). [4] PyVista's XdmfReader reads the time
steps on opening and raises TypeError on a file without any.

- RectilinearGrid entered the VTKHDF specification in 2.7 (docs.vtk.org, VTKHDF
  changelog); ``vtkHDFReader`` knows the type from VTK 9.7.0 (its source: 9.6.2 has
  no RectilinearGrid branch and 9.7.0 reads ``Dimensions`` and ``X/Y/ZCoordinates``;
  fVTKHDF 0.7.0 notes "VTK 9.7 / ParaView 6.2 or later"). PyVista pins VTK below
  that up to 0.48 (0.45: vtk<9.5, 0.46: <9.6, 0.47 and 0.48: <9.7; 0.49: <9.8), so
  only PyVista 0.49 with VTK 9.7 opens it.
- UnstructuredGrid is in VTKHDF since 1.0 and ``vtkHDFReader`` has read it since
  VTK 9.1 (ParaView 5.10); every VTK measured above reads it, int32 or int64
  connectivity alike.
- The ``.vtkhdf`` name itself needs PyVista 0.45 (pyvista PR 6723 mapped it to
  ``HDFReader``; 0.43 and 0.44 map only ``.hdf``), for today's ImageData results as
  much as for these. So the range in which a plain ``pyvista.read("result.vtkhdf")``
  works at all is PyVista 0.45-0.49 (VTK 9.3-9.7), and of the three only the
  UnstructuredGrid opens across it.
- XDMF would be a second file beside ``result.vtkhdf`` (two files to replace
  atomically together, and a plain read of ``result.vtkhdf`` would still not show
  the true coordinates), read by the legacy Xdmf2 reader, and only with a ``<Time>``.

Cost, bytes per cell (a 120x80x60 graded grid; HDF5 files with h5py):

- geometry, UnstructuredGrid: 61.9 B/cell raw with int32 ids (Points ~24, i.e.
  3 float64 per point; Connectivity 32, i.e. 8 ids; Offsets 4; Types 1), 97.9 B/cell
  with int64 ids; gzip level 4 (as the fields): 12.3 B/cell (int32), 13.2 (int64).
- geometry, RectilinearGrid or ImageData: (nx+ny+nz+3) float64, about 0.01 B/cell.
- fields T, p, U (float32) and material (int32): 24 B/cell raw, 16.6 gzip.

With write_rectilinear and write_result on that grid: 29.2 B/cell against 16.6 for
ImageData, 1.76 times (the geometry is written once; ``frames`` hold fields only). int32 ids are used while the
ids fit (points and 8 x cells below 2**31), else int64. Points and connectivity are
written one z-layer at a time, so the writer holds one layer of them in memory.

When the supported range reaches VTK 9.7 (``pyvista>=0.49``), VTKHDF
RectilinearGrid (``Type = "RectilinearGrid"``, ``Dimensions`` = point counts as an
attribute, ``XCoordinates``/``YCoordinates``/``ZCoordinates`` datasets, cell data
laid out like ImageData's) is the smaller file; this module's reader takes the
coordinates from its own ``coordinates`` group, not from the VTK geometry, so the
switch would change the writer only.

Layout (written with h5py)::

    /                          attrs as write_result's: case, thermo_version,
    |                          pressure, extra attrs (non-scalars JSON-encoded,
    |                          their names in json_attrs)
    +-- VTKHDF                 attrs: Version = [2, 0] (int64),
    |   |                             Type = "UnstructuredGrid" (fixed-length ASCII)
    |   +-- NumberOfPoints, NumberOfCells, NumberOfConnectivityIds   (1,) int64
    |   +-- Points             ((nx+1)(ny+1)(nz+1), 3) float64, x fastest
    |   +-- Connectivity       (8 ncells,) int32 or int64: hexahedron i, j, k has
    |   |                      (i,j,k) (i+1,j,k) (i+1,j+1,k) (i,j+1,k), then k+1
    |   +-- Offsets            (ncells + 1,) 0, 8, 16, ... (same dtype)
    |   +-- Types              (ncells,) uint8, 12 (VTK_HEXAHEDRON)
    |   +-- CellData
    |       +-- <name>         (ncells,) or (ncells, c), cell i + nx (j + ny k):
    |                          x fastest; chunked, gzip level 4 (bool as uint8)
    +-- coordinates            attr units = "m"
    |   +-- x, y, z            face coordinates (nx+1,), (ny+1,), (nz+1,) float64
    +-- frames                 only for transient runs; attrs: count
        +-- times              (nframes,) float64, seconds
        +-- 0, 1, 2, ...       attr time (s); datasets named like the fields, same
                               layout and compression as CellData

``thermo.io.result.read_pyvista`` opens these files unchanged (a ``.vtkhdf`` is a
plain ``pyvista.read``; it returns a ``pyvista.UnstructuredGrid``);
``read_result`` and ``thermo.load`` do not (no ImageData ``WholeExtent``): they
need to dispatch on :func:`is_rectilinear` to :func:`read_rectilinear`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from thermo.io.files import (COMPRESSION_LEVEL, PRESSURE_KIND, atomic_path, decode_attr, jsonable,
                             write_frames)

__all__ = [
    "write_rectilinear",
    "read_rectilinear",
    "is_rectilinear",
    "face_centres",
    "VTKHDF_TYPE",
    "VTK_HEXAHEDRON",
]

#: The VTKHDF ``Type`` of a graded result, its version, and VTK's hexahedron cell type.
VTKHDF_TYPE = "UnstructuredGrid"
VTKHDF_VERSION = (2, 0)
VTK_HEXAHEDRON = 12
#: The top-level group holding the face coordinates (VTK ignores it).
COORDINATES_GROUP = "coordinates"
_INT32_MAX = int(np.iinfo(np.int32).max)
_AXES = ("x", "y", "z")


# --------------------------------------------------------------------------- checks

def _faces(name: str, values: Any) -> np.ndarray:
    """Face coordinates of one axis: 1-D float64, at least 2, finite, increasing."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"face coordinates {name} need a 1-D array of at least 2 values, "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"face coordinates {name} are not all finite")
    if not np.all(np.diff(a) > 0):
        raise ValueError(f"face coordinates {name} are not strictly increasing")
    return a


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name or "/" in name or name in (".", "times"):
        raise ValueError(f"bad field name {name!r}")


def _check_field(name: Any, shape: tuple[int, ...], cells: tuple[int, int, int]) -> None:
    _check_name(name)
    if tuple(shape[:3]) != cells or len(shape) not in (3, 4):
        raise ValueError(f"field {name!r} has shape {tuple(shape)}; expected {cells} or "
                         f"{cells + (3,)} (cell-centred, indexed [i, j, k])")


def _flat(name: str, array: Any, cells: tuple[int, int, int]) -> np.ndarray:
    """Our [i, j, k](, c) cell array -> VTK's (ncells,) or (ncells, c), x fastest."""
    a = np.asarray(array)
    _check_field(name, a.shape, cells)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    n = cells[0] * cells[1] * cells[2]
    if a.ndim == 3:
        return np.ascontiguousarray(a.transpose(2, 1, 0)).reshape(n)
    return np.ascontiguousarray(a.transpose(2, 1, 0, 3)).reshape(n, a.shape[3])


def _unflat(a: np.ndarray, cells: tuple[int, int, int]) -> np.ndarray:
    nx, ny, nz = cells
    if a.ndim == 1:
        return np.ascontiguousarray(a.reshape(nz, ny, nx).transpose(2, 1, 0))
    return np.ascontiguousarray(a.reshape(nz, ny, nx, a.shape[1]).transpose(2, 1, 0, 3))


# --------------------------------------------------------------------------- attributes

def _root_attrs(case_text: str, attrs: Mapping[str, Any] | None) -> tuple[dict, list[str]]:
    from thermo.version import __version__

    out: dict[str, Any] = {"case": case_text, "thermo_version": __version__,
                           "pressure": PRESSURE_KIND}
    encoded: list[str] = []
    for key, value in (attrs or {}).items():
        if not isinstance(key, str) or not key or key == "json_attrs":
            raise ValueError(f"bad attribute name {key!r}")
        if isinstance(value, (str, bool, int, float, np.number, np.bool_)):
            out[key] = value
        else:
            out[key] = json.dumps(jsonable(value), allow_nan=False)
            encoded.append(key)
    return out, encoded


# --------------------------------------------------------------------------- writing

def face_centres(faces: np.ndarray) -> np.ndarray:
    """Cell-centre coordinates from one axis's face coordinates (midpoints)."""
    faces = np.asarray(faces, dtype=np.float64)
    return 0.5 * (faces[1:] + faces[:-1])


def _write_geometry(vtk, x: np.ndarray, y: np.ndarray, z: np.ndarray) -> None:
    """Points, hexahedra, offsets and types, written one z-layer at a time."""
    nx, ny, nz = x.size - 1, y.size - 1, z.size - 1
    ncells = nx * ny * nz
    layer_points = (nx + 1) * (ny + 1)
    npoints = layer_points * (nz + 1)
    ids = np.int32 if max(npoints - 1, 8 * ncells) <= _INT32_MAX else np.int64

    vtk.create_dataset("NumberOfPoints", data=np.asarray([npoints], dtype=np.int64))
    vtk.create_dataset("NumberOfCells", data=np.asarray([ncells], dtype=np.int64))
    vtk.create_dataset("NumberOfConnectivityIds", data=np.asarray([8 * ncells], dtype=np.int64))
    compress = {"chunks": True, "compression": "gzip", "compression_opts": COMPRESSION_LEVEL}
    points = vtk.create_dataset("Points", shape=(npoints, 3), dtype=np.float64, **compress)
    conn = vtk.create_dataset("Connectivity", shape=(8 * ncells,), dtype=ids, **compress)
    vtk.create_dataset("Offsets", data=np.arange(0, 8 * ncells + 1, 8, dtype=ids), **compress)
    vtk.create_dataset("Types", data=np.full(ncells, VTK_HEXAHEDRON, dtype=np.uint8), **compress)

    # One layer of points (x fastest, then y) and of hexahedra (cells i + nx j).
    py, px = np.meshgrid(y, x, indexing="ij")
    layer = np.empty((layer_points, 3), dtype=np.float64)
    layer[:, 0], layer[:, 1] = px.ravel(), py.ravel()
    j, i = np.meshgrid(np.arange(ny, dtype=np.int64), np.arange(nx, dtype=np.int64), indexing="ij")
    p0 = (i + (nx + 1) * j).ravel()
    bottom = np.stack([p0, p0 + 1, p0 + nx + 2, p0 + nx + 1], axis=-1)
    hexes = np.concatenate([bottom, bottom + layer_points], axis=-1).ravel()
    per_layer = 8 * nx * ny
    for k in range(nz + 1):
        layer[:, 2] = z[k]
        points[k * layer_points:(k + 1) * layer_points] = layer
        if k < nz:
            conn[k * per_layer:(k + 1) * per_layer] = (hexes + k * layer_points).astype(ids)


def _write_fields(group, fields: Mapping[str, Any], cells: tuple[int, int, int]) -> None:
    for name, array in fields.items():
        group.create_dataset(name, data=_flat(name, array, cells), chunks=True,
                             compression="gzip", compression_opts=COMPRESSION_LEVEL)


def write_rectilinear(
    path: str | os.PathLike,
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    z: Sequence[float] | np.ndarray,
    fields: Mapping[str, Any],
    *,
    case_text: str = "",
    attrs: Mapping[str, Any] | None = None,
    frames: Sequence[tuple[float, Mapping[str, Any]]] | None = None,
) -> None:
    """Write a result on a graded grid as a VTKHDF UnstructuredGrid of hexahedra.

    ``x``, ``y``, ``z`` are the face coordinates (m) along each axis, boundary faces
    included: strictly increasing, of lengths nx+1, ny+1, nz+1. ``fields`` maps names
    to cell arrays shaped ``(nx, ny, nz)`` or ``(nx, ny, nz, 3)`` indexed ``[i, j, k]``,
    as for :func:`thermo.io.result.write_result`: ``T`` (C), ``U`` (m/s), ``p``
    (kinematic, m2/s2), ``material`` (int32 id). ``case_text``, ``attrs`` and
    ``frames`` (``(time_s, fields)`` pairs) are stored as write_result stores them.
    The file is written through :func:`thermo.io.result.atomic_path`: on any error
    the previous file at ``path`` is left as it was. See the module docstring for
    the layout and why this format.
    """
    import h5py

    faces = tuple(_faces(name, values) for name, values in zip(_AXES, (x, y, z)))
    cells = tuple(a.size - 1 for a in faces)
    root, encoded = _root_attrs(case_text, attrs)
    # Check every field's name and shape before the file is started.
    for group in [fields] + [frame for _, frame in (frames or [])]:
        for name, array in group.items():
            _check_field(name, np.shape(array), cells)

    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for key, value in root.items():
                f.attrs[key] = value
            if encoded:
                f.attrs["json_attrs"] = json.dumps(encoded)

            vtk = f.create_group("VTKHDF")
            vtk.attrs["Version"] = np.asarray(VTKHDF_VERSION, dtype=np.int64)
            vtk.attrs["Type"] = np.bytes_(VTKHDF_TYPE)
            _write_geometry(vtk, *faces)
            _write_fields(vtk.create_group("CellData"), fields, cells)

            coords = f.create_group(COORDINATES_GROUP)
            coords.attrs["units"] = "m"
            for name, values in zip(_AXES, faces):
                coords.create_dataset(name, data=values)

            if frames is not None:
                write_frames(f, frames, lambda g, fields_: _write_fields(g, fields_, cells))


# --------------------------------------------------------------------------- reading

def is_rectilinear(path: str | os.PathLike) -> bool:
    """Whether ``path`` is an HDF5 file written by :func:`write_rectilinear`
    (a VTKHDF UnstructuredGrid with a ``coordinates`` group); False for anything else."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            if COORDINATES_GROUP not in f or "VTKHDF" not in f:
                return False
            return decode_attr(f["VTKHDF"].attrs.get("Type", b"")) == VTKHDF_TYPE
    except OSError:
        return False


def read_rectilinear(path: str | os.PathLike) -> dict:
    """Read a file written by :func:`write_rectilinear`.

    Returns ``{"faces": (x, y, z), "centres": (x, y, z), "cells": (nx, ny, nz),
    "fields": {name: array}, "attrs": {...}, "frames": [(time, {name: array})]}``:
    face and cell-centre coordinates (m) per axis, arrays back in the
    ``[i, j, k](, c)`` layout, JSON-encoded attributes decoded. Raises ValueError
    if the file is not such a result.
    """
    import h5py

    with h5py.File(path, "r") as f:
        if COORDINATES_GROUP not in f or "VTKHDF" not in f:
            raise ValueError(f"{path} is not a graded-grid result (no VTKHDF and "
                             f"{COORDINATES_GROUP} groups)")
        faces = tuple(np.asarray(f[COORDINATES_GROUP][a][()], dtype=np.float64) for a in _AXES)
        cells = tuple(a.size - 1 for a in faces)
        vtk = f["VTKHDF"]
        fields = {name: _unflat(ds[()], cells) for name, ds in vtk["CellData"].items()}

        encoded = set(json.loads(decode_attr(f.attrs["json_attrs"]))) if "json_attrs" in f.attrs else set()
        attrs = {}
        for key, value in f.attrs.items():
            if key == "json_attrs":
                continue
            value = decode_attr(value)
            attrs[key] = json.loads(value) if key in encoded else value

        frames: list[tuple[float, dict[str, np.ndarray]]] = []
        if "frames" in f:
            fg = f["frames"]
            for index in sorted(int(k) for k in fg.keys() if k.isdigit()):
                g = fg[str(index)]
                frames.append((float(g.attrs["time"]),
                               {n: _unflat(ds[()], cells) for n, ds in g.items()}))

    return {"faces": faces, "centres": tuple(face_centres(a) for a in faces), "cells": cells,
            "fields": fields, "attrs": attrs, "frames": frames}
