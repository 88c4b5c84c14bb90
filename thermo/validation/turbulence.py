"""Turbulence-model validation: a fully developed turbulent plane channel.

Periodic in x and z (one cell each: the problem is 1-D in y), walls at y = 0
and y = 2 delta (delta = 1 m), driven by a uniform body force g (m/s2), so the
wall shear stress is exactly ``tau_w / rho = g delta``; U_b is the bulk velocity
and ``Re_b = U_b 2 delta / nu``. With the Chen & Xu (1998) zero-equation model,
``nu_t = 0.03874 |V| l`` (l the distance to the nearer wall), two rows:

1. Check (kind ``"check"``: the numbers the solver is responsible for). In this channel
   the total shear stress is linear, ``(nu + nu_t) du/dy = g (delta - y)``, so
   the model's exact profile is an initial-value problem from the wall, solved
   here by RK4 on 20 000 wall-clustered points. Bound on |U_b - U_b,exact| /
   U_b,exact: 2 % at 256 cells across (measured at Re_b 2e4: 3.7 % with 128
   cells, first cell centre at y+ 5.8; 0.3 % with 256; 0.35 % with 512; at
   Re_b 1e4: 0.1 % with 128, 0.45 % with 256).

2. The model against Dean's correlation ``Cf = 0.073 Re_b^-1/4`` (Dean 1978,
   J. Fluids Eng. 100, 215) with ``Cf = 2 tau_w / (rho U_b^2)``: NOT VALIDATED
   (kind ``"not validated"``: shown with its error, never a pass or a failure).
   The model is not a channel-flow model: fitted to room (ventilation) flows,
   its eddy viscosity at the channel centre, 0.039 U delta, is about ten times
   the real one (about 0.08 u_tau delta), and next to the wall it grows as
   0.039 y+^2 nu with no damping, several times the van Driest mixing length in
   the buffer layer. Its exact solution (row 1's ODE) over-predicts Cf by 94 %
   at Re_b = 2e4 (98 % at 1e4); on coarse grids (first cell at y+ of 10 to
   30) the error happens to be smaller, which is luck, not accuracy. A
   validation of a friction coefficient would need 15 % (the bound shown; the
   mixing-length model meets 10 %); the model's constant is Chen & Xu's and is
   not tuned to a channel here, so the row states the model's error and claims
   nothing. Row 1 guards the implementation.

The body force is chosen, by shooting on the model's ODE, so that U_b is 1 m/s
at the nominal ``Re_b`` (2e4 by default; full mode adds 1e4 and a finer grid).
Each channel runs in 15-25 s on two cores (steady, dt = 2 s: the viscous terms are
implicit and there is no advection in a 1-D channel).

The same channel validates the mixing-length model (``"mixing-length-channel"``,
at the end of this module): Cf against Dean within 10 %, the mean profile
against the log law.
"""
from __future__ import annotations

import math

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.kernels.turbulence import CHEN_XU, KAPPA, LOG_LAW_B, MIXING_CAP, VAN_DRIEST_A
from thermo.validation.rows import row

DELTA = 1.0  # channel half-height (m)
# what a validation of a channel's friction coefficient would have to meet; the
# zero-equation model does not (about +94 %), so its row is "not validated"
ZERO_EQUATION_CF_BOUND = 0.15


def dean_cf(re_b: float) -> float:
    """Dean's (1978) friction coefficient of a smooth plane channel, Cf = 2 tau_w /
    (rho U_b^2) = 0.073 Re_b^-1/4, Re_b = U_b 2 delta / nu (about 1e4 to 1e5)."""
    return 0.073 * re_b ** -0.25


