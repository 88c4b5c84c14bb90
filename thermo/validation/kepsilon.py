"""k-epsilon validation: the fully developed plane channel against Dean (1978), and a
heated flat plate in a turbulent stream against the flat plate's correlation
(below).

The periodic channel of :mod:`thermo.validation.turbulence` (walls at y = 0 and
2 delta, a body force g, so that ``tau_w / rho = g delta`` exactly) with
``physics.turbulence = "k-epsilon"``. The body force is Dean's wall stress at the
nominal Re_b with U_b = 1 m/s; the rows compare ``Cf = 2 tau_w / (rho U_b^2)`` with
``0.073 Re_b^-1/4``, bound 5 % (the issue's), on three kinds of grid:

- wall functions, first cells in the log layer (uniform): measured (march, dt 2 s,
  2 cores, 3-5 s each) Re_b 2e4 with 16 cells across (first centre at y+ 35):
  -0.6 %; 8 cells (y+ 69): -2.3 %; Re_b 1e4, 8 cells (y+ 38): +0.2 %; Re_b 1e5,
  16 cells (y+ 142): +0.2 %. The RNG variant: -3.6 % (Re_b 2e4, 16 cells), -2.8 %
  (Re_b 1e5, 16 cells).
- first cells in the buffer layer (uniform, y+ 5-20): the wall functions with the
  law of the wall's secant viscosity on the first interior edge
  (:func:`thermo.solver.walls.wall_viscosity`): 64 cells (y+ 8.7): -1.0 %; 32 (y+
  17): -0.3 %; graded, y+ 5: +0.3 %, y+ 6: -1.2 %, y+ 10: -1.7 % (before the secant
  +26 % at y+ 8.7 and +5.4 % at y+ 17: two coarse cells across the buffer layer
  carried the stress with the mean of their eddy viscosities). RNG at y+ 8.7: -7.1 %.
- the wall's layer resolved (graded towards both walls, max_ratio 1.15, first
  centre at y+ 1): the two-layer treatment (Wolfshtein's length scales below Re_y
  200, :func:`thermo.kernels.turbulence.two_layer`) takes over where the first
  cell lies below y+ 3.5: Re_b 2e4: -1.6 % (55 cells); Re_b 1e4: +2.5 %; Re_b 1e5:
  -2.2 %; y+ 0.5: -2.4 %, y+ 2.5: +2.5 %, y+ 3.3: +5.0 %; RNG -2.2 %. With the
  switch judged by y* (session 39; ``--full`` row, 31-46 cells, about 40 s each):
  y+ 2: +1.6 %, 3: +3.7 %, 4: +3.4 %, 5: +0.3 %, 6: -1.2 %. Grid
  convergence at y+ 1 over max_ratio 1.3, 1.2, 1.1 (35, 46, 72 cells): +0.9 %,
  -0.4 %, -1.9 %.

Between y* = C_mu^1/4 k^1/2 y / nu of 3.4 and 3.6 (y+ in an equilibrium layer) the
model switches from one wall treatment to the other
(a blend of the two is worse than either, +17-22 %, and at the switch itself a run
can keep flipping); the summary warns where a wall's first cells' mean y* lies
between 3 and 5.
"""
from __future__ import annotations

import math
import time

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row
from thermo.validation.turbulence import DELTA, channel_case, channel_profile, dean_cf

CF_BOUND = 0.05


def _channel_cf(re_nominal: float, n: int, model: str = "k-epsilon") -> tuple[float, float, float]:
    """(Re_b, Cf, first-cell y+) of the k-epsilon channel with ``n`` cells across."""
    nu = 2.0 * DELTA / re_nominal
    g = 0.5 * dean_cf(re_nominal) / DELTA
    _, u, _ = channel_profile(n, g, nu, model)
    ub = float(u.mean())
    yplus = DELTA / n * math.sqrt(g * DELTA) / nu
    return ub * 2.0 * DELTA / nu, 2.0 * g * DELTA / ub ** 2, yplus


