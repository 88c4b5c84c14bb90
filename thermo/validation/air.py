"""Validation of the compact air-side parts.

Checks (kind ``"check"``: the code against the formula it implements, in a 1-D
duct; they check the implementation, not the physics):

* ``porous``: the pressure drop across a Darcy-Forchheimer slab in a duct,
  ``dp = (mu/K U + rho C2 U**2 / 2) t``, and across a perforated tile given by
  its open area (Idelchik's loss coefficient), ``dp = K_L rho U**2 / 2``.
* ``fan``: a fan given by its curve pushing air round a loop through a porous
  slab settles where the curve meets the slab's resistance (the analytic root
  of ``dp_fan(Q) = dp_slab(Q)``).

Validations (kind ``"validation"``: against a resolved geometry and an
analytic solution that the compact models know nothing of):

* ``porous-fins``: a heat sink's parallel fins (2 mm gaps, 0.25 mm fins, 40 mm
  long, 16 cells across a gap, air at Re_h = 2) resolved on the grid: one gap
  between two half-fins, slip walls on the symmetry planes, open duct before
  and after. The compact porous slab with the fins' Darcy permeability
  ``K = phi h**2 / 12`` (plane Poiseuille flow in the gaps; phi the open
  fraction) must give the resolved fins' pressure drop. The compact model
  leaves out the fins' end effects (the flow re-forming at the entry and exit:
  measured from 10 and 20 gaps long, 0.46 gap widths of extra length, 2.3 % of
  the drop at 20 gaps) and the resolved run has its grid error (a discrete
  Poiseuille flow is 1.5 / n**2 too permeable: 0.6 % at 16 cells, measured
  0.8 %); together the compact slab is 1.5 % low at 16 cells. Bound 5 %.
* ``fan-fins``: the fan of ``fan`` driving air round a closed loop through the
  same resolved fins: the flow must settle where its curve meets the fins'
  analytic resistance ``dp = 12 mu L u_gap / h**2`` (bound 5 %, as above).

* ``server-fan``: a server with its own fans (a linear curve) and an internal
  quadratic loss in a duct open at both ends, through a porous slab with a
  quadratic loss: its flow must be the root of ``curve(Q) = (R_server +
  R_slab) Q**2``, solved by hand with numpy (bound 2 %). What limits it: the
  pressure the server feels is measured in the fluid cells facing its intake
  and exhaust faces, and the momentum advection stencil next to the exhaust
  reaches into the box's (still) faces: the cell facing the exhaust sits about
  a quarter of the dynamic pressure below the duct beyond it (0.11 Pa of 26.8
  Pa, 0.4 %), which moves the flow by 0.12 %.

* ``server-mass``: a server with thermal mass switched on cold in a duct: the
  air facing its exhaust against ``T_in + P / (rho cp Q) (1 - exp(-t / tau))``,
  ``tau = C / (rho cp Q)`` (bound 3 % of the rise). What limits it: the exhaust
  holds the lumped temperature of each call's start, and calls are cut to tau /
  100, so it lags by up to ``1 - exp(-0.01)`` = 1.0 % of the rise (measured
  0.995 %, at the first call).

* ``crah-capacity``: a CRAH whose coil capacity (1 kW) is below the server's
  load (1.5 kW) in a closed adiabatic room: its supply, max(set point, return -
  C / (rho cp Q)), rises at the rate of the room's energy balance, (P - C) / (rho
  cp V), fitted over the second half of 30 s (measured +0.30 %, bound 1 %).
* ``crah-control``: a CRAH's fan speed on a pressure set point (PI) in the duct
  of ``server-fan``: the settled speed against sqrt(dp_set / R_slab) / Q_rated by
  hand (measured +0.24 %, bound 1 %: the pressure is measured in the cells facing
  its faces, as for ``server-fan``).

``server``: servers and a CRAH in a closed room (``tests/test_airflow.py``):
each server's exhaust air, measured in the fluid cells behind it, is hotter
than the air in front of it by ``P / (rho cp Q)``; the CRAH removes the IT
load; the heat balances.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from thermo.models.air import fan_flows, idelchik_loss
from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row

SLIP_SIDES = [{"name": f, "face": f, "flow": "slip"} for f in ("y-", "y+", "z-", "z+")]


def _row(case: str, quantity: str, reference: float, computed: float, bound: float,
         kind: str) -> dict:
    """A table row with the relative error |computed - reference| / |reference|."""
    return row(case, quantity, reference, computed, abs(computed - reference) / abs(reference),
               bound, kind)


def porous_case(n: int = 40, speed: float = 1.0, slab: dict | None = None) -> dict:
    """A 1 m duct (0.1 m square, slip walls) with a slab from x = 0.4 to 0.6 m."""
    slab = slab or {"permeability": 1e-6, "inertial_coefficient": 30.0}
    return {
        "case": {"name": "porous-slab"},
        "domain": {"size": [1.0, 0.1, 0.1], "cells": [n, 1, 1]},
        "fluid": {"material": "air"},
        "parts": [{"name": "slab", "kind": "porous", "box": {"min": [0.4, 0.0, 0.0],
                                                            "max": [0.6, 0.1, 0.1]}, **slab}],
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [speed, 0.0, 0.0]},
                       {"name": "out", "face": "x+", "flow": "outlet"}] + SLIP_SIDES,
        "solver": {"tolerance": 1e-8},
    }


def porous_drop(n: int = 40, speed: float = 1.0, slab: dict | None = None) -> tuple[float, float]:
    """Computed and analytic pressure drop (Pa) across the slab."""
    case = case_from_dict(porous_case(n, speed, slab))
    sim = Simulation(case)
    state, info = sim.run()
    fl = case.fluid
    p = np.asarray(state.p).ravel() * fl.density
    part = case.data["parts"][0]
    if part.get("permeability") is not None:
        k, c2 = part["permeability"][0], part["inertial_coefficient"][0]
        exact = (fl.viscosity / k * speed + 0.5 * fl.density * c2 * speed ** 2) * 0.2
    else:
        kl = part.get("loss_coefficient") or idelchik_loss(part["open_area"])
        exact = 0.5 * kl * fl.density * speed ** 2
    return float(p[0] - p[-1]), exact


def validate_porous(full: bool = False) -> list[dict]:
    rows = []
    for speed in ((0.5, 2.0) if full else (1.0,)):
        dp, exact = porous_drop(40, speed)
        rows.append(_row("porous slab (Darcy-Forchheimer)", f"pressure drop (Pa) at {speed:g} "
                         "m/s vs the model's formula (1-D duct)", exact, dp, 0.02, "check"))
    dp, exact = porous_drop(40, 1.0, {"open_area": 0.25, "direction": "x"})
    rows.append(_row("perforated tile, 25 % open (Idelchik)", "pressure drop (Pa) at 1 m/s vs "
                     "Idelchik's formula, which the code implements (1-D duct)", exact, dp, 0.02,
                     "check"))
    return rows


FAN_CURVE = [[0.0, 60.0], [0.01, 30.0], [0.02, 0.0]]  # m3/s, Pa


def fan_case(n: int = 40) -> dict:
    """A closed loop (periodic 1 m duct, 0.1 m square, slip walls): a fan from x = 0.1
    to 0.15 m, a porous slab from 0.4 to 0.6 m."""
    d = porous_case(n)
    d["case"]["name"] = "fan-loop"
    d["parts"].append({"name": "fan", "kind": "fan", "direction": "+x", "curve": FAN_CURVE,
                       "box": {"min": [0.1, 0.0, 0.0], "max": [0.15, 0.1, 0.1]}})
    d["boundaries"] = [{"name": "a", "face": "x-", "flow": "periodic"},
                       {"name": "b", "face": "x+", "flow": "periodic"}] + SLIP_SIDES
    return d


def fan_operating_point(n: int = 40) -> tuple[float, float]:
    """Computed and analytic volume flow (m3/s) of the fan-and-slab loop."""
    case = case_from_dict(fan_case(n))
    sim = Simulation(case)
    state, info = sim.run()
    q = float(np.asarray(fan_flows(state.u, sim.params.parts["air"], 1))[0])
    fl = case.fluid
    area, t = 0.01, 0.2
    # slab: a U + b U^2, fan: c0 - c1 Q on its linear curve; solve in U = Q / A
    a = fl.viscosity / 1e-6 * t
    b = 0.5 * fl.density * 30.0 * t
    c0 = FAN_CURVE[0][1]
    c1 = (FAN_CURVE[0][1] - FAN_CURVE[-1][1]) / FAN_CURVE[-1][0] * area
    u = (-(a + c1) + math.sqrt((a + c1) ** 2 + 4.0 * b * c0)) / (2.0 * b)
    return q, u * area


def validate_fan(full: bool = False) -> list[dict]:
    rows = []
    for n in ((40, 80) if full else (40,)):
        q, exact = fan_operating_point(n)
        rows.append(_row(f"fan curve against a porous slab ({n} cells)",
                         "operating flow (m3/s) vs the root of curve = slab formula (1-D loop)",
                         exact, q, 0.03, "check"))
    return rows


# ----------------------------------------------------------------- resolved fins

FIN_GAP = 2e-3     # m, between two fins
FIN_LENGTH = 20    # gaps: 40 mm along the flow
FIN_RE = 2.0       # Reynolds number on the gap and the mean gap velocity
FIN_BOUND = 0.05   # end effects (2.3 % at 20 gaps) and the resolved grid error (1.5 / n**2)


def fin_case(n: int = 16, fan_curve: list | None = None) -> tuple[dict, dict]:
    """A heat sink's parallel fins resolved: one gap ``FIN_GAP`` wide (``n`` cells)
    between two half-fins one cell thick, slip walls on the symmetry planes
    (y- and y+), ``FIN_LENGTH`` gaps long, with three fin pitches of open duct
    before and after. Air enters at the Darcy (superficial) velocity that gives
    ``FIN_RE`` in the gaps; with ``fan_curve`` the duct is instead a closed loop
    (periodic in x) driven by a curve fan in the open part before the fins.
    Returns the case dict and its geometry: gap ``h``, open fraction ``phi``,
    fin length ``L``, superficial velocity ``U``, flow area ``A`` (m2), slab
    ``x0``, ``x1`` (m)."""
    h = FIN_GAP / n
    pitch = FIN_GAP + 2 * h
    ends = int(round(3 * pitch / h))
    n_fin = FIN_LENGTH * n
    nx = n_fin + 2 * ends
    x0, x1 = ends * h, (ends + n_fin) * h
    depth = FIN_GAP
    air = case_from_dict({"case": {"name": "air"}, "domain": {"size": [1.0, 1.0, 1.0],
                                                             "cells": [1, 1, 1]},
                          "fluid": {"material": "air"}}).fluid
    nu = air.viscosity / air.density
    phi = FIN_GAP / pitch
    U = phi * FIN_RE * nu / FIN_GAP
    d = {
        "case": {"name": f"fins-{n}" + ("-fan" if fan_curve else "")},
        "domain": {"size": [nx * h, pitch, depth], "cells": [nx, n + 2, 1]},
        "fluid": {"material": "air"},
        "parts": [
            {"name": "fin_lo", "kind": "solid", "material": "aluminium",
             "box": {"min": [x0, 0.0, 0.0], "max": [x1, h, depth]}},
            {"name": "fin_hi", "kind": "solid", "material": "aluminium",
             "box": {"min": [x0, pitch - h, 0.0], "max": [x1, pitch, depth]}}],
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [U, 0.0, 0.0]},
                       {"name": "out", "face": "x+", "flow": "outlet"}] + SLIP_SIDES,
        "solver": {"tolerance": 1e-8, "max_steps": 20000, "steps_per_call": 1000},
    }
    if fan_curve:
        d["boundaries"] = [{"name": "a", "face": "x-", "flow": "periodic"},
                           {"name": "b", "face": "x+", "flow": "periodic"}] + SLIP_SIDES
        d["parts"].append({"name": "fan", "kind": "fan", "direction": "+x", "curve": fan_curve,
                           "box": {"min": [h * (ends // 4), 0.0, 0.0],
                                   "max": [h * (3 * ends // 4), pitch, depth]}})
    geo = {"h": FIN_GAP, "phi": phi, "L": x1 - x0, "U": U, "A": pitch * depth, "x0": x0,
           "x1": x1, "mu": air.viscosity, "rho": air.density}
    return d, geo


def fin_drop(n: int = 16) -> dict:
    """Pressure drop (Pa) across the resolved fins (the mean pressure of the first
    cross-section minus that of the last), across the compact porous slab with
    ``K = phi h**2 / 12`` in the same duct, and the fins' plane-Poiseuille drop."""
    d, g = fin_case(n)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"resolved fins n={n} did not converge: {info}")
    p = np.asarray(state.p)[:, :, 0] * g["rho"]
    resolved = float(p[0].mean() - p[-1].mean())
    K = g["phi"] * g["h"] ** 2 / 12.0
    c = copy.deepcopy(d)
    c["case"]["name"] += "-compact"
    c["domain"]["cells"] = [d["domain"]["cells"][0], 1, 1]
    c["parts"] = [{"name": "fins", "kind": "porous", "permeability": K,
                   "box": {"min": [g["x0"], 0.0, 0.0], "max": [g["x1"]] + d["domain"]["size"][1:]}}]
    csim = Simulation(case_from_dict(c))
    cstate, cinfo = csim.run()
    if cinfo.status != "converged":
        raise RuntimeError(f"compact fins n={n} did not converge: {cinfo}")
    cp_ = np.asarray(cstate.p).ravel() * g["rho"]
    poiseuille = 12.0 * g["mu"] * (g["U"] / g["phi"]) * g["L"] / g["h"] ** 2
    return {"resolved": resolved, "compact": float(cp_[0] - cp_[-1]), "poiseuille": poiseuille,
            "K": K, "steps": info.steps, "n": n}


