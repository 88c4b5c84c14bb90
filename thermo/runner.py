"""Run a case end to end: set up, march, write ``result.vtkhdf`` and ``summary.json``."""
from __future__ import annotations

import json
import pathlib
import sys
import uuid
from functools import partial

import jax
import numpy as np

from thermo.kernels.energy import van_leer_faces
from thermo.kernels.stencils import pad, shift

from thermo.models import air as airflow

from thermo.models import coldplate
from thermo.grid.boundaries import FACES
from thermo.case import Case, CaseError
from thermo.models.liquid import coolant_flow
from thermo.io.checkpoint import (CHECKPOINT_NAME, discard_frames, load_checkpoint, load_checkpoint_extras,
                         load_frames, save_checkpoint, save_frame)
from thermo.io.result import RESULT_NAME, read_result, write_result, write_summary
from thermo.diagnostics.progress import make_reporter
from thermo.devices import describe
from thermo.solver.simulation import Simulation, State

SUMMARY_NAME = "summary.json"


class DivergenceError(RuntimeError):
    """The run blew up; the message says where and what to change."""


def summarise(sim: Simulation, state: State, info) -> dict:
    """The contract's ``summary.json`` numbers for a finished run."""
    d = sim.case.data
    grid = sim.grid
    fields = sim.cell_fields(state)
    T, U = fields["T"], fields["U"]
    geo = sim.model.geometry
    fluid = geo.fluid
    bounds = {}
    fc = sim.model.faces
    th = sim.thermal
    heat = boundary_heat(sim, state)
    rho = _cell_density(sim)
    for i, b in enumerate(d["boundaries"]):
        a, side = FACES[b["face"]]
        n = grid.cells[a]
        un = np.asarray(shift(state.u[a], a, 0 if side == 0 else n, 1)).squeeze(a)
        tn = np.take(T, 0 if side == 0 else n - 1, axis=a)
        owned = fc.owner[(a, side)] == i
        area = np.prod([grid.spacing[t] for t in range(3) if t != a])
        inflow = (1.0 if side == 0 else -1.0) * un
        fixed = th.conductance[a].take([0 if side == 0 else n], axis=a).squeeze(a) > 0
        face_t = np.where(fixed, th.boundary_value[a][side].squeeze(a), tn)
        bounds[b["name"]] = {
            "heat_w": float(heat[(a, side)][owned].sum()) if owned.any() else 0.0,
            "mass_flow_kg_s": float(np.sum((np.take(rho, 0 if side == 0 else n - 1, axis=a)
                                            * inflow)[owned]) * area),
            "mean_temperature_c": float(face_t[owned].mean()) if owned.any() else float("nan"),
        }
    sources = float(th.power.sum() * grid.cell_volume)
    default_heat = sum(float(heat[k][fc.owner[k] < 0].sum()) for k in heat)
    terms = [v["heat_w"] for v in bounds.values()] + [sources, default_heat]
    air = airflow.summary(sim, state)  # {} without servers, fans or CRAHs
    if air:
        # servers' heat reaches the air through their exhaust, CRAHs take it out
        terms += air.pop("heat_terms_w")
        sources += sum(t["power"] for t in sim.air.throughflow if t["kind"] == "server")
    liquid = coldplate.summary(sim, state, air_w=sources - sum(terms))  # {} without cold plates
    terms += [-liquid["liquid"]["heat_w"]] if liquid else []  # the coolant's heat leaves the domain
    scale = max(max(abs(x) for x in terms), 1e-300)
    imbalance = abs(sum(terms)) / scale
    parts = {}
    for i, inst in enumerate(geo.instances):
        m = geo.owner == i
        parts[inst["name"]] = {
            "power_w": inst["power"],
            "material": inst["material"],
            "cells": int(m.sum()),
            "volume_m3": float(m.sum() * grid.cell_volume),
            "max_temperature_c": float(T[m].max()) if m.any() else float("nan"),
            "mean_temperature_c": float(T[m].mean()) if m.any() else float("nan"),
        }
    speed = np.linalg.norm(U, axis=-1)
    return {
        "case": sim.case.name,
        "converged": info.status in ("converged", "finished"),
        "status": info.status,
        "steps": info.steps,
        "simulated_time_s": info.simulated_time,
        "wall_time_s": info.wall_time,
        "compile_time_s": info.compile_time,
        "cells": grid.ncells,
        "backend": sim.device.platform,  # the platform the run used (solver.backend)
        "device": describe(sim.device),
        "precision": d["solver"]["precision"],
        "heat_sources_w": sources,
        "energy_imbalance": imbalance if sim.settings.energy else 0.0,
        # W: what the fields store per second now (sources + boundary heat), and the
        # largest term, the balance's scale
        "net_heat_w": float(sum(terms)) if sim.settings.energy else 0.0,
        "largest_heat_term_w": float(scale) if sim.settings.energy else 0.0,
        "residuals": {"momentum": info.res_mom, "continuity": info.res_div,
                      "energy": info.res_energy},
        "pressure_iterations_per_step": info.pressure_iterations,
        "energy_iterations_per_step": info.energy_iterations,
        "viscous_iterations_per_step": info.viscous_iterations,
        "boundaries": bounds,
        "parts": parts,
        "fluid": {
            "max_temperature_c": float(T[fluid].max()) if fluid.any() else float("nan"),
            "min_temperature_c": float(T[fluid].min()) if fluid.any() else float("nan"),
            "max_speed_m_s": float(speed[fluid].max()) if fluid.any() else 0.0,
        },
    } | liquid | air | coolant_flow(sim, state)  # {} without an inlet


