"""Grid-convergence studies: a case on systematically refined grids, and the
discretisation uncertainty of each headline number (`thermo study`).

The case as given is the coarsest grid; grid ``k`` (0, 1, ...) divides every cell
size by ``ratio**k``: a uniform grid's ``domain.cells`` are multiplied by it on every
axis that has more than one cell (rounded), a graded grid's ``grid.max_cell``, each
refinement zone's ``max_cell`` (a ``walls`` zone's ``first_cell``) and
``grid.min_cell`` divided by it and ``grid.min_cells_across`` multiplied by it
(rounded up), so that thin parts refine with the rest. Snapped graded grids do not
refine by exactly ``ratio``; the representative cell size ``h = (V / N)**(1/d)`` of
each grid (``d`` the axes with more than one cell) gives the ratios actually reached.

For every headline number ``phi`` of ``summary.json`` (:data:`HEADLINE`), the three
finest grids give, after Celik et al., "Procedure for estimation and reporting of
uncertainty due to discretization in CFD applications", J. Fluids Eng. 130 (2008)
078001 (the ASME procedure, Roache's GCI with safety factor 1.25):

* the observed order ``p`` (fixed-point iteration for unequal ratios),
* the Richardson extrapolate ``phi_ext``,
* the fine-grid convergence index ``GCI = 1.25 |phi_1 - phi_2| / (r21**p - 1)``, in
  the quantity's unit and relative: to ``|phi_1|``, or for a temperature (C) to its
  rise above the coldest fluid of the finest grid (a GCI relative to a Celsius
  value would mean nothing),
* a warning where convergence is oscillatory, the order lies outside (0.5, 3), or a
  grid's run did not converge,
* an uncertainty ``U`` for every number, the GCI where it holds and otherwise from the
  range ``D`` of the three values (the data-range rules of Eca and Hoekstra, "A
  procedure for the estimation of the numerical uncertainty of CFD calculations based
  on grid refinement studies", J. Comput. Phys. 262 (2014) 104-130): ``U = GCI`` for
  monotone convergence with an order in (0.5, 3); ``max(GCI, 1.25 D)`` above 3 (an
  order that high says the coarse grid is off the asymptotic range, the extrapolation
  too optimistic); ``min(GCI, 3 D)`` below 0.5; ``3 D`` where the convergence is
  oscillatory or the changes do not shrink (no order): a number an engineer can quote
  with the rule that gave it (``uncertainty_rule``).

A number the summary does not hold, the mean of several it does (the two coolers of a
mirror pair, whose single returns carry which of two mirror states the flow took; a
row's CRAHs), is studied as one (:func:`with_means`, ``thermo study --mean``).
"""
from __future__ import annotations

import fnmatch
import json
import math
import pathlib
from typing import Any, Callable, Sequence

from thermo.diagnostics.sampling import BATCHES, half_width
from thermo.io.report import percent_of
from thermo.uncertainty import MIN_GRIDS, least_squares

SAFETY = 1.25  # Roache's factor of safety for three or more grids
ORDER_RANGE = (0.5, 3.0)  # outside it the extrapolation is not trusted (warned)
MAX_ORDER = 50.0  # an observed order past this is no order: the fixed-point iteration diverged
RANGE_SAFETY = 3.0  # U = 3 x the range where there is no trusted order (Eca and Hoekstra)
HIGH_ORDER_RANGE = 1.25  # U >= 1.25 x the range where the order is above ORDER_RANGE

#: summary.json paths (dotted, ``*`` any name) whose numbers a study reports
HEADLINE = (
    "air.inlet_max_c", "air.inlet_mean_c", "air.exhaust_mean_c", "air.return_c",
    "air.rci_hi_pct", "air.rci_lo_pct", "air.rti_pct", "air.bypass_fraction", "air.fan_power_w",
    "recirculation.rti_pct", "recirculation.hall_ri",
    "servers.*.inlet_max_c", "cooling_units.*.return_c",
    "parts.*.max_temperature_c",
    "cold_plates.*.chip_max_temperature_c", "loops.*.return_temperature_c",
    "loops.*.pressure_drop_pa", "liquid.liquid_fraction", "liquid.air_heat_w",
    "coolant_flow.outlet_temperature_c", "coolant_flow.pressure_drop_pa",
    "coolant_flow.source_max_temperature_c.*",
    "boundaries.*.heat_w", "fluid.max_temperature_c",
    "junctions.max_junction_c", "junctions.chips.*.junction_c", "crossings.peak_c",
    "heat_sinks.*.base_temperature_c", "blade_channels.channels.*.share",
)


def flatten(tree: Any, prefix: str = "") -> dict[str, float]:
    """The finite numbers of a JSON tree by dotted path (booleans left out)."""
    out: dict[str, float] = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(tree, (int, float)) and not isinstance(tree, bool):
        if math.isfinite(tree):
            out[prefix[:-1]] = float(tree)
    return out


