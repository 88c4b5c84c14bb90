"""Conduction and conjugate-heat validations: the composite wall against its
series resistance (``composite-wall``), the heated block's energy balance
(``heated-block``), the semi-infinite slab against erfc (``slab``) and the
conjugate block's grid convergence (``conjugate``)."""
from __future__ import annotations

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row


LAYERS = (("copper", 0.004), ("fr4", 0.0016), ("aluminium", 0.003))  # material, thickness (m)


def composite_wall_case(cells_per_mm: int = 5) -> dict:
    """Three solid layers stacked along z (a board's through-plane direction) between
    fixed temperatures 80 C (z-) and 20 C (z+)."""
    z, parts = 0.0, []
    for name, t in LAYERS:
        parts.append({"name": name, "kind": "solid", "material": name,
                      "box": {"min": [0.0, 0.0, z], "max": [0.01, 0.01, z + t]}})
        z += t
    n = int(round(z * 1000 * cells_per_mm))
    return {
        "case": {"name": "composite-wall"},
        "domain": {"size": [0.01, 0.01, z], "cells": [1, 1, n]},
        "parts": parts,
        "boundaries": [{"name": "hot", "face": "z-", "temperature": 80.0},
                       {"name": "cold", "face": "z+", "temperature": 20.0}],
        "solver": {"mode": "steady", "tolerance": 1e-9, "max_steps": 50, "steps_per_call": 50},
    }


def validate_composite_wall(full: bool = False) -> list[dict]:
    from thermo.case.materials import LIBRARY
    from thermo.diagnostics.summary import summarise

    case = case_from_dict(composite_wall_case())
    sim = Simulation(case)
    state, info = sim.run()
    summary = summarise(sim, state, info)
    resist = [t / LIBRARY[m].conductivity_axes()[2] for m, t in LAYERS]
    q_exact = (80.0 - 20.0) / sum(resist)  # W/m2
    area = 0.01 * 0.01
    q = summary["boundaries"]["hot"]["heat_w"] / area
    rows = [row("composite-wall", "heat flux (W/m2) through Cu | FR4 | Al", q_exact, q,
                abs(q / q_exact - 1), 1e-6, "validation")]
    T = np.asarray(state.T)[0, 0, :]
    k = sim.thermal.conductivity_axes[2][0, 0, :]
    z_faces = sim.grid.faces(2)
    t_exact, z = 80.0, 0.0
    for (m, t), r in zip(LAYERS[:-1], resist[:-1]):
        z += t
        t_exact -= q_exact * r
        i = int(np.argmin(np.abs(z_faces - z)))  # the interface face
        t_if = (k[i - 1] * T[i - 1] + k[i] * T[i]) / (k[i - 1] + k[i])
        rows.append(row("composite-wall", f"interface temperature (C) after {m}", t_exact, t_if,
                        abs(t_if - t_exact) / abs(t_exact), 1e-6, "validation"))
    return rows


def heated_block_case(n: int = 8) -> dict:
    """A 2 W aluminium block in an air duct, inlet 0.01 m/s at 25 C (block Reynolds
    number 33: a steady wake), an outlet, and a convective floor; steady."""
    return {
        "case": {"name": "heated-block"},
        "domain": {"size": [0.2, 0.1, 0.1], "cells": [2 * n, n, n]},
        "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 2.0,
                   "box": {"min": [0.075, 0.0, 0.025], "max": [0.1, 0.05, 0.075]}}],
        "boundaries": [
            {"name": "inlet", "face": "x-", "flow": "inlet", "velocity": [0.01, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "outlet", "face": "x+", "flow": "outlet"},
            {"name": "floor", "face": "y-", "flow": "wall", "htc": 5.0, "ambient": 25.0},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 20000,
                   "steps_per_call": 500},
    }


def validate_heated_block(full: bool = False) -> list[dict]:
    from thermo.diagnostics.summary import summarise

    sim = Simulation(case_from_dict(heated_block_case(16 if full else 8)))
    state, info = sim.run()
    s = summarise(sim, state, info)
    return [row("heated-block", f"energy imbalance at steady state ({info.status}, "
                f"{info.steps} steps, block max {s['parts']['block']['max_temperature_c']:.2f} C)",
                0.0, s["energy_imbalance"], s["energy_imbalance"], 1e-4, "check")]


