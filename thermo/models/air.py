"""Compact air-side parts: servers, fans, cooling units and porous media.

* **Throughflow parts** (servers, fans with a fixed flow, CRAH units) are
  boxes the solver does not resolve inside. Air leaves the fluid through the
  box's *intake* face and comes back through its *exhaust* face, at the same
  volume flow ``Q`` (m3/s), as a uniform fixed normal velocity ``Q / A`` on the
  open faces of each side. A server's exhaust air is hotter than its intake
  air by ``P / (rho cp Q)``; a CRAH supplies air at its set temperature; a fan
  only moves air. The intake temperature is the flow-weighted mean of the
  advective face values on the intake faces, so the heat each part adds or
  removes is exact: ``rho cp Q (T_exhaust - T_intake)``.
* **Fans given by a curve** are open cells: a pressure rise ``dp(Q)`` (Pa) from
  the curve at the flow ``Q`` through the fan, spread as a body force over the
  fan box's thickness along its axis. The operating point is where the curve
  meets the system's resistance. A speed factor ``s`` follows the fan laws:
  ``dp_s(Q) = s**2 dp(Q / s)``.
* **Porous parts** are open cells with a Darcy-Forchheimer drag
  ``dp/dx = mu/K u + rho C2 |u| u / 2`` per axis, applied implicitly (a stiff
  resistance does not shrink the time step). A loss coefficient ``K_L``
  (velocity heads) over a thickness ``t`` gives ``C2 = K_L / t`` along the
  part's direction; an open-area ratio gives ``K_L`` by Idelchik's formula
  for a thin sharp-edged perforated plate. Across the direction the drag is
  100 times stronger (a tile or a door lets air through along one axis only).

Host-side setup is NumPy; the functions called in the compiled step are pure
``jax.numpy`` on Params arrays, so an event (a fan off, a flow scaled) changes
values, never the compiled code.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


from thermo.case import THROUGHFLOW_KINDS, Case, CaseError
from thermo.kernels.spacing import along_axis, is_uniform, widths
from thermo.models.heatsink import fin_geometry, porous_coefficients
from thermo.models.protocol import PartModel
from thermo.kernels.clock import next_multiple

TRANSVERSE = 100.0  # drag across a directional porous part, relative to along it
NO_FLOW = 1e-30     # m3/s: divides by a part's flow, which an event may set to zero
MIN_CURVE_STEP = 1e-12  # m3/s: a fan curve's extension step when all its flows coincide


def idelchik_loss(open_area: float) -> float:
    """Loss coefficient (velocity heads of the approach velocity) of a thin
    sharp-edged perforated plate with open-area ratio ``f`` (Idelchik, Handbook of
    Hydraulic Resistance, diagram 8-1): ``(0.707 (1-f)**0.375 + 1 - f)**2 / f**2``."""
    f = open_area
    return (0.707 * (1.0 - f) ** 0.375 + 1.0 - f) ** 2 / f ** 2


class AirParams(NamedTuple):
    """The compact air-side parts as arrays for the compiled step."""

    tf_index: tuple     # per axis, faces: throughflow instance (int32, -1 = none)
    tf_coef: tuple      # per axis, faces: normal velocity per unit flow (1/m2, signed)
    tf_role: tuple      # per axis, faces: -1 intake, +1 exhaust, 0 neither
    tf_cell: jnp.ndarray  # per cell: throughflow instance or -1
    tf_flow: jnp.ndarray  # per instance: volume flow now (m3/s), events change it
    tf_power: jnp.ndarray  # per instance: heat given to the air (W), events change it
    tf_supply: jnp.ndarray  # per instance: supply temperature (C), NaN = not a CRAH
    fan_weight: tuple   # per axis, faces: share of the fan's rise on the face (0..1)
    fan_index: tuple    # per axis, faces: curve fan index (int32, -1 = none)
    fan_curve_q: jnp.ndarray  # (fans, points) m3/s
    fan_curve_dp: jnp.ndarray  # (fans, points) kinematic pressure rise, m2/s2
    fan_speed: jnp.ndarray   # per fan: speed factor (1 = rated, 0 = off)
    fan_length: jnp.ndarray  # per fan: box thickness along its axis (m)
    fan_scale: jnp.ndarray   # per fan: face area times spacing over thickness (m2)
    drag_lin: tuple     # per axis, faces: linear drag nu/K (1/s)
    drag_quad: tuple    # per axis, faces: quadratic drag C2/2 (1/m), times |u|
    # graded grids only (None on uniform ones): per axis, faces: the signed weight
    # (m2) of the face's velocity in its curve fan's flow, share * area * extent /
    # thickness, so that the flow is ``sum(fan_flux * u)`` over the fan's faces
    fan_flux: tuple = None
    # servers with thermal mass in transient runs (None without): per instance, the
    # lumped temperature (C) their exhaust leaves at during a device call, NaN for
    # the others; set between calls by :class:`ServerEquipment`
    tf_hold: jnp.ndarray = None
    # CRAHs with a coil capacity (None without): per instance, the most heat (W) the coil
    # removes, inf for the others; the supply is max(set point, T_return - capacity /
    # (rho cp Q))
    tf_capacity: jnp.ndarray = None


@dataclass(frozen=True)
class AirModel:
    """Host description of the compact parts (names and rated values)."""

    throughflow: list   # dicts: name, kind, instance, flow (rated, m3/s), power, supply, axis
    fans: list          # dicts: name, instance, axis
    porous: list        # instance names
    params: AirParams   # NumPy arrays; Simulation converts them to its dtype
    # porous parts with ``leakage = true``: dicts name, axis, faces (flat indices of the
    # faces by which air enters the part along +axis), areas (m2, theirs), up_cells and
    # down_cells (flat indices of the fluid cells before and after it along the axis)
    leaks: tuple = ()

    @property
    def speed(self) -> float:
        """The largest air speed (m/s) the parts impose: a velocity scale."""
        return float(max([t["speed"] for t in self.throughflow] + [f["speed"] for f in self.fans]
                         + [0.0]))

    @property
    def n_throughflow(self) -> int:
        return len(self.throughflow)

    @property
    def n_fans(self) -> int:
        return len(self.fans)


def _faces_between(lo_cells: np.ndarray, hi_cells: np.ndarray, axis: int) -> np.ndarray:
    """Face mask (n + 1 along ``axis``): the cell below is in ``lo_cells`` and the cell
    above in ``hi_cells``. Domain boundary faces are never included."""
    n = lo_cells.shape[axis]
    below = np.take(lo_cells, range(0, n - 1), axis=axis)
    above = np.take(hi_cells, range(1, n), axis=axis)
    inner = below & above
    zero = np.zeros_like(np.take(lo_cells, [0], axis=axis))
    return np.concatenate([zero, inner, zero], axis=axis)


def build_air_model(case: Case, geo, fluid_cells: np.ndarray) -> AirModel:
    """Intake/exhaust faces, fan planes and drag coefficients from the voxelised parts."""
    d = case.data
    src = case.path.name if case.path else "<dict>"
    grid = geo.grid
    uniform = grid.is_uniform
    h = grid.spacing if uniform else None
    # graded grids: each face's true area (m2), broadcasting over the faces of its axis
    areas = None if uniform else [np.expand_dims(grid.face_areas(a), a) for a in range(3)]
    face_shape = [tuple(n + (1 if a == b else 0) for b, n in enumerate(grid.cells)) for a in range(3)]
    tf_index = [np.full(s, -1, np.int32) for s in face_shape]
    tf_coef = [np.zeros(s) for s in face_shape]
    tf_role = [np.zeros(s, np.int8) for s in face_shape]
    tf_cell = np.full(grid.cells, -1, np.int32)
    fan_weight = [np.zeros(s) for s in face_shape]
    fan_index = [np.full(s, -1, np.int32) for s in face_shape]
    fan_flux = None if uniform else [np.zeros(s) for s in face_shape]
    lin = [np.zeros(grid.cells) for _ in range(3)]
    quad = [np.zeros(grid.cells) for _ in range(3)]
    throughflow, fans, porous, curves, leaks = [], [], [], [], []
    fl = case.fluid
    nu = fl.viscosity / fl.density
    transient = d["solver"]["mode"] == "transient"
    for j, inst in enumerate(geo.instances):
        part = d["parts"][inst["part"]]
        cells = geo.owner == j
        key = f"parts[{inst['part']}]"
        if not cells.any():
            if part["kind"] != "solid":
                raise CaseError(src, key, f"{part['kind']} {inst['name']!r} owns no cell of the grid",
                                "a part at least one cell thick (refine domain.cells)")
            continue
        if part["kind"] in THROUGHFLOW_KINDS and part.get("curve") is None:
            k = len(throughflow)
            # the exhaust is the box's face in `direction`; the intake the face named by
            # `intake` (default: the opposite one). A face on the box's + side touches the
            # fluid cells above it, and air crossing it outwards moves along +axis.
            sides = {}
            opposite = {"+": "-", "-": "+"}[part["direction"][0]] + part["direction"][1]
            for role, face in ((-1, part.get("intake") or opposite), (1, part["direction"])):
                axis, plus = "xyz".index(face[1]), face[0] == "+"
                faces = (_faces_between(cells, fluid_cells, axis) if plus
                         else _faces_between(fluid_cells, cells, axis))
                what = "intake" if role < 0 else "exhaust"
                if not faces.any():
                    raise CaseError(src, f"{key}.{'direction' if role > 0 else 'intake'}",
                                    f"{part['kind']} {inst['name']!r} has no open {what} face: its "
                                    f"{face} side touches no fluid",
                                    f"a {part['kind']} whose {what} side ({face}) faces the fluid")
                outward = 1.0 if plus else -1.0
                sign = outward * role  # the velocity's sign: into the box at the intake
                n = grid.cells[axis]
                side = range(0, n) if plus else range(1, n + 1)
                fluid_side = np.take(faces, side, axis=axis)
                tf_index[axis][faces] = k
                tf_role[axis][faces] = role
                if uniform:
                    area = h[(axis + 1) % 3] * h[(axis + 2) % 3]
                    tf_coef[axis][faces] = sign / (faces.sum() * area)
                    sides[role] = (faces.sum() * area, np.flatnonzero(fluid_side), None)
                else:
                    # one velocity Q / (open area) on unequal faces: sum(u A) = Q exactly
                    a_f = np.broadcast_to(areas[axis], faces.shape)
                    total = float(a_f[faces].sum())
                    tf_coef[axis][faces] = sign / total
                    sides[role] = (total, np.flatnonzero(fluid_side),
                                   np.take(a_f, side, axis=axis)[fluid_side])
            tf_cell[cells] = k
            power = inst["power"] if part["kind"] == "server" else 0.0
            flow = part.get("volume_flow")
            fan_curve = part.get("fan_curve")
            resistance = 0.0
            if fan_curve is not None:
                # the server's own fans: the first flow is their free delivery through the
                # server's internal loss (no back-pressure); ServerEquipment moves it
                fan_curve = np.asarray(fan_curve, dtype=float)
                if part.get("pressure_drop") is not None:
                    resistance = part["pressure_drop"] / part["rated_flow"] ** 2
                flow = float(server_flow(*_server_curve([fan_curve]), np.array([resistance]),
                                         np.zeros(1), np.ones(1))[0])
            elif flow is None:
                flow = part["flow_per_kw"] * power / 1000.0
            supply = part.get("supply_temperature") if part["kind"] == "crah" else None
            rated = float(flow)
            control = None
            if part["kind"] == "crah" and part.get("control") is not None:
                control = {k: part[k] for k in ("control", "control_set_point", "control_gain",
                                                "control_integral_time", "min_speed",
                                                "max_speed")}
                # the fans start at rated speed, within the control's limits
                flow = rated * min(max(1.0, control["min_speed"]), control["max_speed"])
            throughflow.append({"name": inst["name"], "kind": part["kind"], "instance": j,
                                "flow": float(flow), "power": float(power),
                                "speed": float(flow) / min(sides[-1][0], sides[1][0]),
                                "intake_cells": sides[-1][1], "exhaust_cells": sides[1][1],
                                # graded grids: the faces' areas (m2) in front of those
                                # cells, the weights of area means (None: equal faces)
                                "intake_areas": sides[-1][2], "exhaust_areas": sides[1][2],
                                "supply": np.nan if supply is None else float(supply),
                                # a server's own fans (None: a fixed flow): curve [m3/s, Pa]
                                # and internal loss R (Pa s2/m6), dp = R Q |Q|
                                "fan_curve": fan_curve, "resistance": resistance,
                                # lumped heat capacity (J/K), transient runs only (None)
                                "heat_capacity": part.get("heat_capacity") if transient else None,
                                # a CRAH's coil capacity (W, None: unlimited), its flow at
                                # speed 1 (m3/s) and its fan-speed control (None: fixed)
                                "capacity": part.get("capacity"), "rated_flow": rated,
                                "control": control,
                                "cells": np.flatnonzero(cells)})
        elif part["kind"] == "fan":  # a curve: open cells with a pressure rise
            axis = "xyz".index(part["direction"][1])
            sign = 1.0 if part["direction"][0] == "+" else -1.0
            c = cells.astype(float)
            if uniform:
                w = np.asarray(_face_avg_np(c, axis))
                thick = cells.any(axis=tuple(a for a in range(3) if a != axis)).sum() * h[axis]
                cross = cells.any(axis=axis).sum() * h[(axis + 1) % 3] * h[(axis + 2) % 3]
                scale = h[(axis + 1) % 3] * h[(axis + 2) % 3] * h[axis] / thick
            else:
                # the fan's length on each face's control volume (half of each fan cell
                # beside it) over the volume's extent: sum(w * extent) = thickness
                wa = grid.widths(axis)
                length = _face_avg_np(c * _along_np(wa, axis), axis)
                w = length / _along_np(_face_extents(wa), axis)
                thick = float((cells.any(axis=tuple(a for a in range(3) if a != axis)) * wa).sum())
                cross = float((cells.any(axis=axis) * grid.face_areas(axis)).sum())
                scale = 1.0  # fan_flux holds each face's area and extent
                fan_flux[axis] += sign * length * areas[axis] / thick
            fan_weight[axis] += sign * w
            fan_index[axis][w > 0] = len(fans)
            fans.append({"name": inst["name"], "instance": j, "axis": axis, "sign": sign,
                         "length": float(thick),
                         # free delivery over the fan's cross-section: a velocity scale
                         "speed": float(part["curve"][-1][0]) / float(cross),
                         "scale": float(scale)})
            curves.append(np.asarray(part["curve"], dtype=float))
        elif part["kind"] in ("porous", "heat_sink"):  # a heat sink: its channels' drag
            porous.append(inst["name"])
            if part.get("leakage"):
                leaks.append(_leak_faces(inst["name"], part, cells, fluid_cells, grid))
            perm, c2 = part.get("permeability"), part.get("inertial_coefficient")
            if part["kind"] == "heat_sink":
                perm, c2 = porous_coefficients(fin_geometry(part))
            if perm is not None or c2 is not None:
                for a in range(3):
                    if perm is not None:
                        lin[a][cells] = nu / perm[a]
                    if c2 is not None:
                        quad[a][cells] = 0.5 * c2[a]
            else:
                a0 = "xyz".index(part["direction"])
                box = part["box"]
                thick = box["max"][a0] - box["min"][a0]
                kl = part["loss_coefficient"] or idelchik_loss(part["open_area"])
                for a in range(3):
                    quad[a][cells] = 0.5 * kl / thick * (1.0 if a == a0 else TRANSVERSE)
    n_fans = len(fans)
    pts = max([len(cv) for cv in curves], default=2)
    cq = np.zeros((max(n_fans, 1), pts + 1))
    cdp = np.zeros((max(n_fans, 1), pts + 1))
    for i, cv in enumerate(curves):
        q, dp = _extend_curve(cv, pts + 1)
        cq[i], cdp[i] = q, dp / fl.density
    params = AirParams(
        tf_index=tuple(tf_index), tf_coef=tuple(tf_coef), tf_role=tuple(tf_role), tf_cell=tf_cell,
        tf_flow=np.array([t["flow"] for t in throughflow] or [0.0]),
        tf_power=np.array([t["power"] for t in throughflow] or [0.0]),
        tf_supply=np.array([t["supply"] for t in throughflow] or [np.nan]),
        fan_weight=tuple(fan_weight), fan_index=tuple(fan_index), fan_curve_q=cq, fan_curve_dp=cdp,
        fan_speed=np.ones(max(n_fans, 1)),
        fan_length=np.array([f["length"] for f in fans] or [1.0]),
        fan_scale=np.array([f["scale"] for f in fans] or [1.0]),
        drag_lin=tuple(_face_drag(lin[a], a, grid) for a in range(3)),
        drag_quad=tuple(_face_drag(quad[a], a, grid) for a in range(3)),
        fan_flux=None if uniform else tuple(fan_flux),
        tf_hold=None if not any(t["heat_capacity"] for t in throughflow) else np.array(
            [d["fluid"]["initial_temperature"] if t["heat_capacity"] else np.nan
             for t in throughflow]),
        tf_capacity=None if not any(t["capacity"] for t in throughflow) else np.array(
            [t["capacity"] if t["capacity"] else np.inf for t in throughflow]))
    return AirModel(throughflow, fans, porous, params, tuple(leaks))


def _leak_faces(name: str, part: dict, cells: np.ndarray, fluid_cells: np.ndarray,
                grid) -> dict:
    """Where a leakage path's flow and pressure drop are measured: the faces by which
    air crosses into the part from below along its axis (the flow through it is the
    sum of u A over them), and the fluid cells just before and just after it."""
    a = "xyz".index(part["direction"])
    n = grid.cells[a]
    outside = fluid_cells & ~cells
    entry = _faces_between(outside, cells, a)
    exit_ = _faces_between(cells, outside, a)
    if grid.is_uniform:
        h = grid.spacing
        areas = np.full(int(entry.sum()), h[(a + 1) % 3] * h[(a + 2) % 3])
    else:
        areas = np.broadcast_to(np.expand_dims(grid.face_areas(a), a), entry.shape)[entry]
    return {"name": name, "axis": a, "faces": np.flatnonzero(entry), "areas": np.asarray(areas),
            "up_cells": np.flatnonzero(np.take(entry, range(1, n + 1), axis=a)),
            "down_cells": np.flatnonzero(np.take(exit_, range(0, n), axis=a)),
            "open_area": part.get("open_area"),
            "loss_coefficient": part.get("loss_coefficient") or idelchik_loss(part["open_area"])}


def _along_np(values: np.ndarray, axis: int) -> np.ndarray:
    """A 1-D host array shaped to broadcast along ``axis`` of a 3-D field."""
    shape = [1, 1, 1]
    shape[axis] = -1
    return np.asarray(values, dtype=float).reshape(shape)


def _face_extents(w: np.ndarray) -> np.ndarray:
    """The extent (m) along the axis of each face's control volume on a graded axis of
    cell widths ``w``: half of each cell beside it (a boundary face: its cell's width,
    as :func:`thermo.kernels.spacing.gaps` has it)."""
    return np.concatenate([[w[0]], 0.5 * (w[:-1] + w[1:]), [w[-1]]])


def _face_drag(coef: np.ndarray, axis: int, grid) -> np.ndarray:
    """A cell drag coefficient on the faces of ``axis``: the plain average on a uniform
    grid; on a graded one weighted by the share of each face's control volume that
    lies in each cell, so that the drag summed over the faces times their extents
    is the drag over the part's true thickness."""
    if grid.is_uniform:
        return np.asarray(_face_avg_np(coef, axis))
    w = grid.widths(axis)
    return _face_avg_np(coef * _along_np(w, axis), axis) / _along_np(_face_extents(w), axis)


