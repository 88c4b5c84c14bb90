"""Whether a steady case can settle at all: its coolers against its heat.

A closed room (walls without a temperature, a film or a negative heat flux; no
inlet, outlet or periodic face) whose only heat sinks are CRAH coils with a
``capacity`` has no steady state when the coils together remove less than the
parts give: each capacity-limited coil removes its capacity whatever the return
air's temperature, and the rest warms the room for ever. A steady run of such a
case would iterate to ``max_steps`` with its monitors climbing; it is refused
before anything compiles. Any other sink (a coolant loop or network, a cold
plate, an open or cooled boundary, a coil without capacity) makes the balance a
matter of the flow field and is left to the run.
"""
from __future__ import annotations

from thermo.case.builders.data_hall import CAPACITY_MARGIN, CRAHS
from thermo.case.builders.parts import total_power
from thermo.case.checker import Checker

__all__ = ["check_cooling_capacity"]

# boundary flows through which heat can leave without a temperature being set
_OPEN = ("inlet", "outlet", "periodic")


def _closed(boundaries: list[dict]) -> bool:
    """No boundary carries heat out: every face a wall or slip face, adiabatic or heated."""
    for b in boundaries:
        if b["flow"] in _OPEN or b.get("temperature") is not None or b.get("htc") is not None:
            return False
        if (b.get("heat_flux") or 0.0) < 0.0:
            return False
    return True


def check_cooling_capacity(c: Checker, data: dict) -> None:
    """Refuse (``c.fail``) a steady case of a closed room whose running CRAHs' capacities
    sum to less than the parts' power (W); return quietly otherwise."""
    if data["solver"]["mode"] != "steady" or data.get("loops") or data.get("networks"):
        return
    parts = data["parts"]
    if any(p["kind"] == "cold_plate" for p in parts) or not _closed(data["boundaries"]):
        return
    crahs = [p for p in parts if p["kind"] == "crah" and p["volume_flow"] > 0.0]
    if not crahs or any(p.get("capacity") is None for p in crahs):
        return
    count = lambda p: (p.get("repeat") or {}).get("count", 1)
    capacity = sum(p["capacity"] * count(p) for p in crahs)
    power = total_power(parts)
    if capacity >= power:
        return
    names = ", ".join(p["name"] for p in crahs)
    stopped = [p["name"] for p in parts if p["kind"] == "crah" and p["volume_flow"] <= 0.0]
    more = f"; {', '.join(stopped)} moving no air" if stopped else ""
    problem = (f"the running CRAHs ({names}{more}) remove at most {capacity / 1e3:.6g} kW, less "
               f"than the {power / 1e3:.6g} kW the parts give, and the closed room has no other "
               "heat sink: a steady run cannot settle (the air warms for ever; a transient run "
               "shows how fast)")
    others = ("another heat sink (a coolant loop, an outlet, a cooled wall), or "
              "solver.mode = 'transient'")
    geometry = data.get("geometry", {})
    if geometry.get("builder") == "data_hall":  # the coils' capacities are the builder's
        margin = geometry["parameters"].get("capacity_margin", CAPACITY_MARGIN)
        raise c.fail("geometry.parameters.capacity_margin", problem,
                     f"capacity_margin >= {margin * power / capacity:.4g} with {len(crahs)} of "
                     f"{CRAHS} units running (now {margin:.4g}), fewer failed_crahs, {others}")
    raise c.fail("parts[kind=crah].capacity", problem,
                 f"capacities summing to at least the parts' power, a CRAH without capacity, {others}")
