"""Algebraic turbulence closures on the MAC grid, and the wall distance they need.

Units: velocities m/s, spacings and distances m, strain rates 1/s, eddy
viscosities m2/s (kinematic). The jnp functions are pure and jittable and work
in float32 and float64; :func:`wall_distance` is host-side NumPy, built once per
case before compilation.

Layout as in :mod:`thermo.kernels.stencils`: cell-centred fields ``(nx, ny, nz)``,
the velocity normal to axis ``a`` on the ``n_a + 1`` faces of that axis; velocity
ghosts per component and axis are ``(alpha, beta, gamma)`` triples
(``ghosts[c][a] = (low, high)``, None when periodic).

Wall treatment (all models)
----------------------------
* The strain rate uses the velocity boundary ghosts (no slip at a wall sits on
  the boundary face) and, at a solid cell, no slip on the solid's surface half a
  cell away (the tangential gradient there is ``2 u / h``), the same treatment as
  the viscous term.
* ``nu_t`` is zero inside solids; the momentum equation averages it onto cell
  edges with zero beyond walls, so the eddy viscosity seen at a wall is half that
  of the first fluid cell (and tends to zero with it as the grid is refined).
* Smagorinsky: the length ``Cs Delta`` is capped by ``kappa d`` (``d`` the wall
  distance, ``kappa = 0.41``, as in Mason & Thomson 1992) and damped by van
  Driest's factor ``1 - exp(-y+/26)``. ``y+ = d u_tau / nu`` uses a local friction
  velocity from the local total shear stress, ``u_tau^2 = (nu + nu_t) |S|``
  (exact in the constant-stress layer next to a wall), found by a few pointwise
  fixed-point sweeps: no wall search at run time.
* Mixing length (Prandtl 1925; van Driest 1956 damping; an outer cap as in
  Escudier 1966 and Cebeci & Smith 1974): ``nu_t = l_m^2 |S|``, ``l_m = min(kappa
  d D, cap)``, ``D = 1 - exp(-y+/26)``; ``cap = 0.09 L`` with ``L`` the largest
  wall distance in the fluid (a channel's half-height: the layer thickness),
  or ``physics.mixing_length_cap``. Here ``y+`` comes from the local speed, not
  from the local stress: ``Re_d = |V| d / nu = u+ y+`` with Spalding's (1961) law
  of the wall ``y+ = u+ + e^(-kappa B) (e^(kappa u+) - 1 - kappa u+ - (kappa
  u+)^2/2 - (kappa u+)^3/6)`` (kappa 0.41, B 5.2) solved for ``u+`` by Newton's
  method in ``log(u+ y+)`` (as LVEL does, Agonafer et al. 1996). With ``y+`` from
  the stress ``(nu + nu_t)|S|``, ``nu_t`` would grow faster than ``|S|`` in the
  buffer layer (d ln nu_t / d ln|S| up to 2.8 at y+ 20), and the lagged
  viscosity then oscillates from step to step at steady time steps; from the
  speed, ``nu_t`` is linear in ``|S|`` at a given velocity and the iteration is
  stable. Wall-resolved (no wall function): the first cell centre should lie at
  y+ of about 5 or less.
* Chen & Xu (1998) zero-equation model: ``nu_t = 0.03874 |V| d``, vanishing
  linearly at walls by construction; no damping, no wall function. It was fitted
  to room (ventilation) flows and over-predicts the near-wall eddy viscosity of a
  wall-resolved channel (see thermo/validation_turbulence.py for the measured
  friction factor).
"""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp
import numpy as np

from . import spacing
from . import spacing as _spacing  # wall_distance's argument is named spacing
from .stencils import face_to_cell, pad, shift

KAPPA = 0.41            # von Karman constant
VAN_DRIEST_A = 26.0     # van Driest damping constant A+
SMAGORINSKY_CS = 0.17   # default Smagorinsky constant (Lilly's value for isotropic turbulence)
CHEN_XU = 0.03874       # Chen & Xu (1998): nu_t = 0.03874 |V| l
MIXING_CAP = 0.09       # outer cap of the mixing length, a fraction of the layer thickness
LOG_LAW_B = 5.2         # log-law intercept of Spalding's law of the wall (with KAPPA)


