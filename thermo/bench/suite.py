"""The backend benchmark suite: ``python -m thermo.bench [--quick] [-o DIR]`` or ``thermo bench``.

One run measures, on every backend JAX sees and in float32 and float64:

- **case set**: the 3-D lid-driven cavity, a natural-convection cube (hot wall x-,
  cold wall x+, Ra 1e5, buoyancy) and a rack (the bundled ``air-rack-60kw`` example
  if present, else ``rack-air``), each at several grid sizes, a fixed number of
  steps per run (steady mode with an unreachable tolerance). Per run: cells, steps,
  wall time, cell updates per second, compile time (``lower`` and ``compile`` timed
  separately; the executable is cached, so a second run of the same shape compiles
  nothing), mean pressure and energy iterations per step, the time of one pressure
  solve (a separately compiled multigrid-PCG solve on the case's operator: time per
  iteration x the run's mean iterations), memory (bytes of State + Params per cell,
  XLA's memory analysis of the executable, the process's max RSS, and the device's
  peak bytes where it reports them);
- **roofline**: the device's copy bandwidth (a donated, jitted scale of a large
  array; bytes read + written / time), the bytes a step must move (XLA's
  ``cost_analysis()['bytes accessed']`` of the compiled loop, which counts each loop
  body once, and a hand count with the measured iteration numbers, see
  ``hand_bytes_per_step``), the floor time = bytes / bandwidth and achieved = floor /
  measured time in %;
- **scaling**: cost per cell-step and pressure iterations per step of the cavity at
  32^3, 64^3, 128^3 (and 256^3 in the full mode), float32;
- **batch**: 16 power levels of one small rack (``thermo.sweep.run_batch``, one
  vmapped compiled call) against the same 16 runs one by one;
- **peers** on the de Vahl Davis cavity, Ra 1e5, 64x64, to a steady answer: thermo
  (float64, steady tolerance 1e-6), OpenFOAM v1912 (buoyantBoussinesqSimpleFoam, case
  written into the output folder; skipped with a message where OpenFOAM is absent)
  and a plain NumPy solver (``thermo.bench.peers``): time to answer, Nu and ratios.

Writes ``suite.json`` and ``suite.png`` into the output folder (default
``benchmarks/out`` in the repository root, else ``bench-out`` in the current folder:
``thermo.bench.default_out``). ``--quick`` is the few-minute CPU configuration.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import pathlib
import platform
import resource
import sys
import time
from typing import Any, Sequence

import numpy as np

from .paths import default_out

RACK_EXAMPLES = ("air-rack-60kw", "rack-air")
SCALING_SIZES = (32, 64, 128, 256)
SCALING_TARGET = 1.3

# (case, size, precisions); size: n for the cubes, a scale of the example's grid for the rack
CONFIGS: dict[str, dict[str, Any]] = {
    "quick": {   # 8 solver compiles: about 4 minutes on 2 idle cores
        "runs": [("cavity3d", 32, ("float32", "float64")), ("cavity3d", 64, ("float32",)),
                 ("cavity3d", 128, ("float32",)),
                 ("convection", 16, ("float32", "float64")), ("convection", 24, ("float32",)),
                 ("rack", 1.0, ("float32", "float64"))],
        "cell_steps": 3e6, "min_steps": 5, "max_steps": 50, "pressure_precisions": ("float32",),
        "bandwidth_mib": 256, "batch": {"variants": 16, "scale": 1.0, "steps": 20},
        "peers": {"n": 64, "ra": 1e5, "thermo": True},
    },
    "full": {
        "runs": [(c, n, ("float32", "float64")) for c, sizes in
                 (("cavity3d", (16, 32, 64, 128)), ("convection", (16, 32, 64)),
                  ("rack", (1.0, 2.0, 4.0))) for n in sizes]
                + [("cavity3d", 256, ("float32",))],
        "cell_steps": 2e7, "min_steps": 5, "max_steps": 200,
        "pressure_precisions": ("float32", "float64"),
        "bandwidth_mib": 1024, "batch": {"variants": 16, "scale": 1.0, "steps": 50},
        "peers": {"n": 64, "ra": 1e5, "thermo": True},
    },
    # the cavity scaling series alone, 256^3 included (the full run's largest grid)
    "scaling": {
        "runs": [("cavity3d", n, ("float32",)) for n in SCALING_SIZES],
        "cell_steps": 3e6, "min_steps": 3, "max_steps": 50, "pressure_precisions": (),
        "bandwidth_mib": 1024, "batch": None, "peers": None,
    },
    # for the tests: seconds, not minutes
    "tiny": {
        "runs": [("convection", 8, ("float32",))],
        "cell_steps": 1e4, "min_steps": 3, "max_steps": 5, "pressure_precisions": ("float32",),
        "bandwidth_mib": 16, "batch": None,
        "peers": {"n": 16, "ra": 1e3, "thermo": False},
    },
}


# ----------------------------------------------------------------------------- cases

def rack_example() -> str:
    from thermo.case import default_case_path
    folder = default_case_path().parent
    return next(name for name in RACK_EXAMPLES if (folder / f"{name}.toml").is_file())


def make_case(name: str, size, precision: str, steps: int):
    """One case of the set, run for exactly ``steps`` steps (one device call)."""
    from thermo.case import default_case_path, load_case
    folder = default_case_path().parent
    fixed = ['solver.mode="steady"', "solver.tolerance=1e-30", f"solver.max_steps={steps}",
             f"solver.steps_per_call={steps}", f'solver.precision="{precision}"',
             "output.every=0"]
    if name == "cavity3d":
        return load_case(default_case_path().parent / "cavity3d.toml", [f"domain.cells=[{size},{size},{size}]"] + fixed)
    if name == "convection":   # de Vahl Davis in a closed cube: Ra 1e5, Pr 0.71
        return load_case(folder / "devahldavis.toml", [
            "domain.size=[1.0,1.0,1.0]", f"domain.cells=[{size},{size},{size}]",
            'boundaries[2].flow="wall"', 'boundaries[3].flow="wall"',
            'case.name="convection-cube"'] + fixed)
    if name == "rack":
        ex = rack_example()
        base = load_case(folder / f"{ex}.toml")
        cells = [max(2, int(round(c * size))) for c in base.data["domain"]["cells"]]
        cells = [c + (c % 2) for c in cells]    # even, so multigrid can coarsen
        return load_case(folder / f"{ex}.toml", [f"domain.cells={cells}"] + fixed)
    raise KeyError(name)


# ----------------------------------------------------------------------------- helpers

def _leaves_bytes(tree) -> int:
    import jax
    return sum(int(getattr(x, "nbytes", 0)) for x in jax.tree_util.tree_leaves(tree))


def _max_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024   # Linux: KiB


def _device_peak(dev) -> int | None:
    try:
        stats = dev.memory_stats()
    except Exception:
        return None
    return None if not stats else stats.get("peak_bytes_in_use")


def _cost(compiled) -> dict:
    try:
        ca = compiled.cost_analysis()
    except Exception:
        return {}
    if isinstance(ca, (list, tuple)):
        ca = ca[0] if ca else {}
    return dict(ca or {})


def _memory(compiled) -> dict:
    try:
        m = compiled.memory_analysis()
    except Exception:
        return {}
    if m is None:
        return {}
    keys = ("argument_size_in_bytes", "output_size_in_bytes", "alias_size_in_bytes",
            "temp_size_in_bytes", "generated_code_size_in_bytes")
    return {k: int(getattr(m, k, 0) or 0) for k in keys}


class CompileCounter:
    """Counts XLA backend compilations (jax.monitoring) while active."""

    EVENT = "/jax/core/compile/backend_compile_duration"
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            import jax.monitoring
            inst = super().__new__(cls)
            inst.active, inst.count = False, 0
            jax.monitoring.register_event_duration_secs_listener(inst._listen)
            cls._instance = inst
        return cls._instance

    def _listen(self, name: str, duration: float, **kwargs) -> None:
        if self.active and name == self.EVENT:
            self.count += 1

    def __enter__(self):
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc):
        self.active = False


def copy_bandwidth(device, mib: int = 256, repeat: int = 5) -> dict:
    """Bytes read + written per second by a donated, jitted ``x * a`` of ``mib`` MiB (float32)."""
    import jax
    import jax.numpy as jnp
    n = mib * 2 ** 20 // 4
    x = jax.device_put(jnp.ones((n,), jnp.float32), device)
    f = jax.jit(lambda x: x * jnp.float32(1.0000001), donate_argnums=(0,))
    x = f(x)
    x.block_until_ready()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        x = f(x)
        x.block_until_ready()
        best = min(best, time.perf_counter() - t0)
    nbytes = 2 * n * 4
    return {"array_bytes": n * 4, "best_s": best, "bytes_per_s": nbytes / best,
            "gb_per_s": nbytes / best / 1e9}


def hand_bytes_per_step(cells: int, itemsize: int, p_iters: float, t_iters: float,
                        energy: bool, v_iters: float = 1.0) -> float:
    """A hand count of the bytes one step must move, each array read or written once
    per use (no reuse between kernels), in units of cell arrays of ``itemsize`` bytes:

    - explicit terms, predictor, correction, residuals: the state (3 velocities, p, T,
      3 tendencies) read and written (16), the masks and boundary arrays read (9),
      advection/diffusion/divergence temporaries written and read once (20): 45;
    - the implicit viscous solve: 39 per Jacobi-CG iteration of 3 components (3 x 13),
      with the measured iterations per step;
    - each pressure MG-PCG iteration: operator apply 5, two dots 4, three axpys 9, and a
      V-cycle of 2+2 red-black sweeps (6 each), a residual (6), restriction and
      prolongation (3.25) on the fine grid, x 8/7 for the coarser levels: 56 in all;
    - energy (if solved): advection and conduction terms (15) plus 56 per MG-PCG iteration.
    """
    units = 45 + 39 * v_iters + 56 * p_iters + ((15 + 56 * t_iters) if energy else 0)
    return units * cells * itemsize


# ----------------------------------------------------------------------------- one run

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


def measure(case, device, bandwidth: dict | None = None, pressure: bool = True,
            label: str | None = None, size=None) -> dict:
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
    state_b, params_b = _leaves_bytes(out), _leaves_bytes(prm)
    cost = _cost(compiled)
    mem = _memory(compiled)
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
        "max_rss_bytes": _max_rss_bytes(), "device_peak_bytes": _device_peak(device),
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


def steps_for(cells: int, conf: dict) -> int:
    return int(min(conf["max_steps"], max(conf["min_steps"], conf["cell_steps"] // cells)))


def _cells_of(name: str, size) -> int:
    if name in ("cavity3d", "convection"):
        return int(size) ** 3
    from thermo.case import default_case_path, load_case
    base = load_case(default_case_path().parent / f"{rack_example()}.toml")
    return int(np.prod([max(2, int(round(c * size))) for c in base.data["domain"]["cells"]]))


# ----------------------------------------------------------------------------- sections

def run_case_set(conf: dict, devices, bandwidths: dict, precisions, log,
                 errors: list | None = None) -> list[dict]:
    rows = []
    for precision in ("float32", "float64"):   # float32 first: float64 turns on x64 for good
        if precision not in precisions:
            continue
        for dev in devices:
            for name, size, precs in conf["runs"]:
                if precision not in precs:
                    continue
                try:
                    steps = steps_for(_cells_of(name, size), conf)
                    case = make_case(name, size, precision, steps)
                    row = measure(case, dev, bandwidths.get(dev.platform), label=name, size=size,
                                  pressure=precision in conf.get("pressure_precisions", precisions))
                except Exception as exc:   # e.g. a case refused at this grid: report, go on
                    err = {"case": name, "size": size, "precision": precision,
                           "backend": dev.platform, "error": f"{type(exc).__name__}: {exc}"}
                    if errors is not None:
                        errors.append(err)
                    log(f"{dev.platform} {precision} {name} size {size}: FAILED {err['error'][:300]}")
                    continue
                rows.append(row)
                log(_row_line(row))
    return rows


def scaling(rows: Sequence[dict]) -> dict:
    """Cost per cell-step of the float32 cavity against size, relative to 32^3."""
    out = {"target_ratio": SCALING_TARGET, "by_backend": {}}
    for backend in sorted({r["backend"] for r in rows}):
        mine = sorted([r for r in rows if r["case"] == "cavity3d" and r["precision"] == "float32"
                       and r["backend"] == backend and r["size"] in SCALING_SIZES],
                      key=lambda r: r["cells"])
        if not mine:
            continue
        base = mine[0]
        pts = [{"n": r["size"], "cells": r["cells"], "ns_per_cell_step": r["ns_per_cell_step"],
                "pressure_iterations_per_step": r["pressure_iterations_per_step"],
                "ns_per_cell_pressure_iteration": r["ns_per_cell_step"] / max(
                    r["pressure_iterations_per_step"], 1e-30),
                "ratio": r["ns_per_cell_step"] / base["ns_per_cell_step"],
                # the same from the process's CPU seconds: on a shared machine the wall
                # time includes waiting for a core, CPU time does not
                "cpu_ns_per_cell_step": 1e9 * r["process_cpu_s"] / max(r["cells"] * r["steps"], 1),
                "cpu_ratio": (r["process_cpu_s"] / (r["cells"] * r["steps"]))
                / (base["process_cpu_s"] / (base["cells"] * base["steps"]))} for r in mine]
        worst = max(p["ratio"] for p in pts)
        worst_cpu = max(p["cpu_ratio"] for p in pts)
        out["by_backend"][backend] = {"points": pts, "worst_ratio": worst,
                                      "within_target": worst <= SCALING_TARGET,
                                      "worst_cpu_ratio": worst_cpu,
                                      "within_target_cpu": worst_cpu <= SCALING_TARGET}
    return out


def run_batch_section(conf: dict, log) -> dict | None:
    bc = conf.get("batch")
    if not bc:
        return None
    import jax
    from thermo.solver import Simulation
    from thermo.sweep import run_batch, run_one_by_one
    nv, steps = bc["variants"], bc["steps"]
    case = make_case("rack", bc["scale"], "float32", steps)
    sim = Simulation(case)
    factors = list(np.linspace(0.25, 2.0, nv))
    variants = [{"power": float(f)} for f in factors]
    t0 = time.perf_counter()
    run_batch(case, variants, sim=sim)        # compile + run
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    state, infos = run_batch(case, variants, sim=sim)
    jax.block_until_ready(state)
    batched = time.perf_counter() - t0
    run_one_by_one(case, variants[:1], sim=sim)   # compile the unbatched solver
    t0 = time.perf_counter()
    ref = run_one_by_one(case, variants, sim=sim)
    single = time.perf_counter() - t0
    diff = max(float(np.max(np.abs(np.asarray(s.T) - np.asarray(state.T[i]))))
               for i, (s, _) in enumerate(ref))
    total_steps = sum(i.steps for i in infos)
    res = {"case": case.data["case"]["name"], "grid": "x".join(map(str, sim.grid.cells)),
           "cells": int(np.prod(sim.grid.cells)), "precision": "float32", "variants": nv,
           "power_factors": factors, "steps": steps, "batched_first_call_s": first,
           "batched_s": batched, "one_by_one_s": single,
           "batched_variant_steps_per_s": total_steps / batched,
           "one_by_one_variant_steps_per_s": sum(i.steps for _, i in ref) / single,
           "speedup": single / batched, "max_abs_T_difference": diff,
           "pressure_iterations_per_step": [i.pressure_iterations for i in infos],
           "max_T": [float(np.max(np.asarray(state.T[i]))) for i in range(nv)]}
    log(f"batch: {nv} variants x {steps} steps of {res['case']} {res['grid']}: batched "
        f"{batched:.2f} s, one by one {single:.2f} s, speed-up {res['speedup']:.2f}x "
        f"(max |dT| {diff:.1e})")
    return res


def thermo_devahldavis(n: int, ra: float) -> dict:
    """Our time to a steady answer on the de Vahl Davis cavity (the bundled case,
    float64, steady tolerance 1e-6) and the hot-wall Nusselt number
    ``mean_j (1 - T[j, 0]) / (h / 2)`` (the wall-gradient definition of the peers)."""
    from thermo.case import default_case_path, load_case
    from thermo.solver import Simulation
    alpha = (1.0 / (ra * 0.71)) ** 0.5
    case = load_case(default_case_path().parent / "devahldavis.toml", [
        f"domain.cells=[{n},{n},1]", f"domain.size=[1.0,1.0,{1.0 / n}]",
        f"materials[0].conductivity={alpha!r}", f"materials[0].viscosity={0.71 * alpha!r}",
        f'case.name="dvd-ra{ra:g}-{n}"'])
    t0 = time.perf_counter()
    sim = Simulation(case)
    state, info = sim.run()
    wall = time.perf_counter() - t0
    T = np.asarray(state.T)                 # (nx, ny, 1), x first
    nu = float(np.mean((1.0 - T[0, :, 0]) / (0.5 / n)))
    return {"wall_s": wall, "setup_s": wall - info.wall_time, "solver_wall_s": info.wall_time,
            "compile_s": info.compile_time, "solve_s_approx": info.wall_time - info.compile_time,
            "steps": info.steps, "status": info.status, "s_per_step": info.wall_time / max(info.steps, 1),
            "pressure_iterations_per_step": info.pressure_iterations,
            "energy_iterations_per_step": info.energy_iterations, "nu": nu}


def run_peers(conf: dict, out_dir: pathlib.Path, log, openfoam: bool = True,
              thermo_run: bool | None = None) -> dict:
    from . import peers
    pc = conf["peers"]
    n, ra = pc["n"], pc["ra"]
    res: dict = {"n": n, "ra": ra}
    ref_nu = {1e3: 1.118, 1e4: 2.243, 1e5: 4.519, 1e6: 8.800}.get(ra)
    res["nu_reference"] = ref_nu
    err = lambda nu: None if ref_nu is None or nu is None else 100.0 * (nu / ref_nu - 1.0)
    if thermo_run is None:
        thermo_run = pc["thermo"]
    if thermo_run:
        try:
            res["thermo"] = th = thermo_devahldavis(n, ra)
            th["nu_error_pct"] = err(th["nu"])
            log(f"thermo dVD {n}x{n} Ra {ra:g}: {th['wall_s']:.1f} s to answer incl. compile "
                f"({th['steps']} steps, {th['status']}), Nu {th['nu']:.4f} "
                f"({th['nu_error_pct']:+.2f} %)")
        except Exception as exc:   # report, keep the other peers
            res["thermo"] = None
            res["thermo_error"] = f"{type(exc).__name__}: {exc}"
            log(f"thermo dVD run failed: {res['thermo_error']}")
    else:
        res["thermo"] = None
    found, msg = peers.openfoam_available() if openfoam else (False, "OpenFOAM peer not requested")
    res["openfoam_message"] = msg
    if found:
        try:
            of = peers.run_openfoam(out_dir / f"openfoam-dvd-{n}", n, ra)
            of["nu_error_pct"] = err(of["nu"])
            res["openfoam"] = of
            log(f"OpenFOAM {of['version']} dVD {n}x{n}: {of['wall_s']:.2f} s ({of['iterations']} "
                f"SIMPLE iterations), Nu {of['nu']:.4f} ({of['nu_error_pct']:+.2f} %)")
        except Exception as exc:  # a broken install should not sink the suite
            res["openfoam"] = None
            res["openfoam_message"] = f"OpenFOAM run failed: {exc}"
            log(res["openfoam_message"])
    else:
        res["openfoam"] = None
        log(msg)
    npr = peers.numpy_devahldavis(n, ra)
    npr["nu_error_pct"] = err(npr["nu"])
    res["numpy"] = npr
    log(f"NumPy dVD {n}x{n}: {npr['wall_s']:.2f} s ({npr['steps']} steps, "
        f"{1e3 * npr['s_per_step']:.3f} ms/step), Nu {npr['nu']:.4f} ({npr['nu_error_pct']:+.2f} %)")
    th = res["thermo"]
    if th:
        if res["openfoam"]:
            res["thermo_over_openfoam"] = th["wall_s"] / res["openfoam"]["wall_s"]
            if th.get("solve_s_approx"):
                res["thermo_solve_over_openfoam"] = th["solve_s_approx"] / res["openfoam"]["wall_s"]
        res["thermo_over_numpy"] = th["wall_s"] / npr["wall_s"]
        res["thermo_step_over_numpy_step"] = th["s_per_step"] / npr["s_per_step"]
        if th.get("solve_s_approx"):
            res["thermo_solve_over_numpy"] = th["solve_s_approx"] / npr["wall_s"]
        parts = [f"{k} {res[k]:.2f}x" for k in ("thermo_over_openfoam", "thermo_solve_over_openfoam",
                                                 "thermo_over_numpy", "thermo_solve_over_numpy",
                                                 "thermo_step_over_numpy_step") if k in res]
        log("time-to-answer ratios (thermo / peer): " + ", ".join(parts))
    return res


# ----------------------------------------------------------------------------- report

def _row_line(r: dict) -> str:
    pct = r.get("achieved_pct_hand")
    ps = r.get("pressure_solve_s")
    return (f"{r['backend']:>4} {r['precision']:>7} {r['case']:>10} {r['grid']:>11} "
            f"{r['cells']:>9,} {r['steps']:>4} {r['wall_s']:8.3f} s "
            f"{r['cell_updates_per_s'] / 1e6:7.3f} Mcell/s  compile {r['compile_s']:6.2f} s  "
            f"p-it {r['pressure_iterations_per_step']:5.2f}  "
            f"v-it {r.get('viscous_iterations_per_step', float('nan')):5.2f}  "
            f"p-solve {'-' if ps is None else f'{1e3 * ps:8.2f} ms'}  "
            f"B/cell {r['bytes_per_cell']:6.1f}  floor {'-' if pct is None else f'{pct:5.1f} %'}")


def plot(doc: dict, path: pathlib.Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = doc["rows"]
    fig, ax = plt.subplots(2, 2, figsize=(12, 9))
    a = ax[0, 0]
    for key in sorted({(r["backend"], r["case"], r["precision"]) for r in rows}):
        pts = sorted([r for r in rows if (r["backend"], r["case"], r["precision"]) == key],
                     key=lambda r: r["cells"])
        a.plot([r["cells"] for r in pts], [r["cell_updates_per_s"] / 1e6 for r in pts],
               "o-" if key[2] == "float32" else "s--", label=" ".join(key))
    a.set_xscale("log")
    a.set_xlabel("cells")
    a.set_ylabel("million cell updates / s")
    a.set_title("throughput")
    a.legend(fontsize=7)
    a = ax[0, 1]
    for backend, sc in doc.get("scaling", {}).get("by_backend", {}).items():
        pts = sc["points"]
        a.plot([p["cells"] for p in pts], [p["ns_per_cell_step"] for p in pts], "o-",
               label=f"{backend} cavity float32")
        base = pts[0]["ns_per_cell_step"]
        a.axhline(base * SCALING_TARGET, ls=":", c="gray")
        a.axhline(base, ls="--", c="gray", label="linear (and 1.3x)")
    a.set_xscale("log")
    a.set_xlabel("cells")
    a.set_ylabel("ns per cell-step")
    a.set_title("scaling")
    if a.get_legend_handles_labels()[0]:
        a.legend(fontsize=7)
    a = ax[1, 0]
    labels = [f"{r['case']} {r['grid']}\n{r['precision']}" for r in rows]
    x = np.arange(len(rows))
    a.bar(x - 0.2, [r.get("achieved_pct_hand") or 0 for r in rows], 0.4, label="hand count")
    a.bar(x + 0.2, [r.get("achieved_pct_xla") or 0 for r in rows], 0.4, label="XLA bytes (loops once)")
    a.set_xticks(x, labels, rotation=90, fontsize=6)
    a.set_ylabel("achieved / bandwidth floor (%)")
    a.set_title("roofline")
    a.legend(fontsize=7)
    a = ax[1, 1]
    peers = doc.get("peers") or {}
    names, vals = [], []
    for k in ("thermo", "openfoam", "numpy"):
        if peers.get(k):
            names.append(k)
            vals.append(peers[k]["wall_s"])
    b = doc.get("batch")
    if b:
        names += ["batch (vmap)", "one by one"]
        vals += [b["batched_s"], b["one_by_one_s"]]
    a.bar(names, vals, color=["C0", "C1", "C2", "C3", "C4"][:len(vals)])
    a.set_ylabel("seconds")
    a.set_title(f"dVD {peers.get('n')}^2 time to answer; batch of {b['variants'] if b else 0}")
    fig.suptitle(f"thermo benchmark suite ({doc['config']}) {doc['machine']['timestamp']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def markdown(doc: dict) -> str:
    """The measured numbers of a suite.json as Markdown tables (for RESULTS.md)."""
    m = doc["machine"]
    out = [f"Run `{doc['config']}` at {m['timestamp']}: jax {m['jax']}, Python {m['python']}, "
           f"{m['cpu_count']} CPUs, devices {', '.join(d['platform'] + ' (' + d['kind'] + ')' for d in m['devices'])}, "
           f"load average at start {', '.join(f'{x:.1f}' for x in (m.get('load_average') or []))}; "
           f"total {doc.get('total_s', float('nan')):.0f} s wall"
           + (f", {doc['total_process_cpu_s']:.0f} s process CPU." if doc.get("total_process_cpu_s")
              else "."), ""]
    for backend, bw in doc["bandwidth"].items():
        out.append(f"Copy bandwidth ({backend}, donated jitted scale of {bw['array_bytes'] / 2**20:.0f} MiB, "
                   f"read + write): **{bw['gb_per_s']:.1f} GB/s**.")
    out += ["", "| backend | precision | case | grid | cells | steps | wall s | CPU s | Mcell-upd/s | "
            "ns/cell-step | lower s | compile s | p-it/step | p-solve ms | T-it/step | v-it/step | B/cell (State+Params) | "
            "XLA peak B/cell | XLA B/step | hand B/step | floor ms/step (hand) | achieved/floor % (hand) | "
            "achieved/floor % (XLA) |", "|" + "---|" * 23]
    f = lambda v, fmt: "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt.format(v)
    for r in doc["rows"]:
        out.append("| " + " | ".join([
            r["backend"], r["precision"], r["case"], r["grid"], f"{r['cells']:,}", str(r["steps"]),
            f(r["wall_s"], "{:.3f}"), f(r.get("process_cpu_s"), "{:.2f}"),
            f(r["cell_updates_per_s"] / 1e6, "{:.3f}"), f(r["ns_per_cell_step"], "{:.0f}"),
            f(r["lower_s"], "{:.2f}"), f(r["compile_s"], "{:.1f}"),
            f(r["pressure_iterations_per_step"], "{:.2f}"),
            f(None if r.get("pressure_solve_s") is None else 1e3 * r["pressure_solve_s"], "{:.2f}"),
            f(r["energy_iterations_per_step"], "{:.2f}"),
            f(r.get("viscous_iterations_per_step"), "{:.2f}"), f(r["bytes_per_cell"], "{:.0f}"),
            f(r.get("xla_peak_bytes_per_cell"), "{:.0f}"),
            f(r.get("xla_bytes_accessed"), "{:.3g}"), f(r.get("hand_bytes_per_step"), "{:.3g}"),
            f(None if r.get("floor_s_per_step_hand") is None else 1e3 * r["floor_s_per_step_hand"], "{:.3f}"),
            f(r.get("achieved_pct_hand"), "{:.1f}"), f(r.get("achieved_pct_xla"), "{:.1f}")]) + " |")
    for e in doc.get("errors") or []:
        out.append(f"\nFailed: {e['backend']} {e['precision']} {e['case']} size {e['size']}: {e['error']}")
    for backend, sc in doc.get("scaling", {}).get("by_backend", {}).items():
        out += ["", f"Scaling ({backend}, cavity, float32; target <= {SCALING_TARGET}x of 32^3 per cell-step):", "",
                "| grid | cells | wall ns/cell-step | x 32^3 | CPU ns/cell-step | x 32^3 | p-it/step | "
                "wall ns/cell/p-iteration |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p in sc["points"]:
            out.append(f"| {p['n']}^3 | {p['cells']:,} | {p['ns_per_cell_step']:.0f} | {p['ratio']:.2f} | "
                       f"{p.get('cpu_ns_per_cell_step', float('nan')):.0f} | {p.get('cpu_ratio', float('nan')):.2f} | "
                       f"{p['pressure_iterations_per_step']:.2f} | {p['ns_per_cell_pressure_iteration']:.0f} |")
    b = doc.get("batch")
    if b:
        out += ["", f"Batch: {b['variants']} power levels ({min(b['power_factors']):.2f}-"
                f"{max(b['power_factors']):.2f}x) of {b['case']} {b['grid']} ({b['cells']:,} cells), "
                f"{b['steps']} steps, float32: one vmapped call {b['batched_s']:.2f} s "
                f"({b['batched_variant_steps_per_s']:.0f} variant-steps/s; first call with compile "
                f"{b['batched_first_call_s']:.1f} s), one by one {b['one_by_one_s']:.2f} s "
                f"({b['one_by_one_variant_steps_per_s']:.0f} variant-steps/s): **speed-up "
                f"{b['speedup']:.2f}x**; max |T batched - T alone| {b['max_abs_T_difference']:.1e} K."]
    pe = doc.get("peers")
    if pe:
        out += ["", f"de Vahl Davis Ra {pe['ra']:g}, {pe['n']}x{pe['n']}, to a steady answer "
                f"(reference Nu {pe['nu_reference']}):", "",
                "| solver | time to answer s | steps / iterations | s per step | Nu | Nu error % |",
                "|---|---:|---:|---:|---:|---:|"]
        th, of, npr = pe.get("thermo"), pe.get("openfoam"), pe.get("numpy")
        if th:
            out.append(f"| thermo (incl. setup + compile) | {th['wall_s']:.1f} | {th['steps']} | "
                       f"{1e3 * th['s_per_step']:.2f} ms | {th['nu']:.4f} | {th['nu_error_pct']:+.2f} |")
            out.append(f"| thermo, compile excluded (approx.) | {th['solve_s_approx']:.1f} | | | | |")
        if of:
            out.append(f"| OpenFOAM {of['version']} {of['solver']} | {of['wall_s']:.2f} | {of['iterations']} | "
                       f"{1e3 * of['wall_s'] / max(of['iterations'] or 1, 1):.2f} ms | {of['nu']:.4f} | "
                       f"{of['nu_error_pct']:+.2f} |")
        else:
            out.append(f"| OpenFOAM | skipped: {pe.get('openfoam_message')} | | | | |")
        if npr:
            out.append(f"| NumPy reference | {npr['wall_s']:.2f} | {npr['steps']} | "
                       f"{1e3 * npr['s_per_step']:.3f} ms | {npr['nu']:.4f} | {npr['nu_error_pct']:+.2f} |")
        ratios = [f"{k.replace('_', ' ')} **{pe[k]:.1f}x**" for k in (
            "thermo_over_openfoam", "thermo_solve_over_openfoam", "thermo_over_numpy",
            "thermo_solve_over_numpy", "thermo_step_over_numpy_step") if pe.get(k)]
        if ratios:
            out += ["", "Ratios (thermo / peer): " + ", ".join(ratios) + "."]
    return "\n".join(out)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m thermo.bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="the few-minute CPU configuration")
    p.add_argument("--config", choices=sorted(CONFIGS), default=None,
                   help="configuration (default full, or quick with --quick)")
    p.add_argument("-o", "--out", type=pathlib.Path, default=None, metavar="DIR",
                   help="output folder for suite.json and suite.png (default benchmarks/out in "
                        "the repository root, else ./bench-out)")
    p.add_argument("--precision", choices=("float32", "float64", "both"), default="both")
    p.add_argument("--no-openfoam", action="store_true", help="skip the OpenFOAM peer")
    p.add_argument("--no-peers", action="store_true", help="skip the de Vahl Davis peers")
    p.add_argument("--no-batch", action="store_true", help="skip the batch section")
    p.add_argument("--markdown", type=pathlib.Path, default=None, metavar="JSON",
                   help="only print the tables of an existing suite.json as Markdown")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.markdown is not None:
        print(markdown(json.loads(args.markdown.read_text())))
        return 0
    name = args.config or ("quick" if args.quick else "full")
    conf = CONFIGS[name]
    out_dir = args.out if args.out is not None else default_out()
    out_dir.mkdir(parents=True, exist_ok=True)
    precisions = ("float32", "float64") if args.precision == "both" else (args.precision,)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}", flush=True)

    import jax
    devices = []
    for backend in ("cpu", "gpu", "tpu"):
        try:
            devices.append(jax.devices(backend)[0])
        except RuntimeError:
            pass
    for d in jax.devices():
        if d.platform not in {x.platform for x in devices}:
            devices.append(d)
    log(f"thermo benchmark suite ({name}): jax {jax.__version__}, backends "
        f"{', '.join(f'{d.platform} ({d.device_kind})' for d in devices)}, {os.cpu_count()} CPUs")
    bandwidths = {}
    for dev in devices:
        bandwidths[dev.platform] = bw = copy_bandwidth(dev, conf["bandwidth_mib"])
        log(f"{dev.platform} copy bandwidth: {bw['gb_per_s']:.1f} GB/s (read + write)")
    doc: dict = {
        "benchmark": "suite", "config": name,
        "machine": {"platform": platform.platform(), "python": platform.python_version(),
                    "jax": jax.__version__, "cpu_count": os.cpu_count(),
                    "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                    "devices": [{"platform": d.platform, "kind": d.device_kind} for d in devices],
                    "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")},
        "bandwidth": bandwidths, "rows": [], "errors": [], "scaling": {}, "batch": None,
        "peers": None,
    }
    path = out_dir / "suite.json"

    def write() -> None:   # after each section: a crash later keeps what was measured
        doc["max_rss_bytes"] = _max_rss_bytes()
        path.write_text(json.dumps(doc, indent=2, default=float) + "\n")

    # float32 work first (rows, then the float32 batch): a float64 run turns on
    # jax_enable_x64 for the rest of the process
    rows = doc["rows"]
    rows += run_case_set(conf, devices, bandwidths, tuple(p for p in precisions if p == "float32"),
                         log, doc["errors"])
    write()
    if not args.no_batch and "float32" in precisions:
        try:
            doc["batch"] = run_batch_section(conf, log)
        except Exception as exc:
            doc["batch_error"] = f"{type(exc).__name__}: {exc}"
            log(f"batch section failed: {doc['batch_error'][:300]}")
        write()
    rows += run_case_set(conf, devices, bandwidths, tuple(p for p in precisions if p == "float64"),
                         log, doc["errors"])
    doc["scaling"] = scaling(rows)
    for backend, sc in doc["scaling"]["by_backend"].items():
        log(f"scaling ({backend}): " + ", ".join(
            f"{p['n']}^3 {p['ns_per_cell_step']:.0f} ns ({p['ratio']:.2f}x, "
            f"{p['pressure_iterations_per_step']:.1f} p-it)" for p in sc["points"])
            + f"; target <= {SCALING_TARGET}x: {'met' if sc['within_target'] else 'MISSED'} "
            f"(CPU time: worst {sc['worst_cpu_ratio']:.2f}x)")
    write()
    doc["peers"] = None if args.no_peers or not conf.get("peers") else run_peers(conf, out_dir, log,
                                                          openfoam=not args.no_openfoam)
    doc["total_s"] = time.perf_counter() - t_start
    doc["total_process_cpu_s"] = time.process_time()   # this process, all threads (not OpenFOAM)
    write()
    plot(doc, out_dir / "suite.png")
    log(f"wrote {path} and {out_dir / 'suite.png'}")
    bad = [r for r in rows if r["status"] == "diverged"]
    return 1 if bad or doc["errors"] else 0
