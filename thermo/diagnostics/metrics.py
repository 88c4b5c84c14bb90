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
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "ASHRAE_ENVELOPES", "RECOMMENDED", "ALLOWABLE", "OUTSIDE", "SERVER_FIELDS",
    "ashrae_class", "rci", "rti", "recirculation_bypass", "fan_power",
    "first_crossing", "server_metrics", "format_server_table",
]

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

#: The fields of one server record for :func:`server_metrics`.
SERVER_FIELDS = ("name", "power_w", "volume_flow_m3_s", "inlet_mean_c", "inlet_max_c",
                 "exhaust_mean_c")

#: Temperature differences (K) at or below this are zero in a denominator: a ratio
#: over them (RTI, the recirculation and bypass fractions) is undefined.
ZERO_DIFFERENCE_K = 1e-9


# --------------------------------------------------------------------------- helpers

def _finite(value: Any, what: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{what} must be finite, got {x}")
    return x


def _finite_array(values: Any, what: str, ndim: tuple[int, ...] = (1,)) -> np.ndarray:
    if isinstance(values, Iterator):
        values = list(values)
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers, got {values!r}") from None
    if a.ndim == 0 and 1 in ndim:
        a = a.reshape(1)
    if a.ndim not in ndim:
        raise ValueError(f"{what} must have {' or '.join(map(str, ndim))} dimension(s), "
                         f"got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{what} is empty")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{what} must be finite, got {a.tolist()}")
    return a


def _ratio(num: float, den: float) -> float | None:
    """num / den as a float, or None when den is (numerically) zero or negative."""
    if not den > ZERO_DIFFERENCE_K:
        return None
    return float(num / den)


def _envelope(envelope: str) -> dict[str, tuple[float, float]]:
    key = str(envelope).strip().upper()
    if key not in ASHRAE_ENVELOPES:
        raise ValueError(f"unknown ASHRAE class {envelope!r}; known: {', '.join(ASHRAE_ENVELOPES)}")
    return ASHRAE_ENVELOPES[key]


# --------------------------------------------------------------------------- metrics

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
    env = _envelope(envelope)
    t = _finite(t_inlet_c, "t_inlet_c")
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
    t = _finite_array(inlet_max_temps, "inlet_max_temps")
    limits = [_finite(v, name) for v, name in ((low_all, "low_all"), (low_rec, "low_rec"),
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
    tr, ts = _finite(t_return, "t_return"), _finite(t_supply, "t_supply")
    te, ti = _finite(t_exhaust_mean, "t_exhaust_mean"), _finite(t_intake_mean, "t_intake_mean")
    r = _ratio(tr - ts, te - ti)
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
    ts = _finite(t_supply, "t_supply")
    tin = _finite_array(inlet_temps, "inlet_temps")
    tout = _finite_array(exhaust_temps, "exhaust_temps")
    if tin.shape != tout.shape:
        raise ValueError(f"inlet_temps and exhaust_temps differ in length: {tin.size} != {tout.size}")
    if flows is None:
        w = np.ones_like(tin)
    else:
        w = _finite_array(flows, "flows")
        if w.shape != tin.shape:
            raise ValueError(f"flows and inlet_temps differ in length: {w.size} != {tin.size}")
        if np.any(w < 0):
            raise ValueError(f"flows must not be negative, got {w.tolist()}")
    out: dict[str, float | None] = {"shi": None, "rhi": None, "bypass_fraction": None}
    wsum = float(np.sum(w))
    if not wsum > 0:
        return out
    shi = _ratio(float(np.sum(w * (tin - ts))), float(np.sum(w * (tout - ts))))
    if shi is not None:
        out["shi"], out["rhi"] = shi, 1.0 - shi
    if t_return is not None:
        tr = _finite(t_return, "t_return")
        t_exh = float(np.sum(w * tout)) / wsum
        out["bypass_fraction"] = _ratio(t_exh - tr, t_exh - ts)
    return out


def fan_power(volume_flow_m3_s: float, pressure_rise_pa: float, efficiency: float = 0.5) -> float:
    """Fan power in W: P = V * dp / eta.

    ``volume_flow_m3_s`` V (m3/s) >= 0, ``pressure_rise_pa`` the fan's total
    pressure rise dp (Pa) >= 0, ``efficiency`` eta in (0, 1] (total efficiency,
    air power over the power drawn; 0.5 is typical of small server fans). This
    is the definition of fan total efficiency, eta = V dp / P (e.g. ISO 5801,
    ASHRAE Handbook -- HVAC Systems and Equipment, ch. Fans).
    """
    v = _finite(volume_flow_m3_s, "volume_flow_m3_s")
    dp = _finite(pressure_rise_pa, "pressure_rise_pa")
    eta = _finite(efficiency, "efficiency")
    if v < 0 or dp < 0:
        raise ValueError(f"volume flow and pressure rise must not be negative, got {v}, {dp}")
    if not 0 < eta <= 1:
        raise ValueError(f"efficiency must be in (0, 1], got {eta}")
    return v * dp / eta


def first_crossing(times: Sequence[float], values: Any, threshold: float) -> float | None:
    """The first time a sampled series reaches ``threshold`` from below, or None.

    ``times`` (s, strictly increasing) and ``values`` (same length; e.g. a server
    inlet temperature in C) are joined by straight lines; the answer is the
    earliest time at which that line is >= ``threshold``, linearly interpolated
    inside the sample interval where it crosses upward. A series that starts at
    or above the threshold gives ``times[0]``; one that only touches the
    threshold gives the time it touches. ``values`` may also be 2-D,
    (len(times), k): k series (say, one per server), and the answer is the
    earliest crossing of any of them ("when does the first server inlet pass
    27 C").
    """
    t = _finite_array(times, "times")
    v = _finite_array(values, "values", ndim=(1, 2))
    thr = _finite(threshold, "threshold")
    if v.shape[0] != t.size:
        raise ValueError(f"values has {v.shape[0]} samples, times has {t.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    series = v.T if v.ndim == 2 else v[None, :]
    best: float | None = None
    for s in series:
        hit = np.flatnonzero(s >= thr)
        if hit.size == 0:
            continue
        i = int(hit[0])
        if i == 0:
            when = float(t[0])
        else:
            # s[i-1] < thr <= s[i]: linear interpolation in (t[i-1], t[i]].
            frac = (thr - s[i - 1]) / (s[i] - s[i - 1])
            when = float(t[i - 1] + frac * (t[i] - t[i - 1]))
        if best is None or when < best:
            best = when
    return best


# --------------------------------------------------------------------------- server table

def _field(record: Any, key: str, index: int) -> Any:
    if isinstance(record, Mapping):
        if key not in record:
            raise ValueError(f"server record {index} has no {key!r}: {dict(record)!r}")
        return record[key]
    if not hasattr(record, key):
        raise ValueError(f"server record {index} has no {key!r}: {record!r}")
    return getattr(record, key)


def server_metrics(table: Iterable[Any], t_supply: float | None = None,
                   t_return: float | None = None, envelope: str = "A1",
                   rci_limits: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Air-cooling metrics of a set of servers, as a JSON-ready dict for ``summary.json``.

    ``table``: server records, each a mapping (or an object with attributes)
    with :data:`SERVER_FIELDS`: ``name`` (unique), ``power_w`` (W, >= 0),
    ``volume_flow_m3_s`` (m3/s, >= 0), ``inlet_mean_c``/``inlet_max_c`` (mean
    and hottest inlet air temperature, C) and ``exhaust_mean_c`` (mean outlet
    air temperature, C). ``t_supply``/``t_return``: the cooling air supply and
    return temperatures (C), optional. ``envelope``: the ASHRAE class for
    ``"ashrae_class"``/``"compliant_servers"`` besides the always-present A1
    keys. ``rci_limits``: keyword overrides for :func:`rci`.

    Returns (every key always present; None where undefined or not given):

    * ``"servers"``: name -> {``power_w``, ``volume_flow_m3_s``,
      ``inlet_mean_c``, ``inlet_max_c``, ``exhaust_mean_c``, ``delta_t_k``
      (exhaust - inlet mean), ``ashrae_a1`` and ``ashrae_class`` (the class of
      the hottest inlet, see :func:`ashrae_class`)}, in table order;
    * ``"n_servers"``, ``"total_power_w"``, ``"total_server_flow_m3_s"``;
    * ``"inlet_mean_c"``/``"exhaust_mean_c"``: flow-weighted means (None if
      no flow), ``"inlet_max_c"`` and ``"hottest_server"``;
    * ``"rci_hi_pct"``/``"rci_lo_pct"``: :func:`rci` of the hottest inlets;
    * ``"a1_compliant_servers"``: how many servers' hottest inlet is within the
      A1 allowable range (recommended or allowable), ``"a1_recommended_servers"``
      within the recommended range, ``"a1_outside_servers"``: the names of the
      rest; ``"envelope"`` and ``"compliant_servers"`` the same count for
      ``envelope``;
    * ``"supply_c"``, ``"return_c"``; ``"shi"``, ``"rhi"`` (flow-weighted, need
      ``t_supply``), ``"bypass_fraction"`` (needs both), see
      :func:`recirculation_bypass`; ``"rti_pct"`` (needs both), see :func:`rti`.
    """
    env_name = str(envelope).strip().upper()
    _envelope(env_name)
    servers: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(table):
        name = str(_field(rec, "name", i))
        if name in servers:
            raise ValueError(f"server name {name!r} appears twice")
        row = {k: _finite(_field(rec, k, i), f"{name}.{k}") for k in SERVER_FIELDS[1:]}
        if row["power_w"] < 0 or row["volume_flow_m3_s"] < 0:
            raise ValueError(f"{name}: power and flow must not be negative, got "
                             f"{row['power_w']} W, {row['volume_flow_m3_s']} m3/s")
        row["delta_t_k"] = row["exhaust_mean_c"] - row["inlet_mean_c"]
        row["ashrae_a1"] = ashrae_class(row["inlet_max_c"], "A1")
        row["ashrae_class"] = ashrae_class(row["inlet_max_c"], env_name)
        servers[name] = row
    if not servers:
        raise ValueError("no servers in the table")

    rows = list(servers.values())
    flow = np.array([r["volume_flow_m3_s"] for r in rows])
    t_in = np.array([r["inlet_mean_c"] for r in rows])
    t_out = np.array([r["exhaust_mean_c"] for r in rows])
    t_max = np.array([r["inlet_max_c"] for r in rows])
    total_flow = float(flow.sum())
    hottest = int(np.argmax(t_max))
    rci_hi, rci_lo = rci(t_max, **dict(rci_limits or {}))

    out: dict[str, Any] = {
        "servers": servers,
        "n_servers": len(rows),
        "total_power_w": float(sum(r["power_w"] for r in rows)),
        "total_server_flow_m3_s": total_flow,
        "inlet_mean_c": float(flow @ t_in / total_flow) if total_flow > 0 else None,
        "exhaust_mean_c": float(flow @ t_out / total_flow) if total_flow > 0 else None,
        "inlet_max_c": float(t_max[hottest]),
        "hottest_server": list(servers)[hottest],
        "rci_hi_pct": rci_hi,
        "rci_lo_pct": rci_lo,
        "a1_compliant_servers": sum(r["ashrae_a1"] != OUTSIDE for r in rows),
        "a1_recommended_servers": sum(r["ashrae_a1"] == RECOMMENDED for r in rows),
        "a1_outside_servers": [n for n, r in servers.items() if r["ashrae_a1"] == OUTSIDE],
        "envelope": env_name,
        "compliant_servers": sum(r["ashrae_class"] != OUTSIDE for r in rows),
        "supply_c": None if t_supply is None else _finite(t_supply, "t_supply"),
        "return_c": None if t_return is None else _finite(t_return, "t_return"),
        "shi": None, "rhi": None, "bypass_fraction": None, "rti_pct": None,
    }
    if t_supply is not None:
        out.update(recirculation_bypass(t_supply, t_in, t_out, flows=flow, t_return=t_return))
        if t_return is not None and out["inlet_mean_c"] is not None:
            out["rti_pct"] = rti(t_return, t_supply, out["exhaust_mean_c"], out["inlet_mean_c"])
    return out


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def format_server_table(metrics: Mapping[str, Any]) -> str:
    """A fixed-width text table of :func:`server_metrics`' servers for the terminal.

    Columns: server name, power (kW), air flow (m3/h), inlet mean and max (C),
    exhaust mean (C) and the A1 class of the hottest inlet; a last row gives
    the total power and flow. Missing values print as ``-``. No trailing
    newline.
    """
    head = ("server", "power kW", "flow m3/h", "inlet C", "inlet max C", "exhaust C", "A1 class")
    body = []
    for name, r in metrics["servers"].items():
        power = r.get("power_w")
        flow = r.get("volume_flow_m3_s")
        body.append((str(name),
                     _fmt(None if power is None else power / 1e3, ".2f"),
                     _fmt(None if flow is None else flow * 3600.0, ".1f"),
                     _fmt(r.get("inlet_mean_c"), ".1f"),
                     _fmt(r.get("inlet_max_c"), ".1f"),
                     _fmt(r.get("exhaust_mean_c"), ".1f"),
                     str(r.get("ashrae_a1") or "-")))
    total_p, total_v = metrics.get("total_power_w"), metrics.get("total_server_flow_m3_s")
    total = ("total",
             _fmt(None if total_p is None else total_p / 1e3, ".2f"),
             _fmt(None if total_v is None else total_v * 3600.0, ".1f"),
             "", "", "", "")
    widths = [max(len(row[c]) for row in (head, total, *body)) for c in range(len(head))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [row[c].rjust(widths[c]) for c in range(1, len(head) - 1)]
        cells.append(row[-1].ljust(widths[-1]))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(b) for b in body), rule, line(total)])
