"""``python -m benchmarks.steady_audit``: does every bundled steady example converge by
residuals, and where one does not, does its case file say why (issue #16)?

Runs each bundled example with ``mode = "steady"`` as bundled, one after the other
(``--only NAME``, repeatable, for some; ``--set KEY=VALUE``, repeatable, passed to
every case as ``thermo run --set`` does), each into ``OUT/NAME`` (a summary already
there is read instead of run again unless ``--rerun``), and prints one row per case:
cells, scheme, iterations (steps) of the allowed ``max_steps``, what stopped the run
(``residuals``: the normalised residuals reached ``solver.tolerance``; ``monitors``:
the monitored temperatures and heat balance went flat; ``max_steps``: neither), the
final normalised residuals, the energy imbalance, the first device call's seconds
(compile and the first chunk) and the run's wall seconds, and whether the case file
states why it does not converge by residuals: a comment line that starts with
``# Convergence:`` (``-`` for a case that converges by residuals). The table is
markdown (``--markdown FILE`` writes it too); ``--json FILE`` writes the rows.

``--trace`` records, after every device call, the residuals and the headline numbers
(hottest part and its temperature, hottest fluid, liquid heat, hottest server
intake, cooling-unit returns) into ``OUT/NAME/trace.jsonl`` as the run goes, so that
a stalled run shows whether its numbers oscillate (unsteady flow) or drift one way
(slow convergence); ``--set solver.steps_per_call=N`` sets how often.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
import tomllib
from typing import Any, Sequence

WHY_MARK = "# Convergence:"
AUDIT_FOLDER = "steady-audit"


def steady_examples() -> list[str]:
    """The bundled example cases whose solver mode is steady, by name."""
    from thermo.case import example_names, example_path

    names = []
    for name in example_names():
        data = tomllib.loads(example_path(name).read_text(encoding="utf-8"))
        if data.get("solver", {}).get("mode", "steady") == "steady":
            names.append(name)
    return names


def states_why(text: str) -> bool:
    """Whether a case file's text holds a ``# Convergence:`` comment line."""
    return any(line.lstrip().startswith(WHY_MARK) for line in text.splitlines())


def stop_criterion(summary: dict, max_steps: int) -> str:
    """What ended a steady run: "residuals", "monitors", "max_steps" or its status."""
    if summary.get("convergence") in ("residuals", "monitors"):
        return summary["convergence"]
    if summary.get("status") == "converged":
        return "residuals"
    if summary.get("status") == "running" and summary.get("steps", 0) >= max_steps:
        return "max_steps"
    return str(summary.get("status"))


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and x == x


def headline(summary: dict) -> dict[str, Any]:
    """The numbers a steady answer is read by: hottest part (name, C), hottest fluid
    (C), liquid heat (W), hottest server intake (C), cooling-unit returns (C)."""
    parts = {k: v["max_temperature_c"] for k, v in summary["parts"].items()
             if _number(v["max_temperature_c"])}  # None (null in JSON) or NaN: a part with no cell
    out: dict[str, Any] = {"fluid_max_c": summary["fluid"]["max_temperature_c"]}
    if parts:
        hottest = max(parts, key=parts.get)
        out.update(hottest_part=hottest, hottest_part_c=parts[hottest])
    if "liquid" in summary:
        out["liquid_w"] = summary["liquid"]["heat_w"]
    servers = summary.get("servers", {})
    inlets = [v["inlet_max_c"] for v in servers.values() if _number(v.get("inlet_max_c"))]
    if inlets:
        out["inlet_max_c"] = max(inlets)
    units = summary.get("cooling_units", {})
    out.update({f"{k}_return_c": v["return_c"] for k, v in units.items() if v.get("return_c") is not None})
    return out


def row(name: str, summary: dict, case_text: str, solver: dict, total_s: float | None) -> dict:
    """One audit row from a run's summary and its case."""
    stop = stop_criterion(summary, solver["max_steps"])
    res = summary["residuals"]
    return {"case": name, "cells": summary["cells"], "scheme": solver["scheme"],
            "steps": summary["steps"], "max_steps": solver["max_steps"],
            "tolerance": solver["tolerance"], "stop": stop,
            "momentum": res["momentum"], "continuity": res["continuity"], "energy": res["energy"],
            "energy_imbalance": summary["energy_imbalance"],
            "compile_s": summary.get("compile_time_s"), "wall_s": summary.get("wall_time_s"),
            "total_s": total_s,
            "why_stated": None if stop == "residuals" else states_why(case_text),
            "headline": headline(summary)}


