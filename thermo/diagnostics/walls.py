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
models) each wall also gets ``y_star_mean``, ``C_mu^1/4 k^1/2 y / nu`` of its first
cells, the coordinate by which those models choose between the two-layer treatment
and the wall functions.
"""
from __future__ import annotations

from functools import partial

import jax
import numpy as np

from thermo.grid.boundaries import WALL
from thermo.kernels.turbulence import t_plus
from thermo.models.turbulence import PRANDTL_TURBULENT
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
            for i in np.unique(owner):
                m = owner == i
                add(names[i], yp[cell][wall][m], area[cell][wall][m], film[cell][wall][m],
                    conducts[m], ys[cell][wall][m])
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
            entry["y_star_mean"] = float(np.average(np.concatenate(r["ys"]), weights=ar))
        walls[name] = entry
        top = LOG_LAYER_TOP if functions else RESOLVED_TOP
        if entry["y_plus_max"] > top:
            high.append((entry["y_plus_max"], name))
        # on average: stagnation points and corners have small y+ on any grid
        if ystar is not None and K_EPSILON_SWITCH[0] < entry["y_star_mean"] < K_EPSILON_SWITCH[1]:
            low.append((entry["y_star_mean"], name))
    warnings = []
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