def headline(summary: dict, patterns: Sequence[str] = HEADLINE) -> dict[str, float]:
    """The numbers of ``summary`` whose dotted paths match ``patterns`` (a part's
    ``max_temperature_c`` only for powered parts: the chips and sources)."""
    flat = flatten(summary)
    parts = summary.get("parts") or {}
    out = {}
    for path, value in flat.items():
        if not any(fnmatch.fnmatchcase(path, p) for p in patterns):
            continue
        bits = path.split(".")
        if bits[0] == "parts" and not (parts.get(bits[1]) or {}).get("power_w"):
            continue
        out[path] = value
    return out


def with_means(summaries: Sequence[dict], means: Sequence[tuple[str, str]]
               ) -> tuple[list[dict], list[str]]:
    """Copies of ``summaries`` holding, for each ``(NAME, PATTERN)`` of ``means``, the
    mean of the numbers whose summary paths match PATTERN (as :func:`headline` finds
    them), and the paths those means lie at. A mean of latter-half means
    (``monitors.run_means_c.*``, ``monitors.run_index_means.*``) lies in the same
    section under NAME. Its sampling error: where the runs kept the numbers' batch
    means (``monitors.run_batch_means_c``, ``run_index_batch_means``), the half-width
    of the mean's own batch means (the batch means of a mean are the means of the batch
    means: the same records), which numbers swinging against each other (mirror
    states) make small; else the mean of their half-widths, a bound whatever their
    correlation (their spread is at most the sum of the spreads, Minkowski), generous
    where they swing against each other. Any
    other mean lies at ``mean.NAME.LAST``, LAST the last part its paths share (its unit
    and scale follow from it, as for the numbers it averages). Refused: a NAME with a
    dot or one the section holds already, a PATTERN that matches nothing, or other
    numbers on another grid."""
    out = [json.loads(json.dumps(s)) for s in summaries]
    paths = []
    for name, pattern in means:
        if "." in name or not name.strip():
            raise ValueError(f"--mean {name}={pattern}: NAME must be non-empty and hold no dot")
        found = [headline(s, [pattern]) for s in summaries]
        if not found[0]:
            raise ValueError(f"--mean {name}={pattern}: matches no number of the summary")
        for k, f in enumerate(found):
            if sorted(f) != sorted(found[0]):
                raise ValueError(f"--mean {name}={pattern}: grid {k} matches {sorted(f)}, "
                                 f"grid 0 {sorted(found[0])}; each grid must give the same numbers")
        section = next((pair for pair in AVERAGED
                        if all(p.startswith(f"monitors.{pair[0]}.") for p in found[0])), None)
        if section is not None:
            path = f"monitors.{section[0]}.{name}"
            if any(name in (s.get("monitors") or {}).get(section[0], {}) for s in summaries):
                raise ValueError(f"--mean {name}={pattern}: {path} is a number of the summary "
                                 "already; give the mean another NAME")
        else:
            lasts = {p.rsplit(".", 1)[-1] for p in found[0]}
            path = f"mean.{name}" + (f".{lasts.pop()}" if len(lasts) == 1 else "")
        for s, f, src in zip(out, found, summaries):
            value = sum(f.values()) / len(f)
            if section is None:
                node = s.setdefault("mean", {})
                if path.count(".") == 2:
                    node.setdefault(name, {})[path.rsplit(".", 1)[-1]] = value
                else:
                    node[name] = value
                continue
            mon = s.setdefault("monitors", {})
            mon.setdefault(section[0], {})[name] = value
            kept = _batch_means(list(f), section[0], src)
            if kept is not None:  # the mean's own batch means: its half-width itself
                means = [sum(b) / len(b) for b in zip(*kept)]
                mon.setdefault(BATCH_MEANS[section[0]], {})[name] = means
                mon.setdefault(section[1], {})[name] = half_width(means)
                continue
            errors = [sampling_error(p, src) for p in f]
            mon.setdefault(section[1], {})[name] = None if None in errors else \
                sum(errors) / len(errors)
        paths.append(path)
    return out, paths


def bound_notes(summaries: Sequence[dict], derived: Sequence[str]) -> list[str]:
    """A note for each mean of latter-half means (``derived``, from :func:`with_means`)
    whose half-width is, on some grid, the bound (that run kept no batch means)."""
    notes = []
    for path in derived:
        section = next((a for a in BATCH_MEANS if path.startswith(f"monitors.{a}.")), None)
        if section is None:
            continue
        name = path[len(f"monitors.{section}."):]
        bare = [k for k, s in enumerate(summaries)
                if name not in ((s.get("monitors") or {}).get(BATCH_MEANS[section]) or {})]
        if bare:
            notes.append(f"{path}: grid {', '.join(map(str, bare))} kept no batch means (a run "
                         "of an earlier version): its half-width there is the mean of the "
                         "numbers' half-widths, a bound, generous where they swing against "
                         "each other")
    return notes


