"""The standard k-epsilon model (Launder & Spalding 1974) with wall functions and
buoyancy: the transport of the turbulent kinetic energy ``k`` (m2/s2) and its
dissipation ``epsilon`` (m2/s3), solved after the flow in each step (time march) or
iteration (steady solver), and the eddy viscosity ``nu_t = C_mu k^2 / epsilon``.

    d k / dt + div(u k)     = div((nu + nu_t / s_k) grad k) + P + G_b - epsilon
    d eps / dt + div(u eps) = div((nu + nu_t / s_e) grad eps)
                              + eps / k (C_1 (P + C_3 G_b) - C_2 eps)

``P = nu_t |S|^2``; ``G_b = beta nu_t / Pr_t (g . grad T)`` (stable stratification
destroys k; ``C_3`` is 1 where ``G_b > 0``, 0 where it is negative). Constants
C_mu 0.09, C_1 1.44, C_2 1.92, s_k 1.0, s_e 1.3. The RNG variant (Yakhot et al. 1992):
C_mu 0.0845, C_1 1.42, s_k = s_e = 0.7194, and ``C_2 = 1.68 + C_mu eta^3 (1 - eta /
4.38) / (1 + 0.012 eta^3)``, ``eta = |S| k / epsilon``: less dissipation where the
strain is strong, more where it is weak (the term's negative part, at ``eta >
4.38``, is a source, so that the sink stays positive).

Numerics: first-order upwind advection, implicit; diffusion between fluid cells
(zero flux through walls and open boundaries); the sources explicit and the sinks
(``epsilon / k`` times k, ``C_2 epsilon / k`` times epsilon) implicit, so that the
linear systems are M-matrices and k, epsilon stay positive (clipped at a floor
after each solve in case the inner BiCGStab stops early). Each equation is one
BiCGStab solve per step, Jacobi-preconditioned.

Walls (the first fluid cell next to a solid or a wall boundary). Where the nearest
wall's first cell lies in the log or buffer layer (y* above 3.5), wall functions:
the cell's epsilon is held at ``k^3/2 / l_eps`` (below; ``C_mu^3/4 k^3/2 / (kappa
y)`` in the log layer) and its production is the wall stress times the log law's
gradient, ``u_tau^3 / (kappa y)``, with ``u_tau`` from the wall functions
(:mod:`thermo.solver.walls`, which also give the first interior edge the law of the
wall's secant viscosity). Where it lies in the viscous sublayer (y* below 3.5, a
grid graded to the wall), the two-layer treatment resolves the wall's layer
(Wolfshtein 1969; Chen & Patel 1988; Rodi 1991): below ``Re_y = k^1/2 y / nu`` of
200 ``nu_t = C_mu k^1/2 l_mu`` and ``epsilon = k^3/2 / l_eps`` with ``l_mu = c_l y
(1 - exp(-Re_y / 70))``, ``l_eps = c_l y (1 - exp(-Re_y / (2 c_l)))``, ``c_l =
kappa C_mu^-3/4``, blended into the outer solution by ``lambda = (1 + tanh((Re_y -
200) / A)) / 2`` (Jongen 1998); the cells' own strain makes the production. ``y``
is the distance to the nearest wall (inlets are no walls); the switch goes by the
y* = C_mu^1/4 k^1/2 y / nu of the nearest wall cell (by cell counts), which equals
y+ in an equilibrium log layer and stays put where the wall speed passes through
zero at a separation or reattachment.

Inlets: ``k = 1.5 (I U)^2``, ``epsilon = C_mu^3/4 k^3/2 / l`` from the boundary's
``turbulence_intensity`` I (default 0.05) and ``turbulence_length_scale`` l (m,
default 0.07 times the inlet's hydraulic diameter). Throughflow parts (servers,
fixed-flow fans, CRAHs) hold the same in their cells at their exhaust speed, from
the part's own ``turbulence_intensity`` and ``turbulence_length_scale`` (same
defaults, the exhaust's hydraulic diameter; :func:`exhaust_values`): what the
exhaust blows in. Other solid cells hold values from the case's velocity scale (I
0.05, l 0.07 times the length scale), which no flow carries out.
"""
from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from scipy.ndimage import distance_transform_edt

