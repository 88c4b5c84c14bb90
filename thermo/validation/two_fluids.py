"""Validation of two fluids at once: a resolved cold plate's water channel inside a
case whose fluid is air (issue #6 item 3).

* ``two-fluids``: the straight-slot copper block of ``cold-plate``
  (:func:`thermo.validation.liquid.slot_case`: 2-D, a water channel with a
  parabolic inlet) now heated by ``power`` in the copper and wrapped in a layer
  of still air between the block and adiabatic domain walls. The case's fluid is
  air; the channel is a ``kind = "fluid"`` part of water with its inlet and
  outlet patches on the domain faces where it ends. The two fluids meet only
  through the copper. Still air at steady state carries no heat, so the water's
  outlet temperature and the plate's temperature must match the same plate
  solved with water as the case's only fluid (no air, adiabatic outer faces),
  and the outlet temperature the energy balance ``T_in + P / (m_dot cp)``.
"""
from __future__ import annotations

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.liquid import WATER_25, slot_case
from thermo.validation.rows import row

T_IN = 25.0


def _row(case, quantity, reference, computed, error, bound):
    """Every row here is a check: the code against itself (one fluid vs two) and
    against the energy balance."""
    return row(case, quantity, reference, computed, error, bound, "check")


def plate_case(n: int = 8, air: bool = True, power_per_depth: float = 1000.0,
               air_cells: int = 2) -> dict:
    """The slot plate heated by ``power_per_depth`` (W/m) in its copper; with ``air``
    a layer ``air_cells`` thick of still air around it in y (air the case's fluid,
    the channel a water fluid part), else water alone (the single-fluid reference)."""
    d = slot_case(n, t_in=T_IN)
    nx, ny, _ = d["domain"]["cells"]
    length, height_all, depth = d["domain"]["size"]
    hy = height_all / ny
    lo, hi = d["parts"][0]["box"], d["parts"][1]["box"]
    wall, height = lo["max"][1], hi["min"][1] - lo["max"][1]
    power = power_per_depth * depth
    bounds = [b for b in d["boundaries"] if b["face"] in ("x-", "x+", "z-", "z+")]
    off = air_cells * hy if air else 0.0
    for b in bounds:
        if "region" in b:
            r = b["region"]
            b["region"] = {"min": [r["min"][0] + off, r["min"][1]],
                           "max": [r["max"][0] + off, r["max"][1]]}
    block = {"name": "plate", "kind": "solid", "material": "copper", "power": power,
             "box": {"min": [0.0, off, 0.0], "max": [length, off + height_all, depth]}}
    channel = {"min": [0.0, off + wall, 0.0], "max": [length, off + wall + height, depth]}
    d["case"]["name"] = f"two-fluids-{n}" + ("" if air else "-water-only")
    d["boundaries"] = bounds
    if air:
        d["domain"]["size"] = [length, height_all + 2 * off, depth]
        d["domain"]["cells"] = [nx, ny + 2 * air_cells, 1]
        d["fluid"] = {"material": "air", "reference_temperature": T_IN,
                      "initial_temperature": T_IN}
        d["parts"] = [block, {"name": "coolant", "kind": "fluid", "material": "water-25",
                              "box": channel}]
    else:  # the block's outer y faces are adiabatic walls (the default)
        d["parts"] = [
            {**block, "name": "plate_lo", "power": power / 2,
             "box": {"min": [0.0, 0.0, 0.0], "max": [length, wall, depth]}},
            {**block, "name": "plate_hi", "power": power / 2,
             "box": {"min": [0.0, wall + height, 0.0], "max": [length, 2 * wall + height, depth]}}]
    return d


def plate_results(n: int = 8, air: bool = True) -> dict:
    """Outlet (mixed-cup) temperature, mean plate temperature, and the energy-balance
    outlet temperature of one run."""
    d = plate_case(n, air)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    geo = sim.model.geometry
    T = np.asarray(state.T)
    u = np.asarray(state.u[0])[-1]
    water = geo.fluid[-1] & (geo.material_id[-1] == geo.materials.index("water-25"))
    t_out = float((u * T[-1])[water].sum() / u[water].sum())
    copper = geo.material_id == geo.materials.index("copper")
    depth, hy = sim.grid.spacing[2], sim.grid.spacing[1]
    flow = float(u[water].sum() * hy * depth)
    rho_cp = WATER_25["density"] * WATER_25["specific_heat"]
    power = sum(p.get("power", 0.0) for p in d["parts"])
    U = sim.cell_fields(state)["U"]
    speed = np.sqrt((U ** 2).sum(axis=-1)) if U.shape[-1] == 3 else np.sqrt((U ** 2).sum(axis=0))
    air_cells = geo.fluid & (geo.material_id == 0) if air else np.zeros_like(copper)
    return {"n": n, "steps": info.steps, "status": info.status, "t_out": t_out,
            "t_out_balance": T_IN + power / (rho_cp * flow),
            "plate_c": float(T[copper].mean()),
            "air_speed": float(speed[air_cells].max()) if air_cells.any() else 0.0}


def validate_two_fluids(full: bool = False) -> list[dict]:
    n = 8 if full else 4
    two, one = plate_results(n, True), plate_results(n, False)
    rise, rise_one = two["t_out"] - T_IN, one["t_out"] - T_IN
    rise_bal = two["t_out_balance"] - T_IN
    wall, wall_one = two["plate_c"] - T_IN, one["plate_c"] - T_IN
    tag = f"{n} cells across, {two['steps']} steps, {two['status']}"
    return [
        _row("two-fluids", f"water channel in air: outlet rise vs water alone (rel.; {tag})",
             rise_one, rise, abs(rise - rise_one) / rise_one, 0.03),
        _row("two-fluids", "water channel in air: plate rise vs water alone (rel.)",
             wall_one, wall, abs(wall - wall_one) / wall_one, 0.03),
        _row("two-fluids", "water channel in air: outlet rise vs P / (m_dot cp) (rel.)",
             rise_bal, rise, abs(rise - rise_bal) / rise_bal, 0.03),
    ]
