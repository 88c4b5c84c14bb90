"""``summary.json`` sections of the cold plates and coolant loops, and the chip
recorder of transient runs (when each chip first reached its limit)."""
from __future__ import annotations

import numpy as np

from thermo.diagnostics import metrics
from thermo.diagnostics.recorder import Recorder
from thermo.models.coldplate import march


def plates_summary(sim, state, air_w: float | None = None) -> dict:
    """summary.json keys for the plates and loops (empty without plates):
    ``cold_plates``, ``loops``, ``networks`` (with ``[[networks]]``) and ``liquid`` (totals); ``liquid.heat_w`` is the
    heat the coolant takes out of the domain (a sink in the energy balance);
    ``liquid.pumping_power_w`` the loops' (flow x drop / pump_efficiency) plus the
    networks' pumps' hydraulic power (rise x flow, ``network_hydraulic_power_w``);
    ``air_w``, the heat the boundaries take out, gives the liquid/air split."""
    setup_ = getattr(sim, "coldplates", None)
    if setup_ is None:
        return {}
    liq = sim.params.parts["liquid"]
    t_in, t_out, eff, mcp = (np.asarray(x) for x in march(state.T, liq))
    scale = np.asarray(liq.scale)
    T = np.asarray(state.T)
    geo = sim.model.geometry
    plates = {}
    q = mcp * (t_out - np.asarray(liq.t_in))
    for i, p in enumerate(setup_.plates):
        flow = float(np.asarray(liq.flow)[i] * scale[int(np.asarray(liq.loop)[i])])
        chip_t = {c: float(T[geo.owner == c].max()) for c in p.chips if (geo.owner == c).any()}
        chip = max(chip_t, key=chip_t.get) if chip_t else None
        entry = {
            "loop": setup_.loops[p.loop]["name"] if p.loop >= 0 else None,
            "network": sim.case.data["networks"][p.network]["name"] if p.network >= 0 else None,
            "coolant": p.coolant,
            "inlet_temperature_c": float(np.asarray(liq.t_in)[i]),
            "outlet_temperature_c": float(t_out[i]),
            "volume_flow_m3_s": flow,
            "mass_flow_kg_s": flow * p.density,
            "heat_w": float(q[i]),
            "plate_max_temperature_c": float(T.reshape(-1)[p.cells].max()),
            "chip": geo.instances[chip]["name"] if chip is not None else None,
            "chip_max_temperature_c": chip_t[chip] if chip is not None else None,
            "pressure_drop_pa": None if p.resistance is None else p.resistance * flow ** 2,
            "tim_resistance_k_w": p.tim if p.tim > 0 else None,
        }
        plates[p.name] = entry
    loops = {}
    for li, o in enumerate(setup_.loops):
        members = [setup_.plates[i] for i in o["members"]]
        rows = [plates[p.name] for p in members]
        m = np.array([mcp[i] for i in o["members"]])
        flow = sum(r["volume_flow_m3_s"] for r in rows)
        drops = [r["pressure_drop_pa"] for r in rows]
        dp = max(drops) if all(x is not None for x in drops) else None
        heat = float(sum(r["heat_w"] for r in rows))
        # no flow (the loop stopped by an event): no return temperature
        ret = (float(np.sum(m * np.array([r["outlet_temperature_c"] for r in rows])) / m.sum())
               if m.sum() > 0 else None)
        loops[o["name"]] = {
            "coolant": o["coolant"],
            "supply_temperature_c": float(o["supply_temperature"]),
            "return_temperature_c": ret,
            "volume_flow_m3_s": flow,
            "mass_flow_kg_s": float(sum(r["mass_flow_kg_s"] for r in rows)),
            "flow_factor": float(scale[li]),
            "heat_w": heat,
            "pressure_drop_pa": dp,
            "pumping_power_w": None if dp is None else flow * dp / o["pump_efficiency"],
            "plates": [p.name for p in members],
            "chip_max_temperature_c": max((r["chip_max_temperature_c"] for r in rows
                                           if r["chip_max_temperature_c"] is not None), default=None),
        }
    total = float(q.sum())
    networks = None
    if getattr(sim, "networks", None) is not None:  # [[networks]]: per branch, pump and CDU
        networks = sim.networks.summary(sim, state)
    pumps = [o["pumping_power_w"] for o in loops.values() if o["pumping_power_w"] is not None]
    # the networks' pumps: their hydraulic power, rise x flow (a network gives no efficiency)
    hydraulic = float(sum(n["hydraulic_power_w"] for n in (networks or {}).values()))
    block = {"heat_w": total, "pumping_power_w": float(sum(pumps)) + hydraulic,
             "network_hydraulic_power_w": hydraulic}
    if air_w is not None:
        block["air_heat_w"] = float(air_w)
        removed = total + air_w
        block["liquid_fraction"] = total / removed if removed > 0 else None
    out = {"cold_plates": plates, "loops": loops, "liquid": block}
    if networks is not None:
        out["networks"] = networks
    return out


# ----------------------------------------------------------------------------- chip limits


def chip_recorder(sim) -> Recorder:
    """The chips' maximum temperatures at every device call of a transient run (the
    chips under plates that give ``chip_limit_c``); its summary says when each first
    reached its limit (:func:`thermo.diagnostics.metrics.first_crossing`, linear
    between calls): the ``crossings`` and ``chip_history`` sections."""
    setup_ = getattr(sim, "coldplates", None)
    parts = sim.case.data["parts"]
    geo = sim.model.geometry
    chips: list[dict] = []  # name, instance, plate, limit, flat cell indices
    if setup_ is not None:
        owner = geo.owner.ravel()
        for p in setup_.plates:
            limit = parts[p.part].get("chip_limit_c")
            if limit is None:
                continue
            for c in p.chips if p.named_chip else [c for c in p.chips
                                                   if geo.instances[c]["power"]]:
                cells = np.flatnonzero(owner == c)
                if cells.size and all(ch["instance"] != c for ch in chips):
                    chips.append({"name": geo.instances[c]["name"], "instance": c,
                                  "plate": p.name, "limit_c": float(limit), "cells": cells})
    return Recorder(chips, "chip_max_c", sim.case.data["solver"]["mode"] == "transient",
                    chip_summary)


def chip_summary(rec: Recorder) -> dict:
    """``{"crossings": {...}, "chip_history": {...}}`` from a chip recorder's records.
    ``crossings.first_time_s`` is the earliest time any chip reached its limit (None:
    none did), ``first_chip`` that chip; per chip its limit, crossing time and peak."""
    v = np.asarray(rec.values)
    chips = {}
    for k, ch in enumerate(rec.probes):
        chips[ch["name"]] = {"plate": ch["plate"], "limit_c": ch["limit_c"],
                             "time_s": metrics.first_crossing(rec.times, v[:, k], ch["limit_c"]),
                             "peak_c": float(v[:, k].max())}
    hits = [(c["time_s"], n) for n, c in chips.items() if c["time_s"] is not None]
    first = min(hits) if hits else (None, None)
    hottest = v.argmax(axis=1)
    return {
        "crossings": {"first_time_s": first[0], "first_chip": first[1],
                      "chips_crossed": len(hits), "chips_monitored": len(chips),
                      "chips": chips},
        "chip_history": {"time_s": list(rec.times), "hottest_c": v.max(axis=1).tolist(),
                         "hottest_chip": [rec.probes[int(i)]["name"] for i in hottest]},
    }
