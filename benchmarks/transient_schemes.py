"""``python -m benchmarks.transient_schemes [CASE] [--dt 0.2 0.1 0.05] [--set KEY=VALUE]``:
a transient case by the time march and by implicit time steps.

Runs the case (default: the bundled ``air-rack-60kw-fan-failure``, a cooler failing at
30 s) once with ``solver.scheme = "march"`` (its step from ``solver.cfl``) and once per
``--dt`` with ``solver.scheme = "implicit"`` (BDF2 steps of that size, each converged by
the steady scheme's iterations: :mod:`thermo.solver.dual`), one after the other in this
process, and prints per run: time steps, iterations per step, wall and compile seconds,
cell updates per second (cells times steps over the wall time after compile), and the
answers a failure study reads: when the first server inlet passes 27 and 32 C, the
hottest inlet over the run, every inlet at the end. Nothing is asserted: the march's
answer is the reference the implicit steps converge to as ``dt`` falls.
"""
from __future__ import annotations

import argparse
import time


def one_run(case, overrides: list[str]) -> dict:
    """Run ``case`` (a bundled example's name or a path) with ``overrides``; the numbers
    the table prints."""
    import tempfile

    from thermo.case import load_case
    from thermo.case.loading import example_path
    from thermo.runner import run_case

    path = example_path(case) if not case.endswith(".toml") else case
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        s = run_case(load_case(path, overrides), out, quiet=True)
        wall = time.perf_counter() - t0
    hist = (s.get("inlet_history") or {}).get("inlet_max_c") or []
    hottest = max((max(v) for v in hist), default=float("nan"))
    run = wall - s["compile_time_s"]
    return {"steps": s["steps"], "per_step": s.get("outer_iterations_per_step"),
            "wall": wall, "compile": s["compile_time_s"],
            "updates": s["cells"] * s["steps"] / run if run > 0 else float("nan"),
            "crossings": s.get("inlet_crossings_s") or {}, "hottest": hottest,
            "end": {k: v["inlet_max_c"] for k, v in (s.get("servers") or {}).items()}}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case", nargs="?", default="air-rack-60kw-fan-failure")
    ap.add_argument("--dt", type=float, nargs="+", default=[0.2, 0.1, 0.05])
    ap.add_argument("--set", action="append", default=[], dest="overrides")
    a = ap.parse_args(argv)
    rows = [("march", one_run(a.case, a.overrides + ["solver.scheme=march"]))]
    for dt in a.dt:
        rows.append((f"implicit dt {dt:g} s", one_run(a.case, a.overrides + [
            "solver.scheme=implicit", f"solver.dt={dt}"])))
    print(f"{a.case}: the time march against implicit (BDF2) steps")
    print("| scheme | steps | iterations per step | wall (s) | compile (s) | cell updates/s "
          "| 27 C passed (s) | 32 C passed (s) | hottest inlet (C) | inlets at the end (C) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, r in rows:
        c = r["crossings"]
        fmt = lambda x: "never" if x is None else f"{x:.2f}"
        end = ", ".join(f"{v:.2f}" for v in r["end"].values())
        per = "-" if r["per_step"] is None else f"{r['per_step']:.2f}"
        print(f"| {name} | {r['steps']:,} | {per} | {r['wall']:.1f} | {r['compile']:.1f} | "
              f"{r['updates']:.3g} | {fmt(c.get('27'))} | {fmt(c.get('32'))} | "
              f"{r['hottest']:.2f} | {end} |")


if __name__ == "__main__":
    main()
