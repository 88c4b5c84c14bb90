"""Matrix-free geometric multigrid for ``-div(c grad p) = b`` on a masked grid.

Cell-centred, with face coefficients ``c`` that vanish across blocked faces and
on Neumann boundary faces; a non-zero coefficient on a non-periodic boundary
face makes that face Dirichlet (``p = 0``). Cells with no open face at all
(solid cells) are decoupled by an identity row.

The hierarchy coarsens by two along the axes whose spacing is within a factor 2
of the smallest (semi-coarsening: cells longer along some axis are coarsened
across it until they are about as wide), each with 4 or more cells, or 3 or more
on an odd non-periodic count (whose last cell is paired with a phantom solid
cell, dropped by prolongation), re-discretising the operator on each coarse grid
with face coefficients averaged over the fine faces that make up a coarse face.
Transfers are cell-centred trilinear prolongation and its exact transpose
(computed with ``jax.linear_transpose``) as restriction, so that a V-cycle with
red-black Gauss-Seidel pre-smoothing and the reverse sweep order after is
symmetric and serves as a conjugate-gradient preconditioner. The prolongation is
operator-dependent: along each axis a fine cell takes its coarse neighbour's value
with the geometric weight scaled by the share of the fine face it reaches across
in the two faces on its line (none across a blocked face, so that a cell by a
solid block keeps its own coarse cell's value as at a Neumann wall; see
:func:`_prolong_weights`, weights computed on the host once per grid). Coarse
levels take more sweeps than the fine one (SWEEP_GROWTH): on cluttered geometry
their cells are part solid and smooth more slowly.

On a graded grid (any axis's spacing a tuple of cell widths, see
:mod:`thermo.kernels.spacing`) the per-volume operator is not symmetric, so every
level holds the volume-weighted (integrated) form instead: the coupling across a
face is ``c * area / gap`` and the level's ``volume`` is kept, so that the solvers
can weight right-hand sides and shifts. Coarse grids are re-discretised on the
coarse geometry (each coarse width the sum of its two fine widths), prolongation
interpolates linearly by distance and restriction is its plain transpose (a sum,
as the integrated form needs). There the pairing is per cell rather than per axis: along
each axis of 3 or more cells the cells no wider than THIN_PAIRS times the level's thinnest
cell pair up (on an odd run of them the widest at an even offset stays alone), wider
cells stay single (a coarse cell of one fine cell, injected by prolongation), so that a
grid stretched along different axes in different places (clustered at all six walls)
coarsens each region across its thin direction only, and the coarse grids tend to cubic
cells. A weighted level with two axes of more than one cell whose
couplings are anisotropic (walls clustered along either axis) relaxes by zebra lines
(exact tridiagonal solves along each strong axis, the adjoint order after the coarse
correction, one sweep each side); 3-D weighted levels keep red-black Gauss-Seidel.
Uniform grids keep the per-volume form (uniform coarse grids: the phantom cells keep
them uniform).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import spacing as sp
from .coarse_space import CoarseSpace, balanced, build_coarse_space
from .stencils import face_weights, laplacian_diagonal, neighbour_sum, shift
from .tridiagonal import factor_lines, solve_lines


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
    # weighted level, per coarsened axis: the first fine cell of each coarse cell and the
    # count (a coarse cell is a pair of fine cells or one fine cell); () on other axes
    starts: tuple = field(default=((), (), ()), metadata=dict(static=True))
    # weighted level: the axes its smoother relaxes by lines (zebra line Gauss-Seidel)
    lines: tuple = field(default=(), metadata=dict(static=True))
    # uniform level, per axis coarsened with an odd count: True where the coarse grid pairs
    # the last cell with a phantom solid cell (dropped by prolongation)
    pad: tuple = field(default=(False, False, False), metadata=dict(static=True))
    # per axis coarsened to reach the next level: the prolongation's weights (lo, hi) of
    # the previous and next coarse value, shaped like the array being refined along that
    # axis (fine along the axes before it, coarse after); zero across blocked faces
    pw: tuple | None = None
    # no solid cell and one coefficient on every interior face of each axis (an empty
    # box): the V-cycle keeps the fine level's sweeps on the coarse levels
    plain: bool = field(default=False, metadata=dict(static=True))
    # the fine level of a pressure hierarchy whose thin walls split coarse cells: a
    # coarse space of fluid aggregates for the preconditioner (thermo.kernels.coarse_space)
    coarse: CoarseSpace | None = None

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


def _plain(coeffs, shape, iso) -> bool:
    """True without solid cells and with one coefficient on each axis's interior faces."""
    if np.any(iso > 0):
        return False
    for a, c in enumerate(coeffs):
        inner = np.take(np.broadcast_to(c, tuple(n + 1 if t == a else n for t, n in enumerate(shape))),
                        range(1, shape[a]), axis=a)
        if inner.size and np.ptp(inner) > 0:
            return False
    return True


