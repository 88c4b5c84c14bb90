"""Conjugate heat transfer and buoyancy against analytic and published results."""
import numpy as np
import pytest

from thermo.validation import conduction, convection
from thermo.case import case_from_dict
from thermo.diagnostics.summary import summarise
from thermo.solver import Simulation


def _check(rows):
    for r in rows:
        print(f"{r['case']}: {r['quantity']}: reference {r['reference']}, computed "
              f"{r['computed']}, error {r['rel_error']:.3g} (bound {r['bound']:.3g})")
    assert rows and all(r["ok"] for r in rows), rows


@pytest.mark.validation
def test_composite_wall_matches_series_resistance():
    _check(conduction.validate_composite_wall())


@pytest.mark.validation
def test_semi_infinite_slab_matches_erfc_with_second_order():
    errs = {n: conduction.slab_error(n) for n in (50, 100)}
    print("slab errors", errs)
    assert errs[50] < 0.01 and errs[50] / errs[100] > 3.5
    _check(conduction.validate_slab())


@pytest.mark.validation
def test_heated_block_energy_balance():
    _check(conduction.validate_heated_block())


def test_temperature_stays_within_bounds_set_by_boundaries():
    """No sources: every temperature stays between the inlet's and the walls'."""
    d = convection.channel_heat_case(8, length=4.0)
    d["solver"].update(mode="transient", end_time=2.0, max_steps=3000, steps_per_call=3000)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    T = np.asarray(state.T)
    print("T range", T.min(), T.max(), info.status)
    assert info.status == "finished"
    assert T.min() >= -1e-12 and T.max() <= 1.0 + 1e-12


def test_power_lands_in_the_grid_exactly():
    sim = Simulation(case_from_dict(conduction.heated_block_case(8)))
    vol = sim.grid.cell_volume
    np.testing.assert_allclose(sim.thermal.power.sum() * vol, 2.0, rtol=1e-12)


def test_devahldavis_ra1e3():
    nu, s = convection.devahldavis_nusselt(1e3, 32)
    print(f"Ra 1e3, 32x32: Nu {nu:.4f} against 1.118, error {nu / 1.118 - 1:+.3%}, "
          f"imbalance {s['energy_imbalance']:.2e}")
    assert abs(nu / 1.118 - 1) < 0.01
    assert s["energy_imbalance"] < 1e-6


@pytest.mark.validation
def test_devahldavis_all():
    _check(convection.validate_devahldavis())


@pytest.mark.validation
def test_channel_nusselt():
    _check(convection.validate_channel())


def _fr4_flux(axis: int) -> float:
    """Steady heat flow (W) across a 1 cm FR4 cube with 10 K across ``axis``."""
    faces = "xyz"[axis]
    d = {
        "case": {"name": f"fr4-{faces}"},
        "domain": {"size": [0.01, 0.01, 0.01], "cells": [4, 4, 4]},
        "parts": [{"name": "board", "kind": "solid", "material": "fr4",
                   "box": {"min": [0.0, 0.0, 0.0], "max": [0.01, 0.01, 0.01]}}],
        "boundaries": [{"name": "hot", "face": faces + "-", "temperature": 30.0},
                       {"name": "cold", "face": faces + "+", "temperature": 20.0}],
        "solver": {"mode": "steady", "tolerance": 1e-9, "max_steps": 20},
    }
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    return summarise(sim, state, info)["boundaries"]["hot"]["heat_w"]


def test_fr4_anisotropy_reaches_the_conduction_operator():
    from thermo.case.materials import LIBRARY

    kx, ky, kz = LIBRARY["fr4"].conductivity_axes()
    qx, qz = _fr4_flux(0), _fr4_flux(2)
    print(f"FR4 heat flow in-plane {qx:.5f} W, through-plane {qz:.5f} W, ratio {qx / qz:.4f} "
          f"(k ratio {kx / kz:.4f})")
    np.testing.assert_allclose(qx, kx * 0.01 * 10.0, rtol=1e-9)  # k A dT / L
    np.testing.assert_allclose(qx / qz, kx / kz, rtol=1e-9)
