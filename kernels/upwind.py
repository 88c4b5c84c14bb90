"""First-order upwind advection as a linear operator: the implicit part of the steady
solver's delta form (:mod:`thermo.solver.steady`).

The steady solver solves ``M dx = R(x)`` for an increment, with ``R`` the full
(QUICK, van Leer) residual and ``M`` an approximate Jacobian. These functions give
``M``'s advection: ``div(U x)`` (1/s times ``x``) for the frozen advecting velocity
``U``, upwind, in flux form. They only set how fast the iteration converges, not
what it converges to, so the advecting velocities at staggered control-volume faces
are plain averages on every grid, and a value beyond a non-periodic boundary is zero
(an increment of a fixed inflow value; an outflow face takes its own cell's value).
"""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp

from .spacing import along_axis, gaps, is_uniform, widths
from .stencils import shift


def _flux_divergence(x, vel, axis: int, periodic: bool):
    """``F[j+1] - F[j]`` with the upwind flux ``F[k] = max(U,0) x[k-1] + min(U,0) x[k]``
    across the ``m + 1`` faces ``vel`` of ``x``'s ``m`` values along ``axis``; and the
    diagonal ``max(U[j+1], 0) - min(U[j], 0)``."""
    m = x.shape[axis]
    if periodic:
        lo, hi = shift(x, axis, m - 1, 1), shift(x, axis, 0, 1)
    else:
        lo = hi = jnp.zeros_like(shift(x, axis, 0, 1))
    q = jnp.concatenate([lo, x, hi], axis=axis)
    up, down = jnp.maximum(vel, 0.0), jnp.minimum(vel, 0.0)
    flux = up * shift(q, axis, 0, m + 1) + down * shift(q, axis, 1, m + 1)
    div = shift(flux, axis, 1, m) - shift(flux, axis, 0, m)
    diag = shift(up, axis, 1, m) - shift(down, axis, 0, m)
    return div, diag


def _extent(h_a, n: int, axis: int, dtype, faces: bool, periodic: bool):
    """Control-volume extents along ``axis``: cell widths, or the gaps around faces."""
    if is_uniform(h_a):
        return h_a
    return along_axis(gaps(h_a, periodic, n) if faces else widths(h_a, n), axis, dtype)


def scalar_upwind(u: Sequence, h: Sequence, periodic: Sequence[bool], active: Sequence[bool]):
    """``(apply, diag)`` for ``div(u x)`` of a cell-centred ``x`` (1/s times ``x``) with
    the face velocities ``u`` (m/s)."""
    shape = tuple(v.shape[a] - 1 for a, v in enumerate(u))
    axes = [a for a in range(3) if active[a]]
    ext = [_extent(h[a], shape[a], a, u[a].dtype, False, periodic[a]) for a in range(3)]

    def apply(x):
        out = 0.0
        for a in axes:
            out = out + _flux_divergence(x, u[a], a, periodic[a])[0] / ext[a]
        return out

    diag = 0.0
    zero = jnp.zeros(shape, u[0].dtype)
    for a in axes:
        diag = diag + _flux_divergence(zero, u[a], a, periodic[a])[1] / ext[a]
    return apply, diag + zero


def _staggered_velocity(u, c: int, a: int, periodic: Sequence[bool]):
    """The velocity advecting component ``c`` across its control volumes' faces normal
    to ``a``: along its own axis at the cell centres (the mean of the two faces) with the
    boundary faces' own velocities at the ends; across, ``u[a]`` averaged onto the faces
    of ``c``."""
    if a == c:
        v = u[c]
        n = v.shape[c] - 1
        mid = 0.5 * (shift(v, c, 0, n) + shift(v, c, 1, n))
        if periodic[c]:  # node k's faces: the centres of cells k-1 and k (wrapped)
            return jnp.concatenate([shift(mid, c, n - 1, 1), mid], axis=c)
        return jnp.concatenate([shift(v, c, 0, 1), mid, shift(v, c, n, 1)], axis=c)
    v = u[a]
    n = v.shape[c]
    if periodic[c]:
        end = 0.5 * (shift(v, c, n - 1, 1) + shift(v, c, 0, 1))
        lo = hi = end
    else:
        lo, hi = shift(v, c, 0, 1), shift(v, c, n - 1, 1)
    mid = 0.5 * (shift(v, c, 0, n - 1) + shift(v, c, 1, n - 1))
    return jnp.concatenate([lo, mid, hi], axis=c)


def staggered_upwind(u: Sequence, h: Sequence, periodic: Sequence[bool],
                     active: Sequence[bool]):
    """``(apply, diag)`` for the upwind ``div(U x_c)`` of each face-velocity component
    ``x = (x0, x1, x2)`` (1/s times ``x``), ``U`` from the face velocities ``u``. On a
    periodic axis the last face repeats the first: its row is zero."""
    shapes = [v.shape for v in u]
    ops = []
    for c in range(3):
        terms = []
        for a in range(3):
            if not active[a]:
                continue
            vel = _staggered_velocity(u, c, a, periodic)
            if a == c:
                n = shapes[c][c] - 1
                if periodic[c]:
                    ext = _extent(h[a], n, a, u[c].dtype, True, True)
                    if not is_uniform(h[a]):
                        ext = shift(ext, a, 0, n)
                    terms.append((a, vel, ext, True, True))
                else:
                    terms.append((a, vel, _extent(h[a], n, a, u[c].dtype, True, False), False,
                                  False))
            else:
                n = shapes[c][a]
                terms.append((a, vel, _extent(h[a], n, a, u[c].dtype, False, periodic[a]),
                              periodic[a], False))
        ops.append(terms)

    def one(c, x):
        out = jnp.zeros_like(x)
        diag = jnp.zeros_like(x)
        for a, vel, ext, per, own in ops[c]:
            if own:  # drop the repeated last face, wrap, and give it a zero row
                n = x.shape[a] - 1
                d, g = _flux_divergence(shift(x, a, 0, n), vel, a, True)
                zero = jnp.zeros_like(shift(x, a, 0, 1))
                d = jnp.concatenate([d / ext, zero], axis=a)
                g = jnp.concatenate([g / ext, zero], axis=a)
            else:
                d, g = _flux_divergence(x, vel, a, per)
                d, g = d / ext, g / ext
            out, diag = out + d, diag + g
        return out, diag

    def apply(x):
        return tuple(one(c, x[c])[0] for c in range(3))

    diag = tuple(one(c, jnp.zeros(shapes[c], u[c].dtype))[1] for c in range(3))
    return apply, diag
