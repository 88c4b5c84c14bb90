"""Compact air parts, cold plates and turbulence closures on graded grids (issue #15):
conservation on unequal faces, heat balances, near-uniform graded grids against the
uniform path, exact wall distances on stretched lines. Small grids, short runs."""
import copy

import numpy as np
import pytest

from thermo.case import case_from_dict
from thermo.diagnostics.summary import summarise
from thermo.grid.model import build_flow_model
from thermo.kernels import turbulence as turb
from thermo.meshes import Grid
from thermo.models.air import fan_flows
from thermo.solver import Simulation
from thermo.validation.air import FAN_CURVE, SLIP_SIDES, fan_case
from thermo.validation.liquid import loop_case, stack_case


def duct(flow=0.003, power=60.0, speed=0.1):
    """A 1 m duct (0.2 x 0.1 m) on a [grid]: a server over half its cross-section, a
    porous tile across it and a CRAH behind it; slow enough to settle (steady)."""
    return {
        "case": {"name": "graded-duct"},
        "domain": {"size": [1.0, 0.2, 0.1]},
        "grid": {"max_cell": [0.08, 0.05, 0.1], "max_ratio": 1.4, "min_cells_across": 2,
                 "refine": [{"parts": ["srv"], "max_cell": [0.03, 0.025, 0.1]}]},
        # a viscous air (Re about 70 on the duct's height): a flow that settles
        "materials": [{"name": "thick-air", "density": 1.2, "specific_heat": 1005.0,
                       "conductivity": 0.026, "viscosity": 3e-4}],
        "fluid": {"material": "thick-air", "reference_temperature": 20.0},
        "parts": [{"name": "srv", "kind": "server", "direction": "+x", "power": power,
                   "volume_flow": flow, "box": {"min": [0.3, 0.0, 0.0], "max": [0.45, 0.1, 0.1]}},
                  {"name": "tile", "kind": "porous", "direction": "x", "loss_coefficient": 5.0,
                   "box": {"min": [0.6, 0.0, 0.0], "max": [0.7, 0.2, 0.1]}},
                  {"name": "crah", "kind": "crah", "direction": "+x", "volume_flow": 0.001,
                   "supply_temperature": 18.0,
                   "box": {"min": [0.8, 0.12, 0.0], "max": [0.9, 0.2, 0.1]}}],
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet",
                        "velocity": [speed, 0.0, 0.0], "temperature": 20.0},
                       {"name": "out", "face": "x+", "flow": "outlet"}] + SLIP_SIDES,
        "solver": {"tolerance": 1e-7, "max_steps": 6000},
    }


def part_face_flows(sim, state, k):
    """Intake and exhaust volume flows (m3/s) of throughflow part ``k`` from the
    velocity field on its faces and the faces' true areas."""
    ap = sim.params.parts["air"]
    out = {-1: 0.0, 1: 0.0}
    for a in range(3):
        idx, role = np.asarray(ap.tf_index[a]), np.asarray(ap.tf_role[a])
        area = np.broadcast_to(np.expand_dims(sim.grid.face_areas(a), a), idx.shape)
        u = np.asarray(state.u[a])
        for r in (-1, 1):
            m = (idx == k) & (role == r)
            out[r] += float(np.abs(np.sum(u[m] * area[m])))
    return out[-1], out[1]


def plane_flow(sim, state, x):
    """Volume flow (m3/s) through the x-face plane nearest ``x``."""
    i = int(np.argmin(np.abs(sim.grid.faces(0) - x)))
    return float(np.sum(np.asarray(state.u[0])[i] * sim.grid.face_areas(0)))


