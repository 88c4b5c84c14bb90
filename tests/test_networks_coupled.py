"""Coolant networks coupled to the CFD's cold plates (issue #18): the ``[[networks]]``
case keys and their refusals, the coupling (flows and inlet temperatures written into
the compiled step's parameters), events on pumps, valves and facility water, and the
summary. Small grids only (a chip under a plate, no air)."""
import copy
import tomllib

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict, to_toml
from thermo.case.networks import pump_coefficients
from thermo.validation.liquid import stack_case


def net_case(**network) -> dict:
    """stack_case's chip (500 W) and plate, fed by a network: pump -> plate -> CDU."""
    d = stack_case()
    p = d["parts"][1]
    for k in ("volume_flow", "inlet_temperature", "coolant"):
        p.pop(k)
    p.update(pressure_drop=2e4, rated_flow=1e-5)
    d["networks"] = [dict({"name": "cdu", "branches": [
        {"name": "pump", "kind": "pump", "from": "r", "to": "s",
         "curve": [[0.0, 6e4], [2e-5, 3e4]]},
        {"name": "cp", "kind": "cold_plate", "from": "s", "to": "ret", "plates": ["cp"]},
        {"name": "hx", "kind": "heat_exchanger", "from": "ret", "to": "r", "ua": 50.0,
         "facility_flow": 2e-5, "facility_temperature": 25.0, "pressure_drop": 5e3,
         "rated_flow": 1e-5}]}, **network)]
    return d


def assert_refused(d: dict, key: str, words: str) -> None:
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == key, str(err.value)
    assert words in str(err.value), str(err.value)


# ----------------------------------------------------------------------------- case keys


def test_network_case_is_accepted_and_writes_back():
    c = case_from_dict(net_case())
    b = c.data["networks"][0]["branches"]
    assert b[0]["speed"] == 1.0 and b[0]["check_valve"] is True
    assert b[2]["facility_coolant"] == "water"
    again = case_from_dict(tomllib.loads(to_toml(c.data)))
    assert again.data == c.data


def branch(d, i):
    return d["networks"][0]["branches"][i]


def _edit(fn):
    d = net_case()
    fn(d)
    return d


BAD = [
    (lambda d: branch(d, 0).update(kind="turbine"), "networks[0].branches[0].kind", "unknown value"),
    (lambda d: branch(d, 0).update(length=2.0), "networks[0].branches[0].length",
     "a pump branch takes no length"),
    (lambda d: branch(d, 0).update(colour=1), "networks[0].branches[0].colour", "unknown key"),
    (lambda d: branch(d, 0).update(curve=[[0.0, 1e4], [1e-5, 2e4]]),
     "networks[0].branches[0].curve[1]", "must not grow"),
    (lambda d: branch(d, 0).update(curve=[[0.0, 1e4]]), "networks[0].branches[0].curve",
     "at least 2"),
    (lambda d: branch(d, 0).update(speed=-1.0), "networks[0].branches[0].speed", ">= 0"),
    (lambda d: branch(d, 1).update(plates=["chip"]), "networks[0].branches[1].plates[0]",
     "not a cold plate"),
    (lambda d: branch(d, 1).update(plates=["nope*"]), "networks[0].branches[1].plates[0]",
     "matches no part"),
    (lambda d: branch(d, 1).update(to="s"), "networks[0].branches[1].to", "same node"),
    (lambda d: branch(d, 2).pop("ua"), "networks[0].branches[2].ua", "missing required key"),
    (lambda d: branch(d, 2).update(facility_flow=0.0), "networks[0].branches[2].facility_flow",
     "> 0"),
    (lambda d: branch(d, 2).update(k=1.0), "networks[0].branches[2].k",
     "a heat_exchanger branch takes no k"),
    (lambda d: d["networks"][0]["branches"].pop(2), "networks[0].branches", "no heat_exchanger"),
    (lambda d: d["networks"][0]["branches"].pop(0), "networks[0].branches", "no pump"),
    (lambda d: d["networks"][0]["branches"].append(
        {"name": "v", "kind": "valve", "from": "s", "to": "dead", "k": 1.0, "area": 1e-4}),
     "networks[0].branches", "node 'dead' ends a single branch"),
    (lambda d: d["networks"][0]["branches"].append(
        {"name": "v", "kind": "valve", "from": "x", "to": "y", "k": 1.0, "area": 1e-4}),
     "networks[0].branches", "not connected"),
    (lambda d: d["networks"][0]["branches"].append(
        {"name": "v", "kind": "valve", "from": "s", "to": "ret", "k": 1.0}),
     "networks[0].branches[3].area", "k and area go together"),
    (lambda d: d["networks"][0]["branches"].append(
        {"name": "v", "kind": "valve", "from": "s", "to": "ret", "k": 1.0, "area": 1e-4,
         "opening": 1.5}), "networks[0].branches[3].opening", "<= 1"),
    (lambda d: d["networks"][0]["branches"].append(
        {"name": "pump", "kind": "pipe", "from": "s", "to": "ret", "length": 1.0,
         "diameter": 0.01}), "networks[0].branches[3].name", "duplicate branch name"),
    (lambda d: d["parts"][1].pop("pressure_drop") and d["parts"][1].pop("rated_flow"),
     "networks[0].branches[1].plates (part 'cp')", "has no pressure_drop"),
    (lambda d: d["parts"][1].update(volume_flow=1e-5), "networks[0].branches[1].plates (part 'cp')",
     "sets the plate's volume_flow"),
    (lambda d: d.update(loops=[{"name": "l", "supply_temperature": 30.0, "volume_flow": 1e-5,
                                "plates": ["cp"]}]), "loops[0].plates[0]", "is in network 'cdu'"),
    (lambda d: d["networks"][0].update(ua_flow_exponent=3.0), "networks[0].ua_flow_exponent",
     "<= 2"),
    (lambda d: d["networks"][0].update(coolant="copper"), "networks[0].coolant", "not a coolant"),
]


