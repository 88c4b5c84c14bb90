"""Air-cooling metrics of a data-centre rack run (NumPy only, no JAX).

Units: temperatures in C (differences in K), volume flow in m3/s, pressure in
Pa, power in W; percentages are plain numbers (``95.0`` means 95 %).

The metrics and where they are defined:

* :func:`ashrae_class` -- the ASHRAE TC 9.9 dry-bulb inlet envelopes, classes
  A1..A4 (:data:`ASHRAE_ENVELOPES`).
* :func:`rci` -- Rack Cooling Index, Herrlin (2005).
* :func:`rti` -- Return Temperature Index, Herrlin (2008).
* :func:`recirculation_bypass` -- Supply/Return Heat Index (SHI/RHI) of Sharma,
  Bash and Patel (2002), and a bypass fraction from a two-stream mixing balance.
* :func:`fan_power` -- shaft/electric power of a fan, V * dp / efficiency.
* :func:`recirculation_index` -- the share of each rack's intake that is exhaust
  come back, (T_in - T_supply) / (T_out - T_supply), and its flow-weighted hall
  mean; :func:`recirculation_summary` gives summary.json's ``recirculation``.
* :func:`first_crossing` -- when a transient series first reaches a threshold.
* :func:`server_metrics` -- all of the above for a table of servers, as a
  JSON-ready dict for ``summary.json``; :func:`format_server_table` prints it.

A metric that is undefined for the data given (a zero temperature difference in
a denominator, no flow to weight with) is ``None``, never NaN, so that every
result goes into JSON as is. Non-finite *inputs* are an error (``ValueError``).

References
----------
* ASHRAE TC 9.9 (2015). *Thermal Guidelines for Data Processing Environments*,
  4th ed. (the A1..A4 classes first published in the TC 9.9 white paper of 2011,
  "Thermal Guidelines for Data Processing Environments -- Expanded Data Center
  Classes and Usage Guidance").
* Herrlin, M. K. (2005). Rack cooling effectiveness in data centers and telecom
  central offices: the Rack Cooling Index (RCI). *ASHRAE Transactions* 111(2),
  725-731.
* Herrlin, M. K. (2008). Airflow and cooling performance of data centers: two
  performance metrics. *ASHRAE Transactions* 114(2), 182-187.
* Sharma, R. K., Bash, C. E. and Patel, C. D. (2002). Dimensionless parameters
  for evaluation of thermal design and performance of large-scale data centers.
  AIAA paper 2002-3091 (8th AIAA/ASME Joint Thermophysics and Heat Transfer
  Conference).

The modules: :mod:`~thermo.diagnostics.metrics.indices` (ASHRAE class, RCI, RTI,
SHI/RHI and bypass, fan power), :mod:`~thermo.diagnostics.metrics.crossing`
(:func:`first_crossing`), :mod:`~thermo.diagnostics.metrics.recirculation` (the
recirculation index), :mod:`~thermo.diagnostics.metrics.servers` (the server
table and its text form) and :mod:`~thermo.diagnostics.metrics.checks` (the input
checks and `ZERO_DIFFERENCE_K`); everything is importable from here.
"""
from __future__ import annotations

from thermo.diagnostics.metrics.checks import ZERO_DIFFERENCE_K
from thermo.diagnostics.metrics.crossing import first_crossing
from thermo.diagnostics.metrics.indices import (ALLOWABLE, ASHRAE_ENVELOPES, OUTSIDE, RECOMMENDED, ashrae_class,
                                                fan_power, rci, recirculation_bypass, rti)
from thermo.diagnostics.metrics.recirculation import recirculation_index, recirculation_summary
from thermo.diagnostics.metrics.servers import SERVER_FIELDS, format_server_table, server_metrics

__all__ = [
    "ASHRAE_ENVELOPES", "RECOMMENDED", "ALLOWABLE", "OUTSIDE", "SERVER_FIELDS",
    "ashrae_class", "rci", "rti", "recirculation_bypass", "fan_power",
    "first_crossing", "recirculation_index", "recirculation_summary", "server_metrics", "format_server_table", "ZERO_DIFFERENCE_K",
]
