"""Solid shapes for parts: boxes, cylinders and closed triangle surfaces (STL).

Every shape has the same interface (coordinates in metres):

* ``bounds() -> (lo, hi)``: the axis-aligned bounding box, two length-3 arrays;
* ``contains(points) -> bool array``: whether each of ``(N, 3)`` points is inside
  (boundary points count as inside for boxes and cylinders);
* ``volume() -> float``: the exact volume (of the polyhedron, for a surface);
* ``rotated(quarter_turns, axis, about=None)``: the shape turned by a multiple of
  90 degrees about a line parallel to ``axis`` ("x", "y" or "z") through ``about``
  (default: the centre of the shape's bounding box). Positive turns are
  right-handed: one turn about z takes +x to +y;
* ``translated(offset)``: the shape moved by ``offset``.

`repeat(shape, count, step)` gives ``count`` copies, the k-th moved by ``k * step``.

A `Surface` decides inside/outside with its own ray test (no ray engine, no
``rtree``): a ray along +z from each point, counting the triangles it crosses
with the sign of their z-normal (the winding number). Points on a projected
edge or vertex are resolved by a consistent infinitesimal perturbation, so a
ray through a shared edge counts exactly one of its two triangles.
"""
from __future__ import annotations

import functools
import math
import os
import pathlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["Shape", "Box", "Cylinder", "Surface", "repeat", "AXES"]

AXES = ("x", "y", "z")


def _axis_index(axis: str | int) -> int:
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool) and 0 <= axis < 3:
        return int(axis)
    if isinstance(axis, str) and axis in AXES:
        return AXES.index(axis)
    raise ValueError(f"axis must be one of 'x', 'y', 'z', got {axis!r}")


def _vec3(v, what: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be 3 finite numbers, got {v!r}")
    return a


def quarter_turn_matrix(quarter_turns: int, axis: str | int) -> np.ndarray:
    """The exact (integer) matrix of a right-handed rotation by ``quarter_turns`` * 90 deg."""
    if isinstance(quarter_turns, bool) or int(quarter_turns) != quarter_turns:
        raise ValueError(f"quarter_turns must be an integer, got {quarter_turns!r}")
    a = _axis_index(axis)
    c, s = ((1, 0), (0, 1), (-1, 0), (0, -1))[int(quarter_turns) % 4]
    i, j = (a + 1) % 3, (a + 2) % 3  # the rotation plane, right-handed about a
    r = np.zeros((3, 3), dtype=int)
    r[a, a] = 1
    r[i, i], r[i, j] = c, -s
    r[j, i], r[j, j] = s, c
    return r


def _rotate_points(points: np.ndarray, r: np.ndarray, about: np.ndarray) -> np.ndarray:
    # an integer matrix of 0/+-1: each output coordinate is one input coordinate
    return about + (np.asarray(points, dtype=float) - about) @ r.T.astype(float)


class Shape(ABC):
    """The common interface of part shapes (see the module docstring)."""

    @abstractmethod
    def bounds(self) -> tuple[np.ndarray, np.ndarray]: ...

    @abstractmethod
    def contains(self, points) -> np.ndarray: ...

    @abstractmethod
    def volume(self) -> float: ...

    @abstractmethod
    def _rotated(self, r: np.ndarray, about: np.ndarray) -> "Shape": ...

    @abstractmethod
    def translated(self, offset) -> "Shape": ...

    def rotated(self, quarter_turns: int, axis: str = "z", about=None) -> "Shape":
        """The shape turned by ``quarter_turns`` * 90 degrees about ``axis`` through ``about``."""
        r = quarter_turn_matrix(quarter_turns, axis)
        if about is None:
            lo, hi = self.bounds()
            about = 0.5 * (lo + hi)
        return self._rotated(r, _vec3(about, "about"))

    def contains_lattice(self, xs, ys, zs) -> np.ndarray:
        """`contains` on the lattice ``xs x ys x zs``: a bool array of shape (len(xs), len(ys), len(zs))."""
        xs, ys, zs = (np.asarray(v, dtype=float) for v in (xs, ys, zs))
        pts = np.stack(np.meshgrid(xs, ys, zs, indexing="ij"), axis=-1).reshape(-1, 3)
        return self.contains(pts).reshape(len(xs), len(ys), len(zs))


def _points(points) -> np.ndarray:
    p = np.asarray(points, dtype=float)
    if p.ndim == 1 and p.shape == (3,):
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"points must be an (N, 3) array, got shape {p.shape}")
    return p