def _face_avg_np(cell: np.ndarray, axis: int) -> np.ndarray:
    """Average of a cell field onto the faces of ``axis`` (n + 1; boundary faces take
    half the adjacent cell, which is what an integral across the part needs)."""
    zero = np.zeros_like(np.take(cell, [0], axis=axis))
    ext = np.concatenate([zero, cell, zero], axis=axis)
    n = ext.shape[axis]
    return 0.5 * (np.take(ext, range(0, n - 1), axis=axis) + np.take(ext, range(1, n), axis=axis))


def _extend_curve(curve: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """A curve padded to ``points`` points, continued past its last flow along its last
    segment (a fan driven beyond free delivery resists the flow)."""
    q, dp = list(curve[:, 0]), list(curve[:, 1])
    slope = (dp[-1] - dp[-2]) / (q[-1] - q[-2])
    while len(q) < points:
        step = max(q[-1] - q[0], MIN_CURVE_STEP)
        q.append(q[-1] + step)
        dp.append(dp[-1] + slope * step)
    return np.asarray(q), np.asarray(dp)


# ------------------------------------------------------------------ servers' own fans

FLOW_SETTLED = 1e-4  # a steady run's server flows settled: changes below this x free delivery
MAX_SYSTEM_RATIO = 20.0  # the secant's system slope at most this x the server's own
MASS_STEPS = 100  # device calls per time constant of a server with thermal mass (at least)


def _server_curve(curves: list) -> tuple[np.ndarray, np.ndarray]:
    """Fan curves (pairs [m3/s, Pa]) padded to one length along their last segments:
    ``(flows, rises)``, each (servers, points)."""
    pts = max(len(cv) for cv in curves) + 1
    q, dp = np.zeros((len(curves), pts)), np.zeros((len(curves), pts))
    for i, cv in enumerate(curves):
        q[i], dp[i] = _extend_curve(np.asarray(cv, dtype=float), pts)
    return q, dp


def server_rise(cq: np.ndarray, cdp: np.ndarray, resistance: np.ndarray, q: np.ndarray,
                speed: np.ndarray) -> np.ndarray:
    """The static pressure rise (Pa) from intake to exhaust of servers with their own
    fans at flows ``q`` (m3/s): the fans' curve by the fan laws at speed factor ``s``,
    ``s**2 curve(Q / s)`` (linear between its points, its first rise below its first
    flow, continued along its last segment past its last), less the internal loss
    ``R Q |Q|`` (``resistance`` R in Pa s2/m6). Stopped fans (s = 0) give no rise."""
    s = np.where(speed > 0, speed, 1.0)
    x = q / s
    n, pts = cq.shape
    i = np.clip((cq <= x[:, None]).sum(axis=1) - 1, 0, pts - 2)
    r = np.arange(n)
    q0, q1, d0, d1 = cq[r, i], cq[r, i + 1], cdp[r, i], cdp[r, i + 1]
    curve = np.where(x < cq[:, 0], cdp[:, 0], d0 + (d1 - d0) * (x - q0) / (q1 - q0))
    return np.where(speed > 0, s * s * curve, 0.0) - resistance * q * np.abs(q)


def server_flow(cq: np.ndarray, cdp: np.ndarray, resistance: np.ndarray, dp_ext: np.ndarray,
                speed: np.ndarray) -> np.ndarray:
    """The flows (m3/s) at which servers' rises (:func:`server_rise`) equal the static
    pressure differences ``dp_ext`` (Pa, exhaust side minus intake side), by bisection
    (the rise falls with the flow: unique). A server whose shut-off rise does not reach
    ``dp_ext``, or whose fans are stopped, passes no air (back-flow through a server is
    not modelled)."""
    n = len(dp_ext)
    ok = (speed > 0) & (server_rise(cq, cdp, resistance, np.zeros(n), speed) > dp_ext)
    hi = np.maximum(speed, 1e-3) * cq[:, -1]
    for _ in range(200):  # the rise falls without bound (the last segment, R Q**2)
        up = ok & (server_rise(cq, cdp, resistance, hi, speed) > dp_ext)
        if not up.any():
            break
        hi = np.where(up, 2.0 * hi, hi)
    lo = np.zeros(n)
    for _ in range(80):  # 2**-80 of the bracket: below float64's resolution of Q
        mid = 0.5 * (lo + hi)
        above = server_rise(cq, cdp, resistance, mid, speed) > dp_ext
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), 0.0)