def validate_porous_fins(full: bool = False) -> list[dict]:
    r = fin_drop(24 if full else 16)
    return [_row("porous slab vs resolved fins", f"pressure drop (Pa), compact K = phi h^2/12 "
                 f"({r['K']:.3g} m2) vs fins resolved with {r['n']} cells per 2 mm gap, Re_h "
                 f"{FIN_RE:g} ({r['steps']} steps; plane Poiseuille {r['poiseuille']:.5g} Pa)",
                 r["resolved"], r["compact"], FIN_BOUND, "validation")]


def fin_fan_curve(n: int = 16) -> list:
    """A linear fan curve that meets the fins' Poiseuille resistance at their design
    flow (``FIN_RE``): shut-off at twice the design drop, free delivery at twice
    the design flow."""
    _, g = fin_case(n)
    q = g["U"] * g["A"]
    dp = 12.0 * g["mu"] * (g["U"] / g["phi"]) * g["L"] / g["h"] ** 2
    return [[0.0, 2.0 * dp], [q, dp], [2.0 * q, 0.0]]


def fin_fan_operating_point(n: int = 16) -> tuple[float, float, int]:
    """Computed volume flow (m3/s) of the fan driving air round the resolved fins,
    the analytic intersection of its curve with the fins' Poiseuille resistance,
    and the steps taken."""
    curve = fin_fan_curve(n)
    d, g = fin_case(n, fan_curve=curve)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"fan and fins n={n} did not converge: {info}")
    q = float(np.asarray(fan_flows(state.u, sim.params.parts["air"], 1))[0])
    # fins: dp = R Q; fan: dp0 (1 - Q / Qmax) (the curve is linear)
    R = 12.0 * g["mu"] * g["L"] / (g["phi"] * g["A"] * g["h"] ** 2)
    dp0, qmax = curve[0][1], curve[-1][0]
    return q, dp0 / (R + dp0 / qmax), info.steps


