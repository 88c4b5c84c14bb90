"""Pictures of a result: off-screen PyVista renderings written as PNG (``thermo view``).

Two kinds of picture:

- a slice: the cell layer through ``axis = value`` (default: the middle z layer, or
  the only layer of a flat 2-D grid), coloured by one field, seen along its normal;
  optionally with in-plane velocity arrows, iso-lines of temperature and the
  outlines of the solid parts;
- a 3-D view: the domain outline, the solid parts (cells with material id != 0) as a
  translucent surface with their edges, and the field on three orthogonal mid-planes,
  or, when asked for, an iso-surface of temperature and velocity arrows (subsampled),
  all coloured by the field.

``U`` (and any other vector field) is coloured by its magnitude. The scalar bar
names the unit: T in C, |U| in m/s, p in m2/s2. PyVista is imported only when a
picture is made; the PNG is written atomically (a temporary in the same folder,
then a rename).

The modules: :mod:`~thermo.io.view.request` (what is asked: `Slice`, sizes, field
labels, the checks, `ViewError`), :mod:`~thermo.io.view.drawing` (the PyVista
scenes) and :mod:`~thermo.io.view.rendering` (:func:`render`); everything is
importable from here.
"""
from __future__ import annotations

from thermo.io.view.drawing import (ARROW_COLOURS, CMAPS, FLAT_PAD, FLAT_PAD_MIN, FLAT_SPAN, GLYPHS_PER_AXIS_2D,
                                    GLYPHS_PER_AXIS_3D)
from thermo.io.view.rendering import render
from thermo.io.view.request import (AXES, DEFAULT_SIZE, LABELS, MID, PLANE_ROUND_OFF, Slice, ViewError, check_slice,
                                    default_slice, field_label, parse_size, parse_slice)

__all__ = ["ViewError", "Slice", "parse_slice", "parse_size", "render", "field_label",
           "default_slice", "check_slice",
           # the settings of a picture
           "ARROW_COLOURS", "AXES", "CMAPS", "DEFAULT_SIZE", "FLAT_PAD", "FLAT_PAD_MIN", "FLAT_SPAN",
           "GLYPHS_PER_AXIS_2D", "GLYPHS_PER_AXIS_3D", "LABELS", "MID", "PLANE_ROUND_OFF"]
