"""Graded Cartesian grid lines: face coordinates (m) per axis, snapped to every object.

Pure NumPy on the host; ``Grid.from_lines`` builds a graded grid from them (the solver
still runs on uniform grids only). Terms, lengths in metres:

* a *break* is a coordinate that must be a grid line: a part face, a boundary
  region's edge, a refinement zone's edge, the two ends of the axis. Breaks closer
  than ``max(min_cell, 1e-9 * length)`` to the previous kept line are merged onto it
  (the ends of the axis are always kept);
* a *segment* is the interval between two consecutive kept breaks; each segment has
  a cap on its cells: ``max_cell``, the ``max_cell`` of every refinement zone it
  overlaps, ``width / n`` inside a part that needs ``n`` cells across, and its own
  width (one cell at least);
* the *size field* ``h(x) = min_j (cap_j + ln(max_ratio) * dist(x, segment_j))`` is
  the largest cell size allowed at ``x``: no more than any cap, and growing away
  from small caps no faster than slope ``ln(max_ratio)``.

How the neighbour-ratio limit holds, breaks and zone edges included. Number the
faces by a continuous cell index ``u`` (face ``m`` at ``u = m``) and write the cell
size density as ``exp(lam(u))``, so cell ``m`` is ``int_m^{m+1} exp(lam) du``. If
``lam`` is continuous with ``|dlam/du| <= ln(max_ratio)`` on the whole axis, then
``exp(lam(u + 1)) <= max_ratio * exp(lam(u))`` everywhere, so every cell is at most
``max_ratio`` times its neighbour: integrate that over ``[m, m + 1]``. The field
``h`` has exactly this property (``dlam/du = dh/dx``), and each segment gets a whole
number of cells ``N = ceil(int dx / h)``. The rounding is absorbed inside the
segment: its ``lam`` keeps the field's values at both ends (so ``lam`` stays
continuous across every break) and is clamped to a level ``L`` in between,
``lam = min(up, max(down, L))`` with ``up``/``down`` the highest/lowest admissible
profiles from the end values, ``L`` chosen so the cells fill the segment exactly.
When even ``down`` holds more than the segment (a short segment a fraction of a
cell longer than a whole number of its end cells), its cap is lowered to
``width / N`` and the field is recomputed; caps only fall and a caught segment's
count grows each time, and in practice this settles in a few rounds (at most 21 in
3,000 random axes; a RuntimeError guards the rest). The ends of the axis have no
neighbour, so the cells there are free (``down`` has no term from a free end): a
plain axis is uniform. Cell sizes are exact but for the round-off of the
coordinates, about 1e-16 * length / cell relative.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .parts import shapes_of

__all__ = ["axis_lines", "grid_lines", "grid_quality", "part_boxes", "boundary_boxes", "wall_layers",
           "ROUNDOFF"]

ROUNDOFF = 1e-9    # relative to the axis length: breaks this close are one line
_BIG = 1e300       # a finite stand-in for "no constraint" (inf - inf would be nan)
_COUNT_SLACK = 1e-10  # relative: a cell count this far over an integer is that integer
_MAX_ROUNDS = 10_000
_AXES = "xyz"


# -- input checks ---------------------------------------------------------------------

def _finite(name: str, value, accepted: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {accepted}, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return v


def _positive(name: str, value, unit: str = "m") -> float:
    accepted = f"a finite number > 0 ({unit})"
    v = _finite(name, value, accepted)
    if v <= 0:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return v


def _within(name: str, value, length: float, tol: float) -> float:
    accepted = f"a coordinate in [0, {length:g}] m"
    v = _finite(name, value, accepted)
    if v < -tol or v > length + tol:
        raise ValueError(f"{name} must be {accepted}, got {value!r}")
    return min(max(v, 0.0), length)


# -- breaks ---------------------------------------------------------------------------

def _merge(points: np.ndarray, length: float, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """Sorted kept lines from sorted `points` (0 and `length` among them), and for each
    point the index of the kept line it lies on. A point closer than `gap` to the
    previous kept line joins it; `length` always wins over the line before it."""
    if points.size < 2 or np.all(np.diff(points) >= gap):
        return points, np.arange(points.size)
    kept, owner = [points[0]], np.empty(points.size, dtype=np.int64)
    owner[0] = 0
    for i in range(1, points.size):
        if points[i] - kept[-1] < gap:
            owner[i] = len(kept) - 1
        else:
            kept.append(points[i])
            owner[i] = len(kept) - 1
    if kept[-1] != length:  # the axis end was merged into the line before it
        if len(kept) == 1:
            kept.append(length)
            owner[-1] = 1
        else:
            kept[-1] = length
    return np.array(kept), owner


# -- the size field and the per-segment profiles ----------------------------------------

def _field(a, b, cap, k):
    """The field's ramps on each segment: h(x) = min(cap, left + k x, right - k x)."""
    left = np.minimum.accumulate(cap - k * b)
    left = np.concatenate(([_BIG], left[:-1]))
    right = np.minimum.accumulate((cap + k * a)[::-1])[::-1]
    right = np.concatenate((right[1:], [_BIG]))
    return left, right


