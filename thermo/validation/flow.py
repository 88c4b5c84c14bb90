"""Flow validations: plane Poiseuille flow (``poiseuille``), the lid-driven
cavity against Ghia et al. (``cavity``), the 3-D cavity's divergence
(``cavity3d``) and the multigrid pressure solver's iteration growth
(``multigrid``)."""
from __future__ import annotations

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import REFERENCE, row


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
    rows = [row("poiseuille", f"max |u - u_exact| / u_max, {n} cells across", 0.0, errs[n],
                errs[n], 0.01, "validation") for n in sizes if n >= 16]
    order = np.log2(errs[sizes[0]] / errs[sizes[-1]]) / np.log2(sizes[-1] / sizes[0])
    rows.append(row("poiseuille", f"convergence order {sizes[0]}->{sizes[-1]} cells "
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
        rows.append(row(f"ghia-re{re}", f"max |u - u_Ghia| on x = 0.5, {n}x{n} (lid speed 1)",
                        None, e["u"], e["u"], bound, "validation"))
        if "v" in e:
            rows.append(row(f"ghia-re{re}", f"max |v - v_Ghia| on y = 0.5, {n}x{n}",
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
    return [row("cavity3d-re100", f"max |div u| L/U after {steps} steps, {n}^3 "
                "(pressure tolerance 1e-10)", 0.0, res, res, 1e-8, "check")]


def multigrid_problem(n: int, dtype=np.float64, aspect: float = 1.0) -> tuple:
    """An n^3 box with a solid block inside, walls all round and one Dirichlet face
    (x+), its cells ``aspect`` times longer along z than across: the multigrid
    hierarchy, a random right-hand side, and a jitted solve
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
    levels = build_hierarchy(coeffs, (1.0 / n, 1.0 / n, aspect / n), (False,) * 3)
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
    return [row("multigrid-pcg", f"iterations to 1e-8: {small}^3 {it_s}, {large}^3 {it_l} "
                "(growth)", 1.0, growth, growth, 1.5, "check")]

