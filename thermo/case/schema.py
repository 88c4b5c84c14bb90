"""Loading and validating a case (a TOML file, or the same structure as a dict).

The case-file contract is docs/case-format.md: every key, its type, unit,
default and what is refused (tests/test_case_format.py holds it to
`accepted_keys` and to what this module accepts). Everything is checked here,
before any compilation; a refused case raises `CaseError` naming the file, the
key path (``parts[3].box.max``) and what would be accepted. Units are SI,
temperatures in degrees Celsius.
"""
from __future__ import annotations

import copy
import difflib
import inspect
import math
import numbers
import pathlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from thermo.case.materials import LIBRARY, Material, resolve_material
from thermo.meshes.parts import shapes_of

from thermo.case import coldplates as _cold_plate

__all__ = ["Case", "CaseError", "accepted_keys", "case_from_dict", "default_case_path", "example_path",
           "load_case", "to_toml"]

FACES = ("x-", "x+", "y-", "y+", "z-", "z+")
FLOWS = ("wall", "slip", "inlet", "outlet", "periodic")
PART_KINDS = ("solid", "server", "fan", "crah", "porous", "cold_plate", "fluid")
PART_KINDS_LATER = ("tank",)
# kinds the air moves through (a fixed flow between an intake face and an exhaust face)
THROUGHFLOW_KINDS = ("server", "fan", "crah")
DIRECTIONS = ("+x", "-x", "+y", "-y", "+z", "-z")
EVENT_ACTIONS = ("off", "on", "scale")
SHAPES = ("box", "cylinder", "stl")
AXES = ("x", "y", "z")
_SHAPE_ACCEPTED = ("exactly one of box = {min = [x, y, z], max = [x, y, z]}, "
                   "cylinder = {center = [x, y, z], radius = r, length = l, axis = 'z'}, "
                   "stl = 'file.stl'")
# "zero-equation": Chen & Xu (1998), nu_t = 0.03874 |V| l; "smagorinsky": nu_t =
# (Cs Delta)^2 |S| with a wall cap and van Driest damping; "mixing-length": Prandtl's
# nu_t = l_m^2 |S|, l_m = min(0.41 d (1 - exp(-y+/26)), cap) (kernels/turbulence.py)
TURBULENCE = ("none", "smagorinsky", "zero-equation", "mixing-length")
TURBULENCE_LATER = ()
FIELDS = ("T", "U", "p", "material")
ABSOLUTE_ZERO_C = -273.15
_REL_TOL = 1e-12
_DERIVED = ("shape", "part_count")  # keys of the validated data that are not case-file keys

_SECTIONS = ("case", "domain", "fluid", "materials", "geometry", "parts", "boundaries",
             "loops", "physics", "solver", "output", "events")
KEYS = {
    "case": ("name", "description"),
    "domain": ("size", "cells", "gravity"),
    "fluid": ("material", "reference_temperature", "initial_temperature", "initial_velocity"),
    "materials": ("name", "density", "specific_heat", "conductivity", "viscosity", "expansion"),
    "geometry": ("builder", "parameters"),
    "parts": ("name", "kind", "material", "box", "cylinder", "stl", "rotate", "axis", "repeat",
              "power", "direction", "intake", "volume_flow", "flow_per_kw", "curve", "supply_temperature",
              "permeability", "inertial_coefficient", "loss_coefficient", "open_area",
              "flow_direction", "coolant", "thermal_resistance", "htc", "area", "chip",
              "pressure_drop", "rated_flow", "inlet_temperature", "chip_limit_c"),  # cold plates: thermo/coldplate.py
    "box": ("min", "max"),
    "cylinder": ("center", "radius", "length", "axis"),
    "repeat": ("count", "step"),
    "boundaries": ("name", "face", "region", "flow", "velocity", "volume_flow",
                   "temperature", "heat_flux", "htc", "ambient"),
    "physics": ("buoyancy", "turbulence", "smagorinsky_constant", "mixing_length_cap",
                "body_force"),
    "solver": ("mode", "end_time", "max_steps", "tolerance", "cfl", "precision", "backend",
               "checkpoint_every", "steps_per_call", "pressure_tolerance", "dt", "monitor_window",
               "monitor_tolerance"),
    "output": ("every", "fields"),
    "events": ("at", "part", "loop", "action", "value"),
    "loops": ("name", "coolant", "supply_temperature", "volume_flow", "flow_per_kw", "plates",
              "split", "pump_efficiency"),
}
# [[section]] arrays of tables, and the tables nested in their entries (keys: KEYS[...])
_ARRAYS = ("materials", "parts", "boundaries", "loops", "events")
_NESTED = {"parts": {"box": "box", "cylinder": "cylinder", "repeat": "repeat"},
           "boundaries": {"region": "box"}}