@dataclass(frozen=True)
class Box(Shape):
    """The axis-aligned box ``[lo, hi]`` (m), boundary included."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]

    def __post_init__(self) -> None:
        lo, hi = _vec3(self.lo, "Box lo"), _vec3(self.hi, "Box hi")
        if np.any(hi < lo):
            raise ValueError(f"Box needs hi >= lo on every axis, got lo={tuple(lo)}, hi={tuple(hi)}")
        object.__setattr__(self, "lo", tuple(float(v) for v in lo))
        object.__setattr__(self, "hi", tuple(float(v) for v in hi))

    def bounds(self):
        return np.array(self.lo), np.array(self.hi)

    def contains(self, points) -> np.ndarray:
        p = _points(points)
        return np.all((p >= np.array(self.lo)) & (p <= np.array(self.hi)), axis=1)

    def contains_lattice(self, xs, ys, zs) -> np.ndarray:
        m = [(np.asarray(c, float) >= self.lo[a]) & (np.asarray(c, float) <= self.hi[a])
             for a, c in enumerate((xs, ys, zs))]
        return m[0][:, None, None] & m[1][None, :, None] & m[2][None, None, :]

    def volume(self) -> float:
        return float(np.prod(np.array(self.hi) - np.array(self.lo)))

    def _rotated(self, r, about):
        corners = _rotate_points(np.array([self.lo, self.hi]), r, about)
        return Box(corners.min(axis=0), corners.max(axis=0))

    def translated(self, offset) -> "Box":
        off = _vec3(offset, "offset")
        return Box(np.array(self.lo) + off, np.array(self.hi) + off)


@dataclass(frozen=True)
class Cylinder(Shape):
    """A solid circular cylinder: centre (m, the middle of the axis), radius, length, axis."""

    center: tuple[float, float, float]
    radius: float
    length: float
    axis: str = "z"

    def __post_init__(self) -> None:
        c = _vec3(self.center, "Cylinder center")
        if not (math.isfinite(self.radius) and self.radius > 0):
            raise ValueError(f"Cylinder radius must be > 0, got {self.radius!r}")
        if not (math.isfinite(self.length) and self.length > 0):
            raise ValueError(f"Cylinder length must be > 0, got {self.length!r}")
        object.__setattr__(self, "center", tuple(float(v) for v in c))
        object.__setattr__(self, "radius", float(self.radius))
        object.__setattr__(self, "length", float(self.length))
        object.__setattr__(self, "axis", AXES[_axis_index(self.axis)])

    @property
    def axis_index(self) -> int:
        return AXES.index(self.axis)

    def bounds(self):
        half = np.full(3, self.radius)
        half[self.axis_index] = 0.5 * self.length
        c = np.array(self.center)
        return c - half, c + half

    def contains(self, points) -> np.ndarray:
        p = _points(points) - np.array(self.center)
        a = self.axis_index
        i, j = (a + 1) % 3, (a + 2) % 3
        return (np.abs(p[:, a]) <= 0.5 * self.length) & (p[:, i] ** 2 + p[:, j] ** 2 <= self.radius ** 2)

    def volume(self) -> float:
        return math.pi * self.radius ** 2 * self.length

    def _rotated(self, r, about):
        center = _rotate_points(np.array(self.center), r, about)
        axis = int(np.flatnonzero(r[:, self.axis_index])[0])
        return Cylinder(center, self.radius, self.length, AXES[axis])

    def translated(self, offset) -> "Cylinder":
        return Cylinder(np.array(self.center) + _vec3(offset, "offset"), self.radius, self.length,
                        self.axis)


# ----------------------------------------------------------------------------- surfaces


@functools.lru_cache(maxsize=32)
def _read_stl(path: str, mtime_ns: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and outward-oriented faces of a closed STL surface (cached per file version)."""
    import trimesh  # imported here: only STL parts need it

    try:
        mesh = trimesh.load(path, file_type="stl", force="mesh", process=True)
    except Exception as exc:  # trimesh raises a variety of errors on malformed files
        raise ValueError(f"{path}: cannot read the STL file ({exc})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise ValueError(f"{path}: the STL file holds no triangles")
    if not mesh.is_watertight:
        raise ValueError(f"{path}: the surface is not watertight (it has open edges or holes); "
                         "a closed triangle surface is needed")
    if not mesh.is_winding_consistent:
        try:
            trimesh.repair.fix_winding(mesh)
        except ImportError:
            pass
        if not mesh.is_winding_consistent:
            raise ValueError(f"{path}: the surface's triangles are not consistently oriented")
    vertices = np.array(mesh.vertices, dtype=float)
    faces = np.array(mesh.faces, dtype=np.int64)
    return vertices, faces


class Surface(Shape):
    """A closed, consistently oriented triangle surface: vertices (V, 3) in m, faces (F, 3)."""

    def __init__(self, vertices, faces, source: str | None = None) -> None:
        v = np.array(vertices, dtype=float)
        f = np.array(faces, dtype=np.int64)
        if v.ndim != 2 or v.shape[1] != 3 or f.ndim != 2 or f.shape[1] != 3 or len(f) == 0:
            raise ValueError("a Surface needs vertices (V, 3) and at least one face (F, 3)")
        if f.min() < 0 or f.max() >= len(v):
            raise ValueError("Surface faces index missing vertices")
        if not np.all(np.isfinite(v)):
            raise ValueError("Surface vertices must be finite")
        if _signed_volume(v, f) < 0:  # orient outward
            f = f[:, ::-1].copy()
        v.setflags(write=False)
        f.setflags(write=False)
        self.vertices, self.faces, self.source = v, f, source
        self._prep = None

    @classmethod
    def from_stl(cls, path: str | os.PathLike) -> "Surface":
        """Read a closed surface from an STL file (metres); ValueError if it is not watertight."""
        p = pathlib.Path(path)
        st = p.stat()  # FileNotFoundError for a missing file
        v, f = _read_stl(str(p), st.st_mtime_ns, st.st_size)
        return cls(v, f, source=str(p))

    def __repr__(self) -> str:
        src = f", source={self.source!r}" if self.source else ""
        return f"Surface({len(self.vertices)} vertices, {len(self.faces)} faces{src})"

    def bounds(self):
        return self.vertices.min(axis=0).copy(), self.vertices.max(axis=0).copy()

    def volume(self) -> float:
        return abs(_signed_volume(self.vertices, self.faces))

    def _rotated(self, r, about):
        return Surface(_rotate_points(self.vertices, r, about), self.faces, self.source)

    def translated(self, offset) -> "Surface":
        return Surface(self.vertices + _vec3(offset, "offset"), self.faces, self.source)

    # ---- inside test

    def contains(self, points) -> np.ndarray:
        p = _points(points)
        if len(p) == 0:
            return np.zeros(0, dtype=bool)
        cols, col_of = np.unique(p[:, :2], axis=0, return_inverse=True)
        return self._winding(cols, col_of.ravel(), p[:, 2]) != 0

    def contains_lattice(self, xs, ys, zs) -> np.ndarray:
        xs, ys, zs = (np.asarray(v, dtype=float).ravel() for v in (xs, ys, zs))
        cx, cy = np.meshgrid(xs, ys, indexing="ij")
        cols = np.stack([cx.ravel(), cy.ravel()], axis=1)
        col_of = np.repeat(np.arange(len(cols)), len(zs))
        qz = np.tile(zs, len(cols))
        return (self._winding(cols, col_of, qz) != 0).reshape(len(xs), len(ys), len(zs))

    def _prepare(self):
        """Per-triangle data for the +z ray test (projected edges in canonical order)."""
        if self._prep is None:
            tri = self.vertices[self.faces]  # (F, 3 corners, 3)
            xy, z = tri[:, :, :2], tri[:, :, 2]
            area2 = ((xy[:, 1, 0] - xy[:, 0, 0]) * (xy[:, 2, 1] - xy[:, 0, 1])
                     - (xy[:, 1, 1] - xy[:, 0, 1]) * (xy[:, 2, 0] - xy[:, 0, 0]))
            keep = area2 != 0.0  # triangles seen edge-on never hold a (perturbed) ray
            xy, z, sign = xy[keep], z[keep], np.sign(area2[keep])
            # edge k is opposite corner k: from corner k+1 to corner k+2
            p = xy[:, [1, 2, 0], :]
            q = xy[:, [2, 0, 1], :]
            swap = (q[..., 0] < p[..., 0]) | ((q[..., 0] == p[..., 0]) & (q[..., 1] < p[..., 1]))
            P = np.where(swap[..., None], q, p)
            Q = np.where(swap[..., None], p, q)
            flip = np.where(swap, -1.0, 1.0)
            d = Q - P
            # the sign at an exact zero: the point moved by (eps, eps^2)
            tie = np.where(d[..., 1] != 0, np.sign(-d[..., 1]), np.sign(d[..., 0]))
            lo, hi = xy.min(axis=1), xy.max(axis=1)
            self._prep = dict(P=P, d=d, flip=flip, tie=tie, z=z, sign=sign, lo=lo, hi=hi)
        return self._prep

    def _winding(self, cols: np.ndarray, col_of: np.ndarray, qz: np.ndarray) -> np.ndarray:
        """Winding number of each query (column ``col_of``, height ``qz``) by +z rays."""
        t = self._prepare()
        hit_col, hit_z, hit_s = [], [], []
        order = np.lexsort((cols[:, 1], cols[:, 0]))
        ntri = max(len(t["sign"]), 1)
        block = int(np.clip(600_000 // ntri, 64, 4096))
        for start in range(0, len(order), block):
            idx = order[start:start + block]
            c = cols[idx]
            clo, chi = c.min(axis=0), c.max(axis=0)
            tsel = np.flatnonzero(np.all((t["lo"] <= chi) & (t["hi"] >= clo), axis=1))
            if len(tsel) == 0:
                continue
            P, d = t["P"][tsel], t["d"][tsel]  # (T, 3, 2)
            # canonical edge functions, (C, T, 3): exactly antisymmetric between neighbours
            w = (d[None, :, :, 0] * (c[:, None, None, 1] - P[None, :, :, 1])
                 - d[None, :, :, 1] * (c[:, None, None, 0] - P[None, :, :, 0]))
            s = np.where(w != 0, np.sign(w), t["tie"][tsel][None]) * t["flip"][tsel][None]
            inside = np.all(s == t["sign"][tsel][None, :, None], axis=2)
            ci, ti = np.nonzero(inside)
            if len(ci) == 0:
                continue
            wt = w[ci, ti] * t["flip"][tsel][ti]  # oriented edge functions = barycentric weights
            zt = t["z"][tsel][ti]
            hit_z.append(np.sum(wt * zt, axis=1) / np.sum(wt, axis=1))
            hit_col.append(idx[ci])
            hit_s.append(t["sign"][tsel][ti])
        if not hit_col:
            return np.zeros(len(qz), dtype=np.int64)
        hc, hz, hs = (np.concatenate(a) for a in (hit_col, hit_z, hit_s))
        # sweep each column downwards: the running sum of crossings above each query
        ncol = len(cols)
        ev_col = np.concatenate([hc, col_of])
        ev_z = np.concatenate([hz, qz])
        ev_val = np.concatenate([hs.astype(np.int64), np.zeros(len(qz), dtype=np.int64)])
        ev_q = np.concatenate([np.full(len(hc), -1), np.arange(len(qz))])
        srt = np.lexsort((-ev_z, ev_col))
        csum = np.cumsum(ev_val[srt])
        first = np.searchsorted(ev_col[srt], np.arange(ncol), side="left")
        base = np.where(first > 0, csum[np.maximum(first - 1, 0)], 0)
        out = np.zeros(len(qz), dtype=np.int64)
        q_pos = ev_q[srt] >= 0
        qs = ev_q[srt][q_pos]
        out[qs] = csum[q_pos] - base[ev_col[srt][q_pos]]
        return out


def _signed_volume(v: np.ndarray, f: np.ndarray) -> float:
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    # about the centroid of the vertices, to keep round-off small far from the origin
    o = v.mean(axis=0)
    a, b, c = a - o, b - o, c - o
    return float(np.sum(np.einsum("ij,ij->i", a, np.cross(b, c)))) / 6.0


def repeat(shape: Shape, count: int, step: Sequence[float]) -> list[Shape]:
    """``count`` copies of ``shape``, copy k moved by ``k * step`` (copy 0 is the shape itself)."""
    if isinstance(count, bool) or int(count) != count or count < 1:
        raise ValueError(f"repeat count must be an integer >= 1, got {count!r}")
    st = _vec3(step, "repeat step")
    return [shape if k == 0 else shape.translated(k * st) for k in range(int(count))]
