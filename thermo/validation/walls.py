"""Wall functions (``physics.turbulence = "lvel"``): a heated square duct against
Petukhov and Gnielinski (``lvel-duct``), and the periodic plane channel with wall
functions against the same model resolved to the wall (``lvel-channel``).

LVEL (Agonafer, Gan-Li & Spalding 1996) takes ``nu_t = nu (dy+/du+ - 1)`` from
Spalding's law at ``Re_d = |V| d / nu``; its walls take their stress from
Spalding's law at the first cell and their heat from Jayatilleke's P-function
(``Pr_t`` 0.85) (:mod:`thermo.solver.walls`).

``lvel-duct``: a square duct, side D = 0.1 m, air (rho 1.2, cp 1005, k 0.026, mu
1.8e-5: Pr 0.696), uniform inlet at x- (20 C), outlet at x+, the four walls at
40 C, length 30 D on 90 cells (3 per D), the implicit steady scheme to 1e-5 in
float64. Values are taken over 0.75 to 0.9 of the length: the friction factor
``f = -dp/dx D / (U_b^2 / 2)`` from the section-mean pressure, and ``Nu = h D / k``
with ``h = q_w / (T_w - T_b)``, ``q_w = rho cp U_b (D/4) dT_b/dx`` from the
mixing-cup temperature ``T_b``. ``y+`` below is the first cell centre's, ``(D / 2n)
u_tau / nu`` with ``u_tau = U_b sqrt(f / 8)``. Measured (10 x 10 cells across unless
stated; L/D 60 gives f and Nu within 0.4 percentage points, so L/D 30 is developed there):

======== ======= ======== =========== ====================
Re       cells   y+       f vs Pet.   Nu vs Gnielinski
======== ======= ======== =========== ====================
1e4      10      32       +4.9 %      +14.8 %
2e4      6       95       -0.8 %      +9.9 %
2e4      10      58       +3.3 %      +11.8 %
2e4      20      30       +7.9 %      +12.1 %
1e5      10      240      +2.7 %      +11.4 %
======== ======= ======== =========== ====================

Rows:

1. Validation: f against Petukhov's ``(0.79 ln Re - 1.64)^-2`` (smooth tubes, Re 3e3
   to 5e6, with the hydraulic diameter). Bound 10 %: the quick grid (10 x 10, Re
   2e4) gives +3.3 %, but f rises as the grid is refined (+7.9 % at 20 x 20, y+ 30)
   towards LVEL's own wall-resolved error, which in the plane channel is +14 %
   against Dean (``lvel-channel``); 5 % would be met by the coarse grid's luck.
2. Nu against Gnielinski's ``(f/8)(Re - 1000) Pr / (1 + 12.7 sqrt(f/8)(Pr^2/3 -
   1))``: NOT VALIDATED (+11.8 %, +11.6 % fully developed at L/D 60, against a
   10 % bound). LVEL over-predicts the heat transfer for two reasons: (a) the
   wall function's ``T+ = Pr_t (u+ + P)`` with Pr_t 0.85 is about 7 % below Kader's
   (1981) fit to air data, ``T+ = 2.12 ln y+ + 3.69`` at Pr 0.7, for y+ 30 to 100
   (10.07 vs 10.90 at y+ 30, 11.44 vs 12.30 at y+ 58), and the wall layer holds
   about three quarters of ``T_w - T_b`` (theta_b+ about 15.5 at Re 2e4), so about
   5 % of Nu; (b) LVEL's eddy viscosity in the core grows to ``kappa u_tau d`` at
   the centre, several times the real one (the plane channel's resolved Cf is +14
   % high), and the eddy diffusivity (nu_t / 0.85) with it, which flattens the
   core's temperature profile. Gnielinski's fit itself scatters by several per
   cent about the data. The model is not tuned here; the row states its error.
3. Check: Nu is nearly independent of where the first cell lies: the relative
   difference of Nu between two grids at Re 2e4 is at most 10 % (the issue: "the
   same within 10 % when the first cell moves from y+ 30 to y+ 150"). Quick mode
   compares 10 x 10 (y+ 58) with 6 x 6 (y+ 95), measured 1.7 %; full mode 20 x 20
   (y+ 30) with 6 x 6, measured 2.0 % (Nu on the three grids: 56.27, 57.25, 57.41;
   f: 0.02594, 0.02702, 0.02821).
4. Check: the energy balance of the 10 x 10 duct (the wall functions' heat at the
   fixed-temperature walls against the advected rise), bound 1e-6 (measured
   9e-9 at the tolerance 1e-5).

Quick mode runs Re 2e4 on 10 x 10 and 6 x 6 (about 30 s on two cores); full mode
adds 20 x 20 at Re 2e4 (the three grids; 45 to 90 s alone) and 10 x 10 at Re 1e4
and 1e5 (about 3 minutes in all, with ``lvel-channel``).

``lvel-channel``: the plane channel of :mod:`thermo.validation.turbulence` (periodic,
body-force driven, Re_b 2e4 nominal) with ``"lvel"``. The reference is the same
model resolved to the wall on 512 cells across (first centre at y+ 1.1; U_b
changes by 0.2 % from 512 to 1024 cells, and by 0.7 % from 256); the wall-function
runs are 16 and 8 cells across (y+ 35 and 69). Rows:

1. Check: |U_b - U_b,resolved| / U_b,resolved, bound 5 %. Measured +0.5 % (y+ 35)
   and +2.6 % (y+ 69); full mode adds 32 cells (y+ 17, in the buffer layer, where
   Spalding's law still holds) and takes the reference on 1024 cells (y+ 0.5):
   -1.4 %, +0.3 %, +2.4 % on 32, 16 and 8 cells (64 cells, y+ 9, not a row: -2.9 %).
   Quick mode takes about 15 s.
2. Cf = 2 tau_w / (rho U_b^2) against Dean's 0.073 Re_b^-1/4: NOT VALIDATED
   (bound 5 %, what a wall-function model's friction would have to meet). The
   resolved model is +14 % above Dean (+13.9 % on 1024 cells): LVEL's eddy
   viscosity tends to ``kappa u_tau d`` at the channel centre (no outer cap as the
   mixing length has, no wake), several times the real core value, so the core is
   too flat and U_b too low. The wall-function runs inherit it (+13 % at y+ 35, +9
   % at y+ 69: a coarser grid under-resolves that core, which is luck, not accuracy).

(An earlier measurement compared the Re_b 2e4 wall-function runs with a resolved
run at Re_b 1e4, giving 2.4 % and 4.6 %; at the same Re_b the differences are the
0.5 % and 2.6 % above.)
"""
from __future__ import annotations

