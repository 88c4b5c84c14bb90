"""What the backend suite runs: its configurations (``quick``, ``full``, ``scaling``,
``tiny``) and its case set (the 3-D cavity, a convection cube and a rack example, each
run for a fixed number of steps)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from thermo.case import Case

__all__ = ["CONFIGS", "RACK_EXAMPLES", "SCALING_SIZES", "SCALING_TARGET", "UNREACHABLE_TOLERANCE", "cells_of",
           "make_case", "rack_example", "steps_for"]

RACK_EXAMPLES = ("air-rack-60kw", "rack-air")
SCALING_SIZES = (32, 64, 128, 256)
SCALING_TARGET = 1.3
#: The steady tolerance of a fixed-step run: never reached, so every run takes
#: exactly its steps.
UNREACHABLE_TOLERANCE = 1e-30

# (case, size, precisions); size: n for the cubes, a scale of the example's grid for the rack
CONFIGS: dict[str, dict[str, Any]] = {
    "quick": {   # 8 solver compiles: about 4 minutes on 2 idle cores
        "runs": [("cavity3d", 32, ("float32", "float64")), ("cavity3d", 64, ("float32",)),
                 ("cavity3d", 128, ("float32",)),
                 ("convection", 16, ("float32", "float64")), ("convection", 24, ("float32",)),
                 ("rack", 1.0, ("float32", "float64"))],
        "cell_steps": 3e6, "min_steps": 5, "max_steps": 50, "pressure_precisions": ("float32",),
        "bandwidth_mib": 256, "batch": {"variants": 16, "scale": 1.0, "steps": 20},
        "peers": {"n": 64, "ra": 1e5, "thermo": True},
    },
    "full": {
        "runs": [(c, n, ("float32", "float64")) for c, sizes in
                 (("cavity3d", (16, 32, 64, 128)), ("convection", (16, 32, 64)),
                  ("rack", (1.0, 2.0, 4.0))) for n in sizes]
                + [("cavity3d", 256, ("float32",))],
        "cell_steps": 2e7, "min_steps": 5, "max_steps": 200,
        "pressure_precisions": ("float32", "float64"),
        "bandwidth_mib": 1024, "batch": {"variants": 16, "scale": 1.0, "steps": 50},
        "peers": {"n": 64, "ra": 1e5, "thermo": True},
    },
    # the cavity scaling series alone, 256^3 included (the full run's largest grid)
    "scaling": {
        "runs": [("cavity3d", n, ("float32",)) for n in SCALING_SIZES],
        "cell_steps": 3e6, "min_steps": 3, "max_steps": 50, "pressure_precisions": (),
        "bandwidth_mib": 1024, "batch": None, "peers": None,
    },
    # for the tests: seconds, not minutes
    "tiny": {
        "runs": [("convection", 8, ("float32",))],
        "cell_steps": 1e4, "min_steps": 3, "max_steps": 5, "pressure_precisions": ("float32",),
        "bandwidth_mib": 16, "batch": None,
        "peers": {"n": 16, "ra": 1e3, "thermo": False},
    },
}


def rack_example() -> str:
    """The rack example of the case set: the first of `RACK_EXAMPLES` bundled."""
    from thermo.case import default_case_path
    folder = default_case_path().parent
    return next(name for name in RACK_EXAMPLES if (folder / f"{name}.toml").is_file())


def make_case(name: str, size: float, precision: str, steps: int) -> Case:
    """One case of the set, run for exactly ``steps`` steps (one device call)."""
    from thermo.case import default_case_path, load_case
    folder = default_case_path().parent
    fixed = ['solver.mode="steady"', 'solver.scheme="march"', f"solver.tolerance={UNREACHABLE_TOLERANCE!r}",
             f"solver.max_steps={steps}", f"solver.steps_per_call={steps}",
             f'solver.precision="{precision}"', "output.every=0"]
    if name == "cavity3d":
        return load_case(default_case_path().parent / "cavity3d.toml", [f"domain.cells=[{size},{size},{size}]"] + fixed)
    if name == "convection":   # de Vahl Davis in a closed cube: Ra 1e5, Pr 0.71
        return load_case(folder / "devahldavis.toml", [
            "domain.size=[1.0,1.0,1.0]", f"domain.cells=[{size},{size},{size}]",
            'boundaries[2].flow="wall"', 'boundaries[3].flow="wall"',
            'case.name="convection-cube"'] + fixed)
    if name == "rack":
        ex = rack_example()
        base = load_case(folder / f"{ex}.toml")
        cells = [max(2, int(round(c * size))) for c in base.data["domain"]["cells"]]
        cells = [c + (c % 2) for c in cells]    # even, so multigrid can coarsen
        return load_case(folder / f"{ex}.toml", [f"domain.cells={cells}"] + fixed)
    raise KeyError(name)


def steps_for(cells: int, conf: dict) -> int:
    """The steps of a run of ``cells`` cells: ``cell_steps / cells`` within the
    configuration's ``min_steps`` and ``max_steps``."""
    return int(min(conf["max_steps"], max(conf["min_steps"], conf["cell_steps"] // cells)))


def cells_of(name: str, size: float) -> int:
    """The cells of the case ``name`` at ``size`` (as `make_case` builds it)."""
    if name in ("cavity3d", "convection"):
        return int(size) ** 3
    from thermo.case import default_case_path, load_case
    base = load_case(default_case_path().parent / f"{rack_example()}.toml")
    return int(np.prod([max(2, int(round(c * size))) for c in base.data["domain"]["cells"]]))
