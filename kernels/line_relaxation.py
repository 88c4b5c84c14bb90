"""Alternating line relaxation of a general (non-symmetric) 7-point operator.

The steady solver's energy increment solves ``(C/dtau + rho cp A_upwind + K) dT = R``:
in the air upwind advection dominates, and a multigrid V-cycle of the conduction
operator (the advection's diagonal added) misses the advection's couplings, which
carry the heat downstream: BiCGStab then needs 30-90 iterations. Solving exactly
along lines, one axis after the other, inverts the couplings along each axis in turn,
so that a flow along any axis is handled in one sweep (Peaceman-Rachford's alternating
directions, without their splitting of the diagonal).

The operator is given as a function only; its coefficients are read by probing it
(:func:`line_coefficients`): on unit vectors coloured so that no two sources share a
row, ``apply`` returns one column entry per row. A 7-point operator is assumed (each
cell coupled to its six face neighbours); a wider one is read with its extra couplings
folded into the wrong rows, which makes the relaxation weaker, not wrong: it serves as
a preconditioner, and the Krylov solver's residual is the true operator's.
"""
from __future__ import annotations

from typing import Callable, Sequence

import jax.numpy as jnp
from jax import lax

from .tridiagonal import factor_lines, solve_lines


def _iota(shape, axis: int):
    return lax.broadcasted_iota(jnp.int32, shape, axis)


def line_coefficients(apply: Callable, shape: Sequence[int], dtype,
                      axes: Sequence[int]) -> tuple:
    """``(diag, lo, hi, factors)`` of the linear operator ``apply`` on cell arrays of ``shape``:
    its diagonal, and per axis in ``axes`` the couplings ``A[i, i-1]`` (``lo[a]``) and
    ``A[i, i+1]`` (``hi[a]``) to the previous and next cell along the axis, zero at the
    ends (a periodic axis's wrap-around coupling left out); an empty row's diagonal
    reads 1. Costs ``2 + 3 len(axes)`` applications of ``apply``, in one loop. Units:
    ``apply``'s. Each axis's tridiagonal part comes factored (:func:`factor_lines`) for
    :func:`relax_lines`, which applies it many times."""
    shape = tuple(shape)
    red = sum(_iota(shape, a) for a in range(3)) % 2 == 0
    planes = [_iota(shape, a) % 3 for a in axes]
    probes = [red, ~red] + [p == c for p in planes for c in range(3)]
    # the probes one after the other in one loop: the operator is traced once, and on
    # 2 CPU cores 11 applications in a loop took 14 ms on 52,080 cells against 32 ms
    # batched by vmap (whose stacked, padded copies cost more than the arithmetic)
    ys = lax.map(apply, jnp.stack([q.astype(dtype) for q in probes]))
    # a cell's six neighbours are the other colour
    diag = jnp.where(red, ys[0], ys[1])
    # a row the operator leaves empty (a cell it does not act on) keeps its value
    diag = jnp.where(diag == 0.0, 1.0, diag)
    lo, hi = {}, {}
    for j, (a, ia) in enumerate(zip(axes, planes)):
        l = jnp.zeros(shape, dtype)
        h = jnp.zeros(shape, dtype)
        for c in range(3):
            # sources on every third plane across the axis: a row on the next plane
            # sees its previous neighbour only, a row on the plane before its next one
            y = ys[2 + 3 * j + c]
            l = jnp.where(ia == (c + 1) % 3, y, l)
            h = jnp.where(ia == (c + 2) % 3, y, h)
        i = _iota(shape, a)
        lo[a] = jnp.where(i == 0, 0.0, l)
        hi[a] = jnp.where(i == shape[a] - 1, 0.0, h)
    factors = {a: factor_lines(lo[a], diag, hi[a], a) for a in axes}
    return diag, lo, hi, factors


def relax_lines(apply: Callable, coeffs: tuple, x, b, axes: Sequence[int]):
    """``x`` after one sweep of alternating line relaxation of ``apply(x) = b``: per axis
    in ``axes``, ``x += T_a^-1 (b - apply(x))`` with ``T_a`` the operator's diagonal and
    its couplings along the axis (``coeffs`` from :func:`line_coefficients`). ``x`` None:
    from zero. Units: ``x``'s."""
    factors = coeffs[3]
    for a in axes:
        r = b if x is None else b - apply(x)
        z = solve_lines(factors[a], r, a)
        x = z if x is None else x + z
    return x
