"""Checkpoints: the full solver state in one HDF5 file, written atomically.

Every leaf of the state pytree is stored as it is on the device (same dtype,
same shape), so a resumed run continues bit for bit on the same backend.
"""
from __future__ import annotations

import os
import pathlib

import h5py
import jax
import jax.numpy as jnp
import numpy as np

from . import __version__
from .output import atomic_path

CHECKPOINT_NAME = "checkpoint.h5"


def save_checkpoint(path: str | os.PathLike, state, case_text: str) -> None:
    """Write ``state`` to ``path`` (temporary file, fsync, rename)."""
    leaves = jax.tree_util.tree_leaves(state)
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["case"] = case_text
            f.attrs["thermo_version"] = __version__
            f.attrs["leaves"] = len(leaves)
            f.attrs["step"] = int(state.step)
            f.attrs["time_s"] = float(state.t)
            for i, leaf in enumerate(leaves):
                f.create_dataset(f"leaf{i:03d}", data=np.asarray(leaf))


def load_checkpoint(path: str | os.PathLike, template) -> tuple:
    """Read a checkpoint into the structure of ``template`` (an initial state of
    the same case). Returns ``(state, case_text)``; refuses a checkpoint whose
    arrays do not match the template's shapes and dtypes."""
    path = pathlib.Path(path)
    leaves, treedef = jax.tree_util.tree_flatten(template)
    with h5py.File(path, "r") as f:
        if int(f.attrs.get("leaves", -1)) != len(leaves):
            raise ValueError(f"{path}: the checkpoint does not belong to this case or version")
        out = []
        for i, ref in enumerate(leaves):
            a = f[f"leaf{i:03d}"][()]
            ref = np.asarray(ref)
            if a.shape != ref.shape or a.dtype != ref.dtype:
                raise ValueError(f"{path}: array {i} is {a.dtype}{list(a.shape)}, the case needs "
                                 f"{ref.dtype}{list(ref.shape)}: another grid or precision")
            out.append(jnp.asarray(a))
        text = f.attrs["case"]
    return jax.tree_util.tree_unflatten(treedef, out), str(text)