def _resolved_channel_cf(re_nominal: float, ratio: float = 1.15, yplus: float = 1.0,
                        model: str = "k-epsilon") -> tuple[float, float, int, float]:
    """(Re_b, Cf, cells across, final momentum residual) of the channel graded towards
    both walls (``ratio`` between neighbours) with its first cell centre at ``yplus``."""
    nu = 2.0 * DELTA / re_nominal
    g = 0.5 * dean_cf(re_nominal) / DELTA
    first = 2.0 * yplus * nu / math.sqrt(g * DELTA)  # the first cell's width (m)
    case = channel_case(8, g, nu, model)
    del case["domain"]["cells"]
    size = case["domain"]["size"]
    case["grid"] = {"max_cell": [size[0], DELTA / 4.0, size[2]], "max_ratio": ratio, "refine": [
        {"box": {"min": [0.0, y0, 0.0], "max": [size[0], y0 + first, size[2]]},
         "max_cell": [size[0], first, size[2]]} for y0 in (0.0, 2.0 * DELTA - first)]}
    sim = Simulation(case_from_dict(case))
    state, info = sim.run()
    u, w = np.asarray(state.u[0])[0, :, 0], sim.grid.widths(1)
    ub = float(np.sum(u * w) / np.sum(w))
    return ub * 2.0 * DELTA / nu, 2.0 * g * DELTA / ub ** 2, sim.grid.cells[1], info.res_mom


# a resolved channel whose march stops at max_steps above this residual has not settled
SETTLED = 1e-4
# first-cell y+ of the graded channels across the switch (``validate --full``)
YPLUS_SWEEP = (2.0, 3.0, 4.0, 5.0, 6.0)


def validate_k_epsilon_channel(full: bool = False) -> list[dict]:
    rows = []
    cases = ((2e4, 16, "k-epsilon"), (2e4, 64, "k-epsilon"), (2e4, 16, "rng-k-epsilon")) + (
        ((1e4, 8, "k-epsilon"), (1e5, 16, "k-epsilon"), (2e4, 8, "rng-k-epsilon"),
         (1e5, 16, "rng-k-epsilon"), (2e4, 32, "k-epsilon")) if full else ())
    for re_nominal, n, model in cases:
        re_b, cf, yplus = _channel_cf(re_nominal, n, model)
        ref = dean_cf(re_b)
        layer = "log" if yplus > 30 else "buffer"
        rows.append(row("k-epsilon-channel", f"{model} Cf vs Dean 0.073 Re_b^-1/4 at Re_b "
                        f"{re_b:.0f}, {n} cells, wall functions at y+ {yplus:.0f} ({layer} layer) "
                        "(|Cf/Cf_Dean - 1|)", ref, cf, abs(cf / ref - 1.0), CF_BOUND,
                        "validation"))
    for re_nominal in (2e4,) + ((1e4, 1e5) if full else ()):
        re_b, cf, n, res = _resolved_channel_cf(re_nominal)
        ref = dean_cf(re_b)
        rows.append(row("k-epsilon-channel", f"k-epsilon Cf vs Dean at Re_b {re_b:.0f}, wall "
                        f"layer resolved (two-layer), first cell y+ 1, {n} cells graded 1.15, "
                        f"final residual {res:.1e} (|Cf/Cf_Dean - 1|)", ref, cf,
                        abs(cf / ref - 1.0), CF_BOUND, "validation"))
        if res > SETTLED:
            rows[-1]["ok"] = False
    if full:
        cfs = []
        for n in (8, 12, 16):
            re_b, cf, yplus = _channel_cf(2e4, n)
            cfs.append(cf / dean_cf(re_b) - 1.0)
            print(f"  k-epsilon channel Re_b 2e4, {n} cells (y+ {yplus:.0f}): "
                  f"Cf/Cf_Dean - 1 = {cfs[-1]:+.4f}")
        spread = float(np.ptp(cfs))
        rows.append(row("k-epsilon-channel", "k-epsilon Cf over 8, 12 and 16 cells across at "
                        "Re_b 2e4 (first cells at y+ 69, 46, 35): spread of Cf/Cf_Dean", 0.0,
                        spread, spread, CF_BOUND, "check"))
        cfs = []
        for ratio in (1.3, 1.2, 1.1):
            re_b, cf, n, res = _resolved_channel_cf(2e4, ratio)
            cfs.append(cf / dean_cf(re_b) - 1.0)
            print(f"  k-epsilon channel Re_b 2e4, y+ 1, max_ratio {ratio} ({n} cells, final "
                  f"residual {res:.1e}): Cf/Cf_Dean - 1 = {cfs[-1]:+.4f}")
        spread = float(np.ptp(cfs))
        rows.append(row("k-epsilon-channel", "k-epsilon Cf with the wall layer resolved (y+ 1) "
                        "over max_ratio 1.3, 1.2, 1.1 at Re_b 2e4: spread of Cf/Cf_Dean", 0.0,
                        spread, spread, CF_BOUND, "check"))
        # the first cell across the switch between the wall treatments (y* 3.4-3.6)
        errs, settled = [], True
        for yplus in YPLUS_SWEEP:
            re_b, cf, n, res = _resolved_channel_cf(2e4, 1.15, yplus)
            errs.append(cf / dean_cf(re_b) - 1.0)
            settled = settled and res <= SETTLED
            print(f"  k-epsilon channel Re_b 2e4, first cell y+ {yplus:g} ({n} cells graded "
                  f"1.15, final residual {res:.1e}): Cf/Cf_Dean - 1 = {errs[-1]:+.4f}")
        worst = float(np.max(np.abs(errs)))
        rows.append(row("k-epsilon-channel", "k-epsilon Cf vs Dean at Re_b 2e4 with the first "
                        "cell at y+ " + ", ".join(f"{y:g}" for y in YPLUS_SWEEP) + " (graded "
                        "1.15; either side of the wall treatments' switch): largest "
                        "|Cf/Cf_Dean - 1|", 0.0, worst, worst, CF_BOUND, "validation"))
        if not settled:
            rows[-1]["ok"] = False
    return rows


