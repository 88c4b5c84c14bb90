"""How well a case's grid resolves it: cell sizes and ratios per axis, and the parts
the grid makes thinner than a few cells (what `thermo check` prints)."""
from __future__ import annotations

import numpy as np

from thermo.case import Case
from thermo.meshes import Grid, shapes_of
from thermo.meshes.lines import grid_quality

AXES = "xyz"
MIN_CELLS_ACROSS = 2  # a part fewer cells across than this is a one-cell feature
# bytes per cell of the compiled step, float32 and float64: measured for the default
# rack with k-epsilon (solver.memory.bytes_per_cell, 2026-12-01; with zero-equation
# 793 B/cell in float32: the two transported fields and their solves double it)
BYTES_PER_CELL = (1530, 2936)


def cells_across(grid: Grid, lo, hi) -> list[int]:
    """Cells per axis whose centres lie in ``[lo, hi]`` (m): how many cells a box spans
    (0: thinner than a cell, left to the voxeliser's volume fractions)."""
    return [int(np.count_nonzero((c >= lo[a]) & (c <= hi[a])))
            for a, c in enumerate(grid.centers(a) for a in range(3))]


def grid_report(case: Case) -> dict:
    """``grid_quality`` of the case's grid, plus ``thin``: per part copy thinner than
    :data:`MIN_CELLS_ACROSS` cells along an axis it spans, ``(name, cells, axis)``,
    and ``parts``: how many part copies there are."""
    d = case.data
    grid = case.grid
    out = grid_quality([grid.faces(a) for a in range(3)])
    thin, count = [], 0
    for part in d["parts"]:
        shapes = shapes_of(part)
        for k, shape in enumerate(shapes):
            count += 1
            lo, hi = shape.bounds()
            across = cells_across(grid, lo, hi)
            spans = [a for a in range(3) if grid.cells[a] > 1]  # a 2-D case's flat axis is no feature
            a = min(spans, key=lambda a: across[a], default=None)
            if a is not None and across[a] < MIN_CELLS_ACROSS:
                name = f"{part['name']}[{k}]" if len(shapes) > 1 else part["name"]
                thin.append((name, across[a], AXES[a]))
    out["thin"] = thin
    out["parts"] = count
    out["walls"] = _walls(case)
    return out


def _walls(case: Case) -> list[dict]:
    """Per ``walls`` refinement zone: its index, parts, ``first_cell`` (m), the faces
    it layers and the widest first cell the grid gives them (m; above first_cell
    where ``min_cell`` or merged part faces hold it)."""
    from thermo.case.gridding import zone_wall_layers

    d, grid = case.data, case.grid
    out = []
    for i, zone in enumerate((d.get("grid") or {}).get("refine", [])):
        if "walls" not in zone:
            continue
        layers = zone_wall_layers(zone, d["domain"]["size"], d["parts"])
        widest = 0.0
        for lo, hi, axis in layers:
            faces = grid.faces(axis)
            k = int(np.clip(np.searchsorted(faces, 0.5 * (lo[axis] + hi[axis])) - 1, 0, faces.size - 2))
            widest = max(widest, float(faces[k + 1] - faces[k]))
        out.append({"zone": i, "parts": zone["walls"], "first_cell": zone["first_cell"],
                    "faces": len(layers), "widest_first_cell": widest})
    return out


def report_lines(report: dict, show: int = 6) -> list[str]:
    """The report as text lines (lengths in mm)."""
    lines = []
    for ax in AXES:
        q = report[ax]
        lines.append(f"  {ax}: {q['cells']} cells, {1e3 * q['smallest']:.3g} to "
                     f"{1e3 * q['largest']:.3g} mm, neighbour ratio up to {q['max_ratio']:.3g}")
    lines.append(f"  {report['cells']:,} cells, largest cell aspect ratio {report['max_aspect']:.3g}")
    gib = [report["cells"] * b / 2 ** 30 for b in BYTES_PER_CELL]
    lines.append(f"  memory of the run: about {gib[0]:.3g} GiB in float32, {gib[1]:.3g} GiB in float64 "
                 f"(at {BYTES_PER_CELL[0]:,} and {BYTES_PER_CELL[1]:,} B/cell, the default rack's "
                 "compiled step; `thermo info` measures a case's own)")
    thin = report["thin"]
    if thin:
        named = ", ".join(f"{n} ({c} along {a})" for n, c, a in thin[:show])
        more = f" and {len(thin) - show} more" if len(thin) > show else ""
        lines.append(f"  {len(thin)} of {report['parts']} part copies are fewer than "
                     f"{MIN_CELLS_ACROSS} cells across: {named}{more}")
    else:
        lines.append(f"  every part is at least {MIN_CELLS_ACROSS} cells across")
    for w in report.get("walls", []):
        held = "" if w["widest_first_cell"] <= w["first_cell"] * (1 + 1e-6) else (
            f"; the widest is {1e3 * w['widest_first_cell']:.3g} mm (min_cell, or part faces "
            "merged onto one line, hold it)")
        lines.append(f"  grid.refine[{w['zone']}]: walls of {', '.join(w['parts'])}: "
                     f"{w['faces']} faces with first cells of {1e3 * w['first_cell']:.3g} mm{held}")
    return lines
