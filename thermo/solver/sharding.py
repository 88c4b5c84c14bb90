"""One case's grid split over several devices (``solver.devices``, ``thermo run --devices``).

The state, the geometry and the models' fields are laid out over a device
:class:`jax.sharding.Mesh` whose axes are the grid's (``"x"``, ``"y"``, ``"z"``):
a 3-D (or 2-D) block split, not slabs only. The compiled loops of
:mod:`thermo.solver.step` run under ``jit`` with those input and output
shardings, and XLA's SPMD partitioner inserts the halo exchanges of the
stencils, the reductions of the Krylov solvers and the gathers of the coarse
multigrid levels. Nothing in the step knows it is sharded, so a sharded run
takes the same arithmetic as a single-device one (measured: 1e-12 of each
field's scale in float64, tests/test_sharding.py).

How an array is laid out (:func:`spec_for`): an axis of a 3-D array is split
over the mesh axis of the same name when its length divides by that axis's
device count into at least ``MIN_LOCAL`` cells per device; otherwise that axis
is held whole (replicated over that mesh axis). So

* cell fields (``n_x, n_y, n_z``) are split over every mesh axis;
* a velocity component has ``n_a + 1`` faces along its own axis: that axis is
  held whole and the other two are split (the devices of one mesh row along
  ``a`` hold the same faces; the alternative, padding the faces to ``n_a + p``,
  would touch every stencil);
* boundary ghost slabs (one cell thick) are split along their two in-plane axes;
* coarse multigrid levels are split while they hold ``MIN_LOCAL`` cells per
  device along an axis and replicated below that (their dense coarsest solve is
  replicated: every device solves it; it is a few hundred unknowns). Measured in
  the compiled 8-device step of a 32^3 grid: one-cell halo exchanges on the 32^3,
  16^3 and 8^3 levels, the 4^3 and 2^3 levels gathered whole;
* everything else (scalars, per-part tables, the dense coarse operator) is
  replicated.

How many devices (:func:`mesh_shape`): the count is factored over the grid's
axes so that every factor divides its axis and the cut faces (the halo
traffic) are fewest. A grid with no such factoring for the asked count is
refused before anything compiles, naming the counts that work; ``"all"``
takes the largest count up to the devices there are that divides the grid.

The default (no ``solver.devices``) is one device unless the grid does not fit
its memory, then the fewest devices that hold it (:mod:`thermo.solver.capacity`):
no gain in speed has been measured. On forced CPU devices (benchmarks/RESULTS.md,
"Session 12: sharding" and "Session 13: scale-out"; 2 shared cores) a split 32^3
march step takes about 2x the time of one device on 2 devices and 8x on 4: the
devices share the cores and every halo exchange synchronises them. No GPU node
was at hand to measure where a split starts to pay, so a run is split only when
asked or when one device cannot hold it.

The exchanges are halo slabs: the step is traced inside
``jax.sharding.use_abstract_mesh`` (:func:`sharded`), under which the stencils
build their ghost layers as per-axis padded copies and the Krylov dots as sums
of products, both of which XLA partitions as one-slab collective-permutes and
scalar all-reduces (tests/test_halo_partition.py). The one-device forms (the
ghost slabs written into one padded buffer, ``vdot``'s flattening) were
partitioned by gathering whole fields: an 8^3 duct's 2-device march step had
106 all-gathers, now 2 of the z faces (held whole along their axis) and 1 of a
coarse multigrid level; its implicit iteration 132, now 2.

Several processes (:mod:`thermo.solver.distributed`): the mesh holds every
process's devices; after each device call the state is gathered onto every
process (:func:`sharded`), so the host side of a run (monitors, events, outputs,
checkpoints) is that of one device, at the cost of a whole copy of the state per
process and a gather and scatter per device call.

One XLA partitioner bug met here (jax 0.10.2, CPU): ``x.at[static slice].set(v)``
on an array split along that axis wrote into the wrong shard; the stencils'
``_set`` uses a dynamic-update-slice instead (tests/test_sharding.py fails
without it: 2e-3 of the temperature).
"""
from __future__ import annotations

from typing import Callable, Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

# how many devices split a grid: pure functions of its cell counts, kept with the
# memory each count needs (re-exported here, where the layouts use them)
from thermo.solver.capacity import (MIN_LOCAL, DevicesError, device_count, factorings,
                                    mesh_shape, resolve_count, workable_counts)

AXES = ("x", "y", "z")


def make_mesh(cells: Sequence[int], devices: Sequence) -> Mesh:
    """The mesh of ``devices`` over the grid axes (see :func:`mesh_shape`)."""
    shape = mesh_shape(cells, len(devices))
    if shape is None:
        raise DevicesError(f"{len(devices)} devices cannot split the grid {tuple(cells)}")
    return Mesh(np.asarray(devices, dtype=object).reshape(shape), AXES)


