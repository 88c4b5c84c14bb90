"""The air-cooling indices of a set of servers: the ASHRAE inlet class, the Rack
Cooling Index (RCI), the Return Temperature Index (RTI), the Supply/Return Heat
Index (SHI/RHI) with a bypass fraction, and fan power.

Units and references: see :mod:`thermo.diagnostics.metrics`.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from thermo.diagnostics.metrics.checks import finite_array, finite_number, ratio_or_none

__all__ = ["ALLOWABLE", "ASHRAE_ENVELOPES", "OUTSIDE", "RECOMMENDED", "ashrae_class", "envelope_ranges",
           "fan_power", "rci", "recirculation_bypass", "rti"]

RECOMMENDED = "recommended"
ALLOWABLE = "allowable"
OUTSIDE = "outside"

#: ASHRAE TC 9.9 (2015, 4th ed.) server inlet dry-bulb temperature ranges in C,
#: inclusive: class -> {"recommended": (low, high), "allowable": (low, high)}.
#: The recommended range is the same 18-27 C for every class. (Humidity and
#: dew-point limits, altitude derating and the 2021 class H1 are not modelled.)
ASHRAE_ENVELOPES: dict[str, dict[str, tuple[float, float]]] = {
    "A1": {RECOMMENDED: (18.0, 27.0), ALLOWABLE: (15.0, 32.0)},
    "A2": {RECOMMENDED: (18.0, 27.0), ALLOWABLE: (10.0, 35.0)},
    "A3": {RECOMMENDED: (18.0, 27.0), ALLOWABLE: (5.0, 40.0)},
    "A4": {RECOMMENDED: (18.0, 27.0), ALLOWABLE: (5.0, 45.0)},
}


def envelope_ranges(envelope: str) -> dict[str, tuple[float, float]]:
    """The recommended and allowable ranges (C) of the ASHRAE class ``envelope``
    (``"A1"``..``"A4"``, any case); ValueError for another name."""
    key = str(envelope).strip().upper()
    if key not in ASHRAE_ENVELOPES:
        raise ValueError(f"unknown ASHRAE class {envelope!r}; known: {', '.join(ASHRAE_ENVELOPES)}")
    return ASHRAE_ENVELOPES[key]


def ashrae_class(t_inlet_c: float, envelope: str = "A1") -> str:
    """Where a server inlet temperature lies in an ASHRAE thermal envelope.

    ``t_inlet_c`` is the inlet dry-bulb air temperature in C (use the hottest
    inlet temperature of a server to judge the server). Returns
    ``"recommended"`` when it is inside the recommended range (18-27 C for all
    classes), else ``"allowable"`` when inside the class's allowable range
    (A1 15-32, A2 10-35, A3 5-40, A4 5-45 C), else ``"outside"``. Ranges are
    inclusive at both ends. ``envelope`` is ``"A1"``..``"A4"`` (any case).

    Definition: ASHRAE TC 9.9, *Thermal Guidelines for Data Processing
    Environments*, 4th ed. (2015), dry-bulb limits only (see
    :data:`ASHRAE_ENVELOPES`).
    """
    env = envelope_ranges(envelope)
    t = finite_number(t_inlet_c, "t_inlet_c")
    lo, hi = env[RECOMMENDED]
    if lo <= t <= hi:
        return RECOMMENDED
    lo, hi = env[ALLOWABLE]
    if lo <= t <= hi:
        return ALLOWABLE
    return OUTSIDE


def rci(inlet_max_temps: Iterable[float], high_rec: float = 27.0, high_all: float = 32.0,
        low_rec: float = 18.0, low_all: float = 15.0) -> tuple[float, float]:
    """Rack Cooling Index (RCI_HI, RCI_LO) in %, Herrlin (2005).

    ``inlet_max_temps``: the n intake temperatures T_x in C (one per server or
    intake sensor; the hottest inlet temperature of each server is the
    conservative choice). With the maximum/minimum recommended and allowable
    intake temperatures (C):

        RCI_HI = [1 - sum_{T_x > T_max,rec} (T_x - T_max,rec) / (n (T_max,all - T_max,rec))] * 100 %
        RCI_LO = [1 - sum_{T_x < T_min,rec} (T_min,rec - T_x) / (n (T_min,rec - T_min,all))] * 100 %

    100 % means no intake outside the recommended range; Herrlin rates >= 96 %
    good, 91-95 % acceptable, <= 90 % poor. An index can fall below 0 when
    intakes lie far beyond the allowable limit (the over-temperature is not
    capped). The defaults are the ASHRAE A1 limits (recommended 18-27 C,
    allowable 15-32 C); Herrlin (2005) used the 2004 Class 1 values
    (recommended 20-25 C, allowable 15-32 C).

    Raises ValueError for no temperatures, non-finite ones, or limits not
    ordered low_all < low_rec < high_rec < high_all.
    """
    t = finite_array(inlet_max_temps, "inlet_max_temps")
    limits = [finite_number(v, name) for v, name in ((low_all, "low_all"), (low_rec, "low_rec"),
                                                (high_rec, "high_rec"), (high_all, "high_all"))]
    if not (limits[0] < limits[1] < limits[2] < limits[3]):
        raise ValueError("RCI limits must satisfy low_all < low_rec < high_rec < high_all, "
                         f"got {limits}")
    low_all, low_rec, high_rec, high_all = limits
    n = t.size
    over = float(np.sum(np.clip(t - high_rec, 0.0, None)))
    under = float(np.sum(np.clip(low_rec - t, 0.0, None)))
    rci_hi = (1.0 - over / (n * (high_all - high_rec))) * 100.0
    rci_lo = (1.0 - under / (n * (low_rec - low_all))) * 100.0
    return rci_hi, rci_lo


def rti(t_return: float, t_supply: float, t_exhaust_mean: float,
        t_intake_mean: float) -> float | None:
    """Return Temperature Index in %, Herrlin (2008).

        RTI = (T_return - T_supply) / (T_exhaust - T_intake) * 100 %

    ``t_return``/``t_supply``: the cooling unit's return and supply air
    temperatures (C); ``t_exhaust_mean``/``t_intake_mean``: the airflow-weighted
    mean server exhaust and intake temperatures (C). 100 % is balanced airflow;
    above 100 % net recirculation (servers move more air than the cooling
    units), below 100 % net bypass (cooling air returns without passing a
    server). None when the equipment temperature rise T_exhaust - T_intake is
    not positive (the index is undefined without heated air).
    """
    tr, ts = finite_number(t_return, "t_return"), finite_number(t_supply, "t_supply")
    te, ti = finite_number(t_exhaust_mean, "t_exhaust_mean"), finite_number(t_intake_mean, "t_intake_mean")
    r = ratio_or_none(tr - ts, te - ti)
    return None if r is None else r * 100.0


def recirculation_bypass(t_supply: float, inlet_temps: Iterable[float],
                         exhaust_temps: Iterable[float], flows: Iterable[float] | None = None,
                         t_return: float | None = None) -> dict[str, float | None]:
    """Recirculation (SHI/RHI) and bypass of the server air, from temperatures.

    Arguments: ``t_supply`` the cooling-air supply temperature (C, the
    reference temperature of Sharma et al.); ``inlet_temps``/``exhaust_temps``
    the mean inlet and outlet air temperature of each server/rack (C);
    ``flows`` optional air volume flows (m3/s) to weight each server with
    (at uniform density this is the mass-flow weighting of the paper; without
    flows every server counts the same, the paper's rack-sum form);
    ``t_return`` the cooling unit's return temperature (C), for the bypass.

    Returns a dict (values None when undefined):

    * ``"shi"`` -- Supply Heat Index, Sharma, Bash and Patel (2002):
      SHI = dQ / (Q + dQ) = sum w (T_in - T_supply) / sum w (T_out - T_supply),
      the share of the servers' air enthalpy rise that the air picked up
      *before* the intake (hot-air recirculation). 0 is ideal.
    * ``"rhi"`` -- Return Heat Index, RHI = 1 - SHI. 1 is ideal.
    * ``"bypass_fraction"`` -- share of the supplied air that returns to the
      cooling unit without passing a server, from the mixing balance
      T_return = b T_supply + (1 - b) T_exhaust:
      b = (T_exhaust - T_return) / (T_exhaust - T_supply), T_exhaust the
      (weighted) mean exhaust temperature. Needs ``t_return``. This is the
      bypass term of a two-stream mixing model, valid when the return air is
      only server exhaust and bypassed supply air.

    Under the same mixing model SHI is also the recirculated share of the
    server intake air: T_in = (1 - r) T_supply + r T_exhaust gives r = SHI.
    SHI and bypass are None when sum w (T_out - T_supply) (resp.
    T_exhaust - T_supply) is not positive, or when the weights sum to zero.
    """
    ts = finite_number(t_supply, "t_supply")
    tin = finite_array(inlet_temps, "inlet_temps")
    tout = finite_array(exhaust_temps, "exhaust_temps")
    if tin.shape != tout.shape:
        raise ValueError(f"inlet_temps and exhaust_temps differ in length: {tin.size} != {tout.size}")
    if flows is None:
        w = np.ones_like(tin)
    else:
        w = finite_array(flows, "flows")
        if w.shape != tin.shape:
            raise ValueError(f"flows and inlet_temps differ in length: {w.size} != {tin.size}")
        if np.any(w < 0):
            raise ValueError(f"flows must not be negative, got {w.tolist()}")
    out: dict[str, float | None] = {"shi": None, "rhi": None, "bypass_fraction": None}
    wsum = float(np.sum(w))
    if not wsum > 0:
        return out
    shi = ratio_or_none(float(np.sum(w * (tin - ts))), float(np.sum(w * (tout - ts))))
    if shi is not None:
        out["shi"], out["rhi"] = shi, 1.0 - shi
    if t_return is not None:
        tr = finite_number(t_return, "t_return")
        t_exh = float(np.sum(w * tout)) / wsum
        out["bypass_fraction"] = ratio_or_none(t_exh - tr, t_exh - ts)
    return out


def fan_power(volume_flow_m3_s: float, pressure_rise_pa: float, efficiency: float = 0.5) -> float:
    """Fan power in W: P = V * dp / eta.

    ``volume_flow_m3_s`` V (m3/s) >= 0, ``pressure_rise_pa`` the fan's total
    pressure rise dp (Pa) >= 0, ``efficiency`` eta in (0, 1] (total efficiency,
    air power over the power drawn; 0.5 is typical of small server fans). This
    is the definition of fan total efficiency, eta = V dp / P (e.g. ISO 5801,
    ASHRAE Handbook -- HVAC Systems and Equipment, ch. Fans).
    """
    v = finite_number(volume_flow_m3_s, "volume_flow_m3_s")
    dp = finite_number(pressure_rise_pa, "pressure_rise_pa")
    eta = finite_number(efficiency, "efficiency")
    if v < 0 or dp < 0:
        raise ValueError(f"volume flow and pressure rise must not be negative, got {v}, {dp}")
    if not 0 < eta <= 1:
        raise ValueError(f"efficiency must be in (0, 1], got {eta}")
    return v * dp / eta

