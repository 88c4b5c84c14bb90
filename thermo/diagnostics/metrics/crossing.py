"""When a sampled series first reaches a threshold (e.g. when a server inlet passes 27 C)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from thermo.diagnostics.metrics.checks import finite_array, finite_number

__all__ = ["first_crossing"]


def first_crossing(times: Sequence[float], values: Any, threshold: float) -> float | None:
    """The first time a sampled series reaches ``threshold`` from below, or None.

    ``times`` (s, strictly increasing) and ``values`` (same length; e.g. a server
    inlet temperature in C) are joined by straight lines; the answer is the
    earliest time at which that line is >= ``threshold``, linearly interpolated
    inside the sample interval where it crosses upward. A series that starts at
    or above the threshold gives ``times[0]``; one that only touches the
    threshold gives the time it touches. ``values`` may also be 2-D,
    (len(times), k): k series (say, one per server), and the answer is the
    earliest crossing of any of them ("when does the first server inlet pass
    27 C").
    """
    t = finite_array(times, "times")
    v = finite_array(values, "values", ndim=(1, 2))
    thr = finite_number(threshold, "threshold")
    if v.shape[0] != t.size:
        raise ValueError(f"values has {v.shape[0]} samples, times has {t.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    series = v.T if v.ndim == 2 else v[None, :]
    best: float | None = None
    for s in series:
        hit = np.flatnonzero(s >= thr)
        if hit.size == 0:
            continue
        i = int(hit[0])
        if i == 0:
            when = float(t[0])
        else:
            # s[i-1] < thr <= s[i]: linear interpolation in (t[i-1], t[i]].
            frac = (thr - s[i - 1]) / (s[i] - s[i - 1])
            when = float(t[i - 1] + frac * (t[i] - t[i - 1]))
        if best is None or when < best:
            best = when
    return best

