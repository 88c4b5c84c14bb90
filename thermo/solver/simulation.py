"""The incompressible flow solver: one compiled step, many steps per device call.

Projection method on the MAC grid: a second-order Adams-Bashforth predictor of
advection (QUICK) and diffusion, a pressure Poisson solve by multigrid-
preconditioned CG on the masked operator, and the correction that leaves the
discrete divergence at the solver tolerance. The time step adapts to a CFL
number and the viscous limit. ``steady`` mode marches until the scaled
momentum residual falls below ``solver.tolerance``; ``transient`` mode stops at
``solver.end_time``. Pressure is kinematic (p / rho, m2/s2).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from thermo.kernels.advection import momentum_flux_divergence
from thermo.kernels.energy import advective_flux_divergence, van_leer_faces
from thermo.kernels.multigrid import build_hierarchy, with_shift
from thermo.kernels.krylov import pcg
from thermo.kernels.poisson import solve_poisson, solve_spd
from thermo.kernels.stencils import (cell_velocity, diff_faces, divergence, face_average,
                                     along, halo_with_ghosts, laplacian, shift)
from thermo.kernels import turbulence as turb

from thermo.models import air as airflow

from thermo.models import coldplate
from thermo.case import Case, CaseError
from thermo.devices import device_for
from thermo.grid.model import FlowModel, build_flow_model
from thermo.grid.thermal import ThermalModel, build_thermal_model

RUNNING, CONVERGED, DIVERGED, FINISHED = 0, 1, 2, 3
STATUS = {RUNNING: "running", CONVERGED: "converged", DIVERGED: "diverged", FINISHED: "finished"}


class State(NamedTuple):
    """Everything that evolves: a pytree, donated to each compiled call."""

    u: tuple            # face velocities (m/s)
    p: jnp.ndarray      # kinematic pressure (m2/s2)
    T: jnp.ndarray      # temperature (C)
    tend: tuple         # previous explicit momentum tendency (Adams-Bashforth)
    dt: jnp.ndarray     # last time step (s)
    t: jnp.ndarray      # simulated time (s)
    step: jnp.ndarray
    res_mom: jnp.ndarray   # scaled momentum residual of the last step
    res_div: jnp.ndarray   # scaled continuity residual of the last step
    res_energy: jnp.ndarray  # scaled energy residual of the last step
    p_iters: jnp.ndarray   # pressure iterations of the last step
    p_iters_sum: jnp.ndarray
    t_iters_sum: jnp.ndarray  # energy-solve iterations, summed
    v_iters_sum: jnp.ndarray  # implicit viscous-solve iterations, summed
    status: jnp.ndarray


class Params(NamedTuple):
    """Arrays the compiled step reads but never changes."""

    free: tuple
    fixed: tuple
    wall_nb: tuple
    ghosts: tuple
    ghosts_hom: tuple        # the same ghosts with zero boundary values
    implicit: tuple          # faces of the implicit viscous solve (free, no duplicates)
    levels: list
    body: jnp.ndarray
    capacity: jnp.ndarray    # rho cp per cell (zero in solids for steady runs), J/(m3 K)
    t_levels: list           # conduction operator hierarchy (face conductances)
    t_source: jnp.ndarray    # W/m3: parts' power and fixed boundary terms
    t_ghosts: tuple
    gravity: jnp.ndarray     # m/s2
    # implicit linear drag per face (1/s), e.g. porous media; zeros by default
    drag: tuple = None
    wall_dist: jnp.ndarray = None   # m, cell centre to the nearest wall (turbulence models)
    fluid: jnp.ndarray = None       # 1 in fluid cells, 0 in solids
    blocked: tuple = None           # per component: 1 on faces touching a solid
    mixing_cap: jnp.ndarray = None  # m, the mixing-length model's outer cap (a scalar)
    visc_T: jnp.ndarray = None      # C, the fluid's viscosity table (T-dependent viscosity)
    visc_log_nu: jnp.ndarray = None  # log(mu(T) / rho(T_ref)), log(m2/s), on visc_T
    liquid: object = None    # cold plates: thermo.models.coldplate.Liquid, None without
    air: object = None       # servers, fans, CRAHs, porous parts: thermo.models.air.AirParams
    regions: jnp.ndarray = None  # closed fluid regions split by fixed-flow parts (-1 elsewhere)
    # several fluids (kind = "fluid" parts): per-cell properties, None with one fluid
    nu_cell: jnp.ndarray = None      # m2/s, each fluid cell's kinematic viscosity
    rho_cp_cell: jnp.ndarray = None  # J/(m3 K), each cell's heat capacity (advection)
    beta_cell: jnp.ndarray = None    # 1/K, each cell's expansion (buoyancy; 0 in solids)


@dataclass(frozen=True)
class Settings:
    """Scalars fixed at compile time."""

    h: tuple
    periodic: tuple
    active: tuple
    nu: float
    cfl: float
    dt_fixed: float | None
    steady: bool
    end_time: float
    tolerance: float
    p_tol: float
    u_bc: tuple       # largest boundary speed per axis (m/s)
    u_ref: float      # velocity scale of the residuals (m/s)
    l_ref: float      # length scale of the residuals (m)
    singular: bool
    energy: bool      # solve the energy equation
    buoyancy: bool
    theta: float      # implicit weight of conduction: 1 steady, 1/2 transient
    rho_cp: float     # fluid heat capacity, J/(m3 K)
    beta: float       # fluid expansion, 1/K
    t_ref: float      # Boussinesq reference temperature, C
    t_span: float     # temperature scale of the energy residual, K
    time_ref: float   # time scale of the residuals, s
    turbulence: str = "none"       # "none", "smagorinsky", "mixing-length", "zero-equation"
    smagorinsky_cs: float = 0.17
    delta: float = 0.0             # LES filter width, m
    nu_of_T: bool = False          # molecular viscosity from the fluid's table at each cell's T
    n_tf: int = 0                  # throughflow parts (servers, fixed-flow fans, CRAHs)
    n_fans: int = 0                # fans given by a curve
    porous: bool = False           # any porous part
    n_regions: int = 0             # closed fluid regions with their own pressure level
    multi_fluid: bool = False      # fluid parts: per-cell viscosity, heat capacity, expansion

    @property
    def variable_nu(self) -> bool:
        """Whether the viscosity is a cell field (else the scalar ``nu``)."""
        return self.turbulence != "none" or self.nu_of_T or self.multi_fluid


def _pad_cells(f, cfg: Settings, fill):
    """A cell field with one ghost layer on every side: wrapped on periodic axes,
    else ``fill`` ("edge": the boundary cell's value; "zero")."""
    for a in range(3):
        n = f.shape[a]
        if cfg.periodic[a]:
            lo, hi = shift(f, a, n - 1, 1), shift(f, a, 0, 1)
        elif fill == "edge":
            lo, hi = shift(f, a, 0, 1), shift(f, a, n - 1, 1)
        else:
            lo = hi = jnp.zeros_like(shift(f, a, 0, 1))
        f = jnp.concatenate([lo, f, hi], axis=a)
    return f


PRANDTL_TURBULENT = 0.85  # eddy diffusivity of heat: alpha_t = nu_t / Pr_t


def _molecular_nu(T, prm: Params, cfg: Settings):
    """Kinematic viscosity per cell (m2/s): per fluid, from the fluid's table at T, or
    the scalar."""
    if cfg.multi_fluid:
        return prm.nu_cell
    if cfg.nu_of_T:
        return jnp.exp(jnp.interp(T, prm.visc_T, prm.visc_log_nu))
    return jnp.full(T.shape, cfg.nu, T.dtype)


def _eddy_viscosity(u, T, prm: Params, cfg: Settings):
    """The turbulence model's eddy viscosity per cell (m2/s), zero in solids; None
    without a model. From the velocity at the step's start (lagged)."""
    if cfg.turbulence == "none":
        return None
    nu_mol = _molecular_nu(T, prm, cfg)
    if cfg.turbulence == "smagorinsky":
        strain = turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)
        nut = turb.smagorinsky(strain, cfg.delta, prm.wall_dist, nu_mol, cfg.smagorinsky_cs)
    elif cfg.turbulence == "mixing-length":
        strain = turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)
        nut = turb.mixing_length(u, strain, prm.wall_dist, nu_mol, prm.mixing_cap)
    else:
        nut = turb.chen_xu(u, prm.wall_dist)
    return prm.fluid * nut


