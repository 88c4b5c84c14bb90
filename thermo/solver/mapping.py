"""A run that starts from another run's fields mapped onto its grid (``--map-from DIR``).

A grid study's finer grid, or a changed design in the same room, need not start
from rest: the answer of a coarser grid or of the previous design is most of the
way there (OpenFOAM's ``mapFields`` does the same). The source is an output folder
of `thermo run`: its ``checkpoint.h5`` where there is one (the state as the solver
holds it: staggered face velocities, pressure, temperature, and k and epsilon of a
k-epsilon run), else its ``result.vtkhdf`` (cell-centred U, p, T, and k and epsilon
where ``output.fields`` wrote them). Each field is interpolated linearly along each
axis (trilinear on these tensor-product grids, so a field linear in x, y and z
maps exactly), held constant beyond the source's outermost points; velocities are
taken at this grid's face centres and then pass through this case's solids, fixed
flows and parts as an initial velocity does, and the first pressure solve makes
them divergence-free. Everything else starts as the case says: time and step 0,
fan-curve servers, controlled CRAHs and coolant networks at their initial points,
k and epsilon from the case where the source has none.
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

import numpy as np

from thermo.case import CaseError
from thermo.meshes import Grid
from thermo.models.turbulence import CLOSURES

#: the option a refusal names
OPTION = "--map-from"

Coords = tuple[np.ndarray, np.ndarray, np.ndarray]


def axis_weights(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per destination coordinate ``dst`` (m): the index ``i`` of the source point
    below it in the increasing points ``src`` (m) and the weight of point ``i + 1``
    (clamped to [0, 1]: constant beyond either end)."""
    src = np.asarray(src, dtype=float)
    dst = np.asarray(dst, dtype=float)
    if src.size == 1:
        return np.zeros(dst.size, dtype=int), np.zeros(dst.size)
    i = np.clip(np.searchsorted(src, dst, side="right") - 1, 0, src.size - 2)
    w = np.clip((dst - src[i]) / (src[i + 1] - src[i]), 0.0, 1.0)
    return i, w


def interpolate(values: np.ndarray, src: Coords, dst: Coords) -> np.ndarray:
    """``values`` given at the points ``src`` (one increasing coordinate array per
    axis, m) interpolated to the points ``dst``: linear along each axis in turn."""
    out = np.asarray(values, dtype=np.float64)
    if out.shape != tuple(len(s) for s in src):
        raise ValueError(f"values of shape {out.shape} at points {tuple(len(s) for s in src)}")
    for axis in range(3):
        i, w = axis_weights(src[axis], dst[axis])
        j = np.minimum(i + 1, out.shape[axis] - 1)
        shape = [1, 1, 1]
        shape[axis] = w.size
        w = w.reshape(shape)
        out = np.take(out, i, axis=axis) * (1.0 - w) + np.take(out, j, axis=axis) * w
    return out


def velocity_points(grid: Grid, component: int) -> Coords:
    """Where a staggered velocity component lives: faces along its own axis, cell
    centres along the others (m)."""
    return tuple(grid.faces(a) if a == component else grid.centers(a) for a in range(3))


def cell_points(grid: Grid) -> Coords:
    return tuple(grid.centers(a) for a in range(3))


@dataclass
class Source:
    """A run's fields to map, on its grid: ``u`` the three face-velocity arrays
    (a checkpoint) or ``U`` the cell-centred vectors (a result), m/s; ``p``
    kinematic pressure (m2/s2) and ``T`` (C) per cell; ``turb`` (k, epsilon) per
    cell or None; ``path`` the file read."""

    grid: Grid
    u: tuple | None
    U: np.ndarray | None
    p: np.ndarray
    T: np.ndarray
    turb: tuple | None
    path: pathlib.Path

    def velocity(self, component: int, grid: Grid) -> np.ndarray:
        """Component ``component`` of the velocity at ``grid``'s faces (m/s)."""
        if self.u is not None:
            return interpolate(self.u[component], velocity_points(self.grid, component),
                               velocity_points(grid, component))
        return interpolate(self.U[..., component], cell_points(self.grid),
                           velocity_points(grid, component))

    def cells(self, values: np.ndarray, grid: Grid) -> np.ndarray:
        """A per-cell field of the source at ``grid``'s cell centres."""
        return interpolate(values, cell_points(self.grid), cell_points(grid))


