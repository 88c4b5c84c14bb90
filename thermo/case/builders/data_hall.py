"""A raised-floor data hall: two rows of racks facing a common cold aisle, four
CRAHs blowing into the floor plenum, perforated tiles in the cold aisle and cable
cut-outs behind the racks, with or without cold-aisle containment.

The builder `data_hall` follows the conventions of :mod:`thermo.case.builders`
(SI units, z up, dotted part names); `hall_size` is the domain it fills. Each
rack is one ``server`` part (a throughflow box: the air crosses it front to back
at the flow that carries its power at ``rack_delta_t``), not resolved inside.

Layout (m), the hall filling the domain from the origin::

    y: 0    CRAH row a (0.9 deep) | hot aisle a (1.2) | row a (1.2, faces +y)
            | cold aisle (1.8 = 3 tiles) | row b (1.2, faces -y) | hot aisle b (1.2)
            | CRAH row b (0.9)
    x: 1.2 m clear | racks, 0.6 m each, rack k at 1.2 + 0.6 k | 1.2 m clear
    z: plenum (``plenum_depth``) | floor 0.05 | room 3.0 to the ceiling

Tiles: 0.6 m squares covering the cold aisle (3 across, one row per rack),
porous parts with ``open_area = tile_open_area`` (Idelchik's loss) listed in
summary.json's ``leakage`` with their flows. Cut-outs: a 0.6 m floor patch
behind each rack with ``open_area = cutout_open_area`` (cable openings: the
plenum's bypass into the hot aisles). CRAHs: 2.4 m long, on the two long
walls, centred on each half of the rows, returning from the room through
their tops and supplying downwards into the plenum.
"""
from __future__ import annotations

from collections.abc import Sequence

from thermo.case.builders.checks import (BuilderError, check_boolean, check_integer, check_name,
                                         check_number, number_text)
from thermo.case.builders.parts import solid_box, volume_flow_for

__all__ = ["CAPACITY_MARGIN", "CEILING", "COLD_AISLE", "CRAH_DEPTH", "CRAH_HEIGHT", "CRAH_LENGTH", "END_CLEARANCE",
           "FLOOR_THICKNESS", "HOT_AISLE", "RACK_DEPTH", "RACK_HEIGHT", "RACK_WIDTH", "ROOF_THICKNESS",
           "TILE", "data_hall", "hall_size"]

# the hall's sizes (m)
RACK_WIDTH = 0.6
RACK_DEPTH = 1.2
RACK_HEIGHT = 2.0        # 42 U and a plinth
TILE = 0.6               # a floor tile's side
COLD_AISLE = 3 * TILE
HOT_AISLE = 1.2          # rack backs to the CRAHs' fronts
CRAH_DEPTH = 0.9
CRAH_LENGTH = 2.4
CRAH_HEIGHT = 1.9        # above the floor
END_CLEARANCE = 1.2      # row ends to the end walls
FLOOR_THICKNESS = 0.05
# A stopped unit without a backdraft damper is a passage from the plenum up to the room
# through its fan wheels, coil and filters, inside its cabinet (CASING thick, steel, on
# the sides that face the room; the hall's wall behind it): their loss, in velocity
# heads of the air's speed over the passage's top face. Taken as 250 Pa at the rated
# flow (7.71 m3/s over 2.2 x 0.8 m: 4.38 m/s, 11.6 Pa of dynamic pressure), a typical
# internal static of a downflow unit's coil, filters and fan section, not a measured
# one: K = 21.6, so that 100 Pa drives 5.0 m3/s backwards through it
UNIT_LOSS = 21.6
CASING = 0.1
ROOF_THICKNESS = 0.2     # the containment's roof and doors: one cell of the examples' grid (a thin panel
                         # would halve the cells near it); 0.2 m of steel adds 0.004 m2 K/W to the ~0.2 of its air films
CEILING = 3.0            # floor top to ceiling
CRAHS = 4
CAPACITY_MARGIN = 1.2    # each coil's capacity over a quarter of the racks' power, by default

