"""The k-epsilon model: the channel against Dean, positivity and realisability in a
jet, inlet turbulence, buoyancy's sign, bad input, restart, and both schemes."""
import math

import jax.numpy as jnp
import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.kernels.turbulence import K_EPSILON_C_MU
from thermo.solver import Simulation
from thermo.solver.kepsilon import floors, inlet_values
from thermo.validation.turbulence import DELTA, channel_case, dean_cf


def _jet(turbulence=None, scheme="march", **inlet):
    """A 2-D box 1 m x 0.5 m: an air jet 0.1 m wide at 2 m/s enters at the bottom-left
    wall's face x-, leaves at x+; walls elsewhere (a wall jet along the floor)."""
    return {
        "case": {"name": "jet"},
        "domain": {"size": [1.0, 0.5, 0.02], "cells": [40, 20, 1], "gravity": [0, 0, 0]},
        "materials": [{"name": "air", "density": 1.2, "specific_heat": 1005.0,
                       "conductivity": 0.026, "viscosity": 1.8e-5, "expansion": 0.0}],
        "fluid": {"material": "air"},
        "physics": {"turbulence": turbulence or "k-epsilon"},
        "boundaries": [{"name": "jet", "face": "x-", "flow": "inlet", "velocity": [2.0, 0, 0],
                        "region": {"min": [0.0, 0.0], "max": [0.1, 0.02]}, **inlet},
                       {"name": "out", "face": "x+", "flow": "outlet"},
                       {"name": "z0", "face": "z-", "flow": "slip"},
                       {"name": "z1", "face": "z+", "flow": "slip"}],
        "solver": {"mode": "steady", "scheme": scheme, "max_steps": 400, "steps_per_call": 100,
                   "precision": "float64"},
    }


@pytest.mark.parametrize("model", ["k-epsilon", "rng-k-epsilon"])
def test_channel_friction_against_dean_with_wall_functions(model):
    """Fully developed channel, first cells at y+ 35: Cf within 5 % of Dean (1978)."""
    re_nominal, n = 2e4, 16
    nu = 2.0 * DELTA / re_nominal
    g = 0.5 * dean_cf(re_nominal) / DELTA
    sim = Simulation(case_from_dict(channel_case(n, g, nu, model)))
    state, info = sim.run()
    assert info.status == "converged"
    u = np.asarray(state.u[0])[0, :, 0]
    ub = float(u.mean())
    re_b = ub * 2.0 * DELTA / nu
    cf = 2.0 * g * DELTA / ub ** 2
    print(f"Re_b {re_b:.0f}: Cf {cf:.5f}, Dean {dean_cf(re_b):.5f}, {cf / dean_cf(re_b) - 1:+.4f}")
    assert abs(cf / dean_cf(re_b) - 1.0) < 0.05
    # the wall cell in local equilibrium (production = dissipation): k = (tau / rho) /
    # sqrt(C_mu) with the channel's linear stress tau = tau_w (1 - y / delta) at its centre
    # (measured +6.9 %: the k that diffuses towards the centre adds a little)
    y = DELTA / n / 2
    c_mu = sim.settings.turbulence.c_mu
    k_plus = float(np.asarray(state.turb[0])[0, 0, 0]) / (g * DELTA)
    print(f"k+ in the wall cell {k_plus:.3f}, equilibrium {(1 - y / DELTA) / math.sqrt(c_mu):.3f}")
    assert abs(k_plus * math.sqrt(c_mu) / (1 - y / DELTA) - 1.0) < 0.1


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["march", "implicit"])
def test_jet_keeps_k_and_epsilon_positive_and_nu_t_realisable(scheme):
    sim = Simulation(case_from_dict(_jet(scheme=scheme)))
    state, info = sim.run()
    assert info.status != "diverged"
    k, eps = (np.asarray(x) for x in state.turb)
    k_min, e_min = floors(sim.settings)
    assert np.all(np.isfinite(k)) and np.all(np.isfinite(eps))
    assert k.min() >= k_min and eps.min() >= e_min
    # realisability bound on the time scale: nu_t <= k / (sqrt(6) |S|)
    from thermo.kernels import turbulence as turb
    strain = np.asarray(turb.strain_rate(state.u, sim.settings.h, sim.params.ghosts,
                                         sim.settings.periodic, sim.settings.active,
                                         sim.params.blocked))
    nut = np.asarray(turb.k_epsilon_viscosity(jnp.asarray(k), jnp.asarray(eps),
                                              jnp.asarray(strain)))
    assert np.all(nut <= k / (math.sqrt(6.0) * np.maximum(strain, 1e-30)) * (1 + 1e-9))
    # the jet makes turbulence: far more k than the inlet's 5 %
    k_in, _ = inlet_values(2.0, 0.05, 0.07 * 0.2)
    assert k.max() > 3.0 * k_in


