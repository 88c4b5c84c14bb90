"""Implicit transient runs (mode = "transient", scheme = "implicit"): BDF2 time steps
converged by the steady scheme's iterations (thermo/solver/dual.py)."""
import numpy as np
import jax
import jax.numpy as jnp
import pytest

from thermo.case import CaseError, case_from_dict, load_case
from thermo.io.result import read_result
from thermo.runner import run_case
from thermo.solver import Simulation
from thermo.solver.dual import bdf2_coefficients, initial_history

from test_restart import ROOM as RESTART_ROOM


def _waves(steps: int, span: float, ny: int = 32) -> tuple[float, float, int]:
    """A periodic square (0.01 m, ``ny`` cells across y) holding a shear wave u = sin(k y)
    and a temperature wave T = 20 + sin(k y), run ``steps`` implicit steps to ``span``
    decay times of the velocity. Against the semi-discrete solution (each wave decays
    at its discrete Laplacian's eigenvalue: the grid's error taken out, what remains is
    the time integration's): the largest errors of u (m/s) and T (K), and the
    iterations."""
    L = 0.01
    k = 2 * np.pi / L
    h = L / ny
    d = {"case": {"name": "waves"}, "domain": {"size": [L, L, h], "cells": [4, ny, 1]},
         # constant properties (air's viscosity follows T): nu 1.5e-5, alpha 2.5e-5 m2/s
         "materials": [{"name": "gas", "density": 1.2, "specific_heat": 1000.0,
                        "conductivity": 0.03, "viscosity": 1.8e-5, "expansion": 0.0}],
         "fluid": {"material": "gas", "initial_temperature": 20.0},
         "boundaries": [{"name": f, "face": f, "flow": "periodic"} for f in ("x-", "x+", "y-", "y+")]
         + [{"name": "zlo", "face": "z-", "flow": "slip", "heat_flux": 0.0},
            {"name": "zhi", "face": "z+", "flow": "slip"}],
         "solver": {"mode": "transient", "scheme": "implicit", "end_time": 1.0, "dt": 1.0,
                    "outer_tolerance": 1e-10, "outer_iterations": 60, "viscous_tolerance": 1e-12,
                    "energy_tolerance": 1e-12, "pressure_tolerance": 1e-12,
                    "steps_per_call": 1000}}
    sim = Simulation(case_from_dict(d))
    nu = sim.settings.nu
    alpha = 0.03 / (1.2 * 1000.0)
    eig = (2.0 / h ** 2) * (1.0 - np.cos(k * h))
    end = span / (nu * eig)
    sim = Simulation(case_from_dict({**d, "solver": {**d["solver"], "end_time": end,
                                                     "dt": end / steps}}))
    s = sim.initial_state()
    y = np.asarray(sim.grid.centers(1))
    u0 = np.broadcast_to(np.sin(k * y)[None, :, None], s.u[0].shape)
    T0 = 20.0 + np.broadcast_to(np.sin(k * y)[None, :, None], s.T.shape)
    u = (jnp.asarray(u0), s.u[1], s.u[2])
    s = s._replace(u=u, T=jnp.asarray(T0), history=initial_history(u, jnp.asarray(T0), s.turb))
    s, info = sim.run(s)
    assert info.status == "finished" and info.steps == steps
    t = float(s.t)
    err_u = np.abs(np.asarray(s.u[0]) - u0 * np.exp(-nu * eig * t)).max()
    err_t = np.abs(np.asarray(s.T) - 20.0 - (T0 - 20.0) * np.exp(-alpha * eig * t)).max()
    return float(err_u), float(err_t), int(s.history[3])


def test_waves_decay_at_second_order_in_time():
    """Code check (the discrete operator's own solution): the velocity's and the
    temperature's time error fall as dt^2 (BDF2; its first step backward Euler)."""
    runs = {n: _waves(n, 1.0) for n in (8, 16, 32)}
    for n, (eu, et, its) in runs.items():
        print(f"{n} steps: |u - exact| {eu:.3e} m/s, |T - exact| {et:.3e} K, {its} iterations")
    for which in (0, 1):
        order = np.log2(runs[16][which] / runs[32][which])
        print("observed order", "uT"[which], order)
        assert abs(order - 2.0) < 0.2
    # a linear problem: each iteration takes the residual down by the pseudo-time
    # step's share of the diagonal, 4 iterations per step to 1e-10 (measured; 5
    # without the extrapolated start)
    assert runs[32][2] <= 6 * 32