def accepted_keys() -> list[str]:
    """Every key a case file may hold, in docs/case-format.md's notation.

    ``solver.max_steps`` (a key of a table); ``parts[].box.min`` (a key of an
    entry of an array of tables, here in its nested ``box`` table);
    ``parts[kind=server].volume_flow`` (a key that only that kind of part
    takes; ``parts[].name`` every kind takes); and
    ``geometry.parameters[builder=rack].servers`` (a builder's keyword argument).
    """
    from thermo.case import builders

    out: list[str] = []
    only = set(_cold_plate.PLATE_KEYS).union(*_KIND_KEYS.values())  # keys some kinds of part refuse
    for section in _SECTIONS:
        entry = f"{section}[]" if section in _ARRAYS else section
        for k in KEYS[section]:
            if section == "parts" and k in only:
                continue
            out.append(f"{entry}.{k}")
            nested = _NESTED.get(section, {}).get(k)
            if nested is not None:
                out += [f"{entry}.{k}.{n}" for n in KEYS[nested]]
    for kind in PART_KINDS:
        own = _KIND_KEYS[kind] + (_cold_plate.PLATE_KEYS if kind == "cold_plate" else ())
        out += [f"parts[kind={kind}].{k}" for k in own]
    for name, build in builders.BUILDERS.items():
        out += [f"geometry.parameters[builder={name}].{k}" for k in _builder_parameters(build)]
    return out


class CaseError(ValueError):
    """A refused case: ``"<file>: <key.path>: <problem>; accepted: <accepted>"``."""

    def __init__(self, file: str, key: str, problem: str, accepted: str) -> None:
        self.file, self.key, self.problem, self.accepted = file, key, problem, accepted
        super().__init__(f"{file}: {key}: {problem}; accepted: {accepted}")

    def __reduce__(self):  # keep it picklable (multiprocessing sweeps)
        return (CaseError, (self.file, self.key, self.problem, self.accepted))


@dataclass(frozen=True)
class Case:
    """A validated case.

    `data` has the TOML's nesting with every default filled in; `path` is the
    case file (None for a dict); `text` is the TOML that produced it (stored in
    results); `materials` holds the resolved user ([[materials]]) materials.
    """

    data: dict
    path: pathlib.Path | None
    text: str
    materials: dict[str, Material] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.data["case"]["name"]

    def material(self, name: str) -> Material:
        """A material by name: user materials first, then the library."""
        return resolve_material(name, self.materials)

    @property
    def fluid(self) -> Material:
        """The fluid filling the domain, with its properties at the case's
        reference temperature where the material has a temperature table."""
        return self.material(self.data["fluid"]["material"]).at(
            self.data["fluid"]["reference_temperature"])


DEFAULT_EXAMPLE = "air-rack-60kw"


def example_path(name: str) -> pathlib.Path:
    """The bundled example case ``name`` (a file in thermo/cases)."""
    return pathlib.Path(__file__).resolve().parent.parent / "cases" / f"{name}.toml"


def default_case_path() -> pathlib.Path:
    """The bundled default case: the 60 kW air-cooled rack in a contained cold aisle."""
    return example_path(DEFAULT_EXAMPLE)


def load_case(path: str | pathlib.Path, overrides: Sequence[str] = ()) -> Case:
    """Read a TOML case file, apply ``"key.path=value"`` overrides, and validate it."""
    path = pathlib.Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(source, "(file)", f"cannot read the case file ({exc.strerror or exc})",
                        "a readable TOML case file") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(source, "(syntax)", f"not valid TOML ({exc})",
                        "a TOML file, see https://toml.io") from None
    if overrides:
        for ov in overrides:
            _apply_override(raw, ov, source)
        text = text.rstrip("\n") + "\n# overrides: " + " ".join(
            "--set " + ov.replace("\n", " ") for ov in overrides) + "\n"
    data, materials = _validate(raw, source)
    return Case(data=data, path=path, text=text, materials=materials)


def case_from_dict(d: dict, source: str = "<dict>") -> Case:
    """Validate a case given as a dict with the TOML's structure (not modified)."""
    if not isinstance(d, dict):
        raise CaseError(source, "(case)", f"expected a dict, got {type(d).__name__}",
                        "a dict with the case file's structure")
    data, materials = _validate(copy.deepcopy(d), source)
    return Case(data=data, path=None, text=to_toml(data), materials=materials)


# ----------------------------------------------------------------------------- overrides

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)")


