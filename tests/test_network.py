"""The coolant network solver (thermo.models.network) against hand solutions and
independent integrations."""
from __future__ import annotations

import math

import numpy as np
import pytest

from thermo.models.network import (Branch, Fluid, HeatExchanger, Network, Pipe, Pump,
                                   Resistance, branch_flow, counterflow_effectiveness,
                                   friction_factor, manifold, resistance_from_k, solve)

WATER = Fluid(997.0, 8.9e-4, 4180.0)
A0, A1, A2 = 60e3, -1e6, -2e9     # pump curve: Pa, Pa s/m3, Pa s2/m6


def _rel(a, b):
    return abs(a - b) / abs(b)


def test_series_resistances_add():
    r1, r2, r3 = 2e9, 5e9, 1e10
    dp = 4e4
    net = Network([Branch("r1", "a", "b", Resistance(r1)), Branch("r2", "b", "c", Resistance(r2)),
                   Branch("r3", "c", "d", Resistance(r3))], {"a": dp, "d": 0.0}, fluid=WATER)
    res = solve(net, temperatures=False)
    q = math.sqrt(dp / (r1 + r2 + r3))
    err = max(_rel(res.flow[n], q) for n in ("r1", "r2", "r3"))
    print("series flow rel. error", err)
    assert err < 1e-12
    assert abs(res.dp["r2"] - r2 * q * q) / dp < 1e-12


def test_parallel_resistances_split_by_sqrt_inverse_r():
    rs = [1e9, 4e9, 9e9, 2.5e9]
    dp = 1e4
    net = Network([Branch(f"r{i}", "a", "b", Resistance(r)) for i, r in enumerate(rs)],
                  {"a": dp, "b": 0.0}, fluid=WATER)
    res = solve(net, temperatures=False)
    err = max(_rel(res.flow[f"r{i}"], math.sqrt(dp / r)) for i, r in enumerate(rs))
    ratio = res.flow["r0"] / res.flow["r1"]
    print("parallel rel. error", err, "ratio r0/r1", ratio)
    assert err < 1e-12
    assert abs(ratio - 2.0) < 1e-12


def _parallel_pumps(speed2=1.0, check=False, r_sys=5e9):
    return Network([Branch("p1", "a", "b", Pump(A0, A1, A2)),
                    Branch("p2", "a", "b", Pump(A0, A1, A2, speed=speed2, check_valve=check)),
                    Branch("sys", "b", "a", Resistance(r_sys))], {"a": 1e5}, fluid=WATER)


def test_two_parallel_pumps_on_system_curve():
    r = 5e9
    res = solve(_parallel_pumps(r_sys=r), temperatures=False)
    # a0 + a1 Q/2 + a2 (Q/2)^2 = r Q^2  ->  (a2/4 - r) Q^2 + (a1/2) Q + a0 = 0
    a, b, c = A2 / 4 - r, A1 / 2, A0
    q = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)
    err = _rel(res.flow["sys"], q)
    print("parallel pumps: Q", res.flow["sys"], "hand", q, "rel. error", err)
    assert err < 1e-12
    assert _rel(res.pumps["p1"]["flow"], q / 2) < 1e-12
    assert _rel(res.hydraulic_power, r * q ** 3) < 1e-10


def test_check_valve_blocks_reverse_flow_of_stopped_pump():
    r = 5e9
    res = solve(_parallel_pumps(speed2=0.0, check=True, r_sys=r), temperatures=False)
    a, b, c = A2 - r, A1, A0
    q = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)
    print("check valve: reverse flow", res.flow["p2"], "system", res.flow["sys"], "hand", q)
    assert -1e-6 * q < res.flow["p2"] <= 0
    assert _rel(res.flow["sys"], q) < 1e-5
    # without the valve the stopped pump passes a large reverse flow
    res2 = solve(_parallel_pumps(speed2=0.0, check=False, r_sys=r), temperatures=False)
    print("no check valve: reverse flow", res2.flow["p2"])
    assert res2.flow["p2"] < -0.2 * res2.flow["p1"]