@pytest.mark.parametrize("edit, key, words", BAD)
def test_bad_network_input_is_refused_naming_the_key(edit, key, words):
    assert_refused(_edit(edit), key, words)


def test_pump_curve_fit():
    """Two points exactly (a1 = 0); three points of an exact quadratic recovered; a
    rising shut-off refitted with a1 = 0."""
    a0, a1, a2 = pump_coefficients([[0.0, 6e4], [2e-5, 3e4]])
    assert a1 == 0.0 and (a0, a2) == pytest.approx((6e4, -3e4 / 4e-10), rel=1e-12)
    q = np.array([0.0, 1e-4, 2e-4, 3e-4])
    a = pump_coefficients([[x, 5e4 - 2e7 * x - 3e11 * x * x] for x in q])
    assert a == pytest.approx((5e4, -2e7, -3e11), rel=1e-9)
    _, a1, _ = pump_coefficients([[0.0, 4e4], [1e-4, 4.2e4], [2e-4, 3e4]])
    assert a1 == 0.0


def _transient(events):
    d = net_case()
    d["solver"] = {"mode": "transient", "end_time": 1.0}
    d["events"] = events
    return d


@pytest.mark.parametrize("event, key, words", [
    ({"at": 0.1, "network": "cdx", "branch": "pump", "action": "off"}, "events[0].network",
     "did you mean 'cdu'"),
    ({"at": 0.1, "network": "cdu", "action": "off"}, "events[0].branch", "go together"),
    ({"at": 0.1, "network": "cdu", "branch": "cp", "action": "off"}, "events[0].branch",
     "no event changes"),
    ({"at": 0.1, "network": "cdu", "branch": "pmp", "action": "off"}, "events[0].branch",
     "did you mean 'pump'"),
    ({"at": 0.1, "network": "cdu", "branch": "pump", "action": "opening", "value": 0.5},
     "events[0].action", "a pump branch takes no action 'opening'"),
    ({"at": 0.1, "network": "cdu", "branch": "hx", "action": "off"}, "events[0].action",
     "takes no action 'off'"),
    ({"at": 0.1, "network": "cdu", "branch": "hx", "action": "facility_flow", "value": 0.0},
     "events[0].value", "> 0"),
    ({"at": 0.1, "network": "cdu", "branch": "pump", "action": "speed"}, "events[0].value",
     "missing required key"),
    ({"at": 0.1, "network": "cdu", "branch": "pump", "action": "off", "value": 1.0},
     "events[0].value", "takes no value"),
    ({"at": 0.1, "network": "cdu", "branch": "pump", "part": "chip", "action": "off"},
     "events[0].network", "exclusive"),
    ({"at": 0.1, "part": "chip", "action": "speed", "value": 1.0}, "events[0].action",
     "a network branch's action"),
])
def test_bad_network_events_are_refused(event, key, words):
    assert_refused(_transient([event]), key, words)


