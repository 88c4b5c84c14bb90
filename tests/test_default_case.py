"""The default case (`thermo run` with no argument: air-rack-60kw) end to end through the
CLI at a reduced step count: what summary.json reports and whether its heat adds up.

One run of 200 time-march steps (about 0.85 s simulated; the case itself runs the
implicit scheme, settling by its monitors at about 225 iterations, checked by `thermo
validate -k default-case`), in device calls of 20 steps so that the heat the fields
store can be followed from call to call.
"""
import json
from types import SimpleNamespace

import numpy as np
import pytest

import thermo
from thermo import cli
from thermo.case import default_case_path, load_case
from thermo.diagnostics.summary import summarise
from thermo.solver import Simulation
from thermo.solver.callbacks import Callback

STEPS, PER_CALL = 200, 20
SERVERS = [f"server[{k}]" for k in range(6)]
COOLERS = ["cooler1", "cooler2", "cooler3", "cooler4"]
A1_CLASSES = {"recommended", "allowable", "outside"}


def _info(state):
    return SimpleNamespace(status="running", steps=int(state.step), simulated_time=float(state.t),
                           wall_time=0.0, compile_time=0.0, res_mom=0.0, res_div=0.0,
                           res_energy=0.0, pressure_iterations=0.0, energy_iterations=0.0,
                           viscous_iterations=0.0)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """`thermo run -o OUT` with the default case; records, after every device call, the
    simulated time, the heat the fields hold (sum of rho cp T V over the cells the energy
    equation stores heat in) and the summary's net heat at that state."""
    out = tmp_path_factory.mktemp("default") / "out"
    records = []
    real_run = Simulation.run

    def recording_run(self, state=None, callbacks=(), **kwargs):
        capacity = np.asarray(self.params.capacity) * self.grid.cell_volume   # J/K per cell

        def record(state, wall):
            records.append((float(state.t), float((capacity * np.asarray(state.T)).sum()),
                            summarise(self, state, _info(state))["net_heat_w"]))
        return real_run(self, state, [Callback("record", record)] + list(callbacks), **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Simulation, "run", recording_run)
        # the time march (the case's own scheme is the implicit one, whose pseudo-time
        # steps store no physical heat): the fields' heat is followed in real time
        rc = cli.main(["run", "-o", str(out), "--quiet", "--set", f"solver.max_steps={STEPS}",
                       "--set", f"solver.steps_per_call={PER_CALL}", "--set", 'solver.scheme="march"'])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    return SimpleNamespace(out=out, summary=summary, records=records,
                           case=load_case(default_case_path()))


def test_summary_has_what_an_engineer_reads(default_run):
    s = default_run.summary
    assert s["case"] == "air-rack-60kw" == default_run.case.name
    assert s["steps"] == STEPS and s["cells"] == 24 * 8 * 24 and s["precision"] == "float64"
    assert s["status"] == "running" and s["converged"] is False   # stopped at max_steps
    assert 0.0 < s["simulated_time_s"] and s["wall_time_s"] > 0
    assert sorted(s["servers"]) == SERVERS
    for name, v in s["servers"].items():
        assert v["power_w"] == 10000.0 and v["volume_flow_m3_s"] == pytest.approx(0.7)
        assert np.isfinite([v["inlet_mean_c"], v["inlet_max_c"], v["exhaust_mean_c"]]).all()
        assert 21.9 < v["inlet_mean_c"] <= v["inlet_max_c"] + 1e-9, name
        assert v["ashrae_a1"] in A1_CLASSES
        # the server model: the exhaust is hotter than the intake by exactly P / (rho cp Q)
        assert v["delta_t_k"] == pytest.approx(v["exhaust_mean_c"] - v["inlet_mean_c"], rel=1e-9)
        assert v["delta_t_k"] == pytest.approx(v["expected_delta_t_k"], rel=1e-9)
    air = s["air"]
    for key in ("rci_hi_pct", "rci_lo_pct", "rti_pct", "shi", "rhi", "bypass_fraction"):
        assert np.isfinite(air[key]), key
    assert 0.0 <= air["rci_hi_pct"] <= 100.0 and 0.0 <= air["rci_lo_pct"] <= 100.0
    assert air["n_servers"] == 6 and air["total_power_w"] == 60000.0
    assert air["total_server_flow_m3_s"] == pytest.approx(4.2)
    assert air["fan_power_w"] > 0
    assert sorted(s["cooling_units"]) == COOLERS
    for v in s["cooling_units"].values():
        assert v["supply_c"] == pytest.approx(22.0) and v["volume_flow_m3_s"] == pytest.approx(1.15)
        assert v["return_c"] > v["supply_c"] and v["heat_removed_w"] > 0
    for key in ("energy_imbalance", "net_heat_w", "largest_heat_term_w", "heat_sources_w"):
        assert np.isfinite(s[key]), key
    # the fields on disk, whatever the result file is called
    r = thermo.load(default_run.out)
    assert r.fields["T"].shape == (24, 8, 24)
    fluid = r.fields["material"] == 0
    assert float(r.fields["T"][fluid].max()) == pytest.approx(s["fluid"]["max_temperature_c"],
                                                             rel=1e-6)


