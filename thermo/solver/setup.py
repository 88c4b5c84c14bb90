"""A case's compile-time settings and device parameters, from its models on the grid."""
from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np

from thermo.kernels import turbulence as turb
from thermo.solver import kepsilon, walls
from thermo.kernels.multigrid import build_hierarchy
from thermo.meshes import Grid
from thermo.grid.boundaries import INLET, WALL
from thermo.solver.numerics import ACCUMULATE, TINY
from thermo.solver.state import LinearSolve, Params, Settings
from thermo.solver.dual import BDF2_LEAD
from thermo.solver.steady import pseudo_steps


def velocity_scale(sim, body: np.ndarray, gravity: np.ndarray, l_ref: float, u_bc: tuple) -> float:
    """The velocity scale of the residuals (m/s): boundaries, parts, initial field,
    body force (viscous balance, or turbulent with a closure), buoyancy (free fall),
    and the diffusive velocities nu/L and alpha/L."""
    d, fluid, th = sim.case.data, sim.case.fluid, sim.thermal
    nu = fluid.viscosity / fluid.density
    alpha = fluid.conductivity / (fluid.density * fluid.specific_heat)
    scales = [max(max(u_bc), sim.air.speed), float(np.linalg.norm(d["fluid"]["initial_velocity"])),
              float(np.abs(body).max()) * l_ref ** 2 / max(nu, TINY),
              nu / l_ref, alpha / l_ref]
    if d["physics"]["buoyancy"]:
        scales.append(float(np.sqrt(np.linalg.norm(gravity) * th.expansion * th.temperature_span
                                    * l_ref)))
    if sim.closure is not None:
        # a turbulent body-force balance, not a viscous one: the friction
        # velocity u_tau^2 ~ g L / 2 and U ~ u_tau / sqrt(Cf / 2) ~ 15 sqrt(g L)
        scales[2] = min(scales[2], 15.0 * float(np.sqrt(np.abs(body).max() * l_ref)))
    return max(max(scales), TINY)


def grid_spacing(grid: Grid) -> tuple:
    """The settings' spacing per axis (see :mod:`thermo.kernels.spacing`): the
    uniform grid's widths, or on a graded grid every axis's cell widths (its
    uniform axes too: the graded terms then hold on every axis)."""
    if grid.is_uniform:
        return tuple(grid.spacing)
    return tuple(tuple(float(x) for x in grid.widths(a)) for a in range(3))


def solves(solver: dict) -> dict[str, LinearSolve]:
    """Each linear solve's tolerance and iteration cap from the case's solver section."""
    return {name: LinearSolve(float(solver[f"{key}_tolerance"]), int(solver[f"{key}_max_iterations"]))
            for name, key in (("pressure", "pressure"), ("viscous", "viscous"),
                              ("conduction", "energy"))}


def build_settings(sim, parts: tuple) -> tuple[Settings, np.ndarray, np.ndarray]:
    """The compile-time settings of ``sim``'s case; and the body force and gravity."""
    d, m, th = sim.case.data, sim.model, sim.thermal
    s = d["solver"]
    u_bc = tuple(float(x) for x in m.faces.max_speed())
    l_ref = max(d["domain"]["size"][a] for a in range(3) if m.active[a])
    body = np.asarray(d["physics"]["body_force"], dtype=float)
    g = np.asarray(d["domain"]["gravity"], dtype=float)
    steady = s["mode"] == "steady"
    buoyancy = d["physics"]["buoyancy"]
    hot_air = any(t["power"] > 0 or t["kind"] == "crah" for t in sim.air.throughflow)
    energy = bool(buoyancy or th.power.any() or sim.coldplates is not None or hot_air or any(
        b.get(key) is not None for b in d["boundaries"]
        for key in ("temperature", "heat_flux", "htc")))
    u_scale = velocity_scale(sim, body, g, l_ref, u_bc)
    table = sim.case.material(d["fluid"]["material"]).table
    # fluid parts (a second fluid): constant per-material properties per cell
    multi_fluid = any(p["kind"] == "fluid" for p in d["parts"])
    nu_of_T = bool(energy and table is not None and len({r[2] for r in table}) > 1
                   and not multi_fluid)
    fluid = sim.case.fluid
    settings = Settings(
        h=grid_spacing(sim.grid), periodic=m.faces.periodic, active=m.active,
        nu=fluid.viscosity / fluid.density, cfl=s["cfl"], dt_fixed=s["dt"], steady=steady,
        end_time=s["end_time"], tolerance=s["tolerance"], **solves(s), u_bc=u_bc,
        u_ref=float(u_scale), l_ref=float(l_ref), singular=m.singular, energy=energy,
        buoyancy=buoyancy, theta=1.0 if steady else 0.5, rho_cp=th.fluid_capacity,
        beta=th.expansion, t_ref=th.reference_temperature, t_span=th.temperature_span,
        time_ref=float(l_ref / u_scale), turbulence=sim.closure, nu_of_T=nu_of_T,
        parts=parts, n_regions=sim.n_regions, multi_fluid=multi_fluid,
        accumulate=ACCUMULATE[s["precision"]])
    if s["scheme"] == "implicit":
        cell, _ = pseudo_steps(settings.h, sim.grid.cells, m.active, s["pseudo_cfl"], u_scale)
        settings = replace(settings, implicit=True, dtau_max=float(cell.max()))
        if steady and s["damping"] > 0.0:
            settings = replace(settings, damping=float(s["damping"]),
                               damping_rate=1.0 / float(s["damping_width"]))
        if not steady:  # implicit time steps: the steady scheme's iterations within each
            settings = replace(settings, dual=True, outer_iterations=s["outer_iterations"],
                               outer_tolerance=s["outer_tolerance"])
    return settings, body, g


