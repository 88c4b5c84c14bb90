"""The case-file schema of coolant networks: ``[[networks]]`` and their branches (issue #18).

A ``[[networks]]`` entry is a closed coolant circuit: a list of ``branches``,
each from node ``from`` to node ``to`` (nodes are named by the branch ends;
nothing else declares them), of one of the kinds in
:data:`~thermo.case.schema.BRANCH_KINDS`: a pump (its curve, speed, check
valve), a pipe or hose (Darcy-Weisbach), a resistance, a valve (its opening),
a quick disconnect, cold plates (parts of the case, by name or glob; their
hydraulic curve from the plate's ``pressure_drop`` at ``rated_flow``) and the
CDU's heat exchanger (UA, facility-water flow and temperature). Branches
between the same two nodes are in parallel, a chain of branches in series.
Any branch may give the coolant it holds, ``volume`` (m3) or ``heat_capacity``
(J/K; a pipe's default is its bore, pi D^2/4 L; other kinds hold none by
default): the network's thermal mass in transient runs (:func:`branch_capacity`).

:func:`networks_section` checks all of it before any compilation and returns
the validated entries; the solver and its coupling to the CFD are in
:mod:`thermo.models.network` and :mod:`thermo.models.plate_network`. A plate in
a network is in no ``[[loops]]`` entry and gives no ``volume_flow`` or
``inlet_temperature`` of its own.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from thermo.case.checker import Checker, describe, hint
from thermo.case.coldplates import DEFAULT_COOLANT, coolant_material, instance_names, match_plates
from thermo.case.materials import Material
from thermo.case.schema import BRANCH_KEYS, BRANCH_KINDS, KEYS

DEFAULT_UA_FLOW_EXPONENT = 0.8
_HYDRAULIC = ("pressure_drop (Pa) at rated_flow (m3/s), both > 0, or k (loss coefficient, "
              "velocity heads, >= 0) with area (m2, > 0)")


def pump_coefficients(curve: list[list[float]]) -> tuple[float, float, float]:
    """``(a0, a1, a2)`` of ``dp = a0 + a1 Q + a2 Q^2`` (Pa, Q in m3/s) fitted to a
    pump curve's ``[Q, dp]`` points: two points exactly with ``a1 = 0``; three or
    more by least squares, again with ``a1 = 0`` where the free fit would give
    ``a1 > 0`` (a curve rising from shut-off). ``a2`` may come out >= 0 (the
    caller refuses it)."""
    q = np.array([p[0] for p in curve], float)
    dp = np.array([p[1] for p in curve], float)
    if len(q) >= 3:
        a = np.stack([np.ones_like(q), q, q * q], axis=1)
        a0, a1, a2 = np.linalg.lstsq(a, dp, rcond=None)[0]
        if a1 <= 0:
            return float(a0), float(a1), float(a2)
    a = np.stack([np.ones_like(q), q * q], axis=1)
    a0, a2 = np.linalg.lstsq(a, dp, rcond=None)[0]
    return float(a0), 0.0, float(a2)


def networks_section(c: Checker, raw: Any, parts: list[dict],
                     resolve: Callable[[Any, str], Material]) -> list[dict]:
    """The ``[[networks]]`` section: each entry's name, coolant, UA exponent and
    branches checked and filled with their defaults (:func:`branch_plates` gives
    the plate copies a cold_plate branch selects)."""
    kinds = {n: p["kind"] for p in parts for n in instance_names(p)}
    plates = [p for p in parts if p["kind"] == "cold_plate"]
    owner: dict[str, str] = {}  # plate copy -> "network.branch"
    out: list[dict] = []
    for i, item in enumerate(c.array(raw if raw is not None else [], "networks")):
        key = f"networks[{i}]"
        t = c.table(item, key, KEYS["networks"])
        name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
        if any(o["name"] == name for o in out):
            raise c.fail(f"{key}.name", f"duplicate network name {name!r}", "unique names")
        net: dict[str, Any] = {"name": name}
        net["coolant"] = coolant_material(c, t.get("coolant", DEFAULT_COOLANT), f"{key}.coolant", resolve)
        net["ua_flow_exponent"] = c.number(t.get("ua_flow_exponent", DEFAULT_UA_FLOW_EXPONENT),
                                           f"{key}.ua_flow_exponent", lo=0.0, hi=2.0)
        raw_branches = c.required(t, "branches", key, "a list of branch tables "
                                  "(name, kind, from, to and the kind's keys)")
        if isinstance(raw_branches, dict) or not isinstance(raw_branches, (list, tuple)) \
                or not raw_branches:
            raise c.fail(f"{key}.branches", f"expected a non-empty list of tables, got "
                         f"{describe(raw_branches)}", "[[networks.branches]] tables")
        branches = []
        for j, b in enumerate(raw_branches):
            branches.append(_branch(c, b, f"{key}.branches[{j}]", name, parts, plates, kinds,
                                    owner, net["coolant"], branches, resolve))
        _whole(c, key, branches)
        net["branches"] = branches
        out.append(net)
    return out


def branch_plates(branch: dict, parts: list[dict]) -> list[str]:
    """The plate copies a validated cold_plate branch selects, in the order its
    ``plates`` name them (the validated data keeps only the patterns, so that it
    writes back as the case file)."""
    kinds = {n: p["kind"] for p in parts for n in instance_names(p)}
    out: list[str] = []
    for pat in branch["plates"]:
        out += [n for n in match_plates(pat, parts) if kinds[n] == "cold_plate" and n not in out]
    return out


def branch_capacity(branch: dict, rho_cp: float) -> float:
    """The heat capacity (J/K) of the coolant a validated branch holds, at the
    coolant's ``rho_cp`` (J/(m3 K)): ``heat_capacity``, else ``volume * rho_cp``,
    else a pipe's bore ``pi D^2 / 4 * L * rho_cp``, else 0."""
    if branch.get("heat_capacity") is not None:
        return float(branch["heat_capacity"])
    if branch.get("volume") is not None:
        return float(branch["volume"]) * rho_cp
    if branch["kind"] == "pipe":
        return float(np.pi * branch["diameter"] ** 2 / 4.0 * branch["length"]) * rho_cp
    return 0.0


