"""Convection validations: natural convection in a square cavity against de Vahl
Davis (``devahldavis``) and the fully developed laminar channel's Nusselt number
against Shah & London (``channel``)."""
from __future__ import annotations

import pathlib
from typing import Sequence

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row


DVD_NUSSELT = {1e3: 1.118, 1e4: 2.243, 1e5: 4.519, 1e6: 8.800}  # de Vahl Davis (1983)
# grids (cells per side) on which each Ra meets the 1 % bound; --full refines them
DVD_GRIDS = {False: {1e3: 32, 1e4: 48, 1e5: 80, 1e6: 144},
             True: {1e3: 64, 1e4: 96, 1e5: 128, 1e6: 192}}


def devahldavis_nusselt(ra: float, n: int, overrides: Sequence[str] = ()) -> tuple[float, dict]:
    """Mean hot-wall Nusselt number of the bundled ``devahldavis.toml`` case at ``ra``
    on an n x n grid, from the hot boundary's ``heat_w``; and the run's summary.
    ``overrides``: more ``--set`` style settings (e.g. the steady scheme)."""
    from thermo.case import load_case
    from thermo.diagnostics.summary import summarise

    alpha = (1.0 / (ra * 0.71)) ** 0.5
    path = pathlib.Path(__file__).parent.parent / "cases" / "devahldavis.toml"
    case = load_case(path, [f"domain.cells=[{n},{n},1]", f"domain.size=[1.0,1.0,{1.0 / n}]",
                            f"materials[0].conductivity={alpha!r}",
                            f"materials[0].viscosity={0.71 * alpha!r}",
                            f"case.name=\"dvd-ra{ra:g}-{n}\"", *overrides])
    sim = Simulation(case)
    state, info = sim.run()
    s = summarise(sim, state, info)
    if info.status != "converged":
        raise RuntimeError(f"de Vahl Davis Ra={ra:g} n={n} did not converge: {info}")
    return s["boundaries"]["hot"]["heat_w"] / (alpha * 1.0 * (1.0 / n)), s


# the implicit steady scheme (thermo.validation.steady's settings): the quick table's
# Ra 1e6 row, whose march on 144 x 144 took 412 s of a quiet CPU, 880 s of a busy one
IMPLICIT = ['solver.scheme="implicit"', "solver.pseudo_cfl=10", "solver.steps_per_call=50"]


def validate_devahldavis(full: bool = False) -> list[dict]:
    """The four Rayleigh numbers against de Vahl Davis: with the time march, except Ra
    1e6 in the quick table, which runs the implicit steady scheme on the same grid
    (``--full`` marches all four on finer grids)."""
    rows = []
    for ra, n in DVD_GRIDS[full].items():
        implicit = ra == 1e6 and not full
        nu, s = devahldavis_nusselt(ra, n, IMPLICIT if implicit else ())
        ref = DVD_NUSSELT[ra]
        how = f"implicit, {s['steps']} iterations" if implicit else f"{s['steps']} steps"
        rows.append(row(f"devahldavis-ra{ra:g}", f"mean hot-wall Nu, {n}x{n} "
                        f"({how}, {s['wall_time_s']:.0f} s)", ref, nu,
                        abs(nu / ref - 1), 0.01, "validation"))
    return rows


def channel_heat_case(n: int = 16, length: float = 20.0) -> dict:
    """Laminar flow between isothermal plates (H = 1 m): uniform inlet U = 1 m/s at 1 C,
    walls at 0 C, Re_Dh = 20, Pr = 5 (Pe_Dh = 100), rho = cp = 1."""
    return {
        "case": {"name": f"channel-nu-{n}"},
        "domain": {"size": [length, 1.0, 1.0 / n], "cells": [int(length * n), n, 1]},
        "materials": [{"name": "channel-fluid", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 0.02, "viscosity": 0.1, "expansion": 0.0}],
        "fluid": {"material": "channel-fluid", "initial_temperature": 1.0,
                  "reference_temperature": 1.0},
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0.0, 0.0],
             "temperature": 1.0},
            {"name": "out", "face": "x+", "flow": "outlet"},
            {"name": "bottom", "face": "y-", "flow": "wall", "temperature": 0.0},
            {"name": "top", "face": "y+", "flow": "wall", "temperature": 0.0},
            {"name": "zlo", "face": "z-", "flow": "slip"},
            {"name": "zhi", "face": "z+", "flow": "slip"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 200000,
                   "steps_per_call": 2000},
    }


def channel_nusselt(n: int = 16) -> float:
    """Mean local Nu = q_w D_h / (k (T_w - T_bulk)) over 12 <= x/H <= 16."""
    sim = Simulation(case_from_dict(channel_heat_case(n)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"channel n={n} did not converge: {info}")
    T = np.asarray(state.T)[:, :, 0]
    u = sim.cell_fields(state)["U"][:, :, 0, 0]
    h = sim.grid.spacing[1]
    k = 0.02
    x = sim.grid.centers(0)
    sel = (x >= 12.0) & (x <= 16.0)
    q_wall = k * (T[sel, 0] + T[sel, -1]) / 2 / (h / 2)  # mean of both walls, W/m2
    t_bulk = (u[sel] * T[sel]).sum(axis=1) / u[sel].sum(axis=1)
    return float(np.mean(q_wall * 2.0 / (k * t_bulk)))


def validate_channel(full: bool = False) -> list[dict]:
    n = 24 if full else 16
    nu = channel_nusselt(n)
    return [row("laminar-channel", f"fully developed Nu, isothermal plates, {n} cells across",
                7.541, nu, abs(nu / 7.541 - 1), 0.02, "validation")]

