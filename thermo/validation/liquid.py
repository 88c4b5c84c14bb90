"""Validation of liquid cooling: compact cold plates, their loop, and a resolved
cold-plate channel against the Graetz solution.

* ``loop``: (1) one plate on its chip in a closed solid stack, every watt to the
  coolant: outlet temperature against ``T_in + P / (m_dot cp)`` and the plate's
  temperature against the effectiveness-NTU result ``T_in + P / (eps m_dot cp)``,
  ``eps = 1 - exp(-UA / (m_dot cp))``; (2) two plates in one loop (hydraulic
  split) on chips in an air stream: the heat the loop carries off
  (``m_dot cp (T_return - T_supply)``) against the heat the chips and plates
  give up by conduction (chip power minus what they lose to the air), and the
  energy balance of the whole domain including the coolant.
* ``cold-plate``: a copper block with one straight internal slot channel (2-D),
  water in laminar, hydrodynamically developed flow (a parabolic inlet made of
  one-cell inlet patches), the block held at ``T_w`` on its outer faces: the
  outlet temperature and the mean Nusselt number against the Graetz solution
  for parallel plates at uniform wall temperature (thermally developing flow;
  computed here to 1e-5 by an eigen-expansion on a fine 1-D grid; its fully
  developed limit is Shah & London's Nu = 7.541), and against the compact
  cold-plate model of the same block (UA = h_m A with the Graetz h_m).

Kinds (see :mod:`thermo.validation.rows`): every ``loop`` row is a check (the code
against its own exchange formula and the energy balance); the resolved slot
against Graetz and the compact plate against the resolved slot are
validations; the compact plate against Graetz is a check (with UA from the
Graetz h_m, eps-NTU reproduces the log-mean definition of h_m by construction).
"""
from __future__ import annotations

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row

WATER_25 = {"name": "water-25", "density": 997.05, "specific_heat": 4181.4,
            "conductivity": 0.6065, "viscosity": 8.900e-4, "expansion": 2.57e-4}


# ----------------------------------------------------------------------------- loop


def stack_case(power: float = 500.0, htc: float = 5000.0, area: float = 0.004,
               flow: float = 1e-5, t_in: float = 30.0, n: int = 4) -> dict:
    """A chip under a cold plate filling a 4 x 4 x 2 cm box (no fluid cells): every
    watt leaves by the coolant. The plate is a near-ideal conductor, so that it is
    isothermal as the effectiveness-NTU result assumes."""
    return {
        "case": {"name": "cold-plate-stack"},
        "domain": {"size": [0.04, 0.04, 0.02], "cells": [n, n, 2]},
        "materials": [{"name": "ideal-conductor", "density": 8933.0, "specific_heat": 385.0,
                       "conductivity": 4.0e5}],
        "parts": [
            {"name": "chip", "kind": "solid", "material": "silicon",
             "box": {"min": [0, 0, 0], "max": [0.04, 0.04, 0.01]}, "power": power},
            {"name": "cp", "kind": "cold_plate", "material": "ideal-conductor",
             "box": {"min": [0, 0, 0.01], "max": [0.04, 0.04, 0.02]}, "flow_direction": "+x",
             "htc": htc, "area": area, "volume_flow": flow, "inlet_temperature": t_in,
             "coolant": "water"}],
        "solver": {"mode": "steady", "tolerance": 1e-10, "max_steps": 2000},
    }


def loop_case(n: int = 1) -> dict:
    """Two chips (200 W, 100 W) under copper plates in one loop with a hydraulic
    split, in a 20 x 10 x 5 cm air duct (0.1 m/s at 25 C); water at 30 C."""
    cells = [20 * n, 10 * n, 5 * n]
    plate = {"kind": "cold_plate", "material": "copper"}
    return {
        "case": {"name": "cold-plate-loop"},
        "domain": {"size": [0.2, 0.1, 0.05], "cells": cells},
        "fluid": {"material": "air", "reference_temperature": 25.0},
        "parts": [
            {"name": "chip_a", "kind": "solid", "material": "silicon", "power": 200.0,
             "box": {"min": [0.04, 0.03, 0.01], "max": [0.07, 0.06, 0.02]}},
            {"name": "chip_b", "kind": "solid", "material": "silicon", "power": 100.0,
             "box": {"min": [0.12, 0.03, 0.01], "max": [0.15, 0.06, 0.02]}},
            dict(plate, name="cp_a", chip="chip_a", flow_direction="+y",
                 box={"min": [0.04, 0.03, 0.02], "max": [0.07, 0.06, 0.03]},
                 thermal_resistance=0.02, pressure_drop=20e3, rated_flow=1e-5),
            dict(plate, name="cp_b", flow_direction="-x", htc=8000.0, area=0.004,
                 box={"min": [0.12, 0.03, 0.02], "max": [0.15, 0.06, 0.03]},
                 pressure_drop=30e3, rated_flow=1e-5),
        ],
        "loops": [{"name": "cdu", "coolant": "water", "supply_temperature": 30.0,
                   "volume_flow": 2e-5, "plates": ["cp*"], "split": "hydraulic",
                   "pump_efficiency": 0.4}],
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "velocity": [0.1, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "out", "face": "x+", "flow": "outlet"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-7, "max_steps": 1500,
                   "steps_per_call": 500},
    }


