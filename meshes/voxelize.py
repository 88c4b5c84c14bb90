"""Shapes to cell fields on a Grid: masks, volume fractions and power densities.

Uniform and graded grids alike: cell extents are the grid's true faces and widths, and
volumes its `Grid.cell_volumes`. On a uniform grid (``Grid(size, cells, origin)``) the
arrays are bit for bit those of the uniform-only code before graded grids (the same
formulas are kept on that path; tests/test_graded_grid.py compares them).
"""
from __future__ import annotations

import math

import numpy as np

from .grid import Grid
from .shapes import Box, Cylinder, Shape

__all__ = ["box_mask", "cell_mask", "volume_fractions", "power_density"]

_MAX_POINTS = 1_000_000  # sample points per batch in volume_fractions


def box_mask(grid: Grid, lo, hi) -> np.ndarray:
    """Boolean mask of the cells whose centres lie inside the box [lo, hi] (m)."""
    x, y, z = (grid.centers(a) for a in range(3))
    inside = [
        (c >= lo[a]) & (c <= hi[a]) for a, c in enumerate((x, y, z))
    ]
    return inside[0][:, None, None] & inside[1][None, :, None] & inside[2][None, None, :]


def _cell_range(grid: Grid, lo: float, hi: float, axis: int) -> tuple[int, int]:
    """Cells ``i0 <= i < i1`` along ``axis`` that touch [lo, hi] (m): a slightly generous
    range on a uniform grid, the exact one on a graded grid (i0 >= i1: none)."""
    n = grid.cells[axis]
    if grid.lines is None:
        o, h = grid.origin[axis], grid.spacing[axis]
        i0 = math.floor((lo - o) / h) - 1
        i1 = math.floor((hi - o) / h) + 2
        return max(i0, 0), min(i1, n)
    f = grid.faces(axis)
    # cell i touches [lo, hi] iff f[i + 1] >= lo and f[i] <= hi
    i0 = int(np.searchsorted(f, lo, side="left")) - 1
    i1 = int(np.searchsorted(f, hi, side="right"))
    return max(i0, 0), min(i1, n)


def _ranges(grid: Grid, shape: Shape) -> list[tuple[int, int]] | None:
    lo, hi = shape.bounds()
    r = [_cell_range(grid, float(lo[a]), float(hi[a]), a) for a in range(3)]
    return None if any(i0 >= i1 for i0, i1 in r) else r


def cell_mask(grid: Grid, shape: Shape) -> np.ndarray:
    """Boolean mask of the cells whose centres lie inside ``shape``."""
    mask = np.zeros(grid.cells, dtype=bool)
    r = _ranges(grid, shape)
    if r is None:
        return mask
    c = [grid.centers(a)[i0:i1] for a, (i0, i1) in enumerate(r)]
    mask[r[0][0]:r[0][1], r[1][0]:r[1][1], r[2][0]:r[2][1]] = shape.contains_lattice(*c)
    return mask


def _overlap_1d(grid: Grid, lo: float, hi: float, axis: int) -> np.ndarray:
    """Fraction of each cell's width along ``axis`` inside [lo, hi] (exact up to round-off)."""
    f = grid.faces(axis)
    ov = np.minimum(hi, f[1:]) - np.maximum(lo, f[:-1])
    if grid.lines is None:
        return np.clip(ov / grid.spacing[axis], 0.0, 1.0)
    return np.clip(ov / grid.widths(axis), 0.0, 1.0)


def _sub_points(grid: Grid, axis: int, i0: int, i1: int, samples: int) -> np.ndarray:
    """Sub-cell sample coordinates (m): the midpoints of ``samples`` equal slices of each
    of the cells i0..i1-1 along ``axis``, cell by cell."""
    off = (np.arange(samples) + 0.5) / samples
    if grid.lines is None:
        o, h = grid.origin[axis], grid.spacing[axis]
        return o + ((np.arange(i0, i1)[:, None] + off[None, :]) * h).ravel()
    f, w = grid.faces(axis)[i0:i1], grid.widths(axis)[i0:i1]
    return (f[:, None] + off[None, :] * w[:, None]).ravel()


