"""Whether a case's grid fits the devices' memory, and over how many devices it runs,
decided before anything is built.

Which counts can split a grid (:func:`mesh_shape`): the count is factored over the
grid's axes so that every factor divides its axis into at least ``MIN_LOCAL``
cells and the cut faces (the halo traffic) are fewest; the layouts themselves are
:mod:`thermo.solver.sharding`'s.

How many devices (:func:`device_count`): ``solver.devices`` as asked (a count, or
``"all"``: :func:`resolve_count`); the default (1) is one
device unless the grid does not fit one device's memory, and then the fewest
devices that split the grid (:func:`mesh_shape`) and hold
it. Why not all devices whenever there are several: no split has been measured
to pay. On forced CPU devices (benchmarks/RESULTS.md, "Session 12: sharding")
a split 32^3 step took 2.4x one device's time on 2 devices and 10x on 4: every
stencil's halo exchange and every Krylov reduction synchronises the devices,
and no GPU node was at hand to find the grid size where that stops mattering.
Memory is the one gain measured: each device holds its part of the fields. So
a case is split when it must be, over as few devices as hold it, and
``"all"`` or a count asks for more.

How much each device holds when split over ``n`` (:func:`bytes_per_device`):
the one-device estimate (:data:`thermo.grid.quality.BYTES_PER_CELL`, measured
from the compiled step) times the measured share :data:`SPLIT_SHARE` (0.81 on 2
devices, 0.47 on 4, 0.28 on 8): not all of it divides, as XLA gathers whole
padded fields for the stencils' ghost updates and the coarse multigrid levels,
and a velocity component is held whole along its own axis
(thermo/solver/sharding.py).
"""
from __future__ import annotations

import math
import os
import sys
from typing import Sequence

from thermo.case import Case, CaseError
from thermo.grid.quality import BYTES_PER_CELL
from thermo.meshes import Grid

#: bytes each device holds when the grid is split over n devices, as a share of one
#: device's: measured from the compiled march step of a 16^3 heated duct in float64
#: on forced CPU devices (XLA's memory analysis per device: arguments + outputs +
#: temporaries - aliased; 1 device 5.15 MB, 1257 B/cell; 2: 4.17 MB, 4: 2.44 MB,
#: 8: 1.45 MB). The temporaries barely fall on 2 devices (3.06 -> 2.80 MB): XLA
#: gathers whole padded fields for the stencils' ghost updates. A count between
#: two measured ones takes the share of the smaller (more per device: safe)
SPLIT_SHARE = {1: 1.0, 2: 0.810, 4: 0.474, 8: 0.282}


#: fewest cells per device along a split axis (fewer: that axis is held whole)
MIN_LOCAL = 2


class DevicesError(ValueError):
    """The asked device count cannot split the grid (or is not there)."""