def chen_xu_channel_exact(g: float, nu: float, delta: float = DELTA, points: int = 20000):
    """The Chen-Xu model's exact channel profile: ``(nu + 0.03874 u y) du/dy = g
    (delta - y)``, ``u(0) = 0`` (y from the wall, m), by RK4 on points clustered at
    the wall. Returns (y, u) over the half channel (m, m/s)."""
    s = np.linspace(0.0, 1.0, points + 1)
    y = delta * (1.0 - np.cos(0.5 * np.pi * s))
    rate = lambda yy, uu: g * (delta - yy) / (nu + CHEN_XU * abs(uu) * yy)
    u = np.zeros_like(y)
    for i in range(points):
        h = y[i + 1] - y[i]
        k1 = rate(y[i], u[i])
        k2 = rate(y[i] + h / 2, u[i] + h / 2 * k1)
        k3 = rate(y[i] + h / 2, u[i] + h / 2 * k2)
        k4 = rate(y[i + 1], u[i] + h * k3)
        u[i + 1] = u[i] + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y, u


def bulk_velocity_exact(g: float, nu: float, delta: float = DELTA) -> float:
    """U_b (m/s) of the model's exact profile (trapezoidal mean)."""
    y, u = chen_xu_channel_exact(g, nu, delta)
    return float(np.sum(0.5 * (u[1:] + u[:-1]) * np.diff(y)) / delta)


def body_force_for(re_b: float, delta: float = DELTA) -> tuple[float, float]:
    """(g, nu) that give U_b = 1 m/s at ``re_b`` for the model's exact solution
    (secant iteration on log g)."""
    nu = 2.0 * delta / re_b
    lg = [np.log(0.5 * dean_cf(re_b) / delta), np.log(dean_cf(re_b) / delta)]
    f = [np.log(bulk_velocity_exact(np.exp(x), nu, delta)) for x in lg]
    for _ in range(20):
        x = lg[1] - f[1] * (lg[1] - lg[0]) / (f[1] - f[0])
        lg, f = [lg[1], x], [f[1], np.log(bulk_velocity_exact(np.exp(x), nu, delta))]
        if abs(f[1]) < 1e-10:
            break
    return float(np.exp(lg[1])), nu


def channel_case(n: int, g: float, nu: float, model: str = "zero-equation",
                 delta: float = DELTA, tolerance: float = 1e-8) -> dict:
    """The periodic channel, ``n`` cells across 2 delta, one cell in x and z."""
    return {
        "case": {"name": f"turbulent-channel-{model}-{n}"},
        "domain": {"size": [0.1, 2.0 * delta, 0.1], "cells": [1, n, 1], "gravity": [0, 0, 0]},
        "materials": [{"name": "channel-fluid", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 1.0, "viscosity": nu, "expansion": 0.0}],
        "fluid": {"material": "channel-fluid", "initial_velocity": [1.0, 0.0, 0.0]},
        "physics": {"body_force": [g, 0.0, 0.0], "turbulence": model},
        "boundaries": [{"name": a + s, "face": a + s, "flow": "periodic"}
                       for a in "xz" for s in "-+"],
        "solver": {"mode": "steady", "tolerance": tolerance, "max_steps": 20000,
                   "steps_per_call": 1000, "dt": 2.0},
    }


