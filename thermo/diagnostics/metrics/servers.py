"""All the air-cooling metrics of a table of servers, as a JSON-ready dict for
``summary.json`` (`server_metrics`), and that table as text (`format_server_table`)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from thermo.diagnostics.metrics.checks import finite_number
from thermo.diagnostics.metrics.indices import (OUTSIDE, RECOMMENDED, ashrae_class, envelope_ranges, rci,
                                                recirculation_bypass, rti)

__all__ = ["SERVER_FIELDS", "format_server_table", "server_metrics"]

#: The fields of one server record for :func:`server_metrics`.
SERVER_FIELDS = ("name", "power_w", "volume_flow_m3_s", "inlet_mean_c", "inlet_max_c",
                 "exhaust_mean_c")


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
    envelope_ranges(env_name)
    servers: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(table):
        name = str(_field(rec, "name", i))
        if name in servers:
            raise ValueError(f"server name {name!r} appears twice")
        row = {k: finite_number(_field(rec, k, i), f"{name}.{k}") for k in SERVER_FIELDS[1:]}
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
        "supply_c": None if t_supply is None else finite_number(t_supply, "t_supply"),
        "return_c": None if t_return is None else finite_number(t_return, "t_return"),
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
