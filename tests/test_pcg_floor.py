"""PCG stops at its vectors' precision floor instead of running to ``max_iter``
(kernels/krylov.py, ``STALL_BELOW`` and ``STALL_ITERATIONS``), and float64 solves
are unchanged by that rule."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.kernels.krylov import STALL_BELOW, STALL_ITERATIONS, pcg

N = 400


def _system(dtype):
    """A 1-D Dirichlet Laplacian plus a small shift (SPD), a smooth right-hand side."""
    x = np.linspace(0.0, 1.0, N)
    b = jnp.asarray(np.sin(3.0 * np.pi * x) + 0.3 * np.cos(11.0 * x), dtype)
    diag = jnp.asarray(2.05 * np.ones(N), dtype)

    def apply_a(v):
        left = jnp.concatenate([jnp.zeros(1, v.dtype), v[:-1]])
        right = jnp.concatenate([v[1:], jnp.zeros(1, v.dtype)])
        return diag * v - left - right
    return apply_a, b, diag


def _noisy_jacobi(diag, size):
    """Jacobi plus a fixed vector of norm ``size``: a preconditioner whose answer stops
    shrinking with the residual once the residual is that small, as a float32
    V-cycle's rounding does near 1e-4 (CG loses its conjugacy there and stagnates)."""
    noise = jnp.asarray(np.random.default_rng(7).standard_normal(N), diag.dtype)
    noise = noise * (size / float(jnp.linalg.norm(noise)))
    return lambda r: r / diag + noise


def test_float32_stops_at_the_floor_not_at_max_iter():
    apply_a, b, diag = _system(jnp.float32)
    bnorm = float(jnp.linalg.norm(b))
    step = 2e-5 * bnorm
    precond = _noisy_jacobi(diag, step)
    x, info = jax.jit(lambda b: pcg(apply_a, b, jnp.zeros_like(b), precond,
                                    tol=6e-6, max_iter=400))(b)
    it, res = int(info.iterations), float(info.residual)
    true = float(jnp.linalg.norm(b - apply_a(x))) / bnorm
    print(f"float32, noisy Jacobi: {it} iterations, recursive residual {res:.2e}, "
          f"true {true:.2e}; floor rule below {STALL_BELOW * np.finfo(np.float32).eps:.1e}")
    assert it < 400, "ran to max_iter: the stall rule did not stop it"
    assert 6e-6 < res < STALL_BELOW * np.finfo(np.float32).eps
    assert true < 1e-3  # what it stopped at is an answer, not the first guess
    # the floor is where it stopped: STALL_ITERATIONS more without a halving at most
    _, longer = jax.jit(lambda b: pcg(apply_a, b, jnp.zeros_like(b), precond,
                                      tol=6e-6, max_iter=it + 3 * STALL_ITERATIONS))(b)
    assert int(longer.iterations) == it


def test_float32_that_converges_is_unchanged():
    apply_a, b, diag = _system(jnp.float32)
    x, info = jax.jit(lambda b: pcg(apply_a, b, jnp.zeros_like(b), lambda r: r / diag,
                                    tol=1e-4, max_iter=1000))(b)
    print(f"float32, Jacobi to 1e-4: {int(info.iterations)} iterations, {float(info.residual):.2e}")
    assert float(info.residual) <= 1e-4


@pytest.mark.usefixtures("x64")
def test_float64_is_unchanged_by_the_rule(monkeypatch):
    """Jacobi to 1e-10 in float64 (the rule's floor there: 2.2e-12): the same
    iterations and the same answer to the last bit as with the rule switched off."""
    import thermo.kernels.krylov as krylov
    apply_a, b, diag = _system(jnp.float64)

    def solve():
        return jax.jit(lambda b: krylov.pcg(apply_a, b, jnp.zeros_like(b), lambda r: r / diag,
                                            tol=1e-10, max_iter=2000))(b)
    x, info = solve()
    monkeypatch.setattr(krylov, "STALL_BELOW", 0.0)
    x0, info0 = solve()
    print(f"float64, Jacobi to 1e-10: {int(info.iterations)} iterations with the rule, "
          f"{int(info0.iterations)} without")
    assert float(info.residual) <= 1e-10
    assert int(info.iterations) == int(info0.iterations)
    assert np.array_equal(np.asarray(x), np.asarray(x0))


def test_without_the_rule_float32_runs_to_max_iter(monkeypatch):
    """What the rule is for: switched off, the noisy float32 solve above spends
    every iteration it is allowed."""
    import thermo.kernels.krylov as krylov
    monkeypatch.setattr(krylov, "STALL_BELOW", 0.0)
    apply_a, b, diag = _system(jnp.float32)
    precond = _noisy_jacobi(diag, 2e-5 * float(jnp.linalg.norm(b)))
    _, info = jax.jit(lambda b: krylov.pcg(apply_a, b, jnp.zeros_like(b), precond,
                                           tol=6e-6, max_iter=400))(b)
    print(f"float32, noisy Jacobi, no rule: {int(info.iterations)} iterations, "
          f"{float(info.residual):.2e}")
    assert int(info.iterations) == 400
