"""Validation of the coolant network solver (:mod:`thermo.models.network`, issue #18),
host-side, and of its coupling to the CFD's cold plates (``[[networks]]``).

* ``networks``: series and parallel resistances and two identical pumps in
  parallel on a quadratic system curve against their hand (quadratic-formula)
  solutions; a Z- and a U-type manifold with 10 identical cold-plate branches
  (their maldistribution, max/min branch flow, in the quantity; mass conserved
  to round-off at every node as the check); the counterflow effectiveness
  against the two-stream ODE integrated here independently (trapezoidal finite
  differences of the boundary-value problem, Richardson-extrapolated); the
  energy balance of a CDU loop with an exchanger; a CDU with a supply set point
  and a capacity (:func:`cdu_control`) on a load that is a wall at a fixed
  temperature, below capacity (the supply on its set point) and above it (the
  supply where the wall's heat falls to the capacity), by hand.

* ``networks-coupled``: a heated block (silicon, 500 W) under a copper cold plate
  in a closed circuit with a pump and a CDU (a 1 x 1 x 2 grid: the chip one cell,
  the plate one cell and one slice): the steady chip temperature against the
  resistance-network answer worked out here by hand (the pump against the
  system curve by the quadratic formula, the plate's UA scaled by (Q /
  rated_flow)^0.8, the plate's and the CDU's effectiveness-NTU written out
  here, conduction half a cell of silicon plus half a cell of copper), within
  1 % of the chip's rise above the facility water; and a pump trip with the
  redundant pump starting (transient): the chip's temperature history against
  the two-lump capacitance ODE (chip, plate) integrated here by scipy's
  ``solve_ivp``, within 3 % of the rise. Two one-dimensional stacks for the
  chip-side models: a thermal interface (``tim_resistance``) raises a chip under
  a one-slice plate by P R_tim exactly, and the JEDEC two-resistor junction of a
  chip between a board on a 20 C floor and a plate, against the stack's
  resistance network by hand.

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


CDU_WALL, CDU_E, CDU_SET = 60.0, 0.4, 30.0   # the load's wall (C), its effectiveness, set point


def cdu_control(capacity: float | None, t_set: float | None = CDU_SET) -> tuple[float, float, str]:
    """A pump, a load that is a wall at CDU_WALL seen with effectiveness CDU_E (outlet
    ``T_in + e (T_w - T_in)``: a cold plate's law at a frozen field) and a CDU (UA 2 kW/K,
    facility 20 C) with ``t_set`` and ``capacity`` (W): ``(supply C, C (W/K), mode)``."""
    net = Network([
        Branch("pump", "r", "s", Pump(6e4, 0.0, -6e4 / (4e-4) ** 2)),
        Branch("load", "s", "h", Resistance(2e4 / 1e-8), line=(1.0 - CDU_E, CDU_E * CDU_WALL)),
        Branch("cdu", "h", "r", HeatExchanger(2000.0, 800.0, 20.0, r=1e4 / 1e-8, t_set=t_set,
                                              capacity=capacity))], {"r": 0.0}, fluid=WATER)
    res = solve(net)
    c = WATER.density * WATER.specific_heat * res.flow["cdu"]
    return res.t_out["cdu"], c, net.branches[2].element.mode(c, res.t_in["cdu"])


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
    supply, c, mode = cdu_control(1e5)
    load = c * CDU_E * (CDU_WALL - CDU_SET)
    rows.append(row("networks", f"CDU set point {CDU_SET} C within capacity ({load / 1e3:.2f} of "
                    f"100 kW; {mode}): supply vs set point (abs. K)", CDU_SET, supply,
                    abs(supply - CDU_SET), 1e-9, "check"))
    cap = 0.5 * load
    supply, c, mode = cdu_control(cap)
    hand = CDU_WALL - cap / (c * CDU_E)
    rows.append(row("networks", f"CDU over capacity ({cap / 1e3:.2f} kW, half the set point's "
                    f"load; {mode}): supply vs T_wall - cap / (C e) by hand (rel.)", hand, supply,
                    _rel(supply, hand), 1e-9, "check"))
    return rows


# ---------------------------------------------------------------- coupled to the CFD

COUPLED_POWER = 500.0     # W
COUPLED_PUMP = [[0.0, 6e4], [2e-5, 3e4]]   # [Q m3/s, dp Pa] at rated speed


def coupled_case(transient: bool = False) -> dict:
    """A 500 W silicon block (4 x 4 x 1 cm) under a copper plate (htc 5000 W/m2K on
    40 cm2 at 10 mL/s, 20 kPa there) in a closed circuit: pump -> plate -> CDU (UA
    50 W/K, facility water 20 mL/s at 25 C, 5 kPa at 10 mL/s). Transient: a
    standby pump (same curve, speed 0) in parallel; the duty pump trips at 20 s,
    the standby starts at 40 s, 120 s in all."""
    branches = [
        {"name": "pump_a", "kind": "pump", "from": "r", "to": "s", "curve": COUPLED_PUMP},
        {"name": "plate", "kind": "cold_plate", "from": "s", "to": "ret", "plates": ["cp"]},
        {"name": "cdu", "kind": "heat_exchanger", "from": "ret", "to": "r", "ua": 50.0,
         "facility_flow": 2e-5, "facility_temperature": 25.0, "pressure_drop": 5e3,
         "rated_flow": 1e-5}]
    d = {
        "case": {"name": "network-coupled"},
        "domain": {"size": [0.04, 0.04, 0.02], "cells": [1, 1, 2]},
        "parts": [
            {"name": "chip", "kind": "solid", "material": "silicon", "power": COUPLED_POWER,
             "box": {"min": [0, 0, 0], "max": [0.04, 0.04, 0.01]}},
            {"name": "cp", "kind": "cold_plate", "material": "copper", "chip": "chip",
             "box": {"min": [0, 0, 0.01], "max": [0.04, 0.04, 0.02]}, "flow_direction": "+x",
             "htc": 5000.0, "area": 0.004, "pressure_drop": 2e4, "rated_flow": 1e-5}],
        "networks": [{"name": "loop", "branches": branches}],
        "solver": {"mode": "steady", "tolerance": 1e-10, "max_steps": 4000},
    }
    if transient:
        branches.insert(1, {"name": "pump_b", "kind": "pump", "from": "r", "to": "s",
                            "curve": COUPLED_PUMP, "speed": 0.0})
        d["solver"] = {"mode": "transient", "end_time": 120.0, "dt": 0.1, "steps_per_call": 2}
        d["fluid"] = {"initial_temperature": 25.0}
        d["events"] = [{"at": 20.0, "network": "loop", "branch": "pump_a", "action": "off"},
                       {"at": 40.0, "network": "loop", "branch": "pump_b", "action": "on"}]
        d["events"][1]["action"] = "speed"
        d["events"][1]["value"] = 1.0
    return d


def _counterflow(ntu: float, cr: float) -> float:
    if abs(1.0 - cr) < 1e-12:
        return ntu / (1.0 + ntu)
    e = math.exp(-ntu * (1.0 - cr))
    return (1.0 - e) / (1.0 - cr * e)


def coupled_hand(pumps_on: int = 1) -> dict:
    """The coupled case by hand, as a resistance network: the flow (m3/s), the
    loop's resistance from the plate to the facility water and the conduction
    resistance chip -> plate (K/W), and the chip's steady temperature (C)."""
    from thermo.case.materials import LIBRARY

    w = LIBRARY["water"].at(25.0)
    if pumps_on == 0:
        return {"flow": 0.0, "r_loop": math.inf, "r_cond": _r_cond(), "chip": math.inf}
    # pumps in parallel, each dp = a0 + a2 (Q/n)^2 through the two points; system r Q^2
    a0 = COUPLED_PUMP[0][1]
    a2 = (COUPLED_PUMP[1][1] - a0) / COUPLED_PUMP[1][0] ** 2
    r_sys = 2e4 / 1e-5 ** 2 + 5e3 / 1e-5 ** 2
    q = math.sqrt(a0 / (r_sys - a2 / pumps_on ** 2))
    c = w.density * w.specific_heat * q
    ua_plate = 5000.0 * 0.004 * (q / 1e-5) ** 0.8
    eps_plate = 1.0 - math.exp(-ua_plate / c)
    cf = w.density * w.specific_heat * 2e-5
    cmin, cmax = min(c, cf), max(c, cf)
    eps_hx = _counterflow(50.0 / cmin, cmin / cmax)
    # plate - facility = P/(eps_p C) + (T_sup - T_fac), T_sup - T_fac = P/(eps_hx Cmin) - P/C
    r_loop = 1.0 / (eps_plate * c) + 1.0 / (eps_hx * cmin) - 1.0 / c
    r_cond = _r_cond()
    return {"flow": q, "r_loop": r_loop, "r_cond": r_cond,
            "chip": 25.0 + COUPLED_POWER * (r_cond + r_loop)}


