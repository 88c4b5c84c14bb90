"""Compact plate-fin heat sinks (``kind = "heat_sink"``): the correlations against
their published limits, the drag and heat balance in a duct, and bad input."""
from __future__ import annotations

import math

import pytest

from thermo.case import CaseError, case_from_dict
from thermo.diagnostics.summary import summarise
from thermo.models.heatsink import (FinGeometry, base_temperature, channel_nusselt,
                                    fin_efficiency, fin_geometry, porous_coefficients)
from thermo.solver import Simulation

AIR = {"density": 1.16, "cp": 1007.0, "k": 0.0263, "mu": 1.85e-5}  # near 27 C


def test_channel_nusselt_tends_to_its_two_published_limits():
    """Teertstra et al.'s composite: at small Re* the fully developed limit Re* Pr / 2
    (the channel's air leaves at the wall temperature), at large Re* the developing
    flat-plate boundary layer 0.664 Re*^0.5 Pr^1/3 (with the 3.65 Re*^-0.5 correction)."""
    pr = 0.71
    low = channel_nusselt(1e-3, pr)
    assert abs(low / (1e-3 * pr / 2) - 1) < 1e-6
    re = 1e5
    high = channel_nusselt(re, pr)
    assert abs(high / (0.664 * re ** 0.5 * pr ** (1 / 3) * (1 + 3.65 / re ** 0.5) ** 0.5) - 1) < 1e-6
    # monotone in between
    values = [channel_nusselt(r, pr) for r in (0.1, 1, 10, 100)]
    assert values == sorted(values)


def test_fin_efficiency_limits():
    assert fin_efficiency(1e-9, 200.0, 1e-3, 0.03) == pytest.approx(1.0, abs=1e-9)
    # m H = 2: tanh(2) / 2
    h = 200.0 * 1e-3 / 2.0 * (2.0 / 0.03) ** 2
    assert fin_efficiency(h, 200.0, 1e-3, 0.03) == pytest.approx(math.tanh(2.0) / 2.0, rel=1e-12)


def test_porous_coefficients_are_parallel_plate_channels():
    """K = sigma b^2 / 12 reproduces 12 mu V_ch / b^2 for V_ch = u / sigma."""
    g = FinGeometry(fins=20, thickness=1e-3, height=0.04, width=0.1, length=0.1, axis=0, base_axis=2)
    perm, c2 = porous_coefficients(g)
    u, mu = 2.0, 1.8e-5
    assert mu * u / perm[0] == pytest.approx(12 * mu * (u / g.open_fraction) / g.gap ** 2, rel=1e-12)
    s = g.open_fraction
    assert c2[0] * g.length * s * s == pytest.approx(0.42 * (1 - s * s) + (1 - s * s) ** 2, rel=1e-12)
    assert perm[1] == perm[2] == pytest.approx(perm[0] / 100) and c2[1] == pytest.approx(100 * c2[0])


def test_sink_resistance_falls_with_flow_and_matches_its_energy_balance():
    g = FinGeometry(fins=20, thickness=1e-3, height=0.04, width=0.1, length=0.1, axis=0, base_axis=2)
    r = [base_temperature(g, 200.0, 50.0, 25.0, v, AIR["density"], AIR["cp"], AIR["k"], AIR["mu"])
         ["thermal_resistance_k_w"] for v in (0.5, 1.0, 2.0, 4.0)]
    assert r == sorted(r, reverse=True)
    # no flow: no answer rather than a wrong one
    assert math.isnan(base_temperature(g, 200.0, 50.0, 25.0, 0.0, AIR["density"], AIR["cp"],
                                       AIR["k"], AIR["mu"])["base_temperature_c"])


def duct(power: float = 50.0, speed: float = 2.0, n: int = 10) -> dict:
    sides = [{"name": f, "face": f, "flow": "slip"} for f in ("y-", "y+", "z-", "z+")]
    return {"case": {"name": "sink-duct"},
            "domain": {"size": [0.3, 0.1, 0.04], "cells": [3 * n, n, 4]},
            "fluid": {"material": "air", "initial_temperature": 25.0},
            "parts": [{"name": "sink", "kind": "heat_sink", "direction": "x", "base": "-z",
                       "fins": 20, "fin_thickness": 0.001, "power": power,
                       "box": {"min": [0.1, 0.0, 0.0], "max": [0.2, 0.1, 0.04]}}],
            "boundaries": [{"name": "in", "face": "x-", "flow": "inlet",
                            "velocity": [speed, 0, 0], "temperature": 25.0},
                           {"name": "out", "face": "x+", "flow": "outlet"}] + sides,
            "solver": {"scheme": "implicit", "tolerance": 1e-6, "max_steps": 2000,
                       "steps_per_call": 100, "precision": "float64"}}


def test_heat_sink_in_a_duct():
    """A 100 x 100 x 40 mm sink of 20 aluminium fins filling a duct at 2 m/s, 50 W: the
    air takes the 50 W (energy balance), the static drop across the box is the
    channels' Darcy-Forchheimer drop (check of the code against its own model), and
    the summary's base temperature is the correlation's at the run's flow and inlet."""
    case = case_from_dict(duct())
    sim = Simulation(case)
    state, info = sim.run()
    s = summarise(sim, state, info)
    assert info.status == "converged", info
    out = -s["boundaries"]["out"]["heat_w"] - s["boundaries"]["in"]["heat_w"]
    assert out == pytest.approx(50.0, rel=1e-6)
    sink = s["heat_sinks"]["sink"]
    part = case.data["parts"][0]
    fl = case.fluid
    perm, inertial = porous_coefficients(fin_geometry(part))
    k, c2 = perm[0], inertial[0]
    exact = (fl.viscosity / k * 2.0 + 0.5 * fl.density * c2 * 4.0) * 0.1
    print(f"{info.steps} iterations; drop {sink['pressure_drop_pa']:.4f} Pa against {exact:.4f}; "
          f"base {sink['base_temperature_c']:.2f} C, R {sink['thermal_resistance_k_w']:.4f} K/W, "
          f"h {sink['htc_w_m2k']:.1f} W/m2K, fin efficiency {sink['fin_efficiency']:.3f}")
    # the layers either side are half a cell outside the box: their pressure gradient
    # (none in the open duct) adds nothing
    assert sink["pressure_drop_pa"] == pytest.approx(exact, rel=0.02)
    assert sink["superficial_velocity_m_s"] == pytest.approx(2.0, rel=1e-6)
    g = FinGeometry(fins=20, thickness=1e-3, height=0.04, width=0.1, length=0.1, axis=0, base_axis=2)
    hand = base_temperature(g, case.material("aluminium").conductivity, 50.0, 25.0, 2.0,
                            fl.density, fl.specific_heat, fl.conductivity, fl.viscosity)
    assert sink["base_temperature_c"] == pytest.approx(hand["base_temperature_c"], abs=0.01)
    assert 30.0 < sink["base_temperature_c"] < 60.0


@pytest.mark.parametrize("change, key", [
    ({"fins": 1}, "parts[0].fins"),
    ({"fin_thickness": 0.006}, "parts[0].fin_thickness"),
    ({"base": "+x"}, "parts[0].base"),
    ({"direction": "w"}, "parts[0].direction"),
])
def test_bad_heat_sinks_are_refused_naming_the_key(change, key):
    d = duct()
    d["parts"][0].update(change)
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert key in str(err.value)


def test_heat_sink_keys_on_another_kind_are_refused():
    d = duct()
    d["parts"][0].update(kind="solid")
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert "parts[0]." in str(err.value) and "heat_sink" not in str(err.value).split(":")[0]
