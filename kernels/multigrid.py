"""Matrix-free geometric multigrid for ``-div(c grad p) = b`` on a masked grid.

Cell-centred, with face coefficients ``c`` that vanish across blocked faces and
on Neumann boundary faces; a non-zero coefficient on a non-periodic boundary
face makes that face Dirichlet (``p = 0``). Cells with no open face at all
(solid cells) are decoupled by an identity row.

The hierarchy coarsens by two along every axis whose cell count is even and at
least 4, re-discretising the operator on each coarse grid with face
coefficients averaged over the fine faces that make up a coarse face. Transfers
are cell-centred trilinear prolongation and its exact transpose (computed with
``jax.linear_transpose``) as restriction, so that a V-cycle with red-black
Gauss-Seidel pre-smoothing and the reverse sweep order after is symmetric and
serves as a conjugate-gradient preconditioner.

On a graded grid (any axis's spacing a tuple of cell widths, see
:mod:`thermo.kernels.spacing`) the per-volume operator is not symmetric, so every
level holds the volume-weighted (integrated) form instead: the coupling across a
face is ``c * area / gap`` and the level's ``volume`` is kept, so that the solvers
can weight right-hand sides and shifts. Coarse grids are re-discretised on the
coarse geometry (each coarse width the sum of its two fine widths), prolongation
interpolates linearly by distance and restriction is its plain transpose (a sum,
as the integrated form needs). Uniform grids keep the per-volume form exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import spacing as sp
from .stencils import face_weights, laplacian_diagonal, neighbour_sum, shift


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Level:
    """One grid of the hierarchy: face coefficients and the operator's diagonal."""

    coeffs: tuple
    lapdiag: jnp.ndarray  # diagonal of -div(c grad), identity rows included
    iso: jnp.ndarray      # 1.0 on cells with no open face (identity rows)
    shift: jnp.ndarray    # a non-negative diagonal term (e.g. heat capacity / dt)
    # the coarsest level when small (DENSE_MAX cells) and unshifted: the inverse
    # (pseudo-inverse when singular) of its operator; None on the other levels
    inv: jnp.ndarray | None
    # cell volumes of a volume-weighted (graded) level, whose operator is the
    # per-volume one times the volume; None on a uniform level (per-volume form)
    volume: jnp.ndarray | None
    # the spacing the stencil sees: the grid's on a uniform level; ones on a weighted
    # level, whose coefficients already hold area / gap
    h: tuple = field(metadata=dict(static=True))
    periodic: tuple = field(metadata=dict(static=True))
    coarsen: tuple = field(metadata=dict(static=True))  # axes halved to reach the next level
    # the level's cell widths per axis (tuples) on a weighted level, else None
    widths: tuple | None = field(default=None, metadata=dict(static=True))

    @property
    def weighted(self) -> bool:
        return self.volume is not None

    @property
    def diag(self):
        return self.lapdiag + self.shift


# the coarsest grid is solved exactly by a dense inverse up to this many cells (a
# matrix-vector product, one kernel) instead of by dozens of smoothing sweeps,
# each a handful of kernels whose launch cost dominates on such small grids
DENSE_MAX = 128


def _coarsenable(n: int) -> bool:
    return n % 2 == 0 and n >= 4


