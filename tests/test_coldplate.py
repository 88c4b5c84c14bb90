"""Cold plates and coolant loops: case checks, the coolant march, the exchange,
loop splits and flow changes without recompiling. Small grids only."""
import copy

import numpy as np
import pytest

from thermo.models import coldplate
from thermo.case import CaseError, case_from_dict, to_toml
from thermo.case.materials import LIBRARY
from thermo.diagnostics.summary import summarise
from thermo.solver import Simulation
from thermo.solver.step import compiled_advance
from thermo.validation.liquid import graetz_nusselt, loop_case, stack_case


def _loop_dry():
    """loop_case without its air flow (a closed box) and a short run: setup checks."""
    d = loop_case()
    d["boundaries"] = []
    d["solver"].update(max_steps=3)
    return d


def test_stack_matches_effectiveness_ntu():
    d = stack_case()
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    assert info.status == "converged"
    s = summarise(sim, state, info)
    w = LIBRARY["water"].at(30.0)
    mcp = w.density * w.specific_heat * 1e-5
    eps = -np.expm1(-5000.0 * 0.004 / mcp)
    cp = s["cold_plates"]["cp"]
    assert cp["outlet_temperature_c"] == pytest.approx(30.0 + 500.0 / mcp, rel=1e-8)
    assert cp["heat_w"] == pytest.approx(500.0, rel=1e-8)
    assert s["parts"]["cp"]["mean_temperature_c"] == pytest.approx(30.0 + 500.0 / (eps * mcp),
                                                                    rel=1e-4)
    assert cp["chip"] == "chip" and cp["chip_max_temperature_c"] > cp["plate_max_temperature_c"]
    assert s["energy_imbalance"] < 1e-8
    assert s["liquid"]["liquid_fraction"] == pytest.approx(1.0)


def test_resistance_equals_htc_area():
    """thermal_resistance R and htc * area with the same UA = 1/R give the same plate."""
    a = stack_case(htc=5000.0, area=0.004)
    b = copy.deepcopy(a)
    del b["parts"][1]["htc"], b["parts"][1]["area"]
    b["parts"][1]["thermal_resistance"] = 1.0 / 20.0
    out = []
    for d in (a, b):
        sim = Simulation(case_from_dict(d))
        state, info = sim.run()
        out.append(summarise(sim, state, info)["parts"]["cp"]["mean_temperature_c"])
    assert out[0] == pytest.approx(out[1], rel=1e-9)


def test_march_warms_along_the_flow():
    """Slice inlet temperatures rise monotonically along the flow direction."""
    import jax.numpy as jnp

    d = stack_case(n=6)
    d["parts"][1]["flow_direction"] = "-x"
    sim = Simulation(case_from_dict(d))
    T = jnp.asarray(np.random.default_rng(0).uniform(40, 60, sim.grid.cells))
    t_in, t_out, eff, mcp = coldplate.march(T, sim.params.parts["liquid"])
    t_in = np.asarray(t_in)[0]
    assert t_in[0] == pytest.approx(30.0) and np.all(np.diff(t_in) > 0)
    assert float(t_out[0]) > t_in[-1]
    # -x: the first slice is the highest x layer
    p = sim.coldplates.plates[0]
    x = np.unravel_index(p.cells, sim.grid.cells)[0]
    assert x[p.rank == 0].min() == sim.grid.cells[0] - 1
    # exchange: G only on plate cells, G Tc / G = the slice inlet temperature there
    G, S = (np.asarray(v) for v in coldplate.exchange(T, sim.params.parts["liquid"]))
    plate = sim.model.geometry.owner == p.instance
    assert (G[~plate] == 0).all() and (G[plate] > 0).all()
    assert np.allclose((S / np.where(G > 0, G, 1))[plate].min(), 30.0)


