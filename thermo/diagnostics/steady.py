"""Convergence by monitors: a steady run whose flow never stops moving settles
when its monitored temperatures and heat balance are flat over a window."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from thermo.diagnostics.sampling import BATCHES, batch_means, half_width, mean_half_width
from thermo.diagnostics.summary import SMALLEST_HEAT_W, summarise
from thermo.solver import Simulation, State

NET_HEAT_FRACTION = 1e-3  # settled: the window's mean net heat below this of the largest term
LEVEL_SETTLED = 0.01  # settled: the window means of fan speeds and flows (fractions) move less
#: summary.json paths averaged with the monitors, reported, not judged (their units
#: are not K): the air side's indices, which swing with a moving flow as its intakes do
INDICES = ("air.rti_pct", "air.bypass_fraction", "air.rci_hi_pct", "air.rci_lo_pct",
           "air.fan_power_w", "recirculation.rti_pct", "recirculation.hall_ri")


class SteadyMonitor:
    """Convergence by monitors for steady runs whose flow never stops moving (jets,
    plumes): a statistically steady state. After each device call it records the
    heat balance and the monitored temperatures (server inlets, cooling-unit
    returns, part maxima, the hottest fluid). Settled when the mean of every
    monitor over the last ``solver.monitor_window`` seconds differs from its mean
    over the window before by at most ``solver.monitor_tolerance`` K, and the mean
    net heat over the last window is below 1e-3 of the largest heat term. Whether
    settled or not, each monitor's mean over the latter half of the pseudo-time run
    (``run_means_c``, with the range it swung over, ``run_spread_k``, and the 95 %
    half-width of its sampling error by batch means, ``run_error_k``, from the five
    batch means ``run_batch_means_c``, which give the half-width of any mean of
    monitors: ``thermo study --mean``) is the number to read where the flow keeps
    moving (an open data hall's recirculation). Equipment
    that moves between device calls (controlled CRAHs' fan speeds, fan servers'
    flows, as fractions of their rated flow) is monitored the same way: settled when
    their window means move by at most ``LEVEL_SETTLED`` (1 % of the rated flow), the
    speeds themselves swinging with the moving flow from call to call. The air side's
    indices (:data:`INDICES`: RTI, bypass, RCI, fan power, the hall's recirculation
    index; and each rack's) are recorded too and reported the same way, by summary
    path, in their own units (``run_index_means``, ``run_index_errors``,
    ``run_index_batch_means``), never
    judged. With
    ``solver.average_tolerance`` > 0 the run settles instead by its averages (a flow
    whose window means keep swinging, where the answer is the mean and its sampling
    error): every headline monitor's ``run_error_k`` (server inlets, cooling-unit
    returns, powered parts' maxima, the hottest fluid; the largest is
    ``run_error_judged_k``) at most that many K, the levels' at most
    ``LEVEL_SETTLED``, the latter half's mean net heat below 1e-3 of the largest heat
    term, and each of the five batches at least one window long (the latter half at
    least ``BATCHES`` windows), all of it at every record over the last window. Off
    when the window is 0 or the run is a time march; an implicit transient run
    (``scheme = "implicit"``) records the same means over the latter half of its time
    and stops early only by the averages."""

    def __init__(self, sim: Simulation) -> None:
        s = sim.case.data["solver"]
        self.sim = sim
        self.window, self.tol = s["monitor_window"], s["monitor_tolerance"]
        self.average_tol = s.get("average_tolerance", 0.0)
        self.known_since: float | None = None  # averages known at every record since
        self.unread: set[str] = set()  # monitors reported, not judged by the averages
        self.replay = False  # restored records to judge again before the next one
        # an implicit transient run records its monitors too: its time means and their
        # sampling errors, and with average_tolerance it stops when they are known
        self.transient = s["mode"] == "transient"
        self.on = (not self.transient or sim.settings.dual) and self.window > 0 \
            and sim.settings.energy
        self.records: list[tuple[float, float, float, dict, dict, dict]] = []
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

    @staticmethod
    def _indices(s: dict) -> dict[str, float]:
        """The finite numbers of ``s`` at :data:`INDICES` and each rack's recirculation
        index (``recirculation.racks.NAME.ri``), by dotted summary path."""
        found = [(path, (s.get(path.split(".")[0]) or {}).get(path.split(".")[1]))
                 for path in INDICES]
        racks = (s.get("recirculation") or {}).get("racks") or {}
        found += [(f"recirculation.racks.{n}.ri", r.get("ri")) for n, r in racks.items()]
        return {path: float(v) for path, v in found
                if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)}

    def __call__(self, state: State, wall: float | None = None) -> bool:
        if not self.on:
            return False
        info = SimpleNamespace(status="running", steps=int(state.step), simulated_time=float(state.t),
                               wall_time=0.0, compile_time=0.0, res_mom=0.0, res_div=0.0,
                               res_energy=0.0, pressure_iterations=0.0, energy_iterations=0.0,
                               viscous_iterations=0.0)
        s = summarise(self.sim, state, info)
        # the averages answer for the numbers an engineer reads (the study's headline
        # ones): an unpowered part's maximum (a tile, a containment panel, a heat sink)
        # is reported, not judged; in the contained hall the tiles' and cut-outs' maxima,
        # warm air brushing one cell, held the rule at 0.19-0.22 K with every intake
        # known to 0.13 K
        self.unread = {f"{k} max" for k, v in s["parts"].items() if not v.get("power_w")}
        if self.replay:
            # a resumed run: the averages rule's "known since" as the unbroken run had it
            # (it must hold for a whole window), so that both stop at the same record
            self.replay, records = False, self.records
            for n in range(1, len(records) + 1):
                self._judge(records[:n])
        if self.records and float(state.t) == self.records[-1][0]:
            # no step since the last record (a run resumed at its stop to be wrapped up:
            # `--resume DIR --set solver.max_steps=STEP`): the same state, not a new
            # record, which would count the last one twice in the means
            return self._judge(self.records)
        levels = {}
        for x in (self.sim.equipment, self.sim.cooling):
            if x is not None:
                levels.update(x.levels(self.sim))
        self.records.append((float(state.t), s["net_heat_w"], s["largest_heat_term_w"],
                             self._monitors(s), levels, self._indices(s)))
        return self._judge(self.records)

    def _judge(self, records: list) -> bool:
        """Whether the run has settled at the last of ``records``; sets ``result``."""
        t = records[-1][0]
        if records[0][0] > t - 2.0 * self.window:
            return False
        last = [r for r in records if r[0] > t - self.window]
        before = [r for r in records if t - 2.0 * self.window < r[0] <= t - self.window]
        if len(last) < 3 or len(before) < 3:
            return False
        names = list(last[-1][3])
        mean = lambda rs, k: float(np.mean([r[3][k] for r in rs]))
        means = {k: mean(last, k) for k in names}
        change = max(abs(means[k] - mean(before, k)) for k in names)
        level = lambda rs, k: float(np.mean([r[4].get(k, np.nan) for r in rs]))
        levels = {k: level(last, k) for k in last[-1][4]}
        # nan (records of a checkpoint that kept no levels) compares as not settled
        moved = max((abs(levels[k] - level(before, k)) for k in levels), default=0.0)
        moved = moved if np.isfinite(moved) else np.inf
        net = float(np.mean([r[1] for r in last]))
        scale = float(np.max([r[2] for r in last]))
        # the latter half of the pseudo-time: the mean a moving flow's numbers are read as
        half = [r for r in records if r[0] >= 0.5 * t]
        batches = {k: batch_means([r[3][k] for r in half], BATCHES) for k in names}
        errors = {k: None if b is None else half_width(b) for k, b in batches.items()}
        # an index every record of the latter half holds (a checkpoint written before
        # indices were recorded has none: its indices wait for a latter half of their own)
        indices = [k for k in half[-1][5] if all(k in r[5] for r in half)]
        index_batches = {k: batch_means([r[5][k] for r in half], BATCHES) for k in indices}
        worst = lambda es: max((np.inf if e is None else e for e in es), default=0.0)
        judged_error = worst(e for k, e in errors.items() if k not in self.unread)
        if self.average_tol > 0.0:
            level_error = worst(mean_half_width([r[4].get(k, np.nan) for r in half], BATCHES)
                                for k in levels)
            half_net = float(np.mean([r[1] for r in half]))
            known = (0.5 * t >= BATCHES * self.window
                     and judged_error <= self.average_tol
                     and level_error <= LEVEL_SETTLED
                     and abs(half_net) <= NET_HEAT_FRACTION * scale)
            # five batch means give the half-width on 4 degrees of freedom: it dips below
            # the tolerance by luck from record to record (the open hall's 0.6 m grid: 0.72
            # K, then 0.29 K one record later); it must hold for a whole window
            self.known_since = (self.known_since if self.known_since is not None else t) \
                if known else None
            self.settled = known and t - self.known_since >= self.window
        else:  # a transient runs to its end time unless its averages are known
            self.settled = (not self.transient and change <= self.tol
                            and abs(net) <= NET_HEAT_FRACTION * scale and moved <= LEVEL_SETTLED)
        self.result = {"monitors": {
            "window_s": self.window, "records": len(last), "change_k": change,
            "tolerance_k": self.tol, "means_c": means,
            "run_means_c": {k: mean(half, k) for k in names},
            "run_spread_k": {k: float(np.ptp([r[3][k] for r in half])) for k in names},
            "run_error_k": errors,
            "run_batch_means_c": batches,
            "run_index_means": {k: float(np.mean([r[5][k] for r in half])) for k in indices},
            "run_index_errors": {k: None if b is None else half_width(b)
                                 for k, b in index_batches.items()},
            "run_index_batch_means": index_batches,
            "run_error_judged_k": judged_error if np.isfinite(judged_error) else None,
            "run_from_s": 0.5 * t, "run_records": len(half),
            "run_net_heat_mean_w": float(np.mean([r[1] for r in half])),
            **({"average_tolerance_k": self.average_tol} if self.average_tol > 0.0 else {}),
            **({"levels_mean": levels, "levels_change": moved} if levels else {}),
            "spread_k": float(max(np.ptp([r[3][k] for r in last]) for k in names)),
            "net_heat_mean_w": net, "energy_imbalance_mean": abs(net) / max(scale, SMALLEST_HEAT_W),
            "largest_heat_w": scale}}
        return self.settled

    def export(self) -> dict:
        """The records so far, for a checkpoint: times, net heat and largest heat term
        as arrays, the monitored temperatures as JSON (one object per record)."""
        return {"time_s": np.asarray([r[0] for r in self.records], dtype=np.float64),
                "net_heat_w": np.asarray([r[1] for r in self.records], dtype=np.float64),
                "largest_heat_term_w": np.asarray([r[2] for r in self.records], dtype=np.float64),
                "monitors_json": json.dumps([r[3] for r in self.records]),
                "levels_json": json.dumps([r[4] for r in self.records]),
                "indices_json": json.dumps([r[5] for r in self.records])}

    def restore(self, records: dict) -> None:
        """Continue from :meth:`export`'s records (a run resumed from a checkpoint)."""
        values = json.loads(records["monitors_json"])
        # checkpoints written before the levels were monitored have none
        # and those written before the indices were, none of these
        levels, indices = ((json.loads(records[k]) if k in records else [{}] * len(values))
                           for k in ("levels_json", "indices_json"))
        self.records = [(float(t), float(n), float(s), {k: float(x) for k, x in v.items()},
                         {k: float(x) for k, x in lv.items()},
                         {k: float(x) for k, x in ix.items()})
                        for t, n, s, v, lv, ix in zip(records["time_s"], records["net_heat_w"],
                                                      records["largest_heat_term_w"], values,
                                                      levels, indices)]
        self.replay = self.average_tol > 0.0 and bool(self.records)

    def summary(self, summary: dict) -> dict:
        """The ``monitors`` section; a run settled by monitors reports the window-mean
        energy imbalance as ``energy_imbalance`` (the value at the last instant, which
        includes the heat the moving flow stores and gives back, as
        ``energy_imbalance_instantaneous``)."""
        out = dict(self.result)
        if self.settled:
            m = self.result["monitors"]
            out["convergence"] = "averages" if self.average_tol > 0.0 else "monitors"
            out["energy_imbalance_instantaneous"] = summary["energy_imbalance"]
            out["energy_imbalance"] = m["energy_imbalance_mean"] if self.average_tol == 0.0 else \
                abs(m["run_net_heat_mean_w"]) / max(m["largest_heat_w"], SMALLEST_HEAT_W)
        elif summary.get("status") == "converged":
            out["convergence"] = "residuals"
        return out