def _coarsenable(n: int, periodic: bool = False) -> bool:
    """A uniform axis halves when it has 4 cells or more, or 3 or more on an odd
    non-periodic count (paired up with a phantom solid cell, see _pad_coeffs)."""
    return n >= 4 if n % 2 == 0 else (n >= 3 and not periodic)


def build_hierarchy(coeffs: Sequence, h: Sequence, periodic: Sequence[bool],
                    min_cells: int = 64, semicoarsen: bool | None = None,
                    coarse_space: bool = False) -> list[Level]:
    """Multigrid levels from the fine face coefficients ``(cx, cy, cz)``.

    Built on the host in float64 NumPy and stored in the coefficients' dtype:
    eager device ops would compile a kernel per operation and shape, seconds of
    set-up for every new grid. The levels carry a zero ``shift``; :func:`with_shift`
    sets one. ``h`` per axis is one width or a graded axis's cell widths; any graded
    axis makes every level volume-weighted (see the module docstring).
    ``semicoarsen`` (None: on; uniform grids too) halves only the axes whose smallest
    cell is within a factor 2 of the level's smallest cell, so that thin cells are
    coarsened until they are about as wide as the others. ``coarse_space``: the fine
    level carries a coarse space of fluid aggregates where thin walls split coarse
    cells (:func:`thermo.kernels.coarse_space.build_coarse_space`), which
    :func:`preconditioner` then uses."""
    levels = _hierarchy(coeffs, h, periodic, min_cells, semicoarsen)
    if coarse_space:
        levels[0] = dataclasses.replace(levels[0], coarse=build_coarse_space(levels[0]))
    return levels