import math
import time

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row
from thermo.validation.turbulence import DELTA, channel_case, dean_cf

# the duct's air (Pr 0.696) and temperatures
RHO, CP, K, MU = 1.2, 1005.0, 0.026, 1.8e-5
AIR = (RHO, CP, K, MU)  # density, specific heat, conductivity, viscosity (SI)
WATER = (998.0, 4182.0, 0.6, 1.0e-3)  # near 20 C: Pr 7.0
T_IN, T_WALL = 20.0, 40.0
SIDE = 0.1  # m
DUCT_LENGTH = 30.0  # in sides
DUCT_CELLS_PER_SIDE = 3  # along the duct
WINDOW = (0.75, 0.9)  # the stretch of the duct the fully developed values come from

DUCT_F_BOUND = 0.10  # friction factor against Petukhov (validation)
DUCT_NU_BOUND = 0.10  # Nu against Gnielinski: what a validation would need (LVEL: ~+12 %)
DUCT_YPLUS_BOUND = 0.10  # Nu between a fine and a coarse first cell (check)
DUCT_BALANCE_BOUND = 1e-6
CHANNEL_UB_BOUND = 0.05  # wall functions against the resolved model (check)
CHANNEL_CF_BOUND = 0.05  # Cf against Dean: what a validation would need (LVEL: ~+13 %)


def petukhov_f(re: float) -> float:
    """Petukhov's Darcy friction factor of a smooth tube, ``(0.79 ln Re - 1.64)^-2``."""
    return (0.79 * math.log(re) - 1.64) ** -2


