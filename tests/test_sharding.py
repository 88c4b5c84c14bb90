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
from thermo.solver import capacity
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


def test_the_default_is_one_device_unless_the_grid_does_not_fit_then_the_fewest_that_hold_it():
    case = case_from_dict(CASE)
    grid, cpu = case.grid, jax.devices("cpu")[0]
    need = capacity.bytes_needed(case, grid)
    share = [capacity.bytes_per_device(need, n) for n in (1, 2, 4, 8)]
    print("bytes per device on 1, 2, 4, 8 devices:", share)
    assert share == sorted(share, reverse=True) and share[3] < need  # a split holds less
    # 8 devices there: one if it fits; else the fewest of 2, 4, 8 that hold the grid
    assert capacity.device_count(case, grid, cpu, available=8, memory=need)[0] == 1
    assert capacity.device_count(case, grid, cpu, available=8, memory=need - 1)[0] == 2
    n, why = capacity.device_count(case, grid, cpu, available=8, memory=share[2])
    assert n == 4 and "cannot hold the grid" in why and "fewest devices" in why
    # one device there (this process): refused as before, naming the key and the bytes
    with pytest.raises(CaseError, match=rf"domain\.cells: .*{need:,} bytes"):
        capacity.device_count(case, grid, cpu, available=1, memory=need - 1)
    with pytest.raises(CaseError, match=r"split over 8 devices"):
        capacity.device_count(case, grid, cpu, available=8, memory=share[3] - 1)
    # an asked count is kept, and refused when its devices cannot hold their parts
    assert capacity.device_count(case_from_dict({**CASE, "solver": {"devices": "all"}}), grid,
                                 cpu, available=8, memory=need)[0] == 8
    with pytest.raises(CaseError, match=r"split over 2 devices"):
        capacity.device_count(case_from_dict({**CASE, "solver": {"devices": 2}}), grid, cpu,
                              available=8, memory=share[2])


# 8 forced CPU devices, each holding a 4-device share of the duct: the mesh of the
# default count and the line saying why (nothing compiles)
DEFAULT = textwrap.dedent("""
    import json, sys
    from thermo.case import case_from_dict
    from thermo.solver import Simulation, capacity
    capacity.device_memory = lambda device: int(sys.argv[2])
    sim = Simulation(case_from_dict(json.loads(sys.argv[1])))
    print("RESULT", json.dumps([sim.mesh.shape[a] for a in "xyz"]))
""")


def test_the_default_count_on_devices_too_small_for_the_grid_is_said_on_stderr():
    need = capacity.bytes_needed(case_from_dict(CASE), case_from_dict(CASE).grid)
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
           "JAX_PLATFORMS": "cpu"}
    p = subprocess.run([sys.executable, "-c", DEFAULT, json.dumps(CASE),
                        str(capacity.bytes_per_device(need, 4))],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-4000:]
    mesh = json.loads(p.stdout.split("RESULT", 1)[1])
    said = [x for x in p.stderr.splitlines() if x.startswith("solver.devices")]
    print("the default on 8 devices each holding a 4-device share:", mesh, said)
    assert mesh == [1, 2, 2]  # the fewest devices that hold the grid, a block split
    assert len(said) == 1 and said[0].startswith(
        "solver.devices: 4 devices (the default, one device, cannot hold the grid")


# run in a subprocess with 8 forced CPU devices: the march and the implicit steady
# scheme on 1 device, then on each of its counts in RUNS (one process: a 1-device
# compile serves both counts); prints JSON. The partitioned compiles are the cost
# (CPU seconds under load, 2 cores: march 5.7 on 1 device, 12.8 on 4, 21.2 on 8;
# implicit 10.0, 22.3, 41.0; 6 or 2 steps instead of 12 or 6 save under 1 s): the
# implicit scheme runs on 8 devices only, its split over every axis (the 1x2x2 split
# of 4 devices is the march's)
RUNS = {"march": [4, 8], "implicit": [8]}
MESH = {4: [1, 2, 2], 8: [2, 2, 2]}  # device count: the mesh expected (a block split)
SCRIPT = textwrap.dedent("""
    import json, sys
    import jax, numpy as np
    jax.config.update("jax_enable_x64", True)
    from thermo.case import case_from_dict
    from thermo.solver import Simulation
    case, runs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    assert len(jax.devices()) == 8
    out = {}
    schemes = {"march": {"mode": "transient", "end_time": 10.0, "max_steps": 12},
               "implicit": {"scheme": "implicit", "max_steps": 6}}
    for name, solver in schemes.items():
        have = {}
        for d in (1, *runs[name]):
            sim = Simulation(case_from_dict({**case, "solver": {**solver, "devices": d,
                                                                 "steps_per_call": 20}}))
            state, info = sim.run()
            fields = sim.cell_fields(state)
            if d == 1:
                have = fields
                continue
            out.setdefault(str(d), {})[name] = {
                "steps": info.steps,
                "mesh": [sim.mesh.shape[a] for a in "xyz"],
                "shards": len(state.T.addressable_shards),
                "local": list(state.T.addressable_shards[0].data.shape),
                "spec": [str(x) for x in state.T.sharding.spec],
                "u0_spec": [str(x) for x in state.u[0].sharding.spec],
                "error": {k: float(np.max(np.abs(v - have[k]))
                                   / max(np.max(np.abs(have[k])), 1e-300))
                          for k, v in fields.items()},
                "scale": {k: float(np.max(np.abs(v))) for k, v in fields.items()}}
    print("RESULT", json.dumps(out))
""")


def run_forced(runs: dict) -> dict:
    env = dict(os.environ)
    # the partitioned step's compile is 2-4x the single device's; XLA's back-end
    # optimisations halve it and change no result compared here (every run takes them)
    env["XLA_FLAGS"] = ("--xla_force_host_platform_device_count=8 "
                        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true")
    env["JAX_PLATFORMS"] = "cpu"
    p = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(CASE), json.dumps(runs)],
                       env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-4000:]
    line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.slow
def test_sharded_march_and_implicit_runs_on_4_and_8_devices_equal_one_device():
    """One subprocess, 8 forced CPU devices: each scheme once on 1 device, then split
    over 4 (a 1x2x2 mesh; the march) and over 8 (2x2x2, every axis split; both)."""
    out = run_forced(RUNS)
    done = sorted((n, scheme) for n, r in out.items() for scheme in r)
    assert done == [("4", "march"), ("8", "implicit"), ("8", "march")]
    for n, by_scheme in out.items():
        for scheme, r in by_scheme.items():
            print(n, "devices", scheme, "mesh", r["mesh"], "shard", r["local"],
                  "relative error", r["error"], "steps", r["steps"])
            assert r["steps"] == (12 if scheme == "march" else 6)
            assert r["mesh"] == MESH[int(n)]  # a block split, not slabs
            assert r["shards"] == int(n)  # every device holds a part of T
            assert np.prod(r["local"]) == 8 ** 3 // int(n)
            assert r["u0_spec"][0] == "None"  # the x faces: whole along x
            assert r["scale"]["T"] > 20.001 and r["scale"]["U"] > 1e-3  # heat and flow moved
            for k, e in r["error"].items():
                assert e < 1e-12, (n, scheme, k, e)
