"""The checks every section uses: :class:`Checker` (types and ranges) and its message helpers.

A failed check raises :class:`~thermo.case.errors.CaseError` naming the case
file, the key path (``parts[3].box.max``) and what would be accepted; a
misspelt key or choice gets a ``(did you mean 'x'?)`` hint. Also here: the
lookup of a material name and the check of a ``{min, max}`` box, which more
than one section takes.
"""
from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Sequence
from typing import Any

from thermo.case.errors import CaseError
from thermo.case.materials import LIBRARY, Material, resolve_material
from thermo.case.schema import ABSOLUTE_ZERO_C, KEYS, REL_TOL


class Checker:
    """Type and range checks that raise CaseError naming the file and key path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str, accepted: str) -> CaseError:
        return CaseError(self.source, key, problem, accepted)

    def table(self, value: Any, key: str, allowed: Sequence[str]) -> dict:
        """A table whose keys are all in `allowed` (misspellings get a hint)."""
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {describe(value)}",
                            "a table with keys " + ", ".join(allowed))
        for k in value:
            if k not in allowed:
                path = f"{key}.{k}" if key else str(k)
                raise self.fail(path, f"unknown key{hint(str(k), allowed)}", ", ".join(allowed))
        return value

    def required(self, tbl: dict, name: str, key: str, accepted: str) -> Any:
        if tbl.get(name) is None:
            raise self.fail(f"{key}.{name}", "missing required key", accepted)
        return tbl[name]

    def string(self, value: Any, key: str, choices: Sequence[str] | None = None,
               later: Sequence[str] = ()) -> str:
        accepted = ", ".join(repr(c) for c in choices) if choices else "a string"
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {describe(value)}", accepted)
        if choices is not None and value not in choices:
            if value in later:
                raise self.fail(key, f"{value!r} is not supported yet", accepted)
            raise self.fail(key, f"unknown value {value!r}{hint(value, list(choices) + list(later))}",
                            accepted)
        return value

    def name(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty string, got {describe(value)}",
                            "a non-empty string")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {describe(value)}", "true, false")
        return value

    def number(self, value: Any, key: str, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, accepted: str | None = None) -> float:
        """A finite float (ints accepted, bools not) within [lo, hi] (or (lo, hi])."""
        acc = accepted or _range_text("a number", lo, hi, lo_open)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise self.fail(key, f"expected a number, got {describe(value)}", acc)
        x = float(value)
        if not math.isfinite(x):
            raise self.fail(key, f"{x} is not finite", acc)
        if lo is not None and (x < lo or (lo_open and x == lo)):
            raise self.fail(key, f"{fmt(x)} is out of range", acc)
        if hi is not None and x > hi:
            raise self.fail(key, f"{fmt(x)} is out of range", acc)
        return x

    def integer(self, value: Any, key: str, lo: int | None = None) -> int:
        acc = _range_text("an integer", lo, None, False)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise self.fail(key, f"expected an integer, got {describe(value)}", acc)
        if lo is not None and value < lo:
            raise self.fail(key, f"{value} is out of range", acc)
        return int(value)

    def temperature(self, value: Any, key: str) -> float:
        return self.number(value, key, lo=ABSOLUTE_ZERO_C, lo_open=True,
                           accepted="a temperature in C above -273.15")

    def vector(self, value: Any, key: str, n: int, integer: bool = False, **limits: Any) -> list:
        what = "integers" if integer else "numbers"
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise self.fail(key, f"expected a list of {n} {what}, got {describe(value)}",
                            f"a list of {n} {what}" + _limits_text(integer, limits))
        if integer:
            return [self.integer(v, f"{key}[{i}]", **limits) for i, v in enumerate(value)]
        return [self.number(v, f"{key}[{i}]", **limits) for i, v in enumerate(value)]

    def array(self, value: Any, key: str) -> list:
        """An array of tables ([[parts]], [[boundaries]], [[materials]])."""
        if isinstance(value, dict) or not isinstance(value, (list, tuple)):
            raise self.fail(key, f"expected an array of tables, got {describe(value)}",
                            f"[[{key}]] tables")
        return list(value)


def hint(word: str, options: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    """A value's type and (shortened) repr, for a message: ``str 'abc'``."""
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{type(value).__name__} {text}"


def fmt(x: float) -> str:
    """A number as a message shows it (``%g``)."""
    return f"{x:g}"


def _range_text(what: str, lo: float | None, hi: float | None, lo_open: bool) -> str:
    if lo is not None and hi is not None:
        return f"{what} {'>' if lo_open else '>='} {fmt(lo)} and <= {fmt(hi)}"
    if lo is not None:
        return f"{what} {'>' if lo_open else '>='} {fmt(lo)}"
    return what


def _limits_text(integer: bool, limits: dict) -> str:
    text = _range_text("", limits.get("lo"), limits.get("hi"), limits.get("lo_open", False)).strip()
    return f", each {text}" if text else ""


def known_materials(user: dict[str, Material]) -> str:
    """What a material key accepts: the library's names and the case's [[materials]]."""
    return "a library material (" + ", ".join(sorted(LIBRARY)) + ") or a [[materials]] name" + (
        " (" + ", ".join(sorted(user)) + ")" if user else "")


def resolve(c: Checker, name: Any, key: str, user: dict[str, Material]) -> Material:
    """The material ``name`` (user materials first, then the library), or a refusal at ``key``."""
    name = c.name(name, key)
    try:
        return resolve_material(name, user)
    except KeyError:
        close = hint(name, sorted(set(user) | set(LIBRARY)))
        raise c.fail(key, f"unknown material {name!r}{close}", known_materials(user)) from None


def _inside(lo: float, hi: float, extent: float) -> tuple[bool, bool]:
    """Whether lo >= 0 and hi <= extent, with a relative tolerance."""
    tol = REL_TOL * extent
    return lo >= -tol, hi <= extent + tol


def box(c: Checker, raw: Any, key: str, extents: Sequence[float], axes: str) -> dict:
    """A ``{min, max}`` table inside ``extents`` (a part's box, or a boundary's region on its face)."""
    n = len(extents)
    t = c.table(raw, key, KEYS["box"])
    acc = f"a list of {n} numbers (m, {' '.join(axes)})"
    lo = c.vector(c.required(t, "min", key, acc), f"{key}.min", n)
    hi = c.vector(c.required(t, "max", key, acc), f"{key}.max", n)
    inside = "min >= 0 and max <= (" + ", ".join(fmt(e) for e in extents) + f") on axes {', '.join(axes)}"
    for a in range(n):
        if not lo[a] < hi[a]:
            raise c.fail(f"{key}.max", f"max[{a}] = {fmt(hi[a])} is not above min[{a}] = {fmt(lo[a])}",
                         "max > min on every axis, inside the domain: " + inside)
        ok_lo, ok_hi = _inside(lo[a], hi[a], extents[a])
        if not ok_lo:
            raise c.fail(f"{key}.min", f"{axes[a]} = {fmt(lo[a])} lies outside the domain", inside)
        if not ok_hi:
            raise c.fail(f"{key}.max", f"{axes[a]} = {fmt(hi[a])} lies outside the domain", inside)
    return {"min": lo, "max": hi}