def gnielinski_nu(re: float, pr: float) -> float:
    """Gnielinski's Nusselt number of a smooth tube (Re 3e3 to 5e6), with Petukhov's f."""
    f = petukhov_f(re)
    return (f / 8) * (re - 1000) * pr / (1 + 12.7 * math.sqrt(f / 8) * (pr ** (2 / 3) - 1))


def duct_case(re: float, n: int, length: float = DUCT_LENGTH, model: str = "lvel",
              fluid: tuple = AIR) -> dict:
    """The heated square duct at ``Re = U_b D / nu`` with ``n`` x ``n`` cells across;
    ``fluid`` = (density, specific heat, conductivity, viscosity)."""
    rho, cp, k, mu = fluid
    u = re * mu / rho / SIDE
    nx = int(round(length * DUCT_CELLS_PER_SIDE))
    walls = [{"name": f"wall{f}", "face": f, "flow": "wall", "temperature": T_WALL}
             for f in ("y-", "y+", "z-", "z+")]
    return {
        "case": {"name": f"{model}-duct-re{re:g}-{n}"},
        "domain": {"size": [length * SIDE, SIDE, SIDE], "cells": [nx, n, n],
                   "gravity": [0, 0, 0]},
        "materials": [{"name": "duct-fluid", "density": rho, "specific_heat": cp,
                       "conductivity": k, "viscosity": mu, "expansion": 0.0}],
        "fluid": {"material": "duct-fluid", "initial_velocity": [u, 0, 0], "initial_temperature": T_IN},
        "physics": {"turbulence": model},
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [u, 0, 0],
                        "temperature": T_IN},
                       {"name": "out", "face": "x+", "flow": "outlet"}] + walls,
        "solver": {"mode": "steady", "scheme": "implicit", "tolerance": 1e-5, "max_steps": 3000,
                   "steps_per_call": 100, "precision": "float64"},
    }


def duct_run(re: float, n: int, balance: bool = False, model: str = "lvel",
             fluid: tuple = AIR) -> dict:
    """Run the duct; returns f, Nu (window means), y+ of the first cell centre, the
    steps and seconds, and with ``balance`` the summary's energy imbalance."""
    start = time.perf_counter()
    sim = Simulation(case_from_dict(duct_case(re, n, model=model, fluid=fluid)))
    rho, cp, k, mu = fluid
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"{model} duct Re {re:g}, {n} x {n}, did not converge: {info}")
    u = np.asarray(state.u[0])
    uc = 0.5 * (u[1:] + u[:-1])  # cell-centred axial velocity
    T = np.asarray(state.T)
    tb = (uc * T).sum((1, 2)) / uc.sum((1, 2))  # mixing-cup temperature per section
    x = sim.grid.centers(0)
    ub = uc.mean((1, 2))
    q = rho * cp * ub * (SIDE / 4) * np.gradient(tb, x)  # W/m2: area / perimeter = D/4
    nu = q / (T_WALL - tb) * SIDE / k
    i0, i1 = (int(w * len(x)) for w in WINDOW)
    p = np.asarray(state.p).mean((1, 2))  # kinematic (m2/s2)
    ubw = float(ub[i0:i1].mean())
    f = float(-np.gradient(p, x)[i0:i1].mean() * SIDE / (0.5 * ubw ** 2))
    out = {"f": f, "nu": float(nu[i0:i1].mean()), "steps": info.steps,
           "yplus": 0.5 * SIDE / n * math.sqrt(f / 8) * ubw * rho / mu}
    if balance:
        from thermo.diagnostics.summary import summarise
        out["imbalance"] = float(summarise(sim, state, info)["energy_imbalance"])
    out["seconds"] = time.perf_counter() - start
    return out


