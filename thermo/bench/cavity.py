"""Throughput of the flow solver on the 3-D lid-driven cavity (the bundled default case).

Each run is a fixed number of steps (steady mode with an unreachable tolerance),
so runs of one size are comparable across machines and precisions. Every
(precision, size) pair is run twice with the same settings and grid: a short
warm-up run that compiles the solver, then the timed run, which must find the
compiled function in the solver's cache. The warm-up's first device call is
reported as the compile time; the timed run's first-call time and the number of
XLA compilations seen during it are reported as evidence that it did not
recompile.

Pressure tolerance: float64 runs use the case's ``solver.pressure_tolerance``
(1e-8 for the bundled cavity). That is below float32 round-off, so float32 runs
use ``FLOAT32_PRESSURE_TOLERANCE`` instead unless ``--pressure-tolerance`` sets
one value for both; each row records the tolerance it ran with.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import pathlib
import platform
import sys
from typing import Sequence

from .paths import default_out
from .suite_config import UNREACHABLE_TOLERANCE

DEFAULT_SIZES = (16, 32, 48)
DEFAULT_STEPS = 200
QUICK_SIZES = (8, 12)
QUICK_STEPS = 20
WARMUP_STEPS = 2
# float32 first: a float64 run switches on jax_enable_x64 for the whole process,
# and a float32 run is meant to be timed the way a float32 case normally runs.
PRECISIONS = ("float32", "float64")
# float32 epsilon is 1.2e-7: asking its CG for 1e-8 stalls it at the iteration cap
FLOAT32_PRESSURE_TOLERANCE = 1e-6

_COLUMNS = [  # (header, key, format, width)
    ("precision", "precision", "{}", 9),
    ("grid", "grid", "{}", 11),
    ("cells", "cells", "{:,}", 9),
    ("steps", "steps", "{}", 5),
    ("result", "result", "{}", 9),
    ("wall s", "wall_s", "{:.3f}", 8),
    ("compile s", "compile_s", "{:.2f}", 9),
    ("1st call s", "timed_first_call_s", "{:.3f}", 10),
    ("recompiles", "timed_compilations", "{}", 10),
    ("Mcell-upd/s", "mcell_updates_per_s", "{:.3f}", 11),
    ("p-tol", "pressure_tolerance", "{:.0e}", 5),
    ("p-iter/step", "pressure_iterations", "{:.2f}", 11),
    ("ns/cell-upd", "ns_per_cell_update", "{:.0f}", 11),
    ("B/cell", "bytes_per_cell", "{:.1f}", 6),
]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m thermo.bench",
        description="Time the flow solver on the 3-D lid-driven cavity at several grid sizes.",
        epilog="This is the default benchmark (also `python -m thermo.bench cavity ...`); see "
               "`python -m thermo.bench devahldavis --help` for the de Vahl Davis "
               "time-to-steady-answer benchmark.")
    p.add_argument("--sizes", type=int, nargs="+", metavar="N",
                   help=f"cells per side of the N^3 grids (default {' '.join(map(str, DEFAULT_SIZES))})")
    p.add_argument("--steps", type=int, metavar="K",
                   help=f"time steps per timed run (default {DEFAULT_STEPS})")
    p.add_argument("--precision", choices=("float32", "float64", "both"), default="both",
                   help="floating-point precision of the runs (default both)")
    p.add_argument("--pressure-tolerance", type=float, default=None, metavar="TOL",
                   help="pressure solver tolerance for every run (default: the case's for "
                        f"float64, {FLOAT32_PRESSURE_TOLERANCE:g} for float32)")
    p.add_argument("--scheme", choices=("march", "implicit"), default="march",
                   help="the steady scheme: time steps of the march (default) or iterations of "
                        "the implicit steady solver (each one momentum, pressure and energy "
                        "solves: the cost per iteration against grid size)")
    p.add_argument("--repeat", type=int, default=1, metavar="R",
                   help="timed runs per grid; the fastest is reported (default 1)")
    p.add_argument("--quick", action="store_true",
                   help=f"a smoke run: sizes {' '.join(map(str, QUICK_SIZES))}, {QUICK_STEPS} steps "
                        "(explicit --sizes/--steps still win)")
    p.add_argument("--out", type=pathlib.Path, default=None, metavar="DIR",
                   help="folder for cavity.json (default benchmarks/out in the repository root, "
                        "else ./bench-out)")
    return p


def _overrides(n: int, steps: int, precision: str, p_tol: float | None = None,
               scheme: str = "march") -> list[str]:
    extra = [] if p_tol is None else [f"solver.pressure_tolerance={p_tol!r}"]
    return extra + [
        f'solver.scheme="{scheme}"',
        f"domain.cells=[{n},{n},{n}]",
        'solver.mode="steady"',
        f"solver.tolerance={UNREACHABLE_TOLERANCE!r}",   # every run takes exactly `steps` steps
        f"solver.max_steps={steps}",
        f"solver.steps_per_call={steps}",
        f'solver.precision="{precision}"',
    ]


class _CompileCounter:
    """Counts XLA backend compilations while active (jax.monitoring events)."""

    EVENT = "/jax/core/compile/backend_compile_duration"

    def __init__(self) -> None:
        import jax.monitoring
        self.active = False
        self.count = 0
        jax.monitoring.register_event_duration_secs_listener(self._listen)

    def _listen(self, name: str, duration: float, **kwargs) -> None:
        if self.active and name == self.EVENT:
            self.count += 1

    def __enter__(self) -> "_CompileCounter":
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc) -> None:
        self.active = False


def run_one(n: int, steps: int, precision: str, repeat: int = 1,
            counter: _CompileCounter | None = None, pressure_tolerance: float | None = None,
            scheme: str = "march") -> dict:
    """Warm up, then time ``steps`` steps (implicit: iterations) of the N^3 cavity;
    return one result row."""
    import jax

    from thermo.case import example_path, load_case
    from thermo.solver import Simulation

    path = example_path("cavity3d")
    p_tol = pressure_tolerance
    if p_tol is None and precision == "float32":
        p_tol = FLOAT32_PRESSURE_TOLERANCE
    warm_case = load_case(path, _overrides(n, min(WARMUP_STEPS, steps), precision, p_tol, scheme))
    _, warm = Simulation(warm_case).run()

    case = load_case(path, _overrides(n, steps, precision, p_tol, scheme))
    best = None
    compilations = 0
    for _ in range(max(repeat, 1)):
        sim = Simulation(case)
        if counter is not None:
            with counter:
                state, info = sim.run()
            compilations += counter.count
        else:
            state, info = sim.run()
        if best is None or info.wall_time < best[1].wall_time:
            best = (state, info)
    state, info = best

    cells = n ** 3
    state_bytes = sum(int(leaf.nbytes) for leaf in jax.tree_util.tree_leaves(state))
    rate = cells * info.steps / info.wall_time if info.wall_time > 0 else float("nan")
    dev = jax.devices()[0]
    return {
        "case": "cavity3d",
        "scheme": scheme,
        "backend": jax.default_backend(),
        "device_kind": dev.device_kind,
        "device_count": jax.device_count(),
        "precision": precision,
        "x64_enabled": bool(jax.config.jax_enable_x64),
        "grid": f"{n}x{n}x{n}",
        "cells": cells,
        "steps": info.steps,
        "status": info.status,          # solver status: "running" = stopped at the step cap
        "result": "ok" if info.steps == steps and info.status == "running" else info.status,
        "wall_s": info.wall_time,
        "compile_s": warm.compile_time,
        "warmup_steps": warm.steps,
        "timed_first_call_s": info.compile_time,
        "timed_compilations": compilations if counter is not None else None,
        "cell_updates_per_s": rate,
        "mcell_updates_per_s": rate / 1e6,
        "ns_per_cell_update": 1e9 / rate if rate > 0 else float("nan"),
        "pressure_tolerance": case.data["solver"]["pressure_tolerance"],
        "pressure_iterations": info.pressure_iterations,
        "state_bytes": state_bytes,
        "bytes_per_cell": state_bytes / cells,
        "repeat": max(repeat, 1),
        "jax_version": jax.__version__,
        "python_version": platform.python_version(),
        "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _format_row(row: dict) -> list[str]:
    out = []
    for _, key, fmt, _ in _COLUMNS:
        v = row.get(key)
        out.append("-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt.format(v))
    return out


def format_table(rows: Sequence[dict]) -> str:
    """The result rows as a fixed-width text table."""
    head = [h for h, _, _, _ in _COLUMNS]
    body = [_format_row(r) for r in rows]
    widths = [max(len(h), w) for h, _, _, w in _COLUMNS]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cavity benchmark; print a table and write DIR/cavity.json. Returns the exit code."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    if (steps < 1 or any(n < 2 for n in sizes) or args.repeat < 1
            or (args.pressure_tolerance is not None and not args.pressure_tolerance > 0)):
        print("error: --steps and --repeat must be >= 1, every --sizes entry >= 2 and "
              "--pressure-tolerance > 0", file=sys.stderr)
        return 2
    precisions = PRECISIONS if args.precision == "both" else (args.precision,)
    out_dir = args.out if args.out is not None else default_out()

    import jax

    print(f"thermo cavity benchmark: jax {jax.__version__}, backend {jax.default_backend()}, "
          f"device {jax.devices()[0].device_kind} x{jax.device_count()}, "
          f"{steps} steps per run, sizes {' '.join(map(str, sizes))}")
    counter = _CompileCounter()
    rows = []
    head = format_table([]).splitlines()
    print("\n".join(head), flush=True)
    for precision in precisions:
        for n in sizes:
            row = run_one(n, steps, precision, repeat=args.repeat, counter=counter,
                          pressure_tolerance=args.pressure_tolerance, scheme=args.scheme)
            rows.append(row)
            print(format_table([row]).splitlines()[-1], flush=True)

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / ("cavity.json" if args.scheme == "march" else f"cavity-{args.scheme}.json")
    doc = {
        "benchmark": "cavity3d",
        "description": "3-D lid-driven cavity, Re 100, fixed step count per run; "
                       "compile time excluded from wall_s",
        "scheme": args.scheme,
        "steps": steps,
        "sizes": list(sizes),
        "rows": rows,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {path}")
    bad = [r for r in rows if r["result"] != "ok" or not math.isfinite(r["cell_updates_per_s"])]
    if bad:
        print(f"error: {len(bad)} run(s) did not take {steps} steps "
              f"(status {', '.join(r['status'] for r in bad)})", file=sys.stderr)
        return 1
    return 0
