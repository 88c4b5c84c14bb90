"""Viscosity per cell and on the faces of each velocity control volume: molecular
(a scalar, the fluid's table at T, or per fluid) plus the closure's eddy part."""
from __future__ import annotations

import jax.numpy as jnp

from thermo.kernels.stencils import shift
from thermo.solver.numerics import TINY
from thermo.solver.state import Params, Settings


def pad_cells(f, cfg: Settings, fill):
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


def molecular_nu(T, prm: Params, cfg: Settings):
    """Kinematic viscosity per cell (m2/s): per fluid, from the fluid's table at T, or
    the scalar."""
    if cfg.multi_fluid:
        return prm.nu_cell
    if cfg.nu_of_T:
        return jnp.exp(jnp.interp(T, prm.visc_T, prm.visc_log_nu))
    return jnp.full(T.shape, cfg.nu, T.dtype)


def eddy_viscosity(u, T, prm: Params, cfg: Settings, turb_state=()):
    """The closure's eddy viscosity per cell (m2/s), zero in solids; None without a
    closure. From the velocity (and a transport closure's fields ``turb_state``) at the
    step's start (lagged)."""
    if cfg.turbulence is None:
        return None
    return prm.fluid * cfg.turbulence.eddy_viscosity(u, molecular_nu(T, prm, cfg), prm, cfg,
                                                     turb_state)


def face_viscosity(u, T, prm: Params, cfg: Settings, nut=None):
    """The effective kinematic viscosity (m2/s) on the faces of each velocity
    component's control volume, or None for the constant scalar ``cfg.nu``.

    Per cell, ``nu_eff = nu_mol + nu_t``: ``nu_mol = mu(T) / rho(T_ref)`` from the
    fluid's table (log-linear in T like ``Material.at``, clamped to its ends) or
    the scalar; ``nu_t`` from the closure with the current (lagged) velocity,
    zero in solids. Returns ``coef[c][a] = (lo, hi)``, arrays shaped like
    ``u[c]``: the viscosity on the low and high sides of each c-face along ``a``.
    For ``a == c`` these are cell centres; for ``a != c`` cell edges, the
    arithmetic mean of the four cells around the edge. Beyond a non-periodic
    boundary the molecular part is the boundary cell's, the eddy part zero; and
    the eddy part is zero on an edge that touches a solid cell or a boundary (it
    lies on a wall, where every closure's ``nu_t`` vanishes).
    """
    if not cfg.variable_nu:
        return None
    shape = T.shape
    nu_mol = molecular_nu(T, prm, cfg)
    nu_p = pad_cells(nu_mol, cfg, "edge")
    nut_p = fluid_p = wet_p = None
    if cfg.multi_fluid:
        # an edge's molecular viscosity: the mean over its fluid cells only, so that
        # a wall of a water channel sees water, not the air beyond the solid
        wet_p = pad_cells(prm.fluid, cfg, "edge")
    if cfg.turbulence is not None:
        if nut is None:
            nut = eddy_viscosity(u, T, prm, cfg)
        nut_p = pad_cells(nut, cfg, "zero")
        fluid_p = pad_cells(prm.fluid, cfg, "zero")
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
                e = edges(nu_p * wet_p, total) / jnp.maximum(edges(wet_p, total), TINY)
            if nut_p is not None:
                e = e + edges(nut_p, mean) * edges(fluid_p, jnp.minimum)
            row.append((shift(e, a, 0, n[a]), shift(e, a, 1, n[a])))
        coef.append(tuple(row))
    return tuple(coef)
