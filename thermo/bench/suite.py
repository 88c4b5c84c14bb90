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

The modules: ``suite_config`` (configurations, the case set), ``probes`` and
``measurement`` (one measured run), ``suite_sections`` (the case set, scaling, batch
and peers sections), ``suite_report`` (log lines, plot, Markdown); this module is the
command, and its names stay importable from here.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import pathlib
import platform
import sys
import time
from typing import Sequence

from thermo.bench.measurement import measure
from thermo.bench.paths import default_out
from thermo.bench.probes import CompileCounter, copy_bandwidth, hand_bytes_per_step, max_rss_bytes
from thermo.bench.suite_config import (CONFIGS, RACK_EXAMPLES, SCALING_SIZES, SCALING_TARGET, make_case,
                                       rack_example, steps_for)
from thermo.bench.suite_report import markdown, plot
from thermo.bench.suite_sections import (run_batch_section, run_case_set, run_peers, scaling,
                                         thermo_devahldavis)

__all__ = ["CONFIGS", "CompileCounter", "RACK_EXAMPLES", "SCALING_SIZES", "SCALING_TARGET", "copy_bandwidth",
           "hand_bytes_per_step", "main", "make_case", "markdown", "measure", "plot", "rack_example",
           "run_batch_section", "run_case_set", "run_peers", "scaling", "steps_for", "thermo_devahldavis"]


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
    """Run the suite (``--markdown JSON``: only print a suite.json's tables); returns the
    exit code: 1 when a run diverged or failed."""
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
        doc["max_rss_bytes"] = max_rss_bytes()
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
