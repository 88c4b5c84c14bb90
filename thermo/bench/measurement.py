"""One measured run of the suite: a fixed-step run of a case on a device, compiled
once per shape (the executable is cached), warmed up and timed, with its iterations,
memory and roofline figures, and the time of one pressure solve on its operator."""
from __future__ import annotations

import math
import os
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from thermo.bench.probes import (CompileCounter, device_peak_bytes, hand_bytes_per_step, max_rss_bytes,
                                 tree_bytes, xla_cost, xla_memory)

if TYPE_CHECKING:
    from thermo.case import Case

__all__ = ["measure"]

_EXECUTABLES: dict = {}
_PSOLVES: dict = {}


def _exec_key(cfg, prm, state, device):
    import jax
    sig = tuple((tuple(x.shape), str(x.dtype)) for x in jax.tree_util.tree_leaves((prm, state)))
    return (cfg, str(jax.tree_util.tree_structure((prm, state))), sig, device.platform, device.id)


def _pressure_solve_time(sim, prm, device, repeat: int = 2) -> dict:
    """Time one multigrid-PCG pressure solve on the case's operator (random rhs)."""
    import jax
    import jax.numpy as jnp
    from thermo.kernels.poisson import solve_poisson
    from thermo.solver.numerics import reachable_tolerance
    cfg = sim.settings
    tol = reachable_tolerance(cfg.pressure.tolerance, prm.levels[0].lapdiag)
    key = (tol, cfg.singular)
    if key not in _PSOLVES:
        _PSOLVES[key] = jax.jit(lambda levels, rhs: solve_poisson(
            levels, rhs, jnp.zeros_like(rhs), tol=tol, singular=cfg.singular))
    fn = _PSOLVES[key]
    rng = np.random.default_rng(0)
    rhs = jax.device_put(jnp.asarray(rng.standard_normal(sim.grid.cells), sim.dtype), device)
    t0 = time.perf_counter()
    x, info = fn(prm.levels, rhs)
    jax.block_until_ready(x)
    first = time.perf_counter() - t0
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        x, info = fn(prm.levels, rhs)
        jax.block_until_ready(x)
        best = min(best, time.perf_counter() - t0)
    its = max(int(info.iterations), 1)
    return {"solve_s": best, "iterations": its, "s_per_iteration": best / its,
            "first_call_s": first}


def measure(case: Case, device: Any, bandwidth: dict | None = None, pressure: bool = True,
            label: str | None = None, size: float | None = None) -> dict:
    """Compile (cached per shape), warm up and time one fixed-step run of ``case`` on
    ``device``; return one result row."""
    import jax
    import jax.numpy as jnp
    from thermo.solver import Simulation
    from thermo.solver.step import compiled_advance

    counter = CompileCounter()
    steps = case.data["solver"]["max_steps"]
    with counter:
        t0 = time.perf_counter()
        sim = Simulation(case)
        setup_s = time.perf_counter() - t0
        prm = jax.device_put(sim.params, device)
        t_stop = jax.device_put(jnp.asarray(math.inf, sim.dtype), device)
        state = jax.device_put(sim.initial_state(), device)
        key = _exec_key(sim.settings, prm, state, device)
        cached = key in _EXECUTABLES
        if cached:
            compiled, lower_s, compile_s = _EXECUTABLES[key][0], 0.0, 0.0
        else:
            fn = compiled_advance(sim.settings)
            t0 = time.perf_counter()
            lowered = fn.lower(prm, state, jnp.int32(steps), t_stop)
            lower_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            compiled = lowered.compile()
            compile_s = time.perf_counter() - t0
            _EXECUTABLES[key] = (compiled, lower_s, compile_s)
        warm = min(2, steps)
        t0 = time.perf_counter()
        out = compiled(prm, state, jnp.int32(warm), t_stop)
        jax.block_until_ready(out)
        warm_s = time.perf_counter() - t0
        state = jax.device_put(sim.initial_state(), device)
        c0, t0 = time.process_time(), time.perf_counter()
        out = compiled(prm, state, jnp.int32(steps), t_stop)
        jax.block_until_ready(out)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    compilations = counter.count
    cells = int(np.prod(sim.grid.cells))
    taken = int(out.step)
    p_it = float(out.p_iters_sum) / max(taken, 1)
    t_it = float(out.t_iters_sum) / max(taken, 1)
    v_it = float(out.v_iters_sum) / max(taken, 1)
    itemsize = jnp.dtype(sim.dtype).itemsize
    state_b, params_b = tree_bytes(out), tree_bytes(prm)
    cost = xla_cost(compiled)
    mem = xla_memory(compiled)
    row = {
        "case": label or case.data["case"]["name"], "case_name": case.data["case"]["name"],
        "size": size, "grid": "x".join(str(c) for c in sim.grid.cells), "cells": cells,
        "backend": device.platform, "device_kind": device.device_kind, "device_id": device.id,
        "precision": case.data["solver"]["precision"],
        "steps": taken, "status": ["running", "converged", "diverged", "finished"][int(out.status)],
        "wall_s": wall, "s_per_step": wall / max(taken, 1),
        # CPU seconds of this process (all threads) during the timed call: on a shared
        # machine wall time includes waiting for a core, this does not
        "process_cpu_s": cpu, "load_average": list(os.getloadavg()),
        "cell_updates_per_s": cells * taken / wall if wall > 0 else float("nan"),
        "ns_per_cell_step": 1e9 * wall / max(cells * taken, 1),
        "setup_s": setup_s, "lower_s": lower_s, "compile_s": compile_s,
        "executable_cached": cached, "warmup_steps": warm, "warmup_call_s": warm_s,
        "compilations": compilations,
        "pressure_iterations_per_step": p_it, "energy_iterations_per_step": t_it,
        "viscous_iterations_per_step": v_it,
        "energy": bool(sim.settings.energy),
        "state_bytes": state_b, "params_bytes": params_b,
        "bytes_per_cell": (state_b + params_b) / cells,
        "state_bytes_per_cell": state_b / cells,
        "xla_memory": mem,
        "xla_peak_bytes_per_cell": (sum(mem.get(k, 0) for k in (
            "argument_size_in_bytes", "output_size_in_bytes", "temp_size_in_bytes"))
            - mem.get("alias_size_in_bytes", 0)) / cells if mem else None,
        "max_rss_bytes": max_rss_bytes(), "device_peak_bytes": device_peak_bytes(device),
        "xla_bytes_accessed": cost.get("bytes accessed"), "xla_flops": cost.get("flops"),
    }
    hand = hand_bytes_per_step(cells, itemsize, p_it, t_it, sim.settings.energy, v_it)
    row["hand_bytes_per_step"] = hand
    if bandwidth:
        bw = bandwidth["bytes_per_s"]
        row["floor_s_per_step_hand"] = hand / bw
        row["achieved_pct_hand"] = 100.0 * hand / bw / row["s_per_step"]
        xb = row["xla_bytes_accessed"]
        if xb:
            row["floor_s_per_step_xla"] = xb / bw
            row["achieved_pct_xla"] = 100.0 * xb / bw / row["s_per_step"]
    if pressure:
        ps = _pressure_solve_time(sim, prm, device)
        row["pressure_solve_random_rhs"] = ps
        row["pressure_s_per_iteration"] = ps["s_per_iteration"]
        row["pressure_solve_s"] = ps["s_per_iteration"] * p_it
        row["pressure_fraction_of_step"] = row["pressure_solve_s"] / row["s_per_step"]
    return row
