"""``python -m benchmarks.pressure_precision CASE [--iterations N] [--set KEY=VALUE]``:
how far does a float32 (or mixed) pressure solve get on a case's real projection?

Runs N implicit steady iterations in float64, rounds that state to each precision,
takes the same momentum step, then solves the projection with the solver's own
hierarchy (its coarse space too, and without it where it has one). Prints, per
precision and preconditioner, the PCG iterations, the recursive residual where the
solve stopped, the true residual of the answer (the operator assembled in float64),
and the continuity residual of the corrected velocity; then the true residual and
continuity of the float64 answer rounded to float32, the floor a float32 field sets.
Session 35 found with it the float32 coarse space's inverted constant
(benchmarks/RESULTS.md).
"""
from __future__ import annotations

import argparse
import dataclasses

import numpy as np


def measure(case_path: str, overrides: list[str], iterations: int = 60,
            precisions=("float64", "float32", "mixed")) -> list[dict]:
    """One row per precision and preconditioner (see the module docstring)."""
    import jax
    import jax.numpy as jnp

    from thermo.case import load_case
    from thermo.kernels.coarse_space import fine_matrix
    from thermo.kernels.poisson import solve_poisson
    from thermo.solver import steady as st
    from thermo.solver.momentum import continuity_residual
    from thermo.solver.simulation import Simulation

    jax.config.update("jax_enable_x64", True)
    sim = Simulation(load_case(case_path, overrides + [f"solver.max_steps={iterations}",
                                                       "solver.precision=float64"]))
    state, _ = sim.run()
    rows, ref = [], None
    for prec in precisions:
        sm = Simulation(load_case(case_path, overrides + [f"solver.precision={prec}"]))
        prm, cfg = sm.params, sm.settings
        s = jax.tree_util.tree_map(
            lambda a: a.astype(sm.dtype) if jnp.issubdtype(a.dtype, jnp.floating) else a, state)
        ustar, rhs, levels, dtau, prm2 = jax.jit(lambda s: st.pressure_problem(s, prm, cfg)[:5])(s)
        fine = levels[0]
        a = fine_matrix(tuple(np.asarray(c, np.float64) for c in fine.coeffs),
                        np.asarray(fine.lapdiag, np.float64), fine.h, fine.diag.shape)
        live = np.asarray(fine.iso).ravel() == 0
        vol = np.asarray(fine.volume, np.float64).ravel() if fine.weighted else np.ones(live.size)
        b = -np.asarray(rhs, np.float64).ravel() * live * vol  # solve_poisson: A p = -rhs V
        if cfg.singular and not cfg.n_regions:  # the compatible right-hand side
            b = b - live * vol * (b @ live) / (live * vol).sum()
        tol = float(st.reachable_tolerance(cfg.pressure.tolerance, rhs))

        def corrected(phi):
            u = tuple(ustar[c] - dtau[c] * prm.free[c]
                      * st.diff_faces(phi, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
            return float(continuity_residual(u, prm2, cfg))

        def true_residual(phi):
            p = np.asarray(phi, np.float64).ravel()
            return np.linalg.norm((a @ p) * live - b) / np.linalg.norm(b)

        variants = [("as built", levels)]
        if fine.coarse is not None:
            variants.append(("no coarse space",
                             [dataclasses.replace(fine, coarse=None), *levels[1:]]))
        for name, lv in variants:
            phi, info = jax.jit(lambda r, lv: solve_poisson(
                lv, r, jnp.zeros_like(r), tol=tol, max_iter=cfg.pressure.max_iterations,
                singular=cfg.singular, regions=prm.regions, n_regions=cfg.n_regions,
                acc=cfg.accumulate))(rhs, lv)
            row = dict(precision=prec, preconditioner=name, tolerance=tol,
                       iterations=int(info.iterations), recursive=float(info.residual),
                       true=true_residual(phi), continuity=corrected(phi))
            if prec == "float64" and name == "as built":
                ref = np.asarray(phi)
            elif ref is not None and name == "as built":
                rounded = jnp.asarray(ref.astype(np.float32), phi.dtype)
                row.update(rounded_true=true_residual(rounded), rounded_continuity=corrected(rounded))
            rows.append(row)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pressure_precision")
    ap.add_argument("case")
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    from thermo.case import example_names, example_path
    path = example_path(args.case) if args.case in example_names() else args.case
    for r in measure(str(path), args.set, args.iterations):
        line = (f"{r['precision']:8s} {r['preconditioner']:16s} {r['iterations']:4d} iterations to "
                f"{r['recursive']:.1e} (asked {r['tolerance']:.0e}), true residual {r['true']:.1e}, "
                f"continuity after {r['continuity']:.1e}")
        if "rounded_true" in r:
            line += (f"; the float64 answer rounded to float32: {r['rounded_true']:.1e}, "
                     f"continuity {r['rounded_continuity']:.1e}")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
