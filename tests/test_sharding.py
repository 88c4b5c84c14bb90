"""One case's grid split over several devices (thermo/solver/sharding.py).

The sharded runs use forced CPU devices (``--xla_force_host_platform_device_count``),
which must be set before JAX starts: they run in a subprocess each.
"""
import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest
from jax.sharding import Mesh, PartitionSpec

from thermo.case import CaseError, case_from_dict
from thermo.solver import Simulation
from thermo.solver.sharding import mesh_shape, resolve_count, DevicesError, spec_for

# a duct with a heated aluminium block: flow, buoyancy, conduction and advection
CASE = {
    "case": {"name": "sharded-duct"},
    "domain": {"size": [0.2, 0.2, 0.2], "cells": [8, 8, 8]},
    "fluid": {"material": "air"},
    "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 20.0,
               "box": {"min": [0.075, 0.0, 0.0], "max": [0.125, 0.1, 0.1]}}],
    "boundaries": [
        {"name": "in", "face": "x-", "flow": "inlet", "volume_flow": 0.004, "temperature": 20.0,
         "region": {"min": [0.0, 0.0], "max": [0.1, 0.1]}},
        {"name": "out", "face": "x+", "flow": "outlet"},
    ],
    "physics": {"buoyancy": True},
}


def test_the_mesh_splits_every_axis_it_can_with_the_fewest_cut_faces():
    assert mesh_shape((8, 8, 8), 8) == (2, 2, 2)
    assert mesh_shape((8, 8, 8), 4) in ((1, 2, 2), (2, 1, 2), (2, 2, 1))
    # the long axis is cut where its cross-section is smallest
    assert mesh_shape((64, 8, 8), 4) == (4, 1, 1)
    assert mesh_shape((16, 16, 1), 4) == (2, 2, 1)  # a 2-D grid: its two axes
    assert mesh_shape((6, 6, 6), 4) in ((1, 2, 2), (2, 1, 2), (2, 2, 1))
    assert mesh_shape((5, 5, 5), 2) is None  # no axis divides
    assert mesh_shape((4, 4, 4), 8) == (2, 2, 2)
    assert mesh_shape((4, 4, 4), 16) is None  # 1 cell per device along an axis: refused
    assert resolve_count("all", (5, 6, 7), 8) == 3  # the most there are that split it
    with pytest.raises(DevicesError, match="counts that can: 1, 2, 3, 4, 6, 8$"):
        resolve_count(5, (6, 6, 6), 8)


def test_cells_are_split_faces_kept_whole_along_their_axis_small_levels_replicated():
    devs = np.array(jax.devices()[:1] * 8, dtype=object)  # spec_for reads only the shape
    mesh = Mesh(devs.reshape(2, 2, 2), ("x", "y", "z"))
    assert spec_for((8, 8, 8), mesh) == PartitionSpec("x", "y", "z")
    assert spec_for((9, 8, 8), mesh) == PartitionSpec(None, "y", "z")
    assert spec_for((1, 8, 8), mesh) == PartitionSpec(None, "y", "z")  # a ghost slab
    assert spec_for((2, 2, 2), mesh) == PartitionSpec(None, None, None)  # a coarse level
    assert spec_for((16, 16), mesh) == PartitionSpec()  # the dense coarse operator


def test_a_device_count_that_cannot_split_the_grid_is_refused_naming_the_key():
    case = json.loads(json.dumps(CASE))
    case["solver"] = {"devices": 3}
    with pytest.raises(CaseError, match=r"solver\.devices.*3 devices"):
        Simulation(case_from_dict(case))
    case["solver"] = {"devices": "some"}
    with pytest.raises(CaseError, match=r"solver\.devices"):
        case_from_dict(case)


# run in a subprocess with N forced CPU devices: the march and the implicit steady
# scheme on 1 device and on N (the 1-device fields kept in REF); prints JSON
SCRIPT = textwrap.dedent("""
    import json, os, sys
    import jax, numpy as np
    jax.config.update("jax_enable_x64", True)
    from thermo.case import case_from_dict
    from thermo.solver import Simulation
    case, n, ref = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    assert len(jax.devices()) == n
    schemes = {"march": {"mode": "transient", "end_time": 10.0, "max_steps": 12},
               "implicit": {"scheme": "implicit", "max_steps": 6}}
    out = {}
    loaded = os.path.exists(ref)
    have = dict(np.load(ref)) if loaded else {}
    for name, solver in schemes.items():
        for d in ((n,) if loaded else (1, n)):
            sim = Simulation(case_from_dict({**case, "solver": {**solver, "devices": d,
                                                                 "steps_per_call": 20}}))
            state, info = sim.run()
            fields = sim.cell_fields(state)
            if d == 1:
                have.update({f"{name}/{k}": v for k, v in fields.items()})
                continue
            out[name] = {
                "steps": info.steps,
                "mesh": [sim.mesh.shape[a] for a in "xyz"],
                "shards": len(state.T.addressable_shards),
                "local": list(state.T.addressable_shards[0].data.shape),
                "spec": [str(x) for x in state.T.sharding.spec],
                "u0_spec": [str(x) for x in state.u[0].sharding.spec],
                "error": {k: float(np.max(np.abs(v - have[f"{name}/{k}"]))
                                   / max(np.max(np.abs(have[f"{name}/{k}"])), 1e-300))
                          for k, v in fields.items()},
                "scale": {k: float(np.max(np.abs(v))) for k, v in fields.items()}}
    if not loaded:
        np.savez(ref, **have)
    print("RESULT", json.dumps(out))
""")


def run_forced(n: int, ref) -> dict:
    env = dict(os.environ)
    # the partitioned step's compile is 2-3x the single device's; XLA's back-end
    # optimisations halve it and change no result compared here (both runs take them)
    env["XLA_FLAGS"] = (f"--xla_force_host_platform_device_count={n} "
                        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true")
    env["JAX_PLATFORMS"] = "cpu"
    p = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(CASE), str(n), str(ref)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


# 4 devices in the default suite (about 60 s of CPU: four compiles, the partitioned
# ones 2-3x the single device's); 8 devices with `pytest -m validation` (the same again)
@pytest.mark.parametrize("n, mesh", [(4, [1, 2, 2]), pytest.param(8, [2, 2, 2],
                                                                   marks=pytest.mark.validation)])
def test_sharded_march_and_implicit_runs_equal_one_device(tmp_path, n, mesh):
    out = run_forced(n, tmp_path / "one-device.npz")
    assert sorted(out) == ["implicit", "march"]
    for scheme, r in out.items():
        print(n, "devices", scheme, "mesh", r["mesh"], "shard", r["local"],
              "relative error", r["error"], "steps", r["steps"])
        assert r["steps"] == (12 if scheme == "march" else 6)
        assert r["mesh"] == mesh  # a block split, not slabs
        assert r["shards"] == n  # every device holds a part of T
        assert np.prod(r["local"]) == 8 ** 3 // n
        assert r["u0_spec"][0] == "None"  # the x faces: whole along x
        assert r["scale"]["T"] > 20.001 and r["scale"]["U"] > 1e-3  # heat and flow moved
        for k, e in r["error"].items():
            assert e < 1e-12, (n, scheme, k, e)
