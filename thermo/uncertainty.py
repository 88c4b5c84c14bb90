"""Discretisation uncertainty from four or more grids by least squares, after Eca and
Hoekstra, "A procedure for the estimation of the numerical uncertainty of CFD
calculations based on grid refinement studies", J. Comput. Phys. 262 (2014) 104-130.

Three grids fix the three unknowns of ``phi = phi0 + alpha h^p`` exactly, so any
scatter (a flow's unsettled swing, a grid line that jumps across a part) goes straight
into the order and the extrapolate. With more grids the fit is a least-squares one and
its standard deviation measures the scatter:

* ``phi0, alpha, p`` minimise ``sum w_i (phi_i - phi0 - alpha h_i^p)^2``, once with
  equal weights and once with ``w_i`` proportional to ``1 / h_i`` (finer grids count
  more); the fit with the smaller standard deviation is kept.
* Where the observed order lies outside [0.5, 2] the error is estimated by fits of fixed
  exponents instead, the one with the smallest standard deviation: ``h``, ``h^2`` and
  ``h + h^2`` below 0.5 (or where no order fits), ``h^2`` and ``h + h^2`` above 2 (the
  schemes here are at most second order).
* Standard deviation ``U_s = sqrt(n sum w_i r_i^2 / (n - m))`` (``m`` fitted
  parameters, weights summing to 1); data range ``D = (max phi - min phi) / (n - 1)``.
* Error of the finest grid ``e = |phi_fit(h_1) - phi0|``; safety factor ``Fs = 1.25``
  where ``0.5 <= p < 2.1`` and ``U_s < D``, otherwise 3; the uncertainty
  ``U = Fs e + U_s + |phi_1 - phi_fit(h_1)|`` where ``U_s < D``, otherwise
  ``U = 3 U_s / D (e + U_s + |phi_1 - phi_fit(h_1)|)`` (scatter larger than the
  trend: the fit says little, the uncertainty grows with it).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

ORDER_FIT_RANGE = (0.5, 2.0)  # outside it the fixed-exponent fits estimate the error
SAFE_ORDER = (0.5, 2.1)  # Fs = 1.25 inside (with a good fit), 3 outside
MIN_GRIDS = 4
_P_SCAN = np.geomspace(0.02, 8.0, 401)  # the orders scanned before the golden-section polish


def _linear_fit(h: np.ndarray, phi: np.ndarray, w: np.ndarray, exponents: Sequence[float]):
    """Weighted least squares of ``phi = phi0 + sum_k a_k h^e_k``: (coefficients,
    fitted values, weighted sum of squared residuals)."""
    a = np.stack([np.ones_like(h), *[h ** e for e in exponents]], axis=1)
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(a * sw[:, None], phi * sw, rcond=None)
    fit = a @ coef
    return coef, fit, float(np.sum(w * (phi - fit) ** 2))


def _order_fit(h: np.ndarray, phi: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The unknown-order fit ``phi0 + alpha h^p`` (p in (0.02, 8]): p by a scan of the
    residual and a golden-section polish; (p, [phi0, alpha], fitted values)."""
    cost = lambda p: _linear_fit(h, phi, w, (p,))[2]
    s = np.array([cost(p) for p in _P_SCAN])
    k = int(np.argmin(s))
    lo, hi = _P_SCAN[max(k - 1, 0)], _P_SCAN[min(k + 1, len(_P_SCAN) - 1)]
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = cost(a), cost(b)
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = cost(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = cost(b)
    p = min((lo + hi) / 2.0, float(_P_SCAN[-1]))
    coef, fit, _ = _linear_fit(h, phi, w, (p,))
    return p, coef, fit


def _std(phi: np.ndarray, fit: np.ndarray, w: np.ndarray, params: int) -> float:
    n = len(phi)
    return math.sqrt(n * float(np.sum(w * (phi - fit) ** 2)) / (n - params))


def _estimate(h: np.ndarray, phi: np.ndarray, w: np.ndarray) -> dict:
    """The error estimate of one weighting: the unknown-order fit, or where its order
    lies outside [0.5, 2] the fixed-exponent fit with the smallest standard deviation."""
    p, coef, fit = _order_fit(h, phi, w)
    best = {"order": p, "fit": "h^p", "extrapolated": float(coef[0]), "fitted": fit,
            "std": _std(phi, fit, w, 3)}
    if ORDER_FIT_RANGE[0] <= p <= ORDER_FIT_RANGE[1] + 1e-6:  # an exact 2 found as 2 + round-off
        return best
    choices = (((1.0,), "h"), ((2.0,), "h^2"), ((1.0, 2.0), "h + h^2")) if p < ORDER_FIT_RANGE[0] \
        else (((2.0,), "h^2"), ((1.0, 2.0), "h + h^2"))
    fixed = []
    for exps, name in choices:
        c, f, _ = _linear_fit(h, phi, w, exps)
        fixed.append({"order": p, "fit": name, "extrapolated": float(c[0]), "fitted": f,
                      "std": _std(phi, f, w, 1 + len(exps))})
    return min(fixed, key=lambda e: e["std"])


def least_squares(phi: Sequence[float], h: Sequence[float], scale: float | None = None) -> dict:
    """Eca and Hoekstra's uncertainty of the finest grid's ``phi`` from all grids
    (``phi`` and ``h`` in any order, at least :data:`MIN_GRIDS`). ``scale``: what the
    relative numbers divide by (default ``|phi|`` of the finest grid). Returns the
    observed order, the fit used, its extrapolate, standard deviation, the data range,
    the safety factor, the error estimate, ``uncertainty`` (with ``_pct``) and the fit's
    value at each grid (``fitted``, in the order of ``phi``)."""
    if len(phi) != len(h) or len(phi) < MIN_GRIDS:
        raise ValueError(f"a least-squares uncertainty needs at least {MIN_GRIDS} grids "
                         f"(got {len(phi)} values for {len(h)} cell sizes)")
    order = np.argsort(np.asarray(h, float))
    hh, pp = np.asarray(h, float)[order], np.asarray(phi, float)[order]
    if not np.all(np.diff(hh) > 0.0):
        raise ValueError(f"two grids have the same cell size: {sorted(h)}")
    n = len(hh)
    hn = hh / hh[0]  # the fits are scale-free in h; 1 on the finest grid keeps them conditioned
    equal = np.full(n, 1.0 / n)
    inverse = (1.0 / hn) / np.sum(1.0 / hn)
    fits = [dict(_estimate(hn, pp, w), weighted=weighted)
            for w, weighted in ((equal, False), (inverse, True))]
    best = min(fits, key=lambda e: e["std"])
    fitted = best.pop("fitted")
    in_order = np.empty(n)
    in_order[order] = fitted  # the fit at each grid, in the order the values came
    spread = (float(np.max(pp)) - float(np.min(pp))) / (n - 1)
    std = best["std"]
    error = abs(float(fitted[0]) - best["extrapolated"])
    off = abs(float(pp[0]) - float(fitted[0]))
    good = std < spread
    safety = 1.25 if good and SAFE_ORDER[0] <= best["order"] < SAFE_ORDER[1] else 3.0
    u = safety * error + std + off if good else 3.0 * std / spread * (error + std + off) \
        if spread > 0.0 else 0.0
    ref = abs(float(pp[0])) if scale is None else abs(scale)
    rel = (lambda x: 100.0 * x / ref) if ref > 0.0 else (lambda x: None)
    best["order"] = float(best["order"])
    return {**best, "data_range": spread, "safety": safety, "error": error,
            "uncertainty": u, "uncertainty_pct": rel(u), "grids": n,
            "fitted": [float(x) for x in in_order]}
