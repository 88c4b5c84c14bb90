"""The structured Cartesian grid: origin, size, cells per axis (metres), uniform or graded.

A grid is *uniform* (``Grid(size, cells, origin)``: one spacing per axis) or *graded*
(``Grid.from_lines(x, y, z)``: the face coordinates of each axis given, as
`thermo.meshes.grid_lines` makes them). `widths`, `cell_volumes`, `centers` and
`faces` give the true values on both. `spacing` and `cell_volume` exist only where
one value holds for every cell (`is_uniform`); on a graded grid they raise, so that
code written for a uniform grid fails loudly instead of using a wrong spacing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

__all__ = ["Grid", "UNIFORM_TOLERANCE"]

UNIFORM_TOLERANCE = 1e-12  # relative to an axis's extent: lines this close to uniform are uniform
_AXES = "xyz"


def _axis_lines(axis: int, values) -> tuple[float, ...]:
    """One axis's face coordinates (m) as a tuple of floats; ValueError unless increasing."""
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"lines[{axis}] ({_AXES[axis]}) must be face coordinates (m), "
                         f"got {values!r}") from None
    if a.ndim != 1 or a.size < 2 or not np.all(np.isfinite(a)) or np.any(np.diff(a) <= 0):
        raise ValueError(f"lines[{axis}] ({_AXES[axis]}) must be a 1-D sequence of at least two "
                         f"finite, strictly increasing face coordinates (m), got {values!r}")
    return tuple(float(v) for v in a)


