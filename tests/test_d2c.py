"""Direct-to-chip extras: coolant-loop events, chip-limit crossings, the bundled
D2C examples' setup, and the cooling comparison on made-up summaries. Tiny grids."""
import copy
import tomllib

import numpy as np
import pytest

from thermo import coldplate
from thermo.case import CaseError, case_from_dict, to_toml
from thermo.simulation import Simulation, _compiled_advance
from thermo.validation_liquid import loop_case


def _loop_transient(events, end=0.02):
    d = loop_case()
    d["boundaries"] = []
    d["solver"] = {"mode": "transient", "end_time": end, "dt": 0.005, "max_steps": 100,
                   "steps_per_call": 100}
    d["events"] = events
    return d


def test_loop_event_scales_flow_without_recompiling():
    d = _loop_transient([{"at": 0.01, "loop": "cdu", "action": "scale", "value": 0.5}])
    sim = Simulation(case_from_dict(d))
    seen = []
    state, info = sim.run(progress=lambda s, w: seen.append(
        (float(s.t), coldplate.loop_flow_factor(sim, "cdu"))))
    assert info.status == "finished"
    # the step is cut at the event: one call ends at 0.01 with the case's flow
    assert seen[0] == pytest.approx((0.01, 1.0)) and seen[-1] == pytest.approx((0.02, 0.5))
    assert _compiled_advance(sim.settings)._cache_size() >= 1
    from thermo.runner import summarise
    s = summarise(sim, state, info)
    assert s["loops"]["cdu"]["flow_factor"] == 0.5
    assert s["loops"]["cdu"]["volume_flow_m3_s"] == pytest.approx(1e-5)


def test_loop_event_off_on_are_params_updates():
    d = _loop_transient([{"at": 0.0, "loop": "cdu", "action": "off"}])
    sim = Simulation(case_from_dict(d))
    before = sim.params
    sim.apply_event(d["events"][0])
    assert coldplate.loop_flow_factor(sim, "cdu") == 0.0
    sim.apply_event({"at": 0.0, "part": None, "loop": "cdu", "action": "on", "value": None})
    assert coldplate.loop_flow_factor(sim, "cdu") == 1.0
    # only the liquid's flow factor changed: same structure, same air parameters
    assert sim.params.air is before.air and sim.params.free is before.free


def test_loop_event_round_trip():
    c = case_from_dict(_loop_transient([{"at": 1.0, "loop": "cdu", "action": "scale",
                                         "value": 0.25}]))
    assert c.data["events"] == [{"at": 1.0, "part": None, "action": "scale", "value": 0.25,
                                 "loop": "cdu"}]
    again = case_from_dict(tomllib.loads(to_toml(c.data)))
    assert again.data["events"] == c.data["events"]


@pytest.mark.parametrize("event, key, words", [
    ({"at": 1.0, "loop": "cdx", "action": "off"}, "events[0].loop", "did you mean 'cdu'"),
    ({"at": 1.0, "loop": "cdu", "part": "cp_a", "action": "off"}, "events[0].loop", "exclusive"),
    ({"at": 1.0, "action": "off"}, "events[0].part", "exactly one of part and loop"),
    ({"at": 1.0, "loop": "cdu", "action": "scale"}, "events[0].value", "missing"),
    ({"at": 1.0, "loop": "cdu", "action": "off", "value": 2.0}, "events[0].value", "no value"),
    ({"at": 1.0, "loop": "cdu", "action": "stop"}, "events[0].action", "unknown"),
])
def test_loop_event_refusals(event, key, words):
    d = _loop_transient([event])
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == key, str(err.value)
    assert words in str(err.value)


def test_loop_event_needs_loops():
    d = _loop_transient([{"at": 1.0, "loop": "cdu", "action": "off"}])
    d.pop("loops")
    for p in d["parts"][2:]:
        p.update(volume_flow=1e-5, inlet_temperature=30.0)
    with pytest.raises(CaseError, match="none defined"):
        case_from_dict(d)
