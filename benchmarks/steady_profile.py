"""``python -m benchmarks.steady_profile CASE [--iterations N] [--set KEY=VALUE]``: where
an implicit steady iteration spends its time.

Runs the case (a bundled example's name or a case file) for ``--iterations`` implicit
iterations (default 20) to leave the start-up, then times, each compiled on its own
and fed the same state, the parts of one iteration (:func:`thermo.solver.steady.
steady_iteration`): the explicit momentum terms, the momentum increment (its solve and
residual norms), the projection (divergence and pressure solve), the energy increment
(its solve and residual norm), the k-epsilon update, and the whole iteration. Prints
milliseconds per call (best of ``--repeat`` after a warm-up call) and the solvers'
iteration counts. The parts' sum exceeds the whole a little: compiled together they
share loads.
"""
from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp


def _best(fn, args, repeat: int) -> float:
    jax.block_until_ready(fn(*args))
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, time.perf_counter() - t)
    return 1e3 * best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.steady_profile")
    ap.add_argument("case")
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)

    from thermo.case import example_names, example_path, load_case
    from thermo.kernels.poisson import solve_poisson
    from thermo.kernels.multigrid import with_face_scale
    from thermo.kernels.stencils import diff_faces, divergence
    from thermo.solver.simulation import Simulation
    from thermo.solver import steady
    from thermo.solver.kepsilon import turbulence_update
    from thermo.solver.momentum import momentum_terms
    from thermo.solver.numerics import reachable_tolerance

    path = example_path(args.case) if args.case in example_names() else args.case
    case = load_case(path, [f"solver.max_steps={args.iterations}", *args.set])
    sim = Simulation(case)
    cfg, prm = sim.settings, sim.params
    if not cfg.implicit:
        raise SystemExit(f"{args.case}: not an implicit steady case")
    s, info = sim.run()
    print(f"{args.case}: {s.T.size:,} cells, "
          f"{info.steps} iterations run ({info.wall_time:.1f} s with compile)")

    terms = jax.jit(lambda s, prm: momentum_terms(s, prm, cfg))
    prm2, nut, nu, f, visc, fixed = terms(s, prm)

    def mom(s, prm2, nu, f, visc):
        grad_p = tuple(diff_faces(s.p, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
        rate = tuple(prm2.free[c] * (f[c] + visc[c] - grad_p[c]) for c in range(3))
        tr = tuple(prm2.free[c] * (jnp.abs(f[c]) + jnp.abs(visc[c]) + jnp.abs(grad_p[c]))
                   for c in range(3))
        return steady.momentum_increment(rate, s.u, prm2, cfg, nu, tr)
    mom = jax.jit(mom)
    du, vinfo, _ = mom(s, prm2, nu, f, visc)
    ustar = tuple(prm2.free[c] * (s.u[c] + du[c]) + fixed[c] for c in range(3))

    def proj(ustar, prm2):
        rhs = divergence(ustar, cfg.h)
        levels = prm2.levels
        if any(m.drags for m in cfg.parts):
            dtau = tuple(t / (1.0 + t * d) for t, d in zip(prm2.dtau, prm2.drag))
            levels = with_face_scale(levels, tuple(d / r for d, r in zip(dtau, prm2.dtau_proj)))
        return solve_poisson(levels, rhs, jnp.zeros_like(rhs),
                             tol=reachable_tolerance(cfg.pressure.tolerance, rhs),
                             max_iter=cfg.pressure.max_iterations, singular=cfg.singular,
                             regions=prm2.regions, n_regions=cfg.n_regions, acc=cfg.accumulate)
    proj = jax.jit(proj)
    _, pinfo = proj(ustar, prm2)

    rows = [("momentum terms", terms, (s, prm), ""),
            ("momentum increment", mom, (s, prm2, nu, f, visc), f"{int(vinfo.iterations)} its"),
            ("projection", proj, (ustar, prm2), f"{int(pinfo.iterations)} its")]
    if cfg.energy:
        ene = jax.jit(lambda T, u, prm2, nut: steady.energy_increment(T, u, prm2, cfg, nut))
        _, tinfo, _ = ene(s.T, s.u, prm2, nut)
        rows.append(("energy increment", ene, (s.T, s.u, prm2, nut), f"{int(tinfo.iterations)} its"))
    if s.turb:
        inv = 1.0 / (steady.TURBULENCE_DTAU * prm.dtau_cell)
        tur = jax.jit(lambda k, u, T, inv, prm2: turbulence_update(k, u, T, inv, prm2, cfg))
        rows.append(("k-epsilon update", tur, (s.turb, s.u, s.T, inv, prm2), ""))
    whole = jax.jit(lambda s, prm: steady.steady_iteration(s, prm, cfg, jnp.inf))
    rows.append(("whole iteration", whole, (s, prm), ""))
    total = 0.0
    for name, fn, a, note in rows:
        ms = _best(fn, a, args.repeat)
        if name != "whole iteration":
            total += ms
        else:
            print(f"{'sum of the parts':<20} {total:9.1f} ms")
        print(f"{name:<20} {ms:9.1f} ms  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