def build_params(sim, body: np.ndarray, gravity: np.ndarray) -> Params:
    """The device arrays of ``sim``'s case in its dtype (converted on the host: an
    eager device conversion compiles per shape)."""
    m, th, dt, cfg = sim.model, sim.thermal, sim.dtype, sim.settings
    arr = lambda x: jnp.asarray(np.asarray(x, dtype=dt))
    tri = lambda g: None if g is None else tuple(tuple(arr(v) for v in side) for side in g)
    parts = {"air": air_params(sim.air.params, arr)}
    if sim.coldplates is not None:
        parts["liquid"] = sim.coldplates.params(dt)
    dtau = {}
    if cfg.implicit:
        # the projection of the steady iterations: div(d grad phi) with SIMPLEC's d = dtau /
        # (1 + dtau drag) per face; the hierarchy from the drag at the velocity scale (the
        # step scales its fine level to the drag of the moment)
        cell, faces = pseudo_steps(cfg.h, sim.grid.cells, m.active,
                                   sim.case.data["solver"]["pseudo_cfl"], cfg.u_ref)
        proj = [np.asarray(f, dtype=float) for f in faces]
        for model in (x for x in cfg.parts if x.drags):
            u_ref = tuple(jnp.full(f.shape, cfg.u_ref, dt) for f in faces)
            for c in range(3):
                drag = model.drag(u_ref, parts[model.key], c)
                if drag is not None:
                    proj[c] = proj[c] / (1.0 + proj[c] * np.asarray(drag, dtype=float))
        if cfg.dual:  # the time derivative's diagonal as a drag: BDF2's 3 / (2 dt)
            proj = [f / (1.0 + f * BDF2_LEAD / cfg.dt_fixed) for f in proj]
        dtau = {"dtau_cell": arr(cell), "dtau": tuple(arr(f) for f in faces),
                "dtau_proj": tuple(arr(f) for f in proj)}
        levels = build_hierarchy([arr(f * t) for f, t in zip(m.free, proj)], cfg.h,
                                 m.faces.periodic, coarse_space=True)
    else:
        levels = build_hierarchy([arr(f) for f in m.free], cfg.h, m.faces.periodic,
                                 coarse_space=True)
    t_levels = build_hierarchy([arr(c) for c in th.conductance], cfg.h, m.faces.periodic)
    capacity = th.capacity.copy()
    if cfg.steady:
        # steady answers do not depend on the solids' heat capacity: drop it so
        # that conduction in solids settles at once instead of over minutes
        capacity[~m.geometry.fluid] = 0.0
    # throughflow cells are overwritten with their exhaust temperature each step and
    # conduct nothing: any capacity keeps their rows of the solve regular
    capacity[sim.air.params.tf_cell >= 0] = th.fluid_capacity
    return Params(
        free=tuple(arr(f) for f in m.free), fixed=tuple(arr(f) for f in m.fixed),
        wall_nb=tuple(tuple(None if x is None else (arr(x[0]), arr(x[1])) for x in nb)
                      for nb in m.wall_nb),
        ghosts=tuple(tuple(tri(g) for g in gc) for gc in m.ghosts),
        ghosts_hom=tuple(tuple(None if g is None else tuple(
            (arr(side[0]), arr(side[1]), arr(0 * side[2])) for side in g) for g in gc)
            for gc in m.ghosts),
        implicit=tuple(arr(implicit_mask(m, c)) for c in range(3)),
        levels=levels, body=arr(body), capacity=arr(capacity), t_levels=t_levels,
        t_coeffs=tuple(arr(c) for c in th.conductance),
        t_source=arr(th.source), t_ghosts=tuple(tri(g) for g in th.ghosts),
        gravity=arr(gravity), parts=parts,
        regions=None if sim.regions is None else jnp.asarray(sim.regions),
        **viscosity_params(sim, arr), **dtau)


