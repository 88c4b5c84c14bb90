"""Throughflow parts' exhaust turbulence for the k-epsilon closures: the keys
``parts[i].turbulence_intensity`` and ``turbulence_length_scale`` checked with the key
named, the k and epsilon a part's cells hold (what its exhaust blows in), and their
effect on the air downstream."""
import copy

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.solver import Simulation
from thermo.solver.kepsilon import inlet_values

C_MU = 0.09
SERVER_BOX = {"min": [0.2, 0.2, 0.0], "max": [0.3, 0.3, 0.02]}


def _box(turbulence="k-epsilon", cells=(20, 10, 1), depth=0.02, **server):
    """A 2-D box 1 m x 0.5 m (0.02 m deep): a server 0.1 m x 0.1 m blowing 0.004 m3/s
    along +x into it (2 m/s over its 0.1 m x 0.02 m exhaust), walls, an outlet at x+."""
    box = copy.deepcopy(SERVER_BOX)
    box["max"][2] = depth
    return {
        "case": {"name": "exhaust"},
        "domain": {"size": [1.0, 0.5, depth], "cells": list(cells), "gravity": [0, 0, 0]},
        "materials": [{"name": "air", "density": 1.2, "specific_heat": 1005.0,
                       "conductivity": 0.026, "viscosity": 1.8e-5, "expansion": 0.0}],
        "fluid": {"material": "air"},
        "physics": {"turbulence": turbulence},
        "parts": [{"name": "srv", "kind": "server", "direction": "+x", "volume_flow": 0.004,
                   "box": box, **server}],
        "boundaries": [{"name": "out", "face": "x+", "flow": "outlet"},
                       {"name": "z0", "face": "z-", "flow": "slip"},
                       {"name": "z1", "face": "z+", "flow": "slip"}],
        "solver": {"mode": "steady", "max_steps": 300, "steps_per_call": 100,
                   "precision": "float64"},
    }


def _in_box(sim, box) -> np.ndarray:
    """The cells whose centres lie in ``box``, from the grid's coordinates."""
    c = np.meshgrid(*(np.asarray(sim.grid.centers(a)) for a in range(3)), indexing="ij")
    return np.logical_and.reduce([(c[a] > box["min"][a]) & (c[a] < box["max"][a])
                                  for a in range(3)])


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("key, value, fragment", [
    ("turbulence_intensity", -0.1, "out of range"),
    ("turbulence_intensity", 1.5, "out of range"),
    ("turbulence_intensity", "high", "expected a number"),
    ("turbulence_length_scale", 0.0, "out of range"),
    ("turbulence_length_scale", -0.01, "out of range"),
])
@pytest.mark.parametrize("kind", ["server", "fan", "crah"])
def test_bad_exhaust_turbulence_is_refused_with_the_key(kind, key, value, fragment):
    d = _box(**{key: value})
    part = d["parts"][0]
    part["kind"] = kind
    if kind == "crah":
        part["supply_temperature"] = 18.0
    # a solid first, so that the key's index is not 0
    d["parts"].insert(0, {"name": "blk", "kind": "solid", "material": "copper",
                          "box": {"min": [0.6, 0.0, 0.0], "max": [0.7, 0.1, 0.02]}})
    with pytest.raises(CaseError) as err:
        case_from_dict(d, source="rack.toml")
    msg = str(err.value)
    print(msg)
    assert msg.startswith(f"rack.toml: parts[1].{key}: ") and fragment in msg
    accepted = ">= 0 and <= 1" if key == "turbulence_intensity" else "> 0"
    assert accepted in err.value.accepted


@pytest.mark.parametrize("key", ["turbulence_intensity", "turbulence_length_scale"])
@pytest.mark.parametrize("part", [
    {"name": "blk", "kind": "solid", "material": "copper"},
    {"name": "blk", "kind": "porous", "permeability": 1e-8},
    {"name": "blk", "kind": "cold_plate", "material": "copper", "flow_direction": "+x",
     "thermal_resistance": 0.01, "volume_flow": 1e-5, "inlet_temperature": 30.0},
])
def test_exhaust_turbulence_on_a_part_without_exhaust_is_refused(part, key):
    d = _box()
    d["parts"].append({**part, "box": {"min": [0.6, 0.0, 0.0], "max": [0.7, 0.1, 0.02]},
                       key: 0.05})
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    print(err.value)
    assert err.value.key == f"parts[1].{key}"
    assert f"a {part['kind']} part takes no {key}" in err.value.problem
    assert all(kind in err.value.accepted for kind in ("server", "fan", "crah"))


def test_exhaust_turbulence_on_a_curve_fan_is_refused():
    """A curve fan's cells are open: k and epsilon are solved in them, nothing is held."""
    d = _box()
    part = d["parts"][0]
    part.update(kind="fan", turbulence_intensity=0.1, curve=[[0.0, 20.0], [0.01, 0.0]])
    del part["volume_flow"]
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "parts[0].turbulence_intensity" and "curve" in err.value.problem


