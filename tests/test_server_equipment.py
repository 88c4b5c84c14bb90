"""Servers that behave like equipment (issue #18, air side): their own fans against
their internal loss and the room's pressure, and their thermal mass."""
import copy

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.models.air import server_flow, server_rise
from thermo.validation import air as va


def _check(rows):
    for r in rows:
        print(f"{r['case']}: {r['quantity']}: computed {r['computed']:.6g}, reference "
              f"{r['reference']:.6g}, error {r['rel_error']:.3g} (bound {r['bound']})")
        assert r["ok"], r


def _root(c2: float, rho: float) -> float:
    """The hand operating point of the server in ``va.server_fan_case`` (the quadratic
    written out: dp0 - dp0/qmax Q - (R_int + R_slab) Q**2 = 0)."""
    dp0, qmax = va.SERVER_FAN_CURVE[0][1], va.SERVER_FAN_CURVE[-1][0]
    a = va.SERVER_LOSS[0] / va.SERVER_LOSS[1] ** 2 + 0.5 * rho * c2 * 0.2 / 0.01 ** 2
    b = dp0 / qmax
    return (-b + (b * b + 4.0 * a * dp0) ** 0.5) / (2.0 * a)


@pytest.mark.validation
def test_server_fan_operating_point_against_the_hand_solution():
    _check(va.validate_server_fan())


def test_server_fan_settles_against_a_steep_system():
    """A slab ten times as resistive: the room's slope is 6x the server's, where taking
    the root of rise(Q) = dp_ext each call would oscillate and grow (amplification
    -6); the secant step settles within 0.1 % of the hand root."""
    r = va.server_fan_operating_point(40, c2=3000.0)
    exact = _root(3000.0, 1.205)
    print(r, exact)
    assert r["status"] == "converged"
    assert abs(r["flow"] / exact - 1.0) < 1e-3
    # the flow falls when the aisle pressure rises: less than with the lighter slab
    assert r["flow"] < 0.5 * _root(300.0, 1.205)


def test_server_fan_with_the_implicit_scheme():
    """The steady pseudo-time scheme finds the same operating point (its flows are
    updated between device calls in the same way)."""
    r = va.server_fan_operating_point(40, scheme="implicit", max_steps=600)
    exact = _root(300.0, 1.205)
    print(r, exact)
    assert abs(r["flow"] / exact - 1.0) < 0.01


def test_server_rise_and_flow_by_hand():
    """The characteristic: fan laws and the internal loss, against numbers worked out
    by hand; the flow is its inverse."""
    cq = np.array([[0.0, 0.02, 0.04]])
    cdp = np.array([[60.0, 0.0, -60.0]])  # the linear curve, continued
    r = np.array([1e5])
    # at full speed, Q = 0.01: 30 Pa from the curve, 10 Pa lost inside
    assert server_rise(cq, cdp, r, np.array([0.01]), np.ones(1))[0] == pytest.approx(20.0)
    # half speed: 0.25 * curve(0.02) = 0 at Q = 0.01; less 10 Pa
    assert server_rise(cq, cdp, r, np.array([0.01]), np.array([0.5]))[0] == pytest.approx(-10.0)
    # past the last point: along the last segment (60 - 3000 * 0.05 = -90), less 250 Pa
    assert server_rise(cq, cdp, r, np.array([0.05]), np.ones(1))[0] == pytest.approx(-340.0)
    q = server_flow(cq, cdp, r, np.array([20.0]), np.ones(1))
    assert q[0] == pytest.approx(0.01, rel=1e-12)
    # a back-pressure above the shut-off rise, or stopped fans: no flow
    assert server_flow(cq, cdp, r, np.array([61.0]), np.ones(1))[0] == 0.0
    assert server_flow(cq, cdp, r, np.array([-5.0]), np.zeros(1))[0] == 0.0


def _server_case(**keys) -> dict:
    d = va.server_fan_case()
    d["parts"][1].update(keys)
    return d


@pytest.mark.parametrize("keys, key, words", [
    ({"volume_flow": 0.01}, "parts[1].fan_curve", "exclusive"),
    ({"fan_curve": [[0.0, 60.0], [0.01, 70.0]]}, "parts[1].fan_curve[1]", "not increasing"),
    ({"fan_curve": [[0.0, 60.0], [0.01, 30.0], [0.02, 30.0]]}, "parts[1].fan_curve[2]",
     "last lower"),
    ({"fan_curve": [[0.0, 60.0]]}, "parts[1].fan_curve", "at least 2"),
    ({"rated_flow": None}, "parts[1].rated_flow", "pressure_drop (Pa) at rated_flow"),
    ({"pressure_drop": -1.0}, "parts[1].pressure_drop", "> 0"),
    ({"heat_capacity": 0.0}, "parts[1].heat_capacity", "> 0"),
])
def test_bad_server_equipment_refused(keys, key, words):
    d = _server_case()
    for k, v in keys.items():
        if v is None:
            d["parts"][1].pop(k)
        else:
            d["parts"][1][k] = v
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    print(err.value)
    assert err.value.key == key
    assert words in err.value.accepted or words in err.value.problem


def test_server_equipment_keys_refused_elsewhere():
    """pressure_drop on a server without fan_curve; fan_curve or heat_capacity on a
    fan; each named, with where it is accepted."""
    d = va.server_fan_case()
    srv = d["parts"][1]
    srv.pop("fan_curve")
    srv["volume_flow"] = 0.01
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "parts[1].pressure_drop" and "fan_curve" in err.value.accepted
    for k, v in (("fan_curve", va.SERVER_FAN_CURVE), ("heat_capacity", 100.0)):
        d = va.fan_case()
        d["parts"][1][k] = v
        with pytest.raises(CaseError) as err:
            case_from_dict(d)
        print(err.value)
        assert err.value.key == f"parts[1].{k}" and "server parts" in err.value.accepted


