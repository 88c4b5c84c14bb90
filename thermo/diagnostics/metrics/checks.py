"""The metrics' input checks and their guarded ratio.

Non-finite inputs are an error (``ValueError`` naming the input); a ratio over a
temperature difference at or below `ZERO_DIFFERENCE_K` is undefined (None).
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["ZERO_DIFFERENCE_K", "finite_array", "finite_number", "ratio_or_none"]

#: Temperature differences (K) at or below this are zero in a denominator: a ratio
#: over them (RTI, the recirculation and bypass fractions) is undefined.
ZERO_DIFFERENCE_K = 1e-9


def finite_number(value: Any, what: str) -> float:
    """``value`` as a finite float; ValueError naming ``what`` otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


def finite_array(values: Any, what: str, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    """``values`` as a non-empty float array of finite numbers with ``ndim`` dimensions
    (a single number counts as 1-D when 1 is allowed); ValueError naming ``what`` otherwise."""
    if isinstance(values, Iterator):
        values = list(values)
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {values!r}") from None
    if a.ndim == 0 and 1 in ndim:
        a = a.reshape(1)
    if a.ndim not in ndim:
        raise ValueError(f"{what} must have {' or '.join(map(str, ndim))} dimension(s), "
                         f"got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{what} is empty")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be finite, got {a.tolist()}")
    return a


def ratio_or_none(num: float, den: float) -> float | None:
    """num / den as a float, or None when den is (numerically) zero or negative."""
    if not den > ZERO_DIFFERENCE_K:
        return None
    return float(num / den)

