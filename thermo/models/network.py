"""Coolant loops as flow networks: a hydraulic and thermal network solver (issue #18).

Host-side, float64 NumPy: a loop has tens of nodes, so nothing here is compiled.
:mod:`thermo.models.plate_network` couples it to the CFD's cold plates
(``[[networks]]`` in a case).

A :class:`Network` is a set of :class:`Branch` es between named nodes, one or
more nodes held at a fixed pressure (the reference), a :class:`Fluid`, and the
temperatures of the nodes where fluid enters. Each branch carries an element
that gives its pressure drop ``h(Q) = p_inlet - p_outlet`` (Pa) at a volume
flow ``Q`` (m3/s, positive from inlet to outlet) and ``dh/dQ``:

* :class:`Resistance`: ``h = r Q|Q| + linear Q`` (cold plates, quick
  disconnects; :func:`resistance_from_k` builds ``r`` from a K factor);
* :class:`Pipe`: Darcy-Weisbach ``h = (f L/D + sum K) rho v|v| / 2`` with
  ``f = 64/Re`` below Re 2300, Haaland above Re 4000, a smooth blend between
  (:func:`friction_factor`);
* :class:`Pump`: a pressure *rise* ``a0 s^2 + a1 s Q + a2 Q|Q|`` at speed ``s``
  (the affinity laws applied to the rated curve ``a0 + a1 Q + a2 Q^2``; for
  reverse flow ``Q|Q|`` makes the stopped or overpowered pump a resistance
  ``-a2``), so ``h = -rise``; an optional check valve adds a very large linear
  resistance for ``Q < 0``;
* :class:`HeatExchanger`: the CDU, hydraulically a :class:`Resistance`,
  thermally a counterflow exchanger (:func:`counterflow_effectiveness`) with a
  secondary stream of capacity rate ``c_secondary`` (W/K) entering at
  ``t_secondary_in``; optionally a supply set point ``t_set`` (C) and a
  ``capacity`` (W): see :meth:`HeatExchanger.mode`.

Every element's ``h`` is strictly increasing in ``Q`` (checked on the
parameters), so each branch law can be inverted: ``Q_b(dp)``.

**Flow** (:func:`solve_flow`): Newton on the unknown node pressures, the branch
flows got by inverting each branch law at the current pressure differences
(safeguarded Newton with a bisection bracket, to round-off). This was chosen
over a global Newton on ``(Q, p)`` because every iterate then satisfies every
branch law exactly, so the only residual is mass conservation at the nodes,
which is what must reach round-off; and because the nodal problem is the
gradient of a convex function (each ``Q_b(dp)`` is increasing), so its
Jacobian ``A G A^T`` (``G = diag(1 / h'_b)``) is symmetric positive definite
whenever every node is connected to a reference node. Steps are damped by
backtracking on the residual norm. Where ``h' = 0`` (a purely quadratic law at
zero flow) ``h'`` is evaluated at ``|Q| = q_floor`` instead, in the Jacobian only.

**Temperatures** (:func:`solve_temperatures`): upwind mixing along the solved
flow. A branch's outlet temperature is linear in its inlet node's temperature
(``T_in + heat / (m cp)``, or the exchanger's ``T_in - eps C_min (T_in - T2) /
C``); a node's temperature is the capacity-weighted mean of its incoming
branches' outlets; nodes with no inflow take the given ``temperatures``. The
linear system is solved directly; a closed loop needs an ``hx`` branch (or a
node of fixed temperature) to be determinate. A controlled exchanger's law is
piecewise linear in its return temperature (:meth:`HeatExchanger.mode`): the
solve picks each one's mode at the return of the previous pass until no mode
changes (the heat it removes is continuous and increasing in the return, so
the fixed point is unique; two or three passes).

Units: SI throughout (Pa, m3/s, kg/s, W, m, kg/m3, Pa s, J/(kg K)); temperatures
in C (only differences matter except for the given inlet temperatures).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

RE_LAMINAR = 2300.0
RE_TURBULENT = 4000.0


# ---------------------------------------------------------------- fluid, helpers

@dataclass(frozen=True)
class Fluid:
    """A coolant: ``density`` (kg/m3), ``viscosity`` (dynamic, Pa s),
    ``specific_heat`` (J/(kg K))."""
    density: float = 997.0
    viscosity: float = 8.9e-4
    specific_heat: float = 4180.0

    def __post_init__(self):
        for name in ("density", "viscosity", "specific_heat"):
            _positive(f"fluid {name}", getattr(self, name))


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0 (got {value!r})")


def _nonnegative(name: str, value: float) -> None:
    if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0 (got {value!r})")


def resistance_from_k(k: float, area: float, density: float) -> float:
    """Quadratic resistance ``r`` (Pa s2/m6) of a loss ``dp = K rho v^2 / 2`` with
    ``v = Q / area`` (m2): ``r = K rho / (2 area^2)``."""
    _nonnegative("k", k)
    _positive("area", area)
    _positive("density", density)
    return k * density / (2.0 * area * area)


def counterflow_effectiveness(ntu, cr):
    """Effectiveness of a counterflow exchanger, ``NTU = UA / C_min``,
    ``Cr = C_min / C_max`` in [0, 1]::

        eps = (1 - exp(-NTU (1 - Cr))) / (1 - Cr exp(-NTU (1 - Cr)))

    written as ``eps = NTU g / (NTU g + exp(-x))``, ``x = NTU (1 - Cr)``,
    ``g = (1 - exp(-x)) / x`` (``g(0) = 1``), which is exact in both limits:
    ``Cr = 1``: ``NTU / (1 + NTU)``; ``Cr = 0``: ``1 - exp(-NTU)``.
    Works elementwise on arrays."""
    ntu = np.asarray(ntu, dtype=float)
    cr = np.asarray(cr, dtype=float)
    if np.any(~np.isfinite(ntu)) or np.any(ntu < 0):
        raise ValueError(f"ntu must be finite and >= 0 (got {ntu})")
    if np.any(~np.isfinite(cr)) or np.any((cr < 0) | (cr > 1)):
        raise ValueError(f"cr must be in [0, 1] (got {cr})")
    x = ntu * (1.0 - cr)
    safe = np.where(x > 0, x, 1.0)
    g = np.where(x > 0, -np.expm1(-safe) / safe, 1.0)
    ng = ntu * g
    eps = ng / (ng + np.exp(-x))
    return eps if eps.ndim else float(eps)


def friction_factor(re, relative_roughness: float = 0.0):
    """Darcy friction factor at Reynolds number ``re`` (> 0): ``64/Re`` below
    Re 2300, Haaland ``1/sqrt(f) = -1.8 log10((e/D / 3.7)^1.11 + 6.9/Re)`` above
    Re 4000, and between them a smoothstep blend (C1 in Re) of the two."""
    re = np.asarray(re, dtype=float)
    if np.any(re <= 0):
        raise ValueError("friction_factor: re must be > 0")
    return _phi(re, relative_roughness) / re


def _haaland(re, rr):
    return (-1.8 * np.log10((rr / 3.7) ** 1.11 + 6.9 / re)) ** -2


def _phi(re, rr):
    """``f(Re) Re``, finite at Re = 0 (64 in the laminar range)."""
    re = np.asarray(re, dtype=float)
    lam = np.full_like(re, 64.0)
    ret = np.maximum(re, RE_LAMINAR)
    turb = _haaland(ret, rr) * ret
    w = np.clip((re - RE_LAMINAR) / (RE_TURBULENT - RE_LAMINAR), 0.0, 1.0)
    w = w * w * (3.0 - 2.0 * w)
    out = (1.0 - w) * lam + w * turb
    return out if out.ndim else float(out)


# ---------------------------------------------------------------- elements

@dataclass(frozen=True)
class Resistance:
    """``h = r Q|Q| + linear Q``: ``r`` (Pa s2/m6) >= 0, ``linear`` (Pa s/m3) >= 0,
    not both zero."""
    r: float
    linear: float = 0.0
    kind = "resistance"

    def __post_init__(self):
        _nonnegative("resistance r", self.r)
        _nonnegative("resistance linear", self.linear)
        if self.r == 0 and self.linear == 0:
            raise ValueError("resistance r and linear must not both be 0")

    def law(self, q: float, fluid: Fluid) -> tuple[float, float]:
        return self.r * q * abs(q) + self.linear * q, 2.0 * self.r * abs(q) + self.linear


@dataclass(frozen=True)
class Pipe:
    """A pipe or hose: ``length`` and ``diameter`` (m, > 0), absolute ``roughness``
    (m, >= 0), ``k_minor`` the sum of its minor-loss K factors (>= 0)::

        h = (f(Re) L/D + sum K) rho v|v| / 2,   v = Q / (pi D^2 / 4)
    """
    length: float
    diameter: float
    roughness: float = 0.0
    k_minor: float = 0.0
    kind = "pipe"

    def __post_init__(self):
        _positive("pipe length", self.length)
        _positive("pipe diameter", self.diameter)
        _nonnegative("pipe roughness", self.roughness)
        _nonnegative("pipe k_minor", self.k_minor)

    @property
    def area(self) -> float:
        return math.pi * self.diameter ** 2 / 4.0

    def reynolds(self, q: float, fluid: Fluid) -> float:
        return fluid.density * abs(q) * self.diameter / (self.area * fluid.viscosity)

    def law(self, q: float, fluid: Fluid) -> tuple[float, float]:
        a, d = self.area, self.diameter
        rr = self.roughness / d
        re = self.reynolds(q, fluid)
        phi = _phi(re, rr)
        step = 1e-6 * max(re, 1.0)
        dphi = 0.0 if re + step <= RE_LAMINAR else \
            (_phi(re + step, rr) - _phi(max(re - step, 0.0), rr)) / (re + step - max(re - step, 0.0))
        cf = self.length * fluid.viscosity / (2.0 * a * d * d)   # friction: cf phi(Re) Q
        km = self.k_minor * fluid.density / (2.0 * a * a)       # minor: km Q|Q|
        h = cf * phi * q + km * q * abs(q)
        dh = cf * (phi + re * dphi) + 2.0 * km * abs(q)
        return h, dh


@dataclass(frozen=True)
class Pump:
    """A pump: rated curve ``dp(Q) = a0 + a1 Q + a2 Q^2`` (pressure rise, Pa; Q in
    m3/s) with ``a2 < 0`` and ``a1 <= 0``; ``speed`` the fraction of rated speed
    (>= 0; 0 is off) applied by the affinity laws; ``check_valve`` blocks reverse
    flow by a linear resistance ``check_resistance`` (Pa s/m3) for ``Q < 0``."""
    a0: float
    a1: float
    a2: float
    speed: float = 1.0
    check_valve: bool = False
    check_resistance: float = 1e15
    kind = "pump"

    def __post_init__(self):
        if not (math.isfinite(self.a2) and self.a2 < 0):
            raise ValueError(f"pump a2 must be < 0 (a drooping curve; got {self.a2!r})")
        if not (math.isfinite(self.a1) and self.a1 <= 0):
            raise ValueError(f"pump a1 must be <= 0 (got {self.a1!r})")
        if not math.isfinite(self.a0):
            raise ValueError(f"pump a0 must be finite (got {self.a0!r})")
        _nonnegative("pump speed", self.speed)
        _positive("pump check_resistance", self.check_resistance)

    def rise(self, q: float) -> float:
        """Pressure rise (Pa) at flow ``q`` (m3/s) and this pump's speed."""
        s = self.speed
        return self.a0 * s * s + self.a1 * s * q + self.a2 * q * abs(q)

    def law(self, q: float, fluid: Fluid) -> tuple[float, float]:
        s = self.speed
        h = -self.rise(q)
        dh = -self.a1 * s - 2.0 * self.a2 * abs(q)
        if self.check_valve and q < 0:
            h += self.check_resistance * q
            dh += self.check_resistance
        return h, dh


