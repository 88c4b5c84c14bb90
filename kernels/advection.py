"""Advection of face velocities and cell scalars by upwind-biased interpolation.

The momentum of each velocity component is advected in flux form on its own
staggered control volume, with the advected value interpolated to the control
volume's faces by QUICK (Leonard 1979): third-order upwind-biased, second-order
overall in the flux divergence. Inputs are arrays padded with two ghost layers
along the axis in question (see :func:`thermo.kernels.stencils.pad`).
"""
from __future__ import annotations

import jax.numpy as jnp

from .stencils import shift


def quick(phi_padded, vel, axis: int):
    """QUICK face values of a padded field at the faces between its cells.

    ``phi_padded`` has ``m + 4`` entries along ``axis`` (two ghosts each side of
    ``m`` values); the result has ``m + 1`` entries, one per face between
    consecutive values, including the two outermost ones. ``vel`` is the
    advecting velocity on those faces and chooses the upwind side.
    """
    m = phi_padded.shape[axis] - 4
    a = shift(phi_padded, axis, 0, m + 1)  # upwind-upwind for positive flow
    b = shift(phi_padded, axis, 1, m + 1)  # upwind for positive flow
    c = shift(phi_padded, axis, 2, m + 1)  # downwind for positive flow
    d = shift(phi_padded, axis, 3, m + 1)
    pos = 0.75 * b + 0.375 * c - 0.125 * a
    neg = 0.75 * c + 0.375 * b - 0.125 * d
    return jnp.where(vel >= 0, pos, neg)


def momentum_flux_divergence(comp: int, u_pad: list, h) -> "jnp.ndarray":
    """Advective tendency ``-div(U u_c)`` (m/s2) of velocity component ``comp``.

    ``u_pad[c][a]`` is velocity component ``c`` padded with two ghosts along
    axis ``a`` (only the pairs ``(comp, a)`` and ``(a, comp)`` are used). The
    result has the shape of component ``comp`` (its faces, boundary included);
    entries on boundary faces are meaningful only where that face is an outlet
    or periodic.
    """
    out = 0.0
    for a in range(3):
        phi = u_pad[comp][a]
        if a == comp:
            # control-volume faces are cell centres along a: between faces i, i+1
            n1 = phi.shape[a] - 4  # n + 1 face values
            # advecting velocity at centres -1..n (n + 2 of them)
            vel = 0.5 * (shift(phi, a, 1, n1 + 1) + shift(phi, a, 2, n1 + 1))
            # QUICK values at centres -1..n: padded faces i-1..i+2 around centre i
            val = quick(phi, vel, a)
            flux = vel * val
            m = flux.shape[a]
            out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / h[a]
        else:
            # control-volume faces are edges: staggered along a and along comp
            ua = u_pad[a][comp]  # u_a padded along comp; cell-centred along comp
            nc = ua.shape[comp] - 4  # cells along comp
            # u_a at the faces of comp (nc + 1), from the two neighbouring cells
            vel = 0.5 * (shift(ua, comp, 1, nc + 1) + shift(ua, comp, 2, nc + 1))
            val = quick(phi, vel, a)  # phi is cell-centred along a: faces of a
            flux = vel * val
            m = flux.shape[a]
            out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / h[a]
    return out
