"""The ``[[parts]]`` section: each part's name, kind, material, power and kind-specific keys.

:func:`parts_section` checks the parts of a [geometry] builder and the case's
own; a part's shape keys are checked in :mod:`thermo.case.shapes` and a cold
plate's in :mod:`thermo.case.coldplates`. Compact parts (server, fan, crah)
move air between two faces of their box; porous parts take Darcy-Forchheimer
coefficients or a loss coefficient.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thermo.case.checker import Checker, describe, fmt, known_materials, resolve
from thermo.case.coldplates import part_keys
from thermo.case.contacts import check_contacts, contacts_key
from thermo.case.heatsinks import HEAT_SINK_KEYS
from thermo.case.heatsinks import part_keys as heat_sink_keys
from thermo.case.junctions import junction_key
from thermo.case.errors import CaseError
from thermo.case.materials import LIBRARY, Material
from thermo.case.schema import (AXES, CRAH_CONTROLS, CRAH_KEYS, DIRECTIONS,
                                EXHAUST_TURBULENCE_KEYS, KEYS, KIND_KEYS, PART_KINDS,
                                PART_KINDS_LATER, THROUGHFLOW_KINDS)
from thermo.case.shapes import part_shape


def parts_section(c: Checker, raw: Any, user: dict[str, Material], size: list[float],
                  built: Sequence[dict] = (), builder: str = "") -> list[dict]:
    """The [[parts]], after the ``built`` parts of a [geometry] builder (keys
    ``geometry.parts[i]``; the case's own parts keep their keys ``parts[i]``)."""
    items = [(f"geometry.parts[{i}]", p) for i, p in enumerate(built)]
    items += [(f"parts[{i}]", p) for i, p in enumerate(c.array(raw, "parts"))]
    out: list[dict] = []
    names: set[str] = set()
    for key, item in items:
        if key.startswith("geometry."):
            try:
                out.append(_part(c, key, item, names, user, size))
            except CaseError as exc:
                raise c.fail(exc.key, f"part {item.get('name')!r} of the {builder} builder: "
                             f"{exc.problem}", exc.accepted + "; change geometry.parameters "
                             "(e.g. origin) or domain.size so that the builder's parts fit") from None
        else:
            try:
                out.append(_part(c, key, item, names, user, size))
            except CaseError as exc:
                name = item.get("name") if isinstance(item, dict) else None
                if not isinstance(name, str) or f"{name!r}" in exc.problem:
                    raise
                raise c.fail(exc.key, f"part {name!r}: {exc.problem}", exc.accepted) from None
    check_contacts(c, [key for key, _ in items], out)  # `with` names any part, so after all
    return out


def _part(c: Checker, key: str, item: Any, names: set[str], user: dict[str, Material],
          size: list[float]) -> dict:
    """One [[parts]] entry (``key`` is its path for messages)."""
    t = c.table(item, key, KEYS["parts"])
    name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
    if name in names:
        raise c.fail(f"{key}.name", f"duplicate part name {name!r}", "unique names")
    names.add(name)
    kind = c.string(c.required(t, "kind", key, ", ".join(PART_KINDS)), f"{key}.kind",
                    PART_KINDS, PART_KINDS_LATER)
    if kind in ("solid", "cold_plate", "fluid"):
        mat = c.required(t, "material", key, known_materials(user))
    else:  # compact parts: the material only colours the result (the chassis)
        mat = t.get("material", _DEFAULT_MATERIAL[kind])
    material = resolve(c, mat, f"{key}.material", user)
    if kind == "fluid" and not material.is_fluid:
        # a second fluid region (a resolved cold plate's coolant): flow is solved in it
        fluids = sorted(n for n, m in {**LIBRARY, **user}.items() if m.is_fluid)
        raise c.fail(f"{key}.material", f"{mat!r} is a solid (it has no viscosity); a fluid "
                     "part needs a fluid", "a fluid: " + ", ".join(fluids))
    p: dict[str, Any] = {"name": name, "kind": kind, "material": mat}
    p.update(part_shape(c, t, key, name, size))
    p["power"] = c.number(t.get("power", 0.0), f"{key}.power", lo=0.0)
    _kind_keys(c, t, key, kind, p)
    if kind == "solid":  # a chip's compact junction model (thermo/case/junctions.py)
        junction_key(c, t, key, p, size)
    if kind in ("solid", "cold_plate"):  # interface layers on its faces (thermo/case/contacts.py)
        contacts_key(c, t, key, p)
    # a server's pressure_drop and rated_flow are its internal loss (checked above),
    # not a cold plate's hydraulic keys
    plate_t = {k: v for k, v in t.items() if k not in SERVER_FAN_KEYS} if kind == "server" else t
    part_keys(c, plate_t, key, kind, material, p, lambda n, k: resolve(c, n, k, user))
    p["shape"] = p.pop("shape")  # derived, last; to_toml leaves it out
    return p


# a server's own fans (a curve) against its internal loss (pressure_drop at rated_flow)
SERVER_FAN_KEYS = ("fan_curve", "pressure_drop", "rated_flow")
_DEFAULT_MATERIAL = {"server": "steel", "fan": "steel", "crah": "steel", "porous": "steel",
                     "heat_sink": "aluminium"}
_KIND_DOC = {
    "server": "direction = '+x' (the way air crosses it) and one of volume_flow (m3/s), "
              "flow_per_kw (m3/s per kW of power) or fan_curve = [[flow m3/s, pressure rise Pa], "
              "...] (its own fans; optionally with pressure_drop (Pa) at rated_flow (m3/s), its "
              "internal loss)",
    "fan": "direction = '+x' and one of volume_flow (m3/s, fixed) or curve = [[flow m3/s, "
           "pressure rise Pa], ...] (flows increasing)",
    "crah": "direction = '+x' (the supply face), volume_flow (m3/s) and supply_temperature (C); "
            "optionally intake = '+z' (the return face; default opposite the supply), capacity "
            "(W) and control = 'return_temperature' or 'pressure' with control_set_point, "
            "control_gain, control_integral_time, min_speed and max_speed",
    "porous": "permeability (m2) and/or inertial_coefficient (1/m), each a number or [x, y, z]; "
              "or loss_coefficient (velocity heads) or open_area (0-1) with direction = 'x'",
}


def _kind_keys(c: Checker, t: dict, key: str, kind: str, p: dict) -> None:
    """The keys that belong to one kind of part, checked and filled into ``p``."""
    own = KIND_KEYS.get(kind, ())
    for k in ("direction", "intake", "volume_flow", "flow_per_kw", "curve", "supply_temperature",
              "permeability", "inertial_coefficient", "loss_coefficient", "open_area",
              *CRAH_KEYS, "leakage", *HEAT_SINK_KEYS, "junction", "contacts"):
        if t.get(k) is not None and k not in own:
            takers = [n for n, keys in KIND_KEYS.items() if k in keys]
            raise c.fail(f"{key}.{k}", f"a {kind} part takes no {k}",
                         (", ".join(own) or "no kind-specific keys") + f" on a {kind} part; "
                         f"{k} on {', '.join(takers)} parts")
    for k in EXHAUST_TURBULENCE_KEYS:
        if t.get(k) is not None and k not in own:
            raise c.fail(f"{key}.{k}", f"a {kind} part takes no {k} (it has no exhaust)",
                         f"{k} on {', '.join(THROUGHFLOW_KINDS)} parts only")
    # a cold plate's pressure_drop and rated_flow are its own (thermo/case/coldplates.py)
    for k in ("fan_curve", "heat_capacity") + (SERVER_FAN_KEYS[1:] if kind != "cold_plate" else ()):
        if t.get(k) is not None and k not in own:
            raise c.fail(f"{key}.{k}", f"a {kind} part takes no {k}", f"{k} on server parts"
                         + (" (and pressure_drop, rated_flow on cold_plate parts)"
                            if k in SERVER_FAN_KEYS[1:] else ""))
    if kind in ("fan", "crah", "porous"):
        if p["power"]:
            raise c.fail(f"{key}.power", f"a {kind} part gives no heat",
                         "power on solid and server parts")
    if kind in THROUGHFLOW_KINDS:
        if p.get("box") is None:
            raise c.fail(f"{key}.box", f"a {kind} part must be a box", "box = {min, max}")
        p["direction"] = c.string(c.required(t, "direction", key, _KIND_DOC[kind]),
                                  f"{key}.direction", DIRECTIONS)
        p["intake"] = None
        if t.get("intake") is not None:
            p["intake"] = c.string(t["intake"], f"{key}.intake", DIRECTIONS)
            if p["intake"] == p["direction"] or t.get("curve") is not None:
                raise c.fail(f"{key}.intake", "the intake must be another face of the box than the "
                             "exhaust (`direction`), and a fan curve takes no intake",
                             "a face such as '+z' (the box's top) other than `direction`")
        flows = [k for k in ("volume_flow", "flow_per_kw", "curve", "fan_curve")
                 if t.get(k) is not None]
        if len(flows) != 1:
            raise c.fail(f"{key}.{flows[1] if flows else 'volume_flow'}",
                         "needs exactly one way to set its flow" if not flows else
                         f"{flows[0]} and {flows[1]} are exclusive", _KIND_DOC[kind])
        p["volume_flow"] = p["flow_per_kw"] = p["curve"] = None
        if kind == "server":
            _server_keys(c, t, key, flows[0], p)
        if flows[0] == "volume_flow":
            p["volume_flow"] = c.number(t["volume_flow"], f"{key}.volume_flow", lo=0.0)
        elif flows[0] == "flow_per_kw":
            p["flow_per_kw"] = c.number(t["flow_per_kw"], f"{key}.flow_per_kw", lo=0.0, lo_open=True)
        elif flows[0] == "curve":
            p["curve"] = _curve(c, t["curve"], f"{key}.curve")
        p.update(_exhaust_turbulence(c, t, key))
        if kind == "crah":
            p["supply_temperature"] = c.temperature(
                c.required(t, "supply_temperature", key, "a temperature in C"),
                f"{key}.supply_temperature")
            _crah_keys(c, t, key, p)
    if kind == "porous":
        _porous_keys(c, t, key, p)
    if kind == "heat_sink":
        heat_sink_keys(c, t, key, p)


def _server_keys(c: Checker, t: dict, key: str, flow: str, p: dict) -> None:
    """A server's own fans and thermal mass, filled into ``p``: ``fan_curve`` (pairs
    [m3/s, Pa], flows increasing from 0, pressure rises not increasing and falling on
    the last segment, so that the operating point is unique), its internal loss
    ``pressure_drop`` (Pa) at ``rated_flow`` (m3/s), both > 0, together and only with
    ``fan_curve`` (default: no internal loss); ``heat_capacity`` (J/K, > 0, lumped;
    default None: no thermal mass)."""
    p["fan_curve"] = p["pressure_drop"] = p["rated_flow"] = p["heat_capacity"] = None
    if t.get("heat_capacity") is not None:
        p["heat_capacity"] = c.number(t["heat_capacity"], f"{key}.heat_capacity", lo=0.0,
                                      lo_open=True)
    dp, rated = t.get("pressure_drop"), t.get("rated_flow")
    if flow != "fan_curve":
        for k in SERVER_FAN_KEYS[1:]:
            if t.get(k) is not None:
                raise c.fail(f"{key}.{k}", f"{k} is a server's internal loss against its own "
                             f"fans: it goes with fan_curve, and this server's flow is fixed by "
                             f"{flow}", "pressure_drop (Pa) at rated_flow (m3/s) with fan_curve")
        return
    acc = ("a list of at least 2 [flow m3/s, pressure rise Pa] pairs: flows increasing from 0, "
           "pressure rises not increasing, the last lower than the one before")
    curve = _curve(c, t["fan_curve"], f"{key}.fan_curve", acc)
    for i in range(1, len(curve)):
        if curve[i][1] > curve[i - 1][1] or (i == len(curve) - 1 and curve[i][1] == curve[i - 1][1]):
            raise c.fail(f"{key}.fan_curve[{i}]", f"pressure rise {fmt(curve[i][1])} Pa after "
                         f"{fmt(curve[i - 1][1])} Pa: a server's operating point must be unique",
                         acc)
    p["fan_curve"] = curve
    if (dp is None) != (rated is None):
        raise c.fail(f"{key}.{'rated_flow' if rated is None else 'pressure_drop'}",
                     "pressure_drop and rated_flow go together",
                     "pressure_drop (Pa) at rated_flow (m3/s), both > 0: the server's internal "
                     "loss, quadratic in the flow")
    if dp is not None:
        p["pressure_drop"] = c.number(dp, f"{key}.pressure_drop", lo=0.0, lo_open=True)
        p["rated_flow"] = c.number(rated, f"{key}.rated_flow", lo=0.0, lo_open=True)


def _crah_keys(c: Checker, t: dict, key: str, p: dict) -> None:
    """A CRAH's coil capacity and fan-speed control, filled into ``p``: ``capacity``
    (W, > 0; default None: unlimited), the most heat its coil removes, so that the
    supply rises above ``supply_temperature`` (then its set point) when the return
    load exceeds it; ``control`` (``"return_temperature"``: the return air's mean
    temperature, C, or ``"pressure"``: the static pressure on its supply side less
    that on its return side, Pa) held at ``control_set_point`` by the fans' speed
    (a fraction of ``volume_flow``, the flow at speed 1), ``control_gain`` (> 0:
    speed per K or per Pa of error), ``control_integral_time`` (s, > 0; default
    None: a proportional law), between ``min_speed`` (default 0.2) and
    ``max_speed`` (default 1), 0 <= min_speed <= max_speed."""
    for k in CRAH_KEYS:
        p[k] = None
    if t.get("capacity") is not None:
        p["capacity"] = c.number(t["capacity"], f"{key}.capacity", lo=0.0, lo_open=True)
    law = ("control_set_point", "control_gain", "control_integral_time", "min_speed", "max_speed")
    if t.get("control") is None:
        for k in law:
            if t.get(k) is not None:
                raise c.fail(f"{key}.{k}", f"{k} belongs to a fan-speed control, and this CRAH "
                             "has none", "control = 'return_temperature' or 'pressure' with "
                             f"{k}")
        return
    what = c.string(t["control"], f"{key}.control", CRAH_CONTROLS)
    unit = "C" if what == "return_temperature" else "Pa"
    acc = ("a return temperature in C" if what == "return_temperature" else
           "a pressure difference in Pa (supply side less return side)")
    if what == "return_temperature":
        set_point = c.temperature(c.required(t, "control_set_point", key, acc),
                                  f"{key}.control_set_point")
    else:
        set_point = c.number(c.required(t, "control_set_point", key, acc),
                             f"{key}.control_set_point", accepted=acc)
    gain = c.number(c.required(t, "control_gain", key, f"a number > 0 (speed per {unit})"),
                    f"{key}.control_gain", lo=0.0, lo_open=True)
    ti = None
    if t.get("control_integral_time") is not None:
        ti = c.number(t["control_integral_time"], f"{key}.control_integral_time", lo=0.0,
                      lo_open=True)
    lo = c.number(t.get("min_speed", 0.2), f"{key}.min_speed", lo=0.0)
    hi = c.number(t.get("max_speed", 1.0), f"{key}.max_speed", lo=0.0, lo_open=True)
    if lo > hi:
        raise c.fail(f"{key}.min_speed", f"min_speed {fmt(lo)} is above max_speed {fmt(hi)}",
                     "0 <= min_speed <= max_speed (fractions of volume_flow)")
    # flat, as in the case file (the data is written back as TOML with the results)
    p.update({"control": what, "control_set_point": set_point, "control_gain": gain,
              "control_integral_time": ti, "min_speed": lo, "max_speed": hi})


def _exhaust_turbulence(c: Checker, t: dict, key: str) -> dict:
    """A throughflow part's exhaust turbulence for the k-epsilon closures: intensity (a
    fraction of the exhaust speed, default 0.05) and length scale (m, default 0.07 times
    the exhaust face's hydraulic diameter); present in the data only when given, like
    an inlet's (thermo/case/boundaries.py), and taken without effect by other closures.
    A fan given by a curve is open cells, through which k and epsilon are transported
    (no held exhaust values): refused there."""
    out = {}
    for k in EXHAUST_TURBULENCE_KEYS:
        if t.get(k) is None:
            continue
        if t.get("curve") is not None:
            raise c.fail(f"{key}.{k}", f"a fan given by a curve takes no {k}: its cells are "
                         "open, and k and epsilon are transported through them",
                         f"{k} on server, crah and fixed-flow (volume_flow) fan parts")
        if k == "turbulence_intensity":
            out[k] = c.number(t[k], f"{key}.{k}", lo=0.0, hi=1.0)
        else:
            out[k] = c.number(t[k], f"{key}.{k}", lo=0.0, lo_open=True)
    return out


def _curve(c: Checker, value: Any, key: str, acc: str = "") -> list[list[float]]:
    acc = acc or "a list of at least 2 [flow m3/s, pressure rise Pa] pairs, flows increasing from 0"
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise c.fail(key, f"expected a fan curve, got {describe(value)}", acc)
    pts = [c.vector(v, f"{key}[{i}]", 2, lo=0.0) for i, v in enumerate(value)]
    for i in range(1, len(pts)):
        if pts[i][0] <= pts[i - 1][0]:
            raise c.fail(f"{key}[{i}]", f"flow {fmt(pts[i][0])} does not increase", acc)
    return pts


def _axis_values(c: Checker, value: Any, key: str) -> list[float]:
    if isinstance(value, (list, tuple)):
        return c.vector(value, key, 3, lo=0.0, lo_open=True)
    x = c.number(value, key, lo=0.0, lo_open=True, accepted="a number > 0 or a list of 3")
    return [x, x, x]


def _porous_keys(c: Checker, t: dict, key: str, p: dict) -> None:
    """Darcy-Forchheimer coefficients per axis: dp/dx = mu/K u + rho C2 |u| u / 2."""
    darcy = t.get("permeability") is not None or t.get("inertial_coefficient") is not None
    loss = t.get("loss_coefficient") is not None or t.get("open_area") is not None
    if darcy == loss:
        raise c.fail(f"{key}.permeability", "needs either Darcy-Forchheimer coefficients or a "
                     "loss coefficient (not both, not neither)", _KIND_DOC["porous"])
    p["permeability"] = p["inertial_coefficient"] = None
    p["loss_coefficient"] = p["open_area"] = p["direction"] = None
    p["leakage"] = False
    if t.get("leakage") is not None:
        p["leakage"] = c.boolean(t["leakage"], f"{key}.leakage")
        if p["leakage"] and darcy:
            raise c.fail(f"{key}.leakage", "a leakage path is an opening with a loss "
                         "coefficient along one direction",
                         "leakage = true with open_area (or loss_coefficient) and direction")
    if darcy:
        if t.get("direction") is not None:
            raise c.fail(f"{key}.direction", "direction goes with loss_coefficient or open_area",
                         "per-axis coefficients as lists [x, y, z]")
        if t.get("permeability") is not None:
            p["permeability"] = _axis_values(c, t["permeability"], f"{key}.permeability")
        if t.get("inertial_coefficient") is not None:
            p["inertial_coefficient"] = _axis_values(c, t["inertial_coefficient"],
                                                     f"{key}.inertial_coefficient")
        return
    if p.get("box") is None:
        raise c.fail(f"{key}.box", "a porous part with a loss coefficient must be a box (its "
                     "thickness along `direction` spreads the loss)", "box = {min, max}")
    p["direction"] = c.string(c.required(t, "direction", key, "'x', 'y' or 'z'"),
                              f"{key}.direction", AXES)
    if t.get("loss_coefficient") is not None and t.get("open_area") is not None:
        raise c.fail(f"{key}.open_area", "loss_coefficient and open_area are exclusive",
                     _KIND_DOC["porous"])
    if t.get("loss_coefficient") is not None:
        p["loss_coefficient"] = c.number(t["loss_coefficient"], f"{key}.loss_coefficient",
                                         lo=0.0, lo_open=True)
    else:
        p["open_area"] = c.number(t["open_area"], f"{key}.open_area", lo=0.0, hi=1.0, lo_open=True)
