"""Turbulence closures: small hashable objects the compiled step calls.

Each closure holds its constants and answers two questions: which arrays it
needs on the device (built once on the host) and the eddy viscosity ``nu_t``
(m2/s) per cell from the velocity at the step's start. ``wall_functions`` says
whether walls take their stress and heat from the law of the wall
(:mod:`thermo.solver.walls`) rather than from the molecular gradient over half a
cell. ``physics.turbulence``
names one of :data:`CLOSURES`; ``"none"`` gives no closure (``None``). The step
never compares names: it calls the object, and a new closure is a new class here.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import jax.numpy as jnp
import numpy as np

from thermo.kernels import turbulence as turb
from thermo.kernels.spacing import axis_widths

PRANDTL_TURBULENT = 0.85  # eddy diffusivity of heat: alpha_t = nu_t / Pr_t
# the first cell's y* at or below which the k-epsilon models resolve the wall's layer
# (two-layer treatment), and at or above which the wall functions carry it
RESOLVED_FULL, RESOLVED_NONE = 3.4, 3.6


@dataclass(frozen=True)
class Smagorinsky:
    """Smagorinsky's LES model with van Driest damping near walls:
    ``nu_t = (cs delta)^2 |S|``, ``delta`` the filter width (m)."""

    cs: float = turb.SMAGORINSKY_CS
    delta: float | None = 0.0  # None: a graded grid, each cell's own (from cfg.h)
    wall_functions = False
    transported = 0

    def eddy_viscosity(self, u, nu_mol, prm, cfg, turb_state=()):
        strain = turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)
        delta = self.delta
        if delta is None:  # a constant of the compiled step, broadcasting over the cells
            delta = jnp.asarray(turb.filter_width(cfg.h, cfg.active), strain.dtype)
        return turb.smagorinsky(strain, delta, prm.wall_dist, nu_mol, self.cs)

    def host_params(self, dist: np.ndarray, fluid: np.ndarray, physics: dict) -> dict:
        return {}


@dataclass(frozen=True)
class MixingLength:
    """Prandtl's mixing length with van Driest damping, capped at a fraction of the
    layer thickness (``physics.mixing_length_cap``, m, or ``MIXING_CAP`` times the
    largest wall distance in the fluid)."""

    wall_functions = False
    transported = 0

    def eddy_viscosity(self, u, nu_mol, prm, cfg, turb_state=()):
        strain = turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)
        return turb.mixing_length(u, strain, prm.wall_dist, nu_mol, prm.mixing_cap)

    def host_params(self, dist: np.ndarray, fluid: np.ndarray, physics: dict) -> dict:
        # lambda L, L the largest wall distance in the fluid (a channel's half-height)
        # unless physics.mixing_length_cap gives the cap
        cap = physics.get("mixing_length_cap")
        if cap is None:
            cap = turb.MIXING_CAP * float(dist[fluid].max()) if fluid.any() else 0.0
        return {"mixing_cap": cap}


@dataclass(frozen=True)
class ZeroEquation:
    """Chen & Xu's (1998) zero-equation model for rooms: ``nu_t = 0.03874 |V| l``."""

    wall_functions = False
    transported = 0

    def eddy_viscosity(self, u, nu_mol, prm, cfg, turb_state=()):
        return turb.chen_xu(u, prm.wall_dist)

    def host_params(self, dist: np.ndarray, fluid: np.ndarray, physics: dict) -> dict:
        return {}


@dataclass(frozen=True)
class Lvel:
    """LVEL (Agonafer, Gan-Li & Spalding 1996) for cluttered electronics: ``nu_t = nu
    (dy+/du+ - 1)`` from Spalding's law at ``Re_d = |V| d / nu``, with wall functions
    for the stress and the heat of every wall (right from y+ 1 to a few hundred).
    ``switched_heat``: the walls' T+ switched at the sublayer's edge, not blended
    (``physics.thermal_wall_law = "switched"``)."""

    switched_heat: bool = False
    wall_functions = True
    transported = 0

    def eddy_viscosity(self, u, nu_mol, prm, cfg, turb_state=()):
        return turb.lvel(u, prm.wall_dist, nu_mol)

    def host_params(self, dist: np.ndarray, fluid: np.ndarray, physics: dict) -> dict:
        return {}


