"""``summary.json``'s ``walls``: per wall boundary and per part, the ``y+`` of the first
fluid cells and the heat transfer coefficient the wall treatment gives them, and
warnings where ``y+`` lies outside what the treatment is good for.

``y+`` is half the first cell's width across the wall in wall units, ``y u_tau /
nu`` with ``u_tau`` from Spalding's law at the cell's speed parallel to the wall
(as the wall functions take it). ``htc_w_m2k`` is the conductance from the wall
surface to the first cell's centre, area-weighted over the wall's conducting faces
(servers and other sealed throughflow parts conduct nothing): ``k G / y`` with the
wall function's ``G = Pr y+ / T+`` (:mod:`thermo.solver.walls`), or the molecular
``k / y`` for closures that resolve the wall. With a transported k (the k-epsilon
models) each wall also gets ``y_star_mean`` and ``y_star_max``, ``C_mu^1/4 k^1/2 y /
nu`` of its first cells, the coordinate by which those models choose between the
two-layer treatment and the wall functions, and ``two_layer_fraction``, the share of
its area whose first cells the two-layer treatment resolves (y* at most 3.4).

With wall functions, each powered part (and each part touching one) also gets
``y_over_delta``, its first cells' centre distance over the thickness of a boundary
layer grown from each face's leading edge along the stream
(:func:`boundary_layer_thickness`), area-weighted over its faces, and
``wall_heat_fraction``, the share of its heat that leaves through those walls. Wall
functions assume the first cell lies in the layer's log region; a short part's
layer is thinner than a cell of 1-2 mm, and where such a part loses its heat to
the air the summary warns.
"""
from __future__ import annotations

from functools import partial

import jax
import numpy as np

from thermo.case import THROUGHFLOW_KINDS
from thermo.grid.boundaries import WALL
from thermo.kernels.turbulence import t_plus
from thermo.models.turbulence import PRANDTL_TURBULENT, RESOLVED_FULL
from thermo.solver import Simulation, State
from thermo.solver.viscosity import molecular_nu
from thermo.solver.walls import has_wall_functions, wall_coordinates

#: the log layer, where wall functions are exact; above it the first cell is too coarse
LOG_LAYER_TOP = 300.0
#: a closure that resolves the wall needs its first cell centre in the viscous sublayer
RESOLVED_TOP = 5.0
#: the k-epsilon models switch from the two-layer treatment (first cells below y* 3.5,
#: the k-based wall coordinate) to the wall functions there; near the switch the
#: channel's Cf is up to 5-9 % off. Judged by the walls' mean y*, as the models judge
K_EPSILON_SWITCH = (3.0, 5.0)
DEFAULT_WALLS = "default walls"
#: a part whose walls the two-layer treatment resolves over this share of their area
#: or more, but not all, is warned as resolved in part (below it, by the walls' mean
#: y*, the leading-edge check judges it as a wall-function wall)
PARTLY_RESOLVED = 0.5
#: the log region of a boundary layer reaches about 0.2 of its thickness; above a
#: tenth the first cell's centre no longer lies in it. Measured on the 2-D cut of
#: cht-server (benchmarks/rib_wall_laws.py: 40 x 4 mm ribs, 5 W, in 6 m/s air; their
#: rise against the same k-epsilon resolved to the wall, y/delta area-weighted over
#: their faces): 55-92 % high at y/delta 0.49-0.52 (2 mm cells), 36-55 % at 0.26-0.27
#: (1 mm), 11-17 % at 0.13 (0.5 mm); in 3-D (benchmarks/cht_server_resolved.py, the
#: packages on 2 mm cells against 0.08 mm) 51-63 % high at y/delta 0.52
BOUNDARY_LAYER_FRACTION = 0.1
#: ... for parts that lose at least this share of their heat (their power, or their
#: powered neighbours') through their walls: a liquid-cooled chip's lid loses 0.05 %
WALL_HEAT_FRACTION = 0.1
AXES = "xyz"


