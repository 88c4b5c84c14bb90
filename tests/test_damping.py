"""Selective frequency damping of the implicit steady iterations (``solver.damping``).

A square cylinder on the centre line of a slip-walled channel at Re = 150 (on its
diameter): past Re of about 50 its steady wake is unstable and sheds. The plain
pseudo-time iterations follow the instability (they grow the mirror asymmetry from
round-off and keep moving); the damped ones must converge, to the steady solution: a
wake that is its own mirror image (the geometry's symmetry, which the unstable steady
state keeps and a shedding wake breaks) and a state the undamped iterations do not move
(their own fixed point), so the damping left no term of its own in the answer.
"""
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.solver import Simulation
from thermo.solver.state import RUNNING

D, U, RE, N = 0.01, 1.0, 150.0, 4  # m, m/s, Reynolds number, cells across the cylinder


def square_case(damping: float = 0.0, steps: int = 1500, **solver) -> dict:
    """The channel, 20 D long and 8 D wide, the cylinder's front 5 D from the inlet."""
    dz = D / N
    return {
        "case": {"name": "square-cylinder", "description": "square cylinder in a channel, Re 150"},
        "domain": {"size": [20 * D, 8 * D, dz], "cells": [20 * N, 8 * N, 1]},
        "materials": [{"name": "f", "density": 1.0, "specific_heat": 1000.0, "conductivity": 1.0,
                       "viscosity": U * D / RE, "expansion": 0.0},
                      {"name": "s", "density": 1000.0, "specific_heat": 1000.0,
                       "conductivity": 1.0}],
        "fluid": {"material": "f", "reference_temperature": 20.0},
        "parts": [{"name": "square", "kind": "solid", "material": "s",
                   "box": {"min": [5 * D, 3.5 * D, 0.0], "max": [6 * D, 4.5 * D, dz]}}],
        "boundaries": [
            {"name": "in", "face": "x-", "flow": "inlet", "velocity": [U, 0.0, 0.0]},
            {"name": "out", "face": "x+", "flow": "outlet"},
            *({"name": n, "face": f, "flow": "slip"} for n, f in
              (("zlo", "z-"), ("zhi", "z+"), ("ylo", "y-"), ("yhi", "y+")))],
        "physics": {"buoyancy": False},
        "solver": {"mode": "steady", "scheme": "implicit", "tolerance": 1e-6, "max_steps": steps,
                   "steps_per_call": 50, "damping": damping, "damping_width": 10.0, **solver},
    }


def _asymmetry(state) -> float:
    """The largest ``|v(y) + v(H - y)|`` (m/s): zero for a wake that is its own mirror."""
    v = np.asarray(state.u[1])[:, :, 0]
    return float(np.abs(v + v[:, ::-1]).max())


def test_damping_converges_a_shedding_wake_to_its_steady_state():
    plain, plain_info = Simulation(case_from_dict(square_case(0.0, steps=600))).run()
    sim = Simulation(case_from_dict(square_case(0.5)))
    damped, info = sim.run()
    behind = float(np.asarray(damped.u[0])[7 * N, 4 * N, 0])  # 1 D behind the cylinder
    print(f"undamped: {plain_info.status} after {plain_info.steps} iterations, momentum "
          f"residual {float(plain.res_mom):.2e}, asymmetry {_asymmetry(plain):.2e} m/s")
    print(f"damped: {info.status} after {info.steps} iterations, residuals "
          f"{float(damped.res_mom):.2e} / {float(damped.res_div):.2e}, asymmetry "
          f"{_asymmetry(damped):.2e} m/s, u one diameter behind {behind:+.4f} m/s")
    assert plain_info.status == "running" and float(plain.res_mom) > 1e-3
    assert info.status == "converged", info
    assert _asymmetry(damped) < 1e-6 < _asymmetry(plain)
    assert behind < 0.0  # the steady wake's recirculation
    # the undamped iterations started from the damped answer: it is their fixed point too
    answer = [np.asarray(v) for v in damped.u]  # the run below donates the state it starts from
    again, again_info = Simulation(case_from_dict(square_case(0.0, steps=5, tolerance=1e-12))).run(
        damped._replace(history=(), status=jnp.int32(RUNNING), step=jnp.int32(0),
                        res_mom=damped.res_mom * jnp.inf))
    change = max(float(np.abs(np.asarray(a) - b).max()) for a, b in zip(again.u, answer))
    assert again_info.steps == 5
    print(f"undamped, 5 iterations from the damped answer: momentum residual "
          f"{float(again.res_mom):.2e}, velocity change {change:.2e} m/s")
    assert float(again.res_mom) < 1e-5 and change < 1e-4 * U


def test_damping_only_with_the_implicit_steady_scheme():
    for solver in ({"scheme": "march"}, {"mode": "transient", "dt": 1e-3, "end_time": 0.1}):
        with pytest.raises(CaseError) as err:
            case_from_dict(square_case(0.5, **solver))
        assert "solver.damping" in str(err.value) and "scheme = 'implicit'" in str(err.value)
