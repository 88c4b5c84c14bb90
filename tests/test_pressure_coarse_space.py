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
