"""Immersion chips under plate-fin heat sinks (the immersion_tank builder's
``heat_sink_fins``) and the inlet manifold's flow per blade (summary
``blade_channels``): a small tank, a short run, checks of the bookkeeping and of mass
conservation through the blades' bottom plane."""
import numpy as np
import pytest

from thermo.case import case_from_dict
from thermo.case.builders.checks import BuilderError
from thermo.case.builders import immersion_case, immersion_tank
from thermo.solver import Simulation


def small_tank(**options) -> dict:
    d = immersion_case(blades=3, blade_power=600.0, chips_per_blade=1, size=(0.3, 0.3, 0.35),
                       cells=(24, 12, 14), blade_height=0.2, blade_depth=0.2,
                       solver={"mode": "steady", "max_steps": 200, "tolerance": 1e-6,
                               "steps_per_call": 100}, **options)
    return d


def test_sinks_take_the_chips_power_and_refuse_what_does_not_fit():
    parts = immersion_tank(blades=3, blade_power=600.0, chips_per_blade=1, size=(0.3, 0.3, 0.35),
                           blade_height=0.2, blade_depth=0.2, heat_sink_fins=20)
    by = {p["name"]: p for p in parts}
    assert by["tank.chip0"]["power"] == 0.0 and by["tank.sink0"]["power"] == 600.0
    assert by["tank.sink0"]["kind"] == "heat_sink" and by["tank.sink0"]["direction"] == "z"
    assert by["tank.sink0"]["repeat"]["count"] == 3
    # the sink stands on the chip's face
    assert by["tank.sink0"]["box"]["min"][0] == pytest.approx(by["tank.chip0"]["box"]["max"][0])
    bare = {p["name"]: p for p in immersion_tank(blades=3, blade_power=600.0, chips_per_blade=1,
                                                 size=(0.3, 0.3, 0.35), blade_height=0.2,
                                                 blade_depth=0.2)}
    assert bare["tank.chip0"]["power"] == 600.0 and "tank.sink0" not in bare
    for bad, key in (({"heat_sink_fins": 1}, "heat_sink_fins"),
                     ({"heat_sink_fins": 20, "heat_sink_height": 0.2}, "heat_sink_height")):
        with pytest.raises(BuilderError) as err:
            small_tank(**bad)
        assert str(err.value).startswith(key) and "accepted" in str(err.value), str(err.value)


def test_sinks_report_chip_temperatures_and_channels_conserve_mass():
    from thermo.diagnostics.summary import summarise

    d = small_tank(heat_sink_fins=20, heat_sink_height=0.03)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    summary = summarise(sim, state, info)
    sinks = summary["heat_sinks"]
    supply = d["boundaries"][0]["temperature"]
    print({n: round(s["base_temperature_c"], 2) for n, s in sinks.items()})
    assert sorted(sinks) == ["tank.sink0[0]", "tank.sink0[1]", "tank.sink0[2]"]
    for s in sinks.values():
        assert s["power_w"] == 600.0
        assert np.isfinite(s["base_temperature_c"]) and s["base_temperature_c"] > supply + 1.0
    bc = summary["blade_channels"]
    q_in = d["boundaries"][0]["volume_flow"]
    shares = [c["share"] for c in bc["channels"].values()]
    print(f"blade channels: shares {np.round(shares, 4)}, through channels "
          f"{bc['through_channels_share']:.4f}, max/mean {bc['max_over_mean']:.3f}")
    assert bc["inlet_flow_m3_s"] == pytest.approx(q_in, rel=1e-9)
    assert 0.0 < bc["through_channels_share"] < 1.0
    assert sum(shares) == pytest.approx(bc["through_channels_share"], rel=1e-12)
    # mass through the plane the channels are measured on: all of the inlet's, upwards
    # (an independent sum over every face of that plane)
    k = int(np.argmin(np.abs(sim.grid.faces(2) - bc["plane_z_m"])))
    area = np.outer(sim.grid.widths(0), sim.grid.widths(1))
    total = float((np.asarray(state.u[2])[:, :, k] * area).sum())
    print(f"plane z = {bc['plane_z_m']:.4f} m: {total:.6e} m3/s up, inlet {q_in:.6e}")
    assert total == pytest.approx(q_in, rel=1e-6)