def networked_plates(networks: list[dict], parts: list[dict]) -> dict[str, str]:
    """Plate copy name -> the network that feeds it."""
    return {n: net["name"] for net in networks for b in net["branches"]
            if b["kind"] == "cold_plate" for n in branch_plates(b, parts)}


def _branch(c: Checker, raw: Any, key: str, net: str, parts: list[dict], plates: list[dict],
            kinds: dict[str, str], owner: dict[str, str], coolant: str,
            done: list[dict], resolve: Callable[[Any, str], Material]) -> dict:
    if not isinstance(raw, dict):
        raise c.fail(key, f"expected a table, got {describe(raw)}",
                     "a table with keys name, kind, from, to and the kind's keys")
    kind = c.string(c.required(raw, "kind", key, ", ".join(repr(k) for k in BRANCH_KINDS)),
                    f"{key}.kind", BRANCH_KINDS)
    allowed = BRANCH_KEYS["common"] + BRANCH_KEYS[kind]
    for k in raw:
        if k not in allowed:
            others = [x for x, v in BRANCH_KEYS.items() if x != "common" and k in v]
            why = f"a {kind} branch takes no {k}" if others else f"unknown key{hint(str(k), allowed)}"
            raise c.fail(f"{key}.{k}", why, ", ".join(allowed))
    name = c.name(c.required(raw, "name", key, "a non-empty string"), f"{key}.name")
    if any(b["name"] == name for b in done):
        raise c.fail(f"{key}.name", f"duplicate branch name {name!r} in network {net!r}",
                     "branch names unique within their network")
    b: dict[str, Any] = {"name": name, "kind": kind}
    for end in ("from", "to"):
        b[end] = c.name(c.required(raw, end, key, "a node name (any string; the branches' "
                                   "ends name the nodes)"), f"{key}.{end}")
    if b["from"] == b["to"]:
        raise c.fail(f"{key}.to", f"from and to are the same node {b['to']!r}",
                     "two different nodes")
    num = lambda k, **kw: c.number(raw[k], f"{key}.{k}", **kw)  # noqa: E731
    if raw.get("volume") is not None and raw.get("heat_capacity") is not None:
        raise c.fail(f"{key}.heat_capacity", "volume and heat_capacity are exclusive",
                     "volume (m3 of coolant) or heat_capacity (J/K), not both")
    for k in ("volume", "heat_capacity"):  # kept only where given (the examples write back)
        if raw.get(k) is not None:
            b[k] = num(k, lo=0.0)
    if kind == "pump":
        b["curve"] = _curve(c, c.required(raw, "curve", key, _CURVE), f"{key}.curve")
        a0, a1, a2 = pump_coefficients(b["curve"])
        if not a2 < 0 or not a0 > 0:
            raise c.fail(f"{key}.curve", f"the fitted curve dp = {a0:.4g} + {a1:.4g} Q + {a2:.4g} "
                         "Q^2 does not droop", _CURVE)
        b["speed"] = num("speed", lo=0.0) if raw.get("speed") is not None else 1.0
        b["check_valve"] = c.boolean(raw.get("check_valve", True), f"{key}.check_valve")
    elif kind == "pipe":
        for k in ("length", "diameter"):
            c.required(raw, k, key, "a number > 0 (m)")
            b[k] = num(k, lo=0.0, lo_open=True)
        b["roughness"] = num("roughness", lo=0.0) if raw.get("roughness") is not None else 0.0
        b["minor_loss"] = num("minor_loss", lo=0.0) if raw.get("minor_loss") is not None else 0.0
    elif kind in ("resistance", "valve", "quick_disconnect"):
        _hydraulic(c, raw, key, b, allow_k=True)
        if kind == "valve":
            b["opening"] = num("opening", lo=0.0, hi=1.0) if raw.get("opening") is not None else 1.0
    elif kind == "heat_exchanger":
        c.required(raw, "ua", key, "a number > 0 (W/K)")
        b["ua"] = num("ua", lo=0.0, lo_open=True)
        c.required(raw, "facility_flow", key, "a number > 0 (m3/s)")
        b["facility_flow"] = num("facility_flow", lo=0.0, lo_open=True)
        b["facility_temperature"] = c.temperature(
            c.required(raw, "facility_temperature", key, "a temperature in C"),
            f"{key}.facility_temperature")
        b["facility_coolant"] = coolant_material(c, raw.get("facility_coolant", DEFAULT_COOLANT),
                                         f"{key}.facility_coolant", resolve)
        # the CDU's control: a supply set point held while the heat is within capacity (W);
        # kept only where given (the examples write back)
        if raw.get("supply_temperature") is not None:
            b["supply_temperature"] = c.temperature(raw["supply_temperature"],
                                                    f"{key}.supply_temperature")
        if raw.get("capacity") is not None:
            b["capacity"] = num("capacity", lo=0.0, lo_open=True)
        _hydraulic(c, raw, key, b, allow_k=False)
    else:  # cold_plate
        _plates(c, raw, key, b, net, parts, plates, kinds, owner, coolant)
    return b


