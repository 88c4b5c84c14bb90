"""What the driver calls between device calls, and when.

A :class:`Callback` pairs a function ``func(state, wall_seconds)`` with a
schedule: :class:`EachCall` (after every device call: monitors, recorders, the
progress display), :class:`Every` (at each multiple of a period of simulated
time: frames, checkpoints) or :class:`AtTimes` (at given times: the case's
events). Steps are cut to land exactly on the scheduled times, which depend on
the time alone, so a run resumed from a checkpoint takes the same steps as one
never stopped. An each-call callback may return True to stop a steady run as
converged (its monitors judged it settled).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from thermo.kernels.clock import TIME_ROUND_OFF, next_multiple


@dataclass(frozen=True)
class EachCall:
    """After every device call (``solver.steps_per_call`` steps)."""

    def next_time(self, t: float) -> float:
        return math.inf


@dataclass(frozen=True)
class Every:
    """At each multiple of ``period`` simulated seconds (never at t = 0)."""

    period: float

    def next_time(self, t: float) -> float:
        return next_multiple(t, self.period)


@dataclass(frozen=True)
class AtTimes:
    """At each of ``times`` (s); a time at or before the start fires at the start."""

    times: tuple

    def next_time(self, t: float) -> float:
        return min((x for x in self.times if not is_due(x, t)), default=math.inf)


def is_due(at: float, t: float) -> bool:
    """Whether an action scheduled at ``at`` (s) is due at time ``t`` (s)."""
    return at <= t * (1 + TIME_ROUND_OFF) + TIME_ROUND_OFF


@dataclass
class Callback:
    """``func(state, wall_seconds)`` on ``schedule``; ``name`` for messages."""

    name: str
    func: Callable
    schedule: EachCall | Every | AtTimes = field(default_factory=EachCall)
