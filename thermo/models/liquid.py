"""Forced flow through the domain's open faces (an immersion tank's manifold,
a duct): coolant temperatures, pressure drop and pumping power for ``summary.json``.

``coolant_flow(sim, state)`` returns ``{"coolant_flow": {...}}`` for a case with
at least one inlet boundary, else ``{}``. Its keys (SI, temperatures in C):

* ``volume_flow_m3_s``, ``mass_flow_kg_s``: the flow in through the inlets;
* ``inlet_temperature_c``, ``outlet_temperature_c``: flow-weighted (mixing-cup)
  temperatures of the liquid entering through the inlets and leaving through
  the outlets: net enthalpy flow over net volume flow, so that liquid flowing
  back in through part of an outlet (a plume leaving, colder liquid returning
  beside it) counts against what leaves;
* ``temperature_rise_k`` and ``heat_removed_w`` = rho cp Q (T_out - T_in), the
  heat the flow carries away (the fluid's properties at the reference
  temperature, as the solver uses them);
* ``inlet_pressure_pa``, ``outlet_pressure_pa``: area-mean static pressure, in
  Pa, of the cells next to the inlet and outlet faces. The solver's pressure is
  kinematic (p / rho) and Boussinesq: it is the pressure above the hydrostatic
  pressure of liquid at the reference temperature, so these are multiplied by
  the density and exclude the hydrostatic head (which a closed loop recovers);
* ``source_max_temperature_c``: for each powered part (a chip), the largest
  temperature of the cells its volume overlaps. For a part that owns cells it
  is at least its own maximum; for a part thinner than a cell (a 3 mm chip on a
  coarse tank grid), which owns no cell and whose power goes into the liquid
  cells it overlaps, it is the temperature of the liquid its heat goes into: a
  lower bound of the chip's temperature, to which the chip's own resistance to
  the liquid (die, heat sink, film: P R) adds what the grid cannot resolve;
* ``pressure_drop_pa`` = inlet - outlet pressure, and ``pumping_power_w`` =
  ``pressure_drop_pa * volume_flow_m3_s``: the hydraulic power the pump must add
  to push the flow through the domain (no pump efficiency). Buoyancy helps an
  upward flow of heated liquid (a chimney), so in a slow, strongly heated flow
  the drop, and the power, can be negative.
"""
from __future__ import annotations

import numpy as np

from thermo.kernels.energy import van_leer_faces
from thermo.kernels.spacing import is_uniform
from thermo.kernels.stencils import pad, shift
from thermo.meshes import shapes_of, volume_fractions

from thermo.grid.boundaries import FACES


def coolant_flow(sim, state) -> dict:
    """The ``coolant_flow`` summary block (see the module's docstring), or ``{}``."""
    d = sim.case.data
    flows = [b["flow"] for b in d["boundaries"]]
    if "inlet" not in flows:
        return {}
    grid, fc, th = sim.grid, sim.model.faces, sim.thermal
    fluid = sim.case.fluid
    T = np.asarray(state.T)
    p = np.asarray(state.p) * fluid.density
    acc = {"inlet": [0.0, 0.0, 0.0, 0.0], "outlet": [0.0, 0.0, 0.0, 0.0]}  # Q, Q T, A p, A
    faces_t = {}
    for i, b in enumerate(d["boundaries"]):
        if b["flow"] not in acc:
            continue
        a, side = FACES[b["face"]]
        n = grid.cells[a]
        owned = fc.owner[(a, side)] == i
        if not owned.any():
            continue
        # a uniform grid: one area, summed then scaled as before graded grids
        area = grid.face_areas(a)[owned] if not grid.is_uniform else float(
            np.prod([grid.spacing[t] for t in range(3) if t != a]))
        un = np.asarray(shift(state.u[a], a, 0 if side == 0 else n, 1)).squeeze(a)
        inflow = (1.0 if side == 0 else -1.0) * un  # m/s into the domain
        cell_p = np.take(p, 0 if side == 0 else n - 1, axis=a)
        # the face temperatures the solver advects with (van Leer, boundary ghosts),
        # so that rho cp Q (T_out - T_in) is the heat in the energy balance
        if a not in faces_t:
            padded = pad(state.T, a, *[tuple(np.asarray(x) for x in g) for g in th.ghosts[a]],
                         normal=False, periodic=False)
            h_a = sim.settings.h[a]
            faces_t[a] = np.asarray(van_leer_faces(padded, state.u[a], a) if is_uniform(h_a) else
                                    van_leer_faces(padded, state.u[a], a, h_a=h_a, periodic=False))
        face_t = np.take(faces_t[a], 0 if side == 0 else n, axis=a)[owned]
        # signed: liquid flowing back in through part of an outlet counts against it
        q = (inflow if b["flow"] == "inlet" else -inflow)[owned] * area
        s = acc[b["flow"]]
        s[0] += float(q.sum())
        s[1] += float((q * face_t).sum())
        if grid.is_uniform:
            s[2] += float(cell_p[owned].sum() * area)
            s[3] += float(owned.sum() * area)
        else:
            s[2] += float((cell_p[owned] * area).sum())
            s[3] += float(area.sum())
    q_in = acc["inlet"][0]
    t_in = acc["inlet"][1] / q_in if q_in > 0 else float("nan")
    q_out = acc["outlet"][0]
    t_out = acc["outlet"][1] / q_out if q_out > 0 else float("nan")
    p_in = acc["inlet"][2] / acc["inlet"][3] if acc["inlet"][3] > 0 else float("nan")
    p_out = acc["outlet"][2] / acc["outlet"][3] if acc["outlet"][3] > 0 else float("nan")
    sources = {}
    geo = sim.model.geometry
    for inst in geo.instances:
        if not inst["power"]:
            continue
        part = d["parts"][inst["part"]]
        shapes = shapes_of(part)
        k = int(inst["name"].rsplit("[", 1)[1][:-1]) if part.get("repeat") is not None else 0
        near = volume_fractions(grid, shapes[k]) > 0
        sources[inst["name"]] = float(T[near].max()) if near.any() else float("nan")
    rho_cp = fluid.density * fluid.specific_heat
    dp = p_in - p_out
    return {"coolant_flow": {
        "volume_flow_m3_s": q_in,
        "mass_flow_kg_s": fluid.density * q_in,
        "inlet_temperature_c": t_in,
        "outlet_temperature_c": t_out,
        "temperature_rise_k": t_out - t_in,
        "heat_removed_w": rho_cp * q_in * (t_out - t_in),
        "inlet_pressure_pa": p_in,
        "outlet_pressure_pa": p_out,
        "pressure_drop_pa": dp,
        "pumping_power_w": dp * q_in,
        "source_max_temperature_c": sources,
    }}
