"""Validation cases against analytic solutions and published data.

Each function runs one case and returns rows for the table that
``thermo validate`` prints: case, kind, quantity, reference, computed, error (the
measure the bound applies to, stated in ``quantity``), bound, ok. The tests in
``tests/test_validation.py`` call the same functions and assert on ``ok``.

Every row has a ``kind`` (:data:`KINDS`):

* ``"validation"``: the solver against published data (Ghia, de Vahl Davis,
  Churchill & Chu, Dean, Shah & London) or against a solution it does not
  compute itself: an analytic solution of the equations (Poiseuille, erfc,
  Graetz by eigen-expansion) or a resolved geometry standing in for a compact
  model (resolved fins for a porous block, a resolved slot for a cold plate);
* ``"check"``: the code against its own model's formula, a conservation law or
  itself (a compact part against the formula it implements, a turbulence model
  against its own exact profile, an energy balance, a grid-convergence or a
  solver property): it checks the implementation, not the physics;
* ``"not validated"``: the model's error against data, shown with the bound a
  validation would need, but known not to meet it: ``ok`` is None, never a pass
  or a failure.
"""
from __future__ import annotations

import fnmatch
import pathlib
from typing import Callable

import numpy as np

from thermo.case import case_from_dict
from thermo.solver.simulation import Simulation

REFERENCE = pathlib.Path(__file__).parent.parent / "reference"


KINDS = ("validation", "check", "not validated")


def _row(case: str, quantity: str, reference, computed, error: float, bound: float,
         kind: str = "check") -> dict:
    """One table row; ``ok`` is ``error <= bound`` (None for ``"not validated"``).
    ``kind`` defaults to the weaker claim, ``"check"``: a row is a validation only
    when it says so."""
    if kind not in KINDS:
        raise ValueError(f"unknown row kind {kind!r}; one of {KINDS}")
    ok = None if kind == "not validated" else bool(np.isfinite(error) and error <= bound)
    return dict(case=case, kind=kind, quantity=quantity, reference=reference, computed=computed,
                rel_error=float(error), bound=float(bound), ok=ok)


