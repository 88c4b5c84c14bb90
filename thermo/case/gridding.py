"""The case's grid: ``domain.cells`` (uniform) or a ``[grid]`` table (graded, snapped).

A ``[grid]`` table asks for grid lines on every part face and every boundary
region's edge, cells no larger than ``max_cell`` (and a refinement zone's
``max_cell`` inside it), neighbours within ``max_ratio`` of each other and each
part at least ``min_cells_across`` cells across (where ``min_cell`` allows);
:func:`thermo.meshes.grid_lines` places the lines. :func:`grid_section` checks
the table and places the lines once, so that bad input (a zone outside the
domain or naming no part, a ratio below 1) is refused with the file and key;
:func:`case_grid` gives the :class:`thermo.meshes.Grid` of a validated case.
"""
from __future__ import annotations

import fnmatch
from typing import Any, Sequence

import numpy as np

from thermo.case.checker import Checker, box, describe, fmt
from thermo.case.schema import AXES, KEYS
from thermo.meshes import Grid
from thermo.meshes.lines import boundary_boxes, grid_lines, part_boxes
from thermo.meshes.parts import shapes_of

#: cells above which a grid is refused before anything is built (a run needs a few
#: kB per cell; 2e8 cells is past any single device this code runs on)
MAX_CELLS = 200_000_000
MAX_AXIS = 10_000_000  # cells along one axis at most (a bound checked before any array)
DEFAULTS = {"min_cell": 0.0, "max_ratio": 1.2, "min_cells_across": 2}


def _per_axis(c: Checker, value: Any, key: str) -> list[float]:
    """One positive size (m) or three."""
    acc = "a number > 0 (m) or a list of 3 (x, y, z)"
    if isinstance(value, (list, tuple)):
        return c.vector(value, key, 3, lo=0.0, lo_open=True)
    return [c.number(value, key, lo=0.0, lo_open=True, accepted=acc)] * 3