def solid_heat_to_fluid(sim, T: np.ndarray, group: np.ndarray) -> float:
    """Heat (W) conducted out of the cells in ``group`` into the other cells."""
    th, grid = sim.thermal, sim.grid
    out = 0.0
    for a in range(3):
        n = grid.cells[a]
        if n < 2:
            continue
        h = grid.spacing[a]
        area = grid.cell_volume / h
        c = np.take(th.conductance[a], range(1, n), axis=a)
        lo, hi = np.take(group, range(0, n - 1), axis=a), np.take(group, range(1, n), axis=a)
        t_lo, t_hi = np.take(T, range(0, n - 1), axis=a), np.take(T, range(1, n), axis=a)
        flux = c * (t_lo - t_hi) / h * area  # from the low cell to the high one
        out += float(flux[lo & ~hi].sum() - flux[~lo & hi].sum())
    return out


def validate_loop(full: bool = False) -> list[dict]:
    from thermo.case.materials import LIBRARY
    from thermo.diagnostics.summary import summarise

    rows = []
    d = stack_case()
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    w = LIBRARY["water"].at(30.0)
    mcp = w.density * w.specific_heat * 1e-5
    eps = -np.expm1(-5000.0 * 0.004 / mcp)
    t_out = 30.0 + 500.0 / mcp
    t_plate = float(30.0 + 500.0 / (eps * mcp))
    cp = s["cold_plates"]["cp"]
    rows.append(row("loop", "plate outlet rise vs P / (m_dot cp) (rel.)", t_out - 30.0,
                    cp["outlet_temperature_c"] - 30.0,
                    abs(cp["outlet_temperature_c"] - t_out) / (t_out - 30.0), 1e-4, "check"))
    tp = s["parts"]["cp"]["mean_temperature_c"]
    rows.append(row("loop", "plate rise vs eps-NTU, isothermal plate (rel.; the code against "
                    "its own exchange formula)", t_plate - 30.0,
                    tp - 30.0, abs(tp - t_plate) / (t_plate - 30.0), 1e-3, "check"))

    sim = Simulation(case_from_dict(loop_case(2 if full else 1)))
    state, info = sim.run()
    s = summarise(sim, state, info)
    T = np.asarray(state.T)
    geo = sim.model.geometry
    group = np.isin(geo.owner, [j for j, x in enumerate(geo.instances)
                                if x["name"] in ("chip_a", "chip_b", "cp_a", "cp_b")])
    q_solid = 300.0 - solid_heat_to_fluid(sim, T, group)
    loop = s["loops"]["cdu"]
    q_coolant = loop["mass_flow_kg_s"] * w.specific_heat * (
        loop["return_temperature_c"] - loop["supply_temperature_c"])
    rows.append(row("loop", f"m_dot cp (T_ret - T_sup) vs heat the chips+plates give up "
                    f"(rel.; {info.steps} steps, {info.status})", q_solid, q_coolant,
                    abs(q_coolant - q_solid) / q_solid, 0.005, "check"))
    air = -sum(b["heat_w"] for b in s["boundaries"].values())
    rows.append(row("loop", f"energy imbalance incl. the loop (liquid {loop['heat_w']:.2f} W "
                    f"+ air {air:.2f} W vs 300 W)", 0.0, s["energy_imbalance"],
                    s["energy_imbalance"], 1e-3, "check"))
    return rows


# ----------------------------------------------------------------------------- Graetz


