"""The ``[[events]]`` section of a transient run: parts and coolant loops switched or scaled in time."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.checker import Checker, hint
from thermo.case.schema import EVENT_ACTIONS, KEYS


def events_section(c: Checker, raw: Any, parts: list[dict], transient: bool,
                   loops: Sequence[dict] = ()) -> list[dict]:
    """[[events]]: at a time (s) switch a part off or on, or scale its flow; or
    (``loop = "name"`` instead of ``part``) stop, restart or scale a coolant loop's flow."""
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
        which = "a part name (part = 'fan1') or a [[loops]] name (loop = 'cdu'), not both"
        if (t.get("part") is None) == (t.get("loop") is None):
            raise c.fail(f"{key}.{'loop' if t.get('part') is not None else 'part'}",
                         "needs exactly one of part and loop" if t.get("part") is None
                         else "part and loop are exclusive", which)
        part = loop = None
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
        action = c.string(c.required(t, "action", key, ", ".join(EVENT_ACTIONS)), f"{key}.action",
                          EVENT_ACTIONS)
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
