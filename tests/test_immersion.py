"""Single-phase immersion: the 100 kW tank example, a tank's energy balance, and
the heated-plate natural-convection validation."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import thermo.cases
from thermo.builders import immersion_case
from thermo.case import case_from_dict, load_case
from thermo.model import voxelise
from thermo.runner import summarise
from thermo.simulation import Simulation
from thermo.validation_immersion import (PLATE_COARSE, churchill_chu, plate_nusselt,
                                         validate_immersion_plate)

EXAMPLE = pathlib.Path(thermo.cases.__file__).parent / "immersion-tank-100kw.toml"


def test_example_validates_and_voxelises_100kw():
    case = load_case(EXAMPLE)
    geo = voxelise(case)
    power = sum(inst["power"] for inst in geo.instances)
    assert power == pytest.approx(100e3, rel=1e-12)
    # the grid holds exactly the parts' power
    assert geo.power_density.sum() * geo.grid.cell_volume == pytest.approx(100e3, rel=1e-9)
    chips = [i for i, inst in enumerate(geo.instances) if ".chip" in inst["name"]]
    assert len(chips) == 80
    # on the CPU grid the 3 mm chips are sub-grid sources (no cell of their own):
    # their heat goes into the oil they overlap, whose temperature coolant_flow
    # reports per chip (source_max_temperature_c)
    assert not any((geo.owner == i).any() for i in chips)
    d = case.data
    inlet = next(b for b in d["boundaries"] if b["flow"] == "inlet")
    fluid = case.fluid
    rise = 100e3 / (fluid.density * fluid.specific_heat * inlet["volume_flow"])
    assert rise == pytest.approx(10.0, rel=1e-3)


def test_small_tank_balances_energy():
    """A tiny tank (2 blades, 2 kW) run towards steady state: the energy balance
    closes to 1e-3; the summary reports coolant temperatures and pumping power."""
    d = immersion_case(blades=2, blade_power=1000.0, chips_per_blade=1, size=(0.2, 0.2, 0.3),
                       blade_height=0.2, blade_depth=0.12, cells=(8, 8, 12), delta_t=10.0,
                       name="tiny-tank", supply_temperature=35.0)
    d["fluid"]["initial_temperature"] = 45.0  # the well-mixed tank's outlet temperature
    d["solver"] = {"mode": "steady", "tolerance": 1e-6, "max_steps": 1500, "steps_per_call": 500}
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    print(info, s["energy_imbalance"], s.get("coolant_flow"))
    assert s["energy_imbalance"] < 1e-3
    cf = s["coolant_flow"]
    assert cf["inlet_temperature_c"] == pytest.approx(35.0)
    assert cf["outlet_temperature_c"] == pytest.approx(45.0, abs=0.2)
    assert cf["heat_removed_w"] == pytest.approx(2000.0, rel=0.02)
    assert np.isfinite(cf["pumping_power_w"])
    # the chips are thinner than a cell: their heat goes into the oil they overlap
    assert all(t > 35.0 for t in cf["source_max_temperature_c"].values())
    assert cf["pumping_power_w"] == pytest.approx(cf["pressure_drop_pa"] * cf["volume_flow_m3_s"])


def test_churchill_chu_reference_value():
    # Pr -> infinity: the laminar similarity solution's 0.670 Ra^(1/4), plus 0.68
    assert churchill_chu(1e8, 1e12) == pytest.approx(0.68 + 0.670 * 100.0, rel=1e-4)
    assert churchill_chu(1e6, 100.0) == pytest.approx(21.41, abs=0.01)


def test_immersion_plate_coarse():
    """The heated plate on a coarse grid: Nu within 25 % of Churchill & Chu."""
    ra, n = PLATE_COARSE
    nu, s = plate_nusselt(ra, n)
    ref = churchill_chu(ra, 100.0)
    print(f"Ra {ra:g}, {n} cells per height: Nu {nu:.3f}, Churchill & Chu {ref:.3f}, "
          f"error {nu / ref - 1:+.3f}")
    assert abs(nu / ref - 1) < 0.25
    assert s["energy_imbalance"] < 1e-3


@pytest.mark.validation
def test_immersion_plate_validation():
    rows = validate_immersion_plate()
    for r in rows:
        print(r)
    assert all(r["ok"] for r in rows)
