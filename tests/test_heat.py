"""Conjugate heat transfer and buoyancy against analytic and published results."""
import numpy as np
import pytest

from thermo import validation
from thermo.case import case_from_dict
from thermo.runner import summarise
from thermo.simulation import Simulation


def _check(rows):
    for r in rows:
        print(f"{r['case']}: {r['quantity']}: reference {r['reference']}, computed "
              f"{r['computed']}, error {r['rel_error']:.3g} (bound {r['bound']:.3g})")
    assert rows and all(r["ok"] for r in rows), rows


def test_composite_wall_matches_series_resistance():
    _check(validation.validate_composite_wall())


def test_semi_infinite_slab_matches_erfc_with_second_order():
    errs = {n: validation.slab_error(n) for n in (50, 100)}
    print("slab errors", errs)
    assert errs[50] < 0.01 and errs[50] / errs[100] > 3.5
    _check(validation.validate_slab())


def test_heated_block_energy_balance():
    _check(validation.validate_heated_block())


def test_temperature_stays_within_bounds_set_by_boundaries():
    """No sources: every temperature stays between the inlet's and the walls'."""
    d = validation.channel_heat_case(8, length=4.0)
    d["solver"].update(mode="transient", end_time=2.0, max_steps=3000, steps_per_call=3000)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    T = np.asarray(state.T)
    print("T range", T.min(), T.max(), info.status)
    assert info.status == "finished"
    assert T.min() >= -1e-12 and T.max() <= 1.0 + 1e-12


def test_power_lands_in_the_grid_exactly():
    sim = Simulation(case_from_dict(validation.heated_block_case(8)))
    vol = sim.grid.cell_volume
    np.testing.assert_allclose(sim.thermal.power.sum() * vol, 2.0, rtol=1e-12)


def test_devahldavis_ra1e3():
    nu, s = validation.devahldavis_nusselt(1e3, 32)
    print(f"Ra 1e3, 32x32: Nu {nu:.4f} against 1.118, error {nu / 1.118 - 1:+.3%}, "
          f"imbalance {s['energy_imbalance']:.2e}")
    assert abs(nu / 1.118 - 1) < 0.01
    assert s["energy_imbalance"] < 1e-6


@pytest.mark.validation
def test_devahldavis_all():
    _check(validation.validate_devahldavis())


@pytest.mark.validation
def test_channel_nusselt():
    _check(validation.validate_channel())
