"""Finite-volume stencils on a staggered (MAC) Cartesian grid.

Layout: cell-centred fields have shape ``(nx, ny, nz)``; the velocity component
normal to axis ``a`` lives on the faces of that axis and has ``n_a + 1`` entries
along it (boundary faces included). All functions are pure and jittable, work
for any grid size and in float32 or float64. Spacings ``h`` are in metres: per
axis one width (a uniform axis, the uniform expressions) or each cell's width (a
graded axis, see :mod:`thermo.kernels.spacing`).

Boundary ghosts are described per side of an axis by a triple
``(alpha, beta, gamma)``: the ghost value ``k`` cells beyond the boundary is
``alpha * f[mirror_k] + beta * f[boundary] + gamma``. ``mirror_k`` is the k-th
interior value counted from the boundary; for a field that is normal to the
axis (it has a value on the boundary face itself) the count starts past the
boundary face. The arrays broadcast against a slab of the field one cell thick
along the axis, so patches on a face may carry different conditions.

Common choices: Dirichlet value V for a cell-centred field is ``(-1, 0, 2V)``;
zero-gradient (Neumann) is ``(1, 0, 0)``; constant extrapolation is
``(0, 1, 0)``; an odd reflection about the boundary value is ``(-1, 2, 0)``.
"""
from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import spacing

Ghost = tuple  # (alpha, beta, gamma): scalars or arrays broadcastable to a slab


def shift(f, axis: int, start: int, length: int):
    """``length`` entries of ``f`` along ``axis`` starting at ``start``."""
    return lax.slice_in_dim(f, start, start + length, axis=axis)


def pad(f, axis: int, lo: Ghost, hi: Ghost, *, normal: bool, periodic: bool, width: int = 2):
    """Pad ``f`` with ``width`` ghost layers on both sides of ``axis``.

    ``normal`` says that ``f`` holds boundary-face values at both ends along the
    axis (a velocity component normal to that axis); ``periodic`` wraps around,
    in which case the last face of a normal field duplicates the first.
    """
    n = f.shape[axis]
    if periodic:
        core = shift(f, axis, 0, n - 1) if normal else f
        m = core.shape[axis]
        if m < width + 1:  # fewer cells than ghosts: wrap by index
            idx = jnp.arange(-width, m + width + (1 if normal else 0)) % m
            return jnp.take(core, idx, axis=axis)
        left = shift(core, axis, m - width, width)
        right = shift(core, axis, 0, width + (1 if normal else 0))
        return jnp.concatenate([left, core, right], axis=axis)
    off = 1 if normal else 0
    a, b, g = lo
    f0 = shift(f, axis, 0, 1)
    # a mirror past the far side (one-cell axes) reuses the last value there
    mirror = lambda k: min(k - 1 + off, n - 1)
    low = [a * shift(f, axis, mirror(k), 1) + b * f0 + g for k in range(width, 0, -1)]
    a, b, g = hi
    fn = shift(f, axis, n - 1, 1)
    high = [a * shift(f, axis, n - 1 - mirror(k), 1) + b * fn + g for k in range(1, width + 1)]
    return jnp.concatenate(low + [f] + high, axis=axis)


def halo_with_ghosts(f, ghosts: Sequence, normal_axis: int, periodic: Sequence[bool],
                     axes: Sequence[bool], width: int):
    """``f`` with ``width`` ghost layers on both sides of every axis in ``axes``
    (bools), by the ghost rules of :func:`pad` (``ghosts[a] = (lo, hi)``, None on
    periodic axes), ``f`` normal to ``normal_axis``; corners are zero (no stencil
    along one axis at a time reads them). The padded array is written once and the
    ghost slabs updated in place: slices of it are every neighbour of every axis
    (see :func:`along`), where a copy padded by concatenation per axis is several
    times slower to produce on large grids (one device, 160^3: 3x).

    Under a device mesh (the grid split over devices; :mod:`thermo.solver.sharding`
    traces the step inside ``jax.sharding.use_abstract_mesh``) the result is instead
    the tuple of the per-axis padded copies (:func:`pad`'s concatenations): XLA
    partitions those as one-slab halo exchanges, while the ghost slabs written into
    the one padded array, whose length does not divide over the devices, were
    partitioned by gathering whole fields. :func:`along` reads either form."""
    if not jax.sharding.get_abstract_mesh().empty:
        return tuple(pad(f, a, *(ghosts[a] or (None, None)), normal=(a == normal_axis),
                         periodic=periodic[a], width=width) if axes[a] else f for a in range(3))
    cfg = [(width, width, 0) if axes[a] else (0, 0, 0) for a in range(3)]
    q = lax.pad(f, jnp.zeros((), f.dtype), cfg)
    core = [width if axes[a] else 0 for a in range(3)]
    for a in range(3):
        if not axes[a]:
            continue
        n = f.shape[a]
        lo, hi = ghosts[a] or (None, None)
        p = pad(f, a, lo, hi, normal=(a == normal_axis), periodic=periodic[a], width=width)
        # periodic and normal: the last face repeats the first and is read as the first
        # (it may be masked out, as in the implicit viscous solve)
        hi_at = n + width - (1 if periodic[a] and a == normal_axis else 0)
        for start, slab in ((0, shift(p, a, 0, width)), (hi_at, shift(p, a, hi_at, n + 2 * width - hi_at))):
            at = [start if b == a else core[b] for b in range(3)]
            q = lax.dynamic_update_slice(q, slab.astype(f.dtype), at)
    return q


