"""The grid's distances as the step's terms use them: one float per axis on a uniform
grid (today's expressions, unchanged), per-cell or per-face arrays on a graded one
(see :mod:`thermo.kernels.spacing`)."""
from __future__ import annotations

import numpy as np

from thermo.kernels.spacing import along_axis, axis_widths, gaps, is_uniform, widths
from thermo.solver.state import Settings


def cell_widths(cfg: Settings, a: int, dtype):
    """Cell widths (m) along axis ``a``: a float, or an array broadcasting along ``a``."""
    return axis_widths(cfg.h[a], a, dtype)


def face_gaps(cfg: Settings, a: int, dtype):
    """Centre-to-centre distances (m) across the faces of axis ``a`` (``n + 1``)."""
    h = cfg.h[a]
    return h if is_uniform(h) else along_axis(gaps(h, cfg.periodic[a]), a, dtype)


def face_reach(cfg: Settings, a: int, dtype):
    """For the CFL limit: the smaller width of the two cells beside each face of axis
    ``a`` (m), so that a face's velocity crosses neither in less than a step."""
    h = cfg.h[a]
    if is_uniform(h):
        return h
    w = widths(h)
    return along_axis(np.minimum(np.concatenate([[w[0]], w]), np.concatenate([w, [w[-1]]])), a, dtype)


def smallest(cfg: Settings, a: int) -> float:
    """The smallest cell width (m) along axis ``a``."""
    h = cfg.h[a]
    return float(h) if is_uniform(h) else float(min(h))
