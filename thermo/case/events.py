"""The ``[[events]]`` section of a transient run: parts, coolant loops and network branches
(pumps, valves, the CDU's facility water) switched, scaled or set in time."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.checker import Checker, hint
from thermo.case.schema import EVENT_ACTIONS, KEYS, PART_EVENT_ACTIONS

# what each kind of network branch takes (thermo/models/plate_network.py applies them)
BRANCH_ACTIONS = {"pump": ("off", "on", "scale", "speed"), "valve": ("off", "on", "opening"),
                  "heat_exchanger": ("on", "facility_temperature", "facility_flow")}


def events_section(c: Checker, raw: Any, parts: list[dict], transient: bool,
                   loops: Sequence[dict] = (), networks: Sequence[dict] = ()) -> list[dict]:
    """[[events]]: at a time (s) switch a part off or on, or scale its flow; or
    (``loop = "name"`` instead of ``part``) stop, restart or scale a coolant loop's flow;
    or (``network`` and ``branch``) trip, restart or set the speed of a pump, set a valve's
    opening, or the facility water's temperature or flow at a heat exchanger."""
    names = set()
    for p in parts:
        names.add(p["name"])
        if p.get("repeat") is not None:
            names.update(f"{p['name']}[{k}]" for k in range(p["repeat"]["count"]))
    out = []
    for i, item in enumerate(c.array(raw, "events")):
        key = f"events[{i}]"
        t = c.table(item, key, KEYS["events"])
        if not transient:
            raise c.fail(f"{key}.at", "events happen in time", "solver.mode = 'transient'")
        at = c.number(c.required(t, "at", key, "a time in s >= 0"), f"{key}.at", lo=0.0)
        which = ("a part name (part = 'fan1'), a [[loops]] name (loop = 'cdu') or a "
                 "[[networks]] name with a branch (network = 'cdu', branch = 'pump1'); one of them")
        given = [k for k in ("part", "loop", "network") if t.get(k) is not None]
        if len(given) != 1:
            raise c.fail(f"{key}.{given[1] if given else 'part'}",
                         f"{given[0]} and {given[1]} are exclusive" if given else
                         "needs exactly one of part, loop and network", which)
        if (t.get("branch") is None) != (t.get("network") is None):
            raise c.fail(f"{key}.{'branch' if t.get('branch') is None else 'network'}",
                         "network and branch go together", which)
        part = loop = None
        if t.get("network") is not None:
            out.append(_network_event(c, t, key, at, networks))
            continue
        if t.get("loop") is not None:
            loop = c.name(t["loop"], f"{key}.loop")
            known = [o["name"] for o in loops]
            if loop not in known:
                raise c.fail(f"{key}.loop", f"no coolant loop named {loop!r}{hint(loop, known)}",
                             "the name of a [[loops]] entry: " + (", ".join(known) or "none defined"))
        else:
            part = c.name(t["part"], f"{key}.part")
            if part not in names:
                raise c.fail(f"{key}.part", f"no part named {part!r}{hint(part, sorted(names))}",
                             "a part name (a repeated part's copies are name[0], name[1], ...)")
        action = c.string(c.required(t, "action", key, ", ".join(PART_EVENT_ACTIONS)),
                          f"{key}.action", EVENT_ACTIONS)
        if action not in PART_EVENT_ACTIONS:
            raise c.fail(f"{key}.action", f"{action!r} is a network branch's action",
                         "'off', 'on' or 'scale' for a part or a loop")
        value = t.get("value")
        if action == "scale":
            value = c.number(c.required(t, "value", key, "a factor >= 0"), f"{key}.value", lo=0.0)
        elif value is not None:
            raise c.fail(f"{key}.value", f"action {action!r} takes no value",
                         "value with action = 'scale'")
        event = {"at": at, "part": part, "action": action, "value": value}
        if loop is not None:  # a loop event: part is None, loop names the [[loops]] entry
            event["loop"] = loop
        out.append(event)
    return out


def _network_event(c: Checker, t: dict, key: str, at: float, networks: Sequence[dict]) -> dict:
    """A network branch's event: ``{"at", "part": None, "action", "value", "network",
    "branch"}``."""
    net = c.name(t["network"], f"{key}.network")
    known = [n["name"] for n in networks]
    if net not in known:
        raise c.fail(f"{key}.network", f"no network named {net!r}{hint(net, known)}",
                     "the name of a [[networks]] entry: " + (", ".join(known) or "none defined"))
    branches = next(n for n in networks if n["name"] == net)["branches"]
    name = c.name(t["branch"], f"{key}.branch")
    movable = [b["name"] for b in branches if b["kind"] in BRANCH_ACTIONS]
    found = [b for b in branches if b["name"] == name]
    if not found or found[0]["kind"] not in BRANCH_ACTIONS:
        why = (f"branch {name!r} is a {found[0]['kind']}, which no event changes" if found else
               f"network {net!r} has no branch {name!r}{hint(name, [b['name'] for b in branches])}")
        raise c.fail(f"{key}.branch", why, "a pump, valve or heat_exchanger branch of the "
                     f"network: {', '.join(movable) or 'none'}")
    kind = found[0]["kind"]
    acts = BRANCH_ACTIONS[kind]
    action = c.string(c.required(t, "action", key, ", ".join(acts)), f"{key}.action", EVENT_ACTIONS)
    if action not in acts:
        raise c.fail(f"{key}.action", f"a {kind} branch takes no action {action!r}",
                     ", ".join(repr(a) for a in acts))
    value = t.get("value")
    if action in ("off", "on"):
        if value is not None:
            raise c.fail(f"{key}.value", f"action {action!r} takes no value",
                         "value with 'scale', 'speed', 'opening', 'facility_temperature' or "
                         "'facility_flow'")
    else:
        acc = {"scale": "a factor >= 0 (of the case's speed)",
               "speed": "a fraction of the rated speed >= 0",
               "opening": "an opening >= 0 and <= 1",
               "facility_temperature": "a temperature in C above -273.15",
               "facility_flow": "a flow > 0 (m3/s)"}[action]
        c.required(t, "value", key, acc)
        if action == "facility_temperature":
            value = c.temperature(t["value"], f"{key}.value")
        else:
            value = c.number(t["value"], f"{key}.value", lo=0.0, hi=1.0 if action == "opening"
                             else None, lo_open=action == "facility_flow", accepted=acc)
    return {"at": at, "part": None, "action": action, "value": value, "network": net,
            "branch": name}