def channel_case(n: int, precision: str = "float64") -> dict:
    """Plane Poiseuille flow: periodic in x and z, walls at y = 0 and y = H = 1 m,
    driven by a body force g = 1 m/s2 with nu = 1 m2/s; u(y) = g y (H - y) / (2 nu)."""
    return {
        "case": {"name": f"poiseuille-{n}"},
        "domain": {"size": [4.0 / n, 1.0, 1.0 / n], "cells": [4, n, 1]},
        "materials": [{"name": "unit", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 1.0, "viscosity": 1.0, "expansion": 0.0}],
        "fluid": {"material": "unit"},
        "physics": {"body_force": [1.0, 0.0, 0.0]},
        "boundaries": [
            {"name": "xlo", "face": "x-", "flow": "periodic"},
            {"name": "xhi", "face": "x+", "flow": "periodic"},
            {"name": "zlo", "face": "z-", "flow": "periodic"},
            {"name": "zhi", "face": "z+", "flow": "periodic"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-11, "max_steps": 400000,
                   "steps_per_call": 5000, "precision": precision},
    }


def poiseuille_error(n: int) -> float:
    """Largest error of the steady profile relative to the centre speed g H^2 / (8 nu)."""
    sim = Simulation(case_from_dict(channel_case(n)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"Poiseuille n={n} did not converge: {info}")
    u = np.asarray(state.u[0])[0, :, 0]
    y = sim.grid.centers(1)
    exact = 0.5 * y * (1.0 - y)
    return float(np.abs(u - exact).max() / 0.125)


def validate_poiseuille(full: bool = False) -> list[dict]:
    sizes = (8, 16, 32, 64) if full else (8, 16, 32)
    errs = {n: poiseuille_error(n) for n in sizes}
    rows = [_row("poiseuille", f"max |u - u_exact| / u_max, {n} cells across", 0.0, errs[n],
                 errs[n], 0.01, "validation") for n in sizes if n >= 16]
    order = np.log2(errs[sizes[0]] / errs[sizes[-1]]) / np.log2(sizes[-1] / sizes[0])
    rows.append(_row("poiseuille", f"convergence order {sizes[0]}->{sizes[-1]} cells "
                     "(error = 2 - order)", 2.0, order, 2.0 - order, 0.2, "validation"))
    return rows


def cavity_case(n: int, reynolds: float, precision: str = "float64",
                tolerance: float = 1e-6, nz: int = 1) -> dict:
    """Lid-driven cavity: 1 m square, lid y+ moving at 1 m/s, nu = 1/Re.

    ``nz == 1`` is the 2-D cavity (one cell in z, slip faces); otherwise a cube."""
    bounds = [{"name": "lid", "face": "y+", "flow": "wall", "velocity": [1.0, 0.0, 0.0]}]
    if nz == 1:
        bounds += [{"name": "zlo", "face": "z-", "flow": "slip"},
                   {"name": "zhi", "face": "z+", "flow": "slip"}]
    return {
        "case": {"name": f"cavity-re{reynolds:g}-{n}"},
        "domain": {"size": [1.0, 1.0, 1.0 / n if nz == 1 else 1.0], "cells": [n, n, nz]},
        "materials": [{"name": "cavity", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 1.0, "viscosity": 1.0 / reynolds, "expansion": 0.0}],
        "fluid": {"material": "cavity"},
        "boundaries": bounds,
        "solver": {"mode": "steady", "tolerance": tolerance, "max_steps": 200000,
                   "steps_per_call": 1000, "precision": precision},
    }


def _ghia(name: str) -> np.ndarray:
    return np.loadtxt(REFERENCE / name, delimiter=",", skiprows=1)


def cavity_errors(n: int, reynolds: float, tolerance: float = 1e-6) -> dict:
    """Largest |u - u_Ghia| on the vertical centreline (and |v - v_Ghia| at Re 100)."""
    sim = Simulation(case_from_dict(cavity_case(n, reynolds, tolerance=tolerance)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"cavity Re={reynolds} n={n} did not converge: {info}")
    y = np.concatenate([[0.0], sim.grid.centers(1), [1.0]])
    u = np.asarray(state.u[0])[n // 2, :, 0]  # x-faces at x = 0.5 (n even)
    ref = _ghia("ghia1982_u_centreline.csv")
    col = {100: 1, 1000: 2}[int(reynolds)]
    uc = np.interp(ref[:, 0], y, np.concatenate([[0.0], u, [1.0]]))
    out = {"u": float(np.abs(uc - ref[:, col]).max()), "steps": info.steps}
    if int(reynolds) == 100:
        refv = _ghia("ghia1982_v_centreline_re100.csv")
        x = np.concatenate([[0.0], sim.grid.centers(0), [1.0]])
        v = np.asarray(state.u[1])[:, n // 2, 0]
        vc = np.interp(refv[:, 0], x, np.concatenate([[0.0], v, [0.0]]))
        out["v"] = float(np.abs(vc - refv[:, 1]).max())
    return out


def validate_cavity(full: bool = False) -> list[dict]:
    rows = []
    for re, n, bound in ((100, 32, 0.02), (1000, 128 if full else 64, 0.03)):
        e = cavity_errors(n, re, tolerance=1e-6 if re == 100 else 1e-5)
        rows.append(_row(f"ghia-re{re}", f"max |u - u_Ghia| on x = 0.5, {n}x{n} (lid speed 1)",
                         None, e["u"], e["u"], bound, "validation"))
        if "v" in e:
            rows.append(_row(f"ghia-re{re}", f"max |v - v_Ghia| on y = 0.5, {n}x{n}",
                             None, e["v"], e["v"], bound, "validation"))
    return rows


def cavity3d_divergence(n: int = 16, steps: int = 300) -> tuple[float, float]:
    """Largest |div u| L / U over the 3-D cavity after ``steps`` steps, and its
    bound: the pressure solver's relative tolerance times the predictor's."""
    d = cavity_case(n, 100.0, nz=n)
    d["solver"].update(mode="transient", end_time=1e9, max_steps=steps, steps_per_call=steps,
                       pressure_tolerance=1e-10)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    return info.res_div, info.steps


def validate_cavity3d(full: bool = False) -> list[dict]:
    n = 32 if full else 16
    res, steps = cavity3d_divergence(n)
    return [_row("cavity3d-re100", f"max |div u| L/U after {steps} steps, {n}^3 "
                 "(pressure tolerance 1e-10)", 0.0, res, res, 1e-8, "check")]


def multigrid_problem(n: int, dtype=np.float64):
    """An n^3 box with a solid block inside, walls all round and one Dirichlet face
    (x+): the multigrid hierarchy, a random right-hand side, and a jitted solve
    ``solve(levels, rhs, tol) -> (p, info)``."""
    import jax
    import jax.numpy as jnp

    from thermo.kernels.multigrid import build_hierarchy
    from thermo.kernels.poisson import solve_poisson

    if np.dtype(dtype) == np.float64 and not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)  # as a float64 Simulation does
    fluid = np.ones((n, n, n))
    fluid[n // 4:n // 2, n // 4:3 * n // 4, : n // 2] = 0.0
    coeffs = []
    for a in range(3):
        lo = np.take(fluid, range(0, n - 1), axis=a)
        hi = np.take(fluid, range(1, n), axis=a)
        edge = np.zeros_like(np.take(fluid, [0], axis=a))
        top = np.take(fluid, [n - 1], axis=a) if a == 0 else edge  # x+ is Dirichlet
        coeffs.append(jnp.asarray(np.concatenate([edge, lo * hi, top], axis=a), dtype))
    levels = build_hierarchy(coeffs, (1.0 / n,) * 3, (False,) * 3)
    rhs = jnp.asarray(np.random.default_rng(1).standard_normal((n, n, n)) * fluid, dtype)
    solve = jax.jit(lambda lv, b, tol: solve_poisson(lv, b, jnp.zeros_like(b), tol=tol,
                                                     singular=False, max_iter=500),
                    static_argnums=2)
    return levels, rhs, solve


def multigrid_iterations(n: int, dtype=np.float64, tol: float = 1e-8) -> int:
    """PCG iterations to reduce :func:`multigrid_problem`'s residual by ``tol``."""
    levels, rhs, solve = multigrid_problem(n, dtype)
    _, info = solve(levels, rhs, tol)
    return int(info.iterations)


def validate_multigrid(full: bool = False) -> list[dict]:
    small, large = (32, 128) if full else (16, 32)
    it_s, it_l = multigrid_iterations(small), multigrid_iterations(large)
    growth = it_l / it_s
    return [_row("multigrid-pcg", f"iterations to 1e-8: {small}^3 {it_s}, {large}^3 {it_l} "
                 "(growth)", 1.0, growth, growth, 1.5, "check")]


VALIDATIONS: dict[str, Callable[[bool], list[dict]]] = {
    "poiseuille": validate_poiseuille,
    "cavity": validate_cavity,
    "cavity3d": validate_cavity3d,
    "multigrid": validate_multigrid,
}


def run_validation(full: bool = False, pattern: str | None = None) -> list[dict]:
    """Run every validation whose name matches ``pattern`` (glob); return the rows."""
    rows = []
    for name, fn in VALIDATIONS.items():
        if pattern and not fnmatch.fnmatch(name, pattern) and pattern not in name:
            continue
        rows.extend(fn(full))
    return rows


# ---------------------------------------------------------------- heat transfer

LAYERS = (("copper", 0.004), ("fr4", 0.0016), ("aluminium", 0.003))  # material, thickness (m)


def composite_wall_case(cells_per_mm: int = 5) -> dict:
    """Three solid layers stacked along z (a board's through-plane direction) between
    fixed temperatures 80 C (z-) and 20 C (z+)."""
    z, parts = 0.0, []
    for name, t in LAYERS:
        parts.append({"name": name, "kind": "solid", "material": name,
                      "box": {"min": [0.0, 0.0, z], "max": [0.01, 0.01, z + t]}})
        z += t
    n = int(round(z * 1000 * cells_per_mm))
    return {
        "case": {"name": "composite-wall"},
        "domain": {"size": [0.01, 0.01, z], "cells": [1, 1, n]},
        "parts": parts,
        "boundaries": [{"name": "hot", "face": "z-", "temperature": 80.0},
                       {"name": "cold", "face": "z+", "temperature": 20.0}],
        "solver": {"mode": "steady", "tolerance": 1e-9, "max_steps": 50, "steps_per_call": 50},
    }


def validate_composite_wall(full: bool = False) -> list[dict]:
    from thermo.case.materials import LIBRARY
    from thermo.runner import summarise

    case = case_from_dict(composite_wall_case())
    sim = Simulation(case)
    state, info = sim.run()
    summary = summarise(sim, state, info)
    resist = [t / LIBRARY[m].conductivity_axes()[2] for m, t in LAYERS]
    q_exact = (80.0 - 20.0) / sum(resist)  # W/m2
    area = 0.01 * 0.01
    q = summary["boundaries"]["hot"]["heat_w"] / area
    rows = [_row("composite-wall", "heat flux (W/m2) through Cu | FR4 | Al", q_exact, q,
                 abs(q / q_exact - 1), 1e-6, "validation")]
    T = np.asarray(state.T)[0, 0, :]
    k = sim.thermal.conductivity_axes[2][0, 0, :]
    z_faces = sim.grid.faces(2)
    t_exact, z = 80.0, 0.0
    for (m, t), r in zip(LAYERS[:-1], resist[:-1]):
        z += t
        t_exact -= q_exact * r
        i = int(np.argmin(np.abs(z_faces - z)))  # the interface face
        t_if = (k[i - 1] * T[i - 1] + k[i] * T[i]) / (k[i - 1] + k[i])
        rows.append(_row("composite-wall", f"interface temperature (C) after {m}", t_exact, t_if,
                         abs(t_if - t_exact) / abs(t_exact), 1e-6, "validation"))
    return rows


def heated_block_case(n: int = 8) -> dict:
    """A 2 W aluminium block in an air duct, inlet 0.01 m/s at 25 C (block Reynolds
    number 33: a steady wake), an outlet, and a convective floor; steady."""
    return {
        "case": {"name": "heated-block"},
        "domain": {"size": [0.2, 0.1, 0.1], "cells": [2 * n, n, n]},
        "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 2.0,
                   "box": {"min": [0.075, 0.0, 0.025], "max": [0.1, 0.05, 0.075]}}],
        "boundaries": [
            {"name": "inlet", "face": "x-", "flow": "inlet", "velocity": [0.01, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "outlet", "face": "x+", "flow": "outlet"},
            {"name": "floor", "face": "y-", "flow": "wall", "htc": 5.0, "ambient": 25.0},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 20000,
                   "steps_per_call": 500},
    }


def validate_heated_block(full: bool = False) -> list[dict]:
    from thermo.runner import summarise

    sim = Simulation(case_from_dict(heated_block_case(16 if full else 8)))
    state, info = sim.run()
    s = summarise(sim, state, info)
    return [_row("heated-block", f"energy imbalance at steady state ({info.status}, "
                 f"{info.steps} steps, block max {s['parts']['block']['max_temperature_c']:.2f} C)",
                 0.0, s["energy_imbalance"], s["energy_imbalance"], 1e-4, "check")]


def slab_case(n: int, end_time: float = 0.01, steps: int = 400) -> dict:
    """A 1 m solid slab (k = 1, rho cp = 1) at 0 C whose x- face steps to 1 C at t = 0."""
    return {
        "case": {"name": f"slab-{n}"},
        "domain": {"size": [1.0, 1.0 / n, 1.0 / n], "cells": [n, 1, 1]},
        "materials": [{"name": "unit-solid", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 1.0}],
        "fluid": {"initial_temperature": 0.0, "reference_temperature": 0.0},
        "parts": [{"name": "slab", "kind": "solid", "material": "unit-solid",
                   "box": {"min": [0.0, 0.0, 0.0], "max": [1.0, 1.0 / n, 1.0 / n]}}],
        "boundaries": [{"name": "wall", "face": "x-", "temperature": 1.0}],
        "solver": {"mode": "transient", "end_time": end_time, "dt": end_time / steps,
                   "max_steps": steps + 1, "steps_per_call": steps + 1},
    }


def slab_error(n: int, end_time: float = 0.01) -> float:
    """Largest |T - erfc(x / 2 sqrt(alpha t))| over the slab at ``end_time`` (K per K)."""
    from math import erfc, sqrt

    sim = Simulation(case_from_dict(slab_case(n, end_time)))
    state, info = sim.run()
    x = sim.grid.centers(0)
    exact = np.array([erfc(xi / (2 * sqrt(info.simulated_time))) for xi in x])
    return float(np.abs(np.asarray(state.T)[:, 0, 0] - exact).max())


def validate_slab(full: bool = False) -> list[dict]:
    sizes = (50, 100, 200)
    errs = {n: slab_error(n) for n in sizes}
    order = np.log2(errs[sizes[0]] / errs[sizes[-1]]) / np.log2(sizes[-1] / sizes[0])
    return [
        _row("semi-infinite-slab", f"max |T - T_erfc| / dT at t = 0.01 s, {sizes[0]} cells/m",
             0.0, errs[sizes[0]], errs[sizes[0]], 0.01, "validation"),
        _row("semi-infinite-slab", f"spatial order {sizes[0]}->{sizes[-1]} cells/m "
             "(error = 2 - order)", 2.0, order, 2.0 - order, 0.2, "validation"),
    ]


VALIDATIONS.update({
    "composite-wall": validate_composite_wall,
    "heated-block": validate_heated_block,
    "slab": validate_slab,
})


DVD_NUSSELT = {1e3: 1.118, 1e4: 2.243, 1e5: 4.519, 1e6: 8.800}  # de Vahl Davis (1983)
# grids (cells per side) on which each Ra meets the 1 % bound; --full refines them
DVD_GRIDS = {False: {1e3: 32, 1e4: 48, 1e5: 80, 1e6: 144},
             True: {1e3: 64, 1e4: 96, 1e5: 128, 1e6: 192}}


def devahldavis_nusselt(ra: float, n: int) -> tuple[float, dict]:
    """Mean hot-wall Nusselt number of the bundled ``devahldavis.toml`` case at ``ra``
    on an n x n grid, from the hot boundary's ``heat_w``; and the run's summary."""
    from thermo.case import load_case
    from thermo.runner import summarise

    alpha = (1.0 / (ra * 0.71)) ** 0.5
    path = pathlib.Path(__file__).parent.parent / "cases" / "devahldavis.toml"
    case = load_case(path, [f"domain.cells=[{n},{n},1]", f"domain.size=[1.0,1.0,{1.0 / n}]",
                            f"materials[0].conductivity={alpha!r}",
                            f"materials[0].viscosity={0.71 * alpha!r}",
                            f"case.name=\"dvd-ra{ra:g}-{n}\""])
    sim = Simulation(case)
    state, info = sim.run()
    s = summarise(sim, state, info)
    if info.status != "converged":
        raise RuntimeError(f"de Vahl Davis Ra={ra:g} n={n} did not converge: {info}")
    return s["boundaries"]["hot"]["heat_w"] / (alpha * 1.0 * (1.0 / n)), s


def validate_devahldavis(full: bool = False) -> list[dict]:
    rows = []
    for ra, n in DVD_GRIDS[full].items():
        nu, s = devahldavis_nusselt(ra, n)
        ref = DVD_NUSSELT[ra]
        rows.append(_row(f"devahldavis-ra{ra:g}", f"mean hot-wall Nu, {n}x{n} "
                         f"({s['steps']} steps, {s['wall_time_s']:.0f} s)", ref, nu,
                         abs(nu / ref - 1), 0.01, "validation"))
    return rows


def channel_heat_case(n: int = 16, length: float = 20.0) -> dict:
    """Laminar flow between isothermal plates (H = 1 m): uniform inlet U = 1 m/s at 1 C,
    walls at 0 C, Re_Dh = 20, Pr = 5 (Pe_Dh = 100), rho = cp = 1."""
    return {
        "case": {"name": f"channel-nu-{n}"},
        "domain": {"size": [length, 1.0, 1.0 / n], "cells": [int(length * n), n, 1]},
        "materials": [{"name": "channel-fluid", "density": 1.0, "specific_heat": 1.0,
                       "conductivity": 0.02, "viscosity": 0.1, "expansion": 0.0}],
        "fluid": {"material": "channel-fluid", "initial_temperature": 1.0,
                  "reference_temperature": 1.0},
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0.0, 0.0],
             "temperature": 1.0},
            {"name": "out", "face": "x+", "flow": "outlet"},
            {"name": "bottom", "face": "y-", "flow": "wall", "temperature": 0.0},
            {"name": "top", "face": "y+", "flow": "wall", "temperature": 0.0},
            {"name": "zlo", "face": "z-", "flow": "slip"},
            {"name": "zhi", "face": "z+", "flow": "slip"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 200000,
                   "steps_per_call": 2000},
    }


def channel_nusselt(n: int = 16) -> float:
    """Mean local Nu = q_w D_h / (k (T_w - T_bulk)) over 12 <= x/H <= 16."""
    sim = Simulation(case_from_dict(channel_heat_case(n)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"channel n={n} did not converge: {info}")
    T = np.asarray(state.T)[:, :, 0]
    u = sim.cell_fields(state)["U"][:, :, 0, 0]
    h = sim.grid.spacing[1]
    k = 0.02
    x = sim.grid.centers(0)
    sel = (x >= 12.0) & (x <= 16.0)
    q_wall = k * (T[sel, 0] + T[sel, -1]) / 2 / (h / 2)  # mean of both walls, W/m2
    t_bulk = (u[sel] * T[sel]).sum(axis=1) / u[sel].sum(axis=1)
    return float(np.mean(q_wall * 2.0 / (k * t_bulk)))


def validate_channel(full: bool = False) -> list[dict]:
    n = 24 if full else 16
    nu = channel_nusselt(n)
    return [_row("laminar-channel", f"fully developed Nu, isothermal plates, {n} cells across",
                 7.541, nu, abs(nu / 7.541 - 1), 0.02, "validation")]


VALIDATIONS.update({"devahldavis": validate_devahldavis, "channel": validate_channel})


def conjugate_case(n: int) -> dict:
    """A 2-D copper block dissipating 10 W per metre of depth in an air channel
    0.1 m high, inlet 0.02 m/s at 25 C (block Reynolds number 33); n cells across."""
    depth = 0.1 / n
    return {
        "case": {"name": f"conjugate-{n}"},
        "domain": {"size": [0.2, 0.1, depth], "cells": [2 * n, n, 1]},
        "parts": [{"name": "block", "kind": "solid", "material": "copper", "power": 10.0 * depth,
                   "box": {"min": [0.05, 0.0, 0.0], "max": [0.075, 0.025, depth]}}],
        "boundaries": [
            {"name": "inlet", "face": "x-", "flow": "inlet", "velocity": [0.02, 0.0, 0.0],
             "temperature": 25.0},
            {"name": "outlet", "face": "x+", "flow": "outlet"},
            {"name": "zlo", "face": "z-", "flow": "slip"},
            {"name": "zhi", "face": "z+", "flow": "slip"},
        ],
        "solver": {"mode": "steady", "tolerance": 1e-6, "max_steps": 100000,
                   "steps_per_call": 1000},
    }


def conjugate_block_max(n: int) -> tuple[float, dict]:
    from thermo.runner import summarise

    sim = Simulation(case_from_dict(conjugate_case(n)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"conjugate n={n} did not converge: {info}")
    s = summarise(sim, state, info)
    return s["parts"]["block"]["max_temperature_c"], s


def validate_conjugate(full: bool = False) -> list[dict]:
    sizes = (16, 32, 64) if full else (8, 16, 32)
    t = [conjugate_block_max(n)[0] for n in sizes]
    order = float(np.log2(abs(t[1] - t[0]) / abs(t[2] - t[1])))
    change = abs(t[2] - t[1]) / (t[1] - 25.0)
    return [
        _row("conjugate-block", f"block max T (C) on {sizes}: {t[0]:.3f}, {t[1]:.3f}, {t[2]:.3f}; "
             "last change / rise", None, t[2], change, 0.05, "check"),
        _row("conjugate-block", "observed order of the block max T: the changes shrink "
             "(error = -order)", None, order, -order, 0.0, "check"),
    ]


VALIDATIONS["conjugate"] = validate_conjugate

from thermo.validation.liquid import VALIDATIONS as _LIQUID  # noqa: E402  (loop, cold-plate)

VALIDATIONS.update(_LIQUID)

from thermo.validation.turbulence import (validate_mixing_length_channel,  # noqa: E402
                                   validate_turbulent_channel)

VALIDATIONS["turbulent-channel"] = validate_turbulent_channel
VALIDATIONS["mixing-length-channel"] = validate_mixing_length_channel

from thermo.validation.immersion import validate_immersion_plate  # noqa: E402

VALIDATIONS["immersion-plate"] = validate_immersion_plate

from thermo.validation.air import (validate_fan, validate_fan_fins, validate_porous,  # noqa: E402
                             validate_porous_fins)

VALIDATIONS["porous"] = validate_porous
VALIDATIONS["porous-fins"] = validate_porous_fins
VALIDATIONS["fan"] = validate_fan
VALIDATIONS["fan-fins"] = validate_fan_fins

from thermo.validation.two_fluids import VALIDATIONS as _TWO_FLUIDS  # noqa: E402  (two-fluids)

VALIDATIONS.update(_TWO_FLUIDS)

from thermo.validation import default_case as validation_default  # noqa: E402,F401  (adds "default-case", the bundled default run)