def along(q, a: int, shape: Sequence[int], axes: Sequence[bool], width: int):
    """From :func:`halo_with_ghosts`' ``q``: the field of ``shape`` padded along
    axis ``a`` only (as :func:`pad` returns it)."""
    if isinstance(q, tuple):  # a split grid's per-axis copies
        return q[a]
    return q[tuple(slice(0, shape[b] + 2 * width) if b == a else
                   slice(width if axes[b] else 0, (width if axes[b] else 0) + shape[b])
                   for b in range(3))]


def diff_faces(p, axis: int, h, *, periodic: bool):
    """Gradient of a cell-centred field on the faces of ``axis`` (n+1 entries).

    Non-periodic boundary faces use the ghost ``-p`` (value zero on the face);
    multiply by a face coefficient of zero to make a face Neumann instead.
    """
    if periodic:
        left = shift(p, axis, p.shape[axis] - 1, 1)
        right = shift(p, axis, 0, 1)
    else:
        left = -shift(p, axis, 0, 1)
        right = -shift(p, axis, p.shape[axis] - 1, 1)
    q = jnp.concatenate([left, p, right], axis=axis)
    n = q.shape[axis]
    if spacing.is_uniform(h):
        return (shift(q, axis, 1, n - 1) - shift(q, axis, 0, n - 1)) / h
    # graded: centre-to-centre distances across the faces (the end cell's width at a
    # boundary face: its ghost mirrors it, the face value half a cell away)
    g = spacing.along_axis(spacing.gaps(h, periodic, p.shape[axis]), axis, p.dtype)
    return (shift(q, axis, 1, n - 1) - shift(q, axis, 0, n - 1)) / g


def div_faces(flux: Sequence, h: Sequence):
    """Divergence (per unit volume) of face-centred fluxes ``(fx, fy, fz)``."""
    out = 0.0
    for a, f in enumerate(flux):
        n = f.shape[a]
        d = h[a] if spacing.is_uniform(h[a]) else spacing.along_axis(
            spacing.widths(h[a], n - 1), a, f.dtype)
        out = out + (shift(f, a, 1, n - 1) - shift(f, a, 0, n - 1)) / d
    return out


def halo(f, periodic: Sequence[bool], skip: Sequence[bool] = (False,) * 3):
    """``f`` with one ghost cell on each side of every axis not in ``skip``: zero
    beyond a non-periodic boundary, wrapped on a periodic axis. One padded copy
    from which every neighbour is a slice: XLA fuses that into the consumer, where
    a concatenation per axis and side would each become a kernel of its own."""
    cfg = []
    for a in range(3):
        n = f.shape[a]
        if skip[a]:
            cfg.append((0, 0, 0))
        elif periodic[a]:
            f = jnp.concatenate([shift(f, a, n - 1, 1), f, shift(f, a, 0, 1)], axis=a)
            cfg.append((0, 0, 0))
        else:
            cfg.append((1, 1, 0))
    return lax.pad(f, jnp.zeros((), f.dtype), cfg)


def neighbour_sum(p, coeffs: Sequence, h: Sequence, periodic: Sequence[bool]):
    """``sum_a (c_hi p_next + c_lo p_prev) / h_a^2``: the off-diagonal part of
    :func:`laplacian`, with ``p`` zero beyond non-periodic boundaries."""
    n = p.shape
    # a one-cell non-periodic axis has no neighbours: no ghost layer along it
    skip = tuple(n[a] == 1 and not periodic[a] for a in range(3))
    q = halo(p, periodic, skip)
    off = [0 if skip[a] else 1 for a in range(3)]

    def nb(a, d):
        return q[tuple(slice(off[b] + (d if b == a else 0), off[b] + (d if b == a else 0) + n[b])
                       for b in range(3))]
    out = 0.0
    for a, c in enumerate(coeffs):
        if skip[a]:
            continue
        if spacing.is_uniform(h[a]):
            out = out + (shift(c, a, 1, n[a]) * nb(a, 1) + shift(c, a, 0, n[a]) * nb(a, -1)) / (
                h[a] * h[a])
        else:
            lo, hi = face_weights(h[a], periodic[a], n[a])
            out = out + (shift(c, a, 1, n[a]) * nb(a, 1) * spacing.along_axis(hi, a, p.dtype)
                         + shift(c, a, 0, n[a]) * nb(a, -1) * spacing.along_axis(lo, a, p.dtype))
    return out


def face_weights(h_a, periodic: bool, n: int):
    """Graded axis: ``1 / (gap * width)`` of each cell's low and high face (NumPy),
    the weight of a face coefficient in the per-volume Laplacian of that cell."""
    w = spacing.widths(h_a, n)
    g = spacing.gaps(h_a, periodic, n)
    return 1.0 / (g[:-1] * w), 1.0 / (g[1:] * w)


