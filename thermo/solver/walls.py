"""Wall functions: the stress and the heat a wall exchanges with its first fluid cell
from the law of the wall (Spalding for momentum; for heat the sublayer's Pr y+ and
Jayatilleke's log law blended by Kader's function; :mod:`thermo.kernels.turbulence`
has the formulas), for the closures whose ``wall_functions`` is true.

A wall is a face between a fluid cell and a solid cell (a part's surface) or a
``flow = "wall"`` boundary face. Momentum: the wall face's viscosity becomes
``nu y+ / u+`` (the molecular ``nu`` where ``y+`` is small). Heat: the fluid's half
of the face's conductance (``k / y``, ``y`` half the fluid cell's width) becomes
``k G / y`` with ``G = Pr y+ / T+``, in series with what lies beyond (the solid's
half cell, nothing for a fixed wall temperature, the film of an ``htc`` face).
The heat term is added to the energy equation as the difference from the
molecular conductance, its diagonal implicit; sealed throughflow parts (servers)
exchange no heat through their faces, with or without wall functions. The next edge
away from the wall takes the same law's secant between the first two cell centres,
for the viscosity (:func:`wall_viscosity`) and the eddy conductivity
(:func:`eddy_heat_secant`).
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from thermo.grid.boundaries import WALL
from thermo.kernels.stencils import face_to_cell, shift
from thermo.kernels import turbulence as turb
from thermo.kernels.turbulence import jayatilleke_p, t_plus
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.solver.geometry import cell_widths
from thermo.solver.state import Params, Settings
from thermo.solver.viscosity import molecular_nu


class WallFunctions(NamedTuple):
    """The device arrays of the wall functions."""

    # [c][a] -> (lo, hi): 1 on the faces of component c whose low/high edge along a is a
    # wall (None for a == c or an inactive axis)
    stress: tuple
    # per axis: (beyond, fluid, on, fluid_low, t_beyond) on the faces of that axis (n + 1):
    # resistance beyond the wall and the fluid's molecular one over y (m2 K / W), 1 where
    # the face is a wall, 1 where the fluid cell is the low one, and a boundary face's
    # fixed temperature (C); None for an inactive axis
    heat: tuple
    prandtl: jnp.ndarray   # per cell: the fluid's Prandtl number (1 in solids)
    p_fn: jnp.ndarray      # per cell: Jayatilleke's P


def has_wall_functions(cfg: Settings) -> bool:
    """Whether the closure takes its walls' stress and heat from the law of the wall."""
    return cfg.turbulence is not None and cfg.turbulence.wall_functions


def _stagger(x: np.ndarray, along: int) -> np.ndarray:
    """Cell values on the faces of axis ``along`` (n -> n + 1): the larger neighbour."""
    first, last = np.take(x, [0], axis=along), np.take(x, [-1], axis=along)
    ext = np.concatenate([first, x, last], axis=along)
    n = ext.shape[along]
    return np.maximum(np.take(ext, range(0, n - 1), axis=along), np.take(ext, range(1, n), axis=along))