def observed_order(phi: Sequence[float], h: Sequence[float], tol: float = 1e-10,
                   max_iter: int = 200) -> float | None:
    """Celik et al.'s observed order from three grids, finest first (``h[0] < h[1] <
    h[2]``): ``p = |ln|e32/e21| + q(p)| / ln r21``, ``q = ln((r21^p - s)/(r32^p - s))``,
    ``s = sign(e32/e21)``, by fixed-point iteration. None when a difference is zero
    (the number does not change between two grids), when the iteration runs past
    :data:`MAX_ORDER` (it diverges where the ratios differ and the coarse change
    dwarfs the fine one), when monotone changes do not shrink on refinement (no positive order: ``|e32/e21| <= ln r32 / ln r21``, the
    limit of ``r21^p (r32^p - 1) / (r21^p - 1)`` at p -> 0; Celik's absolute value
    would hide that) or when the iteration fails."""
    e21, e32 = phi[1] - phi[0], phi[2] - phi[1]
    if e21 == 0.0 or e32 == 0.0:
        return None
    r21, r32 = h[1] / h[0], h[2] / h[1]
    s = math.copysign(1.0, e32 / e21)
    if s > 0 and abs(e32 / e21) <= math.log(r32) / math.log(r21):
        return None
    p = abs(math.log(abs(e32 / e21))) / math.log(r21)
    for _ in range(max_iter):
        if p > MAX_ORDER:  # the iteration runs away (unequal ratios, wildly unequal changes)
            return None
        a, b = r21 ** p - s, r32 ** p - s
        if a <= 0.0 or b <= 0.0:
            return None
        new = abs(math.log(abs(e32 / e21)) + math.log(a / b)) / math.log(r21)
        if abs(new - p) < tol:
            return new
        p = new
    return p


def convergence(phi: Sequence[float], h: Sequence[float], scale: float | None = None) -> dict:
    """The discretisation uncertainty of one number from three grids, finest first.
    ``scale``: what the relative errors divide by (default ``|phi_1|``)."""
    p = observed_order(phi, h)
    e21, e32 = phi[1] - phi[0], phi[2] - phi[1]
    oscillatory = e21 * e32 < 0.0
    relative_to_value = scale is None
    scale = abs(phi[0]) if scale is None else abs(scale)
    out: dict[str, Any] = {"values": list(phi), "h": list(h), "order": p,
                           "oscillatory": oscillatory, "extrapolated": None,
                           "gci": None, "gci_pct": None, "approx_error_pct": None,
                           "extrapolated_error_pct": None}
    rel = (lambda x: 100.0 * abs(x) / scale) if scale > 0 else (lambda x: None)
    out["approx_error_pct"] = rel(e21)
    spread = max(phi) - min(phi)

    def uncertainty(u: float, rule: str) -> None:
        out.update(uncertainty=u, uncertainty_pct=rel(u), uncertainty_rule=rule)

    if e21 == 0.0 and e32 == 0.0:
        out.update(extrapolated=phi[0], gci=0.0, gci_pct=rel(0.0), extrapolated_error_pct=rel(0.0))
        uncertainty(0.0, "GCI")
        return out
    if p is None or p <= 0.0:
        out["warning"] = ("the changes do not shrink, or the order's iteration diverges: "
                          "no order, no extrapolation")
        uncertainty(RANGE_SAFETY * spread, "3 x range")
        return out
    r21p = (h[1] / h[0]) ** p
    ext = (r21p * phi[0] - phi[1]) / (r21p - 1.0)
    gci = SAFETY * abs(e21) / (r21p - 1.0)
    # Celik's e_ext is relative to the extrapolate; a temperature's to its rise
    e_ext = (100.0 * abs((ext - phi[0]) / ext) if ext != 0.0 else None) if relative_to_value \
        else rel(ext - phi[0])
    out.update(extrapolated=ext, gci=gci, gci_pct=rel(gci), extrapolated_error_pct=e_ext)
    if oscillatory:
        uncertainty(RANGE_SAFETY * spread, "3 x range")
    elif p > ORDER_RANGE[1]:
        uncertainty(max(gci, HIGH_ORDER_RANGE * spread), "max(GCI, 1.25 x range)")
    elif p < ORDER_RANGE[0]:
        uncertainty(min(gci, RANGE_SAFETY * spread), "min(GCI, 3 x range)")
    else:
        uncertainty(gci, "GCI")
    notes = []
    if oscillatory:
        notes.append("oscillatory convergence")
    if not ORDER_RANGE[0] < p < ORDER_RANGE[1]:
        notes.append(f"observed order {p:.2f} outside ({ORDER_RANGE[0]:g}, {ORDER_RANGE[1]:g})")
    if notes:
        out["warning"] = "; ".join(notes)
    return out


