"""Runs on graded grids: the graded terms against the uniform ones, conservation, and
results that a plain `pyvista.read` opens at the true coordinates."""
from __future__ import annotations

import subprocess
import sys

import jax
import numpy as np
import pytest

from thermo.case import case_from_dict
from thermo.grid.model import build_flow_model
from thermo.meshes import Grid
from thermo.solver import Simulation

jax.config.update("jax_enable_x64", True)


def _nearly_uniform(grid: Grid, rel: float = 1e-9) -> Grid:
    """The uniform grid's lines moved by ``rel`` of a cell: graded to the solver (every
    graded expression runs), uniform to the eye."""
    lines = []
    for a in range(3):
        f = grid.faces(a).copy()
        if f.size > 2:
            f[1:-1] += rel * (f[1] - f[0]) * np.cos(np.arange(1, f.size - 1))
        lines.append(f)
    g = Grid.from_lines(*lines)
    assert not g.is_uniform
    return g


def _heated_duct(cells=(16, 8, 8)) -> dict:  # part faces on grid lines
    return {
        "case": {"name": "heated-duct"},
        "domain": {"size": [0.2, 0.1, 0.1], "cells": list(cells)},
        "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 2.0,
                   "box": {"min": [0.075, 0.0, 0.025], "max": [0.1, 0.05, 0.075]}}],
        "boundaries": [
            {"name": "inlet", "face": "x-", "flow": "inlet", "velocity": [0.02, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "outlet", "face": "x+", "flow": "outlet"},
            {"name": "floor", "face": "y-", "flow": "wall", "htc": 5.0, "ambient": 25.0},
        ],
        "physics": {"buoyancy": True},
        "solver": {"mode": "steady", "tolerance": 1e-7, "max_steps": 60, "steps_per_call": 60},
    }


@pytest.mark.slow
def test_graded_terms_reduce_to_the_uniform_ones():
    """The same case on a uniform grid and on its lines moved by 1e-9 of a cell (which
    runs every graded expression: QUICK and van Leer weights, distance-weighted
    Laplacians, the volume-weighted multigrid and viscous solve): equal to 1e-6."""
    case = case_from_dict(_heated_duct())
    a = Simulation(case)
    b = Simulation(case, build_flow_model(case, _nearly_uniform(case.grid)))
    assert isinstance(b.settings.h[0], tuple) and not isinstance(a.settings.h[0], tuple)
    sa, ia = a.run()
    sb, ib = b.run()
    assert ia.steps == ib.steps == 60
    dT = float(np.abs(np.asarray(sa.T) - np.asarray(sb.T)).max())
    du = max(float(np.abs(np.asarray(sa.u[c]) - np.asarray(sb.u[c])).max()) for c in range(3))
    print(f"after 60 steps: max |dT| {dT:.3g} K, max |du| {du:.3g} m/s "
          f"(T span {float(np.ptp(np.asarray(sa.T))):.3g} K)")
    assert dT < 1e-6 and du < 1e-8


def _graded_duct() -> dict:
    d = _heated_duct()
    del d["domain"]["cells"]
    d["grid"] = {"max_cell": [0.025, 0.025, 0.025], "max_ratio": 1.2, "min_cells_across": 3,
                 "refine": [{"parts": ["block"], "max_cell": 0.00625}]}
    d["physics"]["buoyancy"] = False  # a steady wake (the plume of a 2 W block is not steady)
    d["solver"] = {"mode": "steady", "tolerance": 1e-6, "max_steps": 6000, "steps_per_call": 500}
    return d


def test_graded_run_conserves_mass_and_heat():
    from thermo.diagnostics.summary import summarise

    sim = Simulation(case_from_dict(_graded_duct()))
    w = [sim.grid.widths(a) for a in range(3)]
    print("cells", sim.grid.cells, "widths", [(f"{x.min():.4g}", f"{x.max():.4g}") for x in w])
    state, info = sim.run()
    s = summarise(sim, state, info)
    flow_in = s["boundaries"]["inlet"]["mass_flow_kg_s"]
    flow_out = s["boundaries"]["outlet"]["mass_flow_kg_s"]
    print(info.status, info.steps, "imbalance", s["energy_imbalance"], "mass in/out", flow_in, flow_out,
          "block max", s["parts"]["block"]["max_temperature_c"], "res_div", info.res_div)
    assert info.status == "converged"
    assert abs(flow_in + flow_out) <= 1e-9 * abs(flow_in)
    assert s["energy_imbalance"] < 1e-4
    assert info.res_div < 1e-6


def test_cli_run_on_a_graded_grid_opens_with_plain_pyvista(tmp_path):
    import pyvista

    from thermo import load

    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "thermo", "run", "--example", "devahldavis-graded",
                        "--set", "solver.max_steps=20", "--set", "solver.steps_per_call=20",
                        "-o", str(out), "--quiet"], capture_output=True, text=True, timeout=600)
    print(r.stdout[-2000:], r.stderr[-2000:])
    assert r.returncode == 0
    res = load(out)
    grid = res.grid
    assert not grid.is_uniform and grid.cells[2] == 1
    mesh = pyvista.read(out / "result.vtkhdf")
    assert mesh.n_cells == grid.ncells
    centres = np.asarray(mesh.cell_centers().points)
    # VTK order: x fastest; the graded x of the first row of cells
    xs = centres[: grid.cells[0], 0]
    print("pyvista cell centres x[:5]", xs[:5], "grid", grid.centers(0)[:5])
    assert np.allclose(xs, grid.centers(0), rtol=0, atol=1e-12)
    assert np.allclose(np.diff(res.faces.x), grid.widths(0))
    w = grid.widths(0)
    assert w.max() / w.min() > 5  # the graded spacing survived the round trip
    T = np.asarray(mesh.cell_data["T"])
    assert np.allclose(np.ravel(res.fields["T"], order="F"), T)
