"""``summary.json`` sections of the air-side parts and the server-inlet recorder:
per throughflow part its flow, intake and exhaust temperatures and heat; servers'
ASHRAE classes; RCI, RTI, SHI; cooling units (their coil capacity and fan
control); leakage paths; fans and their power."""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from thermo.diagnostics import metrics
from thermo.diagnostics.recorder import Recorder
from thermo.models.air import (AirModel, AirParams, fan_flows, fan_rise, throughflow_exchange,
                               upwind_intake)


@partial(jax.jit, static_argnums=(3, 4, 5))
def intake_exhaust(ap: AirParams, u, t_pads, n: int, rho_cp: float, h: tuple):
    """Intake and exhaust mean temperatures (C) per throughflow part, in one compiled
    call (op by op, each operation would compile for every new grid)."""
    from thermo.kernels.energy import van_leer_faces

    flux = upwind_intake([u[a] * van_leer_faces(t_pads[a], u[a], a) for a in range(3)], t_pads, u, ap)
    t_in, t_out, _ = throughflow_exchange(flux, ap, n, rho_cp, h)
    return t_in, t_out


def throughflow_report(air: AirModel, ap: AirParams, T, u, p, t_pads, rho: float, rho_cp: float,
                       h) -> list[dict]:
    """Per throughflow part, at the current state: flow (m3/s), intake mean and max
    temperature (C; the max over the fluid cells facing the intake), exhaust
    temperature (C) and the heat it gives the air (W, negative for a CRAH)."""
    if not air.throughflow:
        return []
    t_in, t_out = (np.asarray(x) for x in intake_exhaust(ap, u, t_pads, air.n_throughflow,
                                                          float(rho_cp), tuple(h)))
    flows = np.asarray(ap.tf_flow)
    Tf = np.asarray(T).ravel()
    pf = np.asarray(p).ravel() * rho
    out = []
    for k, t in enumerate(air.throughflow):
        q = float(flows[k])
        cells = Tf[t["intake_cells"]]
        wi, we = t.get("intake_areas"), t.get("exhaust_areas")
        out.append({"name": t["name"], "kind": t["kind"], "volume_flow_m3_s": q,
                    "power_w": t["power"], "intake_mean_c": float(t_in[k]) if q > 0 else None,
                    "intake_max_c": float(cells.max()), "exhaust_mean_c": float(t_out[k]),
                    # the air in the fluid cells the exhaust blows into: a measurement
                    "exhaust_air_c": _mean(Tf[t["exhaust_cells"]], we),
                    "intake_air_c": _mean(cells, wi),
                    "heat_w": rho_cp * q * float(t_out[k] - t_in[k]) if q > 0 else 0.0,
                    # static pressure rise (Pa) from the intake side to the exhaust side
                    "pressure_rise_pa": _mean(pf[t["exhaust_cells"]], we) - _mean(pf[t["intake_cells"]], wi)})
    return out


def _mean(values: np.ndarray, areas) -> float:
    """The mean over a part's face cells: plain (equal faces), or weighted by the faces'
    areas (``areas``, m2, on a graded grid)."""
    if areas is None:
        return float(values.mean())
    return float(np.sum(values * areas) / np.sum(areas))


@partial(jax.jit, static_argnums=2)
def temperature_pads(T, ghosts, periodic: tuple):
    from thermo.kernels.stencils import pad

    return [pad(T, a, *(ghosts[a] or (None, None)), normal=False, periodic=periodic[a])
            for a in range(3)]


FAN_EFFICIENCY = 0.5  # fan-and-motor efficiency of the cooling-power estimate


