"""Compact plate-fin heat sinks: the air side of components the grid does not resolve.

A heat sink (``kind = "heat_sink"``) is a box of air the solver keeps open, holding
``fins`` parallel plates of thickness ``fin_thickness`` that stand on the box's
``base`` face and run along ``direction`` (the channel axis). Its ``power`` (W, the
components under it: memory, VRMs, NICs) goes into the air of its cells, as the fins
give it; the fins load the air with the drag of their channels; and the summary
reports the temperature the base reaches for the air and flow the run found.

* **Drag** (a directional porous medium, :mod:`thermo.models.air`): with fin gap
  ``b``, open fraction ``sigma = 1 - N t / W`` of the frontal area and superficial
  velocity ``u`` along the channels, fully developed laminar flow between parallel
  plates, ``dp/dx = 12 mu (u / sigma) / b**2``: a permeability ``K = sigma b**2 / 12``;
  and the entrance and exit losses of the contraction, ``Kc = 0.42 (1 - sigma**2)`` and
  ``Ke = (1 - sigma**2)**2`` (Kays and London; as used for plate-fin heat sinks by
  Culham and Muzychka, IEEE Trans. CPT 24 (2001) 159), in velocity heads of the
  channel velocity over the length ``L``: ``C2 = (Kc + Ke) / (sigma**2 L)``. Across the
  channels the drag is 100 times stronger (air crosses fins only through their gaps).
  The developing-flow part of the friction is left out (it adds 10-30 % to the
  channel friction at Re_b* of 1-10).
* **Heat** (Teertstra, Yovanovich and Culham, "Analytical forced convection modeling
  of plate fin heat sinks", J. Electronics Manufacturing 10 (2000) 253): the
  channel's mean Nusselt number from the composite of the developing and fully
  developed limits, ``Nu_b = [(Re* Pr / 2)**-3 + (0.664 Re*^0.5 Pr^(1/3) (1 + 3.65
  Re*^-0.5)^0.5)**-3]**(-1/3)`` with ``Re* = Re_b b / L``, ``Re_b = V_ch b / nu``,
  ``h = Nu_b k / b``; fin efficiency ``tanh(m H) / (m H)``, ``m = (2 h / (k_f t))**0.5``;
  the base temperature from the sink's effectiveness against the air entering it,
  ``T_base = T_in + P / (m_dot cp (1 - exp(-h eta_o A / (m_dot cp))))`` with ``A`` the
  fins' two faces and the base between them and ``eta_o`` the area-weighted
  efficiency.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

TRANSVERSE = 100.0  # drag across the channels, relative to along them


@dataclass(frozen=True)
class FinGeometry:
    """A plate-fin heat sink's geometry (m) from its part box and keys."""

    fins: int
    thickness: float   # fin thickness t
    height: float      # fin height H (the box along the base's axis)
    width: float       # W: the box across the channels (the fins are spaced along it)
    length: float      # L: the box along the channels
    axis: int          # the channels' axis
    base_axis: int     # the fins' height axis (the base face's normal)

    @property
    def gap(self) -> float:
        """Fin gap b (m)."""
        return (self.width - self.fins * self.thickness) / (self.fins - 1)

    @property
    def open_fraction(self) -> float:
        """sigma: the open share of the sink's frontal area."""
        return 1.0 - self.fins * self.thickness / self.width

    @property
    def fin_area(self) -> float:
        """Both faces of every fin (m2)."""
        return 2.0 * self.fins * self.height * self.length

    @property
    def base_area(self) -> float:
        """The base between the fins (m2)."""
        return (self.fins - 1) * self.gap * self.length

    @property
    def flow_area(self) -> float:
        """The channels' cross-section (m2)."""
        return self.open_fraction * self.width * self.height