HX_MODES = ("exchanger", "set_point", "capacity", "off")


@dataclass(frozen=True)
class HeatExchanger:
    """The CDU's liquid-to-liquid counterflow exchanger on the primary loop.
    ``ua`` (W/K, > 0); the secondary (facility water) stream's capacity rate
    ``c_secondary`` (W/K, > 0) and inlet temperature ``t_secondary_in`` (C);
    hydraulically ``h = r Q|Q| + linear Q``. ``t_set`` (C): the supply temperature
    the CDU's control holds (its facility valve throttles the water) while it can;
    ``capacity`` (W): the most heat it removes (None: no set point, no limit)."""
    ua: float
    c_secondary: float
    t_secondary_in: float
    r: float = 0.0
    linear: float = 0.0
    t_set: float | None = None
    capacity: float | None = None
    kind = "hx"

    def __post_init__(self):
        _positive("hx ua", self.ua)
        _positive("hx c_secondary", self.c_secondary)
        if not math.isfinite(self.t_secondary_in):
            raise ValueError(f"hx t_secondary_in must be finite (got {self.t_secondary_in!r})")
        if self.t_set is not None and not math.isfinite(self.t_set):
            raise ValueError(f"hx t_set must be finite (got {self.t_set!r})")
        if self.capacity is not None:
            _nonnegative("hx capacity", self.capacity)
        Resistance(self.r, self.linear)  # the same checks

    @property
    def controlled(self) -> bool:
        return self.t_set is not None or self.capacity is not None

    def mode(self, c_primary: float, t_return: float) -> str:
        """Which law sets the heat ``Q`` (W) removed at primary capacity rate
        ``c_primary`` (W/K, > 0) and return (inlet) temperature ``t_return`` (C): the
        least of the full exchanger's ``eps C_min (T_r - T_2)`` ("exchanger"), the
        set point's ``C (T_r - t_set)`` ("set_point": the supply held at t_set) and
        ``capacity`` ("capacity"); with a set point a negative least is "off" (the
        valve shut: the CDU neither heats the loop nor cools it below its set point)."""
        eps, cmin = self.effectiveness(c_primary)
        q = {"exchanger": eps * cmin * (t_return - self.t_secondary_in)}
        if self.t_set is not None:
            q["set_point"] = c_primary * (t_return - self.t_set)
        if self.capacity is not None:
            q["capacity"] = self.capacity
        m = min(q, key=q.get)
        return "off" if self.t_set is not None and q[m] < 0 else m

    def line(self, c_primary: float, mode: str = "exchanger") -> tuple[float, float]:
        """``(c gain, c add)`` (W/K, W) of the supply ``T_s = gain T_r + add`` in ``mode``
        at primary capacity rate ``c_primary`` (W/K)."""
        c = c_primary
        if mode == "set_point":
            return 0.0, c * self.t_set
        if mode == "capacity":
            return c, -self.capacity
        if mode == "off":
            return c, 0.0
        eps, cmin = self.effectiveness(c)
        return c - eps * cmin, eps * cmin * self.t_secondary_in

    def law(self, q: float, fluid: Fluid) -> tuple[float, float]:
        return Resistance(self.r, self.linear).law(q, fluid)

    def effectiveness(self, c_primary: float) -> tuple[float, float]:
        """``(eps, C_min)`` at primary capacity rate ``c_primary`` (W/K)."""
        cmin, cmax = min(c_primary, self.c_secondary), max(c_primary, self.c_secondary)
        return counterflow_effectiveness(self.ua / cmin, cmin / cmax), cmin