def _cell_density(sim: Simulation) -> np.ndarray:
    """Density (kg/m3) of each cell's fluid: a fluid part's own material, the case's
    fluid elsewhere (solids included: no flow crosses their faces)."""
    geo = sim.model.geometry
    mats = [sim.case.fluid] + [sim.case.material(n) for n in geo.materials[1:]]
    rho = np.array([m.density for m in mats])[geo.material_id]
    return np.where(geo.fluid, rho, sim.case.fluid.density)


@partial(jax.jit, static_argnums=3)
def _boundary_face_values(T, u_a, ghosts, a: int):
    # one compiled call: op by op, each operation would compile for every new grid
    return van_leer_faces(pad(T, a, *ghosts, normal=False, periodic=False), u_a, a)


def boundary_heat(sim: Simulation, state: State) -> dict:
    """Heat flow (W) into the domain through each boundary face cell, keyed by
    ``(axis, side)``: conduction through fixed-temperature and convective faces,
    imposed fluxes, and advection (rho cp u T, T in C) through open faces."""
    grid, th, cfg = sim.grid, sim.thermal, sim.settings
    T = np.asarray(state.T)
    # rho cp of the fluid that crosses each boundary face: the boundary cell's own
    capacity = np.where(sim.model.geometry.fluid, th.capacity, th.fluid_capacity)
    out = {}
    for a in range(3):
        if cfg.periodic[a]:
            for side in (0, 1):
                out[(a, side)] = np.zeros(np.take(T, 0, axis=a).shape)
            continue
        n, h = grid.cells[a], grid.spacing[a]
        area = np.prod([grid.spacing[t] for t in range(3) if t != a])
        ghosts = tuple(tuple(np.asarray(x) for x in g) for g in th.ghosts[a])
        faces_t = np.asarray(_boundary_face_values(state.T, state.u[a], ghosts, a))
        u = np.asarray(state.u[a])
        for side in (0, 1):
            idx = 0 if side == 0 else n
            cell = np.take(T, 0 if side == 0 else n - 1, axis=a)
            coef = th.conductance[a].take([idx], axis=a).squeeze(a)
            value = th.boundary_value[a][side].squeeze(a)
            flux = th.boundary_flux[a][side].squeeze(a)
            sign = 1.0 if side == 0 else -1.0
            conduction = coef * 2.0 * (value - cell) / h + flux
            rho_cp = np.take(capacity, 0 if side == 0 else n - 1, axis=a)
            advection = sign * rho_cp * np.take(u, idx, axis=a) * np.take(faces_t, idx, axis=a)
            out[(a, side)] = (conduction + advection) * area
    return out


