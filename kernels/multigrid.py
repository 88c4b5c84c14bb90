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

from .stencils import laplacian, laplacian_diagonal, shift


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class Level:
    """One grid of the hierarchy: face coefficients and the operator's diagonal."""

    coeffs: tuple
    lapdiag: jnp.ndarray  # diagonal of -div(c grad), identity rows included
    iso: jnp.ndarray      # 1.0 on cells with no open face (identity rows)
    shift: jnp.ndarray    # a non-negative diagonal term (e.g. heat capacity / dt)
    h: tuple = field(metadata=dict(static=True))
    periodic: tuple = field(metadata=dict(static=True))
    coarsen: tuple = field(metadata=dict(static=True))  # axes halved to reach the next level

    @property
    def diag(self):
        return self.lapdiag + self.shift


def _coarsenable(n: int) -> bool:
    return n % 2 == 0 and n >= 4


def build_hierarchy(coeffs: Sequence, h: Sequence[float], periodic: Sequence[bool],
                    min_cells: int = 64) -> list[Level]:
    """Multigrid levels from the fine face coefficients ``(cx, cy, cz)``.

    The levels carry a zero ``shift``; :func:`with_shift` sets one."""
    levels = []
    coeffs = tuple(coeffs)
    h = tuple(float(x) for x in h)
    periodic = tuple(bool(p) for p in periodic)
    while True:
        shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
        coarsen = tuple(_coarsenable(n) for n in shape)
        if int(np.prod(shape)) <= min_cells or not any(coarsen):
            coarsen = (False, False, False)
        diag = laplacian_diagonal(coeffs, h, periodic)
        iso = (diag <= 0).astype(diag.dtype)
        scale = sum(1.0 / (x * x) for x in h)
        diag = jnp.where(iso > 0, scale, diag)
        levels.append(Level(coeffs, diag, iso, jnp.zeros_like(diag), h, periodic, coarsen))
        if not any(coarsen):
            return levels
        coeffs = tuple(_coarsen_coeff(c, a, coarsen) for a, c in enumerate(coeffs))
        h = tuple(x * 2 if k else x for x, k in zip(h, coarsen))


def _coarsen_coeff(c, axis: int, coarsen):
    """Average fine face coefficients of ``axis`` onto the coarse faces."""
    if coarsen[axis]:
        c = lax.slice_in_dim(c, 0, c.shape[axis], 2, axis=axis)  # even faces
    for t in range(3):
        if t != axis and coarsen[t]:
            n = c.shape[t]
            c = 0.5 * (lax.slice_in_dim(c, 0, n, 2, axis=t) + lax.slice_in_dim(c, 1, n, 2, axis=t))
    return c


def with_shift(levels: Sequence[Level], shift) -> list[Level]:
    """The same hierarchy for ``shift - div(c grad)``; coarse shifts are block means."""
    out = []
    for lev in levels:
        out.append(Level(lev.coeffs, lev.lapdiag, lev.iso, shift, lev.h, lev.periodic, lev.coarsen))
        for a in range(3):
            if lev.coarsen[a]:
                n = shift.shape[a]
                shift = 0.5 * (lax.slice_in_dim(shift, 0, n, 2, axis=a)
                               + lax.slice_in_dim(shift, 1, n, 2, axis=a))
    return out


def apply(level: Level, p):
    """The SPD operator ``shift - div(c grad p)`` plus identity rows on isolated cells."""
    return (-laplacian(p, level.coeffs, level.h, level.periodic)
            + (level.iso * level.lapdiag + level.shift) * p)


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


def _checkerboard(shape, dtype):
    i = sum(lax.broadcasted_iota(jnp.int32, shape, a) for a in range(3))
    return (i % 2 == 0).astype(dtype)


def smooth(level: Level, x, b, sweeps: int, reverse: bool = False):
    """Red-black Gauss-Seidel sweeps on ``apply(level, x) = b``."""
    red = _checkerboard(x.shape, x.dtype)
    colours = (1 - red, red) if reverse else (red, 1 - red)
    inv_diag = 1.0 / level.diag

    def sweep(_, x):
        for mask in colours:
            x = x + mask * inv_diag * (b - apply(level, x))
        return x
    # a rolled loop keeps compile time flat in the number of sweeps
    return lax.fori_loop(0, sweeps, sweep, x) if sweeps > 1 else sweep(0, x)


def vcycle(levels: Sequence[Level], b, pre: int = 2, post: int = 2, coarse_sweeps: int = 16):
    """One V-cycle from a zero initial guess: an approximation of ``A^-1 b``."""
    def cycle(k, b):
        lev = levels[k]
        if k == len(levels) - 1:
            x = smooth(lev, jnp.zeros_like(b), b, coarse_sweeps)
            return smooth(lev, x, b, coarse_sweeps, reverse=True)
        x = smooth(lev, jnp.zeros_like(b), b, pre)
        r = b - apply(lev, x)
        x = x + prolong(lev, cycle(k + 1, restrict(lev, r)))
        return smooth(lev, x, b, post, reverse=True)
    return cycle(0, b)