def _field_at_edges(a, b, cap, left, right, k):
    """h at the S + 1 segment edges (one value per edge, the same from both sides)."""
    at_a = np.minimum(cap, np.minimum(left + k * a, right - k * a))
    at_b = np.minimum(cap, np.minimum(left + k * b, right - k * b))
    edges = np.empty(a.size + 1)
    edges[0], edges[-1] = at_a[0], at_b[-1]
    edges[1:-1] = np.minimum(at_b[:-1], at_a[1:])
    return edges


def _log1p_over(t):
    """log(1 + t) / t, exact at small t."""
    small = np.abs(t) < 1e-8
    safe = np.where(small, 1.0, t)
    return np.where(small, 1.0 - 0.5 * t, np.log1p(safe) / safe)


def _expm1_over(d):
    """(exp(d) - 1) / d, exact at small d."""
    small = np.abs(d) < 1e-8
    safe = np.where(small, 1.0, d)
    return np.where(small, 1.0 + 0.5 * d, np.expm1(safe) / safe)


def _cells_in_field(a, b, cap, left, right, k):
    """int_a^b dx / h(x) per segment (h piecewise linear; all its kinks are candidates)."""
    with np.errstate(invalid="ignore", over="ignore"):
        cand = np.stack([a, b, (cap - left) / k, (right - cap) / k, (right - left) / (2 * k)], axis=1)
    cand = np.sort(np.clip(np.nan_to_num(cand, nan=0.0), a[:, None], b[:, None]), axis=1)
    h = np.minimum(cap[:, None], np.minimum(left[:, None] + k * cand, right[:, None] - k * cand))
    dx = np.diff(cand, axis=1)
    h0, h1 = h[:, :-1], h[:, 1:]
    return np.sum(dx / h0 * _log1p_over((h1 - h0) / h0), axis=1)


def _lowest_fill(la_d, lb_d, n, k):
    """int_0^n exp(max(la_d - k u, lb_d - k (n - u))) du: the least a segment of n cells
    can hold with its end cells fixed (la_d, lb_d = -_BIG at a free end)."""
    with np.errstate(over="ignore"):
        turn = np.clip((la_d - lb_d + k * n) / (2 * k), 0.0, n)
    return (np.exp(la_d) * -np.expm1(-k * turn) + np.exp(lb_d) * -np.expm1(-k * (n - turn))) / k


def _profile_kinks(la, lb, lv, la_d, lb_d, n, level, k):
    """Every u in [0, n] where lam = min(up, max(down, level)) may bend, shape (S, 10)."""
    kn = k * n
    with np.errstate(invalid="ignore", over="ignore"):
        cand = np.stack([
            np.zeros_like(n), n,
            (lb + kn - la) / (2 * k), (lv - la) / k, (lb + kn - lv) / k,
            (level - la) / k, (lb + kn - level) / k,
            (la_d - level) / k, (level - lb_d + kn) / k, (la_d - lb_d + kn) / (2 * k)], axis=1)
    return np.clip(np.nan_to_num(cand, nan=0.0), 0.0, n[:, None])


def _profile(u, la, lb, lv, la_d, lb_d, n, level, k):
    """lam(u) = min(up, max(down, level)); the arguments broadcast against u."""
    up = np.minimum(lv, np.minimum(la + k * u, lb + k * (n - u)))
    down = np.maximum(la_d - k * u, lb_d - k * (n - u))
    return np.minimum(up, np.maximum(down, level))


