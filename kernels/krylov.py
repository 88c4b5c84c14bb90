"""Preconditioned conjugate gradients inside one compiled loop."""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

from .sums import dot


# a residual below STALL_BELOW epsilons of the vectors' dtype (relative to ||b||) that
# has not halved in STALL_ITERATIONS iterations is at the precision's floor (pcg)
STALL_BELOW = 1.0e4
STALL_ITERATIONS = 10


class SolveInfo(NamedTuple):
    iterations: jnp.ndarray
    residual: jnp.ndarray  # final ||b - A x|| / ||b||


def _dot(u, v, acc=None):
    return sum(dot(a, b, acc) for a, b in zip(jax.tree_util.tree_leaves(u),
                                              jax.tree_util.tree_leaves(v)))


def _scaled(alpha, a):
    """``alpha * a`` in ``a``'s dtype: a coefficient from float64 sums would make a
    float32 field float64 (twice its memory)."""
    if getattr(alpha, "dtype", a.dtype) != a.dtype:
        alpha = alpha.astype(a.dtype)
    return alpha * a


def _axpy(alpha, x, y):
    return jax.tree_util.tree_map(lambda a, b: _scaled(alpha, a) + b, x, y)


def pcg(apply_a: Callable, b, x0, precond: Callable, *, tol: float, max_iter: int = 200,
        project: Callable | None = None, project_residual: Callable | None = None,
        acc: str | None = None):
    """Solve ``A x = b`` for SPD ``A`` by preconditioned CG from ``x0``.

    ``b`` and ``x`` may be arrays or pytrees of arrays (one unknown per leaf
    entry). Stops when ``||b - A x||_2 <= tol * ||b||_2`` or after ``max_iter``
    iterations. ``project`` (optional) removes a null space from the residual
    and the preconditioned residual (e.g. the mean for all-Neumann problems).
    ``project_residual`` (default: ``project``) is the projection of the initial
    residual when it differs from the one of the solution space (a weighted
    operator: the residual is made orthogonal to the null space, the preconditioned
    residual free of it in a weighted mean).
    The dot products and norms are accumulated in ``acc`` (a dtype name; None: the
    dtype of ``b``), the vectors stay in theirs.

    It also stops at the vectors' precision floor: below :data:`STALL_BELOW` epsilons
    of their dtype (relative), a residual that has not halved in
    :data:`STALL_ITERATIONS` iterations has stagnated. A float32 field cannot hold a
    large grid's pressure correction much better than that: on the contained hall's
    0.133 m grid (178,710 cells, 60 iterations into a run) the float64 answer rounded
    to float32 has a true residual of 9.8e-4, and a float32 solve stagnates at 2e-5 to
    6e-5 (recursive), against the 6e-6 that float32's
    :func:`~thermo.solver.numerics.reachable_tolerance` asks; without this rule every
    such projection ran to ``max_iter``. 1e4 epsilons is 1.2e-3 in float32; in float64 it is 2.2e-12,
    below any tolerance a float64 solve stops at first (1e-8 by default): those are
    unchanged.
    """
    proj = project if project is not None else (lambda v: v)
    proj_r = project_residual if project_residual is not None else proj
    r = proj_r(_axpy(-1.0, apply_a(x0), b))
    bnorm = jnp.sqrt(_dot(b, b, acc))
    safe = jnp.where(bnorm > 0, bnorm, 1.0)
    target = tol * safe
    floor = STALL_BELOW * float(jnp.finfo(jax.tree_util.tree_leaves(b)[0].dtype).eps) * safe

    def cond(s):
        x, r, p, rz, it, rnorm, ref, ref_it = s
        stalled = (rnorm < floor) & (it - ref_it >= STALL_ITERATIONS)
        return (rnorm > target) & (it < max_iter) & ~stalled

    def body(s):
        # the preconditioner appears once in the traced program: compile time
        x, r, p, rz_old, it, _, ref, ref_it = s
        z = proj(precond(r))
        rz = _dot(r, z, acc)
        p = _axpy(jnp.where(it > 0, rz / rz_old, 0.0), p, z)
        ap = apply_a(p)
        alpha = rz / _dot(p, ap, acc)
        r = _axpy(-alpha, ap, r)
        rnorm = jnp.sqrt(_dot(r, r, acc))
        halved = rnorm <= 0.5 * ref
        return (_axpy(alpha, p, x), r, p, rz, it + 1, rnorm, jnp.where(halved, rnorm, ref),
                jnp.where(halved, it + 1, ref_it))

    one = jnp.ones((), acc or jax.tree_util.tree_leaves(b)[0].dtype)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, b)
    rnorm = jnp.sqrt(_dot(r, r, acc))
    x, r, _, _, it, rnorm, _, _ = lax.while_loop(
        cond, body, (x0, r, zeros, one, jnp.int32(0), rnorm, rnorm, jnp.int32(0)))
    return x, SolveInfo(it, rnorm / safe)


