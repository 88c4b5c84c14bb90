"""The energy equation's fields on the grid: heat capacity, face conductances,
sources, and the thermal boundary conditions.

A part's ``contacts`` (thin interface layers: a TIM, a bond line) add an
impedance R'' (K m2/W) in series on the grid faces between its cells and the
matched part's: a face of conductivity k_f over centre distance d conducts
``d / (d / k_f + R'')``.

Face conductivity between two cells is the harmonic mean of theirs, so a
copper-air interface needs no special coupling. A boundary face with a fixed
temperature (a wall's ``temperature`` or an inlet's air temperature) conducts
through half a cell; a convective face (``htc`` + ``ambient``) adds the film
resistance in series; a ``heat_flux`` face injects its flux. These enter the
implicit conduction operator as a face coefficient plus a fixed source.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermo.case import THROUGHFLOW_KINDS, Case, CaseError
from thermo.case.contacts import contact_pairs
from thermo.grid.model import FlowModel

SMALLEST_HTC = 1e-300  # W/(m2 K): an htc of 0 is an adiabatic face, not a division by zero


@dataclass(frozen=True)
class ThermalModel:
    capacity: np.ndarray     # rho * cp per cell, J/(m3 K)
    conductivity: np.ndarray # per cell, W/(m K) (the scalar value of each material)
    conductivity_axes: tuple # per axis, per cell, W/(m K) (anisotropic solids such as FR4)
    conductance: tuple       # per axis, face coefficients (W/(m K)); boundary = fixed-T faces
    source: np.ndarray       # W/m3: part powers + fixed boundary terms
    power: np.ndarray        # W/m3 from parts alone
    boundary_value: tuple    # per axis: (lo, hi) face temperatures (C) where conductance > 0
    boundary_flux: tuple     # per axis: (lo, hi) imposed heat flux into the domain (W/m2)
    ghosts: tuple            # per axis: ((a, b, g) lo, (a, b, g) hi) for advection, None if periodic
    fluid_capacity: float    # rho * cp of the fluid, J/(m3 K)
    expansion: float         # 1/K
    reference_temperature: float
    temperature_span: float  # K, a scale for residuals: spread of fixed temperatures
    # per part contact: {"part", "with", "impedance" (K m2/W), "area_m2", "faces": per axis
    # +1/-1/0 on the inner faces, the sign the way from the part to the matched one}
    contacts: tuple = ()


def _harmonic(k1, k2, w1=None, w2=None):
    """Face conductivity (W/(m K)) between cells of conductivities k1, k2: the two half
    cells in series, ``(w1 + w2) / (w1 / k1 + w2 / k2)`` for widths w1, w2 (m) along
    the axis (the plain harmonic mean on equal cells, ``w1 = w2 = None``)."""
    if w1 is None:
        return 2.0 * k1 * k2 / np.where(k1 + k2 > 0, k1 + k2, 1.0)  # sealed cells have k = 0
    den = w1 * k2 + w2 * k1
    return (w1 + w2) * k1 * k2 / np.where(den > 0, den, 1.0)


def _contact_faces(case: Case, geo) -> list[dict]:
    """Each part contact's faces: per axis, on the inner faces (between cells i and i + 1
    along it), +1 where cell i is one of the part's own copies and cell i + 1 a matched
    copy (other than itself), -1 the other way round, 0 elsewhere. A contact
    with no such face is refused (CaseError): its parts do not touch on this grid."""
    pairs = contact_pairs(case.data["parts"])
    if not pairs:
        return []
    src = case.path.name if case.path else "<dict>"
    index = {inst["name"]: j for j, inst in enumerate(geo.instances)}
    owner = geo.owner
    n = geo.grid.cells
    out = []
    for c in pairs:
        own = np.array([index[x] for x in c["own"] if x in index], dtype=int)
        other = np.array([index[x] for x in c["with"] if x in index], dtype=int)
        faces = []
        for a in range(3):
            lo = np.take(owner, range(n[a] - 1), axis=a)
            hi = np.take(owner, range(1, n[a]), axis=a)
            ahead = np.isin(lo, own) & np.isin(hi, other) & (lo != hi)
            behind = np.isin(lo, other) & np.isin(hi, own) & (lo != hi)
            faces.append(ahead.astype(np.int8) - behind.astype(np.int8))
        if not any(f.any() for f in faces):
            built = case.data.get("geometry", {}).get("part_count", 0)  # a builder's first
            i = c["part"]
            key = (f"geometry.parts[{i}]" if i < built else f"parts[{i - built}]") \
                + f".contacts[{c['index']}]"
            raise CaseError(src, key, f"the contact of {c['name']!r} with {c['pattern']!r} "
                            "finds no grid face between the two parts' cells: they do not touch "
                            "on this grid (or a part owns no cell: thinner than a cell or "
                            "covered by later parts)",
                            "a `with` that names a part sharing a face with this one (boxes that "
                            "meet), or a grid that resolves both")
        out.append({"part": c["name"], "with": c["pattern"], "impedance": c["impedance"],
                    "faces": faces})
    return out


def _throughflow_cells(case: Case, geo) -> np.ndarray:
    kinds = np.array([inst.get("kind") in THROUGHFLOW_KINDS for inst in geo.instances] + [False])
    return kinds[geo.owner] & ~geo.fluid  # owner -1 picks the trailing False


def build_thermal_model(case: Case, flow: FlowModel) -> ThermalModel:
    d = case.data
    geo = flow.geometry
    grid = geo.grid
    fluid = case.fluid
    rho_cp = np.empty(grid.cells)
    k_scalar = np.empty(grid.cells)
    k_axes = [np.empty(grid.cells) for _ in range(3)]
    mats = [fluid] + [case.material(name) for name in geo.materials[1:]]
    for i, m in enumerate(mats):
        sel = geo.material_id == i
        rho_cp[sel] = m.density * m.specific_heat
        k_scalar[sel] = m.conductivity
        for a, ka in enumerate(m.conductivity_axes()):
            k_axes[a][sel] = ka
    # throughflow parts (servers, fixed fans, CRAHs) are not resolved inside: their heat
    # leaves with the air, so they conduct nothing to their surroundings
    sealed = _throughflow_cells(case, geo)
    k_scalar[sealed] = 0.0
    for a in range(3):
        k_axes[a][sealed] = 0.0
    power = geo.power_density
    source = power.copy()
    t_init = d["fluid"]["initial_temperature"]
    fixed_temps = [t_init]
    conductance, bvalue, bflux, ghosts = [], [], [], []
    contacts = _contact_faces(case, geo)
    for a in range(3):
        n = grid.cells[a]
        w = grid.widths(a).reshape([-1 if b == a else 1 for b in range(3)])
        # uniform: the one spacing (and the plain harmonic mean, bit for bit as before)
        w_lo, w_hi, w_in = (None, None, None) if grid.is_uniform else (
            float(w.ravel()[0]), float(w.ravel()[-1]), w)
        k = k_axes[a]
        inner = _harmonic(np.take(k, range(n - 1), axis=a), np.take(k, range(1, n), axis=a),
                          None if w_in is None else np.take(w, range(n - 1), axis=a),
                          None if w_in is None else np.take(w, range(1, n), axis=a))
        if contacts:
            centres = grid.spacing[a] if w_in is None else (
                np.take(w, range(n - 1), axis=a) + np.take(w, range(1, n), axis=a)) / 2
            inner = _with_contacts(inner, [(c["faces"][a], c["impedance"]) for c in contacts],
                                   centres)
        sides, values, fluxes, gh = [], [], [], []
        for side in (0, 1):
            k_cell = np.take(k, [0 if side == 0 else n - 1], axis=a)
            coef = np.zeros_like(k_cell)
            value = np.zeros_like(k_cell)
            flux = np.zeros_like(k_cell)
            alpha, beta, gamma = np.ones_like(k_cell), np.zeros_like(k_cell), np.zeros_like(k_cell)
            # the end cell's width: a boundary face is half of it from the centre
            h = grid.spacing[a] if w_lo is None else (w_lo if side == 0 else w_hi)
            if flow.faces.periodic[a]:
                coef = _harmonic(np.take(k, [0], axis=a), np.take(k, [n - 1], axis=a), w_lo, w_hi)
                sides.append(coef)
                values.append(value)
                fluxes.append(flux)
                continue
            key = (a, side)
            owner = np.expand_dims(flow.faces.owner[key], a)
            for index, b in enumerate(d["boundaries"]):
                m = owner == index
                if not m.any():
                    continue
                temp = b.get("temperature")
                if b["flow"] == "inlet" and temp is None:
                    temp = t_init
                if temp is not None:
                    coef[m] = k_cell[m]
                    value[m] = temp
                    fixed_temps.append(temp)
                elif b.get("htc") is not None:
                    coef[m] = (h / 2) / (1.0 / max(b["htc"], SMALLEST_HTC) + h / (2 * k_cell[m]))
                    value[m] = b["ambient"]
                    fixed_temps.append(b["ambient"])
                elif b.get("heat_flux") is not None:
                    flux[m] = b["heat_flux"]
                if b["flow"] == "inlet":
                    alpha[m], gamma[m] = 0.0, temp
                elif b["flow"] == "outlet":
                    alpha[m], beta[m] = 0.0, 1.0
            # fixed face temperature half a cell away, and imposed fluxes, per volume
            src = 2.0 * coef * value / h ** 2 + flux / h
            cell = [slice(None)] * 3
            cell[a] = slice(0, 1) if side == 0 else slice(n - 1, n)
            source[tuple(cell)] += src
            sides.append(coef)
            values.append(value)
            fluxes.append(flux)
            gh.append((alpha, beta, gamma))
        conductance.append(np.concatenate([sides[0], inner, sides[1]], axis=a))
        bvalue.append(tuple(values))
        bflux.append(tuple(fluxes))
        ghosts.append(None if flow.faces.periodic[a] else tuple(gh))
    span = max(fixed_temps) - min(fixed_temps)
    return ThermalModel(
        capacity=rho_cp, conductivity=k_scalar, conductivity_axes=tuple(k_axes), conductance=tuple(conductance), source=source,
        power=power, boundary_value=tuple(bvalue), boundary_flux=tuple(bflux),
        ghosts=tuple(ghosts), fluid_capacity=fluid.density * fluid.specific_heat,
        expansion=fluid.expansion or 0.0, reference_temperature=d["fluid"]["reference_temperature"],
        temperature_span=max(span, 1e-3),
        contacts=tuple(dict(c, area_m2=_contact_area(grid, c["faces"])) for c in contacts))


def _with_contacts(inner: np.ndarray, contacts: list, d) -> np.ndarray:
    """Inner face conductivities (W/(m K)) with each contact's impedance R'' (K m2/W) in
    series on its faces: ``d / (d / k_f + R'')``, d (m) the distance between the two
    cells' centres. Faces of R'' = 0 keep k_f exactly."""
    r = np.zeros_like(inner)
    for faces, impedance in contacts:
        r = np.where(faces != 0, r + impedance, r)
    d = np.broadcast_to(d, inner.shape)
    k = np.where(inner > 0, inner, 1.0)
    return np.where((r > 0) & (inner > 0), d / (d / k + r), inner)


def _contact_area(grid, faces: list) -> float:
    """m2: the area of the masked inner faces, per axis the cross-section of the cells."""
    area = 0.0
    for a, f in enumerate(faces):
        if not f.any():
            continue
        dims = [grid.widths(b).reshape([-1 if c == b else 1 for c in range(3)])
                for b in range(3) if b != a]
        area += float(np.sum(np.where(f != 0, dims[0] * dims[1], 0.0)))
    return area