def test_heat_bookkeeping_of_the_summary(default_run):
    s = default_run.summary
    rho_cp = default_run.case.fluid.density * default_run.case.fluid.specific_heat
    it_load = sum(v["power_w"] for v in s["servers"].values())
    assert it_load == 60000.0 == s["heat_sources_w"]     # the servers are the only sources
    for v in s["cooling_units"].values():   # what a cooler removes: rho cp Q (return - supply)
        assert v["heat_removed_w"] == pytest.approx(
            rho_cp * v["volume_flow_m3_s"] * (v["return_c"] - v["supply_c"]), rel=1e-9)
    removed = sum(v["heat_removed_w"] for v in s["cooling_units"].values())
    boundary = sum(b["heat_w"] for b in s["boundaries"].values())
    scale = s["largest_heat_term_w"]
    assert scale == pytest.approx(max(it_load, removed, abs(boundary)), rel=1e-9)
    # net heat = sources + boundary heat, the coolers' removal included, and nothing else
    assert s["net_heat_w"] == pytest.approx(it_load + boundary - removed, abs=1e-9 * scale)
    assert s["energy_imbalance"] == pytest.approx(abs(s["net_heat_w"]) / scale, rel=1e-9)
    # 0.85 s into the run the aisles are still warming: the fields store part of the load
    assert 0.0 < s["net_heat_w"] < it_load


def test_net_heat_is_what_the_fields_store(default_run):
    # between device calls the heat held by the fields changes by the net heat (sources +
    # boundary heat) integrated over the interval (trapezoidal rule), to 1e-3 of the
    # largest heat term, the accuracy the steady monitors ask of the net heat. The first
    # two calls are left out: there the net heat falls from 60 kW by a third in 0.1 s and
    # the trapezoidal rule, not the bookkeeping, is what misses.
    rec = default_run.records
    assert len(rec) == STEPS // PER_CALL
    assert rec[-1][2] == pytest.approx(default_run.summary["net_heat_w"], rel=1e-12)
    scale = default_run.summary["largest_heat_term_w"]
    for (t1, e1, q1), (t2, e2, q2) in zip(rec[2:], rec[3:]):
        stored = (e2 - e1) / (t2 - t1)
        assert abs(stored - 0.5 * (q1 + q2)) < 1e-3 * scale, (t2, stored, q1, q2)


def _settled_summary(**over):
    s = {"status": "converged", "converged": True, "convergence": "monitors", "steps": 19200,
         "simulated_time_s": 81.0, "wall_time_s": 80.0, "energy_imbalance": 2e-4,
         "energy_imbalance_instantaneous": 4e-3,
         "monitors": {"change_k": 0.2, "window_s": 10.0},
         "servers": {k: {"power_w": 10000.0} for k in SERVERS},
         "cooling_units": {k: {"heat_removed_w": 15000.0} for k in COOLERS}}
    return s | over


@pytest.mark.parametrize("over,bad", [
    ({}, []),
    ({"status": "running", "converged": False, "convergence": None}, [0]),   # hit max_steps
    ({"monitors": {"change_k": 0.6, "window_s": 10.0}}, [1]),   # means still moving (> 0.5 K)
    ({"energy_imbalance": 2e-3}, [2]),                           # heat not balanced
])
def test_validation_row_of_the_default_case(monkeypatch, over, bad):
    # `thermo validate` runs the default case to its monitored steady state (about 1.5 min:
    # `thermo validate -k default-case`); here the rows it makes of a summary
    from thermo.validation import VALIDATIONS
    from thermo.validation import default_case as validation_default

    assert VALIDATIONS["default-case"] is validation_default.validate_default_case
    case = load_case(default_case_path())
    monkeypatch.setattr(validation_default, "default_case_run",
                        lambda overrides=(): (_settled_summary(**over), case))
    rows = validation_default.validate_default_case()
    assert len(rows) == 3 and all(r["case"] == "default-case (air-rack-60kw)" for r in rows)
    assert [k for k, r in enumerate(rows) if not r["ok"]] == bad
    assert "60.00 kW of 60 kW" in rows[2]["quantity"]