def test_inlet_turbulence_values_and_defaults():
    sim = Simulation(case_from_dict(_jet(turbulence_intensity=0.1, turbulence_length_scale=0.004)))
    k, e, on = (np.asarray(x) for x in sim.params.keps.inflow[0][0])
    assert on.sum() == 4  # the region 0..0.1 m in y: four 0.025 m cells of the x- face
    assert k.max() == pytest.approx(1.5 * (0.1 * 2.0) ** 2)
    assert e.max() == pytest.approx(K_EPSILON_C_MU ** 0.75 * k.max() ** 1.5 / 0.004)
    # defaults: 5 %, 0.07 times the hydraulic diameter of the patch: 0.1 m high, and z is
    # inactive (a 2-D case: a slot of infinite span, D_h = 2 x 0.1 m)
    sim = Simulation(case_from_dict(_jet()))
    k, e, _ = (np.asarray(x) for x in sim.params.keps.inflow[0][0])
    d_h = 2 * 0.1
    assert k.max() == pytest.approx(1.5 * (0.05 * 2.0) ** 2)
    assert e.max() == pytest.approx(K_EPSILON_C_MU ** 0.75 * k.max() ** 1.5 / (0.07 * d_h))


@pytest.mark.parametrize("key, value, fragment", [
    ("turbulence_intensity", -0.1, "out of range"),
    ("turbulence_length_scale", 0.0, "out of range"),
    ("turbulence_intensity", "high", "expected a number"),
])
def test_bad_inlet_turbulence_is_refused_with_the_key(key, value, fragment):
    with pytest.raises(CaseError) as err:
        case_from_dict(_jet(**{key: value}))
    assert f"boundaries[0].{key}" in str(err.value) and fragment in str(err.value)


def test_inlet_turbulence_on_a_wall_is_refused():
    d = _jet()
    d["boundaries"].append({"name": "lid", "face": "y+", "flow": "wall",
                            "turbulence_intensity": 0.05})
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert "boundaries[4].turbulence_intensity" in str(err.value)


def test_buoyancy_destroys_k_in_stable_stratification():
    """g . grad T > 0 (warm above cold with g downwards gives g . grad T < 0: stable,
    G_b < 0; cold above warm: G_b > 0)."""
    from thermo.solver.kepsilon import _buoyancy
    d = _jet()
    d["physics"]["buoyancy"] = True
    d["domain"]["gravity"] = [0.0, -9.81, 0.0]
    d["materials"][0]["expansion"] = 3.4e-3
    sim = Simulation(case_from_dict(d))
    y = np.asarray(sim.grid.centers(1))
    nut = jnp.full(sim.grid.cells, 1e-3)
    warm_above = jnp.asarray(np.broadcast_to((20.0 + 10.0 * y)[None, :, None], sim.grid.cells))
    gb = np.asarray(_buoyancy(warm_above, nut, sim.params, sim.settings))
    # -beta nu_t / Pr_t g dT/dy = -3.4e-3 * 1e-3 / 0.85 * 9.81 * 10
    assert gb[5, 10, 0] == pytest.approx(-3.4e-3 * 1e-3 / 0.85 * 9.81 * 10.0, rel=1e-9)
    gb_cold_above = np.asarray(_buoyancy(40.0 - warm_above, nut, sim.params, sim.settings))
    assert gb_cold_above[5, 10, 0] > 0


