"""The implicit steady solver: pseudo-time iterations in delta form, SIMPLEC-type.

Each iteration solves for increments with an approximate Jacobian ``M`` and the full
residual ``R`` of the discrete steady equations:

* momentum: ``(1 + dtau (drag + A_upwind - div(nu grad))) du = dtau R_u``, with ``R_u``
  the same QUICK advection, viscous, buoyancy, part forces and old pressure gradient
  that the time march uses (m/s2); ``A_upwind`` is first-order upwind advection, the
  QUICK part being the deferred correction that ``R_u`` carries. Solved by
  Jacobi-preconditioned BiCGStab.
* pressure: ``div(dtau grad phi) = div u*`` by multigrid-PCG, ``u = u* - dtau grad phi``,
  ``p += phi`` without under-relaxation. With a pseudo-time step ``dtau`` in the
  momentum matrix, SIMPLEC's ``V / (a_P - sum a_nb)`` is ``dtau / (1 + dtau drag)``
  (upwind advection and diffusion add as much to ``a_P`` as to the neighbours; the
  implicit drag of porous parts and fins only to ``a_P``): the projection's
  coefficient, ``dtau`` where nothing drags. The multigrid hierarchy is built once,
  with the drag at the case's velocity scale; the drag follows the velocity, and each
  iteration scales the hierarchy's fine level to it.
* energy: ``(C / (10 dtau) + rho cp A_upwind + G - div(k grad)) dT = R_T`` with ``R_T`` the
  van Leer, conduction, source, eddy and exchange terms of the march (W/m3), by
  BiCGStab preconditioned by alternating line relaxation of the whole operator (its
  coefficients probed from it, :mod:`thermo.kernels.line_relaxation`), a multigrid
  V-cycle of the conduction operator (its diagonal carrying the upwind and eddy terms)
  on the remaining residual, and the lines again. The V-cycle alone misses the upwind
  couplings: to the relative 1e-3, 44 iterations on the contained hall's 0.3 m grid,
  72 per outer iteration over the D2C server's run; with the lines 5 and 4.3.

``M`` only sets how fast the iterations converge: a converged state makes ``R`` vanish,
so the answer is the time march's steady state (to the tolerances), whatever ``dtau``.

``dtau`` is local: ``solver.pseudo_cfl`` times each cell's smallest width over the
residuals' velocity scale (on a uniform grid one value), fixed for the run so that the
pressure operator's multigrid hierarchy is built once on the host.

Selective frequency damping (``solver.damping``; Akervik, Brandt, Henningson, Hoepffner,
Marxen & Schlatter 2006, Phys. Fluids 18, 068102): with local ``dtau`` the iterations
follow time closely enough that a steady state the flow leaves (a wake that sheds, a
recirculation that breathes) is never reached: they keep moving as the flow would. The
damped momentum equation carries ``- chi (u - ubar)``, with ``ubar`` the velocity
filtered over ``solver.damping_width`` iterations (``ubar += (u - ubar) / width``, held
in ``State.history``) and ``chi = solver.damping / dtau`` per face, implicit on the
diagonal and in SIMPLEC's projection coefficient. It pulls the slow oscillations back to
their own mean and leaves the steady part alone; where the iterations stop, ``u = ubar``
and the term vanishes, so the fixed point is the undamped equations' (the reported
residuals leave the term out).
"""
from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np

from thermo.kernels.krylov import bicgstab
from thermo.kernels.line_relaxation import line_coefficients, relax_lines
from thermo.kernels.multigrid import apply, vcycle, with_face_scale, with_shift
from thermo.kernels.poisson import solve_poisson
from thermo.kernels.spacing import gaps, widths
from thermo.kernels.stencils import diff_faces, divergence
from thermo.kernels.sums import like, total
from thermo.kernels.upwind import scalar_upwind, staggered_upwind
from thermo.models.turbulence import PRANDTL_TURBULENT
from thermo.solver.energy import (cell_rho_cp, eddy_coefficients, eddy_conduction, energy_terms,
                                  finish)
from thermo.solver.kepsilon import turbulence_update
from thermo.solver.momentum import (periodic_copies, continuity_residual, control_volumes,
                                    is_graded, momentum_terms, vector_laplacian)
from thermo.solver.numerics import reachable_tolerance
from thermo.solver.state import CONVERGED, DIVERGED, RUNNING, Params, Settings, State


