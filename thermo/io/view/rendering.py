"""`render`: one picture of a result, checked, drawn and written as a PNG atomically
(a temporary in the same folder, then a rename)."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from thermo.io.view.drawing import draw_3d, draw_slice, load_pyvista
from thermo.io.view.request import (DEFAULT_SIZE, MID, Slice, ViewError, check_field, check_out, check_slice,
                                    default_slice, parse_size, parse_slice)

if TYPE_CHECKING:
    from thermo.io.load import Result

__all__ = ["render"]


def render(
    result: Result | str | os.PathLike,
    out: str | os.PathLike,
    *,
    field: str = "T",
    slice: Slice | str | None = None,  # noqa: A002 - the command-line word
    glyphs: bool = False,
    iso: float | None = None,
    outline_parts: bool = False,
    size: tuple[int, int] | str = DEFAULT_SIZE,
) -> list[str]:
    """Render one picture of ``result`` (a Result, a result file or an output folder)
    to the PNG ``out``; returns warnings (e.g. an iso value outside the field's range).

    ``slice`` is a ``Slice``, ``"z=1.0"``, or ``"mid"`` (:func:`default_slice`: the
    middle z plane); None gives the 3-D view, except on a grid one cell thick along
    an axis (a 2-D case), where the flat plane is the picture. Raises ViewError,
    before anything is written, for an unknown field, a slice outside the domain, a
    bad size or output name, or ``iso`` or ``glyphs`` without the field they need.
    """
    from thermo.io.load import Result, load

    if not isinstance(result, Result):
        result = load(result)
    out = check_out(out)
    if isinstance(size, str):
        size = parse_size(size)
    if isinstance(slice, str):
        slice = default_slice(result) if slice.strip().lower() in MID else parse_slice(slice)
    values = check_field(result, field)
    vector = np.asarray(values).ndim == 4
    if iso is not None:
        check_field(result, "T")
        if not math.isfinite(float(iso)):
            raise ViewError(f"bad iso value {iso!r}")
    if glyphs and "U" not in result.fields:
        raise ViewError(f"--glyphs needs the velocity field U; the file holds: {', '.join(result.fields)}")
    three_d = slice is None and min(result.grid.cells) > 1
    if not three_d:
        if slice is None:
            slice = default_slice(result)
        layer = check_slice(result, slice)

    pv = load_pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=tuple(size), theme=pv.themes.DocumentTheme())
    try:
        if three_d:
            warnings = draw_3d(pv, plotter, result, field, vector, glyphs, iso)
        else:
            warnings = draw_slice(pv, plotter, result, field, vector, slice, layer, glyphs, iso,
                                  outline_parts)
        image = plotter.screenshot(None, return_img=True)
    finally:
        plotter.close()
    _write_png(out, image)
    return warnings


def _write_png(out: Path, image: np.ndarray) -> None:
    from PIL import Image

    from thermo.io.result import atomic_path

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        Image.fromarray(np.ascontiguousarray(image)).save(tmp, format="PNG")
