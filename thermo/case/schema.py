"""The case-file contract as tables: the sections, the keys each accepts, and the choices.

:data:`KEYS` holds the keys of every section and nested table,
:data:`KIND_KEYS` and :data:`PLATE_KEYS` the part keys that only some kinds of
part take, and :func:`accepted_keys` lists them all in docs/case-format.md's
notation (tests/test_case_format.py holds the document to it). Units are SI,
temperatures in degrees Celsius.
"""
from __future__ import annotations

import inspect
from typing import Callable

from thermo.case.builders import BUILDERS

FACES = ("x-", "x+", "y-", "y+", "z-", "z+")
FLOWS = ("wall", "slip", "inlet", "outlet", "periodic")
PART_KINDS = ("solid", "server", "fan", "crah", "porous", "cold_plate", "fluid", "heat_sink")
PART_KINDS_LATER = ("tank",)
# kinds the air moves through (a fixed flow between an intake face and an exhaust face)
THROUGHFLOW_KINDS = ("server", "fan", "crah")
DIRECTIONS = ("+x", "-x", "+y", "-y", "+z", "-z")
EVENT_ACTIONS = ("off", "on", "scale", "speed", "opening", "facility_temperature", "facility_flow")
# the actions a part or a [[loops]] entry takes (the others are a network branch's)
PART_EVENT_ACTIONS = ("off", "on", "scale")
SHAPES = ("box", "cylinder", "stl")
AXES = ("x", "y", "z")
# "zero-equation": Chen & Xu (1998), nu_t = 0.03874 |V| l; "smagorinsky": nu_t =
# (Cs Delta)^2 |S| with a wall cap and van Driest damping; "mixing-length": Prandtl's
# nu_t = l_m^2 |S|, l_m = min(0.41 d (1 - exp(-y+/26)), cap) (kernels/turbulence.py);
# "lvel": nu_t from Spalding's law at the local |V| d / nu, with wall functions
TURBULENCE = ("none", "smagorinsky", "zero-equation", "mixing-length", "lvel", "k-epsilon",
              "rng-k-epsilon")
TURBULENCE_LATER = ("realizable-k-epsilon", "k-omega-sst")
FIELDS = ("T", "U", "p", "material", "nu_t", "k", "epsilon")
K_EPSILON_MODELS = ("k-epsilon", "rng-k-epsilon")  # the closures that carry k and epsilon
WALL_FUNCTION_MODELS = ("lvel", *K_EPSILON_MODELS)  # the closures with wall functions
# the wall functions' T+: "blended" (Kader's blend of the sublayer and the log law, the
# secant on the next edge), "switched" (Pr y+ below their crossing, the log law above:
# OpenFOAM's alphatJayatillekeWallFunction, Fluent's standard wall functions)
THERMAL_WALL_LAWS = ("blended", "switched")
ABSOLUTE_ZERO_C = -273.15
REL_TOL = 1e-12  # relative tolerance of "inside the domain"
DERIVED = ("shape", "part_count")  # keys of the validated data that are not case-file keys

SECTIONS = ("case", "domain", "grid", "fluid", "materials", "geometry", "parts", "boundaries",
            "loops", "networks", "physics", "solver", "output", "events")
KEYS = {
    "case": ("name", "description"),
    "domain": ("size", "cells", "gravity"),
    "grid": ("max_cell", "min_cell", "max_ratio", "min_cells_across", "refine"),
    "refine": ("box", "parts", "walls", "max_cell", "first_cell"),
    "fluid": ("material", "reference_temperature", "initial_temperature", "initial_velocity"),
    "materials": ("name", "density", "specific_heat", "conductivity", "viscosity", "expansion"),
    "geometry": ("builder", "parameters"),
    "parts": ("name", "kind", "material", "box", "cylinder", "stl", "rotate", "axis", "repeat",
              "power", "direction", "intake", "volume_flow", "flow_per_kw", "curve", "supply_temperature",
              "permeability", "inertial_coefficient", "loss_coefficient", "open_area",
              "flow_direction", "coolant", "thermal_resistance", "htc", "area", "chip",
              "pressure_drop", "rated_flow", "inlet_temperature", "chip_limit_c",  # PLATE_KEYS
              "tim_resistance", "tim_impedance",  # PLATE_KEYS: the chip-plate interface
              "junction",  # a chip's two-resistor compact model (thermo/models/junction.py)
              "contacts",  # interface layers on a solid's faces (thermo/case/contacts.py)
              "turbulence_intensity", "turbulence_length_scale",
              "fan_curve", "heat_capacity",  # a server's own fans and thermal mass
              "capacity", "control", "control_set_point", "control_gain",  # a CRAH's coil
              "control_integral_time", "min_speed", "max_speed",  # and its fans' control
              "leakage",  # a porous part that is a leakage path
              "base", "fins", "fin_thickness"),  # a heat sink's fins (thermo/case/heatsinks.py)
    "box": ("min", "max"),
    "cylinder": ("center", "radius", "length", "axis"),
    "repeat": ("count", "step"),
    "boundaries": ("name", "face", "region", "flow", "velocity", "volume_flow",
                   "temperature", "heat_flux", "htc", "ambient", "turbulence_intensity",
                   "turbulence_length_scale"),
    "physics": ("buoyancy", "turbulence", "smagorinsky_constant", "mixing_length_cap",
                "thermal_wall_law", "body_force"),
    "solver": ("mode", "end_time", "max_steps", "tolerance", "cfl", "precision", "backend",
               "devices",  # thermo/solver/sharding.py
               "checkpoint_every", "steps_per_call", "pressure_tolerance", "viscous_tolerance",
               "energy_tolerance", "pressure_max_iterations", "viscous_max_iterations",
               "energy_max_iterations", "dt", "monitor_window", "monitor_tolerance",
               "average_tolerance", "scheme", "pseudo_cfl", "initial", "initial_tolerance",
               "outer_iterations", "outer_tolerance", "damping", "damping_width"),
    "output": ("every", "fields"),
    "events": ("at", "part", "loop", "network", "branch", "action", "value"),
    "loops": ("name", "coolant", "supply_temperature", "volume_flow", "flow_per_kw", "plates",
              "split", "pump_efficiency"),
    "networks": ("name", "coolant", "ua_flow_exponent", "branches"),
}
# [[section]] arrays of tables, and the tables nested in their entries (keys: KEYS[...])
ARRAYS = ("materials", "parts", "boundaries", "loops", "networks", "events")
NESTED = {"parts": {"box": "box", "cylinder": "cylinder", "repeat": "repeat"},
          "boundaries": {"region": "box"}}