# the energy equation's pseudo-time step over the momentum equation's: energy lags the
# flow less than the flow lags itself (de Vahl Davis Ra 1e5 at pseudo_cfl 10: 244
# iterations with the same step, 137 with 10x, 128 with an infinite one whose solves
# cost twice as many BiCGStab iterations; 128^2: 472 -> 254)
ENERGY_DTAU = 10.0
# k and epsilon's pseudo-time step over the momentum equation's
TURBULENCE_DTAU = 1.0


def pseudo_steps(spacing, shape, active, cfl: float, u_ref: float) -> tuple:
    """Host: the pseudo-time step per cell (s), ``cfl`` times the cell's smallest width
    (over the active axes) over ``u_ref``; and per velocity component on its faces the
    smaller of the two cells' (the one cell's on a boundary face), float64 NumPy."""
    w = [widths(spacing[a], shape[a]).reshape([-1 if b == a else 1 for b in range(3)])
         for a in range(3)]
    small = np.full(shape, np.inf)
    for a in range(3):
        if active[a]:
            small = np.minimum(small, np.broadcast_to(w[a], shape))
    cell = cfl * small / u_ref
    faces = []
    for c in range(3):
        lo = np.concatenate([np.take(cell, [0], axis=c), cell], axis=c)
        hi = np.concatenate([cell, np.take(cell, [-1], axis=c)], axis=c)
        faces.append(np.minimum(lo, hi))
    return cell, tuple(faces)


def _viscous_diagonal(c: int, prm: Params, cfg: Settings, nu, shape, dtype):
    """An approximation of the diagonal of ``-div(nu grad)`` on the faces of component
    ``c`` (1/s): each side's viscosity over the distance and the extent (walls not
    doubled); for the Jacobi preconditioner only."""
    out = jnp.zeros(shape, dtype)
    for a in range(3):
        if not cfg.active[a]:
            continue
        n = shape[a]
        if a == c:
            dist = widths(cfg.h[a], n - 1)
            lo_d = np.concatenate([[dist[0]], dist])
            hi_d = np.concatenate([dist, [dist[-1]]])
            ext = gaps(cfg.h[a], cfg.periodic[a], n - 1)
        else:
            g = gaps(cfg.h[a], cfg.periodic[a], n)
            lo_d, hi_d, ext = g[:-1], g[1:], widths(cfg.h[a], n)
        col = lambda v: jnp.asarray(np.asarray(v).reshape([-1 if b == a else 1 for b in range(3)]),
                                    dtype)
        n_lo, n_hi = (cfg.nu, cfg.nu) if nu is None else nu[c][a]
        out = out + (n_lo / col(lo_d) + n_hi / col(hi_d)) / col(ext)
    return out


# a normalised momentum residual's denominator is at least this fraction of the summed
# sizes of the momentum terms (all components): OpenFOAM's normaliser vanishes for a
# field without variation (plug flow along a duct: u uniform, A (u - mean) = 0; or a
# component that is round-off everywhere), and its residual reads |r| / |r| = 1 even
# when r is round-off
TERMS_FLOOR = 1e-3


def normalised(residual, apply_steady, x, mask, weight=1.0, floor=0.0, acc=None):
    """OpenFOAM's normalised residual of one equation: ``sum |r| / (sum |A (x - xm)| +
    |A (x - xm) + r| )`` over the cells ``mask``, with ``r = b - A x`` the (volume-
    integrated) residual, ``A`` the steady operator and ``xm`` the mean of ``x``: a
    uniform field's error is not counted, and the measure is 1 for a field off by
    its own variation. ``floor``: a least denominator (as ``sum |r|``); ``acc``: the
    dtype of the sums (None: ``x``'s). Dimensionless, in ``x``'s dtype; 0 at the
    solution."""
    mean = like(total(mask * x, acc) / jnp.maximum(total(mask, acc), 1.0), x)
    ay = mask * apply_steady(mask * (x - mean))
    r = mask * residual
    norm = jnp.maximum(total(weight * (jnp.abs(ay) + jnp.abs(ay + r)), acc), floor)
    return like(total(weight * jnp.abs(r), acc) / jnp.maximum(norm, jnp.finfo(x.dtype).tiny), x)