# ---------------------------------------------------------------------------
# Heated flat plate in a turbulent stream
# ---------------------------------------------------------------------------
#
# Air at U = 10 m/s and 20 C enters at x = 0 along a plate at 40 C (the y- face, a
# wall from the leading edge), 2 m long; the top (0.1 m, about three boundary-layer
# thicknesses at the end) is a slip face. The local heat transfer coefficient comes
# from the energy balance, ``q(x) = d/dx of the advected excess enthalpy``, not from
# the wall function itself, and is compared with the turbulent flat plate's
# ``Nu_x = 0.0296 Re_x^0.8 Pr^1/3`` (Colburn's analogy with the 1/7-power skin
# friction; Incropera & DeWitt eq. 7.36) at x = 1.5 m (Re_x 1e6), bound 15 % (the
# issue's); the same with the first cell at y+ 150 instead of 30 within 10 %.
# Measured (implicit steady solver, 2 cores): k-epsilon, 48 cells across (y+ 30),
# 356 iterations: +0.6 %; 10 cells (y+ 144), 101 iterations: +3.0 % (session 42, before
# the blended T+ and the heat's secant edge: -0.6 %, +2.9 %); 24 cells (y+ 60) +0.3 %;
# RNG -4.0 % (session 42: -5.3 %); LVEL +16.8 % (session 42; its eddy viscosity
# outside the boundary layer grows with the distance from the plate). The inlet's
# length scale is 0.07 times the slot's hydraulic diameter, 2 x 0.1 m (before the 2-D
# slot was counted as one: -4.7 %, +0.1 %).
# Graded towards the plate (max_ratio 1.15, the first centre at y+ 1-10 at x = 1.5 m,
# 24-40 cells across; ``--full``, 0.5-2 min each on 2 cores): y+ 1 (two-layer, 1,715
# iterations) -2.5 %; y+ 4 +0.1 %, y+ 5 -2.4 %, y+ 7 -3.5 %, y+ 10 -3.6 %. Before session
# 43 the buffer layer read +10.8 / +9.8 / +9.1 / +2.2 %: the first interior edge's
# conductivity was the mean of the cells' log-layer eddy viscosities, and the wall
# face's T+ switched from Pr y+ to the log law at y+ 11.6 (up to 24 % above Kader's
# measured profiles); each error hid the other (the secant edge alone -9.2 % at y+ 4,
# the blended T+ alone +11.9 %). At y+ 3 (the switch within the plate's length) the
# run does not settle in 4,000 iterations (the momentum residual stays at 3e-3); not
# a row. The graded rows' bound is 5 %, the channel's (15 % before session 43).

PLATE_U, PLATE_L, PLATE_H, PLATE_X = 10.0, 2.0, 0.1, 1.5
PLATE_T_IN, PLATE_T_WALL = 20.0, 40.0
AIR = {"name": "air", "density": 1.2, "specific_heat": 1005.0, "conductivity": 0.026,
       "viscosity": 1.8e-5, "expansion": 0.0}
