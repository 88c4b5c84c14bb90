"""Geometry builders: servers, racks, aisles and immersion tanks as lists of parts.

Every builder is a plain function returning a list of part dicts with the
structure of ``[[parts]]`` in a case file (``kind = "solid"``, an explicit
``material``, a ``box`` shape, ``power`` in W), ready to be put into a case
dict or used through a case file's ``[geometry]`` section::

    [geometry]
    builder = "rack"
    parameters = { origin = [0.0, 0.6, 0.0], servers = 40, power_per_server = 1400.0 }

Conventions, for every function here:

* units are SI: lengths and coordinates in metres, powers in watts,
  temperatures in degrees Celsius;
* z is up; x runs across a server or rack (side to side) and y runs along its
  depth: by default (``front = "y-"``) air enters at the low-y face and leaves
  at the high-y face;
* ``origin`` is the minimum (x, y, z) corner of the object's bounding box;
* part names are unique and dotted: ``rack.server3.cpu1``,
  ``rack.server3.cpu1.sink``; a part with ``repeat`` (heat-sink fins,
  immersion blades) becomes instances ``name[0]``, ``name[1]``, ... on the grid,
  and its ``power`` is per copy.

Impossible parameters raise `BuilderError` (a ValueError) naming the parameter
and the accepted range.

The ``*_case`` helpers return complete case dicts (see ``docs/case-format.md``) that
`thermo.case.case_from_dict` accepts.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

from thermo.case.materials import LIBRARY

__all__ = ["BUILDERS", "BuilderError", "RACK_UNITS", "U", "aisle_row", "immersion_case",
           "immersion_tank", "rack", "rack_case", "server", "tank_interior", "total_power",
           "volume_flow_for"]

U = 0.04445          # m: one rack unit (1.75 in)
RACK_UNITS = 42      # a standard full-height rack

# server internals (m)
BOARD_THICKNESS = 0.0016      # FR4 main board
BOARD_STANDOFF = 0.004        # board bottom above the server's floor
BOARD_MARGIN = 0.01           # board inset from the server's sides, front and back
PACKAGE_THICKNESS = 0.004     # a CPU or GPU package (silicon)
CPU_FOOTPRINT = (0.06, 0.06)  # x (across), y (along the air)
GPU_FOOTPRINT = (0.08, 0.10)
SINK_OVERHANG = 0.005         # a heat sink's footprint exceeds its package by this on each side
SINK_GAP = 0.02               # minimum air gap between neighbouring heat sinks
SINK_BASE = 0.003             # base plate under the fins
SINK_CLEARANCE = 0.003        # heat-sink top below the server's top
FIN_THICKNESS = 0.0008

# immersion blades (m)
BLADE_THICKNESS = 0.0016      # FR4 board standing on edge
CHIP_SIZE = 0.04              # square chip, y and z
CHIP_THICKNESS = 0.003        # along x, off the blade's +x face
BLADE_MIN_GAP = 0.01          # minimum fluid gap between a chip and the next blade
BLADE_CLEARANCE = 0.03        # blades stand this far off the floor and the walls, and below the top


class BuilderError(ValueError):
    """An impossible builder parameter: ``"<parameter>: <problem>; accepted: <accepted>"``."""

    def __init__(self, parameter: str, problem: str, accepted: str) -> None:
        self.parameter, self.problem, self.accepted = parameter, problem, accepted
        super().__init__(f"{parameter}: {problem}; accepted: {accepted}")

    def __reduce__(self):
        return (BuilderError, (self.parameter, self.problem, self.accepted))


# ----------------------------------------------------------------------------- checks


def _g(x: float) -> str:
    return f"{x:.6g}"


def _number(name: str, value: Any, lo: float | None = None, hi: float | None = None, *,
            lo_open: bool = False, unit: str = "") -> float:
    """A finite number within [lo, hi] ((lo, hi] when lo_open)."""
    u = f" ({unit})" if unit else ""
    if lo is not None and hi is not None:
        acc = f"a number {'>' if lo_open else '>='} {_g(lo)} and <= {_g(hi)}{u}"
    elif lo is not None:
        acc = f"a number {'>' if lo_open else '>='} {_g(lo)}{u}"
    else:
        acc = f"a number{u}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise BuilderError(name, f"expected a number, got {type(value).__name__} {value!r}", acc)
    x = float(value)
    if not math.isfinite(x) or (lo is not None and (x < lo or (lo_open and x == lo))) or (
            hi is not None and x > hi):
        raise BuilderError(name, f"{_g(x)} is out of range", acc)
    return x


def _integer(name: str, value: Any, lo: int, hi: int | None = None, why: str = "") -> int:
    acc = f"an integer from {lo} to {hi}{why}" if hi is not None else f"an integer >= {lo}{why}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise BuilderError(name, f"expected an integer, got {type(value).__name__} {value!r}", acc)
    if value < lo or (hi is not None and value > hi):
        raise BuilderError(name, f"{value} is out of range", acc)
    return int(value)


def _point(name: str, value: Any) -> list[float]:
    acc = "a list of 3 numbers [x, y, z] (m)"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 3:
        raise BuilderError(name, f"expected 3 numbers, got {value!r}", acc)
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise BuilderError(name, f"expected 3 finite numbers, got {value!r}", acc)
        out.append(float(v))
    return out


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices or not isinstance(value, str):
        raise BuilderError(name, f"unknown value {value!r}", ", ".join(repr(c) for c in choices))
    return value


def _name(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BuilderError(name, f"expected a non-empty string, got {value!r}", "a non-empty string")
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise BuilderError(name, f"expected true or false, got {value!r}", "true, false")
    return value


# ----------------------------------------------------------------------------- parts


def _part(name: str, material: str, lo: Sequence[float], hi: Sequence[float], power: float = 0.0,
          *, repeat: tuple[int, Sequence[float]] | None = None, rotate: int = 0,
          axis: str = "z") -> dict:
    """One solid box part in the case-file structure."""
    p: dict[str, Any] = {"name": name, "kind": "solid", "material": material,
                         "box": {"min": [float(v) for v in lo], "max": [float(v) for v in hi]}}
    if rotate:
        p["rotate"], p["axis"] = int(rotate), axis
    if repeat is not None:
        p["repeat"] = {"count": int(repeat[0]), "step": [float(v) for v in repeat[1]]}
    p["power"] = float(power)
    return p


def _mirror_y(parts: list[dict], y_lo: float, y_hi: float) -> list[dict]:
    """Box parts mirrored front to back about the middle of [y_lo, y_hi] (a box turned
    about its own centre stays a box about the same centre, so turned boxes mirror too)."""
    out = []
    for p in parts:
        q = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.items()}
        lo, hi = p["box"]["min"], p["box"]["max"]
        q["box"] = {"min": [lo[0], y_lo + y_hi - hi[1], lo[2]], "max": [hi[0], y_lo + y_hi - lo[1], hi[2]]}
        if p.get("repeat") is not None:
            # copy k of the mirror is the mirror of copy k
            step = p["repeat"]["step"]
            q["repeat"] = {"count": p["repeat"]["count"], "step": [step[0], -step[1], step[2]]}
        out.append(q)
    return out


def total_power(parts: Sequence[dict]) -> float:
    """The heat (W) the parts release: each part's ``power`` times its number of copies."""
    return float(sum(float(p.get("power") or 0.0) * ((p.get("repeat") or {}).get("count", 1))
                     for p in parts))


