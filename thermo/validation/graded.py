"""Validations on graded grids (``[grid]``): plane Poiseuille flow and the erfc slab on
stretched grids (observed order), the composite wall with the interface between
unequal cells (exact), de Vahl Davis Ra = 1e6 with cells clustered at the walls
against the uniform grid's cell count, and the multigrid iterations graded vs
uniform.

The grids come from the case's ``[grid]`` table as a user would write it: fine
cells in refinement zones at the walls (or the heated face), growing by
``max_ratio`` to the core's ``max_cell``. The order is measured on a nested
family: each cell of that grid split into 2 and 4, which halves every spacing
exactly and keeps the largest neighbour ratio at ``max_ratio`` (a smooth mapping
refined would let the stretching fade to 1).
"""
from __future__ import annotations

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row

RATIO = 1.15  # neighbour ratio of the stretched grids


def _order(errs: dict, sizes) -> float:
    """Observed order from the coarsest to the finest grid of a nested family (each
    cell of one split into ``k`` of the next: the spacing falls exactly by ``k``)."""
    return float(np.log(errs[sizes[0]] / errs[sizes[-1]]) / np.log(sizes[-1] / sizes[0]))


def _stretch(grid) -> float:
    """The largest neighbour ratio of a grid."""
    out = 1.0
    for a in range(3):
        w = grid.widths(a)
        if w.size > 1:
            out = max(out, float(np.max(np.maximum(w[1:] / w[:-1], w[:-1] / w[1:]))))
    return out


def _nested(d: dict, k: int) -> Simulation:
    """The case ``d`` on its own graded grid with every cell split into ``k``."""
    from thermo.grid.model import build_flow_model

    case = case_from_dict(d)
    return Simulation(case, build_flow_model(case, case.grid.refined(k)))


# -- plane Poiseuille flow ---------------------------------------------------------------

def graded_channel_case(n: int = 8) -> dict:
    """The Poiseuille channel of :func:`thermo.validation.flow.channel_case` on a graded
    grid: cells of 1/(4n) m within one core cell (1/n m) of each wall, growing by
    :data:`RATIO` to 1/n m."""
    from thermo.validation.flow import channel_case

    d = channel_case(n)
    del d["domain"]["cells"]
    h, size = 1.0 / n, d["domain"]["size"]
    wall = [h, h / 4, h]
    d["grid"] = {"max_cell": [h, h, h], "max_ratio": RATIO, "refine": [
        {"box": {"min": [0.0, 0.0, 0.0], "max": [size[0], h, size[2]]}, "max_cell": wall},
        {"box": {"min": [0.0, 1.0 - h, 0.0], "max": [size[0], 1.0, size[2]]}, "max_cell": wall}]}
    d["case"]["name"] = f"poiseuille-graded-{n}"
    return d


def graded_poiseuille_error(k: int) -> tuple[float, object]:
    """Largest error of the steady profile on the graded channel grid with each cell
    split into ``k``, relative to the centre speed g H^2 / (8 nu); and the grid."""
    sim = _nested(graded_channel_case(), k)
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"graded Poiseuille k={k} did not converge: {info}")
    u = np.asarray(state.u[0])[0, :, 0]
    y = sim.grid.centers(1)
    return float(np.abs(u - 0.5 * y * (1.0 - y)).max() / 0.125), sim.grid


def validate_graded_poiseuille(full: bool = False) -> list[dict]:
    sizes = (1, 2, 4, 8) if full else (1, 2, 4)
    res = {k: graded_poiseuille_error(k) for k in sizes}
    errs = {k: e for k, (e, _) in res.items()}
    g = res[sizes[-1]][1]
    order = _order(errs, sizes)
    return [
        row("poiseuille-graded", f"max |u - u_exact| / u_max, {g.cells[1]} graded cells across "
            f"(ratio {_stretch(g):.3f})", 0.0, errs[sizes[-1]], errs[sizes[-1]], 0.01, "validation"),
        row("poiseuille-graded", f"order on nested stretched grids {[res[k][1].cells[1] for k in sizes]} "
            f"cells, errors {', '.join(f'{errs[k]:.3g}' for k in sizes)} (error = 2 - order, "
            "bound: order >= 1.8)", 2.0, order, 2.0 - order, 0.2, "validation"),
    ]


