"""The kernels on graded (non-uniform) Cartesian grids: the uniform path exactly as
before, second-order accuracy on stretched grids, and the volume-weighted multigrid.

Stretched grids here map a uniform coordinate smoothly (so that refining keeps the
same mapping and the neighbour ratio falls towards one): ``_expo`` grows geometrically
from one wall (neighbour ratio 1.2 at 16 cells, 1.095 at 32, 1.046 at 64),
``_tanh`` clusters at both walls."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.kernels.advection import (momentum_flux_divergence, padded_centres, padded_faces, quick,
                                      quick_weights)
from thermo.kernels.energy import advective_flux_divergence, boundary_fluxes, van_leer_faces
from thermo.kernels.multigrid import (apply, build_hierarchy, dense_operator, prolong, restrict,
                                      vcycle, with_shift)
from thermo.kernels.poisson import solve_poisson, solve_spd
from thermo.kernels.stencils import (diff_faces, div_faces, divergence, face_average, laplacian,
                                     laplacian_diagonal, neighbour_sum, pad)

# float64 for each test of this module (tests/conftest.py) unless it says otherwise
pytestmark = pytest.mark.usefixtures("x64")

SIZES = (16, 32, 64)


def _expo(n, length=1.0, ratio16=1.2, flip=False):
    """Widths growing geometrically from the low wall: ratio ``ratio16`` at 16 cells."""
    k = 16 * np.log(ratio16)
    xi = np.linspace(0.0, 1.0, n + 1)
    x = length * np.expm1(k * xi) / np.expm1(k)
    w = np.diff(x)
    return tuple(w[::-1] if flip else w)


def _tanh(n, length=1.0, beta=2.0):
    xi = np.linspace(-1.0, 1.0, n + 1)
    x = length * 0.5 * (1 + np.tanh(beta * xi) / np.tanh(beta))
    return tuple(np.diff(x))


def _centres(w):
    f = np.concatenate([[0.0], np.cumsum(w)])
    return 0.5 * (f[:-1] + f[1:])


def _faces(w):
    return np.concatenate([[0.0], np.cumsum(w)])


def _mesh(*xs):
    return np.meshgrid(*xs, indexing="ij")


def _order(errors):
    e = np.asarray(errors)
    return np.log2(e[:-1] / e[1:])


def _ratio(w):
    w = np.asarray(w)
    return float(max(np.max(w[1:] / w[:-1]), np.max(w[:-1] / w[1:])))


# ---------------------------------------------------------------------------------------------
# (a) uniform path: bit-identical to the uniform formula, and equal widths agree with it


def _np_diff(p, a, h, periodic):
    p = np.moveaxis(p, a, 0)
    q = np.concatenate([p[-1:], p, p[:1]]) if periodic else np.concatenate([-p[:1], p, -p[-1:]])
    return np.moveaxis((q[1:] - q[:-1]) / h, 0, a)


def _np_laplacian(p, cs, h, periodic):
    out = np.zeros_like(p)
    for a in range(3):
        pa, c = np.moveaxis(p, a, 0), np.moveaxis(cs[a], a, 0)
        if periodic[a]:
            nxt, prv = np.roll(pa, -1, 0), np.roll(pa, 1, 0)
        else:
            z = np.zeros_like(pa[:1])
            nxt, prv = np.concatenate([pa[1:], z]), np.concatenate([z, pa[:-1]])
        lo, hi = c[:-1].copy(), c[1:].copy()
        if not periodic[a]:
            lo[0] *= 2
            hi[-1] *= 2
        nb = (c[1:] * nxt + c[:-1] * prv) / (h[a] * h[a])
        out += np.moveaxis(nb, 0, a) - np.moveaxis((lo + hi) / (h[a] * h[a]), 0, a) * p
    return out


def _np_quick(q, vel, a):
    q = np.moveaxis(q, a, 0)
    m = q.shape[0] - 4
    A, B, C, D = (q[k:k + m + 1] for k in range(4))
    out = np.where(np.moveaxis(vel, a, 0) >= 0, 0.75 * B + 0.375 * C - 0.125 * A,
                   0.75 * C + 0.375 * B - 0.125 * D)
    return np.moveaxis(out, 0, a)


def _np_van_leer(q, vel, a):
    q = np.moveaxis(q, a, 0)
    n1 = q.shape[0] - 3
    A, B, C, D = (q[k:k + n1] for k in range(4))

    def lim(up, upup, down):
        e, f = up - upup, down - up
        ef = e * f
        return up + np.where(ef > 0, ef / np.where(ef > 0, e + f, 1.0), 0.0)
    return np.moveaxis(np.where(np.moveaxis(vel, a, 0) >= 0, lim(B, A, C), lim(C, D, B)), 0, a)


def _random_coeffs(rng, shape, periodic, blocked=0.2):
    fluid = (rng.random(shape) > blocked).astype(float)
    cs = []
    for a in range(3):
        n = shape[a]
        inner = np.take(fluid, range(n - 1), axis=a) * np.take(fluid, range(1, n), axis=a)
        if periodic[a]:
            lo = hi = np.take(fluid, [0], axis=a) * np.take(fluid, [n - 1], axis=a)
        else:
            lo = np.take(fluid, [0], axis=a) * (rng.random(np.take(fluid, [0], axis=a).shape) > 0.6)
            hi = np.take(fluid, [n - 1], axis=a) * (rng.random(lo.shape) > 0.8)
        c = np.concatenate([lo, inner, hi], axis=a)
        c = c * (0.5 + rng.random(c.shape))
        if periodic[a]:  # the last face is the first
            c = np.concatenate([np.take(c, range(n), axis=a), np.take(c, [0], axis=a)], axis=a)
        cs.append(c)
    return cs


def _report(name, ref, float_path, tuple_path):
    """The float path against the NumPy formula: XLA may divide by a constant as a
    multiplication by its reciprocal, so equality to the bit is not promised there;
    the difference is at most a couple of units in the last place (printed: ulps of
    the largest entry). The equal-width tuple against the float path: 1e-13."""
    ref, fp, tp = (np.asarray(x) for x in (ref, float_path, tuple_path))
    scale = max(np.max(np.abs(fp)), 1e-300)
    ulps = float(np.max(np.abs(ref - fp)) / (np.finfo(np.float64).eps * scale))
    rel = float(np.max(np.abs(tp - fp)) / scale)
    print(f"{name:28s} float path vs NumPy uniform formula {ulps:.1f} ulp (exact: "
          f"{bool(np.array_equal(ref, fp))}); equal-width tuple rel diff {rel:.1e}")
    assert ulps <= 4, name
    assert rel < 1e-13, name


@pytest.mark.parametrize("periodic", [(False, False, False), (True, False, True)])
def test_uniform_path_is_the_uniform_formula(periodic):
    rng = np.random.default_rng(5)
    shape, h = (6, 5, 4), (0.1, 0.23, 0.37)
    ht = tuple((x,) * n for x, n in zip(h, shape))  # graded path with equal widths
    cs = _random_coeffs(rng, shape, periodic)
    p = rng.standard_normal(shape)
    pj, cj = jnp.asarray(p), [jnp.asarray(c) for c in cs]
    for a in range(3):
        _report(f"diff_faces axis {a}", _np_diff(p, a, h[a], periodic[a]),
                diff_faces(pj, a, h[a], periodic=periodic[a]), diff_faces(pj, a, ht[a], periodic=periodic[a]))
        ref = np.moveaxis(0.5 * (lambda q: q[1:] + q[:-1])(
            np.concatenate([np.moveaxis(p, a, 0)[-1:] if periodic[a] else np.moveaxis(p, a, 0)[:1],
                            np.moveaxis(p, a, 0),
                            np.moveaxis(p, a, 0)[:1] if periodic[a] else np.moveaxis(p, a, 0)[-1:]])), 0, a)
        _report(f"face_average axis {a}", ref, face_average(pj, a, periodic=periodic[a]),
                face_average(pj, a, periodic=periodic[a], h_a=ht[a]))
        assert np.array_equal(face_average(pj, a, periodic=periodic[a], h_a=h[a]), ref)
    flux = [rng.standard_normal(c.shape) for c in cs]
    ref = sum(np.moveaxis(np.diff(np.moveaxis(f, a, 0), axis=0) / h[a], 0, a) for a, f in enumerate(flux))
    fj = [jnp.asarray(f) for f in flux]
    _report("divergence", ref, divergence(fj, h), divergence(fj, ht))
    _report("div_faces", ref, div_faces(fj, h), div_faces(fj, ht))
    _report("laplacian", _np_laplacian(p, cs, h, periodic), laplacian(pj, cj, h, periodic),
            laplacian(pj, cj, ht, periodic))
    _report("neighbour_sum", np.asarray(neighbour_sum(pj, cj, h, periodic)), neighbour_sum(pj, cj, h, periodic),
            neighbour_sum(pj, cj, ht, periodic))
    d_np = laplacian_diagonal(cs, h, periodic)
    _report("laplacian_diagonal (NumPy)", d_np, laplacian_diagonal(cj, h, periodic),
            laplacian_diagonal(cs, ht, periodic))
    _report("laplacian_diagonal (JAX)", d_np, laplacian_diagonal(cj, h, periodic),
            laplacian_diagonal(cj, ht, periodic))

    # QUICK, momentum advection, van Leer, on padded fields
    u = [rng.standard_normal(tuple(n + (1 if a == c else 0) for a, n in enumerate(shape))) for c in range(3)]
    ghost = (1.0, 0.0, 0.0)
    pads = [[pad(jnp.asarray(u[c]), a, None if periodic[a] else ghost, None if periodic[a] else ghost,
                 normal=a == c, periodic=periodic[a]) for a in range(3)] for c in range(3)]
    for a in range(3):
        q = pads[1][a] if a != 1 else pads[0][a]
        vel = jnp.asarray(rng.standard_normal(tuple(s - 3 if b == a else s for b, s in enumerate(q.shape))))
        ref = _np_quick(np.asarray(q), np.asarray(vel), a)
        n = q.shape[a] - 4
        nodes = (padded_faces if q is pads[0][0] else padded_centres)(ht[a], periodic[a], n - (
            1 if q is pads[0][0] else 0))
        xf = 0.5 * (nodes[1:-2] + nodes[2:-1])
        _report(f"quick axis {a}", ref, quick(q, vel, a), quick(q, vel, a, weights=quick_weights(nodes, xf)))
    for c in range(3):
        _report(f"momentum comp {c}", np.asarray(_np_momentum(c, [[np.asarray(x) for x in r] for r in pads], h)),
                momentum_flux_divergence(c, pads, h), momentum_flux_divergence(c, pads, ht, periodic))
    tp = [pad(pj, a, None if periodic[a] else ghost, None if periodic[a] else ghost, normal=False,
              periodic=periodic[a]) for a in range(3)]
    uj = [jnp.asarray(x) for x in u]
    for a in range(3):
        _report(f"van_leer axis {a}", _np_van_leer(np.asarray(tp[a]), u[a], a),
                van_leer_faces(tp[a], uj[a], a), van_leer_faces(tp[a], uj[a], a, h_a=ht[a], periodic=periodic[a]))
        assert np.array_equal(van_leer_faces(tp[a], uj[a], a, h_a=h[a]), van_leer_faces(tp[a], uj[a], a))
    ref = sum(np.moveaxis(np.diff(np.moveaxis(u[a] * _np_van_leer(np.asarray(tp[a]), u[a], a), a, 0), axis=0)
                          / h[a], 0, a) for a in range(3))
    _report("advective_flux_divergence", ref, advective_flux_divergence(tp, uj, h),
            advective_flux_divergence(tp, uj, ht, periodic))
    bf, bt = boundary_fluxes(tp, uj), boundary_fluxes(tp, uj, ht, periodic)
    for a in range(3):
        _report(f"boundary_fluxes axis {a}", u[a] * _np_van_leer(np.asarray(tp[a]), u[a], a), bf[a], bt[a])


def _np_momentum(comp, u_pad, h):
    """NumPy copy of the uniform momentum flux divergence."""
    out = 0.0
    for a in range(3):
        phi = np.moveaxis(u_pad[comp][a], a, 0)
        if a == comp:
            vel = 0.5 * (phi[1:-2] + phi[2:-1])
        else:
            ua = np.moveaxis(u_pad[a][comp], comp, 0)
            vel = np.moveaxis(0.5 * (ua[1:-2] + ua[2:-1]), 0, comp)
            vel = np.moveaxis(vel, a, 0)
        flux = vel * _np_quick(phi, vel, 0)
        out = out - np.moveaxis((flux[1:] - flux[:-1]) / h[a], 0, a)
    return out


def test_uniform_hierarchy_unchanged_and_equal_widths_agree():
    """A uniform grid keeps the per-volume levels (no volume); equal widths given as a
    tuple build the weighted form, whose solution is the same to round-off."""
    rng = np.random.default_rng(7)
    shape, h, periodic = (8, 8, 4), (0.125, 0.125, 0.25), (True, False, False)
    cs = [jnp.asarray(c) for c in _random_coeffs(rng, shape, periodic)]
    cs[1] = cs[1].at[:, 0, :].set(1.0)
    ht = tuple((x,) * n for x, n in zip(h, shape))
    lu, lg = build_hierarchy(cs, h, periodic, min_cells=8), build_hierarchy(cs, ht, periodic, min_cells=8,
                                                                            semicoarsen=False)
    assert all(lev.volume is None for lev in lu) and all(lev.weighted for lev in lg)
    assert [lev.coarsen for lev in lu] == [lev.coarsen for lev in lg]
    rhs = jnp.asarray(rng.standard_normal(shape))
    pu, iu = solve_poisson(lu, rhs, jnp.zeros(shape), tol=1e-12, singular=False)
    pg, ig = solve_poisson(lg, rhs, jnp.zeros(shape), tol=1e-12, singular=False)
    rel = float(jnp.abs(pu - pg).max() / jnp.abs(pu).max())
    print(f"uniform {int(iu.iterations)} its, equal-width tuple {int(ig.iterations)} its, rel diff {rel:.1e}")
    assert rel < 1e-10
    assert int(ig.iterations) <= int(iu.iterations) + 1


# ---------------------------------------------------------------------------------------------
# (b) second-order convergence on stretched grids


def _grids(n):
    return (_expo(n, 1.0), _expo(n, 0.8, flip=True), _tanh(n, 1.2))


def test_gradient_divergence_laplacian_second_order():
    """Odd fields about every wall (sines vanishing there: the Dirichlet ghost is exact
    to third order), so every face and cell counts: max norm over all entries,
    except the gradient, whose boundary faces are one-sided (interior faces)."""
    errs = {k: [] for k in ("gradient", "face_average", "divergence", "laplacian")}
    for n in SIZES:
        w = _grids(n)
        L = [sum(x) for x in w]
        xc = [_centres(x) for x in w]
        h = tuple(w)
        k = [np.pi / l for l in L]
        f = lambda x, y, z: np.sin(k[0] * x) * np.sin(k[1] * y) * np.sin(k[2] * z)
        p = jnp.asarray(f(*_mesh(*xc)))
        cs = [jnp.ones(tuple(n + (1 if b == a else 0) for b in range(3))) for a in range(3)]
        eg = ea = 0.0
        flux = []
        for a in range(3):
            pos = [xc[b] if b != a else _faces(w[a]) for b in range(3)]
            X = _mesh(*pos)
            d = [np.sin(k[b] * X[b]) if b != a else k[a] * np.cos(k[a] * X[a]) for b in range(3)]
            exact = d[0] * d[1] * d[2]
            g = np.asarray(diff_faces(p, a, h[a], periodic=False))
            sl = tuple(slice(1, -1) if b == a else slice(None) for b in range(3))
            eg = max(eg, np.abs(g - exact)[sl].max())
            fa = np.asarray(face_average(p, a, periodic=False, h_a=h[a]))
            ea = max(ea, np.abs(fa - f(*X))[sl].max())
            flux.append(jnp.asarray(np.cos(k[a] * X[a]) * (1 + X[(a + 1) % 3] ** 2)))
        div_exact = sum(-k[a] * np.sin(k[a] * _mesh(*xc)[a]) * (1 + _mesh(*xc)[(a + 1) % 3] ** 2)
                        for a in range(3))
        errs["gradient"].append(eg)
        errs["face_average"].append(ea)
        errs["divergence"].append(np.abs(np.asarray(divergence(flux, h)) - div_exact).max())
        lap = np.asarray(laplacian(p, cs, h, (False,) * 3))
        errs["laplacian"].append(np.abs(lap + sum(x * x for x in k) * np.asarray(p)).max())
    print("neighbour ratios", [_ratio(_expo(n)) for n in SIZES])
    for name, e in errs.items():
        print(f"{name:12s} max errors {['%.2e' % x for x in e]}  orders {np.round(_order(e), 3)}")
        assert min(_order(e)) >= 1.8, name


def test_quick_and_van_leer_face_values_on_stretched_grid():
    """1-D along a stretched axis, ghosts holding the analytic values at their mirrored
    positions: QUICK (third order) and van Leer on a monotone profile, max norm over
    all faces, both flow directions."""
    eq, ev, eqn = [], [], []
    f = lambda x: np.exp(1.5 * x) + 0.3 * np.sin(2 * x)  # smooth and monotone on [0, 1]
    for n in SIZES:
        w = _expo(n)
        xc = padded_centres(w, False, n)
        xf = _faces(w)
        phi = jnp.asarray(f(xc)[:, None, None])
        for sign in (1.0, -1.0):
            vel = jnp.full((n + 1, 1, 1), sign)
            q = np.asarray(quick(phi, vel, 0, weights=quick_weights(xc, xf)))[:, 0, 0]
            v = np.asarray(van_leer_faces(phi, vel, 0, h_a=w))[:, 0, 0]
            (eq if sign > 0 else eqn).append(np.abs(q - f(xf)).max())
            if sign > 0:
                ev.append(np.abs(v - f(xf)).max())
            else:
                ev[-1] = max(ev[-1], np.abs(v - f(xf)).max())
        # the normal-field nodes (faces) with the cell centres as interpolation points
        nodes = padded_faces(w, False, n)
        mid = 0.5 * (nodes[1:-2] + nodes[2:-1])
        qn = np.asarray(quick(jnp.asarray(f(nodes)[:, None, None]), jnp.ones((n + 2, 1, 1)), 0,
                              weights=quick_weights(nodes, mid)))[:, 0, 0]
        eqn[-1] = max(eqn[-1], np.abs(qn - f(mid)).max())
    for name, e in (("quick +", eq), ("quick - / normal", eqn), ("van Leer", ev)):
        print(f"{name:16s} max errors {['%.2e' % x for x in e]}  orders {np.round(_order(e), 3)}")
        assert min(_order(e)) >= 1.8, name


def test_van_leer_bounded_on_graded_grid():
    """No new extrema: a step profile on a strongly graded axis stays in its range."""
    rng = np.random.default_rng(3)
    w = tuple(rng.uniform(0.1, 1.0, 20))
    phi = np.where(np.arange(24) < 12, 1.0, 0.0) + 0.01 * rng.standard_normal(24)
    for sign in (1.0, -1.0):
        v = np.asarray(van_leer_faces(jnp.asarray(phi[:, None, None]), jnp.full((21, 1, 1), sign), 0,
                                      h_a=w))[:, 0, 0]
        lo = np.minimum(phi[1:-2], phi[2:-1])
        hi = np.maximum(phi[1:-2], phi[2:-1])
        assert np.all(v >= lo - 1e-15) and np.all(v <= hi + 1e-15)


def _staggered_field(c, w, L):
    """An analytic velocity component ``c`` at its staggered positions, and the
    function itself."""
    k = [2 * np.pi / l for l in L]
    funcs = [lambda x, y, z: 1.0 + 0.5 * np.sin(k[0] * x + 0.3) * np.cos(k[1] * y) * np.cos(k[2] * z + 0.2),
             lambda x, y, z: -0.7 + 0.4 * np.cos(k[0] * x) * np.sin(k[1] * y + 0.5) * np.cos(k[2] * z),
             lambda x, y, z: 0.3 + 0.6 * np.cos(k[0] * x + 0.1) * np.cos(k[1] * y) * np.sin(k[2] * z + 0.4)]
    return funcs[c]


@pytest.mark.slow
def test_momentum_flux_divergence_second_order():
    """``-div(U u_c)`` against the analytic flux divergence at each component's nodes,
    ghosts holding analytic values at their mirrored positions (as stencils.pad lays
    them out): max norm over every node, boundary faces included (the analytic ghosts
    make them consistent; a fixed count of nodes from a wall is no fixed place as the
    grid refines, where the error near a wall is largest)."""
    errs = [[], [], []]
    for n in SIZES:
        w = _grids(n)
        L = [sum(x) for x in w]
        xc = [_centres(x) for x in w]
        xf = [_faces(x) for x in w]
        fs = [_staggered_field(c, w, L) for c in range(3)]
        pads = []
        for c in range(3):
            row = []
            for a in range(3):
                pos = [(padded_faces(w[b], False, n) if b == a else xf[b]) if b == c else
                       (padded_centres(w[b], False, n) if b == a else xc[b]) for b in range(3)]
                row.append(jnp.asarray(fs[c](*_mesh(*pos))))
            pads.append(row)
        eps = 1e-6
        for c in range(3):
            pos = [xf[b] if b == c else xc[b] for b in range(3)]
            X = _mesh(*pos)
            exact = 0.0
            for a in range(3):  # central differences of the analytic flux u_a u_c
                def flux(dx):
                    Y = [X[b] + (dx if b == a else 0.0) for b in range(3)]
                    return fs[a](*Y) * fs[c](*Y)
                exact = exact - (flux(eps) - flux(-eps)) / (2 * eps)
            t = np.asarray(momentum_flux_divergence(c, pads, tuple(w), (False,) * 3))
            errs[c].append(np.abs(t - exact).max())
    for c in range(3):
        print(f"momentum comp {c} max errors {['%.2e' % x for x in errs[c]]}"
              f"  orders {np.round(_order(errs[c]), 3)}")
        # 16 cells at neighbour ratio 1.2 are not yet asymptotic (order ~1.7 from 16
        # to 32): the finest pair is held to second order
        assert _order(errs[c])[-1] >= 1.8 and _order(errs[c])[0] >= 1.5


def test_advective_flux_divergence_smooth_monotone():
    """van Leer's ``div(u phi)`` on a smooth monotone field along a stretched axis
    (uniform flow both ways; other axes one cell), ghosts analytic: max norm over
    every cell."""
    f = lambda x: np.exp(1.5 * x) + 0.3 * np.sin(2 * x)
    fp = lambda x: 1.5 * np.exp(1.5 * x) + 0.6 * np.cos(2 * x)
    errs = []
    sizes = (16, 32, 64, 128, 256)  # 1-D: cheap; ratio 1.2 at 16 cells is far from asymptotic
    for n in sizes:
        w = _expo(n)
        xc = padded_centres(w, False, n)
        phi = jnp.asarray(f(xc)[:, None, None])
        e = 0.0
        for sign in (1.0, -1.0):
            u = [jnp.full((n + 1, 1, 1), sign), jnp.zeros((n, 2, 1)), jnp.zeros((n, 1, 2))]
            pads = [phi, jnp.asarray(np.repeat(f(xc[2:-2])[:, None, None], 5, 1)),
                    jnp.asarray(np.repeat(f(xc[2:-2])[:, None, None], 5, 2))]
            d = np.asarray(advective_flux_divergence(pads, u, (w, 1.0, 1.0)))[:, 0, 0]
            e = max(e, np.abs(d - sign * fp(xc[2:-2])).max())
        errs.append(e)
    print(f"van Leer div(u phi) max errors {['%.2e' % x for x in errs]}  orders "
          f"{np.round(_order(errs), 3)} (cells {sizes})")
    # the largest cells (the growing end) converge from below: 1.5 from 16 to 32 cells,
    # 1.94 from 128 to 256
    assert _order(errs)[-1] >= 1.8 and min(_order(errs)) >= 1.4


# ---------------------------------------------------------------------------------------------
# (c) the volume-weighted multigrid and the solvers on graded grids


def _dirichlet_box(n):
    return [jnp.ones(tuple(n + (1 if b == a else 0) for b in range(3))) for a in range(3)]


@pytest.mark.slow
def test_graded_poisson_second_order_solution():
    """div grad p = rhs with p = 0 on every wall, p a product of sines: the discrete
    solution converges to it at second order (max norm, every cell)."""
    errs, its = [], []
    for n in (8, 16, 32):
        w = _grids(n)
        L = [sum(x) for x in w]
        k = [np.pi / l for l in L]
        X = _mesh(*[_centres(x) for x in w])
        exact = np.sin(k[0] * X[0]) * np.sin(k[1] * X[1]) * np.sin(k[2] * X[2])
        levels = build_hierarchy(_dirichlet_box(n), tuple(w), (False,) * 3)
        rhs = jnp.asarray(-sum(x * x for x in k) * exact)
        p, info = solve_poisson(levels, rhs, jnp.zeros_like(rhs), tol=1e-11, singular=False)
        errs.append(np.abs(np.asarray(p) - exact).max())
        its.append(int(info.iterations))
        assert float(info.residual) <= 1e-11
    print(f"graded Poisson solution max errors {['%.2e' % x for x in errs]} orders "
          f"{np.round(_order(errs), 3)}, PCG iterations {its}")
    # 8 cells (neighbour ratio 1.44) are pre-asymptotic: the finest pair is held to 1.8
    assert _order(errs)[-1] >= 1.8 and _order(errs)[0] >= 1.5


@pytest.mark.parametrize("periodic", [(False, False, False), (True, False, True)])
def test_weighted_levels_symmetric_and_consistent(periodic):
    """Every level's operator is symmetric (x.Ay == y.Ax); the fine one is the volume
    times minus the graded Laplacian; dense_operator is the matrix of apply; and the
    transfer pair is an exact transpose."""
    rng = np.random.default_rng(11)
    shape = (8, 8, 4)
    h = (tuple(rng.uniform(0.5, 2.0, 8)), _expo(8, 0.7), 0.3)  # one axis stays uniform
    cs = [jnp.asarray(c) for c in _random_coeffs(rng, shape, periodic)]
    levels = build_hierarchy(cs, h, periodic, min_cells=1)
    assert len(levels) > 2 and all(lev.weighted for lev in levels)
    worst = 0.0
    for lev in levels:
        s = lev.lapdiag.shape
        x, y = (jnp.asarray(rng.standard_normal(s)) for _ in range(2))
        xay, yax = float(jnp.vdot(x, apply(lev, y))), float(jnp.vdot(y, apply(lev, x)))
        worst = max(worst, abs(xay - yax) / abs(xay))
    print(f"levels {[lev.lapdiag.shape for lev in levels]} worst |xAy - yAx| / |xAy| {worst:.1e}")
    assert worst < 1e-12
    fine = levels[0]
    x = jnp.asarray(rng.standard_normal(shape))
    live = 1.0 - fine.iso
    lap = laplacian(x, cs, h, periodic)
    err = float(jnp.abs(live * (apply(fine, x) + fine.volume * lap)).max() / jnp.abs(fine.volume * lap).max())
    print(f"fine level vs -V laplacian {err:.1e}")
    assert err < 1e-13
    a_mat = dense_operator([np.asarray(c) for c in fine.coeffs], np.asarray(fine.lapdiag), fine.h, periodic)
    assert np.abs(a_mat @ np.asarray(x).ravel() - np.asarray(apply(fine, x)).ravel()).max() < 1e-12 * np.abs(a_mat).max()
    # the per-volume matrix on the graded spacing is minus the graded Laplacian
    b_mat = dense_operator([np.asarray(c) for c in cs], laplacian_diagonal([np.asarray(c) for c in cs], h, periodic),
                           h, periodic)
    assert np.abs(b_mat @ np.asarray(x).ravel() + np.asarray(lap).ravel()).max() < 1e-10 * np.abs(b_mat).max()
    coarse = levels[1].lapdiag.shape
    xc = jnp.asarray(rng.standard_normal(coarse))
    np.testing.assert_allclose(jnp.vdot(prolong(fine, xc), x), jnp.vdot(xc, restrict(fine, x)), rtol=1e-12)
    # prolongation keeps constants
    np.testing.assert_allclose(prolong(fine, jnp.ones(coarse)), 1.0, rtol=1e-13)


def test_weighted_dense_coarsest_level():
    """A grid small enough for the dense inverse: the V-cycle is the exact solve."""
    rng = np.random.default_rng(4)
    shape, periodic = (4, 6, 2), (False, False, False)
    h = (tuple(rng.uniform(0.2, 1.0, 4)), tuple(rng.uniform(0.2, 1.0, 6)), 0.5)
    lev = build_hierarchy([jnp.asarray(c) for c in _random_coeffs(rng, shape, periodic)], h, periodic,
                          min_cells=1000)[-1]
    assert lev.inv is not None and lev.weighted
    a_mat = dense_operator([np.asarray(c) for c in lev.coeffs], np.asarray(lev.lapdiag), lev.h, periodic)
    x = rng.standard_normal(shape)
    b = a_mat @ x.ravel()
    y = np.asarray(vcycle([lev], jnp.asarray(b.reshape(shape)))).ravel()
    err = np.abs(a_mat @ y - b).max() / np.abs(b).max()
    print("weighted dense coarse solve residual", err)
    assert err < 1e-10


def test_graded_singular_poisson():
    """All-Neumann walls, one periodic axis: the right-hand side is made compatible by
    its volume-weighted mean (its volume integral vanishes) and p has zero
    volume-weighted mean."""
    rng = np.random.default_rng(3)
    n = 16
    h = (_expo(n), _tanh(n, 1.3), tuple(np.full(8, 1 / 8)))
    shape = (n, n, 8)
    cs = [np.ones((n + 1, n, 8)), np.ones((n, n + 1, 8)), np.ones((n, n, 9))]
    cs[0][[0, -1]] = 0.0
    cs[1][:, [0, -1]] = 0.0
    cs = [jnp.asarray(c) for c in cs]
    periodic = (False, False, True)
    levels = build_hierarchy(cs, h, periodic)
    vol = np.asarray(levels[0].volume)
    rhs = jnp.asarray(rng.standard_normal(shape))
    p, info = solve_poisson(levels, rhs, jnp.zeros(shape), tol=1e-10, singular=True)
    compatible = rhs - float(jnp.sum(rhs * vol) / vol.sum())
    res = laplacian(p, cs, h, periodic) - compatible
    rel = float(jnp.linalg.norm(res * vol) / jnp.linalg.norm(compatible * vol))
    mean = float(jnp.sum(p * vol) / vol.sum())
    print(f"graded singular: {int(info.iterations)} iterations, residual {rel:.1e}, mean {mean:.1e}")
    assert rel < 1e-9 and abs(mean) < 1e-10


def test_graded_solve_spd_with_shift():
    rng = np.random.default_rng(8)
    n = 16
    h = (_expo(n), _expo(n, flip=True), _tanh(n))
    cs = [jnp.asarray(c) for c in _random_coeffs(rng, (n, n, n), (False,) * 3, blocked=0.0)]
    shift = jnp.asarray(rng.uniform(0.5, 5.0, (n, n, n)))
    levels = with_shift(build_hierarchy(cs, h, (False,) * 3), shift)
    rhs = jnp.asarray(rng.standard_normal((n, n, n)))
    x, info = solve_spd(levels, rhs, jnp.zeros_like(rhs), tol=1e-10)
    res = shift * x - laplacian(x, cs, h, (False,) * 3) - rhs
    rel = float(jnp.linalg.norm(res) / jnp.linalg.norm(rhs))
    print(f"graded solve_spd: {int(info.iterations)} iterations, residual {rel:.1e}")
    assert rel < 1e-8


@pytest.mark.parametrize("x64", [False], indirect=True)
def test_graded_poisson_float32(x64):
    assert not jax.config.jax_enable_x64
    n = 16
    w = _grids(n)
    k = [np.pi / sum(x) for x in w]
    X = _mesh(*[_centres(x) for x in w])
    exact = np.sin(k[0] * X[0]) * np.sin(k[1] * X[1]) * np.sin(k[2] * X[2])
    cs = [c.astype(jnp.float32) for c in _dirichlet_box(n)]
    levels = build_hierarchy(cs, tuple(w), (False,) * 3)
    assert levels[0].volume.dtype == jnp.float32 and levels[0].coeffs[0].dtype == jnp.float32
    rhs = jnp.asarray(-sum(x * x for x in k) * exact, jnp.float32)
    p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-5, singular=False))(levels, rhs)
    assert p.dtype == jnp.float32
    res = laplacian(p, cs, tuple(w), (False,) * 3) - rhs
    rel = float(jnp.linalg.norm(res) / jnp.linalg.norm(rhs))
    err = float(np.abs(np.asarray(p, np.float64) - exact).max())
    print(f"float32 graded: {int(info.iterations)} iterations, residual {rel:.1e}, error vs analytic {err:.1e}")
    # the tolerance is on the volume-weighted residual; per volume the small cells weigh
    # more. The float64 solution's discretisation error at 16 cells is 1.28e-2.
    assert float(info.residual) < 2e-5 and rel < 1e-3 and err < 0.0135


# ---------------------------------------------------------------------------------------------
# (d) multigrid iterations: uniform 32^3 against wall-clustered grids of high aspect ratio


def _clustered(n, ratio):
    half = ratio ** np.arange(n // 2)
    w = np.concatenate([half, half[::-1]])
    return w / w.sum()


def _mg_problem(n, h, semicoarsen):
    """thermo.validation.flow's multigrid problem: a box with a solid block, walls all
    round and one Dirichlet face (x+), a random right-hand side, to 1e-8."""
    fluid = np.ones((n, n, n))
    fluid[n // 4:n // 2, n // 4:3 * n // 4, : n // 2] = 0.0
    coeffs = []
    for a in range(3):
        lo, hi = np.take(fluid, range(0, n - 1), axis=a), np.take(fluid, range(1, n), axis=a)
        edge = np.zeros_like(np.take(fluid, [0], axis=a))
        top = np.take(fluid, [n - 1], axis=a) if a == 0 else edge
        coeffs.append(jnp.asarray(np.concatenate([edge, lo * hi, top], axis=a)))
    levels = build_hierarchy(coeffs, h, (False,) * 3, semicoarsen=semicoarsen)
    rhs = jnp.asarray(np.random.default_rng(1).standard_normal((n, n, n)) * fluid)
    p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-8, singular=False,
                                                  max_iter=500))(levels, rhs)
    res = laplacian(p, coeffs, h, (False,) * 3) - rhs
    assert float(jnp.linalg.norm(res) / jnp.linalg.norm(rhs)) < 1e-6
    return int(info.iterations), len(levels)


@pytest.mark.slow
def test_multigrid_iterations_on_stretched_grids():
    """z clustered at both walls (neighbour ratio 1.15), x and y uniform and wider:
    the wall cells' aspect ratio is 10 or 30 (the centre cells' about 1.2 and 3.7).
    Counts are printed; the semi-coarsened hierarchy (the graded default) is held to
    1.5 times the uniform grid's count."""
    n = 32
    uniform, _ = _mg_problem(n, (1 / n,) * 3, None)
    wz = _clustered(n, 1.15)
    print(f"\nuniform {n}^3: {uniform} iterations")
    for aspect in (1.0, 10.0, 30.0):
        hxy = aspect * wz.min()
        h = (hxy, hxy, tuple(wz))
        full, nf = _mg_problem(n, h, False)
        semi, ns = _mg_problem(n, h, True)
        print(f"graded, wall aspect {aspect:4.0f} (centre {max(wz.max() / hxy, hxy / wz.max()):.1f}): "
              f"full coarsening {full} iterations ({nf} levels), semi-coarsening {semi} ({ns} levels)")
        if aspect > 1:
            assert semi <= 1.5 * uniform


