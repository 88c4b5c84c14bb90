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

The modules: :mod:`~thermo.case.builders.checks` (the parameter checks and
`BuilderError`), :mod:`~thermo.case.builders.parts` (part dicts, `total_power`,
`volume_flow_for`), :mod:`~thermo.case.builders.air` (`server`, `rack`,
`aisle_row`), :mod:`~thermo.case.builders.data_hall` (`data_hall`, `hall_size`: a
raised-floor hall of racks, tiles and CRAHs), :mod:`~thermo.case.builders.immersion` (`immersion_tank`,
`tank_interior`) and :mod:`~thermo.case.builders.cases` (`rack_case`,
`immersion_case`); this package holds the registry `BUILDERS` of the builders a
case file's ``[geometry]`` section may name.
"""
from __future__ import annotations

from collections.abc import Callable

from thermo.case.builders.air import (BOARD_MARGIN, BOARD_STANDOFF, BOARD_THICKNESS, CPU_FOOTPRINT,
                                      FIN_THICKNESS, GPU_FOOTPRINT, PACKAGE_THICKNESS, RACK_UNITS,
                                      SINK_BASE, SINK_CLEARANCE, SINK_GAP, SINK_OVERHANG, U, aisle_row,
                                      rack, server)
from thermo.case.builders.cases import immersion_case, rack_case
from thermo.case.builders.checks import BuilderError
from thermo.case.builders.data_hall import data_hall, hall_size
from thermo.case.builders.immersion import (BLADE_CLEARANCE, BLADE_MIN_GAP, BLADE_THICKNESS, CHIP_SIZE,
                                            CHIP_THICKNESS, immersion_tank, tank_interior)
from thermo.case.builders.parts import total_power, volume_flow_for

__all__ = ["BUILDERS", "BuilderError", "RACK_UNITS", "U", "aisle_row", "data_hall", "hall_size",
           "immersion_case",
           "immersion_tank", "rack", "rack_case", "server", "tank_interior", "total_power",
           "volume_flow_for",
           # the sizes the builders draw (m)
           "BLADE_CLEARANCE", "BLADE_MIN_GAP", "BLADE_THICKNESS", "BOARD_MARGIN", "BOARD_STANDOFF",
           "BOARD_THICKNESS", "CHIP_SIZE", "CHIP_THICKNESS", "CPU_FOOTPRINT", "FIN_THICKNESS",
           "GPU_FOOTPRINT", "PACKAGE_THICKNESS", "SINK_BASE", "SINK_CLEARANCE", "SINK_GAP",
           "SINK_OVERHANG"]

#: The builders a case file's ``[geometry]`` section may name.
BUILDERS: dict[str, Callable[..., list[dict]]] = {
    "rack": rack,
    "server": server,
    "aisle_row": aisle_row,
    "immersion_tank": immersion_tank,
    "data_hall": data_hall,
}
