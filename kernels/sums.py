"""Sums over many cells accumulated in a chosen dtype: ``solver.precision = "mixed"``
stores the fields in float32 and adds them up in float64.

``acc`` is a dtype name (``"float64"``) or None: None sums in the arrays' own dtype
with the same operations as before ``acc`` existed (the same bits for float32 and
float64 runs). With ``acc`` the entries are converted inside the reduction (XLA fuses
the conversion into it: no float64 copy of a field is stored) and the result is in
``acc``; a scalar that goes back into field arithmetic is cast with :func:`like`.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp


def total(x, acc: str | None = None):
    """The sum of all entries of ``x``, accumulated in ``acc``."""
    return jnp.sum(x) if acc is None else jnp.sum(x, dtype=acc)


def dot(a, b, acc: str | None = None):
    """The real dot product of two arrays of one shape, accumulated in ``acc`` (a
    float32 product is exact in float64)."""
    if acc is None:
        if not jax.sharding.get_abstract_mesh().empty:
            # a split grid (thermo.solver.sharding traces under the mesh): vdot
            # flattens, and XLA partitions that reshape by gathering both fields whole
            return jnp.sum(a * b)
        return jnp.vdot(a, b).real
    return jnp.sum(a.astype(acc) * b.astype(acc))


def segment_total(x, ids, n: int, acc: str | None = None):
    """Per segment ``0..n-1`` the sum of ``x``'s entries whose ``ids`` name it."""
    if acc is None:
        return jax.ops.segment_sum(x, ids, num_segments=n)
    return jax.ops.segment_sum(x.astype(acc), ids, num_segments=n)


def like(value, x):
    """``value`` (a scalar or array) in ``x``'s dtype: back from the accumulation
    dtype before it scales a field."""
    value = jnp.asarray(value)
    return value if value.dtype == x.dtype else value.astype(x.dtype)
