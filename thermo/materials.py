"""Material properties (SI units) and the built-in material library.

Units: density kg/m3, specific heat J/(kg K), conductivity W/(m K), dynamic
viscosity Pa s, volumetric expansion coefficient 1/K. A material with a
viscosity is a fluid; one without is a solid.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class Material:
    """Constant thermophysical properties of one material (SI units)."""

    name: str
    density: float  # kg/m3
    specific_heat: float  # J/(kg K)
    conductivity: float  # W/(m K)
    viscosity: float | None = None  # dynamic, Pa s; None for solids
    expansion: float | None = None  # volumetric, 1/K; used for Boussinesq buoyancy

    @property
    def is_fluid(self) -> bool:
        """True when the material has a viscosity (it can flow)."""
        return self.viscosity is not None

    @property
    def kinematic_viscosity(self) -> float | None:
        """Kinematic viscosity nu = mu / rho (m2/s); None for solids."""
        return None if self.viscosity is None else self.viscosity / self.density

    @property
    def diffusivity(self) -> float:
        """Thermal diffusivity alpha = k / (rho c_p) (m2/s)."""
        return self.conductivity / (self.density * self.specific_heat)

    @property
    def prandtl(self) -> float | None:
        """Prandtl number nu / alpha; None for solids."""
        nu = self.kinematic_viscosity
        return None if nu is None else nu / self.diffusivity


def _library(*materials: Material) -> dict[str, Material]:
    return {m.name: m for m in materials}


LIBRARY: dict[str, Material] = _library(
    # Fluids at 20 C and 1 atm: CoolProp 8.0 via shared reference CSV; Lemmon et al.
    # for air, IAPWS-95 for water, Melinder for propylene glycol-water.
    Material("air", density=1.205, specific_heat=1006.1, conductivity=0.02587,
             viscosity=1.821e-5, expansion=3.421e-3),
    Material("water", density=998.2, specific_heat=4184.1, conductivity=0.598,
             viscosity=1.002e-3, expansion=2.07e-4),
    # 25 % by mass propylene glycol in water (a common coolant-loop mixture).
    Material("propylene-glycol-25", density=1019.0, specific_heat=3920.5,
             conductivity=0.4679, viscosity=2.445e-3, expansion=3.96e-4),
    # Solids at 300 K: Incropera, DeWitt, Bergman & Lavine, Fundamentals of Heat and
    # Mass Transfer, 7th ed., Table A.1.
    Material("copper", density=8933.0, specific_heat=385.0, conductivity=401.0),  # pure
    Material("aluminium", density=2702.0, specific_heat=903.0, conductivity=237.0),  # pure
    Material("silicon", density=2330.0, specific_heat=712.0, conductivity=148.0),
    # "steel" is plain carbon steel, AISI 1010 (Incropera Table A.1).
    Material("steel", density=7832.0, specific_heat=434.0, conductivity=63.9),
    Material("stainless-steel", density=7900.0, specific_heat=477.0, conductivity=14.9),  # AISI 304
    # FR-4 glass-epoxy laminate, isotropic approximation with the through-plane
    # conductivity (about 0.3 W/(m K); in-plane is 0.8-1 W/(m K) with copper-free
    # laminate): typical laminate datasheet values, cf. Azar & Graebner, Proc. IEEE
    # SEMI-THERM 12 (1996) 169-182.
    Material("fr4", density=1850.0, specific_heat=1100.0, conductivity=0.3),
)


def resolve_material(name: str, user: dict[str, Material]) -> Material:
    """Return the material called `name`: a user material first, else the library.

    Raises KeyError (with a "did you mean" hint) when neither holds it.
    """
    if name in user:
        return user[name]
    if name in LIBRARY:
        return LIBRARY[name]
    known = sorted(set(user) | set(LIBRARY))
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise KeyError(f"unknown material {name!r}{hint}; known: {', '.join(known)}")