def validate_fan_fins(full: bool = False) -> list[dict]:
    n = 24 if full else 16
    q, exact, steps = fin_fan_operating_point(n)
    return [_row("fan curve against resolved fins", f"operating flow (m3/s) vs the root of "
                 f"curve = plane-Poiseuille fins, {n} cells per gap ({steps} steps)", exact, q,
                 FIN_BOUND, "validation")]


# ------------------------------------------------------- servers with their own fans

SERVER_FAN_CURVE = [[0.0, 60.0], [0.02, 0.0]]  # m3/s, Pa: linear, shut-off 60 Pa
SERVER_LOSS = (10.0, 0.01)  # Pa at m3/s: the server's internal loss, quadratic
SERVER_FAN_BOUND = 0.02


def server_fan_case(n: int = 40, c2: float = 300.0, scheme: str = "march") -> dict:
    """A 1 m duct (0.1 m square, slip walls) open at both ends (outlets: the same static
    pressure): a server with its own fans (``SERVER_FAN_CURVE``, internal loss
    ``SERVER_LOSS``) from x = 0.1 to 0.15 m, no power, and a porous slab (inertial
    coefficient ``c2`` 1/m only, so a quadratic loss) from 0.4 to 0.6 m."""
    d = porous_case(n, slab={"inertial_coefficient": c2})
    d["case"]["name"] = "server-fan-loop"
    dp, q = SERVER_LOSS
    d["parts"].append({"name": "server", "kind": "server", "direction": "+x",
                       "fan_curve": SERVER_FAN_CURVE, "pressure_drop": dp, "rated_flow": q,
                       "box": {"min": [0.1, 0.0, 0.0], "max": [0.15, 0.1, 0.1]}})
    d["boundaries"] = [{"name": "a", "face": "x-", "flow": "outlet"},
                       {"name": "b", "face": "x+", "flow": "outlet"}] + SLIP_SIDES
    d["solver"] = {"tolerance": 1e-8, "steps_per_call": 50, "max_steps": 20000,
                   "scheme": scheme}
    return d


