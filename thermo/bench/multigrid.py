"""Multigrid-preconditioned CG pressure solve: iterations and time against grid size.

For each n, an n^3 box with a solid block inside, walls all round and one
Dirichlet face (``thermo.validation.flow.multigrid_iterations``' problem): PCG
iterations to reduce a random right-hand side's residual by 1e-8 (float64) and
the time of one solve after compilation. The iteration count should stay flat
as the grid is refined (the issue's bound: at most 1.5x from 32^3 to 128^3).
``--aspect`` repeats the smallest size with cells that many times longer along z
(graded and high-aspect-ratio grids: iterations against the uniform count).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import time
from typing import Sequence

from .paths import default_out


def solve_stats(n: int, tol: float = 1e-8, aspect: float = 1.0) -> dict:
    import jax

    jax.config.update("jax_enable_x64", True)
    from thermo.validation.flow import multigrid_problem

    levels, rhs, solve = multigrid_problem(n, aspect=aspect)
    t0 = time.perf_counter()
    x, info = solve(levels, rhs, tol)
    jax.block_until_ready(x)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    x, info = solve(levels, rhs, tol)
    jax.block_until_ready(x)
    solve_s = time.perf_counter() - t0
    its = int(info.iterations)
    return {"n": n, "aspect": aspect, "cells": n ** 3, "levels": len(levels), "iterations": its,
            "residual": float(info.residual), "compile_s": compile_s, "solve_s": solve_s,
            "s_per_iteration": solve_s / max(its, 1),
            "ns_per_cell_iteration": 1e9 * solve_s / max(its, 1) / n ** 3,
            "backend": jax.default_backend(), "jax": jax.__version__}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m thermo.bench multigrid", description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--quick", action="store_true", help="sizes 16 32")
    ap.add_argument("--aspect", type=float, nargs="*", default=[],
                    help="cell aspect ratios (z over x, y) to solve at the smallest size")
    ap.add_argument("--out", type=pathlib.Path, default=None,
                    help="folder for multigrid.json (default benchmarks/out in the repository "
                         "root, else ./bench-out)")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = default_out()
    sizes = [16, 32] if args.quick else args.sizes
    rows = []
    print(f"{'n^3':>6} {'cells':>10} {'levels':>6} {'iters':>5} {'residual':>9} "
          f"{'solve s':>8} {'ns/cell/iter':>12}")
    for n in sizes:
        r = solve_stats(n)
        rows.append(r)
        print(f"{n:>6} {r['cells']:>10,} {r['levels']:>6} {r['iterations']:>5} "
              f"{r['residual']:>9.1e} {r['solve_s']:>8.3f} {r['ns_per_cell_iteration']:>12.1f}",
              flush=True)
    growth = rows[-1]["iterations"] / rows[0]["iterations"]
    print(f"iteration growth {sizes[0]}^3 -> {sizes[-1]}^3: {growth:.2f}x (bound 1.5x)")
    aspect = [solve_stats(sizes[0], aspect=r) for r in args.aspect]
    for r in aspect:
        print(f"{sizes[0]}^3, aspect {r['aspect']:g}: {r['iterations']} iterations "
              f"({r['iterations'] / rows[0]['iterations']:.2f}x the uniform count)", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "multigrid.json").write_text(json.dumps({"rows": rows, "growth": growth,
                                                         "aspect": aspect}, indent=2))
    return 0 if growth <= 1.5 else 1