def boundary_layer_thickness(length, speed, nu):
    """The thickness (m, 99 % of the stream's speed) of a boundary layer grown over
    ``length`` (m) from a sharp leading edge in a stream of ``speed`` (m/s), fluid of
    kinematic viscosity ``nu`` (m2/s): the thicker of Blasius' laminar ``4.91 x
    Re_x^-1/2`` and the turbulent ``0.37 x Re_x^-1/5`` (Prandtl's 1/7-power law;
    Schlichting), so that the estimate errs towards a thick layer (the turbulent one
    from Re_x 5,500)."""
    re = np.maximum(np.asarray(speed, np.float64) * length / nu, 1e-300)
    return length * np.maximum(4.91 * re ** -0.5, 0.37 * re ** -0.2)


@partial(jax.jit, static_argnums=(3,))
def _yplus(u, T, prm, cfg):
    return [None if x is None else x[1] for x in wall_coordinates(u, T, prm, cfg)]


def _ystar_scale(state: State, sim: Simulation) -> np.ndarray | None:
    """``C_mu^1/4 k^1/2 / nu`` per cell (1/m), times half a cell's width the k-based
    wall coordinate y*; None without a transported k."""
    cfg = sim.settings
    if not getattr(cfg.turbulence, "transported", 0) or not state.turb:
        return None
    k = np.maximum(np.asarray(state.turb[0], np.float64), 0.0)
    nu = np.asarray(molecular_nu(state.T, sim.params, cfg), np.float64)
    return cfg.turbulence.c_mu ** 0.25 * np.sqrt(k) / nu