def server_fan_operating_point(n: int = 40, c2: float = 300.0, scheme: str = "march",
                               max_steps: int = 20000) -> dict:
    """The server's computed flow (m3/s) and external pressure difference (Pa) in
    :func:`server_fan_case`, and the operating point solved by hand: the root of
    ``curve(Q) - (R_internal + R_slab) Q**2`` with ``R_slab = rho c2 t / (2 A**2)``
    (the curve is linear, ``dp0 (1 - Q / Qmax)``: a quadratic in Q, by numpy)."""
    d = server_fan_case(n, c2, scheme)
    d["solver"]["max_steps"] = max_steps
    case = case_from_dict(d)
    sim = Simulation(case)
    state, info = sim.run()
    point = sim.equipment.operating_points(sim, state)["server"]
    fl = case.fluid
    area, t = 0.01, 0.2
    r_int = SERVER_LOSS[0] / SERVER_LOSS[1] ** 2
    r_sys = 0.5 * fl.density * c2 * t / area ** 2
    dp0, qmax = SERVER_FAN_CURVE[0][1], SERVER_FAN_CURVE[-1][0]
    roots = np.roots([-(r_int + r_sys), -dp0 / qmax, dp0])
    exact = float(roots[(roots.real > 0) & (np.abs(roots.imag) < 1e-12)].real[0])
    return {"flow": point["volume_flow_m3_s"], "exact": exact, "steps": info.steps,
            "status": info.status, "external": point["external_pressure_pa"],
            "external_exact": r_sys * exact ** 2}


