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
from thermo.meshes.lines import boundary_boxes, grid_lines, part_boxes, wall_layers
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
    names = [p["name"] for p in parts]
    for i, z in enumerate(c.array(t.get("refine", []), "grid.refine")):
        key = f"grid.refine[{i}]"
        zt = c.table(z, key, KEYS["refine"])
        given = [k for k in ("box", "parts", "walls") if k in zt]
        if len(given) != 1:
            raise c.fail(key, "needs exactly one of box, parts and walls",
                         "box = {min = [..], max = [..]} (m) or parts = [\"name or glob\", ...] "
                         "with max_cell, or walls = [\"name or glob\", ...] with first_cell")
        size_key, other = ("first_cell", "max_cell") if "walls" in zt else ("max_cell", "first_cell")
        if other in zt:
            raise c.fail(f"{key}.{other}", f"not with {given[0]}",
                         "walls with first_cell (m, the cells normal to the walls); box or parts "
                         "with max_cell")
        if size_key not in zt:
            raise c.fail(f"{key}.{size_key}", "missing required key",
                         "the cells normal to the walls (m, a number > 0)" if "walls" in zt
                         else "the zone's largest cell (m)")
        if "walls" in zt:
            first = c.number(zt["first_cell"], f"{key}.first_cell", lo=0.0, lo_open=True,
                             accepted="a number > 0 (m), e.g. 1.6e-4")
            zone = {"walls": _globs(c, zt["walls"], f"{key}.walls", names), "first_cell": first}
            if not zone_wall_layers(zone, size, parts):
                raise c.fail(f"{key}.walls", "no face of these parts meets the fluid (each lies on "
                             "the domain's boundary or rests on a solid part)",
                             "parts with a face in the fluid")
        else:
            zone = {"max_cell": _per_axis(c, zt["max_cell"], f"{key}.max_cell")}
        if "box" in zt:
            zone["box"] = box(c, zt["box"], f"{key}.box", size, "xyz")
        elif "parts" in zt:
            zone["parts"] = _globs(c, zt["parts"], f"{key}.parts", names)
        zones.append(zone)
    out["refine"] = zones
    # refuse before placing lines what is sure to be too many cells
    fewest = float(np.prod([size[a] / out["max_cell"][a] for a in range(3)]))
    if fewest > MAX_CELLS:
        raise c.fail("grid.max_cell", f"cells of {', '.join(fmt(h) for h in out['max_cell'])} m "
                     f"fill the domain with at least {fewest:,.0f} cells, over the {MAX_CELLS:,} "
                     "this solver accepts", "a larger max_cell")
    for a in range(3):
        smallest = max(min([out["max_cell"][a]] + [_zone_cell(z)[a] for z in zones]), out["min_cell"][a])
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


def _globs(c: Checker, globs: Any, key: str, names: Sequence[str]) -> list[str]:
    """Part names or globs, each naming at least one part."""
    if isinstance(globs, str):
        globs = [globs]
    if not isinstance(globs, list) or not globs or not all(isinstance(g, str) for g in globs):
        raise c.fail(key, f"expected a list of part names or globs, got {describe(globs)}",
                     "e.g. [\"gpu*\", \"cpu0_plate\"]")
    for g in globs:
        if not fnmatch.filter(names, g):
            raise c.fail(key, f"{g!r} names no part", "names or globs of the case's parts: "
                         + ", ".join(names[:12]) + (", ..." if len(names) > 12 else ""))
    return list(globs)


def _zone_cell(zone: dict) -> list[float]:
    """The smallest cell (m) a zone may ask for, per axis."""
    return zone["max_cell"] if "max_cell" in zone else [zone["first_cell"]] * 3


def _named(parts: Sequence[dict], globs: Sequence[str]) -> list[dict]:
    return [p for p in parts if any(fnmatch.fnmatch(p["name"], g) for g in globs)]


def zone_wall_layers(zone: dict, size: Sequence[float],
                     parts: Sequence[dict]) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """A checked ``walls`` zone's layers ``(lo, hi, axis)`` (m): one per face of the named
    parts' shapes that the fluid sees (:func:`thermo.meshes.lines.wall_layers`, the
    ``solid`` parts' shapes as what a face may rest on)."""
    solids = [shape.bounds() for p in parts if p["kind"] == "solid" for shape in shapes_of(p)]
    boxes = [s.bounds() for p in _named(parts, zone["walls"]) for s in shapes_of(p)]
    return wall_layers(boxes, [float(x) for x in size], zone["first_cell"], solids)


def _zones(g: dict, size: list[float], parts: Sequence[dict]) -> list:
    """Every refinement zone as ``((lo, hi), max_cell per axis)`` (m), inside the domain
    and no cell below ``min_cell`` (the generator itself only merges lines closer than
    it). A ``walls`` zone is one thin box per face of the named parts' shapes on its
    outer side (:func:`thermo.meshes.lines.wall_layers`: not on the domain's boundary,
    not resting on a solid part), capped at ``first_cell`` normal to the face only."""
    out = []
    for zone in g["refine"]:
        if "walls" in zone:
            for lo, hi, axis in zone_wall_layers(zone, size, parts):
                cap = list(g["max_cell"])
                cap[axis] = zone["first_cell"]
                out.append(((lo, hi), cap))
            continue
        if "box" in zone:
            boxes = [(np.asarray(zone["box"]["min"], float), np.asarray(zone["box"]["max"], float))]
        else:
            boxes = [s.bounds() for p in _named(parts, zone["parts"]) for s in shapes_of(p)]
        out += [((lo, hi), zone["max_cell"]) for lo, hi in boxes]
    return [((np.clip(lo, 0.0, size), np.clip(hi, 0.0, size)),
             [max(h, m) for h, m in zip(cap, g["min_cell"])]) for (lo, hi), cap in out]


def _lines(g: dict, size: Sequence[float], parts: Sequence[dict],
           boundaries: Sequence[dict]) -> tuple[np.ndarray, ...]:
    size = [float(s) for s in size]
    pboxes = [(np.clip(lo, 0.0, size), np.clip(hi, 0.0, size)) for lo, hi in part_boxes(parts)]
    return grid_lines(size, pboxes, boundary_boxes(boundaries, size), max_cell=g["max_cell"],
                      min_cell=g["min_cell"], max_ratio=g["max_ratio"], refine=_zones(g, size, parts),
                      min_cells_across=g["min_cells_across"])


def case_grid(data: dict) -> Grid:
    """The grid of a validated case's data: uniform from ``domain.cells``, else graded
    from its ``[grid]`` table (the same lines every time: the generator is
    deterministic)."""
    if "grid" not in data:
        return Grid(data["domain"]["size"], data["domain"]["cells"])
    lines = _lines(data["grid"], data["domain"]["size"], data["parts"], data["boundaries"])
    return Grid.from_lines(*lines)