from thermo.grid.boundaries import INLET, WALL
from thermo.kernels import turbulence as turb
from thermo.kernels.krylov import bicgstab
from thermo.kernels.stencils import laplacian, laplacian_diagonal, shift
from thermo.kernels.upwind import scalar_upwind
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.solver.geometry import cell_widths
from thermo.solver.state import Params, Settings
from thermo.solver.viscosity import molecular_nu
from thermo.solver.walls import wall_coordinates

C_MU = turb.K_EPSILON_C_MU  # the inlets' k and epsilon from the intensity and length
RNG_ETA_0, RNG_BETA = 4.38, 0.012
INTENSITY, LENGTH_FRACTION = 0.05, 0.07  # inlet defaults: 5 %, 0.07 D_h
# the floors of k and epsilon, relative to the case's velocity and length scales
K_FLOOR, EPS_FLOOR = 1e-10, 1e-14


class KEpsParams(NamedTuple):
    """The k-epsilon model's host-built device arrays."""

    near: tuple       # per axis: 1 in fluid cells with a wall across that axis (None inactive)
    inflow: tuple     # per axis: ((k, eps, inlet) at the low face, (...) at the high), None
    dist: jnp.ndarray       # per cell: distance to the nearest wall (m; large in solids)
    wall_cell: jnp.ndarray  # per cell: flat index of the nearest cell next to a wall
    k_fixed: jnp.ndarray    # per cell: k of the non-fluid cells (what an exhaust carries)
    eps_fixed: jnp.ndarray  # per cell: epsilon of the non-fluid cells


def inlet_values(speed, intensity: float, length: float) -> tuple:
    """``(k, epsilon)`` (m2/s2, m2/s3) of a stream at ``speed`` (m/s) with turbulence
    ``intensity`` (fraction) and length scale ``length`` (m)."""
    k = 1.5 * (intensity * speed) ** 2
    return k, C_MU ** 0.75 * k ** 1.5 / length


def _hydraulic_diameter(mask: np.ndarray, widths: tuple, active: tuple) -> float:
    """4 A / P of a patch of face cells (m) from its extent along the face's two axes,
    ``2 a b / (a + b)`` (a rectangle); ``2 a`` where the other axis is inactive (a 2-D
    case: a slot of infinite span)."""
    idx = [np.nonzero(mask.any(axis=1 - k))[0] for k in range(2)]
    extent = [float(np.sum(widths[k][i])) for k, i in enumerate(idx)]
    live = [e for e, on in zip(extent, active) if on and e > 0]
    if len(live) == 2:
        return 2.0 * live[0] * live[1] / (live[0] + live[1])
    return 2.0 * (live[0] if live else max(extent))