def validate_server_fan(full: bool = False) -> list[dict]:
    rows = []
    for n in ((40, 80) if full else (40,)):
        r = server_fan_operating_point(n)
        rows.append(_row(f"server with its own fans against a porous slab ({n} cells)",
                         f"operating flow (m3/s) vs the root of curve(Q) = (R_server + "
                         f"R_slab) Q^2 by hand (1-D duct; {r['steps']} steps, {r['status']}; "
                         f"external dp {r['external']:.4g} Pa vs {r['external_exact']:.4g})",
                         r["exact"], r["flow"], SERVER_FAN_BOUND, "check"))
    return rows


SERVER_TAU = 4.0  # s, the lumped server's time constant in server_mass_case
SERVER_MASS_BOUND = 0.03


def server_mass_case(n: int = 40, tau: float = SERVER_TAU, periods: float = 3.0) -> dict:
    """A 1 m duct (0.1 m square, slip walls), air in at 20 C and 1 m/s: a server
    (fixed flow 0.01 m3/s, 200 W) from x = 0.1 to 0.15 m with the heat capacity
    that gives it the time constant ``tau`` (s); switched on cold at t = 0 (its
    lumped temperature starts at the air's 20 C) and run for ``periods`` taus."""
    air = case_from_dict({"case": {"name": "air"}, "domain": {"size": [1.0, 1.0, 1.0],
                                                             "cells": [1, 1, 1]},
                          "fluid": {"material": "air"}}).fluid
    q = 0.01
    cap = tau * air.density * air.specific_heat * q
    return {
        "case": {"name": "server-mass"},
        "domain": {"size": [1.0, 0.1, 0.1], "cells": [n, 1, 1]},
        "fluid": {"material": "air", "initial_temperature": 20.0},
        "parts": [{"name": "server", "kind": "server", "direction": "+x", "volume_flow": q,
                   "power": 200.0, "heat_capacity": cap,
                   "box": {"min": [0.1, 0.0, 0.0], "max": [0.15, 0.1, 0.1]}}],
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0.0, 0.0],
                        "temperature": 20.0},
                       {"name": "out", "face": "x+", "flow": "outlet"}] + SLIP_SIDES,
        "solver": {"mode": "transient", "end_time": periods * tau},
    }


