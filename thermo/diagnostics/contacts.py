"""``summary.json``'s ``contacts``: each part contact's area and the heat through it."""
from __future__ import annotations

import numpy as np


def contact_summary(sim, state) -> dict:
    """``{"contacts": [{"part", "with", "impedance_k_m2_w", "area_m2", "heat_w"}, ...]}``
    (empty without contacts): ``heat_w`` (W) crosses the contact's faces from the part to
    the parts ``with`` selects, each face's k_f (T_i - T_i+1) / d over its area, k_f the
    face conductivity with the impedance in (thermo/grid/thermal.py), d the distance
    between the two cells' centres (m)."""
    th = sim.thermal
    if not th.contacts:
        return {}
    grid = sim.grid
    T = np.asarray(state.T, dtype=np.float64)
    out = []
    for c in th.contacts:
        heat = 0.0
        for a, faces in enumerate(c["faces"]):
            if not faces.any():
                continue
            n = grid.cells[a]
            w = grid.widths(a).reshape([-1 if b == a else 1 for b in range(3)])
            d = (np.take(w, range(n - 1), axis=a) + np.take(w, range(1, n), axis=a)) / 2
            k = np.take(np.asarray(th.conductance[a], dtype=np.float64), range(1, n), axis=a)
            drop = np.take(T, range(n - 1), axis=a) - np.take(T, range(1, n), axis=a)
            area = np.ones(1)
            for b in range(3):
                if b != a:
                    area = area * grid.widths(b).reshape([-1 if e == b else 1 for e in range(3)])
            heat += float(np.sum(faces * k * drop / d * area))
        out.append({"part": c["part"], "with": c["with"], "impedance_k_m2_w": c["impedance"],
                    "area_m2": c["area_m2"], "heat_w": heat})
    return {"contacts": out}
