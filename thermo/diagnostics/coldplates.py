"""``summary.json`` sections of the cold plates and coolant loops, and the chip
recorder of transient runs (when each chip first reached its limit)."""
from __future__ import annotations

import numpy as np

from thermo.diagnostics import metrics
from thermo.diagnostics.recorder import Recorder
from thermo.models.coldplate import march
from thermo.models.junction import junction_of, junction_probe, junctions


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


class ChipRecorder(Recorder):
    """A :class:`Recorder` of chips: a chip with a junction model (its probe holds
    ``junction``, :func:`thermo.models.junction.junction_probe`) is recorded by its
    junction temperature Tj, any other by its hottest cell."""

    def __call__(self, state, wall: float | None = None) -> None:
        if not self.on:
            return
        t = float(state.t)
        if self.times and t <= self.times[-1]:
            return
        T = np.asarray(state.T).ravel()
        self.times.append(t)
        self.values.append([junction_of(T, p["junction"]) if p["junction"] is not None
                            else float(T[p["cells"]].max()) for p in self.probes])


def chip_recorder(sim) -> Recorder:
    """The chips' temperatures at every device call of a transient run: the chips
    under plates that give ``chip_limit_c`` and the chips with a junction model;
    a chip with a junction model is judged by its junction temperature (the limit
    is then a junction limit, as vendors state them), any other by its hottest
    cell. Its summary says when each first reached its limit
    (:func:`thermo.diagnostics.metrics.first_crossing`, linear between calls) and
    when each peaked: the ``crossings`` and ``chip_history`` sections."""
    setup_ = getattr(sim, "coldplates", None)
    parts = sim.case.data["parts"]
    geo = sim.model.geometry
    owner = geo.owner.ravel()
    models = {j.name: junction_probe(j, geo.owner.shape) for j in junctions(sim.case, geo)}
    chips: list[dict] = []  # name, instance, plate, limit, flat cell indices, junction
    if setup_ is not None:
        for p in setup_.plates:
            limit = parts[p.part].get("chip_limit_c")
            if limit is None:
                continue
            for c in p.chips if p.named_chip else [c for c in p.chips
                                                   if geo.instances[c]["power"]]:
                cells = np.flatnonzero(owner == c)
                if cells.size and all(ch["instance"] != c for ch in chips):
                    name = geo.instances[c]["name"]
                    chips.append({"name": name, "instance": c, "plate": p.name,
                                  "limit_c": float(limit), "cells": cells,
                                  "junction": models.get(name)})
    listed = {ch["name"] for ch in chips}
    for c, inst in enumerate(geo.instances):  # junction models without a limit: peaks only
        if inst["name"] in models and inst["name"] not in listed:
            chips.append({"name": inst["name"], "instance": c, "plate": None, "limit_c": None,
                          "cells": np.flatnonzero(owner == c), "junction": models[inst["name"]]})
    return ChipRecorder(chips, "chip_max_c", sim.case.data["solver"]["mode"] == "transient",
                        chip_summary)


def chip_summary(rec: Recorder) -> dict:
    """``{"crossings": {...}, "chip_history": {...}}`` from a chip recorder's records.
    ``crossings.first_time_s`` is the earliest time any chip reached its limit (None:
    none did), ``first_chip`` that chip; per chip its limit, crossing time, peak
    (``peak_c``, C) and the time of the peak (``peak_time_s``) and ``temperature``:
    ``"junction"`` (Tj of its junction model) or ``"cell_max"``; ``peak_c``,
    ``peak_chip``, ``peak_time_s`` the hottest of all."""
    v = np.asarray(rec.values)
    t = np.asarray(rec.times)
    chips = {}
    for k, ch in enumerate(rec.probes):
        peak = int(v[:, k].argmax())
        limit = ch["limit_c"]
        chips[ch["name"]] = {
            "plate": ch["plate"], "limit_c": limit,
            "time_s": None if limit is None else metrics.first_crossing(rec.times, v[:, k], limit),
            "peak_c": float(v[peak, k]), "peak_time_s": float(t[peak]),
            "temperature": "cell_max" if ch["junction"] is None else "junction"}
    hits = [(c["time_s"], n) for n, c in chips.items() if c["time_s"] is not None]
    first = min(hits) if hits else (None, None)
    hottest = v.argmax(axis=1)
    top = max(chips, key=lambda n: chips[n]["peak_c"])
    return {
        "crossings": {"first_time_s": first[0], "first_chip": first[1],
                      "chips_crossed": len(hits),
                      "chips_monitored": sum(c["limit_c"] is not None for c in chips.values()),
                      "peak_c": chips[top]["peak_c"], "peak_chip": top,
                      "peak_time_s": chips[top]["peak_time_s"], "chips": chips},
        "chip_history": {"time_s": list(rec.times), "hottest_c": v.max(axis=1).tolist(),
                         "hottest_chip": [rec.probes[int(i)]["name"] for i in hottest]},
    }
