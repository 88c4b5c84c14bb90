"""Part dicts as the builders make them, and what they imply: the heat they release
and the coolant flow that carries it away.

`solid_box` makes one ``[[parts]]`` entry (a solid box, an explicit material, a
``power`` in W, optionally turned and repeated); `mirror_y` turns a list of them
front to back; `total_power` sums their heat and `volume_flow_for` gives the flow
of a library fluid that removes a heat load at a given temperature rise.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.materials import LIBRARY

__all__ = ["mirror_y", "solid_box", "total_power", "volume_flow_for"]


def solid_box(name: str, material: str, lo: Sequence[float], hi: Sequence[float], power: float = 0.0,
              *, repeat: tuple[int, Sequence[float]] | None = None, rotate: int = 0,
              axis: str = "z") -> dict:
    """One solid box part in the case-file structure."""
    p: dict[str, Any] = {"name": name, "kind": "solid", "material": material,
                         "box": {"min": [float(v) for v in lo], "max": [float(v) for v in hi]}}
    if rotate:
        p["rotate"], p["axis"] = int(rotate), axis
    if repeat is not None:
        p["repeat"] = {"count": int(repeat[0]), "step": [float(v) for v in repeat[1]]}
    p["power"] = float(power)
    return p


def mirror_y(parts: list[dict], y_lo: float, y_hi: float) -> list[dict]:
    """Box parts mirrored front to back about the middle of [y_lo, y_hi] (a box turned
    about its own centre stays a box about the same centre, so turned boxes mirror too)."""
    out = []
    for p in parts:
        q = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.items()}
        lo, hi = p["box"]["min"], p["box"]["max"]
        q["box"] = {"min": [lo[0], y_lo + y_hi - hi[1], lo[2]], "max": [hi[0], y_lo + y_hi - lo[1], hi[2]]}
        if p.get("repeat") is not None:
            # copy k of the mirror is the mirror of copy k
            step = p["repeat"]["step"]
            q["repeat"] = {"count": p["repeat"]["count"], "step": [step[0], -step[1], step[2]]}
        out.append(q)
    return out


def total_power(parts: Sequence[dict]) -> float:
    """The heat (W) the parts release: each part's ``power`` times its number of copies."""
    return float(sum(float(p.get("power") or 0.0) * ((p.get("repeat") or {}).get("count", 1))
                     for p in parts))


def volume_flow_for(power: float, delta_t: float, fluid: str = "air",
                    temperature: float = 20.0) -> float:
    """The volume flow (m3/s) of a library fluid that carries ``power`` (W) away at a
    temperature rise ``delta_t`` (K): power / (density * specific_heat * delta_t), with the
    fluid's properties at ``temperature`` C (the case's reference temperature, which
    the solver uses)."""
    m = LIBRARY[fluid].at(temperature)
    return power / (m.density * m.specific_heat * delta_t)
