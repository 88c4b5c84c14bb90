"""Checkpoints: the full solver state in one HDF5 file, written atomically.

Every leaf of the state pytree is stored as it is on the device (same dtype,
same shape), so a resumed run continues bit for bit on the same backend.

What happened before the checkpoint is kept as well, so that a resumed run
reports the same as one never stopped:

- the monitors' records (server inlets, chips, steady-state monitors) in the
  group ``records/<monitor>/<name>`` (numeric arrays as float64 datasets, text as
  UTF-8 string datasets), read back by :func:`load_checkpoint_extras`;
- the transient frames: each is written, when it is recorded, to its own file
  ``frames.partial/<run_id>-<index>.vtkhdf`` next to the checkpoint
  (:func:`save_frame`, atomically); the checkpoint's attrs ``run_id`` and
  ``frames`` (how many frames the run had recorded at that state) say which of
  those files belong to it (:func:`load_frames`).

Checkpoints of earlier versions have neither: they still load, with no records
and no frames.
"""
from __future__ import annotations

import os
import pathlib

import h5py
import jax
import numpy as np

from thermo.version import __version__
from thermo.io.result import atomic_path, read_result, write_result

CHECKPOINT_NAME = "checkpoint.h5"
FRAMES_DIR = "frames.partial"


def save_checkpoint(path: str | os.PathLike, state, case_text: str, *,
                    records: dict[str, dict] | None = None, run_id: str | None = None,
                    frames: int | None = None, wall_s: float | None = None) -> None:
    """Write ``state`` to ``path`` (temporary file, fsync, rename).

    ``records`` maps a monitor's name to its records (``{name: array or str}``);
    ``run_id`` names the run and ``frames`` is the number of transient frames it
    has recorded up to ``state`` (kept by :func:`save_frame`); ``wall_s`` the wall
    seconds the run has spent up to ``state``, earlier resumed segments included."""
    leaves = jax.tree_util.tree_leaves(state)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["case"] = case_text
            f.attrs["thermo_version"] = __version__
            f.attrs["leaves"] = len(leaves)
            f.attrs["step"] = int(state.step)
            f.attrs["time_s"] = float(state.t)
            if run_id is not None:
                f.attrs["run_id"] = run_id
            if frames is not None:
                f.attrs["frames"] = int(frames)
            if wall_s is not None:
                f.attrs["wall_s"] = float(wall_s)
            for i, leaf in enumerate(leaves):
                f.create_dataset(f"leaf{i:03d}", data=np.asarray(leaf))
            for monitor, items in (records or {}).items():
                g = f.create_group(f"records/{monitor}")
                for name, value in items.items():
                    if isinstance(value, str):
                        g.create_dataset(name, data=value, dtype=h5py.string_dtype("utf-8"))
                    else:
                        g.create_dataset(name, data=np.asarray(value, dtype=np.float64))


def load_checkpoint(path: str | os.PathLike, template) -> tuple:
    """Read a checkpoint into the structure of ``template`` (an initial state of
    the same case). Returns ``(state, case_text)``; refuses a checkpoint whose
    arrays do not match the template's shapes and dtypes. Each array goes to the
    device of the template's (the run's ``solver.backend``)."""
    path = pathlib.Path(path)
    leaves, treedef = jax.tree_util.tree_flatten(template)
    with h5py.File(path, "r") as f:
        if int(f.attrs.get("leaves", -1)) != len(leaves):
            raise ValueError(f"{path}: the checkpoint does not belong to this case or version")
        out = []
        for i, ref in enumerate(leaves):
            a = f[f"leaf{i:03d}"][()]
            if a.shape != ref.shape or a.dtype != ref.dtype:
                raise ValueError(f"{path}: array {i} is {a.dtype}{list(a.shape)}, the case needs "
                                 f"{ref.dtype}{list(ref.shape)}: another grid or precision")
            out.append(jax.device_put(a, getattr(ref, "sharding", None)))
        text = f.attrs["case"]
    return jax.tree_util.tree_unflatten(treedef, out), str(text)


def checkpoint_case_text(path: str | os.PathLike) -> str:
    """The case text (TOML, overrides applied) of the run that wrote ``path``."""
    with h5py.File(path, "r") as f:
        return str(f.attrs["case"])


def load_checkpoint_extras(path: str | os.PathLike) -> dict:
    """What a checkpoint keeps besides the state: ``{"records": {monitor: {name:
    array or str}}, "run_id": str or None, "frames": int or None, "time_s": float,
    "wall_s": float or None}`` (no records and None for checkpoints of earlier versions)."""
    with h5py.File(path, "r") as f:
        records = {}
        for monitor, g in (f["records"].items() if "records" in f else []):
            records[monitor] = {}
            for name, ds in g.items():
                value = ds[()]
                if isinstance(value, bytes):
                    value = value.decode("utf-8")
                elif ds.dtype.kind == "O":
                    value = str(value)
                records[monitor][name] = value
        run_id = f.attrs.get("run_id")
        frames, wall = f.attrs.get("frames"), f.attrs.get("wall_s")
        return {"records": records, "wall_s": None if wall is None else float(wall),
                "run_id": None if run_id is None else str(run_id),
                "frames": None if frames is None else int(frames),
                "time_s": float(f.attrs["time_s"])}


def _frame_path(outdir: pathlib.Path, run_id: str, index: int) -> pathlib.Path:
    return outdir / FRAMES_DIR / f"{run_id}-{index:06d}.vtkhdf"


def save_frame(outdir: str | os.PathLike, run_id: str, index: int, time: float,
               fields: dict, grid) -> None:
    """Keep transient frame ``index`` (at ``time`` s) of run ``run_id`` on disk until
    the run's result is written: ``OUTDIR/frames.partial/<run_id>-<index>.vtkhdf``,
    a result file of its own (written atomically)."""
    path = _frame_path(pathlib.Path(outdir), run_id, index)
    path.parent.mkdir(exist_ok=True)
    write_result(path, grid, fields, attrs={"time_s": float(time), "run_id": run_id,
                                            "frame": int(index)})


def load_frames(outdir: str | os.PathLike, run_id: str, count: int) -> list | None:
    """Frames ``0 .. count-1`` of run ``run_id`` as ``[(time_s, fields)]``, from the
    files :func:`save_frame` wrote; None if any of them is missing."""
    out = []
    for index in range(count):
        path = _frame_path(pathlib.Path(outdir), run_id, index)
        if not path.is_file():
            return None
        r = read_result(path)
        out.append((float(r["attrs"]["time_s"]), r["fields"]))
    return out


def discard_frames(outdir: str | os.PathLike, *, run: str | None = None,
                   keep: str | None = None) -> None:
    """Remove kept frames: those of run ``run``, or those of every run but ``keep``
    (the frames no checkpoint on disk refers to any longer), with any temporary file
    a killed run left behind; the folder too when nothing is left in it."""
    folder = pathlib.Path(outdir) / FRAMES_DIR
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        # a temporary, .<run_id>-<index>.vtkhdf.tmp-<pid>, was left by a killed process
        temporary = p.name.startswith(".") and ".tmp-" in p.name
        of = p.name.lstrip(".").split("-", 1)[0]
        if (run is not None and of == run) or (keep is not None and (of != keep or temporary)):
            p.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:  # not empty: the frames of another run
        pass