def _g(x: Any, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def markdown(rows: Sequence[dict]) -> str:
    """The rows as a markdown table."""
    lines = ["| case | cells | scheme | steps / max | stopped by | momentum | continuity | energy "
             "| imbalance | first call s | wall s | why stated |",
             "|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        why = "-" if r["why_stated"] is None else ("yes" if r["why_stated"] else "**no**")
        lines.append(f"| {r['case']} | {r['cells']:,} | {r['scheme']} | {r['steps']:,} / "
                     f"{r['max_steps']:,} | {r['stop']} | {_g(r['momentum'], '.1e')} | "
                     f"{_g(r['continuity'], '.1e')} | {_g(r['energy'], '.1e')} | "
                     f"{_g(r['energy_imbalance'], '.1e')} | {_g(r['compile_s'], '.0f')} | "
                     f"{_g(r['wall_s'], '.0f')} | {why} |")
    return "\n".join(lines)


def _run_traced(case, folder: pathlib.Path) -> dict:
    """Run a case as ``thermo run`` would, writing ``trace.jsonl`` (residuals and headline
    numbers after every device call) as it goes; returns and writes the summary."""
    from thermo.diagnostics.history import ResidualHistory
    from thermo.diagnostics.summary import summarise
    from thermo.io.result import write_summary
    from thermo.runner import SUMMARY_NAME
    from thermo.solver import Simulation
    from thermo.solver.callbacks import Callback

    sim = Simulation(case)
    history = ResidualHistory()
    trace = (folder / "trace.jsonl").open("w", encoding="utf-8")

    def record(state, wall: float | None = None) -> None:
        history(state)
        info = _info(state, wall)
        s = summarise(sim, state, info)
        trace.write(json.dumps({"step": int(state.step), "wall_s": wall,
                                "residuals": s["residuals"],
                                "energy_imbalance": s["energy_imbalance"], **headline(s)}) + "\n")
        trace.flush()

    try:
        state, info = sim.run(None, [Callback("trace", record)])
    finally:
        trace.close()
    summary = summarise(sim, state, info) | history.summary()
    if info.status == "converged":
        summary["convergence"] = "residuals"
    write_summary(folder / SUMMARY_NAME, summary)
    return summary


def _info(state, wall: float | None):
    from types import SimpleNamespace

    return SimpleNamespace(status="running", steps=int(state.step), simulated_time=float(state.t),
                           wall_time=wall or 0.0, compile_time=0.0, res_mom=float(state.res_mom),
                           res_div=float(state.res_div), res_energy=float(state.res_energy),
                           pressure_iterations=0.0, energy_iterations=0.0, viscous_iterations=0.0)


def audit(names: Sequence[str], out: pathlib.Path, overrides: Sequence[str] = (),
          rerun: bool = False, trace: bool = False) -> list[dict]:
    """Run (or read) each named example into ``out/NAME`` and return the audit rows."""
    from thermo.case import example_path, load_case
    from thermo.runner import SUMMARY_NAME, DivergenceError, run_case

    rows = []
    for name in names:
        case = load_case(example_path(name), overrides)
        folder = out / name
        summary_path = folder / SUMMARY_NAME
        total = None
        if rerun or not summary_path.exists():
            print(f"running {name} into {folder} ...", file=sys.stderr, flush=True)
            folder.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            try:
                if trace:
                    _run_traced(case, folder)
                else:
                    run_case(case, folder, quiet=True)
            except DivergenceError as exc:
                print(f"{name}: {exc}", file=sys.stderr)
                continue
            total = time.perf_counter() - t0
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        rows.append(row(name, summary, case.text, case.data["solver"], total))
        print(markdown(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    from thermo.bench import default_out

    ap = argparse.ArgumentParser(prog="python -m benchmarks.steady_audit", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="audit this example only (repeatable; default: every steady example)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="an override for every case (repeatable)")
    ap.add_argument("--out", default=None,
                    help=f"results folder, one sub-folder per case (default: {AUDIT_FOLDER} "
                         "in the benchmarks' results folder)")
    ap.add_argument("--rerun", action="store_true", help="run the cases again")
    ap.add_argument("--trace", action="store_true",
                    help="write OUT/NAME/trace.jsonl: residuals and headline numbers per device call")
    ap.add_argument("--json", metavar="FILE", help="write the rows as JSON")
    ap.add_argument("--markdown", metavar="FILE", help="write the table as markdown")
    args = ap.parse_args(argv)
    steady = steady_examples()
    unknown = [n for n in args.only if n not in steady]
    if unknown:
        ap.error(f"--only {unknown[0]}: not a bundled steady example; one of {', '.join(steady)}")
    out = pathlib.Path(args.out) if args.out else default_out() / AUDIT_FOLDER
    rows = audit(args.only or steady, out, args.set, args.rerun, args.trace)
    table = markdown(rows)
    print(table)
    if args.markdown:
        pathlib.Path(args.markdown).write_text(table + "\n", encoding="utf-8")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