@pytest.mark.parametrize("turbulence", ["none", "lvel"])
def test_exhaust_turbulence_is_taken_without_effect_by_other_closures(turbulence):
    """Like an inlet's keys: validated, kept in the data, no k-epsilon parameters."""
    case = case_from_dict(_box(turbulence, turbulence_intensity=0.1,
                               turbulence_length_scale=0.01))
    assert case.data["parts"][0]["turbulence_intensity"] == 0.1
    assert case.data["parts"][0]["turbulence_length_scale"] == 0.01
    sim = Simulation(case)
    assert getattr(sim.params, "keps", None) is None


# ------------------------------------------------------------------------------- held values


@pytest.mark.parametrize("kind, keys, given", [
    ("server", {"volume_flow": 0.004}, {"turbulence_intensity": 0.1,
                                        "turbulence_length_scale": 0.004}),
    ("server", {"flow_per_kw": 0.008, "power": 500.0}, {"turbulence_intensity": 0.3}),
    ("fan", {"volume_flow": 0.004}, {"turbulence_length_scale": 0.02}),
    ("crah", {"volume_flow": 0.004, "supply_temperature": 18.0}, {}),
    ("server", {"volume_flow": 0.004}, {}),
])
def test_part_cells_hold_the_exhaust_k_and_epsilon(kind, keys, given):
    d = _box(**given)
    part = d["parts"][0]
    del part["volume_flow"]
    part.update(kind=kind, **keys)
    # a solid elsewhere keeps the values of the case's scales
    blk = {"min": [0.6, 0.0, 0.0], "max": [0.7, 0.1, 0.02]}
    d["parts"].append({"name": "blk", "kind": "solid", "material": "copper", "box": blk})
    sim = Simulation(case_from_dict(d))
    kf, ef = (np.asarray(x) for x in (sim.params.keps.k_fixed, sim.params.keps.eps_fixed))
    cells = _in_box(sim, SERVER_BOX)
    assert cells.sum() == 4  # 2 x 2 cells of 0.05 m
    flow = keys.get("volume_flow") or keys["flow_per_kw"] * keys["power"] / 1000.0
    speed = flow / (0.1 * 0.02)  # over the exhaust face, 0.1 m (y) x 0.02 m (z)
    intensity = given.get("turbulence_intensity", 0.05)
    # default: 0.07 D_h, and a 2-D case's exhaust is a slot of infinite span: 2 x 0.1 m
    length = given.get("turbulence_length_scale", 0.07 * 2 * 0.1)
    k = 1.5 * (intensity * speed) ** 2
    eps = C_MU ** 0.75 * k ** 1.5 / length
    print(kind, "U", speed, "k", kf[cells].max(), "expected", k, "eps", ef[cells].max(), eps)
    assert np.allclose(kf[cells], k, rtol=1e-12) and np.allclose(ef[cells], eps, rtol=1e-12)
    cfg = sim.settings
    k_s, e_s = inlet_values(cfg.u_ref, 0.05, 0.07 * cfg.l_ref)
    solid = _in_box(sim, blk)
    assert np.allclose(kf[solid], k_s, rtol=1e-12) and np.allclose(ef[solid], e_s, rtol=1e-12)
    assert not (np.isclose(k_s, k) and np.isclose(e_s, eps))  # the part's own, not the case's
    assert np.all(kf[np.asarray(sim.params.fluid) > 0] == 0.0)


def test_default_length_is_the_exhaust_hydraulic_diameter_in_3d():
    """A thin 3-D case (z active, 0.04 m): the exhaust is 0.1 m x 0.04 m, D_h = 2ab/(a+b)."""
    sim = Simulation(case_from_dict(_box(cells=(20, 10, 2), depth=0.04)))
    box = copy.deepcopy(SERVER_BOX)
    box["max"][2] = 0.04
    cells = _in_box(sim, box)
    assert cells.sum() == 8
    kf, ef = (np.asarray(x)[cells] for x in (sim.params.keps.k_fixed, sim.params.keps.eps_fixed))
    speed = 0.004 / (0.1 * 0.04)
    d_h = 2 * 0.1 * 0.04 / (0.1 + 0.04)
    k = 1.5 * (0.05 * speed) ** 2
    print("U", speed, "D_h", d_h, "k", kf.max(), "eps", ef.max())
    assert np.allclose(kf, k, rtol=1e-12)
    assert np.allclose(ef, C_MU ** 0.75 * k ** 1.5 / (0.07 * d_h), rtol=1e-12)


# ------------------------------------------------------------------------------- a run


@pytest.mark.slow
def test_a_more_turbulent_exhaust_makes_more_k_downstream():
    """300 steady iterations with exhaust intensities 0.2 and 0.02: the air in the
    three cells just past the exhaust (x 0.3 to 0.45 m, the exhaust's height) carries
    more k from the more turbulent one."""
    means = {}
    for intensity in (0.2, 0.02):
        sim = Simulation(case_from_dict(_box(turbulence_intensity=intensity)))
        state, info = sim.run()
        assert info.status != "diverged"
        k = np.asarray(state.turb[0])
        assert np.all(np.isfinite(k))
        means[intensity] = float(k[6:9, 4:6, 0].mean())  # x cells 6..8, y cells 4..5
    print(f"mean k downstream: I 0.2 -> {means[0.2]:.4f} m2/s2, I 0.02 -> {means[0.02]:.4f} m2/s2")
    assert means[0.2] > 1.5 * means[0.02]