def volume_flow_for(power: float, delta_t: float, fluid: str = "air",
                    temperature: float = 20.0) -> float:
    """The volume flow (m3/s) of a library fluid that carries ``power`` (W) away at a
    temperature rise ``delta_t`` (K): power / (density * specific_heat * delta_t), with the
    fluid's properties at ``temperature`` C (the case's reference temperature, which
    the solver uses)."""
    m = LIBRARY[fluid].at(temperature)
    return power / (m.density * m.specific_heat * delta_t)


# ----------------------------------------------------------------------------- server


def _device_rows(count: int, footprint: tuple[float, float], board_w: float) -> tuple[int, float, float]:
    """(rows, sink width, sink depth) for ``count`` devices packed across the board."""
    sw, sd = footprint[0] + 2 * SINK_OVERHANG, footprint[1] + 2 * SINK_OVERHANG
    per_row = max(0, int((board_w + SINK_GAP) // (sw + SINK_GAP)))
    if count == 0:
        return 0, sw, sd
    if per_row == 0:
        return -1, sw, sd
    return math.ceil(count / per_row), sw, sd


def _rows_depth(cpus: int, gpus: int, board_w: float) -> float:
    """The depth (m) the device rows need, or inf when one device is wider than the board."""
    depth, rows_total = 0.0, 0
    for count, fp in ((cpus, CPU_FOOTPRINT), (gpus, GPU_FOOTPRINT)):
        rows, _, sd = _device_rows(count, fp, board_w)
        if rows < 0:
            return math.inf
        depth += rows * sd
        rows_total += rows
    return depth + max(rows_total - 1, 0) * SINK_GAP


def _max_fins(sink_w: float) -> int:
    """Fins no thicker than the gaps between them."""
    return int((sink_w + FIN_THICKNESS) // (2 * FIN_THICKNESS))


def server(origin: Sequence[float] = (0.0, 0.0, 0.0), *, height_u: int = 1, depth: float = 0.75,
           width: float = 0.45, cpus: int = 2, cpu_power: float = 350.0, gpus: int = 0,
           gpu_power: float = 700.0, heat_sink_fins: int = 8, board_power: float = 0.0,
           front: str = "y-", name: str = "server") -> list[dict]:
    """A 1U/2U/... air-cooled server as solid parts.

    The server's box is ``origin`` to ``origin + (width, depth, height_u * U)`` (m,
    U = 0.04445 m, z up). Inside it: an FR4 main board (a thin box near the
    bottom) carrying ``cpus`` CPU packages (silicon, 60 x 60 x 4 mm, ``cpu_power``
    W each) and then ``gpus`` GPU packages (silicon, 80 x 100 x 4 mm,
    ``gpu_power`` W each), in rows across the board with air gaps between them,
    each under an aluminium heat sink that reaches up to 3 mm below the server's
    top: a solid block when ``heat_sink_fins = 0``, else a base plate and that
    many fins (a ``repeat``) running along the airflow. ``board_power`` W (memory,
    regulators, drives, ...) is spread over the board. Air passes front to back:
    ``front = "y-"`` puts the CPUs nearest the low-y face, ``"y+"`` mirrors the
    server. There is no chassis: the server is open to the air around it.

    Parts (in order): ``{name}.board``, then per device ``{name}.cpu{j}`` (or
    ``gpu{j}``), ``{name}.cpu{j}.sink`` and, with fins, ``{name}.cpu{j}.fins``.
    """
    o = _point("origin", origin)
    height_u = _integer("height_u", height_u, 1, RACK_UNITS)
    width = _number("width", width, 0.1, 0.6, unit="m; 0.45 is a 19-inch server")
    depth = _number("depth", depth, 0.2, 1.2, unit="m")
    cpus = _integer("cpus", cpus, 0)
    gpus = _integer("gpus", gpus, 0)
    cpu_power = _number("cpu_power", cpu_power, 0.0, unit="W per CPU")
    gpu_power = _number("gpu_power", gpu_power, 0.0, unit="W per GPU")
    board_power = _number("board_power", board_power, 0.0, unit="W")
    front = _choice("front", front, ("y-", "y+"))
    name = _name("name", name)
    height = height_u * U
    bx0, bx1 = o[0] + BOARD_MARGIN, o[0] + width - BOARD_MARGIN
    by0, by1 = o[1] + BOARD_MARGIN, o[1] + depth - BOARD_MARGIN
    board_w, board_d = bx1 - bx0, by1 - by0
    if _rows_depth(cpus, 0, board_w) > board_d:
        most = max(n for n in range(cpus) if _rows_depth(n, 0, board_w) <= board_d)
        raise BuilderError("cpus", f"{cpus} CPUs do not fit on a {_g(width)} x {_g(depth)} m board",
                           f"an integer from 0 to {most} for this width and depth")
    if _rows_depth(cpus, gpus, board_w) > board_d:
        most = max(n for n in range(gpus) if _rows_depth(cpus, n, board_w) <= board_d)
        raise BuilderError("gpus", f"{gpus} GPUs do not fit on a {_g(width)} x {_g(depth)} m board "
                           f"beside {cpus} CPUs", f"an integer from 0 to {most} with {cpus} CPUs")
    z_board = o[2] + BOARD_STANDOFF
    z_pkg = z_board + BOARD_THICKNESS
    z_sink = z_pkg + PACKAGE_THICKNESS
    z_top = o[2] + height - SINK_CLEARANCE
    sink_widths = [_device_rows(n, fp, board_w)[1] for n, fp in ((cpus, CPU_FOOTPRINT),
                                                                 (gpus, GPU_FOOTPRINT)) if n]
    fins_max = _max_fins(min(sink_widths)) if sink_widths else _max_fins(CPU_FOOTPRINT[0])
    heat_sink_fins = _integer("heat_sink_fins", heat_sink_fins, 0, fins_max,
                              " (0 = a solid block)")

    parts = [_part(f"{name}.board", "fr4", [bx0, by0, z_board], [bx1, by1, z_pkg], board_power)]
    # the device rows, centred along the board's depth
    y = by0 + 0.5 * (board_d - _rows_depth(cpus, gpus, board_w))
    for kind, count, fp, power in (("cpu", cpus, CPU_FOOTPRINT, cpu_power),
                                   ("gpu", gpus, GPU_FOOTPRINT, gpu_power)):
        rows, sw, sd = _device_rows(count, fp, board_w)
        per_row = math.ceil(count / rows) if rows else 0
        j = 0
        for r in range(rows):
            in_row = min(per_row, count - j)
            for c in range(in_row):
                xc = bx0 + (c + 0.5) * board_w / in_row
                yc = y + 0.5 * sd
                dev = f"{name}.{kind}{j}"
                parts.append(_part(dev, "silicon", [xc - fp[0] / 2, yc - fp[1] / 2, z_pkg],
                                   [xc + fp[0] / 2, yc + fp[1] / 2, z_sink], power))
                sx0, sx1, sy0, sy1 = xc - sw / 2, xc + sw / 2, yc - sd / 2, yc + sd / 2
                if heat_sink_fins == 0:
                    parts.append(_part(f"{dev}.sink", "aluminium", [sx0, sy0, z_sink], [sx1, sy1, z_top]))
                else:
                    zb = z_sink + SINK_BASE
                    parts.append(_part(f"{dev}.sink", "aluminium", [sx0, sy0, z_sink], [sx1, sy1, zb]))
                    if heat_sink_fins == 1:
                        f0, pitch = xc - FIN_THICKNESS / 2, 0.0
                    else:
                        f0, pitch = sx0, (sw - FIN_THICKNESS) / (heat_sink_fins - 1)
                    parts.append(_part(f"{dev}.fins", "aluminium", [f0, sy0, zb],
                                       [f0 + FIN_THICKNESS, sy1, z_top],
                                       repeat=(heat_sink_fins, [pitch, 0.0, 0.0])))
                j += 1
            y += sd + SINK_GAP
    if front == "y+":
        parts = _mirror_y(parts, o[1], o[1] + depth)
    return parts


def _server_power(cpus: int, cpu_power: float, gpus: int, gpu_power: float) -> float:
    return cpus * cpu_power + gpus * gpu_power


# ----------------------------------------------------------------------------- rack


def rack(origin: Sequence[float] = (0.0, 0.0, 0.0), *, servers: int = RACK_UNITS, height_u: int = 1,
         power_per_server: float | None = None, width: float = 0.6, depth: float = 1.2,
         panel_thickness: float = 0.002, server_width: float = 0.45, server_depth: float = 0.75,
         cpus: int = 2, cpu_power: float = 350.0, gpus: int = 0, gpu_power: float = 700.0,
         heat_sink_fins: int = 8, blanking: bool = True, front: str = "y-",
         name: str = "rack") -> list[dict]:
    """A 42U rack of identical servers stacked in z from the rack's base.

    The rack's box is ``origin`` to ``origin + (width, depth, 42 U)`` (m; U = 0.04445 m,
    so 1.8669 m tall; z up). Its frame is two steel side panels
    (``panel_thickness`` thick, the full depth and height). Server k (k = 0 at
    the bottom) sits at z = origin z + k * height_u * U, centred across the rack
    and flush with its front (``front = "y-"``: the low-y face; ``"y+"`` turns
    the rack round), and is named ``{name}.server{k}`` (parts
    ``{name}.server{k}.cpu0`` and so on, see `server`). ``power_per_server`` (W)
    is each server's total heat: the CPUs and GPUs get ``cpu_power`` and
    ``gpu_power`` each and the rest goes into the board (memory, regulators,
    drives, fans); None means the devices only. With ``blanking``, a steel
    blanking panel closes the empty units above the servers at the front.

    Parts: ``{name}.side0`` (low x), ``{name}.side1`` (high x), the servers bottom
    to top, then ``{name}.blanking`` when there is one.
    """
    o = _point("origin", origin)
    height_u = _integer("height_u", height_u, 1, RACK_UNITS)
    most = RACK_UNITS // height_u
    servers = _integer("servers", servers, 0, most, f" ({RACK_UNITS}U / {height_u}U servers)")
    width = _number("width", width, 0.0, 2.0, lo_open=True, unit="m")
    depth = _number("depth", depth, 0.0, 3.0, lo_open=True, unit="m")
    panel_thickness = _number("panel_thickness", panel_thickness, 0.0, 0.05, lo_open=True, unit="m")
    server_width = _number("server_width", server_width, 0.1, 0.6, unit="m; 0.45 is a 19-inch server")
    server_depth = _number("server_depth", server_depth, 0.2, 1.2, unit="m")
    blanking = _boolean("blanking", blanking)
    front = _choice("front", front, ("y-", "y+"))
    name = _name("name", name)
    if width < server_width + 2 * panel_thickness:
        raise BuilderError("width", f"a {_g(width)} m rack cannot hold {_g(server_width)} m servers "
                           f"between its {_g(panel_thickness)} m panels",
                           f"a number >= server_width + 2 panel_thickness = "
                           f"{_g(server_width + 2 * panel_thickness)} (m)")
    if depth < server_depth:
        raise BuilderError("depth", f"a {_g(depth)} m deep rack cannot hold {_g(server_depth)} m "
                           "deep servers", f"a number >= server_depth = {_g(server_depth)} (m)")
    # the server options are checked by server() itself; check the power split first
    options = dict(height_u=height_u, depth=server_depth, width=server_width, cpus=cpus,
                   cpu_power=cpu_power, gpus=gpus, gpu_power=gpu_power,
                   heat_sink_fins=heat_sink_fins)
    board_power = 0.0
    template = server([0.0, 0.0, 0.0], **options)  # validates the server options
    if power_per_server is not None:
        devices = _server_power(cpus, cpu_power, gpus, gpu_power)
        power_per_server = _number("power_per_server", power_per_server, devices,
                                   unit=f"W; at least the {cpus} CPUs' and {gpus} GPUs' "
                                        f"{_g(devices)} W, the rest goes into the board")
        board_power = power_per_server - devices
    del template
    height = RACK_UNITS * U
    t = panel_thickness
    parts = [_part(f"{name}.side0", "steel", [o[0], o[1], o[2]], [o[0] + t, o[1] + depth, o[2] + height]),
             _part(f"{name}.side1", "steel", [o[0] + width - t, o[1], o[2]],
                   [o[0] + width, o[1] + depth, o[2] + height])]
    sx = o[0] + 0.5 * (width - server_width)
    for k in range(servers):
        parts += server([sx, o[1], o[2] + k * height_u * U], board_power=board_power,
                        name=f"{name}.server{k}", **options)
    top = o[2] + servers * height_u * U
    if blanking and servers < most:
        parts.append(_part(f"{name}.blanking", "steel", [o[0] + t, o[1], top],
                           [o[0] + width - t, o[1] + t, o[2] + height]))
    if front == "y+":
        parts = _mirror_y(parts, o[1], o[1] + depth)
    return parts


# ----------------------------------------------------------------------------- aisle


def aisle_row(origin: Sequence[float] = (0.0, 0.0, 0.0), *, racks: int = 4, aisle: str = "cold",
              containment: bool = True, aisle_width: float = 1.2, wall_thickness: float = 0.002,
              servers: int = RACK_UNITS, height_u: int = 1, power_per_server: float | None = None,
              rack_width: float = 0.6, rack_depth: float = 1.2, cpus: int = 2,
              cpu_power: float = 350.0, gpus: int = 0, gpu_power: float = 700.0,
              heat_sink_fins: int = 8, name: str = "row") -> list[dict]:
    """A row of ``racks`` racks side by side along x, with the aisle in front of them.

    The aisle spans y = origin y to origin y + ``aisle_width`` and the racks
    stand behind it, rack r at x = origin x + r * ``rack_width`` (m, z up). In a
    ``"cold"`` aisle the racks face the aisle (air enters from it, at their low-y
    faces); in a ``"hot"`` aisle they turn their backs to it (they exhaust into
    it). With ``containment``, the aisle is closed by a steel roof at the racks'
    top (42 U = 1.8669 m, ``wall_thickness`` thick, over the aisle and the row's
    full length) and a steel door at each end of the row; its far side
    (y = origin y) is left open, for a domain face (a symmetry plane between two
    rows, or a supply or return face). The row's box is ``origin`` to
    ``origin + (racks * rack_width, aisle_width + rack_depth, 42 U + wall_thickness)``.
    ``servers``, ``height_u``, ``power_per_server`` (W) and the server options
    (``cpus``, ``cpu_power`` W, ...) apply to every rack, as in `rack`.

    Parts: ``{name}.rack{r}.*`` (see `rack`), then ``{name}.roof``,
    ``{name}.door0`` (low x) and ``{name}.door1`` (high x).
    """
    o = _point("origin", origin)
    racks = _integer("racks", racks, 1, 100)
    aisle = _choice("aisle", aisle, ("cold", "hot"))
    containment = _boolean("containment", containment)
    aisle_width = _number("aisle_width", aisle_width, 0.0, 10.0, lo_open=True, unit="m")
    wall_thickness = _number("wall_thickness", wall_thickness, 0.0, 0.05, lo_open=True, unit="m")
    rack_width = _number("rack_width", rack_width, 0.0, 2.0, lo_open=True, unit="m")
    name = _name("name", name)
    if 2 * wall_thickness >= racks * rack_width:
        raise BuilderError("wall_thickness", f"{_g(wall_thickness)} m doors do not fit a "
                           f"{_g(racks * rack_width)} m row", f"a number < {_g(racks * rack_width / 2)} (m)")
    front = "y-" if aisle == "cold" else "y+"
    parts: list[dict] = []
    for r in range(racks):
        parts += rack([o[0] + r * rack_width, o[1] + aisle_width, o[2]], servers=servers,
                      height_u=height_u, power_per_server=power_per_server, width=rack_width,
                      depth=rack_depth, cpus=cpus, cpu_power=cpu_power, gpus=gpus,
                      gpu_power=gpu_power, heat_sink_fins=heat_sink_fins, front=front,
                      name=f"{name}.rack{r}")
    if containment:
        length, height = racks * rack_width, RACK_UNITS * U
        t = wall_thickness
        parts += [
            _part(f"{name}.roof", "steel", [o[0], o[1], o[2] + height],
                  [o[0] + length, o[1] + aisle_width, o[2] + height + t]),
            _part(f"{name}.door0", "steel", [o[0], o[1], o[2]],
                  [o[0] + t, o[1] + aisle_width, o[2] + height]),
            _part(f"{name}.door1", "steel", [o[0] + length - t, o[1], o[2]],
                  [o[0] + length, o[1] + aisle_width, o[2] + height]),
        ]
    return parts


# ----------------------------------------------------------------------------- immersion


def tank_interior(origin: Sequence[float] = (0.0, 0.0, 0.0), size: Sequence[float] = (0.6, 0.7, 0.6),
                  wall: float = 0.005, floor: bool = True) -> tuple[list[float], list[float]]:
    """The (min, max) corners (m) of an immersion tank's fluid space, open at the top."""
    o, s = [float(v) for v in origin], [float(v) for v in size]
    lo = [o[0] + wall, o[1] + wall, o[2] + (wall if floor else 0.0)]
    hi = [o[0] + s[0] - wall, o[1] + s[1] - wall, o[2] + s[2]]
    return lo, hi


def immersion_tank(origin: Sequence[float] = (0.0, 0.0, 0.0), *, blades: int = 8,
                   blade_power: float = 500.0, chips_per_blade: int = 2,
                   fluid: str = "mineral-oil", size: Sequence[float] = (0.6, 0.7, 0.6),
                   wall: float = 0.005, blade_height: float = 0.4, blade_depth: float = 0.5,
                   floor: bool = True, name: str = "tank") -> list[dict]:
    """A single-phase immersion tank: steel walls and ``blades`` vertical server blades.

    The tank's box is ``origin`` to ``origin + size`` (m, z up), open at the top:
    four steel walls ``wall`` thick and, with ``floor``, a steel floor (without
    one, the bottom is left open, e.g. for a distribution plenum modelled as an
    inlet face). The blades are FR4 boards 1.6 mm thick standing on edge in
    y-z planes (a flat board turned 90 degrees about y with ``rotate``, so the
    board's through-plane direction is x), ``blade_depth`` along y and
    ``blade_height`` tall, 30 mm off the floor, spread evenly along x and centred
    in y. Each carries ``chips_per_blade`` silicon chips (40 x 40 x 3 mm, in a
    column on its +x face) sharing ``blade_power`` W. ``fluid`` names the
    coolant the tank is filled with (the case's ``[fluid]`` material); the
    parts are solids only.

    Parts: ``{name}.wall0`` .. ``{name}.wall3`` (x-low, x-high, y-low, y-high),
    ``{name}.floor`` when there is one, ``{name}.blade`` (one part with a repeat
    along x: instances ``{name}.blade[k]``) and ``{name}.chip{j}`` (likewise:
    ``{name}.chip{j}[k]`` is chip j of blade k).
    """
    o = _point("origin", origin)
    s = _point("size", size)
    if min(s) <= 0.0:
        raise BuilderError("size", f"{s} has a size <= 0", "3 numbers > 0 (m): x, y, z")
    fluid = _name("fluid", fluid)
    liquids = sorted(n for n, m in LIBRARY.items() if m.is_fluid)
    if fluid in LIBRARY and not LIBRARY[fluid].is_fluid:
        raise BuilderError("fluid", f"{fluid!r} is a solid", "a fluid: " + ", ".join(liquids)
                           + ", or a [[materials]] fluid of the case")
    wall = _number("wall", wall, 0.0, min(s) / 4, lo_open=True, unit="m")
    floor = _boolean("floor", floor)
    name = _name("name", name)
    lo, hi = tank_interior(o, s, wall, floor)
    inner = [hi[a] - lo[a] for a in range(3)]
    blade_depth = _number("blade_depth", blade_depth, 0.0, inner[1] - 2 * BLADE_CLEARANCE,
                          lo_open=True, unit=f"m, in a tank {_g(inner[1])} m wide inside")
    blade_height = _number("blade_height", blade_height, 0.0, inner[2] - 2 * BLADE_CLEARANCE,
                           lo_open=True, unit=f"m, in a tank {_g(inner[2])} m deep inside")
    min_pitch = BLADE_THICKNESS + CHIP_THICKNESS + BLADE_MIN_GAP
    most = int((inner[0] - 2 * BLADE_CLEARANCE) // min_pitch)
    blades = _integer("blades", blades, 1, most, f" in a tank {_g(inner[0])} m long inside "
                      f"(blades at least {_g(min_pitch)} m apart)")
    blade_power = _number("blade_power", blade_power, 0.0, unit="W per blade")
    chips_most = max(1, int((blade_height - BLADE_MIN_GAP) // (CHIP_SIZE + BLADE_MIN_GAP)))
    if CHIP_SIZE > min(blade_height, blade_depth):
        raise BuilderError("blade_height" if blade_height < CHIP_SIZE else "blade_depth",
                           f"a blade smaller than a {_g(CHIP_SIZE)} m chip",
                           f"a number >= {_g(CHIP_SIZE)} (m)")
    chips_per_blade = _integer("chips_per_blade", chips_per_blade, 1, chips_most,
                               f" on a {_g(blade_height)} m tall blade")
    parts = [
        _part(f"{name}.wall0", "steel", [o[0], o[1], o[2]], [o[0] + wall, o[1] + s[1], o[2] + s[2]]),
        _part(f"{name}.wall1", "steel", [o[0] + s[0] - wall, o[1], o[2]],
              [o[0] + s[0], o[1] + s[1], o[2] + s[2]]),
        _part(f"{name}.wall2", "steel", [o[0] + wall, o[1], o[2]],
              [o[0] + s[0] - wall, o[1] + wall, o[2] + s[2]]),
        _part(f"{name}.wall3", "steel", [o[0] + wall, o[1] + s[1] - wall, o[2]],
              [o[0] + s[0] - wall, o[1] + s[1], o[2] + s[2]]),
    ]
    if floor:
        parts.append(_part(f"{name}.floor", "steel", [lo[0], lo[1], o[2]], [hi[0], hi[1], lo[2]]))
    span = inner[0] - 2 * BLADE_CLEARANCE
    pitch = span / blades
    xc = lo[0] + BLADE_CLEARANCE + 0.5 * pitch - 0.5 * CHIP_THICKNESS  # blade and chips centred
    yc = 0.5 * (lo[1] + hi[1])
    z0 = lo[2] + BLADE_CLEARANCE
    zc = z0 + 0.5 * blade_height
    # a flat board (through-plane z) turned 90 degrees about y about its centre: its x
    # extent (blade_height) becomes z and its z extent (the thickness) becomes x
    parts.append(_part(f"{name}.blade", "fr4",
                       [xc - blade_height / 2, yc - blade_depth / 2, zc - BLADE_THICKNESS / 2],
                       [xc + blade_height / 2, yc + blade_depth / 2, zc + BLADE_THICKNESS / 2],
                       repeat=(blades, [pitch, 0.0, 0.0]), rotate=90, axis="y"))
    cx = xc + BLADE_THICKNESS / 2
    for j in range(chips_per_blade):
        cz = z0 + (j + 0.5) * blade_height / chips_per_blade
        parts.append(_part(f"{name}.chip{j}", "silicon",
                           [cx, yc - CHIP_SIZE / 2, cz - CHIP_SIZE / 2],
                           [cx + CHIP_THICKNESS, yc + CHIP_SIZE / 2, cz + CHIP_SIZE / 2],
                           blade_power / chips_per_blade, repeat=(blades, [pitch, 0.0, 0.0])))
    return parts


# ----------------------------------------------------------------------------- registry


BUILDERS: dict[str, Callable[..., list[dict]]] = {
    "rack": rack,
    "server": server,
    "aisle_row": aisle_row,
    "immersion_tank": immersion_tank,
}


# ----------------------------------------------------------------------------- cases


def rack_case(*, servers: int = 40, power_per_server: float = 1400.0,
              cells: Sequence[int] = (12, 44, 48), supply_temperature: float = 22.0,
              delta_t: float = 12.0, front: float = 0.5, back: float = 0.5, top: float = 6 * U,
              name: str = "rack-air", solver: dict | None = None, **rack_options: Any) -> dict:
    """A complete case dict: one air-cooled rack (the `rack` builder, through a
    ``[geometry]`` section) in a duct-like domain.

    The domain is the rack's width (its side panels lie on the x walls),
    ``front`` m of cold aisle in front of the rack, the rack's depth, ``back`` m
    behind it, and the rack's height plus ``top`` m (z up). Air at
    ``supply_temperature`` C enters through the y- face over the rack's front
    (the rest of that face is a wall), at the volume flow (m3/s) that carries
    the IT load away at a ``delta_t`` K rise, and leaves through the whole y+
    face. Other keyword arguments go to `rack` (e.g. ``cpus``, ``heat_sink_fins``).
    """
    _number("delta_t", delta_t, 0.0, lo_open=True, unit="K")
    for key, v in (("front", front), ("back", back), ("top", top)):
        _number(key, v, 0.0, unit="m")
    width = _number("width", rack_options.get("width", 0.6), 0.0, lo_open=True, unit="m")
    depth = _number("depth", rack_options.get("depth", 1.2), 0.0, lo_open=True, unit="m")
    parameters = {"origin": [0.0, float(front), 0.0], "servers": servers,
                  "power_per_server": power_per_server, **rack_options}
    parameters = {k: v for k, v in parameters.items() if v is not None}
    power = total_power(rack(**parameters))
    height = RACK_UNITS * U
    flow = volume_flow_for(power, delta_t, "air", supply_temperature)
    return {
        "case": {"name": name,
                 "description": f"one 42U rack, {servers} servers, {power / 1000:.4g} kW, air "
                                f"supplied at {supply_temperature:g} C for a {delta_t:g} K rise"},
        "domain": {"size": [width, front + depth + back, height + top], "cells": list(cells)},
        "fluid": {"material": "air", "reference_temperature": supply_temperature},
        "geometry": {"builder": "rack", "parameters": parameters},
        "boundaries": [
            {"name": "supply", "face": "y-", "flow": "inlet",
             "region": {"min": [0.0, 0.0], "max": [width, height]},
             "volume_flow": flow, "temperature": supply_temperature},
            {"name": "exhaust", "face": "y+", "flow": "outlet"},
        ],
        "physics": {"buoyancy": True},
        "solver": dict(solver) if solver is not None else
        {"mode": "steady", "max_steps": 1500, "tolerance": 1e-4, "cfl": 0.5},
    }


def immersion_case(*, blades: int = 8, blade_power: float = 500.0, fluid: str = "mineral-oil",
                   cells: Sequence[int] = (24, 28, 24), supply_temperature: float = 35.0,
                   delta_t: float = 10.0, name: str = "immersion-tank", solver: dict | None = None,
                   **tank_options: Any) -> dict:
    """A complete case dict: one immersion tank (the `immersion_tank` builder, with no
    floor) filling the domain.

    The coolant (a library fluid) enters through the open bottom (the z- face
    inside the walls, a distribution plate) at ``supply_temperature`` C and at
    the volume flow that carries the blades' heat away at a ``delta_t`` K rise,
    and leaves through the open top (the z+ face inside the walls). Other keyword
    arguments go to `immersion_tank` (``size``, ``wall``, ``blade_height``, ...).
    The oil starts at the outlet temperature (``supply_temperature + delta_t``):
    the steady iteration must march through the tank's thermal time (volume over
    flow), and a start near the answer closes the energy balance within a few of
    those (see ``thermo/cases/immersion-tank.toml``).
    """
    _number("delta_t", delta_t, 0.0, lo_open=True, unit="K")
    parameters = {"blades": blades, "blade_power": blade_power, "fluid": fluid, "floor": False,
                  **tank_options}
    parts = immersion_tank(**parameters)
    size = _point("size", tank_options.get("size", (0.6, 0.7, 0.6)))
    wall = float(tank_options.get("wall", 0.005))
    lo, hi = tank_interior((0.0, 0.0, 0.0), size, wall, floor=False)
    flow = volume_flow_for(total_power(parts), delta_t, fluid, supply_temperature)
    inside = {"min": [lo[0], lo[1]], "max": [hi[0], hi[1]]}
    return {
        "case": {"name": name, "description": f"immersion tank, {blades} blades x {blade_power:g} W "
                                              f"in {fluid} supplied at {supply_temperature:g} C"},
        "domain": {"size": list(size), "cells": list(cells)},
        "fluid": {"material": fluid, "reference_temperature": supply_temperature,
                  "initial_temperature": supply_temperature + delta_t},
        "geometry": {"builder": "immersion_tank", "parameters": parameters},
        "boundaries": [
            {"name": "supply", "face": "z-", "flow": "inlet", "region": inside,
             "volume_flow": flow, "temperature": supply_temperature},
            {"name": "return", "face": "z+", "flow": "outlet", "region": inside},
        ],
        "physics": {"buoyancy": True},
        "solver": dict(solver) if solver is not None else
        {"mode": "steady", "max_steps": 6000, "tolerance": 1e-5, "cfl": 0.5},
    }