def graetz_theta(x, height: float, u_mean: float, alpha: float, n: int = 400) -> np.ndarray:
    """(T_w - T_b(x)) / (T_w - T_in) between parallel plates ``height`` apart at
    uniform wall temperature, for hydrodynamically developed laminar flow,
    negligible axial conduction: u(y) dT/dx = alpha d2T/dy2 on a fine grid of
    ``n`` cells over the half channel, solved exactly in x by eigen-expansion."""
    dy = 0.5 * height / n
    y = (np.arange(n) + 0.5) * dy                      # from the mid-plane to the wall
    u = 1.5 * u_mean * (1.0 - (2.0 * y / height) ** 2)
    K = np.zeros((n, n))
    for i in range(n):
        if i > 0:
            K[i, i - 1] = 1.0
            K[i, i] -= 1.0
        if i < n - 1:
            K[i, i + 1] = 1.0
            K[i, i] -= 1.0
    K[n - 1, n - 1] -= 2.0                              # the wall half a cell away
    K *= alpha / dy ** 2
    s = 1.0 / np.sqrt(u)
    lam, V = np.linalg.eigh(s[:, None] * K * s[None, :])
    c = V.T @ (np.sqrt(u) * np.ones(n))                 # theta(0) = 1
    x = np.atleast_1d(np.asarray(x, float))
    theta = (s[:, None] * V) @ (c[:, None] * np.exp(lam[:, None] * x[None, :]))
    return (u @ theta) / u.sum()


def graetz_nusselt(length: float, height: float, u_mean: float, alpha: float) -> float:
    """Mean (log-mean) Nusselt number on 2 H over ``length``."""
    th = float(graetz_theta(length, height, u_mean, alpha)[0])
    return -np.log(th) * u_mean * height ** 2 / (alpha * length)


def slot_case(n: int = 16, length: float = 0.03, height: float = 1e-3, wall: float = 0.25e-3,
              u_mean: float = 0.05, t_in: float = 25.0, t_wall: float = 35.0,
              aspect: float = 4.0) -> dict:
    """A copper block (2-D: one cell deep) with a slot channel ``height`` high, water
    entering at ``t_in`` with a parabolic profile (one inlet patch per cell), the
    block's outer faces at ``t_wall``."""
    hy = height / n
    nw = max(1, int(round(wall / hy)))
    wall = nw * hy
    hx = aspect * hy
    nx = int(round(length / hx))
    length = nx * hx
    depth = hx
    size = [length, height + 2 * wall, depth]
    bounds = []
    for i in range(n):
        a, b = i * hy, (i + 1) * hy
        # the cell average of 6 U y (H - y) / H^2: the inlet carries exactly U H
        avg = 6.0 * u_mean / height ** 2 * ((height * (b * b - a * a) / 2 - (b ** 3 - a ** 3) / 3) / hy)
        bounds.append({"name": f"in{i}", "face": "x-", "flow": "inlet", "velocity": [avg, 0.0, 0.0],
                       "temperature": t_in,
                       "region": {"min": [wall + a, 0.0], "max": [wall + b, depth]}})
    bounds += [
        {"name": "out", "face": "x+", "flow": "outlet",
         "region": {"min": [wall, 0.0], "max": [wall + height, depth]}},
        {"name": "bottom", "face": "y-", "temperature": t_wall},
        {"name": "top", "face": "y+", "temperature": t_wall},
        {"name": "zlo", "face": "z-", "flow": "slip"},
        {"name": "zhi", "face": "z+", "flow": "slip"},
    ]
    return {
        "case": {"name": f"cold-plate-slot-{n}"},
        "domain": {"size": size, "cells": [nx, n + 2 * nw, 1], "gravity": [0.0, 0.0, 0.0]},
        "materials": [WATER_25],
        "fluid": {"material": "water-25", "reference_temperature": t_in,
                  "initial_velocity": [u_mean, 0.0, 0.0]},
        "parts": [
            {"name": "block_lo", "kind": "solid", "material": "copper",
             "box": {"min": [0.0, 0.0, 0.0], "max": [length, wall, depth]}},
            {"name": "block_hi", "kind": "solid", "material": "copper",
             "box": {"min": [0.0, wall + height, 0.0], "max": [length, 2 * wall + height, depth]}},
        ],
        "boundaries": bounds,
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 20000,
                   "steps_per_call": 1000},
    }