# -- the erfc slab ------------------------------------------------------------------------

def graded_slab_case(n: int = 50, end_time: float = 0.01, steps: int = 400) -> dict:
    """The slab of :func:`thermo.validation.conduction.slab_case` graded along x: cells
    of 1/(4n) m within one core cell (1/n m) of the heated face, growing by
    :data:`RATIO` to 1/n m."""
    from thermo.validation.conduction import slab_case

    d = slab_case(n, end_time, steps)
    del d["domain"]["cells"]
    h = 1.0 / n
    d["grid"] = {"max_cell": [h, h, h], "max_ratio": RATIO, "refine": [
        {"box": {"min": [0.0, 0.0, 0.0], "max": [h, h, h]}, "max_cell": [h / 4, h, h]}]}
    d["case"]["name"] = f"slab-graded-{n}"
    return d


def graded_slab_error(k: int, end_time: float = 0.01) -> tuple[float, object]:
    """Largest |T - erfc| (K per K) at ``end_time`` on the graded slab grid with each
    cell split into ``k``; and the grid."""
    from math import erfc, sqrt

    sim = _nested(graded_slab_case(end_time=end_time), k)
    state, info = sim.run()
    x = sim.grid.centers(0)
    exact = np.array([erfc(xi / (2 * sqrt(info.simulated_time))) for xi in x])
    return float(np.abs(np.asarray(state.T)[:, 0, 0] - exact).max()), sim.grid


def validate_graded_slab(full: bool = False) -> list[dict]:
    sizes = (1, 2, 4)
    res = {k: graded_slab_error(k) for k in sizes}
    errs = {k: e for k, (e, _) in res.items()}
    g = res[sizes[0]][1]
    order = _order(errs, sizes)
    return [
        row("slab-graded", f"max |T - T_erfc| / dT at t = 0.01 s, {g.cells[0]} graded cells "
            f"(ratio {_stretch(g):.3f})", 0.0, errs[sizes[0]], errs[sizes[0]], 0.01, "validation"),
        row("slab-graded", f"order on nested stretched grids {[res[k][1].cells[0] for k in sizes]} "
            f"cells, errors {', '.join(f'{errs[k]:.3g}' for k in sizes)} (error = 2 - order, "
            "bound: order >= 1.8)", 2.0, order, 2.0 - order, 0.2, "validation"),
    ]


# -- the composite wall, interfaces between unequal cells ----------------------------------

def graded_composite_wall_case() -> dict:
    """The composite wall of :func:`thermo.validation.conduction.composite_wall_case` on a
    graded grid: 0.1 mm cells in the FR4, 0.4 mm in the metals, growing by 1.2 between
    (every interface lies between two cells of different widths)."""
    from thermo.validation.conduction import composite_wall_case

    d = composite_wall_case()
    del d["domain"]["cells"]
    fr4 = next(p for p in d["parts"] if p["name"] == "fr4")
    d["grid"] = {"max_cell": [0.01, 0.01, 0.0004], "max_ratio": 1.2, "min_cells_across": 1,
                 "refine": [{"parts": ["fr4"], "max_cell": [0.01, 0.01, 0.0001]}]}
    assert fr4["box"]["min"][2] > 0
    d["case"]["name"] = "composite-wall-graded"
    return d