def build_hierarchy(coeffs: Sequence, h: Sequence, periodic: Sequence[bool],
                    min_cells: int = 64, semicoarsen: bool | None = None) -> list[Level]:
    """Multigrid levels from the fine face coefficients ``(cx, cy, cz)``.

    Built on the host in float64 NumPy and stored in the coefficients' dtype:
    eager device ops would compile a kernel per operation and shape, seconds of
    set-up for every new grid. The levels carry a zero ``shift``; :func:`with_shift`
    sets one. ``h`` per axis is one width or a graded axis's cell widths; any graded
    axis makes every level volume-weighted (see the module docstring).
    ``semicoarsen`` (graded only; None: on) halves only the axes whose smallest
    cell is within a factor 2 of the level's smallest cell, so that thin cells are
    coarsened until they are about as wide as the others."""
    dtype = jnp.asarray(coeffs[0]).dtype
    coeffs = tuple(np.asarray(c, dtype=np.float64) for c in coeffs)
    periodic = tuple(bool(p) for p in periodic)
    dev = lambda x: jnp.asarray(np.asarray(x, dtype=dtype))
    if not all(sp.is_uniform(x) for x in h):
        return _build_weighted(coeffs, h, periodic, min_cells,
                               True if semicoarsen is None else semicoarsen, dev)
    h = tuple(float(x) for x in h)
    levels = []
    while True:
        shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
        coarsen = tuple(_coarsenable(n) for n in shape)
        if int(np.prod(shape)) <= min_cells or not any(coarsen):
            coarsen = (False, False, False)
        diag = laplacian_diagonal(coeffs, h, periodic)
        iso = (diag <= 0).astype(np.float64)
        scale = sum(1.0 / (x * x) for x in h)
        diag = np.where(iso > 0, scale, diag)
        inv = None
        if not any(coarsen) and diag.size <= DENSE_MAX:
            inv = dev(np.linalg.pinv(dense_operator(coeffs, diag, h, periodic), hermitian=True))
        levels.append(Level(tuple(dev(c) for c in coeffs), dev(diag), dev(iso),
                            dev(np.zeros_like(diag)), inv, None, h, periodic, coarsen))
        if not any(coarsen):
            return levels
        coeffs = tuple(_coarsen_coeff(c, a, coarsen) for a, c in enumerate(coeffs))
        h = tuple(x * 2 if k else x for x, k in zip(h, coarsen))


def _broadcast(v: np.ndarray, axis: int) -> np.ndarray:
    shape = [1, 1, 1]
    shape[axis] = -1
    return np.asarray(v, dtype=np.float64).reshape(shape)


def weighted_coefficients(coeffs: Sequence[np.ndarray], widths: Sequence[np.ndarray],
                          periodic: Sequence[bool]) -> tuple:
    """Face coefficients of the volume-weighted operator: ``c * area / gap`` per face
    (NumPy), to be used with unit spacing by the uniform stencils."""
    out = []
    for a, c in enumerate(coeffs):
        area = 1.0
        for t in range(3):
            if t != a:
                area = area * _broadcast(widths[t], t)
        g = sp.gaps(tuple(widths[a]), periodic[a], len(widths[a]))
        out.append(c * area / _broadcast(g, a))
    return tuple(out)


def _semicoarsen_axes(shape, widths) -> tuple:
    able = [_coarsenable(n) for n in shape]
    if not any(able):
        return (False, False, False)
    smallest = min(float(np.min(widths[a])) for a in range(3) if able[a])
    return tuple(able[a] and float(np.min(widths[a])) <= 2.0 * smallest * (1 + 1e-12)
                 for a in range(3))


def _build_weighted(coeffs, h, periodic, min_cells, semicoarsen, dev) -> list[Level]:
    """The volume-weighted hierarchy of a graded grid (see :func:`build_hierarchy`)."""
    shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
    widths = [sp.widths(h[a], shape[a]) for a in range(3)]
    unit = (1.0, 1.0, 1.0)
    levels = []
    while True:
        shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
        if semicoarsen:
            coarsen = _semicoarsen_axes(shape, widths)
        else:
            coarsen = tuple(_coarsenable(n) for n in shape)
        if int(np.prod(shape)) <= min_cells or not any(coarsen):
            coarsen = (False, False, False)
        ceff = weighted_coefficients(coeffs, widths, periodic)
        volume = _broadcast(widths[0], 0) * _broadcast(widths[1], 1) * _broadcast(widths[2], 2)
        diag = laplacian_diagonal(ceff, unit, periodic)
        diag = np.broadcast_to(diag, shape)
        iso = (diag <= 0).astype(np.float64)
        # identity rows scaled like their neighbours' rows: volume * sum 1 / w^2
        scale = volume * sum(1.0 / _broadcast(widths[a], a) ** 2 for a in range(3))
        diag = np.where(iso > 0, scale, diag)
        inv = None
        if not any(coarsen) and diag.size <= DENSE_MAX:
            inv = dev(np.linalg.pinv(dense_operator(ceff, diag, unit, periodic), hermitian=True))
        levels.append(Level(tuple(dev(c) for c in ceff), dev(diag), dev(iso),
                            dev(np.zeros_like(diag)), inv, dev(np.broadcast_to(volume, shape)),
                            unit, periodic, coarsen, tuple(tuple(float(x) for x in w) for w in widths)))
        if not any(coarsen):
            return levels
        coeffs = tuple(_coarsen_coeff(c, a, coarsen) for a, c in enumerate(coeffs))
        widths = [w[0::2] + w[1::2] if k else w for w, k in zip(widths, coarsen)]