def _piece_integrals(u, lam):
    """int exp(lam) over consecutive points (lam linear between them), along the last axis."""
    du = np.diff(u, axis=-1)
    l0 = lam[..., :-1]
    return du * np.exp(l0) * _expm1_over(lam[..., 1:] - l0)


def _fill(la, lb, lv, la_d, lb_d, n, level, k):
    """int_0^n exp(lam) per segment."""
    params = [p[:, None] for p in (la, lb, lv, la_d, lb_d, n, level)]
    u = np.sort(_profile_kinks(la, lb, lv, la_d, lb_d, n, level, k), axis=1)
    return np.sum(_piece_integrals(u, _profile(u, *params, k)), axis=1)


def _solve_levels(la, lb, lv, la_d, lb_d, n, width, k):
    """The level L per segment whose profile holds exactly `width` (bisection on exp(L))."""
    top = np.exp(lv)
    lo, hi = np.zeros_like(top), top.copy()
    full = _fill(la, lb, lv, la_d, lb_d, n, lv, k) <= width  # rounding left no room: the top
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        with np.errstate(divide="ignore"):
            over = _fill(la, lb, lv, la_d, lb_d, n, np.log(mid), k) > width
        hi = np.where(over, mid, hi)
        lo = np.where(over, lo, mid)
    return np.where(full, lv, np.log(0.5 * (lo + hi)))


def _faces(a, b, la, lb, lv, la_d, lb_d, n, level, k):
    """Face coordinates of all segments in order, each segment's ends exactly a and b:
    the profile integrated exactly (linear in u between its kinks and the faces)."""
    s = a.size
    ni = n.astype(np.int64)
    first = np.concatenate(([0], np.cumsum(ni + 1)[:-1]))  # each segment's first face
    last = first + ni
    seg_face = np.repeat(np.arange(s), ni + 1)
    u_face = (np.arange(seg_face.size) - first[seg_face]).astype(float)
    kinks = _profile_kinks(la, lb, lv, la_d, lb_d, n, level, k)
    seg = np.concatenate((seg_face, np.repeat(np.arange(s), kinks.shape[1])))
    u = np.concatenate((u_face, kinks.ravel()))
    is_face = np.concatenate((np.ones(seg_face.size, bool), np.zeros(kinks.size, bool)))
    order = np.lexsort((~is_face, u, seg))
    seg, u, is_face = seg[order], u[order], is_face[order]
    lam = _profile(u, la[seg], lb[seg], lv[seg], la_d[seg], lb_d[seg], n[seg], level[seg], k)
    piece = _piece_integrals(u, lam)
    piece[seg[1:] != seg[:-1]] = 0.0
    held = np.concatenate(([0.0], np.cumsum(piece)))[is_face]  # faces stay in segment order
    frac = (held - held[first][seg_face]) / (held[last] - held[first])[seg_face]
    x = a[seg_face] + (b - a)[seg_face] * frac
    params = [p[:, None] for p in (la, lb, lv, la_d, lb_d, n, level)]
    flat = np.ptp(_profile(kinks, *params, k), axis=1) <= 1e-13
    for j in np.flatnonzero(flat):  # exactly uniform cells, as np.linspace gives them
        x[first[j]:last[j] + 1] = np.linspace(a[j], b[j], ni[j] + 1)
    x[first], x[last] = a, b
    keep = np.ones(x.size, bool)
    keep[first[1:]] = False  # an inner break is the last face of one segment and the first of the next
    return x[keep]


# -- one axis -------------------------------------------------------------------------

