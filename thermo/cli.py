"""The `thermo` command line: run and check cases, validation, benchmarks, pictures, reports.

Exit codes: 0 success, 1 validation failures, 2 a refused case or command.
"""
from __future__ import annotations

import argparse
import importlib
import os
import pathlib
import sys
from collections.abc import Sequence
from typing import Any

from thermo.version import __version__
from thermo.case import Case, CaseError, default_case_path, example_names, example_path, load_case
from thermo.devices import device_for

RESULT_FILES = ("summary.json", "result.vtkhdf", "result.h5")


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="thermo", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"thermo {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a case and write result.vtkhdf and summary.json")
    run.add_argument("case", nargs="?", help="case file (default: the bundled 60 kW air-cooled rack, air-rack-60kw)")
    run.add_argument("--example", metavar="NAME",
                     help="a bundled example case instead of a file: " + ", ".join(example_names()))
    run.add_argument("-o", "--outdir", help="output folder (default: out/<case name>)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override a case value, e.g. --set domain.cells=[64,64,1] (repeatable)")
    run.add_argument("--overwrite", action="store_true", help="replace existing results in OUTDIR")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument("--resume", metavar="OUTDIR",
                     help="continue from OUTDIR/checkpoint.h5 (written with solver.checkpoint_every)"
                          " and write the results there; the case may change only when it stops"
                          " (solver.max_steps, end_time, tolerance, monitor_tolerance,"
                          " average_tolerance, checkpoint_every)")
    run.add_argument("--map-from", metavar="DIR",
                     help="start from the fields of another run (DIR's checkpoint.h5, else its "
                          "result.vtkhdf) interpolated onto this grid, e.g. a coarser grid's "
                          "answer; time starts at 0")
    run.add_argument("--log-json", action="store_true",
                     help="progress as one JSON object per line on stdout, instead of a bar")
    run.add_argument("--devices", metavar="N",
                     help="split the grid over N devices, or 'all' (solver.devices; default 1)")
    run.add_argument("--distributed", action="store_true",
                     help="one of several processes (hosts) of one run, joined by "
                          "jax.distributed from JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES and "
                          "JAX_PROCESS_ID or a SLURM/Open MPI launcher; process 0 writes")

    check = sub.add_parser("check", help="validate a case file without running it")
    check.add_argument("case", nargs="?", help="case file (default: the bundled 60 kW air-cooled rack, air-rack-60kw)")
    check.add_argument("--example", metavar="NAME",
                       help="a bundled example case instead of a file: " + ", ".join(example_names()))
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    check.add_argument("--picture", metavar="PNG", help="draw the grid lines over the parts on the "
                       "three mid-planes into this PNG")

    val = sub.add_parser("validate", help="compare solutions with published reference results")
    val.add_argument("--full", action="store_true", help="also run the long, fine-grid cases")
    val.add_argument("-k", metavar="PATTERN", help="only the validation cases matching PATTERN")
    val.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                     help="run N families at once, each in a process of its own (default 1; "
                          "up to the number of CPU cores helps)")

    info = sub.add_parser("info", help="versions, devices, precision, compile cache, and the memory "
                          "a case needs per cell on this machine",
                          description="Print JAX's and jaxlib's versions, the devices JAX sees, the "
                                      "default precision, the compile-cache folder and, measured from "
                                      "XLA's memory analysis of a case's compiled step (float32 and "
                                      "float64), the bytes per cell and the memory a case of N cells "
                                      "needs on the device a run would use.")
    info.add_argument("case", nargs="?", help="case whose compiled step is measured "
                      "(default: the bundled 60 kW air-cooled rack, air-rack-60kw)")
    info.add_argument("--example", metavar="NAME", help="a bundled example case instead of a file")
    info.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    info.add_argument("--cells", type=float, default=1e6, metavar="N",
                      help="cells of the case to size (default 1e6)")
    info.add_argument("--no-memory", action="store_true",
                      help="skip the memory measurement (it compiles the case's step 4 times)")
    info.add_argument("--fit", metavar="SIZE",
                      help="print the largest grid (cells, and a cube n^3) whose compiled step fits "
                           "SIZE of device memory, per precision: e.g. 141GB, 80GiB, 512MB")

    view = sub.add_parser("view", help="render a picture of a result (PNG, off-screen)",
                          description="Render a slice (--slice) or, without --slice, a 3-D view "
                                      "(domain outline, solid parts, mid-planes or --iso/--glyphs).")
    view.add_argument("result", help="a result file (result.vtkhdf), or an output folder holding one")
    view.add_argument("--field", default="T",
                      help="field to colour by: T (C), U (speed, m/s), p (m2/s2), material (default T)")
    view.add_argument("--slice", nargs="?", const="mid", default=None, metavar="AXIS=VALUE",
                      help="a slice, e.g. z=1.0 or x=0.3 (m); --slice alone: the middle z plane")
    view.add_argument("--glyphs", action="store_true", help="velocity arrows (subsampled)")
    view.add_argument("--iso", type=float, metavar="T",
                      help="temperature (C) of an iso-surface (3-D) or iso-line (slice)")
    view.add_argument("--outline-parts", action="store_true",
                      help="outline the solid parts on a slice (the 3-D view always shows them)")
    view.add_argument("-o", "--output", required=True, metavar="PNG", help="picture to write (.png)")
    view.add_argument("--size", default="1200x800", metavar="WxH", help="picture size in pixels")

    report = sub.add_parser("report", help="write OUTDIR/report.md: servers' inlets and ASHRAE classes, heat "
                            "split, chips, convergence, a study's GCI table, two pictures")
    report.add_argument("outdir", help="an output folder of `thermo run` (summary.json, result.vtkhdf)")
    report.add_argument("--size", default="1000x700", metavar="WxH", help="picture size in pixels")

    study = sub.add_parser("study", help="grid convergence: run a case on refined grids and "
                           "report each headline number's order, extrapolate and GCI",
                           description="Run a case on GRIDS systematically refined grids (the case "
                                       "as given is the coarsest; each next one divides every cell "
                                       "size by RATIO) and write OUTDIR/study.json, study.md and "
                                       "study.png: per headline number of summary.json its observed "
                                       "order, Richardson extrapolate and grid convergence index "
                                       "(Celik et al. 2008). A killed study resumes: grids already "
                                       "run are not rerun.")
    study.add_argument("case", nargs="?", help="case file (default: the bundled air-rack-60kw)")
    study.add_argument("--example", metavar="NAME", help="a bundled example case instead of a file")
    study.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    study.add_argument("--grids", type=int, default=3, metavar="N", help="grids (default 3, at least 3)")
    study.add_argument("--ratio", type=float, default=1.5, metavar="R",
                       help="refinement ratio between grids (default 1.5; 1.3 or more advised)")
    study.add_argument("--quantity", action="append", default=[], metavar="PATTERN",
                       help="a summary.json path to report (dotted, * for any name, e.g. "
                            "'parts.gpu*.max_temperature_c'); repeatable; default: the headline numbers")
    study.add_argument("--mean", action="append", default=[], metavar="NAME=PATTERN",
                       help="study the mean of the numbers PATTERN matches as one number NAME "
                            "(e.g. 'outer=monitors.run_means_c.cooler[14] return': a mirror pair "
                            "of coolers); repeatable")
    study.add_argument("--runs", nargs="+", metavar="DIR",
                       help="instead of running: the study of these output folders of `thermo run`, "
                            "one case on three or more grids run separately (e.g. with grid "
                            "overrides of your own, or a big grid on another machine)")
    study.add_argument("-o", "--outdir", help="output folder (default: out/<case name>-study)")

    sweep = sub.add_parser("sweep", help="run the grid of variants of a case (--vary) and write "
                           "a table with a row per variant",
                           description="Run every combination of the --vary values (keys in the "
                                       "--set syntax; a name may stand for a list index, e.g. "
                                       "parts.gpu.power) and write OUTDIR/sweep.csv and sweep.json, "
                                       "a row per variant with its headline numbers, and each "
                                       "variant's summary.json and result.vtkhdf in "
                                       "OUTDIR/variants/NNN. Variants that only change the compiled "
                                       "step's arrays run together (vmap, chunks of --batch, split "
                                       "over the devices); the others one by one. A killed sweep "
                                       "rerun with the same command skips the finished variants. "
                                       "Several processes (--process I/N, or srun/mpirun) share "
                                       "the grid and OUTDIR; the table holds every row once the "
                                       "last of them finishes.")
    sweep.add_argument("case", nargs="?", help="case file (default: the bundled air-rack-60kw)")
    sweep.add_argument("--example", metavar="NAME", help="a bundled example case instead of a file")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="change the case for every variant (as for run)")
    sweep.add_argument("--vary", action="append", default=[], metavar="KEY=START:STOP:N|KEY=v1,v2",
                       help="a varied key: N values from START to STOP, or a list of TOML values; "
                            "repeatable (the grid is every combination)")
    sweep.add_argument("-o", "--outdir", help="output folder (default: out/<case name>-sweep)")
    sweep.add_argument("--batch", type=int, default=8, metavar="N",
                       help="variants per vmapped device call (default 8)")
    sweep.add_argument("--process", metavar="I/N",
                       help="this is process I of N sharing OUTDIR: run the variants whose index "
                            "%% N == I (default: the launcher's JAX_PROCESS_ID/JAX_NUM_PROCESSES, "
                            "SLURM_PROCID/SLURM_STEP_NUM_TASKS or OMPI_COMM_WORLD_RANK/SIZE, so "
                            "that 'srun -n 4 thermo sweep ...' splits the grid; else 0/1)")

    bench = sub.add_parser("bench", help="run the benchmark suite (thermo.bench): "
                           "`thermo bench --quick [-o DIR]` (a few minutes on a CPU; JSON + PNG "
                           "into DIR, default benchmarks/out in the repository root, else "
                           "./bench-out), `thermo bench` (full), "
                           "`thermo bench cavity|devahldavis|multigrid ...`")
    bench.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the benchmark suite")
    return p