def _r_cond() -> float:
    """K/W between the chip's and the plate's cell centres: half a cell of each."""
    from thermo.case.materials import LIBRARY

    area, half = 0.04 * 0.04, 0.005
    return half / (LIBRARY["silicon"].conductivity * area) + half / (
        LIBRARY["copper"].conductivity * area)


def coupled_ode(times) -> np.ndarray:
    """The chip's temperature (C) at ``times`` (s) in the transient coupled case, by
    the two-lump ODE (chip and plate heat capacities, the conduction resistance
    between them, the loop's resistance to the facility water at each period's
    flow: 1 pump, none from 20 s, 1 from 40 s), integrated by scipy's solve_ivp
    (LSODA, rtol 1e-10) from the steady state with one pump."""
    from scipy.integrate import solve_ivp

    from thermo.case.materials import LIBRARY

    vol = 0.04 * 0.04 * 0.01
    si, cu = LIBRARY["silicon"], LIBRARY["copper"]
    c_chip, c_plate = si.density * si.specific_heat * vol, cu.density * cu.specific_heat * vol
    one = coupled_hand(1)
    r_cond = one["r_cond"]
    t_plate0 = 25.0 + COUPLED_POWER * one["r_loop"]
    y0 = [one["chip"], t_plate0]

    def rhs(t, y, r_loop):
        q_cond = (y[0] - y[1]) / r_cond
        q_out = 0.0 if math.isinf(r_loop) else (y[1] - 25.0) / r_loop
        return [(COUPLED_POWER - q_cond) / c_chip, (q_cond - q_out) / c_plate]

    out = []
    times = np.asarray(times, float)
    spans = [(0.0, 20.0, one["r_loop"]), (20.0, 40.0, math.inf), (40.0, 120.0, one["r_loop"])]
    y = y0
    for lo, hi, r in spans:
        sel = times[(times >= lo) & (times < hi) | ((hi == 120.0) & (times == hi))]
        sol = solve_ivp(rhs, (lo, hi), y, args=(r,), method="LSODA", rtol=1e-10, atol=1e-10,
                        dense_output=True)
        out.extend(sol.sol(t)[0] for t in sel)
        y = sol.y[:, -1]
    return np.array(out)


