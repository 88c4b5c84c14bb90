"""A case set up on its grid and driven: ``Simulation(case).run()``.

The host touches the device once per ``solver.steps_per_call`` steps and at the
times the callbacks' schedules name (frames, checkpoints, the case's events);
between them the compiled loop of :mod:`thermo.solver.step` runs on the device.
``steady`` mode marches until the scaled residuals fall below
``solver.tolerance``; ``transient`` mode stops at ``solver.end_time``. Pressure
is kinematic (p / rho, m2/s2).
"""
from __future__ import annotations

import time
from functools import partial
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from thermo.case import Case, CaseError
from thermo.devices import device_for
from thermo.grid.model import FlowModel, build_flow_model
from thermo.grid.thermal import build_thermal_model
from thermo.models import air as airflow
from thermo.models import coldplate, plate_network
from thermo.models.turbulence import closure_for
from thermo.solver.capacity import check_fits
from thermo.solver import sharding
from thermo.solver.callbacks import AtTimes, Callback, EachCall, is_due
from thermo.solver import kepsilon
from thermo.kernels.clock import reached
from thermo.solver.numerics import ACCUMULATE, STORAGE
from thermo.solver.setup import build_params, build_settings
from thermo.solver.state import (CONVERGED, DIVERGED, RUNNING, STATUS, Params, RunInfo,
                                 Settings, State)
from thermo.solver.dual import initial_history
from thermo.solver.steady import damped_history
from thermo.solver.step import cell_velocity_compiled, compiled_advance
from thermo.solver.viscosity import eddy_viscosity

# device calls per monitor window in an implicit steady run (see Simulation.run)
MONITOR_RECORDS = 5


@partial(jax.jit, static_argnums=(3,))
def _eddy_viscosity(u, T, prm, cfg, turb_state):
    return eddy_viscosity(u, T, prm, cfg, turb_state)


__all__ = ["Simulation", "State", "Params", "Settings", "RunInfo", "STATUS", "RUNNING",
           "CONVERGED", "DIVERGED"]


#: part kinds whose models still assume equal cells (none since issue #15's parts work)
GRADED_LATER: tuple[str, ...] = ()
#: turbulence closures that do not run on a graded grid yet (none)
GRADED_TURBULENCE_LATER: tuple[str, ...] = ()


def _refuse_on_graded(case: Case) -> None:
    """CaseError for what does not run on a graded grid yet: the turbulence closures
    in ``GRADED_TURBULENCE_LATER`` and the part kinds in ``GRADED_LATER`` (both empty
    now: servers, fans, CRAHs, porous parts, cold plates and their coolant loops, and
    every closure take the true areas, volumes and distances of a graded grid)."""
    src = case.path.name if case.path else "<dict>"
    d = case.data
    if d["physics"]["turbulence"] in GRADED_TURBULENCE_LATER:
        raise CaseError(src, "physics.turbulence", f"{d['physics']['turbulence']!r} does not run on "
                        "a graded grid yet", "another closure with [grid], or domain.cells "
                        "(a uniform grid)")
    for i, p in enumerate(d["parts"]):
        if p["kind"] in GRADED_LATER:
            raise CaseError(src, f"parts[{i}].kind", f"part {p['name']!r}: a {p['kind']} part does "
                            "not run on a graded grid yet", "solid and fluid parts with [grid], or "
                            "domain.cells (a uniform grid)")


def records_per_call(cfg: Settings, solver: dict) -> int:
    """Steps per device call: ``solver.steps_per_call``, fewer in an implicit run with
    monitors. Each implicit iteration advances dtau_max of pseudo-time (0.13 s on the
    air rack), each implicit time step ``solver.dt``: 200 of them would span 2.6 monitor
    windows of 10 s, one record each, and the monitors could never judge;
    ``MONITOR_RECORDS`` per window instead."""
    per_call = solver["steps_per_call"]
    if cfg.implicit and solver["monitor_window"] > 0:
        step = cfg.dt_fixed if cfg.dual else cfg.dtau_max
        per_call = max(1, min(per_call, int(solver["monitor_window"] / (MONITOR_RECORDS * step))))
    return per_call


