"""One recorder for the histories a transient run keeps at every device call.

A :class:`Recorder` watches probes (a name and the flat indices of its cells,
plus whatever the summary needs: a limit, a plate) and records the hottest cell
of each at every device call: server inlets (:func:`thermo.models.air.inlet_recorder`),
chips under cold plates (:func:`thermo.models.coldplate.chip_recorder`). Its
records go into each checkpoint and come back on resume, so a resumed run's
histories start at t = 0; the owner's ``summarise`` turns them into
``summary.json`` sections.
"""
from __future__ import annotations

from typing import Callable

import numpy as np


class Recorder:
    """The maximum temperature (C) over each probe's cells at every device call.

    ``column`` names the values in :meth:`export` (a checkpoint's records);
    ``on`` False records nothing (steady runs, nothing to watch); ``summarise``
    maps the recorder to its summary sections (called with two records or more)."""

    def __init__(self, probes: list[dict], column: str, on: bool,
                 summarise: Callable[["Recorder"], dict]) -> None:
        self.probes = probes
        self.column = column
        self.on = bool(probes) and on
        self.summarise = summarise
        self.times: list[float] = []
        self.values: list[list[float]] = []

    def __call__(self, state, wall: float | None = None) -> None:
        if not self.on:
            return
        t = float(state.t)
        if self.times and t <= self.times[-1]:
            return
        T = np.asarray(state.T).ravel()
        self.times.append(t)
        self.values.append([float(T[p["cells"]].max()) for p in self.probes])

    def export(self) -> dict:
        """The records so far, for a checkpoint: ``time_s`` (n,) and the column
        (n, one per probe)."""
        values = np.asarray(self.values, dtype=np.float64).reshape(len(self.times), len(self.probes))
        return {"time_s": np.asarray(self.times, dtype=np.float64), self.column: values}

    def restore(self, records: dict) -> None:
        """Continue from :meth:`export`'s records (a run resumed from a checkpoint)."""
        values = np.asarray(records[self.column], dtype=np.float64)
        if values.shape != (len(records["time_s"]), len(self.probes)):
            raise ValueError(f"records of shape {values.shape} for {len(self.probes)} parts")
        self.times = [float(t) for t in records["time_s"]]
        self.values = [[float(x) for x in row] for row in values]

    def summary(self) -> dict:
        """The owner's summary sections, or {} (off, or fewer than two records)."""
        if not self.on or len(self.times) < 2:
            return {}
        return self.summarise(self)