@pytest.mark.slow
def test_march_and_implicit_reach_the_same_state():
    """A heated duct flow (inlet, outlet, walls at 40 C): the implicit steady solver and
    the time march converge to the same k-epsilon answer."""
    def duct(scheme):
        d = {
            "case": {"name": "duct"},
            "domain": {"size": [1.0, 0.1, 0.02], "cells": [20, 8, 1], "gravity": [0, 0, 0]},
            "materials": [{"name": "air", "density": 1.2, "specific_heat": 1005.0,
                           "conductivity": 0.026, "viscosity": 1.8e-5, "expansion": 0.0}],
            "fluid": {"material": "air", "initial_velocity": [2.0, 0, 0]},
            "physics": {"turbulence": "k-epsilon"},
            "boundaries": [{"name": "in", "face": "x-", "flow": "inlet", "velocity": [2.0, 0, 0],
                            "temperature": 20.0},
                           {"name": "out", "face": "x+", "flow": "outlet"},
                           {"name": "lo", "face": "y-", "temperature": 40.0},
                           {"name": "hi", "face": "y+", "temperature": 40.0},
                           {"name": "z0", "face": "z-", "flow": "slip"},
                           {"name": "z1", "face": "z+", "flow": "slip"}],
            "solver": {"mode": "steady", "scheme": scheme, "tolerance": 1e-7,
                       "max_steps": 20000, "steps_per_call": 500, "precision": "float64"},
        }
        sim = Simulation(case_from_dict(d))
        state, info = sim.run()
        assert info.status == "converged", info
        return np.asarray(state.T), np.asarray(state.turb[0]), info.steps

    t_m, k_m, n_m = duct("march")
    t_i, k_i, n_i = duct("implicit")
    print(f"march {n_m} steps, implicit {n_i} iterations: |dT| {np.abs(t_m - t_i).max():.2e} K, "
          f"|dk|/k {np.abs(k_m - k_i).max() / k_m.max():.2e}")
    assert np.abs(t_m - t_i).max() < 0.02
    assert np.abs(k_m - k_i).max() < 0.01 * k_m.max()


@pytest.mark.slow
def test_restart_carries_k_and_epsilon(tmp_path):
    """A checkpoint holds k and epsilon: a run resumed from it ends where the run
    continued in memory ends, bit for bit."""
    from thermo.io.checkpoint import load_checkpoint, save_checkpoint
    d = _jet()
    d["solver"].update(mode="transient", end_time=0.1)
    half, _ = Simulation(case_from_dict(d)).run()
    half = half._replace(status=jnp.int32(0))  # running, as a checkpoint mid-run is
    k_half = np.asarray(half.turb[0]).copy()  # the runs donate their states
    save_checkpoint(tmp_path / "c.h5", half, "case")
    d["solver"]["end_time"] = 0.2
    sim = Simulation(case_from_dict(d))
    loaded = load_checkpoint(tmp_path / "c.h5", sim.initial_state())[0]
    resumed, _ = sim.run(loaded)
    continued, _ = sim.run(half)
    assert len(resumed.turb) == 2 and float(resumed.t) == pytest.approx(0.2)
    for a, b in zip(continued.turb, resumed.turb):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(k_half, np.asarray(resumed.turb[0]))


def test_result_file_holds_nu_t_k_and_epsilon(tmp_path):
    from thermo.io.result import read_result
    from thermo.runner import run_case
    d = _jet()
    d["solver"]["max_steps"] = 50
    d["output"] = {"fields": ["T", "U", "nu_t", "k", "epsilon"]}
    run_case(case_from_dict(d), tmp_path, quiet=True)
    cells = read_result(tmp_path / "result.vtkhdf")["fields"]
    k, eps, nut = cells["k"], cells["epsilon"], cells["nu_t"]
    assert k.shape == (40, 20, 1) and np.all(k > 0) and np.all(eps > 0)
    # nu_t = C_mu k^2 / epsilon where the realisability bound is not active, never above
    assert np.all(nut <= K_EPSILON_C_MU * k ** 2 / eps * (1 + 1e-9))
    assert np.mean(np.isclose(nut, K_EPSILON_C_MU * k ** 2 / eps, rtol=1e-9)) > 0.5


def test_k_epsilon_fields_need_the_model():
    d = _jet(turbulence="lvel")
    d["output"] = {"fields": ["T", "k"]}
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert "output.fields[1]" in str(err.value) and "k-epsilon" in str(err.value)
    d["physics"]["turbulence"] = "none"
    d["output"] = {"fields": ["nu_t"]}
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert "output.fields[0]" in str(err.value)


def test_hydraulic_diameter_of_a_patch():
    from thermo.solver.kepsilon import _hydraulic_diameter
    w = (np.full(10, 0.01), np.full(4, 0.05))
    mask = np.zeros((10, 4), bool)
    mask[2:8, 1:3] = True  # 0.06 m x 0.1 m
    assert _hydraulic_diameter(mask, w, (True, True)) == pytest.approx(2 * 0.06 * 0.1 / 0.16)
    assert _hydraulic_diameter(mask, w, (True, False)) == pytest.approx(0.12)  # a 2-D slot


