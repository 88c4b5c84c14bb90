"""Checkpoints, restart after SIGKILL, transient frames, and divergence reports."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from thermo.case import load_case
from thermo.output import read_result
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


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    path = _case_file(tmp_path)
    full = tmp_path / "full"
    run_case(load_case(path), full, quiet=True)

    killed = tmp_path / "killed"
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "thermo", "run", str(path), "-o", str(killed),
                             "--quiet"], env=env)
    deadline = time.time() + 300
    while not (killed / "checkpoint.h5").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (killed / "checkpoint.h5").exists()
    assert not (killed / "result.vtkhdf").exists(), "the run finished before it could be killed"
    leftovers = [p.name for p in killed.iterdir() if ".tmp-" in p.name]
    assert not leftovers, leftovers

    summary = run_case(load_case(path), killed, quiet=True, resume=True)
    assert summary["converged"] and summary["simulated_time_s"] == pytest.approx(40.0)
    a, b = read_result(full / "result.vtkhdf"), read_result(killed / "result.vtkhdf")
    for name in ("T", "U", "p"):
        same = np.array_equal(a["fields"][name], b["fields"][name])
        print(name, "bitwise equal:", same, "max diff",
              np.abs(a["fields"][name] - b["fields"][name]).max())
        assert same
    # frames every 10 s: the uninterrupted run has all four, in order
    assert [t for t, _ in a["frames"]] == pytest.approx([10.0, 20.0, 30.0, 40.0])


def test_resume_refuses_another_case(tmp_path):
    path = _case_file(tmp_path)
    out = tmp_path / "out"
    run_case(load_case(path, ["solver.end_time=2.0"]), out, quiet=True)
    from thermo.case import CaseError
    with pytest.raises(CaseError, match="differs"):
        run_case(load_case(path, ["solver.end_time=3.0"]), out, quiet=True, resume=True)


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