def axis_lines(length: float, breaks: Sequence[float] = (), *, max_cell: float, min_cell: float = 0.0,
               max_ratio: float = 1.2, zones: Sequence[tuple[float, float, float]] = (),
               min_cells_across: Sequence[tuple[float, float]] = (), min_cells: int = 2) -> np.ndarray:
    """Face coordinates (m, increasing, first 0.0, last `length`) of one graded axis.

    length: the axis (m). breaks: coordinates (m) in [0, length] that must be grid
    lines; those closer than ``max(min_cell, 1e-9 * length)`` to the previous kept
    line are merged onto it. max_cell: the largest cell (m). min_cell: the merge
    distance of breaks (m, at most max_cell). max_ratio: the largest ratio of
    neighbouring cells (> 1). zones: refinement zones ``(lo, hi, max_cell)`` (m): every
    cell overlapping ``(lo, hi)`` is at most that zone's max_cell; their edges become
    breaks. min_cells_across: intervals ``(lo, hi)`` (m, e.g. a part's extent; their ends
    become breaks): every segment between consecutive lines inside one gets at least
    `min_cells` cells, fewer only where min_cell leaves no room (a segment narrower
    than ``min_cells * min_cell``).

    Between breaks cells grow by at most max_ratio from the small cells a short
    segment, a zone or a part forces, up to max_cell; the ratio limit holds across
    breaks and zone edges too (see the module docstring). Deterministic. With no
    breaks or zones and max_cell dividing length, exactly
    ``np.linspace(0, length, n + 1)``. Raises ValueError naming the argument and the
    accepted range on bad input.
    """
    length = _positive("length", length)
    max_cell = _positive("max_cell", max_cell)
    min_cell = _finite("min_cell", min_cell, f"a finite number in [0, max_cell = {max_cell:g}] (m)")
    if not 0.0 <= min_cell <= max_cell:
        raise ValueError(f"min_cell must be a finite number in [0, max_cell = {max_cell:g}] (m), "
                         f"got {min_cell!r}")
    ratio = _finite("max_ratio", max_ratio, "a finite number > 1")
    if ratio <= 1.0:
        raise ValueError(f"max_ratio must be a finite number > 1, got {max_ratio!r}")
    if isinstance(min_cells, bool) or int(min_cells) != min_cells or min_cells < 1:
        raise ValueError(f"min_cells must be an integer >= 1, got {min_cells!r}")
    tol = ROUNDOFF * length
    points = [0.0, length]
    points += [_within(f"breaks[{i}]", p, length, tol) for i, p in enumerate(np.ravel(breaks))]
    zone_list = []
    for i, zone in enumerate(zones):
        if len(zone) != 3:
            raise ValueError(f"zones[{i}] must be (lo, hi, max_cell) in m, got {zone!r}")
        lo = _within(f"zones[{i}] lo", zone[0], length, tol)
        hi = _within(f"zones[{i}] hi", zone[1], length, tol)
        if hi <= lo:
            raise ValueError(f"zones[{i}] must have lo < hi inside [0, {length:g}] m, got {zone!r}")
        zone_list.append((lo, hi, _positive(f"zones[{i}] max_cell", zone[2])))
        points += [lo, hi]
    spans = []
    for i, span in enumerate(min_cells_across):
        if len(span) != 2:
            raise ValueError(f"min_cells_across[{i}] must be (lo, hi) in m, got {span!r}")
        lo = _within(f"min_cells_across[{i}] lo", span[0], length, tol)
        hi = _within(f"min_cells_across[{i}] hi", span[1], length, tol)
        if hi < lo:
            raise ValueError(f"min_cells_across[{i}] must have lo <= hi, got {span!r}")
        spans.append((lo, hi))
        points += [lo, hi]

    pts, inverse = np.unique(np.array(points, dtype=float), return_inverse=True)
    edges, owner = _merge(pts, length, max(min_cell, tol))
    line_of = owner[inverse]  # for each entry of `points`, its kept line
    a, b = edges[:-1], edges[1:]
    width = b - a
    cap = np.minimum(max_cell, width)
    for lo, hi, h in zone_list:
        cap = np.where((a < hi - tol) & (b > lo + tol), np.minimum(cap, h), cap)
    if spans:
        ends = line_of[-2 * len(spans):].reshape(-1, 2)  # the spans' ends come last in points
        depth = np.zeros(a.size + 1, dtype=np.int64)
        np.add.at(depth, ends[:, 0], 1)
        np.add.at(depth, ends[:, 1], -1)
        inside = np.cumsum(depth)[:-1] > 0
        need = np.full(a.size, int(min_cells))
        if min_cell > 0:
            need = np.clip(np.floor(width / min_cell * (1 + 1e-12)).astype(np.int64), 1, int(min_cells))
        cap = np.where(inside, np.minimum(cap, width / need), cap)

    k = math.log(ratio)
    free_a = np.zeros(a.size, bool)
    free_b = np.zeros(a.size, bool)
    free_a[0] = free_b[-1] = True
    for _ in range(_MAX_ROUNDS):
        left, right = _field(a, b, cap, k)
        sigma = np.log(_field_at_edges(a, b, cap, left, right, k))
        n = np.maximum(1.0, np.ceil(_cells_in_field(a, b, cap, left, right, k) * (1 - _COUNT_SLACK)))
        la, lb = sigma[:-1], sigma[1:]
        la_d, lb_d = np.where(free_a, -_BIG, la), np.where(free_b, -_BIG, lb)
        stuck = _lowest_fill(la_d, lb_d, n, k) > width * (1 + 1e-12)
        if not stuck.any():
            break
        cap = np.where(stuck, np.minimum(cap, width / n), cap)
    else:  # caps only fall, so this is not expected
        raise RuntimeError(f"axis_lines: the cell counts did not settle in {_MAX_ROUNDS} rounds")
    lv = np.log(cap)
    level = _solve_levels(la, lb, lv, la_d, lb_d, n, width, k)
    return _faces(a, b, la, lb, lv, la_d, lb_d, n, level, k)


