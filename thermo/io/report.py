"""``thermo report OUTDIR``: a Markdown report of a run, with two pictures.

Writes ``OUTDIR/report.md``: the numbers of ``OUTDIR/summary.json`` as an engineer
reads them (the run; per server or rack its inlet temperatures and ASHRAE class, with
RCI, RTI and the recirculation index; the heat split between liquid and air; the
chips, junctions and heat sinks; the boundaries and parts), the convergence history
(``report-convergence.png``, from ``residual_history``), the grid-convergence table
of a ``thermo study`` when ``study.json`` lies in OUTDIR or the folder above it,
and, rendered from ``OUTDIR/result.vtkhdf`` next to it, ``report-temperature.png``
(temperature on the mid-height plane, normal to gravity) and ``report-speed.png``
(speed on the same plane, with velocity arrows), both with the parts outlined. All
files are written atomically.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

__all__ = ["ReportError", "percent_of", "write_report", "report_markdown", "mid_height_slice",
           "REPORT_NAME", "PICTURES"]

REPORT_NAME = "report.md"
SUMMARY_NAME = "summary.json"
#: Picture file name -> (field, caption word).
PICTURES = {"report-temperature.png": ("T", "Temperature"), "report-speed.png": ("U", "Speed")}
PICTURE_SIZE = (1000, 700)
CONVERGENCE_PICTURE = "report-convergence.png"
#: the most rows of a per-server or per-chip table (the hottest first)
MOST_ROWS = 40


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

    lines += _wall_warnings(s)
    lines += _engineering(s)

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


def _wall_warnings(s: dict) -> list[str]:
    """The summary's ``wall_warnings``, each a bullet, and the parts whose first cells
    lie beyond a tenth of their faces' boundary layer (``walls``' ``y_over_delta``),
    largest first; nothing when all is well."""
    warned = s.get("wall_warnings") or []
    if not warned:
        return []
    lines = ["## Warnings", "", *[f"- {_cell(w)}" for w in warned], ""]
    walls = {k: v for k, v in (s.get("walls") or {}).items() if "y_over_delta" in v}
    if walls:
        rows = [[_cell(k), _num(v["y_over_delta"], 3), _num(100 * v.get("wall_heat_fraction", float("nan")), 3),
                 _num(v.get("y_plus_mean"), 3), _num(1e3 * v.get("first_cell_for_y_plus_1_m", float("nan")), 2)]
                for k, v in _hottest(walls, "y_over_delta")]
        lines += _table(["part", "first cells / boundary layer (y/delta)", "heat through its walls (%)",
                         "mean y+", "first cell for y+ 1 (mm)"], rows, "lrrrr") + _more(walls) + [""]
    return lines


def _hottest(items: dict, key: str) -> list:
    """``items``' (name, entry) pairs, the largest ``key`` first, at most MOST_ROWS."""
    def k(kv):
        v = kv[1].get(key)
        return -v if isinstance(v, (int, float)) and math.isfinite(v) else math.inf
    return sorted(items.items(), key=k)[:MOST_ROWS]


# the servers outside A1 named in the air metrics' table, at most
OUTSIDE_NAMES = 8


def _more(items: dict) -> list[str]:
    n = len(items) - MOST_ROWS
    return ["", f"... and {n} more (all of them in summary.json)."] if n > 0 else []


