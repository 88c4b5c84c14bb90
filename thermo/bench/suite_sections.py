"""The sections of a suite run: the case set on every device and precision, the
scaling series, the batch (vmapped) against one by one, and the de Vahl Davis peers
(thermo, OpenFOAM, NumPy) to a steady answer."""
from __future__ import annotations

import pathlib
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from thermo.bench.measurement import measure
from thermo.bench.suite_config import SCALING_SIZES, SCALING_TARGET, cells_of, make_case, steps_for
from thermo.bench.suite_report import row_line

__all__ = ["run_batch_section", "run_case_set", "run_peers", "scaling", "thermo_devahldavis"]

#: A floor for a division by the pressure iterations per step (a run with none).
ITERATIONS_FLOOR = 1e-30


def run_case_set(conf: dict, devices: Sequence[Any], bandwidths: dict, precisions: Sequence[str],
                 log: Callable[[str], None], errors: list | None = None) -> list[dict]:
    """Measure every run of the configuration ``conf`` on every device, float32 first;
    a run that fails is logged and added to ``errors``."""
    rows = []
    for precision in ("float32", "float64"):   # float32 first: float64 turns on x64 for good
        if precision not in precisions:
            continue
        for dev in devices:
            for name, size, precs in conf["runs"]:
                if precision not in precs:
                    continue
                try:
                    steps = steps_for(cells_of(name, size), conf)
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
                log(row_line(row))
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
                    r["pressure_iterations_per_step"], ITERATIONS_FLOOR),
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


def run_batch_section(conf: dict, log: Callable[[str], None]) -> dict | None:
    """The configuration's batch of power levels of one rack: one vmapped call against
    the same runs one by one (None when the configuration has no batch)."""
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


def run_peers(conf: dict, out_dir: pathlib.Path, log: Callable[[str], None], openfoam: bool = True,
              thermo_run: bool | None = None) -> dict:
    """The de Vahl Davis cavity to a steady answer by thermo, OpenFOAM (where installed)
    and the NumPy reference: times, Nusselt numbers and their ratios."""
    from thermo.bench import peers
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