def wall_summary(sim: Simulation, state: State) -> dict:
    """``{"walls": {name: {...}}, "wall_warnings": [...]}``; {} for a laminar case."""
    cfg = sim.settings
    if cfg.turbulence is None:
        return {}
    geo, grid, fc, th = sim.model.geometry, sim.grid, sim.model.faces, sim.thermal
    fluid = geo.fluid
    yplus = [None if x is None else np.asarray(x, np.float64)
             for x in _yplus(state.u, state.T, sim.params, cfg)]
    ystar = _ystar_scale(state, sim)
    functions = has_wall_functions(cfg)
    if functions:  # the wall functions' own Prandtl numbers and Jayatilleke terms per cell
        w = sim.params.walls
        pr, p_fn = (np.asarray(x, np.float64) for x in (w.prandtl, w.p_fn))
    names = [inst["name"] for inst in geo.instances]
    bnames = [b["name"] for b in sim.case.data["boundaries"]]
    volumes = grid.cell_volumes()
    found: dict = {}
    faces: dict = {}  # per part copy: (axis, side, its first fluid cells, their y*, W, y+)
    temp = np.asarray(state.T, np.float64)

    def add(name, yp, area, htc, conducts, ys):
        r = found.setdefault(name, {"yp": [], "area": [], "htc": [], "conducts": [], "ys": []})
        for key, x in (("yp", yp), ("area", area), ("htc", htc), ("conducts", conducts),
                       ("ys", ys)):
            r[key].append(x)

    for a in range(3):
        if yplus[a] is None:
            continue
        yp = yplus[a]
        w = np.broadcast_to(grid.widths(a).reshape([-1 if b == a else 1 for b in range(3)]),
                            grid.cells)
        area = volumes / w
        k = th.conductivity_axes[a]
        g = np.ones_like(yp)
        if functions:
            g = pr * yp / np.asarray(t_plus(yp, pr, p_fn, PRANDTL_TURBULENT, cfg.turbulence.switched_heat))
        film = k * np.maximum(g, 1.0) / (0.5 * w)
        ys = np.zeros_like(yp) if ystar is None else ystar * 0.5 * w
        n = grid.cells[a]
        for side in (0, 1):
            # interior: a fluid cell whose neighbour on this side is a part's cell
            cell = [slice(None)] * 3
            nb = [slice(None)] * 3
            cell[a], nb[a] = (slice(1, n), slice(0, n - 1)) if side == 0 else (slice(0, n - 1),
                                                                              slice(1, n))
            cell, nb = tuple(cell), tuple(nb)
            wall = fluid[cell] & ~fluid[nb]
            owner = geo.owner[nb][wall]
            conducts = th.conductivity_axes[a][nb][wall] > 0
            where = np.nonzero(wall)
            where = tuple(w + (1 if b == a and side == 0 else 0) for b, w in enumerate(where))
            for i in np.unique(owner):
                m = owner == i
                add(names[i], yp[cell][wall][m], area[cell][wall][m], film[cell][wall][m],
                    conducts[m], ys[cell][wall][m])
                if functions and conducts[m].any():
                    heat = film[cell][wall][m] * area[cell][wall][m] * (
                        temp[nb][wall][m] - temp[cell][wall][m])
                    faces.setdefault(int(i), []).append(
                        (a, side, tuple(w[m] for w in where), ys[cell][wall][m], heat,
                         yp[cell][wall][m]))
            if fc.periodic[a]:
                continue
            end = [slice(None)] * 3
            end[a] = slice(0, 1) if side == 0 else slice(n - 1, n)
            end = tuple(end)
            kind = np.expand_dims(fc.kind[(a, side)], a)
            owner_b = np.expand_dims(fc.owner[(a, side)], a)
            wall = fluid[end] & (kind == WALL)
            coef = np.take(th.conductance[a], [0 if side == 0 else n], axis=a)
            for i in np.unique(owner_b[wall]):
                m = wall & (owner_b == i)
                add(bnames[i] if i >= 0 else DEFAULT_WALLS, yp[end][m], area[end][m],
                    film[end][m], (coef > 0)[m], ys[end][m])
    walls, high, low = {}, [], []
    for name, r in found.items():
        yp, ar = np.concatenate(r["yp"]), np.concatenate(r["area"])
        htc, cond = np.concatenate(r["htc"]), np.concatenate(r["conducts"])
        entry = {"y_plus_min": float(yp.min()), "y_plus_mean": float(np.average(yp, weights=ar)),
                 "y_plus_max": float(yp.max()), "wall_area_m2": float(ar.sum())}
        if cond.any():
            entry["htc_w_m2k"] = float(np.average(htc[cond], weights=ar[cond]))
        if ystar is not None:
            ys = np.concatenate(r["ys"])
            entry["y_star_mean"] = float(np.average(ys, weights=ar))
            entry["y_star_max"] = float(ys.max())
            entry["two_layer_fraction"] = float(ar[ys <= RESOLVED_FULL].sum() / ar.sum())
        walls[name] = entry
        top = LOG_LAYER_TOP if functions else RESOLVED_TOP
        if entry["y_plus_max"] > top:
            high.append((entry["y_plus_max"], name))
        # on average: stagnation points and corners have small y+ on any grid
        if ystar is not None and K_EPSILON_SWITCH[0] < entry["y_star_mean"] < K_EPSILON_SWITCH[1]:
            low.append((entry["y_star_mean"], name))
    layers = _boundary_layers(sim, state, faces) if functions else {}
    thin, partly = [], []
    for name, e in layers.items():
        share = e["share"]
        if "ratio" in e:
            walls[name].update(y_over_delta=e["ratio"], wall_heat_fraction=share,
                               first_cell_for_y_plus_1_m=e["first"])
            if e["ratio"] > BOUNDARY_LAYER_FRACTION and share >= WALL_HEAT_FRACTION:
                thin.append((e["ratio"], name, e["text"], e["first"]))
        resolved = walls[name].get("two_layer_fraction", 0.0)
        if PARTLY_RESOLVED <= resolved < 1.0 and share >= WALL_HEAT_FRACTION \
                and "first_for_two_layer" in e:
            walls[name]["wall_heat_fraction"] = share
            partly.append((resolved, name, walls[name]["y_star_max"], e["first_for_two_layer"]))
    warnings = []
    if partly:
        partly.sort()
        worst = ", ".join(f"{name} ({100 * (1 - f):.0f} % of its wall area, y* up to {y:.1f})"
                          for f, name, y, _ in partly[:3])
        more = f" and {len(partly) - 3} more" if len(partly) > 3 else ""
        first = min(x for *_, x in partly)
        warnings.append(
            f"walls resolved in part: first cells above y* {RESOLVED_FULL:g} at {worst}{more}, "
            "where k-epsilon hands them to the wall functions (the leading edges and corners, "
            "where k is large), and such parts' temperatures leave the resolved wall's grid "
            "convergence (2-D ribs of cht-server with 0.24 mm first cells: 4 % of their rise "
            f"off the finer grids' trend). First cells of {first:.2g} m or less there (each "
            f"such cell's width times {RESOLVED_FULL:g} / its y*, the least) put them all below")
    if thin:
        thin.sort(reverse=True)
        worst = "; ".join(f"{name} ({text})" for _, name, text, _ in thin[:3])
        first = min(f for *_, f in thin)
        more = f"; and {len(thin) - 3} more" if len(thin) > 3 else ""
        warnings.append(
            f"first cells' centres beyond {BOUNDARY_LAYER_FRACTION:g} of the boundary layer "
            f"that grows over a powered part's face from its leading edge at {worst}{more}: "
            "the wall functions take the first cell to lie in a log layer that is not there "
            "yet, and read such parts hot (cht-server's 40 mm packages in 6 m/s air: their rise "
            "51-63 % high at y/delta 0.52; cut to 2-D ribs 55-92 % at 0.5, 36-55 % at 0.26, "
            "11-17 % at 0.13). Resolve those faces with k-epsilon's "
            "two-layer treatment: a [[grid.refine]] zone with walls = [those parts] and "
            f"first_cell = {first:.2g} (m: the first cells' centres at y+ 1 with this run's "
            "wall stress; resolved, cht-server's packages had 1.4 times its friction "
            "velocity) on a [grid], as benchmarks/cht_server_resolved.py does")
    if high:
        high.sort(reverse=True)
        worst = ", ".join(f"{name} (y+ up to {y:.0f})" for y, name in high[:3])
        more = f" and {len(high) - 3} more" if len(high) > 3 else ""
        if functions:
            warnings.append(f"first cells beyond the log layer (y+ > {LOG_LAYER_TOP:.0f}) at "
                            f"{worst}{more}: the wall functions extrapolate there; refine the "
                            "grid at those walls")
        else:
            warnings.append(f"first cells at y+ > {RESOLVED_TOP:.0f} at {worst}{more}: "
                            f"physics.turbulence = {sim.case.data['physics']['turbulence']!r} "
                            "resolves the wall (no wall functions), so the wall stress and heat "
                            "are too low there; refine to y+ of about 1, or use \"lvel\" (wall "
                            "functions)")
    if low:
        low.sort()
        worst = ", ".join(f"{name} (mean y* {y:.1f})" for y, name in low[:3])
        more = f" and {len(low) - 3} more" if len(low) > 3 else ""
        lo, hi = K_EPSILON_SWITCH
        warnings.append(f"first cells at y* {lo:.0f}-{hi:.0f} (mean; y* = C_mu^1/4 k^1/2 y / nu) "
                        f"at {worst}{more}: the k-epsilon models switch there from resolving the "
                        "wall's layer (two-layer treatment, y* < 3.5) to the wall functions, "
                        "where the wall stress is least accurate; refine to y+ of about 1 or "
                        f"coarsen to y+ > {hi:.0f} at those walls")
    return {"walls": walls, "wall_warnings": warnings}


