"""Direct-to-chip extras: coolant-loop events, chip-limit crossings, the bundled
D2C examples' setup, and the cooling comparison on made-up summaries. Tiny grids."""
import tomllib

import numpy as np
import pytest

from thermo.models import coldplate
from thermo.case import CaseError, case_from_dict, to_toml
from thermo.solver import Simulation
from thermo.solver.callbacks import Callback
from thermo.solver.step import compiled_advance
from thermo.diagnostics.coldplates import chip_recorder
from thermo.validation.liquid import loop_case


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
    record = Callback("seen", lambda s, w: seen.append((float(s.t), coldplate.loop_flow_factor(sim, "cdu"))))
    state, info = sim.run(callbacks=[record])
    assert info.status == "finished"
    # the step is cut at the event: one call ends at 0.01 with the case's flow
    assert seen[0] == pytest.approx((0.01, 1.0)) and seen[-1] == pytest.approx((0.02, 0.5))
    assert compiled_advance(sim.settings)._cache_size() >= 1
    from thermo.diagnostics.summary import summarise
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
    assert sim.params.parts["air"] is before.parts["air"] and sim.params.free is before.free


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
    ({"at": 1.0, "action": "off"}, "events[0].part", "exactly one of part, loop and network"),
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


def _summaries():
    """Made-up summary.json contents of the three technologies."""
    air = {"case": "air-rack-60kw", "heat_sources_w": 60000.0, "energy_imbalance": 1e-4,
           "steps": 900, "status": "converged", "boundaries": {},
           "parts": {"server[0]": {"power_w": 10000.0, "max_temperature_c": 40.0}},
           "cooling_units": {"c1": {"volume_flow_m3_s": 1.0, "supply_c": 22.0, "return_c": 34.0,
                                    "heat_removed_w": 30000.0},
                             "c2": {"volume_flow_m3_s": 3.0, "supply_c": 22.0, "return_c": 38.0,
                                    "heat_removed_w": 30000.0}},
           "air": {"fan_power_w": 900.0}}
    bounds = {"front": {"heat_w": 48000.0, "mass_flow_kg_s": 1.9, "mean_temperature_c": 25.0},
              "back": {"heat_w": -72000.0, "mass_flow_kg_s": -1.9, "mean_temperature_c": 37.5}}
    d2c = {"case": "d2c-rack-120kw", "heat_sources_w": 120000.0, "energy_imbalance": 5e-4,
           "boundaries": bounds,
           "parts": {"gpu0[0]": {"power_w": 1000.0, "max_temperature_c": 70.0},
                     "board[0]": {"power_w": 3200.0, "max_temperature_c": 90.0}},
           "cold_plates": {"p0": {"chip": "gpu0[0]", "chip_max_temperature_c": 71.0},
                           "p1": {"chip": "cpu0[0]", "chip_max_temperature_c": 65.0}},
           "loops": {"cdu": {"supply_temperature_c": 32.0, "return_temperature_c": 45.0,
                             "pumping_power_w": 150.0}},
           "liquid": {"heat_w": 96000.0, "pumping_power_w": 150.0},
           "coolant_flow": {"pumping_power_w": 3.0},
           "air": {"fan_power_w": 120.0}}
    imm = {"case": "immersion-tank-100kw", "heat_sources_w": 100000.0, "energy_imbalance": 2e-4,
           "boundaries": {"in": {"heat_w": 1e6, "mass_flow_kg_s": 10.0, "mean_temperature_c": 35.0},
                          "out": {"heat_w": -1.1e6, "mass_flow_kg_s": -10.0,
                                  "mean_temperature_c": 45.0}},
           "parts": {"chip[0]": {"power_w": 1250.0, "max_temperature_c": float("nan")}},
           "coolant_flow": {"inlet_temperature_c": 35.0, "outlet_temperature_c": 45.0,
                            "pumping_power_w": 40.0,
                            "source_max_temperature_c": {"chip[0]": 52.0, "chip[1]": 55.0}}}
    return {"air-rack-60kw": air, "d2c-rack-120kw": d2c, "immersion-tank-100kw": imm}


