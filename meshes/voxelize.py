"""Shapes to cell masks on a Grid."""
from __future__ import annotations

import numpy as np

from .grid import Grid


def box_mask(grid: Grid, lo, hi) -> np.ndarray:
    """Boolean mask of the cells whose centres lie inside the box [lo, hi] (m)."""
    x, y, z = (grid.centers(a) for a in range(3))
    inside = [
        (c >= lo[a]) & (c <= hi[a]) for a, c in enumerate((x, y, z))
    ]
    return inside[0][:, None, None] & inside[1][None, :, None] & inside[2][None, None, :]
