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

__all__ = ["check_cooling_capacity", "cooling_budget"]

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


def _max_flow(p: dict) -> float:
    """A CRAH's most air (m3/s): its rated flow times its law's top speed."""
    return p["volume_flow"] * (p.get("max_speed", 1.0) if p.get("control") else 1.0)


def cooling_budget(data: dict) -> list[str]:
    """Lines for ``thermo check``: the parts' heat against the running CRAHs' coils and
    air, all of them and with the largest one failed (the N+1 question); none without
    CRAHs."""
    count = lambda p: (p.get("repeat") or {}).get("count", 1)
    units = [(p, k) for p in data["parts"] if p["kind"] == "crah" and p["volume_flow"] > 0.0
             for k in range(count(p))]
    if not units:
        return []
    power = total_power(data["parts"])
    rated = [(p.get("volume_flow"), count(p)) for p in data["parts"] if p["kind"] == "server"]
    # servers on fan curves find their flow in the run: no air comparison
    servers = 0.0 if any(q is None for q, _ in rated) else sum(q * c for q, c in rated)
    caps = [p.get("capacity") for p, _ in units]
    flows = [_max_flow(p) for p, _ in units]
    n = len(units)
    lines = [f"  parts give {power / 1e3:.6g} kW; {n} running CRAH{'s' if n > 1 else ''}"
             + (f" move at most {sum(flows):.4g} m3/s (servers {servers:.4g} m3/s)" if servers else
                f" move at most {sum(flows):.4g} m3/s")]
    if any(c is None for c in caps):
        lines.append("  coils: at least one without capacity (unlimited): no capacity check")
        return lines
    lines[0] += f", their coils remove at most {sum(caps) / 1e3:.6g} kW"
    if n > 1:
        left_q, left_f = sum(caps) - max(caps), sum(flows) - max(flows)
        heat = ("enough" if left_q >= power else f"short by {(power - left_q) / 1e3:.4g} kW")
        air = "" if not servers else (
            f"; air {left_f:.4g} m3/s, " + ("enough" if left_f >= servers else
                                           f"short by {servers - left_f:.4g} m3/s"))
        lines.append(f"  with the largest unit failed: coils {left_q / 1e3:.6g} kW, {heat}{air}: "
                     + ("N+1 by the sums (each unit's share of the load is the flow's: run it)"
                        if left_q >= power and (not servers or left_f >= servers) else "not N+1"))
    return lines
