"""``python -m benchmarks.data_hall``: the data hall open and with cold-aisle containment,
side by side.

Runs the bundled examples ``data-hall`` and ``data-hall-contained`` (or reads
their summary.json when a previous run left one in ``--out``) and prints, per
hall: cells, iterations, wall time, the energy and plenum balances, RCI_HI,
RCI_LO (Herrlin 2005), RTI (Herrlin 2008, against all four CRAHs), the hall's
recirculation index and SHI, the CRAHs' speeds, supplies and loads, and per
rack its power, hottest intake (C) and recirculation index. ``--set KEY=VALUE``
(repeatable) overrides both cases as ``thermo run --set`` does (e.g. a coarser
grid: ``--set grid.max_cell=[0.6,0.6,0.6]``). ``--runs DIR ...`` sets finished runs side
by side instead (a hall with one CRAH failed against all four running); where the runs
averaged their monitors, each rack's row adds its intake maximum's latter-half mean.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any

HALLS = ("data-hall", "data-hall-contained")


def _f(x: Any, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def balances(s: dict) -> dict[str, float]:
    """The racks' power and the CRAHs' heat (W), and the CRAHs' flow and the tiles'
    and cut-outs' flow (m3/s) of one summary."""
    return {"rack_w": sum(r["power_w"] for r in s["servers"].values()),
            "crah_w": sum(u["heat_removed_w"] for u in s["cooling_units"].values()),
            "crah_m3_s": sum(u["volume_flow_m3_s"] for u in s["cooling_units"].values()),
            "floor_m3_s": sum(p["volume_flow_m3_s"] for p in s.get("leakage", {}).values())}


def _averaged(s: dict, rack: str) -> str | None:
    """The rack's intake maximum averaged over the run's latter half, with its 95 %
    half-width where known (text), or None without monitors."""
    m = s.get("monitors") or {}
    mean = (m.get("run_means_c") or {}).get(f"{rack} inlet max")
    if mean is None:
        return None
    err = (m.get("run_error_k") or {}).get(f"{rack} inlet max")
    return f"{mean:.2f}" + ("" if err is None else f" +- {err:.2f}")


def _index(s: dict, path: str, spec: str) -> str:
    """An air-side index averaged over the run's latter half (``path`` its summary path),
    with its 95 % half-width where known (text); "-" where the run has none."""
    m = s.get("monitors") or {}
    mean = (m.get("run_index_means") or {}).get(path)
    if mean is None:
        return "-"
    err = (m.get("run_index_errors") or {}).get(path)
    return format(mean, spec) + ("" if err is None else f" +- {format(err, spec)}")


def table(summaries: dict[str, dict]) -> str:
    """The halls' summaries side by side, as text."""
    names = list(summaries)
    rows: list[tuple[str, ...]] = [("", *names)]

    def add(label: str, fn) -> None:
        rows.append((label, *(fn(summaries[n]) for n in names)))

    add("cells", lambda s: f"{s['cells']:,}")
    add("status, iterations", lambda s: f"{s['status']} {s['steps']}")
    add("wall time (s)", lambda s: f"{s['wall_time_s']:.0f}")
    add("rack heat (kW)", lambda s: f"{balances(s)['rack_w'] / 1e3:.1f}")
    add("CRAH heat (kW)", lambda s: f"{balances(s)['crah_w'] / 1e3:.1f}")
    add("CRAH flow (m3/s)", lambda s: f"{balances(s)['crah_m3_s']:.2f}")
    add("tiles + cut-outs (m3/s)", lambda s: f"{balances(s)['floor_m3_s']:.2f}")
    add("RCI_HI (%)", lambda s: _f(s["air"]["rci_hi_pct"], ".1f"))
    add("RCI_LO (%)", lambda s: _f(s["air"]["rci_lo_pct"], ".1f"))
    add("RTI (%)", lambda s: _f(s["recirculation"]["rti_pct"], ".1f"))
    add("hall RI", lambda s: _f(s["recirculation"]["hall_ri"], ".3f"))
    if any((s.get("monitors") or {}).get("run_index_means") for s in summaries.values()):
        add("RCI_HI, latter-half mean (%)", lambda s: _index(s, "air.rci_hi_pct", ".1f"))
        add("RTI, latter-half mean (%)", lambda s: _index(s, "recirculation.rti_pct", ".1f"))
        add("hall RI, latter-half mean", lambda s: _index(s, "recirculation.hall_ri", ".3f"))
    add("SHI", lambda s: _f(s["air"]["shi"], ".3f"))
    add("hottest intake (C)", lambda s: f"{s['recirculation']['inlet_max_c']:.2f}")
    add("CRAH supply (C)", lambda s: f"{s['recirculation']['supply_c']:.2f}")
    add("CRAH return (C)", lambda s: f"{s['recirculation']['return_c']:.2f}")
    add("CRAH speeds", lambda s: " ".join(_f(u.get("speed"), ".2f") for u in s["cooling_units"].values()))
    add("CRAHs at capacity", lambda s: str(sum(bool(u.get("at_capacity")) for u in s["cooling_units"].values())))
    averaged = all(_averaged(s, rack) is not None for s in summaries.values()
                   for rack in s["recirculation"]["racks"])
    for rack in summaries[names[0]]["recirculation"]["racks"]:
        p = summaries[names[0]]["servers"][rack]["power_w"] / 1e3
        add(f"{rack} {p:.0f} kW: max C / " + ("latter-half mean C / " if averaged else "") + "RI",
            lambda s, r=rack: f"{s['recirculation']['racks'][r]['inlet_max_c']:.2f} / "
                              + (f"{_averaged(s, r)} / " if averaged else "")
                              + f"{_f(s['recirculation']['racks'][r]['ri'], '.3f')}")
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join("  ".join([r[0].ljust(widths[0])] + [v.rjust(w) for v, w in zip(r[1:], widths[1:])])
                     for r in rows)


def main(argv: list[str] | None = None) -> int:
    from thermo.case import example_path, load_case
    from thermo.runner import SUMMARY_NAME, run_case

    ap = argparse.ArgumentParser(prog="python -m benchmarks.data_hall", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/data-hall", help="results folder (one sub-folder per hall)")
    ap.add_argument("--rerun", action="store_true", help="run both halls again")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an override for both cases (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the two summaries' numbers as JSON")
    ap.add_argument("--runs", nargs="+", metavar="DIR",
                    help="run folders to set side by side instead (each with its summary.json; "
                         "nothing runs), e.g. a hall with and without a failed CRAH")
    args = ap.parse_args(argv)
    summaries = {}
    for run in args.runs or ():
        summary = pathlib.Path(run) / SUMMARY_NAME
        if not summary.exists():
            ap.error(f"--runs: {summary} does not exist")
        summaries[pathlib.Path(run).name] = json.loads(summary.read_text())
    for name in () if args.runs else HALLS:
        folder = pathlib.Path(args.out) / name
        summary = folder / SUMMARY_NAME
        if args.rerun or not summary.exists():
            print(f"running {name} into {folder} ...", file=sys.stderr, flush=True)
            run_case(load_case(example_path(name), args.set), folder, quiet=True)
        summaries[name] = json.loads(summary.read_text())
    if args.json:
        print(json.dumps({n: {"air": s["air"], "recirculation": s["recirculation"], **balances(s)}
                          for n, s in summaries.items()}, indent=1))
    else:
        print(table(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
