"""Scalar transport kernels: bounded (TVD) advection of a cell-centred field.

Face values use van Leer's limiter (van Leer 1974) on the upwind side, so that
an explicit step under the advective CFL limit creates no new extrema: the
temperature never leaves the range set by boundaries and sources.
"""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp
import numpy as np

from . import spacing as sp
from .advection import padded_centres
from .stencils import shift


def _graded_van_leer(phi_padded, vel, axis: int, h_a, periodic: bool):
    """:func:`van_leer_faces` on a graded axis: ``phi_U + (x_f - x_U) s`` with ``s``
    the harmonic mean of the one-sided slopes (zero at an extremum), clipped to the
    range of the upwind and downwind values."""
    n = phi_padded.shape[axis] - 4
    x = padded_centres(h_a, periodic, n)
    xf = np.concatenate([[0.0], np.cumsum(sp.widths(h_a, n))])
    xa, xb, xc, xd = x[0:n + 1], x[1:n + 2], x[2:n + 3], x[3:n + 4]
    k = lambda v: sp.along_axis(v, axis, phi_padded.dtype)
    a = shift(phi_padded, axis, 0, n + 1)
    b = shift(phi_padded, axis, 1, n + 1)
    c = shift(phi_padded, axis, 2, n + 1)
    d = shift(phi_padded, axis, 3, n + 1)

    def limited(up, upup, down, d_back, d_fwd, d_face):
        # distances along the flow: upwind-upwind to upwind, upwind to downwind, upwind to face
        e, f = up - upup, down - up
        ef = e * f
        den = e * k(d_fwd) + f * k(d_back)  # (s1 + s2) d_back d_fwd
        safe = jnp.where(ef > 0, den, 1.0)
        val = up + jnp.where(ef > 0, k(2.0 * d_face) * ef / safe, 0.0)
        return jnp.clip(val, jnp.minimum(up, down), jnp.maximum(up, down))

    pos = limited(b, a, c, xb - xa, xc - xb, xf - xb)
    neg = limited(c, d, b, xd - xc, xc - xb, xc - xf)
    return jnp.where(vel >= 0, pos, neg)


def van_leer_faces(phi_padded, vel, axis: int, h_a=None, periodic: bool = False):
    """Limited upwind face values of a field padded with two ghosts along ``axis``.

    ``phi_padded`` has ``n + 4`` entries along ``axis``; ``vel`` holds the
    velocity on the ``n + 1`` faces of the ``n`` cells and chooses the upwind
    side. Returns the ``n + 1`` face values. ``h_a`` (None or one width: the
    uniform formula) on a graded axis extrapolates by the true distances (the
    ghosts mirrored about the boundary face, or wrapped where ``periodic``).
    """
    if h_a is not None and not sp.is_uniform(h_a):
        return _graded_van_leer(phi_padded, vel, axis, h_a, periodic)
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


def advective_flux_divergence(phi_pads: Sequence, u: Sequence, h: Sequence,
                              periodic: Sequence[bool] = (False,) * 3):
    """``div(u phi)`` per cell (units of phi / s) from padded ``phi`` per axis (on a
    graded axis, true distances and each cell's width)."""
    out = 0.0
    for a in range(3):
        if sp.is_uniform(h[a]):
            flux = u[a] * van_leer_faces(phi_pads[a], u[a], a)
            n = flux.shape[a]
            out = out + (shift(flux, a, 1, n - 1) - shift(flux, a, 0, n - 1)) / h[a]
            continue
        flux = u[a] * van_leer_faces(phi_pads[a], u[a], a, h_a=h[a], periodic=periodic[a])
        n = flux.shape[a]
        w = sp.along_axis(sp.widths(h[a], n - 1), a, flux.dtype)
        out = out + (shift(flux, a, 1, n - 1) - shift(flux, a, 0, n - 1)) / w
    return out


def boundary_fluxes(phi_pads: Sequence, u: Sequence, h: Sequence | None = None,
                    periodic: Sequence[bool] = (False,) * 3):
    """Advective face fluxes ``u phi`` on every face, per axis (for heat balances);
    ``h`` (optional) gives graded axes their true distances."""
    if h is None:
        return [u[a] * van_leer_faces(phi_pads[a], u[a], a) for a in range(3)]
    return [u[a] * van_leer_faces(phi_pads[a], u[a], a, h_a=h[a], periodic=periodic[a])
            for a in range(3)]