def validate_graded_composite_wall(full: bool = False) -> list[dict]:
    from thermo.case.materials import LIBRARY
    from thermo.diagnostics.summary import summarise
    from thermo.validation.conduction import LAYERS

    sim = Simulation(case_from_dict(graded_composite_wall_case()))
    state, info = sim.run()
    s = summarise(sim, state, info)
    resist = [t / LIBRARY[m].conductivity_axes()[2] for m, t in LAYERS]
    q_exact = (80.0 - 20.0) / sum(resist)
    q = s["boundaries"]["hot"]["heat_w"] / (0.01 * 0.01)
    z_faces, w = sim.grid.faces(2), sim.grid.widths(2)
    rows = [row("composite-wall-graded", f"heat flux (W/m2), {w.size} cells of "
                f"{1e3 * w.min():.3g}-{1e3 * w.max():.3g} mm", q_exact, q, abs(q / q_exact - 1),
                1e-9, "validation")]
    T = np.asarray(state.T)[0, 0, :]
    k = sim.thermal.conductivity_axes[2][0, 0, :]
    t_exact, z = 80.0, 0.0
    for (m, t), r in zip(LAYERS[:-1], resist[:-1]):
        z += t
        t_exact -= q_exact * r
        i = int(np.argmin(np.abs(z_faces - z)))  # the interface face
        # the face value that makes both half cells' fluxes equal (unequal widths)
        a, b = k[i - 1] / (w[i - 1] / 2), k[i] / (w[i] / 2)
        t_if = (a * T[i - 1] + b * T[i]) / (a + b)
        rows.append(row("composite-wall-graded", f"interface T (C) after {m}, cells "
                        f"{1e3 * w[i - 1]:.3g} | {1e3 * w[i]:.3g} mm", t_exact, t_if,
                        abs(t_if - t_exact) / abs(t_exact), 1e-9, "validation"))
    return rows


# -- de Vahl Davis Ra = 1e6, wall-clustered ------------------------------------------------

def devahldavis_graded_case(core: float = 1 / 24, wall: float = 1 / 320, ratio: float = 1.15,
                            ra: float = 1e6) -> dict:
    """The bundled ``devahldavis-graded`` example (Ra = 1e6): cells of ``wall`` m in 2 cm
    along every wall, growing by ``ratio`` to ``core`` m."""
    import tomllib

    from thermo.case import example_path

    d = tomllib.loads(example_path("devahldavis-graded").read_text(encoding="utf-8"))
    alpha = (1.0 / (ra * 0.71)) ** 0.5
    d["materials"][0]["conductivity"] = alpha
    d["materials"][0]["viscosity"] = 0.71 * alpha
    depth = d["domain"]["size"][2]
    d["grid"]["max_ratio"] = ratio
    for zone in d["grid"]["refine"]:  # fine across its wall only (the grid is a tensor product)
        zone["max_cell"] = [wall if zone["max_cell"][a] < d["grid"]["max_cell"][a] else core
                            for a in range(2)] + [depth]
    d["grid"]["max_cell"] = [core, core, depth]
    return d


def validate_graded_devahldavis(full: bool = False) -> list[dict]:
    from thermo.diagnostics.summary import summarise
    from thermo.validation.convection import DVD_GRIDS, DVD_NUSSELT

    d = devahldavis_graded_case()
    # the implicit steady scheme: the march's steady state (Nu 8.82096 in 29,028 steps,
    # 390 s of the CI's validation) in 317 iterations, about 30 s: Nu 8.82097
    d["solver"].update({"scheme": "implicit", "pseudo_cfl": 10, "steps_per_call": 50,
                        "max_steps": 4000})
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"graded de Vahl Davis Ra=1e6 did not converge: {info}")
    s = summarise(sim, state, info)
    alpha = d["materials"][0]["conductivity"]
    nu = s["boundaries"]["hot"]["heat_w"] / (alpha * 1.0 * sim.grid.size[2])
    ref = DVD_NUSSELT[1e6]
    g = sim.grid
    n_uniform = DVD_GRIDS[False][1e6]
    cells, uniform = g.cells[0] * g.cells[1], n_uniform ** 2
    return [
        row("devahldavis-ra1e6-graded", f"mean hot-wall Nu, {g.cells[0]}x{g.cells[1]} graded "
            f"(ratio {_stretch(g):.3f}; implicit, {s['steps']} iterations, {s['wall_time_s']:.0f} s, "
            f"{info.pressure_iterations:.1f} MG-PCG it/iteration)", ref, nu, abs(nu / ref - 1), 0.01,
            "validation"),
        row("devahldavis-ra1e6-graded", f"cells against the uniform {n_uniform}x{n_uniform} that "
            f"meets the same 1 % (bound: a third)", float(uniform), float(cells),
            cells / uniform, 1 / 3, "check"),
    ]