def grid_overrides(data: dict, level: int, ratio: float) -> list[str]:
    """``--set`` overrides that refine a checked case's grid ``level`` times by ``ratio``.
    A graded grid's axis whose cells span the domain (``max_cell`` at least its size
    there, in the grid and every zone: a 2-D case's one cell) keeps its sizes, and then
    ``min_cells_across`` is kept too (it would cut that axis's parts)."""
    f = ratio ** level
    if data.get("grid") is None:
        cells = [n if n == 1 else max(1, round(n * f)) for n in data["domain"]["cells"]]
        return [f"domain.cells=[{cells[0]},{cells[1]},{cells[2]}]"]
    g = data["grid"]
    size = data["domain"]["size"]
    zones = g.get("refine", [])
    flat = [g["max_cell"][a] >= size[a] and all(z.get("max_cell", size)[a] >= size[a] for z in zones)
            for a in range(3)]
    vec = lambda v: "[" + ",".join(repr(x if flat[a] else x / f) for a, x in enumerate(v)) + "]"
    across = g["min_cells_across"] if any(flat) else math.ceil(g["min_cells_across"] * f - 1e-9)
    out = [f"grid.max_cell={vec(g['max_cell'])}", f"grid.min_cell={vec(g['min_cell'])}",
           f"grid.min_cells_across={across}"]
    out += [f"grid.refine[{i}].max_cell={vec(z['max_cell'])}" if "max_cell" in z
            else f"grid.refine[{i}].first_cell={z['first_cell'] / f!r}"
            for i, z in enumerate(zones)]
    return out


def cell_size(size: Sequence[float], cells: Sequence[int]) -> float:
    """Representative cell size (m): ``(V / N)**(1/d)`` over the ``d`` axes with more
    than one cell."""
    axes = [a for a in range(3) if cells[a] > 1] or [0]
    return (math.prod(size[a] for a in axes) / math.prod(cells[a] for a in axes)) ** (1.0 / len(axes))


def _rise_reference(summary: dict) -> float | None:
    fluid = summary.get("fluid") or {}
    return fluid.get("min_temperature_c")


def _air_rise(entry: Any) -> float | None:
    """A server's or rack's air rise (K): exhaust mean minus inlet mean."""
    if not isinstance(entry, dict):
        return None
    out, inl = entry.get("exhaust_mean_c"), entry.get("inlet_mean_c")
    if not isinstance(out, (int, float)) or not isinstance(inl, (int, float)) or out <= inl:
        return None
    return float(out - inl)


def inlet_rise(path: str, summary: dict) -> tuple[float, str] | None:
    """The scale (K) an inlet temperature's error is judged against, and its label:
    the air's rise through the equipment it feeds (the issue's 'per cent of the rise'
    for server inlets; an intake's own rise above the supply is often under 1 K), or
    None where ``path`` is no inlet temperature. A server's or rack's inlets: that
    unit's exhaust mean minus inlet mean on the finest grid; the room's hottest inlet
    (``air.inlet_*``, ``recirculation.inlet_max_c``): the units' mean rise; a monitor
    ``"NAME inlet max"``: NAME's."""
    bits = path.split(".")
    units = {**(summary.get("servers") or {}),
             **((summary.get("recirculation") or {}).get("racks") or {})}
    name = None
    # names hold dots ("hall.a.rack0"): the unit is everything between the table and the field
    if bits[0] == "servers" and len(bits) >= 3 and bits[-1].startswith("inlet_"):
        name = ".".join(bits[1:-1])
    elif bits[:2] == ["recirculation", "racks"] and len(bits) >= 4 and bits[-1].startswith("inlet_"):
        name = ".".join(bits[2:-1])
    elif bits[0] == "monitors" and len(bits) >= 3 and path.endswith(" inlet max"):
        name = ".".join(bits[2:])[:-len(" inlet max")]
    if name is not None:
        rise = _air_rise(units.get(name))
        return (rise, f"{name}'s air rise") if rise else None
    if path in ("air.inlet_max_c", "air.inlet_mean_c", "recirculation.inlet_max_c"):
        rises = [r for r in map(_air_rise, units.values()) if r]
        if rises:
            return sum(rises) / len(rises), "the units' mean air rise"
    return None