def _boundary_layers(sim: Simulation, state: State, faces: dict) -> dict:
    """Per powered part copy, and per part copy touching one: ``(y / delta, share,
    text)``. ``share`` is the heat through its walls (the wall functions' conductance
    to the first cells times the temperature difference, W) over its power, or over
    the power of the powered parts it touches. ``y / delta`` is area-weighted over its
    faces in the stream, where on each face ``y`` is half the
    first fluid cells' width across it (area-weighted), ``delta``
    :func:`boundary_layer_thickness` over the face's length along the stream (the
    tangential axis with the larger mean speed) at the first cells' largest speed
    along the face; the text gives the numbers of the largest face. Faces without
    flow along them, and with the k-epsilon models faces whose first cells' mean y*
    is below the switch (the wall resolved by the two-layer treatment), are left out."""
    geo, grid = sim.model.geometry, sim.grid
    inst = geo.instances
    powered = [j for j, d in enumerate(inst) if d["power"] > 0 and d["kind"] not in
               THROUGHFLOW_KINDS]
    if not powered:
        return {}
    # each part's heat to judge it by: its power, or that of the powered parts it touches
    source = {j: {j} for j in powered}
    owner = geo.owner
    for a in range(3):
        lo, hi = owner.take(range(owner.shape[a] - 1), a), owner.take(range(1, owner.shape[a]), a)
        for x, y in ((lo, hi), (hi, lo)):
            touch = np.isin(x, powered) & (y >= 0) & (y != x)
            for i, j in set(zip(x[touch].tolist(), y[touch].tolist())):
                if j not in powered:
                    source.setdefault(j, set()).add(i)
    u = [np.asarray(x, np.float64) for x in state.u]
    vel = [0.5 * (u[b].take(range(u[b].shape[b] - 1), b) + u[b].take(range(1, u[b].shape[b]), b))
           for b in range(3)]
    nu = np.broadcast_to(np.asarray(molecular_nu(state.T, sim.params, sim.settings), np.float64),
                         grid.cells)
    transported = bool(getattr(sim.settings.turbulence, "transported", 0)) and bool(state.turb)
    out = {}
    for j in sorted(set(source) & set(faces)):
        rows = []  # (area, ratio, text, area-weighted u_tau / nu in 1/m) per face
        for a, side, idx, ys, heat, yp in faces[j]:
            if transported and ys.mean() < K_EPSILON_SWITCH[0]:
                continue
            width = [grid.widths(b)[idx[b]] for b in range(3)]
            area = width[(a + 1) % 3] * width[(a + 2) % 3]
            tang = [b for b in range(3) if b != a and sim.model.active[b]]
            if not tang:
                continue
            mean = [np.average(np.abs(vel[b][idx]), weights=area) for b in tang]
            along = tang[int(np.argmax(mean))]
            speed = float(np.sqrt(sum(vel[b][idx] ** 2 for b in tang)).max())
            if speed <= 0:
                continue
            f = grid.faces(along)
            length = float(f[idx[along] + 1].max() - f[idx[along]].min())
            y = float(np.average(0.5 * width[a], weights=area))
            delta = float(boundary_layer_thickness(length, speed,
                                                   float(np.average(nu[idx], weights=area))))
            text = (f"its {'+-'[side]}{AXES[a]} face: {1e3 * length:.0f} mm along {AXES[along]} at "
                    f"{speed:.2g} m/s, layer {1e3 * delta:.2g} mm, first cells' centres "
                    f"{1e3 * y:.2g} mm")
            rows.append((float(area.sum()), y / delta, text,
                         float(np.average(yp / (0.5 * width[a]), weights=area))))
        power = sum(inst[i]["power"] for i in source[j])
        entry = {"share": sum(float(f[4].sum()) for f in faces[j]) / power}
        if transported:  # the first cell that puts every first cell below the switch
            over = [float(np.min(grid.widths(a)[idx[a]][ys > RESOLVED_FULL] * RESOLVED_FULL
                                 / ys[ys > RESOLVED_FULL]))
                    for a, side, idx, ys, heat, yp in faces[j] if np.any(ys > RESOLVED_FULL)]
            if over:
                entry["first_for_two_layer"] = min(over)
        if rows:
            areas = np.array([r[0] for r in rows])
            ratio = float(np.average([r[1] for r in rows], weights=areas))
            scale = float(np.average([r[3] for r in rows], weights=areas))
            entry.update(ratio=ratio, first=2.0 / scale if scale > 0 else float("nan"),
                         text=f"y/delta {ratio:.2f}, {100 * entry['share']:.0f} % of the heat; "
                              f"{max(rows)[2]}")
        out[inst[j]["name"]] = entry
    return out