def host_params(sim, arr) -> WallFunctions:
    """Host: the wall function arrays of a case on its grid."""
    m, th, case, grid = sim.model, sim.thermal, sim.case, sim.grid
    geo = m.geometry
    fluid = geo.fluid
    fc = m.faces
    stress = []
    for c in range(3):
        row = []
        for a in range(3):
            if a == c or not m.active[a]:
                row.append(None)
                continue
            lo, hi = (np.asarray(x, bool) for x in m.wall_nb[c][a])
            lo, hi = lo.copy(), hi.copy()
            if not fc.periodic[a]:
                for side, mask in ((0, lo), (1, hi)):
                    wall = np.expand_dims(fc.kind[(a, side)] == WALL, a)
                    wall = _stagger(wall, c)  # the boundary cells' mask on the c faces
                    idx = [slice(None)] * 3
                    idx[a] = slice(0, 1) if side == 0 else slice(-1, None)
                    mask[tuple(idx)] |= wall
            free = m.free[c] > 0
            row.append((arr((lo & free).astype(float)), arr((hi & free).astype(float))))
        stress.append(tuple(row))
    heat = []
    k_axes = th.conductivity_axes
    for a in range(3):
        if not m.active[a]:
            heat.append(None)
            continue
        n = grid.cells[a]
        w = grid.widths(a).reshape([-1 if b == a else 1 for b in range(3)])
        w = np.broadcast_to(w, grid.cells)
        k = k_axes[a]
        half = 0.5 * w / np.where(k > 0, k, 1.0)  # a cell's half-width resistance
        take = lambda x, s: np.take(x, range(s, s + n - 1), axis=a)
        f_lo, f_hi = take(fluid, 0), take(fluid, 1)
        cond_lo, cond_hi = take(k, 0) > 0, take(k, 1) > 0
        on_in = (f_lo & ~f_hi & cond_hi) | (f_hi & ~f_lo & cond_lo)
        beyond_in = np.where(f_lo, take(half, 1), take(half, 0))
        fluid_in = np.where(f_lo, take(half, 0), take(half, 1))
        ends = []
        for side in (0, 1):
            i = 0 if side == 0 else n - 1
            slab = lambda x: np.take(x, [i], axis=a)
            coef = np.take(th.conductance[a], [0 if side == 0 else n], axis=a)
            on = slab(fluid) & (coef > 0) & ~fc.periodic[a]
            if not fc.periodic[a]:
                on &= np.expand_dims(fc.kind[(a, side)] == WALL, a)
            # the boundary's conductance over half a cell is 1 / (beyond + fluid)
            fl = slab(half)
            beyond = np.where(on, 0.5 * slab(w) / np.where(coef > 0, coef, 1.0) - fl, 0.0)
            value = th.boundary_value[a][side] if not fc.periodic[a] else np.zeros_like(coef)
            ends.append((np.maximum(beyond, 0.0), fl, on, np.full(on.shape, side == 1),
                         np.where(on, value, 0.0)))
        parts = []
        inner = (beyond_in, fluid_in, on_in, f_lo, np.zeros(on_in.shape))
        for j in range(5):
            x = np.concatenate([ends[0][j], inner[j], ends[1][j]], axis=a)
            parts.append(arr(x.astype(float)))
        heat.append(tuple(parts))
    mats = [case.fluid] + [case.material(name) for name in geo.materials[1:]]
    pr_mat = np.array([x.viscosity * x.specific_heat / x.conductivity
                       if x.is_fluid and x.conductivity > 0 else 1.0 for x in mats])
    pr = np.where(fluid, pr_mat[geo.material_id], 1.0)
    values, index = np.unique(pr, return_inverse=True)  # a few fluids: a few values
    per_cell = lambda v: v[index].reshape(pr.shape)
    return WallFunctions(tuple(stress), tuple(heat), arr(pr),
                         arr(per_cell(jayatilleke_p(values, PRANDTL_TURBULENT))))


def wall_coordinates(u, T, prm: Params, cfg: Settings):
    """Per active axis ``a`` (None otherwise), for a wall across ``a`` at the side of
    each cell: ``(u+, y+)`` from the speed parallel to that wall at the cell centre
    and half the cell's width along ``a``, by Spalding's law."""
    vel = [face_to_cell(u[b], b) for b in range(3)]
    half = [0.5 * cell_widths(cfg, a, T.dtype) if cfg.active[a] else None for a in range(3)]
    return turb.wall_coordinates(vel, molecular_nu(T, prm, cfg), half)


# y+ of the second point below which the first interior edge takes the law of the
# wall's secant viscosity in full, and above which not at all (linear between)
SECANT_FULL, SECANT_NONE = 50.0, 100.0


def _on_c_faces(x, c: int):
    """Cell values on the faces of axis ``c`` (n -> n + 1): the mean of the two cells
    beside each face, the end cell's own on the domain's faces."""
    n = x.shape[c]
    ext = jnp.concatenate([shift(x, c, 0, 1), x, shift(x, c, n - 1, 1)], axis=c)
    return 0.5 * (shift(ext, c, 0, n + 1) + shift(ext, c, 1, n + 1))


def _step(x, a: int, by: int):
    """``x`` moved one place up (``by`` 1) or down (-1) along ``a``, zero filled."""
    n = x.shape[a]
    pad = [(0, 0)] * 3
    pad[a] = (1, 0) if by > 0 else (0, 1)
    return jnp.pad(shift(x, a, 0 if by > 0 else 1, n - 1), pad)