def study_table(summaries: Sequence[dict], h: Sequence[float],
                patterns: Sequence[str] = HEADLINE) -> list[dict]:
    """One row per headline number present on every grid: its convergence from the
    three finest grids (``summaries`` and ``h`` coarsest first), and from four or more
    grids also Eca and Hoekstra's least-squares uncertainty of all of them
    (``least_squares``, :mod:`thermo.uncertainty`)."""
    if len(summaries) < 3:
        raise ValueError("a grid-convergence study needs at least three grids")
    values = [headline(s, patterns) for s in summaries]
    fine = summaries[-1]
    t_ref = _rise_reference(fine)
    rows = []
    for path in values[-1]:
        if not all(path in v for v in values):
            continue
        phi = [values[-1][path], values[-2][path], values[-3][path]]
        hh = [h[-1], h[-2], h[-3]]
        temperature = (path.endswith("_c") or ".source_max_temperature_c." in path
                       or path.startswith(("monitors.means_c.", "monitors.run_means_c.")))
        scale, relative_to = None, "value"
        inlet = inlet_rise(path, fine) if temperature else None
        if inlet is not None:
            scale, relative_to = inlet
        elif temperature and t_ref is not None:
            scale, relative_to = phi[0] - t_ref, "rise above the coldest fluid"
        row = {"quantity": path, "unit": _unit(path), "relative_to": relative_to, "scale": scale,
               "all_grids": [v[path] for v in values], **convergence(phi, hh, scale)}
        if len(values) >= MIN_GRIDS:
            row["least_squares"] = least_squares(row["all_grids"], h, scale)
        errors = [sampling_error(path, s) for s in summaries]
        if any(e is not None for e in errors):
            with_sampling(row, errors, [short_batches(s) for s in summaries])
        rows.append(row)
    return rows


#: a latter-half mean's section of ``monitors`` and the section of its sampling error
AVERAGED = (("run_means_c", "run_error_k"), ("run_index_means", "run_index_errors"))
#: the sections of the five batch means behind each of :data:`AVERAGED`'s errors
BATCH_MEANS = {"run_means_c": "run_batch_means_c", "run_index_means": "run_index_batch_means"}


def _batch_means(paths: Sequence[str], section: str, summary: dict) -> list[list[float]] | None:
    """The batch means of each of ``paths`` (``monitors.SECTION.NAME``) that the run
    recorded (``monitors.run_batch_means_c``, ``run_index_batch_means``), or None where
    one of them has none (a run of an earlier version, too few records) or their
    counts differ."""
    kept = ((summary.get("monitors") or {}).get(BATCH_MEANS[section]) or {})
    found = [kept.get(p[len(f"monitors.{section}."):]) for p in paths]
    if any(not isinstance(f, list) or not f for f in found) or len({len(f) for f in found}) > 1:
        return None
    return found


def sampling_error(path: str, summary: dict) -> float | None:
    """The 95 % half-width of a latter-half mean's sampling error for a
    ``monitors.run_means_c.*`` path (``monitors.run_error_k``, K) or a
    ``monitors.run_index_means.*`` path (``monitors.run_index_errors``, the index's
    unit); None otherwise."""
    for means, errors in AVERAGED:
        prefix = f"monitors.{means}."
        if path.startswith(prefix):
            e = ((summary.get("monitors") or {}).get(errors) or {}).get(path[len(prefix):])
            return float(e) if isinstance(e, (int, float)) and math.isfinite(e) else None
    return None


def short_batches(summary: dict) -> tuple[float, float] | None:
    """(batch length, monitor window) in s where the latter half's five batches are
    shorter than ``solver.monitor_window`` (the monitors' time scale: batches shorter
    than the signal's slow swings give half-widths too small); None otherwise. The
    latter half spans ``run_from_s`` (it starts at half the run's pseudo-time)."""
    m = summary.get("monitors") or {}
    start, window = m.get("run_from_s"), m.get("window_s")
    if not isinstance(start, (int, float)) or not isinstance(window, (int, float)):
        return None
    batch = start / BATCHES
    return (batch, window) if batch < window else None


def with_sampling(row: dict, errors: Sequence[float | None],
                  short: Sequence[tuple[float, float] | None] = ()) -> None:
    """Add to a study row of averaged numbers (a moving flow's latter-half means) the
    sampling errors of every grid's mean (``sampling``, coarsest first, 95 %
    half-widths), and ``uncertainty_total``: the discretisation ``U`` and the finest
    grid's sampling error in quadrature (ASME V&V 20-2009's numerical uncertainty from
    independent parts). Where each change between grids is within the two grids'
    sampling errors combined, the grids cannot be told apart by these averages: a
    warning says so (the ``U`` from their range is then mostly sampling noise). Where
    a grid's batches are shorter than its monitor window (``short``, per grid, from
    :func:`short_batches`) a warning says its half-width may be too small."""
    row["sampling"] = list(errors)
    fine = errors[-1]
    u = row.get("uncertainty")
    if fine is not None and u is not None:
        total = math.hypot(u, fine)
        row["uncertainty_total"] = total
        row["uncertainty_total_pct"] = _pct_of(row, total)
    ls = row.get("least_squares")
    if fine is not None and ls is not None:
        ls["uncertainty_total"] = math.hypot(ls["uncertainty"], fine)
        ls["uncertainty_total_pct"] = _pct_of(row, ls["uncertainty_total"])
    last = list(zip(row["all_grids"], errors))[-3:]
    within = [e1 is not None and e2 is not None and abs(b - a) <= math.hypot(e1, e2)
              for (a, e1), (b, e2) in zip(last, last[1:])]
    notes = []
    if all(within):
        notes.append("the grids differ by less than their means' sampling errors: a longer "
                     "average, not a finer grid, would tell them apart")
    brief = [(k, b) for k, b in enumerate(short) if b is not None and errors[k] is not None]
    if brief:
        notes.append(f"grid {', '.join(str(k) for k, _ in brief)}: the latter half's "
                     f"batches ({', '.join(f'{b[0]:.3g}' for _, b in brief)} s) are shorter "
                     f"than the monitor window ({brief[0][1][1]:g} s), so the half-widths "
                     "may be too small (solver.average_tolerance runs until they are not)")
    for note in notes:
        row["warning"] = f"{row['warning']}; {note}" if row.get("warning") else note