def test_two_layer_length_scales_reach_their_limits():
    """Code check (the formulas' own limits): far from the wall the two-layer epsilon
    and nu_t are the log layer's equilibrium values, ``C_mu^3/4 k^3/2 / (kappa y)`` and
    ``kappa C_mu^1/4 k^1/2 y``; at the wall epsilon tends to ``2 nu k / y^2``, the exact
    limit of the dissipation (k ~ y^2 there); lambda is 0 at the wall, 1 outside."""
    import jax
    jax.config.update("jax_enable_x64", True)
    from thermo.kernels.turbulence import KAPPA, two_layer
    c_mu, nu = K_EPSILON_C_MU, 1e-5
    k, y = jnp.asarray([1.0, 1e-12]), jnp.asarray([1.0, 1e-4])  # Re_y 1e5 and 1e-5
    lam, nut, eps = (np.asarray(x) for x in two_layer(k, y, nu, c_mu))
    assert lam[0] == pytest.approx(1.0) and lam[1] == pytest.approx(0.0, abs=1e-12)
    assert eps[0] == pytest.approx(c_mu ** 0.75 / KAPPA, rel=1e-9)
    assert nut[0] == pytest.approx(KAPPA * c_mu ** 0.25, rel=1e-9)
    assert eps[1] == pytest.approx(2.0 * nu * 1e-12 / 1e-8, rel=1e-4)


def test_secant_viscosity_carries_the_law_of_the_walls_stress():
    """A 64-cell channel whose velocity follows Spalding's law (u+(y+) by bisection
    here) with u_tau 0.05 m/s, first centre at y+ 8.7 (the buffer layer): the wall
    face and the first interior edge both carry the wall stress u_tau^2 (a
    constant-stress layer), where the mean of the two cells' viscosities would carry
    46 % more."""
    from thermo.solver.viscosity import face_viscosity
    from thermo.solver.walls import wall_viscosity
    n, u_tau = 64, 0.05
    nu = DELTA / n * u_tau / 8.7  # first centre (2 delta / n / 2 from the wall) at y+ 8.7
    sim = Simulation(case_from_dict(channel_case(n, 1.0, nu, "k-epsilon")))
    y = sim.grid.centers(1)
    dist = np.minimum(y, 2.0 * DELTA - y)
    yp = dist * u_tau / nu
    # u+(y+) by bisection on Spalding's y+(u+), not the code's Newton
    lo, hi = np.zeros_like(yp), np.full_like(yp, 60.0)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        kk = 0.41 * mid
        ypm = mid + math.exp(-0.41 * 5.2) * (np.exp(kk) - 1 - kk - kk ** 2 / 2 - kk ** 3 / 6)
        lo, hi = np.where(ypm < yp, mid, lo), np.where(ypm < yp, hi, mid)
    up = 0.5 * (lo + hi)
    u = np.zeros(sim.grid.cells)
    u[0, :, 0] = up * u_tau
    state = sim.initial_state()
    uu = (jnp.asarray(np.concatenate([u, u[:1]], axis=0)), state.u[1], state.u[2])
    prm, cfg = sim.params, sim.settings
    k = np.full(sim.grid.cells, u_tau ** 2 / math.sqrt(K_EPSILON_C_MU))
    eps = np.full(sim.grid.cells, 1.0)
    eps[0, :, 0] = u_tau ** 3 / (0.41 * np.maximum(dist, 1e-9))
    nut = cfg.turbulence.eddy_viscosity(uu, nu, prm, cfg, (jnp.asarray(k), jnp.asarray(eps)))
    coef = face_viscosity(uu, state.T, prm, cfg, prm.fluid * nut)
    wall = wall_viscosity(coef, uu, state.T, prm, cfg)
    h = 2.0 * DELTA / n
    lo_face, hi_face = (np.asarray(x)[0, :, 0] for x in wall[0][1])
    stress_wall = lo_face[0] * (u[0, 0, 0] - 0.0) / (h / 2)
    stress_edge = hi_face[0] * (u[0, 1, 0] - u[0, 0, 0]) / h
    mean_edge = np.asarray(coef[0][1][1])[0, 0, 0] * (u[0, 1, 0] - u[0, 0, 0]) / h
    print(f"wall {stress_wall / u_tau ** 2:.4f}, first edge {stress_edge / u_tau ** 2:.4f}, "
          f"with the cells' mean viscosity {mean_edge / u_tau ** 2:.4f} (of u_tau^2)")
    assert stress_wall / u_tau ** 2 == pytest.approx(1.0, rel=1e-3)
    assert stress_edge / u_tau ** 2 == pytest.approx(1.0, rel=1e-3)
    assert hi_face[0] == np.asarray(wall[0][1][0])[0, 1, 0]  # one edge, one value