Element = Resistance | Pipe | Pump | HeatExchanger


@dataclass(frozen=True)
class Branch:
    """One branch from node ``inlet`` to node ``outlet`` (names); ``element`` its
    law; ``heat`` (W) put into the fluid along it (not for ``hx`` branches); or
    ``line = (gain, add)``: the outlet temperature ``gain * T_in + add`` (C) along
    the flow, for a branch whose exchange is set from outside (a cold plate at
    the CFD's temperatures: ``gain = prod(1 - eps_s)`` over its slices)."""
    name: str
    inlet: str
    outlet: str
    element: Element
    heat: float = 0.0
    line: tuple[float, float] | None = None

    def __post_init__(self):
        if not isinstance(self.element, (Resistance, Pipe, Pump, HeatExchanger)):
            raise ValueError(f"branch {self.name!r}: element must be a Resistance, Pipe, Pump "
                             f"or HeatExchanger (got {type(self.element).__name__})")
        if self.inlet == self.outlet:
            raise ValueError(f"branch {self.name!r}: inlet and outlet are the same node "
                             f"{self.inlet!r}")
        if not math.isfinite(self.heat):
            raise ValueError(f"branch {self.name!r}: heat must be finite")
        if self.heat != 0 and isinstance(self.element, HeatExchanger):
            raise ValueError(f"branch {self.name!r}: heat must be 0 on an hx branch")
        if self.line is not None and (self.heat != 0 or isinstance(self.element, HeatExchanger)
                                      or not all(math.isfinite(x) for x in self.line)):
            raise ValueError(f"branch {self.name!r}: line (gain, add) must be finite, and "
                             "excludes heat and hx elements")

    @property
    def kind(self) -> str:
        return self.element.kind


