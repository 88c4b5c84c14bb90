"""summary.json's ``blade_channels``: how an immersion tank's inlet manifold shares its
flow among the blades.

For a case built by the ``immersion_tank`` builder with an inlet boundary, the
channel of blade k is the gap on its chips' side (+x): from the blade's +x face to
the next blade's -x face (the last blade's: to the tank's inner wall), over the
blade's depth in y. Its flow is the net upward volume flow (m3/s) through the
horizontal grid faces nearest the blades' bottom edge whose centres lie in that
gap: the oil each blade's chips receive from below. Reported per blade, as a share
of the inlet flow, and as the spread (largest and smallest over the mean) that a
designer of the distribution plate looks at.
"""
from __future__ import annotations

import numpy as np

from thermo.meshes import shapes_of


def blade_channels(sim, state) -> dict:
    """``{"blade_channels": {...}}`` for an immersion tank with an inlet, else ``{}``."""
    d = sim.case.data
    geo = d.get("geometry") or {}
    if geo.get("builder") != "immersion_tank" or not any(
            b["flow"] == "inlet" for b in d["boundaries"]):
        return {}
    name = geo["parameters"].get("name", "tank")
    blade = next((p for p in d["parts"] if p["name"] == f"{name}.blade"), None)
    if blade is None:
        return {}
    boxes = [s.bounds() for s in shapes_of(blade)]
    wall = [p for p in d["parts"] if p["name"] == f"{name}.wall1"]
    x_end = shapes_of(wall[0])[0].bounds()[0][0] if wall else sim.grid.faces(0)[-1]
    grid = sim.grid
    z_bottom = boxes[0][0][2]
    zf = grid.faces(2)
    k = int(np.argmin(np.abs(zf - z_bottom)))
    xc, yc = grid.centers(0), grid.centers(1)
    area = np.outer(grid.widths(0), grid.widths(1))
    w = np.asarray(state.u[2])[:, :, k]
    flows = {}
    for i, (lo, hi) in enumerate(boxes):
        x1 = boxes[i + 1][0][0] if i + 1 < len(boxes) else x_end
        inside = (((xc > hi[0]) & (xc < x1))[:, None]
                  & ((yc > lo[1]) & (yc < hi[1]))[None, :])
        flows[f"{name}.blade[{i}]"] = float((w * area)[inside].sum())
    q_in = _inlet_flow(sim, state)
    q = np.array(list(flows.values()))
    mean = float(q.mean())
    return {"blade_channels": {
        "plane_z_m": float(zf[k]),
        "inlet_flow_m3_s": q_in,
        "channels": {n: {"volume_flow_m3_s": v, "share": v / q_in if q_in > 0 else float("nan")}
                     for n, v in flows.items()},
        "through_channels_share": float(q.sum()) / q_in if q_in > 0 else float("nan"),
        "max_over_mean": float(q.max()) / mean if mean > 0 else float("nan"),
        "min_over_mean": float(q.min()) / mean if mean > 0 else float("nan"),
    }}


def _inlet_flow(sim, state) -> float:
    """The volume flow (m3/s) the case's inlet boundaries let in."""
    from thermo.grid.boundaries import FACES

    total = 0.0
    for i, b in enumerate(sim.case.data["boundaries"]):
        if b["flow"] != "inlet":
            continue
        a, side = FACES[b["face"]]
        owned = sim.model.faces.owner[(a, side)] == i
        n = sim.grid.cells[a]
        un = np.take(np.asarray(state.u[a]), 0 if side == 0 else n, axis=a)
        areas = np.ones(owned.shape) * (sim.grid.face_areas(a) if not sim.grid.is_uniform
                                        else np.prod([sim.grid.spacing[t] for t in range(3)
                                                      if t != a]))
        total += float(((1.0 if side == 0 else -1.0) * un * areas)[owned].sum())
    return total