def _engineering(s: dict) -> list[str]:
    """The sections an engineer reads first: air (servers, racks, metrics), the heat
    split, chips; each only when the summary has it."""
    lines: list[str] = []
    servers = s.get("servers") or {}
    air = s.get("air") or {}
    ri = ((s.get("recirculation") or {}).get("racks")) or {}
    if servers:
        lines += ["## Servers and racks (hottest inlet first)", ""]
        # a run with monitors: each inlet maximum's latter-half mean and its 95 % sampling
        # error, the number to quote where the flow keeps moving
        mon = s.get("monitors") or {}
        run_means, run_errors = mon.get("run_means_c") or {}, mon.get("run_error_k") or {}
        averaged = any(f"{n} inlet max" in run_means for n in servers)

        def run_mean(n: str) -> list[str]:
            m, e = run_means.get(f"{n} inlet max"), run_errors.get(f"{n} inlet max")
            if not averaged:
                return []
            return [_num(m) + ("" if m is None or e is None else f" +- {e:.2g}")]
        rows = [[_cell(n), _num(v.get("power_w")), _num(v.get("volume_flow_m3_s")),
                 _num(v.get("inlet_mean_c")), _num(v.get("inlet_max_c")), *run_mean(n),
                 _num(v.get("exhaust_mean_c")), _num(v.get("delta_t_k")),
                 _num((ri.get(n) or {}).get("ri"), 3), _cell(v.get("ashrae_class") or "-")]
                for n, v in _hottest(servers, "inlet_max_c")]
        head = ["server", "power (W)", "flow (m3/s)", "inlet mean (C)", "inlet max (C)"] + \
            (["inlet max, latter-half mean +- 95 % (C)"] if averaged else []) + \
            ["exhaust mean (C)", "delta T (K)", "RI", "ASHRAE"]
        lines += _table(head, rows, "lrrrr" + ("r" if averaged else "") + "rrrl")
        lines += _more(servers) + [""]
    metrics = [("RCI_HI", "rci_hi_pct", "%"), ("RCI_LO", "rci_lo_pct", "%"),
               ("RTI", "rti_pct", "%"), ("SHI", "shi", ""), ("RHI", "rhi", ""),
               ("bypass fraction", "bypass_fraction", ""), ("supply", "supply_c", "C"),
               ("return", "return_c", "C"), ("fan power", "fan_power_w", "W")]
    # a run with monitors: the indices' latter-half means and their 95 % sampling errors
    mon = s.get("monitors") or {}
    index_means, index_errors = mon.get("run_index_means") or {}, mon.get("run_index_errors") or {}

    def index_mean(path: str, digits: int = 4) -> list[str]:
        if not index_means:
            return []
        m, e = index_means.get(path), index_errors.get(path)
        return ["-" if m is None else _num(m, digits) + ("" if e is None else f" +- {e:.2g}")]
    rows = [[label, _with_unit(air[k], unit) if unit else _num(air[k]), *index_mean(f"air.{k}")]
            for label, k, unit in metrics if air.get(k) is not None]
    rec = s.get("recirculation") or {}
    if rec.get("hall_ri") is not None:
        rows.append(["recirculation index (hall, flow-weighted)", _num(rec["hall_ri"], 3),
                     *index_mean("recirculation.hall_ri", 3)])
    if rec.get("rti_pct") is not None and index_means:
        rows.append(["RTI (racks against all the units)", _with_unit(rec["rti_pct"], "%"),
                     *index_mean("recirculation.rti_pct")])
    blank = [""] if index_means else []
    if air.get("n_servers") and air.get("a1_compliant_servers") is not None:
        rec, ok = air["a1_recommended_servers"], air["a1_compliant_servers"]
        outside = air.get("a1_outside_servers") or []
        rows.append(["servers by ASHRAE A1 class (recommended / allowable only / outside)",
                     f"{rec} / {ok - rec} / {len(outside)}", *blank])
        if outside:
            names = ", ".join(outside[:OUTSIDE_NAMES])
            more = len(outside) - OUTSIDE_NAMES
            rows.append(["outside A1", names + (f" and {more} more" if more > 0 else ""), *blank])
    if rows:
        head = ["metric", "value"] + (["latter-half mean +- 95 %"] if index_means else [])
        lines += ["## Air-side metrics", "", *_table(head, rows, "ll" + ("l" if index_means else "")),
                  ""]

    units = s.get("cooling_units") or {}
    if units:
        lines += ["## Cooling units (CRAHs)", ""]
        rows = [[_cell(n), _num(v.get("volume_flow_m3_s")), _num(v.get("speed"), 3),
                 _num(v.get("supply_c")), _num(v.get("return_c")), _num(v.get("heat_removed_w")),
                 _num(v.get("capacity_w")), _num(v.get("at_capacity"))]
                for n, v in units.items()]
        lines += _table(["unit", "flow (m3/s)", "speed", "supply (C)", "return (C)", "heat removed (W)",
                         "capacity (W)", "at capacity"], rows, "lrrrrrrl")
        stopped = [n for n, v in units.items() if not v.get("volume_flow_m3_s")]
        if stopped:
            lines += ["", f"Moving no air (failed or off): {', '.join(stopped)}."]
        lines += [""]

    leaks = s.get("leakage") or {}
    if leaks:
        # the largest flows first: a failed unit short-circuiting the plenum (4.9 m3/s in
        # the open hall) stands out above the tiles' ~1 m3/s each
        big = sorted(leaks.items(), key=lambda kv: -abs(kv[1].get("volume_flow_m3_s") or 0.0))
        lines += ["## Leakage paths (tiles, cut-outs, gaps, open units)", ""]
        rows = [[_cell(n), _num(v.get("volume_flow_m3_s")), _cell(v.get("axis") or "-"),
                 _num(v.get("pressure_drop_pa")), _num(v.get("open_area")),
                 _num(v.get("loss_coefficient"))] for n, v in big[:MOST_ROWS]]
        lines += _table(["path", "flow (m3/s, + along its axis)", "axis", "pressure drop (Pa)",
                         "open area", "loss (velocity heads)"], rows, "lrlrrr")
        lines += _more(leaks)
        total = sum(v.get("volume_flow_m3_s") or 0.0 for v in leaks.values())
        back = [n for n, v in big if (v.get("volume_flow_m3_s") or 0.0) < 0.0]
        lines += ["", f"{len(leaks)} paths carry {_num(total)} m3/s in all (+ along their axes)"
                  + (f"; against their axis: {', '.join(back[:OUTSIDE_NAMES])}"
                     + (f" and {len(back) - OUTSIDE_NAMES} more" if len(back) > OUTSIDE_NAMES else "")
                     if back else "") + ".", ""]

    liquid, cf = s.get("liquid") or {}, s.get("coolant_flow") or {}
    rows = []
    if liquid:
        rows += [["heat to the liquid", _with_unit(liquid.get("heat_w"), "W")],
                 ["heat to the air", _with_unit(liquid.get("air_heat_w"), "W")],
                 ["liquid fraction", _num(liquid.get("liquid_fraction"), 3)],
                 ["pumping power", _with_unit(liquid.get("pumping_power_w"), "W")]]
    if cf:
        rows += [["through the inlet boundaries: in / out (mixing cup)",
                  f"{_num(cf.get('inlet_temperature_c'))} / {_num(cf.get('outlet_temperature_c'))} C"],
                 ["flow through the inlet boundaries", _with_unit(cf.get("volume_flow_m3_s"), "m3/s")],
                 ["heat carried out through the outlets", _with_unit(cf.get("heat_removed_w"), "W")],
                 ["inlet-to-outlet pressure drop", _with_unit(cf.get("pressure_drop_pa"), "Pa")]]
    if rows:
        lines += ["## Heat split", "", *_table(["quantity", "value"], rows, "ll"), ""]

    plates = s.get("cold_plates") or {}
    if plates:
        lines += ["## Chips under cold plates (hottest first)", ""]
        rows = [[_cell(v.get("chip") or "-"), _cell(n), _num(v.get("chip_max_temperature_c")),
                 _num(v.get("inlet_temperature_c")), _num(v.get("outlet_temperature_c")),
                 _num(v.get("volume_flow_m3_s")), _num(v.get("heat_w"))]
                for n, v in _hottest(plates, "chip_max_temperature_c")]
        lines += _table(["chip", "plate", "chip max (C)", "coolant in (C)", "coolant out (C)",
                         "flow (m3/s)", "heat to coolant (W)"], rows, "llrrrrr")
        lines += _more(plates) + [""]
    chips = (s.get("junctions") or {}).get("chips") or {}
    if chips:
        lines += ["## Junctions (two-resistor model, hottest first)", ""]
        rows = [[_cell(n), _num(v.get("junction_c")), _num(v.get("case_c")),
                 _num(v.get("board_c")), _num(v.get("power_w"))]
                for n, v in _hottest(chips, "junction_c")]
        lines += _table(["chip", "junction (C)", "case (C)", "board (C)", "power (W)"], rows, "lrrrr")
        lines += _more(chips) + [""]
    sinks = s.get("heat_sinks") or {}
    if sinks:
        lines += ["## Heat sinks (hottest base first)", ""]
        rows = [[_cell(n), _num(v.get("power_w")), _num(v.get("base_temperature_c")),
                 _num(v.get("inlet_temperature_c")), _num(v.get("channel_velocity_m_s")),
                 _num(v.get("thermal_resistance_k_w")), _num(v.get("pressure_drop_pa"))]
                for n, v in _hottest(sinks, "base_temperature_c")]
        lines += _table(["heat sink", "power (W)", "base (C)", "inlet (C)", "channel speed (m/s)",
                         "resistance (K/W)", "pressure drop (Pa)"], rows, "lrrrrrr")
        lines += _more(sinks) + [""]
    blades = (s.get("blade_channels") or {}).get("channels") or {}
    if blades:
        bc = s["blade_channels"]
        lines += ["## Flow per blade (inlet manifold)", "",
                  f"Through the blades' channels: {_num(bc.get('through_channels_share'), 3)} of "
                  f"the inlet flow; largest / smallest over the mean: "
                  f"{_num(bc.get('max_over_mean'), 3)} / {_num(bc.get('min_over_mean'), 3)}.", ""]
    return lines