def validate_networks_coupled(full: bool = False) -> list[dict]:
    from thermo.case import case_from_dict
    from thermo.solver import Simulation

    rows = []
    hand = coupled_hand(1)
    sim = Simulation(case_from_dict(coupled_case()))
    state, info = sim.run()
    chip = float(np.asarray(state.T).ravel()[0])
    err = abs(chip - hand["chip"]) / (hand["chip"] - 25.0)
    flow = float(sim.params.parts["liquid"].flow[0])
    rows.append(row("networks-coupled", f"heated block on a cold plate, pump + CDU: steady chip "
                    f"temperature vs resistance network by hand (rel. to the rise over the "
                    f"facility water; flow {flow * 6e4:.4f} vs {hand['flow'] * 6e4:.4f} L/min; "
                    f"{info.steps} steps, {info.status})", hand["chip"], chip, err, 0.01, "check"))
    sim = Simulation(case_from_dict(coupled_case(transient=True)))
    times, temps = [], []

    from thermo.solver.callbacks import Callback

    def rec(state, wall):
        times.append(float(state.t))
        temps.append(float(np.asarray(state.T).ravel()[0]))
    start = sim.initial_state()
    # start from the steady state with one pump (as the ODE does)
    y = coupled_hand(1)
    T0 = np.array([y["chip"], 25.0 + COUPLED_POWER * y["r_loop"]]).reshape(sim.grid.cells)
    import jax.numpy as jnp
    start = start._replace(T=jnp.asarray(T0, start.T.dtype))
    state, info = sim.run(start, [Callback("chip", rec)])
    ref = coupled_ode(times)
    rise = ref - 25.0
    err = float(np.max(np.abs(np.array(temps) - ref) / rise))
    k = int(np.argmax(ref))
    rows.append(row("networks-coupled", f"pump trip at 20 s, standby pump on at 40 s: chip "
                    f"temperature history vs two-lump ODE (max rel. to the rise, {len(times)} "
                    f"records; peak {max(temps):.2f} vs {ref[k]:.2f} C)", float(ref[k]),
                    float(max(temps)), err, 0.03, "check"))
    rows += _chip_side_rows()
    return rows


