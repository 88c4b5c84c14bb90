"""One time step of the coupled flow and energy equations, and the compiled loop
of many steps per device call.

Projection method on the MAC grid: a second-order Adams-Bashforth predictor of
advection (QUICK) and diffusion (implicit), a pressure Poisson solve by
multigrid-preconditioned CG on the masked operator, and the correction that
leaves the discrete divergence at the solver tolerance. The step is assembled
from terms: the closure (``Settings.turbulence``) gives the eddy viscosity, and
every part model (``Settings.parts``) adds its drag, forces, fixed velocities
and heat exchange through the hooks of :class:`thermo.models.protocol.PartModel`.
"""
from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
from jax import lax

from thermo.kernels.poisson import solve_poisson
from thermo.kernels.stencils import cell_velocity, diff_faces, divergence
from thermo.solver.energy import energy_step
from thermo.solver.kepsilon import turbulence_update
from thermo.solver.dual import implicit_step
from thermo.solver.steady import steady_iteration
from thermo.solver.momentum import continuity_residual, implicit_viscous, momentum_terms
from thermo.solver.numerics import before, reachable_tolerance
from thermo.solver.state import (CONVERGED, DIVERGED, FINISHED, RUNNING, Params, Settings,
                                 State)
from thermo.solver.timestep import advective_step, eddy_limited, force_limited


def step(s: State, prm: Params, cfg: Settings, t_stop) -> State:
    """The state one time step later (or the same fields with ``DIVERGED``)."""
    u = s.u
    prm, nut, nu, f, visc, fixed = momentum_terms(s, prm, cfg)
    dt = force_limited(advective_step(u, cfg), f, visc, s.p, prm, cfg)
    if nut is not None and cfg.energy:
        dt = eddy_limited(dt, nut, cfg)
    dt = jnp.minimum(dt, t_stop - s.t)  # land exactly on frames, checkpoints and the end
    first = s.step == 0
    ratio = jnp.where(first, 0.0, dt / jnp.where(first, 1.0, s.dt))
    c1, c0 = 1.0 + 0.5 * ratio, -0.5 * ratio
    # incremental pressure correction: the predictor sees the old pressure, so that
    # at a steady state the increment vanishes and the answer does not depend on dt
    grad_p = tuple(diff_faces(s.p, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
    explicit = tuple(prm.free[c] * dt * (c1 * f[c] + c0 * s.tend[c] + visc[c] - grad_p[c])
                     for c in range(3))
    du, vinfo = implicit_viscous(explicit, dt, prm, cfg, nu)
    ustar = tuple(prm.free[c] * (u[c] + du[c]) + fixed[c] for c in range(3))
    rhs = divergence(ustar, cfg.h) / dt
    phi, info = solve_poisson(prm.levels, rhs, jnp.zeros_like(s.p),
                              tol=reachable_tolerance(cfg.pressure.tolerance, rhs),
                              max_iter=cfg.pressure.max_iterations,
                              singular=cfg.singular, regions=prm.regions, n_regions=cfg.n_regions,
                              acc=cfg.accumulate)
    unew = tuple(ustar[c] - dt * prm.free[c] * diff_faces(phi, c, cfg.h[c], periodic=cfg.periodic[c])
                 for c in range(3))
    p = s.p + phi
    # the predictor's increment too: with a fixed flow (a duct) the projection alone
    # can leave u unchanged while the pressure is still settling
    change = jnp.max(jnp.stack([jnp.max(jnp.abs(unew[c] - u[c])) for c in range(3)]
                               + [jnp.max(jnp.abs(prm.free[c] * du[c])) for c in range(3)])) / dt
    res_mom = change * cfg.l_ref / cfg.u_ref ** 2
    res_div = continuity_residual(unew, prm, cfg)
    if cfg.energy:
        T, tinfo = energy_step(s.T, unew, dt, prm, cfg, nut)
        # scaled by the temperature range the field has developed so far (at least
        # the spread of fixed temperatures), so that a field still at its initial
        # value cannot look converged
        span = jnp.maximum(jnp.max(T) - jnp.min(T), cfg.t_span)
        res_t = jnp.max(jnp.abs(T - s.T)) / dt * cfg.time_ref / span
        t_iters = tinfo.iterations
    else:
        T, res_t, t_iters = s.T, jnp.zeros_like(res_mom), jnp.int32(0)
    turb_state = s.turb
    if s.turb:  # k and epsilon, implicit with the same step: their change joins momentum's
        turb_state, change = turbulence_update(s.turb, unew, T, 1.0 / dt, prm, cfg)
        res_mom = jnp.maximum(res_mom, change / dt * cfg.time_ref)
    new = State(unew, p, T, f, dt, s.t + dt, s.step + 1, res_mom, res_div, res_t,
                info.iterations, s.p_iters_sum + info.iterations, s.t_iters_sum + t_iters,
                s.v_iters_sum + vinfo.iterations, s.status, turb_state, s.history)
    bad = ~jnp.isfinite(res_mom) | ~jnp.isfinite(res_div) | ~jnp.isfinite(res_t)
    status = jnp.where(bad, jnp.int32(DIVERGED), jnp.int32(RUNNING))
    if cfg.steady:
        done = (res_mom < cfg.tolerance) & (res_div < cfg.tolerance) & (res_t < cfg.tolerance)
        status = jnp.where(~bad & done, jnp.int32(CONVERGED), status)
    else:
        status = jnp.where(~bad & (new.t >= before(cfg.end_time)), jnp.int32(FINISHED), status)
    # a blown-up step is not taken: the fields stay the last good ones, and the
    # residuals say which equation blew up
    kept = jax.tree_util.tree_map(lambda a, b: jnp.where(bad, a, b), s, new)
    return kept._replace(status=status, step=jnp.where(bad, s.step, new.step),
                         res_mom=res_mom, res_div=res_div, res_energy=res_t)


def advance(prm: Params, s: State, last_step, t_stop, cfg: Settings) -> State:
    """Run steps until ``last_step``, the time ``t_stop`` (s), convergence, the end
    time, or a blow-up."""
    def cond(s):
        return (s.step < last_step) & (s.status == RUNNING) & (s.t < before(t_stop))
    one = implicit_step if cfg.dual else steady_iteration if cfg.implicit else step
    return lax.while_loop(cond, lambda s: one(s, prm, cfg, t_stop), s)


_COMPILED: dict = {}
# one compiled call per grid (op by op, each operation would compile per grid)
cell_velocity_compiled = jax.jit(cell_velocity)


def compiled_advance(cfg: Settings) -> Callable:
    """One jitted :func:`advance` per settings (and, inside jit's cache, per shape):
    ``(params, state, last_step, t_stop) -> state``, the state donated."""
    if cfg not in _COMPILED:
        _COMPILED[cfg] = jax.jit(lambda prm, s, last, t_stop: advance(prm, s, last, t_stop, cfg),
                                 donate_argnums=(1,))
    return _COMPILED[cfg]
