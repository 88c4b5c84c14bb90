"""The sampling error of a time (or pseudo-time) mean of a signal that keeps moving:
how far the mean of a finite record may lie from the mean of an endless one.

Batch means (Schmeiser, "Batch size effects in the analysis of simulation output",
Operations Research 30 (1982) 556-568): the records, in order, are cut into ``B``
batches of equal count; where each batch is longer than the signal's correlation
time the batch means are nearly independent, and the mean's 95 % half-width is
``t(0.975, B - 1) s_B / sqrt(B)``, ``s_B`` the batch means' standard deviation.
Few long batches (five here, where Schmeiser's 10-30 assume long records) keep
the batches longer than the slow swings of a room's recirculation at the price of a
wider Student factor; a drift left in the record widens the half-width as it
should."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

BATCHES = 5
LEAST_PER_BATCH = 2  # records: fewer and no half-width is given

# Student's t, two-sided 95 % (the 0.975 quantile), by degrees of freedom 1..10
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)


def batch_means(values: Sequence[float], batches: int = BATCHES) -> list[float] | None:
    """The means of ``batches`` equal batches of ``values`` (records in time order),
    the first records dropped so that every batch has as many and the latest are all
    used; None where there are fewer than ``LEAST_PER_BATCH`` records per batch or the
    values are not finite. A weighted sum of several signals' batch means is the batch
    means of that sum (the batches are the same records), so that the half-width of a
    mean of several monitors follows from theirs (:func:`half_width`)."""
    x = np.asarray(values, dtype=np.float64)
    if not 2 <= batches <= len(_T975) + 1:
        raise ValueError(f"batches {batches}: 2 to {len(_T975) + 1}")
    n = len(x) // batches
    if n < LEAST_PER_BATCH or not np.all(np.isfinite(x)):
        return None
    return [float(m) for m in x[len(x) - n * batches:].reshape(batches, n).mean(axis=1)]


def half_width(means: Sequence[float]) -> float:
    """The 95 % half-width of a mean from its batch means (:func:`batch_means`):
    Student's t on ``len(means) - 1`` degrees of freedom times their standard error."""
    b = len(means)
    if not 2 <= b <= len(_T975) + 1:
        raise ValueError(f"batches {b}: 2 to {len(_T975) + 1}")
    return float(_T975[b - 2] * np.std(np.asarray(means, dtype=np.float64), ddof=1) / math.sqrt(b))


def mean_half_width(values: Sequence[float], batches: int = BATCHES) -> float | None:
    """The 95 % half-width (the values' unit) of the mean of ``values``, records in
    time order at equal spacing, by ``batches`` batch means; None where there are
    fewer than ``LEAST_PER_BATCH`` records per batch or the values are not finite."""
    means = batch_means(values, batches)
    return None if means is None else half_width(means)