def _pct_of(row: dict, x: float) -> float | None:
    """``x`` in per cent of what the row's relative numbers divide by."""
    scale = row.get("scale")
    if scale:
        return 100.0 * x / abs(scale)
    value = row["values"][0]
    return 100.0 * x / abs(value) if row["relative_to"] == "value" and value else None


def _unit(path: str) -> str:
    if ".source_max_temperature_c." in path or path.startswith(("monitors.means_c.",
                                                                  "monitors.run_means_c.")):
        return "C"
    last = path.split(".")[-1]
    for suffix, unit in (("_c", "C"), ("_w", "W"), ("_pa", "Pa"), ("_pct", "%"),
                         ("_m3_s", "m3/s"), ("_kg_s", "kg/s")):
        if last.endswith(suffix):
            return unit
    return "-"


def _fmt(x: Any, spec: str = ".4g") -> str:
    return "-" if x is None else format(x, spec)


def markdown(study: dict) -> str:
    """The study as a Markdown report: the grids, then one line per number."""
    h = [g["h"] for g in study["grids"]]
    reached = ", ".join(f"{a / b:.3g}" for a, b in zip(h, h[1:]))
    asked = f"{study['ratio']:g} asked, " if study.get("ratio") else ""
    lines = [f"# Grid convergence: {study['case']}", "",
             f"Refinement ratio per grid {asked}{reached} reached (h = (V/N)^(1/d)); GCI of the "
             "finest grid after Celik "
             "et al. (2008), safety factor 1.25; U the uncertainty to quote: the GCI where the "
             "convergence is monotone at an order in (0.5, 3), otherwise from the range D of "
             "the three finest grids' values (Eca and Hoekstra 2014: 3 D oscillatory or without "
             "an order, at least 1.25 D above order 3, at most 3 D below 0.5). Temperatures' "
             "relative errors are of their rise above the coldest fluid; an inlet's of the "
             "air's rise through the server or rack it feeds (the units' mean for the "
             "hottest inlet): the column 'of'.", "",
             "| grid | cells | h (m) | status | steps | wall s |", "|---|---:|---:|---|---:|---:|"]
    for g in study["grids"]:
        lines.append(f"| {g['level']} | {g['cells']:,} | {g['h']:.4g} | {g['status']} | "
                     f"{g['steps']} | {_fmt(g['wall_time_s'], '.1f')} |")
    sampled = any("sampling" in r for r in study["quantities"])
    if sampled:
        lines += ["", "Averaged numbers (latter-half means of a moving flow) carry a sampling "
                  "error: '+- sampling' is each grid's 95 % half-width by batch means, coarse "
                  "to fine; 'U total' the U and the finest grid's sampling error in quadrature."]
    extra_head, extra_rule = (" +- sampling | U total | U total % |", "---|---:|---:|") if sampled \
        else ("", "")
    lines += ["", "| quantity | unit | coarse .. fine | order | extrapolated | GCI | GCI % | U | "
              f"U % |{extra_head} of | U from | note |",
              f"|---|---|---|---:|---:|---:|---:|---:|---:|{extra_rule}---|---|---|"]
    for r in study["quantities"]:
        vals = ", ".join(_fmt(v, ".5g") for v in r["all_grids"])
        extra = (f" {', '.join(_fmt(e, '.2g') for e in r.get('sampling', []))} | "
                 f"{_fmt(r.get('uncertainty_total'), '.3g')} | "
                 f"{_fmt(r.get('uncertainty_total_pct'), '.2f')} |") if sampled else ""
        lines.append(f"| {r['quantity']} | {r['unit']} | {vals} | {_fmt(r['order'], '.2f')} | "
                     f"{_fmt(r['extrapolated'], '.5g')} | {_fmt(r['gci'], '.3g')} | "
                     f"{_fmt(r['gci_pct'], '.2f')} | {_fmt(r.get('uncertainty'), '.3g')} | "
                     f"{_fmt(r.get('uncertainty_pct'), '.2f')} |{extra} {percent_of(r)} | "
                     f"{r.get('uncertainty_rule', '-')} | "
                     f"{r.get('warning', '')} |")
    fitted = [r for r in study["quantities"] if "least_squares" in r]
    if fitted:
        n = fitted[0]["least_squares"]["grids"]
        lines += ["", f"From all {n} grids by least squares (Eca and Hoekstra 2014): "
                  "phi = phi0 + alpha h^p fitted with equal and with 1/h weights (the smaller "
                  "standard deviation U_s kept), fixed exponents (h, h^2, h + h^2) where p lies "
                  "outside [0.5, 2]; D the data range per grid step; Fs 1.25 for 0.5 <= p < 2.1 "
                  "with U_s < D, else 3; U = Fs e + U_s + |phi_1 - fit_1| where U_s < D, else "
                  "3 U_s / D times that sum (e the fit's error of the finest grid).", "",
                  f"| quantity | unit | order | fit | extrapolated | U_s | D | Fs | U | U % |"
                  f"{' U total | U total % |' if sampled else ''}",
                  f"|---|---|---:|---|---:|---:|---:|---:|---:|---:|{'---:|---:|' if sampled else ''}"]
        for r in fitted:
            q = r["least_squares"]
            extra = (f" {_fmt(q.get('uncertainty_total'), '.3g')} | "
                     f"{_fmt(q.get('uncertainty_total_pct'), '.2f')} |") if sampled else ""
            lines.append(f"| {r['quantity']} | {r['unit']} | {_fmt(q['order'], '.2f')} | "
                         f"{q['fit']}{' (1/h)' if q['weighted'] else ''} | "
                         f"{_fmt(q['extrapolated'], '.5g')} | {_fmt(q['std'], '.3g')} | "
                         f"{_fmt(q['data_range'], '.3g')} | {q['safety']:g} | "
                         f"{_fmt(q['uncertainty'], '.3g')} | {_fmt(q['uncertainty_pct'], '.2f')} |"
                         f"{extra}")
    for w in study["warnings"]:
        lines.append(f"\nwarning: {w}")
    return "\n".join(lines) + "\n"


