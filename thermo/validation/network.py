"""Validation of the coolant network solver (:mod:`thermo.models.network`, issue #18),
host-side and not coupled to the CFD yet.

* ``networks``: series and parallel resistances and two identical pumps in
  parallel on a quadratic system curve against their hand (quadratic-formula)
  solutions; a Z- and a U-type manifold with 10 identical cold-plate branches
  (their maldistribution, max/min branch flow, in the quantity; mass conserved
  to round-off at every node as the check); the counterflow effectiveness
  against the two-stream ODE integrated here independently (trapezoidal finite
  differences of the boundary-value problem, Richardson-extrapolated); the
  energy balance of a CDU loop with an exchanger.

Every row is a check of the solver against solutions of the same laws derived
independently (by hand, or by integrating the ODE): none compares the laws
themselves with measured data (a manifold's published distribution, a pump's
measured operating point), which the coupled cases of issue #18 still need.
"""
from __future__ import annotations

import math

import numpy as np

from thermo.models.network import (Branch, Fluid, HeatExchanger, Network, Pipe, Pump,
                                   Resistance, counterflow_effectiveness, manifold, solve)
from thermo.validation.rows import row

WATER = Fluid(997.0, 8.9e-4, 4180.0)
PUMP = (60e3, -1e6, -2e9)    # a0 (Pa), a1 (Pa s/m3), a2 (Pa s2/m6)


def _rel(a, b):
    return abs(a - b) / abs(b)


def parallel_pumps(r_sys: float = 5e9) -> tuple[float, float]:
    """(solved, hand) total flow (m3/s) of two identical pumps in parallel on the
    system curve ``dp = r_sys Q^2``: ``(a2/4 - r) Q^2 + (a1/2) Q + a0 = 0``."""
    a0, a1, a2 = PUMP
    net = Network([Branch("p1", "a", "b", Pump(a0, a1, a2)), Branch("p2", "a", "b", Pump(a0, a1, a2)),
                   Branch("sys", "b", "a", Resistance(r_sys))], {"a": 1e5}, fluid=WATER)
    q = solve(net, temperatures=False).flow["sys"]
    a, b, c = a2 / 4 - r_sys, a1 / 2, a0
    return q, (-b - math.sqrt(b * b - 4 * a * c)) / (2 * a)


def manifold_flows(layout: str, n: int = 10) -> tuple[np.ndarray, float]:
    """Branch flows (m3/s) of an ``n``-branch manifold of identical plates (20 kPa at
    1.5 L/min each), 1" headers with 0.15 m segments, 25 kPa across; and the
    largest nodal mass residual relative to the largest flow, summed here from
    the flows."""
    plate = Resistance(2e4 / (1.5e-3 / 60) ** 2)
    br = manifold(n, layout, Pipe(0.15, 0.0254, 1.5e-6, 0.5), plate)
    net = Network(br, {"in": 2.5e4, "out": 0.0}, fluid=WATER)
    res = solve(net, temperatures=False)
    bal = {k: 0.0 for k in net.nodes}
    for b in br:
        bal[b.inlet] += res.flow[b.name]
        bal[b.outlet] -= res.flow[b.name]
    qmax = max(abs(v) for v in res.flow.values())
    worst = max(abs(v) for k, v in bal.items() if k not in net.pressures) / qmax
    return np.array([res.flow[f"b{i}"] for i in range(n)]), worst


def ode_effectiveness(ntu: float, cr: float, n: int = 400) -> float:
    """Counterflow effectiveness from the two-stream ODE, C_min hot stream along
    x 0 -> 1 entering at 1, C_max cold stream along x 1 -> 0 entering at 0::

        dTh/dx = -NTU (Th - Tc),   dTc/dx = -NTU Cr (Th - Tc)

    as a boundary-value problem by trapezoidal differences on ``n`` and ``2n``
    cells (a dense solve each), Richardson-extrapolated;
    eps = 1 - Th(1)."""
    def solve_bvp(m):
        h = 1.0 / m
        # unknowns Th_0..Th_m, Tc_0..Tc_m
        size = 2 * (m + 1)
        a = np.zeros((size, size))
        rhs = np.zeros(size)
        th, tc = (lambda i: i), (lambda i: m + 1 + i)
        row_i = 0
        for i in range(m):
            for (var, k) in ((th, ntu), (tc, ntu * cr)):
                # y_{i+1} - y_i + h/2 k [(Th-Tc)_i + (Th-Tc)_{i+1}] = 0
                a[row_i, var(i + 1)] += 1.0
                a[row_i, var(i)] -= 1.0
                for j in (i, i + 1):
                    a[row_i, th(j)] += h / 2 * k
                    a[row_i, tc(j)] -= h / 2 * k
                row_i += 1
        a[row_i, th(0)], rhs[row_i] = 1.0, 1.0
        a[row_i + 1, tc(m)], rhs[row_i + 1] = 1.0, 0.0
        y = np.linalg.solve(a, rhs)
        return 1.0 - y[th(m)]
    e1, e2 = solve_bvp(n), solve_bvp(2 * n)
    return e2 + (e2 - e1) / 3.0