class SteadyMonitor:
    """Convergence by monitors for steady runs whose flow never stops moving (jets,
    plumes): a statistically steady state. After each device call it records the
    heat balance and the monitored temperatures (server inlets, cooling-unit
    returns, part maxima, the hottest fluid). Settled when the mean of every
    monitor over the last ``solver.monitor_window`` seconds differs from its mean
    over the window before by at most ``solver.monitor_tolerance`` K, and the mean
    net heat over the last window is below 1e-3 of the largest heat term. Off when
    the window is 0 or the run is transient."""

    def __init__(self, sim: Simulation) -> None:
        s = sim.case.data["solver"]
        self.sim = sim
        self.window, self.tol = s["monitor_window"], s["monitor_tolerance"]
        self.on = s["mode"] == "steady" and self.window > 0 and sim.settings.energy
        self.records: list[tuple[float, float, float, dict]] = []
        self.result: dict = {}
        self.settled = False

    @staticmethod
    def _monitors(s: dict) -> dict[str, float]:
        vals = {f"{k} inlet max": v["inlet_max_c"] for k, v in s.get("servers", {}).items()}
        vals.update({f"{k} return": v["return_c"] for k, v in s.get("cooling_units", {}).items()
                     if v["return_c"] is not None})
        vals.update({f"{k} max": v["max_temperature_c"] for k, v in s["parts"].items()
                     if np.isfinite(v["max_temperature_c"])})
        vals["fluid max"] = s["fluid"]["max_temperature_c"]
        return vals

    def __call__(self, state: State) -> bool:
        if not self.on:
            return False
        from types import SimpleNamespace

        info = SimpleNamespace(status="running", steps=int(state.step), simulated_time=float(state.t),
                               wall_time=0.0, compile_time=0.0, res_mom=0.0, res_div=0.0,
                               res_energy=0.0, pressure_iterations=0.0, energy_iterations=0.0,
                               viscous_iterations=0.0)
        s = summarise(self.sim, state, info)
        t = float(state.t)
        self.records.append((t, s["net_heat_w"], s["largest_heat_term_w"], self._monitors(s)))
        if self.records[0][0] > t - 2.0 * self.window:
            return False
        last = [r for r in self.records if r[0] > t - self.window]
        before = [r for r in self.records if t - 2.0 * self.window < r[0] <= t - self.window]
        if len(last) < 3 or len(before) < 3:
            return False
        names = list(last[-1][3])
        mean = lambda rs, k: float(np.mean([r[3][k] for r in rs]))
        means = {k: mean(last, k) for k in names}
        change = max(abs(means[k] - mean(before, k)) for k in names)
        net = float(np.mean([r[1] for r in last]))
        scale = float(np.max([r[2] for r in last]))
        self.settled = change <= self.tol and abs(net) <= 1e-3 * scale
        self.result = {"monitors": {
            "window_s": self.window, "records": len(last), "change_k": change,
            "tolerance_k": self.tol, "means_c": means,
            "spread_k": float(max(np.ptp([r[3][k] for r in last]) for k in names)),
            "net_heat_mean_w": net, "energy_imbalance_mean": abs(net) / max(scale, 1e-300)}}
        return self.settled

    def export(self) -> dict:
        """The records so far, for a checkpoint: times, net heat and largest heat term
        as arrays, the monitored temperatures as JSON (one object per record)."""
        return {"time_s": np.asarray([r[0] for r in self.records], dtype=np.float64),
                "net_heat_w": np.asarray([r[1] for r in self.records], dtype=np.float64),
                "largest_heat_term_w": np.asarray([r[2] for r in self.records], dtype=np.float64),
                "monitors_json": json.dumps([r[3] for r in self.records])}

    def restore(self, records: dict) -> None:
        """Continue from :meth:`export`'s records (a run resumed from a checkpoint)."""
        values = json.loads(records["monitors_json"])
        self.records = [(float(t), float(n), float(s), {k: float(x) for k, x in v.items()})
                        for t, n, s, v in zip(records["time_s"], records["net_heat_w"],
                                              records["largest_heat_term_w"], values)]

    def summary(self, summary: dict) -> dict:
        """The ``monitors`` section; a run settled by monitors reports the window-mean
        energy imbalance as ``energy_imbalance`` (the value at the last instant, which
        includes the heat the moving flow stores and gives back, as
        ``energy_imbalance_instantaneous``)."""
        out = dict(self.result)
        if self.settled:
            out["convergence"] = "monitors"
            out["energy_imbalance_instantaneous"] = summary["energy_imbalance"]
            out["energy_imbalance"] = self.result["monitors"]["energy_imbalance_mean"]
        elif summary.get("status") == "converged":
            out["convergence"] = "residuals"
        return out