def percent_of(row: dict) -> str:
    """What a study row's per cents are of: the value, a temperature's rise above the
    coldest fluid, or an inlet's unit's air rise (K)."""
    rel = row.get("relative_to", "value")
    if rel in ("value", "rise above the coldest fluid"):
        return "value" if rel == "value" else "rise"
    scale = row.get("scale")
    return f"{rel} {_num(scale, 3)} K" if isinstance(scale, (int, float)) else str(rel)


def study_markdown(study: dict) -> list[str]:
    """A ``thermo study``'s grid-convergence table (study.json) as report lines."""
    h = [g.get("h") for g in study.get("grids", [])]
    reached = ", ".join(_num(a / b, 3) for a, b in zip(h, h[1:]) if a and b)
    how = (f"refined by {_num(study['ratio'])}" if study.get("ratio") else "run separately") + \
        (f" (ratios reached {reached})" if reached else "")
    lines = ["## Grid convergence", "",
             f"`thermo study` of {_cell(study.get('case', '-'))}: "
             f"{len(study.get('grids', []))} grids {how}; "
             f"{_cell(study.get('method', ''))}.", ""]
    quantities = study.get("quantities", [])
    # averaged numbers of a moving flow: their sampling error and the U with it
    sampled = any("sampling" in r for r in quantities)
    rows = [[_cell(r.get("quantity")), _cell(r.get("unit", "-")),
             ", ".join(_num(v, 5) for v in r.get("all_grids", [])), _num(r.get("order"), 3),
             _num(r.get("extrapolated"), 5), _num(r.get("gci_pct"), 3),
             _num(r.get("uncertainty"), 3), _num(r.get("uncertainty_pct"), 3),
             *([", ".join(_num(e, 2) for e in r.get("sampling", [])),
                _num(r.get("uncertainty_total"), 3)] if sampled else []),
             _cell(percent_of(r)), _cell(r.get("uncertainty_rule", "-")),
             _cell(r.get("warning", ""))]
            for r in quantities]
    lines += _table(["quantity", "unit", "coarse .. fine", "order", "extrapolated", "GCI %",
                     "U", "U %", *(["+- sampling", "U total"] if sampled else []), "% of",
                     "U from", "note"], rows, "llrrrrrr" + ("lr" if sampled else "") + "lll")
    fitted = [r for r in quantities if r.get("least_squares")]
    if fitted:
        lines += ["", f"From all {fitted[0]['least_squares'].get('grids')} grids by least squares "
                  "(Eca and Hoekstra 2014): the fitted order and law, the extrapolate, the fit's "
                  "standard deviation, the safety factor and U.", ""]
        rows = [[_cell(r.get("quantity")), _num(q.get("order"), 3), _cell(q.get("fit", "-")),
                 _num(q.get("extrapolated"), 5), _num(q.get("std"), 3), _num(q.get("safety"), 3),
                 _num(q.get("uncertainty"), 3), _num(q.get("uncertainty_pct"), 3),
                 *([_num(q.get("uncertainty_total"), 3)] if sampled else [])]
                for r in fitted for q in (r["least_squares"],)]
        lines += _table(["quantity", "order", "fit", "extrapolated", "U_s", "Fs", "U", "U %",
                         *(["U total"] if sampled else [])], rows,
                        "lrlrrrrr" + ("r" if sampled else ""))
    return lines + [""]


