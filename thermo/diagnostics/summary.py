"""The ``summary.json`` numbers of a run: boundary heat and mass flows, the energy
balance, parts, fluid extremes, and the part models' own sections."""
from __future__ import annotations

from functools import partial

import jax
import numpy as np

from thermo.devices import describe
from thermo.grid.boundaries import FACES
from thermo.kernels.energy import van_leer_faces
from thermo.kernels.spacing import is_uniform
from thermo.kernels.stencils import pad, shift
from thermo.diagnostics.air import air_summary
from thermo.diagnostics.blades import blade_channels
from thermo.diagnostics.coldplates import plates_summary
from thermo.diagnostics.contacts import contact_summary
from thermo.diagnostics.heatsinks import heat_sink_summary
from thermo.diagnostics.metrics import recirculation_summary
from thermo.diagnostics.walls import wall_summary
from thermo.models.junction import junction_summary
from thermo.models.liquid import coolant_flow
from thermo.solver import Simulation, State
from thermo.solver.walls import has_wall_functions, heat_conductance

SMALLEST_HEAT_W = 1e-300  # the balance's scale when every heat term is zero


def summarise(sim: Simulation, state: State, info) -> dict:
    """The contract's ``summary.json`` numbers for a finished run."""
    d = sim.case.data
    grid = sim.grid
    fields = sim.cell_fields(state)
    T, U = fields["T"], fields["U"]
    if sim.settings.accumulate:  # "mixed": the parts' mean temperatures summed in float64
        T = T.astype(sim.settings.accumulate)
    geo = sim.model.geometry
    fluid = geo.fluid
    bounds = {}
    fc = sim.model.faces
    th = sim.thermal
    heat = boundary_heat(sim, state)
    rho = cell_density(sim)
    for i, b in enumerate(d["boundaries"]):
        a, side = FACES[b["face"]]
        n = grid.cells[a]
        un = np.asarray(shift(state.u[a], a, 0 if side == 0 else n, 1)).squeeze(a)
        tn = np.take(T, 0 if side == 0 else n - 1, axis=a)
        owned = fc.owner[(a, side)] == i
        inflow = (1.0 if side == 0 else -1.0) * un
        fixed = th.conductance[a].take([0 if side == 0 else n], axis=a).squeeze(a) > 0
        face_t = np.where(fixed, th.boundary_value[a][side].squeeze(a), tn)
        bounds[b["name"]] = {
            "heat_w": float(heat[(a, side)][owned].sum()) if owned.any() else 0.0,
            "mass_flow_kg_s": _face_sum(np.take(rho, 0 if side == 0 else n - 1, axis=a) * inflow,
                                        owned, grid, a),
            "mean_temperature_c": float(face_t[owned].mean()) if owned.any() else float("nan"),
        }
    volumes = grid.cell_volumes()
    # a uniform grid keeps its sum-then-scale (the same bits as before graded grids)
    sources = float(th.power.sum() * grid.cell_volume) if grid.is_uniform else float(
        np.sum(th.power * volumes))
    default_heat = sum(float(heat[k][fc.owner[k] < 0].sum()) for k in heat)
    terms = [v["heat_w"] for v in bounds.values()] + [sources, default_heat]
    air = air_summary(sim, state)  # {} without servers, fans or CRAHs
    if air:
        # servers' heat reaches the air through their exhaust, CRAHs take it out
        terms += air.pop("heat_terms_w")
        sources += sum(t["power"] for t in sim.air.throughflow if t["kind"] == "server")
    liquid = plates_summary(sim, state, air_w=sources - sum(terms))  # {} without cold plates
    terms += [-liquid["liquid"]["heat_w"]] if liquid else []  # the coolant's heat leaves the domain
    scale = max(max(abs(x) for x in terms), SMALLEST_HEAT_W)
    imbalance = abs(sum(terms)) / scale
    parts = {}
    for i, inst in enumerate(geo.instances):
        m = geo.owner == i
        parts[inst["name"]] = {
            "power_w": inst["power"],
            "material": inst["material"],
            "cells": int(m.sum()),
            "volume_m3": float(m.sum() * grid.cell_volume) if grid.is_uniform else float(volumes[m].sum()),
            "max_temperature_c": float(T[m].max()) if m.any() else float("nan"),
            "mean_temperature_c": (float(T[m].mean()) if grid.is_uniform else
                                   float(np.average(T[m], weights=volumes[m]))) if m.any()
            else float("nan"),  # a graded grid: by volume
        }
    speed = np.linalg.norm(U, axis=-1)
    sinks = heat_sink_summary(sim, state)
    sinks = {"heat_sinks": sinks} if sinks else {}
    # racks (servers) and CRAHs: the recirculation index, RTI against all the units
    recirculation = recirculation_summary(air.get("servers", {}), air.get("cooling_units", {}))
    recirculation = {"recirculation": recirculation} if recirculation else {}
    return {
        "case": sim.case.name,
        "converged": info.status in ("converged", "finished"),
        "status": info.status,
        "steps": info.steps,
        "simulated_time_s": info.simulated_time,
        "wall_time_s": info.wall_time,
        "compile_time_s": info.compile_time,
        "cells": grid.ncells,
        "backend": sim.device.platform,  # the platform the run used (solver.backend)
        "device": describe(sim.device),
        "precision": d["solver"]["precision"],
        "heat_sources_w": sources,
        "energy_imbalance": imbalance if sim.settings.energy else 0.0,
        # W: what the fields store per second now (sources + boundary heat), and the
        # largest term, the balance's scale
        "net_heat_w": float(sum(terms)) if sim.settings.energy else 0.0,
        "largest_heat_term_w": float(scale) if sim.settings.energy else 0.0,
        "residuals": {"momentum": info.res_mom, "continuity": info.res_div,
                      "energy": info.res_energy},
        "pressure_iterations_per_step": info.pressure_iterations,
        "energy_iterations_per_step": info.energy_iterations,
        "viscous_iterations_per_step": info.viscous_iterations,
        # an implicit transient: the steady scheme's iterations per time step
        **({"outer_iterations_per_step": float(state.history[3]) / max(info.steps, 1)}
           if sim.settings.dual else {}),
        "boundaries": bounds,
        "parts": parts,
        "fluid": {
            "max_temperature_c": float(T[fluid].max()) if fluid.any() else float("nan"),
            "min_temperature_c": float(T[fluid].min()) if fluid.any() else float("nan"),
            "max_speed_m_s": float(speed[fluid].max()) if fluid.any() else 0.0,
        },
    } | liquid | air | coolant_flow(sim, state) | wall_summary(sim, state) | sinks | recirculation \
        | blade_channels(sim, state) \
        | junction_summary(sim, state) | contact_summary(sim, state)