def server_mass_response(n: int = 40, tau: float = SERVER_TAU) -> dict:
    """The exhaust air's temperature (the fluid cells facing the server's exhaust) at
    every device call after the power step, against the first-order response
    ``T_in + P / (rho cp Q) (1 - exp(-t / tau))`` with ``tau = C / (rho cp Q)``
    computed here from the case's numbers; the largest difference over the rise
    ``P / (rho cp Q)``."""
    from thermo.solver.callbacks import Callback

    d = server_mass_case(n, tau)
    case = case_from_dict(d)
    sim = Simulation(case)
    cells = sim.air.throughflow[0]["exhaust_cells"]
    times, temps = [], []

    def probe(state, wall):
        times.append(float(state.t))
        temps.append(float(np.asarray(state.T).ravel()[cells].mean()))

    state, info = sim.run(callbacks=[Callback("exhaust", probe)])
    fl = case.fluid
    part = d["parts"][0]
    g = fl.density * fl.specific_heat * part["volume_flow"]
    rise = part["power"] / g
    t = np.asarray(times)
    exact = 20.0 + rise * (1.0 - np.exp(-t / (part["heat_capacity"] / g)))
    err = np.abs(np.asarray(temps) - exact) / rise
    return {"error": float(err.max()), "at": float(t[err.argmax()]), "calls": len(t),
            "steps": info.steps, "final": temps[-1], "final_exact": float(exact[-1]),
            "rise": rise}