def wall_viscosity(coef, u, T, prm: Params, cfg: Settings):
    """The face viscosities ``coef[c][a] = (lo, hi)`` (m2/s) with each wall face's
    replaced by ``nu y+ / u+`` (the molecular value the wall face holds times the
    factor of the cells on either side of the c face, their mean), and the next edge
    away from the wall by the secant of Spalding's law between the first two points,
    ``nu (y2+ - y1+) / (u+(y2+) - u+(y1+))``, where the second lies in the inner layer
    (y2+ < 50; none above 100): two coarse cells across the buffer layer cannot
    carry the stress with the mean of their eddy viscosities, which varies there as
    the cube of the distance (the log layer's secant is the logarithmic mean of
    ``kappa y``, which the k-epsilon models reproduce without it)."""
    plus = wall_coordinates(u, T, prm, cfg)
    nu = molecular_nu(T, prm, cfg)
    out = []
    for c in range(3):
        row = []
        for a in range(3):
            masks = prm.walls.stress[c][a]
            if masks is None or coef[c][a] is None:
                row.append(coef[c][a])
                continue
            up, yp = plus[a]
            lo, hi = coef[c][a]
            on_face = _on_c_faces(yp / up, c)
            lo = jnp.where(masks[0] > 0, lo * on_face, lo)
            hi = jnp.where(masks[1] > 0, hi * on_face, hi)
            w = cell_widths(cfg, a, T.dtype)
            w = jnp.broadcast_to(jnp.asarray(w, T.dtype), T.shape)
            y1p = _on_c_faces(yp, c)
            nu_f = _on_c_faces(nu, c)
            u1p = turb.spalding_uplus_at(y1p)
            w_own = _on_c_faces(w, c)
            # the next cell's width away from a low (side 0) or high (side 1) wall
            w_next = [_on_c_faces(_step(w, a, -1), c), _on_c_faces(_step(w, a, 1), c)]
            # a face takes the secant from one side only (a wall on both: from neither),
            # so one Newton solve per face serves both sides: y2+ from the wall's side
            y2p = y1p * (2.0 + jnp.where(masks[0] > 0, w_next[0], w_next[1]) / w_own)
            u2p = turb.spalding_uplus_at(y2p)  # (w + w_next / 2) / (w / 2) times y1+
            ratio = jnp.maximum((y2p - y1p) / jnp.maximum(u2p - u1p, 1e-30), 1.0)
            weight = jnp.clip((SECANT_NONE - y2p) / (SECANT_NONE - SECANT_FULL), 0.0, 1.0)
            for side, mask in enumerate(masks):
                # only where the edge is no wall itself
                on = mask * (1.0 - (masks[1] if side == 0 else masks[0])) * weight * (w_next[side] > 0)
                if side == 0:  # the wall below: this face's high edge, the next one's low edge
                    hi = hi + on * (nu_f * ratio - hi)
                    lo = lo + _step(on * (nu_f * ratio - _step(lo, a, -1)), a, 1)
                else:
                    lo = lo + on * (nu_f * ratio - lo)
                    hi = hi + _step(on * (nu_f * ratio - _step(hi, a, 1)), a, -1)
            row.append((lo, hi))
        out.append(tuple(row))
    return tuple(out)


