"""Time to a steady answer on the de Vahl Davis (1983) differentially heated square cavity.

Each run is the bundled ``thermo/cases/devahldavis.toml`` (Pr 0.71, steady mode,
tolerance 1e-6) at one Rayleigh number on an n x n grid, through
``thermo.validation.convection.devahldavis_nusselt``, run until it converges. The work per run
is therefore not fixed: it is whatever the solver needs to reach its tolerance,
and the answer (mean hot-wall Nusselt number) is compared with de Vahl Davis's
benchmark value.

Timing: there is no warm-up run (it would double the cost of a run that is the
whole point). ``wall_s`` is the run's wall time including compilation;
``compile_s`` is its first device call (compile + the first chunk of
``solver.steps_per_call`` steps), both as the solver reports them. ``solve_s =
wall_s - compile_s`` is an approximate compile-free time: it leaves out the
first chunk's steps as well as the compile, so it slightly understates the
compile-free time to solution.

OpenFOAM peer: no OpenFOAM run is made yet. When OpenFOAM is installed this is
said and the peer column is null; figures recorded on this machine class (machine
notes) are printed next to ours, labelled as not measured in the same run.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import pathlib
import platform
import shutil
import subprocess
import sys
from typing import Sequence

from .openfoam_peer import OPENFOAM_BASHRC, OPENFOAM_SOLVER
from .paths import default_out

DEFAULT_SIZES = (64, 128)
DEFAULT_RA = 1e5
QUICK_SIZES = (16,)
QUICK_RA = 1e3
OPENFOAM_MISSING = "OpenFOAM not installed: peer column skipped (apt-get install openfoam)"

# OpenFOAM v1912, one core, SIMPLE, residuals 1e-6, this case at Ra 1e5, on this machine
# class (machine notes) -- NOT measured by this benchmark: n -> (wall s, Nu error %).
RECORDED_OPENFOAM = {
    "source": "recorded OpenFOAM v1912 (machine notes)",
    "ra": 1e5,
    "sizes": {64: (5.2, 0.89), 128: (65.8, 0.27), 256: (977.0, 0.10)},
}

_COLUMNS = [  # (header, key, format, width)
    ("Ra", "ra", "{:.0e}", 5),
    ("grid", "grid", "{}", 7),
    ("cells", "cells", "{:,}", 6),
    ("steps", "steps", "{:,}", 6),
    ("wall s", "wall_s", "{:.2f}", 7),
    ("compile s", "compile_s", "{:.2f}", 9),
    ("solve s~", "solve_s", "{:.2f}", 8),
    ("p-iter/step", "pressure_iterations_per_step", "{:.2f}", 11),
    ("T-iter/step", "energy_iterations_per_step", "{:.2f}", 11),
    ("Nu", "nu", "{:.4f}", 6),
    ("ref Nu", "nu_reference", "{:.3f}", 6),
    ("Nu err %", "nu_error_pct", "{:+.2f}", 8),
    ("E-imbal", "energy_imbalance", "{:.1e}", 7),
    ("OpenFOAM s", "openfoam_wall_s", "{:.2f}", 10),
]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m thermo.bench devahldavis",
        description="Time the coupled flow + energy solver to a steady answer on the de Vahl "
                    "Davis differentially heated square cavity and check its Nusselt number.")
    p.add_argument("--sizes", type=int, nargs="+", metavar="N",
                   help=f"cells per side of the N x N grids (default "
                        f"{' '.join(map(str, DEFAULT_SIZES))})")
    p.add_argument("--ra", type=float, default=None, metavar="RA",
                   help=f"Rayleigh number (default {DEFAULT_RA:g})")
    p.add_argument("--quick", action="store_true",
                   help=f"a smoke run: Ra {QUICK_RA:g} on "
                        f"{' x '.join(str(n) for n in QUICK_SIZES * 2)} "
                        "(explicit --sizes/--ra still win)")
    p.add_argument("--scheme", choices=("march", "implicit"), default="march",
                   help="the steady scheme (implicit: solver.pseudo_cfl 20, the measured "
                        "optimum on this case)")
    p.add_argument("--out", type=pathlib.Path, default=None, metavar="DIR",
                   help="folder for devahldavis.json (default benchmarks/out in the repository "
                        "root, else ./bench-out)")
    return p


def openfoam_status() -> tuple[str, str]:
    """(state, message): state is "absent", "no-solver" or "found"; never runs a case."""
    candidates = []
    root = os.environ.get("WM_PROJECT_DIR")
    if root and pathlib.Path(root).is_dir():
        candidates.append(pathlib.Path(root) / "etc" / "bashrc")
    candidates.append(OPENFOAM_BASHRC)
    bashrc = next((c for c in candidates if c.is_file()), None)
    if bashrc is None:
        if root and pathlib.Path(root).is_dir() and shutil.which(OPENFOAM_SOLVER):
            return "found", (f"OpenFOAM found ({shutil.which(OPENFOAM_SOLVER)}) but the peer run "
                             "is not yet implemented: peer column skipped")
        return "absent", OPENFOAM_MISSING
    try:
        found = subprocess.run(
            ["bash", "-c", 'source "$1" >/dev/null 2>&1; command -v "$2"', "bash",
             str(bashrc), OPENFOAM_SOLVER],
            capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if not found:
        return "no-solver", (f"OpenFOAM environment found ({bashrc}) but {OPENFOAM_SOLVER} is not "
                             "on its PATH: peer column skipped")
    return "found", (f"OpenFOAM found ({found}) but the peer run is not yet implemented: "
                     "peer column skipped")


def recorded_openfoam(ra: float, n: int) -> dict | None:
    """The machine-notes OpenFOAM figures for (ra, n), if any (not measured here)."""
    rec = RECORDED_OPENFOAM["sizes"].get(n)
    if rec is None or not math.isclose(ra, RECORDED_OPENFOAM["ra"]):
        return None
    return {"source": RECORDED_OPENFOAM["source"], "measured_in_this_run": False,
            "wall_s": rec[0], "nu_error_pct": rec[1]}


def _steps_per_call() -> int:
    """``solver.steps_per_call`` of the bundled case: the size of the first (compile) chunk."""
    import thermo.cases
    from thermo.case import load_case

    path = pathlib.Path(thermo.cases.__file__).parent / "devahldavis.toml"
    return int(load_case(path).data["solver"]["steps_per_call"])


def run_one(ra: float, n: int, scheme: str = "march") -> dict:
    """Run the n x n case at ``ra`` to its steady tolerance with the steady ``scheme``;
    return one result row."""
    import jax

    from thermo.validation.convection import DVD_NUSSELT, devahldavis_nusselt
    from thermo.validation.steady import IMPLICIT

    ref = next((v for k, v in DVD_NUSSELT.items() if math.isclose(k, ra)), None)
    row = {
        "case": "devahldavis",
        "scheme": scheme,
        "ra": ra,
        "n": n,
        "grid": f"{n}x{n}",
        "nu_reference": ref,
        "openfoam_wall_s": None,        # peer run not implemented
        "openfoam_nu": None,
    }
    try:
        nu, s = devahldavis_nusselt(ra, n, IMPLICIT if scheme == "implicit" else ())
    except RuntimeError as exc:         # did not converge
        row.update(result="failed", status="not converged", error=str(exc), cells=n * n,
                   steps=None, nu=None)
        nu, s = None, None
    if s is not None:
        steps_per_call = 50 if scheme == "implicit" else _steps_per_call()
        wall, compile_s = s["wall_time_s"], s["compile_time_s"]
        row.update({
            "result": "ok" if s["status"] == "converged" and math.isfinite(nu) else s["status"],
            "status": s["status"],
            "cells": s["cells"],
            "steps": s["steps"],
            "wall_s": wall,
            "compile_s": compile_s,
            "solve_s": wall - compile_s,
            "solve_steps": max(s["steps"] - steps_per_call, 0),
            "steps_per_call": steps_per_call,
            "pressure_iterations_per_step": s["pressure_iterations_per_step"],
            "energy_iterations_per_step": s["energy_iterations_per_step"],
            "nu": nu,
            "nu_error_pct": None if ref is None else 100.0 * (nu / ref - 1.0),
            "energy_imbalance": s["energy_imbalance"],
            "residuals": s["residuals"],
            "precision": s["precision"],
        })
    rec = recorded_openfoam(ra, n)
    row["recorded_openfoam"] = rec
    if rec is not None and row.get("wall_s") is not None:
        row["wall_ratio_vs_recorded_openfoam"] = row["wall_s"] / rec["wall_s"]
        row["solve_ratio_vs_recorded_openfoam"] = row["solve_s"] / rec["wall_s"]
    dev = jax.devices()[0]
    row.update({
        "backend": jax.default_backend(),
        "device_kind": dev.device_kind,
        "jax_version": jax.__version__,
        "python_version": platform.python_version(),
        "timestamp": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    })
    return row


def _fmt(v, fmt: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return fmt.format(v)


def format_table(rows: Sequence[dict]) -> str:
    """The result rows as a fixed-width text table."""
    widths = [max(len(h), w) for h, _, _, w in _COLUMNS]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))
    out = [line([h for h, _, _, _ in _COLUMNS]), line(["-" * w for w in widths])]
    out += [line([_fmt(r.get(k), f) for _, k, f, _ in _COLUMNS]) for r in rows]
    return "\n".join(out)


def format_recorded(rows: Sequence[dict]) -> str:
    """Our rows next to the recorded OpenFOAM figures (not measured in this run)."""
    lines = []
    for r in rows:
        rec = r.get("recorded_openfoam")
        if rec is None:
            continue
        lines.append(
            f"  {r['grid']:>7}: ours wall {_fmt(r.get('wall_s'), '{:.2f}')} s "
            f"(solve~ {_fmt(r.get('solve_s'), '{:.2f}')} s), Nu {_fmt(r.get('nu_error_pct'), '{:+.2f}')} %"
            f" | OpenFOAM v1912 {rec['wall_s']:g} s, Nu {rec['nu_error_pct']:+.2f} %"
            f" | ratio ours/OpenFOAM: wall {_fmt(r.get('wall_ratio_vs_recorded_openfoam'), '{:.2f}')}"
            f", solve~ {_fmt(r.get('solve_ratio_vs_recorded_openfoam'), '{:.2f}')}")
    if not lines:
        return ""
    return "\n".join([f"{RECORDED_OPENFOAM['source']}, Ra {RECORDED_OPENFOAM['ra']:g}, one core, "
                      "SIMPLE, residuals 1e-6 -- NOT measured in this run (other time, other load):"]
                     + lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print a table and write DIR/devahldavis.json. Returns the exit code."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    ra = args.ra if args.ra is not None else (QUICK_RA if args.quick else DEFAULT_RA)
    if any(n < 4 for n in sizes) or not ra > 0:
        print("error: every --sizes entry must be >= 4 and --ra > 0", file=sys.stderr)
        return 2
    out_dir = args.out if args.out is not None else default_out()

    import jax

    of_state, of_message = openfoam_status()
    print(f"thermo de Vahl Davis benchmark ({args.scheme} scheme): Ra {ra:g}, Pr 0.71, steady "
          f"to 1e-6, sizes "
          f"{' '.join(map(str, sizes))}; jax {jax.__version__}, backend {jax.default_backend()}, "
          f"device {jax.devices()[0].device_kind} x{jax.device_count()}")
    print("wall s includes compilation; compile s = first device call (compile + first chunk "
          "of steps); solve s~ = wall - compile, an approximate compile-free time (it also "
          "leaves out the first chunk's steps)")
    print(of_message)
    print(format_table([]), flush=True)
    rows = []
    for n in sizes:
        row = run_one(ra, n, args.scheme)
        rows.append(row)
        print(format_table([row]).splitlines()[-1], flush=True)
    recorded = format_recorded(rows)
    if recorded:
        print(recorded)

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "devahldavis.json"
    doc = {
        "benchmark": "devahldavis",
        "description": "de Vahl Davis differentially heated square cavity, Pr 0.71, steady to "
                       "tolerance 1e-6: time to a steady answer and its mean hot-wall Nusselt "
                       "number. wall_s includes compilation; compile_s is the first device call "
                       "(compile + first chunk); solve_s = wall_s - compile_s is an approximate "
                       "compile-free time (also excludes the first chunk's steps).",
        "ra": ra,
        "scheme": args.scheme,
        "sizes": list(sizes),
        "openfoam": {"state": of_state, "message": of_message, "peer_run": None},
        "recorded_openfoam": {
            "source": RECORDED_OPENFOAM["source"], "measured_in_this_run": False,
            "ra": RECORDED_OPENFOAM["ra"],
            "sizes": {str(k): {"wall_s": v[0], "nu_error_pct": v[1]}
                      for k, v in RECORDED_OPENFOAM["sizes"].items()},
        },
        "rows": rows,
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {path}")
    bad = [r for r in rows if r["result"] != "ok"]
    if bad:
        print(f"error: {len(bad)} run(s) did not reach a steady answer "
              f"({', '.join(r['grid'] + ': ' + str(r.get('status', r['result'])) for r in bad)})",
              file=sys.stderr)
        return 1
    return 0
