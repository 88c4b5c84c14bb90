"""``[[networks]]`` coupled to the CFD's cold plates (issue #18), at device-call boundaries.

Each network of the case becomes a :class:`~thermo.models.network.Network`: its
pumps, pipes, resistances, valves and quick disconnects as given, each plate of
a ``cold_plate`` branch its own branch (a quadratic resistance through the
plate's ``pressure_drop`` at ``rated_flow``), the CDU a counterflow
:class:`~thermo.models.network.HeatExchanger`. Coolant properties are taken at
the first exchanger's facility temperature; node pressures are fixed at 0 Pa at
the first branch's ``from`` node (only differences matter in a closed loop).

:meth:`PlateNetworks.update` runs on the host before the run and after every
device call (:meth:`thermo.solver.Simulation.run`):

1. flows (:func:`~thermo.models.network.solve_flow`, Newton on the node
   pressures, mass to round-off), only when an event changed a pump, valve or
   the facility water (flows do not depend on temperature here);
2. each network plate's volume flow and UA into the compiled step's
   :class:`~thermo.models.coldplate.Liquid` params: ``UA = UA_rated (Q /
   rated_flow)^ua_flow_exponent`` (the plate's ``thermal_resistance`` or
   ``htc * area`` taken at its ``rated_flow``);
3. each plate's coolant line at the current temperature field: its outlet is
   linear in its inlet, ``T_out = gain T_in + add`` (the march of
   :func:`~thermo.models.coldplate.march` over the plate's slices at their
   present mean temperatures, ``gain = prod(1 - eps_s)``), got from two marches
   100 K apart (one compiled call);
4. temperatures by upwind mixing with those lines on the plate branches and the
   exchanger's effectiveness-NTU law (:func:`~thermo.models.network.solve_temperatures`),
   so every plate's inlet follows the CDU's supply and the plates upstream of it
   in series; the inlet temperatures go into the params.

The plates' heat is thereby what the CFD's march gives at the present plate
temperatures, implicit in the coolant temperatures (no lag around the loop);
the plate temperatures themselves lag by one device call. Nothing recompiles:
flows, UA and inlet temperatures are array values of the params.

Thermal mass (transient runs): each branch's coolant (``volume``,
``heat_capacity``, a pipe's bore; :func:`~thermo.case.networks.branch_capacity`,
J/K, a cold_plate branch's shared evenly by its plates) is a well-mixed lump.
The first update solves the steady network at the initial field and fills the
lumps with it; every later one integrates the lumps over the call just made
(:func:`~thermo.models.network.advance_temperatures`: exact for the call's
flows and the plates' lines at the field at its end, so stable for any call
length), then re-solves flows after events, and the plates' inlets are the
lumps mixed at the new flows. A pump trip thus leaves the coolant's
temperatures to lag by the loop's C / (rho cp Q). Steady runs ignore it.

Cost (measured on 2 CPU cores, float64, the validation's circuit of 4 branches):
on a 40 x 40 x 20 grid an update takes about 2 ms with temperatures only and
5 ms with a flow solve (after a one-off compile of the march), against 1.8 s
for a device call of 50 steps: 0.1-0.3 %, so the network stays on the host at
device-call boundaries rather than inside the compiled loop. (On the
validation's 1 x 1 x 2 grid an update, 1.4 ms, costs more than a device call
of 2 steps, 0.6 ms: there the host dominates, and the run still takes seconds.)
The plate temperatures lag by one device call: in the validation's pump trip a
call of 4 steps of 0.25 s (1 s, against the plate's time constant of about 4 s)
put the chip 3.4 % of its rise above the two-lump ODE after the restart, 2
steps of 0.1 s within 1 %; keep ``solver.steps_per_call * dt`` well below the
plates' time constants in transients with network events.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from thermo.case.networks import branch_capacity, branch_plates, pump_coefficients
from thermo.models import network as nw
from thermo.models.coldplate import network_temperature

CLOSED_VALVE = 1e15    # Pa s/m3: a shut valve, a linear resistance (as a check valve)
LINE_OFFSET_K = 100.0  # K between the two marches that give a plate's line
SETTLED_K = 1e-3       # K: a steady run is converged only when no plate inlet moves more


@dataclass
class _Net:
    index: int                 # in case.data["networks"]
    data: dict                 # the validated entry
    fluid: nw.Fluid
    plates: dict[str, int] = field(default_factory=dict)   # network branch -> plate index
    rated: dict[str, dict] = field(default_factory=dict)   # case values of movable branches
    now: dict[str, dict] = field(default_factory=dict)     # present values of movable branches
    flow: Any = None           # solved FlowSolution
    branches: list = field(default_factory=list)           # network branch names in order
    capacity: Any = None       # J/K per network branch (branch order), coolant held
    t_branch: Any = None       # C per network branch: the coolant lumps (transient runs)


class PlateNetworks:
    """The case's networks and their coupling to the plates (see the module)."""

    def __init__(self, sim) -> None:
        import jax

        from thermo.models.coldplate import march

        setup_ = sim.coldplates
        data = sim.case.data
        self.nets: list[_Net] = []
        by_name = {p.name: i for i, p in enumerate(setup_.plates)}
        for ni, d in enumerate(data["networks"]):
            mat = sim.case.material(d["coolant"]).at(network_temperature(d))
            net = _Net(ni, d, nw.Fluid(mat.density, mat.viscosity, mat.specific_heat))
            for b in d["branches"]:
                if b["kind"] == "cold_plate":
                    members = branch_plates(b, data["parts"])
                    for n in members:
                        net.plates[b["name"] if len(members) == 1 else f"{b['name']}:{n}"] = by_name[n]
                elif b["kind"] in ("pump", "valve", "heat_exchanger"):
                    keys = {"pump": ("speed",), "valve": ("opening",),
                            "heat_exchanger": ("facility_temperature", "facility_flow")}[b["kind"]]
                    net.rated[b["name"]] = {k: b[k] for k in keys}
                    net.now[b["name"]] = dict(net.rated[b["name"]])
            rho_cp = net.fluid.density * net.fluid.specific_heat
            caps = []
            for b in d["branches"]:
                cap = branch_capacity(b, rho_cp)
                n = [bn for bn in net.plates if bn == b["name"] or bn.startswith(b["name"] + ":")]
                caps += [cap / len(n)] * len(n) if b["kind"] == "cold_plate" else [cap]
            net.capacity = np.asarray(caps, float)
            self.nets.append(net)
        liq = sim.params.parts["liquid"]
        self.ua_rated = np.asarray(liq.ua, float)  # (P, K) W/K at each plate's rated flow
        self.dirty = True                          # flows to be solved
        self.transient = data["solver"]["mode"] == "transient"
        self.t_last = None                         # s: the time the lumps are at

        def lines(T, liq):
            _, t0, _, _ = march(T, liq)
            _, t1, _, _ = march(T, liq._replace(t_in=liq.t_in + LINE_OFFSET_K))
            return t0, t1
        self._lines = jax.jit(lines)
        self.last: dict[int, Any] = {}  # network index -> the last temperature solution
        self.update_s = 0.0             # host seconds spent in updates (all of them)
        self.updates = 0

    # ------------------------------------------------------------------ building

    def network(self, net: _Net, lines: dict[str, tuple[float, float]] | None = None
                ) -> nw.Network:
        """The solver's network at the present settings; ``lines`` the plates' outlet
        laws (without: plates as plain resistances, for the flow)."""
        rho = net.fluid.density
        out = []
        for b in net.data["branches"]:
            kind, name = b["kind"], b["name"]
            now = net.now.get(name, {})
            if kind == "cold_plate":
                for bn, pi in net.plates.items():
                    if bn == name or bn.startswith(name + ":"):
                        out.append(nw.Branch(bn, b["from"], b["to"], nw.Resistance(
                            self.plate_resistance[pi]), line=(lines or {}).get(bn)))
                continue
            if kind == "pump":
                a0, a1, a2 = pump_coefficients(b["curve"])
                el = nw.Pump(a0, a1, a2, speed=now["speed"], check_valve=b["check_valve"],
                             check_resistance=CLOSED_VALVE)
            elif kind == "pipe":
                el = nw.Pipe(b["length"], b["diameter"], b["roughness"], b["minor_loss"])
            elif kind == "heat_exchanger":
                fmat = self.facility[(net.index, name)].at(now["facility_temperature"])
                el = nw.HeatExchanger(b["ua"], fmat.density * fmat.specific_heat
                                      * now["facility_flow"], now["facility_temperature"],
                                      r=b["pressure_drop"] / b["rated_flow"] ** 2,
                                      t_set=b.get("supply_temperature"),
                                      capacity=b.get("capacity"))
            else:  # resistance, valve, quick_disconnect
                r = (b["pressure_drop"] / b["rated_flow"] ** 2 if b["pressure_drop"] is not None
                     else nw.resistance_from_k(b["k"], b["area"], rho))
                if kind == "valve":
                    op = now["opening"]
                    el = nw.Resistance(r / (op * op)) if op > 0 else nw.Resistance(0.0, CLOSED_VALVE)
                else:
                    el = nw.Resistance(r)
            out.append(nw.Branch(name, b["from"], b["to"], el))
        return nw.Network(out, {net.data["branches"][0]["from"]: 0.0}, fluid=net.fluid)

    # ------------------------------------------------------------------ coupling

    def update(self, sim, state) -> float:
        """Solve every network at ``state`` and write the plates' flows, UA and inlet
        temperatures into ``sim.params``; returns the largest change of a plate's
        inlet temperature (K)."""
        import time

        t0 = time.perf_counter()
        liq = sim.params.parts["liquid"]
        t_now = float(state.t)
        massive = self.transient and any(n.t_branch is not None and n.capacity.any()
                                         for n in self.nets)
        if massive and t_now > self.t_last:
            # the coolant lumps over the call just made, at its flows and the plates' lines
            # at the present field (the plates lag by the call, as without thermal mass)
            t_a, t_b = (np.asarray(x, float) for x in self._lines(state.T, liq))
            t_in0 = np.asarray(liq.t_in, float)
            for net in self.nets:
                if net.t_branch is None:
                    continue
                net_ = self.network(net, self._plate_lines(net, t_a, t_b, t_in0))
                net.t_branch = nw.advance_temperatures(net_, net.flow.q, net.t_branch,
                                                       net.capacity, t_now - self.t_last)[4]
        self.t_last = t_now
        if self.dirty:
            flow = np.asarray(liq.flow, float).copy()
            ua = np.asarray(liq.ua, float).copy()
            for net in self.nets:
                net.flow = nw.solve_flow(self.network(net))
                net.branches = [b.name for b in self.network(net).branches]
                expo = net.data["ua_flow_exponent"]
                for bn, pi in net.plates.items():
                    q = abs(float(net.flow.q[net.branches.index(bn)]))
                    flow[pi] = q
                    p = sim.coldplates.plates[pi]
                    ua[pi] = self.ua_rated[pi] * (q / p.rated_flow) ** expo
            dt = liq.flow.dtype
            import jax.numpy as jnp

            liq = liq._replace(flow=jnp.asarray(flow, dt), ua=jnp.asarray(ua, dt))
            self.dirty = False
        t_in = np.asarray(liq.t_in, float).copy()
        old = t_in.copy()
        t_a, t_b = (np.asarray(x, float) for x in self._lines(state.T, liq))
        for net in self.nets:
            net_ = self.network(net, self._plate_lines(net, t_a, t_b, t_in))
            if self.transient and net.t_branch is not None and net.capacity.any():
                # the lumps as they are, mixed at the (possibly new) flows
                t_node, tb_in, tb_out, heat, _ = nw.advance_temperatures(
                    net_, net.flow.q, net.t_branch, net.capacity, 0.0)
            else:  # steady, no thermal mass, or the start: the steady network
                t_node, tb_in, tb_out, heat = nw.solve_temperatures(net_, net.flow.q)
                net.t_branch = np.where(np.isfinite(tb_out), tb_out, np.nan)
            self.last[net.index] = (t_node, tb_in, tb_out, heat)
            for bn, pi in net.plates.items():
                j = net.branches.index(bn)
                if net.flow.q[j] != 0 and math.isfinite(tb_in[j]):
                    t_in[pi] = tb_in[j]
        import jax.numpy as jnp

        liq = liq._replace(t_in=jnp.asarray(t_in, liq.t_in.dtype))
        sim.params = sim.params._replace(parts={**sim.params.parts, "liquid": liq})
        self.update_s += time.perf_counter() - t0
        self.updates += 1
        return float(np.max(np.abs(t_in - old), initial=0.0))

    @staticmethod
    def _plate_lines(net: _Net, t_a, t_b, t_in) -> dict[str, tuple[float, float]]:
        """Each plate's outlet law ``(gain, add)`` from the two marches ``t_a``, ``t_b``
        (outlets at inlets ``t_in`` and ``t_in + LINE_OFFSET_K``)."""
        lines = {}
        for bn, pi in net.plates.items():
            gain = (t_b[pi] - t_a[pi]) / LINE_OFFSET_K
            lines[bn] = (gain, t_a[pi] - gain * t_in[pi])
        return lines

    def apply_event(self, event: dict) -> None:
        """A ``[[events]]`` entry on a network branch: new settings, flows re-solved at
        the next :meth:`update` (which the run makes before its next device call)."""
        net = next(n for n in self.nets if n.data["name"] == event["network"])
        name, action, value = event["branch"], event["action"], event["value"]
        now, rated = net.now[name], net.rated[name]
        if action == "on":
            now.update(rated)
        elif action == "off":
            now["speed" if "speed" in now else "opening"] = 0.0
        elif action == "scale":
            now["speed"] = rated["speed"] * value
        else:  # speed, opening, facility_temperature, facility_flow
            now[action] = value
        self.dirty = True

    # ------------------------------------------------------------------ summary

    def summary(self, sim, state) -> dict:
        """``summary.json``'s ``networks`` section at ``state`` (see docs/case-format.md)."""
        self.update(sim, state)  # the temperatures at this state (no change when settled)
        out = {}
        for net in self.nets:
            netw = self.network(net)
            q = net.flow.q
            t_node, tb_in, tb_out, heat = self.last[net.index]
            idx = {n: i for i, n in enumerate(net.flow.nodes)}
            p = net.flow.pressures
            rho, cp = net.fluid.density, net.fluid.specific_heat
            branches, pumps, hx = {}, {}, {}
            for j, b in enumerate(netw.branches):
                dp = float(p[idx[b.inlet]] - p[idx[b.outlet]])
                row = {"kind": self._kind(net, b.name), "volume_flow_m3_s": float(q[j]),
                       "mass_flow_kg_s": float(rho * q[j]), "pressure_drop_pa": dp,
                       "inlet_temperature_c": _num(tb_in[j]), "outlet_temperature_c": _num(tb_out[j]),
                       "heat_w": _num(heat[j]), "heat_capacity_j_k": float(net.capacity[j])}
                branches[b.name] = row
                if isinstance(b.element, nw.Pump):
                    pumps[b.name] = {"volume_flow_m3_s": float(q[j]), "rise_pa": -dp,
                                     "curve_rise_pa": float(b.element.rise(q[j])),
                                     "speed": float(b.element.speed),
                                     "hydraulic_power_w": float(-dp * q[j])}
                if isinstance(b.element, nw.HeatExchanger):
                    e = b.element
                    c1 = rho * cp * abs(q[j])
                    removed = -row["heat_w"] if row["heat_w"] is not None else None
                    mode = (e.mode(c1, row["inlet_temperature_c"]) if c1 > 0 and
                            row["inlet_temperature_c"] is not None else "off")
                    hx[b.name] = {
                        "heat_w": removed,
                        "supply_temperature_c": row["outlet_temperature_c"],
                        "return_temperature_c": row["inlet_temperature_c"],
                        "facility_inlet_temperature_c": float(e.t_secondary_in),
                        "facility_outlet_temperature_c": float(e.t_secondary_in + removed
                                                               / e.c_secondary)
                        if removed is not None else None,
                        "facility_flow_m3_s": float(net.now[b.name]["facility_flow"]),
                        "approach_k": (row["outlet_temperature_c"] - float(e.t_secondary_in))
                        if row["outlet_temperature_c"] is not None else None,
                        "effectiveness": float(e.effectiveness(c1)[0]) if c1 > 0 else None,
                        "supply_set_point_c": e.t_set, "capacity_w": e.capacity,
                        "control": mode, "at_capacity": mode == "capacity",
                        "at_limit": e.t_set is not None and mode in ("capacity", "exchanger")}
            out[net.data["name"]] = {
                "coolant": net.data["coolant"], "branches": branches, "pumps": pumps,
                "heat_exchangers": hx,
                "hydraulic_power_w": float(sum(x["hydraulic_power_w"] for x in pumps.values())),
                "coolant_heat_capacity_j_k": float(net.capacity.sum()),
                "plates_heat_w": float(sum(_num(heat[net.branches.index(bn)]) or 0.0
                                           for bn in net.plates)),
                "mass_residual": float(net.flow.residual),
                "newton_iterations": int(net.flow.iterations),
                "node_pressures_pa": {n: float(p[i]) for n, i in idx.items()},
                "node_temperatures_c": {n: _num(t_node[i]) for n, i in idx.items()}}
        return out

    def _kind(self, net: _Net, branch: str) -> str:
        base = branch.split(":", 1)[0] if branch not in [b["name"] for b in net.data["branches"]] \
            else branch
        return next(b["kind"] for b in net.data["branches"] if b["name"] == base)

    # resistances and facility materials, set by build()
    plate_resistance: list
    facility: dict


def _num(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def build(sim) -> PlateNetworks | None:
    """The case's networks coupled to ``sim``'s plates (None without networks)."""
    if not sim.case.data.get("networks") or sim.coldplates is None:
        return None
    out = PlateNetworks(sim)
    out.plate_resistance = [p.resistance for p in sim.coldplates.plates]
    out.facility = {(ni, b["name"]): sim.case.material(b["facility_coolant"])
                    for ni, d in enumerate(sim.case.data["networks"]) for b in d["branches"]
                    if b["kind"] == "heat_exchanger"}
    return out