PLATE_BOUND, PLATE_YPLUS_BOUND, PLATE_GRADED_BOUND = 0.15, 0.10, 0.05
# first-cell y+ of the graded plates in the buffer layer (``validate --full``)
PLATE_YPLUS_SWEEP = (4.0, 5.0, 7.0, 10.0)


def plate_case(ny: int, model: str = "k-epsilon", nx: int = 100,
               yplus: float | None = None) -> dict:
    """The heated plate with ``ny`` uniform cells over the 0.1 m above it, or, with
    ``yplus``, graded towards it (max_ratio 1.15, at most 0.01 m) with the first cell's
    centre at that y+ at x = 1.5 m (the 1/7-power law's u_tau)."""
    d = {
        "case": {"name": f"plate-{model}-{ny}"},
        "domain": {"size": [PLATE_L, PLATE_H, 0.01], "cells": [nx, ny, 1], "gravity": [0, 0, 0]},
        "materials": [AIR],
        "fluid": {"material": "air", "initial_velocity": [PLATE_U, 0, 0],
                  "initial_temperature": PLATE_T_IN},
        "physics": {"turbulence": model},
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [PLATE_U, 0, 0],
                        "temperature": PLATE_T_IN},
                       {"name": "out", "face": "x+", "flow": "outlet"},
                       {"name": "plate", "face": "y-", "flow": "wall",
                        "temperature": PLATE_T_WALL},
                       {"name": "top", "face": "y+", "flow": "slip"},
                       {"name": "z0", "face": "z-", "flow": "slip"},
                       {"name": "z1", "face": "z+", "flow": "slip"}],
        "solver": {"mode": "steady", "scheme": "implicit", "tolerance": 1e-5, "max_steps": 3000,
                   "steps_per_call": 100, "precision": "float64"},
    }
    if yplus is not None:
        first = 2.0 * yplus * AIR["viscosity"] / AIR["density"] / plate_u_tau()
        del d["domain"]["cells"]
        d["grid"] = {"max_cell": [PLATE_L / nx, PLATE_H / 10, 0.01], "max_ratio": 1.15,
                     "refine": [{"box": {"min": [0, 0, 0], "max": [PLATE_L, first, 0.01]},
                                 "max_cell": [PLATE_L / nx, first, 0.01]}]}
        d["solver"]["max_steps"] = 4000
    return d


def plate_u_tau(x: float = PLATE_X) -> float:
    """The friction velocity (m/s) at ``x`` from the 1/7-power law's
    ``Cf = 0.0592 Re_x^-0.2``."""
    re_x = PLATE_U * x * AIR["density"] / AIR["viscosity"]
    return PLATE_U * math.sqrt(0.5 * 0.0592 * re_x ** -0.2)


def colburn_nu(re_x: float, pr: float) -> float:
    """The turbulent flat plate's local Nusselt number, ``0.0296 Re_x^0.8 Pr^1/3``."""
    return 0.0296 * re_x ** 0.8 * pr ** (1.0 / 3.0)