# ---------------------------------------------------------------------------------------------
# (e) odd cell counts and wall clustering on every wall (the grids real cases produce)


def _walls(n, aspect, ratio=1.15):
    """Widths growing by ``ratio`` from both walls until ``aspect`` times the wall cell."""
    k = np.minimum(np.arange(n), n - 1 - np.arange(n))
    w = np.minimum(ratio ** k, aspect)
    return tuple(w / w.sum())


def _neumann(shape):
    cs = []
    for a in range(3):
        c = np.ones(tuple(n + (1 if b == a else 0) for b, n in enumerate(shape)))
        idx = [slice(None)] * 3
        idx[a] = [0, -1]
        c[tuple(idx)] = 0.0
        cs.append(c)
    return cs


def _closed_box_iterations(h, shape):
    """MG-PCG to 1e-8 on a closed box (all-Neumann, singular), random right-hand side;
    checks the solution against the fine problem. Returns (iterations, levels)."""
    cs = _neumann(shape)
    levels = build_hierarchy(cs, h, (False,) * 3)
    rhs = np.random.default_rng(0).standard_normal(shape)
    rhs = jnp.asarray(rhs - rhs.mean())
    p, info = jax.jit(lambda lv, b: solve_poisson(lv, b, jnp.zeros_like(b), tol=1e-8, max_iter=500,
                                                  singular=True))(levels, rhs)
    vol = np.asarray(levels[0].volume) if levels[0].weighted else np.ones(shape)
    compatible = np.asarray(rhs) - np.sum(np.asarray(rhs) * vol) / vol.sum()
    res = np.asarray(laplacian(p, [jnp.asarray(c) for c in cs], h, (False,) * 3)) - compatible
    assert np.linalg.norm(res * vol) / np.linalg.norm(compatible * vol) < 1e-8 * 1.01
    return int(info.iterations), levels