class Simulation:
    """A case set up on its grid, ready to run: ``Simulation(case).run()``."""

    def __init__(self, case: Case, model: FlowModel | None = None) -> None:
        d = case.data
        self.case = case
        self.device = device_for(case)  # before anything compiles: an absent backend is refused
        # before anything is built on the grid: too many cells for the device are refused
        check_fits(case, model.geometry.grid if model is not None else case.grid, self.device)
        self.model = m = model or build_flow_model(case)
        self.grid = m.geometry.grid
        # solver.devices > 1: the grid split over a device mesh (None: one device)
        self.mesh = sharding.mesh_for(case, self.grid, self.device)
        if not self.grid.is_uniform:
            _refuse_on_graded(case)
        # "mixed": float32 fields, sums over many cells in float64 (numerics.ACCUMULATE)
        precision = d["solver"]["precision"]
        self.dtype = jnp.dtype(STORAGE[precision]).type
        if (self.dtype == jnp.float64 or ACCUMULATE[precision]) and not jax.config.jax_enable_x64:
            jax.config.update("jax_enable_x64", True)
        self.thermal = build_thermal_model(case, m)
        self.coldplates = coldplate.setup(case, m.geometry)  # None without cold plates
        self.air = airflow.build_air_model(case, m.geometry, m.geometry.fluid)
        self.regions, self.n_regions = m.closed_regions()
        self.closure = closure_for(  # a graded grid: its cell widths per axis
            d["physics"], self.grid.spacing if self.grid.is_uniform
            else tuple(tuple(self.grid.widths(a)) for a in range(3)), m.active) \
            if d["physics"]["turbulence"] != "none" else None
        self._check_events()
        parts = airflow.part_models(self.air) + (
            () if self.coldplates is None else (coldplate.ColdPlates(),))
        self.settings, body, gravity = build_settings(self, parts)
        # committed to the run's device: the compiled step runs where its inputs are
        self.params = self.place(build_params(self, body, gravity))
        # [[networks]]: plate flows and inlet temperatures solved between device calls
        self.networks = plate_network.build(self)
        # servers with their own fans or thermal mass: updated between device calls
        self.equipment = (airflow.ServerEquipment(self)
                          if airflow.ServerEquipment.needed(self.air) else None)
        # CRAHs whose fan speed is controlled: their flows set between device calls
        self.cooling = (airflow.CoolingUnits(self)
                        if airflow.CoolingUnits.needed(self.air) else None)

    def _check_events(self) -> None:
        movable = {t["name"] for t in self.air.throughflow} | {f["name"] for f in self.air.fans}
        for i, ev in enumerate(self.case.data.get("events", [])):
            if ev.get("loop") is not None or ev.get("network") is not None:
                continue  # a coolant loop or network branch (names checked with the case)
            if not any(n == ev["part"] or n.startswith(ev["part"] + "[") for n in movable):
                raise CaseError(self.case.path.name if self.case.path else "<dict>",
                                f"events[{i}].part", f"part {ev['part']!r} has no flow to switch",
                                "a server, fan or crah part (or one of its copies)")

    def place(self, tree):
        """``tree``'s arrays on the run's device, or laid out over its mesh."""
        if self.mesh is None or sharding.spans_processes(self.mesh):
            # several processes: each holds the whole between calls (sharding.sharded)
            return jax.device_put(tree, self.device)
        return sharding.place(tree, self.mesh)

    def initial_state(self, start: dict | None = None) -> State:
        """The state at t = 0: the case's initial velocity and temperature, or the
        fields of ``start`` (``u`` three face arrays, m/s; ``p``, m2/s2; ``T``, C;
        ``turb`` k and epsilon or None: :func:`thermo.solver.mapping.mapped_start`),
        the velocities masked by the solids and fixed flows either way."""
        d = self.case.data
        dt = self.dtype
        u0 = d["fluid"]["initial_velocity"] if start is None else start["u"]
        # on the host (eager device ops would compile per shape)
        parts = {k: jax.tree_util.tree_map(np.asarray, v) for k, v in self.params.parts.items()}
        u = []
        for c in range(3):
            imposed = 0.0
            for model in self.settings.parts:
                imposed = imposed + model.fixed_velocity(parts[model.key], c)
            u.append(jnp.asarray(np.asarray(
                self.model.free[c] * u0[c] + self.model.fixed[c] + imposed, dtype=dt)))
        u = tuple(u)
        zero = jnp.zeros((), dt)
        mapped = start is not None and start["turb"] is not None
        turb = tuple(jnp.asarray(x, dt) for x in (
            start["turb"] if mapped else kepsilon.initial_fields(self))) \
            if self.closure is not None and self.closure.transported else ()
        T = jnp.full(self.grid.cells, d["fluid"]["initial_temperature"], dt) if start is None \
            else jnp.asarray(start["T"], dt)
        return self.place(State(
            u=u, p=jnp.zeros(self.grid.cells, dt) if start is None else jnp.asarray(start["p"], dt),
            T=T,
            tend=tuple(jnp.zeros_like(x) for x in u), dt=zero + 1.0, t=zero, step=jnp.int32(0),
            res_mom=zero + jnp.inf, res_div=zero + jnp.inf, res_energy=zero + jnp.inf,
            p_iters=jnp.int32(0), p_iters_sum=jnp.int32(0), t_iters_sum=jnp.int32(0),
            v_iters_sum=jnp.int32(0), status=jnp.int32(RUNNING), turb=turb,
            history=initial_history(u, T, turb) if self.settings.dual else
            damped_history(u) if self.settings.damping > 0.0 else ()))

    def events_callback(self) -> Callback | None:
        """The case's ``[[events]]`` as a callback at their times (None without)."""
        events = sorted(self.case.data.get("events", []), key=lambda e: e["at"])
        if not events:
            return None
        pending = list(events)

        def fire(state: State, wall: float) -> None:
            t = float(state.t)
            while pending and is_due(pending[0]["at"], t):
                self.apply_event(pending.pop(0))
        return Callback("events", fire, AtTimes(tuple(e["at"] for e in events)))

    def run(self, state: State | None = None, callbacks: Sequence[Callback] = (),
            stop: Callable[[], bool] | None = None) -> tuple[State, RunInfo]:
        """March until converged, finished, diverged, ``solver.max_steps``, or ``stop()``
        is True after a device call (a stop asked for; the status stays "running").

        After every device call the each-call callbacks run in order, with the
        state and the wall seconds since the start; one that returns True stops a
        steady run as converged. Then, unless the run diverged, each timed
        callback (frames, checkpoints, the case's events, added here) whose time
        the call reached. Steps are cut to land exactly on those times.
        """
        s_cfg = self.case.data["solver"]
        end = s_cfg["end_time"] if s_cfg["mode"] == "transient" else float("inf")
        state = self.initial_state() if state is None else state
        callbacks = list(callbacks)
        equipment = self.equipment
        if equipment is not None:
            equipment.start(self, state)
        if self.cooling is not None:
            self.cooling.start(self, state)
        events = self.events_callback()
        if events is not None:
            callbacks.append(events)
            events.func(state, 0.0)  # those at or before the start
        if self.networks is not None:  # the plates' flows and inlet temperatures at the start
            self.networks.update(self, state)
        each = [c for c in callbacks if isinstance(c.schedule, EachCall)]
        timed = [c for c in callbacks if not isinstance(c.schedule, EachCall)]
        advance = compiled_advance(self.settings) if self.mesh is None else \
            sharding.compiled_sharded_advance(self.settings, self.mesh, self.params, state)
        per_call = records_per_call(self.settings, s_cfg)
        t0 = time.perf_counter()
        compile_time = 0.0
        while True:
            t = float(state.t)
            due = [(c, c.schedule.next_time(t)) for c in timed]
            t_stop = min([end] + [x for _, x in due]
                         + ([equipment.next_time(self, t)] if equipment is not None else [])
                         + ([self.cooling.next_time(self, t)] if self.cooling is not None else []))
            last = min(int(state.step) + per_call, s_cfg["max_steps"])
            tc = time.perf_counter()
            state = advance(self.params, state, jnp.int32(last), jnp.asarray(t_stop, self.dtype))
            jax.block_until_ready(state)
            if equipment is not None:  # before events change the parts for the next call
                state = equipment.after_call(self, state, t)
            if self.cooling is not None:
                self.cooling.after_call(self, state, t)
            if compile_time == 0.0:
                compile_time = time.perf_counter() - tc  # first call: compile + first chunk
            wall = time.perf_counter() - t0
            settled = any([c.func(state, wall) is True for c in each])
            if settled and int(state.status) == RUNNING:
                # a monitor judged a steady run settled (monitored values flat)
                state = state._replace(status=jnp.int32(CONVERGED))
            if int(state.status) != DIVERGED:
                for c, x in due:
                    if reached(float(state.t), x):
                        c.func(state, wall)
                if self.networks is not None:  # after the events: their flows for the next call
                    moved = self.networks.update(self, state)
                    if moved > plate_network.SETTLED_K and int(state.status) == CONVERGED:
                        state = state._replace(status=jnp.int32(RUNNING))  # not settled yet
            # a steady run is not converged while server flows or a controlled CRAH's speed
            # move; one its monitors settled has judged their window means instead
            if int(state.status) == CONVERGED and not settled and any(
                    x is not None and x.holds() for x in (equipment, self.cooling)):
                state = state._replace(status=jnp.int32(RUNNING))
            if int(state.status) != RUNNING or int(state.step) >= s_cfg["max_steps"] \
                    or (stop is not None and stop()):
                break
        wall = time.perf_counter() - t0
        steps = max(int(state.step), 1)
        info = RunInfo(
            status=STATUS[int(state.status)], steps=int(state.step), simulated_time=float(state.t),
            wall_time=wall, compile_time=compile_time,
            pressure_iterations=float(state.p_iters_sum) / steps,
            energy_iterations=float(state.t_iters_sum) / steps,
            viscous_iterations=float(state.v_iters_sum) / steps,
            res_mom=float(state.res_mom), res_div=float(state.res_div),
            res_energy=float(state.res_energy))
        return state, info

    def apply_event(self, event: dict) -> None:
        """Switch a part off or on, or scale its flow (an [[events]] entry): new
        parameter values for the same compiled step. A server switched off stops
        its heat as well as its air; ``scale`` changes a throughflow part's flow,
        or a curve fan's speed (fan laws). An event with ``loop`` sets that coolant
        loop's flow to 0 (off), its case value (on) or ``value`` times it (scale),
        through :func:`thermo.models.coldplate.set_loop_flow`."""
        if event.get("network") is not None:  # re-solved before the next device call
            self.networks.apply_event(event)
            return
        factor = {"off": 0.0, "on": 1.0}.get(event["action"], event.get("value"))
        if event.get("loop") is not None:
            coldplate.set_loop_flow(self, event["loop"], factor)
            return
        air = self.params.parts["air"]
        for k, t in enumerate(self.air.throughflow):
            if t["name"] == event["part"] or t["name"].startswith(event["part"] + "["):
                flow = air.tf_flow.at[k].set(t["flow"] * factor)
                power = air.tf_power
                if event["action"] in ("off", "on") and t["kind"] == "server":
                    power = power.at[k].set(t["power"] * factor)
                air = air._replace(tf_flow=flow, tf_power=power)
        for k, f in enumerate(self.air.fans):
            if f["name"] == event["part"] or f["name"].startswith(event["part"] + "["):
                air = air._replace(fan_speed=air.fan_speed.at[k].set(factor))
        self.params = self.params._replace(parts={**self.params.parts, "air": air})
        if self.equipment is not None:  # servers' own fans: their speed; flow re-solved
            for k, t in enumerate(self.air.throughflow):
                if t["name"] == event["part"] or t["name"].startswith(event["part"] + "["):
                    self.equipment.event(self, k, event["action"], factor)
        if self.cooling is not None:  # controlled CRAHs: off, on, or a speed cap
            for k, t in enumerate(self.air.throughflow):
                if t["name"] == event["part"] or t["name"].startswith(event["part"] + "["):
                    self.cooling.event(self, k, event["action"], factor)

    def cell_fields(self, state: State) -> dict[str, np.ndarray]:
        """Cell-centred NumPy fields: T (C), U (m/s, 3 comps), p (m2/s2), material (id);
        with a turbulence model nu_t (m2/s, zero in solids), with k-epsilon k (m2/s2) and
        epsilon (m2/s3)."""
        out = {
            "T": np.asarray(state.T),
            "U": np.asarray(cell_velocity_compiled(state.u)),
            "p": np.asarray(state.p),
            "material": self.model.geometry.material_id.astype(np.int32),
        }
        if self.settings.turbulence is not None:
            out["nu_t"] = np.asarray(_eddy_viscosity(state.u, state.T, self.params,
                                                     self.settings, state.turb))
        if state.turb:
            out["k"], out["epsilon"] = (np.asarray(x) for x in state.turb)
        return out
