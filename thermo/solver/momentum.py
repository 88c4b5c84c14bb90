"""The momentum equation's terms on the MAC grid: the viscous Laplacian, the
explicit tendencies (advection, body force, buoyancy) and the implicit viscous
solve for the velocity increment."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from thermo.kernels.advection import momentum_flux_divergence
from thermo.kernels.krylov import pcg
from thermo.kernels.spacing import along_axis, gaps, is_uniform, widths
from thermo.kernels.stencils import along, divergence, face_average, halo_with_ghosts, shift
from thermo.solver.geometry import cell_widths
from thermo.solver.numerics import reachable_tolerance
from thermo.solver.state import Params, Settings
from thermo.solver.viscosity import eddy_viscosity, face_viscosity
from thermo.solver.walls import has_wall_functions, wall_viscosity


def vector_laplacian(u, ghosts, wall_nb, cfg: Settings, nu=None):
    """Laplacian (1/m2 times velocity) of each face-velocity component, with the
    boundary ghosts ``ghosts[c][a]`` and mirrored no-slip ghosts at solids.

    With ``nu`` (from :func:`thermo.solver.viscosity.face_viscosity`) the divergence
    form ``sum_a d/dx_a (nu d u_c / dx_a)`` (m/s2) instead: fluxes on the control
    volume's sides with the viscosity there (the transposed stress term
    ``d/dx_a (nu d u_a / dx_c)`` is left out; it vanishes for constant ``nu``).
    On a graded grid each flux is a difference over the true distance between the
    two values and the sum is over the control volume's true extent."""
    graded = is_graded(cfg)
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
            d_lo = d_hi = None
            if graded:
                d_lo, d_hi, extent = staggered_distances(cfg, c, a, u[c].dtype)
            if a != c:
                lo, hi = wall_nb[c][a]
                # no slip on a solid surface half a cell away, not a whole cell
                minus = jnp.where(lo > 0, -u[c], minus)
                plus = jnp.where(hi > 0, -u[c], plus)
                if graded:  # the mirrored ghost is one own width away
                    w = cell_widths(cfg, a, u[c].dtype)
                    d_lo, d_hi = jnp.where(lo > 0, w, d_lo), jnp.where(hi > 0, w, d_hi)
            if graded:
                n_lo, n_hi = (1.0, 1.0) if nu is None else nu[c][a]
                lap = lap + (n_hi * (plus - u[c]) / d_hi - n_lo * (u[c] - minus) / d_lo) / extent
            elif nu is None:
                lap = lap + (plus - 2.0 * u[c] + minus) / (cfg.h[a] ** 2)
            else:
                n_lo, n_hi = nu[c][a]
                lap = lap + (n_hi * (plus - u[c]) - n_lo * (u[c] - minus)) / (cfg.h[a] ** 2)
        out.append(lap)
    return tuple(out)


def is_graded(cfg: Settings) -> bool:
    """Whether any axis of the grid is graded (else every term keeps its uniform form)."""
    return not all(is_uniform(h) for h in cfg.h)


def staggered_distances(cfg: Settings, c: int, a: int, dtype):
    """For velocity component ``c`` along axis ``a``: the distances (m) to the previous
    and the next value and the control volume's extent, each broadcasting along ``a``.
    Along its own axis the values sit on faces: cell widths apart (mirrored, or
    wrapped, past the ends), in a volume one gap long; across, they sit at cell
    centres: gaps apart, in a volume one cell wide."""
    w = widths(cfg.h[a])  # a graded grid gives every axis its widths
    if a != c:
        g = gaps(cfg.h[a], cfg.periodic[a], w.size)
        return (along_axis(g[:-1], a, dtype), along_axis(g[1:], a, dtype), along_axis(w, a, dtype))
    before = w[-1] if cfg.periodic[a] else w[0]
    after = w[0] if cfg.periodic[a] else w[-1]
    return (along_axis(np.concatenate([[before], w]), a, dtype),
            along_axis(np.concatenate([w, [after]]), a, dtype),
            along_axis(gaps(cfg.h[a], cfg.periodic[a], w.size), a, dtype))


