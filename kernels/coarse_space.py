"""A coarse space of fluid aggregates for the pressure solve's preconditioner.

The geometric multigrid (:mod:`thermo.kernels.multigrid`) re-discretises the operator on
coarse cells that straddle thin solid walls: an immersion tank's 3.4 mm shrouds and
baffle inside 8-16 mm coarse cells. A coarse cell then joins channels that the fine
grid keeps apart, the coarse correction misses the modes that differ between them, and
PCG stalls on those few modes (the tank's relative residual 2.2e-2, 1.1e-2, 1.3e-2
after 5, 10 and 20 iterations; 62 iterations to 1e-8). Here each aggregate is one
connected component of the fluid within a block of ``BLOCK`` cells per axis, connected
through the open faces of the fine operator itself, so a wall splits the block into
the channels it separates. With ``Z`` the aggregates' indicators and ``E = Z^T A Z``
(assembled and pseudo-inverted once on the host from the hierarchy's fine operator),
``Q = Z E^+ Z^T`` and the V-cycle ``V`` combine as the balanced preconditioner
``Q r + (I - Q A) V (I - A Q) r`` (Mandel's balancing; Tang, Nabben, Vuik & Erlangga
2009, "BNN"), symmetric positive definite whatever ``E``'s age: the pressure
operator's faces are rescaled by the drag every iteration, ``E`` keeps the build's.
Measured (``benchmarks/pressure_coarse_space.py``): the tank 62 -> 28 iterations, a
serpentine of plates 28 -> 22, open and server geometries unchanged.

Built only where a wall splits a block (some block holds two or more fluid
components): elsewhere the coarse grid sees what the fine grid sees and the V-cycle
alone is as good (the D2C server and air racks: the same iteration counts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .stencils import laplacian_diagonal

# cells per axis of an aggregate's block (the tank: blocks of 6, 8, 12 took 24, 28, 38
# iterations with 1573, 790, 236 aggregates; E's dense pseudo-inverse grows as the square)
BLOCK = 8
# no more aggregates than this: E^+ is a dense matrix applied twice per iteration
MAX_AGGREGATES = 4096


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class CoarseSpace:
    """Per cell its aggregate (-1 outside the fluid) and ``E^+``, the pseudo-inverse of the
    fine operator restricted to the aggregates (units: the operator's inverse)."""

    labels: jnp.ndarray
    e_pinv: jnp.ndarray
    size: int = field(metadata=dict(static=True))


def fine_matrix(coeffs, diag, h, shape):
    """The operator of :func:`thermo.kernels.multigrid.apply` without shift as a SciPy
    sparse matrix over the cells in C order: ``diag`` on the diagonal and ``-c / h_a^2``
    between neighbours across a face with coefficient ``c`` (non-periodic axes; a
    weighted level's ``h`` is ones)."""
    import scipy.sparse as sps
    n = int(np.prod(shape))
    idx = np.arange(n).reshape(shape)
    rows, cols, vals = [], [], []
    for a in range(3):
        c = np.broadcast_to(np.asarray(coeffs[a], dtype=np.float64),
                            tuple(m + 1 if b == a else m for b, m in enumerate(shape)))
        inner = np.take(c, range(1, shape[a]), axis=a).ravel() / float(h[a]) ** 2
        lo = np.take(idx, range(0, shape[a] - 1), axis=a).ravel()
        hi = np.take(idx, range(1, shape[a]), axis=a).ravel()
        k = inner != 0
        rows += [lo[k], hi[k]]
        cols += [hi[k], lo[k]]
        vals += [-inner[k]] * 2
    off = sps.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(n, n))
    return off + sps.diags(np.broadcast_to(np.asarray(diag, dtype=np.float64), shape).ravel())