def _eddy_conduction(T, nut, rho_cp, prm: Params, cfg: Settings):
    """Turbulent heat flux divergence ``div(rho cp nu_t / Pr_t grad T)`` (W/m3),
    explicit, between fluid cells only: the eddies mix heat as they mix momentum
    (no flux through walls, where nu_t vanishes)."""
    k_cell = rho_cp * nut / PRANDTL_TURBULENT
    coeffs = []
    for a in range(3):
        n = T.shape[a]
        if not cfg.active[a] or n < 2:
            coeffs.append(jnp.zeros(tuple(m + (1 if b == a else 0) for b, m in enumerate(T.shape)),
                                    T.dtype))
            continue
        lo, hi = shift(k_cell, a, 0, n - 1), shift(k_cell, a, 1, n - 1)
        wet = shift(prm.fluid, a, 0, n - 1) * shift(prm.fluid, a, 1, n - 1)
        inner = 0.5 * (lo + hi) * wet
        if cfg.periodic[a]:
            end = 0.5 * (shift(k_cell, a, 0, 1) + shift(k_cell, a, n - 1, 1)) * \
                shift(prm.fluid, a, 0, 1) * shift(prm.fluid, a, n - 1, 1)
        else:
            end = jnp.zeros_like(shift(k_cell, a, 0, 1))  # adiabatic to the eddies
        coeffs.append(jnp.concatenate([end, inner, end], axis=a))
    return laplacian(T, tuple(coeffs), cfg.h, cfg.periodic)


def _viscosity(u, T, prm: Params, cfg: Settings, nut=None):
    """The effective kinematic viscosity (m2/s) on the faces of each velocity
    component's control volume, or None for the constant scalar ``cfg.nu``.

    Per cell, ``nu_eff = nu_mol + nu_t``: ``nu_mol = mu(T) / rho(T_ref)`` from the
    fluid's table (log-linear in T like ``Material.at``, clamped to its ends) or
    the scalar; ``nu_t`` from the turbulence model with the current (lagged)
    velocity, zero in solids. Returns ``coef[c][a] = (lo, hi)``, arrays shaped
    like ``u[c]``: the viscosity on the low and high sides of each c-face along
    ``a``. For ``a == c`` these are cell centres; for ``a != c`` cell edges, the
    arithmetic mean of the four cells around the edge. Beyond a non-periodic
    boundary the molecular part is the boundary cell's, the eddy part zero; and
    the eddy part is zero on an edge that touches a solid cell or a boundary (it
    lies on a wall, where both models' ``nu_t`` vanishes).
    """
    if not cfg.variable_nu:
        return None
    shape = T.shape
    nu_mol = _molecular_nu(T, prm, cfg)
    nu_p = _pad_cells(nu_mol, cfg, "edge")
    nut_p = fluid_p = wet_p = None
    if cfg.multi_fluid:
        # an edge's molecular viscosity: the mean over its fluid cells only, so that
        # a wall of a water channel sees water, not the air beyond the solid
        wet_p = _pad_cells(prm.fluid, cfg, "edge")
    if cfg.turbulence != "none":
        if nut is None:
            nut = _eddy_viscosity(u, T, prm, cfg)
        nut_p = _pad_cells(nut, cfg, "zero")
        fluid_p = _pad_cells(prm.fluid, cfg, "zero")
    n = shape
    coef = []
    for c in range(3):
        row = []
        for a in range(3):
            if not cfg.active[a]:
                row.append(None)
                continue
            if a == c:
                f = nu_p if nut_p is None else nu_p + nut_p
                for b in range(3):
                    if b != c:
                        f = shift(f, b, 1, n[b])
                row.append((shift(f, c, 0, n[c] + 1), shift(f, c, 1, n[c] + 1)))
                continue

            def edges(f, combine):
                for b in range(3):
                    if b not in (a, c):
                        f = shift(f, b, 1, n[b])
                f = combine(shift(f, c, 0, n[c] + 1), shift(f, c, 1, n[c] + 1))
                return combine(shift(f, a, 0, n[a] + 1), shift(f, a, 1, n[a] + 1))

            mean = lambda x, y: 0.5 * (x + y)
            if wet_p is None:
                e = edges(nu_p, mean)
            else:
                total = lambda x, y: x + y
                e = edges(nu_p * wet_p, total) / jnp.maximum(edges(wet_p, total), 1e-30)
            if nut_p is not None:
                e = e + edges(nut_p, mean) * edges(fluid_p, jnp.minimum)
            row.append((shift(e, a, 0, n[a]), shift(e, a, 1, n[a])))
        coef.append(tuple(row))
    return tuple(coef)