@jax.jit
def _gather(p, T, cells_p, cells_T):
    """The pressure and temperature of a few cells (flat indices), in one compiled call."""
    return p.ravel()[cells_p], T.ravel()[cells_T]


@jax.jit
def _put(T, cells, values):
    """``T`` with a few cells (flat indices) set to ``values``."""
    return T.ravel().at[cells].set(values).reshape(T.shape)


def face_flows(ap, state, parts: np.ndarray) -> np.ndarray:
    """The volume flows (m3/s) that throughflow ``parts`` (indices) drive in ``state``:
    the fixed velocity on each part's faces is its flow times a coefficient
    (``u = Q coef``), so a checkpoint's velocities give the flows back."""
    out = np.zeros(len(parts))
    for i, k in enumerate(parts):
        for a in range(3):
            faces = np.asarray(ap.tf_index[a]) == k
            if faces.any():
                j = np.flatnonzero(faces)[0]
                out[i] = np.asarray(state.u[a]).ravel()[j] / np.asarray(ap.tf_coef[a]).ravel()[j]
                break
    return out


class ServerEquipment:
    """Servers' own fans and thermal mass, updated on the host between device calls
    (the compiled step holds each server's flow and exhaust temperature fixed over a
    call; the hooks in :meth:`thermo.solver.Simulation.run` call this).

    * A server with ``fan_curve`` passes the flow Q at which its fans' rise less its
      internal loss equals the static pressure difference the room puts across it,
      ``curve(Q) - R Q|Q| = p_exhaust - p_intake`` (the mean pressures of the fluid
      cells facing its exhaust and intake faces, measured after each call). The
      update is relaxed: the new flow is a secant (Newton) step on ``F(Q) =
      rise(Q) - dp_ext(Q)`` with the room's slope ``d dp_ext / dQ`` estimated from
      the last two calls. Taking the root of ``rise(Q) = dp_ext`` at once (a fixed-
      point step) amplifies an error by ``-k_room / k_server`` per call (the two
      slopes), which diverges, oscillating, when the room's resistance rises more
      steeply than the server's characteristic falls; the secant step converges for
      any ratio. The room's slope is kept between 0 and ``MAX_SYSTEM_RATIO`` times
      the server's, so that the noise of an unsteady flow cannot stall or reverse the
      step. A steady run does not converge by residuals while a flow still moves by
      more than ``FLOW_SETTLED`` of its free delivery per call; one settled by its
      monitors needs the flows' window means flat instead (``SteadyMonitor``).
    * A server with ``heat_capacity`` C (transient runs) holds a lumped temperature
      T_s, at which its exhaust leaves: ``C dT_s/dt = P - rho cp Q (T_s - T_in)``.
      Over each call it is integrated exactly for the call's power, flow and
      intake temperature (the intake measured at the call's end):
      ``T_s = T_eq + (T_s - T_eq) exp(-dt / tau)``, ``T_eq = T_in + P / (rho cp Q)``,
      ``tau = C / (rho cp Q)``. The exhaust holds the call's starting value, so calls
      are cut to at most ``tau / MASS_STEPS``: the exhaust then lags the exact
      response by at most about 1 % of the step. T_s lives in the state: the server's
      cells are set to it after each update (they hold their exhaust temperature), so
      a checkpoint keeps it and a resumed run reads it back (:meth:`start`) and goes on
      bit for bit. A resumed run's fan servers start from the flows in the state (the
      velocities on their faces), but the secant's memory of the last call is lost.
    """

    def __init__(self, sim) -> None:
        tf = sim.air.throughflow
        self.fan = np.array([k for k, t in enumerate(tf) if t["fan_curve"] is not None], int)
        self.mass = np.array([k for k, t in enumerate(tf) if t["heat_capacity"]], int)
        self.rho = sim.case.fluid.density
        self.rho_cp = float(sim.settings.rho_cp)
        self.steady = sim.case.data["solver"]["mode"] == "steady"
        if self.fan.size:
            self.cq, self.cdp = _server_curve([tf[k]["fan_curve"] for k in self.fan])
            self.resistance = np.array([tf[k]["resistance"] for k in self.fan])
            self.speed = np.ones(self.fan.size)
            self.free = np.array([tf[k]["flow"] for k in self.fan])  # free delivery, m3/s
        self.capacity = np.array([tf[k]["heat_capacity"] for k in self.mass], float)
        # the cells each measurement averages: (flat cells, weights, server) per side
        cells_p, w_p, seg_p = [], [], []
        for i, k in enumerate(self.fan):
            for sign, side in ((1.0, "exhaust"), (-1.0, "intake")):
                c, a = tf[k][f"{side}_cells"], tf[k][f"{side}_areas"]
                w = np.full(len(c), 1.0 / len(c)) if a is None else a / a.sum()
                cells_p.append(c), w_p.append(sign * w), seg_p.append(np.full(len(c), i))
        cells_t, w_t, seg_t = [], [], []
        for i, k in enumerate(self.mass):
            c, a = tf[k]["intake_cells"], tf[k]["intake_areas"]
            cells_t.append(c), seg_t.append(np.full(len(c), i))
            w_t.append(np.full(len(c), 1.0 / len(c)) if a is None else a / a.sum())
        cat = lambda x, dt: np.concatenate(x).astype(dt) if x else np.zeros(0, dt)  # noqa: E731
        self.w_p, self.seg_p = cat(w_p, float), cat(seg_p, int)
        self.w_t, self.seg_t = cat(w_t, float), cat(seg_t, int)
        own = [tf[k]["cells"][0] for k in self.mass]  # one cell of each: it holds T_s
        # all their cells, which take T_s after each update (so a checkpoint holds it)
        self.own_cells = jnp.asarray(cat([tf[k]["cells"] for k in self.mass], np.int32))
        self.own_seg = cat([np.full(len(tf[k]["cells"]), i) for i, k in enumerate(self.mass)],
                           int)
        self.cells_p = jnp.asarray(cat(cells_p, np.int32))
        self.cells_t = jnp.asarray(np.concatenate([cat(cells_t, np.int32),
                                                   np.asarray(own, np.int32)]))
        self.dp_prev = self.q_prev = None  # the secant's memory: the last call's point
        self.moving = False  # a steady run's server flows moved in the last update

    @staticmethod
    def needed(air: "AirModel") -> bool:
        """Whether any server has its own fans or (in a transient run) thermal mass."""
        return any(t["fan_curve"] is not None or t["heat_capacity"] for t in air.throughflow)

    def _measure(self, state) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """External pressure difference (Pa) per fan server; intake mean and lumped
        temperatures (C) per server with thermal mass."""
        p, T = (np.asarray(x, dtype=float) for x in _gather(state.p, state.T, self.cells_p,
                                                            self.cells_t))
        dp = self.rho * np.bincount(self.seg_p, p * self.w_p, minlength=self.fan.size)
        n = self.mass.size
        t_in = np.bincount(self.seg_t, T[:len(T) - n] * self.w_t, minlength=n)
        return dp, t_in, T[len(T) - n:]

    def start(self, sim, state) -> None:
        """Before a run's first call: flows and lumped temperatures from ``state`` (a
        resumed run's checkpoint: the fixed velocities on the servers' faces, the
        temperature their cells hold)."""
        ap = sim.params.parts["air"]
        if self.mass.size:
            _, _, t_s = self._measure(state)
            hold = np.asarray(ap.tf_hold).copy()
            hold[self.mass] = t_s
            self._set(sim, tf_hold=hold)
        if self.fan.size and int(state.step) > 0:
            flow = np.asarray(ap.tf_flow).copy()
            flow[self.fan] = face_flows(ap, state, self.fan)
            self._set(sim, tf_flow=flow)

    def next_time(self, sim, t: float) -> float:
        """The latest end (s) of the next call: the next multiple of ``tau / MASS_STEPS``
        of the fastest server with thermal mass and air through it (inf: no limit)."""
        if not self.mass.size or self.steady:
            return np.inf
        g = self.rho_cp * np.asarray(sim.params.parts["air"].tf_flow)[self.mass]
        tau = np.where(g > 0, self.capacity / np.maximum(g, NO_FLOW), np.inf)
        if not np.isfinite(tau.min()):
            return np.inf
        # multiples of the period: the times depend on t alone (a resumed run's too)
        return next_multiple(t, float(tau.min()) / MASS_STEPS)

    def after_call(self, sim, state, t0: float):
        """After a device call that began at ``t0`` (s): the lumped temperatures over the
        call, then the fan servers' flows for the next one, into ``sim.params``; returns
        the state with the servers' cells at their new lumped temperatures."""
        dp, t_in, t_s = self._measure(state)
        ap = sim.params.parts["air"]
        if self.mass.size:
            flow = np.asarray(ap.tf_flow, dtype=float)[self.mass]
            power = np.asarray(ap.tf_power, dtype=float)[self.mass]
            g = self.rho_cp * flow
            span = float(state.t) - t0
            safe = np.maximum(g, NO_FLOW)
            t_eq = t_in + power / safe
            decay = np.exp(-span * safe / self.capacity)
            new = np.where(g > 0, t_eq + (t_s - t_eq) * decay, t_s + power * span / self.capacity)
            hold = np.asarray(ap.tf_hold).copy()
            hold[self.mass] = new
            self._set(sim, tf_hold=hold)
            values = jnp.asarray(new[self.own_seg], dtype=state.T.dtype)
            state = state._replace(T=_put(state.T, self.own_cells, values))
        if self.fan.size:
            flow = np.asarray(sim.params.parts["air"].tf_flow, dtype=float).copy()
            q = flow[self.fan]
            rise = server_rise(self.cq, self.cdp, self.resistance, q, self.speed)
            target = server_flow(self.cq, self.cdp, self.resistance, dp, self.speed)
            gap = target - q
            # the server's chord slope between q and the root (> 0: its rise falls)
            k_srv = np.where(np.abs(gap) > 0, (rise - dp) / np.where(gap == 0, 1.0, gap), 1.0)
            k_srv = np.maximum(k_srv, 0.0)
            k_sys = k_srv.copy()  # no memory yet: half the step to the root
            if self.q_prev is not None:
                dq = q - self.q_prev
                known = np.abs(dq) > 1e-6 * self.free
                k_sys = np.where(known, (dp - self.dp_prev) / np.where(known, dq, 1.0),
                                 self.k_sys)
            k_sys = np.clip(k_sys, 0.0, MAX_SYSTEM_RATIO * k_srv)
            step = np.where(k_srv + k_sys > 0, gap * k_srv / np.maximum(k_srv + k_sys, 1e-300),
                            gap)
            new = np.maximum(q + step, 0.0)
            self.q_prev, self.dp_prev, self.k_sys = q, dp, k_sys
            self.moving = bool(np.any(np.abs(new - q) > FLOW_SETTLED * self.free))
            flow[self.fan] = new
            self._set(sim, tf_flow=flow)
        return state

    def holds(self) -> bool:
        """Whether a steady run must keep running: its server flows still move."""
        return bool(self.steady and self.moving)

    def levels(self, sim) -> dict[str, float]:
        """Each fan server's flow as a fraction of its free delivery, for the steady
        monitor (:class:`thermo.diagnostics.steady.SteadyMonitor`): a statistically
        steady run settles when their window means are flat."""
        if not self.fan.size:
            return {}
        flow = np.asarray(sim.params.parts["air"].tf_flow, dtype=float)[self.fan]
        tf = sim.air.throughflow
        return {f"{tf[k]['name']} flow": float(q / f) for k, q, f in zip(self.fan, flow, self.free)}

    def event(self, sim, k: int, action: str, factor: float) -> None:
        """An event on throughflow part ``k``: a fan server's fans stop (off), run at
        rated speed (on) or at ``factor`` of it (scale: the fan laws); its flow is
        re-solved at once against the last measured pressure difference."""
        i = np.flatnonzero(self.fan == k)
        if not i.size:
            return
        i = int(i[0])
        self.speed[i] = factor
        dp = 0.0 if self.dp_prev is None else self.dp_prev[i]
        q = server_flow(self.cq[i:i + 1], self.cdp[i:i + 1], self.resistance[i:i + 1],
                        np.array([dp]), self.speed[i:i + 1])[0]
        flow = np.asarray(sim.params.parts["air"].tf_flow, dtype=float).copy()
        flow[k] = q
        self._set(sim, tf_flow=flow)
        self.q_prev = None  # the secant's memory belongs to the old speed

    def operating_points(self, sim, state) -> dict:
        """Per fan server: flow (m3/s), its fans' rise and internal loss at that flow,
        their difference and the measured external pressure difference (Pa), and its
        speed factor."""
        dp, _, _ = self._measure(state)
        q = np.asarray(sim.params.parts["air"].tf_flow, dtype=float)[self.fan]
        zero = np.zeros(self.fan.size)
        fans = server_rise(self.cq, self.cdp, zero, q, self.speed)
        loss = self.resistance * q * np.abs(q)
        tf = sim.air.throughflow
        return {tf[k]["name"]: {"volume_flow_m3_s": float(q[i]), "fan_rise_pa": float(fans[i]),
                                "internal_loss_pa": float(loss[i]),
                                "pressure_rise_pa": float(fans[i] - loss[i]),
                                "external_pressure_pa": float(dp[i]),
                                "speed": float(self.speed[i])}
                for i, k in enumerate(self.fan)}

    def lumped_temperatures(self, sim) -> dict:
        """Per server with thermal mass: its lumped temperature (C) now."""
        hold = np.asarray(sim.params.parts["air"].tf_hold, dtype=float)
        return {sim.air.throughflow[k]["name"]: float(hold[k]) for k in self.mass}

    @staticmethod
    def _set(sim, **arrays) -> None:
        """New values of AirParams arrays in ``sim.params`` (same dtype and device)."""
        air = sim.params.parts["air"]
        new = {k: jnp.asarray(np.asarray(v), dtype=getattr(air, k).dtype) for k, v in arrays.items()}
        new = jax.device_put(new, sim.device)
        sim.params = sim.params._replace(parts={**sim.params.parts, "air": air._replace(**new)})


