"""Drawing a picture with PyVista, off screen: a slice (the field on one cell layer,
with optional arrows, iso-lines and part outlines) or a 3-D view (outline, parts,
mid-planes or an iso-surface, arrows), with the colour maps, scalar bar and camera.

PyVista is imported only by `load_pyvista`, when a picture is made.
"""
from __future__ import annotations

import math
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from thermo.io.view.request import AXES, Slice, ViewError, field_label

if TYPE_CHECKING:
    from thermo.io.load import Result

__all__ = ["ARROW_COLOURS", "CMAPS", "FLAT_PAD", "FLAT_PAD_MIN", "FLAT_SPAN", "GLYPHS_PER_AXIS_2D",
           "GLYPHS_PER_AXIS_3D", "draw_3d", "draw_slice", "load_pyvista"]

CMAPS = {"T": "inferno", "U": "viridis", "p": "coolwarm", "material": "tab10"}
# Arrow colours on a slice that stand out against the slice's colour map.
ARROW_COLOURS = {"inferno": "cyan", "viridis": "red", "coolwarm": "black", "tab10": "black"}
# Velocity arrows: at most this many per axis on a slice / in the 3-D view.
GLYPHS_PER_AXIS_2D = 24
GLYPHS_PER_AXIS_3D = 10
#: A field whose values span less than this, relative to their size (at least 1), is
#: flat: its colour range is widened by FLAT_PAD of its value (at least FLAT_PAD_MIN)
#: either side, so the colour bar has a span.
FLAT_SPAN = 1e-12
FLAT_PAD = 1e-3
FLAT_PAD_MIN = 1e-6


def load_pyvista() -> ModuleType:
    """PyVista, set up to render off screen (through EGL on Linux); ViewError if it
    cannot be imported."""
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


def _mesh(pv, grid, flat: int | None = None, at: float | None = None):
    """The grid as a PyVista mesh: ImageData when uniform, else a RectilinearGrid at the
    true face coordinates; ``flat``: that axis collapsed to the plane ``at`` (m)."""
    faces = [grid.faces(a) for a in range(3)]
    if flat is not None:
        faces[flat] = np.array([at])
    if grid.is_uniform:
        origin = [f[0] for f in faces]
        return pv.ImageData(dimensions=tuple(f.size for f in faces), spacing=grid.spacing,
                            origin=origin)
    return pv.RectilinearGrid(*faces)


def _mean_width(grid, a: int) -> float:
    """The mean cell width (m) along axis ``a`` (arrow lengths on graded grids)."""
    return grid.size[a] / grid.cells[a]


def _image(pv, result: Result, names: list[str]):
    grid = result.grid
    mesh = _mesh(pv, grid)
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


def _bar(title: str) -> dict:
    return {"title": title, "vertical": True, "position_x": 0.87, "position_y": 0.15,
            "height": 0.7, "width": 0.06, "fmt": "%.4g", "title_font_size": 16,
            "label_font_size": 14}


def draw_slice(pv: ModuleType, plotter: Any, result: Result, field: str, vector: bool, s: Slice,
               layer: int, glyphs: bool, iso: float | None, outline_parts: bool) -> list[str]:
    """Draw the cell layer ``layer`` through the plane ``s``, coloured by ``field``,
    into ``plotter``; returns warnings (no iso-line, no arrows)."""
    grid = result.grid
    a = s.axis
    others = [b for b in range(3) if b != a]
    plane = float(result.coords[a][layer])
    sl = _mesh(pv, grid, flat=a, at=plane)

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
                       min(steps[0] * _mean_width(grid, others[0]), steps[1] * _mean_width(grid, others[1])),
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


def draw_3d(pv: ModuleType, plotter: Any, result: Result, field: str, vector: bool, glyphs: bool,
            iso: float | None) -> list[str]:
    """Draw the 3-D view of ``field`` into ``plotter``; returns warnings (no
    iso-surface, no arrows)."""
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
        widths = [_mean_width(grid, a) for a in range(3)]
        length = min(s * h for s, h, n in zip(steps, widths, grid.cells) if n > 1) \
            if any(n > 1 for n in grid.cells) else min(widths)
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