def volume_fractions(grid: Grid, shape: Shape, samples: int = 4) -> np.ndarray:
    """The fraction (0..1) of each cell's volume inside ``shape``, an array of shape ``grid.cells``.

    Exact for an axis-aligned `Box` (per-axis overlap, multiplied). A `Cylinder`
    is exact along its axis times its cross-section sampled with ``samples**2``
    points per cell; any other shape is sampled with ``samples**3`` points per
    cell (the midpoints of a regular sub-grid of the cell's own widths), over the
    cells of its bounding box only. ``sum(fractions * grid.cell_volumes())`` is the
    shape's volume (m3) within the grid, up to that sampling.
    """
    if isinstance(samples, bool) or int(samples) != samples or samples < 1:
        raise ValueError(f"samples must be an integer >= 1, got {samples!r}")
    samples = int(samples)
    if isinstance(shape, Box):
        fx, fy, fz = (_overlap_1d(grid, shape.lo[a], shape.hi[a], a) for a in range(3))
        return fx[:, None, None] * fy[None, :, None] * fz[None, None, :]
    out = np.zeros(grid.cells)
    r = _ranges(grid, shape)
    if r is None:
        return out
    sl = tuple(slice(i0, i1) for i0, i1 in r)
    if isinstance(shape, Cylinder):
        out[sl] = _cylinder_fractions(grid, shape, r, samples)
        return out
    s = samples
    ny, nz = r[1][1] - r[1][0], r[2][1] - r[2][0]
    ys = _sub_points(grid, 1, *r[1], s)
    zs = _sub_points(grid, 2, *r[2], s)
    per_x_cell = ny * nz * s ** 3
    chunk = max(1, _MAX_POINTS // per_x_cell)
    for i in range(r[0][0], r[0][1], chunk):
        j = min(i + chunk, r[0][1])
        xs = _sub_points(grid, 0, i, j, s)
        inside = shape.contains_lattice(xs, ys, zs).reshape(j - i, s, ny, s, nz, s)
        out[i:j, sl[1], sl[2]] = inside.mean(axis=(1, 3, 5))
    return out


def _cylinder_fractions(grid: Grid, cyl: Cylinder, r, samples: int) -> np.ndarray:
    a = cyl.axis_index
    i, j = (a + 1) % 3, (a + 2) % 3
    half = 0.5 * cyl.length
    axial = _overlap_1d(grid, cyl.center[a] - half, cyl.center[a] + half, a)[r[a][0]:r[a][1]]
    pi = _sub_points(grid, i, *r[i], samples) - cyl.center[i]
    pj = _sub_points(grid, j, *r[j], samples) - cyl.center[j]
    disc = (pi[:, None] ** 2 + pj[None, :] ** 2) <= cyl.radius ** 2
    ni, nj = r[i][1] - r[i][0], r[j][1] - r[j][0]
    disc = disc.reshape(ni, samples, nj, samples).mean(axis=(1, 3))
    # the product, laid out on axes (i, j, a), then moved to (x, y, z)
    frac = disc[:, :, None] * axial[None, None, :]
    return np.moveaxis(frac, (0, 1, 2), (i, j, a))


def power_density(grid: Grid, fractions, power: float) -> np.ndarray:
    """Power density (W/m3) per cell spreading ``power`` (W) in proportion to ``fractions``.

    The part's power over its volume ``sum(fractions * grid.cell_volumes())`` (m3),
    times each cell's fraction: ``sum(density * grid.cell_volumes()) == power`` up to
    round-off, on graded grids too. ValueError if the fractions are all zero (the
    part misses the grid) or malformed.
    """
    f = np.asarray(fractions, dtype=float)
    if f.shape != tuple(grid.cells):
        raise ValueError(f"fractions have shape {f.shape}, the grid has {tuple(grid.cells)} cells")
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        raise ValueError("fractions must be finite and >= 0")
    power = float(power)
    if not math.isfinite(power):
        raise ValueError(f"power must be finite, got {power!r}")
    if grid.lines is None:
        total = float(f.sum())
        volume = total * grid.cell_volume
    else:
        volume = total = float(np.sum(f * grid.cell_volumes()))
    if not total > 0.0:
        raise ValueError("the part covers no volume of the grid (all fractions are zero): "
                         "it lies outside the grid or misses it")
    return f * (power / volume)
