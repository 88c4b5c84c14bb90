"""The convergence history: the scaled residuals at every device call.

:class:`ResidualHistory` is a watched recorder of :func:`thermo.runner.run_case` (as
the inlet and chip recorders are): it keeps the step (iteration), the time (s;
pseudo-time in an implicit steady run) and the momentum, continuity and energy
residuals after each device call, goes into each checkpoint and comes back on
resume, and gives ``summary.json`` its ``residual_history`` section, which
``thermo report`` plots.
"""
from __future__ import annotations

import numpy as np

COLUMNS = ("step", "time_s", "momentum", "continuity", "energy")


class ResidualHistory:
    """The residuals after each device call (a run's ``residual_history``)."""

    on = True

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []

    def __call__(self, state, wall: float | None = None) -> None:
        step = int(state.step)
        if self.rows and step <= self.rows[-1][0]:
            return
        self.rows.append((float(step), float(state.t), float(state.res_mom),
                          float(state.res_div), float(state.res_energy)))

    def export(self) -> dict:
        """The records so far, for a checkpoint: one (n,) array per column."""
        a = np.asarray(self.rows, dtype=np.float64).reshape(len(self.rows), len(COLUMNS))
        return {c: a[:, i] for i, c in enumerate(COLUMNS)}

    def restore(self, records: dict) -> None:
        """Continue from :meth:`export`'s records (a run resumed from a checkpoint)."""
        cols = [np.asarray(records[c], dtype=np.float64) for c in COLUMNS]
        self.rows = [tuple(float(x) for x in row) for row in zip(*cols)]

    def summary(self) -> dict:
        """``{"residual_history": {...}}`` (lists per column; NaN for a residual not yet
        computed, e.g. before the first step), or {} with no record."""
        if not self.rows:
            return {}
        a = np.asarray(self.rows, dtype=np.float64)
        out = {c: a[:, i].tolist() for i, c in enumerate(COLUMNS)}
        out["step"] = [int(s) for s in out["step"]]
        for c in COLUMNS[2:]:
            out[c] = [x if np.isfinite(x) else float("nan") for x in out[c]]
        return {"residual_history": out}
