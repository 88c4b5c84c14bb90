"""Contact impedances (``contacts`` on solid and cold_plate parts): thin interface
layers on the grid faces between two parts (thermo/case/contacts.py,
thermo/grid/thermal.py)."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.case.materials import LIBRARY
from thermo.diagnostics.summary import summarise
from thermo.grid.model import build_flow_model
from thermo.grid.thermal import build_thermal_model
from thermo.solver import Simulation

SLABS = (("die", "silicon", 0.002), ("lid", "copper", 0.003))  # name, material, thickness (m)
HOT, COLD = 80.0, 20.0
SIDE = 0.01
R_TIM = 5.0e-6  # K m2/W: an indium TIM1


def wall_case(impedance: float | None = R_TIM, graded: bool = False) -> dict:
    """Two slabs stacked along z between fixed temperatures (HOT at z-, COLD at z+), the
    die's top face in contact with the lid through ``impedance`` (None: no contact)."""
    z, parts = 0.0, []
    for name, mat, t in SLABS:
        parts.append({"name": name, "kind": "solid", "material": mat,
                      "box": {"min": [0.0, 0.0, z], "max": [SIDE, SIDE, z + t]}})
        z += t
    if impedance is not None:
        parts[0]["contacts"] = [{"with": "lid", "impedance": impedance}]
    d = {"case": {"name": "contact-wall"},
         "domain": {"size": [SIDE, SIDE, z], "cells": [1, 1, 25]},
         "parts": parts,
         "boundaries": [{"name": "hot", "face": "z-", "temperature": HOT},
                        {"name": "cold", "face": "z+", "temperature": COLD}],
         "solver": {"mode": "steady", "tolerance": 1e-10, "max_steps": 50, "steps_per_call": 50}}
    if graded:  # 0.1 mm cells in the die, 0.4 mm in the lid, growing by 1.2 between
        del d["domain"]["cells"]
        d["grid"] = {"max_cell": [SIDE, SIDE, 0.0004], "max_ratio": 1.2, "min_cells_across": 1,
                     "refine": [{"parts": ["die"], "max_cell": [SIDE, SIDE, 0.0001]}]}
    return d


@pytest.mark.parametrize("graded", [False, True], ids=["uniform", "graded"])
def test_interface_impedance_adds_in_series(graded):
    """A check of the code against the analytic series resistance of a 1-D wall:
    q = dT / (L1/k1 + R'' + L2/k2), and the temperature jumps by q R'' across the
    interface (the finite-volume solution of a piecewise linear profile is exact)."""
    sim = Simulation(case_from_dict(wall_case(graded=graded)))
    state, info = sim.run()
    s = summarise(sim, state, info)
    (_, m1, l1), (_, m2, l2) = SLABS
    r1, r2 = l1 / LIBRARY[m1].conductivity, l2 / LIBRARY[m2].conductivity
    q_exact = (HOT - COLD) / (r1 + R_TIM + r2)
    q = s["boundaries"]["hot"]["heat_w"] / SIDE ** 2
    T = np.asarray(state.T, dtype=float)[0, 0, :]
    k = sim.thermal.conductivity_axes[2][0, 0, :]
    w = sim.grid.widths(2)
    i = int(np.argmin(np.abs(sim.grid.faces(2) - l1)))  # the interface: between cells i-1, i
    below = T[i - 1] - q * (w[i - 1] / 2) / k[i - 1]  # the die's face temperature
    above = T[i] + q * (w[i] / 2) / k[i]              # the lid's
    jump_exact = q_exact * R_TIM
    below_exact = HOT - q_exact * r1
    errors = {"q": abs(q / q_exact - 1), "jump": abs((below - above) / jump_exact - 1),
              "die face": abs(below / below_exact - 1),
              "lid face": abs(above / (below_exact - jump_exact) - 1)}
    print(f"{'graded' if graded else 'uniform'} ({w.size} cells, {info.status}): q {q:.9g} W/m2 "
          f"(exact {q_exact:.9g}), jump {below - above:.9g} K (exact {jump_exact:.9g}); "
          f"relative errors " + ", ".join(f"{n} {e:.2e}" for n, e in errors.items()))
    assert max(errors.values()) < 1e-9, errors
    contact = s["contacts"][0]
    assert (contact["part"], contact["with"]) == ("die", "lid")
    assert contact["area_m2"] == pytest.approx(SIDE ** 2, rel=1e-12)
    assert contact["heat_w"] == pytest.approx(q_exact * SIDE ** 2, rel=1e-9)


@pytest.mark.parametrize("graded", [False, True], ids=["uniform", "graded"])
def test_zero_impedance_is_the_no_contact_model(graded):
    """R'' = 0 leaves every face coefficient as without the contact, bit for bit (so
    the solution is the same), and the contact still finds its faces."""
    models = []
    for imp in (None, 0.0):
        case = case_from_dict(wall_case(imp, graded))
        models.append(build_thermal_model(case, build_flow_model(case)))
    for a in range(3):
        assert np.array_equal(models[0].conductance[a], models[1].conductance[a])
    assert models[0].contacts == () and models[1].contacts[0]["area_m2"] > 0
    # and a positive one lowers exactly the interface face's coefficient
    case = case_from_dict(wall_case(R_TIM, graded))
    changed = build_thermal_model(case, build_flow_model(case)).conductance[2] != models[0].conductance[2]
    assert changed.sum() == 1