def air_summary(sim, state) -> dict:
    """summary.json sections for the air-side parts: ``servers`` (inlet temperatures,
    ASHRAE class), ``air`` (RCI, RTI, SHI, flows, fan power), ``cooling_units`` and
    ``fans``; ``server_fans`` (servers with their own fans: flow m3/s, the fans' rise,
    internal loss, net rise and the measured external pressure difference, Pa) and
    ``server_mass`` (servers with thermal mass in a transient run: lumped temperature
    C, heat capacity J/K, heat stored now W); and ``heat_w``, what the parts add to the air (W; CRAHs negative) for the
    energy balance. Empty dict without such parts."""
    air = sim.air
    if not air.throughflow and not air.fans:
        return ({"heat_terms_w": [], "leakage": leakage_report(air, state, sim.case.fluid.density)}
                if air.leaks else {})
    fl = sim.case.fluid
    cfg, prm = sim.settings, sim.params
    pads = temperature_pads(state.T, prm.t_ghosts, cfg.periodic)
    rows = throughflow_report(air, prm.parts["air"], state.T, state.u, state.p, pads, fl.density,
                              cfg.rho_cp, cfg.h)
    # the energy balance's terms: heat given to the air by servers, taken by CRAHs
    out: dict = {"heat_terms_w": [sum(r["heat_w"] for r in rows if r["heat_w"] > 0),
                                  sum(r["heat_w"] for r in rows if r["heat_w"] < 0)]}
    servers = [r for r in rows if r["kind"] == "server"]
    crahs = [r for r in rows if r["kind"] == "crah"]
    fan_power = 0.0
    if crahs:
        out["cooling_units"] = {r["name"]: {
            "volume_flow_m3_s": r["volume_flow_m3_s"], "return_c": r["intake_mean_c"],
            "return_max_c": r["intake_max_c"], "supply_c": r["exhaust_mean_c"],
            "heat_removed_w": 0.0 - r["heat_w"], "pressure_rise_pa": r["pressure_rise_pa"]}
            for r in crahs}
        _cooling_unit_state(sim, out["cooling_units"], cfg.rho_cp)
    fans = {}
    for r in rows:
        if r["kind"] == "fan":
            fans[r["name"]] = {"volume_flow_m3_s": r["volume_flow_m3_s"],
                               "pressure_rise_pa": r["pressure_rise_pa"]}
    if air.fans:
        q = np.asarray(fan_flows(state.u, prm.parts["air"], air.n_fans))
        rise = np.asarray(fan_rise(jnp.asarray(q), prm.parts["air"])) * fl.density
        for k, f in enumerate(air.fans):
            fans[f["name"]] = {"volume_flow_m3_s": float(q[k]), "pressure_rise_pa": float(rise[k])}
    if fans:
        out["fans"] = fans
    # every part that moves air does work against the room's resistance: fans, CRAH
    # fans, and the servers' own fans (their inside resistance is not modelled)
    movers = list(fans.values()) + [r for r in rows if r["kind"] in ("server", "crah")]
    for r in movers:
        fan_power += metrics.fan_power(max(r["volume_flow_m3_s"], 0.0),
                                       max(r["pressure_rise_pa"], 0.0), FAN_EFFICIENCY)
    if servers:
        table = [{"name": r["name"], "power_w": r["power_w"], "volume_flow_m3_s": r["volume_flow_m3_s"],
                  "inlet_mean_c": r["intake_mean_c"], "inlet_max_c": r["intake_max_c"],
                  "exhaust_mean_c": r["exhaust_mean_c"]} for r in servers]
        # the units' flow-weighted supply and return, as summary.json's recirculation
        # section takes them: the first unit's alone made the bypass and RTI of the air
        # rack (four coolers) follow which side its hot aisle leaned to
        moving = [r for r in crahs if r["volume_flow_m3_s"] > 0]
        q = sum(r["volume_flow_m3_s"] for r in moving)
        supply, ret = ((sum(r["volume_flow_m3_s"] * r[k] for r in moving) / q if moving else None)
                       for k in ("exhaust_mean_c", "intake_mean_c"))
        m = metrics.server_metrics(table, t_supply=supply, t_return=ret)
        for r in servers:
            s = m["servers"][r["name"]] if isinstance(m["servers"], dict) else None
            q = r["volume_flow_m3_s"]
            if s is not None:
                s["expected_delta_t_k"] = (r["power_w"] / (cfg.rho_cp * q)) if q > 0 else None
                # rise measured in the air: the cells behind the exhaust against those
                # in front of the intake (mixing with neighbours blurs it slightly)
                s["measured_delta_t_k"] = r["exhaust_air_c"] - r["intake_air_c"]
        out["servers"] = m.pop("servers")
        out["air"] = m
    eq = sim.equipment
    if eq is not None and eq.fan.size:
        # servers with their own fans: where each works on its curve
        out["server_fans"] = eq.operating_points(sim, state)
    if eq is not None and eq.mass.size:
        # servers with thermal mass: the lumped temperature and the heat it stores now
        temps = eq.lumped_temperatures(sim)
        power = np.asarray(prm.parts["air"].tf_power, dtype=float)  # now (events)
        out["server_mass"] = {n: {"lumped_temperature_c": tc,
                                  "heat_capacity_j_k": float(eq.capacity[i]),
                                  "stored_w": float(power[k]) - rows[k]["heat_w"]}
                              for i, (k, (n, tc)) in enumerate(zip(eq.mass, temps.items()))}
    if air.leaks:
        out["leakage"] = leakage_report(air, state, fl.density)
    out.setdefault("air", {})
    out["air"]["fan_power_w"] = fan_power  # W, against the resolved room only
    out["air"]["fan_efficiency"] = FAN_EFFICIENCY
    return out


