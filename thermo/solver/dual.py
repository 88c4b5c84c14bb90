"""Implicit time steps (``mode = "transient"``, ``scheme = "implicit"``): dual time.

Each time step of ``solver.dt`` solves the unsteady equations at the new time level
with the steady scheme's iterations (:func:`thermo.solver.steady.steady_iteration`):
the time derivative by BDF2 on variable steps,

    d phi / dt ~ (a0 phi - a1 phi_n + a2 phi_(n-1)) / dt,
    a0 = (1 + 2 w) / (1 + w), a1 = 1 + w, a2 = w^2 / (1 + w), w = dt / dt_(n-1),

(backward Euler, a0 = a1 = 1 and a2 = 0, on the first step) is one more term of every
equation's residual (momentum m/s2, energy W/m3 with each cell's heat capacity,
solids included; k and epsilon) and ``a0 / dt`` one more diagonal of its matrix: in
momentum a drag, so that SIMPLEC's projection coefficient is ``dtau / (1 + dtau (drag
+ a0 / dt))``. The iterations stop at ``solver.outer_iterations`` or when the three
normalised residuals, time terms included, are below ``solver.outer_tolerance``. The
pseudo-time step ``dtau`` only sets how fast they converge: a converged step is the
BDF2 step, second order in time, its step not bound by the advective Courant number
(the time march's ``solver.cfl``) but by what the flow's time scales need.
"""
from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from thermo.solver.numerics import before
from thermo.solver.steady import steady_iteration
from thermo.solver.state import DIVERGED, FINISHED, RUNNING, Params, Settings, State

#: BDF2's lead coefficient on equal steps (the projection's hierarchy is built with it)
BDF2_LEAD = 1.5


class TimeTerms(NamedTuple):
    """The time derivative of one implicit step: ``lead * phi - past`` over ``dt``
    for each field. ``lead_rate`` is ``a0 / dt`` (1/s); ``u``, ``T``, ``turb`` hold
    ``(a1 phi_n - a2 phi_(n-1)) / dt`` (the old levels' part, in the field's unit per
    second)."""

    lead_rate: jnp.ndarray
    u: tuple
    T: jnp.ndarray
    turb: tuple


def bdf2_coefficients(dt, dt_before, first):
    """``(a0, a1, a2)`` of variable-step BDF2 for a step ``dt`` after one of
    ``dt_before`` (s); backward Euler's ``(1, 1, 0)`` where ``first``."""
    w = dt / jnp.where(first, 1.0, dt_before)
    a0 = jnp.where(first, 1.0, (1.0 + 2.0 * w) / (1.0 + w))
    a1 = jnp.where(first, 1.0, 1.0 + w)
    a2 = jnp.where(first, 0.0, w * w / (1.0 + w))
    return a0, a1, a2


def time_terms(s: State, dt) -> TimeTerms:
    """The time derivative's parts for the step of ``dt`` (s) from ``s``."""
    u_b, T_b, turb_b, _ = s.history
    a0, a1, a2 = bdf2_coefficients(dt, s.dt, s.step == 0)
    past = lambda now, then: (a1 * now - a2 * then) / dt
    return TimeTerms(a0 / dt, tuple(past(x, y) for x, y in zip(s.u, u_b)), past(s.T, T_b),
                     tuple(past(x, y) for x, y in zip(s.turb, turb_b)))


def initial_history(u: tuple, T, turb: tuple) -> tuple:
    """The ``history`` of an implicit transient run's first state: the level before
    (unused by the first, backward-Euler step) and no iterations yet."""
    return (tuple(jnp.array(x) for x in u), jnp.array(T), tuple(jnp.array(x) for x in turb),
            jnp.int32(0))


def implicit_step(s: State, prm: Params, cfg: Settings, t_stop) -> State:
    """The state one implicit time step later: ``min(solver.dt, t_stop - t)`` (landing
    on frames, checkpoints, events and the end), or the last good fields with
    ``DIVERGED``. Its residuals are the last iteration's; ``history`` sums the
    iterations."""
    dt = jnp.minimum(jnp.asarray(cfg.dt_fixed, s.t.dtype), t_stop - s.t)
    terms = time_terms(s, dt)
    # the iterations start from the fields extrapolated linearly in time: on a small room
    # (tests/test_dual_time.py's, dt 0.025 s) 1.3 iterations per step instead of 2.2, and
    # at the tolerance 1e-3 the server's inlet 0.001 K from the step converged to 1e-6
    # instead of 0.025 K
    u_b, T_b, _, _ = s.history
    w = jnp.where(s.step == 0, 0.0, dt / s.dt)
    ahead = lambda now, then: now + w * (now - then)
    start = s._replace(u=tuple(ahead(x, y) for x, y in zip(s.u, u_b)), T=ahead(s.T, T_b),
                       status=jnp.int32(RUNNING))

    def cond(carry):
        i, x = carry
        return (i < cfg.outer_iterations) & (x.status == RUNNING)

    def body(carry):
        i, x = carry
        return i + 1, steady_iteration(x, prm, cfg, t_stop, terms)

    n, x = lax.while_loop(cond, body, (jnp.int32(0), start))
    bad = x.status == DIVERGED
    t = s.t + dt
    status = jnp.where(bad, jnp.int32(DIVERGED),
                       jnp.where(t >= before(cfg.end_time), jnp.int32(FINISHED), jnp.int32(RUNNING)))
    new = x._replace(dt=dt, t=t, step=s.step + 1, status=status,
                     history=(s.u, s.T, s.turb, s.history[3] + n))
    kept = jax.tree_util.tree_map(lambda a, b: jnp.where(bad, a, b), s, new)
    return kept._replace(status=status, res_mom=x.res_mom, res_div=x.res_div,
                         res_energy=x.res_energy)