def _divergence_message(sim: Simulation, state: State, info) -> str:
    """Where and what blew up, from the last good state and the bad residuals."""
    if not np.isfinite(info.res_energy):
        field, values = "temperature T", np.abs(np.asarray(state.T) - sim.settings.t_ref)
    elif not np.isfinite(info.res_mom):
        field, values = "velocity U", np.linalg.norm(sim.cell_fields(state)["U"], axis=-1)
    else:
        field, values = "pressure p (continuity)", np.abs(np.asarray(state.p))
    cell = np.unravel_index(int(np.argmax(values)), values.shape)
    where = tuple(float(sim.grid.centers(a)[cell[a]]) for a in range(3))
    cfl = sim.case.data["solver"]["cfl"]
    return (f"the run blew up at step {info.steps + 1} (t = {info.simulated_time:.6g} s): the "
            f"{field} became non-finite; the last good state peaks at cell {tuple(int(c) for c in cell)} "
            f"(x, y, z = {where[0]:.4g}, {where[1]:.4g}, {where[2]:.4g} m). The last good state is "
            f"kept as a checkpoint. Try a lower solver.cfl (now {cfl}), a smaller fixed solver.dt, "
            f"or a finer domain.cells")


def _resumed_frames(outdir: pathlib.Path, extras: dict, run_id: str) -> list:
    """The frames a resumed run had recorded up to its checkpoint: from the files kept
    next to the checkpoint, else from a result file the same run wrote (a finished
    run resumed again); [] with a warning when they are gone."""
    count = extras["frames"]
    if not count or extras["run_id"] is None:
        return []
    frames = load_frames(outdir, run_id, count)
    if frames is None and (outdir / RESULT_NAME).is_file():
        r = read_result(outdir / RESULT_NAME)
        if r["attrs"].get("run_id") == run_id and len(r["frames"]) >= count:
            frames = r["frames"][:count]
    if frames is None:
        print(f"warning: the {count} frames recorded before the checkpoint are missing: the "
              f"result holds the frames after t = {extras['time_s']:g} s", file=sys.stderr)
        return []
    return frames