def compact_slot_case(htc: float, length: float, height: float, wall: float, depth: float,
                      u_mean: float, t_in: float, t_wall: float) -> dict:
    """The same block as a compact cold plate: copper with UA = htc * 2 L W."""
    return {
        "case": {"name": "cold-plate-slot-compact"},
        "domain": {"size": [length, height + 2 * wall, depth], "cells": [30, 3, 1]},
        "materials": [WATER_25],
        "parts": [{"name": "plate", "kind": "cold_plate", "material": "copper",
                   "box": {"min": [0.0, 0.0, 0.0], "max": [length, height + 2 * wall, depth]},
                   "flow_direction": "+x", "htc": htc, "area": 2 * length * depth,
                   "coolant": "water-25", "volume_flow": u_mean * height * depth,
                   "inlet_temperature": t_in}],
        "boundaries": [{"name": "bottom", "face": "y-", "temperature": t_wall},
                       {"name": "top", "face": "y+", "temperature": t_wall}],
        "solver": {"mode": "steady", "tolerance": 1e-10, "max_steps": 2000},
    }


def slot_results(n: int = 16) -> dict:
    """Resolved slot channel, Graetz reference and compact model: outlet
    temperatures (C) and mean Nusselt numbers."""
    from thermo.diagnostics.summary import summarise

    d = slot_case(n)
    length, depth = d["domain"]["size"][0], d["domain"]["size"][2]
    wall = d["parts"][0]["box"]["max"][1]
    height, u_mean, t_in, t_w = 1e-3, 0.05, 25.0, 35.0
    m = WATER_25
    rho_cp = m["density"] * m["specific_heat"]
    alpha = m["conductivity"] / rho_cp
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    q_in = sum(b["heat_w"] for k, b in s["boundaries"].items() if k.startswith("in"))
    q_out = s["boundaries"]["out"]["heat_w"]
    T = np.asarray(state.T)
    u = np.asarray(state.u[0])[-1]                        # outlet face velocities (ny, 1)
    t_cells = T[-1]
    fluid = sim.model.geometry.fluid[-1]
    t_out = float((u * t_cells)[fluid].sum() / u[fluid].sum())  # mixed-cup, outlet cells
    theta_ref = float(graetz_theta(length, height, u_mean, alpha)[0])
    t_out_ref = t_w - (t_w - t_in) * theta_ref
    nu_ref = graetz_nusselt(length, height, u_mean, alpha)
    theta = (t_w - t_out) / (t_w - t_in)
    nu = -np.log(theta) * u_mean * height ** 2 / (alpha * length)
    h_m = nu_ref * m["conductivity"] / (2 * height)
    c = compact_slot_case(h_m, length, height, wall, depth, u_mean, t_in, t_w)
    csim = Simulation(case_from_dict(c))
    cstate, cinfo = csim.run()
    cs = summarise(csim, cstate, cinfo)
    t_out_compact = cs["cold_plates"]["plate"]["outlet_temperature_c"]
    return {"n": n, "steps": info.steps, "status": info.status, "t_out": t_out,
            "t_out_ref": t_out_ref, "t_out_compact": t_out_compact, "nu": nu, "nu_ref": nu_ref,
            "imbalance": s["energy_imbalance"], "heat_w": -q_out - q_in,
            "wall_mean_c": float(T[~sim.model.geometry.fluid].mean())}


def validate_cold_plate(full: bool = False) -> list[dict]:
    r = slot_results(24 if full else 16)
    rise, rise_ref, rise_c = (r["t_out"] - 25.0, r["t_out_ref"] - 25.0, r["t_out_compact"] - 25.0)
    tag = f"{r['n']} cells across, {r['steps']} steps, {r['status']}"
    return [
        row("cold-plate", f"resolved slot: outlet rise vs Graetz (rel.; {tag})", rise_ref, rise,
            abs(rise - rise_ref) / rise_ref, 0.03, "validation"),
        row("cold-plate", "resolved slot: mean Nu (2H) vs Graetz, isothermal walls (rel.)",
            r["nu_ref"], r["nu"], abs(r["nu"] - r["nu_ref"]) / r["nu_ref"], 0.03, "validation"),
        row("cold-plate", "compact plate (UA from the Graetz h_m) vs resolved: outlet rise (rel.)",
            rise, rise_c, abs(rise_c - rise) / rise, 0.03, "validation"),
        row("cold-plate", "compact plate vs Graetz: outlet rise (rel.; UA from the Graetz "
            "h_m: eps-NTU reproduces the log-mean definition)", rise_ref, rise_c,
            abs(rise_c - rise_ref) / rise_ref, 0.005, "check"),
    ]
