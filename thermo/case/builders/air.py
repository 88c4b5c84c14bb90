"""Air-cooled IT as solid parts: a server, a 42U rack of servers, a row of racks
along a (contained) hot or cold aisle.

The builders `server`, `rack` and `aisle_row` follow the conventions of
:mod:`thermo.case.builders` (SI units, z up, air from y- to y+ by default,
``origin`` the minimum corner, dotted part names); the constants below are the
sizes of what they draw (m).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

from thermo.case.builders.checks import (BuilderError, check_boolean, check_choice, check_integer,
                                         check_name, check_number, check_point, number_text)
from thermo.case.builders.parts import mirror_y, solid_box

__all__ = ["RACK_UNITS", "U", "aisle_row", "rack", "server"]

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
    o = check_point("origin", origin)
    height_u = check_integer("height_u", height_u, 1, RACK_UNITS)
    width = check_number("width", width, 0.1, 0.6, unit="m; 0.45 is a 19-inch server")
    depth = check_number("depth", depth, 0.2, 1.2, unit="m")
    cpus = check_integer("cpus", cpus, 0)
    gpus = check_integer("gpus", gpus, 0)
    cpu_power = check_number("cpu_power", cpu_power, 0.0, unit="W per CPU")
    gpu_power = check_number("gpu_power", gpu_power, 0.0, unit="W per GPU")
    board_power = check_number("board_power", board_power, 0.0, unit="W")
    front = check_choice("front", front, ("y-", "y+"))
    name = check_name("name", name)
    height = height_u * U
    bx0, bx1 = o[0] + BOARD_MARGIN, o[0] + width - BOARD_MARGIN
    by0, by1 = o[1] + BOARD_MARGIN, o[1] + depth - BOARD_MARGIN
    board_w, board_d = bx1 - bx0, by1 - by0
    if _rows_depth(cpus, 0, board_w) > board_d:
        most = max(n for n in range(cpus) if _rows_depth(n, 0, board_w) <= board_d)
        raise BuilderError("cpus", f"{cpus} CPUs do not fit on a {number_text(width)} x {number_text(depth)} m board",
                           f"an integer from 0 to {most} for this width and depth")
    if _rows_depth(cpus, gpus, board_w) > board_d:
        most = max(n for n in range(gpus) if _rows_depth(cpus, n, board_w) <= board_d)
        raise BuilderError("gpus", f"{gpus} GPUs do not fit on a {number_text(width)} x {number_text(depth)} m board "
                           f"beside {cpus} CPUs", f"an integer from 0 to {most} with {cpus} CPUs")
    z_board = o[2] + BOARD_STANDOFF
    z_pkg = z_board + BOARD_THICKNESS
    z_sink = z_pkg + PACKAGE_THICKNESS
    z_top = o[2] + height - SINK_CLEARANCE
    sink_widths = [_device_rows(n, fp, board_w)[1] for n, fp in ((cpus, CPU_FOOTPRINT),
                                                                 (gpus, GPU_FOOTPRINT)) if n]
    fins_max = _max_fins(min(sink_widths)) if sink_widths else _max_fins(CPU_FOOTPRINT[0])
    heat_sink_fins = check_integer("heat_sink_fins", heat_sink_fins, 0, fins_max,
                              " (0 = a solid block)")

    parts = [solid_box(f"{name}.board", "fr4", [bx0, by0, z_board], [bx1, by1, z_pkg], board_power)]
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
                parts.append(solid_box(dev, "silicon", [xc - fp[0] / 2, yc - fp[1] / 2, z_pkg],
                                   [xc + fp[0] / 2, yc + fp[1] / 2, z_sink], power))
                sx0, sx1, sy0, sy1 = xc - sw / 2, xc + sw / 2, yc - sd / 2, yc + sd / 2
                if heat_sink_fins == 0:
                    parts.append(solid_box(f"{dev}.sink", "aluminium", [sx0, sy0, z_sink], [sx1, sy1, z_top]))
                else:
                    zb = z_sink + SINK_BASE
                    parts.append(solid_box(f"{dev}.sink", "aluminium", [sx0, sy0, z_sink], [sx1, sy1, zb]))
                    if heat_sink_fins == 1:
                        f0, pitch = xc - FIN_THICKNESS / 2, 0.0
                    else:
                        f0, pitch = sx0, (sw - FIN_THICKNESS) / (heat_sink_fins - 1)
                    parts.append(solid_box(f"{dev}.fins", "aluminium", [f0, sy0, zb],
                                       [f0 + FIN_THICKNESS, sy1, z_top],
                                       repeat=(heat_sink_fins, [pitch, 0.0, 0.0])))
                j += 1
            y += sd + SINK_GAP
    if front == "y+":
        parts = mirror_y(parts, o[1], o[1] + depth)
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
    o = check_point("origin", origin)
    height_u = check_integer("height_u", height_u, 1, RACK_UNITS)
    most = RACK_UNITS // height_u
    servers = check_integer("servers", servers, 0, most, f" ({RACK_UNITS}U / {height_u}U servers)")
    width = check_number("width", width, 0.0, 2.0, lo_open=True, unit="m")
    depth = check_number("depth", depth, 0.0, 3.0, lo_open=True, unit="m")
    panel_thickness = check_number("panel_thickness", panel_thickness, 0.0, 0.05, lo_open=True, unit="m")
    server_width = check_number("server_width", server_width, 0.1, 0.6, unit="m; 0.45 is a 19-inch server")
    server_depth = check_number("server_depth", server_depth, 0.2, 1.2, unit="m")
    blanking = check_boolean("blanking", blanking)
    front = check_choice("front", front, ("y-", "y+"))
    name = check_name("name", name)
    if width < server_width + 2 * panel_thickness:
        raise BuilderError("width", f"a {number_text(width)} m rack cannot hold {number_text(server_width)} m servers "
                           f"between its {number_text(panel_thickness)} m panels",
                           f"a number >= server_width + 2 panel_thickness = "
                           f"{number_text(server_width + 2 * panel_thickness)} (m)")
    if depth < server_depth:
        raise BuilderError("depth", f"a {number_text(depth)} m deep rack cannot hold {number_text(server_depth)} m "
                           "deep servers", f"a number >= server_depth = {number_text(server_depth)} (m)")
    # the server options are checked by server() itself; check the power split first
    options = dict(height_u=height_u, depth=server_depth, width=server_width, cpus=cpus,
                   cpu_power=cpu_power, gpus=gpus, gpu_power=gpu_power,
                   heat_sink_fins=heat_sink_fins)
    board_power = 0.0
    template = server([0.0, 0.0, 0.0], **options)  # validates the server options
    if power_per_server is not None:
        devices = _server_power(cpus, cpu_power, gpus, gpu_power)
        power_per_server = check_number("power_per_server", power_per_server, devices,
                                   unit=f"W; at least the {cpus} CPUs' and {gpus} GPUs' "
                                        f"{number_text(devices)} W, the rest goes into the board")
        board_power = power_per_server - devices
    del template
    height = RACK_UNITS * U
    t = panel_thickness
    parts = [solid_box(f"{name}.side0", "steel", [o[0], o[1], o[2]], [o[0] + t, o[1] + depth, o[2] + height]),
             solid_box(f"{name}.side1", "steel", [o[0] + width - t, o[1], o[2]],
                   [o[0] + width, o[1] + depth, o[2] + height])]
    sx = o[0] + 0.5 * (width - server_width)
    for k in range(servers):
        parts += server([sx, o[1], o[2] + k * height_u * U], board_power=board_power,
                        name=f"{name}.server{k}", **options)
    top = o[2] + servers * height_u * U
    if blanking and servers < most:
        parts.append(solid_box(f"{name}.blanking", "steel", [o[0] + t, o[1], top],
                           [o[0] + width - t, o[1] + t, o[2] + height]))
    if front == "y+":
        parts = mirror_y(parts, o[1], o[1] + depth)
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
    o = check_point("origin", origin)
    racks = check_integer("racks", racks, 1, 100)
    aisle = check_choice("aisle", aisle, ("cold", "hot"))
    containment = check_boolean("containment", containment)
    aisle_width = check_number("aisle_width", aisle_width, 0.0, 10.0, lo_open=True, unit="m")
    wall_thickness = check_number("wall_thickness", wall_thickness, 0.0, 0.05, lo_open=True, unit="m")
    rack_width = check_number("rack_width", rack_width, 0.0, 2.0, lo_open=True, unit="m")
    # checked here, under its own name: `rack` would name it `depth`
    rack_depth = check_number("rack_depth", rack_depth, 0.0, 3.0, lo_open=True, unit="m")
    name = check_name("name", name)
    if 2 * wall_thickness >= racks * rack_width:
        raise BuilderError("wall_thickness", f"{number_text(wall_thickness)} m doors do not fit a "
                           f"{number_text(racks * rack_width)} m row", f"a number < {number_text(racks * rack_width / 2)} (m)")
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
            solid_box(f"{name}.roof", "steel", [o[0], o[1], o[2] + height],
                  [o[0] + length, o[1] + aisle_width, o[2] + height + t]),
            solid_box(f"{name}.door0", "steel", [o[0], o[1], o[2]],
                  [o[0] + t, o[1] + aisle_width, o[2] + height]),
            solid_box(f"{name}.door1", "steel", [o[0] + length - t, o[1], o[2]],
                  [o[0] + length, o[1] + aisle_width, o[2] + height]),
        ]
    return parts

