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
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from thermo.io.load import Result

__all__ = ["ViewError", "Slice", "parse_slice", "parse_size", "render", "field_label",
           "default_slice", "check_slice"]

AXES = ("x", "y", "z")
LABELS = {"T": ("T", "C"), "U": ("speed", "m/s"), "p": ("p", "m2/s2"), "material": ("material", "id")}
CMAPS = {"T": "inferno", "U": "viridis", "p": "coolwarm", "material": "tab10"}
# Arrow colours on a slice that stand out against the slice's colour map.
ARROW_COLOURS = {"inferno": "cyan", "viridis": "red", "coolwarm": "black", "tab10": "black"}
DEFAULT_SIZE = (1200, 800)
# Velocity arrows: at most this many per axis on a slice / in the 3-D view.
GLYPHS_PER_AXIS_2D = 24
GLYPHS_PER_AXIS_3D = 10
#: Words for "the default slice" (``--slice`` with no value).
MID = ("", "mid", "middle")
#: A plane this close to a face of the domain, relative to the domain's size and
#: position, is on that face: the file's coordinates carry round-off.
PLANE_ROUND_OFF = 1e-9
#: A field whose values span less than this, relative to their size (at least 1), is
#: flat: its colour range is widened by FLAT_PAD of its value (at least FLAT_PAD_MIN)
#: either side, so the colour bar has a span.
FLAT_SPAN = 1e-12
FLAT_PAD = 1e-3
FLAT_PAD_MIN = 1e-6


class ViewError(ValueError):
    """A picture that cannot be made as asked (bad field, slice, size or path)."""


@dataclass(frozen=True)
class Slice:
    """A plane ``axis = value`` (axis 0, 1, 2 for x, y, z; value in metres)."""

    axis: int
    value: float

    def __str__(self) -> str:
        return f"{AXES[self.axis]}={self.value:g}"


def parse_slice(text: str) -> Slice:
    """``"z=1.0"`` -> ``Slice(2, 1.0)``."""
    name, sep, value = str(text).partition("=")
    name = name.strip().lower()
    if not sep or name not in AXES:
        raise ViewError(f"bad slice {text!r}: expected AXIS=VALUE with AXIS x, y or z "
                        "and VALUE in metres, e.g. z=1.0")
    try:
        v = float(value)
    except ValueError:
        raise ViewError(f"bad slice {text!r}: {value.strip()!r} is not a number (metres)") from None
    if not math.isfinite(v):
        raise ViewError(f"bad slice {text!r}: the coordinate must be finite")
    return Slice(AXES.index(name), v)


def parse_size(text: str) -> tuple[int, int]:
    """``"1200x800"`` -> ``(1200, 800)`` (width, height in pixels)."""
    w, sep, h = str(text).lower().partition("x")
    try:
        size = (int(w), int(h))
    except ValueError:
        size = None
    if not sep or size is None or not (16 <= size[0] <= 8192 and 16 <= size[1] <= 8192):
        raise ViewError(f"bad size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1200x800 "
                        "(16 to 8192 each)")
    return size


def field_label(name: str, vector: bool = False) -> str:
    """Scalar-bar title with the unit: ``T (C)``, ``speed (m/s)`` (that is |U|), ``p (m2/s2)``.

    (VTK's text rendering drops ``|``, hence "speed" and "magnitude" in words.)
    """
    if name in LABELS:
        label, unit = LABELS[name]
        return f"{label} ({unit})"
    return f"{name} magnitude" if vector else name