def _dvd_spacing():
    from thermo.case import case_from_dict
    from thermo.solver.setup import grid_spacing
    from thermo.validation.graded import devahldavis_graded_case

    grid = case_from_dict(devahldavis_graded_case()).grid
    return grid_spacing(grid), tuple(grid.cells)


@pytest.mark.slow
def test_odd_axes_coarsen_symmetric_and_exact_transpose():
    """Odd counts coarsen on a graded grid (one cell, the widest, left unpaired); every
    level stays symmetric, prolongation keeps constants and restriction is its exact
    transpose, and the line-relaxed V-cycle is a symmetric operator."""
    rng = np.random.default_rng(5)
    for shape, periodic in (((37, 29, 1), (False,) * 3), ((9, 7, 5), (True, False, False))):
        h = tuple(_walls(n, 10.0) if n > 1 else 1.0 for n in shape)
        cs = [jnp.asarray(c) for c in _random_coeffs(rng, shape, periodic)]
        levels = build_hierarchy(cs, h, periodic, min_cells=1)
        assert len(levels) >= 4 and any(1 in np.diff(st) for lev in levels for st in lev.starts if st)
        for lev, nxt in zip(levels, levels[1:]):
            s = lev.lapdiag.shape
            x, y = (jnp.asarray(rng.standard_normal(s)) for _ in range(2))
            xay, yax = float(jnp.vdot(x, apply(lev, y))), float(jnp.vdot(y, apply(lev, x)))
            assert abs(xay - yax) <= 1e-12 * abs(xay)
            xc = jnp.asarray(rng.standard_normal(nxt.lapdiag.shape))
            np.testing.assert_allclose(jnp.vdot(prolong(lev, xc), x), jnp.vdot(xc, restrict(lev, x)),
                                       rtol=1e-12)
            np.testing.assert_allclose(prolong(lev, jnp.ones(xc.shape)), 1.0, rtol=1e-13)
        # the preconditioner is symmetric: x.M(y) == y.M(x)
        x, y = (jnp.asarray(rng.standard_normal(shape)) for _ in range(2))
        xmy, ymx = float(jnp.vdot(x, vcycle(levels, y))), float(jnp.vdot(y, vcycle(levels, x)))
        print(f"{shape}: levels {[lev.lapdiag.shape for lev in levels]} lines "
              f"{[lev.lines for lev in levels]} |xMy - yMx| / |xMy| {abs(xmy - ymx) / abs(xmy):.1e}")
        assert abs(xmy - ymx) <= 1e-10 * abs(xmy)


