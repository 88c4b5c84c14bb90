"""Time arithmetic shared by the driver, its callbacks and the part models' host
updates: multiples of a period and times reached, tolerant of round-off (s)."""
from __future__ import annotations

import numpy as np

TIME_ROUND_OFF = 1e-12  # relative: a time reached to this counts as reached


def next_multiple(t: float, period: float) -> float:
    """The first multiple of ``period`` after ``t`` (s), round-off tolerant."""
    k = np.floor(t / period * (1 + TIME_ROUND_OFF) + 1e-9) + 1
    return float(k * period)


def reached(t: float, due: float) -> bool:
    """Whether the time ``t`` (s) has reached ``due`` (s), to round-off."""
    return t >= due - TIME_ROUND_OFF * max(abs(due), 1.0)
