"""The structured Cartesian grid: origin, size, cells per axis, spacing (metres)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """A uniform-per-axis Cartesian grid of cells.

    Arrays on this grid are indexed ``[i, j, k]`` for ``(x, y, z)``. Cell-centred
    fields have shape ``cells``; the x-face velocity has shape ``(nx+1, ny, nz)``,
    and likewise for y and z, boundary faces included.
    """

    size: tuple[float, float, float]
    cells: tuple[int, int, int]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", tuple(float(s) for s in self.size))
        object.__setattr__(self, "cells", tuple(int(n) for n in self.cells))
        object.__setattr__(self, "origin", tuple(float(o) for o in self.origin))
        if len(self.size) != 3 or len(self.cells) != 3 or len(self.origin) != 3:
            raise ValueError("Grid needs three sizes, three cell counts and a 3-D origin")
        if any(s <= 0 for s in self.size) or any(n < 1 for n in self.cells):
            raise ValueError(f"Grid needs positive sizes and cell counts, got {self.size}, {self.cells}")

    @property
    def spacing(self) -> tuple[float, float, float]:
        """Cell widths (m) per axis."""
        return tuple(s / n for s, n in zip(self.size, self.cells))

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.cells

    @property
    def ncells(self) -> int:
        return int(np.prod(self.cells))

    @property
    def cell_volume(self) -> float:
        return float(np.prod(self.spacing))

    def centers(self, axis: int) -> np.ndarray:
        """Cell-centre coordinates (m) along one axis."""
        h = self.spacing[axis]
        return self.origin[axis] + (np.arange(self.cells[axis]) + 0.5) * h

    def faces(self, axis: int) -> np.ndarray:
        """Face coordinates (m) along one axis, both boundary faces included."""
        h = self.spacing[axis]
        return self.origin[axis] + np.arange(self.cells[axis] + 1) * h

    def face_shape(self, axis: int) -> tuple[int, int, int]:
        s = list(self.cells)
        s[axis] += 1
        return tuple(s)

    def mesh(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cell-centre coordinate arrays (x, y, z), each of shape ``cells``."""
        return tuple(np.meshgrid(*(self.centers(a) for a in range(3)), indexing="ij"))
