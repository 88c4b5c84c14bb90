"""The material library and name resolution."""
import dataclasses

import pytest

from thermo.case.materials import LIBRARY, TABLE_COLUMNS, Material, resolve_material


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


# --- the sourced library: plausibility, tables, anisotropy -------------------

FLUIDS = sorted(n for n, m in LIBRARY.items() if m.is_fluid)
SOLIDS = sorted(n for n, m in LIBRARY.items() if not m.is_fluid)
LIQUIDS = [n for n in FLUIDS if n != "air"]
IMMERSION = ("mineral-oil", "fc-40")


def test_library_has_immersion_fluids_and_every_entry_a_source():
    assert set(IMMERSION) <= set(FLUIDS)
    assert {"air", "water", "propylene-glycol-25"} <= set(FLUIDS)
    for m in LIBRARY.values():
        assert isinstance(m.source, str) and m.source.strip(), m.name


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_properties_are_plausible(name):
    m = LIBRARY[name]
    assert 0.5 <= m.density <= 20000
    assert 100 <= m.specific_heat <= 5000
    for k in (m.conductivity, *m.conductivity_axes()):
        assert 0.01 <= k <= 500
    if m.is_fluid:
        assert 1e-6 <= m.viscosity <= 1
        assert 0.5 <= m.prandtl <= 1000
        assert m.expansion > 0
    else:
        assert m.viscosity is None and m.table is None


@pytest.mark.parametrize("name", FLUIDS)
def test_fluid_tables_cover_15_to_60c_and_hold_the_scalars_at_20c(name):
    m = LIBRARY[name]
    lo, hi = m.temperature_range
    assert lo <= 15.0 and hi >= 60.0
    assert m.at(20.0) == m  # the scalar properties are the 20 C row


@pytest.mark.parametrize("name", FLUIDS)
def test_at_reproduces_every_row_exactly(name):
    m = LIBRARY[name]
    for row in m.table:
        hot = m.at(row[0])
        for col, value in zip(TABLE_COLUMNS[1:], row[1:]):
            assert getattr(hot, col) == value, (name, row[0], col)
        assert hot.table == m.table and hot.source == m.source


@pytest.mark.parametrize("name", FLUIDS)
def test_at_interpolates_monotonically(name):
    m = LIBRARY[name]
    temps = [15.0 + 0.25 * i for i in range(181)]  # 15 .. 60 C, off and on rows
    states = [m.at(t) for t in temps]
    rho = [s.density for s in states]
    mu = [s.viscosity for s in states]
    assert all(b < a for a, b in zip(rho, rho[1:]))
    if name == "air":
        assert all(b > a for a, b in zip(mu, mu[1:]))
    else:
        assert all(b < a for a, b in zip(mu, mu[1:]))
    # every interpolated value lies between its neighbouring rows
    for t, s in zip(temps, states):
        for j, col in enumerate(TABLE_COLUMNS[1:len(m.table[0])], start=1):
            around = [r[j] for r in m.table if abs(r[0] - t) < 5.0 + 1e-9] or [m.table[-1][j]]
            assert min(around) <= getattr(s, col) <= max(around)


def test_at_viscosity_is_log_linear_and_clamped():
    water = LIBRARY["water"]
    mu30, mu35 = water.at(30.0).viscosity, water.at(35.0).viscosity
    assert water.at(32.5).viscosity == pytest.approx((mu30 * mu35) ** 0.5, rel=1e-12)
    assert water.at(32.5).density == pytest.approx(0.5 * (995.65 + 994.03), rel=1e-12)
    assert water.at(-5.0) == water.at(water.table[0][0])
    assert water.at(95.0) == water.at(water.table[-1][0])
    copper = LIBRARY["copper"]
    assert copper.at(80.0) is copper