# ------------------------------------------------------------------ CRAH fan control

FAN_LAG_S = 5.0  # s: a controlled CRAH's fan speed follows its command with this time constant
SPEED_SETTLED = 1e-4  # a steady run's CRAH speeds settled: changes below this per call
CONTROL_STEPS = 10  # transient runs: device calls per FAN_LAG_S (at least)


class CoolingUnits:
    """CRAHs whose fan speed is controlled, updated on the host between device calls
    (the compiled step holds each CRAH's flow over a call; :meth:`thermo.solver.
    Simulation.run` calls these hooks as it calls :class:`ServerEquipment`'s).

    The controlled variable is measured after each call: the return air's mean
    temperature (C; the fluid cells facing the return faces, which is the flow-weighted
    mean the coil sees) or the static pressure on the supply side less that on the
    return side (Pa). Its error ``e`` is signed so that a positive error asks for more
    air: ``T_return - set point``, or ``set point - dp``. The law gives the speed
    command (a fraction of ``volume_flow``) ``s_c = min_speed + K (e + I / T_i)``, ``I``
    the integral of ``e`` over time (PI; without ``control_integral_time`` a
    proportional law, ``s_c = min_speed + K e``: a proportional band from the set
    point up), limited to ``[min_speed, max_speed]``; the integral stops growing while
    the command is held at a limit (anti-windup).

    The speed follows the command through a first-order lag of ``FAN_LAG_S``,
    integrated exactly over each call: ``s += (s_c - s) (1 - exp(-dt / FAN_LAG_S))``.
    Why relaxed: the measurement is a call old, and the return air answers a speed
    change only after the room's air has turned over (seconds to minutes); a speed
    set at once from a gain acting on that late measurement overshoots and, with a
    stiff gain, rings or limit-cycles between ``min_speed`` and ``max_speed``. The lag
    (an EC or VFD fan ramps over seconds, too) makes the loop a P or PI law on two
    first-order lags, which does not oscillate for a proportional law and damps for a
    moderate integral time. In a steady run the times are the run's own (pseudo-)time;
    the run does not converge by residuals while a speed moves by more than
    ``SPEED_SETTLED`` per call, and one settled by its monitors needs the speeds'
    window means flat instead: with a moving flow (plumes, jets) the measurement, and
    so the speed, swings from call to call for ever (``SteadyMonitor``).

    Events: ``off`` (a failure) stops the fans at once (speed 0, no air, no cooling)
    and freezes the law; ``on`` (a restart) lets them ramp up from rest through the
    lag towards the law's command; ``scale v`` caps the speed at ``v`` (a degraded
    fan: at most ``v`` of ``volume_flow``), the control acting below the cap.
    """

    def __init__(self, sim) -> None:
        tf = sim.air.throughflow
        self.units = np.array([k for k, t in enumerate(tf) if t["control"] is not None], int)
        ctl = [tf[k]["control"] for k in self.units]
        self.rho = sim.case.fluid.density
        self.steady = sim.case.data["solver"]["mode"] == "steady"
        self.pressure = np.array([c["control"] == "pressure" for c in ctl], bool)
        self.set_point = np.array([c["control_set_point"] for c in ctl], float)
        self.gain = np.array([c["control_gain"] for c in ctl], float)
        self.ti = np.array([c["control_integral_time"] or np.inf for c in ctl], float)
        self.lo = np.array([c["min_speed"] for c in ctl], float)
        self.hi = np.array([c["max_speed"] for c in ctl], float)
        self.cap = self.hi.copy()  # the most speed now (a scale event lowers it)
        self.rated = np.array([tf[k]["rated_flow"] for k in self.units], float)
        self.speed = np.array([tf[k]["flow"] for k in self.units], float) / np.maximum(
            self.rated, NO_FLOW)
        self.integral = np.zeros(self.units.size)
        self.running = np.ones(self.units.size, bool)
        self.command = self.speed.copy()
        self.measured = np.full(self.units.size, np.nan)
        self.moving = False
        self.restored = False  # the law's state came from a checkpoint (restore)
        # the cells each measurement averages: return side (+1 weight for T, -1 for p)
        # and supply side (+1 for p)
        cells, w, seg = [], [], []
        for i, k in enumerate(self.units):
            sides = (("intake", -1.0), ("exhaust", 1.0)) if self.pressure[i] else (("intake", 1.0),)
            for side, sign in sides:
                c, a = tf[k][f"{side}_cells"], tf[k][f"{side}_areas"]
                cells.append(c), seg.append(np.full(len(c), i))
                w.append(sign * (np.full(len(c), 1.0 / len(c)) if a is None else a / a.sum()))
        self.cells = jnp.asarray(np.concatenate(cells).astype(np.int32))
        self.w, self.seg = np.concatenate(w), np.concatenate(seg)

    @staticmethod
    def needed(air: "AirModel") -> bool:
        """Whether any CRAH has a fan-speed control."""
        return any(t.get("control") is not None for t in air.throughflow)

    def measure(self, state) -> np.ndarray:
        """The controlled variable per unit: return temperature (C) or supply-side less
        return-side static pressure (Pa)."""
        p, T = (np.asarray(x, dtype=float) for x in _gather(state.p, state.T, self.cells,
                                                            self.cells))
        values = np.where(self.pressure[self.seg], self.rho * p, T)
        return np.bincount(self.seg, values * self.w, minlength=self.units.size)

    def error(self, measured: np.ndarray) -> np.ndarray:
        """The error, positive when the unit should move more air (K or Pa)."""
        return np.where(self.pressure, self.set_point - measured, measured - self.set_point)

    def start(self, sim, state) -> None:
        """Before a run's first call: the measurement at the start. A resumed run whose
        checkpoint kept the law's state (:meth:`export`) has it back already
        (:meth:`restore`); one from an older checkpoint takes the speeds from the flows
        on the units' faces and the integral that makes the command equal them
        (bumpless: the law goes on from where the fans are, not from the case's
        rated speed, which in an open data hall swung the monitors by 8 K)."""
        self.measured = self.measure(state)
        if int(state.step) > 0 and not self.restored:
            ap = sim.params.parts["air"]
            self.speed = np.where(self.running, face_flows(ap, state, self.units)
                                  / np.maximum(self.rated, NO_FLOW), 0.0)
            self.command = self.speed.copy()
            e = self.error(self.measured)
            self.integral = np.where(np.isfinite(self.ti),
                                     self.ti * ((self.speed - self.lo) / self.gain - e), 0.0)
            self._flows(sim)

    def export(self) -> dict:
        """The law's state for a checkpoint: speed, command, integral, speed cap,
        running (1/0) per unit."""
        return {"speed": self.speed.copy(), "command": self.command.copy(),
                "integral": self.integral.copy(), "cap": self.cap.copy(),
                "running": self.running.astype(np.int8)}

    def restore(self, sim, records: dict) -> None:
        """Continue from :meth:`export`'s records (a resumed run): the fans' flows
        for the first call follow."""
        self.speed = np.asarray(records["speed"], float).copy()
        self.command = np.asarray(records["command"], float).copy()
        self.integral = np.asarray(records["integral"], float).copy()
        self.cap = np.asarray(records["cap"], float).copy()
        self.running = np.asarray(records["running"]).astype(bool)
        self.restored = True
        self._flows(sim)

    def after_call(self, sim, state, t0: float) -> None:
        """After a device call that began at ``t0`` (s): measure, step the law and the
        fans' lag over the call, and set the flows for the next call."""
        span = max(float(state.t) - t0, 0.0)
        self.measured = self.measure(state)
        e = self.error(self.measured)
        hi = np.minimum(self.hi, self.cap)
        lo = np.minimum(self.lo, hi)
        raw = self.lo + self.gain * (e + self.integral / self.ti)
        # anti-windup: integrate unless the command is held at a limit and e pushes past it
        wind = ((raw >= hi) & (e > 0)) | ((raw <= lo) & (e < 0))
        self.integral = np.where(self.running & ~wind & np.isfinite(self.ti),
                                 self.integral + e * span, self.integral)
        self.command = np.clip(self.lo + self.gain * (e + self.integral / self.ti), lo, hi)
        relax = 1.0 - np.exp(-span / FAN_LAG_S)
        new = np.where(self.running, self.speed + (self.command - self.speed) * relax, 0.0)
        self.moving = bool(np.any(np.abs(new - self.speed) > SPEED_SETTLED))
        self.speed = new
        self._flows(sim)

    def next_time(self, sim, t: float) -> float:
        """The latest end (s) of the next call in a transient run: the next multiple of
        ``FAN_LAG_S / CONTROL_STEPS``, so that the law and the lag are stepped at least
        that often (a call with still air could otherwise span the whole run)."""
        if self.steady:
            return np.inf
        return next_multiple(t, FAN_LAG_S / CONTROL_STEPS)

    def holds(self) -> bool:
        """Whether a steady run must keep running: a CRAH's speed still moves."""
        return bool(self.steady and self.moving)

    def levels(self, sim) -> dict[str, float]:
        """Each controlled CRAH's fan speed (a fraction of ``volume_flow``), for the
        steady monitor: a statistically steady run settles when their window means are
        flat, where the speeds themselves follow the moving flow's return air or
        pressure from call to call."""
        tf = sim.air.throughflow
        return {f"{tf[k]['name']} speed": float(v) for k, v in zip(self.units, self.speed)}

    def event(self, sim, k: int, action: str, factor: float) -> None:
        """An event on throughflow part ``k`` (a controlled CRAH): off, on or a speed cap
        (scale); the flow for the next call is set here, over the event's own."""
        i = np.flatnonzero(self.units == k)
        if not i.size:
            return
        i = int(i[0])
        if action == "off":
            self.running[i], self.speed[i] = False, 0.0
        elif action == "on":
            self.running[i], self.cap[i] = True, self.hi[i]
        else:
            self.cap[i] = factor
            self.running[i] = factor > 0
            self.speed[i] = min(self.speed[i], factor)
        self._flows(sim)

    def _flows(self, sim) -> None:
        flow = np.asarray(sim.params.parts["air"].tf_flow, dtype=float).copy()
        flow[self.units] = self.speed * self.rated
        ServerEquipment._set(sim, tf_flow=flow)

    def report(self) -> dict:
        """Per controlled CRAH: what it controls, the set point, the measured value and
        the error (C or Pa), its speed now and the law's command, and its limits."""
        return {i: {"control": "pressure" if self.pressure[j] else "return_temperature",
                    "set_point": float(self.set_point[j]), "measured": float(self.measured[j]),
                    "error": float(self.error(self.measured)[j]), "speed": float(self.speed[j]),
                    "command": float(self.command[j]), "min_speed": float(self.lo[j]),
                    "max_speed": float(min(self.hi[j], self.cap[j])),
                    "running": bool(self.running[j])}
                for j, i in enumerate(self.units)}