def bicgstab(apply_a: Callable, b, x0, precond: Callable, *, tol: float, max_iter: int = 200,
             acc: str | None = None):
    """Solve ``A x = b`` for a nonsymmetric ``A`` by right-preconditioned BiCGStab
    (van der Vorst 1992) from ``x0``; ``b`` and ``x`` arrays or pytrees of arrays.

    Stops when ``||b - A x||_2 <= tol * ||b||_2``, after ``max_iter`` iterations, or
    on a breakdown (``rho`` or ``omega`` zero), keeping the last iterate. Each
    iteration applies ``A`` and the preconditioner twice; ``iterations`` counts
    iterations. ``precond`` must be a fixed linear operator (e.g. Jacobi, or a
    V-cycle from a zero guess). ``acc``: the dtype the dot products and norms are
    accumulated in, as in :func:`pcg`.

    The loop runs half-iterations, each one ``A (M y)``: with ``y = p`` first, then
    ``y = s``. So the preconditioner and ``A`` appear once in the traced program, not
    twice: a multigrid V-cycle is most of the compiled code, and compile time is
    most of a small steady run's wall time (de Vahl Davis 128^2: 9.4 of 19.7 s)."""
    r = _axpy(-1.0, apply_a(x0), b)
    r_hat = r
    bnorm = jnp.sqrt(_dot(b, b, acc))
    safe = jnp.where(bnorm > 0, bnorm, 1.0)
    target = tol * safe
    dtype = acc or jax.tree_util.tree_leaves(b)[0].dtype  # of the scalars
    tiny = jnp.finfo(dtype).tiny
    zeros = jax.tree_util.tree_map(jnp.zeros_like, b)
    one = jnp.ones((), dtype)

    def cond(c):
        rr, it, ok, second = c[-4:]
        return second | ((jnp.sqrt(rr) > target) & (it < max_iter) & ok)

    def first_half(c):  # p = r + beta (p - omega v), to precondition
        x, r, p, v, s_vec, p_hat, rho_old, alpha, omega, rr, it, ok, second = c
        rho = _dot(r_hat, r, acc)
        beta = (rho / jnp.where(rho_old == 0, tiny, rho_old)) * (alpha / jnp.where(omega == 0, tiny, omega))
        p = _axpy(beta, _axpy(-omega, v, p), r)
        return (x, r, p, v, s_vec, p_hat, rho, alpha, omega, rr, it, ok, second), p

    def second_half(c):  # s, to precondition
        return c, c[4]

    def after_first(c, y_hat, q):
        x, r, p, v, s_vec, p_hat, rho, alpha, omega, rr, it, ok, second = c
        rv = _dot(r_hat, q, acc)
        alpha = rho / jnp.where(rv == 0, tiny, rv)
        s_vec = _axpy(-alpha, q, r)
        ok = (rho != 0) & (rv != 0)
        return x, r, p, q, s_vec, y_hat, rho, alpha, omega, rr, it, ok, jnp.bool_(True)

    def after_second(c, y_hat, q):
        x, r, p, v, s_vec, p_hat, rho, alpha, omega, rr, it, ok, second = c
        tt = _dot(q, q, acc)
        omega = _dot(q, s_vec, acc) / jnp.where(tt == 0, tiny, tt)
        x = _axpy(omega, y_hat, _axpy(alpha, p_hat, x))
        r = _axpy(-omega, q, s_vec)
        ok = ok & (omega != 0) & jnp.isfinite(omega)
        return x, r, p, v, s_vec, p_hat, rho, alpha, omega, _dot(r, r, acc), it + 1, ok, jnp.bool_(False)

    def body(c):
        second = c[-1]
        c, y = lax.cond(second, second_half, first_half, c)
        y_hat = precond(y)
        q = apply_a(y_hat)
        return lax.cond(second, after_second, after_first, c, y_hat, q)

    out = lax.while_loop(
        cond, body, (x0, r, zeros, zeros, zeros, zeros, one, one, one, _dot(r, r, acc), jnp.int32(0),
                     jnp.bool_(True), jnp.bool_(False)))
    x, r, it = out[0], out[1], out[-3]
    return x, SolveInfo(it, jnp.sqrt(_dot(r, r, acc)) / safe)
