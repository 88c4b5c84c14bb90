"""The case-file key ``junction`` of a chip (a powered solid part): the JEDEC two-resistor
compact model, ``junction = { theta_jc = K/W, theta_jb = K/W, top = "+z" }``.

:func:`junction_key` checks it; :mod:`thermo.models.junction` solves the junction
temperature from the resolved case (``top`` face) and board (opposite face)
temperatures after a run.
"""
from __future__ import annotations

from typing import Any

from thermo.case.checker import Checker
from thermo.case.schema import AXES, DIRECTIONS, REL_TOL

JUNCTION_KEYS = ("theta_jc", "theta_jb", "top")
DEFAULT_TOP = "+z"
DOC = ("junction = { theta_jc = K/W (> 0, junction to case: the top face), theta_jb = K/W "
       "(> 0, junction to board: the opposite face), top = '+z' (the case's face: '+x', '-x', "
       "..., default '+z') } on a powered solid box")


def junction_key(c: Checker, t: dict, key: str, p: dict, size: list[float]) -> None:
    """Check a solid part's ``junction`` and fill ``p["junction"]`` (None without):
    ``{"theta_jc": K/W, "theta_jb": K/W, "top": "+z"}``. The top and bottom faces of
    every copy must lie inside the domain (``size``, m): their neighbours give Tc, Tb."""
    raw: Any = t.get("junction")
    p["junction"] = None
    if raw is None:
        return
    k = f"{key}.junction"
    j = c.table(raw, k, JUNCTION_KEYS)
    out = {name: c.number(c.required(j, name, k, DOC), f"{k}.{name}", lo=0.0, lo_open=True)
           for name in ("theta_jc", "theta_jb")}
    out["top"] = c.string(j.get("top", DEFAULT_TOP), f"{k}.top", DIRECTIONS)
    if p.get("box") is None:
        raise c.fail(k, "a junction model needs the chip's faces: the part must be a box", DOC)
    if p.get("rotate"):
        raise c.fail(k, "a junction model takes its faces from the box as written, and this "
                     "part is rotated", "the box as placed (no rotate) with top = '+x' etc.")
    a = "xyz".index(out["top"][1])
    lo, hi = p["box"]["min"][a], p["box"]["max"][a]
    rep = p.get("repeat")
    shifts = [0.0] if rep is None else [i * rep["step"][a] for i in range(rep["count"])]
    tol = REL_TOL * size[a]
    if min(shifts) + lo <= tol or max(shifts) + hi >= size[a] - tol:
        raise c.fail(k, f"a face of the chip across {AXES[a]} lies on the domain's boundary, "
                     "where no cells give the case or board temperature",
                     "a chip with cells (a plate, a board, air) beyond both faces across "
                     f"{AXES[a]}; or another top")
    if not p["power"] > 0:
        raise c.fail(k, "a junction model needs the chip's power and this part has none",
                     "power (W, > 0) on the part, or no junction")
    p["junction"] = out