def _parse_value(text: str) -> Any:
    """A TOML value (``[1, 2]``, ``"x"``, ``true``, ``5``), else the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def _apply_override(raw: dict, override: str, source: str) -> None:
    key, sep, value = override.partition("=")
    key = key.strip()
    if not sep or not key:
        raise CaseError(source, override or "(override)", "an override needs the form key.path=value",
                        "e.g. domain.cells=[128,128,1] or solver.mode=transient")
    steps: list[str | int] = []
    for part in key.split("."):
        m = _TOKEN.fullmatch(part.strip())
        if not m:
            raise CaseError(source, key, "malformed key path",
                            "dotted names with optional [index], e.g. parts[0].box.max")
        steps.append(m.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    node: Any = raw
    walked = ""
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int):
            if not isinstance(node, list):
                raise CaseError(source, walked, "is not a list, so it cannot be indexed",
                                "an index only after a list such as parts or boundaries")
            if not 0 <= step < len(node):
                ok = f"{walked}[0] to {walked}[{len(node) - 1}]" if node else "none (the list is empty)"
                raise CaseError(source, f"{walked}[{step}]", "index out of range", ok)
            walked = f"{walked}[{step}]"
        else:
            if not isinstance(node, dict):
                raise CaseError(source, walked, "is not a table, so it has no keys",
                                "a path through tables")
            walked = f"{walked}.{step}" if walked else step
        if last:
            node[step] = _parse_value(value)
        else:
            nxt = node[step] if (isinstance(step, int) or step in node) else None
            if nxt is None:
                if isinstance(steps[i + 1], int):
                    raise CaseError(source, walked, "the case has no such list to index",
                                    "indices of entries present in the case file")
                nxt = node[step] = {}  # a missing table; unknown names are refused below
            node = nxt


# ----------------------------------------------------------------------------- checks


class _Checker:
    """Type and range checks that raise CaseError naming the file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str, accepted: str) -> CaseError:
        return CaseError(self.source, key, problem, accepted)

    def table(self, value: Any, key: str, allowed: Sequence[str]) -> dict:
        """A table whose keys are all in `allowed` (misspellings get a hint)."""
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_describe(value)}",
                            "a table with keys " + ", ".join(allowed))
        for k in value:
            if k not in allowed:
                hint = _hint(str(k), allowed)
                path = f"{key}.{k}" if key else str(k)
                raise self.fail(path, f"unknown key{hint}", ", ".join(allowed))
        return value

    def required(self, tbl: dict, name: str, key: str, accepted: str) -> Any:
        if tbl.get(name) is None:
            raise self.fail(f"{key}.{name}", "missing required key", accepted)
        return tbl[name]

    def string(self, value: Any, key: str, choices: Sequence[str] | None = None,
               later: Sequence[str] = ()) -> str:
        accepted = ", ".join(repr(c) for c in choices) if choices else "a string"
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_describe(value)}", accepted)
        if choices is not None and value not in choices:
            if value in later:
                raise self.fail(key, f"{value!r} is not supported yet", accepted)
            hint = _hint(value, list(choices) + list(later))
            raise self.fail(key, f"unknown value {value!r}{hint}", accepted)
        return value

    def name(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {_describe(value)}",
                            "a non-empty string")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_describe(value)}", "true, false")
        return value

    def number(self, value: Any, key: str, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, accepted: str | None = None) -> float:
        """A finite float (ints accepted, bools not) within [lo, hi] (or (lo, hi])."""
        acc = accepted or _range_text("a number", lo, hi, lo_open)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.fail(key, f"expected a number, got {_describe(value)}", acc)
        x = float(value)
        if not math.isfinite(x):
            raise self.fail(key, f"{x} is not finite", acc)
        if lo is not None and (x < lo or (lo_open and x == lo)):
            raise self.fail(key, f"{_fmt(x)} is out of range", acc)
        if hi is not None and x > hi:
            raise self.fail(key, f"{_fmt(x)} is out of range", acc)
        return x

    def integer(self, value: Any, key: str, lo: int | None = None) -> int:
        acc = _range_text("an integer", lo, None, False)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.fail(key, f"expected an integer, got {_describe(value)}", acc)
        if lo is not None and value < lo:
            raise self.fail(key, f"{value} is out of range", acc)
        return int(value)

    def temperature(self, value: Any, key: str) -> float:
        return self.number(value, key, lo=ABSOLUTE_ZERO_C, lo_open=True,
                           accepted="a temperature in C above -273.15")

    def vector(self, value: Any, key: str, n: int, integer: bool = False, **limits: Any) -> list:
        what = "integers" if integer else "numbers"
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise self.fail(key, f"expected a list of {n} {what}, got {_describe(value)}",
                            f"a list of {n} {what}" + _limits_text(integer, limits))
        if integer:
            return [self.integer(v, f"{key}[{i}]", **limits) for i, v in enumerate(value)]
        return [self.number(v, f"{key}[{i}]", **limits) for i, v in enumerate(value)]

    def array(self, value: Any, key: str) -> list:
        """An array of tables ([[parts]], [[boundaries]], [[materials]])."""
        if isinstance(value, dict) or not isinstance(value, (list, tuple)):
            raise self.fail(key, f"expected an array of tables, got {_describe(value)}",
                            f"[[{key}]] tables")
        return list(value)