def _vector_laplacian(u, ghosts, wall_nb, cfg: Settings, nu=None):
    """Laplacian (1/m2 times velocity) of each face-velocity component, with the
    boundary ghosts ``ghosts[c][a]`` and mirrored no-slip ghosts at solids.

    With ``nu`` (from :func:`_viscosity`) the divergence form
    ``sum_a d/dx_a (nu d u_c / dx_a)`` (m/s2) instead: fluxes on the control
    volume's sides with the viscosity there (the transposed stress term
    ``d/dx_a (nu d u_a / dx_c)`` is left out; it vanishes for constant ``nu``)."""
    out = []
    for c in range(3):
        lap = 0.0
        q = halo_with_ghosts(u[c], ghosts[c], c, cfg.periodic, cfg.active, 1)
        shape = u[c].shape
        for a in range(3):
            if not cfg.active[a]:
                continue
            m = shape[a]
            qa = along(q, a, shape, cfg.active, 1)
            minus, plus = shift(qa, a, 0, m), shift(qa, a, 2, m)
            if a != c:
                lo, hi = wall_nb[c][a]
                # no slip on a solid surface half a cell away, not a whole cell
                minus = jnp.where(lo > 0, -u[c], minus)
                plus = jnp.where(hi > 0, -u[c], plus)
            if nu is None:
                lap = lap + (plus - 2.0 * u[c] + minus) / (cfg.h[a] ** 2)
            else:
                n_lo, n_hi = nu[c][a]
                lap = lap + (n_hi * (plus - u[c]) - n_lo * (u[c] - minus)) / (cfg.h[a] ** 2)
        out.append(lap)
    return tuple(out)


def _tendency(u, T, prm: Params, cfg: Settings, nu=None):
    """Explicit momentum tendencies (m/s2): advection plus body force and Boussinesq
    buoyancy ``-beta (T - T_ref) g``; and the terms the implicit solve also sees:
    viscous diffusion ``nu lap u`` (or ``div(nu_eff grad u)`` with ``nu`` from
    :func:`_viscosity`) minus the linear drag ``drag * u``."""
    every = (True, True, True)
    pads = []
    for c in range(3):
        q = halo_with_ghosts(u[c], prm.ghosts[c], c, cfg.periodic, every, 2)
        pads.append([along(q, a, u[c].shape, every, 2) for a in range(3)])
    lap = _vector_laplacian(u, prm.ghosts, prm.wall_nb, cfg, nu)
    out = []
    for c in range(3):
        force = prm.body[c]
        if cfg.buoyancy:
            tf = face_average(T, c, periodic=cfg.periodic[c])
            beta = cfg.beta if prm.beta_cell is None else face_average(
                prm.beta_cell, c, periodic=cfg.periodic[c])
            force = force - beta * (tf - cfg.t_ref) * prm.gravity[c]
        out.append(momentum_flux_divergence(c, pads, cfg.h) + force)
    visc = lap if nu is not None else tuple(cfg.nu * x for x in lap)
    if prm.drag is not None:
        visc = tuple(v - d * x for v, d, x in zip(visc, prm.drag, u))
    return tuple(out), visc


def _implicit_viscous(rhs, dt, prm: Params, cfg: Settings, nu=None):
    """Solve ``(I + dt drag - theta dt div(nu grad)) du = rhs`` for the velocity
    increment on the faces the momentum equation updates (homogeneous boundary
    ghosts), by Jacobi-preconditioned CG. The operator is symmetric positive
    definite: each side's viscosity is shared by the two faces it couples, and
    drag >= 0 only adds to the diagonal (taken fully implicit). Removes the
    viscous limit on the time step. ``nu`` from :func:`_viscosity`, or None for
    the scalar ``cfg.nu``."""
    theta_dt = cfg.theta * dt
    mask = prm.implicit
    drag = prm.drag if prm.drag is not None else (0.0, 0.0, 0.0)

    if nu is None:
        k = theta_dt * cfg.nu

        def apply_a(x):
            xm = tuple(m * v for m, v in zip(mask, x))
            lap = _vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg)
            return tuple(v + dt * d * m * v - k * m * l
                         for v, m, l, d in zip(x, mask, lap, drag))

        visc_diag = k * sum(2.0 / cfg.h[a] ** 2 for a in range(3) if cfg.active[a])
        diag = tuple(1.0 + dt * d + visc_diag for d in drag)
    else:
        def apply_a(x):
            xm = tuple(m * v for m, v in zip(mask, x))
            lap = _vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg, nu)
            return tuple(v + dt * d * m * v - theta_dt * m * l
                         for v, m, l, d in zip(x, mask, lap, drag))

        diag = []
        for c in range(3):
            dc = 0.0
            for a in range(3):
                if not cfg.active[a]:
                    continue
                n_lo, n_hi = nu[c][a]
                w_lo, w_hi = (1.0, 1.0) if a == c else (1.0 + prm.wall_nb[c][a][0],
                                                        1.0 + prm.wall_nb[c][a][1])
                dc = dc + (n_lo * w_lo + n_hi * w_hi) / cfg.h[a] ** 2
            diag.append(1.0 + dt * drag[c] + theta_dt * dc)
    precond = lambda r: tuple(jnp.where(m > 0, 1.0 / d, 1.0) * v
                              for m, v, d in zip(mask, r, diag))
    du, info = pcg(apply_a, rhs, rhs, precond, tol=_tol(cfg.p_tol, rhs[0]))
    out = []
    for c in range(3):
        if cfg.periodic[c]:  # the last face repeats the first
            n = du[c].shape[c]
            du_c = jnp.concatenate([shift(du[c], c, 0, n - 1), shift(du[c], c, 0, 1)], axis=c)
            out.append(du_c)
        else:
            out.append(du[c])
    return tuple(out), info