def factorings(n: int) -> list[tuple[int, int, int]]:
    """Every ``(px, py, pz)`` of positive integers whose product is ``n``."""
    out = []
    for px in range(1, n + 1):
        if n % px:
            continue
        for py in range(1, n // px + 1):
            if (n // px) % py == 0:
                out.append((px, py, n // px // py))
    return out


def mesh_shape(cells: Sequence[int], n: int) -> tuple[int, int, int] | None:
    """The ``(px, py, pz)`` that splits ``cells`` over ``n`` devices with every factor
    dividing its axis into at least ``MIN_LOCAL`` cells and the fewest cut faces
    (``sum_a (p_a - 1) * cells / n_a``); None when there is none."""
    best, best_cut = None, math.inf
    total = math.prod(cells)
    for p in factorings(n):
        if any(c % q or (q > 1 and c // q < MIN_LOCAL) for c, q in zip(cells, p)):
            continue
        cut = sum((q - 1) * total // c for c, q in zip(cells, p))
        if cut < best_cut:
            best, best_cut = p, cut
    return best


def workable_counts(cells: Sequence[int], up_to: int) -> list[int]:
    """The device counts from 1 to ``up_to`` that split ``cells``."""
    return [n for n in range(1, up_to + 1) if mesh_shape(cells, n) is not None]


def resolve_count(asked, cells: Sequence[int], available: int) -> int:
    """The device count a run takes: ``asked`` (an int, or ``"all"``: the largest
    count up to ``available`` that splits ``cells``); :class:`DevicesError` when an
    int is more than there are or does not split the grid."""
    if asked == "all":
        return max(workable_counts(cells, available))
    n = int(asked)
    if n > available:
        raise DevicesError(f"{n} devices asked but JAX sees {available}")
    if mesh_shape(cells, n) is None:
        raise DevicesError(f"{n} devices cannot split the grid {tuple(cells)} (each axis must "
                           f"divide by its share into at least {MIN_LOCAL} cells); counts that "
                           f"can: {', '.join(map(str, workable_counts(cells, available)))}")
    return n


def device_memory(device) -> int | None:
    """Bytes of memory the device offers: an accelerator's allocator limit, the host's
    physical memory for the CPU; None when unknown."""
    try:
        stats = device.memory_stats() or {}
    except Exception:  # backends without memory statistics
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"])
    if getattr(device, "platform", "cpu") == "cpu":
        try:
            return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            return None
    return None


def bytes_needed(case: Case, grid: Grid) -> int:
    """The run's estimated bytes on one device (:data:`BYTES_PER_CELL`, measured)."""
    return grid.ncells * BYTES_PER_CELL[0 if case.data["solver"]["precision"] == "float32" else 1]


def bytes_per_device(need: int, n: int) -> int:
    """Bytes each of ``n`` devices holds of a run needing ``need`` on one
    (:data:`SPLIT_SHARE`)."""
    return int(need * SPLIT_SHARE[max(k for k in SPLIT_SHARE if k <= n)])


def fewest_that_fit(need: int, memory: int, counts) -> int | None:
    """The smallest of ``counts`` whose devices each hold their part of ``need`` bytes
    in ``memory``; None when none does."""
    return next((n for n in sorted(counts) if bytes_per_device(need, n) <= memory), None)


def _gib(b: int) -> str:
    return f"{b / 2 ** 30:.3g} GiB"


def device_count(case: Case, grid: Grid, device, available: int | None = None,
                 memory: int | None = None) -> tuple[int, str]:
    """``(devices, why)``: how many devices of ``device``'s platform the run is split
    over, and a sentence saying why (see the module's doc). ``available`` (devices
    JAX sees) and ``memory`` (bytes per device) are read from JAX when None. A count
    that cannot split the grid raises :class:`DevicesError`;
    a grid that fits no count a :class:`CaseError` naming its key."""
    import jax

    if available is None:
        available = len(jax.devices(device.platform))
    memory = device_memory(device) if memory is None else memory
    asked = case.data["solver"]["devices"]
    if jax.process_count() > 1 and asked == 1:
        asked = "all"  # several processes (thermo run --distributed): each takes part
    need = bytes_needed(case, grid)
    counts = workable_counts(grid.cells, available)
    if asked != 1:
        n = resolve_count(asked, grid.cells, available)
        why = f"solver.devices = {asked!r}" if asked == case.data["solver"]["devices"] else \
            "several processes (thermo run --distributed): all their devices"
    elif memory is None or need <= memory:
        n, why = 1, "the default: one device holds the grid"
    else:
        n = fewest_that_fit(need, memory, counts) or max(counts)
        why = (f"the default, one device, cannot hold the grid ({_gib(need)} estimated, the "
               f"device {_gib(memory)}): the fewest devices that split the grid and hold it")
    if memory is not None and bytes_per_device(need, n) > memory:
        key = "grid.max_cell" if "grid" in case.data else "domain.cells"
        cells = "x".join(str(c) for c in grid.cells)
        split = "" if n == 1 else f" split over {n} devices, about {bytes_per_device(need, n):,} each,"
        raise CaseError(case.path.name if case.path else "<dict>", key,
                        f"the grid's {cells} = {grid.ncells:,} cells need about {need:,} bytes in "
                        f"{case.data['solver']['precision']}{split} more than the {memory:,} bytes "
                        f"of a device ({device}; {available} of them)",
                        "a coarser grid, float32, or more devices or devices with more memory")
    return n, why


def check_fits(case: Case, grid: Grid, device, available: int | None = None) -> None:
    """CaseError (naming the grid's key, its cells and the bytes) when the run's estimated
    memory per device exceeds the device's at the device count it takes
    (:func:`device_count`; ``available``: bytes per device, read from JAX when None).
    When the default count is not one device, says so on stderr. A count that cannot
    split the grid is left to :func:`thermo.solver.sharding.mesh_for` to refuse."""
    try:
        n, why = device_count(case, grid, device, memory=available)
    except DevicesError:
        return
    if n > 1 and why.startswith("the default"):
        print(f"solver.devices: {n} devices ({why})", file=sys.stderr)