def filter_width(h: Sequence, active: Sequence[bool]):
    """LES filter width Delta (m): the cube root of the cell volume, taken over the
    active axes only (the square root of the cell area for a 2-D case). One number
    on a uniform grid; on a graded one (any ``h[a]`` a tuple of widths) each cell's,
    a float64 NumPy array that broadcasts over the cells (one axis of length 1
    per axis left out)."""
    if all(spacing.is_uniform(x) for x in h):
        hs = [float(h[a]) for a in range(3) if active[a]]
        return float(np.prod(hs) ** (1.0 / len(hs))) if hs else float(max(h))
    axes = [a for a in range(3) if active[a]]
    if not axes:  # no active axis: the largest width, as on a uniform grid
        return float(max(spacing.min_width(x) if spacing.is_uniform(x) else max(x) for x in h))
    vol = np.ones((1, 1, 1))
    for a in axes:
        shape = [1, 1, 1]
        shape[a] = -1
        w = np.asarray([float(h[a])] if spacing.is_uniform(h[a]) else h[a], dtype=np.float64)
        vol = vol * w.reshape(shape)
    return vol ** (1.0 / len(axes))


def _edge_gradient(u_c, c: int, a: int, ghost, h_a, periodic: bool, blocked_c=None):
    """d u_c / d x_a (1/s) on the cell edges between u_c's faces along ``a``
    (``n_a + 1`` entries along ``a``), boundary ghosts from ``ghost``; next to a
    blocked face (``blocked_c`` = 1) no slip half a cell away. On a graded axis
    (``h_a`` the cell widths) each difference is over the true distance between the
    two cell centres (the mirrored ghost beyond a boundary one cell width away,
    as :func:`thermo.kernels.spacing.gaps` has it), and next to a blocked face
    over the open cell's own width (its value mirrored about the solid surface)."""
    q = pad(u_c, a, *(ghost or (None, None)), normal=False, periodic=periodic, width=1)
    m = q.shape[a]
    left, right = shift(q, a, 0, m - 1), shift(q, a, 1, m - 1)
    graded = not spacing.is_uniform(h_a)
    if graded:
        w = spacing.widths(h_a, m - 2)
        dist = spacing.gaps(h_a, periodic, m - 2)
        before = w[-1] if periodic else w[0]
        after = w[0] if periodic else w[-1]
        wl = np.concatenate([[before], w])  # the width of the cell below each edge
        wr = np.concatenate([w, [after]])   # and above it
        dist = spacing.along_axis(dist, a, u_c.dtype)
    if blocked_c is not None:
        b = jnp.pad(blocked_c, [(1, 1) if ax == a else (0, 0) for ax in range(3)])
        bl, br = shift(b, a, 0, m - 1), shift(b, a, 1, m - 1)
        left, right = (jnp.where(bl > 0, -right, left), jnp.where(br > 0, -left, right))
        if graded:
            dist = jnp.where(bl > 0, spacing.along_axis(wr, a, u_c.dtype),
                             jnp.where(br > 0, spacing.along_axis(wl, a, u_c.dtype), dist))
    if graded:
        return (right - left) / dist
    return (right - left) / h_a


def strain_rate(u: Sequence, h: Sequence[float], ghosts, periodic: Sequence[bool],
                active: Sequence[bool], blocked: Sequence | None = None):
    """Cell-centred strain-rate magnitude ``|S| = sqrt(2 S_ij S_ij)`` (1/s).

    ``S_aa = d u_a / d x_a`` is exact at cell centres; the shear components
    ``S_ac = (d u_c/d x_a + d u_a/d x_c) / 2`` live on the cell edges, where both
    derivatives are compact differences, and their squares are averaged from the
    four edges around each cell. ``blocked[c]`` (optional, face arrays) marks the
    c-faces touching a solid, where no slip holds on the solid surface. Axes that
    are not ``active`` (one cell, mirror faces) contribute nothing.
    """
    s2 = 0.0
    for a in range(3):
        if active[a]:
            n = u[a].shape[a]
            # a graded axis: over each cell's own width
            w = h[a] if spacing.is_uniform(h[a]) else spacing.along_axis(
                spacing.widths(h[a], n - 1), a, u[a].dtype)
            d = (shift(u[a], a, 1, n - 1) - shift(u[a], a, 0, n - 1)) / w
            s2 = s2 + 2.0 * d * d
    for a in range(3):
        for c in range(a + 1, 3):
            e = 0.0
            if active[a]:
                e = e + _edge_gradient(u[c], c, a, ghosts[c][a], h[a], periodic[a],
                                       None if blocked is None else blocked[c])
            if active[c]:
                e = e + _edge_gradient(u[a], a, c, ghosts[a][c], h[c], periodic[c],
                                       None if blocked is None else blocked[a])
            if not (active[a] or active[c]):
                continue
            e2 = 0.25 * e * e  # S_ac^2 on the edges: (n_a + 1, n_c + 1) along (a, c)
            cell = face_to_cell(face_to_cell(e2, a), c)
            s2 = s2 + 4.0 * cell
    return jnp.sqrt(s2)