def leakage_report(air: AirModel, state, rho: float) -> dict:
    """Per leakage path (a porous part with ``leakage = true``): ``volume_flow_m3_s``
    through it along its axis (signed: + along the axis; u A summed over the faces by
    which air enters it), ``pressure_drop_pa`` (the mean static pressure of the fluid
    cells just before it less that of those just after it), ``axis``, ``open_area``
    and ``loss_coefficient`` (velocity heads)."""
    p = np.asarray(state.p).ravel() * rho
    out = {}
    for leak in air.leaks:
        u = np.asarray(state.u[leak["axis"]]).ravel()
        up, down = leak["up_cells"], leak["down_cells"]
        out[leak["name"]] = {
            "volume_flow_m3_s": float(np.sum(u[leak["faces"]] * leak["areas"])),
            "pressure_drop_pa": (float(p[up].mean() - p[down].mean()) if up.size and down.size
                                 else None),
            "axis": "xyz"[leak["axis"]], "open_area": leak["open_area"],
            "loss_coefficient": float(leak["loss_coefficient"])}
    return out


def _cooling_unit_state(sim, units: dict, rho_cp: float) -> None:
    """Add to each CRAH's row: ``supply_set_point_c`` (C), ``capacity_w`` (W, None:
    unlimited), ``at_capacity`` (its return load rho cp Q (T_return - set point)
    reaches the capacity, so the supply is above its set point), ``speed`` (the flow
    over its ``volume_flow``) and, for a controlled CRAH, ``control`` (what it holds,
    its set point, the measured value and error in C or Pa, the law's speed command,
    the limits, whether it runs)."""
    ctl = sim.cooling.report() if sim.cooling is not None else {}
    for k, t in enumerate(sim.air.throughflow):
        if t["kind"] != "crah":
            continue
        u = units[t["name"]]
        q, cap = u["volume_flow_m3_s"], t["capacity"]
        u["supply_set_point_c"] = float(t["supply"])
        u["capacity_w"] = cap
        u["at_capacity"] = bool(cap is not None and q > 0 and u["return_c"] is not None
                                and rho_cp * q * (u["return_c"] - t["supply"]) >= cap)
        u["speed"] = q / t["rated_flow"] if t["rated_flow"] > 0 else 0.0
        if k in ctl:
            u["control"] = ctl[k]


INLET_LIMITS_C = (27.0, 32.0)  # ASHRAE A1: top of the recommended and of the allowable range


def inlet_recorder(sim) -> Recorder:
    """Each server's hottest inlet temperature at every device call of a transient
    run; its summary says when the first server inlet crossed 27 C and 32 C."""
    servers = [t for t in sim.air.throughflow if t["kind"] == "server"]
    probes = [{"name": s["name"], "cells": s["intake_cells"]} for s in servers]
    return Recorder(probes, "inlet_max_c", sim.case.data["solver"]["mode"] == "transient",
                    inlet_summary)


def inlet_summary(rec: Recorder) -> dict:
    """``{"inlet_history": ..., "inlet_crossings_s": {"27": t or None, ...},
    "inlet_crossing_servers": ...}`` from an inlet recorder's records."""
    v = np.asarray(rec.values)
    crossings = {f"{lim:g}": metrics.first_crossing(rec.times, v, lim) for lim in INLET_LIMITS_C}
    first = {}
    for lim in INLET_LIMITS_C:
        hits = [(metrics.first_crossing(rec.times, v[:, k], lim), s["name"])
                for k, s in enumerate(rec.probes)]
        hits = [h for h in hits if h[0] is not None]
        first[f"{lim:g}"] = min(hits)[1] if hits else None
    return {"inlet_crossings_s": crossings, "inlet_crossing_servers": first,
            "inlet_history": {"time_s": rec.times,
                              "servers": [s["name"] for s in rec.probes],
                              "inlet_max_c": v.T.tolist()}}