def momentum_increment(rate, u, prm: Params, cfg: Settings, nu, terms=None, damping=None):
    """The velocity increment (m/s) on the faces the momentum equation updates: the
    solution of ``(1 + dtau (drag + A_upwind - div(nu grad))) du = dtau rate`` by
    Jacobi-preconditioned BiCGStab (homogeneous boundary ghosts, mirrored at solids);
    its info; and the largest of the three components' normalised residuals
    (``terms``: per component the summed sizes of the terms in ``rate``). ``damping``:
    ``(chi, ubar)``, selective frequency damping's gain per face (1/s) and filtered
    velocity, solved as ``chi (u + du - ubar)`` on the left and left out of the
    residuals (those of the undamped equations)."""
    mask, dtau, drag = prm.implicit, prm.dtau, prm.drag
    solve_rate, solve_drag = rate, drag
    if damping is not None:
        chi, ubar = damping
        solve_rate = tuple(r - x * (v - b) for r, x, v, b in zip(rate, chi, u, ubar))
        solve_drag = tuple(d + x for d, x in zip(drag, chi))
    adv, adv_diag = staggered_upwind(u, cfg.h, cfg.periodic, cfg.active)
    scale = 1.0 if nu is not None else cfg.nu

    def steady_a(x, drag=drag):  # per volume, 1/s times x
        xm = tuple(m * v for m, v in zip(mask, x))
        lap = vector_laplacian(xm, prm.ghosts_hom, prm.wall_nb, cfg, nu)
        a = adv(xm)
        return tuple(m * (d * v + ad - scale * l) for v, m, d, ad, l in zip(xm, mask, drag, a, lap))

    def apply_m(x):
        return tuple(v + t * a for v, t, a in zip(x, dtau, steady_a(x, solve_drag)))

    diag = tuple(1.0 + m * t * (d + ad + _viscous_diagonal(c, prm, cfg, nu, u[c].shape, u[c].dtype))
                 for c, (m, t, d, ad) in enumerate(zip(mask, dtau, solve_drag, adv_diag)))
    b = tuple(m * t * r for m, t, r in zip(mask, dtau, solve_rate))
    du, info = bicgstab(apply_m, b, tuple(jnp.zeros_like(v) for v in b),
                        lambda r: tuple(v / d for v, d in zip(r, diag)),
                        tol=reachable_tolerance(cfg.viscous.tolerance, b[0]),
                        max_iter=cfg.viscous.max_iterations, acc=cfg.accumulate)
    res, weights = [], []
    for c in range(3):
        weights.append(1.0 if not is_graded(cfg) else control_volumes(cfg, c, u[c].shape, u[c].dtype))
    floor = 0.0 if terms is None else TERMS_FLOOR * sum(
        total(weights[c] * mask[c] * terms[c], cfg.accumulate) for c in range(3) if cfg.active[c])
    for c in range(3):
        if not cfg.active[c]:
            continue
        one = lambda y, c=c: steady_a(tuple(y if k == c else jnp.zeros_like(u[k])
                                            for k in range(3)))[c]
        res.append(normalised(rate[c], one, u[c], mask[c], weights[c], floor, cfg.accumulate))
    # on a periodic axis the last face is the first: the solve treats them as two
    # unknowns, and a stale copy breaks continuity around the loop
    return periodic_copies(tuple(m * v for m, v in zip(mask, du)), cfg), info, \
        jnp.max(jnp.stack(res))


def _eddy_diagonal(nut, rho_cp, cfg: Settings, dtype):
    """``rho cp nu_t / Pr_t`` times ``sum 2 / w^2`` (W/m3 K): the eddy heat flux's diagonal,
    roughly, for the energy preconditioner."""
    k = rho_cp * nut / PRANDTL_TURBULENT
    s = 0.0
    for a in range(3):
        if cfg.active[a]:
            w = widths(cfg.h[a], nut.shape[a]).reshape([-1 if b == a else 1 for b in range(3)])
            s = s + jnp.asarray(2.0 / w ** 2, dtype)
    return k * s


def _shifted(level, shift):
    """The fine conduction level with the diagonal term ``shift`` (W/m3 K), held times
    the volume on a weighted level, as :func:`with_shift` holds it."""
    return replace(level, shift=shift if level.volume is None else shift * level.volume, inv=None)