def _load(args: argparse.Namespace) -> Case:
    example = getattr(args, "example", None)
    if example is not None:
        if args.case:
            raise CaseError("--example", example, f"both a case file ({args.case}) and --example given",
                            "either a case file or --example NAME")
        return load_case(example_path(example), args.overrides)
    path = pathlib.Path(args.case) if args.case else default_case_path()
    return load_case(path, args.overrides)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}{unit}"
    return f"{value}{unit}"


def _print_summary(summary: dict, outdir: pathlib.Path) -> None:
    fluid = summary.get("fluid") or {}
    rows = [
        ("case", _fmt(summary.get("case"))),
        ("converged", _fmt(summary.get("converged"))),
        ("steps", _fmt(summary.get("steps"))),
        ("simulated time", _fmt(summary.get("simulated_time_s"), " s")),
        ("wall time", _fmt(summary.get("wall_time_s"), " s")),
        ("cells", _fmt(summary.get("cells"))),
        ("max speed", _fmt(fluid.get("max_speed_m_s"), " m/s")),
        ("output", str(outdir)),
    ]
    if summary.get("energy_imbalance") is not None:
        how = {"monitors": " (window mean, monitors)",
               "averages": " (latter half's mean, averages)"}.get(summary.get("convergence"), "")
        rows.insert(6, ("energy imbalance", _fmt(summary.get("energy_imbalance")) + how))
    air = summary.get("air") or {}
    if air.get("rci_hi_pct") is not None:
        rows.insert(-1, ("RCI-HI / RCI-LO", f"{air['rci_hi_pct']:.1f} % / {air['rci_lo_pct']:.1f} %"))
        if air.get("rti_pct") is not None:
            rows.insert(-1, ("RTI", f"{air['rti_pct']:.1f} %"))
        rows.insert(-1, ("A1 compliant servers", f"{air.get('a1_compliant_servers')} of {air.get('n_servers')}"))
    if air.get("fan_power_w") is not None:
        rows.insert(-1, ("fan power", _fmt(air["fan_power_w"], " W")))
    # a moving flow's answer: the hottest inlet's latter-half mean, with its sampling error
    mon = summary.get("monitors") or {}
    means = {n: v for n, v in (mon.get("run_means_c") or {}).items() if n.endswith(" inlet max")}
    if means:
        name = max(means, key=means.get)
        err = (mon.get("run_error_k") or {}).get(name)
        rows.insert(-1, ("hottest inlet, latter-half mean",
                         f"{means[name]:.2f}" + ("" if err is None else f" +- {err:.2g}")
                         + f" C ({name[:-len(' inlet max')]})"))
    # and the air side's indices averaged with them (RTI, bypass), each with its error
    index_means, index_errors = mon.get("run_index_means") or {}, mon.get("run_index_errors") or {}
    for path, label, scale, unit in (("air.rti_pct", "RTI", 1.0, "%"),
                                     ("air.bypass_fraction", "bypass", 100.0, "%")):
        if path in index_means:
            err = index_errors.get(path)
            rows.insert(-1, (f"{label}, latter-half mean", f"{scale * index_means[path]:.1f}"
                             + ("" if err is None else f" +- {scale * err:.2g}") + f" {unit}"))
    for name, c in (summary.get("cooling_units") or {}).items():
        rows.insert(-1, (f"{name} removes", _fmt(c.get("heat_removed_w"), " W")))
    for key, value in (summary.get("inlet_crossings_s") or {}).items():
        rows.insert(-1, (f"first inlet > {key} C", "never" if value is None else _fmt(value, " s")))
    if summary.get("junctions"):
        j = summary["junctions"]
        rows.insert(-1, ("hottest junction", f"{j['max_junction_c']:.2f} C ({j['hottest_chip']})"))
    c = summary.get("crossings")
    if c and c.get("peak_c") is not None:  # summaries written before peaks were recorded lack them
        rows.insert(-1, ("peak chip", f"{c['peak_c']:.2f} C ({c['peak_chip']}, t = {c['peak_time_s']:.4g} s)"))
        rows.insert(-1, ("first chip over its limit", "never" if c["first_time_s"] is None
                         else f"{c['first_time_s']:.4g} s ({c['first_chip']})"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if summary.get("servers"):
        from thermo.diagnostics.metrics import format_server_table

        print()
        print(format_server_table({"servers": summary["servers"], **air}))


def compilation_cache_dir() -> str | None:
    """The compile-cache folder: ``$THERMO_XLA_CACHE``, else
    ``$XDG_CACHE_HOME/thermo/xla`` or ``~/.cache/thermo/xla``; None when
    ``THERMO_XLA_CACHE=off``."""
    import os

    where = os.environ.get("THERMO_XLA_CACHE", "")
    if where.lower() == "off":
        return None
    if not where:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        where = os.path.join(base, "thermo", "xla")
    return where


def use_compilation_cache() -> str | None:
    """Keep compiled solvers on disk, so that another run of a case on the same grid
    (a new process) skips the XLA compile: 3-7 s per grid on two CPU cores. The
    folder is :func:`compilation_cache_dir`. Returns the folder, or None when off or
    not writable (the run then compiles as usual)."""
    import os

    where = compilation_cache_dir()
    if where is None:
        return None
    try:
        os.makedirs(where, exist_ok=True)
        if not os.access(where, os.W_OK):
            return None
    except OSError:
        return None
    import jax

    jax.config.update("jax_compilation_cache_dir", where)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    return where


def _cmd_run(args: argparse.Namespace) -> int:
    if args.distributed:  # before anything touches a device
        from thermo.solver.distributed import DistributedError, initialize

        try:
            index, count = initialize()
        except DistributedError as exc:
            return _error(str(exc))
        import jax

        print(f"process {index} of {count} joined: {len(jax.devices())} devices in all",
              file=sys.stderr, flush=True)
        args.quiet = args.quiet or index > 0  # process 0 reports and writes
    try:
        case = _load(args)
    except CaseError as exc:
        return _error(str(exc))
    if args.devices is not None:  # not an override: a run resumes on another device count
        if not (args.devices == "all" or args.devices.isdigit() and int(args.devices) >= 1):
            return _error(f"--devices {args.devices}: accepted: a count of 1 or more, or 'all'")
        case.data["solver"]["devices"] = "all" if args.devices == "all" else int(args.devices)
    use_compilation_cache()
    if args.resume:
        outdir = pathlib.Path(args.resume)
    else:
        outdir = pathlib.Path(args.outdir) if args.outdir else pathlib.Path("out") / case.name
    if outdir.exists() and not outdir.is_dir():
        return _error(f"{outdir} exists and is not a folder; choose another with -o")
    existing = [f for f in RESULT_FILES if (outdir / f).exists()]
    if existing and not args.overwrite and not args.resume:
        return _error(f"{outdir} already holds results ({', '.join(existing)}); "
                      "pass --overwrite to replace them, or -o to write elsewhere")
    try:
        from thermo.runner import DivergenceError, run_case
    except ImportError as exc:
        return _error(f"the solver runner cannot be imported ({exc})")
    try:
        summary = run_case(case, outdir, quiet=args.quiet, resume=bool(args.resume),
                           log_json=args.log_json, map_from=args.map_from, stop_on_signal=True)
    except CaseError as exc:  # refusals only detectable on the grid (e.g. a part covering no cell)
        return _error(str(exc))
    except DivergenceError as exc:
        _error(str(exc))
        return 3
    if not args.quiet and not args.log_json:
        _print_summary(summary, outdir)
    return 0


def _cmd_study(args: argparse.Namespace) -> int:
    from thermo.study import HEADLINE, run_study, study_of_runs

    means = []
    for item in args.mean:
        name, eq, pattern = item.partition("=")
        if not eq or not name.strip() or "." in name or not pattern:
            return _error(f"--mean {item}: accepted: NAME=PATTERN, NAME without dots, PATTERN a "
                          "summary.json path with * (e.g. 'outer=monitors.run_means_c.cooler[14] return')")
        means.append((name.strip(), pattern))
    if args.runs:
        if args.case or args.example or args.overrides:
            return _error("--runs: the folders' summaries are the study; give no case, "
                          "--example or --set with it")
        outdir = pathlib.Path(args.outdir or "out/study")
        try:
            study = study_of_runs(args.runs, outdir, patterns=tuple(args.quantity) or HEADLINE,
                                  means=means)
        except ValueError as exc:
            return _error(str(exc))
    else:
        try:
            case = _load(args)
        except CaseError as exc:
            return _error(str(exc))
        if args.grids < 3 or not args.ratio > 1.0:
            return _error(f"--grids {args.grids} --ratio {args.ratio}: accepted: --grids 3 or more "
                          "and --ratio above 1 (1.3 or more advised)")
        use_compilation_cache()
        outdir = pathlib.Path(args.outdir) if args.outdir else pathlib.Path("out") / f"{case.name}-study"
        try:
            study = run_study(case.path, outdir, grids=args.grids, ratio=args.ratio,
                              overrides=args.overrides, patterns=tuple(args.quantity) or HEADLINE,
                              quiet=False, means=means)
        except (CaseError, ValueError) as exc:  # ValueError: a --mean matching no number
            return _error(str(exc))
    print((outdir / "study.md").read_text())
    print(f"wrote {outdir / 'study.json'}, {outdir / 'study.md'}, {outdir / 'study.png'}")
    return 0 if study["quantities"] else _error("no headline number was found on every grid")


def _cmd_sweep(args: argparse.Namespace) -> int:
    import json

    from thermo.sweep import sweep
    from thermo.sweep_table import HEADLINE, process_share

    if not args.vary:
        return _error("thermo sweep needs at least one --vary KEY=START:STOP:N or --vary KEY=v1,v2,...")
    try:
        if args.example is not None and args.case:
            raise CaseError("--example", args.example, f"both a case file ({args.case}) and --example "
                            "given", "either a case file or --example NAME")
        path = (example_path(args.example) if args.example is not None
                else pathlib.Path(args.case) if args.case else default_case_path())
        name = load_case(path, args.overrides).name
        outdir = pathlib.Path(args.outdir) if args.outdir else pathlib.Path("out") / f"{name}-sweep"
        use_compilation_cache()
        shown = ("status", "steps", "hottest_source_c", "server_inlet_max_c", "coolant_outlet_c",
                 "energy_imbalance")

        def line(row: dict) -> None:
            values = " ".join(f"{k}={v}" for k, v in row.items() if k not in HEADLINE
                              and k not in ("variant", "batch"))
            print(f"variant {row['variant']:>3} {values}: " + ", ".join(
                f"{k} {_fmt(row[k])}" for k in shown if row.get(k) is not None), flush=True)
        index, count, source = process_share(args.process)
        if count > 1:
            print(f"process {index} of {count} ({source}): the variants whose index % {count} "
                  f"== {index}", flush=True)
        rows = sweep(path, args.vary, outdir, overrides=args.overrides, batch=args.batch,
                     on_variant=line, process=(index, count))
    except CaseError as exc:
        return _error(str(exc))
    total = json.loads((outdir / "sweep.json").read_text())["variants"]
    if len(rows) < total:  # several processes: the others' variants are still running
        print(f"{len(rows)} of {total} variants finished; the other processes write theirs and "
              f"the full table into {outdir}")
        return 0
    print(f"{len(rows)} variants; wrote {outdir / 'sweep.csv'}, {outdir / 'sweep.json'} and "
          f"{outdir / 'variants'}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    try:
        case = _load(args)
        device_for(case)  # a backend JAX cannot see is refused here too
    except CaseError as exc:
        return _error(str(exc))
    d = case.data
    cells = case.grid.cells
    print(f"{case.path}: ok: case {case.name!r}, {cells[0]}x{cells[1]}x{cells[2]} cells, "
          f"{len(d['parts'])} parts, {len(d['boundaries'])} boundaries, {d['solver']['mode']}")
    from thermo.grid.quality import grid_report, report_lines

    print("grid:")
    print("\n".join(report_lines(grid_report(case))))
    from thermo.case.cooling import cooling_budget

    budget = cooling_budget(d)
    if budget:
        print("cooling:")
        print("\n".join(budget))
    if args.picture:
        from thermo.grid.picture import grid_picture

        print(f"grid picture: {grid_picture(case, args.picture)}")
    return 0


def _table(rows: list[dict]) -> list[str]:
    """The validation table: one line per row, with its kind ("validation", "check"
    or "not validated"; a row without one counts as a check) and its verdict
    ("ok", "FAIL", or "-" for a row that is not validated)."""
    head = ("case", "kind", "quantity", "reference", "computed", "error", "bound", "ok")
    body = []
    for r in rows:
        rel, bound = r.get("rel_error"), r.get("bound")
        kind = r.get("kind") or "check"
        body.append((
            str(r.get("case", "")), kind, str(r.get("quantity", "")),
            _fmt(r.get("reference")), _fmt(r.get("computed")),
            "-" if rel is None else f"{rel:.3g}", "-" if bound is None else f"{bound:.3g}",
            "-" if kind == "not validated" else "ok" if r.get("ok") else "FAIL",
        ))
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(head), line(["-" * w for w in widths])] + [line(b) for b in body]


def _cmd_validate(args: argparse.Namespace) -> int:
    """Run the validation table. Exit status 1 only when a validation or a check
    fails (or nothing matched): a "not validated" row shows the model's error and
    is neither a pass nor a failure."""
    try:
        from thermo.validation import run_validation
    except ImportError as exc:
        return _error(f"the validation suite cannot be imported ({exc})")
    if args.jobs < 1:
        return _error(f"-j/--jobs must be a whole number of processes, 1 or more; got {args.jobs}")
    def done(name: str, n: int, seconds: float) -> None:  # progress, apart from the table
        print(f"{name}: {n} row{'' if n == 1 else 's'} in {seconds:.0f} s", file=sys.stderr,
              flush=True)

    rows = list(run_validation(full=args.full, pattern=args.k, jobs=args.jobs,
                               initializer=use_compilation_cache, done=done))
    if not rows:
        print(f"error: no validation case matches {args.k!r}" if args.k else
              "error: the validation suite returned no results", file=sys.stderr)
        return 1
    print("\n".join(_table(rows)))
    kinds = [r.get("kind") or "check" for r in rows]
    failed = sum(1 for r, k in zip(rows, kinds) if k != "not validated" and not r.get("ok"))
    passed = {k: sum(1 for r, kk in zip(rows, kinds) if kk == k and r.get("ok"))
              for k in ("validation", "check")}
    print(f"{passed['validation']} validated, {passed['check']} "
          f"check{'' if passed['check'] == 1 else 's'}, {kinds.count('not validated')} not "
          f"validated, {failed} FAILED")
    return 0 if failed == 0 else 1


def _cmd_bench(argv: list[str]) -> int:
    # the suite is part of the package (thermo.bench): it runs from any folder
    bench = importlib.import_module("thermo.bench")
    return int(bench.main(argv) or 0)


def _gib(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**30:.3g} GiB"


def _cmd_info(args: argparse.Namespace) -> int:
    from thermo.solver.memory import largest_grid, parse_memory

    try:
        case = _load(args)
        device = device_for(case)
        fit = None if args.fit is None else parse_memory(args.fit)
    except (CaseError, ValueError) as exc:
        return _error(str(exc))
    import jax

    from thermo.devices import available_platforms, describe, device_memory, versions
    from thermo.solver.memory import bytes_per_cell

    for key, value in versions().items():
        print(f"{key:<16}{value}")
    print(f"{'platforms':<16}{', '.join(available_platforms())} (default: {jax.default_backend()})")
    for d in jax.devices():
        print(f"{'device':<16}{describe(d)}, memory {_gib(device_memory(d))}")
    x64 = "on" if jax.config.jax_enable_x64 else "off until a float64 case runs"
    print(f"{'precision':<16}cases default to float64 (solver.precision: float32, mixed = "
          f"float32 fields with float64 sums, float64); JAX's x64 mode {x64}")
    where = compilation_cache_dir()
    print(f"{'compile cache':<16}{where or 'off (THERMO_XLA_CACHE=off)'}")
    if args.no_memory:
        return 0
    use_compilation_cache()
    path = case.path
    print(f"memory of the compiled step of {case.name} on {describe(device)} "
          f"(XLA's memory analysis; its grid and that grid doubled in x):")
    total = device_memory(device)
    for precision in ("float32", "mixed", "float64"):
        per_cell, fixed = bytes_per_cell(path, precision, tuple(args.overrides))
        need = fixed + per_cell * args.cells
        fits = "" if total is None else f", {100.0 * need / total:.1f} % of the device"
        largest = "" if total is None else f"; at most {max(total - fixed, 0) / per_cell:.3g} cells fit"
        print(f"  {precision}: {per_cell:.0f} bytes per cell; {args.cells:.3g} cells need "
              f"{_gib(need)}{fits}{largest}")
        if fit is not None:
            cells, n = largest_grid(fit, per_cell, fixed)
            print(f"    in {args.fit} ({fit:,} bytes): at most {cells:,} cells ({fixed:,.0f} bytes "
                  f"fixed), a cube of {n}^3 = {n ** 3:,} cells")
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    from thermo.io.load import load
    from thermo.io.view import ViewError, parse_size, render

    try:
        size = parse_size(args.size)
        result = load(args.result)
        warnings = render(result, args.output, field=args.field, slice=args.slice,
                          glyphs=args.glyphs, iso=args.iso, outline_parts=args.outline_parts,
                          size=size)
    except (ViewError, FileNotFoundError, ValueError) as exc:
        return _error(str(exc))
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {args.output}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from thermo.io.report import write_report
    from thermo.io.view import parse_size

    try:
        path, warnings = write_report(args.outdir, size=parse_size(args.size))
    except (FileNotFoundError, ValueError) as exc:  # ReportError and ViewError are ValueErrors
        return _error(str(exc))
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `thermo` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # everything after `bench` belongs to the benchmark suite
        rest = argv[1:]
        return _cmd_bench(rest[1:] if rest[:1] == ["--"] else rest)
    parser = _parser()
    args = parser.parse_args(argv)
    commands = {"run": _cmd_run, "check": _cmd_check, "validate": _cmd_validate,
                "view": _cmd_view, "report": _cmd_report, "info": _cmd_info, "study": _cmd_study,
                "sweep": _cmd_sweep}
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return commands[args.command](args)
    except BrokenPipeError:  # the reader left (`thermo check ... | head`): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