def _t_plus(yp, pr):
    """The wall functions' T+ written out here (not the code's): Pr y+ and
    Jayatilleke's log law blended by Kader's exp(-G)."""
    r, prt = pr / 0.85, 0.85
    p = 9.24 * (r ** 0.75 - 1) * (1 + 0.28 * math.exp(-0.007 * r))
    g = 0.01 * (pr * yp) ** 4 / (1.0 + 5.0 * pr ** 3 * yp)
    log = prt * (np.log(math.exp(0.41 * 5.2) * yp) / 0.41 + p)
    return pr * yp * np.exp(-g) + log * np.exp(-1.0 / g)


@pytest.mark.parametrize("y1, prandtl", [(4.0, 0.71), (8.7, 0.71), (4.0, 7.0)])
def test_secant_conductivity_carries_the_law_of_the_walls_heat(y1, prandtl):
    """Code check of the heat's secant edge: a 64-cell channel between walls at 40 C
    whose temperature follows the wall functions' T+ for a wall flux q (u_tau 0.05 m/s, first
    centre at y+ 4 or 8.7, Pr 0.71 or 7): the first interior edge from each wall
    carries q (a constant-flux layer); the mean of the cells' eddy conductivities,
    built for the log layer, carries more."""
    from thermo.solver.energy import eddy_coefficients
    n, u_tau, q, t_wall = 64, 0.05, 50.0, 40.0
    nu = DELTA / n * u_tau / y1
    d = channel_case(n, 1.0, nu, "k-epsilon")
    d["materials"][0]["conductivity"] = nu / prandtl  # rho = cp = 1
    d["boundaries"] += [{"name": f, "face": f, "flow": "wall", "temperature": t_wall}
                        for f in ("y-", "y+")]
    sim = Simulation(case_from_dict(d))
    y = sim.grid.centers(1)
    dist = np.minimum(y, 2.0 * DELTA - y)
    yp = dist * u_tau / nu
    T = np.broadcast_to((t_wall - q / u_tau * _t_plus(yp, prandtl))[None, :, None],
                        sim.grid.cells).copy()
    u = np.full((2,) + tuple(sim.grid.cells[1:]), 0.0)
    lo, hi = np.zeros_like(yp), np.full_like(yp, 60.0)  # u+(y+) by bisection on Spalding
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        kk = 0.41 * mid
        ypm = mid + math.exp(-0.41 * 5.2) * (np.exp(kk) - 1 - kk - kk ** 2 / 2 - kk ** 3 / 6)
        lo, hi = np.where(ypm < yp, mid, lo), np.where(ypm < yp, hi, mid)
    u[:, :, 0] = 0.5 * (lo + hi) * u_tau
    state = sim.initial_state()
    uu = (jnp.asarray(u), state.u[1], state.u[2])
    prm, cfg = sim.params, sim.settings
    k = np.full(sim.grid.cells, u_tau ** 2 / math.sqrt(K_EPSILON_C_MU))
    eps = np.full(sim.grid.cells, 1.0)
    eps[0, :, 0] = u_tau ** 3 / (0.41 * np.maximum(dist, 1e-9))
    nut = prm.fluid * cfg.turbulence.eddy_viscosity(uu, nu, prm, cfg,
                                                    (jnp.asarray(k), jnp.asarray(eps)))
    Tj = jnp.asarray(T)
    mean = np.asarray(eddy_coefficients(nut, cfg.rho_cp, prm, cfg)[1])[0, :, 0]
    edge = np.asarray(eddy_coefficients(nut, cfg.rho_cp, prm, cfg, uu, Tj)[1])[0, :, 0]
    h, k_mol = 2.0 * DELTA / n, nu / prandtl
    flux = lambda kt, f, s: (k_mol + kt[f]) * (T[0, f - 1 + s, 0] - T[0, f - s, 0]) / h
    low, high = flux(edge, 1, 0), flux(edge, n - 1, 1)
    print(f"first edge: low {low / q:.5f}, high {high / q:.5f}; with the cells' mean "
          f"{flux(mean, 1, 0) / q:.4f}; molecular only {flux(0 * mean, 1, 0) / q:.4f} (of q)")
    assert low / q == pytest.approx(1.0, rel=1e-4) and high / q == pytest.approx(1.0, rel=1e-4)
    assert np.array_equal(edge[2:n - 1], mean[2:n - 1])  # the other edges keep the mean
    assert flux(mean, 1, 0) > 1.05 * q
    # OpenFOAM's switched law keeps the cells' mean on every edge
    d["physics"]["thermal_wall_law"] = "switched"
    sim = Simulation(case_from_dict(d))
    assert sim.settings.turbulence.switched_heat
    kept = np.asarray(eddy_coefficients(nut, cfg.rho_cp, sim.params, sim.settings, uu, Tj)[1])[0, :, 0]
    assert np.array_equal(kept, mean)


