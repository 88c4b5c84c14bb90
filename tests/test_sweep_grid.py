"""thermo sweep: the grid of --vary values of a case, batched, resumable, over devices."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from thermo.case import load_case
from thermo.cli import main
from thermo.io.result import read_result
from thermo.solver import Simulation
from thermo.sweep import sweep
from thermo.sweep_table import as_override, parse_vary, process_share

DUCT = """
[case]
name = "tiny-duct"

[domain]
size = [0.4, 0.1, 0.1]
cells = [8, 4, 4]

[fluid]
initial_temperature = 20.0
reference_temperature = 20.0

[[parts]]
name = "block"
kind = "solid"
material = "aluminium"
power = 50.0
box = { min = [0.15, 0.025, 0.0], max = [0.25, 0.075, 0.05] }

[[boundaries]]
name = "inlet"
face = "x-"
flow = "inlet"
velocity = [0.5, 0.0, 0.0]
temperature = 20.0

[[boundaries]]
name = "outlet"
face = "x+"
flow = "outlet"

[physics]
buoyancy = false

[solver]
mode = "steady"
max_steps = 40
steps_per_call = 20
precision = "float64"
"""

# 4 powers x 2 materials: only the compiled step's arrays change, one group
VARY = ["parts.block.power=20:80:4", 'parts.block.material="aluminium","copper"']


class _Killed(Exception):
    pass


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A sweep of 8 variants in chunks of 4, stopped after the first chunk's four rows,
    then resumed with the same command; the variants run by the resumed sweep."""
    folder = tmp_path_factory.mktemp("sweep")
    case = folder / "duct.toml"
    case.write_text(DUCT)
    out = folder / "out"
    first = []

    def stop(row):
        first.append(row["variant"])
        if len(first) == 4:
            raise _Killed
    with pytest.raises(_Killed):
        sweep(case, VARY, out, batch=4, on_variant=stop)
    killed = json.loads((out / "sweep.json").read_text())["rows"]
    stamps = {i: (out / "variants" / f"{i:03d}" / "summary.json").stat().st_mtime_ns for i in first}
    second = []
    rows = sweep(case, VARY, out, batch=4, on_variant=lambda r: second.append(r["variant"]))
    return {"case": case, "out": out, "first": first, "killed": killed, "stamps": stamps,
            "second": second, "rows": rows}


def test_a_killed_sweep_resumes_without_rerunning_finished_variants(swept):
    out = swept["out"]
    assert swept["first"] == [0, 1, 2, 3] and len(swept["killed"]) == 4
    assert swept["second"] == [4, 5, 6, 7]  # the finished four were not rerun
    for i, stamp in swept["stamps"].items():
        assert (out / "variants" / f"{i:03d}" / "summary.json").stat().st_mtime_ns == stamp
    table = json.loads((out / "sweep.json").read_text())
    assert [r["variant"] for r in table["rows"]] == list(range(8)) == [r["variant"] for r in swept["rows"]]
    assert table["keys"] == ["parts[0].power", "parts[0].material"]
    csv = (out / "sweep.csv").read_text().splitlines()
    assert len(csv) == 9 and csv[0].startswith("variant,parts[0].power,parts[0].material,status")
    powers = [20, 20, 40, 40, 60, 60, 80, 80]
    for r, p in zip(swept["rows"], powers):
        assert r["parts[0].power"] == p and r["batch"] == 4 and r["steps"] == 40
        # a check of the bookkeeping: each variant's summary carries its own power
        assert r["heat_sources_w"] == pytest.approx(p, rel=1e-12)
        assert (out / "variants" / f"{r['variant']:03d}" / "result.vtkhdf").exists()
    alu, cu = swept["rows"][6], swept["rows"][7]
    assert alu["parts[0].material"] == "aluminium" and cu["parts[0].material"] == "copper"
    assert alu["hottest_source_c"] != cu["hottest_source_c"]
    # hotter with more power, at one material
    hot = [r["hottest_source_c"] for r in swept["rows"][::2]]
    assert hot == sorted(hot) and hot[0] < hot[-1]


def test_batched_variants_equal_the_same_variants_run_alone(swept):
    """vmap changes nothing but round-off: a variant of the batch has the fields it
    gets alone, to 1e-10 of each field's scale (T: its rise above the inlet's 20 C)."""
    i = 7
    row = swept["rows"][i]
    over = [as_override("parts[0].power", row["parts[0].power"]),
            as_override("parts[0].material", row["parts[0].material"])]
    sim = Simulation(load_case(swept["case"], over))
    state, info = sim.run()
    alone = sim.cell_fields(state)
    batched = read_result(swept["out"] / "variants" / f"{i:03d}" / "result.vtkhdf")["fields"]
    alone["T"], batched["T"] = alone["T"] - 20.0, batched["T"] - 20.0
    err = {k: float(np.max(np.abs(batched[k] - alone[k])) / np.max(np.abs(alone[k])))
           for k in ("T", "U", "p")}
    print(f"variant {i}: max |batched - alone| / max |alone|: {err}")
    assert info.steps == row["steps"]
    assert max(err.values()) < 1e-10


