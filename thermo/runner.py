"""Run a case end to end: set up, march, write ``result.vtkhdf`` and ``summary.json``.

:func:`run_case` is wiring: it builds the recorders, the steady-state monitor, the
progress display and the frame and checkpoint writers as callbacks of the
:class:`~thermo.solver.Simulation`, runs it and writes the results.
"""
from __future__ import annotations

import atexit
import pathlib
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid

import jax
import numpy as np

from thermo.case import Case, CaseError
from thermo.case.loading import case_from_text, differing_keys
from thermo.diagnostics.air import inlet_recorder
from thermo.diagnostics.coldplates import chip_recorder
from thermo.diagnostics.history import ResidualHistory
from thermo.diagnostics.progress import make_reporter
from thermo.diagnostics.steady import SteadyMonitor
from thermo.diagnostics.summary import summarise
from thermo.io.checkpoint import (CHECKPOINT_NAME, checkpoint_case_text, discard_frames,
                                  load_checkpoint, load_checkpoint_extras, load_frames,
                                  save_checkpoint, save_frame)
from thermo.io.result import RESULT_NAME, read_result, write_result, write_summary
from thermo.solver import Simulation, State
from thermo.solver.state import RUNNING
from thermo.solver.callbacks import Callback, Every
from thermo.solver.distributed import is_primary
from thermo.solver.initial import solve_initial
from thermo.solver.mapping import extent_note, mapped_start, read_source

SUMMARY_NAME = "summary.json"
CONTROL_RECORDS = "cooling_control"  # checkpoint records of the controlled CRAHs' laws


class DivergenceError(RuntimeError):
    """The run blew up; the message says where and what to change."""


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
    solver = sim.case.data["solver"]
    if sim.settings.dual:
        what, advice = (f"time step {info.steps + 1} (t = {info.simulated_time:.6g} s) of the "
                        "implicit transient scheme",
                        f"Try a smaller solver.dt (now {solver['dt']:g} s), a lower "
                        f"solver.pseudo_cfl (now {solver['pseudo_cfl']}), more "
                        f"solver.outer_iterations (now {solver['outer_iterations']}), or "
                        f"solver.scheme = \"march\"")
    elif sim.settings.implicit:
        what, advice = (f"iteration {info.steps + 1} of the implicit steady scheme",
                        f"Try a lower solver.pseudo_cfl (now {solver['pseudo_cfl']}), tighter "
                        f"solver.viscous_tolerance and solver.energy_tolerance (now "
                        f"{solver['viscous_tolerance']:g}, {solver['energy_tolerance']:g}), "
                        f"solver.scheme = \"march\", or a finer grid")
    else:
        what, advice = (f"step {info.steps + 1} (t = {info.simulated_time:.6g} s)",
                        f"Try a lower solver.cfl (now {solver['cfl']}), a smaller fixed solver.dt, "
                        f"or a finer domain.cells")
    return (f"the run blew up at {what}: the "
            f"{field} became non-finite; the last good state peaks at cell {tuple(int(c) for c in cell)} "
            f"(x, y, z = {where[0]:.4g}, {where[1]:.4g}, {where[2]:.4g} m). The last good state is "
            f"kept as a checkpoint. {advice}")


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


#: the keys a resumed run may change: when it stops (run on, or stop now and write the
#: results as they stand) and how often it checkpoints; nothing the state depends on
RESUMABLE_KEYS = ("case.description", "solver.max_steps", "solver.tolerance", "solver.end_time",
                  "solver.monitor_tolerance", "solver.average_tolerance", "solver.checkpoint_every")


