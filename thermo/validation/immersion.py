"""Single-phase immersion validation: laminar natural convection from a heated
vertical plate in a high-Prandtl dielectric liquid.

The row ``immersion-plate`` measures the mean Nusselt number of an isothermal
vertical plate of height L in a large, quiescent liquid at Pr = 100 (the range
of dielectric immersion coolants: FC-40 is near 80 at 20 C, mineral oils are
in the hundreds), against Churchill & Chu's laminar correlation (Int. J. Heat
Mass Transfer 18 (1975) 1323, their eq. for Ra_L < 1e9):

    Nu = 0.68 + 0.670 Ra^(1/4) / [1 + (0.492/Pr)^(9/16)]^(4/9)

The case is 2-D (one cell in z, slip z faces) and dimensionless: L = 1 m, the
plate 1 C above the liquid at 0 C, g = 1 m/s2, beta = 1/K, rho = cp = 1, so that
alpha = (Ra Pr)^(-1/2) and nu = Pr alpha (a ``[[materials]]`` fluid). The plate
is a fixed-temperature patch on the x- wall from the floor (y = 0) to y = L;
the wall above it is adiabatic. A plate in an unbounded liquid is what the
correlation describes, so the liquid is not closed in: the top (y+) and the far
side (x+) are open (outlets at the ambient hydrostatic pressure, p = 0 of the
Boussinesq reference state); the plume leaves through the top and the liquid it
entrains comes in through the far side at the ambient temperature. The floor
is a slip wall, so that liquid reaches the plate's leading edge as it would
from below a free plate (a no-slip floor starves the corner and lowers Nu by
some 8 % at Ra 1e5; an open floor gave an unsteady inflow that never
converged). A closed tank with a far cold wall would instead stratify at
steady state (the plume fills the top with warm liquid) and lower Nu by an
amount set by the tank, not by the plate.

Nu comes from the plate's wall heat flux (``summary["boundaries"]["plate"]
["heat_w"]``, conduction through the half cell at the wall), per metre of depth:
Nu = Q' / (k dT). The thermal layer is ~ L Ra^(-1/4) thick (conduction length
L / Nu ~ 0.05 L at Ra 1e6) and the viscous layer ~ Pr^(1/2) = 10 times
thicker; the far side is 0.8 L away (at 1.2 L, 48 cells, Nu changes by -0.2 %). Measured at Ra 1e6 (Churchill & Chu
21.41), steady, tolerance 1e-5: 32 cells per L, Nu 22.95 (+7.2 %); 48 cells
(the default row, 1.5 minutes on two loaded cores), Nu 21.57 (+0.8 %). The
error is still shrinking from above at 48 cells: a Richardson extrapolation of
the two (second order) puts the grid-converged Nu near 20.5, some 4 % below the
correlation, which is within the scatter of the data Churchill & Chu fitted;
``--full`` runs 96 cells. At Ra 1e5, 32 cells, Nu 11.65 (-5.6 %).
"""
from __future__ import annotations

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row

PRANDTL = 100.0
# (Ra, cells per plate height): the default row, and the finer grid of --full
PLATE_GRIDS = {False: (1e6, 48), True: (1e6, 96)}
# a coarse, cheap variant for the unmarked test
PLATE_COARSE = (1e6, 24)
WIDTH = 0.8    # far side, in plate heights
HEIGHT = 1.5   # top, in plate heights (the plate spans 0..1)


def churchill_chu(ra: float, pr: float) -> float:
    """Mean Nu of an isothermal vertical plate, laminar (Ra < 1e9): Churchill & Chu (1975)."""
    return 0.68 + 0.670 * ra ** 0.25 / (1.0 + (0.492 / pr) ** (9.0 / 16.0)) ** (4.0 / 9.0)


def plate_case(ra: float, n: int, pr: float = PRANDTL, width: float = WIDTH,
               height: float = HEIGHT, tolerance: float = 1e-5, floor: str = "slip") -> dict:
    """The heated-plate case dict: ``n`` cells per plate height (uniform grid)."""
    alpha = (ra * pr) ** -0.5
    h = 1.0 / n
    nx, ny = int(round(width * n)), int(round(height * n))
    return {
        "case": {"name": f"immersion-plate-ra{ra:g}-{n}",
                 "description": f"isothermal vertical plate in a Pr {pr:g} liquid, Ra {ra:g}"},
        "domain": {"size": [nx * h, ny * h, h], "cells": [nx, ny, 1], "gravity": [0.0, -1.0, 0.0]},
        "materials": [{"name": f"dielectric-pr{pr:g}", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": alpha, "viscosity": pr * alpha, "expansion": 1.0}],
        "fluid": {"material": f"dielectric-pr{pr:g}", "reference_temperature": 0.0,
                  "initial_temperature": 0.0},
        "boundaries": [
            {"name": "plate", "face": "x-", "region": {"min": [0.0, 0.0], "max": [1.0, h]},
             "flow": "wall", "temperature": 1.0},
            {"name": "floor", "face": "y-", "flow": floor},
            {"name": "top", "face": "y+", "flow": "outlet"},
            {"name": "far", "face": "x+", "flow": "outlet"},
            {"name": "zlo", "face": "z-", "flow": "slip"},
            {"name": "zhi", "face": "z+", "flow": "slip"},
        ],
        "physics": {"buoyancy": True},
        "solver": {"mode": "steady", "tolerance": tolerance, "max_steps": 200000,
                   "steps_per_call": 1000, "cfl": 0.5},
    }


def plate_nusselt(ra: float, n: int, **kw) -> tuple[float, dict]:
    """Mean Nu of the plate from its boundary heat flow, and the run's summary."""
    from thermo.diagnostics.summary import summarise

    d = plate_case(ra, n, **kw)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    s = summarise(sim, state, info)
    if info.status != "converged":
        raise RuntimeError(f"immersion plate Ra={ra:g} n={n} did not converge: {info}")
    k = d["materials"][0]["conductivity"]
    depth = d["domain"]["size"][2]
    nu = s["boundaries"]["plate"]["heat_w"] / depth / (k * 1.0)
    return nu, s


def validate_immersion_plate(full: bool = False) -> list[dict]:
    ra, n = PLATE_GRIDS[full]
    nu, s = plate_nusselt(ra, n)
    ref = churchill_chu(ra, PRANDTL)
    return [row("immersion-plate", f"mean plate Nu, Pr {PRANDTL:g}, Ra {ra:g}, {n} cells per "
                f"height, vs Churchill & Chu ({s['steps']} steps, {s['wall_time_s']:.0f} s, "
                f"energy imbalance {s['energy_imbalance']:.1e})", ref, nu, abs(nu / ref - 1), 0.10,
                "validation")]