def test_ducted_blades_seal_the_tank_but_for_the_channels():
    """``ducted``: the baffle pieces and the channels' mouths tile the tank's inside
    cross-section exactly (areas summed from the parts' boxes), each mouth is its sink's
    cross-section along the channels, and the shroud closes on the sink's faces."""
    opts = dict(blades=3, blade_power=600.0, chips_per_blade=1, size=(0.3, 0.3, 0.35),
                blade_height=0.2, blade_depth=0.2, heat_sink_fins=20, heat_sink_height=0.03,
                floor=False)
    parts = immersion_tank(ducted=True, **opts)
    by = {p["name"]: p for p in parts}
    inside = (0.3 - 2 * 0.005) ** 2

    def copies(p):
        n = p.get("repeat", {}).get("count", 1)
        lo, hi = p["box"]["min"], p["box"]["max"]
        return n * (hi[0] - lo[0]) * (hi[1] - lo[1])

    plate = sum(copies(p) for n, p in by.items() if ".baffle_" in n)
    sink = by["tank.sink0"]["box"]
    mouth = (sink["max"][0] - sink["min"][0]) * (sink["max"][1] - sink["min"][1])
    print(f"plate {plate:.6f} + 3 mouths {3 * mouth:.6f} m2, inside {inside:.6f} m2")
    assert plate + 3 * mouth == pytest.approx(inside, rel=1e-12)
    cover, side0, side1 = by["tank.duct_cover"]["box"], by["tank.duct_side0"]["box"], by["tank.duct_side1"]["box"]
    assert cover["min"][0] == pytest.approx(sink["max"][0])          # on the fins' tips
    assert side0["max"][1] == pytest.approx(sink["min"][1]) and side1["min"][1] == pytest.approx(sink["max"][1])
    back = by["tank.duct_back"]["box"]
    assert back["max"][0] == pytest.approx(sink["min"][0])           # under the fins' base
    # the channel's back is drawn before the chips so that they own their cells
    names = [p["name"] for p in parts]
    assert names.index("tank.duct_back") < names.index("tank.chip0")
    with pytest.raises(BuilderError) as err:
        immersion_tank(ducted=True, **{**opts, "heat_sink_fins": 0})
    assert str(err.value).startswith("ducted") and "accepted" in str(err.value), str(err.value)


@pytest.mark.slow
def test_ducted_tank_sends_all_the_flow_through_the_fins():
    """A ducted small tank on a graded grid that draws the 4 mm shrouds: the baffle leaves
    the oil no way up but the channels (their share of the inlet flow is 1, by mass
    conservation), and within a channel no way but through its sink's fins: the sink's
    superficial velocity is its channel's flow over the sink's cross-section (0.08 x
    0.03 m). A short implicit run: both hold at every iteration once the pressure
    solve has converged."""
    from thermo.diagnostics.summary import summarise

    d = small_tank(heat_sink_fins=20, heat_sink_height=0.03, ducted=True)
    del d["domain"]["cells"]
    d["grid"] = {"max_cell": 0.03, "min_cell": 0.0035, "max_ratio": 2.5, "min_cells_across": 1}
    d["solver"] = {"mode": "steady", "scheme": "implicit", "max_steps": 30, "tolerance": 1e-6,
                   "steps_per_call": 30}
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    summary = summarise(sim, state, info)
    bc = summary["blade_channels"]
    print(f"{sim.grid.cells} cells, {info.steps} iterations: through the channels "
          f"{bc['through_channels_share']:.8f}")
    assert bc["through_channels_share"] == pytest.approx(1.0, abs=1e-6)
    for k in range(3):
        q = bc["channels"][f"tank.blade[{k}]"]["volume_flow_m3_s"]
        sink = summary["heat_sinks"][f"tank.sink0[{k}]"]
        expect = q / (0.08 * 0.03)
        print(f"blade {k}: {q:.4e} m3/s, sink superficial {sink['superficial_velocity_m_s']:.5f} "
              f"m/s (channel flow / section {expect:.5f}), base {sink['base_temperature_c']:.2f} C")
        assert sink["superficial_velocity_m_s"] == pytest.approx(expect, rel=0.01)
        assert np.isfinite(sink["base_temperature_c"]) and sink["base_temperature_c"] > 36.0
