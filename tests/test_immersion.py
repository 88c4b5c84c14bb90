"""Single-phase immersion: the 100 kW tank example, a tank's energy balance, and
the heated-plate natural-convection validation."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import thermo.cases
from thermo.case.builders import immersion_case
from thermo.case import case_from_dict, load_case
from thermo.grid.model import voxelise
from thermo.diagnostics.summary import summarise
from thermo.solver import Simulation
from thermo.validation.immersion import (PLATE_COARSE, churchill_chu, plate_nusselt,
                                         validate_immersion_plate)

EXAMPLE = pathlib.Path(thermo.cases.__file__).parent / "immersion-tank-100kw.toml"


def test_example_validates_and_voxelises_100kw():
    case = load_case(EXAMPLE)
    geo = voxelise(case)
    power = sum(inst["power"] for inst in geo.instances)
    assert power == pytest.approx(100e3, rel=1e-12)
    # the grid holds exactly the parts' power
    assert (geo.power_density * geo.grid.cell_volumes()).sum() == pytest.approx(100e3, rel=1e-9)
    chips = [i for i, inst in enumerate(geo.instances) if ".chip" in inst["name"]]
    assert len(chips) == 80
    names = [inst["name"] for inst in geo.instances]
    # the graded grid draws every sink and every copy of the channels' shroud walls
    for i, n in enumerate(names):
        if ".sink" in n or ".duct_" in n:
            assert (geo.owner == i).any(), n
    # the baffle plate under the blades is open only at the 20 channels' mouths: the
    # fins' cross-section, 40 mm along x by the sinks' 80 mm along y
    grid = geo.grid
    zf = grid.faces(2)
    z0 = 0.03                                  # the blades' bottom edge (no floor)
    k = int(np.argmin(np.abs(zf - z0))) - 1    # the baffle's cell layer, just below
    assert zf[k + 1] == pytest.approx(z0, abs=1e-9) and zf[k] == pytest.approx(z0 - 0.005, abs=1e-9)
    open_area = float((np.outer(grid.widths(0), grid.widths(1)) * geo.fluid[:, :, k]).sum())
    print(f"baffle open area {open_area:.6f} m2, 20 mouths {20 * 0.04 * 0.08:.6f} m2")
    assert open_area == pytest.approx(20 * 0.04 * 0.08, rel=1e-9)
    d = case.data
    inlet = next(b for b in d["boundaries"] if b["flow"] == "inlet")
    fluid = case.fluid
    rise = 100e3 / (fluid.density * fluid.specific_heat * inlet["volume_flow"])
    assert rise == pytest.approx(10.0, rel=1e-3)


def test_small_tank_balances_energy():
    """A tiny tank (2 blades, 2 kW, supply 35 C, flow for a 10 K rise) whose oil starts
    at 55 C, 10 K above the answer: at first the outlet carries 55 C oil away, twice
    the blades' heat, so the balance is off by 100 %. Only a run that carries the
    blades' heat into the oil, flushes the tank's excess heat out of the top and
    settles can end with the outlet at 35 + P / (rho cp Q) = 45 C, the heat removed
    at 2 kW and the balance closed to 1e-3."""
    d = immersion_case(blades=2, blade_power=1000.0, chips_per_blade=1, size=(0.2, 0.2, 0.3),
                       blade_height=0.2, blade_depth=0.12, cells=(8, 8, 12), delta_t=10.0,
                       name="tiny-tank", supply_temperature=35.0)
    t_start = 55.0
    d["fluid"]["initial_temperature"] = t_start
    d["solver"] = {"mode": "steady", "tolerance": 1e-6, "max_steps": 3000, "steps_per_call": 500}
    sim = Simulation(case_from_dict(d))
    fluid = sim.model.geometry.fluid
    state, info = sim.run()
    s = summarise(sim, state, info)
    cf = s["coolant_flow"]
    # the answer from the case's own numbers, not from the run
    rho_cp = sim.case.fluid.density * sim.case.fluid.specific_heat
    t_out_exact = 35.0 + 2000.0 / (rho_cp * cf["volume_flow_m3_s"])
    t_mean = float(np.asarray(state.T)[fluid].mean())
    print(info)
    print(f"start {t_start} C: outlet {cf['outlet_temperature_c']:.3f} C (exact {t_out_exact:.3f}), "
          f"heat removed {cf['heat_removed_w']:.1f} W, imbalance {s['energy_imbalance']:.2e}, "
          f"mean oil {t_mean:.2f} C after {info.simulated_time:.0f} s (tank volume / flow "
          f"{fluid.sum() * sim.grid.cell_volume / cf['volume_flow_m3_s']:.0f} s)")
    assert t_out_exact == pytest.approx(45.0, abs=0.05)
    assert cf["inlet_temperature_c"] == pytest.approx(35.0)
    assert cf["outlet_temperature_c"] == pytest.approx(t_out_exact, abs=0.2)
    assert cf["heat_removed_w"] == pytest.approx(2000.0, rel=0.02)
    assert s["energy_imbalance"] < 1e-3
    # the excess heat has left the tank: its oil is on average well below the start
    assert t_mean < t_out_exact < t_start - 5.0
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