def smagorinsky(strain, delta: float, wall_dist, nu_mol, cs: float = SMAGORINSKY_CS,
                sweeps: int = 4):
    """Smagorinsky eddy viscosity ``nu_t = (l D)^2 |S|`` (m2/s).

    ``l = min(cs * delta, kappa * d)`` with ``d = wall_dist`` (m); ``D = 1 -
    exp(-y+/A+)`` van Driest damping, ``y+ = d sqrt((nu + nu_t)|S|) / nu`` from the
    local total stress (``sweeps`` pointwise fixed-point updates, started from the
    undamped value). ``nu_mol`` is the molecular kinematic viscosity (m2/s,
    scalar or per cell). ``D = 1`` far from walls (``d`` infinite).
    """
    lm = jnp.minimum(cs * delta, KAPPA * wall_dist)
    nut = lm * lm * strain
    for _ in range(sweeps):
        yplus = wall_dist * jnp.sqrt((nu_mol + nut) * strain) / nu_mol
        damp = -jnp.expm1(-yplus / VAN_DRIEST_A)
        nut = (lm * damp) ** 2 * strain
    return nut


def spalding_uplus(re_d, iterations: int = 4):
    """``u+`` from ``Re_d = u d / nu = u+ y+`` (dimensionless, >= 0) by Spalding's
    law of the wall ``y+(u+)`` (KAPPA, LOG_LAW_B): Newton's method on ``log(u+ y+)
    = log Re_d``, started from ``min(sqrt(Re_d), 40)`` (the viscous-sublayer value;
    ``y+`` is then ``Re_d / u+``). Near-linear in the log region, so 4 iterations
    reach round-off (4e-16 relative, against 40 iterations) for Re_d from 1e-12 to
    1e10 in float32 and float64; the wall functions solve it on every cell several
    times per iteration, so no more are taken."""
    c = float(np.exp(-KAPPA * LOG_LAW_B))  # a Python float: weak, the field keeps its dtype
    re_d = jnp.maximum(re_d, 1e-12)
    up = jnp.minimum(jnp.sqrt(re_d), 40.0)
    target = jnp.log(re_d)
    for _ in range(iterations):
        k = KAPPA * up
        yp = up + c * (jnp.expm1(k) - k - 0.5 * k * k - k * k * k / 6.0)
        dyp = 1.0 + c * KAPPA * (jnp.expm1(k) - k - 0.5 * k * k)
        up = up - (jnp.log(up * yp) - target) / (1.0 / up + dyp / yp)
    return up


def mixing_length(u: Sequence, strain, wall_dist, nu_mol, cap):
    """Prandtl's mixing-length eddy viscosity with van Driest damping and an outer
    cap, ``nu_t = l_m^2 |S|`` (m2/s), ``l_m = min(kappa d (1 - exp(-y+/A+)), cap)``.

    ``u`` the MAC velocities (m/s), ``strain`` = ``|S|`` (1/s), ``d = wall_dist``
    (m), ``nu_mol`` (m2/s, scalar or per cell), ``cap`` (m). ``y+ = Re_d / u+``
    with ``Re_d = |V| d / nu`` (``|V|`` the cell-centred speed) and ``u+`` from
    :func:`spalding_uplus`.
    """
    speed = jnp.sqrt(sum(face_to_cell(u[a], a) ** 2 for a in range(3)))
    re_d = speed * wall_dist / nu_mol
    yplus = re_d / spalding_uplus(re_d)
    lm = jnp.minimum(KAPPA * wall_dist * -jnp.expm1(-yplus / VAN_DRIEST_A), cap)
    return lm * lm * strain


