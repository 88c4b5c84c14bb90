"""The JEDEC two-resistor junction model (``junction`` on a chip): against a hand
solution of a one-dimensional stack, the layers that give Tc and Tb, and the
refusals. A 1 x 1 x 3 stack: an aluminium board on a 20 C floor, the chip (500 W),
a one-slice cold plate with water at 30 C on top."""
import copy

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.case.materials import LIBRARY
from thermo.diagnostics.summary import summarise
from thermo.models.junction import junction_temperature
from thermo.solver import Simulation
from thermo.validation.liquid import stack_case

P, T_IN, FLOW, UA, T_FLOOR = 500.0, 30.0, 1e-5, 20.0, 20.0
AREA, DZ = 0.04 * 0.04, 0.01
JC, JB = 0.08, 1.5


def stack() -> dict:
    d = stack_case(n=1)
    d["domain"] = {"size": [0.04, 0.04, 0.03], "cells": [1, 1, 3]}
    chip, plate = d["parts"]
    chip["box"] = {"min": [0, 0, 0.01], "max": [0.04, 0.04, 0.02]}
    chip["junction"] = {"theta_jc": JC, "theta_jb": JB}
    plate["box"] = {"min": [0, 0, 0.02], "max": [0.04, 0.04, 0.03]}
    plate.update(thermal_resistance=1.0 / UA)
    del plate["htc"], plate["area"]
    board = {"name": "board", "kind": "solid", "material": "aluminium",
             "box": {"min": [0, 0, 0], "max": [0.04, 0.04, 0.01]}}
    d["parts"] = [board, chip, plate]
    d["boundaries"] = [{"name": "floor", "face": "z-", "temperature": T_FLOOR}]
    return d


def hand() -> dict:
    """The stack as a resistance network: floor -(half board)- board -(half board + half
    chip)- chip (P) -(half chip + half plate)- plate -(eps m cp)- coolant at T_in."""
    w = LIBRARY["water"].at(T_IN)
    mcp = w.density * w.specific_heat * FLOW
    eps = -np.expm1(-UA / mcp)
    k_b, k_c, k_p = LIBRARY["aluminium"].conductivity, LIBRARY["silicon"].conductivity, 4.0e5
    g0 = k_b * AREA / (DZ / 2)
    g1 = AREA / (DZ / 2 * (1 / k_b + 1 / k_c))
    g2 = AREA / (DZ / 2 * (1 / k_c + 1 / k_p))
    g3 = eps * mcp
    a = np.array([[g0 + g1, -g1, 0.0], [-g1, g1 + g2, -g2], [0.0, -g2, g2 + g3]])
    tb, tchip, tp = np.linalg.solve(a, [g0 * T_FLOOR, P, g3 * T_IN])
    # Tc = the plate's cell (the layer above the chip), Tb = the board's (below)
    tj = (P + tp / JC + tb / JB) / (1 / JC + 1 / JB)
    return {"case": tp, "board": tb, "junction": tj}


def test_junction_against_the_hand_stack():
    """Tc, Tb the neighbours' cells and Tj from P = (Tj-Tc)/theta_jc + (Tj-Tb)/theta_jb,
    all within 1e-8 K of the hand network; the two paths carry P."""
    sim = Simulation(case_from_dict(stack()))
    state, info = sim.run()
    assert info.status == "converged"
    s = summarise(sim, state, info)
    j = s["junctions"]["chips"]["chip"]
    h = hand()
    print(f"Tc {j['case_c']:.9f} (hand {h['case']:.9f}), Tb {j['board_c']:.9f} "
          f"({h['board']:.9f}), Tj {j['junction_c']:.9f} ({h['junction']:.9f}) C")
    for k, hk in (("case_c", "case"), ("board_c", "board"), ("junction_c", "junction")):
        assert j[k] == pytest.approx(h[hk], abs=1e-8)
    assert s["junctions"]["max_junction_c"] == j["junction_c"]
    assert s["junctions"]["hottest_chip"] == "chip"
    board_w = (j["junction_c"] - j["board_c"]) / JB
    assert j["case_heat_w"] + board_w == pytest.approx(P, rel=1e-12)


def test_junction_formula_and_layers_of_a_graded_top():
    """The closed form; a chip thinner than a cell takes the first whole layer beyond
    each face, weighted by its overlap."""
    assert junction_temperature(10.0, 50.0, 40.0, 1.0, 1.0) == pytest.approx(50.0)
    from thermo.meshes import Grid
    from thermo.models.junction import _layer

    g = Grid((0.04, 0.04, 0.03), (4, 1, 3))
    axis, i, w = _layer(g, np.array([0.005, 0, 0.012]), np.array([0.02, 0.04, 0.018]), 2, 1)
    assert (axis, i) == (2, 2)
    assert w[:, 0] == pytest.approx([0.005 * 0.04, 0.01 * 0.04, 0.0, 0.0])
    axis, i, w = _layer(g, np.array([0.005, 0, 0.012]), np.array([0.02, 0.04, 0.018]), 2, -1)
    assert i == 0


@pytest.mark.parametrize("edit, key, words", [
    (lambda p: p.update(junction={"theta_jc": 0.1}), "parts[1].junction.theta_jb",
     "missing required key"),
    (lambda p: p.update(junction={"theta_jc": 0.0, "theta_jb": 1.0}), "parts[1].junction.theta_jc",
     "> 0"),
    (lambda p: p.update(junction={"theta_jc": 0.1, "theta_jb": 1.0, "psi": 2.0}),
     "parts[1].junction.psi", "unknown key"),
    (lambda p: p.update(junction={"theta_jc": 0.1, "theta_jb": 1.0, "top": "up"}),
     "parts[1].junction.top", "'+z'"),
    (lambda p: p.update(power=0.0), "parts[1].junction", "has none"),
    (lambda p: p.update(junction={"theta_jc": 0.1, "theta_jb": 1.0, "top": "+x"}),
     "parts[1].junction", "on the domain's boundary"),
])
def test_refusals_name_the_key(edit, key, words):
    d = stack()
    edit(d["parts"][1])
    with pytest.raises(CaseError) as err:
        case_from_dict(copy.deepcopy(d))
    assert err.value.key == key, str(err.value)
    assert words in str(err.value), str(err.value)


def test_other_kinds_refuse_a_junction():
    d = stack()
    d["parts"][2]["junction"] = {"theta_jc": 0.1, "theta_jb": 1.0}
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "parts[2].junction" and "takes no junction" in str(err.value)
