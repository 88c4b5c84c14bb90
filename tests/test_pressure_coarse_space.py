"""benchmarks/pressure_coarse_space.py: the assembled operator is the multigrid's, thin
walls split blocks into several aggregates, and where they do the balanced coarse
space takes fewer PCG iterations than the V-cycle alone (the count is printed)."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks.pressure_coarse_space import iterations
from thermo.kernels.multigrid import build_hierarchy

pytestmark = pytest.mark.usefixtures("x64")


def _plates(shape, gaps: bool):
    """Face coefficients of a box (Dirichlet at x+) with one-cell solid plates across
    y every 3 cells, each open at one end only (alternating: a serpentine), so that
    the fluid between two plates is a channel that a coarse cell spanning a plate
    joins to the next; ``gaps`` False: the empty box."""
    fluid = np.ones(shape)
    if gaps:
        for k, j in enumerate(range(2, shape[1] - 1, 3)):
            fluid[1:-1, j, :] = 0.0
            fluid[-2 if k % 2 else 1, j, :] = 1.0
    coeffs = []
    for a in range(3):
        n = shape[a]
        lo, hi = np.take(fluid, range(0, n - 1), axis=a), np.take(fluid, range(1, n), axis=a)
        edge = np.zeros_like(np.take(fluid, [0], axis=a))
        top = np.take(fluid, [n - 1], axis=a) if a == 0 else edge
        coeffs.append(jnp.asarray(np.concatenate([edge, lo * hi, top], axis=a)))
    return coeffs


def test_aggregates_cut_the_iterations_where_thin_walls_split_coarse_cells():
    shape = (64, 26, 8)
    counts = {}
    for gaps in (False, True):
        levels = build_hierarchy(_plates(shape, gaps), (1.0, 1.0, 1.0), (False,) * 3)
        res = iterations(levels, np.full(shape, -1), block=8)
        assert res["assembly_error"] < 1e-13
        counts[gaps] = {k: len(v) for k, v in res.items() if isinstance(v, list)}
        counts[gaps]["aggregates"] = res["aggregates"]
        print(f"plates={gaps}: {counts[gaps]}")
    blocks = 8 * 4 * 1
    assert counts[False]["aggregates"] == blocks
    assert counts[True]["aggregates"] > blocks  # the plates split blocks
    # measured 28 -> 22 (the empty box 8 -> 7)
    assert counts[True]["V-cycle + aggregates (BNN)"] <= 0.85 * counts[True]["V-cycle"]


@pytest.mark.parametrize("singular, graded", [(False, False), (True, False), (False, True)])
def test_pressure_solve_with_the_coarse_space(singular, graded):
    """solve_poisson on a hierarchy that carries the coarse space: the same pressure as
    the V-cycle alone (to the tolerance) in fewer iterations, Dirichlet or all-Neumann,
    uniform or graded."""
    import jax

    from thermo.kernels.poisson import solve_poisson
    shape = (64, 26, 8)
    coeffs = _plates(shape, True)
    if singular:  # no Dirichlet face: the pressure is defined up to a constant
        coeffs[0] = coeffs[0].at[-1].set(0.0)
    h = (tuple(np.linspace(0.8, 1.2, shape[0])), 1.0, 1.0) if graded else (1.0, 1.0, 1.0)
    fluid = np.asarray(sum(jnp.abs(c[tuple(slice(0, n) if b == a else slice(None)
                                          for b, n in enumerate(shape))]) for a, c in enumerate(coeffs)) > 0)
    rhs = np.random.default_rng(2).standard_normal(shape) * fluid
    out = {}
    for with_space in (False, True):
        levels = build_hierarchy(coeffs, h, (False,) * 3, coarse_space=with_space)
        assert (levels[0].coarse is not None) == with_space
        p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-10,
                                                      singular=singular, max_iter=400))(levels, jnp.asarray(rhs))
        out[with_space] = (np.asarray(p), int(info.iterations))
    (p0, n0), (p1, n1) = out[False], out[True]
    diff = np.abs(p1 - p0).max() / np.abs(p0).max()
    print(f"singular={singular} graded={graded}: {n0} -> {n1} iterations, pressures differ by {diff:.1e}")
    assert diff < 1e-7
    assert n1 < 0.9 * n0


@pytest.mark.parametrize("graded", [False, True])
def test_float32_coarse_space_keeps_the_all_neumann_constant_out(graded):
    """A float32 hierarchy's coarse space is built from its own (rounded) faces with the
    diagonal summed again in float64, so that E stays singular along the all-Neumann
    constant and its pseudo-inverse drops it. Built from the float32 diagonal, E's
    constant mode had an eigenvalue near 1e-7 of the largest and was inverted: the
    contained hall's float32 preconditioner came out 600 times off float64's and its
    pressure solves stalled at 9e-4. Here the float32 balanced preconditioner must
    agree with the float64 one to float32's rounding (printed), and a float32 solve
    reach 1e-5."""
    import jax

    from thermo.kernels.multigrid import preconditioner
    from thermo.kernels.poisson import solve_poisson
    shape = (64, 26, 8)
    c64 = _plates(shape, True)
    c64[0] = c64[0].at[-1].set(0.0)  # all-Neumann
    h = (tuple(np.linspace(0.8, 1.2, shape[0])), 1.0, 1.0) if graded else (0.7, 1.1, 1.3)
    fluid = np.asarray(sum(jnp.abs(c[tuple(slice(0, n) if b == a else slice(None)
                                          for b, n in enumerate(shape))]) for a, c in enumerate(c64)) > 0)
    r = np.random.default_rng(3).standard_normal(shape) * fluid
    r -= fluid * r.sum() / fluid.sum()
    z, levels = {}, {}
    for dt in (jnp.float64, jnp.float32):
        levels[dt] = build_hierarchy([c.astype(dt) for c in c64], h, (False,) * 3, coarse_space=True)
        assert levels[dt][0].coarse is not None
        z[dt] = np.asarray(jax.jit(lambda lv, v: preconditioner(lv)(v))(levels[dt], jnp.asarray(r, dt)),
                           np.float64)
    z64, z32 = z[jnp.float64] * fluid, z[jnp.float32] * fluid
    # the constant is the preconditioner's null space: compare free of it
    z64 -= fluid * z64.sum() / fluid.sum()
    z32 -= fluid * z32.sum() / fluid.sum()
    diff = np.linalg.norm(z32 - z64) / np.linalg.norm(z64)
    _, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-6, singular=True,
                                                  max_iter=200))(levels[jnp.float32],
                                                                 jnp.asarray(r, jnp.float32))
    print(f"graded={graded}: float32 preconditioner off float64's by {diff:.1e}; float32 solve "
          f"{int(info.iterations)} iterations to {float(info.residual):.1e}")
    assert diff < 1e-4
    assert float(info.residual) < 1e-5