def grid_section(c: Checker, raw: Any, domain: dict, parts: Sequence[dict],
                 boundaries: Sequence[dict]) -> dict:
    """The checked ``[grid]`` table (every default filled in) after placing its lines
    once; CaseError naming the key on bad input."""
    t = c.table(raw, "grid", KEYS["grid"])
    size = domain["size"]
    if "max_cell" not in t:
        raise c.fail("grid.max_cell", "missing required key",
                     "the largest cell (m): a number > 0 or a list of 3")
    out: dict[str, Any] = {"max_cell": _per_axis(c, t["max_cell"], "grid.max_cell")}
    min_cell = t.get("min_cell", DEFAULTS["min_cell"])
    if isinstance(min_cell, (list, tuple)):
        out["min_cell"] = c.vector(min_cell, "grid.min_cell", 3, lo=0.0)
    else:
        out["min_cell"] = [c.number(min_cell, "grid.min_cell", lo=0.0,
                                    accepted="a number >= 0 (m) or a list of 3")] * 3
    for a in range(3):
        if out["min_cell"][a] > out["max_cell"][a]:
            raise c.fail("grid.min_cell", f"{AXES[a]}: {fmt(out['min_cell'][a])} m is above "
                         f"max_cell {fmt(out['max_cell'][a])} m", "min_cell <= max_cell on every axis")
    out["max_ratio"] = c.number(t.get("max_ratio", DEFAULTS["max_ratio"]), "grid.max_ratio", lo=1.0,
                                lo_open=True, accepted="a number > 1 (e.g. 1.2)")
    out["min_cells_across"] = c.integer(t.get("min_cells_across", DEFAULTS["min_cells_across"]),
                                        "grid.min_cells_across", lo=1)
    zones = []
    for i, z in enumerate(c.array(t.get("refine", []), "grid.refine")):
        key = f"grid.refine[{i}]"
        zt = c.table(z, key, KEYS["refine"])
        if ("box" in zt) == ("parts" in zt):
            raise c.fail(key, "needs exactly one of box and parts",
                         "box = {min = [..], max = [..]} (m) or parts = [\"name or glob\", ...]")
        if "max_cell" not in zt:
            raise c.fail(f"{key}.max_cell", "missing required key", "the zone's largest cell (m)")
        zone = {"max_cell": _per_axis(c, zt["max_cell"], f"{key}.max_cell")}
        if "box" in zt:
            zone["box"] = box(c, zt["box"], f"{key}.box", size, "xyz")
        else:
            globs = zt["parts"]
            if isinstance(globs, str):
                globs = [globs]
            if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
                raise c.fail(f"{key}.parts", f"expected a list of part names or globs, got "
                             f"{describe(globs)}", "e.g. parts = [\"gpu*\", \"cpu0_plate\"]")
            names = [p["name"] for p in parts]
            for g in globs:
                if not fnmatch.filter(names, g):
                    raise c.fail(f"{key}.parts", f"{g!r} names no part",
                                 "names or globs of the case's parts: " + ", ".join(names[:12])
                                 + (", ..." if len(names) > 12 else ""))
            zone["parts"] = list(globs)
        zones.append(zone)
    out["refine"] = zones
    # refuse before placing lines what is sure to be too many cells
    fewest = float(np.prod([size[a] / out["max_cell"][a] for a in range(3)]))
    if fewest > MAX_CELLS:
        raise c.fail("grid.max_cell", f"cells of {', '.join(fmt(h) for h in out['max_cell'])} m "
                     f"fill the domain with at least {fewest:,.0f} cells, over the {MAX_CELLS:,} "
                     "this solver accepts", "a larger max_cell")
    for a in range(3):
        smallest = max(min([out["max_cell"][a]] + [z["max_cell"][a] for z in zones]), out["min_cell"][a])
        if size[a] / smallest > MAX_AXIS:
            raise c.fail("grid.refine", f"{AXES[a]}: cells of {fmt(smallest)} m over {fmt(size[a])} m "
                         f"could need up to {size[a] / smallest:,.0f} cells along the axis, over "
                         f"the {MAX_AXIS:,} a grid line generator places", "a larger max_cell "
                         "in the refinement zones, or a min_cell")
    try:
        lines = _lines(out, size, parts, boundaries)
    except ValueError as exc:
        raise c.fail("grid", f"cannot place grid lines: {exc}",
                     "max_cell, min_cell and refinement zones that fit the domain") from None
    cells = int(np.prod([len(x) - 1 for x in lines]))
    if cells > MAX_CELLS:
        counts = " x ".join(str(len(x) - 1) for x in lines)
        raise c.fail("grid.max_cell", f"the grid has {counts} = {cells:,} cells, over the "
                     f"{MAX_CELLS:,} this solver accepts", "larger max_cell or smaller refinement zones")
    return out


def _zone_boxes(zone: dict, parts: Sequence[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    if "box" in zone:
        return [(np.asarray(zone["box"]["min"], float), np.asarray(zone["box"]["max"], float))]
    chosen = [p for p in parts if any(fnmatch.fnmatch(p["name"], g) for g in zone["parts"])]
    return [shape.bounds() for p in chosen for shape in shapes_of(p)]


def _lines(g: dict, size: Sequence[float], parts: Sequence[dict],
           boundaries: Sequence[dict]) -> tuple[np.ndarray, ...]:
    size = [float(s) for s in size]
    # no zone's cells below min_cell (the generator itself only merges lines closer than it)
    refine = [((np.clip(lo, 0.0, size), np.clip(hi, 0.0, size)),
               [max(h, m) for h, m in zip(zone["max_cell"], g["min_cell"])])
              for zone in g["refine"] for lo, hi in _zone_boxes(zone, parts)]
    pboxes = [(np.clip(lo, 0.0, size), np.clip(hi, 0.0, size)) for lo, hi in part_boxes(parts)]
    return grid_lines(size, pboxes, boundary_boxes(boundaries, size), max_cell=g["max_cell"],
                      min_cell=g["min_cell"], max_ratio=g["max_ratio"], refine=refine,
                      min_cells_across=g["min_cells_across"])


def case_grid(data: dict) -> Grid:
    """The grid of a validated case's data: uniform from ``domain.cells``, else graded
    from its ``[grid]`` table (the same lines every time: the generator is
    deterministic)."""
    if "grid" not in data:
        return Grid(data["domain"]["size"], data["domain"]["cells"])
    lines = _lines(data["grid"], data["domain"]["size"], data["parts"], data["boundaries"])
    return Grid.from_lines(*lines)