def run_case(case: Case, outdir: str | pathlib.Path, *, quiet: bool = False,
             resume: bool = False, log_json: bool = False) -> dict:
    """Set up, run and write ``OUTDIR/result.vtkhdf`` and ``OUTDIR/summary.json``.

    The grid-level checks run before the output folder is created, so a refused
    case leaves nothing behind. ``solver.checkpoint_every`` writes
    ``OUTDIR/checkpoint.h5`` atomically; ``resume`` continues from it (the case
    must be the one that wrote it). Transient frames every ``output.every``
    seconds go into ``result.vtkhdf``; a run that checkpoints also keeps each frame
    on disk as it is recorded (``OUTDIR/frames.partial``, removed once the result
    holds them), and each checkpoint holds the monitors' records, so that a resumed
    run's result and summary hold every frame and record from t = 0 (inlet and chip
    histories, crossing times, steady-state monitors). A run that blows up keeps its
    last good state as the checkpoint and raises :class:`DivergenceError`.
    """
    sim = Simulation(case)
    for w in sim.model.geometry.warnings:
        print(f"warning: {w}", file=sys.stderr)
    outdir = pathlib.Path(outdir)
    state = None
    extras = None
    if resume:
        ck = outdir / CHECKPOINT_NAME
        if not ck.exists():
            raise CaseError(str(outdir), "--resume", f"no {CHECKPOINT_NAME} in {outdir}",
                            "a folder written by a run with solver.checkpoint_every > 0")
        try:
            state, text = load_checkpoint(ck, sim.initial_state())
        except ValueError as exc:
            raise CaseError(str(ck), "--resume", str(exc), "the checkpoint of this case") from None
        if text != case.text:
            raise CaseError(str(ck), "--resume", "the case differs from the one that wrote the "
                            "checkpoint", "the same case file and --set overrides")
        extras = load_checkpoint_extras(ck)
    outdir.mkdir(parents=True, exist_ok=True)
    keep = set(case.data["output"]["fields"]) | {"material"}
    # transient frames: kept on disk as they are recorded when the run checkpoints,
    # so that a resumed run's result holds every frame from t = 0
    run_id = (extras or {}).get("run_id") or uuid.uuid4().hex
    on_disk = case.data["solver"]["checkpoint_every"] > 0
    frames: list = []
    saved = [0]  # frames kept on disk so far

    monitor = airflow.InletMonitor(sim)  # server inlet temperatures at each device call
    chips = coldplate.ChipMonitor(sim)  # chip maxima at each device call (chip_limit_c)
    settle = SteadyMonitor(sim)  # monitor-based convergence of steady runs
    watched = {"inlets": monitor, "chips": chips, "steady": settle}
    if extras is not None:
        frames = _resumed_frames(outdir, extras, run_id)
        saved[0] = len(frames)
        for name, records in extras["records"].items():
            if name in watched:
                watched[name].restore(records)
        if extras["run_id"] is None:
            print("warning: the checkpoint was written by an earlier version, which kept neither "
                  "the frames nor the monitors' records before it: the result holds those after "
                  f"t = {extras['time_s']:g} s", file=sys.stderr)
        discard_frames(outdir, keep=run_id)  # of other runs: no checkpoint refers to them now

    def keep_frames() -> None:
        for index in range(saved[0], len(frames)):
            save_frame(outdir, run_id, index, frames[index][0], frames[index][1], sim.grid)
        saved[0] = len(frames)

    def checkpoint(state: State) -> None:
        keep_frames()
        save_checkpoint(outdir / CHECKPOINT_NAME, state, case.text, run_id=run_id, frames=len(frames),
                        records={k: m.export() for k, m in watched.items() if m.on})
        discard_frames(outdir, keep=run_id)  # another run's checkpoint may just have been replaced

    def events(state: State, which: set) -> None:
        if "frame" in which:
            fields = sim.cell_fields(state)
            frames.append((float(state.t), {k: v for k, v in fields.items()
                                            if k in keep and k != "material"}))
            if on_disk:
                keep_frames()
        if "checkpoint" in which:
            checkpoint(state)

    monitor(state if state is not None else sim.initial_state())
    chips(state if state is not None else sim.initial_state())
    # a live display on a terminal, plain lines in logs, JSON lines with log_json
    reporter = make_reporter(sim, quiet=quiet, log_json=log_json, settle=settle)

    def progress(state: State, wall: float) -> bool:
        monitor(state)
        chips(state)
        settled = settle(state)
        if reporter is not None:
            reporter(state, wall)
        return settled
    try:
        state, info = sim.run(state, progress=progress, events=events)
    finally:
        if reporter is not None:
            reporter.stop()
    if info.status == "diverged":
        checkpoint(state)
        raise DivergenceError(_divergence_message(sim, state, info))
    fields = sim.cell_fields(state)
    write_result(outdir / RESULT_NAME, sim.grid, {k: v for k, v in fields.items() if k in keep},
                 case_text=case.text,
                 attrs={"steps": info.steps, "simulated_time_s": info.simulated_time,
                        "status": info.status, "run_id": run_id},
                 frames=frames or None)
    discard_frames(outdir, run=run_id)  # the result holds them now
    summary = summarise(sim, state, info)
    summary.update(monitor.summary())
    summary.update(settle.summary(summary))
    summary.update(chips.summary())  # crossings, chip_history: transient runs with chip limits
    write_summary(outdir / SUMMARY_NAME, summary)
    return summary
