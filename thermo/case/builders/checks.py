"""The builders' parameter checks and their error, `BuilderError`.

Each ``check_*`` function returns the parameter as the builders use it (a float,
an int, a list of 3 floats, ...) or raises `BuilderError` naming the parameter,
the problem and the accepted values.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

__all__ = ["BuilderError", "check_boolean", "check_choice", "check_integer", "check_name",
           "check_number", "check_point", "number_text"]


class BuilderError(ValueError):
    """An impossible builder parameter: ``"<parameter>: <problem>; accepted: <accepted>"``."""

    def __init__(self, parameter: str, problem: str, accepted: str) -> None:
        self.parameter, self.problem, self.accepted = parameter, problem, accepted
        super().__init__(f"{parameter}: {problem}; accepted: {accepted}")

    def __reduce__(self):
        return (BuilderError, (self.parameter, self.problem, self.accepted))


def number_text(x: float) -> str:
    """A number as the builders' messages print it: 6 significant digits."""
    return f"{x:.6g}"


def check_number(name: str, value: Any, lo: float | None = None, hi: float | None = None, *,
                 lo_open: bool = False, unit: str = "") -> float:
    """A finite number within [lo, hi] ((lo, hi] when lo_open)."""
    u = f" ({unit})" if unit else ""
    if lo is not None and hi is not None:
        acc = f"a number {'>' if lo_open else '>='} {number_text(lo)} and <= {number_text(hi)}{u}"
    elif lo is not None:
        acc = f"a number {'>' if lo_open else '>='} {number_text(lo)}{u}"
    else:
        acc = f"a number{u}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BuilderError(name, f"expected a number, got {type(value).__name__} {value!r}", acc)
    x = float(value)
    if not math.isfinite(x) or (lo is not None and (x < lo or (lo_open and x == lo))) or (
            hi is not None and x > hi):
        raise BuilderError(name, f"{number_text(x)} is out of range", acc)
    return x


def check_integer(name: str, value: Any, lo: int, hi: int | None = None, why: str = "") -> int:
    """An integer within [lo, hi] (no upper bound when hi is None); ``why`` ends the
    accepted range's wording."""
    acc = f"an integer from {lo} to {hi}{why}" if hi is not None else f"an integer >= {lo}{why}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BuilderError(name, f"expected an integer, got {type(value).__name__} {value!r}", acc)
    if value < lo or (hi is not None and value > hi):
        raise BuilderError(name, f"{value} is out of range", acc)
    return int(value)


def check_point(name: str, value: Any) -> list[float]:
    """A point [x, y, z] (m) of 3 finite numbers."""
    acc = "a list of 3 numbers [x, y, z] (m)"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 3:
        raise BuilderError(name, f"expected 3 numbers, got {value!r}", acc)
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise BuilderError(name, f"expected 3 finite numbers, got {value!r}", acc)
        out.append(float(v))
    return out


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """One of the strings ``choices``."""
    if value not in choices or not isinstance(value, str):
        raise BuilderError(name, f"unknown value {value!r}", ", ".join(repr(c) for c in choices))
    return value


def check_name(name: str, value: Any) -> str:
    """A non-empty string (a part-name prefix, a fluid's name)."""
    if not isinstance(value, str) or not value.strip():
        raise BuilderError(name, f"expected a non-empty string, got {value!r}", "a non-empty string")
    return value


def check_boolean(name: str, value: Any) -> bool:
    """True or false (not a number)."""
    if not isinstance(value, bool):
        raise BuilderError(name, f"expected true or false, got {value!r}", "true, false")
    return value