@pytest.mark.slow
def test_server_tile_crah_duct_conserves_on_a_graded_grid():
    case = case_from_dict(duct())
    sim = Simulation(case)
    assert not sim.grid.is_uniform
    w = [sim.grid.widths(a) for a in range(2)]
    print("widths x", w[0].min(), w[0].max(), "y", w[1].min(), w[1].max())
    state, info = sim.run()
    s = summarise(sim, state, info)
    fl = case.fluid
    rho_cp = fl.density * fl.specific_heat
    print(info.status, info.steps, "res_div", info.res_div, "imbalance", s["energy_imbalance"])
    assert info.res_div < 1e-9
    for k, t in enumerate(sim.air.throughflow):
        q_in, q_out = part_face_flows(sim, state, k)
        print(f"{t['name']}: Q {t['flow']} intake {q_in!r} exhaust {q_out!r}")
        assert abs(q_in / t["flow"] - 1.0) < 1e-12 and abs(q_out / t["flow"] - 1.0) < 1e-12
    # what comes in leaves: the inlet, the tile's planes and the outlet
    q_in = 0.1 * 0.2 * 0.1
    for x in (0.0, 0.6, 0.65, 0.7, 1.0):
        q = plane_flow(sim, state, x)
        print(f"plane x = {x}: {q!r} m3/s")
        assert abs(q / q_in - 1.0) < 1e-9
    srv = s["servers"]["srv"]
    heat = rho_cp * 0.003 * (srv["exhaust_mean_c"] - srv["inlet_mean_c"])
    print("server heat", heat, "W of 60; measured rise", srv["measured_delta_t_k"],
          "expected", srv["expected_delta_t_k"])
    assert abs(heat / 60.0 - 1.0) < 1e-9
    cu = s["cooling_units"]["crah"]
    removed = rho_cp * 0.001 * (cu["return_c"] - 18.0)
    print("crah removes", cu["heat_removed_w"], "W =", removed)
    assert cu["heat_removed_w"] == pytest.approx(removed, rel=1e-9)
    assert s["energy_imbalance"] < 1e-5
    assert abs(srv["measured_delta_t_k"] / srv["expected_delta_t_k"] - 1.0) < 0.02


def nearly_uniform(grid: Grid, eps: float = 1e-9) -> Grid:
    """``grid``'s lines moved by ``eps`` of a cell (alternately up and down): graded
    (beyond Grid's uniform tolerance), uniform within round-off."""
    lines = []
    for a in range(3):
        f = grid.faces(a).copy()
        h = grid.size[a] / grid.cells[a]
        f[1:-1] += eps * h * (-1.0) ** np.arange(f.size - 2)
        lines.append(f)
    return Grid.from_lines(*lines)


@pytest.mark.slow
def test_nearly_uniform_graded_grid_gives_the_uniform_answers():
    """The same duct with its parts on a uniform grid and on a graded grid whose lines
    are uniform within 1e-9 of a cell: the graded paths (areas, fan weights, drags,
    Smagorinsky's filter width, wall distances) reduce to the uniform ones."""
    d = duct()
    del d["grid"]
    d["domain"]["cells"] = [20, 4, 2]
    d["physics"] = {"turbulence": "smagorinsky"}
    d["solver"] = {"mode": "transient", "dt": 0.01, "end_time": 0.3}
    case = case_from_dict(d)
    out = []
    for grid in (case.grid, nearly_uniform(case.grid)):
        sim = Simulation(case, build_flow_model(case, grid))
        state, info = sim.run()
        out.append((sim, state))
        print(grid.is_uniform, info.status, info.steps)
    (su, a), (sg, b) = out
    assert su.grid.is_uniform and not sg.grid.is_uniform
    speed = max(float(np.abs(np.asarray(x)).max()) for x in a.u)
    for name, x, y, scale in (("T", a.T, b.T, None), ("p", a.p, b.p, None)) + tuple(
            (f"u{c}", a.u[c], b.u[c], speed) for c in range(3)):
        x, y = np.asarray(x), np.asarray(y)
        err = float(np.abs(x - y).max() / (scale or np.abs(x).max()))
        print(f"{name}: largest difference {err:.2e} of its (the velocity's) largest value")
        assert err < 1e-6, name
    dist = [np.asarray(s.params.wall_dist) for s in (su, sg)]
    print("wall distance difference", np.abs(dist[0] - dist[1]).max())
    assert np.abs(dist[0] - dist[1]).max() < 1e-9


def stretched(x0, x1, n, ratio):
    """``n + 1`` lines from ``x0`` to ``x1``, each cell ``ratio`` times the one before."""
    w = ratio ** np.arange(n)
    return x0 + (x1 - x0) * np.concatenate([[0.0], np.cumsum(w)]) / w.sum()