_CURVE = ("a list of at least 2 [Q (m3/s), dp (Pa)] points, Q >= 0 increasing, dp > 0 at the "
          "first point and falling: the pump's rise at rated speed")


def _curve(c: Checker, raw: Any, key: str) -> list[list[float]]:
    if not isinstance(raw, (list, tuple)) or len(raw) < 2:
        raise c.fail(key, f"expected a list of [Q, dp] points, got {describe(raw)}", _CURVE)
    pts = [c.vector(p, f"{key}[{k}]", 2, lo=0.0) for k, p in enumerate(raw)]
    for k in range(1, len(pts)):
        if not pts[k][0] > pts[k - 1][0]:
            raise c.fail(f"{key}[{k}]", "flows must increase along the curve", _CURVE)
        if pts[k][1] > pts[k - 1][1]:
            raise c.fail(f"{key}[{k}]", "the rise must not grow with flow", _CURVE)
    if not pts[0][1] > 0:
        raise c.fail(f"{key}[0]", "no rise at the first point", _CURVE)
    return pts


def _hydraulic(c: Checker, raw: dict, key: str, b: dict, allow_k: bool) -> None:
    """pressure_drop at rated_flow, or (allow_k) k with area: filled into ``b``."""
    dp, rated, k, area = (raw.get(x) for x in ("pressure_drop", "rated_flow", "k", "area"))
    acc = _HYDRAULIC if allow_k else "pressure_drop (Pa) at rated_flow (m3/s), both > 0"
    b["pressure_drop"] = b["rated_flow"] = None
    if allow_k:
        b["k"] = b["area"] = None
    if (dp is None) != (rated is None):
        raise c.fail(f"{key}.{'rated_flow' if rated is None else 'pressure_drop'}",
                     "pressure_drop and rated_flow go together", acc)
    if allow_k and (k is None) != (area is None):
        raise c.fail(f"{key}.{'area' if area is None else 'k'}", "k and area go together", acc)
    if dp is None and k is None:
        raise c.fail(f"{key}.pressure_drop", "missing required key", acc)
    if dp is not None and k is not None:
        raise c.fail(f"{key}.k", "pressure_drop with rated_flow and k with area are exclusive", acc)
    if dp is not None:
        b["pressure_drop"] = c.number(dp, f"{key}.pressure_drop", lo=0.0, lo_open=True)
        b["rated_flow"] = c.number(rated, f"{key}.rated_flow", lo=0.0, lo_open=True)
    else:
        b["k"] = c.number(k, f"{key}.k", lo=0.0, lo_open=True)
        b["area"] = c.number(area, f"{key}.area", lo=0.0, lo_open=True)