# ------------------------------------------------------------------ compiled step


def throughflow_velocity(ap: AirParams, c: int, n: int):
    """Fixed normal velocity (m/s) on the faces of axis ``c`` set by the throughflow
    parts' current flows (zero elsewhere)."""
    if n == 0:
        return 0.0
    # NumPy parameters give a NumPy answer (set-up on the host: nothing to compile)
    xp = np if isinstance(ap.tf_flow, np.ndarray) else jnp
    idx = ap.tf_index[c]
    return xp.where(idx >= 0, ap.tf_flow[xp.maximum(idx, 0)] * ap.tf_coef[c], 0.0)


def fan_flows(u, ap: AirParams, n_fans: int):
    """Volume flow (m3/s) through each curve fan along its direction: the weighted face
    flux over the fan box divided by its thickness in cells."""
    q = 0.0
    for a in range(3):
        idx = ap.fan_index[a]
        if ap.fan_flux is None:
            flux = jnp.where(idx >= 0, ap.fan_weight[a] * u[a], 0.0)
        else:  # graded: each face's area and extent in its weight
            flux = jnp.where(idx >= 0, ap.fan_flux[a] * u[a], 0.0)
        q = q + jax.ops.segment_sum(flux.ravel(), jnp.maximum(idx, 0).ravel(), num_segments=n_fans)
    return q * ap.fan_scale if ap.fan_flux is None else q


