"""``thermo report OUTDIR``: a Markdown report of a run, with two pictures.

Writes ``OUTDIR/report.md``: the numbers of ``OUTDIR/summary.json`` as tables
(run, boundaries, parts) and, rendered from ``OUTDIR/result.vtkhdf`` next to it,
``report-temperature.png`` (temperature on the mid-height plane, normal to
gravity) and ``report-speed.png`` (speed on the same plane, with velocity arrows),
linked from the Markdown. All files are written atomically.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["ReportError", "write_report", "report_markdown", "mid_height_slice",
           "REPORT_NAME", "PICTURES"]

REPORT_NAME = "report.md"
SUMMARY_NAME = "summary.json"
#: Picture file name -> (field, caption word).
PICTURES = {"report-temperature.png": ("T", "Temperature"), "report-speed.png": ("U", "Speed")}
PICTURE_SIZE = (1000, 700)


class ReportError(ValueError):
    """No report can be made (no output folder or no readable summary.json)."""


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "-"
        if value == 0.0:
            return "0"
        if 1e-3 <= abs(value) < 1e6:
            return f"{value:.{digits}g}" if abs(value) < 10 ** digits else f"{value:.0f}"
        return f"{value:.{digits - 1}e}"
    return _cell(str(value))


def _cell(text: str) -> str:
    """Table-cell text: pipes escaped, no line breaks."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[str]], align: str) -> list[str]:
    marks = {"l": "---", "r": "---:"}
    return ["| " + " | ".join(head) + " |",
            "| " + " | ".join(marks[a] for a in align) + " |"] + \
           ["| " + " | ".join(r) + " |" for r in rows]


def _with_unit(value: Any, unit: str, digits: int = 4) -> str:
    text = _num(value, digits)
    return text if text == "-" else f"{text} {unit}"


