"""The ``--set key.path=value`` overrides, applied to a case's raw TOML data before it is checked."""
from __future__ import annotations

import re
import tomllib
from typing import Any

from thermo.case.errors import CaseError

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)")


def parse_value(text: str) -> Any:
    """A TOML value (``[1, 2]``, ``"x"``, ``true``, ``5``), else the bare string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def apply_override(raw: dict, override: str, source: str) -> None:
    """Set the value of ``override`` (``"key.path=value"``) in the raw case ``raw``; tables on
    the path that are missing are made (unknown names are refused when the case is checked)."""
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
            node[step] = parse_value(value)
        else:
            nxt = node[step] if (isinstance(step, int) or step in node) else None
            if nxt is None:
                if isinstance(steps[i + 1], int):
                    raise CaseError(source, walked, "the case has no such list to index",
                                    "indices of entries present in the case file")
                nxt = node[step] = {}  # a missing table; unknown names are refused below
            node = nxt
