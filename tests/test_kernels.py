"""Unit tests of the array kernels: stencils, QUICK, multigrid transfers, Poisson solve."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.kernels.advection import momentum_flux_divergence, quick
from thermo.kernels.multigrid import apply, build_hierarchy, dense_operator, prolong, restrict, vcycle
from thermo.kernels.poisson import solve_poisson
from thermo.kernels.stencils import diff_faces, divergence, laplacian, pad

# float64 for each test of this module only (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("x64")


def test_pad_ghost_rules():
    f = jnp.arange(4.0)[:, None, None]
    dirichlet = pad(f, 0, (-1.0, 0.0, 2.0), (1.0, 0.0, 0.0), normal=False, periodic=False)
    np.testing.assert_allclose(dirichlet[:, 0, 0], [1, 2, 0, 1, 2, 3, 3, 2])
    odd = pad(f, 0, (-1.0, 2.0, 0.0), (0.0, 1.0, 0.0), normal=True, periodic=False)
    np.testing.assert_allclose(odd[:, 0, 0], [-2, -1, 0, 1, 2, 3, 3, 3])
    wrap = pad(f, 0, None, None, normal=False, periodic=True)
    np.testing.assert_allclose(wrap[:, 0, 0], [2, 3, 0, 1, 2, 3, 0, 1])


def _random_coeffs(rng, shape, periodic):
    fluid = (rng.random(shape) > 0.2).astype(float)
    cs = []
    for a in range(3):
        n = shape[a]
        inner = np.take(fluid, range(n - 1), axis=a) * np.take(fluid, range(1, n), axis=a)
        if periodic[a]:
            e = np.take(fluid, [0], axis=a) * np.take(fluid, [n - 1], axis=a)
            lo = hi = e
        else:
            lo = np.take(fluid, [0], axis=a) * (rng.random(np.take(fluid, [0], axis=a).shape) > 0.7)
            hi = np.zeros_like(lo)
        cs.append(jnp.asarray(np.concatenate([lo, inner, hi], axis=a)))
    return cs


@pytest.mark.parametrize("periodic", [(False, False, False), (True, False, True)])
def test_laplacian_is_symmetric_and_equals_div_grad(periodic):
    rng = np.random.default_rng(0)
    shape, h = (6, 5, 4), (0.1, 0.2, 0.3)
    cs = _random_coeffs(rng, shape, periodic)
    x, y = (jnp.asarray(rng.standard_normal(shape)) for _ in range(2))
    lx, ly = laplacian(x, cs, h, periodic), laplacian(y, cs, h, periodic)
    np.testing.assert_allclose(jnp.vdot(lx, y), jnp.vdot(x, ly), rtol=1e-12)
    grad = [c * diff_faces(x, a, h[a], periodic=periodic[a]) for a, c in enumerate(cs)]
    np.testing.assert_allclose(divergence(grad, h), lx, atol=1e-9)


@pytest.mark.parametrize("shape,periodic", [((4, 6, 2), (False, False, False)),
                                            ((4, 3, 1), (True, False, False)),
                                            ((1, 4, 4), (True, False, True)),
                                            ((5, 4, 1), (False, False, False))])
def test_dense_coarse_operator_matches_the_stencil(shape, periodic):
    """The coarsest level's dense matrix is the matrix of ``apply`` (one-cell and
    periodic axes included), and its pseudo-inverse makes the V-cycle exact there."""
    rng = np.random.default_rng(2)
    h = (0.3, 0.5, 0.7)
    lev = build_hierarchy(_random_coeffs(rng, shape, periodic), h, periodic, min_cells=1000)[-1]
    assert lev.inv is not None
    a_mat = dense_operator([np.asarray(c) for c in lev.coeffs], np.asarray(lev.lapdiag), h, periodic)
    x = rng.standard_normal(shape)
    err = np.abs(a_mat @ x.ravel() - np.asarray(apply(lev, jnp.asarray(x))).ravel()).max()
    print("dense vs stencil", err)
    assert err < 1e-12 * np.abs(a_mat).max()
    b = a_mat @ x.ravel()   # in the range: the coarse solve reproduces A x
    y = np.asarray(vcycle([lev], jnp.asarray(b.reshape(shape)))).ravel()
    assert np.abs(a_mat @ y - b).max() < 1e-10 * np.abs(b).max()


def test_restriction_is_transpose_of_prolongation():
    rng = np.random.default_rng(1)
    cs = [jnp.ones((9, 8, 4)), jnp.ones((8, 9, 4)), jnp.ones((8, 8, 5))]
    lev = build_hierarchy(cs, (1.0, 1.0, 1.0), (False, True, False), min_cells=1)[0]
    assert lev.coarsen == (True, True, True)
    xc = jnp.asarray(rng.standard_normal((4, 4, 2)))
    xf = jnp.asarray(rng.standard_normal((8, 8, 4)))
    lhs = jnp.vdot(prolong(lev, xc), xf)
    rhs = jnp.vdot(xc, restrict(lev, xf)) * 8
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    # restriction averages: a constant stays the same constant
    np.testing.assert_allclose(restrict(lev, jnp.ones((8, 8, 4))), 1.0, rtol=1e-12)


def _dense(level, shape):
    n = int(np.prod(shape))
    eye = np.eye(n).reshape((n,) + shape)
    return np.stack([np.asarray(apply(level, jnp.asarray(e))).ravel() for e in eye], axis=1)


# float32 as a float32 case runs it: with jax_enable_x64 off
@pytest.mark.parametrize("dtype,tol,x64", [(jnp.float64, 1e-10, True), (jnp.float32, 1e-5, False)],
                         indirect=["x64"])
def test_poisson_matches_dense_solve(dtype, tol, x64):
    assert jax.config.jax_enable_x64 == (dtype == jnp.float64)
    rng = np.random.default_rng(2)
    shape, h, periodic = (8, 8, 4), (0.125, 0.125, 0.25), (True, False, False)
    cs = [c.astype(dtype) for c in _random_coeffs(rng, shape, periodic)]
    cs[1] = cs[1].at[:, 0, :].set(1.0)  # a Dirichlet face: non-singular
    levels = build_hierarchy(cs, h, periodic, min_cells=8)
    assert len(levels) > 1
    rhs = jnp.asarray(rng.standard_normal(shape), dtype)
    p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=tol,
                                                  singular=False))(levels, rhs)
    a = _dense(levels[0], shape)
    live = 1.0 - np.asarray(levels[0].iso).ravel()
    exact = np.linalg.solve(a, -np.asarray(rhs, np.float64).ravel() * live)
    err = np.abs(np.asarray(p).ravel() - exact).max() / np.abs(exact).max()
    print(f"{jnp.dtype(dtype).name}: {int(info.iterations)} iterations, relative error {err:.2e}")
    assert err < (1e-8 if dtype == jnp.float64 else 2e-4)
    assert p.dtype == dtype


def test_singular_poisson_zero_mean_solution():
    rng = np.random.default_rng(3)
    shape, h = (16, 16, 8), (1 / 16, 1 / 16, 1 / 8)
    cs = [jnp.asarray(np.concatenate([np.zeros((1, 16, 8)), np.ones((15, 16, 8)), np.zeros((1, 16, 8))], 0)),
          jnp.asarray(np.concatenate([np.zeros((16, 1, 8)), np.ones((16, 15, 8)), np.zeros((16, 1, 8))], 1)),
          jnp.ones((16, 16, 9))]
    periodic = (False, False, True)
    levels = build_hierarchy(cs, h, periodic)
    rhs = jnp.asarray(rng.standard_normal(shape))  # incompatible: has a non-zero mean
    p, info = solve_poisson(levels, rhs, jnp.zeros(shape), tol=1e-9, singular=True)
    compatible = rhs - rhs.mean()
    res = laplacian(p, cs, h, periodic) - compatible
    print("singular:", int(info.iterations), "iterations")
    assert abs(float(p.mean())) < 1e-10
    assert float(jnp.linalg.norm(res) / jnp.linalg.norm(compatible)) < 1e-8


def test_quick_is_exact_for_quadratics():
    x = jnp.arange(-2, 8, dtype=jnp.float64)  # cell centres -2..7, six real values 0..5
    phi = (0.3 * x * x - x + 2.0)[:, None, None]
    faces = jnp.arange(-0.5, 6.0, 1.0)  # the 7 faces between values -1..6 ... 0..6
    exact = 0.3 * faces * faces - faces + 2.0
    for sign in (1.0, -1.0):
        q = quick(phi, jnp.full((7, 1, 1), sign), 0)[:, 0, 0]
        np.testing.assert_allclose(q, exact, rtol=1e-12)


def test_uniform_flow_has_no_advective_tendency():
    u = [jnp.full((7, 5, 4), 1.3), jnp.full((6, 6, 4), -0.7), jnp.full((6, 5, 5), 0.2)]
    pads = [[pad(u[c], a, None, None, normal=a == c, periodic=True) for a in range(3)]
            for c in range(3)]
    for c in range(3):
        t = momentum_flux_divergence(c, pads, (0.1, 0.2, 0.3))
        np.testing.assert_allclose(t, 0.0, atol=1e-12)