def _time_step(u, cfg: Settings):
    if cfg.dt_fixed is not None:
        return jnp.asarray(cfg.dt_fixed, u[0].dtype)
    rate = 0.0
    for a in range(3):
        if cfg.active[a]:
            umax = jnp.maximum(jnp.max(jnp.abs(u[a])), cfg.u_bc[a])
            rate = rate + umax / cfg.h[a]
    # viscous terms are implicit: only advection limits the step; with no flow
    # at all, a step of one viscous time of a cell keeps the loop finite
    visc = cfg.nu * sum(1.0 / cfg.h[a] ** 2 for a in range(3) if cfg.active[a])
    return 1.0 / jnp.maximum(rate / cfg.cfl, jnp.maximum(visc, 1e-30))


def _force_limited(dt, f, visc, p, prm: Params, cfg: Settings):
    """``dt`` cut so that the step's own acceleration (forces, viscous terms and the
    old pressure gradient: what the predictor adds) moves the flow at most ``cfl``
    cells: a ``dt * a * dt / h <= cfl``. Without it a flow at rest takes a step set
    by the viscous limit alone, and a buoyant start-up (a heated tank) reaches CFL
    numbers in the hundreds within that step, which the explicit, bounded
    temperature advection does not survive. At a steady state the acceleration
    vanishes and so does the cut."""
    if cfg.dt_fixed is not None:
        return dt
    accel = 0.0
    for c in range(3):
        if cfg.active[c]:
            grad_p = diff_faces(p, c, cfg.h[c], periodic=cfg.periodic[c])
            accel = jnp.maximum(accel, jnp.max(jnp.abs(prm.free[c] * (f[c] + visc[c] - grad_p))))
    h = min(cfg.h[a] for a in range(3) if cfg.active[a])
    return jnp.minimum(dt, jnp.sqrt(cfg.cfl * h / jnp.maximum(accel, 1e-30)))


def _energy(T, u, dt, prm: Params, cfg: Settings, nut=None):
    """Temperature after one step: van Leer advection (explicit) and conduction
    (implicit, weight ``theta``), solved for the increment by multigrid-PCG."""
    every = (True, True, True)
    q = halo_with_ghosts(T, prm.t_ghosts, -1, cfg.periodic, every, 2)
    pads = [along(q, a, T.shape, every, 2) for a in range(3)]
    # several fluids: each cell's own rho cp (exact: no flow crosses between fluids)
    rho_cp = cfg.rho_cp if prm.rho_cp_cell is None else prm.rho_cp_cell
    if cfg.n_tf:
        # servers, fans and CRAHs: their exhaust faces carry the exhaust temperature
        flux = airflow.upwind_intake([u[a] * van_leer_faces(pads[a], u[a], a) for a in range(3)],
                                     pads, u, prm.air)
        _, t_out, flux = airflow.throughflow_exchange(flux, prm.air, cfg.n_tf, cfg.rho_cp, cfg.h)
        adv = rho_cp * sum((shift(flux[a], a, 1, T.shape[a]) - shift(flux[a], a, 0, T.shape[a]))
                               / cfg.h[a] for a in range(3))
    else:
        adv = rho_cp * advective_flux_divergence(pads, u, cfg.h)
    explicit = laplacian(T, prm.t_levels[0].coeffs, cfg.h, cfg.periodic) + prm.t_source - adv
    if nut is not None:
        explicit = explicit + _eddy_conduction(T, nut, rho_cp, prm, cfg)
    cap = prm.capacity / (cfg.theta * dt)
    if prm.liquid is not None:
        # cold plates: heat G (Tc - T) into each plate cell, implicit in T (fully,
        # whatever theta), with the coolant temperatures Tc from T at the step's start
        g, g_tc = coldplate.exchange(T, prm.liquid)
        explicit = explicit + g_tc - g * T
        cap = cap + g / cfg.theta
    levels = with_shift(prm.t_levels, cap)
    dT, info = solve_spd(levels, explicit / cfg.theta, jnp.zeros_like(T), tol=_tol(cfg.p_tol, T))
    T_new = T + dT
    if cfg.n_tf:  # a throughflow part's cells show its exhaust temperature
        cell = prm.air.tf_cell
        T_new = jnp.where(cell >= 0, t_out[jnp.maximum(cell, 0)], T_new)
    return T_new, info


def _next_multiple(t: float, period: float) -> float:
    """The first multiple of ``period`` after ``t`` (s), round-off tolerant."""
    k = np.floor(t / period * (1 + 1e-12) + 1e-9) + 1
    return float(k * period)


def _tol(tol: float, x) -> float:
    # a relative tolerance the precision can reach
    return max(tol, 50 * float(jnp.finfo(x.dtype).eps))


