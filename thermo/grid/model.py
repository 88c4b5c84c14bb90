"""The static fields of a case on its grid: solids, open faces, boundary ghosts.

Everything here is built once on the host with NumPy, before compilation, and
handed to the compiled step as arrays (never baked in as constants, so that a
second run of the same shape compiles nothing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermo.meshes import Grid, cell_mask, power_density, shapes_of, volume_fractions

from thermo.grid.boundaries import INLET, OUTLET, SLIP, WALL, FaceConditions, face_conditions
from thermo.case import THROUGHFLOW_KINDS, Case, CaseError


@dataclass(frozen=True)
class Geometry:
    """Cell ownership after voxelisation: later parts override earlier ones.

    A part with ``repeat`` becomes several instances named ``name[k]``."""

    grid: Grid
    owner: np.ndarray          # instance index per cell, -1 = fluid
    material_id: np.ndarray    # 0 = the fluid, k = materials[k]
    materials: list            # material names, index 0 is the fluid
    instances: list            # dicts: name, part (index into case parts), material, power (W)
    power_density: np.ndarray  # W/m3, each instance's power spread over the grid exactly
    warnings: list             # messages about parts the grid cannot resolve
    open: np.ndarray = None    # per instance: the fluid flows through its cells (porous, fan curve)

    @property
    def fluid(self) -> np.ndarray:
        """Cells where the flow is solved: the fluid and the parts air passes through."""
        if self.open is None or not self.open.any():
            return self.owner < 0
        return (self.owner < 0) | self.open[np.maximum(self.owner, 0)] & (self.owner >= 0)


def voxelise(case: Case, grid: Grid | None = None) -> Geometry:
    """Parts to cells: ownership by cell centre (later parts win), power by volume
    overlap restricted to the cells each instance finally owns, so that the grid
    holds exactly each instance's power. On the case's grid, or on ``grid``."""
    d = case.data
    src = case.path.name if case.path else "<dict>"
    grid = grid or case.grid
    owner = np.full(grid.cells, -1, dtype=np.int32)
    names = [d["fluid"]["material"]]
    mat = np.zeros(grid.cells, dtype=np.int32)
    instances, fractions = [], []
    for i, part in enumerate(d["parts"]):
        shapes = shapes_of(part)
        many = part.get("repeat") is not None
        for k, shape in enumerate(shapes):
            name = f"{part['name']}[{k}]" if many else part["name"]
            frac = volume_fractions(grid, shape)
            if not frac.any():
                raise CaseError(src, f"parts[{i}]", f"part {name!r} overlaps no cell of the grid",
                                "a shape inside the domain")
            m = cell_mask(grid, shape)
            owner[m] = len(instances)
            if is_open(part) and part["kind"] != "fluid":  # the fluid fills it: porous, fan disc
                mat[m] = 0
            else:  # solids, and fluid parts (a second fluid: its own material)
                if part["material"] not in names:
                    names.append(part["material"])
                mat[m] = names.index(part["material"])
            instances.append({"name": name, "part": i, "material": part["material"],
                              "kind": part["kind"], "power": float(part.get("power") or 0.0)})
            fractions.append(frac)
    power = np.zeros(grid.cells)
    unresolved = []
    for j, (inst, frac) in enumerate(zip(instances, fractions)):
        owned = frac * (owner == j)
        if not owned.any():
            unresolved.append(inst["name"])
            owned = frac
        if inst["power"] and inst["kind"] not in THROUGHFLOW_KINDS:
            # a server's power leaves with its exhaust air (thermo.models.air), not from cells
            power += power_density(grid, owned, inst["power"])
    warnings = []
    if unresolved:
        shown = ", ".join(repr(n) for n in unresolved[:6]) + (", ..." if len(unresolved) > 6 else "")
        warnings.append(
            f"{src}: {len(unresolved)} part(s) own no cell (thinner than a cell or covered by "
            f"later parts): {shown}. Their power is spread over the cells they overlap and "
            f"their material is not resolved; refine domain.cells to resolve them")
    open_ = np.array([is_open(d["parts"][inst["part"]]) for inst in instances], dtype=bool)
    _check_fluid_regions(src, d["parts"], instances, owner, mat, open_)
    return Geometry(grid, owner, mat, names, instances, power, warnings, open_)


def is_open(part: dict) -> bool:
    """Whether a fluid flows through the part's cells (porous media, a fan given by its
    curve, a fluid part) rather than around them (solids) or by a fixed flow (servers,
    fixed fans, CRAHs)."""
    return part["kind"] in ("porous", "fluid", "heat_sink") or (part["kind"] == "fan"
                                                   and part.get("curve") is not None)


def _check_fluid_regions(src, parts, instances, owner, mat, open_) -> None:
    """Fluid parts (a second fluid, e.g. a cold plate's coolant) must be walled off
    from fluid cells of another material: no flow crosses between fluids, which
    only exchange heat by conduction through solids."""
    if not any(inst["kind"] == "fluid" for inst in instances):
        return
    fluid = (owner < 0) | (open_[np.maximum(owner, 0)] & (owner >= 0)) if len(open_) else owner < 0
    for a in range(3):
        n = owner.shape[a]
        if n < 2:
            continue
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[a], hi[a] = slice(0, n - 1), slice(1, n)
        lo, hi = tuple(lo), tuple(hi)
        clash = fluid[lo] & fluid[hi] & (mat[lo] != mat[hi])
        if not clash.any():
            continue
        for cells in (owner[lo][clash], owner[hi][clash]):
            for j in np.unique(cells):
                if j >= 0 and instances[j]["kind"] == "fluid":
                    i = instances[j]["part"]
                    raise CaseError(src, f"parts[{i}]", f"fluid part {instances[j]['name']!r} "
                                    f"({instances[j]['material']}) touches fluid cells of another "
                                    "material: the two fluids would mix",
                                    "fluid regions separated by solid parts (walls at least "
                                    "one cell thick)")


def _face_slab(arr2d: np.ndarray, axis: int) -> np.ndarray:
    """A face-cell array (two tangential axes) as a slab one cell thick along ``axis``."""
    return np.expand_dims(arr2d, axis)


def _stagger(slab: np.ndarray, along: int) -> np.ndarray:
    """Face-cell values moved to the faces of axis ``along`` (n -> n + 1) by averaging."""
    first = np.take(slab, [0], axis=along)
    last = np.take(slab, [-1], axis=along)
    ext = np.concatenate([first, slab, last], axis=along)
    n = ext.shape[along]
    return 0.5 * (np.take(ext, range(0, n - 1), axis=along) + np.take(ext, range(1, n), axis=along))


def velocity_ghosts(fc: FaceConditions, comp: int, axis: int, side: int) -> tuple:
    """Ghost triple (alpha, beta, gamma) for velocity ``comp`` beyond face ``(axis, side)``."""
    kind = fc.kind[(axis, side)]
    vel = fc.velocity[(axis, side)][..., comp]
    if comp == axis:
        fixed = (kind == WALL) | (kind == SLIP)  # odd reflection about the zero wall value
        alpha, beta, gamma = np.where(fixed, -1.0, 0.0), np.where(fixed, 2.0, 1.0), 0 * vel
        return tuple(_face_slab(x, axis) for x in (alpha, beta, gamma))
    dirichlet = (kind == WALL) | (kind == INLET)
    alpha = np.select([dirichlet, kind == SLIP], [-1.0, 1.0], 0.0)
    beta = np.where(kind == OUTLET, 1.0, 0.0)
    gamma = np.where(dirichlet, 2.0 * vel, 0.0)
    along = comp if comp < axis else comp - 1  # comp's position among the tangential axes
    out = []
    for x in (alpha, beta, gamma):
        out.append(_face_slab(_stagger(x, along), axis))
    return tuple(out)


@dataclass(frozen=True)
class FlowModel:
    """Host arrays describing the flow problem on the grid."""

    geometry: Geometry
    faces: FaceConditions
    free: tuple      # per component: 1 on faces the momentum equation updates
    fixed: tuple     # per component: the imposed value on the other faces (m/s)
    wall_nb: tuple   # [comp][axis] -> (lo, hi) masks: neighbour face blocked by a solid
    ghosts: tuple    # [comp][axis] -> ((a, b, g) low, (a, b, g) high), None when periodic
    active: tuple    # axes along which anything varies (2-D cases have one inactive)

    @property
    def singular(self) -> bool:
        return not self.faces.has_outlet

    def closed_regions(self) -> tuple[np.ndarray, int]:
        """Fluid regions joined by open faces that reach no outlet: their pressure is
        defined up to a constant each. Returns (label per cell, -1 elsewhere; count).
        Only needed when fixed-flow parts split the fluid; else (None, 0)."""
        if self.singular or not _has_internal_fixed(self):
            return None, 0
        labels = connected_cells(self.geometry.fluid, self.free, self.faces.periodic)
        open_ = set()
        for a in range(3):
            if self.faces.periodic[a]:
                continue
            n = labels.shape[a]
            for side, idx in ((0, 0), (1, n)):
                f = np.take(self.free[a], idx, axis=a) > 0
                cell = np.take(labels, 0 if side == 0 else n - 1, axis=a)
                open_.update(np.unique(cell[f & (cell >= 0)]).tolist())
        closed = sorted(set(np.unique(labels[labels >= 0]).tolist()) - open_)
        if not closed:
            return None, 0
        out = np.full(labels.shape, -1, np.int32)
        for k, lab in enumerate(closed):
            out[labels == lab] = k
        return out, len(closed)


def _has_internal_fixed(m: "FlowModel") -> bool:
    kinds = {inst.get("kind") for inst in m.geometry.instances}
    # fluid parts: a second fluid walled off from the first, each its own region
    return bool(kinds & (set(THROUGHFLOW_KINDS) | {"fluid"}))


def connected_cells(fluid: np.ndarray, free: tuple, periodic: tuple) -> np.ndarray:
    """Label the fluid cells by connected region through open (free) faces: each
    region takes the smallest flat index among its cells; -1 in solids."""
    n = fluid.size
    big = np.iinfo(np.int64).max
    lab = np.where(fluid.ravel(), np.arange(n), big).reshape(fluid.shape)
    pairs = []
    for a in range(3):
        m = fluid.shape[a]
        inner = np.take(free[a], range(1, m), axis=a) > 0
        pairs.append((a, inner, False))
        if periodic[a] and m > 1:
            pairs.append((a, np.take(free[a], [0], axis=a) > 0, True))
    while True:
        old = lab.copy()
        for a, open_, wrap in pairs:
            m = lab.shape[a]
            if wrap:
                lo, hi = np.take(lab, [m - 1], axis=a), np.take(lab, [0], axis=a)
            else:
                lo, hi = np.take(lab, range(0, m - 1), axis=a), np.take(lab, range(1, m), axis=a)
            low = np.where(open_, np.minimum(lo, hi), lo)
            high = np.where(open_, np.minimum(lo, hi), hi)
            if wrap:
                lab = np.concatenate([high, np.take(lab, range(1, m - 1), axis=a), low], axis=a) \
                    if m > 2 else np.concatenate([np.minimum(high, low), np.minimum(high, low)], axis=a)
            else:
                first = np.take(lab, [0], axis=a)
                lab = np.concatenate([first, high], axis=a)
                lab = np.minimum(lab, np.concatenate([low, np.take(lab, [m - 1], axis=a)], axis=a))
        flat = lab.ravel()
        ok = flat < big
        flat[ok] = flat[flat[ok]]  # pointer jumping: a label's own label
        lab = flat.reshape(lab.shape)
        if np.array_equal(lab, old):
            break
    return np.where(lab < big, lab, -1)


def build_flow_model(case: Case, grid: Grid | None = None) -> FlowModel:
    """The case's flow model on its grid (``grid``: another grid over the same domain,
    e.g. a nested refinement of the case's for a grid-convergence study)."""
    geo = voxelise(case, grid)
    grid = geo.grid
    fc = face_conditions(grid, case.data["boundaries"])
    src = case.path.name if case.path else "<dict>"
    if fc.has_inlet and not fc.has_outlet:
        raise CaseError(src, "boundaries", "an inlet needs an outlet for the flow to leave by",
                        "at least one boundary with flow = 'outlet'")
    fluid = geo.fluid.astype(float)
    free, fixed, wall_nb, ghosts = [], [], [], []
    for c in range(3):
        n = grid.cells[c]
        lo_cell = np.take(fluid, [0], axis=c)
        hi_cell = np.take(fluid, [n - 1], axis=c)
        inner = np.take(fluid, range(0, n - 1), axis=c) * np.take(fluid, range(1, n), axis=c)
        fix_lo = np.zeros_like(lo_cell)
        fix_hi = np.zeros_like(hi_cell)
        if fc.periodic[c]:
            f_lo = f_hi = lo_cell * hi_cell
        else:
            k_lo, k_hi = _face_slab(fc.kind[(c, 0)], c), _face_slab(fc.kind[(c, 1)], c)
            f_lo = lo_cell * (k_lo == OUTLET)
            f_hi = hi_cell * (k_hi == OUTLET)
            fix_lo = lo_cell * (k_lo == INLET) * _face_slab(fc.velocity[(c, 0)][..., c], c)
            fix_hi = hi_cell * (k_hi == INLET) * _face_slab(fc.velocity[(c, 1)][..., c], c)
        fr = np.concatenate([f_lo, inner, f_hi], axis=c)
        free.append(fr)
        fixed.append(np.concatenate([fix_lo, np.zeros_like(inner), fix_hi], axis=c))
        blocked = np.concatenate([np.zeros_like(f_lo), 1.0 - inner, np.zeros_like(f_hi)], axis=c)
        nb = []
        for a in range(3):
            if a == c:
                nb.append(None)
                continue
            zero = np.zeros_like(np.take(blocked, [0], axis=a))
            m = blocked.shape[a]
            lo = np.concatenate([zero, np.take(blocked, range(0, m - 1), axis=a)], axis=a)
            hi = np.concatenate([np.take(blocked, range(1, m), axis=a), zero], axis=a)
            nb.append((lo, hi))
        wall_nb.append(tuple(nb))
        ghosts.append(tuple(
            None if fc.periodic[a] else (velocity_ghosts(fc, c, a, 0), velocity_ghosts(fc, c, a, 1))
            for a in range(3)))
    active = []
    for a in range(3):
        mirror = fc.periodic[a] or all((fc.kind[(a, s)] == SLIP).all() for s in (0, 1))
        active.append(grid.cells[a] > 1 or not mirror)
    return FlowModel(geo, fc, tuple(free), tuple(fixed), tuple(wall_nb), tuple(ghosts), tuple(active))
