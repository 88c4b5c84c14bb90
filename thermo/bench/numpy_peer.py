"""The NumPy peer on the de Vahl Davis cavity: a plain vectorised MAC solver marched
to a steady state (see :mod:`thermo.bench.peers` for how it differs from thermo)."""
from __future__ import annotations

import time

import numpy as np

__all__ = ["SPEED_FLOOR", "NumpyDVD", "numpy_devahldavis"]

#: A floor for the largest speeds in the advective step limit (a fluid at rest).
SPEED_FLOOR = 1e-30


def _neumann_eig(n: int, h: float):
    lap = np.zeros((n, n))
    i = np.arange(n)
    lap[i, i] = -2.0
    lap[i[:-1], i[:-1] + 1] = 1.0
    lap[i[1:], i[1:] - 1] = 1.0
    lap[0, 0] = lap[-1, -1] = -1.0
    lam, vec = np.linalg.eigh(lap / h ** 2)
    return lam, vec


class NumpyDVD:
    """The de Vahl Davis cavity on an n x n MAC grid in plain NumPy (see module doc).

    Arrays are indexed [j, i] (y, x): u (n, n+1) on x-faces, v (n+1, n) on y-faces,
    T and p (n, n) at cell centres.
    """

    def __init__(self, n: int = 64, ra: float = 1e5, pr: float = 0.71, cfl: float = 0.5):
        self.n, self.h = n, 1.0 / n
        self.alpha = (1.0 / (ra * pr)) ** 0.5
        self.nu = pr * self.alpha
        self.cfl = cfl
        self.u = np.zeros((n, n + 1))
        self.v = np.zeros((n + 1, n))
        self.T = np.full((n, n), 0.5)
        self.fu = self.fv = self.fT = None
        self.dt_old = None
        lam, vec = _neumann_eig(n, self.h)
        self.vec = vec
        den = lam[:, None] + lam[None, :]
        den[0, 0] = 1.0
        self.inv = 1.0 / den
        self.inv[0, 0] = 0.0       # the constant mode: p defined up to a constant
        self.steps = 0
        self.t = 0.0

    def _rhs(self):
        u, v, T, h, nu, a = self.u, self.v, self.T, self.h, self.nu, self.alpha
        n = self.n
        # u-momentum on interior x-faces (j, i=1..n-1)
        uc = 0.5 * (u[:, :-1] + u[:, 1:])                       # cell centres (n, n)
        fx = uc * uc
        ucor = np.zeros((n + 1, n + 1))                         # u at corners (j=0..n, i)
        ucor[1:-1] = 0.5 * (u[:-1] + u[1:])
        vcor = np.zeros((n + 1, n + 1))                         # v at corners (j, i=0..n)
        vcor[:, 1:-1] = 0.5 * (v[:, :-1] + v[:, 1:])
        fy = ucor * vcor
        ui = u[:, 1:-1]
        up = np.concatenate([u[1:, 1:-1], -u[-1:, 1:-1]], axis=0)
        um = np.concatenate([-u[:1, 1:-1], u[:-1, 1:-1]], axis=0)
        lap_u = (u[:, 2:] - 2 * ui + u[:, :-2] + up - 2 * ui + um) / h ** 2
        gu = -(fx[:, 1:] - fx[:, :-1]) / h - (fy[1:, 1:-1] - fy[:-1, 1:-1]) / h + nu * lap_u
        # v-momentum on interior y-faces (j=1..n-1, i)
        vc = 0.5 * (v[:-1] + v[1:])
        gy = vc * vc
        vi = v[1:-1]
        vp = np.concatenate([v[1:-1, 1:], -v[1:-1, -1:]], axis=1)
        vm = np.concatenate([-v[1:-1, :1], v[1:-1, :-1]], axis=1)
        lap_v = (v[2:] - 2 * vi + v[:-2] + vp - 2 * vi + vm) / h ** 2
        buoy = 0.5 * (T[:-1] + T[1:]) - 0.5                      # -beta (T - Tref) g_y, g_y = -1
        gv = (-(gy[1:] - gy[:-1]) / h - (fy[1:-1, 1:] - fy[1:-1, :-1]) / h + nu * lap_v + buoy)
        # energy: central advective fluxes, Dirichlet x walls (ghost 2 Tw - T), adiabatic y walls
        tx = np.empty((n, n + 1))
        tx[:, 1:-1] = u[:, 1:-1] * 0.5 * (T[:, :-1] + T[:, 1:])
        tx[:, 0] = tx[:, -1] = 0.0
        ty = np.zeros((n + 1, n))
        ty[1:-1] = v[1:-1] * 0.5 * (T[:-1] + T[1:])
        dx = np.empty((n, n + 1))
        dx[:, 1:-1] = (T[:, 1:] - T[:, :-1]) / h
        dx[:, 0] = (T[:, 0] - 1.0) / (h / 2)
        dx[:, -1] = (0.0 - T[:, -1]) / (h / 2)
        dy = np.zeros((n + 1, n))
        dy[1:-1] = (T[1:] - T[:-1]) / h
        gt = (-(tx[:, 1:] - tx[:, :-1]) - (ty[1:] - ty[:-1]) + a * (dx[:, 1:] - dx[:, :-1])
              + a * (dy[1:] - dy[:-1])) / h
        return gu, gv, gt

    def step(self) -> tuple[float, float]:
        """One step; returns (max |du|/dt, max |dT|/dt)."""
        h = self.h
        umax = max(np.abs(self.u).max(), SPEED_FLOOR)
        vmax = max(np.abs(self.v).max(), SPEED_FLOOR)
        dt = self.cfl / (umax / h + vmax / h)
        dt = min(dt, 0.9 * h * h / (8.0 * max(self.nu, self.alpha)))   # AB2 + explicit diffusion
        gu, gv, gt = self._rhs()
        if self.fu is None:
            c1, c0 = 1.0, 0.0
            self.fu, self.fv, self.fT = gu, gv, gt
        else:
            r = dt / self.dt_old
            c1, c0 = 1.0 + 0.5 * r, -0.5 * r
        us = self.u.copy()
        vs = self.v.copy()
        us[:, 1:-1] += dt * (c1 * gu + c0 * self.fu)
        vs[1:-1] += dt * (c1 * gv + c0 * self.fv)
        Tn = self.T + dt * (c1 * gt + c0 * self.fT)
        div = (us[:, 1:] - us[:, :-1] + vs[1:] - vs[:-1]) / h
        w = self.vec
        phi = w @ ((w.T @ (div / dt) @ w) * self.inv) @ w.T     # lap phi = div / dt, Neumann
        us[:, 1:-1] -= dt * (phi[:, 1:] - phi[:, :-1]) / h
        vs[1:-1] -= dt * (phi[1:] - phi[:-1]) / h
        res_u = max(np.abs(us - self.u).max(), np.abs(vs - self.v).max()) / dt
        res_t = np.abs(Tn - self.T).max() / dt
        self.u, self.v, self.T = us, vs, Tn
        self.fu, self.fv, self.fT = gu, gv, gt
        self.dt_old = dt
        self.steps += 1
        self.t += dt
        return res_u, res_t

    def nusselt(self) -> float:
        return float(np.mean((1.0 - self.T[:, 0]) / (self.h / 2)))

    def divergence(self) -> float:
        return float(np.abs((self.u[:, 1:] - self.u[:, :-1] + self.v[1:] - self.v[:-1]) / self.h).max())


def numpy_devahldavis(n: int = 64, ra: float = 1e5, tolerance: float = 1e-6,
                      max_steps: int = 200000, time_limit: float = 600.0) -> dict:
    """March the NumPy reference to a steady state; its time, steps and Nu."""
    sim = NumpyDVD(n, ra)
    t0 = time.perf_counter()
    status = "max_steps"
    while sim.steps < max_steps:
        ru, rt = sim.step()
        if not (np.isfinite(ru) and np.isfinite(rt)):
            status = "diverged"
            break
        if ru < tolerance and rt < tolerance:
            status = "converged"
            break
        if sim.steps % 500 == 0 and time.perf_counter() - t0 > time_limit:
            status = "time_limit"
            break
    wall = time.perf_counter() - t0
    return {"n": n, "ra": ra, "status": status, "steps": sim.steps, "simulated_time": sim.t,
            "wall_s": wall, "s_per_step": wall / max(sim.steps, 1), "nu": sim.nusselt(),
            "max_divergence": sim.divergence(),
            "method": "NumPy MAC, central advection, explicit diffusion, AB2, exact "
                      "eigenvector Neumann Poisson"}
