"""A validated part (a dict from `thermo.case`) to its shapes."""
from __future__ import annotations

from .shapes import Box, Cylinder, Shape, Surface, repeat

__all__ = ["base_shape", "shapes_of"]


def base_shape(part: dict) -> Shape:
    """The part's shape as written (before rotation and repeats).

    Reads ``part["shape"]`` (``{"type": "box", "min", "max"}``,
    ``{"type": "cylinder", "center", "radius", "length", "axis"}`` or
    ``{"type": "stl", "path"}``, an absolute path), or a bare ``part["box"]``.
    """
    spec = part.get("shape")
    if spec is None:
        if part.get("box") is None:
            raise ValueError(f"part {part.get('name')!r} has no shape")
        spec = {"type": "box", **part["box"]}
    kind = spec["type"]
    if kind == "box":
        return Box(spec["min"], spec["max"])
    if kind == "cylinder":
        return Cylinder(spec["center"], spec["radius"], spec["length"], spec.get("axis", "z"))
    if kind == "stl":
        return Surface.from_stl(spec["path"])
    raise ValueError(f"unknown shape type {kind!r}")


def shapes_of(part: dict) -> list[Shape]:
    """The part's shapes in order: the base shape turned by ``rotate`` degrees (a multiple
    of 90) about ``axis`` through its bounding-box centre, then its ``repeat`` copies
    (copy k moved by k * step; one shape when there is no repeat). The copies are
    named ``name[0]``, ``name[1]``, ... by the callers."""
    shape = base_shape(part)
    degrees = int(part.get("rotate") or 0)
    if degrees % 90:
        raise ValueError(f"rotate must be a multiple of 90 degrees, got {degrees}")
    if degrees % 360:
        shape = shape.rotated(degrees // 90, part.get("axis") or "z")
    rep = part.get("repeat")
    if rep is None:
        return [shape]
    return repeat(shape, rep["count"], rep["step"])