def cdu_loop() -> Network:
    """A CDU loop: pump, two parallel CPU-then-GPU plate pairs with heat, supply
    pipe, counterflow exchanger to facility water at 30 C."""
    plate = Resistance(3e12)
    return Network(
        [Branch("pump", "r", "s", Pump(8e4, -1e7, -5e10)),
         Branch("supply", "s", "m", Pipe(5.0, 0.025, 1.5e-6, 3.0)),
         Branch("cpu1", "m", "x1", plate, 500.0), Branch("gpu1", "x1", "ret", plate, 1200.0),
         Branch("cpu2", "m", "x2", plate, 450.0), Branch("gpu2", "x2", "ret", plate, 1000.0),
         Branch("cdu", "ret", "r", HeatExchanger(800.0, 300.0, 30.0, r=1e10))],
        {"r": 2e5}, fluid=WATER)


def validate_networks(full: bool = False) -> list[dict]:
    rows = []
    # series and parallel resistances
    rs = [2e9, 5e9, 1e10]
    dp = 4e4
    ser = solve(Network([Branch(f"r{i}", f"n{i}", f"n{i + 1}", Resistance(r)) for i, r in enumerate(rs)],
                        {"n0": dp, "n3": 0.0}, fluid=WATER), temperatures=False).flow["r1"]
    q_ser = math.sqrt(dp / sum(rs))
    rows.append(row("networks", "3 resistances in series: flow vs sqrt(dp / sum R) (rel.)",
                    q_ser, ser, _rel(ser, q_ser), 1e-12, "check"))
    par = solve(Network([Branch(f"r{i}", "a", "b", Resistance(r)) for i, r in enumerate(rs)],
                        {"a": dp, "b": 0.0}, fluid=WATER), temperatures=False)
    err = max(_rel(par.flow[f"r{i}"], math.sqrt(dp / r)) for i, r in enumerate(rs))
    rows.append(row("networks", "3 resistances in parallel: flows vs sqrt(dp / R_i) (max rel.)",
                    math.sqrt(dp / rs[0]), par.flow["r0"], err, 1e-12, "check"))
    q, q_hand = parallel_pumps()
    rows.append(row("networks", "2 pumps in parallel on a quadratic system curve: flow vs "
                    "quadratic formula (rel.)", q_hand, q, _rel(q, q_hand), 1e-10, "check"))
    for layout in ("Z", "U"):
        flows, worst = manifold_flows(layout)
        rows.append(row("networks", f"{layout}-type manifold, 10 identical branches: "
                        f"maldistribution max/min flow {flows.max() / flows.min():.4f} "
                        f"(b0 {flows[0] * 6e4:.3f}, b9 {flows[-1] * 6e4:.3f} L/min); "
                        "mass residual at every node (rel. to max flow)",
                        0.0, worst, worst, 1e-12, "check"))
    for cr in (0.5, 1.0):
        ntu = 2.0
        ref, eps = ode_effectiveness(ntu, cr), counterflow_effectiveness(ntu, cr)
        rows.append(row("networks", f"counterflow effectiveness NTU {ntu} Cr {cr} vs two-stream "
                        "ODE (abs.)", ref, eps, abs(eps - ref), 1e-9, "check"))
    net = cdu_loop()
    res = solve(net)
    heat = sum(b.heat for b in net.branches)
    removed = res.mass_flow["cdu"] * WATER.specific_heat * (res.t_in["cdu"] - res.t_out["cdu"])
    rows.append(row("networks", f"CDU loop energy balance: m cp dT across the hx vs heat in "
                    f"(supply {res.t_out['cdu']:.2f} C, {res.iterations} Newton its) (rel.)",
                    heat, removed, _rel(removed, heat), 1e-9, "check"))
    return rows
