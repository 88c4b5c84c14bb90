"""Named numerical guards and the time arithmetic the driver and step share."""
from __future__ import annotations

import jax.numpy as jnp

from thermo.kernels.clock import TIME_ROUND_OFF

#: solver.precision: the dtype of the stored fields, and the dtype of the sums over
#: many cells (Krylov dot products and norms, means, normalised residuals) when it
#: differs from the fields' (None: the fields' own, the operations of a plain run)
STORAGE = {"float32": "float32", "float64": "float64", "mixed": "float32"}
ACCUMULATE = {"float32": None, "float64": None, "mixed": "float64"}

TINY = 1e-30        # divides by a quantity that may be exactly zero (no flow, no rate)
REACHABLE_EPS = 50  # a relative solver tolerance below this many epsilons is not reachable


def reachable_tolerance(tol: float, x) -> float:
    """``tol``, or the smallest relative residual the precision of ``x`` can reach."""
    return max(tol, REACHABLE_EPS * float(jnp.finfo(x.dtype).eps))


def before(t):
    """``t`` less its round-off: a time reached to round-off counts as reached."""
    return jnp.where(jnp.isfinite(t), t - TIME_ROUND_OFF * jnp.maximum(jnp.abs(t), 1.0), t)