def picture(study: dict, path: pathlib.Path, most: int = 12) -> pathlib.Path:
    """Each number against the cell size, with its extrapolate at h = 0 and, from four
    grids, the least-squares fit (dotted) (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = study["quantities"][:most]
    cols = min(4, max(1, len(rows)))
    nrows = max(1, math.ceil(len(rows) / cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(3.6 * cols, 2.8 * nrows), squeeze=False)
    h = [g["h"] for g in study["grids"]]
    for ax, r in zip(axes.flat, rows):
        ax.plot(h, r["all_grids"], "o-")
        if r.get("least_squares"):  # four or more grids: the least-squares fit and its limit
            ls = r["least_squares"]
            pts = sorted(zip([0.0, *h], [ls["extrapolated"], *ls["fitted"]]))
            ax.plot([a for a, _ in pts], [b for _, b in pts], "g:", lw=1)
        if r["extrapolated"] is not None:
            ax.plot([0.0], [r["extrapolated"]], "k*")
            ax.axhline(r["extrapolated"], color="k", lw=0.5, ls="--")
        ax.set_title(r["quantity"], fontsize=7)
        ax.set_xlabel("h (m)", fontsize=7)
        ax.set_xlim(left=0.0)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_study(case_path: str | pathlib.Path, outdir: str | pathlib.Path, *, grids: int = 3,
              ratio: float = 1.5, overrides: Sequence[str] = (),
              patterns: Sequence[str] = HEADLINE, quiet: bool = True,
              runner: Callable | None = None, means: Sequence[tuple[str, str]] = ()) -> dict:
    """Run ``case_path`` on ``grids`` grids refined by ``ratio`` into ``OUTDIR/grid-K``
    and write ``OUTDIR/study.json``, ``study.md`` and ``study.png``; returns the study.
    A grid whose ``summary.json`` is already there from the same overrides is not
    rerun (a killed study resumes). Every grid is checked before the first runs.
    ``means``: (NAME, PATTERN) pairs, each studied as one number (:func:`with_means`)."""
    from thermo.case import load_case

    if grids < 3:
        raise ValueError(f"--grids {grids}: a study needs at least 3 grids")
    if not ratio > 1.0:
        raise ValueError(f"--ratio {ratio}: the refinement ratio must be > 1 (1.3 or more advised)")
    if runner is None:
        from thermo.runner import run_case as runner
    outdir = pathlib.Path(outdir)
    base = load_case(case_path, overrides)
    cases = []
    for k in range(grids):  # all checked before anything runs
        extra = grid_overrides(base.data, k, ratio)
        cases.append((k, extra, load_case(case_path, [*overrides, *extra])))
    outdir.mkdir(parents=True, exist_ok=True)
    table, summaries, warnings = [], [], []
    for k, extra, case in cases:
        gdir = outdir / f"grid-{k}"
        done = gdir / "summary.json"
        marker = gdir / "study-overrides.json"
        wanted = [*overrides, *extra]
        if done.exists() and marker.exists() and json.loads(marker.read_text()) == wanted:
            summary = json.loads(done.read_text())
        else:
            if gdir.exists():
                for f in ("summary.json", "result.vtkhdf"):
                    (gdir / f).unlink(missing_ok=True)
            summary = runner(case, gdir, quiet=quiet)
            marker.write_text(json.dumps(wanted))
        cells = list(case.grid.cells)
        h = cell_size(base.data["domain"]["size"], cells)
        if not summary.get("converged", False):
            warnings.append(f"grid {k} ({math.prod(cells):,} cells) did not converge "
                            f"(status {summary.get('status')}): its numbers carry iteration error")
        summaries.append(summary)
        table.append({"level": k, "cells": math.prod(cells), "shape": cells, "h": h,
                      "overrides": extra, "status": summary.get("status"),
                      "steps": summary.get("steps"), "wall_time_s": summary.get("wall_time_s")})
    return _write_study(base.name, ratio, table, summaries, warnings, patterns, outdir, means)


def _write_study(name: str, ratio: float | None, table: list[dict], summaries: list[dict],
                 warnings: list[str], patterns: Sequence[str], outdir: pathlib.Path,
                 means: Sequence[tuple[str, str]] = ()) -> dict:
    summaries, derived = with_means(summaries, means)
    warnings = [*warnings, *bound_notes(summaries, derived)]
    study = {"case": name, "ratio": ratio, "grids": table,
             "quantities": study_table(summaries, [g["h"] for g in table],
                                       [*patterns, *derived]),
             "warnings": warnings, "method": "Celik et al. 2008 (ASME J. Fluids Eng. 130 078001), "
                                             "GCI safety factor 1.25, three finest grids; from four grids also "
                                             "Eca and Hoekstra 2014 (J. Comput. Phys. 262 104), "
                                             "least squares over all grids"}
    for r in study["quantities"]:
        if r.get("warning"):
            warnings.append(f"{r['quantity']}: {r['warning']}")
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "study.json").write_text(json.dumps(study, indent=2) + "\n")
    (outdir / "study.md").write_text(markdown(study))
    picture(study, outdir / "study.png")
    return study


def study_of_runs(run_dirs: Sequence[str | pathlib.Path], outdir: str | pathlib.Path, *,
                  patterns: Sequence[str] = HEADLINE,
                  means: Sequence[tuple[str, str]] = ()) -> dict:
    """The study of runs already made (``thermo study --runs``): each folder an output
    of `thermo run` of the same case on its own grid (``summary.json`` and the result
    file, whose face coordinates give the grid), run wherever and with whatever grid
    overrides suited, e.g. a grid too big for one machine on another, or grids that
    keep thin parts' lines where the study's own rule would merge or split them.
    Ordered coarsest first by cell count. Writes and returns the study as
    :func:`run_study` does; ``ratio`` is None (the ratios reached are in the table)."""
    from thermo.io.load import load

    if len(run_dirs) < 3:
        raise ValueError(f"--runs: {len(run_dirs)} folder(s); a study needs at least 3")
    runs = []
    for d in map(pathlib.Path, run_dirs):
        path = d / "summary.json"
        if not path.is_file():
            raise ValueError(f"--runs: {d} has no summary.json (a folder `thermo run` wrote)")
        summary = json.loads(path.read_text())
        try:
            grid = load(d).grid
        except (FileNotFoundError, ValueError) as exc:
            raise ValueError(f"--runs: {d}: {exc}") from exc
        runs.append((math.prod(grid.cells), d, summary, list(grid.cells), list(grid.size)))
    names = sorted({r[2].get("case") for r in runs}, key=str)
    if len(names) > 1:
        raise ValueError(f"--runs: the folders hold different cases ({', '.join(map(str, names))}); "
                         "a study compares one case on several grids")
    counts = sorted(r[0] for r in runs)
    if len(set(counts)) < len(counts):
        raise ValueError(f"--runs: two folders have the same grid ({counts} cells); each must "
                         "have its own")
    table, summaries, warnings = [], [], []
    for k, (n, d, summary, cells, size) in enumerate(sorted(runs, key=lambda r: r[0])):
        if not summary.get("converged", False):
            warnings.append(f"grid {k} ({n:,} cells) did not converge (status "
                            f"{summary.get('status')}): its numbers carry iteration error")
        summaries.append(summary)
        table.append({"level": k, "cells": n, "shape": cells, "h": cell_size(size, cells),
                      "run": str(d), "status": summary.get("status"),
                      "steps": summary.get("steps"), "wall_time_s": summary.get("wall_time_s")})
    return _write_study(str(names[0]), None, table, summaries, warnings, patterns,
                        pathlib.Path(outdir), means)