def _check_resumable(ck: pathlib.Path, case: Case) -> None:
    """Refuse (CaseError) a resume whose case differs from the checkpoint's other than in
    :data:`RESUMABLE_KEYS`, naming the keys that differ."""
    text = checkpoint_case_text(ck)
    if text == case.text:
        return
    try:
        old = case_from_text(text, str(ck))
    except CaseError:  # a case this version no longer accepts: only the same text resumes
        changed = ["(the stored case no longer loads)"]
    else:
        changed = [k for k in differing_keys(old.data, case.data) if k not in RESUMABLE_KEYS]
    if changed:
        raise CaseError(str(ck), "--resume", "the case differs from the one that wrote the "
                        f"checkpoint in {', '.join(changed[:6])}"
                        + (f" and {len(changed) - 6} more" if len(changed) > 6 else ""),
                        "the same case file and --set overrides, except in "
                        + ", ".join(RESUMABLE_KEYS))


def _map_source(case: Case, map_from, resume: bool):
    """The fields ``--map-from`` names, read (None without); refused with ``--resume``
    and with ``solver.initial = "steady"`` (each a start of its own)."""
    if map_from is None:
        return None
    if resume:
        raise CaseError(str(map_from), "--map-from", "a resumed run starts from its checkpoint",
                        "--map-from or --resume, not both")
    if case.data["solver"]["initial"] == "steady":
        raise CaseError(case.path.name if case.path else case.name, "solver.initial",
                        "\"steady\" solves its own start; --map-from gives another",
                        "solver.initial = \"case\" (the default) with --map-from")
    return read_source(map_from)


class StopOnSignal:
    """While entered (main thread of a single process only): the first SIGINT (Ctrl-C)
    or SIGTERM asks the run to stop after its current device call, and restores the
    handlers before it, so that a second signal aborts as usual. Called, says whether
    a stop was asked for; ``signal`` names the signal (None otherwise)."""

    NAMES = ("SIGINT", "SIGTERM")

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and threading.current_thread() is threading.main_thread()
        self.signal: str | None = None
        self._before: dict = {}

    def __enter__(self) -> "StopOnSignal":
        if self.enabled:
            for name in self.NAMES:
                num = getattr(signal, name)
                self._before[num] = signal.signal(num, self._asked)
        return self

    def _asked(self, num, frame) -> None:
        self.signal = signal.Signals(num).name
        self._restore()
        print(f"\n{self.signal}: stopping after this device call and writing the results "
              "(send it again to abort)", file=sys.stderr, flush=True)

    def _restore(self) -> None:
        for num, handler in self._before.items():
            signal.signal(num, handler)
        self._before = {}

    def __exit__(self, *exc) -> None:
        self._restore()

    def __call__(self) -> bool:
        return self.signal is not None