def dense_operator(coeffs: Sequence[np.ndarray], diag: np.ndarray, h: Sequence,
                   periodic: Sequence[bool]) -> np.ndarray:
    """The matrix of :func:`apply` without shift (C-order cells), assembled row by
    row from the same stencil: ``diag`` on the diagonal, ``-c / h^2`` to each
    neighbour across a face with coefficient ``c`` (wrapped on periodic axes); on a
    graded axis ``-c / (gap * width)``, the per-volume stencil of
    :func:`thermo.kernels.stencils.laplacian`. For a level pass ``level.h`` (ones
    on a weighted level, whose coefficients hold area / gap)."""
    shape = diag.shape
    n_cells = diag.size
    a_mat = np.zeros((n_cells, n_cells))
    a_mat[np.arange(n_cells), np.arange(n_cells)] = diag.ravel()
    idx = np.arange(n_cells).reshape(shape)
    for a, c in enumerate(coeffs):
        n = shape[a]
        take = lambda start, stop: c[(slice(None),) * a + (slice(start, stop),)]
        k = np.arange(n).reshape([n if b == a else 1 for b in range(3)])
        if sp.is_uniform(h[a]):
            pairs = ((1, -take(1, n + 1) / h[a] ** 2), (-1, -take(0, n) / h[a] ** 2))
        else:
            lo, hi = face_weights(h[a], periodic[a], n)
            pairs = ((1, -take(1, n + 1) * _broadcast(hi, a)), (-1, -take(0, n) * _broadcast(lo, a)))
        for step, w in pairs:
            w = np.broadcast_to(w, shape)
            keep = np.broadcast_to(periodic[a] | ((k + step >= 0) & (k + step < n)), shape)
            nb = np.roll(idx, -step, axis=a)
            np.add.at(a_mat, (idx[keep], nb[keep]), w[keep])
    return a_mat


def _coarsen_coeff(c: np.ndarray, axis: int, coarsen) -> np.ndarray:
    """Average fine face coefficients of ``axis`` onto the coarse faces."""
    sl = lambda x, t, start: x[(slice(None),) * t + (slice(start, None, 2),)]
    if coarsen[axis]:
        c = sl(c, axis, 0)  # even faces
    for t in range(3):
        if t != axis and coarsen[t]:
            c = 0.5 * (sl(c, t, 0) + sl(c, t, 1))
    return c


def with_shift(levels: Sequence[Level], shift) -> list[Level]:
    """The same hierarchy for ``shift - div(c grad)``; coarse shifts are block means
    (on weighted levels the shift is held times the volume: block sums of that)."""
    out = []
    if levels and levels[0].weighted:
        shift = shift * levels[0].volume
    for lev in levels:
        # the dense coarse inverse is of the unshifted operator; an inverse per shift
        # (per time step) costs more inside the loop than the sweeps it saves
        out.append(Level(lev.coeffs, lev.lapdiag, lev.iso, shift, None, lev.volume, lev.h,
                         lev.periodic, lev.coarsen, lev.widths))
        for a in range(3):
            if lev.coarsen[a]:
                n = shift.shape[a]
                pair = (lax.slice_in_dim(shift, 0, n, 2, axis=a)
                        + lax.slice_in_dim(shift, 1, n, 2, axis=a))
                shift = pair if lev.weighted else 0.5 * pair
    return out


def apply(level: Level, p):
    """The SPD operator ``shift - div(c grad p)`` plus identity rows on isolated cells."""
    # lapdiag holds the stencil's diagonal, and the identity rows' on isolated cells
    return level.diag * p - neighbour_sum(p, level.coeffs, level.h, level.periodic)


