"""The case-file schema of direct-to-chip cooling: cold-plate parts and ``[[loops]]``.

A cold plate (``kind = "cold_plate"``) takes the keys of
:data:`~thermo.case.schema.PLATE_KEYS` (checked by :func:`part_keys`); a
``[[loops]]`` entry feeds plates in parallel from a CDU (checked by
:func:`loops_section`). :func:`instance_names` and :func:`match_plates` name a
part's copies and select plates by name or glob; the runtime side
(:mod:`thermo.models.coldplate`) uses them too.
"""
from __future__ import annotations

import fnmatch
from typing import Any, Callable

from thermo.case.checker import Checker
from thermo.case.materials import Material
from thermo.case.schema import DIRECTIONS, KEYS, PLATE_KEYS

SPLITS = ("equal", "hydraulic")
DEFAULT_COOLANT = "water"
DEFAULT_PUMP_EFFICIENCY = 0.5
_TIM_DOC = ("one of tim_resistance (K/W, >= 0, the whole interface) and tim_impedance (K m2/W, "
            ">= 0, over the area where the plate touches its chip)")
_PLATE_DOC = ("flow_direction = '+x' | '-x' | '+y' | ... and either thermal_resistance (K/W, plate "
              "to coolant, 1/UA) or htc (W/m2K) with area (m2, wetted)")


def part_keys(c: Checker, t: dict, key: str, kind: str, material: Material, p: dict,
              resolve: Callable[[Any, str], Material]) -> None:
    """Check a part's cold-plate keys and fill them into ``p`` (cold_plate parts
    only; other kinds are refused any of them)."""
    if kind != "cold_plate":
        for k in PLATE_KEYS:
            if t.get(k) is not None:
                raise c.fail(f"{key}.{k}", f"a {kind} part takes no {k}",
                             f"{k} on kind = 'cold_plate' parts only")
        return
    if material.is_fluid:
        raise c.fail(f"{key}.material", f"a cold plate is a solid block and {material.name!r} "
                     "is a fluid", "a solid such as 'copper' or 'aluminium'")
    p["flow_direction"] = c.string(c.required(t, "flow_direction", key, _PLATE_DOC),
                                   f"{key}.flow_direction", DIRECTIONS)
    r, htc, area = t.get("thermal_resistance"), t.get("htc"), t.get("area")
    if (r is None) == (htc is None and area is None):
        raise c.fail(f"{key}.thermal_resistance" if r is None else f"{key}.htc",
                     "needs exactly one of thermal_resistance and htc with area", _PLATE_DOC)
    p["thermal_resistance"] = p["htc"] = p["area"] = None
    if r is not None:
        p["thermal_resistance"] = c.number(r, f"{key}.thermal_resistance", lo=0.0, lo_open=True)
    else:
        for name, value in (("htc", htc), ("area", area)):
            if value is None:
                raise c.fail(f"{key}.{name}", "htc needs area (and area needs htc)", _PLATE_DOC)
            p[name] = c.number(value, f"{key}.{name}", lo=0.0, lo_open=True)
    p["coolant"] = None
    if t.get("coolant") is not None:
        p["coolant"] = coolant_material(c, t["coolant"], f"{key}.coolant", resolve)
    p["chip"] = None if t.get("chip") is None else c.name(t["chip"], f"{key}.chip")
    dp, rated = t.get("pressure_drop"), t.get("rated_flow")
    if (dp is None) != (rated is None):
        raise c.fail(f"{key}.{'rated_flow' if rated is None else 'pressure_drop'}",
                     "pressure_drop and rated_flow go together",
                     "pressure_drop (Pa) at rated_flow (m3/s), both > 0")
    p["pressure_drop"] = None if dp is None else c.number(dp, f"{key}.pressure_drop", lo=0.0,
                                                          lo_open=True)
    p["rated_flow"] = None if rated is None else c.number(rated, f"{key}.rated_flow", lo=0.0,
                                                          lo_open=True)
    if t.get("volume_flow") is not None:
        p["volume_flow"] = c.number(t["volume_flow"], f"{key}.volume_flow", lo=0.0, lo_open=True)
    else:
        p["volume_flow"] = None
    p["inlet_temperature"] = None if t.get("inlet_temperature") is None else c.temperature(
        t["inlet_temperature"], f"{key}.inlet_temperature")
    # C, the chip's limit (throttling): transient runs report when the chip first reaches it
    p["chip_limit_c"] = None if t.get("chip_limit_c") is None else c.temperature(
        t["chip_limit_c"], f"{key}.chip_limit_c")
    # the thermal interface between chip and plate, in series with the plate's link
    # to its coolant (thermo.models.coldplate): K/W, or K m2/W over the contact area
    tr, ti = t.get("tim_resistance"), t.get("tim_impedance")
    if tr is not None and ti is not None:
        raise c.fail(f"{key}.tim_impedance", "tim_resistance (K/W) and tim_impedance (K m2/W) "
                     "are exclusive: give one", _TIM_DOC)
    p["tim_resistance"] = None if tr is None else c.number(tr, f"{key}.tim_resistance", lo=0.0)
    p["tim_impedance"] = None if ti is None else c.number(ti, f"{key}.tim_impedance", lo=0.0)


