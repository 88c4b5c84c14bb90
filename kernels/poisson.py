"""The pressure Poisson solve: multigrid-preconditioned CG on the masked operator."""
from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp

from .krylov import SolveInfo, pcg
from .multigrid import Level, apply, build_hierarchy, vcycle


def solve_poisson(levels: Sequence[Level], rhs, x0, *, tol: float, max_iter: int = 200,
                  singular: bool, regions=None, n_regions: int = 0):
    """Solve ``div(c grad p) = rhs`` (the masked Laplacian of ``levels[0]``).

    ``singular`` says that no face is Dirichlet, so ``p`` is defined up to a
    constant: the right-hand side is made compatible (zero mean over the open
    cells) and the returned ``p`` has zero mean there. ``regions`` (int per cell,
    -1 outside) with ``n_regions`` > 0 does the same in each of several closed
    regions separately (fluid pockets joined only through fixed-flow faces, such
    as the air before and behind a server filling a duct). Returns ``(p, info)``.
    """
    fine = levels[0]
    live = 1.0 - fine.iso
    nlive = jnp.maximum(jnp.sum(live), 1.0)
    if n_regions:
        ids = jnp.maximum(regions, 0).ravel()
        inside = (regions >= 0) * live
        count = jnp.maximum(jax.ops.segment_sum(inside.ravel(), ids, num_segments=n_regions), 1.0)

    def project(v):
        if n_regions:
            mean = jax.ops.segment_sum((v * inside).ravel(), ids, num_segments=n_regions) / count
            return v - inside * mean[ids].reshape(v.shape)
        if not singular:
            return v
        return live * (v - jnp.sum(v * live) / nlive)

    b = project(-rhs * live)
    x, info = pcg(lambda x: apply(fine, x), b, project(x0), lambda r: vcycle(levels, r),
                  tol=tol, max_iter=max_iter, project=project)
    return x, info


def solve_spd(levels: Sequence[Level], rhs, x0, *, tol: float, max_iter: int = 200):
    """Solve ``(shift - div(c grad)) x = rhs`` on the hierarchy (a non-singular
    operator, e.g. an implicit heat-conduction step). Returns ``(x, info)``."""
    fine = levels[0]
    return pcg(lambda x: apply(fine, x), rhs, x0, lambda r: vcycle(levels, r),
               tol=tol, max_iter=max_iter)


__all__ = ["build_hierarchy", "solve_poisson", "solve_spd", "SolveInfo"]