def channel_profile(n: int, g: float, nu: float, model: str = "zero-equation"):
    """Run the channel; returns (y cell centres (m), u (m/s), RunInfo)."""
    sim = Simulation(case_from_dict(channel_case(n, g, nu, model)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"turbulent channel n={n} did not converge: {info}")
    return sim.grid.centers(1), np.asarray(state.u[0])[0, :, 0], info


def validate_turbulent_channel(full: bool = False) -> list[dict]:
    rows = []
    cases = ((2e4, 256),) + (((1e4, 256), (2e4, 512)) if full else ())
    for re_nominal, n in cases:
        g, nu = body_force_for(re_nominal)
        _, u, info = channel_profile(n, g, nu)
        ub = float(u.mean())
        ub_exact = bulk_velocity_exact(g, nu)
        rows.append(row("turbulent-channel", f"zero-equation U_b vs the model's exact profile, "
                        f"{n} cells, Re_b {re_nominal:.0e} (|error| / U_b)", ub_exact, ub,
                        abs(ub - ub_exact) / ub_exact, 0.02, "check"))
        re_b = ub * 2.0 * DELTA / nu
        cf = 2.0 * g * DELTA / ub ** 2
        ref = dean_cf(re_b)
        rows.append(row("turbulent-channel", f"zero-equation Cf vs Dean 0.073 Re_b^-1/4 at Re_b "
                        f"{re_b:.0f}, {n} cells (|Cf/Cf_Dean - 1|; a room-air model, not a "
                        f"channel model: its exact profile is about 95 % high)", ref, cf,
                        abs(cf / ref - 1.0), ZERO_EQUATION_CF_BOUND, "not validated"))
    return rows


# ---------------------------------------------------------------------------
# Mixing length (Prandtl, van Driest damping, outer cap 0.09 delta)
# ---------------------------------------------------------------------------
#
# The same channel with ``physics.turbulence = "mixing-length"``: nu_t = l_m^2
# |S|, l_m = min(0.41 y (1 - exp(-y+/26)), 0.09 L), L the largest wall distance
# in the fluid (here delta - h/2, the centre cell's), y+ from the local speed by
# Spalding's law of the wall (thermo/kernels/turbulence.py). Rows:
#
# The body force is Dean's wall stress at the nominal Re_b with U_b = 1 m/s, so
# Re_b lands near the nominal value. Default: Re_b 1e4 on 256 cells across (cell
# size h+ 2.3, first centre at y+ 1.2); full mode adds Re_b 2e4 and 3e4 on 512.
#
# 1. Check: U_b against the model's own exact profile, the ODE
#    ``(nu + l_m^2 |u'|) u' = g (delta - y)`` integrated from the wall by RK4 on
#    4000 wall-clustered points (converged to 3e-8 against 20 000). The grid
#    error sits in the buffer layer (y+ 2 to 20), where nu_t grows like y^3 and
#    its arithmetic mean onto the cell edges over-estimates it: a u+ offset of
#    about -0.33 (h+ / 4.3)^2 that then carries to the centre (second order;
#    measured at Re_b 2e4: -4.9 % of U_b with 128 cells, h+ 8.6; -1.7 % with
#    256, h+ 4.3; at Re_b 1e4 with 256, h+ 2.3: -0.55 %). Bound 1.5 %, for
#    h+ up to about 3.
# 2. Validation: Cf = 2 tau_w / (rho U_b^2) against Dean's 0.073 Re_b^-1/4. The
#    model's exact profile gives -1.2 % at Re_b 1e4, -2.8 % at 2e4, -2.0 % at 4e4
#    and +0.5 % at 9e4; Dean's correlation itself fits the data to a few per
#    cent. Bound 10 %.
# 3. The mean profile against the log law u+ = ln(y+)/0.41 + 5.2 for 30 < y+ <
#    0.3 Re_tau: max |u+ - u+_log| / u+_log. The exact model profile is 3.5 %
#    below at y+ 30 (the end of the buffer layer, where van Driest's A+ = 26
#    puts the profile about 0.45 below the log line) and within 1.5 % above y+
#    50. Bound 5 %.

def mixing_length_channel_exact(g: float, nu: float, cap: float, delta: float = DELTA,
                                points: int = 4000):
    """The mixing-length model's exact channel profile: ``u' = 2 tau / (nu +
    sqrt(nu^2 + 4 l_m^2 tau))`` with ``tau = g (delta - y)``, ``l_m = min(kappa y
    (1 - exp(-y+/A+)), cap)`` and ``y+`` from ``u y / nu`` by Spalding's law,
    ``u(0) = 0``; RK4 in plain floats on points clustered at the wall. Returns
    (y, u) over the half channel (m, m/s)."""
    c = math.exp(-KAPPA * LOG_LAW_B)

    def uplus(re):  # kernels.turbulence.spalding_uplus, scalar
        re = max(re, 1e-12)
        up, target = min(math.sqrt(re), 40.0), math.log(re)
        for _ in range(6):
            k = KAPPA * up
            e = math.expm1(k) - k - 0.5 * k * k
            yp = up + c * (e - k ** 3 / 6.0)
            up -= (math.log(up * yp) - target) / (1.0 / up + (1.0 + c * KAPPA * e) / yp)
        return up

    def rate(yy, uu):
        re = abs(uu) * yy / nu
        lm = min(KAPPA * yy * -math.expm1(-re / uplus(re) / VAN_DRIEST_A), cap)
        tau = g * (delta - yy)
        return 2.0 * tau / (nu + math.sqrt(nu * nu + 4.0 * lm * lm * tau))

    y = [delta * (1.0 - math.cos(0.5 * math.pi * i / points)) for i in range(points + 1)]
    u = [0.0]
    for i in range(points):
        h, uu = y[i + 1] - y[i], u[-1]
        k1 = rate(y[i], uu)
        k2 = rate(y[i] + h / 2, uu + h / 2 * k1)
        k3 = rate(y[i] + h / 2, uu + h / 2 * k2)
        k4 = rate(y[i + 1], uu + h * k3)
        u.append(uu + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
    return np.asarray(y), np.asarray(u)


def log_law_error(y, u, g: float, nu: float, delta: float = DELTA):
    """max |u+ - (ln y+ / 0.41 + 5.2)| / u+_log over the points with 30 < y+ <
    0.3 Re_tau (u_tau = sqrt(g delta)); y from the wall (m), u (m/s)."""
    u_tau = math.sqrt(g * delta)
    yp, up = np.asarray(y) * u_tau / nu, np.asarray(u) / u_tau
    m = (yp > 30.0) & (yp < 0.3 * delta * u_tau / nu)
    log = np.log(yp[m]) / KAPPA + LOG_LAW_B
    return float(np.max(np.abs(up[m] - log) / log))


def validate_mixing_length_channel(full: bool = False) -> list[dict]:
    rows = []
    name = "mixing-length-channel"
    cases = ((1e4, 256),) + (((2e4, 512), (3e4, 512)) if full else ())
    for re_nominal, n in cases:
        nu = 2.0 * DELTA / re_nominal
        g = 0.5 * dean_cf(re_nominal) / DELTA  # U_b = 1 m/s if Dean holds
        y, u, info = channel_profile(n, g, nu, "mixing-length")
        ub = float(u.mean())
        cap = MIXING_CAP * float(y[n // 2 - 1])  # the largest wall distance: delta - h/2
        ye, ue = mixing_length_channel_exact(g, nu, cap)
        ub_exact = float(np.sum(0.5 * (ue[1:] + ue[:-1]) * np.diff(ye)) / DELTA)
        rows.append(row(name, f"mixing-length U_b vs the model's exact profile, {n} cells, "
                        f"Re_b {re_nominal:.0e} (|error| / U_b)", ub_exact, ub,
                        abs(ub - ub_exact) / ub_exact, 0.015, "check"))
        re_b = ub * 2.0 * DELTA / nu
        cf = 2.0 * g * DELTA / ub ** 2
        ref = dean_cf(re_b)
        rows.append(row(name, f"mixing-length Cf vs Dean 0.073 Re_b^-1/4 at Re_b {re_b:.0f}, "
                        f"{n} cells (|Cf/Cf_Dean - 1|)", ref, cf, abs(cf / ref - 1.0), 0.10,
                        "validation"))
        half = slice(0, n // 2)
        u_tau = math.sqrt(g * DELTA)
        i = int(np.argmin(np.abs(y[half] * u_tau / nu - 100.0)))  # the cell nearest y+ 100
        rows.append(row(name, f"mixing-length u+ vs log law ln(y+)/0.41 + 5.2 (shown at y+ "
                        f"{y[i] * u_tau / nu:.0f}), 30 < y+ < 0.3 Re_tau, {n} cells "
                        f"(max |u+/u+_log - 1|)", math.log(y[i] * u_tau / nu) / KAPPA + LOG_LAW_B,
                        u[i] / u_tau, log_law_error(y[half], u[half], g, nu), 0.05,
                        "validation"))
    return rows
