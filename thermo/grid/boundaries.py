"""Boundary patches of a case turned into per-face-cell conditions on the grid.

Each of the six domain faces gets, per face cell, a flow kind (wall, slip,
inlet, outlet), a velocity (m/s; a moving wall's or an inlet's), and the index
of the ``[[boundaries]]`` entry that owns it (-1: the default adiabatic no-slip
wall). Faces listed as periodic wrap around instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermo.meshes import Grid

WALL, SLIP, INLET, OUTLET = 0, 1, 2, 3
KINDS = {"wall": WALL, "slip": SLIP, "inlet": INLET, "outlet": OUTLET}
FACES = {"x-": (0, 0), "x+": (0, 1), "y-": (1, 0), "y+": (1, 1), "z-": (2, 0), "z+": (2, 1)}


def tangential_axes(axis: int) -> tuple[int, int]:
    return tuple(t for t in range(3) if t != axis)


@dataclass(frozen=True)
class FaceConditions:
    """Per-face-cell boundary data; keys are ``(axis, side)`` with side 0 = low."""

    kind: dict
    velocity: dict   # (..., 3) arrays, m/s
    owner: dict      # index into case boundaries, -1 for the default wall
    periodic: tuple

    @property
    def has_outlet(self) -> bool:
        return any((k == OUTLET).any() for k in self.kind.values())

    @property
    def has_inlet(self) -> bool:
        return any((k == INLET).any() for k in self.kind.values())

    def max_speed(self) -> np.ndarray:
        """Largest boundary velocity component per axis (m/s)."""
        out = np.zeros(3)
        for v in self.velocity.values():
            out = np.maximum(out, np.abs(v).reshape(-1, 3).max(axis=0))
        return out


def face_conditions(grid: Grid, boundaries: list[dict]) -> FaceConditions:
    """Rasterise the case's ``[[boundaries]]`` onto the six faces of ``grid``."""
    periodic = [False, False, False]
    kind, vel, owner = {}, {}, {}
    for key in FACES.values():
        a = key[0]
        shape = tuple(grid.cells[t] for t in tangential_axes(a))
        kind[key] = np.full(shape, WALL, dtype=np.int8)
        vel[key] = np.zeros(shape + (3,))
        owner[key] = np.full(shape, -1, dtype=np.int32)
    for index, b in enumerate(boundaries):
        a, side = FACES[b["face"]]
        if b["flow"] == "periodic":
            periodic[a] = True
            owner[(a, side)][...] = index
            continue
        t0, t1 = tangential_axes(a)
        c0, c1 = grid.centers(t0), grid.centers(t1)
        lo, hi = b["region"]["min"], b["region"]["max"]
        m = ((c0 >= lo[0]) & (c0 <= hi[0]))[:, None] & ((c1 >= lo[1]) & (c1 <= hi[1]))[None, :]
        key = (a, side)
        kind[key][m] = KINDS[b["flow"]]
        owner[key][m] = index
        v = np.asarray(b.get("velocity") or [0.0, 0.0, 0.0], dtype=float)
        if b["flow"] == "inlet" and b.get("volume_flow"):
            if grid.is_uniform:
                area = m.sum() * grid.spacing[t0] * grid.spacing[t1]
            else:
                area = float(np.sum(m * np.outer(grid.widths(t0), grid.widths(t1))))
            v = np.zeros(3)
            v[a] = b["volume_flow"] / area * (1.0 if side == 0 else -1.0)
        if b["flow"] in ("inlet", "wall"):
            vel[key][m] = v
    return FaceConditions(kind, vel, owner, tuple(periodic))
