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
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .stencils import laplacian_diagonal, neighbour_sum, shift


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
    h: tuple = field(metadata=dict(static=True))
    periodic: tuple = field(metadata=dict(static=True))
    coarsen: tuple = field(metadata=dict(static=True))  # axes halved to reach the next level

    @property
    def diag(self):
        return self.lapdiag + self.shift


# the coarsest grid is solved exactly by a dense inverse up to this many cells (a
# matrix-vector product, one kernel) instead of by dozens of smoothing sweeps,
# each a handful of kernels whose launch cost dominates on such small grids
DENSE_MAX = 128


def _coarsenable(n: int) -> bool:
    return n % 2 == 0 and n >= 4


def build_hierarchy(coeffs: Sequence, h: Sequence[float], periodic: Sequence[bool],
                    min_cells: int = 64) -> list[Level]:
    """Multigrid levels from the fine face coefficients ``(cx, cy, cz)``.

    Built on the host in float64 NumPy and stored in the coefficients' dtype:
    eager device ops would compile a kernel per operation and shape, seconds of
    set-up for every new grid. The levels carry a zero ``shift``; :func:`with_shift`
    sets one."""
    dtype = jnp.asarray(coeffs[0]).dtype
    coeffs = tuple(np.asarray(c, dtype=np.float64) for c in coeffs)
    h = tuple(float(x) for x in h)
    periodic = tuple(bool(p) for p in periodic)
    dev = lambda x: jnp.asarray(np.asarray(x, dtype=dtype))
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
                            dev(np.zeros_like(diag)), inv, h, periodic, coarsen))
        if not any(coarsen):
            return levels
        coeffs = tuple(_coarsen_coeff(c, a, coarsen) for a, c in enumerate(coeffs))
        h = tuple(x * 2 if k else x for x, k in zip(h, coarsen))


def dense_operator(coeffs: Sequence[np.ndarray], diag: np.ndarray, h: Sequence[float],
                   periodic: Sequence[bool]) -> np.ndarray:
    """The matrix of :func:`apply` without shift (C-order cells), assembled row by
    row from the same stencil: ``diag`` on the diagonal, ``-c / h^2`` to each
    neighbour across a face with coefficient ``c`` (wrapped on periodic axes)."""
    shape = diag.shape
    n_cells = diag.size
    a_mat = np.zeros((n_cells, n_cells))
    a_mat[np.arange(n_cells), np.arange(n_cells)] = diag.ravel()
    idx = np.arange(n_cells).reshape(shape)
    for a, c in enumerate(coeffs):
        n = shape[a]
        take = lambda start, stop: c[(slice(None),) * a + (slice(start, stop),)]
        k = np.arange(n).reshape([n if b == a else 1 for b in range(3)])
        for step, w in ((1, take(1, n + 1)), (-1, take(0, n))):
            w = np.broadcast_to(-w / h[a] ** 2, shape)
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
    """The same hierarchy for ``shift - div(c grad)``; coarse shifts are block means."""
    out = []
    for lev in levels:
        # the dense coarse inverse is of the unshifted operator; an inverse per shift
        # (per time step) costs more inside the loop than the sweeps it saves
        out.append(Level(lev.coeffs, lev.lapdiag, lev.iso, shift, None, lev.h, lev.periodic,
                         lev.coarsen))
        for a in range(3):
            if lev.coarsen[a]:
                n = shift.shape[a]
                shift = 0.5 * (lax.slice_in_dim(shift, 0, n, 2, axis=a)
                               + lax.slice_in_dim(shift, 1, n, 2, axis=a))
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


def prolong(level: Level, x):
    """Coarse-to-fine trilinear interpolation for the transfer from ``level``."""
    for a in range(3):
        if level.coarsen[a]:
            x = _prolong_axis(x, a, level.periodic[a])
    return x


def restrict(level: Level, r):
    """Transpose of :func:`prolong`, scaled to average (fine-to-coarse)."""
    coarse_shape = tuple(n // 2 if k else n for n, k in zip(r.shape, level.coarsen))
    nfine = 2 ** sum(level.coarsen)
    transpose = jax.linear_transpose(lambda x: prolong(level, x),
                                     jax.ShapeDtypeStruct(coarse_shape, r.dtype))
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