def test_curve_fan_and_slab_loop_settle_at_the_operating_point_on_a_graded_grid():
    """The fan-and-slab loop of ``thermo validate`` (fan x 0.1-0.15 m, slab 0.4-0.6 m)
    on stretched lines and unequal cells across: the flow is the same through every
    plane, and the operating point is the analytic one as on the uniform grid."""
    case = case_from_dict(fan_case(20))
    segments = [(0.0, 0.1, 4, 1.3), (0.1, 0.15, 3, 0.7), (0.15, 0.4, 5, 1.25), (0.4, 0.6, 6, 0.85),
                (0.6, 1.0, 6, 1.2)]
    x = np.unique(np.concatenate([stretched(*s) for s in segments]))
    grid = Grid.from_lines(x, [0.0, 0.03, 0.1], [0.0, 0.06, 0.1])
    sim = Simulation(case, build_flow_model(case, grid))
    state, info = sim.run()
    q = float(np.asarray(fan_flows(state.u, sim.params.parts["air"], 1))[0])
    import math
    fl = case.fluid
    area, t = 0.01, 0.2
    a_ = fl.viscosity / 1e-6 * t
    b_ = 0.5 * fl.density * 30.0 * t
    c0 = FAN_CURVE[0][1]
    c1 = (FAN_CURVE[0][1] - FAN_CURVE[-1][1]) / FAN_CURVE[-1][0] * area
    exact = area * (-(a_ + c1) + math.sqrt((a_ + c1) ** 2 + 4.0 * b_ * c0)) / (2.0 * b_)
    planes = [plane_flow(sim, state, xx) for xx in (0.0, 0.12, 0.3, 0.5, 0.8)]
    print(info.status, info.steps, "fan flow", q, "analytic", exact, "planes", planes)
    assert info.res_div < 1e-9
    assert abs(q / exact - 1.0) < 0.03
    for p in planes:
        assert abs(p / planes[0] - 1.0) < 1e-9
    assert abs(planes[0] / q - 1.0) < 1e-3  # the fan's weighted flow is the loop's


def test_cold_plate_stack_on_a_graded_grid():
    """The chip-under-a-plate stack on unequal cells: every watt leaves by the coolant
    (exact outlet temperature), slices hold their true volumes, the plate's mean
    temperature is the effectiveness-NTU one."""
    from thermo.case.materials import LIBRARY

    case = case_from_dict(stack_case())
    grid = Grid.from_lines([0.0, 0.004, 0.012, 0.024, 0.04], [0.0, 0.015, 0.025, 0.04],
                           [0.0, 0.003, 0.01, 0.013, 0.02])
    sim = Simulation(case, build_flow_model(case, grid))
    liq = sim.params.parts["liquid"]
    vol = float(np.asarray(liq.volume).sum())
    print("slice volumes", np.asarray(liq.volume), "sum", vol)
    assert vol == pytest.approx(0.04 * 0.04 * 0.01, rel=1e-12)
    state, info = sim.run()
    s = summarise(sim, state, info)
    w = LIBRARY["water"].at(30.0)
    mcp = w.density * w.specific_heat * 1e-5
    eps = -np.expm1(-5000.0 * 0.004 / mcp)
    cp = s["cold_plates"]["cp"]
    print(info.status, info.steps, "outlet", cp["outlet_temperature_c"], 30.0 + 500.0 / mcp,
          "heat", cp["heat_w"], "imbalance", s["energy_imbalance"], "plate mean",
          s["parts"]["cp"]["mean_temperature_c"], 30.0 + 500.0 / (eps * mcp))
    assert info.status == "converged"
    assert cp["outlet_temperature_c"] == pytest.approx(30.0 + 500.0 / mcp, rel=1e-8)
    assert cp["heat_w"] == pytest.approx(500.0, rel=1e-8)
    assert s["energy_imbalance"] < 1e-8
    assert s["parts"]["cp"]["mean_temperature_c"] == pytest.approx(30.0 + 500.0 / (eps * mcp),
                                                                    rel=1e-4)


def test_coolant_loop_sets_up_on_a_graded_grid():
    """A loop of two plates is no longer refused on a [grid]; each plate's slices hold
    its true volume and share its UA by volume."""
    d = loop_case()
    del d["domain"]["cells"]
    d["grid"] = {"max_cell": 0.02, "max_ratio": 1.3, "min_cells_across": 2}
    case = case_from_dict(d)
    assert not case.grid.is_uniform
    sim = Simulation(case)
    liq = sim.params.parts["liquid"]
    vol, ua = np.asarray(liq.volume), np.asarray(liq.ua)
    for i, p in enumerate(sim.coldplates.plates):
        true = float(sim.grid.cell_volumes().ravel()[p.cells].sum())
        print(p.name, "slices", p.slices, "volume", vol[i, :p.slices].sum(), true,
              "UA", ua[i].sum(), p.ua)
        assert vol[i, :p.slices].sum() == pytest.approx(true, rel=1e-12)
        assert true == pytest.approx(0.03 * 0.03 * 0.01, rel=1e-9)
        assert ua[i].sum() == pytest.approx(p.ua, rel=1e-12)
        np.testing.assert_allclose(ua[i, :p.slices] / p.ua, vol[i, :p.slices] / true, rtol=1e-12)


