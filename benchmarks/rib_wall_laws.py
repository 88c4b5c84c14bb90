"""Wall functions against the same k-epsilon resolved to the wall, on a 2-D cut of
``cht-server``: ``python -m benchmarks.rib_wall_laws [--only NAME ...] [-o DIR]``.

The lane's two 40 x 4 mm aluminium packages become ribs spanning a 40 mm wide slice
(1 cell across, slip faces), 5 W each, on the 4 mm board, in 6 m/s air (the example's
materials, inlet turbulence and solver). The variants: uniform grids of 2, 1 and 0.5
mm with the wall functions (``physics.thermal_wall_law`` blended, thermo's default,
or switched, OpenFOAM's; and LVEL, the electronics closure, on 2 and 1 mm), and graded grids whose first cells on the ribs and the board
are 0.16 or 0.08 mm (y+ about 1: the two-layer treatment resolves the wall's layer),
with a 2 or 1 mm core. Printed: each rib's and the board's maximum, the ribs' rise over
the inlet, the ribs' mean first-cell y+ and y*, iterations and wall time. A model
against itself, not against data: it says how far the wall functions sit from the
resolved answer of the same closure on these faces (benchmarks/RESULTS.md, "Session 44").
"""
from __future__ import annotations

import argparse
import json
import pathlib
import time
import tomllib

from thermo.case import case_from_dict, example_path

WIDTH = 0.04       # m, the slice's span (the package's width in the example)
INLET_C = 25.0


def rib_case() -> dict:
    """cht-server's case data cut to a 2-D slice on its uniform 2 mm grid."""
    d = tomllib.loads(example_path("cht-server").read_text())
    d["case"] = {"name": "rib2d", "description": "2-D cut of cht-server: two 5 W ribs on a board, 6 m/s air"}
    d["domain"] = {"size": [0.48, WIDTH, 0.044], "cells": [240, 1, 22]}
    for p in d["parts"]:
        p["box"]["min"][1], p["box"]["max"][1] = 0.0, WIDTH
    for b in d["boundaries"]:
        b["region"] = {"min": [0.0, 0.004], "max": [WIDTH, 0.044]}
    d["boundaries"] += [{"name": f, "face": f, "flow": "slip"} for f in ("y-", "y+")]
    d["solver"]["max_steps"] = 6000
    return d


def graded(d: dict, first: float, core: float) -> dict:
    """``d`` on a graded grid: cells of ``first`` (m) normal to the ribs' faces and the
    board's top on their air side (a ``walls`` refinement zone), ``core`` (m) at most
    elsewhere, ratio 1.2."""
    d = json.loads(json.dumps(d))
    del d["domain"]["cells"]
    d["grid"] = {"max_cell": [core, WIDTH, core], "max_ratio": 1.2, "min_cells_across": 1,
                 "refine": [{"walls": ["block", "board"], "first_cell": first}]}
    return d


def variants() -> dict[str, dict]:
    base = rib_case()

    def uniform(mm: float, law: str, closure: str = "k-epsilon") -> dict:
        d = json.loads(json.dumps(base))
        d["domain"]["cells"] = [round(480 / mm), 1, round(44 / mm)]
        d["physics"].update(turbulence=closure, thermal_wall_law=law)
        return d

    return {"2mm-blended": uniform(2, "blended"), "2mm-switched": uniform(2, "switched"),
            "1mm-blended": uniform(1, "blended"), "1mm-switched": uniform(1, "switched"),
            "0.5mm-blended": uniform(0.5, "blended"),
            "2mm-lvel": uniform(2, "blended", "lvel"), "1mm-lvel": uniform(1, "blended", "lvel"),
            "graded-0.16mm": graded(base, 1.6e-4, 0.002), "graded-0.08mm": graded(base, 8e-5, 0.002),
            "graded-0.08mm-core-1mm": graded(base, 8e-5, 0.001)}


def run(name: str, data: dict, out: pathlib.Path) -> dict:
    """One variant solved to its tolerance; its numbers (and summary.json under ``out``)."""
    from thermo.diagnostics.summary import summarise
    from thermo.solver.simulation import Simulation

    sim = Simulation(case_from_dict(data))
    t0 = time.perf_counter()
    state, info = sim.run()
    s = summarise(sim, state, info)
    (out / name).mkdir(parents=True, exist_ok=True)
    (out / name / "summary.json").write_text(json.dumps(s, indent=1, default=float))
    ribs = [f"block[{k}]" for k in range(2)]
    return {"variant": name, "cells": int(s["cells"]), "converged": s["converged"], "iterations": s["steps"],
            "wall_s": time.perf_counter() - t0,
            "max_c": {p: s["parts"][p]["max_temperature_c"] for p in (*ribs, "board")},
            "y_plus": [s["walls"][p]["y_plus_mean"] for p in ribs],
            "y_star": [s["walls"][p].get("y_star_mean", float("nan")) for p in ribs]}


def table(rows: list[dict]) -> str:
    lines = ["| variant | cells | ribs' first cells y+ / y* (mean) | rib 1 / rib 2 / board max (C) | "
             "ribs' rise (K) | iterations | wall (s) |", "|---|---:|---|---|---|---:|---:|"]
    for r in rows:
        m = r["max_c"]
        ys = ", ".join("-" if y != y else f"{y:.2f}" for y in r["y_star"])  # LVEL has no k
        lines.append(f"| {r['variant']} | {r['cells']:,} | {r['y_plus'][0]:.2f}, {r['y_plus'][1]:.2f} / "
                     f"{ys} | {m['block[0]']:.2f} / {m['block[1]']:.2f} / "
                     f"{m['board']:.2f} | {m['block[0]'] - INLET_C:.1f} / {m['block[1]'] - INLET_C:.1f} | "
                     f"{r['iterations']}{'' if r['converged'] else ' (not converged)'} | {r['wall_s']:.0f} |")
    return "\n".join(lines)


def run_variants(prog: str, doc: str, cases: dict[str, dict], out: str, argv=None) -> int:
    """The command line of a module of variants: ``--only NAME ...`` and ``-o DIR``;
    runs them in order, printing each row as it ends and the table at the end."""
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    ap.add_argument("--only", nargs="*", default=None, help="variant names (default: all)")
    ap.add_argument("-o", "--out", default=out)
    args = ap.parse_args(argv)
    unknown = sorted(set(args.only or []) - set(cases))
    if unknown:
        ap.error(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(cases)}")
    rows = []
    for name, data in cases.items():
        if args.only and name not in args.only:
            continue
        rows.append(run(name, data, pathlib.Path(args.out)))
        print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    return 0


def main(argv=None) -> int:
    return run_variants("python -m benchmarks.rib_wall_laws", __doc__, variants(),
                        "out/rib_wall_laws", argv)


if __name__ == "__main__":
    raise SystemExit(main())
