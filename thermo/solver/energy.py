"""The energy equation's step: bounded advection (explicit), conduction (implicit,
weight ``theta``), the closure's eddy heat flux and the part models' exchanges."""
from __future__ import annotations

import jax.numpy as jnp

from thermo.kernels.energy import van_leer_faces
from thermo.kernels.multigrid import with_shift
from thermo.kernels.poisson import solve_spd
from thermo.kernels.stencils import along, halo_with_ghosts, laplacian, shift
from thermo.kernels.spacing import is_uniform
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.solver.geometry import cell_widths
from thermo.solver.numerics import reachable_tolerance
from thermo.solver.state import Params, Settings
from thermo.solver.walls import eddy_heat_secant, has_wall_functions, wall_heat


def eddy_coefficients(nut, rho_cp, prm: Params, cfg: Settings, u=None, T=None) -> tuple:
    """The eddy conductivity ``rho cp nu_t / Pr_t`` (W/(m K)) on the faces of each axis
    (``n + 1`` along it): the mean of the two cells' between fluid cells, zero elsewhere
    (no eddy flux through walls, where nu_t vanishes); with the velocity ``u`` and ``T``
    and wall functions, the first interior edge from each heat-exchanging wall takes
    the law of the wall's secant (:func:`thermo.solver.walls.eddy_heat_secant`), but
    with the switched law, which keeps the mean (as OpenFOAM does)."""
    k_cell = rho_cp * nut / PRANDTL_TURBULENT
    coeffs = []
    for a in range(3):
        n = nut.shape[a]
        if not cfg.active[a] or n < 2:
            shape = tuple(m + (1 if b == a else 0) for b, m in enumerate(nut.shape))
            coeffs.append(jnp.zeros(shape, nut.dtype))
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
    if u is not None and has_wall_functions(cfg) and not cfg.turbulence.switched_heat:
        coeffs = eddy_heat_secant(coeffs, u, T, rho_cp, prm, cfg)
    return tuple(coeffs)


def eddy_conduction(T, coeffs: tuple, cfg: Settings):
    """Turbulent heat flux divergence ``div(k_t grad T)`` (W/m3) with the face
    conductivities ``coeffs`` of :func:`eddy_coefficients`."""
    return laplacian(T, coeffs, cfg.h, cfg.periodic)


def cell_rho_cp(prm: Params, cfg: Settings):
    """Each fluid cell's ``rho cp`` (J/(m3 K)), or the scalar with one fluid (exact
    with several: no flow crosses between fluids)."""
    return cfg.rho_cp if prm.rho_cp_cell is None else prm.rho_cp_cell


def _faces(padded, vel, a: int, cfg: Settings):
    """Van Leer face values along axis ``a`` (true distances on a graded axis)."""
    if is_uniform(cfg.h[a]):
        return van_leer_faces(padded, vel, a)
    return van_leer_faces(padded, vel, a, h_a=cfg.h[a], periodic=cfg.periodic[a])


def energy_terms(T, u, prm: Params, cfg: Settings, eddy=None):
    """The energy equation's explicit terms at ``T`` (W/m3): van Leer advection (with
    the part models' face fluxes), conduction, sources, the eddy heat flux (``eddy``:
    the face conductivities of :func:`eddy_coefficients`, None without a closure) and
    the parts' exchange ``G (Tc - T)``; with the exchange conductance ``G`` summed over
    the parts (W/m3 K, 0.0 without), each fluid cell's ``rho cp`` (J/m3 K, or the
    scalar) and what the parts' :meth:`finish_temperature` needs."""
    every = (True, True, True)
    q = halo_with_ghosts(T, prm.t_ghosts, -1, cfg.periodic, every, 2)
    pads = [along(q, a, T.shape, every, 2) for a in range(3)]
    rho_cp = cell_rho_cp(prm, cfg)
    flux = [u[a] * _faces(pads[a], u[a], a, cfg) for a in range(3)]
    carries = []
    for model in cfg.parts:
        flux, carry = model.advective_fluxes(flux, pads, u, prm.parts[model.key], cfg)
        carries.append(carry)
    adv = rho_cp * sum((shift(flux[a], a, 1, T.shape[a]) - shift(flux[a], a, 0, T.shape[a]))
                       / cell_widths(cfg, a, T.dtype) for a in range(3))
    explicit = laplacian(T, prm.t_coeffs, cfg.h, cfg.periodic) + prm.t_source - adv
    if eddy is not None:
        explicit = explicit + eddy_conduction(T, eddy, cfg)
    g_sum = 0.0
    if has_wall_functions(cfg):
        # the walls' extra heat, its diagonal implicit as an exchange's is
        extra, g_sum = wall_heat(T, u, prm, cfg)
        explicit = explicit + extra
    for model in cfg.parts:
        # heat G (Tc - T) into the model's cells, implicit in T (fully, whatever
        # theta), with Tc from T at the step's start
        exchange = model.heat_exchange(T, prm.parts[model.key])
        if exchange is not None:
            g, g_tc = exchange
            explicit = explicit + g_tc - g * T
            g_sum = g_sum + g
    return explicit, g_sum, rho_cp, carries


def finish(T_new, prm: Params, cfg: Settings, carries):
    """``T_new`` with the cells the part models own set by them."""
    for model, carry in zip(cfg.parts, carries):
        T_new = model.finish_temperature(T_new, prm.parts[model.key], carry)
    return T_new


def energy_step(T, u, dt, prm: Params, cfg: Settings, nut=None):
    """Temperature after one step: van Leer advection (explicit) and conduction
    (implicit, weight ``theta``), solved for the increment by multigrid-PCG. Part
    models may set advective face fluxes, exchange heat implicitly and own cells'
    temperatures."""
    eddy = None if nut is None else eddy_coefficients(nut, cell_rho_cp(prm, cfg), prm, cfg, u, T)
    explicit, g_sum, _, carries = energy_terms(T, u, prm, cfg, eddy)
    cap = prm.capacity / (cfg.theta * dt) + g_sum / cfg.theta
    levels = with_shift(prm.t_levels, cap)
    dT, info = solve_spd(levels, explicit / cfg.theta, jnp.zeros_like(T),
                         tol=reachable_tolerance(cfg.conduction.tolerance, T),
                         max_iter=cfg.conduction.max_iterations, acc=cfg.accumulate)
    return finish(T + dT, prm, cfg, carries), info
