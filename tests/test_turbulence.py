"""Turbulence closures, wall distance, variable viscosity and the drag hook."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest

from thermo.solver import simulation as S
from thermo.solver.energy import eddy_coefficients, eddy_conduction
from thermo.solver.momentum import vector_laplacian
from thermo.solver.viscosity import face_viscosity
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.case import case_from_dict
from thermo.kernels import turbulence as turb
from thermo.case.materials import LIBRARY

# float64 for each test of this module only (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("x64")

DIRICHLET0 = (-1.0, 0.0, 0.0)


def _shear(a=2.0, n=(4, 8, 1), size=(1.0, 2.0, 0.25)):
    """u_x = a y on a (periodic x, walls in y, one periodic cell in z) grid."""
    h = tuple(s / k for s, k in zip(size, n))
    y = (np.arange(n[1]) + 0.5) * h[1]
    ux = np.broadcast_to(a * y[None, :, None], (n[0] + 1, n[1], n[2])).copy()
    u = (jnp.asarray(ux), jnp.zeros((n[0], n[1] + 1, n[2])), jnp.zeros((n[0], n[1], n[2] + 1)))
    top = (-1.0, 0.0, 2.0 * a * size[1])
    ghosts = ((None, (DIRICHLET0, top), None),
              (None, None, None),
              (None, (DIRICHLET0, DIRICHLET0), None))
    return u, h, ghosts, (True, False, True), (True, True, False)


def test_strain_rate_of_linear_shear():
    u, h, ghosts, periodic, active = _shear(a=2.0)
    s = turb.strain_rate(u, h, ghosts, periodic, active)
    assert s.shape == (4, 8, 1)
    np.testing.assert_allclose(np.asarray(s), 2.0, rtol=1e-12)


def test_strain_rate_solid_no_slip_half_a_cell_away():
    # one layer of solid at the bottom: u_x = a (y - h) above it; faces touching
    # the solid are blocked (zero), and the gradient at the surface is 2 u / h
    a, n, size = 3.0, (4, 8, 1), (1.0, 2.0, 0.25)
    u, h, ghosts, periodic, active = _shear(a=a, n=n, size=size)
    y = (np.arange(n[1]) + 0.5) * h[1]
    ux = np.broadcast_to(a * np.maximum(y - h[1], 0.0)[None, :, None], (5, 8, 1)).copy()
    ux[:, 0, :] = 0.0
    blocked = (np.zeros((5, 8, 1)), np.zeros((4, 9, 1)), np.zeros((4, 8, 2)))
    blocked[0][:, 0, :] = 1.0
    s = turb.strain_rate((jnp.asarray(ux),) + u[1:], h, ghosts, periodic, active,
                         tuple(jnp.asarray(b) for b in blocked))
    np.testing.assert_allclose(np.asarray(s)[:, 2:-1], a, rtol=1e-12)


def test_smagorinsky_uniform_shear_and_wall_damping():
    strain = jnp.full((3, 3, 3), 4.0)
    far = jnp.full((3, 3, 3), jnp.inf)
    nut = turb.smagorinsky(strain, 0.1, far, 1e-5, cs=0.17)
    np.testing.assert_allclose(np.asarray(nut), (0.17 * 0.1) ** 2 * 4.0, rtol=1e-12)
    # near a wall: l = kappa d, damped by van Driest with the local y+
    d, nu = 1e-3, 1e-5
    near = jnp.full((3, 3, 3), d)
    nut = float(turb.smagorinsky(strain, 0.1, near, nu, cs=0.17, sweeps=30)[0, 0, 0])
    yplus = d * np.sqrt((nu + nut) * 4.0) / nu
    expect = (turb.KAPPA * d * (1 - np.exp(-yplus / 26.0))) ** 2 * 4.0
    assert nut == pytest.approx(expect, rel=1e-6)
    assert nut < (turb.KAPPA * d) ** 2 * 4.0
    assert turb.filter_width((0.1, 0.2, 0.4), (True, True, True)) == pytest.approx(0.2)
    assert turb.filter_width((0.1, 0.4, 1.0), (True, True, False)) == pytest.approx(0.2)


def test_chen_xu():
    n = (3, 2, 2)
    u = (jnp.full((4, 2, 2), 3.0), jnp.full((3, 3, 2), -4.0), jnp.zeros((3, 2, 3)))
    l = jnp.asarray(np.random.default_rng(0).uniform(0.0, 1.0, n))
    np.testing.assert_allclose(np.asarray(turb.chen_xu(u, l)), 0.03874 * 5.0 * np.asarray(l),
                               rtol=1e-12)


def test_wall_distance_exact_with_block_and_walls():
    n, h = (20, 16, 3), (0.1, 0.2, 0.5)
    solid = np.zeros(n, bool)
    solid[8:12, 4:8, 1] = True
    walls = {(1, 0): np.ones((20, 3), bool), (1, 1): np.zeros((20, 3), bool),
             (2, 0): np.zeros((20, 16), bool), (2, 1): np.zeros((20, 16), bool)}
    walls[(2, 1)][:10, :] = True  # half of the top face is a wall
    d = turb.wall_distance(solid, h, walls, (True, False, False))
    c = [(np.arange(k) + 0.5) * s for k, s in zip(n, h)]
    X, Y, Z = np.meshgrid(*c, indexing="ij")
    # the bottom face y = 0 is a wall; the top-face patch x in [0, 1] (periodic in x): exact distance to the patch
    dx = np.minimum.reduce([np.maximum(np.maximum(0.0 - (X + k * 2.0), (X + k * 2.0) - 1.0), 0.0)
                            for k in (-1, 0, 1)])
    best = np.minimum(Y, np.hypot(dx, 1.5 - Z))
    for idx in zip(*np.nonzero(solid)):
        for k in (-1, 0, 1):  # periodic images in x
            e = [np.maximum(np.abs(G - (i + 0.5) * s + (k * 2.0 if a == 0 else 0.0)) - s / 2, 0.0)
                 for a, (G, i, s) in enumerate(zip((X, Y, Z), idx, h))]
            best = np.minimum(best, np.sqrt(e[0] ** 2 + e[1] ** 2 + e[2] ** 2))
    np.testing.assert_allclose(d, best, atol=1e-12)
    assert (d[solid] == 0).all()


def _periodic_box(extra=None, **solver):
    d = {
        "case": {"name": "box"},
        "domain": {"size": [1.0, 1.0, 1.0], "cells": [4, 4, 4], "gravity": [0, 0, 0]},
        "materials": [{"name": "f", "density": 1.0, "specific_heat": 1.0, "conductivity": 1.0,
                       "viscosity": 0.01, "expansion": 0.0}],
        "fluid": {"material": "f", "initial_velocity": [1.0, 0.0, 0.0]},
        "boundaries": [{"name": a + s, "face": a + s, "flow": "periodic"}
                       for a in "xyz" for s in "-+"],
        "solver": {"mode": "transient", "end_time": 0.3, "dt": 0.1, **solver},
    }
    d.update(extra or {})
    return d


def test_drag_hook_decays_uniform_flow():
    sim = S.Simulation(case_from_dict(_periodic_box()))
    assert all(float(jnp.abs(x).max()) == 0.0 for x in sim.params.drag)  # default: none
    sim.params = sim.params._replace(drag=tuple(jnp.full_like(x, 2.0) for x in sim.params.drag))
    state, info = sim.run()
    assert info.steps == 3
    np.testing.assert_allclose(np.asarray(state.u[0]), (1.0 / 1.2) ** 3, rtol=1e-9)
    assert float(jnp.abs(state.u[1]).max()) < 1e-12


def _heated_water(turbulence="none"):
    return {
        "case": {"name": "water"},
        "domain": {"size": [0.1, 0.1, 0.1], "cells": [4, 4, 4]},
        "fluid": {"material": "water"},
        "physics": {"turbulence": turbulence},
        "boundaries": [{"name": "hot", "face": "y-", "flow": "wall", "temperature": 50.0}],
        "solver": {"mode": "transient", "end_time": 1.0},
    }


def test_temperature_dependent_viscosity():
    sim = S.Simulation(case_from_dict(_heated_water()))
    cfg, prm = sim.settings, sim.params
    assert cfg.nu_of_T and cfg.variable_nu
    s = sim.initial_state()
    water = LIBRARY["water"]
    rho = water.at(20.0).density
    for t in (20.0, 37.5, 50.0, 80.0):  # 80 C: clamped to the table's end (60 C)
        coef = face_viscosity(s.u, jnp.full_like(s.T, t), prm, cfg)
        expect = water.at(t).viscosity / rho
        np.testing.assert_allclose(np.asarray(coef[0][0][0]), expect, rtol=1e-9)
        np.testing.assert_allclose(np.asarray(coef[0][1][1]), expect, rtol=1e-9)
    # a field that varies: the viscosity follows the local temperature
    T = jnp.asarray(np.linspace(20.0, 50.0, 4)[None, :, None] * np.ones((4, 4, 4)))
    coef = face_viscosity(s.u, T, prm, cfg)
    lo_y = np.asarray(coef[1][1][0])[0, :, 0]  # cells below each y-face (ghost first)
    assert lo_y[0] == lo_y[1] and np.all(np.diff(lo_y[1:]) < 0)  # the ghost repeats the cell
    # constant-property fluids and runs without the energy equation keep the scalar
    assert not S.Simulation(case_from_dict(_periodic_box())).settings.variable_nu


def _blocked_channel():
    return {
        "case": {"name": "blocked"},
        "domain": {"size": [1.0, 0.5, 0.25], "cells": [8, 4, 2]},
        "materials": [{"name": "f", "density": 1.0, "specific_heat": 1.0, "conductivity": 1.0,
                       "viscosity": 0.01, "expansion": 0.0}],
        "fluid": {"material": "f"},
        "parts": [{"name": "b", "kind": "solid", "material": "copper",
                   "box": {"min": [0.375, 0.0, 0.0], "max": [0.625, 0.25, 0.25]}}],
        "physics": {"turbulence": "zero-equation"},
        "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [1.0, 0, 0]},
                       {"name": "out", "face": "x+", "flow": "outlet"},
                       {"name": "zl", "face": "z-", "flow": "periodic"},
                       {"name": "zh", "face": "z+", "flow": "periodic"}],
    }


def test_variable_form_matches_constant_and_operator_is_symmetric():
    sim = S.Simulation(case_from_dict(_blocked_channel()))
    cfg, prm = sim.settings, sim.params
    rng = np.random.default_rng(1)
    u = tuple(jnp.asarray(rng.normal(size=f.shape)) * prm.free[c] for c, f in enumerate(prm.free))
    # with nu_t switched off (zero wall distance) the divergence form is nu lap u
    coef = face_viscosity(u, sim.initial_state().T, prm._replace(wall_dist=0 * prm.wall_dist), cfg)
    const = vector_laplacian(u, prm.ghosts, prm.wall_nb, cfg)
    var = vector_laplacian(u, prm.ghosts, prm.wall_nb, cfg, coef)
    for c in range(3):
        np.testing.assert_allclose(np.asarray(var[c] * prm.free[c]),
                                   np.asarray(cfg.nu * const[c] * prm.free[c]), atol=1e-12)
    # with the eddy viscosity on, the implicit operator stays symmetric
    coef = face_viscosity(u, sim.initial_state().T, prm, cfg)
    assert float(jnp.max(coef[0][1][1])) > 1.5 * cfg.nu
    m = prm.implicit
    x = tuple(jnp.asarray(rng.normal(size=f.shape)) * k for f, k in zip(m, m))
    y = tuple(jnp.asarray(rng.normal(size=f.shape)) * k for f, k in zip(m, m))
    L = lambda v: vector_laplacian(v, prm.ghosts_hom, prm.wall_nb, cfg, coef)
    dot = lambda a, b: sum(float(jnp.vdot(p * k, q * k)) for p, q, k in zip(a, b, m))
    assert dot(x, L(y)) == pytest.approx(dot(y, L(x)), rel=1e-10)
    assert dot(x, L(x)) < 0  # negative definite Laplacian: I - theta dt L is SPD


def test_turbulent_channel_profile_is_fuller_than_laminar():
    from thermo.validation.turbulence import channel_profile

    _, u, info = channel_profile(32, 0.0031, 2.0 / 1e4)
    ratio = u.mean() / u.max()
    assert ratio > 0.85 > 2.0 / 3.0, ratio  # laminar: 2/3
    assert info.status == "converged"


def test_smagorinsky_runs_in_a_cavity():
    from thermo.validation.flow import cavity_case

    d = cavity_case(16, 1000.0)
    d["physics"] = {"turbulence": "smagorinsky", "smagorinsky_constant": 0.2}
    d["solver"].update({"mode": "transient", "end_time": 0.5})
    sim = S.Simulation(case_from_dict(d))
    assert sim.settings.turbulence.cs == 0.2
    assert sim.settings.turbulence.delta == pytest.approx(1.0 / 16)  # 2-D: the cell's area
    state, info = sim.run()
    assert info.status == "finished"
    coef = face_viscosity(state.u, state.T, sim.params, sim.settings)
    assert float(jnp.max(coef[0][1][0])) > sim.settings.nu  # an eddy viscosity somewhere
    assert np.isfinite(np.asarray(state.u[0])).all()


def test_spalding_inversion():
    re = jnp.asarray(np.logspace(-4, 8, 25))
    up = turb.spalding_uplus(re)
    k = turb.KAPPA * up
    yp = up + np.exp(-turb.KAPPA * turb.LOG_LAW_B) * (jnp.expm1(k) - k - k * k / 2 - k ** 3 / 6)
    np.testing.assert_allclose(np.asarray(up * yp), np.asarray(re), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(up[:4]), np.sqrt(np.asarray(re[:4])), rtol=1e-3)  # sublayer


def test_spalding_newton_reaches_round_off():
    # the wall functions take as few Newton iterations as reach round-off (they solve
    # Spalding's law several times per cell and iteration): both inversions satisfy the
    # law to float64 round-off over y+ and Re_d from 1e-10 to 1e9
    c = np.exp(-turb.KAPPA * turb.LOG_LAW_B)
    law = lambda up: up + c * (np.expm1(turb.KAPPA * up) - turb.KAPPA * up
                               - (turb.KAPPA * up) ** 2 / 2 - (turb.KAPPA * up) ** 3 / 6)
    x = np.concatenate([np.logspace(-10, 9, 400), np.linspace(0.5, 300.0, 400)])
    assert jnp.asarray(x).dtype == jnp.float64
    up = np.asarray(turb.spalding_uplus_at(jnp.asarray(x)), np.float64)
    err_at = np.max(np.abs(law(up) / x - 1.0))
    up = np.asarray(turb.spalding_uplus(jnp.asarray(x)), np.float64)
    err = np.max(np.abs(up * law(up) / x - 1.0))
    print(f"Spalding's law after the default Newton iterations: y+(u+) / y+ - 1 up to "
          f"{err_at:.1e}; u+ y+ / Re_d - 1 up to {err:.1e}")
    assert err_at < 1e-13 and err < 1e-13


def test_mixing_length_on_a_log_law_profile():
    # u+ = ln(y+)/0.41 + 5.2 over y+ 200 to 2000: |S| = u_tau / (0.41 y), and the
    # model gives nu_t = (0.41 y)^2 |S| = 0.41 u_tau y (van Driest damping ~ 1 there)
    nu, u_tau = 1.5e-5, 0.2
    yp = np.geomspace(200.0, 2000.0, 12)
    y = yp * nu / u_tau
    u = u_tau * (np.log(yp) / turb.KAPPA + turb.LOG_LAW_B)
    shape = (1, yp.size, 1)
    vel = (jnp.asarray(np.broadcast_to(u.reshape(shape), (2, yp.size, 1))),
           jnp.zeros((1, yp.size + 1, 1)), jnp.zeros((1, yp.size, 2)))
    strain = jnp.asarray((u_tau / (turb.KAPPA * y)).reshape(shape))
    d = jnp.asarray(y.reshape(shape))
    nut = np.asarray(turb.mixing_length(vel, strain, d, nu, cap=1.0)).ravel()
    np.testing.assert_allclose(nut, turb.KAPPA * u_tau * y, rtol=2e-3)
    # the outer cap: nu_t = cap^2 |S|
    cap = 0.5 * turb.KAPPA * y.min()
    nut = np.asarray(turb.mixing_length(vel, strain, d, nu, cap=cap)).ravel()
    np.testing.assert_allclose(nut, cap ** 2 * np.asarray(strain).ravel(), rtol=1e-12)
    # viscous sublayer, u+ = y+ = 1: damped to (0.41 y / 26)^2 |S|, a thousandth of nu
    one = jnp.ones(shape)
    y1 = nu / u_tau
    vel1 = (jnp.full((2, yp.size, 1), u_tau), vel[1], vel[2])
    nut = np.asarray(turb.mixing_length(vel1, one * u_tau ** 2 / nu, one * y1, nu, 1.0))
    assert nut.max() < 1.2e-3 * nu
    np.testing.assert_allclose(nut, (turb.KAPPA * y1 * -np.expm1(-1 / 26.0)) ** 2 * u_tau ** 2 / nu,
                               rtol=1e-3)


def test_mixing_length_case_keys_and_cap():
    d = _blocked_channel()
    d["physics"] = {"turbulence": "mixing-length"}
    sim = S.Simulation(case_from_dict(d))
    dist = np.asarray(sim.params.wall_dist)[sim.model.geometry.fluid]
    assert float(sim.params.mixing_cap) == pytest.approx(0.09 * dist.max())
    assert "mixing_length_cap" not in sim.case.data["physics"]
    coef = face_viscosity(sim.initial_state().u, sim.initial_state().T, sim.params, sim.settings)
    assert np.isfinite(np.asarray(coef[0][1][0])).all()
    d["physics"]["mixing_length_cap"] = 0.02
    sim = S.Simulation(case_from_dict(d))
    assert float(sim.params.mixing_cap) == 0.02
    from thermo.case import CaseError

    d["physics"]["mixing_length_cap"] = 0.0
    with pytest.raises(CaseError, match="physics.mixing_length_cap"):
        case_from_dict(d)


@pytest.mark.validation
def test_mixing_length_channel_validation():
    # Cf vs Dean, U_b vs the model's exact profile, log law; Re_b 1e4, 256 cells (~25 s)
    from thermo.validation.turbulence import validate_mixing_length_channel

    rows = validate_mixing_length_channel(False)
    for r in rows:
        print(f"{r['quantity']}: reference {r['reference']:.5g}, computed {r['computed']:.5g}, "
              f"error {r['rel_error']:.4g} (bound {r['bound']:.3g})")
    assert len(rows) == 3 and all(r["ok"] for r in rows), rows


def test_eddy_heat_flux_is_conservative_and_matches_the_discrete_laplacian():
    """The turbulent heat flux div(rho cp nu_t / Pr_t grad T): for a uniform nu_t and
    T = sin(2 pi x / L) along a periodic axis it is -k (2 - 2 cos(2 pi h / L)) / h^2 T;
    summed over a walled domain it is zero (no eddy flux through walls)."""
    import jax.numpy as jnp
    import numpy as np

    from thermo.solver import simulation as S
    from thermo.case import case_from_dict

    d = {"case": {"name": "eddy"}, "domain": {"size": [1.0, 0.5, 0.1], "cells": [16, 8, 1]},
         "fluid": {"material": "air"}, "physics": {"turbulence": "zero-equation",
                                                  "body_force": [0.1, 0.0, 0.0]},
         "boundaries": [{"name": "a", "face": "x-", "flow": "periodic"},
                        {"name": "b", "face": "x+", "flow": "periodic"},
                        {"name": "hot", "face": "y-", "temperature": 30.0}]}
    sim = S.Simulation(case_from_dict(d))
    prm, cfg = sim.params, sim.settings
    x = (np.arange(16) + 0.5) / 16
    T = jnp.asarray(np.broadcast_to(np.sin(2 * np.pi * x)[:, None, None], (16, 8, 1)).copy())
    nut = jnp.full(T.shape, 0.01)
    got = np.asarray(eddy_conduction(T, eddy_coefficients(nut, cfg.rho_cp, prm, cfg), cfg))
    k = cfg.rho_cp * 0.01 / PRANDTL_TURBULENT
    h = 1.0 / 16
    want = -k * (2 - 2 * np.cos(2 * np.pi * h)) / h ** 2 * np.asarray(T)
    print("max error", np.abs(got - want).max(), "scale", np.abs(want).max())
    assert np.abs(got - want).max() < 1e-9 * np.abs(want).max()
    rng = np.random.default_rng(1)
    Tr = jnp.asarray(rng.normal(size=T.shape))
    total = float(np.sum(eddy_conduction(Tr, eddy_coefficients(nut, cfg.rho_cp, prm, cfg), cfg)))
    print("sum over the domain", total)
    assert abs(total) < 1e-9 * k
