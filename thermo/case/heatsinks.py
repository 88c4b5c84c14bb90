"""The case-file keys of compact plate-fin heat sinks (``kind = "heat_sink"``).

:func:`part_keys` checks them and fills the part with its fin geometry; the air-side
model (:mod:`thermo.models.air`) turns it into the Darcy-Forchheimer drag of its
channels (:mod:`thermo.models.heatsink`).
"""
from __future__ import annotations

from thermo.case.checker import Checker, fmt
from thermo.case.schema import AXES, DIRECTIONS

HEAT_SINK_KEYS = ("direction", "base", "fins", "fin_thickness")
DOC = ("box = {min, max} (the fins' envelope), direction = 'x' | 'y' | 'z' (the channels), "
       "base = '-z' etc. (the face the fins stand on, across the channels), fins (>= 2) and "
       "fin_thickness (m) with fins x fin_thickness below the box's width across the channels")


def part_keys(c: Checker, t: dict, key: str, p: dict) -> None:
    """Check a heat sink's keys and fill ``p``: ``direction``, ``base``, ``fins``,
    ``fin_thickness``."""
    if p.get("box") is None:
        raise c.fail(f"{key}.box", "a heat sink must be a box (its fins' envelope)", DOC)
    p["direction"] = c.string(c.required(t, "direction", key, DOC), f"{key}.direction", AXES)
    p["base"] = c.string(c.required(t, "base", key, DOC), f"{key}.base", DIRECTIONS)
    if p["base"][1] == p["direction"]:
        raise c.fail(f"{key}.base", f"the base {p['base']!r} faces along the channels "
                     f"({p['direction']!r})", "a face across the channels, e.g. '-z' for "
                     "channels along 'x' or 'y'")
    p["fins"] = c.integer(c.required(t, "fins", key, DOC), f"{key}.fins", lo=2)
    p["fin_thickness"] = c.number(c.required(t, "fin_thickness", key, DOC),
                                  f"{key}.fin_thickness", lo=0.0, lo_open=True)
    box = p["box"]
    across = 3 - "xyz".index(p["direction"]) - "xyz".index(p["base"][1])
    width = box["max"][across] - box["min"][across]
    if p["fins"] * p["fin_thickness"] >= width:
        raise c.fail(f"{key}.fin_thickness", f"{p['fins']} fins of {fmt(p['fin_thickness'])} m "
                     f"fill the box's {fmt(width)} m along {AXES[across]}: no gap between them",
                     "fins x fin_thickness below the box's width across the channels")
    p["permeability"] = p["inertial_coefficient"] = None
    p["loss_coefficient"] = p["open_area"] = None
    p["leakage"] = False
