"""The pressure Poisson solve: multigrid-preconditioned CG on the masked operator."""
from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp

from .krylov import SolveInfo, pcg
from .multigrid import Level, apply, build_hierarchy, preconditioner, vcycle
from .sums import like, segment_total, total


def solve_poisson(levels: Sequence[Level], rhs, x0, *, tol: float, max_iter: int = 200,
                  singular: bool, regions=None, n_regions: int = 0, acc: str | None = None):
    """Solve ``div(c grad p) = rhs`` (the masked Laplacian of ``levels[0]``).

    ``singular`` says that no face is Dirichlet, so ``p`` is defined up to a
    constant: the right-hand side is made compatible (zero mean over the open
    cells) and the returned ``p`` has zero mean there. ``regions`` (int per cell,
    -1 outside) with ``n_regions`` > 0 does the same in each of several closed
    regions separately (fluid pockets joined only through fixed-flow faces, such
    as the air before and behind a server filling a duct). ``acc``: the dtype the
    means and the solver's dot products are accumulated in (None: the field's).
    Returns ``(p, info)``.
    """
    fine = levels[0]
    if fine.weighted:
        return _solve_weighted(levels, rhs, x0, tol=tol, max_iter=max_iter, singular=singular,
                               regions=regions, n_regions=n_regions, acc=acc)
    live = 1.0 - fine.iso
    nlive = jnp.maximum(total(live, acc), 1.0)
    if n_regions:
        ids = jnp.maximum(regions, 0).ravel()
        inside = (regions >= 0) * live
        count = jnp.maximum(segment_total(inside.ravel(), ids, n_regions, acc), 1.0)

    def project(v):
        if n_regions:
            mean = like(segment_total((v * inside).ravel(), ids, n_regions, acc) / count, v)
            return v - inside * mean[ids].reshape(v.shape)
        if not singular:
            return v
        return live * (v - like(total(v * live, acc) / nlive, v))

    b = project(-rhs * live)
    x, info = pcg(lambda x: apply(fine, x), b, project(x0), preconditioner(levels),
                  tol=tol, max_iter=max_iter, project=project, acc=acc)
    return x, info


def _solve_weighted(levels: Sequence[Level], rhs, x0, *, tol, max_iter, singular, regions,
                    n_regions, acc=None):
    """:func:`solve_poisson` on a volume-weighted (graded) hierarchy: the system is
    ``V (-div(c grad)) p = -V rhs``, symmetric. A compatible right-hand side has zero
    volume integral (the discrete divergence theorem), so the residual's projection
    takes out a multiple of the volume, and the solution's the volume-weighted mean:
    ``p`` has zero volume-weighted mean over the open cells (per region)."""
    fine = levels[0]
    vol = fine.volume
    live = 1.0 - fine.iso
    lv = live * vol
    vtot = jnp.maximum(total(lv, acc), jnp.finfo(lv.dtype).tiny)
    if n_regions:
        ids = jnp.maximum(regions, 0).ravel()
        inside = (regions >= 0) * live
        iv = inside * vol
        vreg = segment_total(iv.ravel(), ids, n_regions, acc)
        vreg = jnp.where(vreg > 0, vreg, 1.0)

    def project(v):  # solution space: zero volume-weighted mean
        if n_regions:
            mean = like(segment_total((v * iv).ravel(), ids, n_regions, acc) / vreg, v)
            return v - inside * mean[ids].reshape(v.shape)
        if not singular:
            return v
        return live * (v - like(total(v * lv, acc) / vtot, v))

    def project_residual(v):  # residual space: zero sum, taking out a multiple of V
        if n_regions:
            share = like(segment_total((v * inside).ravel(), ids, n_regions, acc) / vreg, v)
            return v - iv * share[ids].reshape(v.shape)
        if not singular:
            return v
        return live * (v - vol * like(total(v * live, acc) / vtot, v))

    b = project_residual(-rhs * lv)
    return pcg(lambda x: apply(fine, x), b, project(x0), preconditioner(levels),
               tol=tol, max_iter=max_iter, project=project, project_residual=project_residual,
               acc=acc)


def solve_spd(levels: Sequence[Level], rhs, x0, *, tol: float, max_iter: int = 200,
              acc: str | None = None):
    """Solve ``(shift - div(c grad)) x = rhs`` on the hierarchy (a non-singular
    operator, e.g. an implicit heat-conduction step). Returns ``(x, info)``; on a
    weighted (graded) hierarchy the system solved is the same times the volumes.
    ``acc``: the dtype the solver's dot products are accumulated in."""
    fine = levels[0]
    if fine.weighted:
        rhs = rhs * fine.volume
    return pcg(lambda x: apply(fine, x), rhs, x0, lambda r: vcycle(levels, r),
               tol=tol, max_iter=max_iter, acc=acc)


__all__ = ["build_hierarchy", "solve_poisson", "solve_spd", "SolveInfo"]