# -- multigrid on graded grids -------------------------------------------------------------

def mg_iterations(grid, tol: float = 1e-8) -> int:
    """MG-PCG iterations to ``tol`` for ``-div(grad p) = b`` (random, compatible) in a
    closed box on ``grid`` (a flat axis of one cell carries no flux)."""
    from thermo.kernels.multigrid import build_hierarchy
    from thermo.kernels.poisson import solve_poisson
    from thermo.solver.setup import grid_spacing

    n = grid.cells
    coeffs = [np.ones(grid.face_shape(a)) for a in range(3)]
    for a in range(3):  # closed walls: Neumann
        idx = [slice(None)] * 3
        idx[a] = [0, -1]
        coeffs[a][tuple(idx)] = 0.0
        if n[a] == 1:
            coeffs[a][...] = 0.0
    levels = build_hierarchy(coeffs, grid_spacing(grid), (False,) * 3)
    rhs = np.random.default_rng(0).standard_normal(n)
    _, solve = solve_poisson(levels, rhs - rhs.mean(), np.zeros(n), tol=tol, max_iter=500,
                             singular=True)
    return int(solve.iterations)


def validate_graded_multigrid(full: bool = False) -> list[dict]:
    """MG-PCG iterations to 1e-8 in a closed box on the graded de Vahl Davis grid and
    on the graded air rack's grid, beside uniform grids that coarsen fully (counts
    divisible by 8): checks of the solver, printed."""
    import jax

    from thermo.case import example_path, load_case
    from thermo.meshes import Grid

    jax.config.update("jax_enable_x64", True)
    rows = []
    for name, graded, uniform, bound, kind in (
            ("dVD", case_from_dict(devahldavis_graded_case()).grid, (64, 64, 1), 1.5, "check"),
            ("air rack", load_case(example_path("air-rack-60kw-graded")).grid, (24, 16, 40), 1.5,
             "check"),
            # stretched along a different axis at each wall: whole axes paired by their
            # thinnest cell took 18 against 7 here (session 7)
            ("box clustered at all six walls", _walled_box((33, 31, 29), 10.0), (32, 32, 32), 1.5,
             "check")):
        u = Grid(graded.size, uniform)
        it_g, it_u = mg_iterations(graded), mg_iterations(u)
        cells = "x".join(str(c) for c in graded.cells)
        rows.append(row("multigrid-graded", f"MG-PCG iterations to 1e-8, {name} graded {cells} "
                        f"(aspect {_aspect(graded):.1f}): {it_g}, uniform "
                        f"{'x'.join(str(c) for c in uniform)}: {it_u} (bound: 1.5x)", 1.0,
                        it_g / it_u, it_g / it_u, bound, kind))
    return rows


def _walled_box(cells, aspect: float, ratio: float = 1.15):
    """A unit box whose cells grow by ``ratio`` from every wall until ``aspect`` times
    the wall cell's width."""
    from thermo.meshes import Grid

    lines = []
    for n in cells:
        k = np.minimum(np.arange(n), n - 1 - np.arange(n))
        w = np.minimum(ratio ** k, aspect)
        lines.append(tuple(np.concatenate([[0.0], np.cumsum(w / w.sum())])))
    return Grid.from_lines(*lines)


def _aspect(grid) -> float:
    w = [grid.widths(a) for a in range(3) if grid.cells[a] > 1]
    return max(float(p.max() / q.min()) for p in w for q in w)