@dataclass(frozen=True)
class KEpsilon:
    """The k-epsilon models with wall functions: ``nu_t = C_mu k^2 / epsilon`` (time
    scale bounded for realisability) from the transported ``k`` and ``epsilon``
    (``turb_state``, the state's pair; :mod:`thermo.solver.kepsilon` solves their
    equations). The defaults are the standard model's constants (Launder & Spalding
    1974); ``rng`` adds the RNG model's strain term to the epsilon equation (Yakhot
    et al. 1992, with its constants). ``switched_heat`` as :class:`Lvel`'s."""

    c_mu: float = turb.K_EPSILON_C_MU
    c_1: float = 1.44
    c_2: float = 1.92
    sigma_k: float = 1.0
    sigma_eps: float = 1.3
    rng: bool = False
    switched_heat: bool = False
    wall_functions = True
    transported = 2  # fields the state carries: k, epsilon

    def near_wall(self, k, nu_mol, prm, cfg):
        """The two-layer treatment's ``(lambda, nu_t, epsilon, resolved)`` per cell
        (:func:`thermo.kernels.turbulence.two_layer`), ``resolved`` (0-1) saying how
        far the first cell of the nearest wall lies inside the viscous sublayer: 1 at
        y* <= RESOLVED_FULL, 0 at y* >= RESOLVED_NONE, linear between, with
        ``y* = C_mu^1/4 k^1/2 y / nu`` of that wall cell (``y`` half its width). Where
        it is 0 the wall functions carry the wall's layer and the outer model runs to
        the first cell (``lambda`` 1)."""
        kp = prm.keps
        # judged by k, not by the velocity's y+: where a flow separates or reattaches
        # the wall speed, and so y+, passes through zero while k does not, and a switch
        # on y+ flips those cells between the two treatments from one iteration to
        # the next (k jumping by up to 40 %), so the steady iterations never settle
        u_k = self.c_mu ** 0.25 * jnp.sqrt(jnp.maximum(k, 0.0)) / nu_mol
        y_first = jnp.zeros_like(k)
        for a in range(3):
            if kp.near[a] is not None:
                half = 0.5 * axis_widths(cfg.h[a], a, k.dtype)
                y_first = jnp.maximum(y_first, kp.near[a] * u_k * half)
        y_wall = jnp.take(y_first.ravel(), kp.wall_cell).reshape(k.shape)
        resolved = jnp.clip((RESOLVED_NONE - y_wall) / (RESOLVED_NONE - RESOLVED_FULL), 0.0, 1.0)
        lam, nut_inner, eps_inner = turb.two_layer(k, kp.dist, nu_mol, self.c_mu)
        return 1.0 - resolved * (1.0 - lam), nut_inner, eps_inner, resolved

    def eddy_viscosity(self, u, nu_mol, prm, cfg, turb_state=()):
        k, eps = turb_state
        strain = turb.strain_rate(u, cfg.h, prm.ghosts, cfg.periodic, cfg.active, prm.blocked)
        lam, nut_inner, _, _ = self.near_wall(k, nu_mol, prm, cfg)
        return lam * turb.k_epsilon_viscosity(k, eps, strain, self.c_mu) + (1.0 - lam) * nut_inner

    def host_params(self, dist: np.ndarray, fluid: np.ndarray, physics: dict) -> dict:
        return {}


def _switched(physics: dict) -> bool:
    """Whether ``physics.thermal_wall_law`` asks for the switched T+."""
    return physics.get("thermal_wall_law", "blended") == "switched"


Closure = Smagorinsky | MixingLength | ZeroEquation | Lvel | KEpsilon
CLOSURES: dict[str, Callable[..., Closure]] = {
    "smagorinsky": lambda physics, delta: Smagorinsky(
        float(physics.get("smagorinsky_constant", turb.SMAGORINSKY_CS)), delta),
    "mixing-length": lambda physics, delta: MixingLength(),
    "zero-equation": lambda physics, delta: ZeroEquation(),
    "lvel": lambda physics, delta: Lvel(_switched(physics)),
    "k-epsilon": lambda physics, delta: KEpsilon(switched_heat=_switched(physics)),
    # RNG (Yakhot, Orszag, Thangam, Gatski & Speziale 1992)
    "rng-k-epsilon": lambda physics, delta: KEpsilon(0.0845, 1.42, 1.68, 0.7194, 0.7194, True,
                                                     _switched(physics)),
}


def closure_for(physics: dict, spacing, active) -> Closure | None:
    """The closure ``physics.turbulence`` names (None for "none"). ``spacing``: the
    uniform grid's widths, or a graded grid's cell widths per axis (the filter
    width is then each cell's, taken from the settings in the step)."""
    name = physics.get("turbulence", "none")
    if name == "none":
        return None
    delta = turb.filter_width(spacing, active)
    return CLOSURES[name](physics, None if isinstance(delta, np.ndarray) else delta)