def test_wall_distance_exact_for_a_channel_on_stretched_lines():
    """Walls at y = 0 and y = H, lines clustered at both walls, periodic in x: the
    distance is min(y, H - y) to round-off; with a solid block, the exact distance to
    the block's box (brute force over its cells' boxes) everywhere."""
    H = 0.1
    y = np.concatenate([stretched(0.0, H / 2, 8, 1.3), H - stretched(0.0, H / 2, 8, 1.3)[::-1][1:]])
    x = stretched(0.0, 0.3, 6, 1.2)
    z = np.array([0.0, 0.05])
    grid = Grid.from_lines(x, y, z)
    spacing = tuple(tuple(grid.widths(a)) for a in range(3))
    shape = grid.cells
    walls = {(1, 0): np.ones((shape[0], shape[2]), bool), (1, 1): np.ones((shape[0], shape[2]), bool)}
    periodic = (True, False, True)
    d = turb.wall_distance(np.zeros(shape, bool), spacing, walls, periodic)
    yc = grid.centers(1)
    exact = np.minimum(yc, H - yc)[None, :, None]
    err = np.abs(d - exact).max()
    print("channel: largest error", err, "nearest centre", d.min())
    assert err < 1e-15
    # a solid block in the middle of an open box (no walls): exact box distances
    solid = np.zeros(shape, bool)
    solid[2:4, 6:9, :] = True
    d = turb.wall_distance(solid, spacing, None, (False, False, False))
    X, Y, Z = grid.mesh()
    f = [grid.faces(a) for a in range(3)]
    best = np.full(shape, np.inf)
    for i, j, k in zip(*np.nonzero(solid)):
        gap = [np.maximum(np.maximum(f[a][[i, j, k][a]] - c, c - f[a][[i, j, k][a] + 1]), 0.0)
               for a, c in enumerate((X, Y, Z))]
        best = np.minimum(best, np.sqrt(gap[0] ** 2 + gap[1] ** 2 + gap[2] ** 2))
    err = np.abs(d - best).max()
    print("block: largest error", err)
    assert err < 1e-15
    # a periodic axis whose short way round is the long way in cells
    solid = np.zeros(shape, bool)
    solid[0, :, :] = True
    d = turb.wall_distance(solid, spacing, None, (True, False, False))
    xc, L = grid.centers(0), 0.3
    w0 = grid.widths(0)[0]
    gap = np.maximum(np.minimum(np.abs(xc - xc[0]), L - np.abs(xc - xc[0])) - w0 / 2, 0.0)
    err = np.abs(d[:, 0, 0] - gap).max()
    print("periodic x: distances", d[:, 0, 0], "largest error", err)
    assert err < 1e-15