def test_network_events_are_accepted():
    ev = [{"at": 0.1, "network": "cdu", "branch": "pump", "action": "speed", "value": 0.5},
          {"at": 0.2, "network": "cdu", "branch": "hx", "action": "facility_temperature",
           "value": 30.0}]
    c = case_from_dict(_transient(copy.deepcopy(ev)))
    assert c.data["events"][0] == dict(ev[0], part=None)
    assert c.data["events"][1]["value"] == 30.0


# ----------------------------------------------------------------------------- coupled runs


def _run(d):
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation

    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    return sim, state, summarise(sim, state, info)


def test_steady_chip_against_the_hand_resistance_network_and_conservation():
    """The validation's block, plate, pump and CDU: the chip within 1e-3 of its rise of
    the hand answer (measured 1.8e-5); heat in = heat out: the plate's heat is the
    CDU's to round-off and the chip's 500 W within 1e-4 (the steady stop: 2.6e-5)."""
    from thermo.validation.network import coupled_case, coupled_hand

    hand = coupled_hand(1)
    sim, state, s = _run(coupled_case())
    chip = s["cold_plates"]["cp"]["chip_max_temperature_c"]
    assert abs(chip - hand["chip"]) < 1e-3 * (hand["chip"] - 25.0)
    net = s["networks"]["loop"]
    assert net["branches"]["plate"]["volume_flow_m3_s"] == pytest.approx(hand["flow"], rel=1e-12)
    assert net["mass_residual"] < 1e-12
    hx = net["heat_exchangers"]["cdu"]
    assert hx["heat_w"] == pytest.approx(net["plates_heat_w"], rel=1e-9)
    assert hx["heat_w"] == pytest.approx(500.0, rel=1e-4)
    # the facility water takes it: C_f (T_out - T_in)
    from thermo.case.materials import LIBRARY
    w = LIBRARY["water"].at(25.0)
    cf = w.density * w.specific_heat * 2e-5
    assert cf * (hx["facility_outlet_temperature_c"] - 25.0) == pytest.approx(hx["heat_w"], rel=1e-12)
    assert hx["approach_k"] == pytest.approx(hx["supply_temperature_c"] - 25.0)
    pump = net["pumps"]["pump_a"]
    assert pump["rise_pa"] == pytest.approx(pump["curve_rise_pa"], rel=1e-12)
    assert net["hydraulic_power_w"] == pytest.approx(pump["rise_pa"] * hand["flow"], rel=1e-12)
    assert s["energy_imbalance"] < 1e-4


def series_case() -> dict:
    """A CPU (200 W) and a GPU (400 W) side by side, each under its plate; the coolant
    runs CDU -> CPU plate -> GPU plate -> CDU (series)."""
    plate = {"kind": "cold_plate", "material": "copper", "flow_direction": "+y", "htc": 5000.0,
             "area": 0.004, "pressure_drop": 2e4, "rated_flow": 1e-5}
    return {
        "case": {"name": "series"},
        "domain": {"size": [0.08, 0.04, 0.02], "cells": [2, 1, 2]},
        "parts": [
            {"name": "cpu", "kind": "solid", "material": "silicon", "power": 200.0,
             "box": {"min": [0, 0, 0], "max": [0.04, 0.04, 0.01]}},
            {"name": "gpu", "kind": "solid", "material": "silicon", "power": 400.0,
             "box": {"min": [0.04, 0, 0], "max": [0.08, 0.04, 0.01]}},
            dict(plate, name="cp_cpu", chip="cpu", box={"min": [0, 0, 0.01], "max": [0.04, 0.04, 0.02]}),
            dict(plate, name="cp_gpu", chip="gpu", box={"min": [0.04, 0, 0.01], "max": [0.08, 0.04, 0.02]},
                 rated_flow=2e-5)],
        "networks": [{"name": "n", "branches": [
            {"name": "pump", "kind": "pump", "from": "r", "to": "s", "curve": [[0.0, 6e4], [2e-5, 3e4]]},
            {"name": "cpu", "kind": "cold_plate", "from": "s", "to": "m", "plates": ["cp_cpu"]},
            {"name": "gpu", "kind": "cold_plate", "from": "m", "to": "ret", "plates": "cp_gpu"},
            {"name": "cdu", "kind": "heat_exchanger", "from": "ret", "to": "r", "ua": 80.0,
             "facility_flow": 3e-5, "facility_temperature": 30.0, "pressure_drop": 5e3,
             "rated_flow": 1e-5}]}],
        "solver": {"mode": "steady", "tolerance": 1e-10, "max_steps": 4000},
    }