def _hint(word: str, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def _fmt(x: float) -> str:
    return f"{x:g}"


def _range_text(what: str, lo: float | None, hi: float | None, lo_open: bool) -> str:
    if lo is not None and hi is not None:
        return f"{what} {'>' if lo_open else '>='} {_fmt(lo)} and <= {_fmt(hi)}"
    if lo is not None:
        return f"{what} {'>' if lo_open else '>='} {_fmt(lo)}"
    return what


def _limits_text(integer: bool, limits: dict) -> str:
    text = _range_text("", limits.get("lo"), limits.get("hi"), limits.get("lo_open", False)).strip()
    return f", each {text}" if text else ""


# ----------------------------------------------------------------------------- sections


def _validate(raw: Any, source: str) -> tuple[dict, dict[str, Material]]:
    c = _Checker(source)
    raw = c.table(raw, "", _SECTIONS)
    for section in ("case", "domain"):
        if section not in raw:
            raise c.fail(section, "missing required section",
                         f"a [{section}] table with keys " + ", ".join(KEYS[section]))
    data: dict[str, Any] = {}
    data["case"] = _case(c, raw["case"])
    data["domain"] = _domain(c, raw["domain"])
    data["materials"], materials = _materials(c, raw.get("materials", []))
    data["physics"] = _physics(c, raw.get("physics", {}))
    data["fluid"] = _fluid(c, raw.get("fluid", {}), materials, data["physics"]["buoyancy"])
    built: list[dict] = []
    if raw.get("geometry") is not None:  # optional: present in the data only when given
        data["geometry"], built = _geometry(c, raw["geometry"], data["fluid"])
    data["parts"] = _parts(c, raw.get("parts", []), materials, data["domain"]["size"], built,
                           data.get("geometry", {}).get("builder", ""))
    data["boundaries"] = _boundaries(c, raw.get("boundaries", []), data["domain"]["size"])
    data["solver"] = _solver(c, raw.get("solver", {}))
    data["output"] = _output(c, raw.get("output", {}))
    loops = _cold_plate.loops_section(c, raw.get("loops"), data["parts"],
                                      lambda n, k: _resolve(c, n, k, materials))
    if raw.get("loops") is not None:
        data["loops"] = loops
    if raw.get("events") is not None:
        data["events"] = _events(c, raw["events"], data["parts"],
                                 data["solver"]["mode"] == "transient", data.get("loops", []))
    return {s: data[s] for s in _SECTIONS if s in data}, materials


def _case(c: _Checker, raw: Any) -> dict:
    t = c.table(raw, "case", KEYS["case"])
    name = c.name(c.required(t, "name", "case", "a non-empty string"), "case.name")
    if any(ch in name for ch in "/\\") or name.strip() in (".", ".."):
        raise c.fail("case.name", f"{name!r} cannot name an output folder",
                     "a non-empty name without '/' or '\\'")
    desc = t.get("description", "")
    desc = c.string(desc, "case.description")
    return {"name": name, "description": desc}


def _domain(c: _Checker, raw: Any) -> dict:
    t = c.table(raw, "domain", KEYS["domain"])
    size = c.vector(c.required(t, "size", "domain", "a list of 3 numbers > 0 (m)"), "domain.size", 3,
                    lo=0.0, lo_open=True)
    cells = c.vector(c.required(t, "cells", "domain", "a list of 3 integers >= 1"), "domain.cells", 3,
                     integer=True, lo=1)
    gravity = c.vector(t.get("gravity", [0.0, 0.0, -9.81]), "domain.gravity", 3)
    return {"size": size, "cells": cells, "gravity": gravity}


def _materials(c: _Checker, raw: Any) -> tuple[list[dict], dict[str, Material]]:
    out: list[dict] = []
    mats: dict[str, Material] = {}
    for i, item in enumerate(c.array(raw, "materials")):
        key = f"materials[{i}]"
        t = c.table(item, key, KEYS["materials"])
        name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
        if name in mats:
            raise c.fail(f"{key}.name", f"duplicate material name {name!r}", "unique names")
        m = {"name": name}
        for prop in ("density", "specific_heat", "conductivity"):
            m[prop] = c.number(c.required(t, prop, key, "a number > 0"), f"{key}.{prop}",
                               lo=0.0, lo_open=True)
        v = t.get("viscosity")
        m["viscosity"] = None if v is None else c.number(v, f"{key}.viscosity", lo=0.0, lo_open=True)
        e = t.get("expansion")
        m["expansion"] = None if e is None else c.number(e, f"{key}.expansion")
        mats[name] = Material(**m, source=f"user material ({key} in the case)")
        out.append(m)
    return out, mats


def _physics(c: _Checker, raw: Any) -> dict:
    t = c.table(raw, "physics", KEYS["physics"])
    out = {
        "buoyancy": c.boolean(t.get("buoyancy", False), "physics.buoyancy"),
        "turbulence": c.string(t.get("turbulence", "none"), "physics.turbulence",
                               TURBULENCE, TURBULENCE_LATER),
        # Cs of the Smagorinsky model (read only when turbulence = "smagorinsky")
        "smagorinsky_constant": c.number(t.get("smagorinsky_constant", 0.17),
                                         "physics.smagorinsky_constant", lo=0.0, hi=1.0,
                                         lo_open=True),
        # a uniform acceleration (m/s2) driving the flow, e.g. a periodic channel
        "body_force": c.vector(t.get("body_force", [0.0, 0.0, 0.0]), "physics.body_force", 3),
    }
    if t.get("mixing_length_cap") is not None:  # present in the data only when given
        # m, the largest mixing length (turbulence = "mixing-length"; default 0.09 times
        # the largest wall distance in the fluid)
        out["mixing_length_cap"] = c.number(t["mixing_length_cap"], "physics.mixing_length_cap",
                                            lo=0.0, lo_open=True)
    return out


def _known_materials(user: dict[str, Material]) -> str:
    return "a library material (" + ", ".join(sorted(LIBRARY)) + ") or a [[materials]] name" + (
        " (" + ", ".join(sorted(user)) + ")" if user else "")


def _resolve(c: _Checker, name: Any, key: str, user: dict[str, Material]) -> Material:
    name = c.name(name, key)
    try:
        return resolve_material(name, user)
    except KeyError:
        hint = _hint(name, sorted(set(user) | set(LIBRARY)))
        raise c.fail(key, f"unknown material {name!r}{hint}", _known_materials(user)) from None


def _fluid(c: _Checker, raw: Any, user: dict[str, Material], buoyancy: bool) -> dict:
    t = c.table(raw, "fluid", KEYS["fluid"])
    name = t.get("material", "air")
    mat = _resolve(c, name, "fluid.material", user)
    fluids = sorted(n for n, m in {**LIBRARY, **user}.items() if m.is_fluid)
    if not mat.is_fluid:
        raise c.fail("fluid.material", f"{name!r} is a solid (it has no viscosity)",
                     "a fluid: " + ", ".join(fluids))
    if buoyancy and mat.expansion is None:
        raise c.fail("fluid.material", f"physics.buoyancy needs an expansion coefficient and "
                     f"{name!r} has none", "a fluid with `expansion` set, or buoyancy = false")
    ref = c.temperature(t.get("reference_temperature", 20.0), "fluid.reference_temperature")
    init = t.get("initial_temperature")
    init = ref if init is None else c.temperature(init, "fluid.initial_temperature")
    vel = c.vector(t.get("initial_velocity", [0.0, 0.0, 0.0]), "fluid.initial_velocity", 3)
    return {"material": name, "reference_temperature": ref, "initial_temperature": init,
            "initial_velocity": vel}


def _inside(lo: float, hi: float, extent: float) -> tuple[bool, bool]:
    """Whether lo >= 0 and hi <= extent, with a relative tolerance."""
    tol = _REL_TOL * extent
    return lo >= -tol, hi <= extent + tol


def _box(c: _Checker, raw: Any, key: str, extents: Sequence[float], axes: str) -> dict:
    n = len(extents)
    t = c.table(raw, key, KEYS["box"])
    acc = f"a list of {n} numbers (m, {' '.join(axes)})"
    lo = c.vector(c.required(t, "min", key, acc), f"{key}.min", n)
    hi = c.vector(c.required(t, "max", key, acc), f"{key}.max", n)
    inside = "min >= 0 and max <= (" + ", ".join(_fmt(e) for e in extents) + f") on axes {', '.join(axes)}"
    for a in range(n):
        if not lo[a] < hi[a]:
            raise c.fail(f"{key}.max", f"max[{a}] = {_fmt(hi[a])} is not above min[{a}] = {_fmt(lo[a])}",
                         "max > min on every axis, inside the domain: " + inside)
        ok_lo, ok_hi = _inside(lo[a], hi[a], extents[a])
        if not ok_lo:
            raise c.fail(f"{key}.min", f"{axes[a]} = {_fmt(lo[a])} lies outside the domain", inside)
        if not ok_hi:
            raise c.fail(f"{key}.max", f"{axes[a]} = {_fmt(hi[a])} lies outside the domain", inside)
    return {"min": lo, "max": hi}


def _plain(value: Any) -> Any:
    """A copy with tuples as lists and None-valued table entries left out (as TOML holds it)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _geometry(c: _Checker, raw: Any, fluid: dict) -> tuple[dict, list[dict]]:
    """The [geometry] section: a builder of thermo.case.builders and its keyword arguments.

    Returns the validated section (with the derived ``part_count``) and the
    builder's parts, which go before the case's own [[parts]]."""
    from thermo.case import builders

    t = c.table(raw, "geometry", KEYS["geometry"])
    names = tuple(builders.BUILDERS)
    name = c.string(c.required(t, "builder", "geometry", ", ".join(repr(n) for n in names)),
                    "geometry.builder", names)
    build = builders.BUILDERS[name]
    sig = inspect.signature(build)
    accepted = _builder_parameters(build)
    acc = f"the {name} builder's parameters: " + ", ".join(accepted)
    params = t.get("parameters", {})
    if not isinstance(params, dict):
        raise c.fail("geometry.parameters", f"expected a table, got {_describe(params)}",
                     "a table of keyword arguments, e.g. parameters = { servers = 40 }; " + acc)
    for k in params:
        if k not in accepted:
            raise c.fail(f"geometry.parameters.{k}", f"unknown parameter of the {name} builder"
                         f"{_hint(str(k), accepted)}", acc)
    params = _plain(params)
    try:
        parts = build(**params)
    except builders.BuilderError as exc:
        raise c.fail(f"geometry.parameters.{exc.parameter}", exc.problem, exc.accepted) from None
    except (TypeError, ValueError) as exc:
        raise c.fail("geometry.parameters", f"the {name} builder refused them ({exc})", acc) from None
    if "fluid" in accepted:  # a builder of a vessel full of coolant: the case's fluid
        given = "fluid" in params
        held = params["fluid"] if given else sig.parameters["fluid"].default
        if held != fluid["material"]:
            raise c.fail("geometry.parameters.fluid" if given else "fluid.material",
                         f"the {name} builder's fluid is {held!r} but fluid.material is "
                         f"{fluid['material']!r}",
                         f"the same fluid in both: fluid.material = {held!r}, or "
                         f"geometry.parameters.fluid = {fluid['material']!r}")
    geometry = {"builder": name, "parameters": params, "part_count": len(parts)}
    return geometry, parts


def _builder_parameters(build) -> list[str]:
    """The keyword arguments a builder takes: the keys of ``geometry.parameters``."""
    return [p.name for p in inspect.signature(build).parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _parts(c: _Checker, raw: Any, user: dict[str, Material], size: list[float],
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
    return out


def _part(c: _Checker, key: str, item: Any, names: set[str], user: dict[str, Material],
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
        mat = c.required(t, "material", key, _known_materials(user))
    else:  # compact parts: the material only colours the result (the chassis)
        mat = t.get("material", _DEFAULT_MATERIAL[kind])
    material = _resolve(c, mat, f"{key}.material", user)
    if kind == "fluid" and not material.is_fluid:
        # a second fluid region (a resolved cold plate's coolant): flow is solved in it
        fluids = sorted(n for n, m in {**LIBRARY, **user}.items() if m.is_fluid)
        raise c.fail(f"{key}.material", f"{mat!r} is a solid (it has no viscosity); a fluid "
                     "part needs a fluid", "a fluid: " + ", ".join(fluids))
    p: dict[str, Any] = {"name": name, "kind": kind, "material": mat}
    p.update(_part_shape(c, t, key, name, size))
    p["power"] = c.number(t.get("power", 0.0), f"{key}.power", lo=0.0)
    _kind_keys(c, t, key, kind, p)
    _cold_plate.part_keys(c, t, key, kind, material, p, lambda n, k: _resolve(c, n, k, user))
    p["shape"] = p.pop("shape")  # derived, last; to_toml leaves it out
    return p


_DEFAULT_MATERIAL = {"server": "steel", "fan": "steel", "crah": "steel", "porous": "steel"}
_KIND_KEYS = {
    "solid": (),
    "fluid": (),
    "cold_plate": ("volume_flow",),
    "server": ("direction", "intake", "volume_flow", "flow_per_kw"),
    "fan": ("direction", "intake", "volume_flow", "curve"),
    "crah": ("direction", "intake", "volume_flow", "supply_temperature"),
    "porous": ("permeability", "inertial_coefficient", "loss_coefficient", "open_area", "direction"),
}
_KIND_DOC = {
    "server": "direction = '+x' (the way air crosses it) and one of volume_flow (m3/s) or "
              "flow_per_kw (m3/s per kW of power)",
    "fan": "direction = '+x' and one of volume_flow (m3/s, fixed) or curve = [[flow m3/s, "
           "pressure rise Pa], ...] (flows increasing)",
    "crah": "direction = '+x' (the supply face), volume_flow (m3/s) and supply_temperature (C); "
            "optionally intake = '+z' (the return face; default opposite the supply)",
    "porous": "permeability (m2) and/or inertial_coefficient (1/m), each a number or [x, y, z]; "
              "or loss_coefficient (velocity heads) or open_area (0-1) with direction = 'x'",
}


def _kind_keys(c: _Checker, t: dict, key: str, kind: str, p: dict) -> None:
    """The keys that belong to one kind of part, checked and filled into ``p``."""
    own = _KIND_KEYS.get(kind, ())
    for k in ("direction", "intake", "volume_flow", "flow_per_kw", "curve", "supply_temperature",
              "permeability", "inertial_coefficient", "loss_coefficient", "open_area"):
        if t.get(k) is not None and k not in own:
            raise c.fail(f"{key}.{k}", f"a {kind} part takes no {k}",
                         (", ".join(own) or "no kind-specific keys") + f" on a {kind} part")
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
        flows = [k for k in ("volume_flow", "flow_per_kw", "curve") if t.get(k) is not None]
        if len(flows) != 1:
            raise c.fail(f"{key}.{flows[1] if flows else 'volume_flow'}",
                         "needs exactly one way to set its flow" if not flows else
                         f"{flows[0]} and {flows[1]} are exclusive", _KIND_DOC[kind])
        p["volume_flow"] = p["flow_per_kw"] = p["curve"] = None
        if flows[0] == "volume_flow":
            p["volume_flow"] = c.number(t["volume_flow"], f"{key}.volume_flow", lo=0.0)
        elif flows[0] == "flow_per_kw":
            p["flow_per_kw"] = c.number(t["flow_per_kw"], f"{key}.flow_per_kw", lo=0.0, lo_open=True)
        else:
            p["curve"] = _curve(c, t["curve"], f"{key}.curve")
        if kind == "crah":
            p["supply_temperature"] = c.temperature(
                c.required(t, "supply_temperature", key, "a temperature in C"),
                f"{key}.supply_temperature")
    if kind == "porous":
        _porous_keys(c, t, key, p)


def _curve(c: _Checker, value: Any, key: str) -> list[list[float]]:
    acc = "a list of at least 2 [flow m3/s, pressure rise Pa] pairs, flows increasing from 0"
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise c.fail(key, f"expected a fan curve, got {_describe(value)}", acc)
    pts = [c.vector(v, f"{key}[{i}]", 2, lo=0.0) for i, v in enumerate(value)]
    for i in range(1, len(pts)):
        if pts[i][0] <= pts[i - 1][0]:
            raise c.fail(f"{key}[{i}]", f"flow {_fmt(pts[i][0])} does not increase", acc)
    return pts


def _axis_values(c: _Checker, value: Any, key: str) -> list[float]:
    if isinstance(value, (list, tuple)):
        return c.vector(value, key, 3, lo=0.0, lo_open=True)
    x = c.number(value, key, lo=0.0, lo_open=True, accepted="a number > 0 or a list of 3")
    return [x, x, x]


def _porous_keys(c: _Checker, t: dict, key: str, p: dict) -> None:
    """Darcy-Forchheimer coefficients per axis: dp/dx = mu/K u + rho C2 |u| u / 2."""
    darcy = t.get("permeability") is not None or t.get("inertial_coefficient") is not None
    loss = t.get("loss_coefficient") is not None or t.get("open_area") is not None
    if darcy == loss:
        raise c.fail(f"{key}.permeability", "needs either Darcy-Forchheimer coefficients or a "
                     "loss coefficient (not both, not neither)", _KIND_DOC["porous"])
    p["permeability"] = p["inertial_coefficient"] = None
    p["loss_coefficient"] = p["open_area"] = p["direction"] = None
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


def _events(c: _Checker, raw: Any, parts: list[dict], transient: bool,
            loops: list[dict] = ()) -> list[dict]:
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
                raise c.fail(f"{key}.loop", f"no coolant loop named {loop!r}{_hint(loop, known)}",
                             "the name of a [[loops]] entry: " + (", ".join(known) or "none defined"))
        else:
            part = c.name(t["part"], f"{key}.part")
            if part not in names:
                raise c.fail(f"{key}.part", f"no part named {part!r}{_hint(part, sorted(names))}",
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


def _part_shape(c: _Checker, t: dict, key: str, name: str, size: list[float]) -> dict:
    """A part's shape keys (box, cylinder, stl, rotate, axis, repeat) and the derived `shape`.

    Every copy (after rotation and repeats) must lie inside the domain. An STL
    path is relative to the case file's folder (the working folder for a dict
    case); `shape` holds it resolved to an absolute path.
    """
    given = [k for k in SHAPES if t.get(k) is not None]
    if not given:
        raise c.fail(f"{key}.box", "missing required key (the part needs a shape)", _SHAPE_ACCEPTED)
    if len(given) > 1:
        raise c.fail(f"{key}.{given[1]}", f"{given[0]} and {given[1]} are exclusive", _SHAPE_ACCEPTED)
    rot = t.get("rotate", 0)
    rot_acc = "an integer multiple of 90 (degrees), e.g. 90, 180, -90"
    if isinstance(rot, bool) or not isinstance(rot, numbers.Real) or not math.isfinite(rot):
        raise c.fail(f"{key}.rotate", f"expected a number, got {_describe(rot)}", rot_acc)
    if rot % 90 != 0:
        raise c.fail(f"{key}.rotate", f"{_fmt(rot)} is not a multiple of 90", rot_acc)
    rotate = int(rot)
    axis = c.string(t.get("axis", "z"), f"{key}.axis", AXES)
    turned = rotate % 360 != 0
    out: dict[str, Any] = {"box": None, "cylinder": None, "stl": None}
    shape_key = f"{key}.{given[0]}"
    if given[0] == "box":
        # an unturned box is checked against the domain here; a turned one below
        extents = [math.inf] * 3 if turned else size
        out["box"] = _box(c, t["box"], shape_key, extents, "xyz")
        shape = {"type": "box", "min": list(out["box"]["min"]), "max": list(out["box"]["max"])}
    elif given[0] == "cylinder":
        cy = c.table(t["cylinder"], shape_key, KEYS["cylinder"])
        acc = "cylinder = {center = [x, y, z], radius = r, length = l, axis = 'z'}"
        out["cylinder"] = {
            "center": c.vector(c.required(cy, "center", shape_key, acc), f"{shape_key}.center", 3),
            "radius": c.number(c.required(cy, "radius", shape_key, "a number > 0 (m)"),
                               f"{shape_key}.radius", lo=0.0, lo_open=True),
            "length": c.number(c.required(cy, "length", shape_key, "a number > 0 (m)"),
                               f"{shape_key}.length", lo=0.0, lo_open=True),
            "axis": c.string(cy.get("axis", "z"), f"{shape_key}.axis", AXES),
        }
        shape = {"type": "cylinder", **copy.deepcopy(out["cylinder"])}
    else:
        stl = c.name(t["stl"], shape_key)
        base = pathlib.Path(c.source).parent if not c.source.startswith("<") else pathlib.Path()
        file = (base / stl).resolve()
        if not file.is_file():
            raise c.fail(shape_key, f"part {name!r}: STL file {stl!r} not found (looked for {file})",
                         "a path to an existing STL file, relative to the case file's folder")
        out["stl"] = stl
        shape = {"type": "stl", "path": str(file)}
    out["rotate"], out["axis"] = rotate, axis
    rep = t.get("repeat")
    if rep is not None:
        rt = c.table(rep, f"{key}.repeat", KEYS["repeat"])
        acc = "repeat = {count = n >= 1, step = [dx, dy, dz]}"
        rep = {"count": c.integer(c.required(rt, "count", f"{key}.repeat", acc), f"{key}.repeat.count",
                                  lo=1),
               "step": c.vector(c.required(rt, "step", f"{key}.repeat", acc), f"{key}.repeat.step", 3)}
    out["repeat"] = rep
    out["shape"] = shape
    try:
        shapes = shapes_of(out)
    except ValueError as exc:  # an STL that is unreadable or not watertight
        raise c.fail(shape_key, f"part {name!r}: {exc}",
                     "a closed (watertight) triangle surface in an STL file, in metres") from None
    inside = "every copy inside the domain: 0 <= x, y, z <= (" + ", ".join(_fmt(e) for e in size) + ")"
    # STL coordinates are single precision: allow their round-off at the domain's walls
    rel = 1e-6 if given[0] == "stl" else _REL_TOL
    for k, s in enumerate(shapes):
        lo, hi = s.bounds()
        for a in range(3):
            if lo[a] >= -rel * size[a] and hi[a] <= size[a] * (1.0 + rel):
                continue
            where = f"{key}.repeat" if k > 0 else (f"{key}.rotate" if turned else shape_key)
            what = f"copy {k} ({name}[{k}])" if rep is not None else f"part {name!r}"
            raise c.fail(where, f"{what} spans {'xyz'[a]} = {_fmt(float(lo[a]))} to "
                         f"{_fmt(float(hi[a]))}, outside the domain", inside)
    return out


def _face_axes(face: str) -> tuple[int, tuple[int, int]]:
    """The face's normal axis and its two tangential axes (in axis order)."""
    axis = "xyz".index(face[0])
    return axis, tuple(a for a in range(3) if a != axis)


