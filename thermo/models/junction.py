"""JEDEC two-resistor compact junction model of a chip (``junction`` on a solid part).

A package's die is not resolved by the grid; its datasheet gives the
junction-to-case resistance ``theta_jc`` (K/W, through the package's top, the
side of the heat spreader or cold plate) and junction-to-board ``theta_jb``
(K/W, through its balls into the board). With the case temperature Tc and board
temperature Tb the grid resolves around the package, its power P splits between
the two paths::

    P = (Tj - Tc) / theta_jc + (Tj - Tb) / theta_jb
    Tj = (P + Tc / theta_jc + Tb / theta_jb) / (1 / theta_jc + 1 / theta_jb)

Tc is the mean temperature of the cells in the layer just outside the chip box's
``top`` face (``+z`` unless the case says otherwise), each weighted by the area
it overlaps the face; Tb the same just outside the opposite face. The
neighbours, not the chip's own cells: the grid spreads the chip's power over its
block, so its cells stand for no surface of the package. (A chip thinner than a
cell takes the first layer of cells whose faces lie beyond its face.)

Host-side NumPy after a run: :func:`junctions` builds the chips' layers from the
case and grid, :func:`junction_summary` gives ``summary.json``'s ``junctions``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thermo.meshes import shapes_of


@dataclass(frozen=True)
class Junction:
    """One chip copy: ``name``, ``power`` (W), ``theta_jc``, ``theta_jb`` (K/W), ``top``
    ('+z' ...), and the case and board layers: ``(axis, index, weights)``, the cell
    layer's index along ``axis`` and its (n_t0, n_t1) area weights (m2)."""
    name: str
    power: float
    theta_jc: float
    theta_jb: float
    top: str
    case_layer: tuple
    board_layer: tuple


def junction_temperature(power, t_case, t_board, theta_jc, theta_jb):
    """Tj (C) of the two-resistor model: ``P = (Tj - Tc)/theta_jc + (Tj - Tb)/theta_jb``."""
    return (power + t_case / theta_jc + t_board / theta_jb) / (1.0 / theta_jc + 1.0 / theta_jb)


def _overlap(faces: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Length (m) of each cell [faces[i], faces[i+1]] inside [lo, hi]."""
    return np.clip(np.minimum(faces[1:], hi) - np.maximum(faces[:-1], lo), 0.0, None)


def _layer(grid, lo: np.ndarray, hi: np.ndarray, axis: int, side: int) -> tuple:
    """The cell layer just outside the box's face ``side`` (+1: at ``hi``, -1: at ``lo``)
    along ``axis``, and the area each of its cells overlaps the face."""
    f = grid.faces(axis)
    eps = 1e-9 * (f[-1] - f[0])
    if side > 0:  # the first cell whose lower face is at or beyond the box's top
        i = int(np.searchsorted(f, hi[axis] - eps, side="left"))
    else:         # the last cell whose upper face is at or below the box's bottom
        i = int(np.searchsorted(f, lo[axis] + eps, side="right")) - 2
    if not 0 <= i < grid.cells[axis]:
        raise ValueError(f"no cell beyond the chip's {'+-'[side < 0]}{'xyz'[axis]} face")
    t0, t1 = (b for b in range(3) if b != axis)
    w = np.outer(_overlap(grid.faces(t0), lo[t0], hi[t0]), _overlap(grid.faces(t1), lo[t1], hi[t1]))
    return axis, i, w


def junctions(case, geometry) -> list[Junction]:
    """The chip copies with a ``junction`` model, their case and board layers."""
    out = []
    parts = case.data["parts"]
    for inst in geometry.instances:
        part = parts[inst["part"]]
        j = part.get("junction")
        if part["kind"] != "solid" or j is None:
            continue
        k = int(inst["name"].rsplit("[", 1)[1][:-1]) if part.get("repeat") is not None else 0
        lo, hi = shapes_of(part)[k].bounds()
        axis, side = "xyz".index(j["top"][1]), (1 if j["top"][0] == "+" else -1)
        out.append(Junction(inst["name"], float(inst["power"]), j["theta_jc"], j["theta_jb"],
                            j["top"], _layer(geometry.grid, lo, hi, axis, side),
                            _layer(geometry.grid, lo, hi, axis, -side)))
    return out


def _mean(T: np.ndarray, layer: tuple) -> float:
    axis, i, w = layer
    return float(np.sum(np.take(T, i, axis=axis) * w) / np.sum(w))


def layer_cells(shape: tuple, layer: tuple) -> tuple[np.ndarray, np.ndarray]:
    """A layer's cells as flat indices into a field of ``shape`` (C order) and their
    weights (summing to 1): the cells the face overlaps, for :func:`junction_of`."""
    axis, i, w = layer
    a, b = np.nonzero(w)
    index = [None, None, None]
    index[axis] = np.full(a.size, i)
    t0, t1 = (k for k in range(3) if k != axis)
    index[t0], index[t1] = a, b
    return np.ravel_multi_index(tuple(index), shape), w[a, b] / w[a, b].sum()


def junction_probe(chip: Junction, shape: tuple) -> dict:
    """What :func:`junction_of` needs of one chip on a field of ``shape``: its power,
    resistances and the case and board layers' flat cells and weights."""
    return {"power": chip.power, "theta_jc": chip.theta_jc, "theta_jb": chip.theta_jb,
            "case": layer_cells(shape, chip.case_layer),
            "board": layer_cells(shape, chip.board_layer)}


def junction_of(T_flat: np.ndarray, probe: dict) -> float:
    """Tj (C) of a chip from a flat temperature field (C) and its :func:`junction_probe`."""
    (ci, cw), (bi, bw) = probe["case"], probe["board"]
    return float(junction_temperature(probe["power"], np.dot(T_flat[ci], cw),
                                      np.dot(T_flat[bi], bw), probe["theta_jc"], probe["theta_jb"]))


def junction_summary(sim, state) -> dict:
    """``{"junctions": {...}}`` (``{}`` without junction models): per chip copy
    ``junction_c``, ``case_c``, ``board_c`` (C), ``power_w``, ``theta_jc_k_w``,
    ``theta_jb_k_w``, ``top``, ``case_heat_w`` (W through theta_jc; the rest goes to
    the board); and ``max_junction_c``, ``hottest_chip``."""
    chips = junctions(sim.case, sim.model.geometry)
    if not chips:
        return {}
    T = np.asarray(state.T)
    rows = {}
    for c in chips:
        tc, tb = _mean(T, c.case_layer), _mean(T, c.board_layer)
        tj = junction_temperature(c.power, tc, tb, c.theta_jc, c.theta_jb)
        rows[c.name] = {"junction_c": tj, "case_c": tc, "board_c": tb, "power_w": c.power,
                        "theta_jc_k_w": c.theta_jc, "theta_jb_k_w": c.theta_jb, "top": c.top,
                        "case_heat_w": (tj - tc) / c.theta_jc}
    hot = max(rows, key=lambda n: rows[n]["junction_c"])
    return {"junctions": {"chips": rows, "max_junction_c": rows[hot]["junction_c"],
                          "hottest_chip": hot}}