# -- three axes -----------------------------------------------------------------------

def _per_axis(name: str, value, dims: int) -> list:
    values = np.ravel(np.asarray(value, dtype=object))
    if values.size == 1:
        return [values[0]] * dims
    if values.size != dims:
        raise ValueError(f"{name} must be one number or {dims} (one per axis), got {value!r}")
    return list(values)


def _boxes(name: str, boxes, dims: int) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for i, box in enumerate(boxes):
        try:
            lo, hi = (np.asarray(c, dtype=float) for c in box)
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}] must be (lo, hi), two points of {dims} coordinates (m), "
                             f"got {box!r}") from None
        if lo.shape != (dims,) or hi.shape != (dims,) or np.any(hi < lo):
            raise ValueError(f"{name}[{i}] must be (lo, hi), two points of {dims} coordinates (m) "
                             f"with lo <= hi, got {box!r}")
        out.append((lo, hi))
    return out


def grid_lines(size: Sequence[float], part_boxes: Sequence = (), region_boxes: Sequence = (), *,
               max_cell, min_cell=0.0, max_ratio: float = 1.2, refine: Sequence = (),
               min_cells_across: int = 2) -> tuple[np.ndarray, ...]:
    """Face coordinates (m) per axis of a graded grid over ``[0, size]`` (m): one array
    per axis, as `axis_lines` gives.

    part_boxes: ``(lo, hi)`` corners (m) of each part (`part_boxes` turns a case's
    parts into these): every face is a grid line, and every segment between lines
    inside a part gets at least `min_cells_across` cells (where min_cell allows).
    region_boxes: ``(lo, hi)`` (m) of boundary regions (flat along their face's normal;
    `boundary_boxes` makes them): their edges are grid lines. refine: refinement zones
    ``((lo, hi), max_cell)``, a box (m) and its largest cell (m, one or one per axis). max_cell, min_cell:
    one number (m) or one per axis. max_ratio: the largest ratio of neighbouring cells
    (> 1). Boxes must lie inside the domain.
    """
    size = [float(s) for s in np.ravel(size)]
    dims = len(size)
    max_cells = _per_axis("max_cell", max_cell, dims)
    min_cells = _per_axis("min_cell", min_cell, dims)
    parts = _boxes("part_boxes", part_boxes, dims)
    regions = _boxes("region_boxes", region_boxes, dims)
    zones = []
    for i, item in enumerate(refine):
        try:
            box, h = item
        except (TypeError, ValueError):
            raise ValueError(f"refine[{i}] must be ((lo, hi), max_cell) in m, got {item!r}") from None
        zones.append((_boxes(f"refine[{i}] box", [box], dims)[0], _per_axis(f"refine[{i}] max_cell", h, dims)))
    out = []
    for ax in range(dims):
        name = _AXES[ax] if dims <= 3 else str(ax)
        try:
            out.append(axis_lines(
                size[ax],
                [c[ax] for lo, hi in parts + regions for c in (lo, hi)],
                max_cell=max_cells[ax], min_cell=min_cells[ax], max_ratio=max_ratio,
                zones=[(lo[ax], hi[ax], h[ax]) for (lo, hi), h in zones],
                min_cells_across=[(lo[ax], hi[ax]) for lo, hi in parts if hi[ax] > lo[ax]],
                min_cells=min_cells_across))
        except ValueError as e:
            raise ValueError(f"axis {name}: {e}") from None
    return tuple(out)