def test_compare_cooling_rows():
    from benchmarks.compare_cooling import row

    s = _summaries()
    a = row("air", "air", s["air-rack-60kw"])
    assert (a["air_in_c"], a["air_out_c"]) == (22.0, pytest.approx(37.0))  # flow-weighted
    assert a["liquid_fraction"] == 0.0 and a["fan_w"] == 900.0 and a["pump_w"] is None
    assert a["chip_max_c"] == 40.0 and a["coolant_in_c"] is None
    d = row("direct-to-chip", "air", s["d2c-rack-120kw"])
    # chips under plates, not the (hotter) board
    assert d["hottest_part"] == "gpu0[0]" and d["chip_max_c"] == 71.0
    assert d["liquid_fraction"] == pytest.approx(0.8)
    assert (d["coolant_in_c"], d["coolant_out_c"]) == (32.0, 45.0)
    assert (d["pump_w"], d["fan_w"], d["cooling_power_w"]) == (150.0, 120.0, 270.0)
    i = row("immersion", "mineral-oil", s["immersion-tank-100kw"])
    assert i["chip_max_c"] == 55.0 and i["liquid_fraction"] == 1.0
    assert (i["coolant_in_c"], i["coolant_out_c"], i["pump_w"]) == (35.0, 45.0, 40.0)