def validate_lvel_duct(full: bool = False) -> list[dict]:
    rows = []
    name = "lvel-duct"
    pr = MU * CP / K
    runs = [(2e4, 10), (2e4, 6)] + ([(2e4, 20), (1e4, 10), (1e5, 10)] if full else [])
    done = {}
    for re, n in runs:
        r = done[(re, n)] = duct_run(re, n, balance=(re, n) == (2e4, 10))
        where = (f"Re {re:.0e}, {n}x{n} cells across (first cell y+ {r['yplus']:.0f}), L/D "
                 f"{DUCT_LENGTH:g}, {r['steps']} iterations, {r['seconds']:.0f} s")
        ref_f = petukhov_f(re)
        rows.append(row(name, f"LVEL friction factor vs Petukhov (0.79 ln Re - 1.64)^-2, {where} "
                        "(|f/f_P - 1|)", ref_f, r["f"], abs(r["f"] / ref_f - 1.0), DUCT_F_BOUND,
                        "validation"))
        ref_nu = gnielinski_nu(re, pr)
        rows.append(row(name, f"LVEL Nu vs Gnielinski, {where} (|Nu/Nu_G - 1|; LVEL over-predicts "
                        "heat transfer: Jayatilleke's T+ is ~7 % below air data and its core eddy "
                        "diffusivity is too high; +11.6 % fully developed at L/D 60)", ref_nu,
                        r["nu"], abs(r["nu"] / ref_nu - 1.0), DUCT_NU_BOUND, "not validated"))
        if "imbalance" in r:
            rows.append(row(name, f"LVEL duct energy imbalance (wall functions' heat at the "
                            f"40 C walls vs the advected rise), {where}", 0.0, r["imbalance"],
                            r["imbalance"], DUCT_BALANCE_BOUND, "check"))
    fine, coarse = done[(2e4, 20)] if full else done[(2e4, 10)], done[(2e4, 6)]
    rows.append(row(name, f"LVEL Nu at first-cell y+ {fine['yplus']:.0f} vs y+ "
                    f"{coarse['yplus']:.0f} (Re 2e4; |Nu_fine/Nu_coarse - 1|)", coarse["nu"],
                    fine["nu"], abs(fine["nu"] / coarse["nu"] - 1.0), DUCT_YPLUS_BOUND, "check"))
    return rows


def channel_bulk(n: int, g: float, nu: float) -> tuple[float, float]:
    """(U_b m/s, seconds) of the LVEL channel with ``n`` cells across."""
    start = time.perf_counter()
    sim = Simulation(case_from_dict(channel_case(n, g, nu, "lvel")))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"LVEL channel n={n} did not converge: {info}")
    return float(np.asarray(state.u[0])[0, :, 0].mean()), time.perf_counter() - start


def validate_lvel_channel(full: bool = False) -> list[dict]:
    rows = []
    name = "lvel-channel"
    re_nominal = 2e4
    nu = 2.0 * DELTA / re_nominal
    g = 0.5 * dean_cf(re_nominal) / DELTA  # U_b = 1 m/s if Dean holds
    u_tau = math.sqrt(g * DELTA)
    fine = 1024 if full else 512
    ub_ref, sec = channel_bulk(fine, g, nu)
    cases = [(fine, ub_ref, sec)]
    for n in ((32, 16, 8) if full else (16, 8)):
        cases.append((n, *channel_bulk(n, g, nu)))
    for n, ub, sec in cases:
        yp = DELTA / n * u_tau / nu  # the first cell centre
        where = f"{n} cells across (first cell y+ {yp:.1f}), Re_b {ub * 2 * DELTA / nu:.0f}, " \
                f"{sec:.0f} s"
        if n != fine:
            rows.append(row(name, f"LVEL wall functions U_b vs LVEL resolved ({fine} cells, y+ "
                            f"{DELTA / fine * u_tau / nu:.1f}), {where} (|U_b/U_b,res - 1|)",
                            ub_ref, ub, abs(ub / ub_ref - 1.0), CHANNEL_UB_BOUND, "check"))
        re_b = ub * 2.0 * DELTA / nu
        cf, ref = 2.0 * g * DELTA / ub ** 2, dean_cf(re_b)
        rows.append(row(name, f"LVEL Cf vs Dean 0.073 Re_b^-1/4, {where} (|Cf/Cf_Dean - 1|; "
                        "LVEL's core eddy viscosity kappa u_tau d is too high in a plane channel: "
                        "+14 % resolved)", ref, cf, abs(cf / ref - 1.0), CHANNEL_CF_BOUND,
                        "not validated"))
    return rows
