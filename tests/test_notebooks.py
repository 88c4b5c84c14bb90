"""The notebooks in notebooks/ run top to bottom, scaled down (THERMO_NOTEBOOK_QUICK=1),
each in a fresh kernel in a temporary folder and under a deadline; a cell that raises
(each notebook ends with assertions on its physics) fails the test. The notebooks
are committed without outputs."""
import json
import os
import pathlib
import shutil
import time

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# seconds for a whole notebook, kernel start included: each takes about a minute on two
# quiet CPU cores scaled down; the deadline leaves room for a busy machine, not for a hang
DEADLINE_S = float(os.environ.get("THERMO_NOTEBOOK_DEADLINE", "420"))
SWITCH = "THERMO_NOTEBOOK_QUICK"
# the two longest scaled down (3-4 minutes each on two busy CPU cores): `pytest -m slow`
SLOW = {"air_rack_sweep", "direct_to_chip"}


def test_the_notebooks_are_found():
    names = {p.name for p in NOTEBOOKS}
    assert {"air_rack_sweep.ipynb", "direct_to_chip.ipynb", "immersion_coolants.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path):
    """No outputs or execution counts in the repository, and the one switch that
    scales the notebook down is read at its top."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, f"{path.name}: outputs committed"
    assert SWITCH in code[0].source, f"{path.name}: its first code cell does not read {SWITCH}"


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.stem in SLOW else p
                                  for p in NOTEBOOKS], ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path, monkeypatch):
    """Execute every cell, in order, in a copy in a temporary folder (what the notebook
    writes goes there); any cell error fails, as does passing the deadline."""
    monkeypatch.setenv(SWITCH, "1")
    work = tmp_path / "notebooks"
    work.mkdir()
    copy = work / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    deadline = time.monotonic() + DEADLINE_S

    def remaining(_cell) -> int:
        return max(1, int(deadline - time.monotonic()))

    client = NotebookClient(nb, timeout=int(DEADLINE_S), timeout_func=remaining,
                            kernel_name="python3", resources={"metadata": {"path": str(work)}})
    t0 = time.monotonic()
    client.execute()   # raises CellExecutionError on a failing cell, a timeout past the deadline
    wall = time.monotonic() - t0
    print(f"{path.name}: {wall:.1f} s")
    assert wall < DEADLINE_S
    # every code cell ran, and none left an error output behind
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, json.dumps(errors)[:2000]