def test_server_fan_summary_reports_its_operating_point():
    """summary.json's server_fans: the fans' rise less the internal loss is the
    external pressure difference at the settled point (within 0.1 %)."""
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation

    d = copy.deepcopy(va.server_fan_case())
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    op = s["server_fans"]["server"]
    print(op)
    assert op["fan_rise_pa"] - op["internal_loss_pa"] == pytest.approx(op["pressure_rise_pa"])
    assert op["pressure_rise_pa"] == pytest.approx(op["external_pressure_pa"], rel=1e-3)
    q = op["volume_flow_m3_s"]
    assert op["internal_loss_pa"] == pytest.approx(1e5 * q * q, rel=1e-9)


# ----------------------------------------------------------------- thermal mass


@pytest.mark.validation
def test_server_mass_exhaust_follows_the_first_order_response():
    _check(va.validate_server_mass())


def test_server_mass_time_constant_is_c_over_rho_cp_q():
    """Half the heat capacity: the exhaust rises faster, by exp(-t/tau) with half tau
    (an independent run and its own analytic curve, 3 % of the rise)."""
    r = va.server_mass_response(tau=2.0)
    print(r)
    assert r["error"] < 0.03
    # the run ends at 3 tau: 95 % of the rise, not the instant response's 100 %
    assert r["final"] - 20.0 == pytest.approx(r["rise"] * (1.0 - np.exp(-3.0)), rel=0.01)


def _mass_sim(mode: str, end: float = 2.0, tau: float = 0.5, capacity: bool = True):
    from thermo.solver import Simulation

    d = va.server_mass_case(tau=tau, periods=end / tau)
    d["solver"]["mode"] = mode
    if mode == "steady":
        d["solver"].pop("end_time")
        d["solver"]["tolerance"] = 1e-7
    if not capacity:
        d["parts"][0].pop("heat_capacity")
    return Simulation(case_from_dict(d))


def test_steady_runs_ignore_the_heat_capacity():
    """A steady run with heat_capacity gives the bits of one without."""
    a, b = _mass_sim("steady"), _mass_sim("steady", capacity=False)
    assert a.equipment is None and a.params.parts["air"].tf_hold is None
    sa, _ = a.run()
    sb, _ = b.run()
    assert np.array_equal(np.asarray(sa.T), np.asarray(sb.T))


def test_server_mass_heat_balance_settles():
    """After 10 time constants the server stores (almost) nothing: the heat its
    exhaust gives the air is its power, P e^-10 (0.005 % of P) apart, and the
    summary's energy balance closes as without thermal mass."""
    from thermo.diagnostics.summary import summarise

    sim = _mass_sim("transient", end=5.0, tau=0.5)
    state, info = sim.run()
    s = summarise(sim, state, info)
    m = s["server_mass"]["server"]
    print(m, s["energy_imbalance"])
    assert abs(m["stored_w"]) < 200.0 * 1e-3
    rise = 200.0 / (sim.settings.rho_cp * 0.01)
    assert m["lumped_temperature_c"] == pytest.approx(20.0 + rise, abs=1e-3 * rise)
    assert s["parts"]["server"]["mean_temperature_c"] == pytest.approx(m["lumped_temperature_c"])
    assert s["energy_imbalance"] < 1e-3


@pytest.mark.slow
def test_server_mass_resumes_bit_for_bit():
    """Stopped at 1 s and resumed from that state in a new Simulation: the lumped
    temperature comes back from the state (the server's cells), and the fields at 2 s
    are those of the run never stopped."""
    from thermo.solver.state import RUNNING
    import jax.numpy as jnp

    full, _ = _mass_sim("transient", end=2.0).run()
    half, _ = _mass_sim("transient", end=1.0).run()
    sim = _mass_sim("transient", end=2.0)
    resumed, _ = sim.run(half._replace(status=jnp.int32(RUNNING)))
    assert float(resumed.t) == float(full.t)
    assert np.array_equal(np.asarray(resumed.T), np.asarray(full.T))


def test_server_fan_speed_event_follows_the_fan_laws():
    """An event scales a fan server's speed to 0.5 at t = 0 (transient): its flow settles
    at the root of s^2 dp0 - s dp0/qmax Q - (R_int + R_slab) Q^2 (fan laws, by hand,
    0.5 %); an event switching it off stops its flow."""
    from thermo.solver import Simulation

    d = va.server_fan_case()
    d["solver"] = {"mode": "transient", "end_time": 8.0, "steps_per_call": 50}
    d["events"] = [{"at": 0.0, "part": "server", "action": "scale", "value": 0.5}]
    sim = Simulation(case_from_dict(d))
    state, _ = sim.run()
    q = sim.equipment.operating_points(sim, state)["server"]["volume_flow_m3_s"]
    s, dp0, qmax = 0.5, va.SERVER_FAN_CURVE[0][1], va.SERVER_FAN_CURVE[-1][0]
    a = va.SERVER_LOSS[0] / va.SERVER_LOSS[1] ** 2 + 0.5 * 1.205 * 300.0 * 0.2 / 0.01 ** 2
    b = s * dp0 / qmax
    exact = (-b + (b * b + 4.0 * a * s * s * dp0) ** 0.5) / (2.0 * a)
    print(q, exact)
    assert abs(q / exact - 1.0) < 0.005
    sim.apply_event({"at": 8.0, "part": "server", "action": "off", "value": None})
    assert float(sim.params.parts["air"].tf_flow[0]) == 0.0