def host_params(sim, arr, dist: np.ndarray) -> KEpsParams:
    """Host: where the walls are, the inlets' k and epsilon, the solids' values;
    ``dist`` (m): each cell centre's distance to the nearest wall."""
    m, grid, case = sim.model, sim.grid, sim.case
    fluid = m.geometry.fluid
    fc = m.faces
    cfg = sim.settings
    near = []
    for a in range(3):
        if not m.active[a]:
            near.append(None)
            continue
        n = grid.cells[a]
        solid = ~fluid
        lo = np.zeros(grid.cells, bool)
        hi = np.zeros(grid.cells, bool)
        idx = lambda s, e: tuple(slice(s, e) if b == a else slice(None) for b in range(3))
        if n > 1:
            lo[idx(1, n)] = solid[idx(0, n - 1)]
            hi[idx(0, n - 1)] = solid[idx(1, n)]
        if fc.periodic[a]:
            lo[idx(0, 1)] |= solid[idx(n - 1, n)]
            hi[idx(n - 1, n)] |= solid[idx(0, 1)]
        else:
            lo[idx(0, 1)] |= np.expand_dims(fc.kind[(a, 0)] == WALL, a)
            hi[idx(n - 1, n)] |= np.expand_dims(fc.kind[(a, 1)] == WALL, a)
        near.append(((lo | hi) & fluid))
    beside = np.zeros(grid.cells, bool)
    for x in near:
        if x is not None:
            beside |= x
    if beside.any():  # the nearest by cell counts (on a graded grid, near it)
        nearest = distance_transform_edt(~beside, return_distances=False, return_indices=True)
        wall_cell = np.ravel_multi_index(tuple(nearest), grid.cells)
    else:
        wall_cell = np.arange(fluid.size).reshape(grid.cells)
    near = [None if x is None else arr(x.astype(float)) for x in near]
    inflow = []
    widths = [grid.widths(a) for a in range(3)]
    for a in range(3):
        if fc.periodic[a] or not m.active[a]:
            inflow.append(None)
            continue
        sides = []
        t = [b for b in range(3) if b != a]
        for side in (0, 1):
            kind, owner = fc.kind[(a, side)], fc.owner[(a, side)]
            kk, ee = np.zeros(kind.shape), np.zeros(kind.shape)
            for i, b in enumerate(case.data["boundaries"]):
                mask = (owner == i) & (kind == INLET)
                if not mask.any():
                    continue
                speed = np.linalg.norm(fc.velocity[(a, side)][mask], axis=-1)
                if b.get("volume_flow") is not None or not np.all(speed > 0):
                    area = float(np.sum(grid.face_areas(a)[mask])) if not grid.is_uniform else \
                        float(mask.sum() * grid.face_areas(a)[0, 0])
                    speed = np.full(mask.sum(), (b.get("volume_flow") or 0.0) / area) \
                        if b.get("volume_flow") is not None else speed
                length = b.get("turbulence_length_scale")
                if length is None:
                    length = LENGTH_FRACTION * _hydraulic_diameter(
                        mask, (widths[t[0]], widths[t[1]]), (m.active[t[0]], m.active[t[1]]))
                intensity = b.get("turbulence_intensity", INTENSITY)
                k_in, e_in = inlet_values(np.maximum(speed, 1e-12), intensity, length)
                kk[mask], ee[mask] = k_in, e_in
            on = (kind == INLET).astype(float)
            sides.append(tuple(arr(np.expand_dims(x, a)) for x in (kk, ee, on)))
        inflow.append(tuple(sides))
    # solids: values from the case's scales; throughflow parts: their exhaust's own
    k_s, e_s = inlet_values(cfg.u_ref, INTENSITY, LENGTH_FRACTION * cfg.l_ref)
    k_fixed, e_fixed = np.where(fluid, 0.0, k_s), np.where(fluid, 0.0, e_s)
    for ex in exhaust_values(sim):
        k_fixed[ex["cells"]], e_fixed[ex["cells"]] = ex["k"], ex["epsilon"]
    return KEpsParams(tuple(near), tuple(inflow), arr(np.where(fluid, dist, max(grid.size))),
                      jnp.asarray(wall_cell.ravel(), jnp.int32),
                      arr(k_fixed), arr(e_fixed))