def _from_checkpoint(path: pathlib.Path) -> Source:
    import h5py

    from thermo.case.gridding import case_grid
    from thermo.case.loading import case_from_text
    from thermo.solver.state import State

    with h5py.File(path, "r") as f:
        text = str(f.attrs["case"])
        case = case_from_text(text, str(path))
        grid = case_grid(case.data)
        # the leaves in State's order: u (3), p, T, tend (3), the scalars, turb, history
        fields = State._fields
        turb_at = 3 + 1 + 1 + 3 + (fields.index("turb") - fields.index("dt"))
        name = case.data["physics"]["turbulence"]
        transported = name != "none" and CLOSURES[name](case.data["physics"], 1.0).transported > 0
        wanted = [grid.face_shape(c) for c in range(3)] + [grid.cells] * 2
        names = list(range(5)) + ([turb_at, turb_at + 1] if transported else [])
        wanted += [grid.cells] * (len(names) - 5)
        arrays = []
        for i, shape in zip(names, wanted):
            key = f"leaf{i:03d}"
            if key not in f or f[key].shape != tuple(shape):
                raise CaseError(str(path), OPTION, "the checkpoint's arrays do not fit the grid of "
                                "the case it stores (written by another version?)",
                                "a checkpoint.h5 written by this version of thermo")
            arrays.append(np.asarray(f[key][()], dtype=np.float64))
    return Source(grid=grid, u=tuple(arrays[:3]), U=None, p=arrays[3], T=arrays[4],
                  turb=tuple(arrays[5:7]) if transported else None, path=path)


def _from_result(path: pathlib.Path) -> Source:
    from thermo.io.result import read_result

    r = read_result(path)
    fields = r["fields"]
    missing = [n for n in ("U", "p", "T") if n not in fields]
    if missing:
        raise CaseError(str(path), OPTION, f"the result holds no {', '.join(missing)}",
                        "a result written with output.fields including T, U and p "
                        "(the default), or a folder with a checkpoint.h5")
    turb = (fields["k"], fields["epsilon"]) if "k" in fields and "epsilon" in fields else None
    return Source(grid=r["grid"], u=None, U=np.asarray(fields["U"], dtype=np.float64),
                  p=np.asarray(fields["p"], dtype=np.float64),
                  T=np.asarray(fields["T"], dtype=np.float64), turb=turb, path=path)


def read_source(folder: str | pathlib.Path) -> Source:
    """The fields of the run in output folder ``folder``: its checkpoint, else its
    result (CaseError naming ``--map-from`` where it has neither)."""
    from thermo.io.checkpoint import CHECKPOINT_NAME

    folder = pathlib.Path(folder)
    if (folder / CHECKPOINT_NAME).is_file():
        return _from_checkpoint(folder / CHECKPOINT_NAME)
    if (folder / "result.vtkhdf").is_file():
        return _from_result(folder / "result.vtkhdf")
    raise CaseError(str(folder), OPTION, f"no {CHECKPOINT_NAME} or result.vtkhdf in {folder}",
                    "the output folder of a `thermo run` (its checkpoint.h5 or result.vtkhdf)")


def extent_note(source: Source, grid: Grid) -> str | None:
    """A warning where the source's domain differs from ``grid``'s by more than a
    tenth of a cell on some side (its fields are then held constant beyond it)."""
    out = []
    for a in range(3):
        s, d = source.grid.faces(a), grid.faces(a)
        tol = 0.1 * float(np.min(grid.widths(a)))
        if abs(s[0] - d[0]) > tol or abs(s[-1] - d[-1]) > tol:
            out.append(f"{'xyz'[a]} {s[0]:g}..{s[-1]:g} m (this grid {d[0]:g}..{d[-1]:g})")
    if not out:
        return None
    return (f"{source.path}: the source spans {', '.join(out)}; its fields are held constant "
            "beyond it")


def mapped_start(source: Source, grid: Grid, transported: bool) -> dict:
    """The fields :meth:`Simulation.initial_state` starts from: ``u`` (three face
    arrays), ``p``, ``T`` and ``turb`` (k, epsilon, or None to take the case's),
    float64 on the host."""
    turb = None
    if transported and source.turb is not None:
        turb = tuple(source.cells(a, grid) for a in source.turb)
    return {"u": tuple(source.velocity(c, grid) for c in range(3)),
            "p": source.cells(source.p, grid), "T": source.cells(source.T, grid), "turb": turb}