@pytest.mark.parametrize("layout", ["Z", "U"])
def test_manifold_mass_conservation(layout):
    rng = np.random.default_rng(3)
    plates = [Resistance(float(r)) for r in rng.uniform(2e13, 5e13, 10)]
    br = manifold(10, layout, Pipe(0.15, 0.025, 1.5e-6, 0.3), plates[0])
    br = [Branch(b.name, b.inlet, b.outlet, plates[int(b.name[1:])]) if b.name.startswith("b")
          else b for b in br]
    net = Network(br, {"in": 2.5e4, "out": 0.0}, fluid=WATER)
    res = solve(net, temperatures=False)
    # independent check of conservation at each node from the flows
    net_out = {n: 0.0 for n in net.nodes}
    for b in br:
        net_out[b.inlet] += res.flow[b.name]
        net_out[b.outlet] -= res.flow[b.name]
    qmax = max(abs(v) for v in res.flow.values())
    worst = max(abs(v) for n, v in net_out.items() if n not in ("in", "out")) / qmax
    flows = [res.flow[f"b{i}"] for i in range(10)]
    print(layout, "mass residual", worst, "max/min", max(flows) / min(flows))
    assert worst <= 1e-12
    assert min(flows) > 0
    # branch laws hold: dp across each plate from node pressures
    for i in range(10):
        b = br[10 + i]
        dp = res.pressures[b.inlet] - res.pressures[b.outlet]
        assert abs(dp - b.element.r * flows[i] ** 2) <= 1e-12 * 2.5e4


def _colebrook(re, rr):
    f = 0.02
    for _ in range(200):
        f = (-2.0 * math.log10(rr / 3.7 + 2.51 / (re * math.sqrt(f)))) ** -2
    return f


def test_friction_factor():
    assert abs(friction_factor(1000.0) - 0.064) < 1e-15
    fc = _colebrook(1e5, 1e-4)
    fh = friction_factor(1e5, 1e-4)
    print("Haaland", fh, "Colebrook", fc, "rel.", _rel(fh, fc))
    assert _rel(fh, fc) < 0.02
    # the blend is continuous at both ends and monotone in dp(Q)
    for re in (2300.0, 4000.0):
        lo, hi = friction_factor(re * (1 - 1e-9), 1e-4), friction_factor(re * (1 + 1e-9), 1e-4)
        assert abs(lo - hi) < 1e-7
    pipe = Pipe(2.0, 0.01, 1e-6, 1.5)
    qs = np.linspace(-5e-4, 5e-4, 2001)
    h = np.array([pipe.law(q, WATER)[0] for q in qs])
    assert np.all(np.diff(h) > 0)


def test_pipe_law_and_derivative():
    pipe = Pipe(3.0, 0.012, 5e-6, 2.0)
    for q in (1e-6, 5e-5, 3e-4, -2e-4):        # laminar, transition, turbulent, reverse
        v = q / pipe.area
        re = pipe.reynolds(q, WATER)
        f = friction_factor(re, 5e-6 / 0.012)
        ref = (f * 3.0 / 0.012 + 2.0) * WATER.density * v * abs(v) / 2
        h, dh = pipe.law(q, WATER)
        dq = 1e-6 * abs(q)
        fd = (pipe.law(q + dq, WATER)[0] - pipe.law(q - dq, WATER)[0]) / (2 * dq)
        print(q, re, h, ref, dh, fd)
        assert _rel(h, ref) < 1e-12
        assert _rel(dh, fd) < 1e-5
        assert _rel(branch_flow(pipe, h, WATER), q) < 1e-12


def _ode_effectiveness(ntu, cr, n=4000):
    """Counterflow: hot (C_min) along x 0->1 from 1, cold (C_max) along x 1->0
    from 0. dTh/dx = -NTU (Th - Tc), dTc/dx = -NTU Cr (Th - Tc). RK4 march from
    x = 0 with two guesses of Tc(0); the problem is linear, so the guess that
    gives Tc(1) = 0 is their interpolation."""
    def march(tc0):
        y = np.array([1.0, tc0])
        hstep = 1.0 / n

        def f(y):
            d = y[0] - y[1]
            return np.array([-ntu * d, -ntu * cr * d])
        for _ in range(n):
            k1 = f(y)
            k2 = f(y + hstep / 2 * k1)
            k3 = f(y + hstep / 2 * k2)
            k4 = f(y + hstep * k3)
            y = y + hstep / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        return y
    e0, e1 = march(0.0), march(1.0)
    s = -e0[1] / (e1[1] - e0[1])
    th1 = e0[0] + s * (e1[0] - e0[0])
    return 1.0 - th1


@pytest.mark.parametrize("cr", [0.5, 1.0])
def test_counterflow_effectiveness_vs_ode(cr):
    for ntu in (0.3, 1.0, 3.0):
        ref = _ode_effectiveness(ntu, cr)
        eps = counterflow_effectiveness(ntu, cr)
        print(f"NTU {ntu} Cr {cr}: eps {eps:.12f} ODE {ref:.12f}")
        assert abs(eps - ref) < 1e-9


