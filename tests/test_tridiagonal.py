"""The line solves of thermo.kernels.tridiagonal against dense solves, on both paths
(the CPU's factored Thomas scan and the library solve other backends take)."""
import jax
import numpy as np
import pytest

from thermo.kernels import tridiagonal
from thermo.kernels.tridiagonal import factor_lines, solve_lines

pytestmark = pytest.mark.usefixtures("x64")


def _dense_lines(lo, diag, hi, r, axis):
    """The same solves, one dense matrix per line (numpy)."""
    lo, diag, hi, r = (np.moveaxis(np.asarray(v), axis, -1) for v in (lo, diag, hi, r))
    out = np.empty_like(r)
    for idx in np.ndindex(*r.shape[:-1]):
        m = np.diag(diag[idx]) + np.diag(lo[idx][1:], -1) + np.diag(hi[idx][:-1], 1)
        out[idx] = np.linalg.solve(m, r[idx])
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("thomas", [True, False])
@pytest.mark.parametrize("shape", [(7, 5, 6), (6, 1, 4)])
def test_line_solves_match_dense_solves(monkeypatch, thomas, shape):
    monkeypatch.setattr(tridiagonal, "_thomas", lambda: thomas)
    rng = np.random.default_rng(4)
    # a non-symmetric, diagonally dominant matrix per line, as upwind advection makes;
    # the end couplings (lo at the first cell, hi at the last) are garbage to be ignored
    lo, hi = -rng.random(shape), -rng.random(shape)
    diag = 2.2 + rng.random(shape)
    r = rng.standard_normal(shape)
    for axis in range(3):
        want = _dense_lines(np.where(np.arange(shape[axis]).reshape(
            [-1 if b == axis else 1 for b in range(3)]) == 0, 0.0, lo), diag, hi, r, axis)
        f = jax.jit(factor_lines, static_argnums=3)(lo, diag, hi, axis)
        got = np.asarray(jax.jit(solve_lines, static_argnums=2)(f, r, axis))
        err = np.abs(got - want).max()
        print(f"thomas={thomas} shape={shape} axis={axis}: max error {err:.1e}")
        assert err < 1e-13


def test_one_factorisation_serves_many_right_hand_sides():
    rng = np.random.default_rng(5)
    shape = (9, 4, 3)
    lo, hi = -rng.random(shape), -rng.random(shape)
    diag = 2.5 + rng.random(shape)
    f = factor_lines(lo, diag, hi, 0)
    for seed in range(3):
        r = np.random.default_rng(seed).standard_normal(shape)
        got = np.asarray(solve_lines(f, r, 0))
        # the matrix times the answer gives the right-hand side back
        lo0 = np.where(np.arange(9)[:, None, None] == 0, 0.0, lo)
        hi0 = np.where(np.arange(9)[:, None, None] == 8, 0.0, hi)
        back = diag * got + lo0 * np.roll(got, 1, 0) + hi0 * np.roll(got, -1, 0)
        assert np.abs(back - r).max() < 1e-13
