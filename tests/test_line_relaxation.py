"""Alternating line relaxation (thermo.kernels.line_relaxation): the probed coefficients
are the operator's, one axis's lines invert an operator coupled along that axis only,
and as a preconditioner of upwind advection-diffusion it solves the system exactly and
in a fraction of a Jacobi-preconditioned solve's iterations."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.kernels.krylov import bicgstab
from thermo.kernels.line_relaxation import line_coefficients, relax_lines
from thermo.kernels.stencils import shift


@pytest.fixture(autouse=True)
def _x64():
    jax.config.update("jax_enable_x64", True)


def _neighbour(x, axis: int, step: int):
    """``x`` moved by one cell along ``axis``: out[i] = x[i + step], zero past the ends."""
    n = x.shape[axis]
    zero = jnp.zeros_like(shift(x, axis, 0, 1))
    if step > 0:
        return jnp.concatenate([shift(x, axis, 1, n - 1), zero], axis=axis)
    return jnp.concatenate([zero, shift(x, axis, 0, n - 1)], axis=axis)


def _random_operator(shape, seed: int):
    """A non-symmetric 7-point operator with random coefficients: ``(apply, dense)``."""
    rng = np.random.default_rng(seed)
    diag = rng.uniform(6.0, 9.0, shape)
    off = {(a, s): -rng.uniform(0.0, 1.0, shape) for a in range(3) for s in (-1, 1)}

    def apply(x):
        out = diag * x
        for (a, s), c in off.items():
            out = out + c * _neighbour(x, a, s)
        return out
    n = int(np.prod(shape))
    dense = np.column_stack([np.asarray(apply(jnp.asarray(e.reshape(shape)))).ravel()
                             for e in np.eye(n)])
    return apply, dense


@pytest.mark.parametrize("shape, axes", [((5, 4, 7), (0, 1, 2)), ((6, 1, 4), (0, 2))])
def test_probed_coefficients_are_the_operators_entries(shape, axes):
    apply, dense = _random_operator(shape, 3)
    diag, lo, hi, _ = line_coefficients(apply, shape, jnp.float64, axes)
    index = np.arange(int(np.prod(shape))).reshape(shape)
    np.testing.assert_allclose(np.asarray(diag).ravel(), np.diag(dense), rtol=0, atol=1e-14)
    for a in axes:
        want_lo = np.zeros(shape)
        want_hi = np.zeros(shape)
        for i in np.ndindex(*shape):
            row = index[i]
            if i[a] > 0:
                want_lo[i] = dense[row, index[tuple(v - (b == a) for b, v in enumerate(i))]]
            if i[a] < shape[a] - 1:
                want_hi[i] = dense[row, index[tuple(v + (b == a) for b, v in enumerate(i))]]
        assert np.abs(want_lo).max() > 0.1  # the check reads real couplings
        np.testing.assert_allclose(np.asarray(lo[a]), want_lo, rtol=0, atol=1e-14)
        np.testing.assert_allclose(np.asarray(hi[a]), want_hi, rtol=0, atol=1e-14)


def test_lines_along_the_coupled_axis_solve_exactly():
    """Upwind advection along x plus a shift: one sweep along x is the exact inverse;
    a sweep along y alone is not."""
    shape = (12, 5, 3)
    rng = np.random.default_rng(1)
    speed = rng.uniform(0.5, 2.0, shape)

    def apply(x):
        return (0.05 + speed) * x - speed * _neighbour(x, 0, -1)
    b = jnp.asarray(rng.standard_normal(shape))
    coeffs = line_coefficients(apply, shape, jnp.float64, (0, 1))
    x = relax_lines(apply, coeffs, None, b, (0,))
    assert float(jnp.max(jnp.abs(apply(x) - b))) < 1e-12 * float(jnp.max(jnp.abs(b)))
    y = relax_lines(apply, coeffs, None, b, (1,))
    assert float(jnp.max(jnp.abs(apply(y) - b))) > 0.1 * float(jnp.max(jnp.abs(b)))


def _advection_diffusion(shape):
    """Upwind advection by a swirl in the x-y planes with a draught along z, diffusion
    and a small shift (the steady solver's energy increment, in miniature)."""
    n = np.array(shape)
    x, y, z = np.meshgrid(*[(np.arange(m) + 0.5) / m for m in n], indexing="ij")
    vel = [np.sin(np.pi * x) * np.cos(np.pi * y), -np.cos(np.pi * x) * np.sin(np.pi * y),
           0.5 + 0.0 * z]
    h, kappa, shift_ = 1.0 / n, 2e-3, 0.1

    def apply(t):
        out = shift_ * t
        for a in range(3):
            up = jnp.asarray(np.maximum(vel[a], 0.0) / h[a])
            down = jnp.asarray(np.minimum(vel[a], 0.0) / h[a])
            out = out + up * (t - _neighbour(t, a, -1)) + down * (_neighbour(t, a, 1) - t)
            out = out + kappa / h[a] ** 2 * (2 * t - _neighbour(t, a, -1) - _neighbour(t, a, 1))
        return out
    return apply


def test_lines_precondition_advection_diffusion():
    shape = (10, 10, 8)
    apply = _advection_diffusion(shape)
    b = jnp.asarray(np.random.default_rng(2).standard_normal(shape))
    axes = (0, 1, 2)
    coeffs = line_coefficients(apply, shape, jnp.float64, axes)
    diag = coeffs[0]
    x_lines, info_lines = bicgstab(apply, b, jnp.zeros_like(b),
                                   lambda r: relax_lines(apply, coeffs, None, r, axes),
                                   tol=1e-10, max_iter=300)
    x_jacobi, info_jacobi = bicgstab(apply, b, jnp.zeros_like(b), lambda r: r / diag,
                                     tol=1e-10, max_iter=300)
    n = int(np.prod(shape))
    dense = np.column_stack([np.asarray(apply(jnp.asarray(e.reshape(shape)))).ravel()
                             for e in np.eye(n)])
    exact = np.linalg.solve(dense, np.asarray(b).ravel()).reshape(shape)
    err = float(np.max(np.abs(np.asarray(x_lines) - exact)) / np.max(np.abs(exact)))
    its_lines, its_jacobi = int(info_lines.iterations), int(info_jacobi.iterations)
    print(f"lines {its_lines} iterations (error {err:.1e}), Jacobi {its_jacobi}")
    assert err < 1e-8
    assert float(np.max(np.abs(np.asarray(x_jacobi) - exact))) < 1e-8 * np.max(np.abs(exact))
    assert its_lines <= its_jacobi // 3


def test_steady_energy_solve_takes_few_iterations_in_a_ventilated_duct():
    """The implicit solver's energy increment in a duct at 1 m/s (a 200 W server, a 2 W
    block): with the lines a few BiCGStab iterations per outer iteration; the V-cycle of
    the conduction alone took 20.3 here (session 25)."""
    from test_steady import duct_case, run
    d = duct_case()
    d["domain"]["cells"] = [40, 8, 8]
    d["boundaries"][0]["velocity"] = [1.0, 0.0, 0.0]
    d["parts"][0]["volume_flow"] = 0.02
    _, state, info = run(d, scheme="implicit", steps_per_call=20, tolerance=1e-6, max_steps=40)
    per = int(state.t_iters_sum) / info.steps
    print(f"{info.steps} iterations, {per:.2f} energy iterations each")
    assert info.steps == 40
    assert per <= 6.0