def test_series_plates_inlets_follow_the_cdu_and_the_order():
    sim, state, s = _run(series_case())
    cp = s["cold_plates"]
    net = s["networks"]["n"]
    assert cp["cp_cpu"]["inlet_temperature_c"] == pytest.approx(
        net["heat_exchangers"]["cdu"]["supply_temperature_c"], abs=1e-9)
    # the GPU plate's coolant comes from the CPU plate's outlet (as its march gives it)
    assert cp["cp_gpu"]["inlet_temperature_c"] == pytest.approx(
        cp["cp_cpu"]["outlet_temperature_c"], abs=2e-3)
    assert cp["cp_gpu"]["inlet_temperature_c"] > cp["cp_cpu"]["inlet_temperature_c"] + 1.0
    # one flow through both; UA scaled by (Q / rated)^0.8 with each plate's own rating
    q = net["branches"]["cpu"]["volume_flow_m3_s"]
    assert net["branches"]["gpu"]["volume_flow_m3_s"] == pytest.approx(q, rel=1e-12)
    ua = np.asarray(sim.params.parts["liquid"].ua).sum(axis=1)
    assert ua == pytest.approx([20.0 * (q / 1e-5) ** 0.8, 20.0 * (q / 2e-5) ** 0.8], rel=1e-12)
    heat = cp["cp_cpu"]["heat_w"] + cp["cp_gpu"]["heat_w"]
    assert heat == pytest.approx(600.0, rel=1e-4)
    assert net["heat_exchangers"]["cdu"]["heat_w"] == pytest.approx(heat, rel=1e-6)


def _parallel_sim(events=None):
    from thermo.solver import Simulation

    d = series_case()
    br = d["networks"][0]["branches"]
    br[1].update(to="ret")
    br[2].update({"from": "s"})
    br.insert(1, {"name": "v", "kind": "valve", "from": "s", "to": "s2", "k": 2.0, "area": 2e-5})
    br[2]["from"] = "s2"
    br.insert(0, {"name": "spare", "kind": "pump", "from": "r", "to": "s",
                  "curve": [[0.0, 6e4], [2e-5, 3e4]], "speed": 0.0})
    if events:
        d["solver"] = {"mode": "transient", "end_time": 1.0}
        d["events"] = events
    sim = Simulation(case_from_dict(d))
    return sim, sim.initial_state()


def test_parallel_split_valve_and_pump_events_by_hand():
    """Plates in parallel (the CPU's behind a valve): equal pressure drops; a valve at
    half opening has 4x its resistance; a tripped pump with a stopped spare and check
    valves stops the flow (inlets kept, no NaN); the spare started alone gives the
    duty pump's flow."""
    ev = [{"at": 0.0, "network": "n", "branch": "v", "action": "opening", "value": 0.5}]
    sim, st = _parallel_sim(ev)
    net = sim.networks
    rho = net.nets[0].fluid.density
    flows = {}
    for opening in (1.0, 0.5):
        net.nets[0].now["v"]["opening"] = opening
        net.dirty = True
        net.update(sim, st)
        n = net.nets[0]
        q = dict(zip(n.branches, n.flow.q))
        r_valve = 2.0 * rho / (2 * (2e-5) ** 2) / opening ** 2
        r_cpu, r_gpu = 2e4 / 1e-10, 2e4 / 4e-10
        # same drop across both parallel paths: (r_valve + r_cpu) q1^2 = r_gpu q2^2
        assert (r_valve + r_cpu) * q["cpu"] ** 2 == pytest.approx(r_gpu * q["gpu"] ** 2, rel=1e-10)
        assert q["pump"] + q["spare"] == pytest.approx(q["cpu"] + q["gpu"], rel=1e-12)
        # the stopped spare's check valve (1e15 Pa s/m3) lets back dp / 1e15 (2e-6 of the flow)
        rise = -sim.networks.summary(sim, st)["n"]["branches"]["spare"]["pressure_drop_pa"]
        assert -q["spare"] == pytest.approx(rise / 1e15, rel=1e-3)
        flows[opening] = q
    assert flows[0.5]["cpu"] < flows[1.0]["cpu"]
    sim.apply_event({"network": "n", "branch": "pump", "action": "off", "value": None})
    before = np.asarray(sim.params.parts["liquid"].t_in).copy()
    net.update(sim, st)
    liq = sim.params.parts["liquid"]
    assert np.all(np.asarray(liq.flow) == 0.0)
    assert np.all(np.isfinite(np.asarray(liq.t_in))) and np.allclose(liq.t_in, before)
    sim.apply_event({"network": "n", "branch": "spare", "action": "speed", "value": 1.0})
    net.update(sim, st)
    q = dict(zip(net.nets[0].branches, net.nets[0].flow.q))
    assert q["spare"] == pytest.approx(flows[0.5]["pump"], rel=1e-10)
    assert q["pump"] <= 0 and abs(q["pump"]) < 2e-6 * q["spare"]  # the check valve's leak


