"""One run over two processes (``thermo run --distributed``) on this machine.

Two processes joined over loopback by JAX's distributed runtime, each with two
forced CPU devices, split an 8^3 heated duct over the four; the answer is checked
against one process on one device, the run's checkpoint resumes in one process,
and a process that dies stops the other. The runs share one case and one XLA
cache folder (:func:`duct`): the resumed run reuses the one-process compile, and
the one-process run compiles while the pair whose process is killed waits out its
heartbeat timeout.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import thermo
from thermo.io.checkpoint import CHECKPOINT_NAME, load_checkpoint_extras

CASE = """
[case]
name = "duct"
[domain]
size = [0.2, 0.2, 0.2]
cells = [8, 8, 8]
[fluid]
material = "air"
[[parts]]
name = "block"
kind = "solid"
material = "aluminium"
power = 20.0
box = {min = [0.075, 0.0, 0.0], max = [0.125, 0.1, 0.1]}
[[boundaries]]
name = "in"
face = "x-"
flow = "inlet"
volume_flow = 0.004
temperature = 20.0
region = {min = [0.0, 0.0], max = [0.1, 0.1]}
[[boundaries]]
name = "out"
face = "x+"
flow = "outlet"
[physics]
buoyancy = true
[solver]
mode = "transient"
end_time = 0.5
dt = 0.05
checkpoint_every = 0.3
steps_per_call = 5
"""
# XLA's back-end optimisations off: the compile halves, every run here takes the same
FLAGS = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(devices: int, cache, **extra) -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    e.update(JAX_PLATFORMS="cpu", PYTHONUNBUFFERED="1", THERMO_XLA_CACHE=str(cache),
             XLA_FLAGS=f"--xla_force_host_platform_device_count={devices} {FLAGS}", **extra)
    return e


def thermo_run(args, e, **kw):
    return subprocess.Popen([sys.executable, "-m", "thermo", "run", *args], env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def start_pair(case, outdir, cache, heartbeat=100):
    port = free_port()
    return [thermo_run([str(case), "--distributed", "-o", str(outdir), "--quiet"],
                       env(2, cache, JAX_COORDINATOR_ADDRESS=f"127.0.0.1:{port}",
                           JAX_NUM_PROCESSES="2", JAX_PROCESS_ID=str(i),
                           THERMO_HEARTBEAT_TIMEOUT=str(heartbeat)))
            for i in range(2)]


def kill_after_joining(pair) -> dict:
    """Kill process 1 once both joined; how process 0 ended (its code, stderr, seconds)."""
    try:
        # both joined (each prints a line once jax.distributed is up), then one dies
        for p in pair:
            line = ""
            while "joined" not in line:
                line = p.stderr.readline()
                assert line or p.poll() is None, "a process ended before joining"
        pair[1].kill()
        t0 = time.monotonic()
        pair[0].wait(timeout=60)  # a hang fails here
        return {"code": pair[0].returncode, "err": pair[0].stderr.read(),
                "seconds": time.monotonic() - t0}
    finally:
        for p in pair:
            if p.poll() is None:
                p.kill()


@pytest.fixture(scope="module")
def duct(tmp_path_factory):
    """The case, the one-process run (1 device) and, meanwhile, a pair whose process 1
    is killed once both joined (heartbeat timeout 2 s)."""
    tmp = tmp_path_factory.mktemp("distributed")
    case, cache = tmp / "duct.toml", tmp / "xla-cache"
    case.write_text(CASE)
    one = thermo_run([str(case), "-o", str(tmp / "one"), "--quiet"], env(1, cache))
    died = kill_after_joining(start_pair(case, tmp / "died", cache, heartbeat=2))
    assert one.wait(timeout=900) == 0, one.stderr.read()[-3000:]
    return {"tmp": tmp, "case": case, "cache": cache, "died": died}


@pytest.mark.slow
def test_two_processes_equal_one_and_their_checkpoint_resumes_in_one(duct):
    tmp_path, case, cache = duct["tmp"], duct["case"], duct["cache"]
    pair = start_pair(case, tmp_path / "two", cache)
    for i, p in enumerate(pair):
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, (i, err[-3000:])
        assert f"process {i} of 2 joined: 4 devices in all" in err
    # process 0 wrote the one result; process 1 nothing next to it
    assert sorted(x.name for x in (tmp_path / "two").iterdir()) == [
        CHECKPOINT_NAME, "result.vtkhdf", "summary.json"]
    a, b = thermo.load(tmp_path / "one"), thermo.load(tmp_path / "two")
    for d in ("one", "two"):
        assert json.loads((tmp_path / d / "summary.json").read_text())["steps"] == 10
    for k in ("T", "U", "p"):
        err = np.max(np.abs(b.fields[k] - a.fields[k])) / np.max(np.abs(a.fields[k]))
        print("2 processes x 2 devices vs 1 device:", k, "relative error", err)
        assert err < 1e-12
    assert np.max(a.fields["T"]) > 20.001  # the block heated the air
    # the 2-process checkpoint (t = 0.3 s) resumed by one process on one device
    ck = load_checkpoint_extras(tmp_path / "two" / CHECKPOINT_NAME)
    assert ck["time_s"] == pytest.approx(0.3)
    shutil.copytree(tmp_path / "two", tmp_path / "resumed")
    (tmp_path / "resumed" / "result.vtkhdf").unlink()
    r = thermo_run(["--resume", str(tmp_path / "resumed"), str(case), "--quiet"], env(1, cache))
    assert r.wait(timeout=900) == 0, r.stderr.read()[-3000:]
    c = thermo.load(tmp_path / "resumed")
    for k in ("T", "U", "p"):
        err = np.max(np.abs(c.fields[k] - a.fields[k])) / np.max(np.abs(a.fields[k]))
        print("resumed in 1 process vs 1 device:", k, "relative error", err)
        assert err < 1e-12


def test_a_process_that_dies_stops_the_other_within_the_heartbeat_timeout(duct):
    died = duct["died"]
    print(f"process 0 stopped {died['seconds']:.1f} s after process 1 was killed")
    assert died["code"] != 0
    assert ("stopped sending heartbeats" in died["err"]
            and "another task died" in died["err"]), died["err"][-2000:]
