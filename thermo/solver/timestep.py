"""The time step: the advective CFL limit, the force limit of a flow at rest, and
the explicit eddy heat flux's limit (viscous terms are implicit)."""
from __future__ import annotations

import jax.numpy as jnp

from thermo.kernels.stencils import diff_faces
from thermo.kernels.spacing import is_uniform
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.solver.geometry import face_reach, smallest
from thermo.solver.numerics import TINY
from thermo.solver.state import Params, Settings


def advective_step(u, cfg: Settings):
    """The fixed ``solver.dt``, or the step (s) at which the fastest flow crosses
    ``cfl`` cells."""
    if cfg.dt_fixed is not None:
        return jnp.asarray(cfg.dt_fixed, u[0].dtype)
    rate = 0.0
    for a in range(3):
        if cfg.active[a]:
            if is_uniform(cfg.h[a]):
                umax = jnp.maximum(jnp.max(jnp.abs(u[a])), cfg.u_bc[a])
                rate = rate + umax / cfg.h[a]
            else:  # each face against the smaller of its two cells
                rate = rate + jnp.maximum(jnp.max(jnp.abs(u[a]) / face_reach(cfg, a, u[a].dtype)),
                                          cfg.u_bc[a] / smallest(cfg, a))
    # viscous terms are implicit: only advection limits the step; with no flow
    # at all, a step of one viscous time of a cell keeps the loop finite
    visc = cfg.nu * sum(1.0 / smallest(cfg, a) ** 2 for a in range(3) if cfg.active[a])
    return 1.0 / jnp.maximum(rate / cfg.cfl, jnp.maximum(visc, TINY))


def force_limited(dt, f, visc, p, prm: Params, cfg: Settings):
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
    h = min(smallest(cfg, a) for a in range(3) if cfg.active[a])
    return jnp.minimum(dt, jnp.sqrt(cfg.cfl * h / jnp.maximum(accel, TINY)))


def eddy_limited(dt, nut, cfg: Settings):
    """``dt`` cut to the explicit eddy heat flux's stability limit (with the
    advective CFL on top: half the explicit diffusion limit)."""
    rate = jnp.max(nut) / PRANDTL_TURBULENT * sum(1.0 / smallest(cfg, a) ** 2
                                                  for a in range(3) if cfg.active[a])
    return jnp.minimum(dt, 0.25 / jnp.maximum(rate, TINY))
