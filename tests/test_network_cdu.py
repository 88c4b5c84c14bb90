"""The CDU's supply-temperature control with a capacity limit (issue #18): a heat
exchanger branch with ``supply_temperature`` and ``capacity``. Steady loops whose
load is a wall at a fixed temperature (heat = C e (T_w - T_in), as a cold plate's
outlet law at a frozen field) below and above the capacity and against a warm
facility, each against its hand solution; the energy a loop with thermal mass
stores above capacity; and the coupled run's summary."""
import numpy as np
import pytest

from thermo.models import network as nw

FL = nw.Fluid(997.0, 8.9e-4, 4180.0)
T_WALL, E_LOAD, T_SET, T_FAC = 60.0, 0.4, 30.0, 20.0


def loop(capacity=None, t_set=T_SET, t_fac=T_FAC, ua=2000.0, heat=None) -> nw.Network:
    pump = nw.Pump(6e4, 0.0, -6e4 / (4e-4) ** 2)
    load = nw.Branch("load", "s", "h", nw.Resistance(2e4 / 1e-8),
                     **({"heat": heat} if heat is not None else
                        {"line": (1.0 - E_LOAD, E_LOAD * T_WALL)}))
    hx = nw.HeatExchanger(ua, 800.0, t_fac, r=1e4 / 1e-8, t_set=t_set, capacity=capacity)
    return nw.Network([nw.Branch("pump", "r", "s", pump), load,
                       nw.Branch("cdu", "h", "r", hx)], {"r": 0.0}, fluid=FL)


def _solve(net):
    q = nw.solve_flow(net).q
    t, t_in, t_out, heat = nw.solve_temperatures(net, q)
    c = FL.density * FL.specific_heat * q[0]
    return c, dict(zip(["pump", "load", "cdu"], t_in)), dict(zip(["pump", "load", "cdu"], t_out)), \
        dict(zip(["pump", "load", "cdu"], heat))


def test_below_capacity_the_supply_holds_its_set_point():
    """Heat C e (T_w - T_set) within capacity: the supply is T_set to round-off, the
    return T_set + heat / C, the CDU removes the load's heat; mode set_point."""
    net = loop(capacity=1e5)
    c, t_in, t_out, heat = _solve(net)
    load = c * E_LOAD * (T_WALL - T_SET)
    print(f"C {c:.3f} W/K: load {load:.6f} W (capacity 1e5 W), supply {t_out['cdu']:.12f} C")
    assert load < 1e5
    assert t_out["cdu"] == pytest.approx(T_SET, abs=1e-12)
    assert heat["load"] == pytest.approx(load, rel=1e-12)
    assert t_in["cdu"] == pytest.approx(T_SET + load / c, rel=1e-12)
    assert -heat["cdu"] == pytest.approx(load, rel=1e-12)
    assert net.branches[2].element.mode(c, t_in["cdu"]) == "set_point"


def test_above_capacity_the_supply_rises_until_the_load_matches_it():
    """Capacity below the load at T_set: the CDU removes exactly its capacity and the
    supply settles where the wall's heat falls to it, T_s = T_w - cap / (C e), above
    the set point; the return T_s + cap / C; mode capacity."""
    c = FL.density * FL.specific_heat * nw.solve_flow(loop()).q[0]
    cap = 0.5 * c * E_LOAD * (T_WALL - T_SET)  # half the load the set point would give
    net = loop(capacity=cap)
    c, t_in, t_out, heat = _solve(net)
    hand = T_WALL - cap / (c * E_LOAD)
    print(f"capacity {cap:.6f} W: supply {t_out['cdu']:.12f} C vs hand {hand:.12f} C "
          f"(set point {T_SET} C)")
    assert t_out["cdu"] == pytest.approx(hand, rel=1e-12)
    assert t_out["cdu"] > T_SET + 10.0
    assert -heat["cdu"] == pytest.approx(cap, rel=1e-12)
    assert heat["load"] == pytest.approx(cap, rel=1e-12)
    assert t_in["cdu"] == pytest.approx(hand + cap / c, rel=1e-12)
    assert net.branches[2].element.mode(c, t_in["cdu"]) == "capacity"


def test_a_warm_facility_cannot_reach_the_set_point():
    """Facility water at 29 C and a small UA: the full exchanger's outlet is above the
    set point, so the supply is the plain eps-NTU answer (as without control), by
    hand: T_s = T_f + heat (1 / (eps C_min) - 1 / C), the load C e (T_w - T_s)."""
    net = loop(capacity=1e5, t_fac=29.0, ua=150.0)
    c, t_in, t_out, heat = _solve(net)
    eps, cmin = net.branches[2].element.effectiveness(c)
    k = 1.0 / (eps * cmin) - 1.0 / c
    hand = (29.0 + c * E_LOAD * T_WALL * k) / (1.0 + c * E_LOAD * k)
    assert t_out["cdu"] == pytest.approx(hand, rel=1e-12)
    assert t_out["cdu"] > T_SET
    assert net.branches[2].element.mode(c, t_in["cdu"]) == "exchanger"
    plain = loop(t_set=None, t_fac=29.0, ua=150.0)
    assert _solve(plain)[2]["cdu"] == pytest.approx(hand, rel=1e-12)