def laplacian(p, coeffs: Sequence, h: Sequence, periodic: Sequence[bool]):
    """Variable-coefficient Laplacian ``div(c grad p)`` of a cell-centred field.

    ``coeffs[a]`` holds one coefficient per face of axis ``a``: zero on blocked
    faces and Neumann boundary faces, and on a non-periodic boundary face a
    non-zero value makes it a Dirichlet face with ``p = 0`` there.
    """
    return neighbour_sum(p, coeffs, h, periodic) - laplacian_diagonal(coeffs, h, periodic) * p


def laplacian_diagonal(coeffs: Sequence, h: Sequence, periodic: Sequence[bool]):
    """Magnitude of the diagonal of :func:`laplacian` per cell (NumPy or JAX arrays)."""
    d = 0.0
    for a, c in enumerate(coeffs):
        n = c.shape[a]
        take = lambda start, stop: c[(slice(None),) * a + (slice(start, stop),)]
        lo, hi = take(0, n - 1), take(1, n)
        if not periodic[a]:
            # a Dirichlet boundary face sits half a cell away: twice the weight
            end = (slice(None),) * a + (slice(0, 1),)
            last = (slice(None),) * a + (slice(n - 2, n - 1),)
            lo = _set(lo, end, 2 * take(0, 1))
            hi = _set(hi, last, 2 * take(n - 1, n))
        if spacing.is_uniform(h[a]):
            d = d + (lo + hi) / (h[a] * h[a])
        else:
            # the boundary gap is the end cell's width: 2 c / (w0 * w0) is a Dirichlet
            # face half a cell from the centre
            wlo, whi = face_weights(h[a], periodic[a], n - 1)
            if isinstance(c, np.ndarray):
                shape = [1, 1, 1]
                shape[a] = -1
                d = d + lo * wlo.reshape(shape) + hi * whi.reshape(shape)
            else:
                d = d + lo * spacing.along_axis(wlo, a, c.dtype) + hi * spacing.along_axis(
                    whi, a, c.dtype)
    return d


def _set(x, index, value):
    """``x`` with ``x[index] = value``, for NumPy (a copy) and JAX arrays."""
    if isinstance(x, np.ndarray):
        x = x.copy()
        x[index] = value
        return x
    # a dynamic-update-slice, not x.at[index].set: XLA's SPMD partitioner (jax 0.10) puts
    # the scatter of a static slice into the wrong shard of an array split along that axis
    starts = [0 if i.start is None else i.start for i in index] + [0] * (x.ndim - len(index))
    shape = [(x.shape[a] if i.stop is None else i.stop) - starts[a] for a, i in enumerate(index)]
    shape += list(x.shape[len(index):])
    return lax.dynamic_update_slice(x, jnp.broadcast_to(jnp.asarray(value, x.dtype), shape),
                                    starts)


def face_average(f, axis: int, *, periodic: bool, h_a=None):
    """Average a cell-centred field onto the faces of ``axis`` (n+1 entries).

    Boundary faces take the adjacent cell value (or the wrapped average). ``h_a``
    (the axis's spacing; None or one width: the plain mean) on a graded axis
    interpolates linearly by distance: face ``i`` gets
    ``(w[i] f[i-1] + w[i-1] f[i]) / (w[i-1] + w[i])``.
    """
    n = f.shape[axis]
    if periodic:
        q = jnp.concatenate([shift(f, axis, n - 1, 1), f, shift(f, axis, 0, 1)], axis=axis)
    else:
        q = jnp.concatenate([shift(f, axis, 0, 1), f, shift(f, axis, n - 1, 1)], axis=axis)
    m = q.shape[axis]
    if h_a is None or spacing.is_uniform(h_a):
        return 0.5 * (shift(q, axis, 1, m - 1) + shift(q, axis, 0, m - 1))
    w = spacing.widths(h_a, n)
    we = np.concatenate([[w[-1] if periodic else w[0]], w, [w[0] if periodic else w[-1]]])
    left = we[1:] / (we[:-1] + we[1:])    # weight of the cell before the face
    right = we[:-1] / (we[:-1] + we[1:])  # and of the cell after it
    return (spacing.along_axis(right, axis, f.dtype) * shift(q, axis, 1, m - 1)
            + spacing.along_axis(left, axis, f.dtype) * shift(q, axis, 0, m - 1))


def face_to_cell(f, axis: int):
    """Average a face field of ``axis`` to cell centres (n entries)."""
    n = f.shape[axis]
    return 0.5 * (shift(f, axis, 0, n - 1) + shift(f, axis, 1, n - 1))


def cell_velocity(u: Sequence):
    """Cell-centred velocity ``(nx, ny, nz, 3)`` from the three face components."""
    return jnp.stack([face_to_cell(c, a) for a, c in enumerate(u)], axis=-1)


def divergence(u: Sequence, h: Sequence):
    """Discrete divergence (1/s) of a MAC velocity field per cell."""
    return div_faces(u, h)
