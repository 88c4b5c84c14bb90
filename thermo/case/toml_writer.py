"""A validated case's data written back as TOML (:func:`to_toml`), as stored in results."""
from __future__ import annotations

import numbers
from typing import Any

from thermo.case.schema import DERIVED


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
                         if v is not None and k not in DERIVED
                         and not (section == "boundaries" and k == "velocity"
                                  and (item.get("flow") not in ("inlet", "wall")
                                       or item.get("volume_flow") is not None)))
            lines.append("")
    return "\n".join(lines)