def _boundaries(c: _Checker, raw: Any, size: list[float]) -> list[dict]:
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
            region = _box(c, t["region"], f"{key}.region", [size[a] for a in tang], axes)
        b: dict[str, Any] = {"name": name, "face": face, "region": region, "flow": flow}
        b["velocity"], b["volume_flow"] = _boundary_flow(c, t, key, face, flow, axis)
        b.update(_boundary_thermal(c, t, key, flow))
        out.append(b)
    _check_faces(c, out)
    return out


def _boundary_flow(c: _Checker, t: dict, key: str, face: str, flow: str,
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
                     f"({comp} = {_fmt(velocity[axis])})",
                     f"a tangential wall velocity with {comp} = 0")
    if flow == "inlet" and vel is not None and velocity[axis] * inward <= 0.0:
        sign = ">" if inward > 0 else "<"
        raise c.fail(f"{key}.velocity", f"an inlet on face {face} must blow into the domain "
                     f"({comp} = {_fmt(velocity[axis])})", f"{comp} {sign} 0")
    return velocity, volume_flow


def _boundary_thermal(c: _Checker, t: dict, key: str, flow: str) -> dict:
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


def _check_faces(c: _Checker, bounds: list[dict]) -> None:
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


def _solver(c: _Checker, raw: Any) -> dict:
    t = c.table(raw, "solver", KEYS["solver"])
    k = "solver."
    s = {
        "mode": c.string(t.get("mode", "steady"), k + "mode", ("steady", "transient")),
        "end_time": c.number(t.get("end_time", 0.0), k + "end_time", lo=0.0),
        "max_steps": c.integer(t.get("max_steps", 200000), k + "max_steps", lo=1),
        "tolerance": c.number(t.get("tolerance", 1e-6), k + "tolerance", lo=0.0, lo_open=True),
        "cfl": c.number(t.get("cfl", 0.5), k + "cfl", lo=0.0, hi=1.0, lo_open=True),
        "precision": c.string(t.get("precision", "float64"), k + "precision", ("float32", "float64")),
        "backend": c.string(t.get("backend", "auto"), k + "backend", ("auto", "cpu", "gpu", "tpu")),
        "checkpoint_every": c.number(t.get("checkpoint_every", 0.0), k + "checkpoint_every", lo=0.0),
        "steps_per_call": c.integer(t.get("steps_per_call", 200), k + "steps_per_call", lo=1),
        "pressure_tolerance": c.number(t.get("pressure_tolerance", 1e-8), k + "pressure_tolerance",
                                       lo=0.0, lo_open=True),
        "dt": None if t.get("dt") is None else c.number(t["dt"], k + "dt", lo=0.0, lo_open=True),
        # steady runs of flows that never stop moving: stop when the monitored
        # temperatures stay within monitor_tolerance (K) and the mean heat balance
        # closes over the last monitor_window seconds (0 = residuals only)
        "monitor_window": c.number(t.get("monitor_window", 0.0), k + "monitor_window", lo=0.0),
        "monitor_tolerance": c.number(t.get("monitor_tolerance", 0.1), k + "monitor_tolerance",
                                      lo=0.0, lo_open=True),
    }
    if s["mode"] == "transient" and s["end_time"] <= 0.0:
        raise c.fail(k + "end_time", "a transient run needs an end time",
                     "a number > 0 (s) with mode = 'transient'")
    return s


