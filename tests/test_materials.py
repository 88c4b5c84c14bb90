"""The material library and name resolution."""
import dataclasses

import pytest

from thermo.materials import LIBRARY, Material, resolve_material


def test_library_holds_the_promised_materials():
    for name in ("air", "water", "propylene-glycol-25", "copper", "aluminium", "silicon", "fr4", "steel"):
        assert name in LIBRARY and LIBRARY[name].name == name


def test_fluids_and_solids():
    for name in ("air", "water", "propylene-glycol-25"):
        assert LIBRARY[name].is_fluid and LIBRARY[name].expansion > 0
    for name in ("copper", "aluminium", "silicon", "fr4", "steel"):
        m = LIBRARY[name]
        assert not m.is_fluid and m.kinematic_viscosity is None and m.prandtl is None


def test_air_at_20c_matches_reference_csv():
    # shared/reference/fluid_properties_1atm.csv (CoolProp 8.0, Lemmon et al.): Pr = 0.708.
    air = LIBRARY["air"]
    assert air.density == pytest.approx(1.205)
    assert air.prandtl == pytest.approx(0.708, rel=2e-3)
    assert air.kinematic_viscosity == pytest.approx(1.821e-5 / 1.205)
    assert LIBRARY["water"].prandtl == pytest.approx(7.01, rel=2e-3)
    assert LIBRARY["propylene-glycol-25"].prandtl == pytest.approx(20.5, rel=5e-3)


def test_derived_properties():
    m = Material("m", density=2.0, specific_heat=10.0, conductivity=4.0, viscosity=0.5)
    assert m.diffusivity == pytest.approx(0.2)
    assert m.kinematic_viscosity == pytest.approx(0.25)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.density = 3.0


def test_copper_conducts_ten_thousand_times_better_than_air():
    assert LIBRARY["copper"].conductivity / LIBRARY["air"].conductivity > 1e4


def test_resolve_prefers_user_materials():
    mine = Material("air", density=1.0, specific_heat=1.0, conductivity=1.0, viscosity=1.0)
    assert resolve_material("air", {"air": mine}) is mine
    assert resolve_material("air", {}) is LIBRARY["air"]
    extra = Material("goo", 1.0, 1.0, 1.0)
    assert resolve_material("goo", {"goo": extra}) is extra


def test_resolve_unknown_raises_keyerror_with_hint():
    with pytest.raises(KeyError, match="did you mean 'copper'"):
        resolve_material("coper", {})
