"""The pressure multigrid stays flat on cluttered and on stretched 3-D grids.

MG-PCG iterations to a 1e-8 relative residual (random right-hand side, float64) on
(a) a box full of solid blocks and plates (a rack of servers, as d2c-rack-120kw has)
against the same box empty, and (b) cells 30 times longer along z than across (one
width per axis, and a graded axis growing to that aspect) against cubic cells. The
counts are printed; the bounds are what the hierarchy of session 6 did not meet:
the empty box took 17 iterations there (its odd axis did not coarsen) and the
cluttered one 23 (now 9 and 16: operator-dependent prolongation and more sweeps on
the coarse levels), and aspect 30 took 8 times the cubic count on uniform spacing
(no semi-coarsening there; now 1x).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.kernels.multigrid import build_hierarchy
from thermo.kernels.poisson import solve_poisson
from thermo.kernels.stencils import laplacian

pytestmark = pytest.mark.usefixtures("x64")


def _faces(fluid: np.ndarray) -> list:
    """Face coefficients: open between two fluid cells, walls all round but x+, which
    is Dirichlet where fluid touches it."""
    coeffs = []
    for a in range(3):
        n = fluid.shape[a]
        lo, hi = np.take(fluid, range(0, n - 1), axis=a), np.take(fluid, range(1, n), axis=a)
        edge = np.zeros_like(np.take(fluid, [0], axis=a))
        top = np.take(fluid, [n - 1], axis=a) if a == 0 else edge
        coeffs.append(jnp.asarray(np.concatenate([edge, lo * hi, top], axis=a)))
    return coeffs


def _iterations(fluid: np.ndarray, h) -> tuple[int, int]:
    coeffs = _faces(fluid)
    levels = build_hierarchy(coeffs, h, (False,) * 3)
    rhs = jnp.asarray(np.random.default_rng(3).standard_normal(fluid.shape) * fluid)
    p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-8, singular=False,
                                                  max_iter=400))(levels, rhs)
    res = laplacian(p, coeffs, h, (False,) * 3) - rhs * fluid
    rel = float(jnp.linalg.norm(res * fluid) / jnp.linalg.norm(rhs * fluid))
    assert rel < 1e-6, rel  # converged (per volume on a graded grid: a looser check)
    return int(info.iterations), len(levels)


def _rack(shape) -> np.ndarray:
    """Servers stacked in z: per server a board (a full-width plate with a gap at the
    back), packages and cold plates on it (blocks), and a solid rail along one side;
    an odd count along z (as d2c-rack-120kw's 41 rack units)."""
    nx, ny, nz = shape
    fluid = np.ones(shape)
    fluid[: nx // 8 + 1, :, :] = 0.0                                  # a rail along x-
    for k in range(1, nz - 3, 5):
        fluid[:, : ny - 3, k] = 0.0                                   # the board
        for i0 in range(nx // 4, nx - 2, nx // 3):                     # packages + plates
            fluid[i0:i0 + 3, ny // 4:ny // 4 + 4, k + 1:k + 3] = 0.0
            fluid[i0:i0 + 3, ny // 2 + 1:ny // 2 + 5, k + 1:k + 3] = 0.0
    return fluid


def test_cluttered_box_iterations_flat():
    """Measured: empty 9, cluttered 16 (before: 17 and 23; the odd axis did not coarsen)."""
    shape = (24, 20, 31)
    h = (1 / 24, 1 / 20, 1 / 31)
    empty, _ = _iterations(np.ones(shape), h)
    fluid = _rack(shape)
    its, nl = _iterations(fluid, h)
    print(f"\nempty {shape}: {empty} iterations; cluttered ({(1 - fluid.mean()):.0%} solid): {its} "
          f"iterations, {nl} levels ({its / empty:.2f}x)")
    assert nl >= 3  # the odd axis coarsens too
    assert empty <= 10 and its <= 20 and its <= 2.5 * empty


def _clustered(n, ratio):
    half = ratio ** np.arange(n // 2)
    w = np.concatenate([half, half[::-1]])
    return w / w.sum()


@pytest.mark.slow
def test_stretched_box_iterations_flat():
    """Measured: cubic 7; aspect 30 on uniform spacing 7 (before: 10 and 84: no
    semi-coarsening on uniform spacing), z clustered at both walls 5 (before: 12), z
    growing from the floor to aspect 10: 10."""
    n = 24
    fluid = np.ones((n, n, n))
    fluid[n // 4:n // 2, n // 4:3 * n // 4, : n // 2] = 0.0
    cubic, _ = _iterations(fluid, (1 / n,) * 3)
    print(f"\ncubic {n}^3: {cubic} iterations")
    wz = _clustered(n, 1.15)
    for aspect in (30.0,):
        uniform, nu = _iterations(fluid, (1 / n, 1 / n, aspect / n))
        # z clustered at both walls (ratio 1.15), x and y wider: wall cells' aspect
        hxy = aspect * wz.min()
        graded, ng = _iterations(fluid, (hxy, hxy, tuple(wz)))
        print(f"aspect {aspect:g}: uniform spacing {uniform} iterations ({nu} levels), "
              f"z clustered {graded} ({ng} levels)")
        assert uniform <= 1.5 * cubic and graded <= 1.5 * cubic
    # z growing by 1.15 from cubic cells at the floor to aspect 10 (measured 10; 45 when
    # whole axes were paired by their thinnest cell: the tall cells never coarsened in z)
    w = np.minimum(1.15 ** np.arange(n), 10.0)
    w = w / w.sum()
    growing, ng = _iterations(fluid, (w.min(), w.min(), tuple(w)))
    print(f"z growing from cubic to aspect 10: {growing} iterations ({ng} levels)")
    assert growing <= 1.5 * cubic
