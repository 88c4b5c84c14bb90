"""Preconditioned conjugate gradients inside one compiled loop."""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax


class SolveInfo(NamedTuple):
    iterations: jnp.ndarray
    residual: jnp.ndarray  # final ||b - A x|| / ||b||


def _dot(u, v):
    return sum(jnp.vdot(a, b).real for a, b in zip(jax.tree_util.tree_leaves(u),
                                                   jax.tree_util.tree_leaves(v)))


def _axpy(alpha, x, y):
    return jax.tree_util.tree_map(lambda a, b: alpha * a + b, x, y)


def pcg(apply_a: Callable, b, x0, precond: Callable, *, tol: float, max_iter: int = 200,
        project: Callable | None = None, project_residual: Callable | None = None):
    """Solve ``A x = b`` for SPD ``A`` by preconditioned CG from ``x0``.

    ``b`` and ``x`` may be arrays or pytrees of arrays (one unknown per leaf
    entry). Stops when ``||b - A x||_2 <= tol * ||b||_2`` or after ``max_iter``
    iterations. ``project`` (optional) removes a null space from the residual
    and the preconditioned residual (e.g. the mean for all-Neumann problems).
    ``project_residual`` (default: ``project``) is the projection of the initial
    residual when it differs from the one of the solution space (a weighted
    operator: the residual is made orthogonal to the null space, the preconditioned
    residual free of it in a weighted mean).
    The reductions run in the dtype of ``b``.
    """
    proj = project if project is not None else (lambda v: v)
    proj_r = project_residual if project_residual is not None else proj
    r = proj_r(_axpy(-1.0, apply_a(x0), b))
    bnorm = jnp.sqrt(_dot(b, b))
    safe = jnp.where(bnorm > 0, bnorm, 1.0)
    target = tol * safe

    def cond(s):
        x, r, p, rz, it = s
        return (jnp.sqrt(_dot(r, r)) > target) & (it < max_iter)

    def body(s):
        # the preconditioner appears once in the traced program: compile time
        x, r, p, rz_old, it = s
        z = proj(precond(r))
        rz = _dot(r, z)
        p = _axpy(jnp.where(it > 0, rz / rz_old, 0.0), p, z)
        ap = apply_a(p)
        alpha = rz / _dot(p, ap)
        return _axpy(alpha, p, x), _axpy(-alpha, ap, r), p, rz, it + 1

    one = jnp.ones((), jax.tree_util.tree_leaves(b)[0].dtype)
    zeros = jax.tree_util.tree_map(jnp.zeros_like, b)
    x, r, _, _, it = lax.while_loop(cond, body, (x0, r, zeros, one, jnp.int32(0)))
    return x, SolveInfo(it, jnp.sqrt(_dot(r, r)) / safe)


def bicgstab(apply_a: Callable, b, x0, precond: Callable, *, tol: float, max_iter: int = 200):
    """Solve ``A x = b`` for a nonsymmetric ``A`` by right-preconditioned BiCGStab
    (van der Vorst 1992) from ``x0``; ``b`` and ``x`` arrays or pytrees of arrays.

    Stops when ``||b - A x||_2 <= tol * ||b||_2``, after ``max_iter`` iterations, or
    on a breakdown (``rho`` or ``omega`` zero), keeping the last iterate. Each
    iteration applies ``A`` and the preconditioner twice; ``iterations`` counts
    iterations. ``precond`` must be a fixed linear operator (e.g. Jacobi, or a
    V-cycle from a zero guess)."""
    r = _axpy(-1.0, apply_a(x0), b)
    r_hat = r
    bnorm = jnp.sqrt(_dot(b, b))
    safe = jnp.where(bnorm > 0, bnorm, 1.0)
    target = tol * safe
    dtype = jax.tree_util.tree_leaves(b)[0].dtype
    tiny = jnp.finfo(dtype).tiny
    zeros = jax.tree_util.tree_map(jnp.zeros_like, b)
    one = jnp.ones((), dtype)

    def cond(s):
        x, r, p, v, rho, alpha, omega, it, ok = s
        return (jnp.sqrt(_dot(r, r)) > target) & (it < max_iter) & ok

    def body(s):
        x, r, p, v, rho_old, alpha, omega, it, ok = s
        rho = _dot(r_hat, r)
        beta = (rho / jnp.where(rho_old == 0, tiny, rho_old)) * (alpha / jnp.where(omega == 0, tiny, omega))
        # p = r + beta (p - omega v)
        p = _axpy(beta, _axpy(-omega, v, p), r)
        p_hat = precond(p)
        v = apply_a(p_hat)
        rv = _dot(r_hat, v)
        alpha = rho / jnp.where(rv == 0, tiny, rv)
        s_vec = _axpy(-alpha, v, r)
        s_hat = precond(s_vec)
        t = apply_a(s_hat)
        tt = _dot(t, t)
        omega = _dot(t, s_vec) / jnp.where(tt == 0, tiny, tt)
        x = _axpy(omega, s_hat, _axpy(alpha, p_hat, x))
        r = _axpy(-omega, t, s_vec)
        ok = (rho != 0) & (rv != 0) & (omega != 0) & jnp.isfinite(omega)
        return x, r, p, v, rho, alpha, omega, it + 1, ok

    x, r, *_, it, _ = lax.while_loop(
        cond, body, (x0, r, zeros, zeros, one, one, one, jnp.int32(0), jnp.bool_(True)))
    return x, SolveInfo(it, jnp.sqrt(_dot(r, r)) / safe)