def exhaust_values(sim) -> list[dict]:
    """Host: the k and epsilon each throughflow part (server, fixed-flow fan, CRAH)
    holds in its cells, which its exhaust blows into the air: ``inlet_values`` at the
    exhaust speed ``U = Q / A`` (``Q`` the part's rated volume flow as the air model
    sets it up: ``volume_flow``, or ``flow_per_kw`` times the copy's power in kW; ``A``
    the open exhaust faces' area, so ``U`` is the speed the solver imposes there), the
    part's ``turbulence_intensity`` (default 0.05) and ``turbulence_length_scale``
    (default 0.07 times ``2 a b / (a + b)``, the hydraulic diameter of the part's
    cells' cross-section normal to its ``direction``; ``2 a`` in a 2-D case). The
    values stay those of the rated flow when an event scales or stops it. A fan given
    by a curve is no throughflow part: its cells are open and k and epsilon are solved
    in them. One dict per copy: name, cells (mask), speed, intensity, length, k,
    epsilon."""
    m, grid, case = sim.model, sim.grid, sim.case
    geo, ap = m.geometry, sim.air.params
    widths = [grid.widths(a) for a in range(3)]
    out = []
    for k, tf in enumerate(sim.air.throughflow):
        part = case.data["parts"][geo.instances[tf["instance"]]["part"]]
        axis = "xyz".index(part["direction"][1])
        exhaust = (np.asarray(ap.tf_index[axis]) == k) & (np.asarray(ap.tf_role[axis]) == 1)
        area = 1.0 / float(np.abs(np.asarray(ap.tf_coef[axis])[exhaust]).max())
        speed = tf["flow"] / area
        cells = np.asarray(ap.tf_cell) == k
        length = part.get("turbulence_length_scale")
        if length is None:
            t = [b for b in range(3) if b != axis]
            length = LENGTH_FRACTION * _hydraulic_diameter(
                cells.any(axis=axis), (widths[t[0]], widths[t[1]]), (m.active[t[0]], m.active[t[1]]))
        intensity = part.get("turbulence_intensity", INTENSITY)
        k_p, e_p = inlet_values(max(speed, 1e-12), intensity, length)
        out.append({"name": tf["name"], "cells": cells, "speed": speed, "intensity": intensity,
                    "length": length, "k": k_p, "epsilon": e_p})
    return out


def initial_fields(sim) -> tuple:
    """Host: ``(k, epsilon)`` everywhere from the case's velocity and length scales
    (5 % intensity, 0.07 times the length): the start of a run."""
    k, e = inlet_values(sim.settings.u_ref, INTENSITY, LENGTH_FRACTION * sim.settings.l_ref)
    return np.full(sim.grid.cells, k), np.full(sim.grid.cells, e)


def floors(cfg: Settings) -> tuple:
    """The smallest k and epsilon kept (m2/s2, m2/s3)."""
    k = K_FLOOR * cfg.u_ref ** 2
    return k, EPS_FLOOR * cfg.u_ref ** 3 / cfg.l_ref


def _strain(u, prm: Params, cfg: Settings):
    return turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)


def _wall_production(u, T, nu, prm: Params, cfg: Settings):
    """Per cell: 1 next to a wall, and the production there (m2/s3): the wall stress
    times the log law's velocity gradient, ``u_tau^3 / (kappa y)`` (the viscous
    ``u_tau^4 / nu`` below y+ 2.4; Spalding's own gradient would be 28 % steeper at
    y+ 35, where his law has not yet joined the log line), with ``u_tau`` from the
    wall functions."""
    kp = prm.keps
    plus = wall_coordinates(u, T, prm, cfg)
    on, prod = 0.0, 0.0
    for a in range(3):
        if kp.near[a] is None:
            continue
        _, yp = plus[a]
        y = 0.5 * cell_widths(cfg, a, u[0].dtype)
        ut = yp * nu / y
        near = kp.near[a]
        on = jnp.maximum(on, near)
        prod = jnp.maximum(prod, near * ut ** 3 / (turb.KAPPA * y)
                           * jnp.minimum(turb.KAPPA * yp, 1.0))
    return on, prod


def _buoyancy(T, nut, prm: Params, cfg: Settings):
    """``G_b = beta nu_t / Pr_t (g . grad T)`` (m2/s3), central differences."""
    if not cfg.buoyancy:
        return None
    g_dot = 0.0
    for a in range(3):
        if not cfg.active[a]:
            continue
        n = T.shape[a]
        lo = jnp.concatenate([shift(T, a, 0, 1), shift(T, a, 0, n - 1)], axis=a)
        hi = jnp.concatenate([shift(T, a, 1, n - 1), shift(T, a, n - 1, 1)], axis=a)
        w = cell_widths(cfg, a, T.dtype)
        g_dot = g_dot + prm.gravity[a] * (hi - lo) / (2.0 * w)
    beta = cfg.beta if prm.beta_cell is None else prm.beta_cell
    return beta * nut / PRANDTL_TURBULENT * g_dot