@pytest.mark.slow
def test_multigrid_iterations_wall_clustered_odd_grids():
    """Grids clustered at every wall with odd counts: the graded de Vahl Davis grid
    (61x61, 2.84 mm at the walls growing by 1.15 to 41 mm, wall aspect 14.5), 37x29,
    61x61 and 64x64 at wall aspect 30, against a uniform 64x64 (issue #15: within 1.5x).
    Measured (x64): uniform 7; graded 7, 7, 7, 7 (before: 39 on dVD, one level)."""
    uniform, _ = _closed_box_iterations((1 / 64, 1 / 64, 1.0), (64, 64, 1))
    dvd_h, dvd_n = _dvd_spacing()
    cases = {"dVD 61x61 (aspect 14.5)": (dvd_h, dvd_n),
             "37x29 (aspect 10)": ((_walls(37, 10.0), _walls(29, 10.0), 1.0), (37, 29, 1)),
             "61x61 (aspect 30)": ((_walls(61, 30.0, 1.2), _walls(61, 30.0, 1.2), 1.0), (61, 61, 1)),
             "64x64 (aspect 30)": ((_walls(64, 30.0), _walls(64, 30.0), 1.0), (64, 64, 1))}
    print(f"\nuniform 64x64: {uniform} iterations")
    for name, (h, shape) in cases.items():
        its, levels = _closed_box_iterations(h, shape)
        print(f"graded {name}: {its} iterations, levels {[lev.lapdiag.shape for lev in levels]}")
        assert len(levels) > 2
        assert its <= 1.5 * uniform


def test_multigrid_iterations_wall_clustered_3d_odd():
    """33x31x29 clustered at all six walls (aspect 10) against a uniform 32^3, within
    the 1.5x of issue #15. Measured 7 against 7, the cells paired where they are thin
    (before: 18 with whole axes paired by their thinnest cell, 30 with one level; line
    sweeps along three axes took 11 at 4-5x the cost per iteration)."""
    uniform, _ = _closed_box_iterations((1 / 32,) * 3, (32, 32, 32))
    its, levels = _closed_box_iterations((_walls(33, 10.0), _walls(31, 10.0), _walls(29, 10.0)),
                                         (33, 31, 29))
    print(f"\nuniform 32^3: {uniform}; graded 33x31x29 aspect 10: {its} iterations, "
          f"levels {[lev.lapdiag.shape for lev in levels]}")
    assert len(levels) > 2
    assert its <= 1.5 * uniform