def fan_force(q, ap: AirParams, c: int):
    """Body force (m/s2) of the curve fans on the faces of axis ``c``: the rise spread
    evenly over each fan's thickness."""
    per_length = fan_rise(q, ap) / ap.fan_length
    idx = ap.fan_index[c]
    return jnp.where(idx >= 0, ap.fan_weight[c] * per_length[jnp.maximum(idx, 0)], 0.0)


def porous_drag(u, ap: AirParams, c: int):
    """Drag coefficient (1/s) on the faces of axis ``c``: ``nu/K + C2 |u| / 2``, with the
    face's own normal velocity in ``|u|``."""
    return ap.drag_lin[c] + ap.drag_quad[c] * jnp.abs(u[c])


def upwind_intake(flux, T_pads, u, ap: AirParams):
    """The advective fluxes with first-order upwind values on the throughflow parts'
    intake faces: the air entering a part carries the temperature of the fluid cell it
    comes from (a limiter looking into the part's cells would feed its exhaust
    temperature back into its own intake)."""
    out = []
    for a in range(3):
        n1 = u[a].shape[a]
        below = T_pads[a].take(jnp.arange(1, n1 + 1), axis=a)
        above = T_pads[a].take(jnp.arange(2, n1 + 2), axis=a)
        up = jnp.where(u[a] >= 0, below, above)
        out.append(jnp.where(ap.tf_role[a] < 0, u[a] * up, flux[a]))
    return out


