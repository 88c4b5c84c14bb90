"""The validation table's cases in their order: :data:`VALIDATIONS`, name to
function, and :func:`run_validation`, which runs those a pattern selects.

Each family module holds its cases; this module only lists them. The order is
the order of the rows ``thermo validate`` prints.
"""
from __future__ import annotations

import fnmatch
import sys
from typing import Callable

from thermo.validation import (air, boundary_layer, conduction, convection, default_case,
                               flow, graded, immersion, kepsilon, liquid, network, precision,
                               spreading, steady, turbulence, two_fluids, walls)

VALIDATIONS: dict[str, Callable[[bool], list[dict]]] = {
    "poiseuille": flow.validate_poiseuille,
    "cavity": flow.validate_cavity,
    "cavity3d": flow.validate_cavity3d,
    "multigrid": flow.validate_multigrid,
    "composite-wall": conduction.validate_composite_wall,
    "heated-block": conduction.validate_heated_block,
    "slab": conduction.validate_slab,
    "devahldavis": convection.validate_devahldavis,
    "channel": convection.validate_channel,
    "conjugate": conduction.validate_conjugate,
    "spreading": spreading.validate_spreading,
    "spreading-contact": spreading.validate_spreading_contact,
    "loop": liquid.validate_loop,
    "cold-plate": liquid.validate_cold_plate,
    "turbulent-channel": turbulence.validate_turbulent_channel,
    "mixing-length-channel": turbulence.validate_mixing_length_channel,
    "lvel-channel": walls.validate_lvel_channel,
    "lvel-duct": walls.validate_lvel_duct,
    "k-epsilon-channel": kepsilon.validate_k_epsilon_channel,
    "heated-plate": kepsilon.validate_heated_plate,
    "laminar-plate": boundary_layer.validate_laminar_plate,
    "k-epsilon-duct": kepsilon.validate_k_epsilon_duct,
    "backward-step": kepsilon.validate_backward_step,
    "immersion-plate": immersion.validate_immersion_plate,
    "porous": air.validate_porous,
    "porous-fins": air.validate_porous_fins,
    "fan": air.validate_fan,
    "fan-fins": air.validate_fan_fins,
    "server-fan": air.validate_server_fan,
    "server-mass": air.validate_server_mass,
    "crah-capacity": air.validate_crah_capacity,
    "crah-control": air.validate_crah_control,
    "two-fluids": two_fluids.validate_two_fluids,
    "networks": network.validate_networks,
    "networks-coupled": network.validate_networks_coupled,
    "poiseuille-graded": graded.validate_graded_poiseuille,
    "slab-graded": graded.validate_graded_slab,
    "composite-wall-graded": graded.validate_graded_composite_wall,
    "multigrid-graded": graded.validate_graded_multigrid,
    "devahldavis-graded": graded.validate_graded_devahldavis,
    "devahldavis-implicit": steady.validate_implicit_devahldavis,
    "precision-mixed": precision.validate_mixed_devahldavis,
    "default-case": default_case.validate_default_case,  # last: the longest run
}


def _selected(pattern: str | None) -> list[str]:
    return [name for name in VALIDATIONS
            if not pattern or fnmatch.fnmatch(name, pattern) or pattern in name]


def _run_family(name: str, full: bool,
                initializer: Callable[[], object] | None) -> tuple[list[dict], float]:
    """One family in a process of its own (a worker of :func:`run_validation`): its
    rows and its wall time (s)."""
    import time

    import gc

    import jax

    if initializer is not None:
        initializer()
    t0 = time.perf_counter()
    rows = VALIDATIONS[name](full)
    seconds = time.perf_counter() - t0
    jax.clear_caches()  # where the worker runs another family (Python 3.10)
    gc.collect()
    return rows, seconds


def run_validation(full: bool = False, pattern: str | None = None, jobs: int = 1,
                   initializer: Callable[[], object] | None = None,
                   done: Callable[[str, int, float], object] | None = None) -> list[dict]:
    """Run every validation whose name matches ``pattern`` (glob); return the rows,
    in the table's order. ``jobs`` > 1 runs the families in that many processes at
    once, each family in a fresh process (``initializer`` runs first in each, e.g.
    to point JAX at the compile cache): the families are independent, and one
    compile or one small grid keeps about one core busy. ``done(name, rows, seconds)``
    is called as each family finishes."""
    import gc
    import time

    import jax

    names = _selected(pattern)
    if jobs > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # the longest families first (measured), so that none starts last and runs alone
        first = ("cavity", "default-case", "poiseuille-graded", "conjugate", "heated-plate")
        order = sorted(names, key=lambda n: first.index(n) if n in first else len(first))
        # a fresh process per family (Python 3.11+; on 3.10 a worker runs several)
        fresh = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                 **fresh) as pool:
            futures = {pool.submit(_run_family, n, full, initializer): n for n in order}
            rows_of = {}
            for future in as_completed(futures):
                name = futures[future]
                rows_of[name], seconds = future.result()
                if done is not None:
                    done(name, len(rows_of[name]), seconds)
            return [r for n in names for r in rows_of[n]]
    if initializer is not None:
        initializer()
    rows = []
    for name in names:
        t0 = time.perf_counter()
        family = VALIDATIONS[name](full)
        rows.extend(family)
        if done is not None:
            done(name, len(family), time.perf_counter() - t0)
        # each family compiles its own programs: drop them before the next, or the
        # process's JIT mappings pile up (LLVM "Cannot allocate memory" in the CI's
        # validate after 60-odd families, 2026-12-01)
        jax.clear_caches()
        gc.collect()
    return rows