def test_hydraulic_split_equal_drops_and_pumping_power():
    sim = Simulation(case_from_dict(_loop_dry()))
    plates = sim.coldplates.plates
    flows = [p.flow for p in plates]
    assert sum(flows) == pytest.approx(2e-5)
    drops = [p.resistance * f ** 2 for p, f in zip(plates, flows)]
    assert drops[0] == pytest.approx(drops[1])
    assert flows[0] > flows[1]  # the plate with the lower drop takes more
    state, info = sim.run()
    s = summarise(sim, state, info)
    loop = s["loops"]["cdu"]
    assert loop["pumping_power_w"] == pytest.approx(2e-5 * drops[0] / 0.4)
    assert loop["plates"] == ["cp_a", "cp_b"]
    assert s["cold_plates"]["cp_a"]["chip"] == "chip_a"
    assert s["cold_plates"]["cp_b"]["chip"] == "chip_b"  # the hottest neighbouring part


def test_equal_split_and_flow_per_kw():
    d = _loop_dry()
    d["loops"][0].update(split="equal", volume_flow=None, flow_per_kw=2.5e-5)
    del d["loops"][0]["volume_flow"]
    sim = Simulation(case_from_dict(d))
    flows = [p.flow for p in sim.coldplates.plates]
    assert flows == pytest.approx([0.3 * 2.5e-5 / 2] * 2)  # 300 W of chips


def test_set_loop_flow_changes_params_without_recompiling():
    d = _loop_dry()
    d["solver"].update(mode="transient", end_time=1.0, max_steps=2)
    sim = Simulation(case_from_dict(d))
    sim.run()
    advance = compiled_advance(sim.settings)
    before = advance._cache_size()
    prm = coldplate.set_loop_flow(sim, "cdu", 0.5)
    assert prm is sim.params and coldplate.loop_flow_factor(sim, "cdu") == 0.5
    state, info = sim.run()
    assert advance._cache_size() == before
    s = summarise(sim, state, info)
    assert s["loops"]["cdu"]["volume_flow_m3_s"] == pytest.approx(1e-5)
    assert s["loops"]["cdu"]["flow_factor"] == 0.5
    with pytest.raises(KeyError):
        coldplate.set_loop_flow(sim, "nope", 1.0)


def test_no_plates_no_liquid():
    d = stack_case()
    d["parts"] = d["parts"][:1]
    sim = Simulation(case_from_dict(d))
    assert sim.coldplates is None and "liquid" not in sim.params.parts


def test_graetz_reference_reaches_shah_london():
    a, H, U = 1.45e-7, 1e-3, 0.05
    # local Nu far downstream, from the mean Nu over two long lengths
    nu = (graetz_nusselt(5.0, H, U, a) * 5.0 - graetz_nusselt(1.0, H, U, a) * 1.0) / 4.0
    assert nu == pytest.approx(7.541, abs=2e-3)


def test_case_round_trip():
    d = loop_case()
    c = case_from_dict(d)
    assert c.data["loops"][0]["split"] == "hydraulic"
    import tomllib
    again = case_from_dict(tomllib.loads(to_toml(c.data)))
    assert again.data["loops"] == c.data["loops"]
    assert again.data["parts"][2]["thermal_resistance"] == 0.02