def _plates(c: Checker, raw: dict, key: str, b: dict, net: str, parts: list[dict],
            plates: list[dict], kinds: dict[str, str], owner: dict[str, str], coolant: str) -> None:
    pats = c.required(raw, "plates", key, "a list of cold_plate part names or globs")
    pacc = ("a non-empty list of cold_plate part names, copy names (name[k]) or glob patterns, "
            "e.g. ['gpu_plate*']; cold plates: " + ", ".join(p["name"] for p in plates))
    if isinstance(pats, str):
        pats = [pats]
    if not isinstance(pats, (list, tuple)) or not pats:
        raise c.fail(f"{key}.plates", f"expected a list of names, got {describe(pats)}", pacc)
    members: list[str] = []
    for j, pat in enumerate(pats):
        pat = c.name(pat, f"{key}.plates[{j}]")
        hit = match_plates(pat, parts)
        if not hit:
            raise c.fail(f"{key}.plates[{j}]", f"{pat!r} matches no part", pacc)
        for n in hit:
            if kinds[n] != "cold_plate":
                if any(ch in pat for ch in "*?["):
                    continue
                raise c.fail(f"{key}.plates[{j}]", f"{n!r} is a {kinds[n]} part, not a cold plate",
                             pacc)
            where = f"{net}.{b['name']}"
            if n in owner and owner[n] != where:
                raise c.fail(f"{key}.plates[{j}]", f"plate {n!r} is already in branch "
                             f"{owner[n]!r}", "each plate in one network branch at most")
            if n not in members:
                members.append(n)
                owner[n] = where
    if not members:
        raise c.fail(f"{key}.plates", "selects no cold plate", pacc)
    for p in plates:
        names = instance_names(p)
        if not any(n in members for n in names):
            continue
        pk = f"{key}.plates (part {p['name']!r})"
        if p["pressure_drop"] is None:
            raise c.fail(pk, "a plate in a network needs its hydraulic curve and has no "
                         "pressure_drop", "pressure_drop (Pa) at rated_flow (m3/s) on the plate")
        for k in ("volume_flow", "inlet_temperature"):
            if p.get(k) is not None:
                raise c.fail(pk, f"the network {net!r} sets the plate's {k}",
                             f"no {k} on a plate in a network")
        if p.get("coolant") is not None and p["coolant"] != coolant:
            raise c.fail(pk, f"the plate names coolant {p['coolant']!r} but network {net!r} "
                         f"carries {coolant!r}", "the network's coolant, or no coolant on the plate")
    b["plates"] = [str(x) for x in pats]


def _whole(c: Checker, key: str, branches: list[dict]) -> None:
    """A closed circuit: one piece, with a pump, a heat exchanger and a cold plate."""
    kinds = [b["kind"] for b in branches]
    for need, why in (("pump", "to drive the flow"), ("heat_exchanger", "(the CDU) to take the "
                      "heat out: a closed loop has no steady temperature without one"),
                      ("cold_plate", "to couple to the case")):
        if need not in kinds:
            raise c.fail(f"{key}.branches", f"no {need} branch", f"at least one {need} branch {why}")
    adj: dict[str, set] = {}
    for b in branches:
        adj.setdefault(b["from"], set()).add(b["to"])
        adj.setdefault(b["to"], set()).add(b["from"])
    start = branches[0]["from"]
    seen, stack = {start}, [start]
    while stack:
        for m in adj[stack.pop()]:
            if m not in seen:
                seen.add(m)
                stack.append(m)
    lost = sorted(set(adj) - seen)
    if lost:
        raise c.fail(f"{key}.branches", f"nodes {', '.join(map(repr, lost))} are not connected to "
                     f"node {start!r}", "one connected circuit (each network is one closed loop "
                     "of branches)")
    dead = sorted(n for n, m in adj.items() if len(m) < 2 and
                  sum(b["from"] == n or b["to"] == n for b in branches) < 2)
    if dead:
        raise c.fail(f"{key}.branches", f"node {dead[0]!r} ends a single branch: the coolant "
                     "cannot flow through it", "closed circuits: every node the end of two "
                     "branches or more")
