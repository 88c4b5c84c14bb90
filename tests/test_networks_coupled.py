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


def refused(d: dict, key: str, words: str) -> None:
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
    refused(_edit(edit), key, words)


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
    refused(_transient([event]), key, words)


def test_network_events_are_accepted():
    ev = [{"at": 0.1, "network": "cdu", "branch": "pump", "action": "speed", "value": 0.5},
          {"at": 0.2, "network": "cdu", "branch": "hx", "action": "facility_temperature",
           "value": 30.0}]
    c = case_from_dict(_transient(copy.deepcopy(ev)))
    assert c.data["events"][0] == dict(ev[0], part=None)
    assert c.data["events"][1]["value"] == 30.0
