"""Preconditioned conjugate gradients inside one compiled loop."""
from __future__ import annotations

from typing import Callable, NamedTuple

import jax.numpy as jnp
from jax import lax


class SolveInfo(NamedTuple):
    iterations: jnp.ndarray
    residual: jnp.ndarray  # final ||b - A x|| / ||b||


def pcg(apply_a: Callable, b, x0, precond: Callable, *, tol: float, max_iter: int = 200,
        project: Callable | None = None):
    """Solve ``A x = b`` for SPD ``A`` by preconditioned CG from ``x0``.

    Stops when ``||b - A x||_2 <= tol * ||b||_2`` or after ``max_iter``
    iterations. ``project`` (optional) removes a null space from the residual
    and the preconditioned residual (e.g. the mean for all-Neumann problems).
    The reductions run in the dtype of ``b``.
    """
    proj = project if project is not None else (lambda v: v)
    dot = lambda u, v: jnp.vdot(u, v).real
    r = proj(b - apply_a(x0))
    bnorm = jnp.sqrt(dot(b, b))
    safe = jnp.where(bnorm > 0, bnorm, 1.0)
    target = tol * safe

    def cond(s):
        x, r, p, rz, it = s
        return (jnp.sqrt(dot(r, r)) > target) & (it < max_iter)

    def body(s):
        # the preconditioner appears once in the traced program: compile time
        x, r, p, rz_old, it = s
        z = proj(precond(r))
        rz = dot(r, z)
        p = z + jnp.where(it > 0, rz / rz_old, 0.0) * p
        ap = apply_a(p)
        alpha = rz / dot(p, ap)
        return x + alpha * p, r - alpha * ap, p, rz, it + 1

    one = jnp.ones((), b.dtype)
    x, r, _, _, it = lax.while_loop(cond, body, (x0, r, jnp.zeros_like(b), one, jnp.int32(0)))
    return x, SolveInfo(it, jnp.sqrt(dot(r, r)) / safe)
