"""The memory the compiled step needs, measured from XLA's analysis of it."""
from __future__ import annotations

import jax.numpy as jnp

from thermo.case import load_case
from thermo.solver.simulation import Simulation
from thermo.solver.step import compiled_advance


def compiled_step_bytes(path, cells: tuple[int, int, int], precision: str,
                        overrides: tuple[str, ...] = ()) -> int:
    """Peak bytes of one compiled device call of the case file ``path`` on ``cells`` in
    ``precision``, from XLA's memory analysis of the compiled step: its
    arguments (parameters and state), temporaries, and outputs not aliased to the
    donated state. Compiles, does not run."""
    over = [f"domain.cells=[{cells[0]},{cells[1]},{cells[2]}]", f'solver.precision="{precision}"']
    sim = Simulation(load_case(path, list(overrides) + over))
    state = sim.initial_state()
    lowered = compiled_advance(sim.settings).lower(
        sim.params, state, jnp.int32(1), jnp.asarray(1.0, sim.dtype))
    m = lowered.compile().memory_analysis()
    return int(m.argument_size_in_bytes + m.temp_size_in_bytes
               + m.output_size_in_bytes - m.alias_size_in_bytes)


def bytes_per_cell(path, precision: str, overrides: tuple[str, ...] = ()) -> tuple[float, float]:
    """Measured memory of the compiled step of the case file ``path``,
    ``(bytes per cell, fixed bytes)``: the step is compiled on the case's grid and
    on that grid doubled along x, and the difference over the added cells is the
    cost per cell."""
    n = tuple(load_case(path, list(overrides)).data["domain"]["cells"])
    small = compiled_step_bytes(path, n, precision, overrides)
    large = compiled_step_bytes(path, (2 * n[0], n[1], n[2]), precision, overrides)
    per_cell = (large - small) / (n[0] * n[1] * n[2])
    return per_cell, small - per_cell * n[0] * n[1] * n[2]
