"""Validation of the compact air-side parts against analytic values.

* ``porous``: the pressure drop across a Darcy-Forchheimer slab in a duct,
  ``dp = (mu/K U + rho C2 U**2 / 2) t``, and across a perforated tile given by
  its open area (Idelchik's loss coefficient), ``dp = K_L rho U**2 / 2``.
* ``fan``: a fan given by its curve pushing air round a loop through a porous
  slab settles where the curve meets the slab's resistance (the analytic root
  of ``dp_fan(Q) = dp_slab(Q)``).
* ``server``: servers and a CRAH in a closed room: each server's exhaust air,
  measured in the fluid cells behind it, is hotter than the air in front of it
  by ``P / (rho cp Q)``; the CRAH removes the IT load; the heat balances.
"""
from __future__ import annotations

import math

import numpy as np

from .airflow import fan_flows, idelchik_loss
from .case import case_from_dict
from .simulation import Simulation

SLIP_SIDES = [{"name": f, "face": f, "flow": "slip"} for f in ("y-", "y+", "z-", "z+")]


def _row(case: str, quantity: str, reference: float, computed: float, bound: float) -> dict:
    err = abs(computed - reference) / abs(reference)
    return {"case": case, "quantity": quantity, "reference": reference, "computed": computed,
            "rel_error": err, "bound": bound, "ok": bool(err <= bound)}


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
        rows.append(_row("porous slab (Darcy-Forchheimer)", f"pressure drop (Pa) at {speed:g} m/s",
                         exact, dp, 0.02))
    dp, exact = porous_drop(40, 1.0, {"open_area": 0.25, "direction": "x"})
    rows.append(_row("perforated tile, 25 % open (Idelchik)", "pressure drop (Pa) at 1 m/s",
                     exact, dp, 0.02))
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
    q = float(np.asarray(fan_flows(state.u, sim.params.air, 1))[0])
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
                         "operating flow (m3/s)", exact, q, 0.03))
    return rows