#: the rack powers (W) of the two rows by default: 15-80 kW, 510 kW in all
ROW_A = (15e3, 20e3, 15e3, 40e3, 80e3, 25e3, 15e3, 30e3, 15e3, 20e3)
ROW_B = (20e3, 15e3, 60e3, 15e3, 25e3, 15e3, 35e3, 15e3, 20e3, 15e3)


def hall_size(racks: int = 10, plenum_depth: float = 0.6) -> list[float]:
    """The domain (m, x y z) the hall of ``racks`` racks per row fills."""
    return [round(x, 9) for x in (2 * END_CLEARANCE + racks * RACK_WIDTH,
                                  2 * (CRAH_DEPTH + HOT_AISLE + RACK_DEPTH) + COLD_AISLE,
                                  plenum_depth + FLOOR_THICKNESS + CEILING)]


def _powers(name: str, value: object) -> list[float]:
    acc = "a list of 1 to 40 rack powers (W), each >= 0"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not 1 <= len(value) <= 40:
        raise BuilderError(name, f"expected a list of rack powers, got {value!r}", acc)
    return [check_number(f"{name}[{k}]", v, 0.0, unit="W") for k, v in enumerate(value)]


def data_hall(*, row_a: Sequence[float] = ROW_A, row_b: Sequence[float] = ROW_B,
              containment: bool = False, rack_delta_t: float = 15.0,
              supply_temperature: float = 20.0, oversupply: float = 1.1,
              capacity_margin: float = CAPACITY_MARGIN, plenum_pressure: float = 0.0,
              tile_open_area: float = 0.25, cutout_open_area: float = 0.05,
              plenum_depth: float = 0.6, failed_crahs: Sequence[int] = (),
              backdraft_dampers: bool = True, name: str = "hall") -> list[dict]:
    """The parts of a raised-floor hall (layout: see the module), filling
    `hall_size` ``(len(row_a), plenum_depth)`` from the origin.

    ``row_a``/``row_b``: the racks' powers (W), rack k of each row at
    x = 1.2 + 0.6 k m (the two rows equally long). Each rack is a ``server``
    part moving ``P / (rho cp rack_delta_t)`` (m3/s, air at
    ``supply_temperature`` C) from its cold-aisle face to its back. The four
    CRAHs together are rated at ``oversupply`` times the racks' flow, supply at
    ``supply_temperature`` C, and each coil removes at most ``capacity_margin``
    times a quarter of the racks' power (W). ``plenum_pressure`` > 0 (Pa) puts
    their fans under a pressure PI law holding the plenum that much above the
    room (speed 0.5-1.3 of rated); 0 leaves them at their rated flow.
    ``failed_crahs``: the indices of units that have failed (the N-1 question): each
    is its cabinet (``{name}.crah{i}.casing``, steel walls :data:`CASING` thick on the
    sides facing the room) around ``{name}.crah{i}``: the unit with its fans stopped
    and its backdraft damper shut, so that no air crosses it and its coil cools
    nothing; the others keep their ratings and their law. With ``backdraft_dampers``
    false the failed units have no damper: ``{name}.crah{i}`` is then an open passage,
    a porous part (a leakage path along z whose loss is :data:`UNIT_LOSS` velocity
    heads) through which the plenum's pressure drives supply air back up into the room.
    ``containment`` closes the cold aisle with a steel roof on the racks' tops
    and a door at each end of the aisle (0.2 m thick: one cell of the examples' grid).

    Parts: ``{name}.floor`` (steel), ``{name}.a.rack{k}`` and ``{name}.b.rack{k}``,
    ``{name}.tile{k}.{j}`` (rack k's tiles, j = 0..2 from row a), ``{name}.a.cutout{k}``,
    ``{name}.b.cutout{k}``, ``{name}.crah{i}`` (i = 0, 1 on the y = 0 wall, 2, 3
    opposite), and with containment ``{name}.roof``, ``{name}.door0``, ``{name}.door1``.
    """
    a, b = _powers("row_a", row_a), _powers("row_b", row_b)
    if len(a) != len(b):
        raise BuilderError("row_b", f"{len(b)} racks against row_a's {len(a)}",
                           f"a list of {len(a)} rack powers (W), as many as row_a")
    if sum(a) + sum(b) <= 0:
        raise BuilderError("row_a", "no rack has power", "at least one rack power > 0 (W)")
    containment = check_boolean("containment", containment)
    delta_t = check_number("rack_delta_t", rack_delta_t, 0.0, 100.0, lo_open=True, unit="K")
    supply = check_number("supply_temperature", supply_temperature, 0.0, 40.0, unit="C")
    over = check_number("oversupply", oversupply, 0.0, 3.0, lo_open=True)
    margin = check_number("capacity_margin", capacity_margin, 0.0, 10.0, lo_open=True)
    set_point = check_number("plenum_pressure", plenum_pressure, 0.0, 2000.0, unit="Pa")
    tile_f = check_number("tile_open_area", tile_open_area, 0.0, 1.0, lo_open=True)
    cut_f = check_number("cutout_open_area", cutout_open_area, 0.0, 1.0, lo_open=True)
    plenum = check_number("plenum_depth", plenum_depth, 0.2, 2.0, unit="m")
    name = check_name("name", name)
    failed = _failed(failed_crahs)
    dampers = check_boolean("backdraft_dampers", backdraft_dampers)
    racks = len(a)
    size = hall_size(racks, plenum)
    floor_top = plenum + FLOOR_THICKNESS
    y_ha = CRAH_DEPTH                         # hot aisle a starts
    y_a = y_ha + HOT_AISLE                    # row a's back
    y_cold = y_a + RACK_DEPTH                 # cold aisle starts
    y_b = y_cold + COLD_AISLE                 # row b's front
    y_hb = y_b + RACK_DEPTH                   # hot aisle b starts
    x0 = END_CLEARANCE
    x1 = x0 + racks * RACK_WIDTH
    top = floor_top + RACK_HEIGHT
    flow = [volume_flow_for(p, delta_t, "air", supply) for p in a + b]
    crah_flow = over * sum(flow) / CRAHS
    capacity = margin * (sum(a) + sum(b)) / CRAHS
    if x1 - x0 < 2 * CRAH_LENGTH:
        raise BuilderError("row_a", f"{racks} racks make a {number_text(x1 - x0)} m row, shorter than "
                           f"two {number_text(CRAH_LENGTH)} m CRAHs",
                           f"at least {int(2 * CRAH_LENGTH / RACK_WIDTH)} racks per row")
    parts = [solid_box(f"{name}.floor", "steel", [0.0, 0.0, plenum], [size[0], size[1], floor_top])]
    for row, powers, y_lo, direction in (("a", a, y_a, "-y"), ("b", b, y_b, "+y")):
        for k, p in enumerate(powers):
            xs = x0 + k * RACK_WIDTH
            parts.append({"name": f"{name}.{row}.rack{k}", "kind": "server", "direction": direction,
                          "power": p, "volume_flow": volume_flow_for(p, delta_t, "air", supply),
                          "box": {"min": [xs, y_lo, floor_top],
                                  "max": [xs + RACK_WIDTH, y_lo + RACK_DEPTH, top]}})
    for k in range(racks):
        xs = x0 + k * RACK_WIDTH
        for j in range(3):
            ys = y_cold + j * TILE
            parts.append(_patch(f"{name}.tile{k}.{j}", [xs, ys, plenum],
                                [xs + TILE, ys + TILE, floor_top], tile_f))
        parts.append(_patch(f"{name}.a.cutout{k}", [xs, y_a - TILE, plenum],
                            [xs + TILE, y_a, floor_top], cut_f))
        parts.append(_patch(f"{name}.b.cutout{k}", [xs, y_hb, plenum],
                            [xs + TILE, y_hb + TILE, floor_top], cut_f))
    length = x1 - x0
    for i in range(CRAHS):
        xc = x0 + length * (0.25 if i % 2 == 0 else 0.75)
        y_lo = 0.0 if i < 2 else size[1] - CRAH_DEPTH
        unit = {"name": f"{name}.crah{i}", "kind": "crah", "direction": "-z", "intake": "+z",
                "volume_flow": crah_flow, "supply_temperature": supply, "capacity": capacity,
                "box": {"min": [xc - CRAH_LENGTH / 2, y_lo, plenum],
                        "max": [xc + CRAH_LENGTH / 2, y_lo + CRAH_DEPTH, floor_top + CRAH_HEIGHT]}}
        if i in failed:
            lo, hi = unit["box"]["min"], unit["box"]["max"]
            # the cabinet's walls on its ends and its room side, open at the bottom (the
            # plenum) and the top (the room), whether or not its damper shuts: without them
            # an open unit's room side lets the air out sideways, short of the loss (0.6 m
            # grid: 4.8 m3/s where the loss at the drop measured passes 3.6), and both
            # cases get the same grid, so that they differ by the damper alone
            parts.append(solid_box(f"{name}.crah{i}.casing", "steel", lo, hi))
            inner = ([lo[0] + CASING, lo[1], lo[2]], [hi[0] - CASING, hi[1] - CASING, hi[2]]) \
                if i < 2 else ([lo[0] + CASING, lo[1] + CASING, lo[2]], [hi[0] - CASING, hi[1], hi[2]])
            box = {"min": list(inner[0]), "max": list(inner[1])}
            unit = {"name": unit["name"], "kind": "porous", "loss_coefficient": UNIT_LOSS,
                    "direction": "z", "leakage": True, "box": box} if not dampers else \
                unit | {"volume_flow": 0.0, "box": box}
        elif set_point > 0:
            # a PI law on the plenum's pressure over the room, as under-floor units run.
            # Its proportional band is 20 set points: with fixed-flow fans the plenum is
            # stiff (a few % of flow short and the cut-outs reverse at -500 Pa), and a band
            # of 2 set points rang between the speed limits in the steady iterations
            unit |= {"control": "pressure", "control_set_point": set_point,
                     "control_gain": 0.05 / set_point, "control_integral_time": 10.0,
                     "min_speed": 0.5, "max_speed": 1.3}
        parts.append(unit)
    if containment:
        t = ROOF_THICKNESS
        parts += [solid_box(f"{name}.roof", "steel", [x0 - t, y_cold, top], [x1 + t, y_b, top + t]),
                  solid_box(f"{name}.door0", "steel", [x0 - t, y_cold, floor_top], [x0, y_b, top]),
                  solid_box(f"{name}.door1", "steel", [x1, y_cold, floor_top], [x1 + t, y_b, top])]
    for part in parts:  # sums of sizes: 1.5000000000000002 would leave a sliver of a cell
        part["box"] = {k: [round(x, 9) for x in v] for k, v in part["box"].items()}
    return parts


def _failed(value: object) -> set[int]:
    acc = f"a list of distinct CRAH indices from 0 to {CRAHS - 1}, fewer than {CRAHS} of them"
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise BuilderError("failed_crahs", f"expected a list of CRAH indices, got {value!r}", acc)
    out = [check_integer(f"failed_crahs[{k}]", v, 0, CRAHS - 1) for k, v in enumerate(value)]
    if len(set(out)) != len(out) or len(out) >= CRAHS:
        raise BuilderError("failed_crahs", f"{list(value)!r} repeats a unit or fails them all", acc)
    return set(out)


def _patch(name: str, lo: list[float], hi: list[float], open_area: float) -> dict:
    """A perforated floor patch: a porous part across z, reported with its flow."""
    return {"name": name, "kind": "porous", "open_area": open_area, "direction": "z",
            "leakage": True, "box": {"min": lo, "max": hi}}
