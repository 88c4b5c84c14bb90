"""Strong and weak scaling of the sharded step (solver.devices) on forced CPU devices.

    python benchmarks/scaling.py [--devices 1,2,4,8] [--strong 32] [--weak 16] [--steps 5]
                                 [--json FILE]

A heated duct (a powered aluminium block in an air stream, buoyancy on) on an n^3
grid: the time march (one time step) and the implicit steady scheme (one
iteration), each on 1, 2, 4 and 8 devices. Strong scaling keeps the grid at
``--strong`` cells per side; weak scaling gives every device ``--weak``^3 cells
(the grid doubles along x, then y, then z). Each row: cell-updates per second
(cells x steps / s, after a first call that compiles and warms up), the time
against the 1-device row, the collectives in the compiled step (XLA's
all-gathers, collective-permutes = halo exchanges, all-reduces = dot products),
and the share of each device's time spent in them: from a profile of the timed
steps (``jax.profiler``), the union of the collectives' intervals on each device
(their rendezvous waits included: a device that waits for another is
synchronising, not computing) over that device's busy span, averaged over the devices.

Forced CPU devices (``--xla_force_host_platform_device_count``) share the
machine's cores: on 2 cores, N devices do not compute N times as fast, so the
ratio to 1 device measures what the split adds (exchanges, partitioning), not a
speed-up. The inner solves' iteration caps are fixed so that every row does the
same work per step.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import re
import sys
import tempfile
import time

N_FORCED = 8
if "jax" not in sys.modules:
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                               + f" --xla_force_host_platform_device_count={N_FORCED}")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

jax.config.update("jax_enable_x64", True)

from thermo.case import case_from_dict  # noqa: E402
from thermo.solver import Simulation  # noqa: E402
from thermo.solver import sharding  # noqa: E402
from thermo.solver.step import compiled_advance  # noqa: E402


def duct(cells, devices: int, scheme: str) -> dict:
    """The heated duct on ``cells``; every inner solve runs exactly its cap
    (tolerances far below reach) so that rows compare equal work."""
    size = [0.2 * c / cells[0] for c in cells]
    solver = {"devices": devices, "pressure_tolerance": 1e-30, "pressure_max_iterations": 20,
              "viscous_tolerance": 1e-30, "viscous_max_iterations": 5,
              "energy_tolerance": 1e-30, "energy_max_iterations": 5, "steps_per_call": 1000,
              "max_steps": 10 ** 6}
    solver |= ({"mode": "transient", "end_time": 1e6, "dt": 1e-3} if scheme == "march"
               else {"scheme": "implicit", "tolerance": 1e-30})
    return {
        "case": {"name": "scaling-duct"},
        "domain": {"size": size, "cells": list(cells)},
        "fluid": {"material": "air"},
        "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 20.0,
                   "box": {"min": [0.35 * size[0], 0.0, 0.0],
                           "max": [0.6 * size[0], 0.5 * size[1], 0.5 * size[2]]}}],
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "velocity": [0.5, 0.0, 0.0],
             "temperature": 20.0},
            {"name": "out", "face": "x+", "flow": "outlet"}],
        "physics": {"buoyancy": True},
        "solver": solver,
    }


def collectives(sim: Simulation, adv, state) -> dict:
    """Counts of the collectives in the compiled step's HLO (the persistent cache set in
    main makes this compile a cache hit)."""
    if sim.mesh is None:
        return {}
    text = adv.jitted.lower(sharding.place(sim.params, sim.mesh), state, jnp.int32(1),
                            jnp.asarray(1e9, sim.dtype)).compile().as_text()
    found = re.findall(r"= \S+ (all-reduce|collective-permute|all-gather|all-to-all)(?:-start)?\(",
                       text)
    return {k: found.count(k) for k in sorted(set(found))}


COLLECTIVE = re.compile(r"^(all-gather|collective-permute|all-reduce|all-to-all|reduce-scatter)"
                        r"(-start|-done)?(\.\d+)?$")


def union_length(spans: list[tuple[float, float]]) -> float:
    """Total length covered by the intervals ``spans`` (overlaps counted once)."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b > end:
            total += b - max(a, end)
            end = b
    return total