def _output(c: _Checker, raw: Any) -> dict:
    t = c.table(raw, "output", KEYS["output"])
    every = c.number(t.get("every", 0.0), "output.every", lo=0.0)
    fields = t.get("fields", ["T", "U", "p"])
    if not isinstance(fields, (list, tuple)):
        raise c.fail("output.fields", f"expected a list of strings, got {_describe(fields)}",
                     "a list drawn from " + ", ".join(FIELDS))
    fields = [c.string(f, f"output.fields[{i}]", FIELDS) for i, f in enumerate(fields)]
    if len(set(fields)) != len(fields):
        raise c.fail("output.fields", "a field is listed twice", "each of " + ", ".join(FIELDS) + " at most once")
    return {"every": every, "fields": fields}


# ----------------------------------------------------------------------------- TOML out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        return repr(float(v))
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items() if x is not None) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def to_toml(data: dict) -> str:
    """Write a validated case's data as TOML (None values are left out)."""
    lines: list[str] = []
    built = (data.get("geometry") or {}).get("part_count", 0)
    for section, body in data.items():
        items = body if isinstance(body, list) else [body]
        if section == "parts":
            items = items[built:]  # the [geometry] builder's parts: its section makes them again
        header = f"[[{section}]]" if isinstance(body, list) else f"[{section}]"
        for item in items:
            lines.append(header)
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in item.items()
                         if v is not None and k not in _DERIVED
                         and not (section == "boundaries" and k == "velocity"
                                  and (item.get("flow") not in ("inlet", "wall")
                                       or item.get("volume_flow") is not None)))
            lines.append("")
    return "\n".join(lines)