@dataclass(frozen=True)
class Network:
    """``branches``; ``pressures`` the reference nodes' fixed pressures (Pa, at
    least one); ``temperatures`` (C) of nodes whose temperature is fixed (the
    nodes where fluid enters the network; a fixed node keeps its value whatever
    flows in); ``fluid``."""
    branches: Sequence[Branch]
    pressures: Mapping[str, float]
    temperatures: Mapping[str, float] = field(default_factory=dict)
    fluid: Fluid = field(default_factory=Fluid)

    def __post_init__(self):
        if not self.branches:
            raise ValueError("branches: a network needs at least one branch")
        names = [b.name for b in self.branches]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"branches: duplicate branch names {dup}")
        nodes = self.nodes
        if not self.pressures:
            raise ValueError("pressures: no reference node; give at least one node a fixed "
                             "pressure (a closed loop needs one)")
        for what, table in (("pressures", self.pressures), ("temperatures", self.temperatures)):
            for n, v in table.items():
                if n not in nodes:
                    raise ValueError(f"{what}: unknown node {n!r} (nodes: {nodes})")
                if not math.isfinite(v):
                    raise ValueError(f"{what}[{n!r}] must be finite (got {v!r})")
        # connectivity: every node reaches a reference node
        adj = {n: set() for n in nodes}
        for b in self.branches:
            adj[b.inlet].add(b.outlet)
            adj[b.outlet].add(b.inlet)
        seen, stack = set(self.pressures), list(self.pressures)
        while stack:
            for m in adj[stack.pop()]:
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        lost = [n for n in nodes if n not in seen]
        if lost:
            raise ValueError(f"branches: the network is disconnected: nodes {lost} are not "
                             "connected to any reference node in pressures")

    @property
    def nodes(self) -> list[str]:
        """Node names in order of first appearance in the branches."""
        out: dict[str, None] = {}
        for b in self.branches:
            out.setdefault(b.inlet)
            out.setdefault(b.outlet)
        return list(out)


# ---------------------------------------------------------------- flow

def branch_flow(element: Element, dp: float, fluid: Fluid, guess: float = 0.0,
                scale: float = 1e-4) -> float:
    """Invert a branch law: the flow ``Q`` (m3/s) with ``h(Q) = dp`` (Pa),
    by Newton safeguarded with a bisection bracket (``h`` is strictly increasing),
    to round-off. ``guess`` starts it, ``scale`` (m3/s) sizes the first bracket."""
    def f(q):
        h, dh = element.law(q, fluid)
        return h - dp, dh

    q = float(guess)
    fq, dq = f(q)
    if fq == 0:
        return q
    step = max(abs(q), scale)
    # bracket [lo, hi] with f(lo) < 0 < f(hi)
    if fq < 0:
        lo, flo, hi = q, fq, q + step
        fhi, _ = f(hi)
        while fhi < 0:
            lo, flo = hi, fhi
            step *= 2.0
            hi = q + step
            fhi, _ = f(hi)
            if step > 1e12:
                raise RuntimeError("branch_flow: cannot bracket the flow")
    else:
        hi, fhi, lo = q, fq, q - step
        flo, _ = f(lo)
        while flo > 0:
            hi, fhi = lo, flo
            step *= 2.0
            lo = q - step
            flo, _ = f(lo)
            if step > 1e12:
                raise RuntimeError("branch_flow: cannot bracket the flow")
    if flo == 0:
        return lo
    if fhi == 0:
        return hi
    q = lo - flo * (hi - lo) / (fhi - flo)  # secant start inside the bracket
    for _ in range(200):
        fq, dq = f(q)
        if fq == 0:
            return q
        if fq < 0:
            lo = q
        else:
            hi = q
        qn = q - fq / dq if dq > 0 else 0.5 * (lo + hi)
        if not (lo < qn < hi):
            qn = 0.5 * (lo + hi)
        if abs(qn - q) <= 2e-16 * max(abs(q), abs(qn)) or hi - lo <= 4e-16 * max(abs(lo), abs(hi)):
            return qn
        q = qn
    return q


@dataclass
class FlowSolution:
    """Node pressures (Pa, by name), branch flows ``q`` (m3/s, in branch order,
    positive inlet to outlet), the Newton iterations and the final mass residual
    (max over nodes of |net outflow| / max |Q|)."""
    nodes: list[str]
    pressures: np.ndarray
    q: np.ndarray
    iterations: int
    residual: float