def eddy_heat_secant(coeffs, u, T, rho_cp, prm: Params, cfg: Settings) -> list:
    """The eddy conductivities ``coeffs[a]`` (W/(m K), on the faces of axis ``a``) with
    the first interior edge away from each wall that exchanges heat replaced by the
    secant of the law of the wall's ``T+`` between the first two points less the
    molecular part, ``rho cp nu ((y2+ - y1+) / (T+(y2+) - T+(y1+)) - 1 / Pr)``,
    blended by ``y2+`` as :func:`wall_viscosity` blends the momentum's: the mean of two
    coarse cells' eddy viscosities carries the log layer's mixing into the buffer
    layer, where the heat crosses by conduction. A cell between two walls takes
    neither; an edge claimed from both sides takes the mean of the two."""
    plus = wall_coordinates(u, T, prm, cfg)
    nu = molecular_nu(T, prm, cfg)
    w = prm.walls
    out = list(coeffs)
    for a in range(3):
        n = T.shape[a]
        if w.heat[a] is None or n < 2:
            continue
        _, _, on, fluid_low, _ = w.heat[a]
        low = shift(on * (1.0 - fluid_low), a, 0, n)  # a wall on the cell's low face
        high = shift(on * fluid_low, a, 1, n)  # ... on its high face
        low, high = low * (1.0 - high), high * (1.0 - low)
        _, y1p = plus[a]
        width = jnp.broadcast_to(jnp.asarray(cell_widths(cfg, a, T.dtype), T.dtype), T.shape)
        # away from a low wall the next cell is the one above (i + 1), and below
        w_next = jnp.where(low > 0, _step(width, a, -1), _step(width, a, 1))
        f_next = jnp.where(low > 0, _step(prm.fluid, a, -1), _step(prm.fluid, a, 1))
        y2p = y1p * (2.0 + w_next / width)
        tp = lambda y: t_plus(y, w.prandtl, w.p_fn, PRANDTL_TURBULENT)  # blended only
        rise = tp(y2p) - tp(y1p)
        slope = (y2p - y1p) / jnp.maximum(rise, 1e-30)
        secant = rho_cp * nu * jnp.maximum(slope - 1.0 / w.prandtl, 0.0)
        weight = jnp.clip((SECANT_NONE - y2p) / (SECANT_NONE - SECANT_FULL), 0.0, 1.0) * f_next
        zero = jnp.zeros_like(shift(T, a, 0, 1))
        above = lambda x: jnp.concatenate([zero, x], axis=a)  # cell i -> face i + 1
        below = lambda x: jnp.concatenate([x, zero], axis=a)  # cell i -> face i
        claims = above(low * f_next) + below(high * f_next)
        pull = above(low * weight * secant) + below(high * weight * secant)
        share = above(low * weight) + below(high * weight)
        c = coeffs[a]
        out[a] = c + (pull - share * c) / jnp.maximum(claims, 1.0)
    return out


def heat_conductance(u, T, prm: Params, cfg: Settings):
    """Per axis (None if inactive), on its faces: how much the wall function adds to
    each wall face's conductance (W/(m2 K)), ``1 / (R + R_f / G) - 1 / (R + R_f)``,
    ``R`` beyond the wall, ``R_f = y / k`` the fluid's, ``G = Pr y+ / T+``."""
    plus = wall_coordinates(u, T, prm, cfg)
    w = prm.walls
    out = []
    for a in range(3):
        if w.heat[a] is None:
            out.append(None)
            continue
        beyond, fluid_r, on, fluid_low, _ = w.heat[a]
        up, yp = plus[a]
        g = w.prandtl * yp / t_plus(yp, w.prandtl, w.p_fn, PRANDTL_TURBULENT, cfg.turbulence.switched_heat)
        n = g.shape[a]
        ext = jnp.concatenate([shift(g, a, 0, 1), g, shift(g, a, n - 1, 1)], axis=a)
        g_face = jnp.where(fluid_low > 0, shift(ext, a, 0, n + 1), shift(ext, a, 1, n + 1))
        g_face = jnp.maximum(g_face, 1.0)
        extra = 1.0 / (beyond + fluid_r / g_face) - 1.0 / (beyond + fluid_r)
        out.append(on * extra)
    return out


def wall_heat(T, u, prm: Params, cfg: Settings):
    """The wall functions' extra heat into each cell (W/m3) and its diagonal (W/(m3 K)):
    on each wall face the added conductance times the temperature difference across it
    (a boundary face's fixed temperature beyond it), per cell volume."""
    div, diag = 0.0, 0.0
    for a, extra in enumerate(heat_conductance(u, T, prm, cfg)):
        if extra is None:
            continue
        t_beyond = prm.walls.heat[a][4]
        n = T.shape[a]
        tp = jnp.concatenate([shift(t_beyond, a, 0, 1), T, shift(t_beyond, a, n, 1)], axis=a)
        flux = extra * (shift(tp, a, 1, n + 1) - shift(tp, a, 0, n + 1))  # into the low cell
        w = cell_widths(cfg, a, T.dtype)
        div = div + (shift(flux, a, 1, n) - shift(flux, a, 0, n)) / w
        diag = diag + (shift(extra, a, 0, n) + shift(extra, a, 1, n)) / w
    return div, diag
