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