def coolant_material(c: Checker, name: Any, key: str, resolve: Callable[[Any, str], Material]) -> str:
    mat = resolve(name, key)
    if not mat.is_fluid:
        raise c.fail(key, f"{name!r} is a solid, not a coolant",
                     "a fluid such as 'water' or 'propylene-glycol-25'")
    return name


def instance_names(part: dict) -> list[str]:
    """The names a part's copies get on the grid: ``name`` or ``name[k]``."""
    if part.get("repeat") is None:
        return [part["name"]]
    return [f"{part['name']}[{k}]" for k in range(part["repeat"]["count"])]


def match_plates(pattern: str, parts: list[dict]) -> list[str]:
    """Instance names that ``pattern`` (an instance name, a part name, or a glob
    such as ``"cp*"``) selects among all parts."""
    out = []
    for p in parts:
        names = instance_names(p)
        if pattern == p["name"] or fnmatch.fnmatchcase(p["name"], pattern):
            out.extend(names)  # a part's name (or a glob matching it) selects all its copies
        elif pattern in names:
            out.append(pattern)
        else:
            out.extend(n for n in names if fnmatch.fnmatchcase(n, pattern))
    return out


def loops_section(c: Checker, raw: Any, parts: list[dict],
                  resolve: Callable[[Any, str], Material],
                  networked: dict[str, str] | None = None) -> list[dict]:
    """The ``[[loops]]`` section, and the plates' coolant supply: every cold
    plate belongs to one loop, or to one ``[[networks]]`` entry (``networked``:
    plate copy -> network, checked by :mod:`thermo.case.networks`), or gives its
    own volume_flow and inlet_temperature."""
    networked = networked or {}
    plates = [p for p in parts if p["kind"] == "cold_plate"]
    kinds = {n: p["kind"] for p in parts for n in instance_names(p)}
    owner: dict[str, str] = {}
    out = []
    for i, item in enumerate(c.array(raw if raw is not None else [], "loops")):
        key = f"loops[{i}]"
        t = c.table(item, key, KEYS["loops"])
        name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
        if any(o["name"] == name for o in out):
            raise c.fail(f"{key}.name", f"duplicate loop name {name!r}", "unique names")
        loop: dict[str, Any] = {"name": name}
        loop["coolant"] = coolant_material(c, t.get("coolant", DEFAULT_COOLANT), f"{key}.coolant", resolve)
        loop["supply_temperature"] = c.temperature(
            c.required(t, "supply_temperature", key, "a temperature in C (the CDU's supply)"),
            f"{key}.supply_temperature")
        flows = [k for k in ("volume_flow", "flow_per_kw") if t.get(k) is not None]
        acc = "exactly one of volume_flow (m3/s, the loop's total) and flow_per_kw (m3/s per kW)"
        if len(flows) != 1:
            raise c.fail(f"{key}.{flows[1] if flows else 'volume_flow'}",
                         "volume_flow and flow_per_kw are exclusive" if flows else
                         "needs the loop's flow", acc)
        loop["volume_flow"] = loop["flow_per_kw"] = None
        loop[flows[0]] = c.number(t[flows[0]], f"{key}.{flows[0]}", lo=0.0, lo_open=True)
        pats = t.get("plates")
        pacc = "a non-empty list of cold_plate part names or glob patterns, e.g. ['cp*']"
        if isinstance(pats, str):
            pats = [pats]
        if not isinstance(pats, (list, tuple)) or not pats:
            raise c.fail(f"{key}.plates", "missing required key" if pats is None else
                         f"expected a list of names, got {pats!r}", pacc)
        members: list[str] = []
        for j, pat in enumerate(pats):
            pat = c.name(pat, f"{key}.plates[{j}]")
            hit = match_plates(pat, parts)
            if not hit:
                raise c.fail(f"{key}.plates[{j}]", f"{pat!r} matches no part",
                             pacc + "; cold plates: " + ", ".join(p["name"] for p in plates))
            for n in hit:
                if kinds[n] != "cold_plate":
                    if any(ch in pat for ch in "*?["):
                        continue  # a glob may sweep other parts along: keep the plates
                    raise c.fail(f"{key}.plates[{j}]", f"{n!r} is a {kinds[n]} part, not a "
                                 "cold plate", pacc)
                if n in networked:
                    raise c.fail(f"{key}.plates[{j}]", f"plate {n!r} is in network "
                                 f"{networked[n]!r}", "each plate in one loop or one network")
                if n in owner and owner[n] != name:
                    raise c.fail(f"{key}.plates[{j}]", f"plate {n!r} is already in loop "
                                 f"{owner[n]!r}", "each plate in one loop at most")
                if n not in members:
                    members.append(n)
                    owner[n] = name
        if not members:
            raise c.fail(f"{key}.plates", "selects no cold plate", pacc)
        loop["plates"] = [str(x) for x in pats]
        loop["split"] = c.string(t.get("split", "equal"), f"{key}.split", SPLITS)
        loop["pump_efficiency"] = c.number(t.get("pump_efficiency", DEFAULT_PUMP_EFFICIENCY),
                                           f"{key}.pump_efficiency", lo=0.0, hi=1.0, lo_open=True)
        if loop["split"] == "hydraulic":
            for p in plates:
                if any(n in members for n in instance_names(p)) and p["pressure_drop"] is None:
                    raise c.fail(f"{key}.split", f"a hydraulic split needs every plate's pressure "
                                 f"drop and plate {p['name']!r} has none",
                                 "split = 'equal', or pressure_drop and rated_flow on each plate")
        out.append(loop)
    for p in plates:
        names = instance_names(p)
        looped = [n for n in names if n in owner]
        where = f"part {p['name']!r}"
        netted = [n for n in names if n in networked]
        if netted:
            if len(netted) != len(names):
                raise c.fail("networks", f"{where}: copies {', '.join(sorted(set(names) - set(netted)))}"
                             f" are in no network while {netted[0]} is",
                             "all copies of a plate in networks")
            continue
        if looped:
            if len(looped) != len(names):
                raise c.fail("loops", f"{where}: copies {', '.join(sorted(set(names) - set(looped)))}"
                             f" are in no loop while {looped[0]} is", "all copies of a plate in loops")
            for k in ("volume_flow", "inlet_temperature"):
                if p.get(k) is not None:
                    raise c.fail("loops", f"{where} is in loop {owner[looped[0]]!r}, which sets its "
                                 f"{k}", f"no {k} on a plate in a loop")
            loop = next(o for o in out if o["name"] == owner[looped[0]])
            if p.get("coolant") is not None and p["coolant"] != loop["coolant"]:
                raise c.fail("loops", f"{where} names coolant {p['coolant']!r} but its loop "
                             f"{loop['name']!r} carries {loop['coolant']!r}",
                             "the loop's coolant, or no coolant on the plate")
        elif p.get("volume_flow") is None or p.get("inlet_temperature") is None:
            raise c.fail("loops", f"{where} is a cold plate in no loop and without its own "
                         "volume_flow and inlet_temperature",
                         "a [[loops]] entry whose plates select it, a [[networks]] cold_plate "
                         "branch, or volume_flow (m3/s) and inlet_temperature (C) on the plate")
    every = {n for p in parts for n in instance_names(p)} | {p["name"] for p in parts}
    for p in plates:
        if p.get("chip") is not None and p["chip"] not in every:
            raise c.fail("parts", f"cold plate {p['name']!r}: chip {p['chip']!r} names no part",
                         "a part name (or a copy name[k]) of the chip the plate sits on")
    return out