def _hierarchy(coeffs, h, periodic, min_cells, semicoarsen) -> list[Level]:
    dtype = jnp.asarray(coeffs[0]).dtype
    coeffs = tuple(np.asarray(c, dtype=np.float64) for c in coeffs)
    periodic = tuple(bool(p) for p in periodic)
    dev = lambda x: jnp.asarray(np.asarray(x, dtype=dtype))
    if not all(sp.is_uniform(x) for x in h):
        return _build_weighted(coeffs, h, periodic, min_cells,
                               True if semicoarsen is None else semicoarsen, dev)
    h = tuple(float(x) for x in h)
    semicoarsen = True if semicoarsen is None else semicoarsen
    levels = []
    while True:
        shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
        coarsen = tuple(_coarsenable(n, p) for n, p in zip(shape, periodic))
        if semicoarsen and any(coarsen):
            smallest = min(x for x, k in zip(h, coarsen) if k)
            coarsen = tuple(k and x <= 2.0 * smallest * (1 + 1e-12) for x, k in zip(h, coarsen))
        if int(np.prod(shape)) <= min_cells or not any(coarsen):
            coarsen = (False, False, False)
        diag = laplacian_diagonal(coeffs, h, periodic)
        iso = (diag <= 0).astype(np.float64)
        scale = sum(1.0 / (x * x) for x in h)
        diag = np.where(iso > 0, scale, diag)
        inv = None
        if not any(coarsen) and diag.size <= DENSE_MAX:
            inv = dev(np.linalg.pinv(dense_operator(coeffs, diag, h, periodic), hermitian=True))
        pad = tuple(bool(k and n % 2) for n, k in zip(shape, coarsen))
        pw, padded = None, coeffs
        if any(coarsen):
            padded = _pad_coeffs(coeffs, shape, pad)
            pshape = tuple(n + 1 if q else n for n, q in zip(shape, pad))
            starts = [np.arange(0, pshape[a] + 1, 2) if coarsen[a] else None for a in range(3)]
            geo = [(np.full(pshape[a] // 2, 0.25), np.full(pshape[a] // 2, 0.25)) if coarsen[a]
                   else None for a in range(3)]
            pw = _prolong_weights(padded, pshape, coarsen, starts, geo, None, dev, pad)
        levels.append(Level(tuple(dev(c) for c in coeffs), dev(diag), dev(iso),
                            dev(np.zeros_like(diag)), inv, None, h, periodic, coarsen, pw=pw,
                            pad=pad, plain=_plain(coeffs, shape, iso)))
        if not any(coarsen):
            return levels
        coeffs = tuple(_coarsen_coeff(c, a, coarsen) for a, c in enumerate(padded))
        h = tuple(x * 2 if k else x for x, k in zip(h, coarsen))


def _pad_coeffs(coeffs, shape, pad) -> tuple:
    """The face coefficients of a uniform level with a phantom solid cell appended along
    each axis in ``pad`` (an odd count, so that the axis pairs up): no face into it from
    the other axes; along the axis itself the boundary face moves to the phantom's far
    side (a Dirichlet end stays Dirichlet on the coarse grid) and the face between the
    last cell and the phantom copies the one before (the interpolation's inner face)."""
    if not any(pad):
        return coeffs
    out = []
    for a, c in enumerate(coeffs):
        c = np.broadcast_to(c, tuple(n + 1 if t == a else n for t, n in enumerate(shape)))
        for t in range(3):
            if not pad[t]:
                continue
            n = c.shape[t]
            if t == a:
                c = np.concatenate([np.take(c, range(n - 1), axis=t), np.take(c, [n - 2], axis=t),
                                    np.take(c, [n - 1], axis=t)], axis=t)
            else:
                c = np.concatenate([c, np.zeros_like(np.take(c, [0], axis=t))], axis=t)
        out.append(c)
    return tuple(out)


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


def _graded_coarsenable(n: int) -> bool:
    return n >= 3


def _single(w: np.ndarray) -> int:
    """The fine cell left unpaired on an odd axis of widths ``w`` (-1 on an even one): the
    widest cell at an even index (so the cells before it pair up), the one nearest the
    middle among equals; a thin wall cell is so paired with its neighbour."""
    n = w.size
    if n % 2 == 0:
        return -1
    k = np.arange(0, n, 2)
    best = w[k].max()
    cand = k[w[k] >= best * (1 - 1e-12)]
    return int(cand[np.argmin(np.abs(cand - (n - 1) / 2))])


def _starts(n: int, k: int) -> np.ndarray:
    """First fine cell of each coarse cell (and ``n``): pairs, cell ``k`` alone."""
    if k < 0:
        return np.arange(0, n + 1, 2)
    return np.concatenate([np.arange(0, k + 1, 2), np.arange(k + 1, n + 1, 2)])


def _thin_pairs(w: np.ndarray, limit: float) -> np.ndarray:
    """Group starts (and ``len(w)``) along one axis that pair up the cells no wider than
    ``limit``, each run of such cells in pairs (on an odd run its widest cell at an even
    offset alone, as :func:`_single` picks), every wider cell alone."""
    thin = w <= limit * (1 + 1e-12)
    starts, i, n = [], 0, w.size
    while i < n:
        if not thin[i]:
            starts.append(i)
            i += 1
            continue
        j = i
        while j < n and thin[j]:
            j += 1
        starts.extend(i + _starts(j - i, _single(w[i:j]))[:-1])
        i = j
    return np.asarray(starts + [n])


# weighted levels pair the cells no wider than this times the level's thinnest cell
# (MG-PCG iterations, random rhs to 1e-8, against 7 on a uniform 32^3 box; 2 / 2.5 / 3 /
# 4): 33x31x29 clustered at all six walls, aspect 3: 7 / 7 / 9 / 11, aspect 10 and 30:
# 6 / 7 / 7 / 8; z growing by 1.15 from cubic to aspect 10: 7 / 8 / 10 / 12;
# d2c-rack-120kw-graded 45 / 42 / 41 / 40 iterations at 22 / 18 / 14 / 14 ms each (the
# smaller factors leave its fine x axis uncoarsened on the second and third levels).
# Pairing whole axes by their thinnest cell (before): 11, 18, 18; 45; 45 at 14 ms.
THIN_PAIRS = 3.0


def _semicoarsen_starts(shape, widths) -> list:
    """Per axis the group starts of the next level, or None where nothing pairs: the
    cells no wider than twice the level's thinnest cell (over the axes of 3 or more
    cells) pair up along each such axis, wider ones stay, so that thin cells coarsen
    across their thin direction only until they are about as wide as the rest, the
    coarse grids tending to cubic cells wherever the fine grid is stretched (pairing
    whole axes cannot: a box clustered at all six walls has thin cells on every axis)."""
    able = [_graded_coarsenable(n) for n in shape]
    if not any(able):
        return [None] * 3
    limit = THIN_PAIRS * min(float(np.min(widths[a])) for a in range(3) if able[a])
    widest = max(float(np.max(widths[a])) for a in range(3) if able[a])
    while True:
        out = []
        for a in range(3):
            st = _thin_pairs(np.asarray(widths[a]), limit) if able[a] else None
            out.append(st if st is not None and st.size - 1 < shape[a] else None)
        # thin cells with no thin neighbour pair nowhere: widen the limit until some do
        if any(st is not None for st in out) or limit > widest:
            return out
        limit *= 1.5


def _group_coeff(c: np.ndarray, axis: int, coarsen, starts, widths) -> np.ndarray:
    """Fine face coefficients of ``axis`` onto the coarse faces: the faces between groups
    along ``axis``, area-weighted means over each group across the other axes."""
    if coarsen[axis]:
        c = np.take(c, starts[axis], axis=axis)
    for t in range(3):
        if t != axis and coarsen[t]:
            w = _broadcast(widths[t], t)
            c = np.add.reduceat(c * w, starts[t][:-1], axis=t) / np.add.reduceat(w, starts[t][:-1], axis=t)
    return c


# operator-dependent prolongation: a fine cell takes its coarse neighbour's value with
# the geometric weight only across an open face (see _prolong_weights)
OPERATOR_PROLONG = True


def _prolong_weights(coeffs, shape, coarsen, starts, geo, widths, dev,
                     pad=(False, False, False)) -> tuple:
    """Per coarsened axis ``a`` the prolongation weights ``(lo, hi)`` of the previous and
    next coarse value, shaped like the array that :func:`prolong` refines along ``a``
    (fine along the coarsened axes before ``a``, coarse along those after): the
    geometric (distance) weights ``geo[a]`` times, with OPERATOR_PROLONG,
    ``2 c_out / (c_out + c_in)``: ``c_out`` the coefficient of the fine face on the group
    boundary that the fine cell's interpolation reaches across, ``c_in`` that of the face
    inside its group (between the two children), both averaged over the groups of the
    later axes (raw coefficients, not area / gap: the geometry is in ``geo``). A fine
    cell behind a blocked face so takes its own coarse cell's value (constant
    extrapolation, as at a Neumann wall) instead of a value from across the wall; across
    a conductance jump the weight follows the stronger face. The weights of a fine cell
    stay a convex combination, so constants are kept."""
    out = []
    for a in range(3):
        if not coarsen[a]:
            out.append(None)
            continue
        c = np.broadcast_to(coeffs[a], tuple(n + 1 if t == a else n for t, n in enumerate(shape)))
        # the faces between groups (and the two ends), and the face inside each group
        # (between its two children; a single cell's own left face)
        inner = np.where(np.diff(starts[a]) > 1, starts[a][:-1] + 1, starts[a][:-1])
        cm = np.take(c, inner, axis=a)
        c = np.take(c, starts[a], axis=a)

        def group(c):
            for t in range(a + 1, 3):
                if coarsen[t]:
                    w = np.ones(shape[t]) if widths is None else np.asarray(widths[t], dtype=np.float64)
                    wb = _broadcast(w, t)
                    c = np.add.reduceat(c * wb, starts[t][:-1], axis=t) / np.add.reduceat(
                        np.broadcast_to(wb, c.shape), starts[t][:-1], axis=t)
            return c
        c, cm = group(c), group(cm)
        n = c.shape[a] - 1
        lo_face = np.take(c, range(0, n), axis=a)
        hi_face = np.take(c, range(1, n + 1), axis=a)
        glo, ghi = (_broadcast(g, a) for g in geo[a])
        if OPERATOR_PROLONG:
            # the neighbour's weight scales with the outer face's share of the two faces
            # (outer, inner) on the fine cell's line: the geometric weight between equal
            # faces, none across a blocked one, twice it behind a closed inner face
            f = lambda o: np.where(o + cm > 0, 2.0 * o / np.where(o + cm > 0, o + cm, 1.0), 0.0)
            lo, hi = glo * f(lo_face), ghi * f(hi_face)
        else:
            lo, hi = glo + 0 * lo_face, ghi + 0 * hi_face
        for t in range(a):  # the phantom cells of the axes refined before: dropped
            if pad[t]:
                lo, hi = (np.take(np.broadcast_to(x, np.broadcast_shapes(lo.shape, hi.shape)),
                                  range(shape[t] - 1), axis=t) for x in (lo, hi))
        out.append((dev(lo), dev(hi)))
    return tuple(out)


def _build_weighted(coeffs, h, periodic, min_cells, semicoarsen, dev) -> list[Level]:
    """The volume-weighted hierarchy of a graded grid (see :func:`build_hierarchy`)."""
    shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
    widths = [sp.widths(h[a], shape[a]) for a in range(3)]
    unit = (1.0, 1.0, 1.0)
    levels = []
    while True:
        shape = tuple(c.shape[a] - 1 for a, c in enumerate(coeffs))
        if semicoarsen:
            starts = _semicoarsen_starts(shape, widths)
        else:
            starts = [_starts(n, _single(widths[a])) if _graded_coarsenable(n) else None
                      for a, n in enumerate(shape)]
        if int(np.prod(shape)) <= min_cells:
            starts = [None] * 3
        coarsen = tuple(st is not None for st in starts)
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
        lines = _line_axes(ceff, shape, periodic) if inv is None else ()
        pw = None
        if any(coarsen):
            geo = [_graded_weights(widths[a], periodic[a], starts[a]) if coarsen[a] else None
                   for a in range(3)]
            pw = _prolong_weights(coeffs, shape, coarsen, starts, geo, widths, dev)
        levels.append(Level(tuple(dev(c) for c in ceff), dev(diag), dev(iso),
                            dev(np.zeros_like(diag)), inv, dev(np.broadcast_to(volume, shape)),
                            unit, periodic, coarsen, tuple(tuple(float(x) for x in w) for w in widths),
                            tuple(tuple(int(i) for i in st) if st is not None else ()
                                  for st in starts), lines, pw=pw,
                            plain=_plain(coeffs, shape, iso)))
        if not any(coarsen):
            return levels
        coeffs = tuple(_group_coeff(c, a, coarsen, starts, widths) for a, c in enumerate(coeffs))
        widths = [np.add.reduceat(w, starts[a][:-1]) if coarsen[a] else w
                  for a, w in enumerate(widths)]


# a weighted level with two axes of more than one cell relaxes by lines along each axis
# whose couplings are stronger than the other's by this factor somewhere (a cell's
# aspect ratio of 2); point Gauss-Seidel otherwise, and on 3-D levels, where line
# sweeps along three axes cost more than the iterations they save
LINE_ANISOTROPY = 4.0
# sweeps of the line smoother before and after the coarse correction
LINE_SWEEPS = 1


def _line_axes(ceff, shape, periodic) -> tuple:
    """The axes a 2-D weighted level relaxes by lines (see LINE_ANISOTROPY)."""
    axes = [a for a in range(3) if shape[a] > 1]
    if len(axes) != 2:
        return ()
    strength = []
    for a in axes:
        c = np.broadcast_to(ceff[a], tuple(n + 1 if t == a else n for t, n in enumerate(shape)))
        n = shape[a]
        strength.append(np.take(c, range(n), axis=a) + np.take(c, range(1, n + 1), axis=a))
    s0, s1 = strength
    both = (s0 > 0) & (s1 > 0)
    if not both.any():
        return ()
    r = s0[both] / s1[both]
    return tuple(a for a, q in zip(axes, (r.max(), 1.0 / r.min())) if q > LINE_ANISOTROPY)


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


def with_face_scale(levels: Sequence[Level], scale: Sequence) -> list[Level]:
    """The hierarchy with the fine level's face coefficients times ``scale`` (per axis,
    face-shaped, > 0) and its diagonal recomputed; the coarse levels and the transfers
    stay those of the unscaled operator, so that a V-cycle remains a symmetric
    preconditioner of the scaled one (the conjugate gradients apply the fine level).
    For coefficients that change between iterations (e.g. a projection's ``dtau / (1 +
    dtau drag)`` where the drag follows the velocity) without a host rebuild."""
    fine = levels[0]
    coeffs = tuple(c * s for c, s in zip(fine.coeffs, scale))
    diag = laplacian_diagonal(coeffs, fine.h, fine.periodic)
    diag = jnp.where(fine.iso > 0, fine.lapdiag, jnp.broadcast_to(diag, fine.lapdiag.shape))
    # the scaled faces are no longer one coefficient per axis: no empty-box shortcut
    return [dataclasses.replace(fine, coeffs=coeffs, lapdiag=diag, plain=False), *levels[1:]]


def with_shift(levels: Sequence[Level], shift) -> list[Level]:
    """The same hierarchy for ``shift - div(c grad)``; coarse shifts are block means
    (on weighted levels the shift is held times the volume: block sums of that)."""
    out = []
    if levels and levels[0].weighted:
        shift = shift * levels[0].volume
    for lev in levels:
        # the dense coarse inverse is of the unshifted operator; an inverse per shift
        # (per time step) costs more inside the loop than the sweeps it saves
        out.append(dataclasses.replace(lev, shift=shift, inv=None))
        for a in range(3):
            if lev.coarsen[a]:
                if lev.weighted:
                    shift = _group_sum(shift, a, lev.starts[a])
                else:
                    if lev.pad[a]:  # the phantom cell: no shift
                        shift = jnp.concatenate([shift, jnp.zeros_like(shift[(slice(None),) * a
                                                                             + (slice(0, 1),)])], axis=a)
                    n = shift.shape[a]
                    shift = 0.5 * (lax.slice_in_dim(shift, 0, n, 2, axis=a)
                                   + lax.slice_in_dim(shift, 1, n, 2, axis=a))
    return out


def _all_pairs(starts) -> bool:
    return len(starts) > 1 and all(b - a == 2 for a, b in zip(starts, starts[1:]))


def _group_sum(x, axis: int, starts):
    """Sums of ``x`` over the coarse groups along ``axis`` (``starts``: each group's
    first fine cell, then the count; a group is one or two cells)."""
    n = x.shape[axis]
    if _all_pairs(starts):
        return lax.slice_in_dim(x, 0, n, 2, axis=axis) + lax.slice_in_dim(x, 1, n, 2, axis=axis)
    st = np.asarray(starts)
    pair = np.diff(st) == 2
    first = jnp.take(x, st[:-1], axis=axis)
    second = jnp.take(x, np.minimum(st[:-1] + 1, n - 1), axis=axis)
    return first + _broadcast(pair.astype(np.float64), axis).astype(x.dtype) * second


def apply(level: Level, p):
    """The SPD operator ``shift - div(c grad p)`` plus identity rows on isolated cells."""
    # lapdiag holds the stencil's diagonal, and the identity rows' on isolated cells
    return level.diag * p - neighbour_sum(p, level.coeffs, level.h, level.periodic)


def _graded_weights(fine, periodic: bool, starts):
    """Per coarse cell the weights of the previous (left child) and next (right child)
    coarse value in the distance interpolation onto its fine cells; an unpaired cell's
    centre is its coarse cell's, weight 0."""
    fine = np.asarray(fine, dtype=np.float64)
    coarse = np.add.reduceat(fine, starts[:-1])
    g = sp.gaps(tuple(coarse), periodic, coarse.size)
    first, last = fine[starts[:-1]], fine[starts[1:] - 1]
    # a fine centre's distance to its coarse centre: half the other child's width
    lo_w, hi_w = 0.5 * last / g[:-1], 0.5 * first / g[1:]
    alone = np.diff(starts) == 1
    lo_w[alone] = hi_w[alone] = 0.0
    return lo_w, hi_w


def _prolong_axis_weighted(x, axis: int, periodic: bool, lo_w, hi_w, starts=()):
    """Interpolation onto the fine cells along ``axis`` with the weights ``lo_w`` and
    ``hi_w`` (arrays shaped like ``x``) of the previous and next coarse value for the
    left and right child (a mirrored ghost at a non-periodic end: the same value); with
    ``starts`` (a weighted level's groups, see ``Level.starts``) an unpaired cell has one
    child, which takes its coarse value."""
    n = x.shape[axis]
    if periodic:
        lo, hi = shift(x, axis, n - 1, 1), shift(x, axis, 0, 1)
    else:
        lo, hi = shift(x, axis, 0, 1), shift(x, axis, n - 1, 1)
    q = jnp.concatenate([lo, x, hi], axis=axis)
    left = x + lo_w * (shift(q, axis, 0, n) - x)
    right = x + hi_w * (shift(q, axis, 2, n) - x)
    if starts and not _all_pairs(starts):  # fine cell j: its group's left or right child
        st = np.asarray(starts)
        parent = np.repeat(np.arange(n), np.diff(st))
        second = np.arange(st[-1]) > st[parent]
        return jnp.take(jnp.concatenate([left, right], axis=axis), parent + n * second, axis=axis)
    out = jnp.stack([left, right], axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = 2 * n
    return out.reshape(shape)


def prolong(level: Level, x):
    """Coarse-to-fine interpolation for the transfer from ``level``: trilinear (by
    distance on a weighted level), not across blocked faces (see ``Level.pw``)."""
    for a in range(3):
        if level.coarsen[a]:
            lo_w, hi_w = level.pw[a]
            x = _prolong_axis_weighted(x, a, level.periodic[a], lo_w, hi_w,
                                       level.starts[a] if level.weighted else ())
            if level.pad[a]:  # drop the phantom cell
                x = shift(x, a, 0, x.shape[a] - 1)
    return x


def _coarse_shape(level: Level, shape):
    if level.weighted:
        return tuple(len(st) - 1 if k else n for n, k, st in zip(shape, level.coarsen, level.starts))
    return tuple((n + 1) // 2 if k else n for n, k in zip(shape, level.coarsen))


def restrict(level: Level, r):
    """Transpose of :func:`prolong`, scaled to average (fine-to-coarse); on a
    weighted level the plain transpose (sums, as the integrated residual needs)."""
    coarse_shape = _coarse_shape(level, r.shape)
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


def _line_solve(level: Level, r, axis: int):
    """``T^-1 r`` for ``T`` the level's operator restricted to the lines along ``axis``
    (its diagonal and the couplings between neighbours on a line; a periodic axis's
    wrap-around face left out): one tridiagonal solve per line."""
    n = r.shape[axis]
    c = level.coeffs[axis]
    c = jnp.broadcast_to(c, tuple(n + 1 if b == axis else r.shape[b] for b in range(3)))
    h2 = level.h[axis] * level.h[axis]
    inner = shift(c, axis, 1, n - 1) / h2
    zero = jnp.zeros_like(shift(c, axis, 0, 1))
    lo = -jnp.concatenate([zero, inner], axis=axis)
    hi = -jnp.concatenate([inner, zero], axis=axis)
    d = jnp.broadcast_to(level.diag, r.shape)
    # a cell coupled only along the line (a closed one-cell slot): a slightly heavier
    # diagonal keeps such a line's block non-singular (still a symmetric smoother)
    along = -(lo + hi)
    d = jnp.where(d - along <= 1e-6 * d, d * (1.0 + 1e-3), d)
    return solve_lines(factor_lines(lo, d, hi, axis), r, axis)


def _zebra(shape, axis: int):
    """True on the lines along ``axis`` whose other indices sum to an even number."""
    i = sum(lax.broadcasted_iota(jnp.int32, shape, a) for a in range(3) if a != axis)
    return i % 2 == 0


def smooth(level: Level, x, b, sweeps: int, reverse: bool = False):
    """Red-black Gauss-Seidel sweeps on ``apply(level, x) = b``: each colour's cells
    set to ``(b + neighbour_sum) / diag``. The colour comes from an iota inside the
    update's kernel rather than a mask array read from memory. A level with ``lines``
    relaxes by zebra lines instead: per axis in ``lines``, the even then the odd lines
    along it solved exactly (``reverse``: the adjoint order, for a symmetric cycle)."""
    if level.lines:
        steps = [(a, colour) for a in level.lines for colour in (True, False)]
        if reverse:
            steps = steps[::-1]

        def line_sweep(_, x):
            for a, colour in steps:
                z = _line_solve(level, b - apply(level, x), a)
                x = x + jnp.where(_zebra(x.shape, a) == colour, z, 0.0)
            return x
        return lax.fori_loop(0, sweeps, line_sweep, x) if sweeps > 1 else line_sweep(0, x)
    inv_diag = 1.0 / level.diag
    order = (False, True) if reverse else (True, False)

    def sweep(_, x):
        for colour in order:
            new = (b + neighbour_sum(x, level.coeffs, level.h, level.periodic)) * inv_diag
            x = jnp.where(_red(x.shape) == colour, new, x)
        return x
    # a rolled loop keeps compile time flat in the number of sweeps
    return lax.fori_loop(0, sweeps, sweep, x) if sweeps > 1 else sweep(0, x)


# point-smoothed levels below the finest take SWEEP_GROWTH ** k times the sweeps (level
# k), at most MAX_SWEEPS, unless the fine level is plain (an empty box, where they
# would cost 1.3-1.9x per iteration and save none): coarse grids of cluttered geometry (cells part solid, half
# couplings) smooth more slowly than the fine grid, and cost 1/2 to 1/8 of it each.
# Measured on d2c-rack-120kw (random right-hand side, to 1e-8): growth 1, 2, 3 took
# 28, 15, 11 iterations; in proportion to the level's cells (per cell-count ratio)
# did worse on the semi-coarsened graded rack (73 against 58 at growth 2)
SWEEP_GROWTH = 3
MAX_SWEEPS = 16


def preconditioner(levels: Sequence[Level]):
    """The pressure solve's preconditioner: one V-cycle, balanced by the fine level's
    coarse space where it has one."""
    v = lambda r: vcycle(levels, r)
    fine = levels[0]
    if fine.coarse is None:
        return v
    return balanced(lambda x: apply(fine, x), v, fine.coarse)


def vcycle(levels: Sequence[Level], b, pre: int = 2, post: int = 2, coarse_sweeps: int = 16):
    """One V-cycle from a zero initial guess: an approximation of ``A^-1 b``."""
    def cycle(k, b):
        lev = levels[k]
        if k == len(levels) - 1:
            if lev.inv is not None:
                return (lev.inv @ b.ravel()).reshape(b.shape)
            x = smooth(lev, jnp.zeros_like(b), b, coarse_sweeps)
            return smooth(lev, x, b, coarse_sweeps, reverse=True)
        npre, npost = (LINE_SWEEPS, LINE_SWEEPS) if lev.lines else (pre, post)
        if k > 0 and not lev.lines and not levels[0].plain:  # more sweeps on coarse levels
            npre = min(npre * SWEEP_GROWTH ** k, MAX_SWEEPS)
            npost = min(npost * SWEEP_GROWTH ** k, MAX_SWEEPS)
        x = smooth(lev, jnp.zeros_like(b), b, npre)
        r = b - apply(lev, x)
        x = x + prolong(lev, cycle(k + 1, restrict(lev, r)))
        return smooth(lev, x, b, npost, reverse=True)
    return cycle(0, b)