def _diffusion(coef_cell, fluid, cfg: Settings):
    """Face coefficients of ``div(D grad)``: the mean of two fluid cells' ``D``, zero
    next to a solid and on the domain's faces (periodic ones wrapped)."""
    coeffs = []
    for a in range(3):
        n = coef_cell.shape[a]
        if not cfg.active[a] or n < 2:
            coeffs.append(jnp.zeros(tuple(m + (1 if b == a else 0)
                                          for b, m in enumerate(coef_cell.shape)), coef_cell.dtype))
            continue
        lo, hi = shift(coef_cell, a, 0, n - 1), shift(coef_cell, a, 1, n - 1)
        wet = shift(fluid, a, 0, n - 1) * shift(fluid, a, 1, n - 1)
        inner = 0.5 * (lo + hi) * wet
        if cfg.periodic[a]:
            end = 0.5 * (shift(coef_cell, a, 0, 1) + shift(coef_cell, a, n - 1, 1)) * \
                shift(fluid, a, 0, 1) * shift(fluid, a, n - 1, 1)
        else:
            end = jnp.zeros_like(shift(coef_cell, a, 0, 1))
        coeffs.append(jnp.concatenate([end, inner, end], axis=a))
    return tuple(coeffs)


def _inflow_source(phi, which: int, u, prm: Params, cfg: Settings):
    """What the boundary faces carry into their cells per volume (1/s times phi): an
    inlet's value, elsewhere the cell's own (zero gradient on a backflowing outlet)."""
    out = jnp.zeros_like(phi)
    for a in range(3):
        sides = prm.keps.inflow[a]
        if sides is None:
            continue
        n = phi.shape[a]
        w = cell_widths(cfg, a, phi.dtype)
        for side, (kk, ee, on) in enumerate(sides):
            value = kk if which == 0 else ee
            idx = 0 if side == 0 else n - 1
            cell = shift(phi, a, idx, 1)
            beyond = jnp.where(on > 0, value, cell)
            vel = shift(u[a], a, 0 if side == 0 else n, 1)
            into = jnp.maximum(vel, 0.0) if side == 0 else -jnp.minimum(vel, 0.0)
            pad = [(0, 0)] * 3
            pad[a] = (0, n - 1) if side == 0 else (n - 1, 0)
            ww = w if isinstance(w, float) else shift(w, a, idx, 1)
            out = out + jnp.pad(into * beyond / ww, pad)
    return out


def _solve(phi, fixed, solve_mask, u, coef_cell, src, sink, inv_dt, inflow, prm: Params,
           cfg: Settings):
    """``phi`` after one implicit step of ``inv_dt (phi - phi_old) + div(u phi) -
    div(D grad phi) + sink phi = src`` in the cells ``solve_mask``, ``fixed`` elsewhere."""
    adv, adv_diag = scalar_upwind(u, cfg.h, cfg.periodic, cfg.active)
    coeffs = _diffusion(coef_cell, prm.fluid, cfg)
    diag_d = laplacian_diagonal(coeffs, cfg.h, cfg.periodic)
    keep = 1.0 - solve_mask

    def apply_a(x):
        return solve_mask * (inv_dt * x + adv(x) - laplacian(x, coeffs, cfg.h, cfg.periodic)
                             + sink * x) + keep * x

    b = solve_mask * (inv_dt * phi + src + inflow) + keep * fixed
    diag = solve_mask * (inv_dt + adv_diag + diag_d + sink) + keep
    x, info = bicgstab(apply_a, b, jnp.where(solve_mask > 0, phi, fixed), lambda r: r / diag,
                       tol=1e-3, max_iter=100, acc=cfg.accumulate)
    return x, info