def run_case(case: Case, outdir: str | pathlib.Path, *, quiet: bool = False,
             resume: bool = False, log_json: bool = False,
             map_from: str | pathlib.Path | None = None, stop_on_signal: bool = False) -> dict:
    """Set up, run and write ``OUTDIR/result.vtkhdf`` and ``OUTDIR/summary.json``.

    The grid-level checks run before the output folder is created, so a refused
    case leaves nothing behind. ``solver.checkpoint_every`` writes
    ``OUTDIR/checkpoint.h5`` atomically; ``resume`` continues from it (the case
    must be the one that wrote it but for :data:`RESUMABLE_KEYS`: a later stop runs on,
    one already passed wraps the run up at once). Transient frames every ``output.every``
    seconds go into ``result.vtkhdf``; a run that checkpoints also keeps each frame
    on disk as it is recorded (``OUTDIR/frames.partial``, removed once the result
    holds them), and each checkpoint holds the monitors' records, so that a resumed
    run's result and summary hold every frame and record from t = 0 (inlet and chip
    histories, crossing times, steady-state monitors). A run that blows up keeps its
    last good state as the checkpoint and raises :class:`DivergenceError`.
    ``stop_on_signal`` (``thermo run``): a SIGINT or SIGTERM stops the run after its
    current device call and it is wrapped up as at ``solver.max_steps`` (the result,
    the summary with ``stopped_by``, and the checkpoint where the run writes them).
    """
    source = _map_source(case, map_from, resume)  # refused before the grid is built
    sim = Simulation(case)
    for w in sim.model.geometry.warnings:
        print(f"warning: {w}", file=sys.stderr)
    outdir = pathlib.Path(outdir)
    state = None
    extras = None
    if source is not None:
        note = extent_note(source, sim.grid)
        if note is not None:
            print(f"warning: {note}", file=sys.stderr)
        state = sim.initial_state(mapped_start(
            source, sim.grid, sim.closure is not None and sim.closure.transported > 0))
    if resume:
        ck = outdir / CHECKPOINT_NAME
        if not ck.exists():
            raise CaseError(str(outdir), "--resume", f"no {CHECKPOINT_NAME} in {outdir}",
                            "a folder written by a run with solver.checkpoint_every > 0")
        # the case first: another grid would otherwise fail on the arrays' shapes
        _check_resumable(ck, case)
        try:
            state, _ = load_checkpoint(ck, sim.initial_state())
        except ValueError as exc:
            raise CaseError(str(ck), "--resume", str(exc), "the checkpoint of this case") from None
        extras = load_checkpoint_extras(ck)
        # a finished or settled run resumed with a later stop goes on: the stop is judged again
        state = state._replace(status=np.zeros_like(state.status) + RUNNING)
    if not is_primary():  # several processes: process 0 writes (thermo/solver/distributed.py)
        quiet, log_json = True, False
        outdir = pathlib.Path(tempfile.mkdtemp(prefix="thermo-process-"))
        atexit.register(shutil.rmtree, outdir, True)
    outdir.mkdir(parents=True, exist_ok=True)
    keep = set(case.data["output"]["fields"]) | {"material"}
    run_id = (extras or {}).get("run_id") or uuid.uuid4().hex
    # recorders and the steady-state monitor: their records go into each checkpoint
    watched = {"inlets": inlet_recorder(sim), "chips": chip_recorder(sim),
               "steady": SteadyMonitor(sim), "residuals": ResidualHistory()}
    frames = FrameWriter(sim, outdir, run_id, keep,
                         on_disk=case.data["solver"]["checkpoint_every"] > 0)
    if extras is not None:
        frames.frames = _resumed_frames(outdir, extras, run_id)
        frames.saved = len(frames.frames)
        for name, records in extras["records"].items():
            if name in watched:
                watched[name].restore(records)
        if sim.cooling is not None and CONTROL_RECORDS in extras["records"]:
            sim.cooling.restore(sim, extras["records"][CONTROL_RECORDS])
        if extras["run_id"] is None:
            print("warning: the checkpoint was written by an earlier version, which kept neither "
                  "the frames nor the monitors' records before it: the result holds those after "
                  f"t = {extras['time_s']:g} s", file=sys.stderr)
        discard_frames(outdir, keep=run_id)  # of other runs: no checkpoint refers to them now

    # the wall seconds earlier segments spent up to the checkpoint this run resumes from
    earlier = ((extras or {}).get("wall_s") or 0.0)
    t_run = time.perf_counter()

    def checkpoint(state: State, wall: float | None = None) -> None:
        frames.keep_on_disk()
        records = {k: m.export() for k, m in watched.items() if m.on}
        if sim.cooling is not None:  # the CRAHs' control laws go on where they were
            records[CONTROL_RECORDS] = sim.cooling.export()
        spent = earlier + (wall if wall is not None else time.perf_counter() - t_run)
        save_checkpoint(outdir / CHECKPOINT_NAME, state, case.text, run_id=run_id,
                        frames=len(frames.frames), records=records, wall_s=spent)
        discard_frames(outdir, keep=run_id)  # another run's checkpoint may just have been replaced

    initial = None if source is None else {
        "from": "mapped", "source": str(source.path), "cells": list(source.grid.cells)}
    if state is None and case.data["solver"]["initial"] == "steady":
        # the steady state at t = 0 first (a resumed run's checkpoint holds its start)
        if not quiet and not log_json:
            print("solver.initial = \"steady\": solving the case steady (implicit scheme, no "
                  "events) for the start", file=sys.stderr)
        state, _, initial = solve_initial(sim, reporter=lambda pre: make_reporter(
            pre, quiet=quiet, log_json=log_json))
    start = state if state is not None else sim.initial_state()
    watched["inlets"](start)
    watched["chips"](start)
    # a live display on a terminal, plain lines in logs, JSON lines with log_json
    reporter = make_reporter(sim, quiet=quiet, log_json=log_json, settle=watched["steady"])
    callbacks = [Callback(name, m) for name, m in watched.items()]
    if reporter is not None:
        callbacks.append(Callback("progress", reporter))
    s_cfg, every = case.data["solver"], case.data["output"]["every"]
    if every > 0:
        callbacks.append(Callback("frames", frames, Every(every)))
    if s_cfg["checkpoint_every"] > 0:
        callbacks.append(Callback("checkpoint", checkpoint, Every(s_cfg["checkpoint_every"])))
    # a signal to one of several processes would leave the others waiting in a collective
    with StopOnSignal(stop_on_signal and jax.process_count() == 1) as stopper:
        try:
            state, info = sim.run(state, callbacks, stop=stopper)
        finally:
            if reporter is not None:
                reporter.stop()
        if info.status == "diverged":
            checkpoint(state)
            raise DivergenceError(_divergence_message(sim, state, info))
        stopped = stopper.signal if info.status == "running" else None
        if stopped is not None and s_cfg["checkpoint_every"] > 0:
            checkpoint(state)  # --resume goes on from here
    fields = sim.cell_fields(state)
    write_result(outdir / RESULT_NAME, sim.grid, {k: v for k, v in fields.items() if k in keep},
                 case_text=case.text,
                 attrs={"steps": info.steps, "simulated_time_s": info.simulated_time,
                        "status": info.status, "run_id": run_id},
                 frames=frames.frames or None)
    discard_frames(outdir, run=run_id)  # the result holds them now
    summary = summarise(sim, state, info)
    summary.update(watched["inlets"].summary())
    summary.update(watched["steady"].summary(summary))
    summary.update(watched["chips"].summary())  # crossings, chip_history: chip limits
    summary.update(watched["residuals"].summary())  # residual_history
    if initial is not None:
        summary["initial_state"] = initial
    if stopped is not None:
        summary["stopped_by"] = stopped
    if extras is not None and extras["wall_s"] is not None:  # the whole run's wall time
        summary["wall_time_resumed_s"] = extras["wall_s"]
        summary["wall_time_s"] += extras["wall_s"]
    write_summary(outdir / SUMMARY_NAME, summary)
    for w in summary.get("wall_warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    if stopped is not None:
        print(f"stopped by {stopped} at step {info.steps} (t = {info.simulated_time:.6g} s): "
              f"results written to {outdir}", file=sys.stderr)
    return summary


class FrameWriter:
    """Transient frames every ``output.every`` seconds: the output fields in memory
    for the result file, and with ``on_disk`` also each frame on disk as it is
    recorded (``frames.partial``), so that a resumed run's result holds every frame
    from t = 0."""

    def __init__(self, sim: Simulation, outdir: pathlib.Path, run_id: str, keep: set,
                 on_disk: bool) -> None:
        self.sim, self.outdir, self.run_id, self.keep, self.on_disk = sim, outdir, run_id, keep, on_disk
        self.frames: list = []
        self.saved = 0  # frames kept on disk so far

    def __call__(self, state: State, wall: float | None = None) -> None:
        fields = self.sim.cell_fields(state)
        self.frames.append((float(state.t), {k: v for k, v in fields.items()
                                             if k in self.keep and k != "material"}))
        if self.on_disk:
            self.keep_on_disk()

    def keep_on_disk(self) -> None:
        for index in range(self.saved, len(self.frames)):
            save_frame(self.outdir, self.run_id, index, self.frames[index][0], self.frames[index][1],
                       self.sim.grid)
        self.saved = len(self.frames)
