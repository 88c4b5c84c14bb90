"""The pressure Poisson solve: multigrid-preconditioned CG on the masked operator."""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp

from .krylov import SolveInfo, pcg
from .multigrid import Level, apply, build_hierarchy, vcycle


def solve_poisson(levels: Sequence[Level], rhs, x0, *, tol: float, max_iter: int = 200,
                  singular: bool):
    """Solve ``div(c grad p) = rhs`` (the masked Laplacian of ``levels[0]``).

    ``singular`` says that no face is Dirichlet, so ``p`` is defined up to a
    constant: the right-hand side is made compatible (zero mean over the open
    cells) and the returned ``p`` has zero mean there. Returns ``(p, info)``.
    """
    fine = levels[0]
    live = 1.0 - fine.iso
    nlive = jnp.maximum(jnp.sum(live), 1.0)

    def project(v):
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