def control_volumes(cfg: Settings, c: int, shape, dtype):
    """The volume (m3) of each face control volume of component ``c`` (graded grids)."""
    vol = jnp.ones(shape, dtype)
    for a in range(3):
        vol = vol * staggered_distances(cfg, c, a, dtype)[2]
    return vol


def tendency(u, T, prm: Params, cfg: Settings, nu=None):
    """Explicit momentum tendencies (m/s2): advection plus body force and Boussinesq
    buoyancy ``-beta (T - T_ref) g``; and the terms the implicit solve also sees:
    viscous diffusion ``nu lap u`` (or ``div(nu_eff grad u)`` with face viscosities
    ``nu``) minus the linear drag ``drag * u``."""
    every = (True, True, True)
    pads = []
    for c in range(3):
        q = halo_with_ghosts(u[c], prm.ghosts[c], c, cfg.periodic, every, 2)
        pads.append([along(q, a, u[c].shape, every, 2) for a in range(3)])
    lap = vector_laplacian(u, prm.ghosts, prm.wall_nb, cfg, nu)
    out = []
    for c in range(3):
        force = prm.body[c]
        if cfg.buoyancy:
            # on a graded axis: interpolated to the face by distance
            kw = {} if is_uniform(cfg.h[c]) else {"h_a": cfg.h[c]}
            tf = face_average(T, c, periodic=cfg.periodic[c], **kw)
            beta = cfg.beta if prm.beta_cell is None else face_average(
                prm.beta_cell, c, periodic=cfg.periodic[c], **kw)
            force = force - beta * (tf - cfg.t_ref) * prm.gravity[c]
        if is_graded(cfg):
            adv = momentum_flux_divergence(c, pads, cfg.h, periodic=cfg.periodic)
        else:
            adv = momentum_flux_divergence(c, pads, cfg.h)
        out.append(adv + force)
    visc = lap if nu is not None else tuple(cfg.nu * x for x in lap)
    if prm.drag is not None:
        visc = tuple(v - d * x for v, d, x in zip(visc, prm.drag, u))
    return tuple(out), visc


def implicit_viscous(rhs, dt, prm: Params, cfg: Settings, nu=None):
    """Solve ``(I + dt drag - theta dt div(nu grad)) du = rhs`` for the velocity
    increment on the faces the momentum equation updates (homogeneous boundary
    ghosts), by Jacobi-preconditioned CG. The operator is symmetric positive
    definite: each side's viscosity is shared by the two faces it couples, and
    drag >= 0 only adds to the diagonal (taken fully implicit). Removes the
    viscous limit on the time step. ``nu``: face viscosities, or None for the
    scalar ``cfg.nu``."""
    theta_dt = cfg.theta * dt
    mask = prm.implicit
    drag = prm.drag if prm.drag is not None else (0.0, 0.0, 0.0)
    if is_graded(cfg):
        return _implicit_viscous_graded(rhs, dt, prm, cfg, nu)
    if nu is None:
        k = theta_dt * cfg.nu

        def apply_a(x):
            xm = tuple(m * v for m, v in zip(mask, x))
            lap = vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg)
            return tuple(v + dt * d * m * v - k * m * l
                         for v, m, l, d in zip(x, mask, lap, drag))

        visc_diag = k * sum(2.0 / cfg.h[a] ** 2 for a in range(3) if cfg.active[a])
        diag = tuple(1.0 + dt * d + visc_diag for d in drag)
    else:
        def apply_a(x):
            xm = tuple(m * v for m, v in zip(mask, x))
            lap = vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg, nu)
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
    du, info = pcg(apply_a, rhs, rhs, precond,
                   tol=reachable_tolerance(cfg.viscous.tolerance, rhs[0]),
                   max_iter=cfg.viscous.max_iterations, acc=cfg.accumulate)
    return periodic_copies(du, cfg), info


def periodic_copies(du, cfg: Settings):
    out = []
    for c in range(3):
        if cfg.periodic[c]:  # the last face repeats the first
            n = du[c].shape[c]
            du_c = jnp.concatenate([shift(du[c], c, 0, n - 1), shift(du[c], c, 0, 1)], axis=c)
            out.append(du_c)
        else:
            out.append(du[c])
    return tuple(out)