def _chip_side_rows() -> list[dict]:
    """The thermal interface and the junction model on one-dimensional stacks (see the
    module); each one small steady run."""
    from thermo.case import case_from_dict
    from thermo.case.materials import LIBRARY
    from thermo.diagnostics.summary import summarise
    from thermo.solver import Simulation
    from thermo.validation.liquid import stack_case

    rows = []
    p, r_tim, t_in, flow, ua = 500.0, 0.05, 30.0, 1e-5, 20.0
    w = LIBRARY["water"].at(t_in)
    mcp = w.density * w.specific_heat * flow
    k_si = LIBRARY["silicon"].conductivity
    area, dz = 0.04 * 0.04, 0.01
    d = stack_case(n=1)
    d["parts"][1].update(tim_resistance=r_tim)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    chip = summarise(sim, state, info)["cold_plates"]["cp"]["chip_max_temperature_c"]
    without = t_in + p / (-np.expm1(-ua / mcp) * mcp) + p * dz / 2 * (1 / k_si + 1 / 4.0e5) / area
    rows.append(row("networks-coupled", f"thermal interface {r_tim} K/W under a one-slice plate, "
                    f"{p:.0f} W: chip rise over the hand answer without vs P R_tim (rel.)",
                    p * r_tim, chip - without, _rel(chip - without, p * r_tim), 1e-8, "check"))
    # the junction: board (aluminium) on a 20 C floor, chip, plate; Tc, Tb the neighbours
    d = stack_case(n=1)
    d["domain"] = {"size": [0.04, 0.04, 0.03], "cells": [1, 1, 3]}
    chip_p, plate = d["parts"]
    chip_p.update(box={"min": [0, 0, 0.01], "max": [0.04, 0.04, 0.02]},
                  junction={"theta_jc": 0.08, "theta_jb": 1.5})
    plate.update(box={"min": [0, 0, 0.02], "max": [0.04, 0.04, 0.03]}, thermal_resistance=1 / ua)
    del plate["htc"], plate["area"]
    d["parts"] = [{"name": "board", "kind": "solid", "material": "aluminium",
                   "box": {"min": [0, 0, 0], "max": [0.04, 0.04, 0.01]}}, chip_p, plate]
    d["boundaries"] = [{"name": "floor", "face": "z-", "temperature": 20.0}]
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    tj = summarise(sim, state, info)["junctions"]["chips"]["chip"]["junction_c"]
    k_b = LIBRARY["aluminium"].conductivity
    g = [k_b * area / (dz / 2), area / (dz / 2 * (1 / k_b + 1 / k_si)),
         area / (dz / 2 * (1 / k_si + 1 / 4.0e5)), -np.expm1(-ua / mcp) * mcp]
    a = np.array([[g[0] + g[1], -g[1], 0.0], [-g[1], g[1] + g[2], -g[2]], [0.0, -g[2], g[2] + g[3]]])
    tb, _, tc = np.linalg.solve(a, [g[0] * 20.0, p, g[3] * t_in])
    hand = (p + tc / 0.08 + tb / 1.5) / (1 / 0.08 + 1 / 1.5)
    rows.append(row("networks-coupled", f"JEDEC two-resistor junction (theta_jc 0.08, theta_jb "
                    f"1.5 K/W) between a board on a 20 C floor and a plate: Tj vs the stack's "
                    f"resistance network by hand (Tc {tc:.3f}, Tb {tb:.3f} C; rel. to the rise over "
                    f"the floor)", hand, tj, abs(tj - hand) / (hand - 20.0), 1e-8, "check"))
    return rows