def test_strain_rate_and_filter_width_on_stretched_lines():
    """A linear shear u = G y on stretched lines has |S| = G in every cell, walls (no
    slip half a cell from the first centre) aside; Delta is each cell's cube root."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)  # as a float64 case does
    y = stretched(0.0, 0.1, 10, 1.25)
    grid = Grid.from_lines([0.0, 0.1, 0.2, 0.3], y, [0.0, 0.05])
    h = tuple(tuple(grid.widths(a)) for a in range(3))
    G = 3.0
    yc = grid.centers(1)
    n = grid.cells
    ux = np.broadcast_to((G * yc)[None, :, None], (n[0] + 1, n[1], n[2]))
    f64 = jnp.float64
    u = (jnp.asarray(ux, f64), jnp.zeros((n[0], n[1] + 1, n[2]), f64),
         jnp.zeros((n[0], n[1], n[2] + 1), f64))
    # ghosts extrapolating the shear linearly: u(-w0/2) = -G w0/2 mirrors u(w0/2)
    lin = (-1.0, 0.0, 0.0)  # odd about the wall (u = 0 there): exact for u = G y at y = 0
    top = (-1.0, 0.0, 2.0 * G * 0.1)  # u = G H on the top face
    ghosts = ((None, (lin, top), None), (None, None, None), (None, (lin, lin), None))
    s = np.asarray(turb.strain_rate(u, h, ghosts, (True, False, True), (True, True, False)))
    print("|S| range", s.min(), s.max())
    assert np.abs(s - G).max() < 1e-12
    delta = turb.filter_width(h, (True, True, True))
    print("filter widths", delta.ravel()[:4])
    np.testing.assert_allclose(delta, np.cbrt(grid.cell_volumes()), rtol=1e-14)
    assert turb.filter_width((0.1, 0.2, 0.4), (True, True, True)) == pytest.approx(0.2)


def channel(turbulence="zero-equation", ny=12, ratio=1.25):
    """A periodic channel (half-height 0.05 m) driven by a body force, walls at y = 0
    and 0.1 m, lines clustered at the walls."""
    return {
        "case": {"name": "graded-channel"},
        "domain": {"size": [0.2, 0.1, 0.05], "cells": [4, ny, 1]},
        "fluid": {"material": "air"},
        "physics": {"turbulence": turbulence, "body_force": [0.5, 0.0, 0.0]},
        "boundaries": [{"name": "a", "face": "x-", "flow": "periodic"},
                       {"name": "b", "face": "x+", "flow": "periodic"},
                       {"name": "c", "face": "z-", "flow": "periodic"},
                       {"name": "d", "face": "z+", "flow": "periodic"}],
        # the same simulated time on both grids (a steady state takes thousands of steps)
        "solver": {"mode": "transient", "dt": 0.002, "end_time": 0.6},
    }


def test_zero_equation_channel_runs_on_a_graded_grid():
    """Chen & Xu's model in a channel on wall-clustered lines: nu_t = 0.03874 |V| d
    with the true wall distance, a symmetric profile, and the bulk velocity of the
    same channel on a uniform grid within a few per cent."""
    case = case_from_dict(channel())
    half = stretched(0.0, 0.05, 6, 1.25)
    y = np.concatenate([half, 0.1 - half[::-1][1:]])
    grid = Grid.from_lines(case.grid.faces(0), y, case.grid.faces(2))
    sims = {}
    for name, g in (("uniform", case.grid), ("graded", grid)):
        sim = Simulation(case, build_flow_model(case, g))
        state, info = sim.run()
        u = np.asarray(state.u[0])[0, :, 0]
        bulk = float(np.sum(u * g.widths(1)) / 0.1)
        sims[name] = (sim, state, info, u, bulk)
        print(name, info.status, info.steps, "bulk", bulk, "res_div", info.res_div)
    sim, state, info, u, bulk = sims["graded"]
    assert np.all(np.isfinite(u)) and info.res_div < 1e-9
    d = np.asarray(sim.params.wall_dist)[0, :, 0]
    yc = grid.centers(1)
    np.testing.assert_allclose(d, np.minimum(yc, 0.1 - yc), rtol=1e-13)
    np.testing.assert_allclose(u, u[::-1], rtol=1e-6)
    from thermo.solver.viscosity import eddy_viscosity

    nut = np.asarray(eddy_viscosity(state.u, state.T, sim.params, sim.settings))[0, :, 0]
    speed = np.abs(0.5 * (np.asarray(state.u[0])[0, :, 0] + np.asarray(state.u[0])[1, :, 0]))
    np.testing.assert_allclose(nut, 0.03874 * speed * d, rtol=1e-12)
    print("nu_t near the wall and centre", nut[0], nut[len(nut) // 2])
    assert abs(bulk / sims["uniform"][4] - 1.0) < 0.05


@pytest.mark.parametrize("closure", ["smagorinsky", "mixing-length"])
def test_other_closures_run_on_a_graded_grid(closure):
    case = case_from_dict(channel(closure))
    half = stretched(0.0, 0.05, 6, 1.25)
    y = np.concatenate([half, 0.1 - half[::-1][1:]])
    grid = Grid.from_lines(case.grid.faces(0), y, case.grid.faces(2))
    d = copy.deepcopy(case.data)
    sim = Simulation(case, build_flow_model(case, grid))
    state, info = sim.run()
    u = np.asarray(state.u[0])[0, :, 0]
    print(closure, info.status, info.steps, "centre", u.max(), "res_div", info.res_div)
    assert d == case.data
    assert np.all(np.isfinite(u)) and u.max() > 0 and info.res_div < 1e-9
    np.testing.assert_allclose(u, u[::-1], rtol=1e-6)