def chen_xu(u: Sequence, wall_dist, coefficient: float = CHEN_XU):
    """Chen & Xu (1998) zero-equation eddy viscosity ``nu_t = 0.03874 |V| l`` (m2/s),
    with ``|V|`` the cell-centred speed (m/s) and ``l = wall_dist`` the distance to
    the nearest wall (m)."""
    speed = jnp.sqrt(sum(face_to_cell(u[a], a) ** 2 for a in range(3)))
    return coefficient * speed * wall_dist


# ---------------------------------------------------------------------------
# Host side: the distance from each cell centre to the nearest wall.
# ---------------------------------------------------------------------------

def _min_convolve(dist2: np.ndarray, axis: int, h: float, periodic: bool) -> np.ndarray:
    """``out[i] = min_j dist2[j] + f((i - j) h)`` along ``axis`` with
    ``f(t) = max(|t| - h/2, 0)^2``: the squared distance to a cell-sized box.

    Brute force over shifts, stopping once ``f`` alone exceeds every finite value
    already found (so the cost is the shifts up to the largest distance)."""
    n = dist2.shape[axis]
    out = dist2.copy()
    limit = n // 2 if periodic else n - 1
    # lines holding a wall end up finite everywhere; the others stay infinite
    reach = np.broadcast_to(np.isfinite(dist2).any(axis=axis, keepdims=True), dist2.shape)
    for s in range(1, limit + 1):
        f = ((s - 0.5) * h) ** 2
        if not reach.any() or f > out[reach].max():  # an infinite value keeps it going
            break
        for sign in (1, -1):
            if periodic:
                moved = np.roll(dist2, sign * s, axis=axis)
            else:
                moved = np.full_like(dist2, np.inf)
                src = [slice(None)] * dist2.ndim
                dst = [slice(None)] * dist2.ndim
                if sign > 0:
                    src[axis], dst[axis] = slice(0, n - s), slice(s, n)
                else:
                    src[axis], dst[axis] = slice(s, n), slice(0, n - s)
                moved[tuple(dst)] = dist2[tuple(src)]
            np.minimum(out, moved + f, out=out)
    return out


def _min_convolve_graded(dist2: np.ndarray, axis: int, w: np.ndarray, periodic: bool) -> np.ndarray:
    """:func:`_min_convolve` on a graded axis of cell widths ``w`` (m): ``out[i] = min_j
    dist2[j] + max(|x_i - x_j| - w_j / 2, 0)^2`` with the true centres ``x`` (on a
    periodic axis the shorter way round). Brute force over index shifts; on an open
    axis the distance grows with the shift for every cell, so it stops as the
    uniform version does; a periodic axis tries every shift."""
    n = dist2.shape[axis]
    w = np.asarray(w, dtype=np.float64)
    x = np.concatenate([[0.0], np.cumsum(w)])[:-1] + 0.5 * w
    length = float(w.sum())
    shape = [1] * dist2.ndim
    shape[axis] = -1
    out = dist2.copy()
    reach = np.broadcast_to(np.isfinite(dist2).any(axis=axis, keepdims=True), dist2.shape)
    idx = np.arange(n)
    for s in range(1, n):
        if periodic:
            j = (idx - s) % n  # every other cell once, whichever way round is shorter
            gap = np.abs(x - x[j])
            f = np.maximum(np.minimum(gap, length - gap) - 0.5 * w[j], 0.0) ** 2
            moved = np.take(dist2, j, axis=axis)
            np.minimum(out, moved + f.reshape(shape), out=out)
            continue
        f_lo = np.maximum(x[s:] - x[:n - s] - 0.5 * w[:n - s], 0.0) ** 2  # from j = i - s
        f_hi = np.maximum(x[s:] - x[:n - s] - 0.5 * w[s:], 0.0) ** 2      # from j = i + s
        if not reach.any() or min(f_lo.min(), f_hi.min()) > out[reach].max():
            break
        src = [slice(None)] * dist2.ndim
        dst = [slice(None)] * dist2.ndim
        fs = [1] * dist2.ndim
        fs[axis] = n - s
        src[axis], dst[axis] = slice(0, n - s), slice(s, n)
        view = out[tuple(dst)]
        np.minimum(view, dist2[tuple(src)] + f_lo.reshape(fs), out=view)
        src[axis], dst[axis] = slice(s, n), slice(0, n - s)
        view = out[tuple(dst)]
        np.minimum(view, dist2[tuple(src)] + f_hi.reshape(fs), out=view)
    return out


