"""Named numerical guards and the time arithmetic the driver and step share."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

TINY = 1e-30        # divides by a quantity that may be exactly zero (no flow, no rate)
TIME_ROUND_OFF = 1e-12  # relative: a time reached to this counts as reached
REACHABLE_EPS = 50  # a relative solver tolerance below this many epsilons is not reachable


def reachable_tolerance(tol: float, x) -> float:
    """``tol``, or the smallest relative residual the precision of ``x`` can reach."""
    return max(tol, REACHABLE_EPS * float(jnp.finfo(x.dtype).eps))


def before(t):
    """``t`` less its round-off: a time reached to round-off counts as reached."""
    return jnp.where(jnp.isfinite(t), t - TIME_ROUND_OFF * jnp.maximum(jnp.abs(t), 1.0), t)


def next_multiple(t: float, period: float) -> float:
    """The first multiple of ``period`` after ``t`` (s), round-off tolerant."""
    k = np.floor(t / period * (1 + TIME_ROUND_OFF) + 1e-9) + 1
    return float(k * period)


def reached(t: float, due: float) -> bool:
    """Whether the time ``t`` (s) has reached ``due`` (s), to round-off."""
    return t >= due - TIME_ROUND_OFF * max(abs(due), 1.0)
