"""``python -m benchmarks.pressure_coarse_space CASE [--block B] [--set KEY=VALUE]``: does
a coarse space of fluid aggregates cut the pressure solve's iterations?

The geometric multigrid re-discretises the operator on coarse cells that straddle
thin solid walls (an immersion tank's shrouds and baffle): a coarse cell joins
channels the fine grid keeps apart, and PCG stalls on the few modes the coarse grid
cannot represent. This tool builds the case's pressure hierarchy (no time steps), then
solves one random compatible right-hand side to a relative 1e-8 by PCG in NumPy on the
fine operator (assembled sparse from the level's face coefficients and checked against
:func:`thermo.kernels.multigrid.apply`) with three preconditioners:

* the V-cycle the solver uses;
* the V-cycle balanced by an aggregate coarse space (BNN: ``Q r + (I - Q A) V (I - A Q)
  r``, ``Q = Z (Z^T A Z)^-1 Z^T``, symmetric positive definite whatever ``V``; ``Z``
  the indicators of the fluid's connected components within blocks of ``B`` cells);
* the V-cycle plus ``Q`` (additive, cheaper, weaker).

Prints iterations to 1e-8 and to 1e-2 and the residual after 5, 10, 20 and 40
iterations. The solver's pressure solve uses the balanced form where a wall splits a
block (:mod:`thermo.kernels.coarse_space`); this tool compares the three on any case.
"""
from __future__ import annotations

import argparse

import numpy as np


def iterations(levels, region, block: int = 8, tol: float = 1e-8) -> dict:
    """PCG iterations to ``tol`` (relative residual) on one random compatible
    right-hand side of the fine level's operator, per preconditioner, with the residual
    histories and the coarse space's size: ``{"aggregates": m, "assembly_error": ...,
    name: history}``. ``region``: per cell its closed region's number (-1: no null
    space there), whose constant the operator does not see."""
    import jax
    import jax.numpy as jnp
    import scipy.sparse as sps

    from thermo.kernels.coarse_space import aggregates, fine_matrix
    from thermo.kernels.multigrid import apply, vcycle

    fine = levels[0]
    shape = fine.diag.shape
    n = int(np.prod(shape))
    a_mat = fine_matrix(fine.coeffs, fine.lapdiag, fine.h, shape)
    x = np.random.default_rng(0).standard_normal(n)
    err = np.abs(a_mat @ x - np.asarray(jax.jit(lambda v: apply(fine, v))(
        jnp.asarray(x.reshape(shape)))).ravel()).max() / np.abs(a_mat @ x).max()
    live = np.asarray(fine.iso).ravel() == 0
    vol = np.asarray(fine.volume).ravel() if fine.weighted else np.ones(n)
    region = np.where(live, np.asarray(region).ravel(), -1)
    n_reg = int(region.max()) + 1

    def per_region(v, w):
        ids = np.maximum(region, 0)
        inside = region >= 0
        s = np.bincount(ids, v * inside, n_reg) / np.maximum(np.bincount(ids, w * inside, n_reg), 1e-300)
        return inside, s[ids]

    def proj_x(v):  # zero volume-weighted mean per region
        inside, mean = per_region(v * vol, vol)
        return v - inside * mean

    def proj_r(v):  # zero sum per region, taking out a multiple of the volume
        inside, share = per_region(v, vol)
        return v - inside * vol * share

    lab, m, _ = aggregates(a_mat, live, shape, block)
    z = sps.csr_matrix((np.ones(live.sum()), (np.nonzero(live)[0], lab[live])), shape=(n, m))
    e = (z.T @ a_mat @ z).toarray()
    agg_region = np.full(m, -1)
    agg_region[lab[live]] = region[live]
    for k in range(n_reg):  # the regions' constants: E is singular along them
        w = (agg_region == k).astype(float)
        e += np.outer(w, w) * np.abs(e).max() / max(w.sum(), 1.0)
    e_inv = np.linalg.inv(e)

    v_jit = jax.jit(lambda r: vcycle(levels, r))
    v_cycle = lambda r: np.asarray(v_jit(jnp.asarray(r.reshape(shape)))).ravel()
    q = lambda r: z @ (e_inv @ (z.T @ r))

    def balanced(r):
        qr = q(r)
        y = v_cycle(r - a_mat @ qr)
        return y - q(a_mat @ y) + qr

    out = {"aggregates": m, "assembly_error": err, "cond_e": np.linalg.cond(e)}
    b = proj_r(live * np.random.default_rng(1).standard_normal(n))
    for name, prec in [("V-cycle", v_cycle), ("V-cycle + aggregates (BNN)", balanced),
                       ("V-cycle + Q (additive)", lambda r: v_cycle(r) + q(r))]:
        xk, r = np.zeros(n), b.copy()
        zk = proj_x(prec(r))
        p, rz, r0, hist = zk.copy(), r @ zk, np.linalg.norm(b), []
        for _ in range(300):
            ap_ = a_mat @ p
            alpha = rz / (p @ ap_)
            xk += alpha * p
            r = proj_r(r - alpha * ap_)
            hist.append(np.linalg.norm(r) / r0)
            if hist[-1] < tol:
                break
            zk = proj_x(prec(r))
            rz, rz_old = r @ zk, rz
            p = zk + rz / rz_old * p
        out[name] = hist
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.pressure_coarse_space")
    ap.add_argument("case")
    ap.add_argument("--block", type=int, default=8)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args(argv)

    import jax

    from thermo.case import example_names, example_path, load_case
    from thermo.solver.simulation import Simulation

    jax.config.update("jax_enable_x64", True)
    path = example_path(args.case) if args.case in example_names() else args.case
    sim = Simulation(load_case(path, args.set))
    cfg, levels = sim.settings, sim.params.levels
    shape = levels[0].diag.shape
    n = int(np.prod(shape))
    # the null space: a constant per closed region (or over all the fluid if singular)
    if cfg.n_regions:
        region = np.asarray(sim.params.regions)
    else:
        region = np.full(shape, 0 if cfg.singular else -1)
    res = iterations(levels, region, args.block)
    print(f"{args.case}: {n:,} cells {shape}, operator assembled to {res['assembly_error']:.1e}; "
          f"{res['aggregates']} aggregates (blocks of {args.block}), cond(E) {res['cond_e']:.1e}")
    for name, hist in res.items():
        if not isinstance(hist, list):
            continue
        to_2 = next((i + 1 for i, h in enumerate(hist) if h < 1e-2), None)
        at = ", ".join(f"{hist[i]:.1e}" for i in (4, 9, 19, 39) if i < len(hist))
        print(f"{name:28s} {len(hist):4d} iterations to 1e-8, {to_2} to 1e-2; residual "
              f"after 5/10/20/40: {at}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