def _prolong_axis(x, axis: int, periodic: bool):
    """Linear interpolation of cell values onto a grid twice as fine along ``axis``."""
    n = x.shape[axis]
    if periodic:
        lo, hi = shift(x, axis, n - 1, 1), shift(x, axis, 0, 1)
    else:
        lo, hi = shift(x, axis, 0, 1), shift(x, axis, n - 1, 1)
    q = jnp.concatenate([lo, x, hi], axis=axis)
    left = 0.75 * x + 0.25 * shift(q, axis, 0, n)
    right = 0.75 * x + 0.25 * shift(q, axis, 2, n)
    out = jnp.stack([left, right], axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = 2 * n
    return out.reshape(shape)


def _prolong_axis_graded(x, axis: int, periodic: bool, fine):
    """Linear interpolation by distance onto the fine cells of widths ``fine`` (two
    per coarse cell), each fine centre between its coarse cell's centre and the
    nearer neighbour's (a mirrored ghost at a non-periodic end: the same value)."""
    fine = np.asarray(fine, dtype=np.float64)
    coarse = fine[0::2] + fine[1::2]
    g = sp.gaps(tuple(coarse), periodic, coarse.size)
    lo_w = 0.5 * fine[1::2] / g[:-1]  # weight of the coarse cell before, left child
    hi_w = 0.5 * fine[0::2] / g[1:]   # weight of the coarse cell after, right child
    n = x.shape[axis]
    if periodic:
        lo, hi = shift(x, axis, n - 1, 1), shift(x, axis, 0, 1)
    else:
        lo, hi = shift(x, axis, 0, 1), shift(x, axis, n - 1, 1)
    q = jnp.concatenate([lo, x, hi], axis=axis)
    c = lambda v: sp.along_axis(v, axis, x.dtype)
    left = c(1.0 - lo_w) * x + c(lo_w) * shift(q, axis, 0, n)
    right = c(1.0 - hi_w) * x + c(hi_w) * shift(q, axis, 2, n)
    out = jnp.stack([left, right], axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = 2 * n
    return out.reshape(shape)


def prolong(level: Level, x):
    """Coarse-to-fine trilinear interpolation for the transfer from ``level``
    (by distance on a weighted level)."""
    for a in range(3):
        if level.coarsen[a]:
            if level.weighted:
                x = _prolong_axis_graded(x, a, level.periodic[a], level.widths[a])
            else:
                x = _prolong_axis(x, a, level.periodic[a])
    return x


def restrict(level: Level, r):
    """Transpose of :func:`prolong`, scaled to average (fine-to-coarse); on a
    weighted level the plain transpose (sums, as the integrated residual needs)."""
    coarse_shape = tuple(n // 2 if k else n for n, k in zip(r.shape, level.coarsen))
    nfine = 2 ** sum(level.coarsen)
    transpose = jax.linear_transpose(lambda x: prolong(level, x),
                                     jax.ShapeDtypeStruct(coarse_shape, r.dtype))
    if level.weighted:
        return transpose(r)[0]
    return transpose(r)[0] / nfine


def _red(shape):
    """True on the cells whose index sum is even."""
    i = sum(lax.broadcasted_iota(jnp.int32, shape, a) for a in range(3))
    return i % 2 == 0


def smooth(level: Level, x, b, sweeps: int, reverse: bool = False):
    """Red-black Gauss-Seidel sweeps on ``apply(level, x) = b``: each colour's cells
    set to ``(b + neighbour_sum) / diag``. The colour comes from an iota inside the
    update's kernel rather than a mask array read from memory."""
    inv_diag = 1.0 / level.diag
    order = (False, True) if reverse else (True, False)

    def sweep(_, x):
        for colour in order:
            new = (b + neighbour_sum(x, level.coeffs, level.h, level.periodic)) * inv_diag
            x = jnp.where(_red(x.shape) == colour, new, x)
        return x
    # a rolled loop keeps compile time flat in the number of sweeps
    return lax.fori_loop(0, sweeps, sweep, x) if sweeps > 1 else sweep(0, x)


def vcycle(levels: Sequence[Level], b, pre: int = 2, post: int = 2, coarse_sweeps: int = 16):
    """One V-cycle from a zero initial guess: an approximation of ``A^-1 b``."""
    def cycle(k, b):
        lev = levels[k]
        if k == len(levels) - 1:
            if lev.inv is not None:
                return (lev.inv @ b.ravel()).reshape(b.shape)
            x = smooth(lev, jnp.zeros_like(b), b, coarse_sweeps)
            return smooth(lev, x, b, coarse_sweeps, reverse=True)
        x = smooth(lev, jnp.zeros_like(b), b, pre)
        r = b - apply(lev, x)
        x = x + prolong(lev, cycle(k + 1, restrict(lev, r)))
        return smooth(lev, x, b, post, reverse=True)
    return cycle(0, b)
