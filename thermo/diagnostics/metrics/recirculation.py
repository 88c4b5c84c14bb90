"""The recirculation index (RI): the fraction of each rack's intake air that is
rack exhaust come back rather than cooling-unit supply, and its hall-wide mean.

Each rack's intake is taken as a mix of supply air at T_s and exhaust air at the
rack's own exhaust temperature T_out (the two-stream model of Sharma, Bash and
Patel 2002, applied rack by rack), so T_in = (1 - RI) T_s + RI T_out and

    RI = (T_in - T_s) / (T_out - T_s)

with T_in and T_out the rack's mean intake and exhaust air temperatures (C) and
T_s the cooling units' flow-weighted supply temperature. 0: the rack breathes
supply air only; 0.5: half its intake is exhaust. It is the rack's own Supply
Heat Index; the hall's RI is the racks' RI weighted by their air flow (the
recirculated share of all the air the racks take in), while the hall's SHI
(:func:`~thermo.diagnostics.metrics.indices.recirculation_bypass`) weights the
enthalpy rise instead. The mix is of temperatures, not tracked air: exhaust
that has lost heat on its way back (to the floor, to supply air it met) counts
for less than its share.

Units: temperatures in C, flows in m3/s; indices are fractions (0..1). An index
whose denominator is not positive (a rack without a temperature rise over the
supply) is None. Non-finite inputs raise ValueError.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from thermo.diagnostics.metrics.checks import finite_array, finite_number, ratio_or_none
from thermo.diagnostics.metrics.indices import rti

__all__ = ["recirculation_index", "recirculation_summary"]


def recirculation_index(t_supply: float, inlet_temps: Iterable[float], exhaust_temps: Iterable[float],
                        flows: Iterable[float] | None = None) -> dict[str, Any]:
    """Per-rack and hall-wide recirculation index (see the module).

    ``t_supply``: the supply temperature (C); ``inlet_temps``/``exhaust_temps``:
    each rack's mean intake and exhaust temperature (C); ``flows``: each rack's
    air flow (m3/s, >= 0; None: every rack counts the same). Returns
    ``{"racks": [RI or None, ...], "hall": flow-weighted mean of the defined RIs
    or None}``.
    """
    ts = finite_number(t_supply, "t_supply")
    tin = finite_array(inlet_temps, "inlet_temps")
    tout = finite_array(exhaust_temps, "exhaust_temps")
    if tin.shape != tout.shape:
        raise ValueError(f"inlet_temps and exhaust_temps differ in length: {tin.size} != {tout.size}")
    w = np.ones_like(tin) if flows is None else finite_array(flows, "flows")
    if w.shape != tin.shape:
        raise ValueError(f"flows and inlet_temps differ in length: {w.size} != {tin.size}")
    if np.any(w < 0):
        raise ValueError(f"flows must not be negative, got {w.tolist()}")
    racks = [ratio_or_none(float(i - ts), float(o - ts)) for i, o in zip(tin, tout)]
    defined = [(r, float(q)) for r, q in zip(racks, w) if r is not None]
    total = sum(q for _, q in defined)
    hall = sum(r * q for r, q in defined) / total if total > 0 else None
    return {"racks": racks, "hall": hall}


def recirculation_summary(servers: Mapping[str, Mapping[str, Any]],
                          cooling_units: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """summary.json's ``recirculation`` section from its ``servers`` and
    ``cooling_units`` sections (each rack a server).

    Returns ``supply_c`` and ``return_c`` (the units' flow-weighted supply and
    return, C), ``hall_ri`` (see :func:`recirculation_index`), ``rti_pct``
    (Herrlin's RTI against all the units' flow-weighted supply and return, %),
    ``inlet_max_c`` (the hottest rack intake, C), and ``racks``: per server
    ``ri``, ``inlet_mean_c``, ``inlet_max_c``, ``exhaust_mean_c``. Empty without
    servers, or without cooling units moving air.
    """
    units = [u for u in cooling_units.values() if (u.get("volume_flow_m3_s") or 0.0) > 0]
    if not servers or not units:
        return {}
    q = np.array([u["volume_flow_m3_s"] for u in units], dtype=float)
    supply = float(np.dot(q, [finite_number(u["supply_c"], "supply_c") for u in units]) / q.sum())
    ret = float(np.dot(q, [finite_number(u["return_c"], "return_c") for u in units]) / q.sum())
    names = list(servers)
    rows = [servers[n] for n in names]
    flows = [r["volume_flow_m3_s"] for r in rows]
    t_in = [r["inlet_mean_c"] for r in rows]
    t_out = [r["exhaust_mean_c"] for r in rows]
    ri = recirculation_index(supply, t_in, t_out, flows)
    total = float(np.sum(flows))
    rti_pct = None
    if total > 0:
        rti_pct = rti(ret, supply, float(np.dot(flows, t_out)) / total, float(np.dot(flows, t_in)) / total)
    return {
        "supply_c": supply,
        "return_c": ret,
        "hall_ri": ri["hall"],
        "rti_pct": rti_pct,
        "inlet_max_c": max(float(r["inlet_max_c"]) for r in rows),
        "racks": {n: {"ri": x, "inlet_mean_c": r["inlet_mean_c"], "inlet_max_c": r["inlet_max_c"],
                      "exhaust_mean_c": r["exhaust_mean_c"]}
                  for n, r, x in zip(names, rows, ri["racks"])},
    }