def energy_increment(T, u, prm: Params, cfg: Settings, nut, terms=None):
    """The temperature after one steady iteration (C), the solve's info and the energy
    equation's normalised residual; with ``terms`` (:class:`thermo.solver.dual.TimeTerms`)
    an implicit time step's: its time derivative ``C (lead_rate T - past)`` in the
    residual and ``C lead_rate`` on the diagonal."""
    # the eddy conductivities frozen at this iterate (the wall's secant edge depends on
    # u and T): the same operator in the residual and the solve
    eddy = None if nut is None else eddy_coefficients(nut, cell_rho_cp(prm, cfg), prm, cfg, u, T)
    R, g_sum, rho_cp, carries = energy_terms(T, u, prm, cfg, eddy)
    if terms is not None:
        R = R - prm.capacity * (terms.lead_rate * T - terms.T)
        g_sum = g_sum + prm.capacity * terms.lead_rate
    adv, adv_diag = scalar_upwind(u, cfg.h, cfg.periodic, cfg.active)
    # cells a part model sets (a server's): no increment, and to their neighbours a
    # fixed inflow temperature
    keep = jnp.ones_like(T)
    for model in cfg.parts:
        owned = model.owned_cells(prm.parts[model.key])
        if owned is not None:
            keep = keep * jnp.where(owned, 0.0, 1.0)
    cap = prm.capacity / (ENERGY_DTAU * prm.dtau_cell) + g_sum
    fine, steady = _shifted(prm.t_levels[0], cap), _shifted(prm.t_levels[0], g_sum + 0.0 * T)
    extra = rho_cp * adv_diag * keep
    if nut is not None:
        extra = extra + _eddy_diagonal(nut, rho_cp, cfg, T.dtype)
    levels = with_shift(prm.t_levels, cap + extra)
    vol = 1.0 if fine.volume is None else fine.volume

    def transport(x):  # advection and the eddy heat flux, volume-integrated
        out = vol * rho_cp * keep * adv(keep * x)
        if nut is not None:
            out = out - vol * eddy_conduction(x, eddy, cfg)
        return out

    def operator(x):
        return apply(fine, x) + transport(x)

    # lines, a V-cycle of the conduction, lines: the lines carry the advection (and
    # conduction along thin parts), the V-cycle the slow conduction modes of solids
    axes = [a for a in range(3) if cfg.active[a]]
    coeffs = line_coefficients(operator, T.shape, T.dtype, axes)

    def precondition(r):
        x = relax_lines(operator, coeffs, None, r, axes)
        x = x + vcycle(levels, r - operator(x))
        return relax_lines(operator, coeffs, x, r, axes)

    b = vol * R * keep
    dT, info = bicgstab(operator, b, jnp.zeros_like(T), precondition,
                        tol=reachable_tolerance(cfg.conduction.tolerance, T),
                        max_iter=cfg.conduction.max_iterations, acc=cfg.accumulate)
    res = normalised(b, lambda x: apply(steady, x) + transport(x), T, keep, acc=cfg.accumulate)
    return finish(T + dT, prm, cfg, carries), info, res


def damped_history(u: tuple) -> tuple:
    """A damped steady run's ``State.history``: the filtered velocity, starting at ``u``."""
    return (tuple(jnp.array(v) for v in u),)