def turbulence_update(turb_state, u, T, inv_dt, prm: Params, cfg: Settings, time=None):
    """``(k, epsilon)`` after one implicit step (``inv_dt`` 1/s: one over the time step,
    or over each cell's pseudo-time step) and the largest relative change of k per
    step over the largest k (a residual the schemes fold into the momentum residual).
    ``time`` (:class:`thermo.solver.dual.TimeTerms`): an iteration of an implicit time
    step, its time derivative a sink ``lead_rate`` and a source ``past``."""
    k, eps = turb_state
    fluid = prm.fluid
    nu = molecular_nu(T, prm, cfg)
    strain = _strain(u, prm, cfg)
    model = cfg.turbulence
    lam, nut_inner, _, resolved = model.near_wall(k, nu, prm, cfg)
    nut = fluid * (lam * turb.k_epsilon_viscosity(k, eps, strain, model.c_mu)
                   + (1.0 - lam) * nut_inner)
    on, p_wall = _wall_production(u, T, nu, prm, cfg)
    # a wall cell inside the sublayer (resolved): its own strain makes its production
    prod = nut * strain * strain
    prod = jnp.where(on > 0, resolved * prod + (1.0 - resolved) * p_wall, prod)
    gb = _buoyancy(T, nut, prm, cfg)
    k_min, e_min = floors(cfg)
    rate = eps / jnp.maximum(k, k_min)  # 1/s, lagged
    src_k, sink_k = prod, rate
    if gb is not None:
        src_k = src_k + jnp.maximum(gb, 0.0)
        sink_k = sink_k + jnp.maximum(-gb, 0.0) / jnp.maximum(k, k_min)
    if time is not None:
        src_k, sink_k = src_k + time.turb[0], sink_k + time.lead_rate
    kp = prm.keps
    k_new, _ = _solve(k, kp.k_fixed, fluid, u, nu + nut / model.sigma_k, fluid * src_k, sink_k,
                      inv_dt, _inflow_source(k, 0, u, prm, cfg), prm, cfg)
    k_new = jnp.maximum(k_new, k_min)
    # epsilon: the two-layer value from the new k held in the wall cells and in the
    # inner layer (lambda < 1/2), the transport equation outside, the two blended
    lam, _, e_inner, _ = model.near_wall(k_new, nu, prm, cfg)
    src_e = model.c_1 * rate * (prod + (0.0 if gb is None else jnp.maximum(gb, 0.0)))
    c_2 = model.c_2
    if model.rng:
        eta = strain / jnp.maximum(rate, 1e-30)
        c_2 = c_2 + model.c_mu * eta ** 3 * (1.0 - eta / RNG_ETA_0) / (1.0 + RNG_BETA * eta ** 3)
        src_e = src_e + jnp.maximum(-c_2, 0.0) * rate * eps
        c_2 = jnp.maximum(c_2, 0.0)
    inner = jnp.maximum(on, (lam < 0.5).astype(k.dtype))
    solve_e = fluid * (1.0 - inner)
    fixed_e = jnp.where(fluid > 0, e_inner, kp.eps_fixed)
    sink_e = c_2 * rate
    if time is not None:
        src_e, sink_e = src_e + time.turb[1], sink_e + time.lead_rate
    e_new, _ = _solve(eps, fixed_e, solve_e, u, nu + nut / model.sigma_eps, solve_e * src_e,
                      sink_e, inv_dt, _inflow_source(eps, 1, u, prm, cfg), prm, cfg)
    e_new = jnp.where(solve_e > 0, lam * e_new + (1.0 - lam) * e_inner, e_new)
    e_new = jnp.maximum(e_new, e_min)
    scale = jnp.maximum(jnp.max(fluid * k_new), k_min)
    return (k_new, e_new), jnp.max(fluid * jnp.abs(k_new - k)) / scale
