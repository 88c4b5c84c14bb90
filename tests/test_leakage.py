"""Leakage paths (issue #18, air side): porous parts with ``leakage = true`` (cable
cut-outs, gaps, perforated doors), their Idelchik loss and the flow through each in
summary.json's ``leakage``."""
import copy

import pytest

from thermo.case import CaseError, case_from_dict
from thermo.validation import air as va


def _leak_duct(open_area: float = 0.3, n: int = 40) -> dict:
    """A 1 m duct (0.1 m square) between two plenums: air in at 1 m/s (0.01 m3/s) on the
    left, out on the right, through a 5 cm thick panel filling the duct with holes
    ``open_area`` of its face (a perforated door)."""
    d = va.porous_case(n, 1.0, {"open_area": open_area, "direction": "x", "leakage": True})
    d["case"]["name"] = "leak"
    d["parts"][0]["name"] = "door"
    d["parts"][0]["box"] = {"min": [0.45, 0.0, 0.0], "max": [0.5, 0.1, 0.1]}
    return d


def test_leak_flow_against_the_orifice_equation_by_hand():
    """The flow listed for the leak is the duct's 0.01 m3/s (1e-9), and the flow the
    orifice equation gives at the measured pressure difference, Q = A sqrt(2 dp / (rho
    K)), with K of a thin perforated plate written out by hand for f = 0.3 (Idelchik
    8-1: (0.707 (1 - f)^0.375 + 1 - f)^2 / f^2 = 19.32), agrees within 1e-6 (measured
    2e-11: the slip-walled duct beside the panel loses no pressure of its own)."""
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation

    d = _leak_duct()
    case = case_from_dict(d)
    sim = Simulation(case)
    state, info = sim.run()
    leak = summarise(sim, state, info)["leakage"]["door"]
    k = (0.707 * 0.7 ** 0.375 + 0.7) ** 2 / 0.09
    rho = case.fluid.density
    q_hand = 0.01 * (2.0 * leak["pressure_drop_pa"] / (rho * k)) ** 0.5
    print(info.status, leak, k, q_hand)
    assert info.status == "converged"
    assert leak["loss_coefficient"] == pytest.approx(k, rel=1e-12)
    assert leak["volume_flow_m3_s"] == pytest.approx(0.01, rel=1e-9)
    assert abs(q_hand / 0.01 - 1.0) < 1e-6
    assert leak["axis"] == "x" and leak["open_area"] == 0.3


def test_implicit_steady_converges_through_a_tight_panel():
    """The implicit steady solver on the duct with a 5 %-open panel (Idelchik K = 1080,
    dtau * drag ~ 100 on its faces): converged by residuals, the drop K rho u^2 / 2
    to 1e-6. Its projection must use SIMPLEC's dtau / (1 + dtau drag) on the panel's
    faces: with dtau alone the run stalled at a momentum residual of 1.0 for 2,000
    iterations, 14 % short of the drop (measured 560 against 651 Pa)."""
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation

    d = _leak_duct(open_area=0.05)
    d["solver"] = {"mode": "steady", "scheme": "implicit", "tolerance": 1e-8, "max_steps": 2000,
                   "precision": "float64"}
    case = case_from_dict(d)
    sim = Simulation(case)
    state, info = sim.run()
    leak = summarise(sim, state, info)["leakage"]["door"]
    exact = 0.5 * leak["loss_coefficient"] * case.fluid.density * 1.0 ** 2
    print(info.status, info.steps, leak["pressure_drop_pa"], exact)
    assert info.status == "converged"
    assert abs(leak["pressure_drop_pa"] / exact - 1.0) < 1e-6
    assert leak["volume_flow_m3_s"] == pytest.approx(0.01, rel=1e-9)


def test_leak_flows_balance_a_contained_aisle():
    """A room split by a wall with two leaks (a cable cut-out low, a gap high): a fan
    box in the wall blows 0.05 m3/s from the left half into the right; the air must come
    back through the leaks, so their flows sum to -0.05 m3/s (mass, 1e-6), each going
    back (negative along +x), driven by the right half's higher pressure (pressure_drop,
    left less right, negative for both)."""
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation

    wall = {"min": [0.5, 0.0, 0.0], "max": [0.6, 0.6, 0.6]}
    d = {
        "case": {"name": "leaky-wall"},
        "domain": {"size": [1.1, 0.6, 0.6], "cells": [11, 6, 6]},
        "fluid": {"material": "air"},
        "parts": [{"name": "wall", "kind": "solid", "material": "steel", "box": wall},
                  {"name": "fan", "kind": "fan", "direction": "+x", "volume_flow": 0.05,
                   "box": {"min": [0.5, 0.2, 0.2], "max": [0.6, 0.4, 0.4]}},
                  {"name": "cutout", "kind": "porous", "open_area": 0.5, "direction": "x",
                   "leakage": True, "box": {"min": [0.5, 0.0, 0.0], "max": [0.6, 0.2, 0.1]}},
                  {"name": "gap", "kind": "porous", "loss_coefficient": 3.0, "direction": "x",
                   "leakage": True, "box": {"min": [0.5, 0.4, 0.5], "max": [0.6, 0.6, 0.6]}}],
        "solver": {"tolerance": 1e-7, "max_steps": 20000},
    }
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    leaks = s["leakage"]
    print(info.status, leaks)
    total = leaks["cutout"]["volume_flow_m3_s"] + leaks["gap"]["volume_flow_m3_s"]
    assert total == pytest.approx(-0.05, rel=1e-6)
    for r in leaks.values():
        assert r["volume_flow_m3_s"] < 0 and r["pressure_drop_pa"] < 0


def test_leakage_refused_with_darcy_coefficients_and_on_other_kinds():
    d = copy.deepcopy(_leak_duct())
    part = d["parts"][0]
    for k in ("open_area", "direction"):
        part.pop(k)
    part["permeability"] = 1e-6
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    print(err.value)
    assert err.value.key == "parts[0].leakage" and "open_area" in err.value.accepted
    d = va.server_fan_case()
    d["parts"][1]["leakage"] = True
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "parts[1].leakage" and "porous" in err.value.accepted
    d = _leak_duct()
    d["parts"][0]["leakage"] = "yes"
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "parts[0].leakage" and "true, false" in err.value.accepted