def _step(s: State, prm: Params, cfg: Settings, t_stop) -> State:
    u = s.u
    if cfg.porous:  # Darcy-Forchheimer drag with |u| lagged, implicit in u
        prm = prm._replace(drag=tuple(d + airflow.porous_drag(u, prm.air, c)
                                      for c, d in enumerate(prm.drag)))
    nut = _eddy_viscosity(u, s.T, prm, cfg)  # lagged: from the velocity at the step's start
    nu = _viscosity(u, s.T, prm, cfg, nut)
    f, visc = _tendency(u, s.T, prm, cfg, nu)
    if cfg.n_fans:  # fan curves: a pressure rise at the flow each fan now passes
        q = airflow.fan_flows(u, prm.air, cfg.n_fans)
        f = tuple(f[c] + airflow.fan_force(q, prm.air, c) for c in range(3))
    fixed = tuple(prm.fixed[c] + airflow.throughflow_velocity(prm.air, c, cfg.n_tf)
                  for c in range(3))
    dt = _force_limited(_time_step(u, cfg), f, visc, s.p, prm, cfg)
    if nut is not None and cfg.energy:  # the explicit eddy heat flux's stability limit
        rate = jnp.max(nut) / PRANDTL_TURBULENT * sum(1.0 / cfg.h[a] ** 2
                                                      for a in range(3) if cfg.active[a])
        # (with the advective CFL on top: half the explicit diffusion limit)
        dt = jnp.minimum(dt, 0.25 / jnp.maximum(rate, 1e-30))
    dt = jnp.minimum(dt, t_stop - s.t)  # land exactly on frames, checkpoints and the end
    first = s.step == 0
    ratio = jnp.where(first, 0.0, dt / jnp.where(first, 1.0, s.dt))
    c1, c0 = 1.0 + 0.5 * ratio, -0.5 * ratio
    # incremental pressure correction: the predictor sees the old pressure, so that
    # at a steady state the increment vanishes and the answer does not depend on dt
    grad_p = tuple(diff_faces(s.p, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
    explicit = tuple(prm.free[c] * dt * (c1 * f[c] + c0 * s.tend[c] + visc[c] - grad_p[c])
                     for c in range(3))
    du, vinfo = _implicit_viscous(explicit, dt, prm, cfg, nu)
    ustar = tuple(prm.free[c] * (u[c] + du[c]) + fixed[c] for c in range(3))
    rhs = divergence(ustar, cfg.h) / dt
    phi, info = solve_poisson(prm.levels, rhs, jnp.zeros_like(s.p), tol=_tol(cfg.p_tol, rhs),
                              singular=cfg.singular, regions=prm.regions, n_regions=cfg.n_regions)
    unew = tuple(ustar[c] - dt * prm.free[c] * diff_faces(phi, c, cfg.h[c], periodic=cfg.periodic[c])
                 for c in range(3))
    p = s.p + phi
    # the predictor's increment too: with a fixed flow (a duct) the projection alone
    # can leave u unchanged while the pressure is still settling
    change = jnp.max(jnp.stack([jnp.max(jnp.abs(unew[c] - u[c])) for c in range(3)]
                               + [jnp.max(jnp.abs(prm.free[c] * du[c])) for c in range(3)])) / dt
    res_mom = change * cfg.l_ref / cfg.u_ref ** 2
    div = divergence(unew, cfg.h)
    if cfg.n_tf:  # air enters a server's cells and leaves by its exhaust: not the fluid's
        div = jnp.where(prm.air.tf_cell >= 0, 0.0, div)
    res_div = jnp.max(jnp.abs(div)) * cfg.l_ref / cfg.u_ref
    if cfg.energy:
        T, tinfo = _energy(s.T, unew, dt, prm, cfg, nut)
        # scaled by the temperature range the field has developed so far (at least
        # the spread of fixed temperatures), so that a field still at its initial
        # value cannot look converged
        span = jnp.maximum(jnp.max(T) - jnp.min(T), cfg.t_span)
        res_t = jnp.max(jnp.abs(T - s.T)) / dt * cfg.time_ref / span
        t_iters = tinfo.iterations
    else:
        T, res_t, t_iters = s.T, jnp.zeros_like(res_mom), jnp.int32(0)
    new = State(unew, p, T, f, dt, s.t + dt, s.step + 1, res_mom, res_div, res_t,
                info.iterations, s.p_iters_sum + info.iterations, s.t_iters_sum + t_iters,
                s.v_iters_sum + vinfo.iterations, s.status)
    bad = ~jnp.isfinite(res_mom) | ~jnp.isfinite(res_div) | ~jnp.isfinite(res_t)
    status = jnp.where(bad, jnp.int32(DIVERGED), jnp.int32(RUNNING))
    if cfg.steady:
        done = (res_mom < cfg.tolerance) & (res_div < cfg.tolerance) & (res_t < cfg.tolerance)
        status = jnp.where(~bad & done, jnp.int32(CONVERGED), status)
    else:
        status = jnp.where(~bad & (new.t >= _before(cfg.end_time)), jnp.int32(FINISHED), status)
    # a blown-up step is not taken: the fields stay the last good ones, and the
    # residuals say which equation blew up
    kept = jax.tree_util.tree_map(lambda a, b: jnp.where(bad, a, b), s, new)
    return kept._replace(status=status, step=jnp.where(bad, s.step, new.step),
                         res_mom=res_mom, res_div=res_div, res_energy=res_t)


def _advance(prm: Params, s: State, last_step, t_stop, cfg: Settings) -> State:
    """Run steps until ``last_step``, the time ``t_stop`` (s), convergence, the end
    time, or a blow-up."""
    def cond(s):
        return (s.step < last_step) & (s.status == RUNNING) & (s.t < _before(t_stop))
    return lax.while_loop(cond, lambda s: _step(s, prm, cfg, t_stop), s)


def _before(t):
    # a time reached to round-off counts as reached
    return jnp.where(jnp.isfinite(t), t - 1e-12 * jnp.maximum(jnp.abs(t), 1.0), t)


_COMPILED: dict = {}
# one compiled call per grid (op by op, each operation would compile per grid)
_cell_velocity = jax.jit(cell_velocity)


def _compiled_advance(cfg: Settings) -> Callable:
    """One jitted advance per settings (and, inside jit's cache, per shape)."""
    if cfg not in _COMPILED:
        _COMPILED[cfg] = jax.jit(lambda prm, s, last, t_stop: _advance(prm, s, last, t_stop, cfg),
                                 donate_argnums=(1,))
    return _COMPILED[cfg]


@dataclass
class RunInfo:
    status: str
    steps: int
    simulated_time: float
    wall_time: float
    compile_time: float
    pressure_iterations: float   # mean per step
    energy_iterations: float     # mean per step
    viscous_iterations: float    # mean per step
    res_mom: float
    res_div: float
    res_energy: float


class Simulation:
    """A case set up on its grid, ready to run: ``Simulation(case).run()``."""

    def __init__(self, case: Case, model: FlowModel | None = None) -> None:
        d = case.data
        self.case = case
        self.model = model or build_flow_model(case)
        self.grid = self.model.geometry.grid
        self.device = device_for(case)  # before anything compiles: an absent backend is refused
        self.dtype = jnp.float64 if d["solver"]["precision"] == "float64" else jnp.float32
        if self.dtype == jnp.float64 and not jax.config.jax_enable_x64:
            jax.config.update("jax_enable_x64", True)
        fluid = case.fluid
        s = d["solver"]
        m = self.model
        u_bc = tuple(float(x) for x in m.faces.max_speed())
        size = [d["domain"]["size"][a] for a in range(3) if m.active[a]]
        l_ref = max(size)
        body = np.asarray(d["physics"]["body_force"], dtype=float)
        nu = fluid.viscosity / fluid.density
        self.thermal = th = build_thermal_model(case, m)
        self.coldplates = coldplate.setup(case, m.geometry)  # None without cold plates
        self.air = airflow.build_air_model(case, m.geometry, m.geometry.fluid)
        self.regions, n_regions = m.closed_regions()
        movable = {t["name"] for t in self.air.throughflow} | {f["name"] for f in self.air.fans}
        for i, ev in enumerate(d.get("events", [])):
            if ev.get("loop") is not None:  # a coolant loop (names checked with the case)
                continue
            if not any(n == ev["part"] or n.startswith(ev["part"] + "[") for n in movable):
                raise CaseError(case.path.name if case.path else "<dict>", f"events[{i}].part",
                                f"part {ev['part']!r} has no flow to switch",
                                "a server, fan or crah part (or one of its copies)")
        steady = s["mode"] == "steady"
        buoyancy = d["physics"]["buoyancy"]
        hot_air = any(t["power"] > 0 or t["kind"] == "crah" for t in self.air.throughflow)
        energy = bool(buoyancy or th.power.any() or self.coldplates is not None or hot_air or any(
            b.get(key) is not None for b in d["boundaries"]
            for key in ("temperature", "heat_flux", "htc")))
        g = np.asarray(d["domain"]["gravity"], dtype=float)
        alpha = fluid.conductivity / (fluid.density * fluid.specific_heat)
        # velocity scales: boundaries, initial field, body force (viscous balance),
        # buoyancy (free fall), and the diffusive velocities nu/L and alpha/L
        scales = [max(max(u_bc), self.air.speed), float(np.linalg.norm(d["fluid"]["initial_velocity"])),
                  float(np.abs(body).max()) * l_ref ** 2 / max(nu, 1e-30),
                  nu / l_ref, alpha / l_ref]
        if buoyancy:
            scales.append(float(np.sqrt(np.linalg.norm(g) * th.expansion * th.temperature_span * l_ref)))
        phys = d["physics"]
        turbulence = phys.get("turbulence", "none")
        if turbulence != "none":
            # a turbulent body-force balance, not a viscous one: the friction
            # velocity u_tau^2 ~ g L / 2 and U ~ u_tau / sqrt(Cf / 2) ~ 15 sqrt(g L)
            scales[2] = min(scales[2], 15.0 * float(np.sqrt(np.abs(body).max() * l_ref)))
        u_scale = max(max(scales), 1e-30)
        table = case.material(d["fluid"]["material"]).table
        # fluid parts (a second fluid): constant per-material properties per cell
        multi_fluid = any(p["kind"] == "fluid" for p in d["parts"])
        nu_of_T = bool(energy and table is not None and len({r[2] for r in table}) > 1
                       and not multi_fluid)
        self.settings = Settings(
            h=tuple(self.grid.spacing), periodic=m.faces.periodic, active=m.active, nu=nu,
            cfl=s["cfl"], dt_fixed=s["dt"], steady=steady, end_time=s["end_time"],
            tolerance=s["tolerance"], p_tol=s["pressure_tolerance"], u_bc=u_bc, u_ref=float(u_scale),
            l_ref=float(l_ref), singular=m.singular, energy=energy, buoyancy=buoyancy,
            theta=1.0 if steady else 0.5, rho_cp=th.fluid_capacity, beta=th.expansion,
            t_ref=th.reference_temperature, t_span=th.temperature_span,
            time_ref=float(l_ref / u_scale), turbulence=turbulence,
            smagorinsky_cs=float(phys.get("smagorinsky_constant", turb.SMAGORINSKY_CS)),
            delta=turb.filter_width(self.grid.spacing, m.active), nu_of_T=nu_of_T,
            n_regions=n_regions, multi_fluid=multi_fluid, n_tf=self.air.n_throughflow, n_fans=self.air.n_fans, porous=bool(self.air.porous))
        # committed to the run's device: the compiled step runs where its inputs are
        self.params = jax.device_put(self._params(body, g), self.device)

    def _params(self, body, gravity) -> Params:
        m, th, dt = self.model, self.thermal, self.dtype
        # converted on the host: an eager device conversion compiles per shape
        arr = lambda x: jnp.asarray(np.asarray(x, dtype=dt))
        tri = lambda g: None if g is None else tuple(tuple(arr(v) for v in side) for side in g)
        levels = build_hierarchy([arr(f) for f in m.free], self.grid.spacing, m.faces.periodic)
        t_levels = build_hierarchy([arr(c) for c in th.conductance], self.grid.spacing,
                                   m.faces.periodic)
        capacity = th.capacity.copy()
        if self.settings.steady:
            # steady answers do not depend on the solids' heat capacity: drop it so
            # that conduction in solids settles at once instead of over minutes
            capacity[~m.geometry.fluid] = 0.0
        # throughflow cells are overwritten with their exhaust temperature each step and
        # conduct nothing: any capacity keeps their rows of the solve regular
        capacity[self.air.params.tf_cell >= 0] = th.fluid_capacity
        return Params(
            free=tuple(arr(f) for f in m.free), fixed=tuple(arr(f) for f in m.fixed),
            wall_nb=tuple(tuple(None if x is None else (arr(x[0]), arr(x[1])) for x in nb)
                          for nb in m.wall_nb),
            ghosts=tuple(tuple(tri(g) for g in gc) for gc in m.ghosts),
            ghosts_hom=tuple(tuple(None if g is None else tuple(
                (arr(side[0]), arr(side[1]), arr(0 * side[2])) for side in g) for g in gc)
                for gc in m.ghosts),
            implicit=tuple(arr(self._implicit_mask(c)) for c in range(3)),
            levels=levels, body=arr(body), capacity=arr(capacity), t_levels=t_levels,
            t_source=arr(th.source), t_ghosts=tuple(tri(g) for g in th.ghosts),
            gravity=arr(gravity),
            liquid=None if self.coldplates is None else self.coldplates.params(dt),
            air=self._air_params(arr),
            regions=None if self.regions is None else jnp.asarray(self.regions), **self._viscosity_params(arr))

    def _air_params(self, arr):
        """The compact air parts' arrays: integers stay integers, the rest in the dtype."""
        def conv(x):
            x = np.asarray(x)
            return jnp.asarray(x) if x.dtype.kind in "iub" else arr(x)
        return jax.tree_util.tree_map(conv, self.air.params)

    def _viscosity_params(self, arr) -> dict:
        """Params for variable viscosity: the drag hook (zeros), and what the
        turbulence models and the T-dependent viscosity read."""
        m, cfg = self.model, self.settings
        out = {"drag": tuple(arr(np.zeros_like(f)) for f in m.free)}
        if cfg.nu_of_T:
            table = np.asarray(self.case.material(self.case.data["fluid"]["material"]).table)
            out["visc_T"] = arr(table[:, 0])
            out["visc_log_nu"] = arr(np.log(table[:, 2] / self.case.fluid.density))
        if cfg.multi_fluid:
            geo = m.geometry
            mats = [self.case.fluid] + [self.case.material(n) for n in geo.materials[1:]]
            nu = np.array([x.viscosity / x.density if x.is_fluid else 0.0 for x in mats])
            beta = np.array([(x.expansion or 0.0) if x.is_fluid else 0.0 for x in mats])
            fluid = geo.fluid
            # solid cells: the main fluid's values (only fluid cells enter the edges)
            out["nu_cell"] = arr(np.where(fluid, nu[geo.material_id], self.settings.nu))
            out["beta_cell"] = arr(np.where(fluid, beta[geo.material_id], 0.0))
            # solids (servers' throughflow cells included) as with one fluid
            out["rho_cp_cell"] = arr(np.where(fluid, self.thermal.capacity,
                                              self.thermal.fluid_capacity))
            out["fluid"] = arr(fluid.astype(float))
        if cfg.turbulence != "none":
            fluid = m.geometry.fluid
            out["fluid"] = arr(fluid.astype(float))
            # no wall at all (fully periodic): the largest extent bounds the length
            dist = np.minimum(self.wall_distance(), max(self.grid.size))
            out["wall_dist"] = arr(dist)
            if cfg.turbulence == "mixing-length":
                # lambda L, L the largest wall distance in the fluid (a channel's
                # half-height) unless physics.mixing_length_cap gives the cap
                cap = self.case.data["physics"].get("mixing_length_cap")
                if cap is None:
                    cap = turb.MIXING_CAP * float(dist[fluid].max()) if fluid.any() else 0.0
                out["mixing_cap"] = arr(cap)
            blocked = []
            for c in range(3):
                pad = [(1, 1) if a == c else (0, 0) for a in range(3)]
                solid = np.pad(~fluid, pad)  # nothing solid beyond the boundary
                n = solid.shape[c]
                blocked.append(arr(np.take(solid, range(0, n - 1), axis=c)
                                   | np.take(solid, range(1, n), axis=c)))
            out["blocked"] = tuple(blocked)
        return out

    def wall_distance(self) -> np.ndarray:
        """Distance (m) from each cell centre to the nearest solid surface, wall or
        inlet boundary face (infinite without any)."""
        from thermo.grid.boundaries import INLET, WALL

        fc, m = self.model.faces, self.model
        walls = {key: (k == WALL) | (k == INLET) for key, k in fc.kind.items()
                 if not fc.periodic[key[0]] and m.active[key[0]]}
        return turb.wall_distance(~m.geometry.fluid, self.grid.spacing, walls, fc.periodic)

    def _implicit_mask(self, c: int) -> np.ndarray:
        mask = self.model.free[c].copy()
        if self.model.faces.periodic[c]:
            idx = [slice(None)] * 3
            idx[c] = -1
            mask[tuple(idx)] = 0.0
        return mask

    def initial_state(self) -> State:
        d = self.case.data
        dt = self.dtype
        u0 = d["fluid"]["initial_velocity"]
        # on the host (eager device ops would compile per shape)
        air = jax.tree_util.tree_map(np.asarray, self.params.air)
        u = tuple(jnp.asarray(np.asarray(
            self.model.free[c] * u0[c] + self.model.fixed[c]
            + airflow.throughflow_velocity(air, c, self.settings.n_tf), dtype=dt))
                  for c in range(3))
        zero = jnp.zeros((), dt)
        return jax.device_put(State(
            u=u, p=jnp.zeros(self.grid.cells, dt),
            T=jnp.full(self.grid.cells, d["fluid"]["initial_temperature"], dt),
            tend=tuple(jnp.zeros_like(x) for x in u), dt=zero + 1.0, t=zero, step=jnp.int32(0),
            res_mom=zero + jnp.inf, res_div=zero + jnp.inf, res_energy=zero + jnp.inf,
            p_iters=jnp.int32(0), p_iters_sum=jnp.int32(0), t_iters_sum=jnp.int32(0),
            v_iters_sum=jnp.int32(0), status=jnp.int32(RUNNING)), self.device)

    def run(self, state: State | None = None,
            progress: Callable[[State, float], None] | None = None,
            events: Callable[[State, set], None] | None = None) -> tuple[State, RunInfo]:
        """March until converged, finished, diverged or ``solver.max_steps``.

        The host touches the device once per ``solver.steps_per_call`` steps, to
        call ``progress(state, wall_seconds)`` (which may return True to stop a
        steady run as converged), and at every multiple of
        ``output.every`` and ``solver.checkpoint_every`` (simulated seconds), to
        call ``events(state, {"frame", "checkpoint"} subset)``. Steps are cut to
        land exactly on those times, which depend on the time alone, so a run
        resumed from a checkpoint takes the same steps as one never stopped.
        """
        d = self.case.data
        s_cfg = d["solver"]
        periods = {"frame": d["output"]["every"], "checkpoint": s_cfg["checkpoint_every"]}
        periods = {k: v for k, v in periods.items() if v > 0 and events is not None}
        end = s_cfg["end_time"] if s_cfg["mode"] == "transient" else float("inf")
        state = self.initial_state() if state is None else state
        advance = _compiled_advance(self.settings)
        pending = sorted(d.get("events", []), key=lambda e: e["at"])
        t0 = time.perf_counter()
        compile_time = 0.0
        while True:
            t = float(state.t)
            while pending and pending[0]["at"] <= t * (1 + 1e-12) + 1e-12:
                self.apply_event(pending.pop(0))
            due = {k: _next_multiple(t, v) for k, v in periods.items()}
            t_stop = min([end] + list(due.values()) + [e["at"] for e in pending[:1]])
            last = min(int(state.step) + s_cfg["steps_per_call"], s_cfg["max_steps"])
            tc = time.perf_counter()
            state = advance(self.params, state, jnp.int32(last), jnp.asarray(t_stop, self.dtype))
            jax.block_until_ready(state)
            if compile_time == 0.0:
                compile_time = time.perf_counter() - tc  # first call: compile + first chunk
            if progress is not None and progress(state, time.perf_counter() - t0) is True:
                # the caller judged a steady run settled (monitored values flat)
                if int(state.status) == RUNNING:
                    state = state._replace(status=jnp.int32(CONVERGED))
            reached = {k for k, v in due.items() if float(state.t) >= v - 1e-12 * max(abs(v), 1.0)}
            if reached and int(state.status) != DIVERGED:
                events(state, reached)
            if int(state.status) != RUNNING or int(state.step) >= s_cfg["max_steps"]:
                break
        wall = time.perf_counter() - t0
        info = RunInfo(
            status=STATUS[int(state.status)], steps=int(state.step), simulated_time=float(state.t),
            wall_time=wall, compile_time=compile_time,
            pressure_iterations=float(state.p_iters_sum) / max(int(state.step), 1),
            energy_iterations=float(state.t_iters_sum) / max(int(state.step), 1),
            viscous_iterations=float(state.v_iters_sum) / max(int(state.step), 1),
            res_mom=float(state.res_mom), res_div=float(state.res_div),
            res_energy=float(state.res_energy))
        return state, info

    def apply_event(self, event: dict) -> None:
        """Switch a part off or on, or scale its flow (an [[events]] entry): new
        parameter values for the same compiled step. A server switched off stops
        its heat as well as its air; ``scale`` changes a throughflow part's flow,
        or a curve fan's speed (fan laws). An event with ``loop`` sets that coolant
        loop's flow to 0 (off), its case value (on) or ``value`` times it (scale),
        through :func:`thermo.models.coldplate.set_loop_flow`."""
        factor = {"off": 0.0, "on": 1.0}.get(event["action"], event.get("value"))
        if event.get("loop") is not None:
            coldplate.set_loop_flow(self, event["loop"], factor)
            return
        air = self.params.air
        for k, t in enumerate(self.air.throughflow):
            if t["name"] == event["part"] or t["name"].startswith(event["part"] + "["):
                flow = air.tf_flow.at[k].set(t["flow"] * factor)
                power = air.tf_power
                if event["action"] in ("off", "on") and t["kind"] == "server":
                    power = power.at[k].set(t["power"] * factor)
                air = air._replace(tf_flow=flow, tf_power=power)
        for k, f in enumerate(self.air.fans):
            if f["name"] == event["part"] or f["name"].startswith(event["part"] + "["):
                air = air._replace(fan_speed=air.fan_speed.at[k].set(factor))
        self.params = self.params._replace(air=air)

    def cell_fields(self, state: State) -> dict[str, np.ndarray]:
        """Cell-centred NumPy fields: T (C), U (m/s, 3 comps), p (m2/s2), material (id)."""
        return {
            "T": np.asarray(state.T),
            "U": np.asarray(_cell_velocity(state.u)),
            "p": np.asarray(state.p),
            "material": self.model.geometry.material_id.astype(np.int32),
        }
