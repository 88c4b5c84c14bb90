"""A part's shape keys: ``box``, ``cylinder`` or ``stl``, with ``rotate``, ``axis`` and ``repeat``.

:func:`part_shape` checks them, resolves an STL path and checks that every
copy of the part (after rotation and repeats) lies inside the domain.
"""
from __future__ import annotations

import copy
import math
import numbers
import pathlib
from typing import Any

from thermo.case.checker import Checker, box, describe, fmt
from thermo.case.schema import AXES, KEYS, REL_TOL, SHAPES
from thermo.meshes.parts import shapes_of

SHAPE_ACCEPTED = ("exactly one of box = {min = [x, y, z], max = [x, y, z]}, "
                  "cylinder = {center = [x, y, z], radius = r, length = l, axis = 'z'}, "
                  "stl = 'file.stl'")


def part_shape(c: Checker, t: dict, key: str, name: str, size: list[float]) -> dict:
    """A part's shape keys (box, cylinder, stl, rotate, axis, repeat) and the derived `shape`.

    Every copy (after rotation and repeats) must lie inside the domain. An STL
    path is relative to the case file's folder (the working folder for a dict
    case); `shape` holds it resolved to an absolute path.
    """
    given = [k for k in SHAPES if t.get(k) is not None]
    if not given:
        raise c.fail(f"{key}.box", "missing required key (the part needs a shape)", SHAPE_ACCEPTED)
    if len(given) > 1:
        raise c.fail(f"{key}.{given[1]}", f"{given[0]} and {given[1]} are exclusive", SHAPE_ACCEPTED)
    rot = t.get("rotate", 0)
    rot_acc = "an integer multiple of 90 (degrees), e.g. 90, 180, -90"
    if isinstance(rot, bool) or not isinstance(rot, numbers.Real) or not math.isfinite(rot):
        raise c.fail(f"{key}.rotate", f"expected a number, got {describe(rot)}", rot_acc)
    if rot % 90 != 0:
        raise c.fail(f"{key}.rotate", f"{fmt(rot)} is not a multiple of 90", rot_acc)
    rotate = int(rot)
    axis = c.string(t.get("axis", "z"), f"{key}.axis", AXES)
    turned = rotate % 360 != 0
    out: dict[str, Any] = {"box": None, "cylinder": None, "stl": None}
    shape_key = f"{key}.{given[0]}"
    if given[0] == "box":
        # an unturned box is checked against the domain here; a turned one below
        extents = [math.inf] * 3 if turned else size
        out["box"] = box(c, t["box"], shape_key, extents, "xyz")
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
    inside = "every copy inside the domain: 0 <= x, y, z <= (" + ", ".join(fmt(e) for e in size) + ")"
    # STL coordinates are single precision: allow their round-off at the domain's walls
    rel = 1e-6 if given[0] == "stl" else REL_TOL
    for k, s in enumerate(shapes):
        lo, hi = s.bounds()
        for a in range(3):
            if lo[a] >= -rel * size[a] and hi[a] <= size[a] * (1.0 + rel):
                continue
            where = f"{key}.repeat" if k > 0 else (f"{key}.rotate" if turned else shape_key)
            what = f"copy {k} ({name}[{k}])" if rep is not None else f"part {name!r}"
            raise c.fail(where, f"{what} spans {'xyz'[a]} = {fmt(float(lo[a]))} to "
                         f"{fmt(float(hi[a]))}, outside the domain", inside)
    return out