def grid_quality(lines: Sequence[np.ndarray]) -> dict:
    """Sizes of the grid whose face coordinates (m) per axis are `lines`.

    Returns ``{axis: {"cells", "smallest" (m), "largest" (m), "max_ratio"}, ...,
    "cells": total, "max_aspect": largest ratio of a cell's longest to shortest edge}``,
    axes named x, y, z. max_ratio is the largest ratio of neighbouring cells (>= 1).
    """
    out: dict = {}
    widths = [np.diff(np.asarray(x, dtype=float)) for x in lines]
    total = 1
    for ax, w in enumerate(widths):
        if w.size == 0 or np.any(w <= 0):
            raise ValueError(f"lines[{ax}] must be increasing face coordinates (m), two at least")
        ratio = np.maximum(w[1:] / w[:-1], w[:-1] / w[1:])
        out[_AXES[ax] if len(widths) <= 3 else str(ax)] = {
            "cells": int(w.size), "smallest": float(w.min()), "largest": float(w.max()),
            "max_ratio": float(ratio.max()) if ratio.size else 1.0}
        total *= int(w.size)
    out["cells"] = total
    out["max_aspect"] = max((float(p.max() / q.min()) for p in widths for q in widths), default=1.0)
    return out


# -- a case's objects as boxes ----------------------------------------------------------

def part_boxes(parts: Sequence[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The bounding box ``(lo, hi)`` (m) of every shape of every part (dicts as in a
    validated case's ``data["parts"]``), rotations applied and ``repeat`` copies
    expanded, in order."""
    return [shape.bounds() for part in parts for shape in shapes_of(part)]


def boundary_boxes(boundaries: Sequence[dict], size: Sequence[float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The region of every boundary (dicts as in a validated case's
    ``data["boundaries"]``: ``face`` such as "x-", ``region`` ``{min, max}`` on the face's
    two other axes in order) as a box ``(lo, hi)`` (m), flat at its face of the domain
    ``[0, size]`` (m)."""
    out = []
    for b in boundaries:
        normal = _AXES.index(b["face"][0])
        at = 0.0 if b["face"][1] == "-" else float(size[normal])
        tangents = [a for a in range(3) if a != normal]
        lo, hi = np.full(3, at), np.full(3, at)
        for a, r_lo, r_hi in zip(tangents, b["region"]["min"], b["region"]["max"]):
            lo[a], hi[a] = r_lo, r_hi
        out.append((lo, hi))
    return out


def wall_layers(boxes: Sequence, size: Sequence[float], first: float,
                against: Sequence = ()) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Thin boxes ``(lo, hi, axis)`` (m), ``first`` (m) thick along ``axis``, on the outer
    side of every face of `boxes` (``(lo, hi)`` corners, m): a grid with cells of
    ``first`` normal to the face there puts its first cell's centre ``first / 2`` from
    the wall. Left out: faces on the domain ``[0, size]``'s boundary, faces with no area,
    and faces whose centre, moved ``first / 2`` outward, lies in one of the `against`
    boxes (a face resting on another solid: no fluid there). A layer reaching past the
    domain is cut at its boundary."""
    size = np.asarray(size, float)
    against = [(np.asarray(lo, float), np.asarray(hi, float)) for lo, hi in against]
    out = []
    for lo, hi in boxes:
        lo, hi = np.asarray(lo, float), np.asarray(hi, float)
        for axis in range(lo.size):
            tangents = [a for a in range(lo.size) if a != axis]
            if any(hi[a] <= lo[a] for a in tangents):
                continue
            for side, at in ((-1, lo[axis]), (1, hi[axis])):
                tol = ROUNDOFF * size[axis]
                if at <= tol or at >= size[axis] - tol:
                    continue
                probe = 0.5 * (lo + hi)
                probe[axis] = at + 0.5 * side * first
                if any(np.all(a_lo <= probe) and np.all(probe <= a_hi) for a_lo, a_hi in against):
                    continue
                l_lo, l_hi = lo.copy(), hi.copy()
                l_lo[axis], l_hi[axis] = sorted((at, min(max(at + side * first, 0.0), size[axis])))
                out.append((l_lo, l_hi, axis))
    return out