def wall_distance(solid: np.ndarray, spacing: Sequence, walls: dict | None = None,
                  periodic: Sequence[bool] = (False, False, False)) -> np.ndarray:
    """Exact Euclidean distance (m) from each cell centre to the nearest wall.

    Walls are the surfaces of the ``solid`` cells (boolean, cell-centred: the
    distance is to the cell's box, half a cell closer than its centre; zero inside
    solids) and the boundary faces flagged in ``walls``: ``{(axis, side): mask}``,
    ``mask`` a boolean array over the face's cells (the two tangential axes in
    order), side 0 the low face. Periodic axes wrap. Infinite where there is no
    wall at all.

    The squared distance to a box is a sum over axes of one-axis terms, so the
    minimum over all wall boxes is three successive one-axis min-convolutions (as
    in the separable distance transforms of Felzenszwalb & Huttenlocher); each is
    a brute force over shifts, O(cells x largest distance / h) per axis: about a
    second for 10^6 cells in a box a hundred cells wide.

    ``spacing[a]`` is one width (a uniform axis) or the cell widths of a graded axis
    (see :mod:`thermo.kernels.spacing`); on a graded grid the same transform runs on
    the true cell centres and boxes (a wall cell padded beyond a boundary is as
    wide as the cell inside it, so its surface is the boundary face): still exact.
    """
    solid = np.asarray(solid, bool)
    pads = []
    for a in range(3):
        has = walls is not None and not periodic[a] and any(
            np.any(walls.get((a, s), False)) for s in (0, 1))
        pads.append((1, 1) if has else (0, 0))
    feat = np.pad(solid, pads)
    if walls is not None:
        for (a, side), mask in walls.items():
            if pads[a] == (0, 0):
                continue
            m = np.asarray(mask, bool)
            # the face cells' mask over the (padded) tangential axes
            t = [ax for ax in range(3) if ax != a]
            m = np.pad(m, [pads[t[0]], pads[t[1]]])
            idx = [slice(None)] * 3
            idx[a] = 0 if side == 0 else -1
            feat[tuple(idx)] |= m
    d2 = np.where(feat, 0.0, np.inf)
    graded = not all(_spacing.is_uniform(x) for x in spacing)
    for a in range(3):
        wrap = bool(periodic[a]) and pads[a] == (0, 0)
        if not graded:
            d2 = _min_convolve(d2, a, float(spacing[a]), wrap)
            continue
        w = _spacing.widths(spacing[a], solid.shape[a])
        if pads[a] != (0, 0):
            w = np.concatenate([[w[0]], w, [w[-1]]])
        d2 = _min_convolve_graded(d2, a, w, wrap)
    core = tuple(slice(p[0], d2.shape[a] - p[1]) for a, p in enumerate(pads))
    return np.sqrt(d2[core])


# ---------------------------------------------------------------------------
# LVEL and the wall functions (Spalding's law of the wall; Jayatilleke for heat)
# ---------------------------------------------------------------------------
#
# LVEL (Agonafer, Gan-Li & Spalding 1996): the effective viscosity is Spalding's
# law differentiated, ``nu_eff / nu = dy+/du+``, with ``u+`` from the local
# Reynolds number ``Re_d = |V| d / nu = u+ y+`` (``d`` the wall distance): no
# transport equation, valid from the viscous sublayer to the log layer.
#
# Wall functions act on the wall faces of the first fluid cell, at the distance
# ``y = w / 2`` from its centre to the wall (``w`` its width across the wall):
#
# * momentum: the wall stress ``tau_w / rho = u_tau^2`` with ``u_tau = U_t / u+``
#   and ``u+`` from Spalding's law at ``Re = U_t y / nu`` (``U_t`` the speed
#   parallel to the wall), i.e. the wall face's viscosity is ``nu y+ / u+``. The
#   law holds through the buffer layer down to the wall, so the stress tends to
#   the molecular ``nu U_t / y`` as ``y+`` falls below 5: nothing degrades at low
#   ``y+`` (a "scalable"/all-y+ treatment without a switch).
# * heat: ``q_w = rho cp u_tau (T_w - T_P) / T+`` with ``T+ = Pr y+`` in the thermal
#   sublayer and ``T+ = Pr_t (u+_log + P)`` above it, ``u+_log = ln(E y+) / kappa``,
#   ``P`` Jayatilleke's (1969) function of ``Pr / Pr_t`` (Launder & Spalding 1974);
#   the switch is where the two meet (``y+`` about 11.6 for air, 6.6 for water),
#   so the wall's conductance is continuous and molecular below it. As a factor on
#   the fluid's molecular conductance over ``y``: ``G = Pr y+ / T+``.

