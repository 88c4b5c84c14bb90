"""What the compiled step carries: the evolving ``State``, the read-only
``Params`` arrays and the static ``Settings`` (compile-time scalars and models)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp

RUNNING, CONVERGED, DIVERGED, FINISHED = 0, 1, 2, 3
STATUS = {RUNNING: "running", CONVERGED: "converged", DIVERGED: "diverged", FINISHED: "finished"}


class State(NamedTuple):
    """Everything that evolves: a pytree, donated to each compiled call."""

    u: tuple            # face velocities (m/s)
    p: jnp.ndarray      # kinematic pressure (m2/s2)
    T: jnp.ndarray      # temperature (C)
    tend: tuple         # previous explicit momentum tendency (Adams-Bashforth)
    dt: jnp.ndarray     # last time step (s)
    t: jnp.ndarray      # simulated time (s)
    step: jnp.ndarray
    res_mom: jnp.ndarray   # scaled momentum residual of the last step
    res_div: jnp.ndarray   # scaled continuity residual of the last step
    res_energy: jnp.ndarray  # scaled energy residual of the last step
    p_iters: jnp.ndarray   # pressure iterations of the last step
    p_iters_sum: jnp.ndarray
    t_iters_sum: jnp.ndarray  # energy-solve iterations, summed
    v_iters_sum: jnp.ndarray  # implicit viscous-solve iterations, summed
    status: jnp.ndarray
    turb: tuple = ()       # a transport closure's fields: k (m2/s2), epsilon (m2/s3)
    # an implicit transient run's earlier time level (thermo.solver.dual): (u, T, turb) at
    # the step before, and the pseudo-time iterations summed over the run; () otherwise
    history: tuple = ()


class Params(NamedTuple):
    """Arrays the compiled step reads but never changes."""

    free: tuple
    fixed: tuple
    wall_nb: tuple
    ghosts: tuple
    ghosts_hom: tuple        # the same ghosts with zero boundary values
    implicit: tuple          # faces of the implicit viscous solve (free, no duplicates)
    levels: list
    body: jnp.ndarray
    capacity: jnp.ndarray    # rho cp per cell (zero in solids for steady runs), J/(m3 K)
    t_levels: list           # conduction operator hierarchy (face conductances)
    t_coeffs: tuple          # the face conductances, W/(m K), per axis (the fine operator's)
    t_source: jnp.ndarray    # W/m3: parts' power and fixed boundary terms
    t_ghosts: tuple
    gravity: jnp.ndarray     # m/s2
    # implicit linear drag per face (1/s), e.g. porous media; zeros by default
    drag: tuple = None
    wall_dist: jnp.ndarray = None   # m, cell centre to the nearest wall (turbulence models)
    fluid: jnp.ndarray = None       # 1 in fluid cells, 0 in solids
    blocked: tuple = None           # per component: 1 on faces touching a solid
    mixing_cap: jnp.ndarray = None  # m, the mixing-length model's outer cap (a scalar)
    visc_T: jnp.ndarray = None      # C, the fluid's viscosity table (T-dependent viscosity)
    visc_log_nu: jnp.ndarray = None  # log(mu(T) / rho(T_ref)), log(m2/s), on visc_T
    # the part models' arrays by their key: "air" (thermo.models.air.AirParams, always
    # present), "liquid" (thermo.models.coldplate.Liquid, with cold plates)
    parts: dict = None
    regions: jnp.ndarray = None  # closed fluid regions split by fixed-flow parts (-1 elsewhere)
    # several fluids (kind = "fluid" parts): per-cell properties, None with one fluid
    nu_cell: jnp.ndarray = None      # m2/s, each fluid cell's kinematic viscosity
    rho_cp_cell: jnp.ndarray = None  # J/(m3 K), each cell's heat capacity (advection)
    beta_cell: jnp.ndarray = None    # 1/K, each cell's expansion (buoyancy; 0 in solids)
    # the implicit steady solver's pseudo-time steps (s): per cell, and per component on
    # its faces; None for the time march
    dtau_cell: jnp.ndarray = None
    dtau: tuple = None
    # per component, the projection's coefficient the pressure hierarchy was built from:
    # dtau / (1 + dtau drag) with the drag at the case's velocity scale (dtau without drag)
    dtau_proj: tuple = None
    # the wall functions' arrays (thermo.solver.walls.WallFunctions), None without
    walls: object = None
    # the k-epsilon model's arrays (thermo.solver.kepsilon.KEpsParams), None without
    keps: object = None


@dataclass(frozen=True)
class LinearSolve:
    """A linear solve's stopping rule: relative residual and iteration cap."""

    tolerance: float
    max_iterations: int


@dataclass(frozen=True)
class Settings:
    """Scalars and models fixed at compile time (hashable: the compile cache's key)."""

    h: tuple
    periodic: tuple
    active: tuple
    nu: float
    cfl: float
    dt_fixed: float | None
    steady: bool
    end_time: float
    tolerance: float
    pressure: LinearSolve   # the pressure Poisson solve
    viscous: LinearSolve    # the implicit viscous solve
    conduction: LinearSolve  # the energy equation's implicit conduction solve
    u_bc: tuple       # largest boundary speed per axis (m/s)
    u_ref: float      # velocity scale of the residuals (m/s)
    l_ref: float      # length scale of the residuals (m)
    singular: bool
    energy: bool      # solve the energy equation
    buoyancy: bool
    theta: float      # implicit weight of conduction: 1 steady, 1/2 transient
    rho_cp: float     # fluid heat capacity, J/(m3 K)
    beta: float       # fluid expansion, 1/K
    t_ref: float      # Boussinesq reference temperature, C
    t_span: float     # temperature scale of the energy residual, K
    time_ref: float   # time scale of the residuals, s
    turbulence: object = None      # a closure of thermo.models.turbulence, None: laminar
    nu_of_T: bool = False          # molecular viscosity from the fluid's table at each cell's T
    parts: tuple = ()              # part models (thermo.models.protocol.PartModel)
    n_regions: int = 0             # closed fluid regions with their own pressure level
    multi_fluid: bool = False      # fluid parts: per-cell viscosity, heat capacity, expansion
    implicit: bool = False         # steady by implicit pseudo-time iterations (solver.steady)
    dtau_max: float = 0.0          # s, the largest pseudo-time step (the iterations' time)
    # an implicit transient run (mode "transient", scheme "implicit"): each time step of
    # dt_fixed iterated with the steady scheme's increments on BDF2's time derivative,
    # at most outer_iterations times, until the normalised residuals reach outer_tolerance
    dual: bool = False
    outer_iterations: int = 0
    outer_tolerance: float = 0.0
    # selective frequency damping of the steady iterations (thermo.solver.steady): the
    # gain times the pseudo-time step, 0 = off; the filter's weight per iteration
    damping: float = 0.0
    damping_rate: float = 0.0
    # the dtype sums over many cells are accumulated in (solver.precision = "mixed":
    # "float64" with float32 fields); None: the fields' own
    accumulate: str | None = None

    @property
    def variable_nu(self) -> bool:
        """Whether the viscosity is a cell field (else the scalar ``nu``)."""
        return self.turbulence is not None or self.nu_of_T or self.multi_fluid


@dataclass
class RunInfo:
    status: str
    steps: int
    simulated_time: float
    wall_time: float
    compile_time: float
    pressure_iterations: float   # mean per step
    energy_iterations: float     # mean per step
    viscous_iterations: float    # mean per step
    res_mom: float
    res_div: float
    res_energy: float