@pytest.mark.parametrize("edit, key, words", [
    (lambda d: d["parts"][2].pop("flow_direction"), "parts[2].flow_direction", "missing"),
    (lambda d: d["parts"][2].update(flow_direction="up"), "parts[2].flow_direction", "unknown"),
    (lambda d: d["parts"][2].update(htc=100.0), "parts[2].htc", "exactly one"),
    (lambda d: d["parts"][3].pop("area"), "parts[3].area", "area"),
    (lambda d: d["parts"][2].update(material="water"), "parts[2].material", "fluid"),
    (lambda d: d["parts"][0].update(htc=5.0), "parts[0].htc", "solid part takes no htc"),
    (lambda d: d["parts"][2].pop("rated_flow"), "parts[2].rated_flow", "go together"),
    (lambda d: d["parts"][2].update(chip="nothing"), "parts", "names no part"),
    (lambda d: d["loops"][0].update(plates=["zz*"]), "loops[0].plates[0]", "matches no part"),
    (lambda d: d["loops"][0].update(plates=["chip_a"]), "loops[0].plates[0]", "not a cold plate"),
    (lambda d: d["loops"][0].update(coolant="copper"), "loops[0].coolant", "solid"),
    (lambda d: d["loops"][0].update(flow_per_kw=1e-5), "loops[0].flow_per_kw", "exclusive"),
    (lambda d: d["loops"][0].update(split="series"), "loops[0].split", "unknown"),
    (lambda d: d["loops"][0].update(pump_efficiency=1.5), "loops[0].pump_efficiency", "range"),
    (lambda d: d["loops"][0].pop("supply_temperature"), "loops[0].supply_temperature", "missing"),
    (lambda d: d["loops"][0].update(plates=["cp_a"]), "loops", "in no loop"),
    (lambda d: d["parts"][3].update(volume_flow=1e-5), "loops", "sets its volume_flow"),
    (lambda d: (d["parts"][3].pop("pressure_drop"), d["parts"][3].pop("rated_flow")),
     "loops[0].split", "hydraulic split"),
    (lambda d: d["loops"].append(dict(d["loops"][0])), "loops[1].name", "duplicate"),
])
def test_refusals(edit, key, words):
    d = loop_case()
    edit(d)
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == key, str(err.value)
    assert words in str(err.value)


def test_unresolved_plate_refused():
    d = stack_case()
    d["parts"][1]["box"] = {"min": [0, 0, 0.0101], "max": [0.04, 0.04, 0.0102]}
    d["parts"][0]["box"]["max"][2] = 0.02
    with pytest.raises(CaseError, match="owns no cell"):
        Simulation(case_from_dict(d))


def test_compare_cooling_table_from_summaries():
    from thermo.bench.compare_cooling import pick_examples, row, table

    assert pick_examples(["rack-air", "d2c-rack-120kw", "immersion-tank"]) == [
        ("air", "rack-air"), ("direct-to-chip", "d2c-rack-120kw"), ("immersion", "immersion-tank")]
    assert pick_examples(["air-rack-60kw", "rack-air"])[0] == ("air", "air-rack-60kw")
    bounds = {"in": {"heat_w": -500.0, "mass_flow_kg_s": 1.0, "mean_temperature_c": 25.0},
              "out": {"heat_w": -1500.0 + 500.0 * 0 + 0.0, "mass_flow_kg_s": -1.0,
                      "mean_temperature_c": 35.0}}
    d2c = {"case": "d2c", "heat_sources_w": 10000.0, "energy_imbalance": 1e-5,
           "parts": {"gpu": {"power_w": 10000.0, "max_temperature_c": 70.0},
                     "plate": {"power_w": 0.0, "max_temperature_c": 60.0}},
           "boundaries": bounds,
           "loops": {"cdu": {"supply_temperature_c": 32.0, "return_temperature_c": 42.0}},
           "liquid": {"heat_w": 8000.0, "pumping_power_w": 50.0}}
    r = row("direct-to-chip", "air", d2c)
    assert r["chip_max_c"] == 70.0 and r["hottest_part"] == "gpu"
    assert r["liquid_fraction"] == pytest.approx(8000.0 / 10000.0)
    assert (r["air_in_c"], r["air_out_c"], r["coolant_out_c"]) == (25.0, 35.0, 42.0)
    assert r["cooling_power_w"] == 50.0
    imm = dict(d2c, loops={}, liquid=None)
    r2 = row("immersion", "mineral-oil", imm)
    assert r2["coolant_in_c"] == 25.0 and r2["liquid_fraction"] == 1.0 and r2["air_in_c"] is None
    text = table([r, r2])
    assert "chip_max_c" in text and "80.0%" in text and "100.0%" in text