def validate_server_mass(full: bool = False) -> list[dict]:
    r = server_mass_response()
    return [row("server with thermal mass, power step", "exhaust air temperature vs T_in + "
                f"P/(rho cp Q) (1 - exp(-t/tau)), tau = C/(rho cp Q) = {SERVER_TAU:g} s: largest "
                f"difference over the {r['rise']:.4g} K rise, over 3 tau ({r['calls']} calls, "
                f"{r['steps']} steps; at t = {r['at']:.3g} s)", 0.0, r["error"], r["error"],
                SERVER_MASS_BOUND, "check")]


# ------------------------------------------------ CRAHs with a coil capacity and control

CRAH_LOAD = 1500.0      # W, the server's power in crah_room_case
CRAH_CAPACITY = 1000.0  # W, the CRAH's coil: below the load, so it stays at capacity
CRAH_CAPACITY_BOUND = 0.01
CRAH_CONTROL_BOUND = 0.01


def crah_room_case(capacity: float = CRAH_CAPACITY, end: float = 30.0) -> dict:
    """A closed 1.2 x 0.6 x 0.9 m room (adiabatic walls, no buoyancy) from rest at 22 C: a
    ``CRAH_LOAD`` W server blowing +x at 0.1 m3/s and a CRAH returning from its top and
    supplying -x at 0.12 m3/s, set point 22 C, coil ``capacity`` (W); ``end`` s."""
    return {
        "case": {"name": "crah-room"},
        "domain": {"size": [1.2, 0.6, 0.9], "cells": [8, 4, 6]},
        "fluid": {"material": "air", "reference_temperature": 22.0},
        "parts": [{"name": "srv", "kind": "server", "direction": "+x", "power": CRAH_LOAD,
                   "volume_flow": 0.1, "box": {"min": [0.3, 0.15, 0.15], "max": [0.6, 0.45, 0.45]}},
                  {"name": "crah", "kind": "crah", "direction": "-x", "intake": "+z",
                   "volume_flow": 0.12, "supply_temperature": 22.0, "capacity": capacity,
                   "box": {"min": [0.9, 0.0, 0.0], "max": [1.2, 0.6, 0.6]}}],
        "solver": {"mode": "transient", "end_time": end, "steps_per_call": 20},
    }


def crah_capacity_response(end: float = 30.0) -> dict:
    """The CRAH's supply temperature at every device call of :func:`crah_room_case`,
    and the hand energy balance of the closed room: with the coil at its capacity C
    the air (volume V, the fluid cells') warms at ``(P - C) / (rho cp V)``, and once
    the temperature field's shape has settled (after a few turnovers, V / Q ~ 4 s)
    every temperature, the supply's too, rises at that rate. The supply's rate is
    fitted (least squares) over the second half of the run."""
    from thermo.diagnostics.air import intake_exhaust, temperature_pads
    from thermo.solver.callbacks import Callback

    case = case_from_dict(crah_room_case(end=end))
    sim = Simulation(case)
    times, supply, ret = [], [], []
    cfg = sim.settings

    def probe(state, wall):
        pads = temperature_pads(state.T, sim.params.t_ghosts, cfg.periodic)
        t_in, t_out = intake_exhaust(sim.params.parts["air"], state.u, pads, 2,
                                     float(cfg.rho_cp), tuple(cfg.h))
        times.append(float(state.t))
        supply.append(float(t_out[1]))
        ret.append(float(t_in[1]))

    state, info = sim.run(callbacks=[Callback("supply", probe)])
    fl = case.fluid
    rho_cp = fl.density * fl.specific_heat
    volume = float(sim.model.geometry.fluid.sum()) * float(np.prod(sim.grid.spacing))
    t, s = np.asarray(times), np.asarray(supply)
    late = t >= 0.5 * end
    rate = float(np.polyfit(t[late], s[late], 1)[0])
    # the coil's law at every call: supply = return - C / (rho cp Q), above the set point
    law = np.max(np.abs(s - np.maximum(22.0, np.asarray(ret) - CRAH_CAPACITY / (rho_cp * 0.12))))
    return {"rate": rate, "rate_exact": (CRAH_LOAD - CRAH_CAPACITY) / (rho_cp * volume),
            "law_error": float(law), "calls": len(t), "steps": info.steps,
            "supply_final": float(s[-1]), "volume": volume}