def fin_geometry(part: dict) -> FinGeometry:
    """The :class:`FinGeometry` of a checked ``heat_sink`` part (its box, ``direction``
    ``'x'|'y'|'z'``, ``base`` ``'+z'`` etc., ``fins``, ``fin_thickness``)."""
    box = part["box"]
    ext = [box["max"][a] - box["min"][a] for a in range(3)]
    axis = "xyz".index(part["direction"])
    base_axis = "xyz".index(part["base"][1])
    across = 3 - axis - base_axis
    return FinGeometry(fins=int(part["fins"]), thickness=float(part["fin_thickness"]),
                       height=ext[base_axis], width=ext[across], length=ext[axis],
                       axis=axis, base_axis=base_axis)


def porous_coefficients(g: FinGeometry) -> tuple[list[float], list[float]]:
    """Per axis (x, y, z) the permeability K (m2) and inertial coefficient C2 (1/m) of
    the Darcy-Forchheimer drag ``dp/dx = mu u / K + rho C2 |u| u / 2`` on the
    superficial velocity: the channels along their axis, 100 times more across."""
    s = g.open_fraction
    k = s * g.gap ** 2 / 12.0
    kc, ke = 0.42 * (1.0 - s * s), (1.0 - s * s) ** 2
    c2 = (kc + ke) / (s * s * g.length)
    perm = [k / TRANSVERSE] * 3
    inertial = [c2 * TRANSVERSE] * 3
    perm[g.axis], inertial[g.axis] = k, c2
    return perm, inertial


def channel_nusselt(re_star: float, pr: float) -> float:
    """Teertstra et al.'s (2000) mean Nusselt number (on the fin gap) of a plate-fin
    channel at the channel Reynolds number ``Re* = Re_b b / L``."""
    if re_star <= 0.0:
        return 0.0
    fd = re_star * pr / 2.0
    dev = 0.664 * math.sqrt(re_star) * pr ** (1.0 / 3.0) * math.sqrt(1.0 + 3.65 / math.sqrt(re_star))
    return (fd ** -3 + dev ** -3) ** (-1.0 / 3.0)


def fin_efficiency(h: float, k_fin: float, thickness: float, height: float) -> float:
    """A straight fin's efficiency with an adiabatic tip, ``tanh(m H) / (m H)``."""
    mh = math.sqrt(2.0 * h / (k_fin * thickness)) * height
    return 1.0 if mh == 0.0 else math.tanh(mh) / mh


def base_temperature(g: FinGeometry, k_fin: float, power: float, t_in: float, speed: float,
                     density: float, cp: float, conductivity: float, viscosity: float) -> dict:
    """The sink's operating point: air entering at ``t_in`` (C) with the superficial
    speed ``speed`` (m/s) along its channels; ``power`` (W). Fluid properties in SI
    (``viscosity`` dynamic, Pa s). Returns ``base_temperature_c``, ``htc_w_m2k``,
    ``fin_efficiency``, ``thermal_resistance_k_w`` (base over inlet air),
    ``channel_velocity_m_s``, ``reynolds_gap``; the base temperature is NaN when no
    air goes through."""
    v_ch = abs(speed) / g.open_fraction
    nu = viscosity / density
    pr = viscosity * cp / conductivity
    re_b = v_ch * g.gap / nu
    h = channel_nusselt(re_b * g.gap / g.length, pr) * conductivity / g.gap
    eta = fin_efficiency(h, k_fin, g.thickness, g.height)
    area = g.fin_area + g.base_area
    eta_o = 1.0 - g.fin_area / area * (1.0 - eta)
    mcp = density * cp * v_ch * g.flow_area
    out = {"channel_velocity_m_s": v_ch, "reynolds_gap": re_b, "htc_w_m2k": h,
           "fin_efficiency": eta, "base_temperature_c": float("nan"),
           "thermal_resistance_k_w": float("nan")}
    if mcp > 0.0 and h > 0.0:
        r = 1.0 / (mcp * (1.0 - math.exp(-h * eta_o * area / mcp)))
        out["thermal_resistance_k_w"] = r
        out["base_temperature_c"] = t_in + power * r
    return out
