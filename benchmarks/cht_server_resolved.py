"""cht-server in 3-D with its packages' walls resolved, against the wall functions:
``python -m benchmarks.cht_server_resolved [--only NAME ...] [-o DIR]``.

The lane is symmetric about its mid-plane (y = 40 mm, through both 40 x 40 x 4 mm
packages), so half of it is solved, with a slip plane there and 2.5 W in each half
package. The variants: the
example's 2 mm grid with the wall functions (``physics.thermal_wall_law`` blended,
thermo's default, and switched, OpenFOAM's: the half of the bench's 2 mm grid,
``thermo bench cht --refine 2``), and a graded grid whose cells are 0.16 mm normal
to every face the packages show the air (front, back, top, side) and to the board's
top, growing by 1.3 to 3 mm (288,517 cells; y+ about 1-2: k-epsilon's two-layer
treatment resolves the wall's layer), and the same with 0.08 mm (451,360 cells) and
0.04 mm (670,268 cells): a study of the walls' cells alone, at ratio 2. On the 2-D
cut (benchmarks/rib_wall_laws.py) that grading reads the ribs within 0.07 K of a 0.16
mm grid growing by 1.2 to 2 mm.
Printed as benchmarks/rib_wall_laws.py prints: each package's and the board's
maximum, the packages' rise over the inlet, their first cells' y+ and y*,
iterations and wall time. A model against itself, not against data
(benchmarks/RESULTS.md, "Session 45").
"""
from __future__ import annotations

import json
import tomllib

from benchmarks.rib_wall_laws import run_variants
from thermo.case import example_path

HALF = 0.04        # m, the mid-plane of the lane


def half_case() -> dict:
    """cht-server's case data on the half lane below its mid-plane, 2 mm cells."""
    d = tomllib.loads(example_path("cht-server").read_text())
    d["case"] = {"name": "cht-server-half",
                 "description": "cht-server below its mid-plane (slip there): two 5 W packages"}
    d["domain"] = {"size": [0.48, HALF, 0.044], "cells": [240, 20, 22]}
    for p in d["parts"]:
        p["box"]["max"][1] = min(p["box"]["max"][1], HALF)
        if p.get("power"):
            p["power"] = 0.5 * p["power"]  # half of each package
    for b in d["boundaries"]:
        b["region"] = {"min": [0.0, 0.004], "max": [HALF, 0.044]}
    d["boundaries"].append({"name": "mid", "face": "y+", "flow": "slip"})
    d["solver"].update(max_steps=3000, monitor_window=0.1, average_tolerance=0.02)
    return d


def graded(d: dict, first: float, core: float, ratio: float) -> dict:
    """``d`` on a graded grid: cells of ``first`` (m) normal to the packages' faces and
    the board's top on their air side (a ``walls`` refinement zone), ``core`` (m) at
    most elsewhere, growing by at most ``ratio``."""
    d = json.loads(json.dumps(d))
    del d["domain"]["cells"]
    d["grid"] = {"max_cell": [core, core, core], "max_ratio": ratio, "min_cells_across": 1,
                 "refine": [{"walls": ["block", "board"], "first_cell": first}]}
    return d


def variants() -> dict[str, dict]:
    base = half_case()

    def law(name: str) -> dict:
        d = json.loads(json.dumps(base))
        d["physics"]["thermal_wall_law"] = name
        return d

    return {"2mm-blended": law("blended"), "2mm-switched": law("switched"),
            "graded-0.16mm": graded(base, 1.6e-4, 0.003, 1.3),
            "graded-0.08mm": graded(base, 8e-5, 0.003, 1.3),
            "graded-0.04mm": graded(base, 4e-5, 0.003, 1.3)}


def main(argv=None) -> int:
    return run_variants("python -m benchmarks.cht_server_resolved", __doc__, variants(),
                        "out/cht_server_resolved", argv)


if __name__ == "__main__":
    raise SystemExit(main())