def slab_case(n: int, end_time: float = 0.01, steps: int = 400) -> dict:
    """A 1 m solid slab (k = 1, rho cp = 1) at 0 C whose x- face steps to 1 C at t = 0."""
    return {
        "case": {"name": f"slab-{n}"},
        "domain": {"size": [1.0, 1.0 / n, 1.0 / n], "cells": [n, 1, 1]},
        "materials": [{"name": "unit-solid", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 1.0}],
        "fluid": {"initial_temperature": 0.0, "reference_temperature": 0.0},
        "parts": [{"name": "slab", "kind": "solid", "material": "unit-solid",
                   "box": {"min": [0.0, 0.0, 0.0], "max": [1.0, 1.0 / n, 1.0 / n]}}],
        "boundaries": [{"name": "wall", "face": "x-", "temperature": 1.0}],
        "solver": {"mode": "transient", "end_time": end_time, "dt": end_time / steps,
                   "max_steps": steps + 1, "steps_per_call": steps + 1},
    }


def slab_error(n: int, end_time: float = 0.01, steps: int = 400, scheme: str = "march") -> float:
    """Largest |T - erfc(x / 2 sqrt(alpha t))| over the slab at ``end_time`` (K per K),
    in ``steps`` steps of the time march or of the implicit transient scheme."""
    from math import erfc, sqrt

    d = slab_case(n, end_time, steps)
    d["solver"]["scheme"] = scheme
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    x = sim.grid.centers(0)
    exact = np.array([erfc(xi / (2 * sqrt(info.simulated_time))) for xi in x])
    return float(np.abs(np.asarray(state.T)[:, 0, 0] - exact).max())


def validate_slab(full: bool = False) -> list[dict]:
    sizes = (50, 100, 200)
    errs = {n: slab_error(n) for n in sizes}
    order = np.log2(errs[sizes[0]] / errs[sizes[-1]]) / np.log2(sizes[-1] / sizes[0])
    # implicit time steps (BDF2, dual time): 16 times fewer than the march's 400
    implicit = slab_error(sizes[1], steps=25, scheme="implicit")
    return [
        row("semi-infinite-slab", f"max |T - T_erfc| / dT at t = 0.01 s, {sizes[0]} cells/m",
            0.0, errs[sizes[0]], errs[sizes[0]], 0.01, "validation"),
        row("semi-infinite-slab", f"spatial order {sizes[0]}->{sizes[-1]} cells/m "
            "(error = 2 - order)", 2.0, order, 2.0 - order, 0.2, "validation"),
        row("semi-infinite-slab", f"implicit transient (BDF2), 25 steps, {sizes[1]} cells/m: "
            "max |T - T_erfc| / dT", 0.0, implicit, implicit, 0.01, "validation"),
    ]


def conjugate_case(n: int) -> dict:
    """A 2-D copper block dissipating 10 W per metre of depth in an air channel
    0.1 m high, inlet 0.02 m/s at 25 C (block Reynolds number 33); n cells across."""
    depth = 0.1 / n
    return {
        "case": {"name": f"conjugate-{n}"},
        "domain": {"size": [0.2, 0.1, depth], "cells": [2 * n, n, 1]},
        "parts": [{"name": "block", "kind": "solid", "material": "copper", "power": 10.0 * depth,
                   "box": {"min": [0.05, 0.0, 0.0], "max": [0.075, 0.025, depth]}}],
        "boundaries": [
            {"name": "inlet", "face": "x-", "flow": "inlet", "velocity": [0.02, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "outlet", "face": "x+", "flow": "outlet"},
            {"name": "zlo", "face": "z-", "flow": "slip"},
            {"name": "zhi", "face": "z+", "flow": "slip"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 100000,
                   "steps_per_call": 1000},
    }


def conjugate_block_max(n: int) -> tuple[float, dict]:
    from thermo.diagnostics.summary import summarise

    sim = Simulation(case_from_dict(conjugate_case(n)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"conjugate n={n} did not converge: {info}")
    s = summarise(sim, state, info)
    return s["parts"]["block"]["max_temperature_c"], s


def validate_conjugate(full: bool = False) -> list[dict]:
    sizes = (16, 32, 64) if full else (8, 16, 32)
    t = [conjugate_block_max(n)[0] for n in sizes]
    order = float(np.log2(abs(t[1] - t[0]) / abs(t[2] - t[1])))
    change = abs(t[2] - t[1]) / (t[1] - 25.0)
    return [
        row("conjugate-block", f"block max T (C) on {sizes}: {t[0]:.3f}, {t[1]:.3f}, {t[2]:.3f}; "
            "last change / rise", None, t[2], change, 0.05, "check"),
        row("conjugate-block", "observed order of the block max T: the changes shrink "
            "(error = -order)", None, order, -order, 0.0, "check"),
    ]