def _incidence(network: Network) -> tuple[list[str], np.ndarray]:
    nodes = network.nodes
    idx = {n: i for i, n in enumerate(nodes)}
    a = np.zeros((len(nodes), len(network.branches)))
    for j, b in enumerate(network.branches):
        a[idx[b.inlet], j] = 1.0
        a[idx[b.outlet], j] = -1.0
    return nodes, a


def solve_flow(network: Network, tol: float = 1e-13, max_iter: int = 200,
               q_floor: float = 1e-9, scale: float = 1e-4) -> FlowSolution:
    """Branch flows and node pressures of ``network``: Newton on the unknown node
    pressures with each branch's flow from its inverted law (:func:`branch_flow`),
    backtracking on the 2-norm of the nodal mass residual. Converged when the
    largest nodal residual is <= ``tol`` times the largest branch flow (or when
    it stops decreasing below 1e-12 of it: round-off). ``q_floor`` (m3/s): the
    flow at which ``h'`` is taken in the Jacobian where ``h'`` would be 0.
    Raises RuntimeError if the residual stays above 1e-12 relative."""
    fluid = network.fluid
    nodes, a = _incidence(network)
    fixed = np.array([n in network.pressures for n in nodes])
    free = ~fixed
    p = np.full(len(nodes), float(np.mean(list(network.pressures.values()))))
    for i, n in enumerate(nodes):
        if fixed[i]:
            p[i] = network.pressures[n]
    elements = [b.element for b in network.branches]
    q = np.zeros(len(elements))

    def flows(p, q0):
        dp = a.T @ p
        return np.array([branch_flow(e, d, fluid, g, scale) for e, d, g in zip(elements, dp, q0)])

    def residual(q):
        return (a @ q)[free]

    def rel(r, q):
        return float(np.max(np.abs(r), initial=0.0) / max(np.max(np.abs(q)), 1e-300))

    q = flows(p, q)
    r = residual(q)
    it = 0
    if not free.any():
        return FlowSolution(nodes, p, q, 0, 0.0)
    af = a[free]
    while it < max_iter and rel(r, q) > tol:
        it += 1
        dh = np.array([e.law(math.copysign(max(abs(qq), q_floor), qq if qq else 1.0), fluid)[1]
                       for e, qq in zip(elements, q)])
        jac = (af / dh) @ af.T
        d = np.linalg.solve(jac, -r)
        norm0 = np.linalg.norm(r)
        alpha, accepted = 1.0, False
        for _ in range(40):
            pt = p.copy()
            pt[free] += alpha * d
            qt = flows(pt, q)
            rt = residual(qt)
            if np.linalg.norm(rt) < (1.0 - 1e-4 * alpha) * norm0:
                accepted = True
                break
            alpha *= 0.5
        if not accepted:
            break  # no decrease: round-off reached (checked below)
        p, q, r = pt, qt, rt
    res = rel(r, q)
    if res > 1e-12:
        raise RuntimeError(f"solve_flow: mass residual {res:.3e} (relative to the largest flow) "
                           f"after {it} Newton iterations")
    return FlowSolution(nodes, p, q, it, res)


# ---------------------------------------------------------------- temperatures

def solve_temperatures(network: Network, q: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray, np.ndarray]:
    """Upwind temperatures on the solved flows ``q``; see :func:`_solve_temperatures`.
    Controlled exchangers (a set point or a capacity) are solved for their modes."""
    return _with_modes(network, q, lambda modes: _solve_temperatures(network, q, modes))[:4]


def _with_modes(network: Network, q, solve, passes: int = 20, fallback=None):
    """``solve(modes)`` (modes: per branch, or None without controlled exchangers) repeated
    with each controlled exchanger's mode at the return temperature of the last pass
    until none changes. ``solve`` returns ``(t_node, t_in, ...)``. Where the modes cycle
    (a transient call whose return crosses a mode's edge), ``fallback()`` gives the
    modes to use, else RuntimeError."""
    hx = [j for j, b in enumerate(network.branches)
          if isinstance(b.element, HeatExchanger) and b.element.controlled and q[j] != 0]
    if not hx:
        return solve(None)
    fluid = network.fluid
    modes = ["exchanger"] * len(network.branches)
    seen = []
    for _ in range(passes):
        out = solve(modes)
        t_in = out[1]
        new = list(modes)
        for j in hx:
            c = fluid.density * fluid.specific_heat * abs(q[j])
            new[j] = network.branches[j].element.mode(c, float(t_in[j]))
        if new == modes:
            return out
        if new in seen:
            if fallback is not None:
                return solve(fallback())
            raise RuntimeError(f"temperatures: the CDU modes cycle ({[new[j] for j in hx]})")
        seen.append(modes)
        modes = new
    raise RuntimeError(f"temperatures: the CDU modes did not settle in {passes} passes")