def convergence_picture(history: dict, path: Path, size: tuple[int, int] = PICTURE_SIZE) -> Path:
    """The residuals against the step (log scale), PNG, written atomically."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from thermo.io.result import atomic_write_bytes

    fig, ax = plt.subplots(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    for key in ("momentum", "continuity", "energy"):
        y = [v if v is not None and v > 0 else float("nan") for v in history.get(key, [])]
        if any(math.isfinite(v) for v in y):
            ax.semilogy(history["step"], y, label=key)
    ax.set_xlabel("step (iteration)")
    ax.set_ylabel("scaled residual")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())
    return path


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

    extra: list[str] = []
    history = summary.get("residual_history")
    if history and len(history.get("step", [])) > 1:
        convergence_picture(history, outdir / CONVERGENCE_PICTURE, size)
        extra += ["## Convergence", "", f"![Residuals]({CONVERGENCE_PICTURE})", "",
                  f"*Scaled residuals after each device call ({len(history['step'])} records).*",
                  ""]
    for place in (outdir / "study.json", outdir.parent / "study.json"):
        if place.is_file():
            try:
                extra += study_markdown(json.loads(place.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                warnings.append(f"cannot read {place}: {exc}")
            break
    text = report_markdown(summary, pictures, notes, grid_cells)
    if extra:
        text = text.rstrip("\n") + "\n\n" + "\n".join(extra).rstrip("\n") + "\n"
    report = outdir / REPORT_NAME
    atomic_write_bytes(report, text.encode("utf-8"))
    return report, warnings