def default_slice(result: Result) -> Slice:
    """The middle z plane; for a grid one cell thick along x or y (and more than one
    along z), that flat plane."""
    cells = result.grid.cells
    axis = 2
    if cells[2] > 1 and 1 in cells[:2]:
        axis = cells.index(1)
    return Slice(axis, float(result.coords[axis][cells[axis] // 2]))


# --------------------------------------------------------------------------- checks

def _check_field(result: Result, name: str) -> np.ndarray:
    if name not in result.fields:
        where = f" in {result.path}" if result.path is not None else ""
        raise ViewError(f"no field {name!r}{where}; the file holds: "
                        + (", ".join(result.fields) or "no fields"))
    return result.fields[name]


def check_slice(result: Result, s: Slice) -> int:
    """The index (along the plane's normal) of the cell layer of `result` that holds the
    plane `s`; ViewError if the plane is outside the domain."""
    grid = result.grid
    lo = grid.origin[s.axis]
    hi = lo + grid.size[s.axis]
    h = grid.spacing[s.axis]
    tol = PLANE_ROUND_OFF * max(abs(lo), abs(hi), grid.size[s.axis])
    if not (lo - tol <= s.value <= hi + tol):
        raise ViewError(f"slice {s} is outside the domain: {AXES[s.axis]} runs from "
                        f"{lo:g} to {hi:g} m")
    return int(min(max(math.floor((s.value - lo) / h), 0), grid.cells[s.axis] - 1))


def _check_out(out: str | os.PathLike) -> Path:
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ViewError(f"output {out} must be a .png file")
    if out.is_dir():
        raise ViewError(f"output {out} is a folder; give a file name ending in .png")
    if out.parent.exists() and not out.parent.is_dir():
        raise ViewError(f"cannot write {out}: {out.parent} is not a folder")
    return out


# --------------------------------------------------------------------------- rendering

def _pyvista():
    if sys.platform.startswith("linux"):
        # EGL renders with no X server (Mesa's software renderer will do).
        os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    try:
        import pyvista
    except ImportError as exc:
        raise ViewError(f"pictures need PyVista, which cannot be imported ({exc}): "
                        "pip install pyvista") from exc
    pyvista.OFF_SCREEN = True
    return pyvista


def _scalar(array: np.ndarray) -> np.ndarray:
    a = np.asarray(array)
    if a.ndim == 4:
        return np.linalg.norm(a.astype(np.float64), axis=-1)
    return a.astype(np.float64) if a.dtype.kind in "biu" else a


def _vtk_cells(a: np.ndarray, spatial_dims: int) -> np.ndarray:
    """Cell data in VTK order (first index fastest) from an [i, j(, k)](, c) array."""
    if a.ndim == spatial_dims:
        return np.ravel(a, order="F")
    return np.stack([np.ravel(a[..., c], order="F") for c in range(a.shape[-1])], axis=-1)


def _image(pv, result: Result, names: list[str]):
    grid = result.grid
    mesh = pv.ImageData(dimensions=tuple(n + 1 for n in grid.cells), spacing=grid.spacing,
                        origin=grid.origin)
    for name in names:
        if name in result.fields:
            mesh.cell_data[name] = _vtk_cells(np.asarray(result.fields[name]), 3)
    return mesh


def _clim(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return (0.0, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo <= FLAT_SPAN * max(abs(lo), abs(hi), 1.0):
        pad = max(abs(lo) * FLAT_PAD, FLAT_PAD_MIN)
        return (lo - pad, hi + pad)
    return (lo, hi)


def _title(result: Result, text: str) -> str:
    name = result.case_name
    return f"{name}: {text}" if name else text


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
    out = _check_out(out)
    if isinstance(size, str):
        size = parse_size(size)
    if isinstance(slice, str):
        slice = default_slice(result) if slice.strip().lower() in MID else parse_slice(slice)
    values = _check_field(result, field)
    vector = np.asarray(values).ndim == 4
    if iso is not None:
        _check_field(result, "T")
        if not math.isfinite(float(iso)):
            raise ViewError(f"bad iso value {iso!r}")
    if glyphs and "U" not in result.fields:
        raise ViewError(f"--glyphs needs the velocity field U; the file holds: {', '.join(result.fields)}")
    three_d = slice is None and min(result.grid.cells) > 1
    if not three_d:
        if slice is None:
            slice = default_slice(result)
        layer = check_slice(result, slice)

    pv = _pyvista()
    plotter = pv.Plotter(off_screen=True, window_size=tuple(size), theme=pv.themes.DocumentTheme())
    try:
        if three_d:
            warnings = _draw_3d(pv, plotter, result, field, vector, glyphs, iso)
        else:
            warnings = _draw_slice(pv, plotter, result, field, vector, slice, layer, glyphs, iso,
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


def _bar(title: str) -> dict:
    return {"title": title, "vertical": True, "position_x": 0.87, "position_y": 0.15,
            "height": 0.7, "width": 0.06, "fmt": "%.4g", "title_font_size": 16,
            "label_font_size": 14}


def _draw_slice(pv, plotter, result, field, vector, s, layer, glyphs, iso, outline_parts):
    grid = result.grid
    a = s.axis
    others = [b for b in range(3) if b != a]
    dims = [n + 1 for n in grid.cells]
    dims[a] = 1
    origin = list(grid.origin)
    plane = float(result.coords[a][layer])
    origin[a] = plane
    spacing = list(grid.spacing)
    sl = pv.ImageData(dimensions=dims, spacing=spacing, origin=origin)

    scalars = np.take(_scalar(result.fields[field]), layer, axis=a)
    sl.cell_data[field] = _vtk_cells(scalars, 2)
    warnings: list[str] = []
    label = field_label(field, vector)
    plotter.add_mesh(sl, scalars=field, cmap=CMAPS.get(field, "viridis"), clim=_clim(scalars),
                     scalar_bar_args=_bar(label), show_edges=False, lighting=False)

    if outline_parts and "material" in result.fields:
        solid = (np.take(np.asarray(result.fields["material"]), layer, axis=a) != 0)
        if solid.any():
            sl.cell_data["solid"] = _vtk_cells(solid.astype(np.float64), 2)
            parts = sl.threshold(0.5, scalars="solid").extract_surface(algorithm=None)
            edges = parts.extract_feature_edges(boundary_edges=True, feature_edges=False,
                                                manifold_edges=False, non_manifold_edges=False)
            plotter.add_mesh(edges, color="white", line_width=3, lighting=False)
            plotter.add_mesh(edges.copy(), color="black", line_width=1, lighting=False)

    if iso is not None:
        t = np.take(np.asarray(result.fields["T"], dtype=np.float64), layer, axis=a)
        lo, hi = float(np.nanmin(t)), float(np.nanmax(t))
        if not lo <= iso <= hi:
            warnings.append(f"no T = {iso:g} C line on this slice: T spans {lo:.4g} to {hi:.4g} C")
        else:
            pts = sl.copy()
            pts.cell_data["T_iso"] = _vtk_cells(t, 2)
            lines = pts.cell_data_to_point_data().contour([iso], scalars="T_iso")
            if lines.n_points:
                plotter.add_mesh(lines, color="white", line_width=3, lighting=False)
            else:
                warnings.append(f"no T = {iso:g} C line on this slice")

    if glyphs:
        warnings += _slice_glyphs(pv, plotter, result, a, layer, plane, others,
                                  ARROW_COLOURS.get(CMAPS.get(field, "viridis"), "black"))

    plotter.add_text(_title(result, f"{label}, slice {AXES[a]} = {plane:.4g} m"), font_size=11,
                     position="upper_left")
    _axes_bounds(plotter, sl)
    view = {0: plotter.view_yz, 1: plotter.view_xz, 2: plotter.view_xy}[a]
    view()
    plotter.reset_camera()
    plotter.camera.zoom(0.85)
    return warnings


def _axes_bounds(plotter, mesh) -> None:
    plotter.show_bounds(mesh=mesh, xtitle="x (m)", ytitle="y (m)", ztitle="z (m)",
                        font_size=10, fmt="%.3g", n_xlabels=4, n_ylabels=4, n_zlabels=4,
                        location="outer", ticks="outside")


def _stride(n: int, per_axis: int) -> int:
    return max(1, math.ceil(n / per_axis))


def _slice_glyphs(pv, plotter, result, a, layer, plane, others, color) -> list[str]:
    grid = result.grid
    U = np.take(np.asarray(result.fields["U"], dtype=np.float64), layer, axis=a).copy()
    U[..., a] = 0.0  # in-plane components
    fluid = np.ones(U.shape[:2], dtype=bool)
    if "material" in result.fields:
        fluid = np.take(np.asarray(result.fields["material"]), layer, axis=a) == 0
    steps = [_stride(grid.cells[b], GLYPHS_PER_AXIS_2D) for b in others]
    idx = [np.arange(steps[0] // 2, grid.cells[others[0]], steps[0]),
           np.arange(steps[1] // 2, grid.cells[others[1]], steps[1])]
    ii, jj = np.meshgrid(*idx, indexing="ij")
    vec = U[ii, jj].reshape(-1, 3)
    keep = fluid[ii, jj].ravel()
    pts = np.zeros((ii.size, 3))
    pts[:, others[0]] = result.coords[others[0]][ii.ravel()]
    pts[:, others[1]] = result.coords[others[1]][jj.ravel()]
    pts[:, a] = plane
    return _add_arrows(pv, plotter, pts[keep], vec[keep],
                       min(steps[0] * grid.spacing[others[0]], steps[1] * grid.spacing[others[1]]),
                       color=color)


def _add_arrows(pv, plotter, points, vectors, length, color=None, field=None, values=None,
                cmap=None, clim=None) -> list[str]:
    speed = np.linalg.norm(vectors, axis=-1) if len(vectors) else np.zeros(0)
    vmax = float(speed.max()) if speed.size else 0.0
    if not vmax > 0.0 or not math.isfinite(vmax):
        return ["no velocity arrows: the velocity is zero where they would be drawn"]
    cloud = pv.PolyData(points)
    cloud["vectors"] = vectors
    cloud["speed"] = speed
    if values is not None:
        cloud[field] = values
    arrows = cloud.glyph(orient="vectors", scale="speed", factor=0.9 * length / vmax,
                         geom=pv.Arrow(start=(-0.5, 0.0, 0.0), tip_length=0.35, tip_radius=0.12,
                                       shaft_radius=0.04))  # centred on the cell centre
    if color is not None:
        plotter.add_mesh(arrows, color=color, lighting=False)
    else:
        plotter.add_mesh(arrows, scalars=field, cmap=cmap, clim=clim, show_scalar_bar=False)
    return []


def _draw_3d(pv, plotter, result, field, vector, glyphs, iso) -> list[str]:
    grid = result.grid
    names = [field, "material"] + (["T"] if iso is not None else [])
    mesh = _image(pv, result, names)
    scalars = _scalar(result.fields[field])
    if vector:
        mesh.cell_data[field] = _vtk_cells(scalars, 3)
    label = field_label(field, vector)
    cmap = CMAPS.get(field, "viridis")
    clim = _clim(scalars)
    warnings: list[str] = []
    bar = _bar(label)

    plotter.add_mesh(mesh.outline(), color="black", line_width=2)
    shown_bar = False
    if "material" in result.fields and np.any(np.asarray(result.fields["material"]) != 0):
        parts = mesh.threshold(0.5, scalars="material").extract_surface(algorithm=None)
        if parts.n_points:
            plotter.add_mesh(parts, color="lightgrey", opacity=0.35, smooth_shading=False)
            plotter.add_mesh(parts.extract_feature_edges(), color="dimgrey", line_width=1)

    if iso is not None:
        t = np.asarray(result.fields["T"], dtype=np.float64)
        lo, hi = float(np.nanmin(t)), float(np.nanmax(t))
        surface = None
        if lo <= iso <= hi:
            points = mesh.cell_data_to_point_data()
            surface = points.contour([iso], scalars="T")
        if surface is None or surface.n_points == 0:
            warnings.append(f"no T = {iso:g} C surface: T spans {lo:.4g} to {hi:.4g} C")
        else:
            plotter.add_mesh(surface, scalars=field if field in surface.point_data else None,
                             color=None if field in surface.point_data else "orange",
                             cmap=cmap, clim=clim, opacity=0.8, scalar_bar_args=bar,
                             smooth_shading=True)
            shown_bar = field in surface.point_data

    if glyphs:
        U = np.asarray(result.fields["U"], dtype=np.float64)
        steps = [_stride(n, GLYPHS_PER_AXIS_3D) for n in grid.cells]
        sub = tuple(slice(s // 2, None, s) for s in steps)
        ii, jj, kk = np.meshgrid(*(np.arange(n)[sl] for n, sl in zip(grid.cells, sub)), indexing="ij")
        pts = np.stack([result.coords[0][ii], result.coords[1][jj], result.coords[2][kk]], axis=-1)
        keep = np.ones(ii.shape, dtype=bool)
        if "material" in result.fields:
            keep = np.asarray(result.fields["material"])[ii, jj, kk] == 0
        length = min(s * h for s, h, n in zip(steps, grid.spacing, grid.cells) if n > 1) \
            if any(n > 1 for n in grid.cells) else min(grid.spacing)
        before = len(warnings)
        warnings += _add_arrows(pv, plotter, pts[keep].reshape(-1, 3), U[ii, jj, kk][keep].reshape(-1, 3),
                                length, field=field, values=scalars[ii, jj, kk][keep].ravel(),
                                cmap=cmap, clim=clim)
        if len(warnings) == before and not shown_bar:
            plotter.add_scalar_bar(**bar)
            shown_bar = True

    if iso is None and not glyphs:
        planes = mesh.slice_orthogonal()
        plotter.add_mesh(planes, scalars=field, cmap=cmap, clim=clim, scalar_bar_args=bar)
        shown_bar = True
    elif not shown_bar:
        # Nothing coloured by the field (e.g. the iso value is out of range): show it
        # faintly on the mid z-plane so the picture still carries the field and its bar.
        plane = mesh.slice(normal="z")
        plotter.add_mesh(plane, scalars=field, cmap=cmap, clim=clim, opacity=0.6,
                         scalar_bar_args=bar)

    what = label + (f", iso-surface T = {iso:g} C" if iso is not None else "")
    plotter.add_text(_title(result, what), font_size=11, position="upper_left")
    _axes_bounds(plotter, mesh)
    plotter.view_isometric()
    plotter.reset_camera()
    plotter.camera.zoom(0.85)
    return warnings