def _refused(d: dict) -> CaseError:
    with pytest.raises(CaseError) as info:
        case_from_dict(d, source="wall.toml")
    print(info.value)
    assert "wall.toml" in str(info.value)
    return info.value


@pytest.mark.parametrize("contacts,key,says", [
    ([{"with": "lidd", "impedance": 1e-6}], "parts[0].contacts[0].with", "'lid'"),
    ([{"with": "lid", "impedance": -1e-6}], "parts[0].contacts[0].impedance", ">= 0"),
    ([{"with": "lid"}], "parts[0].contacts[0].impedance", "K m2/W"),
    ([{"with": "lid", "impedance": 1e-6, "thickness": 1e-4}], "parts[0].contacts[0].thickness",
     "with, impedance"),
    (["lid"], "parts[0].contacts[0]", "with, impedance"),
    ({"with": "lid", "impedance": 1e-6}, "parts[0].contacts", "list of tables"),
    ([{"with": "lid", "impedance": 1e-6}, {"with": "l*", "impedance": 2e-6}],
     "parts[0].contacts[1].with", "one contact per pair"),
])
def test_bad_contacts_are_refused(contacts, key, says):
    d = wall_case(None)
    d["parts"][0]["contacts"] = contacts
    err = _refused(d)
    assert err.key == key and says in str(err)


def test_contacts_only_on_conducting_parts():
    d = wall_case(None)
    d["parts"].append({"name": "fan", "kind": "fan", "direction": "+x", "volume_flow": 1e-4,
                       "box": {"min": [0.0, 0.0, 0.004], "max": [SIDE, SIDE, 0.005]},
                       "contacts": [{"with": "lid", "impedance": 1e-6}]})
    err = _refused(d)
    assert err.key == "parts[2].contacts" and "fan part takes no contacts" in err.problem
    # a fan is no side of a contact either
    d = wall_case(None)
    d["parts"][-1]["box"]["max"][2] = 0.004
    d["parts"].append({"name": "fan", "kind": "fan", "direction": "+x", "volume_flow": 1e-4,
                       "box": {"min": [0.0, 0.0, 0.004], "max": [SIDE, SIDE, 0.005]}})
    d["parts"][1]["contacts"] = [{"with": "fan", "impedance": 1e-6}]
    err = _refused(d)
    assert err.key == "parts[1].contacts[0].with" and "other kinds" in err.problem
    # the same pair from both sides
    d = wall_case()
    d["parts"][1]["contacts"] = [{"with": "die", "impedance": 1e-6}]
    assert _refused(d).key == "parts[1].contacts[0].with"


def test_contact_between_parts_that_do_not_touch_is_refused():
    """The case is valid, but on the grid the two parts share no face: refused before
    anything compiles, naming the contact."""
    d = wall_case()
    d["parts"][1]["box"]["min"][2] += 0.001  # a 1 mm gap of air
    d["parts"][1]["box"]["max"][2] = 0.005
    case = case_from_dict(d, source="wall.toml")
    with pytest.raises(CaseError) as info:
        Simulation(case)
    print(info.value)
    assert info.value.key == "parts[0].contacts[0]" and "no grid face" in info.value.problem


def test_copies_and_globs_select_their_faces():
    """A contact named by a glob joins every copy it matches, and only the touching
    faces: two dies side by side under one lid."""
    d = copy.deepcopy(wall_case(None))
    die = d["parts"][0]
    die["box"]["max"][0] = SIDE / 2
    die["repeat"] = {"count": 2, "step": [SIDE / 2, 0.0, 0.0]}
    die["contacts"] = [{"with": "l*", "impedance": R_TIM}]
    d["domain"]["cells"] = [4, 1, 25]
    case = case_from_dict(d)
    th = build_thermal_model(case, build_flow_model(case))
    (c,) = th.contacts
    assert c["area_m2"] == pytest.approx(SIDE ** 2, rel=1e-12)
    assert c["faces"][2].sum() == 4 and not c["faces"][0].any()  # not the die-die faces


def test_refusal_names_the_case_part_after_a_builders():
    """After a [geometry] builder's parts, the refusal names the case's own ``parts[i]``."""
    d = {"case": {"name": "b"}, "domain": {"size": [10.0, 10.0, 4.0], "cells": [8, 8, 8]},
         "geometry": {"builder": "server"},
         "parts": [{"name": "a", "kind": "solid", "material": "copper",
                    "box": {"min": [8.0, 8.0, 3.0], "max": [9.0, 9.0, 3.5]},
                    "contacts": [{"with": "b", "impedance": 1e-6}]},
                   {"name": "b", "kind": "solid", "material": "copper",
                    "box": {"min": [8.0, 8.0, 0.0], "max": [9.0, 9.0, 1.0]}}]}
    case = case_from_dict(d)
    assert case.data["geometry"]["part_count"] > 0
    with pytest.raises(CaseError) as info:
        build_thermal_model(case, build_flow_model(case))
    assert info.value.key == "parts[0].contacts[0]", str(info.value)


def test_contacts_are_written_back():
    """The case as stored with the results (TOML) holds the contacts and reads back the same."""
    import tomllib

    from thermo.case import to_toml

    case = case_from_dict(wall_case())
    again = case_from_dict(tomllib.loads(to_toml(case.data)))
    assert again.data["parts"] == case.data["parts"]
    assert again.data["parts"][0]["contacts"] == [{"with": "lid", "impedance": R_TIM}]