def air_params(params, arr):
    """The compact air parts' arrays: integers stay integers, the rest in the dtype."""
    def conv(x):
        x = np.asarray(x)
        return jnp.asarray(x) if x.dtype.kind in "iub" else arr(x)
    return jax.tree_util.tree_map(conv, params)


def viscosity_params(sim, arr) -> dict:
    """Params for variable viscosity: the drag hook (zeros), and what the closures
    and the T-dependent viscosity read."""
    m, cfg, case = sim.model, sim.settings, sim.case
    out = {"drag": tuple(arr(np.zeros_like(f)) for f in m.free)}
    if cfg.nu_of_T:
        table = np.asarray(case.material(case.data["fluid"]["material"]).table)
        out["visc_T"] = arr(table[:, 0])
        out["visc_log_nu"] = arr(np.log(table[:, 2] / case.fluid.density))
    if cfg.multi_fluid:
        geo = m.geometry
        mats = [case.fluid] + [case.material(n) for n in geo.materials[1:]]
        nu = np.array([x.viscosity / x.density if x.is_fluid else 0.0 for x in mats])
        beta = np.array([(x.expansion or 0.0) if x.is_fluid else 0.0 for x in mats])
        fluid = geo.fluid
        # solid cells: the main fluid's values (only fluid cells enter the edges)
        out["nu_cell"] = arr(np.where(fluid, nu[geo.material_id], cfg.nu))
        out["beta_cell"] = arr(np.where(fluid, beta[geo.material_id], 0.0))
        # solids (servers' throughflow cells included) as with one fluid
        out["rho_cp_cell"] = arr(np.where(fluid, sim.thermal.capacity, sim.thermal.fluid_capacity))
        out["fluid"] = arr(fluid.astype(float))
    if cfg.turbulence is not None:
        fluid = m.geometry.fluid
        out["fluid"] = arr(fluid.astype(float))
        # no wall at all (fully periodic): the largest extent bounds the length
        dist = np.minimum(wall_distance(m), max(sim.grid.size))
        out["wall_dist"] = arr(dist)
        out.update({k: arr(v) for k, v in
                    cfg.turbulence.host_params(dist, fluid, case.data["physics"]).items()})
        blocked = []
        for c in range(3):
            pad = [(1, 1) if a == c else (0, 0) for a in range(3)]
            solid = np.pad(~fluid, pad)  # nothing solid beyond the boundary
            n = solid.shape[c]
            blocked.append(arr(np.take(solid, range(0, n - 1), axis=c)
                               | np.take(solid, range(1, n), axis=c)))
        out["blocked"] = tuple(blocked)
        if cfg.turbulence.wall_functions:
            out["walls"] = walls.host_params(sim, arr)
        if cfg.turbulence.transported:
            # the two-layer treatment's distance: to walls only (an inlet is no wall)
            out["keps"] = kepsilon.host_params(
                sim, arr, np.minimum(wall_distance(m, inlets=False), max(sim.grid.size)))
    return out


def wall_distance(model, inlets: bool = True) -> np.ndarray:
    """Distance (m) from each cell centre to the nearest solid surface, wall or
    (``inlets``) inlet boundary face (infinite without any)."""
    fc = model.faces
    walls = {key: (k == WALL) | (inlets & (k == INLET)) for key, k in fc.kind.items()
             if not fc.periodic[key[0]] and model.active[key[0]]}
    grid = model.geometry.grid
    # a graded grid: every axis's cell widths (the exact transform on true centres)
    spacing = grid.spacing if grid.is_uniform else grid_spacing(grid)
    return turb.wall_distance(~model.geometry.fluid, spacing, walls, fc.periodic)


def implicit_mask(model, c: int) -> np.ndarray:
    """Faces of component ``c`` the implicit viscous solve updates (free, and on a
    periodic axis not the last face, which repeats the first)."""
    mask = model.free[c].copy()
    if model.faces.periodic[c]:
        idx = [slice(None)] * 3
        idx[c] = -1
        mask[tuple(idx)] = 0.0
    return mask
