"""Complete case dicts built on the builders: one air-cooled rack in a duct
(`rack_case`) and one immersion tank (`immersion_case`).

Each returns a dict with the structure of a case file (see ``docs/case-format.md``)
that `thermo.case.case_from_dict` accepts; its geometry is a ``[geometry]``
section naming the builder, so the case file written from it stays short.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.builders.air import RACK_UNITS, U, rack
from thermo.case.builders.checks import check_number, check_point
from thermo.case.builders.immersion import immersion_tank, tank_interior
from thermo.case.builders.parts import total_power, volume_flow_for

__all__ = ["immersion_case", "rack_case"]


def rack_case(*, servers: int = 40, power_per_server: float = 1400.0,
              cells: Sequence[int] = (12, 44, 48), supply_temperature: float = 22.0,
              delta_t: float = 12.0, front: float = 0.5, back: float = 0.5, top: float = 6 * U,
              name: str = "rack-air", solver: dict | None = None, **rack_options: Any) -> dict:
    """A complete case dict: one air-cooled rack (the `rack` builder, through a
    ``[geometry]`` section) in a duct-like domain.

    The domain is the rack's width (its side panels lie on the x walls),
    ``front`` m of cold aisle in front of the rack, the rack's depth, ``back`` m
    behind it, and the rack's height plus ``top`` m (z up). Air at
    ``supply_temperature`` C enters through the y- face over the rack's front
    (the rest of that face is a wall), at the volume flow (m3/s) that carries
    the IT load away at a ``delta_t`` K rise, and leaves through the whole y+
    face. Other keyword arguments go to `rack` (e.g. ``cpus``, ``heat_sink_fins``).
    """
    check_number("delta_t", delta_t, 0.0, lo_open=True, unit="K")
    for key, v in (("front", front), ("back", back), ("top", top)):
        check_number(key, v, 0.0, unit="m")
    width = check_number("width", rack_options.get("width", 0.6), 0.0, lo_open=True, unit="m")
    depth = check_number("depth", rack_options.get("depth", 1.2), 0.0, lo_open=True, unit="m")
    parameters = {"origin": [0.0, float(front), 0.0], "servers": servers,
                  "power_per_server": power_per_server, **rack_options}
    parameters = {k: v for k, v in parameters.items() if v is not None}
    power = total_power(rack(**parameters))
    height = RACK_UNITS * U
    flow = volume_flow_for(power, delta_t, "air", supply_temperature)
    return {
        "case": {"name": name,
                 "description": f"one 42U rack, {servers} servers, {power / 1000:.4g} kW, air "
                                f"supplied at {supply_temperature:g} C for a {delta_t:g} K rise"},
        "domain": {"size": [width, front + depth + back, height + top], "cells": list(cells)},
        "fluid": {"material": "air", "reference_temperature": supply_temperature},
        "geometry": {"builder": "rack", "parameters": parameters},
        "boundaries": [
            {"name": "supply", "face": "y-", "flow": "inlet",
             "region": {"min": [0.0, 0.0], "max": [width, height]},
             "volume_flow": flow, "temperature": supply_temperature},
            {"name": "exhaust", "face": "y+", "flow": "outlet"},
        ],
        "physics": {"buoyancy": True},
        "solver": dict(solver) if solver is not None else
        {"mode": "steady", "max_steps": 1500, "tolerance": 1e-4, "cfl": 0.5},
    }


def immersion_case(*, blades: int = 8, blade_power: float = 500.0, fluid: str = "mineral-oil",
                   cells: Sequence[int] = (24, 28, 24), supply_temperature: float = 35.0,
                   delta_t: float = 10.0, name: str = "immersion-tank", solver: dict | None = None,
                   **tank_options: Any) -> dict:
    """A complete case dict: one immersion tank (the `immersion_tank` builder, with no
    floor) filling the domain.

    The coolant (a library fluid) enters through the open bottom (the z- face
    inside the walls, a distribution plate) at ``supply_temperature`` C and at
    the volume flow that carries the blades' heat away at a ``delta_t`` K rise,
    and leaves through the open top (the z+ face inside the walls). Other keyword
    arguments go to `immersion_tank` (``size``, ``wall``, ``blade_height``, ...).
    The oil starts at the outlet temperature (``supply_temperature + delta_t``):
    the steady iteration must march through the tank's thermal time (volume over
    flow), and a start near the answer closes the energy balance within a few of
    those (see ``thermo/cases/immersion-tank.toml``).
    """
    check_number("delta_t", delta_t, 0.0, lo_open=True, unit="K")
    parameters = {"blades": blades, "blade_power": blade_power, "fluid": fluid, "floor": False,
                  **tank_options}
    parts = immersion_tank(**parameters)
    size = check_point("size", tank_options.get("size", (0.6, 0.7, 0.6)))
    wall = float(tank_options.get("wall", 0.005))
    lo, hi = tank_interior((0.0, 0.0, 0.0), size, wall, floor=False)
    flow = volume_flow_for(total_power(parts), delta_t, fluid, supply_temperature)
    inside = {"min": [lo[0], lo[1]], "max": [hi[0], hi[1]]}
    return {
        "case": {"name": name, "description": f"immersion tank, {blades} blades x {blade_power:g} W "
                                              f"in {fluid} supplied at {supply_temperature:g} C"},
        "domain": {"size": list(size), "cells": list(cells)},
        "fluid": {"material": fluid, "reference_temperature": supply_temperature,
                  "initial_temperature": supply_temperature + delta_t},
        "geometry": {"builder": "immersion_tank", "parameters": parameters},
        "boundaries": [
            {"name": "supply", "face": "z-", "flow": "inlet", "region": inside,
             "volume_flow": flow, "temperature": supply_temperature},
            {"name": "return", "face": "z+", "flow": "outlet", "region": inside},
        ],
        "physics": {"buoyancy": True},
        "solver": dict(solver) if solver is not None else
        {"mode": "steady", "max_steps": 6000, "tolerance": 1e-5, "cfl": 0.5},
    }
