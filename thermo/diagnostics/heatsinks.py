"""summary.json's ``heat_sinks``: each compact heat sink's operating point."""
from __future__ import annotations

import numpy as np

from thermo.models.heatsink import base_temperature, fin_geometry


def heat_sink_summary(sim, state) -> dict:
    """Per heat-sink copy: ``power_w``, ``inlet_temperature_c`` (the air in the cell
    layer upstream of its box), ``superficial_velocity_m_s`` (its cells' mean along the
    channels), ``channel_velocity_m_s``, ``reynolds_gap``, ``htc_w_m2k``,
    ``fin_efficiency``, ``thermal_resistance_k_w`` and ``base_temperature_c``
    (:func:`thermo.models.heatsink.base_temperature`), ``pressure_drop_pa`` (the static
    pressure of the open-air layer upstream of its box less that downstream; a side
    whose neighbour layer is not all open air, such as a fan's box, uses the box's own
    end layer). Empty without heat sinks."""
    geo = sim.model.geometry
    parts = sim.case.data["parts"]
    sinks = [(j, inst) for j, inst in enumerate(geo.instances) if inst["kind"] == "heat_sink"]
    if not sinks:
        return {}
    fl = sim.case.fluid
    T = np.asarray(state.T)
    p = np.asarray(state.p) * fl.density
    vol = sim.grid.cell_volumes()
    # open air: fluid cells that no throughflow part (a fan's, a server's box) owns
    air = geo.fluid & (np.asarray(sim.air.params.tf_cell) < 0)
    out = {}
    for j, inst in sinks:
        part = parts[inst["part"]]
        g = fin_geometry(part)
        a = g.axis
        cells = geo.owner == j
        if not cells.any():
            continue
        u = np.asarray(state.u[a])
        n = u.shape[a]
        uc = 0.5 * (np.take(u, np.arange(n - 1), axis=a) + np.take(u, np.arange(1, n), axis=a))
        w = vol[cells]
        speed = float(np.sum(uc[cells] * w) / np.sum(w))
        idx = np.nonzero(cells)
        lo, hi = int(idx[a].min()), int(idx[a].max())
        up = lo - 1 if speed >= 0 else hi + 1
        down = hi + 1 if speed >= 0 else lo - 1

        def layer(field, at):
            sel = list(idx)
            sel[a] = np.full_like(idx[a], at)
            return field[tuple(sel)]

        def open_layer(at, inside):
            ok = 0 <= at < T.shape[a] and bool(np.all(layer(air, at)))
            return at if ok else inside

        up_c = min(max(up, 0), T.shape[a] - 1)
        t_in = float(np.mean(layer(T, up_c)))
        first, last = (lo, hi) if speed >= 0 else (hi, lo)
        up_p, down_p = open_layer(up, first), open_layer(down, last)
        point = base_temperature(g, sim.case.material(part["material"]).conductivity,
                                 float(inst["power"]), t_in, speed, fl.density, fl.specific_heat,
                                 fl.conductivity, fl.viscosity)
        out[inst["name"]] = {
            "power_w": float(inst["power"]), "inlet_temperature_c": t_in,
            "superficial_velocity_m_s": speed, **point,
            "pressure_drop_pa": float(np.mean(layer(p, up_p)) - np.mean(layer(p, down_p))),
        }
    return out
