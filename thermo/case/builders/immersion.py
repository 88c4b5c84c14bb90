"""Single-phase immersion as solid parts: a tank with steel walls and vertical
server blades carrying chips, and the fluid space inside its walls.

`immersion_tank` follows the conventions of :mod:`thermo.case.builders`; the
constants below are the sizes of the blades and chips it draws (m).
"""
from __future__ import annotations

from collections.abc import Sequence

from thermo.case.builders.checks import (BuilderError, check_boolean, check_integer, check_name,
                                         check_number, check_point, number_text)
from thermo.case.builders.parts import solid_box
from thermo.case.materials import LIBRARY

__all__ = ["immersion_tank", "tank_interior"]

# immersion blades (m)
BLADE_THICKNESS = 0.0016      # FR4 board standing on edge
CHIP_SIZE = 0.04              # square chip, y and z
CHIP_THICKNESS = 0.003        # along x, off the blade's +x face
BLADE_MIN_GAP = 0.01          # minimum fluid gap between a chip and the next blade
BLADE_CLEARANCE = 0.03        # blades stand this far off the floor and the walls, and below the top
# a chip's plate-fin heat sink (with heat_sink_fins > 0): an aluminium sink on the chip,
# its fins standing off the blade (x) with vertical channels (z), as immersion-rated GPU
# sinks are built so that the oil rises through them
SINK_SIZE = 0.08              # m: the base, y and z (capped by the blade and the chip pitch)
SINK_FIN_THICKNESS = 0.0008   # m
SINK_MATERIAL = "aluminium"
# a ducted blade (ducted = true): steel sheet walls close each blade's column of sinks into
# a channel over the blade's height (a back plate in the chips' layer, cut out for the
# chips, two side walls along the sinks' edges and a cover on the fins' tips), and a steel
# baffle plate at the blades' bottom edge seals the tank's cross-section but for the
# channels' mouths: the inlet manifold's flow all passes through the fins. The back plate
# is the channel's wall where a grid coarser than the 1.6 mm board does not draw the board.
SHROUD_THICKNESS = 0.004      # m: the channel's side walls and cover
BAFFLE_THICKNESS = 0.005      # m: the plate under the blades
SHROUD_MATERIAL = "steel"


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
                   floor: bool = True, heat_sink_fins: int = 0, heat_sink_height: float = 0.03,
                   ducted: bool = False, name: str = "tank") -> list[dict]:
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

    With ``heat_sink_fins`` > 0 each chip carries a plate-fin heat sink (``kind =
    "heat_sink"``, :mod:`thermo.models.heatsink`): an aluminium box ``heat_sink_height``
    (m) off the chip along x, ``SINK_SIZE`` square in y and z (less where the blade or
    the chips' pitch is smaller), with that many 0.8 mm fins and vertical channels.
    The chip's power then goes to its sink (``{name}.sink{j}``, copies as the chips'),
    the chip part keeps none, and summary.json's ``heat_sinks`` gives each sink's base
    temperature: the chip's case temperature, which a bare sub-grid chip cannot report.

    With ``ducted`` (and sinks) each blade's column of sinks is a shrouded steel channel
    over the blade's height: ``{name}.duct_back`` (the sinks' width in the chips' 3 mm
    layer on the board, cut out for the chips), ``{name}.duct_side0``/``duct_side1``
    (``SHROUD_THICKNESS``, along the sinks' y edges from the board to the cover) and
    ``{name}.duct_cover`` (on the fins' tips); and a steel baffle plate
    ``BAFFLE_THICKNESS`` thick under the blades' bottom edge with an opening at each
    channel's mouth (``{name}.baffle_*``): the oil from below can only rise through the
    fins.
    """
    o = check_point("origin", origin)
    s = check_point("size", size)
    if min(s) <= 0.0:
        raise BuilderError("size", f"{s} has a size <= 0", "3 numbers > 0 (m): x, y, z")
    fluid = check_name("fluid", fluid)
    liquids = sorted(n for n, m in LIBRARY.items() if m.is_fluid)
    if fluid in LIBRARY and not LIBRARY[fluid].is_fluid:
        raise BuilderError("fluid", f"{fluid!r} is a solid", "a fluid: " + ", ".join(liquids)
                           + ", or a [[materials]] fluid of the case")
    wall = check_number("wall", wall, 0.0, min(s) / 4, lo_open=True, unit="m")
    floor = check_boolean("floor", floor)
    name = check_name("name", name)
    lo, hi = tank_interior(o, s, wall, floor)
    inner = [hi[a] - lo[a] for a in range(3)]
    blade_depth = check_number("blade_depth", blade_depth, 0.0, inner[1] - 2 * BLADE_CLEARANCE,
                          lo_open=True, unit=f"m, in a tank {number_text(inner[1])} m wide inside")
    blade_height = check_number("blade_height", blade_height, 0.0, inner[2] - 2 * BLADE_CLEARANCE,
                           lo_open=True, unit=f"m, in a tank {number_text(inner[2])} m deep inside")
    min_pitch = BLADE_THICKNESS + CHIP_THICKNESS + BLADE_MIN_GAP
    most = int((inner[0] - 2 * BLADE_CLEARANCE) // min_pitch)
    blades = check_integer("blades", blades, 1, most, f" in a tank {number_text(inner[0])} m long inside "
                      f"(blades at least {number_text(min_pitch)} m apart)")
    blade_power = check_number("blade_power", blade_power, 0.0, unit="W per blade")
    chips_most = max(1, int((blade_height - BLADE_MIN_GAP) // (CHIP_SIZE + BLADE_MIN_GAP)))
    if CHIP_SIZE > min(blade_height, blade_depth):
        raise BuilderError("blade_height" if blade_height < CHIP_SIZE else "blade_depth",
                           f"a blade smaller than a {number_text(CHIP_SIZE)} m chip",
                           f"a number >= {number_text(CHIP_SIZE)} (m)")
    chips_per_blade = check_integer("chips_per_blade", chips_per_blade, 1, chips_most,
                               f" on a {number_text(blade_height)} m tall blade")
    heat_sink_fins = check_integer("heat_sink_fins", heat_sink_fins, 0, 200, "")
    heat_sink_height = check_number("heat_sink_height", heat_sink_height, 0.0, lo_open=True,
                                    unit="m")
    ducted = check_boolean("ducted", ducted)
    if ducted and not heat_sink_fins:
        raise BuilderError("ducted", "true without heat sinks (heat_sink_fins = 0)",
                           "false, or true with heat_sink_fins >= 2 (the channel is the sinks' shroud)")
    parts = [
        solid_box(f"{name}.wall0", "steel", [o[0], o[1], o[2]], [o[0] + wall, o[1] + s[1], o[2] + s[2]]),
        solid_box(f"{name}.wall1", "steel", [o[0] + s[0] - wall, o[1], o[2]],
              [o[0] + s[0], o[1] + s[1], o[2] + s[2]]),
        solid_box(f"{name}.wall2", "steel", [o[0] + wall, o[1], o[2]],
              [o[0] + s[0] - wall, o[1] + wall, o[2] + s[2]]),
        solid_box(f"{name}.wall3", "steel", [o[0] + wall, o[1] + s[1] - wall, o[2]],
              [o[0] + s[0] - wall, o[1] + s[1], o[2] + s[2]]),
    ]
    if floor:
        parts.append(solid_box(f"{name}.floor", "steel", [lo[0], lo[1], o[2]], [hi[0], hi[1], lo[2]]))
    span = inner[0] - 2 * BLADE_CLEARANCE
    pitch = span / blades
    xc = lo[0] + BLADE_CLEARANCE + 0.5 * pitch - 0.5 * CHIP_THICKNESS  # blade and chips centred
    yc = 0.5 * (lo[1] + hi[1])
    z0 = lo[2] + BLADE_CLEARANCE
    zc = z0 + 0.5 * blade_height
    # a flat board (through-plane z) turned 90 degrees about y about its centre: its x
    # extent (blade_height) becomes z and its z extent (the thickness) becomes x
    parts.append(solid_box(f"{name}.blade", "fr4",
                       [xc - blade_height / 2, yc - blade_depth / 2, zc - BLADE_THICKNESS / 2],
                       [xc + blade_height / 2, yc + blade_depth / 2, zc + BLADE_THICKNESS / 2],
                       repeat=(blades, [pitch, 0.0, 0.0]), rotate=90, axis="y"))
    cx = xc + BLADE_THICKNESS / 2
    if heat_sink_fins:
        room = pitch - BLADE_THICKNESS - CHIP_THICKNESS - BLADE_MIN_GAP
        heat_sink_height = check_number("heat_sink_height", heat_sink_height, 0.0, room,
                                        lo_open=True, unit=f"m, with blades {number_text(pitch)} "
                                        "m apart")
        sink_y = min(SINK_SIZE, blade_depth)
        sink_z = min(SINK_SIZE, blade_height / chips_per_blade - BLADE_MIN_GAP)
        most_fins = int(sink_y / (2 * SINK_FIN_THICKNESS))
        if heat_sink_fins < 2 or heat_sink_fins > most_fins:
            raise BuilderError("heat_sink_fins", f"{heat_sink_fins} fins of "
                               f"{number_text(SINK_FIN_THICKNESS)} m on a {number_text(sink_y)} m "
                               "wide sink", f"0 (no sinks) or an integer from 2 to {most_fins}")
    repeat = (blades, [pitch, 0.0, 0.0])
    if ducted:
        # the channel's back, in the chips' layer (the chips, drawn after it, own theirs)
        parts.append(solid_box(f"{name}.duct_back", SHROUD_MATERIAL,
                               [cx, yc - sink_y / 2, z0],
                               [cx + CHIP_THICKNESS, yc + sink_y / 2, z0 + blade_height],
                               repeat=repeat))
    for j in range(chips_per_blade):
        cz = z0 + (j + 0.5) * blade_height / chips_per_blade
        power = blade_power / chips_per_blade
        parts.append(solid_box(f"{name}.chip{j}", "silicon",
                           [cx, yc - CHIP_SIZE / 2, cz - CHIP_SIZE / 2],
                           [cx + CHIP_THICKNESS, yc + CHIP_SIZE / 2, cz + CHIP_SIZE / 2],
                           0.0 if heat_sink_fins else power, repeat=repeat))
        if heat_sink_fins:
            x0 = cx + CHIP_THICKNESS
            parts.append({"name": f"{name}.sink{j}", "kind": "heat_sink",
                          "material": SINK_MATERIAL, "power": power,
                          "box": {"min": [x0, yc - sink_y / 2, cz - sink_z / 2],
                                  "max": [x0 + heat_sink_height, yc + sink_y / 2, cz + sink_z / 2]},
                          "direction": "z", "base": "-x", "fins": heat_sink_fins,
                          "fin_thickness": SINK_FIN_THICKNESS,
                          "repeat": {"count": blades, "step": [pitch, 0.0, 0.0]}})
    if ducted:
        parts += _ducts(name, lo, hi, cx, yc, z0, blade_height, sink_y, CHIP_THICKNESS,
                        heat_sink_height, pitch, blades)
    return parts


def _ducts(name: str, lo: list[float], hi: list[float], x0: float, yc: float, z0: float,
           height: float, width: float, back: float, fins: float, pitch: float,
           blades: int) -> list[dict]:
    """The shrouds of ducted blades and the baffle plate under them (see `immersion_tank`):
    each channel runs from the board's face ``x0`` over the back plate (``back``) and the
    fins (``fins``) along x, ``width`` across y about ``yc``, from ``z0`` for ``height``
    (m); its mouth in the plate is the fins' cross-section."""
    t, w2 = SHROUD_THICKNESS, width / 2
    xb = x0 + back                       # the fins' base
    x1 = xb + fins                       # the fins' tips: the cover's inner face
    z1 = z0 + height
    repeat = (blades, [pitch, 0.0, 0.0])
    parts = [
        solid_box(f"{name}.duct_side0", SHROUD_MATERIAL, [x0, yc - w2 - t, z0], [x1 + t, yc - w2, z1],
                  repeat=repeat),
        solid_box(f"{name}.duct_side1", SHROUD_MATERIAL, [x0, yc + w2, z0], [x1 + t, yc + w2 + t, z1],
                  repeat=repeat),
        solid_box(f"{name}.duct_cover", SHROUD_MATERIAL, [x1, yc - w2, z0], [x1 + t, yc + w2, z1],
                  repeat=repeat),
    ]
    zb = [z0 - BAFFLE_THICKNESS, z0]
    # the plate: full-width strips between the channels' mouths, and beside each mouth
    parts.append(solid_box(f"{name}.baffle_start", SHROUD_MATERIAL, [lo[0], lo[1], zb[0]],
                           [xb, hi[1], zb[1]]))
    if blades > 1:
        parts.append(solid_box(f"{name}.baffle_between", SHROUD_MATERIAL, [x1, lo[1], zb[0]],
                               [xb + pitch, hi[1], zb[1]], repeat=(blades - 1, [pitch, 0.0, 0.0])))
    parts.append(solid_box(f"{name}.baffle_end", SHROUD_MATERIAL,
                           [x1 + (blades - 1) * pitch, lo[1], zb[0]], [hi[0], hi[1], zb[1]]))
    parts.append(solid_box(f"{name}.baffle_side0", SHROUD_MATERIAL, [xb, lo[1], zb[0]],
                           [x1, yc - w2, zb[1]], repeat=repeat))
    parts.append(solid_box(f"{name}.baffle_side1", SHROUD_MATERIAL, [xb, yc + w2, zb[0]],
                           [x1, hi[1], zb[1]], repeat=repeat))
    return parts