def _implicit_viscous_graded(rhs, dt, prm: Params, cfg: Settings, nu=None):
    """:func:`implicit_viscous` on a graded grid: each row multiplied by its control
    volume, which makes the operator symmetric again (a face's viscous coupling is
    then ``nu * area / distance`` from both sides)."""
    theta_dt = cfg.theta * dt
    mask = prm.implicit
    drag = prm.drag if prm.drag is not None else (0.0, 0.0, 0.0)
    dtype = rhs[0].dtype
    vol = tuple(control_volumes(cfg, c, rhs[c].shape, dtype) for c in range(3))
    k = theta_dt * (cfg.nu if nu is None else 1.0)

    def apply_a(x):
        xm = tuple(m * v for m, v in zip(mask, x))
        lap = vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg, nu)
        return tuple(w * (v + dt * d * m * v - k * m * l)
                     for v, m, l, d, w in zip(x, mask, lap, drag, vol))

    diag = []
    for c in range(3):
        dc = 0.0
        for a in range(3):
            if not cfg.active[a]:
                continue
            n_lo, n_hi = (1.0, 1.0) if nu is None else nu[c][a]
            d_lo, d_hi, extent = staggered_distances(cfg, c, a, dtype)
            if a != c:
                lo, hi = prm.wall_nb[c][a]
                w = cell_widths(cfg, a, dtype)
                d_lo = jnp.where(lo > 0, w / 2.0, d_lo)  # -u one width away: twice the pull
                d_hi = jnp.where(hi > 0, w / 2.0, d_hi)
            dc = dc + (n_lo / d_lo + n_hi / d_hi) / extent
        diag.append(vol[c] * (1.0 + dt * drag[c] + k * dc))
    precond = lambda r: tuple(jnp.where(m > 0, 1.0 / d, 1.0) * v for m, v, d in zip(mask, r, diag))
    b = tuple(w * r for w, r in zip(vol, rhs))
    du, info = pcg(apply_a, b, rhs, precond,
                   tol=reachable_tolerance(cfg.viscous.tolerance, b[0]),
                   max_iter=cfg.viscous.max_iterations, acc=cfg.accumulate)
    return periodic_copies(du, cfg), info


def momentum_terms(s, prm: Params, cfg: Settings):
    """What both the time step and the steady iteration take from the state: the
    params with the part models' drag, the eddy viscosity (lagged, None without a
    closure), the face viscosities, the explicit tendencies ``f`` (advection, body
    force, buoyancy, part forces; m/s2), the viscous terms ``visc`` and the velocities
    the parts and boundaries fix on their faces (m/s)."""
    u = s.u
    drag = list(prm.drag)
    for model in cfg.parts:  # e.g. Darcy-Forchheimer drag with |u| lagged, implicit in u
        p = prm.parts[model.key]
        for c in range(3):
            extra = model.drag(u, p, c)
            if extra is not None:
                drag[c] = drag[c] + extra
    prm = prm._replace(drag=tuple(drag))
    nut = eddy_viscosity(u, s.T, prm, cfg, s.turb)  # lagged: from the velocity at the step's start
    nu = face_viscosity(u, s.T, prm, cfg, nut)
    if has_wall_functions(cfg):
        nu = wall_viscosity(nu, u, s.T, prm, cfg)
    f, visc = tendency(u, s.T, prm, cfg, nu)
    for model in cfg.parts:  # e.g. fan curves: a rise at the flow each fan now passes
        force = model.force(u, prm.parts[model.key])
        if force is not None:
            f = tuple(f[c] + force[c] for c in range(3))
    fixed = []
    for c in range(3):
        imposed = 0.0
        for model in cfg.parts:
            imposed = imposed + model.fixed_velocity(prm.parts[model.key], c)
        fixed.append(prm.fixed[c] + imposed)
    return prm, nut, nu, f, visc, fixed


def continuity_residual(u, prm: Params, cfg: Settings):
    """The largest cell divergence (1/s) outside the parts' own cells, times the length
    over the velocity scale: both schemes' continuity residual."""
    div = divergence(u, cfg.h)
    for model in cfg.parts:
        outside = model.outside_fluid(prm.parts[model.key])
        if outside is not None:
            div = jnp.where(outside, 0.0, div)
    return jnp.max(jnp.abs(div)) * cfg.l_ref / cfg.u_ref
