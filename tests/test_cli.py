"""The command line, run in-process with the solver and validation suite faked."""
import json
import sys
import types

import pytest

from thermo import cli
from thermo.case import example_path

BAD_CASE = """
[case]
name = "bad"
[domain]
size = [1.0, 1.0, 1.0]
cells = [4, 4, 4]
[solver]
tolerence = 1e-5
"""


@pytest.fixture
def fake_runner(monkeypatch):
    """Replace thermo.runner with a module whose run_case records its calls."""
    calls = []

    def run_case(case, outdir, quiet=False, resume=False, log_json=False, map_from=None,
                 stop_on_signal=False):
        calls.append((case, outdir, quiet))
        outdir.mkdir(parents=True, exist_ok=True)
        summary = {"case": case.name, "converged": True, "steps": 12, "simulated_time_s": 0.5,
                   "wall_time_s": 0.01, "cells": 64, "fluid": {"max_speed_m_s": 1.0}}
        (outdir / "summary.json").write_text(json.dumps(summary))
        return summary

    module = types.ModuleType("thermo.runner")
    module.run_case = run_case
    module.DivergenceError = type("DivergenceError", (RuntimeError,), {})
    monkeypatch.setitem(sys.modules, "thermo.runner", module)
    return calls


def test_run_default_case(fake_runner, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["run", "-o", str(out), "--set", "domain.cells=[4,4,4]"]) == 0
    (case, outdir, quiet), = fake_runner
    assert case.name == "air-rack-60kw" and case.data["domain"]["cells"] == [4, 4, 4]
    assert outdir == out and quiet is False
    text = capsys.readouterr().out
    for word in ("air-rack-60kw", "converged", "steps", "simulated time", "wall time", "cells", "max speed"):
        assert word in text