def plate_run(ny: int, model: str = "k-epsilon", yplus: float | None = None) -> dict:
    """The plate's local Nu at x = 1.5 m from the energy balance, the first cell's y+
    (from the 1/7-power law's Cf), cells across, iterations and seconds; ``yplus``
    as in :func:`plate_case`."""
    from thermo.case import case_from_dict
    from thermo.solver import Simulation

    start = time.perf_counter()
    sim = Simulation(case_from_dict(plate_case(ny, model, yplus=yplus)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"flat plate ({model}, {ny} cells, y+ {yplus}) did not converge: {info}")
    u = np.asarray(state.u[0])
    uc = 0.5 * (u[1:] + u[:-1])[:, :, 0]
    w = sim.grid.widths(1)
    excess = AIR["density"] * AIR["specific_heat"] * (uc * (np.asarray(state.T)[:, :, 0]
                                                          - PLATE_T_IN) * w).sum(1)
    x = sim.grid.centers(0)
    q = np.gradient(excess, x)  # W/m2 into the air
    i = int(np.argmin(np.abs(x - PLATE_X)))
    nu_k = AIR["viscosity"] / AIR["density"]
    re_x = PLATE_U * x[i] / nu_k
    return {"nu": q[i] / (PLATE_T_WALL - PLATE_T_IN) * x[i] / AIR["conductivity"], "re_x": re_x,
            "yplus": 0.5 * w[0] * plate_u_tau(x[i]) / nu_k, "cells": sim.grid.cells[1],
            "steps": info.steps, "seconds": time.perf_counter() - start}


def validate_heated_plate(full: bool = False) -> list[dict]:
    rows = []
    pr = AIR["viscosity"] * AIR["specific_heat"] / AIR["conductivity"]
    runs = {}
    for model, ny in (("k-epsilon", 48), ("k-epsilon", 10)) + (
            (("k-epsilon", 24), ("rng-k-epsilon", 48)) if full else ()):
        r = runs[(model, ny)] = plate_run(ny, model)
        ref = colburn_nu(r["re_x"], pr)
        rows.append(row("heated-plate", f"{model} local Nu vs 0.0296 Re_x^0.8 Pr^1/3 at Re_x "
                        f"{r['re_x']:.2e}, first cell y+ {r['yplus']:.0f}, {ny} cells across, "
                        f"{r['steps']} iterations, {r['seconds']:.0f} s (|Nu/Nu_ref - 1|)", ref,
                        r["nu"], abs(r["nu"] / ref - 1.0), PLATE_BOUND, "validation"))
    fine, coarse = runs[("k-epsilon", 48)], runs[("k-epsilon", 10)]
    rows.append(row("heated-plate", f"k-epsilon local Nu with the first cell at y+ "
                    f"{fine['yplus']:.0f} vs y+ {coarse['yplus']:.0f} (|Nu_30/Nu_150 - 1|)",
                    coarse["nu"], fine["nu"], abs(fine["nu"] / coarse["nu"] - 1.0),
                    PLATE_YPLUS_BOUND, "check"))
    if full:
        print("  heated plate, k-epsilon, Nu at Re_x 1e6 over 10, 24 and 48 cells across: "
              + ", ".join(f"{runs[('k-epsilon', n)]['nu']:.0f}" for n in (10, 24, 48)))
        # graded towards the plate: the wall layer resolved, then the first cell
        # across the buffer layer where the wall functions take over
        errs = {}
        for yplus in (1.0,) + PLATE_YPLUS_SWEEP:
            r = plate_run(10, yplus=yplus)
            ref = colburn_nu(r["re_x"], pr)
            errs[yplus] = r["nu"] / ref - 1.0
            print(f"  heated plate, k-epsilon, first cell y+ {yplus:g} ({r['cells']} cells "
                  f"graded 1.15, {r['steps']} iterations): Nu/Nu_ref - 1 = {errs[yplus]:+.4f}")
            if yplus == 1.0:
                rows.append(row("heated-plate", f"k-epsilon local Nu vs 0.0296 Re_x^0.8 Pr^1/3 "
                                f"at Re_x {r['re_x']:.2e}, wall layer resolved (two-layer), "
                                f"first cell y+ 1, {r['cells']} cells graded 1.15 "
                                "(|Nu/Nu_ref - 1|)", ref, r["nu"], abs(errs[yplus]),
                                PLATE_GRADED_BOUND, "validation"))
        worst = max(abs(errs[y]) for y in PLATE_YPLUS_SWEEP)
        rows.append(row("heated-plate", "k-epsilon local Nu vs 0.0296 Re_x^0.8 Pr^1/3 at Re_x "
                        "1e6 with the first cell at y+ " + ", ".join(
                            f"{y:g}" for y in PLATE_YPLUS_SWEEP) + " (graded 1.15; the "
                        "buffer layer, wall functions): largest |Nu/Nu_ref - 1|", 0.0, worst,
                        worst, PLATE_GRADED_BOUND, "validation"))
    return rows


# ---------------------------------------------------------------------------
# Heated square duct (the LVEL rows' duct, thermo.validation.walls)
# ---------------------------------------------------------------------------
#
# Fully developed Nu against Gnielinski (air and water) and the friction factor
# against Petukhov, the bounds of the LVEL rows (10 %). Measured (Re 2e4, L/D 30,
# implicit solver):
# 10 x 10 cells across (y+ 55): Nu -5.2 %, f -8.6 %, 130 iterations, 19 s; 6 x 6
# (y+ 90): Nu -6.1 %, f -11.3 %; Re 1e4, 8 x 8 (y+ 38): Nu -1.9 %, f -8.5 %; Re 1e5,
# 10 x 10 (y+ 227): Nu -5.5 %, f -8.6 %. Water (Pr 7.0), 10 x 10: Re 2e4 -7.6 %, Re
# 1e4 (8 x 8) -2.8 %, Re 1e5 -10.4 % at y+ 227 and -9.8 % on 20 x 20 (y+ 114). An
# isotropic eddy viscosity has no secondary flow in the corners, which raises the
# measured friction of square ducts.


def validate_k_epsilon_duct(full: bool = False) -> list[dict]:
    from thermo.validation.walls import (AIR as AIR_PROPS, DUCT_F_BOUND, DUCT_NU_BOUND, WATER,
                                         duct_run, gnielinski_nu, petukhov_f)
    rows = []
    runs = [(2e4, 10, "air", AIR_PROPS), (2e4, 10, "water", WATER)]
    if full:
        runs += [(1e4, 8, "air", AIR_PROPS), (1e5, 10, "air", AIR_PROPS),
                 (1e4, 8, "water", WATER), (1e5, 20, "water", WATER)]
    for re, n, name, fluid in runs:
        r = duct_run(re, n, model="k-epsilon", fluid=fluid)
        pr = fluid[3] * fluid[1] / fluid[2]
        where = (f"{name} (Pr {pr:.2f}), Re {re:.0e}, {n}x{n} cells across (first cell y+ "
                 f"{r['yplus']:.0f}), {r['steps']} iterations, {r['seconds']:.0f} s")
        ref = gnielinski_nu(re, pr)
        rows.append(row("k-epsilon-duct", f"k-epsilon Nu vs Gnielinski, {where} (|Nu/Nu_G - 1|)",
                        ref, r["nu"], abs(r["nu"] / ref - 1.0), DUCT_NU_BOUND, "validation"))
        if name == "air":  # the friction factor does not depend on the fluid
            ref = petukhov_f(re)
            rows.append(row("k-epsilon-duct", f"k-epsilon friction factor vs Petukhov, {where} "
                            "(|f/f_P - 1|)", ref, r["f"], abs(r["f"] / ref - 1.0), DUCT_F_BOUND,
                            "validation"))
    if full:
        grids = {n: duct_run(2e4, n, model="k-epsilon") for n in (6, 10, 14)}
        print("  k-epsilon duct Re 2e4, Nu / f over 6, 10 and 14 cells across (y+ "
              + ", ".join(f"{g['yplus']:.0f}" for g in grids.values()) + "): "
              + ", ".join(f"{g['nu']:.2f} / {g['f']:.5f}" for g in grids.values()))
    return rows


# ---------------------------------------------------------------------------
# Backward-facing step: reattachment (a recirculating flow)
# ---------------------------------------------------------------------------
#
# Kim, Kline & Johnston (1980, J. Fluids Eng. 102, 302): a step of height H in a
# channel 2H high upstream and 3H downstream (expansion ratio 1.5), Re_H about
# 4.5e4; the separated shear layer reattaches at x_r = 7.0 +- 0.5 H. Published
# standard k-epsilon results with wall functions lie between about 5.2 H (the
# coarse-grid results of the 1980s) and 6.25 H (Thangam & Speziale 1992, AIAA J.
# 30, 1314, on grids fine enough that the numerics no longer shorten the bubble):
# the model under-predicts reattachment by 10-25 %. The row asks for that spread:
# |x_r / 7.0 - 1| <= 0.26 (5.2 H).
# Here: H = 1, U = 1 (a plug at the inlet 4 H upstream of the step), nu = 1/44700,
# uniform cells, the implicit steady solver; x_r is where the velocity in the
# first cells above the lower wall turns positive. Measured (2 cores): H/10 cells
# (first cell at y+ about 90 upstream), 384 iterations, 18 s: x_r = 6.97 H (-0.5 %);
# H/15, 652 iterations: 7.46 H; H/20, 802 iterations: 7.59 H (+8.4 %). Before the
# first interior edge took the law of the wall's secant viscosity (session 9): 5.45
# H and 5.98 H, inside the published spread. Under the bubble the wall cells' y+
# is small (u_tau is), so that edge now carries the near-molecular viscosity of
# the law of the wall where the mean of two cells' eddy viscosities (large: the
# shear layer's k diffuses down) carried it before; less friction under the bubble
# lets it grow. The law of the wall does not hold under a separated flow (neither
# do the wall functions, which assume it at the wall face itself), so the row's
# bound stays the published spread. The two-layer switch plays no part (7.58 H at
# H/20 with it off). H/5 does not converge (4.5 H at 4,000 iterations, before).

STEP_RE, STEP_UP, STEP_DOWN = 44700.0, 4, 30
KIM_XR, KIM_UNCERTAINTY, PUBLISHED_K_EPSILON_LOW = 7.0, 0.5, 5.2


def step_case(n_per_h: int, model: str = "k-epsilon") -> dict:
    """The backward-facing step with ``n_per_h`` cells per step height."""
    return {
        "case": {"name": f"backward-step-{model}-{n_per_h}"},
        "domain": {"size": [STEP_UP + STEP_DOWN, 3.0, 0.1],
                   "cells": [(STEP_UP + STEP_DOWN) * n_per_h, 3 * n_per_h, 1],
                   "gravity": [0, 0, 0]},
        "materials": [{"name": "fluid", "density": 1.0, "specific_heat": 1.0, "conductivity": 1.0,
                       "viscosity": 1.0 / STEP_RE, "expansion": 0.0},
                      {"name": "block", "density": 1.0, "specific_heat": 1.0, "conductivity": 1.0}],
        "fluid": {"material": "fluid", "initial_velocity": [2.0 / 3.0, 0, 0]},
        "physics": {"turbulence": model},
        "parts": [{"name": "step", "kind": "solid", "material": "block",
                   "box": {"min": [0, 0, 0], "max": [STEP_UP, 1.0, 0.1]}}],
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0, 0],
                        "region": {"min": [1.0, 0.0], "max": [3.0, 0.1]}},
                       {"name": "out", "face": "x+", "flow": "outlet"},
                       {"name": "z0", "face": "z-", "flow": "slip"},
                       {"name": "z1", "face": "z+", "flow": "slip"}],
        "solver": {"mode": "steady", "scheme": "implicit", "tolerance": 1e-5, "max_steps": 4000,
                   "steps_per_call": 100, "precision": "float64"},
    }