def _solve_temperatures(network: Network, q: np.ndarray, modes) -> tuple[np.ndarray, np.ndarray,
                                                                         np.ndarray, np.ndarray]:
    """Upwind temperatures on the solved flows ``q`` (m3/s, branch order):
    returns ``(t_node, t_in, t_out, heat)``: node temperatures (C, in
    ``network.nodes`` order), each branch's inlet and outlet temperature along
    its flow direction, and the heat (W) each branch puts into the fluid (an hx
    branch's is minus what it hands the secondary stream).

    A branch with zero flow carries nothing (its heat must be 0); nodes whose
    temperature is fixed keep it; every other node through which fluid flows
    takes the capacity-weighted mean of what flows in. Raises ValueError where
    that leaves the temperatures undetermined (a node where fluid enters with no
    fixed temperature, a closed loop with no hx branch or fixed node)."""
    fluid = network.fluid
    nodes = network.nodes
    idx = {n: i for i, n in enumerate(nodes)}
    nb, nn = len(network.branches), len(nodes)
    q = np.asarray(q, dtype=float)
    qmax = max(float(np.max(np.abs(q))), 1e-300)
    c = fluid.density * fluid.specific_heat * np.abs(q)   # W/K
    src = np.empty(nb, dtype=int)
    dst = np.empty(nb, dtype=int)
    gain = np.ones(nb)     # t_out = gain t_in + add
    add = np.zeros(nb)
    for j, b in enumerate(network.branches):
        fwd = q[j] >= 0
        src[j], dst[j] = (idx[b.inlet], idx[b.outlet]) if fwd else (idx[b.outlet], idx[b.inlet])
        if q[j] == 0:
            if b.heat != 0:
                raise ValueError(f"branch {b.name!r}: heat {b.heat} W on a branch with no flow")
            continue
        if b.heat != 0 and abs(q[j]) <= 1e-9 * qmax:
            raise ValueError(f"branch {b.name!r}: heat {b.heat} W on a branch with (almost) no "
                             f"flow ({q[j]:.3e} m3/s)")
        if b.line is not None:
            gain[j], add[j] = b.line
        elif isinstance(b.element, HeatExchanger) and modes is not None and modes[j] != "exchanger":
            cg, ce = b.element.line(c[j], modes[j])
            gain[j], add[j] = cg / c[j], ce / c[j]
        elif isinstance(b.element, HeatExchanger):
            eps, cmin = b.element.effectiveness(c[j])
            k = eps * cmin / c[j]
            gain[j], add[j] = 1.0 - k, k * b.element.t_secondary_in
        else:
            add[j] = b.heat / c[j]
    m = np.zeros((nn, nn))
    rhs = np.zeros(nn)
    cin = np.zeros(nn)
    cout = np.zeros(nn)
    np.add.at(cin, dst, c)
    np.add.at(cout, src, c)
    for i, n in enumerate(nodes):
        if n in network.temperatures:
            m[i, i], rhs[i] = 1.0, network.temperatures[n]
        elif cin[i] > 0:
            m[i, i] = cin[i]
            for j in np.nonzero((dst == i) & (c > 0))[0]:
                m[i, src[j]] -= c[j] * gain[j]
                rhs[i] += c[j] * add[j]
        elif cout[i] > 0:
            raise ValueError(f"temperatures: fluid enters the network at node {n!r}; give it a "
                             "temperature")
        else:
            m[i, i], rhs[i] = 1.0, np.nan   # stagnant node: no temperature
    try:
        t = np.linalg.solve(m, rhs)
        bad = np.linalg.cond(m) > 1e12
    except np.linalg.LinAlgError:
        bad = True
    if bad:
        raise ValueError("temperatures: undetermined; a closed loop needs an hx branch or a "
                         "node of fixed temperature")
    t_in, t_out = t[src], gain * t[src] + add
    t_out = np.where(c > 0, t_out, t_in)
    heat = np.where(c > 0, c * (t_out - t_in), 0.0)
    return t, t_in, t_out, heat


def advance_temperatures(network: Network, q: np.ndarray, t_branch: np.ndarray,
                         capacity: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray,
                                                                   np.ndarray, np.ndarray,
                                                                   np.ndarray]:
    """The coolant's lumps over ``dt``; see :func:`_advance_temperatures`. Controlled
    exchangers take the mode of their return temperature at the end of the call (where
    the return crosses a mode's edge within the call, the mode at its start)."""
    def solve(modes, dt=dt):
        return _advance_temperatures(network, q, t_branch, capacity, dt, modes)

    def at_start():
        fluid = network.fluid
        t_in = _with_modes(network, q, lambda m: solve(m, 0.0))[1]
        return [b.element.mode(fluid.density * fluid.specific_heat * abs(q[j]), float(t_in[j]))
                if isinstance(b.element, HeatExchanger) and b.element.controlled and q[j] != 0
                else "exchanger" for j, b in enumerate(network.branches)]
    return _with_modes(network, q, solve, fallback=at_start)