E_LOG = float(np.exp(KAPPA * LOG_LAW_B))  # log-law constant E of u+ = ln(E y+) / kappa


def lvel(u: Sequence, wall_dist, nu_mol):
    """LVEL eddy viscosity ``nu_t = nu (dy+/du+ - 1)`` (m2/s) from Spalding's law at
    ``Re_d = |V| d / nu`` (``|V|`` the cell-centred speed, m/s; ``d = wall_dist``, m;
    ``nu_mol`` m2/s, scalar or per cell)."""
    speed = jnp.sqrt(sum(face_to_cell(u[a], a) ** 2 for a in range(3)))
    up = spalding_uplus(speed * wall_dist / nu_mol)
    k = KAPPA * up
    return nu_mol * float(np.exp(-KAPPA * LOG_LAW_B)) * KAPPA * (jnp.expm1(k) - k - 0.5 * k * k)


def spalding_uplus_at(yplus, iterations: int = 5):
    """``u+`` at ``y+`` (dimensionless, >= 0) by Spalding's law ``y+(u+)``: Newton's
    method from the smaller of the sublayer's and the log law's ``u+`` (``y+(u+)`` is
    convex, so the iterates approach from one side); 5 iterations reach round-off
    (3e-16 relative against 40, y+ from 1e-12 to 1e10, float32 and float64)."""
    c = float(np.exp(-KAPPA * LOG_LAW_B))  # a Python float: weak, the field keeps its dtype
    yplus = jnp.maximum(yplus, 0.0)
    up = jnp.minimum(yplus, jnp.log(1.0 + E_LOG * yplus) / KAPPA)
    for _ in range(iterations):
        k = KAPPA * up
        f = up + c * (jnp.expm1(k) - k - 0.5 * k * k - k * k * k / 6.0) - yplus
        up = up - f / (1.0 + c * KAPPA * (jnp.expm1(k) - k - 0.5 * k * k))
    return up


def wall_law(re):
    """``(u+, y+)`` of a wall-adjacent point at ``Re = U_t y / nu`` (dimensionless), by
    Spalding's law: the wall stress is ``(U_t / u+)^2`` and the wall face's
    viscosity over the molecular one ``y+ / u+``."""
    re = jnp.maximum(re, 1e-12)
    up = spalding_uplus(re)
    return up, re / up


def wall_coordinates(vel, nu, half_widths):
    """Per axis ``a`` (None where ``half_widths[a]`` is None), for a wall across ``a``
    at the side of each cell: ``(u+, y+)`` by Spalding's law from the cell-centred
    velocity ``vel`` (m/s, three arrays) parallel to that wall, the molecular ``nu``
    (m2/s) and the distance ``half_widths[a]`` (m, half the cell's width)."""
    out = []
    for a, y in enumerate(half_widths):
        if y is None:
            out.append(None)
            continue
        ut = jnp.sqrt(sum(vel[b] ** 2 for b in range(3) if b != a))
        out.append(wall_law(ut * y / nu))
    return out


def jayatilleke_p(prandtl, prandtl_t: float = 0.85):
    """Jayatilleke's (1969) sublayer resistance ``P = 9.24 ((Pr/Pr_t)^0.75 - 1) (1 +
    0.28 exp(-0.007 Pr/Pr_t))`` (dimensionless; host NumPy or jnp)."""
    r = prandtl / prandtl_t
    return 9.24 * (r ** 0.75 - 1.0) * (1.0 + 0.28 * np.exp(-0.007 * r))