def throughflow_exchange(flux, ap: AirParams, n: int, rho_cp: float, h):
    """Intake and exhaust temperatures (C) of each throughflow part, and the advective
    face fluxes ``u T`` with the exhaust faces carrying the exhaust temperature.

    ``flux`` is the per-axis list of ``u T`` on faces (K m/s). The intake temperature is
    the flow-weighted mean of the intake faces' values; a server's exhaust is hotter by
    ``P / (rho cp Q)``, a CRAH's is its supply temperature, a fan's equals its intake.
    """
    heat, flow = 0.0, 0.0
    graded = not all(is_uniform(x) for x in h)
    areas = [face_areas(h, a, flux[a].shape, flux[a].dtype) if graded
             else h[(a + 1) % 3] * h[(a + 2) % 3] for a in range(3)]
    for a in range(3):
        idx = jnp.maximum(ap.tf_index[a], 0).ravel()
        intake = (ap.tf_role[a] < 0).ravel()
        # inflow is along the coefficient's sign on intake faces: u T sign = |u| T
        if graded:  # each face's own area
            f = (flux[a] * jnp.sign(ap.tf_coef[a]) * areas[a]).ravel()
            q = (jnp.abs(ap.tf_coef[a]) * areas[a]).ravel()
        else:
            f = (flux[a] * jnp.sign(ap.tf_coef[a])).ravel() * areas[a]
            # |u| A from the part's own coefficient: the flux's velocity is the fixed one
            q = jnp.abs(ap.tf_coef[a]).ravel() * areas[a]
        heat = heat + jax.ops.segment_sum(jnp.where(intake, f, 0.0), idx, num_segments=n)
        flow = flow + jax.ops.segment_sum(jnp.where(intake, q, 0.0), idx, num_segments=n)
    qn = ap.tf_flow * flow  # = tf_flow when the part has open intake faces
    t_in = heat / jnp.maximum(qn, NO_FLOW)
    rise = jnp.where(qn > 0, ap.tf_power / (rho_cp * jnp.maximum(qn, NO_FLOW)), 0.0)
    supply = ap.tf_supply
    if ap.tf_capacity is not None:  # a coil at its capacity: the supply rises above its set point
        supply = jnp.maximum(supply, t_in - ap.tf_capacity / (rho_cp * jnp.maximum(qn, NO_FLOW)))
    t_out = jnp.where(jnp.isnan(ap.tf_supply), t_in + rise, supply)
    if ap.tf_hold is not None:  # a server with thermal mass: its exhaust leaves at T_s
        t_out = jnp.where(jnp.isnan(ap.tf_hold), t_out, ap.tf_hold)
    out = []
    for a in range(3):
        idx = jnp.maximum(ap.tf_index[a], 0)
        exhaust = ap.tf_role[a] > 0
        u_face = ap.tf_flow[idx] * ap.tf_coef[a]
        out.append(jnp.where(exhaust, u_face * t_out[idx], flux[a]))
    return t_in, t_out, out