def _advance_temperatures(network: Network, q: np.ndarray, t_branch: np.ndarray,
                          capacity: np.ndarray, dt: float, modes=None
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Temperatures with the coolant's thermal mass, over ``dt`` (s) at fixed flows ``q``.

    Each branch ``b`` holds a well-mixed volume of heat capacity ``capacity[b]``
    (J/K, >= 0) at its outlet temperature ``T_b`` (C; ``t_branch`` at the start,
    branch order). What enters it has passed the branch's exchange at the inlet
    node's temperature ``T_in`` (its steady outlet ``gain T_in + add``: the line, the
    exchanger's effectiveness law, or ``heat / (m cp)``), so with ``c = rho cp |Q|``::

        C_b dT_b/dt = c_b (gain_b T_in + add_b) - c_b T_b

    and a node's temperature is the capacity-rate-weighted mean of the ``T_b``
    flowing into it (fixed nodes keep ``network.temperatures``). Branches with no
    capacity are algebraic (``T_b`` the steady outlet) and are eliminated; the
    rest is a linear system ``T' = A T + b``, integrated exactly over ``dt`` by the
    matrix exponential of ``[[A, b], [0, 0]] dt`` (stable and exact for any
    ``dt``; ``dt = inf`` gives the steady state, as :func:`solve_temperatures`).
    A branch with neither flow nor capacity keeps its ``t_branch`` (a NaN there,
    never filled, takes the mean of the others).

    Returns ``(t_node, t_in, t_out, heat, t_branch)`` at the end: node
    temperatures (C, ``network.nodes`` order), each branch's inlet temperature
    along its flow and outlet (= ``T_b``), the heat (W) its exchange puts into the
    fluid at that inlet temperature (an hx branch's is minus what it hands the
    secondary stream), and the new ``T_b``."""
    from scipy.linalg import expm

    fluid = network.fluid
    nodes = network.nodes
    idx = {n: i for i, n in enumerate(nodes)}
    nb, nn = len(network.branches), len(nodes)
    q = np.asarray(q, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    tb = np.asarray(t_branch, dtype=float).copy()
    if np.any(~np.isfinite(tb)):  # never filled (no flow yet): the mean of the others
        tb[~np.isfinite(tb)] = np.mean(tb[np.isfinite(tb)]) if np.isfinite(tb).any() else 0.0
    if cap.shape != (nb,) or np.any(~np.isfinite(cap)) or np.any(cap < 0):
        raise ValueError(f"capacity: {nb} finite numbers >= 0 (J/K) expected")
    if not dt >= 0:
        raise ValueError(f"dt must be >= 0 (got {dt!r})")
    c = fluid.density * fluid.specific_heat * np.abs(q)
    src = np.empty(nb, dtype=int)
    dst = np.empty(nb, dtype=int)
    cg = np.zeros(nb)      # c * gain
    e = np.zeros(nb)       # c * add (W); a plain heat branch's heat
    for j, b in enumerate(network.branches):
        fwd = q[j] >= 0
        src[j], dst[j] = (idx[b.inlet], idx[b.outlet]) if fwd else (idx[b.outlet], idx[b.inlet])
        if c[j] == 0:
            e[j] = b.heat
            if b.heat != 0 and cap[j] == 0:
                raise ValueError(f"branch {b.name!r}: heat {b.heat} W on a branch with no flow "
                                 "and no heat capacity")
            continue
        if b.line is not None:
            cg[j], e[j] = c[j] * b.line[0], c[j] * b.line[1]
        elif isinstance(b.element, HeatExchanger) and modes is not None and modes[j] != "exchanger":
            cg[j], e[j] = b.element.line(c[j], modes[j])
        elif isinstance(b.element, HeatExchanger):
            eps, cmin = b.element.effectiveness(c[j])
            cg[j], e[j] = c[j] - eps * cmin, eps * cmin * b.element.t_secondary_in
        else:
            cg[j], e[j] = c[j], b.heat
    # node temperatures T_n = W T_b + f
    w = np.zeros((nn, nb))
    f = np.zeros(nn)
    cin = np.zeros(nn)
    cout = np.zeros(nn)
    np.add.at(cin, dst, c)
    np.add.at(cout, src, c)
    for i, n in enumerate(nodes):
        if n in network.temperatures:
            f[i] = network.temperatures[n]
        elif cin[i] > 0:
            into = np.nonzero((dst == i) & (c > 0))[0]
            w[i, into] = c[into] / cin[i]
        elif cout[i] > 0:
            raise ValueError(f"temperatures: fluid enters the network at node {n!r}; give it a "
                             "temperature")
    k = cg[:, None] * w[src] - np.diag(c)
    rhs = cg * f[src] + e
    p = cap > 0
    z = (cap == 0) & (c > 0)
    frz = ~p & ~z
    rhs = rhs + k[:, frz] @ tb[frz]
    try:
        kzz_inv_kzp = np.linalg.solve(k[np.ix_(z, z)], k[np.ix_(z, p)]) if z.any() else \
            np.zeros((0, int(p.sum())))
        kzz_inv_e = np.linalg.solve(k[np.ix_(z, z)], rhs[z]) if z.any() else np.zeros(0)
        a = k[np.ix_(p, p)] - k[np.ix_(p, z)] @ kzz_inv_kzp
        bvec = rhs[p] - k[np.ix_(p, z)] @ kzz_inv_e
        if p.any():
            if math.isinf(dt):
                tb[p] = np.linalg.solve(a, -bvec)
            elif dt > 0:
                m = np.zeros((int(p.sum()) + 1,) * 2)
                m[:-1, :-1] = a / cap[p][:, None]
                m[:-1, -1] = bvec / cap[p]
                tb[p] = (expm(m * dt) @ np.append(tb[p], 1.0))[:-1]
        if z.any():
            tb[z] = -(kzz_inv_kzp @ tb[p] + kzz_inv_e)
    except np.linalg.LinAlgError:
        raise ValueError("temperatures: undetermined; a closed loop needs an hx branch or a "
                         "node of fixed temperature") from None
    t_node = w @ tb + f
    stagnant = (cin == 0) & np.array([n not in network.temperatures for n in nodes])
    t_node[stagnant] = np.nan
    t_in = t_node[src]
    heat = np.where(c > 0, cg * t_in + e - c * t_in, e)
    t_in = np.where(c > 0, t_in, np.nan)
    return t_node, t_in, tb.copy(), heat, tb


# ---------------------------------------------------------------- result

@dataclass
class NetworkResult:
    """The solved network. Per branch (dicts by branch name): ``flow`` (m3/s),
    ``mass_flow`` (kg/s), ``dp`` (Pa, inlet minus outlet node pressure),
    ``t_in`` / ``t_out`` (C, along the flow), ``heat`` (W into the fluid).
    ``pressures`` / ``temperatures`` by node; ``pumps``: per pump its operating
    point ``flow``, ``rise`` (Pa), ``speed``, ``power`` (W, rise * flow);
    ``hydraulic_power`` (W) the pumps' total; ``mass_residual`` the largest nodal
    mass imbalance relative to the largest flow; ``iterations`` Newton's."""
    flow: dict[str, float]
    mass_flow: dict[str, float]
    dp: dict[str, float]
    t_in: dict[str, float]
    t_out: dict[str, float]
    heat: dict[str, float]
    pressures: dict[str, float]
    temperatures: dict[str, float]
    pumps: dict[str, dict[str, float]]
    hydraulic_power: float
    mass_residual: float
    iterations: int

    def branch(self, name: str) -> dict[str, float]:
        """Every per-branch number of one branch."""
        if name not in self.flow:
            raise KeyError(f"unknown branch {name!r}")
        return {k: getattr(self, k)[name]
                for k in ("flow", "mass_flow", "dp", "t_in", "t_out", "heat")}


def solve(network: Network, temperatures: bool = True, **flow_options) -> NetworkResult:
    """Solve ``network``'s flow (:func:`solve_flow`) and, with ``temperatures``,
    its temperatures (:func:`solve_temperatures`); the summary as a
    :class:`NetworkResult` (temperatures NaN without)."""
    sol = solve_flow(network, **flow_options)
    names = [b.name for b in network.branches]
    nb = len(names)
    if temperatures:
        t, t_in, t_out, heat = solve_temperatures(network, sol.q)
    else:
        t = np.full(len(sol.nodes), np.nan)
        t_in = t_out = heat = np.full(nb, np.nan)
    idx = {n: i for i, n in enumerate(sol.nodes)}
    dp = np.array([sol.pressures[idx[b.inlet]] - sol.pressures[idx[b.outlet]]
                   for b in network.branches])
    pumps = {}
    for j, b in enumerate(network.branches):
        if isinstance(b.element, Pump):
            rise = b.element.rise(sol.q[j])
            pumps[b.name] = {"flow": float(sol.q[j]), "rise": float(-dp[j]),
                             "curve_rise": float(rise), "speed": b.element.speed,
                             "power": float(-dp[j] * sol.q[j])}
    rho = network.fluid.density

    def d(v):
        return {n: float(x) for n, x in zip(names, v)}
    return NetworkResult(
        flow=d(sol.q), mass_flow=d(rho * sol.q), dp=d(dp), t_in=d(t_in), t_out=d(t_out),
        heat=d(heat), pressures={n: float(x) for n, x in zip(sol.nodes, sol.pressures)},
        temperatures={n: float(x) for n, x in zip(sol.nodes, t)}, pumps=pumps,
        hydraulic_power=float(sum(v["power"] for v in pumps.values())),
        mass_residual=sol.residual, iterations=sol.iterations)


# ---------------------------------------------------------------- manifolds

def manifold(n: int, layout: str, header: Element, branch: Element,
             inlet: str = "in", outlet: str = "out", prefix: str = "",
             heat: float | Sequence[float] = 0.0, return_header: Element | None = None
             ) -> list[Branch]:
    """Branches of a supply/return manifold pair with ``n`` parallel branches.

    Supply header nodes ``{prefix}s0 .. s{n-1}`` (``inlet`` is ``s0``'s upstream
    node, joined by a ``header`` segment), return header nodes ``r0 .. r{n-1}``;
    branch ``{prefix}b{i}`` (element ``branch``, ``heat[i]`` W) runs ``s{i} ->
    r{i}``; header segments join neighbouring nodes. ``layout`` ``"Z"``: the
    return flows the same way as the supply and leaves after ``r{n-1}``;
    ``"U"``: it flows back and leaves after ``r0``. The last segment joins the
    exit node to ``outlet``. ``return_header`` defaults to ``header``."""
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"manifold n must be an integer >= 1 (got {n!r})")
    layout = str(layout).upper()
    if layout not in ("Z", "U"):
        raise ValueError(f"manifold layout must be 'Z' or 'U' (got {layout!r})")
    ret = header if return_header is None else return_header
    heats = [heat] * n if np.ndim(heat) == 0 else list(heat)
    if len(heats) != n:
        raise ValueError(f"manifold heat must be one number or {n} (got {len(heats)})")
    s = [f"{prefix}s{i}" for i in range(n)]
    r = [f"{prefix}r{i}" for i in range(n)]
    out = [Branch(f"{prefix}supply0", inlet, s[0], header)]
    out += [Branch(f"{prefix}supply{i + 1}", s[i], s[i + 1], header) for i in range(n - 1)]
    out += [Branch(f"{prefix}b{i}", s[i], r[i], branch, float(heats[i])) for i in range(n)]
    if layout == "Z":
        out += [Branch(f"{prefix}return{i}", r[i], r[i + 1], ret) for i in range(n - 1)]
        out.append(Branch(f"{prefix}return{n - 1}", r[n - 1], outlet, ret))
    else:
        out += [Branch(f"{prefix}return{i + 1}", r[i + 1], r[i], ret) for i in range(n - 1)]
        out.append(Branch(f"{prefix}return0", r[0], outlet, ret))
    return out
