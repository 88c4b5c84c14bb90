"""Scalar transport kernels: bounded (TVD) advection of a cell-centred field.

Face values use van Leer's limiter (van Leer 1974) on the upwind side, so that
an explicit step under the advective CFL limit creates no new extrema: the
temperature never leaves the range set by boundaries and sources.
"""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp

from .stencils import shift


def van_leer_faces(phi_padded, vel, axis: int):
    """Limited upwind face values of a field padded with two ghosts along ``axis``.

    ``phi_padded`` has ``n + 4`` entries along ``axis``; ``vel`` holds the
    velocity on the ``n + 1`` faces of the ``n`` cells and chooses the upwind
    side. Returns the ``n + 1`` face values.
    """
    n1 = phi_padded.shape[axis] - 3
    a = shift(phi_padded, axis, 0, n1)
    b = shift(phi_padded, axis, 1, n1)
    c = shift(phi_padded, axis, 2, n1)
    d = shift(phi_padded, axis, 3, n1)

    def limited(up, upup, down):
        e, f = up - upup, down - up
        ef = e * f
        safe = jnp.where(ef > 0, e + f, 1.0)
        return up + jnp.where(ef > 0, ef / safe, 0.0)  # up + 0.5 * psi(r) * (down - up)

    return jnp.where(vel >= 0, limited(b, a, c), limited(c, d, b))


def advective_flux_divergence(phi_pads: Sequence, u: Sequence, h: Sequence[float]):
    """``div(u phi)`` per cell (units of phi / s) from padded ``phi`` per axis."""
    out = 0.0
    for a in range(3):
        flux = u[a] * van_leer_faces(phi_pads[a], u[a], a)
        n = flux.shape[a]
        out = out + (shift(flux, a, 1, n - 1) - shift(flux, a, 0, n - 1)) / h[a]
    return out


def boundary_fluxes(phi_pads: Sequence, u: Sequence):
    """Advective face fluxes ``u phi`` on every face, per axis (for heat balances)."""
    return [u[a] * van_leer_faces(phi_pads[a], u[a], a) for a in range(3)]
