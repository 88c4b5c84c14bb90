"""The air rack at engineering resolution (thermo/cases/air-rack-60kw-engineering.toml):
its grid resolves every opening, its doors lose what Idelchik's formula says, and a
short run on a coarse grid keeps its heat.

The grid study itself (four grids, minutes to half an hour each on two CPU cores) is in the
README, "The air rack at engineering resolution", and benchmarks/RESULTS.md.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from thermo.case import example_path, load_case
from thermo.diagnostics.summary import summarise
from thermo.meshes.lines import part_boxes
from thermo.models.air import idelchik_loss
from thermo.solver import Simulation
from thermo.solver.callbacks import Callback

NAME = "air-rack-60kw-engineering"
GAP = (np.array([1.25, 0.3, 0.0]), np.array([2.35, 0.9, 0.1]))  # the leakage gap under the servers
# a coarse grid for the run: every part one cell across at least
COARSE = ["grid.max_cell=[0.3,0.3,0.3]", "grid.min_cells_across=1"]


@pytest.fixture(scope="module")
def case():
    return load_case(example_path(NAME))


def _cells_across(grid, lo, hi) -> list[int]:
    return [int(np.count_nonzero((grid.centers(a) > lo[a]) & (grid.centers(a) < hi[a])))
            for a in range(3)]


def test_the_example_is_the_rack_with_doors(case):
    d = case.data
    kinds = {p["name"]: p["kind"] for p in d["parts"]}
    assert kinds["front-door"] == kinds["rear-door"] == "porous"
    assert kinds["blanking-top"] == kinds["containment-roof"] == "solid"
    assert sorted(n for n, k in kinds.items() if k == "crah") == [f"cooler{k}" for k in range(1, 5)]
    server = next(p for p in d["parts"] if p["kind"] == "server")
    assert server["power"] * server["repeat"]["count"] == 60000.0
    assert d["physics"]["turbulence"] == "k-epsilon"
    assert d["solver"]["scheme"] == "implicit" and d["solver"]["precision"] == "float64"
    assert d["grid"]["min_cells_across"] == 5
    # the gap is open: no part's box reaches into it
    for p in d["parts"]:
        for lo, hi in part_boxes([p]):
            assert not (np.all(lo < GAP[1]) and np.all(hi > GAP[0])), p["name"]


def test_every_opening_is_five_cells_across(case):
    """Server fronts and backs (the server boxes' y-z faces), the doors, the blanking
    panel, the roof, the coolers and the leakage gap: at least 5 cells along every axis
    (the issue asks for 3)."""
    grid = case.grid
    print("grid", grid.cells, int(np.prod(grid.cells)), "cells")
    named = [(p["name"], b) for p in case.data["parts"] for b in part_boxes([p])]
    for name, (lo, hi) in named + [("leakage gap", GAP)]:
        n = _cells_across(grid, lo, hi)
        print(f"{name}: {n} cells across (x, y, z)")
        assert min(n) >= 5, (name, n)


def test_door_loss_is_idelchiks(case):
    """A check (the model against its own formula, not a validation): the drag the
    solver puts on the x-faces through the front door, summed over the door's
    thickness, is Idelchik's loss of a thin perforated plate at 64 % open area,
    ``K = (0.707 (1-f)**0.375 + 1 - f)**2 / f**2`` = 1.73 velocity heads, half of it
    per unit ``u**2`` (kinematic pressure drop ``K u**2 / 2``)."""
    f = 0.64
    door = next(p for p in case.data["parts"] if p["name"] == "front-door")
    assert door["open_area"] == f and door["direction"] == "x"
    k_written = (0.707 * (1 - f) ** 0.375 + 1 - f) ** 2 / f ** 2
    print(f"Idelchik K at f = {f}: {idelchik_loss(f):.6f} (written out {k_written:.6f})")
    assert idelchik_loss(f) == pytest.approx(k_written, rel=1e-12)
    assert k_written == pytest.approx(1.73, abs=0.005)
    sim = Simulation(load_case(example_path(NAME), COARSE))
    grid = sim.grid
    quad = np.asarray(sim.air.params.drag_quad[0])  # (nx + 1, ny, nz)
    wx = grid.widths(0)
    extents = np.concatenate([[wx[0]], 0.5 * (wx[:-1] + wx[1:]), [wx[-1]]])
    xf = grid.faces(0)
    j = int(np.searchsorted(grid.faces(1), 0.6)) - 1   # a column through the door's middle
    k = int(np.searchsorted(grid.faces(2), 1.0)) - 1
    near = (xf > 1.0) & (xf < 1.6)                       # the faces around the front door
    integral = float((quad[near, j, k] * extents[near]).sum())
    print(f"front door: sum of C2/2 over its thickness {integral:.6f} 1/1, K/2 {k_written / 2:.6f}")
    assert integral == pytest.approx(k_written / 2, rel=1e-9)


@pytest.mark.slow
def test_short_run_keeps_its_heat():
    """The time march on a coarse grid (the case's implicit scheme's pseudo-time steps
    store no physical heat), one step per device call: over each step the heat the
    fields hold changes by the net heat (the servers' 60 kW less what the coolers
    remove) that the summary gives at the step's start, to 1e-5 of the largest heat
    term. The energy step takes the coolers' intake at the old temperatures, so the
    summary's net heat is the rate of the step that follows it: measured to 1e-7 here,
    where a trapezoid over calls of several steps misses by up to 0.2 % in the first
    0.3 s while the returns warm by several K/s."""
    sets = COARSE + ['solver.scheme="march"', "solver.max_steps=30", "solver.steps_per_call=1"]
    sim = Simulation(load_case(example_path(NAME), sets))
    volume = sim.grid.cell_volumes()
    records = []

    def record(state, wall):
        info = SimpleNamespace(status="running", steps=int(state.step), simulated_time=float(state.t),
                               wall_time=0.0, compile_time=0.0, res_mom=0.0, res_div=0.0,
                               res_energy=0.0, pressure_iterations=0.0, energy_iterations=0.0,
                               viscous_iterations=0.0)
        s = summarise(sim, state, info)
        records.append((float(state.t), float((np.asarray(sim.params.capacity) * volume
                                               * np.asarray(state.T)).sum()),
                        s["net_heat_w"], s["heat_sources_w"], s["largest_heat_term_w"]))

    sim.run(callbacks=[Callback("record", record)])
    print("cells", int(np.prod(sim.grid.cells)), "calls", len(records))
    assert len(records) == 30
    assert all(r[3] == pytest.approx(60000.0) for r in records)
    misses = []
    for (t1, e1, q1, _, _), (t2, e2, _, _, scale) in zip(records, records[1:]):
        stored = (e2 - e1) / (t2 - t1)
        misses.append(abs(stored - q1) / scale)
        print(f"t {t2:.3f} s: stored {stored:.1f} W, net heat at the step's start {q1:.1f} W, "
              f"miss {misses[-1]:.2e} of {scale:.0f} W")
    # the run is a transient (the net heat falls from 60 kW), else this proves nothing
    assert records[-1][2] < 0.8 * records[0][2]
    assert max(misses) < 1e-5, misses