def test_thermal_wall_law_key():
    """``physics.thermal_wall_law``: absent from the data unless given, "blended" by
    default, refused with a closure that has no wall functions or an unknown law,
    naming the key and what it accepts."""
    from thermo.case import CaseError

    d = channel_case(8, 1.0, 1.5e-5, "k-epsilon")
    case = case_from_dict(d)
    assert "thermal_wall_law" not in case.data["physics"]
    assert not Simulation(case).settings.turbulence.switched_heat
    d["physics"]["thermal_wall_law"] = "standard"
    with pytest.raises(CaseError, match=r"physics\.thermal_wall_law.*'blended', 'switched'"):
        case_from_dict(d)
    d["physics"].update(turbulence="mixing-length", thermal_wall_law="switched")
    with pytest.raises(CaseError, match=r"physics\.thermal_wall_law.*no wall functions.*'lvel'"):
        case_from_dict(d)


@pytest.mark.parametrize("y_star, expected", [(2.0, 1.0), (3.5, 0.5), (5.0, 0.0)])
def test_wall_treatment_is_judged_by_k_not_by_the_wall_speed(y_star, expected):
    """Code check of the switch between the two wall treatments: in a channel at rest
    (a reattachment's wall speed, y+ 0) holding a uniform k whose
    ``y* = C_mu^1/4 k^1/2 (h/2) / nu`` is 2, 3.5 or 5, every cell's wall treatment is
    the resolved two-layer one, half and half, or the wall functions. A switch on the
    velocity's y+ would call them all resolved, and flip them as the speed returns."""
    n, nu = 16, 1.5e-5
    sim = Simulation(case_from_dict(channel_case(n, 1.0, nu, "k-epsilon")))
    prm, cfg = sim.params, sim.settings
    half = DELTA / n  # half the first cell's width (2 delta across n cells)
    k = (y_star * nu / half) ** 2 / math.sqrt(K_EPSILON_C_MU)
    _, _, _, resolved = cfg.turbulence.near_wall(jnp.full(sim.grid.cells, k), nu, prm, cfg)
    resolved = np.asarray(resolved)
    print(f"y* {y_star}: resolved {resolved.min():.3f}-{resolved.max():.3f}")
    assert resolved == pytest.approx(np.full(resolved.shape, expected), abs=1e-6)


@pytest.mark.parametrize("y_star, warned", [(4.0, True), (8.0, False)])
def test_summary_reports_y_star_and_warns_by_it(y_star, warned):
    """Code check of ``summary.json``'s walls: a channel at rest (y+ 0 everywhere) with
    a uniform k of ``y* = C_mu^1/4 k^1/2 (h/2) / nu`` 4 or 8 reports that y* on both
    walls, and warns that the wall treatment switches there only at 4 (the band 3-5
    the models blend in); a y+-based warning would see y+ 0 and say nothing."""
    from thermo.diagnostics.walls import wall_summary

    n, nu = 16, 1.5e-5
    sim = Simulation(case_from_dict(channel_case(n, 1.0, nu, "k-epsilon")))
    state = sim.initial_state()
    half = DELTA / n
    k = (y_star * nu / half) ** 2 / math.sqrt(K_EPSILON_C_MU)
    zero = [jnp.zeros_like(x) for x in state.u]
    state = state._replace(u=tuple(zero), T=jnp.full_like(state.T, 20.0),
                           turb=(jnp.full_like(state.turb[0], k), state.turb[1]))
    s = wall_summary(sim, state)
    print({w: e for w, e in s["walls"].items()}, s["wall_warnings"])
    assert s["walls"], "no walls found"
    for e in s["walls"].values():
        assert e["y_star_mean"] == pytest.approx(y_star, rel=1e-6)
        assert e["y_plus_max"] < 1.0
    assert any("y* 3-5" in w for w in s["wall_warnings"]) == warned