def test_run_default_outdir_is_out_slash_name(fake_runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", str(example_path("cavity3d")), "--quiet"]) == 0
    assert fake_runner[0][1].as_posix() == "out/cavity3d"
    assert fake_runner[0][2] is True


def test_run_refuses_bad_case_without_creating_outdir(fake_runner, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CASE)
    out = tmp_path / "results"
    assert cli.main(["run", str(path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "bad.toml" in err and "solver.tolerence" in err and "tolerance" in err
    assert not out.exists()
    assert fake_runner == []


def test_run_refuses_bad_override(fake_runner, tmp_path, capsys):
    out = tmp_path / "results"
    assert cli.main(["run", "-o", str(out), "--set", "solver.mode=sideways"]) == 2
    assert "solver.mode" in capsys.readouterr().err
    assert not out.exists() and fake_runner == []


def test_run_does_not_overwrite_results(fake_runner, tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    assert cli.main(["run", "-o", str(out), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "summary.json").read_text() == "{}" and fake_runner == []
    assert cli.main(["run", "-o", str(out), "--quiet", "--overwrite"]) == 0
    assert json.loads((out / "summary.json").read_text())["case"] == "air-rack-60kw"


def test_run_into_existing_empty_folder(fake_runner, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    assert cli.main(["run", "-o", str(out), "--quiet"]) == 0


def test_check(tmp_path, capsys):
    assert cli.main(["check"]) == 0
    assert "air-rack-60kw" in capsys.readouterr().out
    path = tmp_path / "bad.toml"
    path.write_text(BAD_CASE)
    assert cli.main(["check", str(path)]) == 2


def _fake_validation(monkeypatch, rows):
    import thermo.validation

    seen = {}

    def run_validation(full=False, pattern=None, jobs=1, initializer=None, done=None):
        seen.update(full=full, pattern=pattern, jobs=jobs)
        return rows

    monkeypatch.setattr(thermo.validation, "run_validation", run_validation)
    return seen


ROW = {"case": "ghia-re100", "quantity": "u_min", "reference": -0.21090, "computed": -0.2101,
       "rel_error": 0.0038, "bound": 0.02, "ok": True}


def test_validate_all_ok(monkeypatch, capsys):
    seen = _fake_validation(monkeypatch, [ROW])
    assert cli.main(["validate", "--full", "-k", "ghia"]) == 0
    assert seen == {"full": True, "pattern": "ghia", "jobs": 1}
    out = capsys.readouterr().out
    for word in ("case", "quantity", "reference", "computed", "error", "bound", "ghia-re100", "u_min"):
        assert word in out


def test_validate_failure_returns_1(monkeypatch, capsys):
    _fake_validation(monkeypatch, [ROW, dict(ROW, quantity="v_max", rel_error=0.5, ok=False)])
    assert cli.main(["validate"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_validate_nothing_matched_returns_1(monkeypatch, capsys):
    _fake_validation(monkeypatch, [])
    assert cli.main(["validate", "-k", "nothing"]) == 1


def test_validate_jobs_reaches_the_suite_and_a_bad_count_is_refused(monkeypatch, capsys):
    seen = _fake_validation(monkeypatch, [ROW])
    assert cli.main(["validate", "-j", "2", "-k", "ghia"]) == 0
    assert seen["jobs"] == 2
    seen.clear()
    assert cli.main(["validate", "-j", "0"]) == 2
    assert "-j/--jobs" in capsys.readouterr().err and not seen


def test_validation_families_in_processes_give_the_serial_rows():
    # the flow networks' family (ten rows, a second: no grid), in a fresh process:
    # the same rows, in the table's order, as in this process
    from thermo.validation import run_validation
    serial = run_validation(pattern="network[s]")
    parallel = run_validation(pattern="network[s]", jobs=2)
    assert len(serial) >= 5 and all(r["case"].startswith("network") for r in serial), serial
    assert [(r["case"], r["quantity"], r["computed"]) for r in parallel] == \
        [(r["case"], r["quantity"], r["computed"]) for r in serial]


def test_bench_delegates_to_thermo_bench_main(monkeypatch, tmp_path):
    # the suite is part of the installed package: no checkout needed in the current folder
    import thermo.bench
    got = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # the repository's shims unreachable
    monkeypatch.setattr(thermo.bench, "main", lambda argv: got.append(argv) or 0)
    assert cli.main(["bench", "--quick", "x"]) == 0
    assert cli.main(["bench", "--", "cavity", "--quick"]) == 0
    assert got == [["--quick", "x"], ["cavity", "--quick"]]


def test_no_command_prints_help():
    assert cli.main([]) == 2


def test_run_report_shows_servers_rci_and_crossings(capsys, tmp_path):
    servers = {"srv[0]": {"power_w": 10000.0, "volume_flow_m3_s": 0.7, "inlet_mean_c": 22.5,
                          "inlet_max_c": 28.0, "exhaust_mean_c": 34.4, "ashrae_a1": "allowable"}}
    summary = {"case": "rack", "converged": True, "steps": 5, "simulated_time_s": 1.0,
               "wall_time_s": 2.0, "cells": 8, "energy_imbalance": 2e-4, "convergence": "monitors",
               "fluid": {"max_speed_m_s": 3.0}, "servers": servers,
               "air": {"rci_hi_pct": 80.0, "rci_lo_pct": 100.0, "rti_pct": None, "n_servers": 1,
                       "a1_compliant_servers": 1, "fan_power_w": 50.0},
               "cooling_units": {"crah": {"heat_removed_w": 9990.0}},
               "inlet_crossings_s": {"27": 31.5, "32": None}}
    cli._print_summary(summary, tmp_path)
    out = capsys.readouterr().out
    print(out)
    for text in ("RCI-HI / RCI-LO       80.0 % / 100.0 %", "window mean, monitors", "crah removes",
                 "first inlet > 27 C", "31.5 s", "first inlet > 32 C    never", "srv[0]", "allowable"):
        assert text in out, text
    assert "latter-half mean" not in out  # no monitors' run means: no row
    # a moving flow's run: the hottest averaged inlet with its 95 % sampling error
    summary["monitors"] = {"run_means_c": {"srv[0] inlet max": 27.61, "srv[1] inlet max": 25.0,
                                           "crah return": 40.0},
                           "run_error_k": {"srv[0] inlet max": 0.137, "srv[1] inlet max": None},
                           "run_index_means": {"air.rti_pct": 88.26, "air.bypass_fraction": 0.1172},
                           "run_index_errors": {"air.rti_pct": 0.31, "air.bypass_fraction": None}}
    summary["convergence"] = "averages"
    cli._print_summary(summary, tmp_path)
    out = capsys.readouterr().out
    print(out)
    assert "hottest inlet, latter-half mean  27.61 +- 0.14 C (srv[0])" in out
    assert "RTI, latter-half mean            88.3 +- 0.31 %" in out
    assert "bypass, latter-half mean         11.7 %" in out
    assert "latter half's mean, averages" in out


_COUNT_CACHE_HITS = """
import sys, jax.monitoring
hits = []
jax.monitoring.register_event_listener(
    lambda name, **kw: hits.append(name) if name == "/jax/compilation_cache/cache_hits" else None)
from thermo.cli import main
code = main(["run", "--example", "cavity2d", "--set", "domain.cells=[16,16,1]",
             "--set", "solver.max_steps=20", "-o", sys.argv[1], "--quiet"])
print("HITS", len(hits))
sys.exit(code)
"""


@pytest.mark.slow
def test_a_second_run_reads_the_compiled_solver_from_disk(tmp_path):
    """`thermo run` keeps compiled solvers in THERMO_XLA_CACHE: a second process
    running the same grid loads the step from there instead of compiling it."""
    import os
    import subprocess

    env = dict(os.environ, THERMO_XLA_CACHE=str(tmp_path / "xla"))
    hits = []
    for k in range(2):
        out = subprocess.run([sys.executable, "-c", _COUNT_CACHE_HITS, str(tmp_path / f"run{k}")],
                             env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        hits.append(int(out.stdout.split("HITS")[1]))
    entries = list((tmp_path / "xla").iterdir())
    print("cache hits per run", hits, "entries", len(entries))
    assert entries and hits[0] == 0 and hits[1] >= 1
    env["THERMO_XLA_CACHE"] = "off"
    out = subprocess.run([sys.executable, "-c", _COUNT_CACHE_HITS, str(tmp_path / "run-off")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and int(out.stdout.split("HITS")[1]) == 0


def test_output_cut_short_by_its_reader_is_no_traceback():
    """`thermo check ... | head -1`: the reader leaves before the grid report is
    printed; the command ends quietly (as a SIGPIPE), not with a BrokenPipeError."""
    import subprocess
    import sys

    cmd = (f"'{sys.executable}' -m thermo check --example immersion-tank-100kw | head -1")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True,
                          timeout=300)
    assert "ok: case 'immersion-tank-100kw'" in done.stdout
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