def test_compare_cooling_main_on_made_up_summaries(tmp_path, capsys):
    import json

    from benchmarks import compare_cooling

    from thermo.cli import example_names

    made = dict(zip(("air", "direct-to-chip", "immersion"), _summaries().values()))
    for tech, name in compare_cooling.pick_examples(example_names()):
        (tmp_path / name).mkdir()
        (tmp_path / name / "summary.json").write_text(json.dumps(made[tech]))
    assert compare_cooling.main(["--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for key in ("chip_max_c", "coolant_out_c", "liquid_fraction", "pump_w", "fan_w"):
        assert key in text
    assert "80.0%" in text and "270 W" in text and "45.0 C" in text
    assert compare_cooling.main(["--out", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["technology"] for r in rows] == ["air", "direct-to-chip", "immersion"]


def test_chip_monitor_crossings_from_records():
    from types import SimpleNamespace

    d = _loop_transient([])
    d["parts"][2]["chip_limit_c"] = 80.0
    sim = Simulation(case_from_dict(d))
    mon = chip_recorder(sim)
    assert [c["name"] for c in mon.probes] == ["chip_a"]  # cp_b gives no limit
    cells = mon.probes[0]["cells"]
    for t, peak in ((0.0, 25.0), (1.0, 70.0), (2.0, 90.0), (3.0, 95.0)):
        T = np.full(sim.grid.cells, 25.0)
        T.reshape(-1)[cells[0]] = peak
        mon(SimpleNamespace(t=t, T=T))
    s = mon.summary()
    c = s["crossings"]
    assert c["first_chip"] == "chip_a" and c["first_time_s"] == pytest.approx(1.5)
    assert c["chips"]["chip_a"] == {"plate": "cp_a", "limit_c": 80.0, "time_s": pytest.approx(1.5),
                                    "peak_c": 95.0, "peak_time_s": 3.0, "temperature": "cell_max"}
    assert s["chip_history"]["hottest_c"] == [25.0, 70.0, 90.0, 95.0]
    # steady runs and plates without limits record nothing
    d["solver"] = {"mode": "steady", "max_steps": 2}
    d.pop("events")
    assert chip_recorder(Simulation(case_from_dict(d))).summary() == {}


def test_flow_drop_makes_the_chip_cross_its_limit(tmp_path):
    """The loop's flow cut to a quarter at t = 4 s makes chip_a (200 W) cross a 50 C
    limit that it never reaches at the full flow: from 30 C (the supply) it settles
    near 47 C with the full flow and climbs past 50 C only after the drop. The same
    case without the event is the control; run_case writes the crossing into
    summary.json."""
    import json

    from thermo.runner import run_case

    drop_at, limit = 4.0, 50.0
    runs = {}
    for name, events in (("drop", [{"at": drop_at, "loop": "cdu", "action": "scale",
                                    "value": 0.25}]), ("control", [])):
        d = _loop_transient(events, end=12.0)
        d["fluid"]["initial_temperature"] = 30.0
        d["parts"][2]["chip_limit_c"] = limit
        d["solver"].update(dt=0.05, max_steps=1000, steps_per_call=10)
        s = run_case(case_from_dict(d), tmp_path / name, quiet=True)
        assert json.loads((tmp_path / name / "summary.json").read_text())["crossings"] == \
            s["crossings"]
        runs[name] = s
        h = s["chip_history"]
        print(name, "crossing", s["crossings"]["first_time_s"], "peak",
              s["crossings"]["chips"]["chip_a"]["peak_c"],
              "history", [(round(t, 1), round(c, 2)) for t, c in
                          zip(h["time_s"][::2], h["hottest_c"][::2])])
    drop, control = runs["drop"], runs["control"]
    assert drop["loops"]["cdu"]["flow_factor"] == 0.25
    assert control["loops"]["cdu"]["flow_factor"] == 1.0
    # t = 0 and one record per device call (10 steps of 0.05 s)
    assert len(drop["chip_history"]["time_s"]) == 1 + round(12.0 / 0.5)
    # identical until the drop: the event, nothing else, makes the difference
    t = np.asarray(drop["chip_history"]["time_s"])
    before = t <= drop_at
    assert np.array_equal(np.asarray(drop["chip_history"]["hottest_c"])[before],
                          np.asarray(control["chip_history"]["hottest_c"])[before])
    # with the drop: the chip crosses, after the drop, and keeps heating
    c = drop["crossings"]
    assert c["first_chip"] == "chip_a" and drop_at < c["first_time_s"] < 12.0
    assert c["chips"]["chip_a"]["peak_c"] > limit + 3.0
    # without it: no crossing; the chip settles (its last second within 0.1 K) below the limit
    c = control["crossings"]
    assert c["first_time_s"] is None and c["chips"]["chip_a"]["time_s"] is None
    hot = np.asarray(control["chip_history"]["hottest_c"])
    assert hot.max() < limit - 2.0 and hot[-1] - hot[-3] < 0.1


def test_bundled_d2c_examples_set_up():
    """Both D2C examples load and set up (no run): 120 kW, plates with chip limits on
    one loop, fans, k-epsilon air; the flow-drop case halves the loop at 10 s."""
    from thermo.case import load_case
    from thermo.cli import example_path

    steady = load_case(example_path("d2c-rack-120kw"))
    drop = load_case(example_path("d2c-rack-120kw-flow-drop"))
    assert steady.data["physics"]["turbulence"] == "k-epsilon"
    assert drop.data["solver"]["mode"] == "transient" and drop.data["solver"]["end_time"] == 30.0
    assert drop.data["events"] == [{"at": 10.0, "part": None, "action": "scale", "value": 0.5,
                                    "loop": "cdu"}]
    sim = Simulation(drop)
    geo = sim.model.geometry
    power = sum(i["power"] for i in geo.instances)
    assert power == pytest.approx(120e3)
    assert len(sim.coldplates.plates) == 100 and len(sim.air.throughflow) == 10
    mon = chip_recorder(sim)
    assert mon.on and len(mon.probes) == 100
    assert {c["limit_c"] for c in mon.probes} == {85.0, 95.0}
    # every plate sits on its own chip
    assert len({c["instance"] for c in mon.probes}) == 100