def face_areas(h, a: int, shape, dtype):
    """The areas (m2) of the faces of axis ``a`` (face array ``shape``) from the
    settings' spacing ``h``: the product of the two other axes' widths, an array
    broadcasting over the faces (graded), or one number (uniform)."""
    b, c = (a + 1) % 3, (a + 2) % 3
    if is_uniform(h[b]) and is_uniform(h[c]):
        return h[b] * h[c]
    return (along_axis(widths(h[b], shape[b]), b, dtype)
            * along_axis(widths(h[c], shape[c]), c, dtype))


def fan_rise(q, ap: AirParams):
    """Kinematic pressure rise (m2/s2) of each fan at flow ``q`` and its speed factor,
    by the fan laws."""
    s = ap.fan_speed
    qs = q / jnp.where(s > 0, s, 1.0)

    def one(qq, cq, cdp):
        lo = jnp.interp(qq, cq, cdp)  # clamps at q <= 0 (shut-off rise)
        slope = (cdp[-1] - cdp[-2]) / (cq[-1] - cq[-2])
        return jnp.where(qq > cq[-1], cdp[-1] + slope * (qq - cq[-1]), lo)

    rise = jax.vmap(one)(qs, ap.fan_curve_q, ap.fan_curve_dp)
    return jnp.where(s > 0, s * s * rise, 0.0)


# ------------------------------------------------------------------ part models


@dataclass(frozen=True)
class Throughflow(PartModel):
    """Servers, fixed-flow fans and CRAHs: ``n`` boxes that take air in at their
    intake, give it back at their exhaust with their heat, and own their cells'
    temperature (the exhaust temperature)."""

    n: int
    key = "air"

    def fixed_velocity(self, p, c: int):
        return throughflow_velocity(p, c, self.n)

    def outside_fluid(self, p):
        # air enters a server's cells and leaves by its exhaust: not the fluid's
        return p.tf_cell >= 0

    def advective_fluxes(self, flux, pads, u, p, cfg):
        # the exhaust faces carry the exhaust temperature
        flux = upwind_intake(flux, pads, u, p)
        _, t_out, flux = throughflow_exchange(flux, p, self.n, cfg.rho_cp, cfg.h)
        return flux, t_out

    def owned_cells(self, p):
        return p.tf_cell >= 0

    def finish_temperature(self, T, p, t_out):
        cell = p.tf_cell
        return jnp.where(cell >= 0, t_out[jnp.maximum(cell, 0)], T)


@dataclass(frozen=True)
class CurveFans(PartModel):
    """``n`` fans given by a curve: a pressure rise at the flow each fan now passes."""

    n: int
    key = "air"

    def force(self, u, p):
        q = fan_flows(u, p, self.n)
        return tuple(fan_force(q, p, c) for c in range(3))


@dataclass(frozen=True)
class Porous(PartModel):
    """Porous parts: Darcy-Forchheimer drag with ``|u|`` lagged, implicit in u."""

    key = "air"

    def drag(self, u, p, c: int):
        return porous_drag(u, p, c)


def part_models(air: AirModel) -> tuple[PartModel, ...]:
    """The air-side part models a case needs (none without such parts)."""
    out: list[PartModel] = []
    if air.n_throughflow:
        out.append(Throughflow(air.n_throughflow))
    if air.n_fans:
        out.append(CurveFans(air.n_fans))
    if air.porous:
        out.append(Porous())
    return tuple(out)
