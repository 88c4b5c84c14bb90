"""The memory the compiled step needs, measured from XLA's analysis of it, and the
largest grid that fits a given device memory."""
from __future__ import annotations

import functools
import re

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


@functools.lru_cache(maxsize=32)
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


#: Units of :func:`parse_memory`: decimal (kB, MB, GB, TB) and binary (KiB, MiB, GiB, TiB).
UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_memory(text: str) -> int:
    """Bytes of a memory size such as ``"141GB"``, ``"80 GiB"``, ``"512MB"`` (decimal
    kB/MB/GB/TB, binary KiB/MiB/GiB/TiB, a bare number: bytes); ValueError naming
    what is accepted otherwise."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*", text)
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in UNITS or float(m.group(1)) <= 0:
        raise ValueError(f"--fit {text!r}: accepted: a positive size with a unit, e.g. 141GB, "
                         "80GiB, 512MB (kB, MB, GB, TB decimal; KiB, MiB, GiB, TiB binary; "
                         "no unit: bytes)")
    return int(float(m.group(1)) * UNITS[unit])


def largest_grid(memory: float, per_cell: float, fixed: float) -> tuple[int, int]:
    """The most cells whose compiled step fits ``memory`` bytes at ``per_cell`` bytes
    per cell plus ``fixed`` bytes, and the largest cube ``n`` (``n**3`` cells) that
    fits: ``(cells, n)``, 0 when nothing fits."""
    cells = max(int((memory - fixed) // per_cell), 0)
    n = int(round(cells ** (1.0 / 3.0)))
    while n ** 3 > cells:
        n -= 1
    while (n + 1) ** 3 <= cells:
        n += 1
    return cells, n