def test_counterflow_limits():
    assert counterflow_effectiveness(2.0, 1.0) == pytest.approx(2.0 / 3.0, rel=1e-15)
    assert counterflow_effectiveness(2.0, 0.0) == pytest.approx(1 - math.exp(-2.0), rel=1e-15)
    # continuous through Cr = 1
    assert abs(counterflow_effectiveness(2.0, 1 - 1e-9) - 2.0 / 3.0) < 1e-9


def _loop():
    """A CDU loop: pump, two parallel plate pairs (CPU then GPU in series) with
    heat, a supply pipe and an hx back to the pump."""
    plate = Resistance(3e12)
    br = [Branch("pump", "r", "s", Pump(8e4, -1e7, -5e10)),
          Branch("supply", "s", "m", Pipe(5.0, 0.025, 1.5e-6, 3.0)),
          Branch("cpu1", "m", "x1", plate, 500.0), Branch("gpu1", "x1", "ret", plate, 1200.0),
          Branch("cpu2", "m", "x2", plate, 450.0), Branch("gpu2", "x2", "ret", plate, 1000.0),
          Branch("cdu", "ret", "r", HeatExchanger(ua=800.0, c_secondary=300.0,
                                                   t_secondary_in=30.0, r=1e10))]
    return Network(br, {"r": 2e5}, fluid=WATER)


def test_energy_balance_loop_with_hx():
    net = _loop()
    res = solve(net)
    heat_in = sum(b.heat for b in net.branches)
    removed = -res.heat["cdu"]
    mcp = res.mass_flow["cdu"] * WATER.specific_heat
    dt_out = res.t_in["cdu"] - res.t_out["cdu"]
    print("heat in", heat_in, "hx removes", removed, "m cp dT", mcp * dt_out,
          "supply T", res.t_out["cdu"], "return", res.t_in["cdu"], res.temperatures)
    assert abs(removed - heat_in) <= 1e-9 * heat_in
    assert abs(mcp * dt_out - heat_in) <= 1e-9 * heat_in
    # outlet temperatures of the heated plates: T_in + Q / (m cp)
    for n in ("cpu1", "gpu1"):
        assert abs(res.t_out[n] - res.t_in[n]
                   - res.heat[n] / (res.mass_flow[n] * WATER.specific_heat)) < 1e-12
    # exchanger: secondary outlet rises by heat / C2, approach > 0
    assert res.t_out["cdu"] > 30.0
    assert res.pumps["pump"]["power"] > 0


def test_energy_balance_open_network():
    br = manifold(4, "U", Pipe(0.2, 0.02), Resistance(1e12), heat=[100.0, 200.0, 300.0, 400.0])
    net = Network(br, {"in": 3e4, "out": 0.0}, {"in": 25.0}, WATER)
    res = solve(net)
    m = res.mass_flow["return0"]
    out = m * WATER.specific_heat * (res.temperatures["out"] - 25.0)
    print("open: heat 1000 W, m cp dT", out)
    assert abs(out - 1000.0) <= 1e-9 * 1000.0


def test_bad_input_errors():
    with pytest.raises(ValueError, match="pipe length"):
        Pipe(-1.0, 0.01)
    with pytest.raises(ValueError, match="pipe diameter"):
        Pipe(1.0, 0.0)
    with pytest.raises(ValueError, match="pump a2"):
        Pump(1e4, 0.0, 0.0)
    ok = [Branch("r", "a", "b", Resistance(1e9))]
    with pytest.raises(ValueError, match=r"pressures: unknown node 'c'"):
        Network(ok, {"c": 0.0})
    with pytest.raises(ValueError, match=r"temperatures: unknown node 'z'"):
        Network(ok, {"a": 0.0}, {"z": 20.0})
    with pytest.raises(ValueError, match="pressures: no reference node"):
        Network(ok, {})
    with pytest.raises(ValueError, match="disconnected.*'c'"):
        Network(ok + [Branch("r2", "c", "d", Resistance(1e9))], {"a": 0.0})
    with pytest.raises(ValueError, match="duplicate"):
        Network(ok + ok, {"a": 0.0})
    # fluid entering with no temperature
    with pytest.raises(ValueError, match="temperatures: fluid enters .*'a'"):
        solve(Network(ok, {"a": 1e3, "b": 0.0}))
    # closed loop without an exchanger: temperatures undetermined
    loop = [Branch("p", "a", "b", Pump(A0, A1, A2)), Branch("r", "b", "a", Resistance(5e9), 100.0)]
    with pytest.raises(ValueError, match="closed loop"):
        solve(Network(loop, {"a": 0.0}))
    assert resistance_from_k(2.0, 1e-4, 1000.0) == pytest.approx(2.0 * 1000 / 2 / 1e-8)
