"""The flow solver end to end: conservation, solids, precision, compilation reuse."""
import json

import numpy as np
import pytest

from thermo.case import case_from_dict
from thermo.runner import run_case
from thermo.solver import Simulation
from thermo.solver.step import compiled_advance
from thermo.validation.flow import cavity_case


def duct_case(precision="float64", steps=400):
    """A 3-D duct with an inlet patch, an outlet and a solid block in the way."""
    return {
        "case": {"name": "duct"},
        "domain": {"size": [0.4, 0.1, 0.1], "cells": [32, 8, 8]},
        "fluid": {"material": "air"},
        "parts": [{"name": "block", "kind": "solid", "material": "aluminium",
                   "box": {"min": [0.1, 0.0, 0.0], "max": [0.15, 0.06, 0.1]}}],
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "volume_flow": 0.002,
             "region": {"min": [0.0, 0.0], "max": [0.1, 0.05]}},
            {"name": "out", "face": "x+", "flow": "outlet"},
        ],
        "solver": {"mode": "transient", "end_time": 10.0, "max_steps": steps,
                   "steps_per_call": 100, "precision": precision, "pressure_tolerance": 1e-10},
    }


def test_mass_is_conserved_through_a_duct_with_a_solid(tmp_path):
    summary = run_case(case_from_dict(duct_case()), tmp_path / "out", quiet=True)
    b = summary["boundaries"]
    rho = 1.205
    print("mass flow in", b["in"]["mass_flow_kg_s"], "out", b["out"]["mass_flow_kg_s"])
    np.testing.assert_allclose(b["in"]["mass_flow_kg_s"], rho * 0.002, rtol=1e-12)
    imbalance = abs(b["in"]["mass_flow_kg_s"] + b["out"]["mass_flow_kg_s"]) / (rho * 0.002)
    print("relative mass imbalance", imbalance)
    assert imbalance < 1e-8
    assert summary["parts"]["block"]["cells"] == 4 * 5 * 8
    assert summary["residuals"]["continuity"] < 1e-8
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk["boundaries"]["out"]["mass_flow_kg_s"] == b["out"]["mass_flow_kg_s"]


def test_a_run_writes_a_result_that_a_plain_pyvista_read_opens(tmp_path):
    # PyVista picks its reader by extension: the result must not need force_ext
    pv = pytest.importorskip("pyvista")
    run_case(case_from_dict(duct_case(steps=5)), tmp_path / "out", quiet=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["result.vtkhdf", "summary.json"]
    mesh = pv.read(str(tmp_path / "out" / "result.vtkhdf"))
    assert mesh.n_cells == 32 * 8 * 8 and mesh.bounds[1] == pytest.approx(0.4)
    import thermo

    r = thermo.load(tmp_path / "out")
    # VTK's cell order is x fastest: our [i, j, k] arrays transposed
    np.testing.assert_array_equal(mesh.cell_data["T"], r.fields["T"].transpose(2, 1, 0).ravel())
    speed = np.linalg.norm(mesh.cell_data["U"], axis=1)
    assert speed.max() > 0.05 and speed.max() == pytest.approx(np.linalg.norm(r.fields["U"], axis=-1).max())


def test_no_flow_through_solid_faces():
    sim = Simulation(case_from_dict(duct_case(steps=50)))
    state, info = sim.run()
    assert info.steps == 50
    u = np.asarray(state.u[0])
    # x-faces inside and on the block (x from 0.1 to 0.15 -> faces 8..12, y < 0.06)
    assert np.all(u[8:13, :5, :] == 0.0)
    assert np.abs(u[8:13, 5:, :]).max() > 0.0


def test_float32_cavity_agrees_with_float64():
    speeds = {}
    for precision in ("float32", "float64"):
        d = cavity_case(16, 100.0, precision=precision, tolerance=1e-4)
        sim = Simulation(case_from_dict(d))
        state, info = sim.run()
        assert info.status == "converged", info
        assert state.u[0].dtype == np.dtype(precision)
        speeds[precision] = np.asarray(state.u[0], np.float64)
    diff = np.abs(speeds["float32"] - speeds["float64"]).max()
    print("max |u32 - u64|", diff)
    assert diff < 1e-3


def test_second_run_of_same_shape_compiles_nothing():
    d = cavity_case(8, 100.0)
    d["solver"].update(mode="transient", end_time=100.0, max_steps=20, steps_per_call=10)
    sims = [Simulation(case_from_dict(d)) for _ in range(2)]
    sims[0].run()
    fn = compiled_advance(sims[0].settings)
    before = fn._cache_size()
    d["case"]["name"] = "another-name"
    sims[1].run()
    assert compiled_advance(sims[1].settings) is fn
    assert fn._cache_size() == before == 1


def test_blow_up_stops_and_keeps_last_good_state():
    d = cavity_case(8, 1000.0)
    d["solver"].update(mode="transient", end_time=1e6, max_steps=5000, steps_per_call=5000,
                       dt=5.0)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    print(info)
    assert info.status == "diverged"
    assert info.steps < 5000
    assert all(np.isfinite(np.asarray(c)).all() for c in state.u)