def test_a_return_below_the_set_point_shuts_the_valve():
    net = loop(capacity=1e5, t_set=70.0)  # the wall (60 C) cannot warm the loop to 70 C
    c, t_in, t_out, heat = _solve(net)
    assert heat["cdu"] == 0.0 and t_out["cdu"] == pytest.approx(T_WALL, abs=1e-9)
    assert net.branches[2].element.mode(c, t_in["cdu"]) == "off"


def test_without_control_the_exchanger_law_is_unchanged():
    """No set point and no capacity: the same bits as the plain exchanger."""
    a, b = loop(t_set=None), loop(t_set=None, capacity=None)
    assert not b.branches[2].element.controlled
    ta = _solve(a)[2]
    tb = _solve(b)[2]
    assert ta == tb


def test_fixed_heat_above_capacity_is_stored_at_p_minus_capacity():
    """A fixed 3 kW load on a 2 kW CDU with thermal mass: over any call the coolant
    stores (P - cap) dt to round-off, the CDU taking exactly its capacity."""
    net = loop(capacity=2000.0, heat=3000.0)
    q = nw.solve_flow(net).q
    cap_j = np.array([4000.0, 9000.0, 20000.0])
    tb = np.array([35.0, 36.0, 37.0])
    for dt in (0.5, 5.0, 50.0):
        _, t_in, t_out, heat, new = nw.advance_temperatures(net, q, tb, cap_j, dt)
        stored = float(cap_j @ (new - tb))
        assert stored == pytest.approx((3000.0 - 2000.0) * dt, rel=1e-9)
        assert heat[2] == pytest.approx(-2000.0, rel=1e-12) and heat[1] == 3000.0
        tb = new


def test_coupled_cdu_holds_its_set_point_and_reports_its_limit():
    """The validation's chip under its one-cell plate, in a loop whose CDU holds 40 C
    (1 kW capacity), at a frozen field (plate 70 C): the supply is 40 C and the plate
    takes eps_p C (T_plate - 40) by hand; summary control set_point. With the capacity
    cut to 100 W: the CDU takes exactly 100 W, the supply sits where the plate gives
    it, T_plate - 100 / (eps_p C), and the summary says it is at capacity."""
    import math

    import jax.numpy as jnp

    from thermo.case import case_from_dict
    from thermo.case.materials import LIBRARY
    from thermo.solver import Simulation
    from thermo.validation.network import coupled_case, coupled_hand

    d = coupled_case()
    d["networks"][0]["branches"][2].update(supply_temperature=40.0, capacity=1000.0)
    sim = Simulation(case_from_dict(d))
    state = sim.initial_state()
    state = state._replace(T=jnp.asarray(np.array([90.0, 70.0]).reshape(sim.grid.cells)))
    h = coupled_hand(1)
    w = LIBRARY["water"].at(25.0)
    c = w.density * w.specific_heat * h["flow"]
    eps_p = 1.0 - math.exp(-5000.0 * 0.004 * (h["flow"] / 1e-5) ** 0.8 / c)
    s = sim.networks.summary(sim, state)["loop"]
    hx = s["heat_exchangers"]["cdu"]
    print(f"supply {hx['supply_temperature_c']:.12f} C, plate heat {s['plates_heat_w']:.9f} W "
          f"vs hand {eps_p * c * 30.0:.9f} W")
    assert hx["supply_temperature_c"] == pytest.approx(40.0, abs=1e-12)
    assert s["plates_heat_w"] == pytest.approx(eps_p * c * (70.0 - 40.0), rel=1e-9)
    assert hx["heat_w"] == pytest.approx(s["plates_heat_w"], rel=1e-12)
    assert hx["control"] == "set_point" and not hx["at_capacity"] and not hx["at_limit"]
    assert (hx["supply_set_point_c"], hx["capacity_w"]) == (40.0, 1000.0)

    sim.networks.nets[0].data["branches"][2]["capacity"] = 100.0
    s = sim.networks.summary(sim, state)["loop"]
    hx = s["heat_exchangers"]["cdu"]
    assert hx["heat_w"] == pytest.approx(100.0, rel=1e-12)
    assert s["plates_heat_w"] == pytest.approx(100.0, rel=1e-9)
    assert hx["supply_temperature_c"] == pytest.approx(70.0 - 100.0 / (eps_p * c), rel=1e-9)
    assert hx["supply_temperature_c"] == pytest.approx(hx["return_temperature_c"] - 100.0 / c,
                                                       rel=1e-12)
    assert hx["control"] == "capacity" and hx["at_capacity"] and hx["at_limit"]