def report_markdown(summary: dict, pictures: list[tuple[str, str]], notes: list[str] = (),
                    grid_cells: tuple[int, int, int] | None = None) -> str:
    """The report's Markdown: ``pictures`` are (file name relative to the report,
    caption) pairs; ``notes`` are lines printed under the pictures heading."""
    s = summary
    name = s.get("case") or "run"
    status = s.get("status")
    converged = s.get("converged")
    conv = _num(converged) if converged is not None else "-"
    if status:
        conv = f"{conv} ({_cell(status)})"
    cells = _num(s.get("cells"))
    if grid_cells is not None:
        cells += " (" + " x ".join(str(n) for n in grid_cells) + ")"
    wall = _with_unit(s.get("wall_time_s"), "s")
    if s.get("compile_time_s") is not None:
        wall += f" (compile {_with_unit(s.get('compile_time_s'), 's', 3)})"
    imbalance = s.get("energy_imbalance")
    imb = _num(imbalance, 3)
    if isinstance(imbalance, (int, float)) and math.isfinite(imbalance) and not isinstance(imbalance, bool):
        imb += f" ({100.0 * imbalance:.3g} % of the largest heat flow)"
    rows = [
        ["case", _cell(name)],
        ["converged", conv],
        ["steps", _num(s.get("steps"))],
        ["simulated time", _with_unit(s.get("simulated_time_s"), "s")],
        ["wall time", wall],
        ["cells", cells],
    ]
    if s.get("backend") or s.get("precision"):
        rows.append(["backend, precision", f"{_cell(s.get('backend') or '-')}, {_cell(s.get('precision') or '-')}"])
    if "heat_sources_w" in s:
        rows.append(["heat sources", _with_unit(s.get("heat_sources_w"), "W")])
    rows.append(["energy imbalance", imb])
    res = s.get("residuals") or {}
    if res:
        rows.append(["residuals", ", ".join(f"{_cell(k)} {_num(v, 3)}" for k, v in res.items())])
    fluid = s.get("fluid") or {}
    if fluid:
        rows.append(["fluid temperature", f"{_num(fluid.get('min_temperature_c'))} to "
                                          f"{_num(fluid.get('max_temperature_c'))} C"])
        rows.append(["max speed", _with_unit(fluid.get("max_speed_m_s"), "m/s")])

    lines = [f"# Report: {_cell(name)}", "", *_table(["quantity", "value"], rows, "ll"), ""]

    bounds = s.get("boundaries") or {}
    lines += ["## Boundaries", ""]
    if bounds:
        brows = [[_cell(b), _num(v.get("heat_w")), _num(v.get("mass_flow_kg_s")),
                  _num(v.get("mean_temperature_c"))] for b, v in bounds.items()]
        lines += _table(["boundary", "heat into the domain (W)", "mass flow in (kg/s)",
                         "mean temperature (C)"], brows, "lrrr")
    else:
        lines.append("No boundaries in the summary.")
    lines.append("")

    parts = s.get("parts") or {}
    lines += ["## Parts", ""]
    if parts:
        prows = [[_cell(p), _cell(v.get("material", "-")), _num(v.get("power_w")),
                  _num(v.get("max_temperature_c")), _num(v.get("mean_temperature_c")),
                  _num(v.get("cells"))] for p, v in parts.items()]
        lines += _table(["part", "material", "power (W)", "max temperature (C)",
                         "mean temperature (C)", "cells"], prows, "llrrrr")
        if any(not v.get("cells") for v in parts.values()):
            lines += ["", "A part with 0 cells holds no cell centre on this grid (its "
                          "temperatures are not resolved)."]
    else:
        lines.append("No parts.")
    lines.append("")

    lines += ["## Pictures", ""]
    for file, caption in pictures:
        lines += [f"![{_cell(caption)}]({file})", "", f"*{caption}*", ""]
    for note in notes:
        lines += [note, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def mid_height_slice(result):
    """The plane for the report's pictures: the flat plane of a 2-D grid; otherwise
    the plane normal to gravity (``domain.gravity``, default -z) through the middle."""
    from thermo.io.view import Slice

    grid = result.grid
    cells = grid.cells
    if 1 in cells:
        axis = 2 if cells[2] == 1 else cells.index(1)
        return Slice(axis, float(result.coords[axis][0]))
    axis = 2
    gravity = (result.case_data.get("domain") or {}).get("gravity")
    try:
        g = [abs(float(v)) for v in gravity]
        if len(g) == 3 and max(g) > 0:
            axis = g.index(max(g))
    except (TypeError, ValueError):
        pass
    return Slice(axis, grid.origin[axis] + 0.5 * grid.size[axis])


def write_report(outdir: str | os.PathLike, size: tuple[int, int] = PICTURE_SIZE) -> tuple[Path, list[str]]:
    """Write ``OUTDIR/report.md`` and its pictures; returns (report path, warnings).

    Raises ReportError if ``outdir`` is not a folder or its summary.json is missing or
    unreadable. Without a result file the report has the tables and says why there are no
    pictures.
    """
    from thermo.io.result import RESULT_NAME, atomic_write_bytes, find_result

    outdir = Path(outdir)
    if not outdir.is_dir():
        raise ReportError(f"{outdir} is not an output folder")
    summary_path = outdir / SUMMARY_NAME
    if not summary_path.is_file():
        raise ReportError(f"{outdir} holds no {SUMMARY_NAME}: run `thermo run CASE -o {outdir}` first")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"cannot read {summary_path}: {exc}") from exc
    if not isinstance(summary, dict):
        raise ReportError(f"{summary_path} does not hold a JSON object")

    warnings: list[str] = []
    notes: list[str] = []
    pictures: list[tuple[str, str]] = []
    grid_cells = None
    result_path = find_result(outdir)
    if result_path is None:
        notes.append(f"No pictures: {RESULT_NAME} is missing from the output folder.")
        warnings.append(f"{outdir} holds no {RESULT_NAME}: the report has no pictures")
    else:
        from thermo.io.load import load
        from thermo.io.view import AXES, LABELS, check_slice, render

        result = load(result_path)
        grid_cells = result.grid.cells
        plane = mid_height_slice(result)
        at = float(result.coords[plane.axis][check_slice(result, plane)])
        where = "" if 1 in grid_cells else " at mid-height"
        for file, (field, word) in PICTURES.items():
            if field not in result.fields:
                notes.append(f"No {word.lower()} picture: {result_path.name} holds no field {field} "
                             "(see output.fields in the case).")
                continue
            warnings += render(result, outdir / file, field=field, slice=plane,
                               glyphs=(field == "U"), outline_parts=True, size=size)
            pictures.append((file, f"{word} ({LABELS[field][1]}){where}, "
                                   f"{AXES[plane.axis]} = {at:.4g} m"))

    text = report_markdown(summary, pictures, notes, grid_cells)
    report = outdir / REPORT_NAME
    atomic_write_bytes(report, text.encode("utf-8"))
    return report, warnings