def t_plus(yplus, prandtl, p_fn, prandtl_t: float = 0.85, switched: bool = False):
    """Dimensionless wall temperature difference ``T+`` at ``y+``: the sublayer's ``Pr
    y+`` and Jayatilleke's log layer ``Pr_t (ln(E y+)/kappa + P)`` (``p_fn`` = P)
    blended by Kader's (1981) function, ``Pr y+ exp(-G) + log exp(-1/G)``, ``G = 0.01
    (Pr y+)^4 / (1 + 5 Pr^3 y+)`` (as Fluent's enhanced wall treatment blends them):
    the switch between the two at their crossing (y+ 11.6 in air) puts the buffer
    layer's mixing nowhere: T+ up to 24 % above Kader's measured profiles at y+ 5-14.
    ``switched``: that switch all the same (OpenFOAM's alphatJayatillekeWallFunction,
    Fluent's standard wall functions), the sublayer below the crossing above the
    point where the two laws come closest, ``y+ = Pr_t / (kappa Pr)``."""
    log = prandtl_t * (jnp.log(E_LOG * jnp.maximum(yplus, 1e-12)) / KAPPA + p_fn)
    if switched:
        sub = prandtl * yplus
        return jnp.where((yplus < prandtl_t / (KAPPA * prandtl)) | (sub < log), sub, log)
    g = jnp.maximum(0.01 * (prandtl * yplus) ** 4 / (1.0 + 5.0 * prandtl ** 3 * yplus), 1e-30)
    return prandtl * yplus * jnp.exp(-g) + log * jnp.exp(-1.0 / g)


K_EPSILON_C_MU = 0.09  # C_mu of the standard k-epsilon model (Launder & Spalding 1974)


def k_epsilon_viscosity(k, eps, strain, c_mu: float = K_EPSILON_C_MU):
    """``nu_t = C_mu k T`` (m2/s) from ``k`` (m2/s2) and ``eps`` (m2/s3), ``T = min(k /
    eps, 1 / (sqrt(6) C_mu |S|))``: the time scale bounded for realisability (Durbin
    1996), so that a stagnation point's strain ``|S|`` (1/s) cannot make ``nu_t`` grow
    without bound (``eps`` must be positive)."""
    bound = 1.0 / (float(np.sqrt(6.0)) * c_mu * jnp.maximum(strain, 1e-30))
    return c_mu * k * jnp.minimum(k / eps, bound)


# The two-layer near-wall treatment of the k-epsilon models (Wolfshtein 1969's
# length scales, as in Chen & Patel 1988 and Rodi 1991), blended into the outer
# k-epsilon solution by Jongen's tanh function of Re_y = sqrt(k) y / nu.
TWO_LAYER_RE_Y = 200.0  # Re_y at the edge of the viscosity-affected layer
TWO_LAYER_WIDTH = 0.1 * TWO_LAYER_RE_Y / float(np.arctanh(0.98))  # 98 % over 10 % of it
WOLFSHTEIN_A_MU = 70.0


def two_layer(k, dist, nu, c_mu: float = K_EPSILON_C_MU):
    """The inner layer's ``(lambda, nu_t, epsilon)`` (-, m2/s, m2/s3) from ``k``
    (m2/s2), the wall distance ``dist`` (m) and the molecular ``nu`` (m2/s):
    ``nu_t = C_mu k^1/2 l_mu``, ``epsilon = k^3/2 / l_eps``, ``l_mu = c_l y (1 -
    exp(-Re_y / 70))``, ``l_eps = c_l y (1 - exp(-Re_y / (2 c_l)))``, ``c_l = kappa
    C_mu^-3/4`` (Wolfshtein 1969). ``lambda`` (0 at the wall, 1 outside) is the
    outer solution's weight, ``0.5 (1 + tanh((Re_y - 200) / A))`` (Jongen 1998).
    Near the wall epsilon tends to ``2 nu k / y^2``, its exact limit; in the log
    layer both formulas are the log law's equilibrium values."""
    c_l = KAPPA * c_mu ** -0.75
    root = jnp.sqrt(k)
    re_y = root * dist / nu
    lam = 0.5 * (1.0 + jnp.tanh((re_y - TWO_LAYER_RE_Y) / TWO_LAYER_WIDTH))
    l_mu = c_l * dist * -jnp.expm1(-re_y / WOLFSHTEIN_A_MU)
    l_eps = c_l * dist * -jnp.expm1(-re_y / (2.0 * c_l))
    return lam, c_mu * root * l_mu, k * root / jnp.maximum(l_eps, jnp.finfo(l_eps.dtype).tiny)