def test_bdf2_coefficients_differentiate_quadratics_exactly():
    """Variable steps: (a0 f(t) - a1 f(t - dt) + a2 f(t - dt - dt0)) / dt is f'(t) for
    any quadratic f; the first step is backward Euler."""
    jax.config.update("jax_enable_x64", True)  # as a float64 case's Simulation does
    for dt, dt0 in ((0.1, 0.1), (0.05, 0.1), (0.1, 0.03)):
        a0, a1, a2 = (float(x) for x in bdf2_coefficients(jnp.asarray(dt), jnp.asarray(dt0),
                                                          False))
        f = lambda t: 3.0 - 2.0 * t + 5.0 * t * t
        t = 1.0
        got = (a0 * f(t) - a1 * f(t - dt) + a2 * f(t - dt - dt0)) / dt
        print(dt, dt0, got, -2.0 + 10.0 * t)
        assert got == pytest.approx(-2.0 + 10.0 * t, rel=1e-12)
    assert [float(x) for x in bdf2_coefficients(jnp.asarray(0.1), jnp.asarray(1.0), True)] \
        == [1.0, 1.0, 0.0]


def _closed_box(dt: float, end: float) -> dict:
    """A closed 0.2 m box of air at 20 C with a 5 W aluminium block on its floor:
    buoyancy, adiabatic walls; whatever the block dissipates the box stores."""
    return {"case": {"name": "closed-box"},
            "domain": {"size": [0.2, 0.2, 0.2], "cells": [10, 10, 10], "gravity": [0.0, 0.0, -9.81]},
            "fluid": {"material": "air", "initial_temperature": 20.0, "reference_temperature": 20.0},
            "physics": {"buoyancy": True},
            "parts": [{"name": "block", "kind": "solid", "material": "aluminium", "power": 5.0,
                       "box": {"min": [0.06, 0.06, 0.0], "max": [0.12, 0.12, 0.04]}}],
            "solver": {"mode": "transient", "scheme": "implicit", "end_time": end, "dt": dt,
                       "outer_tolerance": 1e-8, "outer_iterations": 100,
                       "energy_tolerance": 1e-10, "viscous_tolerance": 1e-8}}


def test_a_closed_box_stores_what_its_block_dissipates():
    """Conservation: after 10 s in steps of 0.5 s (the march's Courant limit would
    take far smaller ones once the plume rises) the heat stored in the air and the
    block (each cell's rho cp, the solid's included) is 5 W times 10 s."""
    d = _closed_box(0.5, 10.0)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    stored = float(np.sum(sim.thermal.capacity * (np.asarray(state.T) - 20.0))) * sim.grid.cell_volume
    speed = max(float(jnp.max(jnp.abs(x))) for x in state.u)
    print(f"{info.steps} steps, stored {stored:.9f} J of 50 J, plume {speed:.4f} m/s, "
          f"{int(state.history[3]) / info.steps:.1f} iterations per step")
    assert info.status == "finished" and info.steps == 20
    assert speed > 1e-3  # the plume moves: the advection's heat is conserved too
    assert stored == pytest.approx(50.0, rel=1e-6)


def test_an_implicit_transient_needs_a_fixed_step():
    d = _closed_box(0.5, 10.0)
    d["solver"].pop("dt")
    with pytest.raises(CaseError, match=r"solver\.dt.*fixed time step") as info:
        case_from_dict(d)
    print(info.value)
    d["solver"].update(dt=0.5, monitor_window=2.0, average_tolerance=0.1)
    assert case_from_dict(d).data["solver"]["average_tolerance"] == 0.1


# the restart tests' room (a server, a cooling unit supplying 35 C air into 22 C air)
# in implicit steps of 0.1 s
ROOM = RESTART_ROOM.replace('mode = "transient"\n',
                            'mode = "transient"\nscheme = "implicit"\ndt = 0.1\n')


def test_an_implicit_transient_resumes_on_the_same_bits(tmp_path):
    """The earlier time level travels in the checkpoint: a run to 2 s resumed to 4 s ends
    on the bits of one run to 4 s (BDF2 needs the step before the checkpoint's)."""
    path = tmp_path / "room.toml"
    path.write_text(ROOM)
    full, split = tmp_path / "full", tmp_path / "split"
    ref = run_case(load_case(path), full, quiet=True)
    run_case(load_case(path, ["solver.end_time=2.0"]), split, quiet=True)
    again = run_case(load_case(path), split, quiet=True, resume=True)
    print(ref["steps"], again["steps"], ref["outer_iterations_per_step"],
          again["outer_iterations_per_step"])
    assert ref["steps"] == again["steps"] == 40
    assert again["outer_iterations_per_step"] == ref["outer_iterations_per_step"]
    a, b = read_result(full / "result.vtkhdf"), read_result(split / "result.vtkhdf")
    for name in ("T", "U", "p"):
        assert np.array_equal(a["fields"][name], b["fields"][name]), name