def pressure_problem(s: State, prm: Params, cfg: Settings, time=None):
    """The momentum predictor and the pressure problem it leaves: ``(ustar, rhs, levels,
    dtau, prm, nut, vinfo, res_mom)``. ``ustar`` (m/s) the predicted face velocities,
    ``rhs`` (1/s) their divergence, ``levels`` and ``dtau`` (s) the projection's
    operator and face steps, ``prm`` with the time term's drag where ``time`` is given."""
    u = s.u
    prm, nut, nu, f, visc, fixed = momentum_terms(s, prm, cfg)
    grad_p = tuple(diff_faces(s.p, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
    if time is not None:  # d u / dt: a force in the residual, a drag on the diagonal
        f = tuple(f[c] - (time.lead_rate * u[c] - time.u[c]) for c in range(3))
        prm = prm._replace(drag=tuple(d + time.lead_rate for d in prm.drag))
    rate = tuple(prm.free[c] * (f[c] + visc[c] - grad_p[c]) for c in range(3))
    terms = tuple(prm.free[c] * (jnp.abs(f[c]) + jnp.abs(visc[c]) + jnp.abs(grad_p[c]))
                  for c in range(3))
    damping, drag = None, prm.drag
    if cfg.damping > 0.0 and time is None:
        chi = tuple(cfg.damping / t for t in prm.dtau)
        damping, drag = (chi, s.history[0]), tuple(d + x for d, x in zip(prm.drag, chi))
    du, vinfo, res_mom = momentum_increment(rate, u, prm, cfg, nu, terms, damping)
    ustar = tuple(prm.free[c] * (u[c] + du[c]) + fixed[c] for c in range(3))
    rhs = divergence(ustar, cfg.h)
    levels, dtau = prm.levels, prm.dtau
    if damping is not None or time is not None or any(m.drags for m in cfg.parts):
        # SIMPLEC's coefficient V / (a_P - sum a_nb) is 1 / (1 / dtau + drag): the implicit
        # drag is in a_P and not in the neighbours. With dtau alone a porous face answers
        # a pressure correction 1 + dtau drag times too freely (117 on the contained
        # hall's 5 %-open cut-outs, 26 on its tiles), and the projection pushes through it
        # the flow the momentum step has just taken out: the hall's 178,710-cell grid
        # ended 1,500 iterations with its cut-outs passing 3.8 times their loss law
        dtau = tuple(t / (1.0 + t * d) for t, d in zip(prm.dtau, drag))
        levels = with_face_scale(levels, tuple(d / r for d, r in zip(dtau, prm.dtau_proj)))
    return ustar, rhs, levels, dtau, prm, nut, vinfo, res_mom


def steady_iteration(s: State, prm: Params, cfg: Settings, t_stop, time=None) -> State:
    """The state one implicit steady iteration later (or the same fields with
    ``DIVERGED``). ``t`` advances by the largest pseudo-time step. With ``time``
    (:class:`thermo.solver.dual.TimeTerms`) one iteration of an implicit time step: the
    time derivative in every equation, converged at ``solver.outer_tolerance``."""
    ustar, rhs, levels, dtau, prm, nut, vinfo, res_mom = pressure_problem(s, prm, cfg, time)
    phi, info = solve_poisson(levels, rhs, jnp.zeros_like(s.p),
                              tol=reachable_tolerance(cfg.pressure.tolerance, rhs),
                              max_iter=cfg.pressure.max_iterations,
                              singular=cfg.singular, regions=prm.regions, n_regions=cfg.n_regions,
                              acc=cfg.accumulate)
    unew = tuple(ustar[c] - dtau[c] * prm.free[c]
                 * diff_faces(phi, c, cfg.h[c], periodic=cfg.periodic[c]) for c in range(3))
    p = s.p + phi
    res_div = continuity_residual(unew, prm, cfg)
    if cfg.energy:
        T, tinfo, res_t = energy_increment(s.T, unew, prm, cfg, nut, time)
        t_iters = tinfo.iterations
    else:
        T, res_t, t_iters = s.T, jnp.zeros_like(res_mom), jnp.int32(0)
    turb_state = s.turb
    if s.turb:  # k and epsilon: their relative change joins the momentum residual
        turb_state, change = turbulence_update(s.turb, unew, T, 1.0 / (TURBULENCE_DTAU * prm.dtau_cell),
                                               prm, cfg, time)
        res_mom = jnp.maximum(res_mom, change)
    history = s.history
    if cfg.damping > 0.0 and time is None:  # the filter follows the velocity
        history = (tuple(b + cfg.damping_rate * (v - b) for b, v in zip(s.history[0], unew)),)
    dt = jnp.asarray(cfg.dtau_max, s.t.dtype)
    new = State(unew, p, T, s.tend, dt, s.t + dt, s.step + 1, res_mom, res_div, res_t,
                info.iterations, s.p_iters_sum + info.iterations, s.t_iters_sum + t_iters,
                s.v_iters_sum + vinfo.iterations, s.status, turb_state, history)
    bad = ~jnp.isfinite(res_mom) | ~jnp.isfinite(res_div) | ~jnp.isfinite(res_t)
    tol = cfg.tolerance if time is None else cfg.outer_tolerance
    done = (res_mom < tol) & (res_div < tol) & (res_t < tol)
    status = jnp.where(bad, jnp.int32(DIVERGED),
                       jnp.where(done, jnp.int32(CONVERGED), jnp.int32(RUNNING)))
    kept = jax.tree_util.tree_map(lambda a, b: jnp.where(bad, a, b), s, new)
    return kept._replace(status=status, step=jnp.where(bad, s.step, new.step),
                         res_mom=res_mom, res_div=res_div, res_energy=res_t)