def aggregates(a_mat, live: np.ndarray, shape, block: int = BLOCK) -> tuple:
    """``(labels, count, blocks)``: per cell (C order) its aggregate, the connected
    component of the ``live`` cells coupled by ``a_mat`` within its block of ``block``
    cells per axis (-1 where not live); the aggregates' count and that of the blocks
    holding live cells."""
    import scipy.sparse as sps
    from scipy.sparse.csgraph import connected_components
    n = live.size
    nb = [(m + block - 1) // block for m in shape]
    bid = sum((np.arange(shape[a]) // block).reshape([-1 if b == a else 1 for b in range(3)])
              * int(np.prod(nb[a + 1:])) for a in range(3))
    bid = np.broadcast_to(bid, shape).ravel()
    g = a_mat.tocoo()
    k = (g.row != g.col) & (bid[g.row] == bid[g.col]) & live[g.row] & live[g.col]
    graph = sps.csr_matrix((np.ones(int(k.sum())), (g.row[k], g.col[k])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    used, inverse = np.unique(comp[live], return_inverse=True)
    labels = np.full(n, -1)
    labels[live] = inverse
    return labels, used.size, np.unique(bid[live]).size


def build_coarse_space(level, block: int = BLOCK) -> CoarseSpace | None:
    """The coarse space of a hierarchy's fine ``level`` (host, NumPy/SciPy), or None where
    no block holds two fluid components (or there would be more than MAX_AGGREGATES)."""
    shape = level.lapdiag.shape
    if any(level.periodic):
        return None
    # the diagonal again from the stored coefficients, in float64: a float32 level's
    # diagonal was rounded apart from its faces, its rows no longer sum to zero, and E's
    # all-Neumann constant (an eigenvalue near 1e-7 of the largest, not 1e-16) passed
    # the pseudo-inverse's cut: the contained hall's float32 preconditioner was then 600
    # times off float64's, and its pressure solves stalled at 9e-4
    coeffs = tuple(np.asarray(c, dtype=np.float64) for c in level.coeffs)
    diag = np.broadcast_to(laplacian_diagonal(coeffs, level.h, level.periodic), shape)
    diag = np.where(np.asarray(level.iso) > 0, np.asarray(level.lapdiag, np.float64), diag)
    a_mat = fine_matrix(coeffs, diag, level.h, shape)
    live = np.asarray(level.iso).ravel() == 0
    labels, m, blocks = aggregates(a_mat, live, shape, block)
    if m <= blocks or m > MAX_AGGREGATES:
        return None
    import scipy.sparse as sps
    z = sps.csr_matrix((np.ones(int(live.sum())), (np.nonzero(live)[0], labels[live])),
                       shape=(live.size, m))
    e = (z.T @ a_mat @ z).toarray()
    # a closed region's constant is E's null space (all-Neumann pressure): dropped by a
    # relative cut far below the conditioning of the rest (3e4 on the tank)
    e_pinv = np.linalg.pinv(e, rcond=1e-10, hermitian=True)
    dtype = jnp.asarray(level.lapdiag).dtype
    return CoarseSpace(jnp.asarray(labels.reshape(shape), jnp.int32),
                       jnp.asarray(e_pinv, dtype), int(m))


def coarse_correction(cs: CoarseSpace, r):
    """``Z E^+ Z^T r``: the residual's best correction constant on each aggregate."""
    inside = cs.labels >= 0
    ids = jnp.maximum(cs.labels, 0).ravel()
    sums = jax.ops.segment_sum(jnp.where(inside, r, 0.0).ravel(), ids, cs.size)
    y = cs.e_pinv @ sums
    return jnp.where(inside, y[ids].reshape(r.shape), 0.0)


def balanced(apply: Callable, precondition: Callable, cs: CoarseSpace) -> Callable:
    """The preconditioner ``Q r + (I - Q A) M (I - A Q) r`` for ``A`` = ``apply`` and
    ``M`` = ``precondition`` (both symmetric), ``Q`` the coarse correction."""
    def apply_balanced(r):
        qr = coarse_correction(cs, r)
        y = precondition(r - apply(qr))
        return y - coarse_correction(cs, apply(y)) + qr
    return apply_balanced
