"""An axis's spacing: one cell width (a uniform axis) or each cell's width (graded).

Every kernel takes the spacing of axis ``a`` as ``h[a]``: a float, the width (m) of
every cell along a uniform axis, or a tuple of floats, the width (m) of each cell in
order along a graded axis (hashable, so it can sit in a compile-time settings
record). On a uniform axis the kernels keep their uniform-grid expressions, so
answers there do not change by even a round-off; the graded expressions reduce to
them analytically.

Distances used on a graded axis of ``n`` cells of widths ``w``:

* ``widths``: ``n`` values, a cell-centred control volume's extent;
* ``gaps``: ``n + 1`` values, the distance between the two cell centres a face
  separates (``(w[i-1] + w[i]) / 2``). At a non-periodic boundary face the ghost
  cell mirrors the first interior one, so the gap there is that cell's width
  ``w[0]`` (``w[n-1]``) and a Dirichlet value on the face, half a cell from the
  centre, gives the gradient ``2 (p_face - p_0) / w[0]``; on a periodic axis it is
  ``(w[n-1] + w[0]) / 2``. A face-centred (staggered) control volume along its own
  axis has the gaps as extents and the widths as the distances between its nodes.
"""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

__all__ = ["is_uniform", "widths", "gaps", "along_axis", "axis_widths", "min_width"]


def is_uniform(h_a) -> bool:
    """True for a uniform axis (``h_a`` one width), False for a graded one (a tuple)."""
    return not isinstance(h_a, (tuple, list, np.ndarray))


def widths(h_a, n: int | None = None) -> np.ndarray:
    """Cell widths (m) along the axis, float64 NumPy: ``n`` copies of a uniform width
    (``n`` required then), or the graded widths (their count must equal ``n`` if given)."""
    if is_uniform(h_a):
        if n is None:
            raise ValueError("widths of a uniform axis need its cell count n")
        return np.full(int(n), float(h_a))
    w = np.asarray(h_a, dtype=np.float64)
    if n is not None and w.size != n:
        raise ValueError(f"graded spacing has {w.size} widths for an axis of {n} cells")
    return w


def gaps(h_a, periodic: bool, n: int | None = None) -> np.ndarray:
    """Centre-to-centre distances (m) across the ``n + 1`` faces of the axis (see the
    module docstring for the boundary faces), float64 NumPy."""
    w = widths(h_a, n)
    inner = 0.5 * (w[:-1] + w[1:])
    if periodic:
        end = 0.5 * (w[-1] + w[0])
        return np.concatenate([[end], inner, [end]])
    return np.concatenate([[w[0]], inner, [w[-1]]])


def along_axis(values, axis: int, dtype) -> jnp.ndarray:
    """A 1-D array of per-cell or per-face values shaped to broadcast along ``axis``
    of a 3-D field (``(n, 1, 1)`` for axis 0), as a constant of ``dtype``."""
    shape = [1, 1, 1]
    shape[axis] = -1
    return jnp.asarray(np.asarray(values, dtype=np.float64).reshape(shape), dtype=dtype)


def axis_widths(h_a, axis: int, dtype):
    """Cell widths (m) along ``axis``: a float (uniform), or an array broadcasting
    along ``axis`` (graded)."""
    return h_a if is_uniform(h_a) else along_axis(widths(h_a), axis, dtype)


def min_width(h_a) -> float:
    """The smallest cell width (m) along the axis."""
    return float(h_a) if is_uniform(h_a) else float(min(h_a))
