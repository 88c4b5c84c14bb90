"""Advection of face velocities and cell scalars by upwind-biased interpolation.

The momentum of each velocity component is advected in flux form on its own
staggered control volume, with the advected value interpolated to the control
volume's faces by QUICK (Leonard 1979): third-order upwind-biased, second-order
overall in the flux divergence. Inputs are arrays padded with two ghost layers
along the axis in question (see :func:`thermo.kernels.stencils.pad`).
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from . import spacing as sp
from .stencils import shift


def padded_centres(h_a, periodic: bool, n: int, width: int = 2) -> np.ndarray:
    """Positions (m, from the low boundary face) of the ``n + 2 width`` values of a
    cell-centred field padded along a graded axis as :func:`stencils.pad` pads it:
    ghosts mirrored about the boundary face, or wrapped on a periodic axis."""
    w = sp.widths(h_a, n)
    faces = np.concatenate([[0.0], np.cumsum(w)])
    x = 0.5 * (faces[:-1] + faces[1:])
    length = faces[-1]
    if periodic:
        idx = np.arange(-width, n + width)
        return x[idx % n] + length * np.floor_divide(idx, n)
    lo = [-x[min(k - 1, n - 1)] for k in range(width, 0, -1)]
    hi = [2 * length - x[n - 1 - min(k - 1, n - 1)] for k in range(1, width + 1)]
    return np.concatenate([lo, x, hi])


def padded_faces(h_a, periodic: bool, n: int, width: int = 2) -> np.ndarray:
    """Positions (m) of the ``n + 1 + 2 width`` values of a field normal to a graded
    axis (on its faces) padded by :func:`stencils.pad`: ghosts mirrored about the
    boundary face (counting past it), or wrapped (the last face repeating the first)."""
    w = sp.widths(h_a, n)
    faces = np.concatenate([[0.0], np.cumsum(w)])
    length = faces[-1]
    if periodic:
        idx = np.arange(-width, n + width + 1)
        return faces[idx % n] + length * np.floor_divide(idx, n)
    lo = [-faces[min(k, n)] for k in range(width, 0, -1)]
    hi = [2 * length - faces[n - min(k, n)] for k in range(1, width + 1)]
    return np.concatenate([lo, faces, hi])


def quick_weights(nodes: np.ndarray, faces: np.ndarray) -> tuple:
    """Quadratic (Lagrange) interpolation weights for :func:`quick` on nodes at
    ``nodes`` (``m + 4`` positions) to the ``m + 1`` points ``faces`` between
    consecutive nodes 1..m+2: ``(pos, neg)``, each three arrays, the weights of
    (upwind-upwind, upwind, downwind) for positive and for negative flow."""
    nodes = np.asarray(nodes, dtype=np.float64)
    xf = np.asarray(faces, dtype=np.float64)
    m1 = xf.size

    def lagrange(i, j, k):
        xi, xj, xk = nodes[i:i + m1], nodes[j:j + m1], nodes[k:k + m1]
        # an axis of one or two cells mirrors a node onto another: no parabola there,
        # the upwind value (those faces carry no flow along such an axis)
        ok = (xi != xj) & (xi != xk) & (xj != xk)
        d = lambda v: np.where(ok, v, 1.0)
        return (np.where(ok, (xf - xj) * (xf - xk) / d((xi - xj) * (xi - xk)), 0.0),
                np.where(ok, (xf - xi) * (xf - xk) / d((xj - xi) * (xj - xk)), 1.0),
                np.where(ok, (xf - xi) * (xf - xj) / d((xk - xi) * (xk - xj)), 0.0))
    return lagrange(0, 1, 2), lagrange(3, 2, 1)


def quick(phi_padded, vel, axis: int, weights=None):
    """QUICK face values of a padded field at the faces between its cells.

    ``phi_padded`` has ``m + 4`` entries along ``axis`` (two ghosts each side of
    ``m`` values); the result has ``m + 1`` entries, one per face between
    consecutive values, including the two outermost ones. ``vel`` is the
    advecting velocity on those faces and chooses the upwind side. ``weights``
    (from :func:`quick_weights`; None: the uniform-grid weights) interpolates on
    unevenly spaced values (a graded axis).
    """
    m = phi_padded.shape[axis] - 4
    a = shift(phi_padded, axis, 0, m + 1)  # upwind-upwind for positive flow
    b = shift(phi_padded, axis, 1, m + 1)  # upwind for positive flow
    c = shift(phi_padded, axis, 2, m + 1)  # downwind for positive flow
    d = shift(phi_padded, axis, 3, m + 1)
    if weights is None:
        pos = 0.75 * b + 0.375 * c - 0.125 * a
        neg = 0.75 * c + 0.375 * b - 0.125 * d
        return jnp.where(vel >= 0, pos, neg)
    k = lambda v: sp.along_axis(v, axis, phi_padded.dtype)
    (pa, pb, pc), (nd, nc, nb) = weights
    pos = k(pb) * b + k(pc) * c + k(pa) * a
    neg = k(nc) * c + k(nb) * b + k(nd) * d
    return jnp.where(vel >= 0, pos, neg)


def momentum_flux_divergence(comp: int, u_pad: list, h, periodic=(False,) * 3) -> "jnp.ndarray":
    """Advective tendency ``-div(U u_c)`` (m/s2) of velocity component ``comp``.

    ``u_pad[c][a]`` is velocity component ``c`` padded with two ghosts along
    axis ``a`` (only the pairs ``(comp, a)`` and ``(a, comp)`` are used). The
    result has the shape of component ``comp`` (its faces, boundary included);
    entries on boundary faces are meaningful only where that face is an outlet
    or periodic. On a graded axis (``h[a]`` a tuple of widths; ``periodic`` then
    says how its ghosts lie) QUICK interpolates through the true node positions,
    the advecting velocity is interpolated by distance and the flux difference is
    divided by the control volume's true extent.
    """
    out = 0.0
    for a in range(3):
        phi = u_pad[comp][a]
        graded = not sp.is_uniform(h[a])
        if a == comp:
            # control-volume faces are cell centres along a: between faces i, i+1
            n1 = phi.shape[a] - 4  # n + 1 face values
            # advecting velocity at centres -1..n (n + 2 of them)
            vel = 0.5 * (shift(phi, a, 1, n1 + 1) + shift(phi, a, 2, n1 + 1))
            if not graded:
                # QUICK values at centres -1..n: padded faces i-1..i+2 around centre i
                val = quick(phi, vel, a)
                flux = vel * val
                m = flux.shape[a]
                out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / h[a]
                continue
            nodes = padded_faces(h[a], periodic[a], n1 - 1)
            centres = 0.5 * (nodes[1:-2] + nodes[2:-1])  # midway: ghost centres too
            flux = vel * quick(phi, vel, a, weights=quick_weights(nodes, centres))
            m = flux.shape[a]
            extent = sp.along_axis(sp.gaps(h[a], periodic[a], n1 - 1), a, phi.dtype)
            out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / extent
        else:
            # control-volume faces are edges: staggered along a and along comp
            ua = u_pad[a][comp]  # u_a padded along comp; cell-centred along comp
            nc = ua.shape[comp] - 4  # cells along comp
            # u_a at the faces of comp (nc + 1), from the two neighbouring cells
            if sp.is_uniform(h[comp]):
                vel = 0.5 * (shift(ua, comp, 1, nc + 1) + shift(ua, comp, 2, nc + 1))
            else:
                x = padded_centres(h[comp], periodic[comp], nc)
                xf = _face_positions(h[comp], nc)
                lo_w = (x[2:-1] - xf) / (x[2:-1] - x[1:-2])  # weight of the cell before
                k = lambda v: sp.along_axis(v, comp, ua.dtype)
                vel = k(lo_w) * shift(ua, comp, 1, nc + 1) + k(1.0 - lo_w) * shift(ua, comp, 2, nc + 1)
            if not graded:
                val = quick(phi, vel, a)  # phi is cell-centred along a: faces of a
                flux = vel * val
                m = flux.shape[a]
                out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / h[a]
                continue
            n = phi.shape[a] - 4  # cells along a
            weights = quick_weights(padded_centres(h[a], periodic[a], n), _face_positions(h[a], n))
            flux = vel * quick(phi, vel, a, weights=weights)
            m = flux.shape[a]
            extent = sp.along_axis(sp.widths(h[a], n), a, phi.dtype)
            out = out - (shift(flux, a, 1, m - 1) - shift(flux, a, 0, m - 1)) / extent
    return out


def _face_positions(h_a, n: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(sp.widths(h_a, n))])