def reattachment(n_per_h: int, model: str = "k-epsilon") -> dict:
    """x_r / H, iterations, status and seconds of the step at ``n_per_h`` cells per H."""
    from thermo.case import case_from_dict
    from thermo.solver import Simulation

    start = time.perf_counter()
    sim = Simulation(case_from_dict(step_case(n_per_h, model)))
    state, info = sim.run()
    u = np.asarray(state.u[0])[:, 0, 0]  # the x faces of the first cells above the floor
    xf = np.concatenate([[0.0], np.cumsum(sim.grid.widths(0))])
    after = xf > STEP_UP + 0.5 / n_per_h
    x, v = xf[after], u[after]
    turns = np.nonzero((v[:-1] < 0) & (v[1:] >= 0))[0]
    i = int(turns[0]) if turns.size else -1
    xr = float(x[i] - v[i] * (x[i + 1] - x[i]) / (v[i + 1] - v[i]) - STEP_UP) if turns.size \
        else float("nan")
    return {"xr": xr, "steps": info.steps, "status": info.status,
            "seconds": time.perf_counter() - start}


def validate_backward_step(full: bool = False) -> list[dict]:
    r = reattachment(10)
    bound = 1.0 - PUBLISHED_K_EPSILON_LOW / KIM_XR
    rows = [row("backward-step", f"k-epsilon reattachment x_r/H vs Kim, Kline & Johnston (1980) "
                f"7.0 +- 0.5, H/10 cells, {r['steps']} iterations ({r['status']}), "
                f"{r['seconds']:.0f} s (|x_r/7 - 1|; bound: published k-epsilon results reach "
                "down to 5.2)", KIM_XR, r["xr"], abs(r["xr"] / KIM_XR - 1.0), bound,
                "validation")]
    if r["status"] != "converged":
        rows[-1]["ok"] = False
    if full:
        xs = {n: reattachment(n)["xr"] for n in (15, 20)}
        xs[10] = r["xr"]
        print("  backward step, k-epsilon x_r/H over H/10, H/15, H/20 cells: "
              + ", ".join(f"{xs[n]:.2f}" for n in (10, 15, 20)))
    return rows