def test_resumed_when_finished_returns_the_table_and_a_dataframe(swept):
    pd = pytest.importorskip("pandas")
    again = []
    frame = sweep(swept["case"], VARY, swept["out"], batch=4, dataframe=True,
                  on_variant=lambda r: again.append(r))
    assert again == [] and isinstance(frame, pd.DataFrame) and len(frame) == 8
    assert frame["hottest_source_c"].tolist() == [r["hottest_source_c"] for r in swept["rows"]]


def test_the_command_refuses_another_vary_set_in_the_folder(swept, capsys):
    out = swept["out"]
    before = (out / "sweep.json").read_text()
    assert main(["sweep", str(swept["case"]), "--vary", "parts.block.power=20:80:3",
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "another --vary set" in err and "parts[0].power" in err and "same --vary" in err
    assert (out / "sweep.json").read_text() == before
    # the same command as the sweep: everything finished, nothing reruns
    assert main(["sweep", str(swept["case"]), *sum((["--vary", v] for v in VARY), []),
                 "-o", str(out), "--batch", "4"]) == 0
    text = capsys.readouterr().out
    assert "variant" not in text.split("8 variants")[0] and "8 variants; wrote" in text


def test_variants_spread_over_four_devices_equal_one_device(swept, tmp_path):
    """The chunk's variant axis split over 4 forced CPU devices (2 variants each):
    every headline number equals the one-device sweep's."""
    code = ("import json, sys, jax; from thermo.sweep import sweep; "
            "assert len(jax.devices()) == 4, jax.devices(); "
            f"rows = sweep(sys.argv[1], {VARY!r}, batch=8); print('ROWS', json.dumps(rows))")
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4",
           "JAX_PLATFORMS": "cpu", "THERMO_XLA_CACHE": "off"}
    done = subprocess.run([sys.executable, "-c", code, str(swept["case"])], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = json.loads(done.stdout.split("ROWS", 1)[1])
    worst = 0.0
    for got, ref in zip(rows, swept["rows"]):
        assert got["batch"] == 8 and got["status"] == ref["status"] and got["steps"] == ref["steps"]
        for k, v in ref.items():
            if isinstance(v, float) and k != "wall_time_s":
                worst = max(worst, abs(got[k] - v) / max(abs(v), 1.0))
    print(f"4 devices vs 1: largest relative difference of a headline number {worst:.3g}")
    assert len(rows) == 8 and worst < 1e-10


@pytest.mark.parametrize("vary, named", [
    ("parts.block.power", "a --vary needs the form KEY=VALUES"),
    ("parts.block.power=20:80", "needs three fields"),
    ("parts.block.power=20:80:x", "not a whole number >= 1"),
    ("parts.block.power=a:80:3", "START 'a'"),
    ("parts.fan.power=1,2", "no entry named 'fan' in parts; accepted: an index or one of the names ['block']"),
    ("parts[0].powr=1,2", "parts[0].powr"),
    ("parts[0].power=1,-5", "parts[0].power"),
])
def test_bad_vary_is_refused_before_anything_runs(tmp_path, capsys, vary, named):
    case = tmp_path / "duct.toml"
    case.write_text(DUCT)
    out = tmp_path / "out"
    assert main(["sweep", str(case), "--vary", vary, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    print(err)
    assert named in err and "accepted" in err
    assert not out.exists()


def test_vary_ranges_and_lists():
    assert parse_vary("parts[2].power=600:1000:5") == ("parts[2].power", [600, 700, 800, 900, 1000])
    assert parse_vary("x=0.5:1:3") == ("x", [0.5, 0.75, 1.0])
    assert parse_vary("domain.cells=[8,4,4],[16,8,8]") == ("domain.cells", [[8, 4, 4], [16, 8, 8]])
    assert parse_vary('solver.scheme="march","implicit"') == ("solver.scheme", ["march", "implicit"])
    assert parse_vary("x=3") == ("x", [3])


def test_a_loaded_case_keeps_its_overrides(tmp_path):
    from thermo.sweep import case_source

    case = tmp_path / "duct.toml"
    case.write_text(DUCT)
    loaded = load_case(case, ["solver.max_steps=10", 'parts[0].material="copper"'])
    assert case_source(loaded, ["solver.cfl=0.4"]) == (
        case, ["solver.max_steps=10", 'parts[0].material="copper"', "solver.cfl=0.4"])
    assert case_source(load_case(case), []) == (case, [])


def test_headline_picks_the_hottest_chip_and_the_coolant_outlet():
    from thermo.sweep_table import headline

    summary = {"status": "converged", "steps": 5, "energy_imbalance": 1e-4,
               "parts": {"cpu": {"power_w": 300.0, "max_temperature_c": 61.0},
                         "rail": {"power_w": 0.0, "max_temperature_c": 90.0}},
               "cold_plates": {"plate[0]": {"chip_max_temperature_c": 70.5, "outlet_temperature_c": 33.0},
                               "plate[1]": {"chip_max_temperature_c": 68.0, "outlet_temperature_c": 34.0}},
               "loops": {"a": {"return_temperature_c": 35.5}, "b": {"return_temperature_c": 35.0}},
               "air": {"inlet_max_c": 24.0}}
    row = headline(summary)
    assert (row["hottest_source"], row["hottest_source_c"], row["hottest_chip_c"]) == ("plate[0]", 70.5, 70.5)
    assert row["coolant_outlet_c"] == 35.5 and row["server_inlet_max_c"] == 24.0
    assert row["liquid_fraction"] is None and row["steps"] == 5


@pytest.mark.slow
def test_two_processes_share_a_sweep_each_variant_run_once(swept, tmp_path):
    """Two OS processes on one output folder, one told `--process 0/2`, the other
    finding 1 of 2 in a launcher's variables (srun's): each runs its half of the 4
    aluminium variants (the even rows of the one-process sweep), and the table holds
    the 4 rows with the one-process sweep's numbers."""
    vary = ["parts.block.power=20:80:4"]
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JAX_", "SLURM_", "OMPI_"))}
    env.update(JAX_PLATFORMS="cpu", THERMO_XLA_CACHE="off")
    cmd = [sys.executable, "-m", "thermo", "sweep", str(swept["case"]), "--vary", vary[0],
           "-o", str(out)]
    procs = [subprocess.Popen(cmd + ["--process", "0/2"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE),
             subprocess.Popen(cmd, env={**env, "SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2",
                                        "SLURM_NTASKS": "2"},
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)]
    ran = []
    for i, p in enumerate(procs):
        text, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        source = "--process" if i == 0 else "SLURM_PROCID/SLURM_STEP_NUM_TASKS"
        assert f"process {i} of 2 ({source})" in text
        ran.append(sorted(int(x.split()[1]) for x in text.splitlines() if x.startswith("variant ")))
    print("variants run by each process:", ran)
    assert ran == [[0, 2], [1, 3]]  # each variant once, by the process of its index % 2
    for v in range(4):
        meta = json.loads((out / "variants" / f"{v:03d}" / "variant.json").read_text())
        assert (meta["process"], meta["processes"], meta["batch"]) == (v % 2, 2, 2)
    table = json.loads((out / "sweep.json").read_text())
    assert [r["variant"] for r in table["rows"]] == [0, 1, 2, 3]
    assert len((out / "sweep.csv").read_text().splitlines()) == 5
    worst = 0.0
    for got, ref in zip(table["rows"], swept["rows"][::2]):
        assert got["parts[0].power"] == ref["parts[0].power"]
        assert got["status"] == ref["status"] and got["steps"] == ref["steps"]
        for k, v in ref.items():
            if isinstance(v, float) and k != "wall_time_s":
                worst = max(worst, abs(got[k] - v) / max(abs(v), 1.0))
    print(f"2 processes vs 1: largest relative difference of a headline number {worst:.3g}")
    assert worst < 1e-12
    # the same command again (one process): everything is there, nothing reruns
    assert main(["sweep", str(swept["case"]), "--vary", vary[0], "-o", str(out)]) == 0


def test_a_batch_script_is_one_process_though_its_job_has_several_tasks():
    # sbatch --ntasks=4 runs its script once, with SLURM_PROCID=0 and SLURM_NTASKS=4
    assert process_share(environ={"SLURM_PROCID": "0", "SLURM_NTASKS": "4"}) == (0, 1, "one process")
    assert process_share(environ={"SLURM_PROCID": "3", "SLURM_NTASKS": "4",
                                 "SLURM_STEP_NUM_TASKS": "4"})[:2] == (3, 4)  # srun -n 4


@pytest.mark.parametrize("option, env, named", [
    (["--process", "2/2"], {}, "--process: 2/2"),
    (["--process", "1"], {}, "--process: 1"),
    (["--process", "a/4"], {}, "--process: a/4"),
    ([], {"SLURM_PROCID": "4", "SLURM_STEP_NUM_TASKS": "4"},
     "SLURM_PROCID/SLURM_STEP_NUM_TASKS: 4/4"),
])
def test_a_bad_process_is_refused_naming_the_option(tmp_path, capsys, monkeypatch, option, env,
                                                     named):
    for k in [k for k in os.environ if k.startswith(("JAX_PROCESS", "JAX_NUM", "SLURM_", "OMPI_"))]:
        monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    case = tmp_path / "duct.toml"
    case.write_text(DUCT)
    out = tmp_path / "out"
    assert main(["sweep", str(case), "--vary", "parts.block.power=20,40", "-o", str(out),
                 *option]) == 2
    err = capsys.readouterr().err
    print(err)
    assert named in err and "accepted: I/N with whole numbers 0 <= I < N" in err
    assert not out.exists()