# a throughflow part's exhaust turbulence for the k-epsilon closures (thermo/solver/kepsilon.py)
EXHAUST_TURBULENCE_KEYS = ("turbulence_intensity", "turbulence_length_scale")
# a CRAH's coil capacity and fan-speed control (thermo/case/parts.py, thermo/models/air.py)
CRAH_KEYS = ("capacity", "control", "control_set_point", "control_gain", "control_integral_time",
             "min_speed", "max_speed")
CRAH_CONTROLS = ("return_temperature", "pressure")
# the part keys that only some kinds take (thermo/case/parts.py, thermo/case/coldplates.py)
KIND_KEYS = {
    "solid": ("junction", "contacts"),
    "fluid": (),
    "cold_plate": ("volume_flow", "contacts"),
    "server": ("direction", "intake", "volume_flow", "flow_per_kw", "fan_curve", "pressure_drop",
               "rated_flow", "heat_capacity") + EXHAUST_TURBULENCE_KEYS,
    "fan": ("direction", "intake", "volume_flow", "curve") + EXHAUST_TURBULENCE_KEYS,
    "crah": ("direction", "intake", "volume_flow", "supply_temperature") + EXHAUST_TURBULENCE_KEYS
    + CRAH_KEYS,
    "porous": ("permeability", "inertial_coefficient", "loss_coefficient", "open_area", "direction",
               "leakage"),
    "heat_sink": ("direction", "base", "fins", "fin_thickness"),
}
# a [[networks]] entry's branches (thermo/case/networks.py): the keys every branch takes,
# and each kind's own (documented in their own table of docs/case-format.md)
BRANCH_KINDS = ("pump", "pipe", "resistance", "valve", "quick_disconnect", "cold_plate",
                "heat_exchanger")
BRANCH_KEYS = {
    "common": ("name", "kind", "from", "to", "volume", "heat_capacity"),
    "pump": ("curve", "speed", "check_valve"),
    "pipe": ("length", "diameter", "roughness", "minor_loss"),
    "resistance": ("pressure_drop", "rated_flow", "k", "area"),
    "valve": ("pressure_drop", "rated_flow", "k", "area", "opening"),
    "quick_disconnect": ("pressure_drop", "rated_flow", "k", "area"),
    "cold_plate": ("plates",),
    "heat_exchanger": ("ua", "facility_flow", "facility_temperature", "facility_coolant",
                       "pressure_drop", "rated_flow", "supply_temperature", "capacity"),
}
PLATE_KEYS = ("flow_direction", "coolant", "thermal_resistance", "htc", "area", "chip",
              "pressure_drop", "rated_flow", "inlet_temperature", "chip_limit_c",
              "tim_resistance", "tim_impedance")


def builder_parameters(build: Callable) -> list[str]:
    """The keyword arguments a builder takes: the keys of ``geometry.parameters``."""
    return [p.name for p in inspect.signature(build).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def accepted_keys() -> list[str]:
    """Every key a case file may hold, in docs/case-format.md's notation.

    ``solver.max_steps`` (a key of a table); ``parts[].box.min`` (a key of an
    entry of an array of tables, here in its nested ``box`` table);
    ``parts[kind=server].volume_flow`` (a key that only that kind of part
    takes; ``parts[].name`` every kind takes); and
    ``geometry.parameters[builder=rack].servers`` (a builder's keyword argument).
    """
    out: list[str] = []
    only = set(PLATE_KEYS).union(*KIND_KEYS.values())  # keys some kinds of part refuse
    for section in SECTIONS:
        entry = f"{section}[]" if section in ARRAYS else section
        for k in KEYS[section]:
            if section == "parts" and k in only:
                continue
            out.append(f"{entry}.{k}")
            nested = NESTED.get(section, {}).get(k)
            if nested is not None:
                out += [f"{entry}.{k}.{n}" for n in KEYS[nested]]
    for kind in PART_KINDS:
        own = KIND_KEYS[kind] + (PLATE_KEYS if kind == "cold_plate" else ())
        out += [f"parts[kind={kind}].{k}" for k in own]
    for name, build in BUILDERS.items():
        out += [f"geometry.parameters[builder={name}].{k}" for k in builder_parameters(build)]
    return out
