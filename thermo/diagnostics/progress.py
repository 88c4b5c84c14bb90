"""Progress of a run: one live display on a terminal, plain lines in logs, JSON lines.

:func:`make_reporter` picks the form for ``thermo run``:

- ``--log-json``: one JSON object per device call on stdout (:func:`json_record`:
  ``step``, ``time_s``, ``wall_s``, ``residuals``, ``pressure_iterations``, ``eta_s``,
  and ``monitors`` in a steady run with monitors);
- a terminal (stderr, where the display is drawn): one live display
  (:class:`LiveProgress`, rich's ``Live``) redrawn in place: step and simulated time
  against the run's limits, residuals (against ``solver.tolerance`` in steady runs),
  the monitors (the change of the window means against
  ``solver.monitor_tolerance``, the hottest server inlet, the hottest chip),
  elapsed time and an estimate of what is left;
- otherwise (a log file, a pipe, a notebook): one plain line per device call
  (:func:`plain_line`) on stderr.

What is left (:class:`Estimator`) comes, in a transient run, from the wall time per
simulated second since the first device call (which also compiles); in a steady
run, from the trend of the worst residual over its tolerance (a straight line
through log10 of that ratio over the last device calls) and the wall time per
step, capped by ``solver.max_steps``; unknown ("-") while the trend is not falling.
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Snapshot", "Estimator", "Probes", "json_record", "plain_line", "LiveProgress",
           "LineProgress", "JsonProgress", "make_reporter", "format_duration"]

#: The progress bar's total when the run's own is zero (a bar needs a positive total).
SMALLEST_TOTAL = 1e-300


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss`` (or ``m:ss``); "-" when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(round(max(seconds, 0.0)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@dataclass
class Snapshot:
    """What the progress forms show after one device call."""
    case: str
    mode: str                       # "steady" | "transient"
    step: int
    max_steps: int
    time_s: float
    end_time: float | None          # transient runs only
    wall_s: float
    residuals: dict                 # momentum, continuity, energy (None: not finite)
    tolerance: float
    pressure_iterations: int
    eta_s: float | None
    energy: bool = True             # the energy equation runs (its residual counts)
    # steady runs with monitors: the change of the window means (None until two windows)
    monitor_change_k: float | None = None
    monitor_tolerance_k: float | None = None
    monitor_window_s: float | None = None
    # solver.average_tolerance > 0: the largest sampling error of the latter half's means
    # (K, None until known) against that tolerance
    average_error_k: float | None = None
    average_tolerance_k: float | None = None
    # (temperature C, name, limit C or None), None without servers / cold plates
    hottest_inlet: tuple | None = None
    hottest_chip: tuple | None = None


def json_record(s: Snapshot) -> dict:
    """The ``--log-json`` object of a snapshot (non-finite numbers as null); a steady
    run with monitors adds ``monitors``: the change of the window means (K, null
    until two windows) against the tolerance, as the plain line shows it."""
    out = {"step": s.step, "time_s": s.time_s, "wall_s": round(s.wall_s, 3),
           "residuals": dict(s.residuals), "pressure_iterations": s.pressure_iterations,
           "eta_s": s.eta_s}
    if s.monitor_tolerance_k is not None:
        out["monitors"] = {"change_k": s.monitor_change_k, "tolerance_k": s.monitor_tolerance_k,
                           "window_s": s.monitor_window_s}
        if s.average_tolerance_k is not None:
            out["monitors"].update(average_error_k=s.average_error_k,
                                   average_tolerance_k=s.average_tolerance_k)
    return out


def _e(x: float | None) -> str:
    return "-" if x is None else f"{x:.2e}"


def plain_line(s: Snapshot) -> str:
    """One log line: step, time, residuals, pressure iterations, wall, monitors, eta."""
    r = s.residuals
    out = (f"step {s.step:>8d}/{s.max_steps}  t = {s.time_s:.4g}"
           + (f"/{s.end_time:g}" if s.end_time is not None else "")
           + f" s  residuals: momentum {_e(r['momentum'])} continuity {_e(r['continuity'])}"
           f" energy {_e(r['energy'])}"
           + (f" (tolerance {s.tolerance:.0e})" if s.mode == "steady" else "")
           + f"  p-iters {s.pressure_iterations}  wall {s.wall_s:.1f} s")
    if s.monitor_tolerance_k is not None:
        change = "-" if s.monitor_change_k is None else f"{s.monitor_change_k:.3g}"
        out += f"  monitors: change {change}/{s.monitor_tolerance_k:g} K"
    if s.average_tolerance_k is not None:
        err = "-" if s.average_error_k is None else f"{s.average_error_k:.3g}"
        out += f"  mean error {err}/{s.average_tolerance_k:g} K"
    if s.hottest_inlet is not None:
        out += f"  inlet max {s.hottest_inlet[0]:.2f} C ({s.hottest_inlet[1]})"
    if s.hottest_chip is not None:
        out += f"  chip max {s.hottest_chip[0]:.2f} C ({s.hottest_chip[1]})"
    if s.eta_s is not None:
        out += f"  eta {s.eta_s:.0f} s"
    return out


class Estimator:
    """Wall time left. Transient: wall seconds per simulated second since the first
    device call (the first call includes the compile) times the simulated time
    left. Steady: steps until the worst residual/tolerance ratio reaches 1 on the
    straight line through log10(ratio) against step over the last ``window`` device
    calls, times the wall time per step, capped by ``max_steps``; None while that
    line is not falling or with fewer than three calls."""

    def __init__(self, mode: str, end_time: float | None, max_steps: int, tolerance: float,
                 window: int = 20) -> None:
        self.mode, self.end_time, self.max_steps = mode, end_time, max_steps
        self.tolerance, self.window = tolerance, window
        self.calls: list[tuple[float, float, int, float | None]] = []  # wall, t, step, log ratio

    def __call__(self, wall: float, t: float, step: int, residuals: list[float | None]) -> float | None:
        known = [r for r in residuals if r is not None]
        ratio = max(known) / self.tolerance if known and len(known) == len(residuals) else None
        log_ratio = math.log10(ratio) if ratio is not None and ratio > 0 else None
        self.calls.append((wall, t, step, log_ratio))
        first = self.calls[0]
        if self.mode == "transient":
            if self.end_time is None:
                return None
            if len(self.calls) >= 2 and t > first[1]:
                rate = (wall - first[0]) / (t - first[1])
            elif t > 0:
                rate = wall / t
            else:
                return None
            return max(self.end_time - t, 0.0) * rate
        if ratio is not None and ratio < 1.0:
            return 0.0
        recent = [c for c in self.calls[-self.window:] if c[3] is not None]
        if len(recent) < 3 or len(self.calls) < 3 or step <= first[2]:
            return None
        x = np.array([c[2] for c in recent], float)
        y = np.array([c[3] for c in recent], float)
        if np.ptp(x) == 0:
            return None
        slope = float(np.polyfit(x, y, 1)[0])
        if not slope < 0:
            return None
        per_step = (wall - first[0]) / (step - first[2])
        steps_left = min(y[-1] / -slope, self.max_steps - step)
        return max(steps_left, 0.0) * per_step


class Probes:
    """The hottest server inlet and the hottest chip (under a cold plate) of a state."""

    def __init__(self, sim) -> None:
        air = getattr(sim, "air", None)
        self.servers = [(t["name"], np.asarray(t["intake_cells"]))
                        for t in (air.throughflow if air is not None else []) if t["kind"] == "server"]
        self.chips: list[tuple[str, np.ndarray, float | None]] = []
        setup = getattr(sim, "coldplates", None)
        if setup is not None:
            geo = sim.model.geometry
            parts = sim.case.data["parts"]
            owner = geo.owner.ravel()
            seen = set()
            for p in setup.plates:
                limit = parts[p.part].get("chip_limit_c")
                for c in p.chips if p.named_chip else [c for c in p.chips if geo.instances[c]["power"]]:
                    cells = np.flatnonzero(owner == c)
                    if c not in seen and cells.size:
                        seen.add(c)
                        self.chips.append((geo.instances[c]["name"], cells,
                                           None if limit is None else float(limit)))

    def __call__(self, state) -> tuple[tuple | None, tuple | None]:
        if not self.servers and not self.chips:
            return None, None
        T = np.asarray(state.T).ravel()
        inlet = chip = None
        if self.servers:
            inlet = max(((float(T[c].max()), n, None) for n, c in self.servers if c.size),
                        key=lambda x: x[0], default=None)
        if self.chips:
            chip = max(((float(T[c].max()), n, lim) for n, c, lim in self.chips), key=lambda x: x[0])
        return inlet, chip


class _Reporter:
    """Builds a :class:`Snapshot` per device call; subclasses show it."""

    wants_probes = True

    def __init__(self, sim, settle=None) -> None:
        d = sim.case.data["solver"]
        self.case = sim.case.name
        self.mode = d["mode"]
        self.max_steps = d["max_steps"]
        self.end_time = d["end_time"] if self.mode == "transient" else None
        self.tolerance = d["tolerance"]
        self.energy = bool(getattr(sim.settings, "energy", True))
        self.settle = settle if settle is not None and getattr(settle, "on", False) else None
        self.probes = Probes(sim) if self.wants_probes else None
        self.estimate = Estimator(self.mode, self.end_time, self.max_steps, self.tolerance)
        self.last: Snapshot | None = None

    def snapshot(self, state, wall: float) -> Snapshot:
        res = {"momentum": _finite(state.res_mom), "continuity": _finite(state.res_div),
               "energy": _finite(state.res_energy)}
        counted = [res["momentum"], res["continuity"]] + ([res["energy"]] if self.energy else [])
        t, step = float(state.t), int(state.step)
        eta = self.estimate(wall, t, step, counted)
        snap = Snapshot(case=self.case, mode=self.mode, step=step, max_steps=self.max_steps,
                        time_s=t, end_time=self.end_time, wall_s=wall, residuals=res,
                        tolerance=self.tolerance, pressure_iterations=int(state.p_iters),
                        eta_s=eta, energy=self.energy)
        if self.settle is not None:
            snap.monitor_tolerance_k = float(self.settle.tol)
            snap.monitor_window_s = float(self.settle.window)
            mon = (self.settle.result or {}).get("monitors")
            snap.monitor_change_k = None if mon is None else float(mon["change_k"])
            if self.settle.average_tol > 0.0:
                snap.average_tolerance_k = float(self.settle.average_tol)
                err = None if mon is None else mon.get("run_error_judged_k")
                snap.average_error_k = None if err is None else float(err)
        if self.probes is not None:
            snap.hottest_inlet, snap.hottest_chip = self.probes(state)
        self.last = snap
        return snap

    def __call__(self, state, wall: float) -> None:
        self.show(self.snapshot(state, wall))

    def show(self, snap: Snapshot) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def stop(self) -> None:
        pass


class JsonProgress(_Reporter):
    """``--log-json``: one JSON object per line on ``stream`` (stdout)."""

    wants_probes = False

    def __init__(self, sim, settle=None, stream=None) -> None:
        super().__init__(sim, settle)
        self.stream = stream

    def show(self, snap: Snapshot) -> None:
        print(json.dumps(json_record(snap)), file=self.stream or sys.stdout, flush=True)


class LineProgress(_Reporter):
    """Logs: one :func:`plain_line` per device call on ``stream`` (stderr)."""

    def __init__(self, sim, settle=None, stream=None) -> None:
        super().__init__(sim, settle)
        self.stream = stream

    def show(self, snap: Snapshot) -> None:
        print(plain_line(snap), file=self.stream or sys.stderr, flush=True)


class _View:
    """The live display's renderable: drawn again at each refresh, so that the
    elapsed time and the time left tick between device calls."""

    def __init__(self, owner: "LiveProgress") -> None:
        self.owner = owner

    def __rich__(self):
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        o = self.owner
        s = o.last
        now = o.clock()
        elapsed = now - o.started
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        if s is None:
            grid.add_row(o.case, f"{o.mode}: compiling and first device call ...")
            grid.add_row("elapsed", format_duration(elapsed))
            return grid
        if s.mode == "transient" and s.end_time:
            done, total = s.time_s, s.end_time
        else:
            done, total = s.step, s.max_steps
        bar = ProgressBar(total=max(total, SMALLEST_TOTAL), completed=min(done, total), width=40)
        head = Table.grid(padding=(0, 2))
        head.add_row(f"[bold]{s.case}[/] ({s.mode})", bar,
                     f"{100.0 * min(done / total, 1.0) if total else 0.0:.0f} %")
        grid.add_row("step", f"{s.step} / {s.max_steps} (max_steps)")
        if s.end_time is not None:
            grid.add_row("simulated time", f"{s.time_s:.4g} s / {s.end_time:g} s (end_time)")
        else:
            grid.add_row("simulated time", f"{s.time_s:.4g} s")
        r = s.residuals
        for n in ["momentum", "continuity"] + (["energy"] if s.energy else []):
            if s.mode == "steady":
                ok = r[n] is not None and r[n] < s.tolerance
                grid.add_row(f"{n} residual", f"{_e(r[n])} / {s.tolerance:.0e}"
                             + (" [green]ok[/]" if ok else ""))
            else:
                grid.add_row(f"{n} residual", _e(r[n]))
        if s.monitor_tolerance_k is not None:
            w = s.monitor_window_s or 0.0
            if s.monitor_change_k is None:
                text = f"- / {s.monitor_tolerance_k:g} K ({w:g} s means; known from t = {2 * w:g} s)"
            else:
                ok = s.monitor_change_k <= s.monitor_tolerance_k
                text = (f"{s.monitor_change_k:.3g} / {s.monitor_tolerance_k:g} K ({w:g} s means)"
                        + (" [green]ok[/]" if ok else ""))
            grid.add_row("monitor change", text)
        if s.average_tolerance_k is not None:
            err = "-" if s.average_error_k is None else f"{s.average_error_k:.3g}"
            ok = s.average_error_k is not None and s.average_error_k <= s.average_tolerance_k
            grid.add_row("means' sampling error", f"{err} / {s.average_tolerance_k:g} K (95 %, "
                         "latter half)" + (" [green]ok[/]" if ok else ""))
        if s.hottest_inlet is not None:
            grid.add_row("hottest inlet", f"{s.hottest_inlet[0]:.2f} C ({s.hottest_inlet[1]})")
        if s.hottest_chip is not None:
            lim = s.hottest_chip[2]
            grid.add_row("hottest chip", f"{s.hottest_chip[0]:.2f} C ({s.hottest_chip[1]})"
                         + (f", limit {lim:g} C" if lim is not None else ""))
        left = None
        if s.eta_s is not None:
            left = max(s.eta_s - (now - o.updated), 0.0)
        grid.add_row("elapsed", f"{format_duration(elapsed)}   left {format_duration(left)}")
        return Group(head, grid)


class LiveProgress(_Reporter):
    """A terminal: one display, redrawn in place (rich ``Live``) until :meth:`stop`,
    which leaves its last state on the screen."""

    def __init__(self, sim, settle=None, console=None, *, auto_refresh: bool = True,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        from rich.console import Console
        from rich.live import Live

        super().__init__(sim, settle)
        self.clock = clock
        self.started = self.updated = clock()
        self.console = console if console is not None else Console(stderr=True)
        self.live = Live(_View(self), console=self.console, auto_refresh=auto_refresh,
                         refresh_per_second=4, transient=False)
        self.live.start(refresh=True)
        self.stopped = False

    def show(self, snap: Snapshot) -> None:
        self.updated = self.clock()
        if not self.stopped:
            self.live.refresh()

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.live.stop()


def make_reporter(sim, *, quiet: bool = False, log_json: bool = False, settle=None,
                  console=None) -> Any:
    """The progress callback ``(state, wall_seconds)`` with a ``stop()`` for a run:
    JSON lines on stdout (``log_json``), None (``quiet``), a live display when
    stderr is a terminal, else plain lines on stderr. ``settle``: the run's
    steady-state monitor (its ``on``, ``tol``, ``window`` and ``result``)."""
    if log_json:
        return JsonProgress(sim, settle)
    if quiet:
        return None
    from rich.console import Console

    console = console if console is not None else Console(stderr=True)
    if console.is_terminal and not console.is_dumb_terminal:
        return LiveProgress(sim, settle, console)
    return LineProgress(sim, settle, stream=console.file)
