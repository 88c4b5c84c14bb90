"""The bundled coolant-network examples (issue #18): set up and one network solve at
the initial field, no CFD run (the runs themselves are measured in the case headers
and benchmarks/RESULTS.md). Mass at every node, the pump's rise against the drops
around a path of the circuit, the standby pump held by its check valve, the flow
falling along the U manifold, heat in = heat out."""
import numpy as np
import pytest

from thermo.case import load_case
from thermo.cli import example_path
from thermo.solver import Simulation


@pytest.fixture(scope="module")
def network_example():
    sim = Simulation(load_case(example_path("d2c-rack-120kw-network")))
    state = sim.initial_state()
    return sim, state, sim.networks.summary(sim, state)["cdu"]


def test_network_example_hydraulics(network_example):
    sim, state, net = network_example
    b = net["branches"]
    assert net["mass_residual"] < 1e-12
    # mass at every node, from the per-branch flows of the summary
    nodes: dict[str, float] = {}
    for d in sim.case.data["networks"][0]["branches"]:
        names = [k for k in b if k == d["name"] or k.startswith(d["name"] + ":")]
        q = sum(b[k]["volume_flow_m3_s"] for k in names)
        nodes[d["from"]] = nodes.get(d["from"], 0.0) - q
        nodes[d["to"]] = nodes.get(d["to"], 0.0) + q
    total = net["pumps"]["pump_a"]["volume_flow_m3_s"]
    assert max(abs(v) for v in nodes.values()) < 1e-12 * total
    # one pump runs, the standby's check valve holds it (reverse flow < 1e-6 of the total)
    assert abs(net["pumps"]["pump_b"]["volume_flow_m3_s"]) < 1e-6 * total
    pa = net["pumps"]["pump_a"]
    assert pa["rise_pa"] == pytest.approx(pa["curve_rise_pa"], rel=1e-12)
    # the rise equals the drops around the path through the top server
    path = ["hx", "supply_hose"] + [f"supply{i}" for i in range(10)] + ["qd9_in",
            "server9:gpu0_plate[9]", "qd9_out"] + [f"return{i}" for i in range(10)] + ["return_hose"]
    assert sum(b[k]["pressure_drop_pa"] for k in path) == pytest.approx(pa["rise_pa"], rel=1e-10)
    # a U manifold starves the far (top) servers: each server's flow below the one beneath
    srv = [sum(v["volume_flow_m3_s"] for k, v in b.items() if k.startswith(f"server{s}:"))
           for s in range(10)]
    assert np.all(np.diff(srv) < 0)
    assert sum(srv) == pytest.approx(total + net["pumps"]["pump_b"]["volume_flow_m3_s"], rel=1e-12)
    # the solved flows are the plates' flows in the compiled step's params
    liq = sim.params.parts["liquid"]
    k = [p.name for p in sim.coldplates.plates].index("gpu0_plate[9]")
    assert float(liq.flow[k]) == pytest.approx(b["server9:gpu0_plate[9]"]["volume_flow_m3_s"],
                                               rel=1e-12)


def test_network_example_heat_balance(network_example):
    """Whatever the field (here the initial one), the CDU hands the facility water what
    the plates put in, and the facility side's C (T_out - T_in) matches it."""
    sim, state, net = network_example
    hx = net["heat_exchangers"]["hx"]
    assert hx["heat_w"] == pytest.approx(net["plates_heat_w"], rel=1e-9)
    assert hx["approach_k"] == pytest.approx(hx["supply_temperature_c"] - 27.0, abs=1e-12)
    inlets = {v["inlet_temperature_c"] for k, v in net["branches"].items() if ":" in k}
    assert max(inlets) - min(inlets) < 1e-9  # parallel plates all fed at the supply temperature


def test_pump_failure_example_sets_up_and_its_events_move_the_flows():
    """The failure example: transient, its three events on the network, the coolant's
    heat capacity the sum of the branch volumes by hand (61.3 L); the duty pump's trip
    stops the flow, the standby's start restores it (same curve) with mass conserved;
    no CFD run (host updates at the initial field)."""
    import math

    sim = Simulation(load_case(example_path("d2c-rack-120kw-pump-failure")))
    d = sim.case.data
    assert d["solver"]["mode"] == "transient" and d["solver"]["end_time"] == 90.0
    assert [(e["at"], e["branch"], e["action"]) for e in d["events"]] == [
        (10.0, "pump_a", "off"), (15.0, "pump_b", "speed"), (60.0, "hx", "facility_temperature")]
    pn = sim.networks
    net = pn.nets[0]
    litres = 40 + 2 * 2 + 10 * 0.5 + 1e3 * math.pi * 0.02 ** 2 * (2 * 3.0 + 2 * (0.3 + 9 * 0.1778))
    rho_cp = net.fluid.density * net.fluid.specific_heat
    assert net.capacity.sum() == pytest.approx(litres * 1e-3 * rho_cp, rel=1e-12)
    state = sim.initial_state()
    pn.update(sim, state)
    q0 = net.flow.q.copy()
    for ev in d["events"][:1]:
        pn.apply_event(ev)
    pn.update(sim, state)
    assert np.max(np.abs(net.flow.q)) < 1e-9 * np.max(np.abs(q0))   # both pumps stopped
    pn.apply_event(d["events"][1])
    pn.update(sim, state)
    names = net.branches
    qa, qb = (net.flow.q[names.index(n)] for n in ("pump_a", "pump_b"))
    assert qb == pytest.approx(q0[names.index("pump_a")], rel=1e-9) and abs(qa) < 1e-6 * qb
    assert net.flow.residual < 1e-12


def test_network_examples_judge_chips_by_their_junctions(network_example):
    """Every GPU and CPU of the network examples has a junction model, its plate an
    interface resistance, and its limit is judged on Tj: the chip recorder records
    the junction of all 100 chips; the failure example's chips match the steady one's."""
    from thermo.diagnostics.coldplates import chip_recorder
    from thermo.models.junction import junctions

    sim, state, _ = network_example
    chips = junctions(sim.case, sim.model.geometry)
    assert len(chips) == 100
    assert {(c.name.split("[")[0][:3], c.theta_jc, c.theta_jb) for c in chips} == {
        ("gpu", 0.03, 1.5), ("cpu", 0.06, 2.0)}
    assert {p.tim for p in sim.coldplates.plates} == {0.008, 0.015}
    failure = Simulation(load_case(example_path("d2c-rack-120kw-pump-failure")))
    mon = chip_recorder(failure)
    assert mon.on and len(mon.probes) == 100
    assert all(c["junction"] is not None for c in mon.probes)
    assert {c["limit_c"] for c in mon.probes} == {92.0, 100.0}
    assert [(c.name, c.theta_jc) for c in junctions(failure.case, failure.model.geometry)] == \
        [(c.name, c.theta_jc) for c in chips]
