"""Files written whole or not at all, and the attribute conversions both result
writers share (:mod:`thermo.io.result`, :mod:`thermo.io.rectilinear`)."""
from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

PRESSURE_KIND = "kinematic (p/rho, m2/s2)"
COMPRESSION_LEVEL = 4


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry (a rename) to disk; a no-op where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``.

    The temporary is ``.<name>.tmp-<pid>`` in the same directory (so the final
    ``os.replace`` is a rename on one file system). On leaving the block normally
    the temporary is fsynced, renamed over ``path`` and the directory fsynced. If
    the block raises, the temporary is removed, ``path`` (if it exists) is left
    untouched and the exception propagates.
    """
    path = Path(path)
    directory = path.parent
    tmp = directory / f".{path.name}.tmp-{os.getpid()}"
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (readers see the old file or the new one)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def decode_attr(value: Any) -> Any:
    """An HDF5 attribute as Python: bytes as str, string arrays as lists, numpy scalars
    as Python numbers."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.dtype.kind in "SO":
        return [decode_attr(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def jsonable(obj: Any) -> Any:
    """Plain JSON types: numpy scalars/arrays converted, NaN and infinities -> None."""
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if math.isfinite(x) else None
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__"):
        return jsonable(np.asarray(obj).tolist())
    raise TypeError(f"cannot write {type(obj).__name__} to JSON: {obj!r}")


def write_frames(f, frames, write_fields: Callable[[Any, Mapping[str, Any]], None]) -> None:
    """The top-level ``frames`` group of a result file ``f`` (an open h5py File): ``count``,
    ``times`` (s) and one group per frame with its ``time`` attribute, its fields written by
    ``write_fields(group, fields)``."""
    fg = f.create_group("frames")
    fg.attrs["count"] = len(frames)
    fg.create_dataset("times", data=np.asarray([t for t, _ in frames], dtype=np.float64))
    for index, (time, frame_fields) in enumerate(frames):
        g = fg.create_group(str(index))
        g.attrs["time"] = float(time)
        write_fields(g, frame_fields)
