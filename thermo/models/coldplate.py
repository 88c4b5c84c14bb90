"""Direct-to-chip liquid cooling: compact cold plates and their coolant loops.

A cold plate (``kind = "cold_plate"``) is a solid block (copper, aluminium)
bonded to its chip. Its coolant is not resolved on the grid: it runs through
the plate along ``flow_direction`` and takes heat from the plate through a
conductance UA (W/K), ``1 / thermal_resistance`` or ``htc * area`` (wetted
area). The plate is cut into slices across the flow direction (one per cell
layer); slice ``s`` holds the share ``UA_s`` of UA by volume and the coolant
crosses it with the effectiveness of a stream past a wall at the slice's mean
temperature::

    eps_s = 1 - exp(-UA_s / (m_dot cp)),   Q_s = eps_s m_dot cp (Tbar_s - Tc_in_s),
    Tc_in_{s+1} = Tc_in_s + Q_s / (m_dot cp)

so that the whole plate is an effectiveness-NTU exchanger (eps = 1 - exp(-NTU)
for an isothermal plate) and the coolant warms along its path.

A thermal interface between chip and plate (``tim_resistance`` R, K/W, or
``tim_impedance`` R'' over the area where the plate touches its chip,
:func:`contact_area`) is a resistance in series with that link, shared among the
slices as UA is (``R_s = R V / V_s``, conductances in parallel)::

    Q_s = (Tbar_s - Tc_in_s) / (1 / (eps_s m_dot cp) + R_s),  i.e.  eps_s -> eps_s / (1 + eps_s m_dot cp R_s)

The grid's chip-plate faces hold no contact resistance (the conduction solve is
not this model's), so the interface's drop sits between the plate's cells and its
coolant: where all the chip's heat P crosses the plate (a one-slice plate, or an
isothermal one) the chip and the plate's cells both rise by exactly P R; the
plate's coolant side is ``plate - P R``. Without either key the step is today's
(no operation added). Inside the
compiled step the coolant temperatures come from the temperature at the start
of the step (a march over the slices, one step lagged); the exchange with the
plate is implicit: each plate cell gets ``G = eps_s m_dot cp / V_s`` (W/m3K)
on the diagonal of the conduction solve and ``G Tc_in_s`` as a source.

A loop (``[[loops]]``) feeds plates in parallel from a CDU at
``supply_temperature``: a total ``volume_flow`` (or ``flow_per_kw`` of the
plates' chips), split equally or by hydraulic resistance (``pressure_drop`` at
``rated_flow`` per plate: quadratic branches, the same drop across each); the
return is the flow-weighted mix of the plates' outlets. The loop's flow is a
:class:`Liquid` value in the step's parameters, so :func:`set_loop_flow`
changes it without recompiling. A plate outside any loop gives its own
``volume_flow``, ``inlet_temperature`` and ``coolant``.

This module holds the host-side setup on the voxelised grid, the pure ``jnp``
exchange functions used by ``Simulation._energy``, and the summary numbers;
the case-file checks are in :mod:`thermo.case.coldplates`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from thermo.case.coldplates import DEFAULT_COOLANT, match_plates
from thermo.case.networks import networked_plates
from thermo.models.protocol import PartModel

NO_FLOW = 1e-30  # W/K: divides by a plate's m_dot cp, which an event may set to zero


# ----------------------------------------------------------------------------- host setup


class Liquid(NamedTuple):
    """The cold plates' arrays in the compiled step's parameters (a pytree)."""

    cells: Any     # int32 (Nc,): flat indices of the plates' cells
    slot: Any      # int32 (Nc,): each cell's slice, ``plate * K + k``
    ua: Any        # (P, K) W/K per slice, 0 on padding
    volume: Any    # (P, K) m3 per slice, 1 on padding
    rho_cp: Any    # (P,) coolant J/(m3 K)
    flow: Any      # (P,) volume flow at scale 1 (m3/s)
    loop: Any      # int32 (P,): index into ``scale`` (the last entry: plates in no loop)
    scale: Any     # (L + 1,) flow factor of each loop (1 as set in the case)
    t_in: Any      # (P,) coolant inlet temperature (C)
    weight: Any = None  # (Nc,) graded grids: each plate cell's volume (m3), None: equal cells
    tim: Any = None     # (P, K) K/W: each slice's share of the chip-plate interface, None: none


@dataclass
class Plate:
    name: str
    instance: int
    part: int
    loop: int             # -1: in no loop
    axis: int
    sign: int
    cells: np.ndarray     # flat cell indices
    rank: np.ndarray      # slice of each cell, in flow order
    slices: int
    ua: float             # W/K
    coolant: str
    rho_cp: float
    density: float
    flow: float           # m3/s at scale 1
    t_in: float
    chips: list           # candidate chip instances (named or neighbouring)
    named_chip: bool
    resistance: float | None  # quadratic hydraulic coefficient (Pa s2/m6)
    network: int = -1     # index into case.data["networks"]; -1: in no network
    rated_flow: float | None = None  # m3/s, the plate's rated_flow (UA scaling in a network)
    tim: float = 0.0      # K/W, the chip-plate interface in series with UA


@dataclass
class LiquidSetup:
    plates: list
    loops: list           # validated loop dicts, with "members" (plate indices) added
    cell_volume: Any      # m3: one number (uniform grid), or every cell's (graded, cells shape)

    def params(self, dtype) -> Liquid:
        import jax.numpy as jnp

        P = len(self.plates)
        K = max(p.slices for p in self.plates)
        ua = np.zeros((P, K))
        tim = np.zeros((P, K))
        vol = np.ones((P, K))
        cells, slot = [], []
        graded = np.ndim(self.cell_volume) > 0
        for i, p in enumerate(self.plates):
            if graded:  # unequal cells: each slice's true volume, UA shared by volume
                v = np.bincount(p.rank, weights=np.ravel(self.cell_volume)[p.cells],
                                minlength=p.slices)
                ua[i, :p.slices] = p.ua * v / v.sum()
                share = v / v.sum()
                vol[i, :p.slices] = v
            else:
                counts = np.bincount(p.rank, minlength=p.slices)
                ua[i, :p.slices] = p.ua * counts / counts.sum()
                share = counts / counts.sum()
                vol[i, :p.slices] = counts * self.cell_volume
            tim[i, :p.slices] = p.tim / share  # a slice's share of the interface, in parallel
            cells.append(p.cells)
            slot.append(i * K + p.rank)
        arr = lambda x: jnp.asarray(np.asarray(x, float), dtype)
        nl = len(self.loops)
        return Liquid(
            cells=jnp.asarray(np.concatenate(cells), jnp.int32),
            slot=jnp.asarray(np.concatenate(slot), jnp.int32),
            ua=arr(ua), volume=arr(vol), rho_cp=arr([p.rho_cp for p in self.plates]),
            flow=arr([p.flow for p in self.plates]),
            loop=jnp.asarray([p.loop if p.loop >= 0 else nl for p in self.plates], jnp.int32),
            scale=arr(np.ones(nl + 1)), t_in=arr([p.t_in for p in self.plates]),
            weight=arr(np.ravel(self.cell_volume)[np.concatenate(cells)]) if graded else None,
            tim=arr(tim) if any(p.tim > 0 for p in self.plates) else None)


def setup(case, geometry) -> LiquidSetup | None:
    """The plates and loops of a case on its voxelised grid (None without plates)."""
    from thermo.case import CaseError

    d = case.data
    parts = d["parts"]
    if not any(p["kind"] == "cold_plate" for p in parts):
        return None
    src = case.path.name if case.path else "<dict>"
    grid = geometry.grid
    owner = geometry.owner
    loops = [dict(o, members=[]) for o in d.get("loops", [])]
    by_name = {inst["name"]: j for j, inst in enumerate(geometry.instances)}
    networks = d.get("networks", [])
    net_of = networked_plates(networks, parts)
    net_index = {n["name"]: i for i, n in enumerate(networks)}
    loop_of = {}
    for li, o in enumerate(loops):
        for pat in o["plates"]:
            for n in match_plates(pat, parts):
                if parts[geometry.instances[by_name[n]]["part"]]["kind"] == "cold_plate":
                    loop_of.setdefault(n, li)
    plates = []
    for j, inst in enumerate(geometry.instances):
        part = parts[inst["part"]]
        if part["kind"] != "cold_plate":
            continue
        cells = np.flatnonzero(owner.ravel() == j)
        if cells.size == 0:
            raise CaseError(src, f"parts[{inst['part']}]", f"cold plate {inst['name']!r} owns no "
                            "cell of the grid (thinner than a cell or covered by later parts)",
                            "a plate at least one cell thick: refine domain.cells")
        axis = "xyz".index(part["flow_direction"][1])
        sign = 1 if part["flow_direction"][0] == "+" else -1
        pos = np.unravel_index(cells, grid.cells)[axis]
        layers = np.unique(pos)
        rank = np.searchsorted(layers, pos)
        if sign < 0:
            rank = len(layers) - 1 - rank
        li = loop_of.get(inst["name"], -1)
        ni = net_index[net_of[inst["name"]]] if inst["name"] in net_of else -1
        coolant = loops[li]["coolant"] if li >= 0 else (part["coolant"] or DEFAULT_COOLANT)
        t_in = loops[li]["supply_temperature"] if li >= 0 else part["inlet_temperature"]
        if ni >= 0:  # flow and inlet temperature from the network (thermo.models.plate_network)
            coolant = networks[ni]["coolant"]
            t_in = network_temperature(networks[ni])
        mat = case.material(coolant).at(t_in)
        ua = 1.0 / part["thermal_resistance"] if part["thermal_resistance"] else part["htc"] * part["area"]
        res = None
        if part["pressure_drop"] is not None:
            res = part["pressure_drop"] / part["rated_flow"] ** 2
        chips, named = _chips(part, inst, j, geometry, parts)
        tim = part.get("tim_resistance") or 0.0
        if part.get("tim_impedance"):
            area = contact_area(geometry, j, chips if named else
                                [c for c in chips if geometry.instances[c]["power"]])
            if area <= 0:
                raise CaseError(src, f"parts[{inst['part']}].tim_impedance",
                                f"cold plate {inst['name']!r} touches no chip cell on the grid, so "
                                "an impedance (K m2/W) has no area", "tim_resistance (K/W) "
                                "instead, or a chip part that shares faces with the plate")
            tim = part["tim_impedance"] / area
        plates.append(Plate(
            name=inst["name"], instance=j, part=inst["part"], loop=li, axis=axis, sign=sign,
            cells=cells, rank=rank, slices=len(layers), ua=ua, coolant=coolant,
            rho_cp=mat.density * mat.specific_heat, density=mat.density,
            flow=part["volume_flow"] or 0.0, t_in=t_in, chips=chips, named_chip=named,
            resistance=res, network=ni, rated_flow=part["rated_flow"], tim=float(tim)))
        if li >= 0:
            loops[li]["members"].append(len(plates) - 1)
    for o in loops:
        members = [plates[i] for i in o["members"]]
        total = o["volume_flow"]
        if total is None:  # flow_per_kw: of the power of the chips under the loop's plates
            chips = {c for p in members for c in (p.chips if p.named_chip else
                                                  [c for c in p.chips if geometry.instances[c]["power"]])}
            kw = sum(geometry.instances[c]["power"] for c in chips) / 1000.0
            if kw <= 0:
                raise CaseError(src, f"loops ({o['name']})", "flow_per_kw needs powered chips under "
                                "the loop's plates and found none", "volume_flow (m3/s) instead")
            total = o["flow_per_kw"] * kw
        o["total_flow"] = total
        for p, f in zip(members, split_flows(total, [p.resistance for p in members], o["split"])):
            p.flow = f
    return LiquidSetup(plates, loops, grid.cell_volume if grid.is_uniform else grid.cell_volumes())


def contact_area(geometry, plate: int, chips: list[int]) -> float:
    """m2: the area of the grid faces between the cells of instance ``plate`` and those
    of the instances ``chips`` (where a chip-plate interface sits)."""
    owner = geometry.owner
    grid = geometry.grid
    mine = owner == plate
    theirs = np.isin(owner, chips)
    total = 0.0
    for a in range(3):
        n = owner.shape[a]
        if n == 1:
            continue
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[a], hi[a] = slice(0, n - 1), slice(1, n)
        meet = (mine[tuple(lo)] & theirs[tuple(hi)]) | (theirs[tuple(lo)] & mine[tuple(hi)])
        total += float(np.sum(meet * np.expand_dims(grid.face_areas(a), a)))
    return total


def network_temperature(network: dict) -> float:
    """C: where a network's coolant properties are taken, and its plates' inlet
    temperature before the first network solve: the first heat exchanger's
    facility-water temperature."""
    return next(b["facility_temperature"] for b in network["branches"]
                if b["kind"] == "heat_exchanger")


def split_flows(total: float, resistances: list, split: str) -> list[float]:
    """Branch flows of parallel plates: equal, or with the same quadratic drop
    ``k_i Q_i^2`` across each (``Q_i`` proportional to ``1 / sqrt(k_i)``)."""
    n = len(resistances)
    if split == "equal":
        return [total / n] * n
    w = np.array([1.0 / np.sqrt(k) for k in resistances])
    return list(total * w / w.sum())


def _chips(part: dict, inst: dict, j: int, geometry, parts: list[dict]) -> tuple[list[int], bool]:
    """The chip instances a plate sits on: named by ``chip``, else its neighbours."""
    owner = geometry.owner
    mine = owner == j
    near = np.zeros_like(mine)
    for a in range(3):
        n = mine.shape[a]
        if n == 1:
            continue
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[a], hi[a] = slice(0, n - 1), slice(1, n)
        near[tuple(lo)] |= mine[tuple(hi)]
        near[tuple(hi)] |= mine[tuple(lo)]
    found = set(np.unique(owner[near & ~mine]).tolist()) - {-1}
    neighbours = sorted(k for k in found if parts[geometry.instances[k]["part"]]["kind"] != "cold_plate")
    if part.get("chip") is None:
        return neighbours, False
    named = [k for k, x in enumerate(geometry.instances)
             if x["name"] == part["chip"] or parts[x["part"]]["name"] == part["chip"]]
    touching = [k for k in named if k in neighbours]
    if touching:
        return touching, True
    if len(named) > 1 and part.get("repeat") is not None and \
            len(named) == part["repeat"]["count"]:  # copies paired by their index
        k = int(inst["name"].rsplit("[", 1)[1][:-1])
        return [named[k]], True
    return named, True


# ----------------------------------------------------------------------------- compiled step


def slice_means(T, liq: Liquid):
    """Mean temperature of each plate slice (P, K); by volume on a graded grid (then
    the heat ``G (Tc - T)`` summed over a slice's cells is exactly the coolant's)."""
    import jax
    import jax.numpy as jnp

    P, K = liq.ua.shape
    vals = T.reshape(-1)[liq.cells]
    if liq.weight is not None:
        sums = jax.ops.segment_sum(vals * liq.weight, liq.slot, num_segments=P * K).reshape(P, K)
        vol = jax.ops.segment_sum(liq.weight, liq.slot, num_segments=P * K).reshape(P, K)
        return sums / jnp.where(vol > 0, vol, 1.0)
    sums = jax.ops.segment_sum(vals, liq.slot, num_segments=P * K).reshape(P, K)
    count = jax.ops.segment_sum(jnp.ones_like(vals), liq.slot, num_segments=P * K).reshape(P, K)
    return sums / jnp.maximum(count, 1.0)


def march(T, liq: Liquid):
    """The coolant's path through each plate at temperature field ``T``:
    returns (slice inlet temperatures (P, K), outlet temperatures (P,),
    slice effectivenesses (P, K), m_dot cp (P,) in W/K)."""
    import jax.numpy as jnp
    from jax import lax

    tbar = slice_means(T, liq)
    mcp = liq.rho_cp * liq.flow * liq.scale[liq.loop]
    safe = jnp.maximum(mcp, NO_FLOW)
    eff = -jnp.expm1(-liq.ua / safe[:, None])
    if liq.tim is not None:  # the chip-plate interface in series: 1/(eps m cp) + R_s
        eff = eff / (1.0 + eff * safe[:, None] * liq.tim)

    def body(tc, x):
        e, tb = x
        return tc + e * (tb - tc), tc

    t_out, t_in = lax.scan(body, liq.t_in, (eff.T, tbar.T))
    return t_in.T, t_out, eff, mcp


def exchange(T, liq: Liquid):
    """Per-cell exchange coefficient G (W/m3K) and source G*Tc (W/m3) on the
    grid: the heat into a plate cell is ``G (Tc - T)``."""
    import jax.numpy as jnp

    t_in, _, eff, mcp = march(T, liq)
    g = eff * mcp[:, None] / liq.volume
    n = T.size
    gc = g.reshape(-1)[liq.slot]
    G = jnp.zeros(n, T.dtype).at[liq.cells].set(gc).reshape(T.shape)
    S = jnp.zeros(n, T.dtype).at[liq.cells].set(gc * (t_in.reshape(-1)[liq.slot])).reshape(T.shape)
    return G, S


@dataclass(frozen=True)
class ColdPlates(PartModel):
    """The cold plates: heat ``G (Tc - T)`` into each plate cell, implicit in T (fully,
    whatever the time weighting), with the coolant temperatures Tc marched through
    each plate from T at the step's start."""

    key = "liquid"

    def heat_exchange(self, T, p):
        return exchange(T, p)


# ----------------------------------------------------------------------------- events


def set_loop_flow(sim, loop: str, factor: float):
    """Scale loop ``loop``'s total flow to ``factor`` times the case's value
    (every branch alike); updates and returns ``sim.params`` (no recompilation:
    the factor is an array the compiled step reads)."""
    setup_ = getattr(sim, "coldplates", None)
    names = [o["name"] for o in setup_.loops] if setup_ else []
    if loop not in names:
        raise KeyError(f"no coolant loop {loop!r}; loops: {', '.join(names) or 'none'}")
    liq = sim.params.parts["liquid"]
    liq = liq._replace(scale=liq.scale.at[names.index(loop)].set(float(factor)))
    sim.params = sim.params._replace(parts={**sim.params.parts, "liquid": liq})
    return sim.params


def loop_flow_factor(sim, loop: str) -> float:
    names = [o["name"] for o in sim.coldplates.loops]
    return float(sim.params.parts["liquid"].scale[names.index(loop)])