@dataclass(frozen=True)
class Grid:
    """A Cartesian grid of cells, uniform per axis or graded (see the module docstring).

    Arrays on this grid are indexed ``[i, j, k]`` for ``(x, y, z)``. Cell-centred
    fields have shape ``cells``; the x-face velocity has shape ``(nx+1, ny, nz)``,
    and likewise for y and z, boundary faces included.

    ``lines`` is None for a uniform grid, else the face coordinates (m) of each axis,
    a tuple of three tuples of floats (hashable); ``size``, ``cells`` and ``origin``
    then follow from them (`from_lines` derives them).
    """

    size: tuple[float, float, float]
    cells: tuple[int, int, int]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    lines: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] | None = field(
        default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", tuple(float(s) for s in self.size))
        object.__setattr__(self, "cells", tuple(int(n) for n in self.cells))
        object.__setattr__(self, "origin", tuple(float(o) for o in self.origin))
        if len(self.size) != 3 or len(self.cells) != 3 or len(self.origin) != 3:
            raise ValueError("Grid needs three sizes, three cell counts and a 3-D origin")
        if any(s <= 0 for s in self.size) or any(n < 1 for n in self.cells):
            raise ValueError(f"Grid needs positive sizes and cell counts, got {self.size}, {self.cells}")
        if self.lines is None:
            return
        if len(self.lines) != 3:
            raise ValueError(f"Grid lines must be three sequences of face coordinates (m), one per "
                             f"axis, got {len(self.lines)}")
        lines = tuple(_axis_lines(a, v) for a, v in enumerate(self.lines))
        for a, x in enumerate(lines):
            if (len(x) - 1 != self.cells[a] or x[0] != self.origin[a]
                    or x[-1] - x[0] != self.size[a]):
                raise ValueError(
                    f"Grid lines[{a}] ({_AXES[a]}) give {len(x) - 1} cells from {x[0]!r} to {x[-1]!r} m, "
                    f"but cells, origin and size say {self.cells[a]} cells from {self.origin[a]!r} "
                    f"over {self.size[a]!r} m (Grid.from_lines derives them)")
        object.__setattr__(self, "lines", lines)

    @classmethod
    def from_lines(cls, x: Sequence[float], y: Sequence[float], z: Sequence[float]) -> "Grid":
        """The graded grid whose face coordinates (m) along x, y and z are given.

        Each axis: at least two finite, strictly increasing coordinates (its first and
        last are the domain's faces), e.g. the arrays of `thermo.meshes.grid_lines`
        (add an origin to them first if the domain does not start at 0). ValueError
        otherwise, naming the axis.
        """
        lines = tuple(_axis_lines(a, v) for a, v in enumerate((x, y, z)))
        return cls(size=tuple(v[-1] - v[0] for v in lines), cells=tuple(len(v) - 1 for v in lines),
                   origin=tuple(v[0] for v in lines), lines=lines)

    def refined(self, k: int) -> "Grid":
        """This grid with every cell split into ``k`` equal cells along each axis with
        more than one cell (a nested refinement: every face stays a face, and the largest
        neighbour ratio stays what it was). Graded in, graded out; uniform stays uniform."""
        k = int(k)
        if k < 1:
            raise ValueError(f"refined(k) needs k >= 1, got {k}")
        if self.lines is None:
            return Grid(self.size, tuple(n * k if n > 1 else n for n in self.cells), self.origin)
        out = []
        for a in range(3):
            f = np.asarray(self.lines[a])
            if f.size == 2:
                out.append(f)
                continue
            t = np.arange(k) / k
            inner = (f[:-1, None] + t[None, :] * np.diff(f)[:, None]).ravel()
            out.append(np.append(inner, f[-1]))
        return Grid.from_lines(*out)

    def __repr__(self) -> str:
        base = f"Grid(size={self.size!r}, cells={self.cells!r}, origin={self.origin!r}"
        if self.lines is None:
            return base + ")"
        w = [self.widths(a) for a in range(3)]
        return base + ", lines=<graded: widths " + ", ".join(
            f"{_AXES[a]} {w[a].min():.4g}..{w[a].max():.4g} m" for a in range(3)) + ">)"

    # -- uniform or graded

    def _uniform_faces(self, axis: int) -> np.ndarray:
        h = self.size[axis] / self.cells[axis]
        return self.origin[axis] + np.arange(self.cells[axis] + 1) * h

    @cached_property
    def is_uniform(self) -> bool:
        """True if every axis has one cell width: no lines were given, or each axis's
        lines lie within ``UNIFORM_TOLERANCE`` times its extent of the uniform ones."""
        if self.lines is None:
            return True
        for a, x in enumerate(self.lines):
            scale = max(self.size[a], abs(x[0]), abs(x[-1]))
            if np.max(np.abs(np.asarray(x) - self._uniform_faces(a))) > UNIFORM_TOLERANCE * scale:
                return False
        return True

    def _require_uniform(self, name: str, instead: str) -> None:
        if not self.is_uniform:
            raise ValueError(f"Grid.{name} has no single value on a graded grid (cells {self.cells}, "
                             f"face coordinates given per axis): use Grid.{instead} for the true "
                             f"per-cell values")

    @property
    def spacing(self) -> tuple[float, float, float]:
        """Cell widths (m), one per axis: ``size / cells``. Uniform grids only (lines given
        within ``UNIFORM_TOLERANCE`` of uniform count as uniform); ValueError on a graded
        grid: use `widths`."""
        self._require_uniform("spacing", "widths(axis)")
        return tuple(s / n for s, n in zip(self.size, self.cells))

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.cells

    @property
    def ncells(self) -> int:
        return int(np.prod(self.cells))

    @property
    def cell_volume(self) -> float:
        """The volume (m3) of every cell: uniform grids only (else ValueError: use
        `cell_volumes`)."""
        self._require_uniform("cell_volume", "cell_volumes()")
        return float(np.prod(self.spacing))

    # -- true coordinates, widths and volumes (uniform or graded)

    def widths(self, axis: int) -> np.ndarray:
        """Cell widths (m) along one axis, an array of ``cells[axis]``."""
        if self.lines is None:
            return np.full(self.cells[axis], self.spacing[axis])
        return np.diff(np.asarray(self.lines[axis]))

    def cell_volumes(self) -> np.ndarray:
        """Cell volumes (m3), an array of shape ``cells``."""
        if self.lines is None:
            return np.full(self.cells, self.cell_volume)
        wx, wy, wz = (self.widths(a) for a in range(3))
        return wx[:, None, None] * wy[None, :, None] * wz[None, None, :]

    def face_areas(self, axis: int) -> np.ndarray:
        """Areas (m2) of the faces normal to ``axis``, one per cell of a face layer: an
        array of the cell counts of the two other axes, in order."""
        t0, t1 = (b for b in range(3) if b != axis)
        return np.outer(self.widths(t0), self.widths(t1))

    def centers(self, axis: int) -> np.ndarray:
        """Cell-centre coordinates (m) along one axis (midway between the faces)."""
        if self.lines is None:
            h = self.spacing[axis]
            return self.origin[axis] + (np.arange(self.cells[axis]) + 0.5) * h
        f = np.asarray(self.lines[axis])
        return 0.5 * (f[:-1] + f[1:])

    def faces(self, axis: int) -> np.ndarray:
        """Face coordinates (m) along one axis, both boundary faces included."""
        if self.lines is None:
            h = self.spacing[axis]
            return self.origin[axis] + np.arange(self.cells[axis] + 1) * h
        return np.array(self.lines[axis])

    def face_shape(self, axis: int) -> tuple[int, int, int]:
        s = list(self.cells)
        s[axis] += 1
        return tuple(s)

    def mesh(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cell-centre coordinate arrays (x, y, z) (m), each of shape ``cells``."""
        return tuple(np.meshgrid(*(self.centers(a) for a in range(3)), indexing="ij"))
