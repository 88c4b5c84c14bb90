"""Run a case end to end: set up, march, write ``result.h5`` and ``summary.json``."""
from __future__ import annotations

import pathlib
import sys

import jax
import numpy as np

from thermo.kernels.energy import van_leer_faces
from thermo.kernels.stencils import pad, shift

from .boundaries import FACES
from .case import Case
from .output import write_result, write_summary
from .simulation import Simulation, State

RESULT_NAME = "result.h5"
SUMMARY_NAME = "summary.json"


class DivergenceError(RuntimeError):
    """The run blew up; the message says where and what to change."""


def summarise(sim: Simulation, state: State, info) -> dict:
    """The contract's ``summary.json`` numbers for a finished run."""
    d = sim.case.data
    grid = sim.grid
    fluid_mat = sim.case.fluid
    fields = sim.cell_fields(state)
    T, U = fields["T"], fields["U"]
    geo = sim.model.geometry
    fluid = geo.fluid
    bounds = {}
    fc = sim.model.faces
    th = sim.thermal
    heat = boundary_heat(sim, state)
    for i, b in enumerate(d["boundaries"]):
        a, side = FACES[b["face"]]
        n = grid.cells[a]
        un = np.asarray(shift(state.u[a], a, 0 if side == 0 else n, 1)).squeeze(a)
        tn = np.take(T, 0 if side == 0 else n - 1, axis=a)
        owned = fc.owner[(a, side)] == i
        area = np.prod([grid.spacing[t] for t in range(3) if t != a])
        inflow = (1.0 if side == 0 else -1.0) * un
        fixed = th.conductance[a].take([0 if side == 0 else n], axis=a).squeeze(a) > 0
        face_t = np.where(fixed, th.boundary_value[a][side].squeeze(a), tn)
        bounds[b["name"]] = {
            "heat_w": float(heat[(a, side)][owned].sum()) if owned.any() else 0.0,
            "mass_flow_kg_s": float(fluid_mat.density * np.sum(inflow[owned]) * area),
            "mean_temperature_c": float(face_t[owned].mean()) if owned.any() else float("nan"),
        }
    sources = float(th.power.sum() * grid.cell_volume)
    default_heat = sum(float(heat[k][fc.owner[k] < 0].sum()) for k in heat)
    terms = [v["heat_w"] for v in bounds.values()] + [sources, default_heat]
    imbalance = abs(sum(terms)) / max(max(abs(x) for x in terms), 1e-300)
    parts = {}
    for i, inst in enumerate(geo.instances):
        m = geo.owner == i
        parts[inst["name"]] = {
            "power_w": inst["power"],
            "material": inst["material"],
            "cells": int(m.sum()),
            "volume_m3": float(m.sum() * grid.cell_volume),
            "max_temperature_c": float(T[m].max()) if m.any() else float("nan"),
            "mean_temperature_c": float(T[m].mean()) if m.any() else float("nan"),
        }
    speed = np.linalg.norm(U, axis=-1)
    return {
        "case": sim.case.name,
        "converged": info.status in ("converged", "finished"),
        "status": info.status,
        "steps": info.steps,
        "simulated_time_s": info.simulated_time,
        "wall_time_s": info.wall_time,
        "compile_time_s": info.compile_time,
        "cells": grid.ncells,
        "backend": jax.default_backend(),
        "precision": d["solver"]["precision"],
        "heat_sources_w": sources,
        "energy_imbalance": imbalance if sim.settings.energy else 0.0,
        "residuals": {"momentum": info.res_mom, "continuity": info.res_div,
                      "energy": info.res_energy},
        "pressure_iterations_per_step": info.pressure_iterations,
        "energy_iterations_per_step": info.energy_iterations,
        "boundaries": bounds,
        "parts": parts,
        "fluid": {
            "max_temperature_c": float(T[fluid].max()) if fluid.any() else float("nan"),
            "min_temperature_c": float(T[fluid].min()) if fluid.any() else float("nan"),
            "max_speed_m_s": float(speed[fluid].max()) if fluid.any() else 0.0,
        },
    }


def boundary_heat(sim: Simulation, state: State) -> dict:
    """Heat flow (W) into the domain through each boundary face cell, keyed by
    ``(axis, side)``: conduction through fixed-temperature and convective faces,
    imposed fluxes, and advection (rho cp u T, T in C) through open faces."""
    grid, th, cfg = sim.grid, sim.thermal, sim.settings
    T = np.asarray(state.T)
    out = {}
    for a in range(3):
        if cfg.periodic[a]:
            for side in (0, 1):
                out[(a, side)] = np.zeros(np.take(T, 0, axis=a).shape)
            continue
        n, h = grid.cells[a], grid.spacing[a]
        area = np.prod([grid.spacing[t] for t in range(3) if t != a])
        padded = pad(state.T, a, *[tuple(np.asarray(x) for x in g) for g in th.ghosts[a]],
                     normal=False, periodic=False)
        faces_t = np.asarray(van_leer_faces(padded, state.u[a], a))
        u = np.asarray(state.u[a])
        for side in (0, 1):
            idx = 0 if side == 0 else n
            cell = np.take(T, 0 if side == 0 else n - 1, axis=a)
            coef = th.conductance[a].take([idx], axis=a).squeeze(a)
            value = th.boundary_value[a][side].squeeze(a)
            flux = th.boundary_flux[a][side].squeeze(a)
            sign = 1.0 if side == 0 else -1.0
            conduction = coef * 2.0 * (value - cell) / h + flux
            advection = sign * th.fluid_capacity * np.take(u, idx, axis=a) * np.take(faces_t, idx, axis=a)
            out[(a, side)] = (conduction + advection) * area
    return out


def _progress_printer(sim: Simulation, quiet: bool):
    if quiet:
        return None
    max_steps = sim.case.data["solver"]["max_steps"]

    def show(state: State, wall: float) -> None:
        print(f"step {int(state.step):>8d}/{max_steps}  t = {float(state.t):.4g} s  "
              f"residuals: momentum {float(state.res_mom):.2e} continuity {float(state.res_div):.2e}"
              f" energy {float(state.res_energy):.2e}"
              f"  p-iters {int(state.p_iters)}  wall {wall:.1f} s", file=sys.stderr, flush=True)
    return show


def run_case(case: Case, outdir: str | pathlib.Path, *, quiet: bool = False) -> dict:
    """Set up, run and write ``OUTDIR/result.h5`` and ``OUTDIR/summary.json``.

    The grid-level checks run before the output folder is created, so a refused
    case leaves nothing behind.
    """
    sim = Simulation(case)
    for w in sim.model.geometry.warnings:
        print(f"warning: {w}", file=sys.stderr)
    state, info = sim.run(progress=_progress_printer(sim, quiet))
    if info.status == "diverged":
        raise DivergenceError(
            f"the run blew up after step {info.steps} (t = {info.simulated_time:.6g} s): the "
            f"velocity or pressure became non-finite. Lower solver.cfl, set a smaller solver.dt, "
            f"or refine domain.cells")
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fields = sim.cell_fields(state)
    keep = set(case.data["output"]["fields"]) | {"material"}
    write_result(outdir / RESULT_NAME, sim.grid, {k: v for k, v in fields.items() if k in keep},
                 case_text=case.text,
                 attrs={"steps": info.steps, "simulated_time_s": info.simulated_time,
                        "status": info.status})
    summary = summarise(sim, state, info)
    write_summary(outdir / SUMMARY_NAME, summary)
    return summary
