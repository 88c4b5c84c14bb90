"""Checkpoints, restart after SIGKILL, transient frames, and divergence reports."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from thermo.case import load_case
from thermo.io.checkpoint import FRAMES_DIR, load_checkpoint_extras
from thermo.io.result import read_result
from thermo.runner import DivergenceError, run_case

CASE = """
[case]
name = "restart-cavity"
[domain]
size = [1.0, 1.0, 0.03125]
cells = [32, 32, 1]
[[materials]]
name = "cavity"
density = 1.0
specific_heat = 1.0
conductivity = 0.01
viscosity = 0.01
expansion = 0.0
[fluid]
material = "cavity"
[[boundaries]]
name = "lid"
face = "y+"
velocity = [1.0, 0.0, 0.0]
temperature = 30.0
[[boundaries]]
name = "floor"
face = "y-"
temperature = 20.0
[[boundaries]]
name = "zlo"
face = "z-"
flow = "slip"
[[boundaries]]
name = "zhi"
face = "z+"
flow = "slip"
[solver]
mode = "transient"
end_time = 40.0
checkpoint_every = 1.0
steps_per_call = 25
[output]
every = 10.0
"""


def _case_file(tmp_path):
    path = tmp_path / "case.toml"
    path.write_text(CASE)
    return path


# A closed room: a 1.5 kW server and a cooling unit supplying 35 C air into 22 C
# air. The server's inlet passes 27 C (about 1.2 s) and 32 C (about 1.5 s) before
# the first checkpoint (2 s); frames every 0.5 s.
ROOM = """
[case]
name = "restart-room"
[domain]
size = [1.2, 0.6, 0.9]
cells = [8, 4, 6]
[fluid]
material = "air"
reference_temperature = 22.0
[[parts]]
name = "srv"
kind = "server"
direction = "+x"
power = 1500.0
volume_flow = 0.1
box = { min = [0.3, 0.15, 0.15], max = [0.6, 0.45, 0.45] }
[[parts]]
name = "crah"
kind = "crah"
direction = "-x"
intake = "+z"
volume_flow = 0.12
supply_temperature = 35.0
box = { min = [0.9, 0.0, 0.0], max = [1.2, 0.6, 0.6] }
[solver]
mode = "transient"
end_time = 4.0
steps_per_call = 10
checkpoint_every = 2.0
[output]
every = 0.5
"""


def _kill_after_first_checkpoint(path, out):
    """Run ``thermo run`` in another process and SIGKILL it once a checkpoint exists."""
    proc = subprocess.Popen([sys.executable, "-m", "thermo", "run", str(path), "-o", str(out),
                             "--quiet"], env=dict(os.environ))
    deadline = time.time() + 300
    while not (out / "checkpoint.h5").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "checkpoint.h5").exists()
    assert not (out / "result.vtkhdf").exists(), "the run finished before it could be killed"
    leftovers = [p.name for p in out.iterdir() if ".tmp-" in p.name]
    assert not leftovers, leftovers


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    """Killed after its first checkpoint and resumed, a run gives what an uninterrupted
    one gives: the final fields bit for bit, every frame from the start (times and
    fields), and the server inlet history and its crossing times, which fall before
    the checkpoint."""
    path = tmp_path / "room.toml"
    path.write_text(ROOM)
    full = tmp_path / "full"
    ref = run_case(load_case(path), full, quiet=True)
    assert not (full / FRAMES_DIR).exists()  # the result holds the frames: none left over

    killed = tmp_path / "killed"
    _kill_after_first_checkpoint(path, killed)
    ck = load_checkpoint_extras(killed / "checkpoint.h5")
    print("killed after the checkpoint at", ck["time_s"], "s with", ck["frames"], "frames;",
          "crossings of the uninterrupted run", ref["inlet_crossings_s"])
    assert ck["time_s"] < 4.0
    # the crossings and some frames fell before the checkpoint the run resumes from
    assert 0.0 < ref["inlet_crossings_s"]["27"] < ref["inlet_crossings_s"]["32"] < ck["time_s"]
    assert ck["frames"] == round(ck["time_s"] / 0.5) >= 4

    summary = run_case(load_case(path), killed, quiet=True, resume=True)
    assert summary["converged"] and summary["simulated_time_s"] == pytest.approx(4.0)
    a, b = read_result(full / "result.vtkhdf"), read_result(killed / "result.vtkhdf")
    for name in ("T", "U", "p"):
        same = np.array_equal(a["fields"][name], b["fields"][name])
        print(name, "bitwise equal:", same, "max diff",
              np.abs(a["fields"][name] - b["fields"][name]).max())
        assert same
    # every frame from the start, in order, bit for bit
    assert [t for t, _ in a["frames"]] == pytest.approx([0.5 * k for k in range(1, 9)], abs=1e-12)
    assert [t for t, _ in b["frames"]] == [t for t, _ in a["frames"]]
    for (_, fa), (_, fb) in zip(a["frames"], b["frames"]):
        assert set(fa) == set(fb) and all(np.array_equal(fa[k], fb[k]) for k in fa)
    # the inlet history from t = 0 and the crossings before the checkpoint
    print("resumed crossings", summary["inlet_crossings_s"])
    assert summary["inlet_crossings_s"] == ref["inlet_crossings_s"]
    assert summary["inlet_crossing_servers"] == ref["inlet_crossing_servers"]
    assert summary["inlet_history"] == ref["inlet_history"]
    assert summary["inlet_history"]["time_s"][0] == 0.0
    assert not (killed / FRAMES_DIR).exists()


def test_resume_refuses_another_case(tmp_path):
    path = _case_file(tmp_path)
    out = tmp_path / "out"
    run_case(load_case(path, ["solver.end_time=2.0"]), out, quiet=True)
    from thermo.case import CaseError
    with pytest.raises(CaseError, match="differs .* in materials") as info:
        run_case(load_case(path, ["solver.end_time=2.0", "materials[0].viscosity=0.02"]), out,
                 quiet=True, resume=True)
    print(info.value)
    # another grid: the key named, not the arrays' shapes
    with pytest.raises(CaseError, match="differs .* in domain.cells; accepted: the same case file "
                                        "and --set overrides, except in case.description, "
                                        "solver.max_steps") as info:
        run_case(load_case(path, ["solver.end_time=2.0", "domain.cells=[10,6,1]"]), out,
                 quiet=True, resume=True)
    print(info.value)


def test_resume_runs_on_with_a_later_stop(tmp_path):
    """A finished run resumed with a later end (or more steps, another tolerance) goes on
    from its checkpoint: a run to 2 s resumed to 3 s ends on the bits of one run to 3 s
    at once, and the stored case text (file and overrides) loads back to the same case."""
    from thermo.case.loading import case_from_text, differing_keys

    path = _case_file(tmp_path)
    full, split = tmp_path / "full", tmp_path / "split"
    run_case(load_case(path, ["solver.end_time=3.0"]), full, quiet=True)
    first = run_case(load_case(path, ["solver.end_time=2.0"]), split, quiet=True)
    assert first["simulated_time_s"] == pytest.approx(2.0)
    case = load_case(path, ["solver.end_time=3.0", "case.description=resumed"])
    assert differing_keys(case_from_text(case.text, "text").data, case.data) == []
    before = load_checkpoint_extras(split / "checkpoint.h5")["wall_s"]
    summary = run_case(case, split, quiet=True, resume=True)
    print(first["steps"], "steps to 2 s, then", summary["steps"], "to", summary["simulated_time_s"],
          "; wall", first["wall_time_s"], "then", summary["wall_time_s"], "of which", before, "before")
    # the whole run's wall time: the first segment's up to its last checkpoint (at its end)
    assert 0.0 < before <= first["wall_time_s"] and summary["wall_time_resumed_s"] == before
    assert summary["wall_time_s"] > before
    assert "wall_time_resumed_s" not in first
    assert summary["simulated_time_s"] == pytest.approx(3.0) and summary["steps"] > first["steps"]
    a, b = read_result(full / "result.vtkhdf"), read_result(split / "result.vtkhdf")
    for name in ("T", "U", "p"):
        print(name, "max diff", np.abs(a["fields"][name] - b["fields"][name]).max())
        assert np.array_equal(a["fields"][name], b["fields"][name])


def test_divergence_reports_field_and_keeps_last_good_checkpoint(tmp_path):
    path = _case_file(tmp_path)
    case = load_case(path, ["solver.dt=5.0", "solver.end_time=1e6", "solver.max_steps=5000",
                            "solver.checkpoint_every=0", "output.every=0"])
    out = tmp_path / "blown"
    with pytest.raises(DivergenceError) as err:
        run_case(case, out, quiet=True)
    msg = str(err.value)
    print(msg)
    assert "blew up at step" in msg and "non-finite" in msg and "cell" in msg
    assert "solver.cfl" in msg
    assert (out / "checkpoint.h5").exists() and not (out / "result.vtkhdf").exists()
    import h5py
    with h5py.File(out / "checkpoint.h5") as f:
        leaves = [f[k][()] for k in f if k.startswith("leaf")]
    fields = [x for x in leaves if np.ndim(x) == 3]  # velocities, pressure, temperature, ...
    assert len(fields) >= 5 and all(np.isfinite(x).all() for x in fields)


def test_checkpoint_keeps_every_monitors_records_exactly(tmp_path):
    """The inlet, chip and steady-state monitors' records go into the checkpoint and
    come back exactly; restored monitors report what the originals report. A
    checkpoint written without them (as earlier versions wrote it) still loads,
    with no records."""
    from types import SimpleNamespace

    from thermo.case import case_from_dict
    from thermo.io.checkpoint import load_checkpoint, save_checkpoint
    from thermo.diagnostics.air import inlet_recorder
    from thermo.diagnostics.coldplates import chip_recorder
    from thermo.diagnostics.steady import SteadyMonitor
    from thermo.solver import Simulation
    from thermo.validation.liquid import loop_case

    path = tmp_path / "room.toml"
    path.write_text(ROOM)
    room = Simulation(load_case(path))
    d = loop_case()
    d["parts"][2]["chip_limit_c"] = 40.0
    d["solver"] = {"mode": "transient", "end_time": 1.0}
    loop = Simulation(case_from_dict(d))
    steady = Simulation(load_case(path, ["solver.mode=steady", "solver.monitor_window=1.0"]))

    rng = np.random.default_rng(7)
    inlets, chips, settle = (inlet_recorder(room), chip_recorder(loop),
                             SteadyMonitor(steady))
    assert inlets.on and chips.on and settle.on
    for k, t in enumerate((0.0, 0.1 / 3, 0.25, 0.7)):  # times and values not round in binary
        for sim, mon in ((room, inlets), (loop, chips)):
            mon(SimpleNamespace(t=t, T=25.0 + 20.0 * rng.random(sim.grid.cells)))
        settle.records.append((t, rng.normal(), 1.0 + rng.random(),
                               {"srv inlet max": 22.0 + rng.random(), "fluid max": 30.0 + k / 3},
                               {"crah speed": 0.6 + rng.random() / 7},
                               {"air.rti_pct": 90.0 + rng.random(), "air.bypass_fraction": rng.random()}))
    ck = tmp_path / "checkpoint.h5"
    save_checkpoint(ck, room.initial_state(), room.case.text, run_id="abc", frames=3,
                    records={"inlets": inlets.export(), "chips": chips.export(),
                             "steady": settle.export()})
    extras = load_checkpoint_extras(ck)
    assert extras["run_id"] == "abc" and extras["frames"] == 3
    again = (inlet_recorder(room), chip_recorder(loop), SteadyMonitor(steady))
    for mon, name in zip(again, ("inlets", "chips", "steady")):
        mon.restore(extras["records"][name])
    assert again[0].times == inlets.times and again[0].values == inlets.values
    assert again[1].times == chips.times and again[1].values == chips.values
    assert again[2].records == settle.records
    assert again[0].summary() == inlets.summary() and again[1].summary() == chips.summary()
    assert chips.summary()["crossings"]["first_time_s"] is not None

    save_checkpoint(ck, room.initial_state(), room.case.text)  # no records, no run id
    state, text = load_checkpoint(ck, room.initial_state())
    assert text == room.case.text and int(state.step) == 0
    assert load_checkpoint_extras(ck) == {"records": {}, "run_id": None, "frames": None,
                                          "time_s": 0.0, "wall_s": None}
    save_checkpoint(ck, room.initial_state(), room.case.text, wall_s=12.5)
    assert load_checkpoint_extras(ck)["wall_s"] == 12.5


def test_resume_from_a_checkpoint_without_records_or_frames(tmp_path, capsys):
    """An earlier version's checkpoint (state only) still resumes: the run finishes,
    warns that what came before the checkpoint is not kept, and its result holds
    the frames from the checkpoint on."""
    from thermo.io.checkpoint import save_checkpoint
    from thermo.solver import Simulation
    from thermo.solver.callbacks import Callback, Every

    path = _case_file(tmp_path)
    case = load_case(path, ["solver.end_time=2.0", "output.every=0.5"])
    out = tmp_path / "old"
    out.mkdir()

    class Stop(Exception):
        pass

    def checkpoint(state, wall):
        save_checkpoint(out / "checkpoint.h5", state, case.text)  # as earlier versions did
        raise Stop

    every = case.data["solver"]["checkpoint_every"]
    with pytest.raises(Stop):
        Simulation(case).run(callbacks=[Callback("checkpoint", checkpoint, Every(every))])
    capsys.readouterr()
    summary = run_case(case, out, quiet=True, resume=True)
    err = capsys.readouterr().err
    print(err)
    assert "earlier version" in err and "after t = 1 s" in err
    assert summary["converged"] and summary["simulated_time_s"] == pytest.approx(2.0)
    assert [t for t, _ in read_result(out / "result.vtkhdf")["frames"]] == pytest.approx([1.5, 2.0])


def test_sigterm_stops_after_the_call_and_writes_everything(tmp_path):
    """``thermo run`` sent SIGTERM mid-run stops after its current device call and
    wraps up as at ``max_steps``: exit status 0, the result and summary written (with
    ``stopped_by``), and a checkpoint at the stop, from which ``--resume`` to a later
    end gives the bits of one uninterrupted run to that end."""
    path = _case_file(tmp_path)
    out = tmp_path / "stopped"
    proc = subprocess.Popen([sys.executable, "-m", "thermo", "run", str(path), "-o", str(out),
                             "--quiet", "--set", "solver.end_time=1e5"],
                            env=dict(os.environ), stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not (out / "checkpoint.h5").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    print(err)
    assert proc.returncode == 0, err
    summary = json.loads((out / "summary.json").read_text())
    t_stop = summary["simulated_time_s"]
    print("stopped at step", summary["steps"], "t", t_stop, "status", summary["status"])
    assert summary["stopped_by"] == "SIGTERM" and summary["status"] == "running"
    assert 1.0 <= t_stop < 1e5 and "stopped by SIGTERM" in err
    assert read_result(out / "result.vtkhdf")["attrs"]["simulated_time_s"] == t_stop
    assert load_checkpoint_extras(out / "checkpoint.h5")["time_s"] == t_stop
    end = f"solver.end_time={t_stop + 1.5!r}"
    resumed = run_case(load_case(path, [end]), out, quiet=True, resume=True)
    assert "stopped_by" not in resumed
    full = tmp_path / "full"
    run_case(load_case(path, [end]), full, quiet=True)
    a, b = read_result(full / "result.vtkhdf"), read_result(out / "result.vtkhdf")
    for name in ("T", "U", "p"):
        print(name, "max diff", np.abs(a["fields"][name] - b["fields"][name]).max())
        assert np.array_equal(a["fields"][name], b["fields"][name])