def _face_sum(per_area: np.ndarray, owned: np.ndarray, grid, a: int) -> float:
    """The integral over the ``owned`` faces normal to axis ``a`` of ``per_area`` (per m2):
    sum then scale on a uniform grid (as before graded grids), face by face otherwise."""
    if grid.is_uniform:
        return float(np.sum(per_area[owned]) * grid.face_areas(a)[0, 0])
    return float(np.sum((per_area * grid.face_areas(a))[owned]))


def cell_density(sim: Simulation) -> np.ndarray:
    """Density (kg/m3) of each cell's fluid: a fluid part's own material, the case's
    fluid elsewhere (solids included: no flow crosses their faces)."""
    geo = sim.model.geometry
    mats = [sim.case.fluid] + [sim.case.material(n) for n in geo.materials[1:]]
    rho = np.array([m.density for m in mats])[geo.material_id]
    return np.where(geo.fluid, rho, sim.case.fluid.density)


@partial(jax.jit, static_argnums=(3, 4))
def boundary_face_values(T, u_a, ghosts, a: int, h_a=None):
    """Van Leer face values of T along axis ``a`` (``h_a``: a graded axis's widths,
    None on a uniform one), as the energy step advects them."""
    # one compiled call: op by op, each operation would compile for every new grid
    padded = pad(T, a, *ghosts, normal=False, periodic=False)
    if h_a is None:
        return van_leer_faces(padded, u_a, a)
    return van_leer_faces(padded, u_a, a, h_a=h_a, periodic=False)


def wall_conductance(sim: Simulation, state: State):
    """Per axis, what the wall functions add to each face's conductance (W/(m2 K), NumPy,
    None for an inactive axis); None without wall functions."""
    if not has_wall_functions(sim.settings):
        return None
    out = _wall_conductance(state.u, state.T, sim.params, sim.settings)
    return [None if x is None else np.asarray(x) for x in out]


@partial(jax.jit, static_argnums=(3,))
def _wall_conductance(u, T, prm, cfg):
    return heat_conductance(u, T, prm, cfg)


def boundary_heat(sim: Simulation, state: State) -> dict:
    """Heat flow (W) into the domain through each boundary face cell, keyed by
    ``(axis, side)``: conduction through fixed-temperature and convective faces,
    imposed fluxes, and advection (rho cp u T, T in C) through open faces."""
    grid, th, cfg = sim.grid, sim.thermal, sim.settings
    T = np.asarray(state.T)
    # rho cp of the fluid that crosses each boundary face: the boundary cell's own
    capacity = np.where(sim.model.geometry.fluid, th.capacity, th.fluid_capacity)
    extra = wall_conductance(sim, state)  # None without wall functions
    out = {}
    for a in range(3):
        if cfg.periodic[a]:
            for side in (0, 1):
                out[(a, side)] = np.zeros(np.take(T, 0, axis=a).shape)
            continue
        n, w = grid.cells[a], grid.widths(a)
        area = grid.face_areas(a)
        ghosts = tuple(tuple(np.asarray(x) for x in g) for g in th.ghosts[a])
        faces_t = np.asarray(boundary_face_values(state.T, state.u[a], ghosts, a,
                                                  None if is_uniform(cfg.h[a]) else cfg.h[a]))
        u = np.asarray(state.u[a])
        for side in (0, 1):
            idx = 0 if side == 0 else n
            cell = np.take(T, 0 if side == 0 else n - 1, axis=a)
            coef = th.conductance[a].take([idx], axis=a).squeeze(a)
            value = th.boundary_value[a][side].squeeze(a)
            flux = th.boundary_flux[a][side].squeeze(a)
            sign = 1.0 if side == 0 else -1.0
            h = w[0] if side == 0 else w[-1]  # the end cell: the face is half of it away
            conduction = coef * 2.0 * (value - cell) / h + flux
            if extra is not None and extra[a] is not None:  # the wall function's share
                conduction = conduction + np.take(extra[a], idx, axis=a) * (value - cell)
            rho_cp = np.take(capacity, 0 if side == 0 else n - 1, axis=a)
            advection = sign * rho_cp * np.take(u, idx, axis=a) * np.take(faces_t, idx, axis=a)
            out[(a, side)] = (conduction + advection) * area
    return out