def test_facility_temperature_event_and_the_cdu_by_hand():
    """Raising the facility water to 35 C at a fixed field: every inlet rises, and the
    CDU's supply sits P (1/(eps C_min) - 1/C) above the facility water, eps the
    counterflow effectiveness written out in thermo.validation.network."""
    import jax.numpy as jnp

    from thermo.case.materials import LIBRARY
    from thermo.validation.network import _counterflow

    sim, st = _parallel_sim([{"at": 0.0, "network": "n", "branch": "cdu",
                              "action": "facility_temperature", "value": 35.0}])
    st = st._replace(T=jnp.asarray(np.linspace(60.0, 90.0, 4).reshape(sim.grid.cells)))
    sim.networks.update(sim, st)
    a = np.asarray(sim.params.parts["liquid"].t_in).copy()
    sim.apply_event({"network": "n", "branch": "cdu", "action": "facility_temperature",
                     "value": 35.0})
    sim.networks.update(sim, st)
    b = np.asarray(sim.params.parts["liquid"].t_in)
    assert np.all(b > a + 1.0)
    s = sim.networks.summary(sim, st)["n"]
    hx = s["heat_exchangers"]["cdu"]
    fluid = sim.networks.nets[0].fluid
    c = fluid.density * fluid.specific_heat * s["branches"]["cdu"]["volume_flow_m3_s"]
    f = LIBRARY["water"].at(35.0)
    cf = f.density * f.specific_heat * 3e-5
    cmin, cmax = min(c, cf), max(c, cf)
    eps = _counterflow(80.0 / cmin, cmin / cmax)
    assert hx["facility_inlet_temperature_c"] == 35.0
    assert hx["supply_temperature_c"] - 35.0 == pytest.approx(
        hx["heat_w"] * (1.0 / (eps * cmin) - 1.0 / c), rel=1e-10)
    assert hx["effectiveness"] == pytest.approx(eps, rel=1e-12)


def test_liquid_pumping_power_counts_network_pumps_and_loops():
    """liquid.pumping_power_w: a loop's flow x drop / pump_efficiency plus a network's
    pump, rise x flow, both by hand (no run: the summary at the initial field)."""
    from thermo.diagnostics.coldplates import plates_summary
    from thermo.solver import Simulation
    from thermo.validation.network import COUPLED_PUMP, coupled_case, coupled_hand

    d = coupled_case()
    d["domain"] = {"size": [0.08, 0.04, 0.02], "cells": [2, 1, 2]}
    d["parts"] += [
        {"name": "chip2", "kind": "solid", "material": "silicon", "power": 100.0,
         "box": {"min": [0.04, 0, 0], "max": [0.08, 0.04, 0.01]}},
        {"name": "cp2", "kind": "cold_plate", "material": "copper", "chip": "chip2",
         "box": {"min": [0.04, 0, 0.01], "max": [0.08, 0.04, 0.02]}, "flow_direction": "+x",
         "thermal_resistance": 0.05, "pressure_drop": 1e4, "rated_flow": 1e-5}]
    d["loops"] = [{"name": "l", "supply_temperature": 30.0, "volume_flow": 2e-5,
                   "plates": ["cp2"], "pump_efficiency": 0.4}]
    sim = Simulation(case_from_dict(d))
    s = plates_summary(sim, sim.initial_state())
    q = coupled_hand(1)["flow"]
    a0, a2 = COUPLED_PUMP[0][1], (COUPLED_PUMP[1][1] - COUPLED_PUMP[0][1]) / COUPLED_PUMP[1][0] ** 2
    network = (a0 + a2 * q * q) * q
    loop = 2e-5 * 1e4 * (2e-5 / 1e-5) ** 2 / 0.4
    print(f"network {network:.9f} W + loop {loop:.9f} W = {s['liquid']['pumping_power_w']:.9f} W")
    assert s["liquid"]["network_hydraulic_power_w"] == pytest.approx(network, rel=1e-10)
    assert s["networks"]["loop"]["hydraulic_power_w"] == pytest.approx(network, rel=1e-10)
    assert s["loops"]["l"]["pumping_power_w"] == pytest.approx(loop, rel=1e-12)
    assert s["liquid"]["pumping_power_w"] == pytest.approx(network + loop, rel=1e-10)
