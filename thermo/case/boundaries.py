"""The ``[[boundaries]]`` section: patches of the domain's faces, their flow and thermal conditions.

A patch covers a ``region`` of its face (the whole face by default); patches
on one face do not overlap, and periodic faces come in opposite pairs.
"""
from __future__ import annotations

from typing import Any

from thermo.case.checker import Checker, box, fmt
from thermo.case.schema import FACES, FLOWS, KEYS


def _face_axes(face: str) -> tuple[int, tuple[int, int]]:
    """The face's normal axis and its two tangential axes (in axis order)."""
    axis = "xyz".index(face[0])
    return axis, tuple(a for a in range(3) if a != axis)


def boundaries_section(c: Checker, raw: Any, size: list[float]) -> list[dict]:
    """The [[boundaries]] on the faces of a domain of ``size`` (m), with their defaults."""
    out: list[dict] = []
    names: set[str] = set()
    for i, item in enumerate(c.array(raw, "boundaries")):
        key = f"boundaries[{i}]"
        t = c.table(item, key, KEYS["boundaries"])
        name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
        if name in names:
            raise c.fail(f"{key}.name", f"duplicate boundary name {name!r}", "unique names")
        names.add(name)
        face = c.string(c.required(t, "face", key, ", ".join(FACES)), f"{key}.face", FACES)
        flow = c.string(t.get("flow", "wall"), f"{key}.flow", FLOWS)
        axis, tang = _face_axes(face)
        axes = "".join("xyz"[a] for a in tang)
        if flow == "periodic" and t.get("region") is not None:
            raise c.fail(f"{key}.region", "a periodic boundary covers its whole face",
                         "no region on a periodic boundary")
        if t.get("region") is None:
            region = {"min": [0.0, 0.0], "max": [size[tang[0]], size[tang[1]]]}
        else:
            region = box(c, t["region"], f"{key}.region", [size[a] for a in tang], axes)
        b: dict[str, Any] = {"name": name, "face": face, "region": region, "flow": flow}
        b["velocity"], b["volume_flow"] = _boundary_flow(c, t, key, face, flow, axis)
        b.update(_boundary_thermal(c, t, key, flow))
        b.update(_boundary_turbulence(c, t, key, flow))
        out.append(b)
    _check_faces(c, out)
    return out


def _boundary_flow(c: Checker, t: dict, key: str, face: str, flow: str,
                   axis: int) -> tuple[list[float], float | None]:
    vel, vol = t.get("velocity"), t.get("volume_flow")
    if vel is not None and flow not in ("inlet", "wall"):
        raise c.fail(f"{key}.velocity", f"a {flow} boundary takes no velocity",
                     "velocity on inlet and wall boundaries only")
    if vol is not None and flow != "inlet":
        raise c.fail(f"{key}.volume_flow", f"a {flow} boundary takes no volume_flow",
                     "volume_flow on inlet boundaries only")
    if flow == "inlet" and (vel is None) == (vol is None):
        raise c.fail(f"{key}.velocity", "an inlet needs exactly one of velocity and volume_flow",
                     "velocity = [u, v, w] (m/s) or volume_flow = number > 0 (m3/s)")
    velocity = [0.0, 0.0, 0.0] if vel is None else c.vector(vel, f"{key}.velocity", 3)
    volume_flow = None if vol is None else c.number(vol, f"{key}.volume_flow", lo=0.0, lo_open=True)
    inward = 1.0 if face.endswith("-") else -1.0
    comp = "uvw"[axis]
    if flow == "wall" and velocity[axis] != 0.0:
        raise c.fail(f"{key}.velocity", f"a wall on face {face} cannot move along its normal "
                     f"({comp} = {fmt(velocity[axis])})",
                     f"a tangential wall velocity with {comp} = 0")
    if flow == "inlet" and vel is not None and velocity[axis] * inward <= 0.0:
        sign = ">" if inward > 0 else "<"
        raise c.fail(f"{key}.velocity", f"an inlet on face {face} must blow into the domain "
                     f"({comp} = {fmt(velocity[axis])})", f"{comp} {sign} 0")
    return velocity, volume_flow


