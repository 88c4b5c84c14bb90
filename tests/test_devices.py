"""solver.backend is honoured (or refused before compiling), and `thermo info`."""
import json

import jax
import pytest

from thermo import cli
from thermo.case import example_path, load_case
from thermo.devices import available_platforms, resolve_device
from thermo.solver.memory import bytes_per_cell

ABSENT = [b for b in ("gpu", "tpu") if b not in available_platforms()]


def test_auto_is_the_device_jax_picks_first():
    assert resolve_device("auto") == jax.devices()[0]
    assert resolve_device("cpu").platform == "cpu"


@pytest.mark.parametrize("backend", ABSENT)
def test_an_absent_backend_is_refused_before_compiling(backend, monkeypatch, tmp_path, capsys):
    import thermo.solver.simulation as simulation

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled before refusing the backend")

    monkeypatch.setattr(simulation, "compiled_advance", no_compile)
    case = load_case(example_path("cavity2d"), [f'solver.backend="{backend}"'])
    with pytest.raises(simulation.CaseError) as err:
        simulation.Simulation(case)
    message = str(err.value)
    print(message)
    assert "solver.backend" in message and f"no {backend.upper()} is visible" in message
    assert "cavity2d.toml" in message and "pip install" in message
    out = tmp_path / "out"
    assert cli.main(["run", "--example", "cavity2d", "-o", str(out), "--quiet",
                     "--set", f'solver.backend="{backend}"']) == 2
    assert "solver.backend" in capsys.readouterr().err and not out.exists()
    assert cli.main(["check", "--example", "cavity2d", "--set", f'solver.backend="{backend}"']) == 2


def test_the_summary_names_the_device_the_run_used(tmp_path):
    out = tmp_path / "out"
    assert cli.main(["run", "--example", "cavity2d", "-o", str(out), "--quiet",
                     "--set", 'solver.backend="cpu"', "--set", "solver.max_steps=3",
                     "--set", "domain.cells=[8,8,1]"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backend"] == "cpu" and summary["device"].startswith("cpu:0")


def test_info_prints_versions_devices_and_the_cache(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("THERMO_XLA_CACHE", str(tmp_path / "xla"))
    assert cli.main(["info", "--no-memory"]) == 0
    out = capsys.readouterr().out
    print(out)
    assert f"jax             {jax.__version__}" in out
    assert "cpu:0" in out and str(tmp_path / "xla") in out and "float64" in out


@pytest.mark.slow
def test_bytes_per_cell_is_measured_and_doubles_with_precision():
    # XLA's memory analysis of the compiled step on two grids: the slope per cell
    path = example_path("cavity2d")
    over = ("domain.cells=[8,8,1]",)
    b32, fixed32 = bytes_per_cell(path, "float32", over)
    b64, fixed64 = bytes_per_cell(path, "float64", over)
    print(f"bytes per cell: float32 {b32:.0f}, float64 {b64:.0f}; fixed {fixed32:.0f}, {fixed64:.0f}")
    # the state and parameters alone are some 20 float arrays per cell
    assert 20 * 4 < b32 < 5000
    # nearly every array is a float of the run's precision (a few int masks are not)
    assert 1.6 < b64 / b32 <= 2.05