def validate_crah_capacity(full: bool = False) -> list[dict]:
    r = crah_capacity_response(60.0 if full else 30.0)
    return [_row("CRAH at its coil capacity in a closed room",
                 f"supply temperature's rate of rise (K/s) vs the energy balance (P - C) / "
                 f"(rho cp V) = ({CRAH_LOAD:g} - {CRAH_CAPACITY:g}) W / (rho cp "
                 f"{r['volume']:.4g} m3), fitted over the run's second half ({r['calls']} calls, "
                 f"{r['steps']} steps; supply vs return - C/(rho cp Q) within "
                 f"{r['law_error']:.2g} K)", r["rate_exact"], r["rate"], CRAH_CAPACITY_BOUND,
                 "check")]


CRAH_DP_SET = 20.0  # Pa, the pressure set point of crah_duct_case


def crah_duct_case(n: int = 40, gain: float = 0.05, integral_time: float | None = 0.5,
                   set_point: float = CRAH_DP_SET) -> dict:
    """The duct of :func:`server_fan_case` (open at both ends, a porous slab with a
    quadratic loss, c2 = 300 1/m) with a CRAH instead of the server: rated 0.02 m3/s,
    its fan speed controlled on the static pressure on its supply side less that on its
    return side, set point ``set_point`` Pa."""
    d = server_fan_case(n)
    d["case"]["name"] = "crah-pressure-control"
    d["parts"][1] = {"name": "crah", "kind": "crah", "direction": "+x", "volume_flow": 0.02,
                     "supply_temperature": 20.0, "control": "pressure",
                     "control_set_point": set_point, "control_gain": gain,
                     "min_speed": 0.1, "max_speed": 1.0,
                     "box": {"min": [0.1, 0.0, 0.0], "max": [0.15, 0.1, 0.1]}}
    if integral_time is not None:
        d["parts"][1]["control_integral_time"] = integral_time
    return d


def crah_control_point(n: int = 40, **keys) -> dict:
    """The controlled CRAH's settled speed and measured pressure difference in
    :func:`crah_duct_case`, and the hand answer: the slab's loss R Q^2, ``R = rho c2 t /
    (2 A^2)``, equals the set point at ``Q = sqrt(dp_set / R)``, speed Q / 0.02."""
    d = crah_duct_case(n, **keys)
    case = case_from_dict(d)
    sim = Simulation(case)
    state, info = sim.run()
    rep = sim.cooling.report()[0]
    r_sys = 0.5 * case.fluid.density * 300.0 * 0.2 / 0.01 ** 2
    q = math.sqrt(d["parts"][1]["control_set_point"] / r_sys)
    return {"speed": rep["speed"], "speed_exact": q / 0.02, "measured": rep["measured"],
            "status": info.status, "steps": info.steps}


def validate_crah_control(full: bool = False) -> list[dict]:
    r = crah_control_point()
    return [_row("CRAH fan speed on a pressure set point (PI)",
                 f"settled speed vs sqrt(dp_set / R_slab) / Q_rated by hand (1-D duct, set point "
                 f"{CRAH_DP_SET:g} Pa, measured {r['measured']:.5g} Pa; {r['steps']} steps, "
                 f"{r['status']})", r["speed_exact"], r["speed"], CRAH_CONTROL_BOUND, "check")]