def communication_share(trace_dir: str) -> float:
    """Mean over devices of (time inside collectives) / (the device's busy span), from
    the Perfetto trace ``jax.profiler`` wrote under ``trace_dir``; NaN without events."""
    found = glob.glob(os.path.join(trace_dir, "**", "perfetto_trace.json.gz"), recursive=True)
    if not found:
        return float("nan")
    with gzip.open(found[0]) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    busy: dict[str, list] = {}
    comm: dict[str, list] = {}
    for e in events:
        device = (e.get("args") or {}).get("device_ordinal")
        if e.get("ph") != "X" or device is None:
            continue
        span = (e["ts"], e["ts"] + e["dur"])
        busy.setdefault(device, []).append(span)
        if COLLECTIVE.match(e["name"]):
            comm.setdefault(device, []).append(span)
    shares = [union_length(comm.get(d, [])) / (max(b for _, b in s) - min(a for a, _ in s))
              for d, s in busy.items()]
    return sum(shares) / len(shares) if shares else float("nan")


def measure(cells, devices: int, scheme: str, steps: int) -> dict:
    sim = Simulation(case_from_dict(duct(cells, devices, scheme)))
    state = sim.initial_state()
    adv = (compiled_advance(sim.settings) if sim.mesh is None else
           sharding.compiled_sharded_advance(sim.settings, sim.mesh, sim.params, state))
    t_stop = jnp.asarray(1e9, sim.dtype)
    t0 = time.perf_counter()
    state = jax.block_until_ready(adv(sim.params, state, jnp.int32(1), t_stop))
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = jax.block_until_ready(adv(sim.params, state, jnp.int32(1 + steps), t_stop))
    wall = time.perf_counter() - t0
    n = sim.grid.cells[0] * sim.grid.cells[1] * sim.grid.cells[2]
    assert int(state.step) == 1 + steps, (int(state.step), int(state.status))
    share = 0.0
    if sim.mesh is not None:  # a separate, profiled call: the profiler slows the steps
        with tempfile.TemporaryDirectory(prefix="thermo-trace-") as trace:
            with jax.profiler.trace(trace, create_perfetto_trace=True):
                state = jax.block_until_ready(adv(sim.params, state, jnp.int32(1 + 2 * steps), t_stop))
            share = communication_share(trace)
    return {"scheme": scheme, "devices": devices, "cells": list(sim.grid.cells),
            "mesh": list(sharding.axis_counts(sim.mesh)), "first_call_s": round(first, 2),
            "s_per_step": wall / steps, "cell_updates_per_s": n * steps / wall,
            "communication_share": share,
            "collectives": collectives(sim, adv, state)}


def weak_cells(per: int, devices: int) -> tuple[int, int, int]:
    cells = [per, per, per]
    axis = 0
    while cells[0] * cells[1] * cells[2] < per ** 3 * devices:
        cells[axis] *= 2
        axis = (axis + 1) % 3
    return tuple(cells)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", default="1,2,4,8")
    ap.add_argument("--strong", type=int, default=32, help="cells per side, strong scaling (0: none)")
    ap.add_argument("--weak", type=int, default=16, help="cells per side per device, weak (0: none)")
    ap.add_argument("--steps", type=int, default=5, help="timed steps per row")
    ap.add_argument("--schemes", default="march,implicit")
    ap.add_argument("--weak-schemes", default="march")
    ap.add_argument("--json", help="write the rows here")
    a = ap.parse_args(argv)
    cache = tempfile.mkdtemp(prefix="thermo-scaling-")  # the HLO read back without recompiling
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    counts = [int(x) for x in a.devices.split(",")]
    rows = []
    print(f"jax {jax.__version__}, {len(jax.devices())} forced CPU devices on {os.cpu_count()} cores")
    for kind, size in (("strong", a.strong), ("weak", a.weak)):
        if not size:
            continue
        for scheme in (a.schemes if kind == "strong" else a.weak_schemes).split(","):
            base = None
            for d in counts:
                cells = (size,) * 3 if kind == "strong" else weak_cells(size, d)
                r = measure(cells, d, scheme, a.steps) | {"kind": kind}
                base = base or r
                # strong: time per step against 1 device; weak: time per step per cell
                r["vs_1_device"] = (r["s_per_step"] / base["s_per_step"] if kind == "strong" else
                                    base["cell_updates_per_s"] / r["cell_updates_per_s"])
                rows.append(r)
                print(f"{kind:6} {scheme:8} {d} dev mesh {r['mesh']} cells {r['cells']}: "
                      f"{r['cell_updates_per_s']:.3e} cell-updates/s, {r['s_per_step'] * 1e3:.1f} ms/step, "
                      f"x{r['vs_1_device']:.2f} of 1 device, {100 * r['communication_share']:.0f} % in collectives, first call {r['first_call_s']} s, "
                      f"{r['collectives']}", flush=True)
                if a.json:
                    with open(a.json, "w") as f:
                        json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