def spec_for(shape: Sequence[int], mesh: Mesh) -> PartitionSpec:
    """How an array of ``shape`` is laid out on ``mesh`` (see the module's doc)."""
    if len(shape) != 3:
        return PartitionSpec()
    names = []
    for n, ax in zip(shape, AXES):
        q = mesh.shape[ax]
        names.append(ax if q > 1 and n % q == 0 and n // q >= MIN_LOCAL else None)
    return PartitionSpec(*names)


def shardings(tree, mesh: Mesh):
    """A :class:`NamedSharding` per array leaf of ``tree`` (None leaves kept)."""
    return jax.tree_util.tree_map(
        lambda x: NamedSharding(mesh, spec_for(np.shape(x), mesh)), tree)


def place(tree, mesh: Mesh):
    """``tree``'s arrays laid out on ``mesh``. Each process builds its own shards from
    its full copy of the array (every process holds the same case on the host), so
    this works across hosts too (``jax.distributed``)."""
    def put(x, sh):
        if isinstance(x, jax.Array) and x.sharding == sh:
            return x
        a = np.asarray(x)
        return jax.make_array_from_callback(a.shape, sh, lambda idx: a[idx])
    return jax.tree_util.tree_map(put, tree, shardings(tree, mesh))


def gather(x) -> np.ndarray:
    """The whole of a (possibly sharded, possibly multi-host) array on this host."""
    if isinstance(x, jax.Array) and not x.is_fully_addressable:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(x, tiled=True))
    return np.asarray(x)


def sharded(fn: Callable, mesh: Mesh, prm, state) -> Callable:
    """``fn(prm, state, last, t_stop) -> state`` compiled with ``prm`` and ``state``
    laid out on ``mesh`` (the state donated, and given back with the same layout).
    Arguments that arrive with another layout (parameters rebuilt on the host
    between calls: events, networks, equipment) are laid out again first."""
    p_sh, s_sh = shardings(prm, mesh), shardings(state, mesh)
    scalar = NamedSharding(mesh, PartitionSpec())

    def traced(*args):
        # the stencils see the mesh and lay their ghost layers out as XLA partitions
        # them best (kernels/stencils.halo_with_ghosts)
        with jax.sharding.use_abstract_mesh(mesh.abstract_mesh):
            return fn(*args)

    jitted = jax.jit(traced, in_shardings=(p_sh, s_sh, scalar, scalar), out_shardings=s_sh,
                     donate_argnums=(1,))
    several = spans_processes(mesh)
    local = jax.local_devices()[0]
    placed: list = [None, None]  # the last parameters given and their laid-out copy

    def call(prm, state, last, t_stop):
        if placed[0] is not prm:  # laid out again only when the parameters change
            placed[:] = [prm, place(prm, mesh)]
        out = jitted(placed[1], place(state, mesh), place(last, mesh), place(t_stop, mesh))
        if several:
            # several processes: the whole state back on each, so that everything the
            # host does between calls (monitors, events, outputs) runs as on one device
            out = jax.tree_util.tree_map(lambda x: jax.device_put(gather(x), local), out)
        return out
    call.jitted = jitted  # for inspection (benchmarks/scaling.py reads its collectives)
    return call


def spans_processes(mesh: Mesh | None) -> bool:
    """Whether ``mesh`` holds devices of other processes (``jax.distributed``)."""
    return mesh is not None and any(d.process_index != jax.process_index()
                                    for d in mesh.devices.flat)


_COMPILED: dict = {}


def compiled_sharded_advance(cfg, mesh: Mesh, prm, state) -> Callable:
    """:func:`thermo.solver.step.compiled_advance` with ``prm`` and ``state`` laid out
    on ``mesh`` (one compiled call per settings and mesh)."""
    from thermo.solver.step import advance

    key = (cfg, mesh)
    if key not in _COMPILED:
        _COMPILED[key] = sharded(lambda p, s, last, t_stop: advance(p, s, last, t_stop, cfg),
                                 mesh, prm, state)
    return _COMPILED[key]


def mesh_for(case, grid, device) -> Mesh | None:
    """The mesh a case's run is split over, None for one device: ``solver.devices``, or
    by default one device unless the grid does not fit its memory
    (:func:`thermo.solver.capacity.device_count` says why). A count that is not there
    or cannot split the grid is refused as a :class:`thermo.case.CaseError` naming
    the file and key."""
    devices = jax.devices(device.platform)
    try:
        n, _ = device_count(case, grid, device, available=len(devices))
    except DevicesError as exc:
        from thermo.case import CaseError

        raise CaseError(str(case.path) if case.path else "<dict>", "solver.devices", str(exc),
                        f"'all' or a count up to {len(devices)} that splits the grid: "
                        + ", ".join(map(str, workable_counts(grid.cells, len(devices))))) from None
    return None if n == 1 else make_mesh(grid.cells, devices[:n])


def axis_counts(mesh: Mesh | None) -> tuple[int, int, int]:
    """``(px, py, pz)`` of ``mesh`` (``(1, 1, 1)`` without one)."""
    return (1, 1, 1) if mesh is None else tuple(mesh.shape[a] for a in AXES)


__all__ = ["AXES", "MIN_LOCAL", "DevicesError", "factorings", "mesh_shape", "workable_counts",
           "resolve_count", "make_mesh", "mesh_for", "compiled_sharded_advance", "spec_for", "shardings", "place", "gather", "sharded", "spans_processes",
           "axis_counts"]