def _boundary_turbulence(c: Checker, t: dict, key: str, flow: str) -> dict:
    """An inlet's turbulence for the k-epsilon model: intensity (a fraction of the
    speed, default 0.05) and length scale (m, default 0.07 times the inlet's hydraulic
    diameter); present in the data only when given."""
    out = {}
    for k in ("turbulence_intensity", "turbulence_length_scale"):
        if t.get(k) is None:
            continue
        if flow != "inlet":
            raise c.fail(f"{key}.{k}", f"a {flow} boundary takes no {k}", f"{k} on inlets only")
        if k == "turbulence_intensity":
            out[k] = c.number(t[k], f"{key}.{k}", lo=0.0, hi=1.0)
        else:
            out[k] = c.number(t[k], f"{key}.{k}", lo=0.0, lo_open=True)
    return out


def _boundary_thermal(c: Checker, t: dict, key: str, flow: str) -> dict:
    given = [k for k in ("temperature", "heat_flux", "htc") if t.get(k) is not None]
    if len(given) > 1:
        raise c.fail(f"{key}.{given[1]}", f"{given[0]} and {given[1]} are exclusive",
                     "at most one of temperature, heat_flux, htc (with ambient)")
    allowed = {"wall": ("temperature", "heat_flux", "htc"), "slip": ("temperature", "heat_flux", "htc"),
               "inlet": ("temperature",), "outlet": (), "periodic": ()}[flow]
    for k in given:
        if k not in allowed:
            raise c.fail(f"{key}.{k}", f"a {flow} boundary takes no {k}",
                         (", ".join(allowed) if allowed else "no thermal condition") + f" on a {flow}")
    temp = t.get("temperature")
    htc, amb = t.get("htc"), t.get("ambient")
    if htc is not None and amb is None:
        raise c.fail(f"{key}.ambient", "htc needs an ambient temperature", "ambient = temperature in C")
    if amb is not None and htc is None:
        raise c.fail(f"{key}.ambient", "ambient is used only with htc", "htc = number >= 0 with ambient")
    q = t.get("heat_flux")
    return {
        "temperature": None if temp is None else c.temperature(temp, f"{key}.temperature"),
        "heat_flux": None if q is None else c.number(q, f"{key}.heat_flux"),
        "htc": None if htc is None else c.number(htc, f"{key}.htc", lo=0.0),
        "ambient": None if amb is None else c.temperature(amb, f"{key}.ambient"),
    }


def _overlap(a: dict, b: dict) -> bool:
    return all(a["min"][k] < b["max"][k] and b["min"][k] < a["max"][k] for k in range(2))


def _check_faces(c: Checker, bounds: list[dict]) -> None:
    """Periodic faces come in opposite pairs; patches on one face do not overlap."""
    opposite = {"x-": "x+", "x+": "x-", "y-": "y+", "y+": "y-", "z-": "z+", "z+": "z-"}
    periodic = {b["face"] for b in bounds if b["flow"] == "periodic"}
    for i, b in enumerate(bounds):
        for j in range(i):
            o = bounds[j]
            if o["face"] != b["face"]:
                continue
            if "periodic" in (b["flow"], o["flow"]):
                raise c.fail(f"boundaries[{i}].face", f"face {b['face']} is periodic "
                             f"(boundaries[{j}] {o['name']!r}) and cannot hold another boundary",
                             "one periodic boundary per face")
            if _overlap(b["region"], o["region"]):
                raise c.fail(f"boundaries[{i}].region", f"overlaps boundaries[{j}] {o['name']!r} "
                             f"on face {b['face']}", "non-overlapping regions on one face")
        if b["flow"] == "periodic" and opposite[b["face"]] not in periodic:
            raise c.fail(f"boundaries[{i}].flow", f"unpaired periodic face {b['face']}",
                         f"flow = 'periodic' on both {b['face']} and {opposite[b['face']]}")