def test_tables_match_the_shared_reference_csv_rows():
    # shared/reference/fluid_properties_1atm.csv (CoolProp 8.0), values hard-coded
    # here as in the library: (T_C, rho, cp, k, mu, beta, Pr).
    csv = {
        "air": [(40, 1.127, 1006.9, 0.02735, 1.917e-5, 3.201e-3, 0.706),
                (50, 1.092, 1007.4, 0.02808, 1.964e-5, 3.101e-3, 0.704)],
        "water": [(40, 992.2, 4179.4, 0.6285, 6.527e-4, 3.86e-4, 4.34),
                  (50, 988.0, 4181.3, 0.6406, 5.465e-4, 4.58e-4, 3.57)],
        "propylene-glycol-25": [(40, 1010, 3968.6, 0.4858, 1.353e-3, 5.23e-4, 11.1),
                                (50, 1004, 3992.4, 0.4946, 1.073e-3, 5.75e-4, 8.66)],
    }
    for name, rows in csv.items():
        for t, rho, cp, k, mu, beta, pr in rows:
            m = LIBRARY[name].at(t)
            assert (m.density, m.specific_heat, m.conductivity, m.viscosity, m.expansion) == \
                (rho, cp, k, mu, beta)
            assert m.prandtl == pytest.approx(pr, rel=6e-3)


@pytest.mark.parametrize("name", IMMERSION)
def test_immersion_fluids_prandtl_at_40c(name):
    assert 20 <= LIBRARY[name].at(40.0).prandtl <= 500


def test_fc40_data_sheet_values_at_25c():
    fc = LIBRARY["fc-40"].at(25.0)
    assert fc.density == 1855.0 and fc.kinematic_viscosity == pytest.approx(2.2e-6, rel=1e-3)
    assert (fc.specific_heat, fc.conductivity, fc.expansion) == (1100.0, 0.065, 1.2e-3)


def test_fr4_is_anisotropic_in_the_grid_axes():
    fr4 = LIBRARY["fr4"]
    kx, ky, kz = fr4.conductivity_axes()
    assert kx == ky and kx / kz > 2
    assert fr4.conductivity == kz  # the scalar is the through-plane value
    for name in SOLIDS:
        if name != "fr4":
            k = LIBRARY[name].conductivity
            assert LIBRARY[name].conductivity_axes() == (k, k, k)


def test_new_fields_are_validated():
    Material("ok", 1.0, 1.0, 1.0, conductivity_xyz=[1, 2, 3])  # a list is accepted
    with pytest.raises(ValueError, match="conductivity_xyz"):
        Material("bad", 1.0, 1.0, 1.0, conductivity_xyz=(1.0, 2.0))
    with pytest.raises(ValueError, match="conductivity_xyz"):
        Material("bad", 1.0, 1.0, 1.0, conductivity_xyz=(1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="increase"):
        Material("bad", 1.0, 1.0, 1.0, viscosity=1.0, table=((20, 1, 1), (20, 1, 1)))
    with pytest.raises(ValueError, match="columns"):
        Material("bad", 1.0, 1.0, 1.0, viscosity=1.0, table=((20, 1), (30, 1)))
    with pytest.raises(ValueError, match="<= 0"):
        Material("bad", 1.0, 1.0, 1.0, viscosity=1.0, table=((20, 1, 0.0),))
    with pytest.raises(ValueError, match="fluid"):
        Material("bad", 1.0, 1.0, 1.0, table=((20, 1, 1),))


def test_at_keeps_properties_a_short_table_lacks():
    m = Material("goo", density=900.0, specific_heat=2000.0, conductivity=0.2, viscosity=1e-2,
                 expansion=7e-4, table=((10, 910.0, 2e-2), (30, 890.0, 5e-3)))
    hot = m.at(20.0)
    assert hot.density == pytest.approx(900.0) and hot.viscosity == pytest.approx(1e-2)
    assert (hot.specific_heat, hot.conductivity, hot.expansion) == (2000.0, 0.2, 7e-4)
    assert Material("x", 1.0, 1.0, 1.0).at(50.0).temperature_range is None


def test_user_materials_override_the_library_and_get_a_source():
    from thermo.case import case_from_dict

    mine = {"name": "fc-40", "density": 1800.0, "specific_heat": 1000.0, "conductivity": 0.07,
            "viscosity": 3e-3, "expansion": 1e-3}
    case = case_from_dict({
        "case": {"name": "tank"}, "domain": {"size": [1.0, 1.0, 1.0], "cells": [2, 2, 2]},
        "materials": [mine], "fluid": {"material": "fc-40"},
    })
    assert case.fluid.density == 1800.0 and case.fluid is not LIBRARY["fc-40"]
    assert case.fluid.table is None and case.fluid.at(40.0) is case.fluid
    assert "materials[0]" in case.fluid.source
    assert resolve_material("mineral-oil", {}) is LIBRARY["mineral-oil"]
