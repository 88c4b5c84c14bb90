"""Material properties (SI units) and the built-in, sourced material library.

Units: density kg/m3, specific heat J/(kg K), conductivity W/(m K), dynamic
viscosity Pa s, volumetric expansion coefficient 1/K, temperatures in C. A
material with a viscosity is a fluid; one without is a solid.

A material's scalar properties are constants. Two optional extras refine them:

* ``conductivity_xyz``: per-axis conductivity of an anisotropic solid, along the
  grid's x, y and z axes (``conductivity_axes()``); ``conductivity`` stays the
  representative scalar.
* ``table``: a fluid's properties against temperature, rows of
  :data:`TABLE_COLUMNS` (a table may stop after any column from ``viscosity``
  on; the properties it lacks stay the scalar ones). ``at(T)`` interpolates it.

Every library fluid's scalar properties are its table row at
:data:`REFERENCE_TEMPERATURE_C` (20 C), and every library entry names its
reference in ``source``.
"""
from __future__ import annotations

import bisect
import dataclasses
import difflib
import math
from dataclasses import dataclass

# The columns of a fluid's temperature table, in order. Rows may stop after
# "viscosity", "specific_heat" or "conductivity"; every row the same length.
TABLE_COLUMNS = ("T_C", "density", "viscosity", "specific_heat", "conductivity", "expansion")
_MIN_COLUMNS = 3

# The library fluids' scalar properties are their table rows at this temperature.
REFERENCE_TEMPERATURE_C = 20.0


@dataclass(frozen=True)
class Material:
    """Thermophysical properties of one material (SI units)."""

    name: str
    density: float  # kg/m3
    specific_heat: float  # J/(kg K)
    conductivity: float  # W/(m K); representative scalar (see conductivity_xyz)
    viscosity: float | None = None  # dynamic, Pa s; None for solids
    expansion: float | None = None  # volumetric, 1/K; used for Boussinesq buoyancy
    # Per-axis conductivity (W/(m K)) along the grid's x, y, z axes for an
    # anisotropic solid; None when isotropic.
    conductivity_xyz: tuple[float, float, float] | None = None
    # Rows (T_C, density, viscosity[, specific_heat[, conductivity[, expansion]]]),
    # strictly increasing in T_C; None when the properties are constant.
    table: tuple[tuple[float, ...], ...] | None = None
    source: str = ""  # the reference the values come from

    def __post_init__(self) -> None:
        if self.conductivity_xyz is not None:
            k = tuple(float(v) for v in self.conductivity_xyz)
            if len(k) != 3 or not all(math.isfinite(v) and v > 0 for v in k):
                raise ValueError(f"{self.name}: conductivity_xyz must be 3 positive numbers, "
                                 f"got {self.conductivity_xyz!r}")
            object.__setattr__(self, "conductivity_xyz", k)
        if self.table is not None:
            object.__setattr__(self, "table", _checked_table(self.name, self.table))
            if self.viscosity is None:
                raise ValueError(f"{self.name}: a temperature table needs a fluid (a viscosity)")

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
        """Thermal diffusivity alpha = k / (rho c_p) (m2/s), from the scalar k."""
        return self.conductivity / (self.density * self.specific_heat)

    @property
    def prandtl(self) -> float | None:
        """Prandtl number nu / alpha; None for solids."""
        nu = self.kinematic_viscosity
        return None if nu is None else nu / self.diffusivity

    @property
    def temperature_range(self) -> tuple[float, float] | None:
        """(lowest, highest) table temperature in C; None without a table."""
        return None if self.table is None else (self.table[0][0], self.table[-1][0])

    def conductivity_axes(self) -> tuple[float, float, float]:
        """Conductivity along the grid's x, y, z axes (W/(m K)).

        ``conductivity_xyz`` for an anisotropic solid, else the scalar three times.
        """
        if self.conductivity_xyz is not None:
            return self.conductivity_xyz
        k = self.conductivity
        return (k, k, k)

    def at(self, temperature_c: float) -> Material:
        """This material with its properties at `temperature_c` (C).

        Interpolates the table linearly between rows (the viscosity linearly in
        log space), clamped to the end rows outside the table; a temperature on
        a row gives that row exactly. Properties the table lacks keep their
        scalar values; the result keeps the table, so ``at`` can be called again.
        Without a table the material itself is returned.
        """
        if self.table is None:
            return self
        t = float(temperature_c)
        if math.isnan(t):
            raise ValueError(f"{self.name}: temperature is NaN")
        rows = self.table
        if t <= rows[0][0]:
            row = rows[0]
        elif t >= rows[-1][0]:
            row = rows[-1]
        else:
            i = bisect.bisect_right([r[0] for r in rows], t) - 1  # rows[i][0] <= t < rows[i+1][0]
            lo, hi = rows[i], rows[i + 1]
            w = (t - lo[0]) / (hi[0] - lo[0])
            if w == 0.0:
                row = lo
            else:
                row = tuple(
                    a * (b / a) ** w if col == "viscosity" else a + w * (b - a)
                    for col, a, b in zip(TABLE_COLUMNS, lo, hi))
        values = dict(zip(TABLE_COLUMNS[1:], row[1:]))
        return dataclasses.replace(self, **values)


def _checked_table(name: str, table) -> tuple[tuple[float, ...], ...]:
    rows = tuple(tuple(float(v) for v in row) for row in table)
    if not rows:
        raise ValueError(f"{name}: empty temperature table")
    width = len(rows[0])
    if not _MIN_COLUMNS <= width <= len(TABLE_COLUMNS) or any(len(r) != width for r in rows):
        raise ValueError(f"{name}: table rows must all have {_MIN_COLUMNS} to "
                         f"{len(TABLE_COLUMNS)} columns {TABLE_COLUMNS}")
    for r in rows:
        if not all(math.isfinite(v) for v in r):
            raise ValueError(f"{name}: non-finite value in table row {r}")
        # density, viscosity, specific heat, conductivity > 0; expansion may be any sign
        if any(v <= 0 for v in r[1:5]):
            raise ValueError(f"{name}: table row {r} has a property <= 0")
    if any(b[0] <= a[0] for a, b in zip(rows, rows[1:])):
        raise ValueError(f"{name}: table temperatures must increase strictly")
    return rows


def _fluid(name: str, source: str, table, **constant: float) -> Material:
    """A library fluid whose scalar properties are its table row at 20 C; the
    properties the table lacks are given as `constant`."""
    table = _checked_table(name, table)
    row = next(r for r in table if r[0] == REFERENCE_TEMPERATURE_C)
    props = dict(constant)
    props.update(zip(TABLE_COLUMNS[1:], row[1:]))
    return Material(name, source=source, table=table, **props)


def _library(*materials: Material) -> dict[str, Material]:
    return {m.name: m for m in materials}


# ---------------------------------------------------------------------------
# Fluid tables.
#
# air, water, propylene-glycol-25: CoolProp 8.0.0 at 101325 Pa. The 20, 40 and
# 50 C rows are copied verbatim from the shared reference table
# fluid_properties_1atm.csv (CoolProp 8.0); the other rows were generated with
# the same CoolProp 8.0.0 (PropsSI at 101325 Pa) and agree with that CSV to all
# its digits where the two overlap. Air: Lemmon et al., J. Phys. Chem. Ref. Data
# 29 (2000) 331 (EOS) and Lemmon & Jacobsen, Int. J. Thermophys. 25 (2004) 21
# (viscosity, conductivity); water: IAPWS-95 with the IAPWS 2008 viscosity and
# 2011 conductivity formulations; propylene glycol 25 % by mass in water:
# Melinder, "Properties of secondary working fluids for indirect systems", IIR
# (2010), CoolProp INCOMP::MPG[0.25] (its expansion: -(1/rho) drho/dT of that
# density fit, central difference).
# Columns: T_C, density, viscosity, specific_heat, conductivity, expansion.
# ---------------------------------------------------------------------------

_AIR_SOURCE = ("CoolProp 8.0 at 1 atm (Lemmon et al. 2000/2004): shared reference "
               "fluid_properties_1atm.csv rows 20/40/50 C, other rows same CoolProp")
_AIR = (
    (15.0, 1.226, 1.796e-5, 1006.0, 0.02550, 3.481e-3),
    (20.0, 1.205, 1.821e-5, 1006.1, 0.02587, 3.421e-3),  # CSV
    (25.0, 1.184, 1.845e-5, 1006.3, 0.02625, 3.363e-3),
    (30.0, 1.165, 1.869e-5, 1006.5, 0.02662, 3.307e-3),
    (35.0, 1.146, 1.893e-5, 1006.7, 0.02699, 3.253e-3),
    (40.0, 1.127, 1.917e-5, 1006.9, 0.02735, 3.201e-3),  # CSV
    (45.0, 1.110, 1.940e-5, 1007.2, 0.02772, 3.150e-3),
    (50.0, 1.092, 1.964e-5, 1007.4, 0.02808, 3.101e-3),  # CSV
    (55.0, 1.076, 1.987e-5, 1007.7, 0.02844, 3.054e-3),
    (60.0, 1.060, 2.010e-5, 1008.0, 0.02880, 3.007e-3),
)

_WATER_SOURCE = ("CoolProp 8.0 at 1 atm (IAPWS-95): shared reference "
                 "fluid_properties_1atm.csv rows 20/40/50 C, other rows same CoolProp")
_WATER = (
    (15.0, 999.10, 1.138e-3, 4188.5, 0.5888, 1.51e-4),
    (20.0, 998.2, 1.002e-3, 4184.1, 0.598, 2.07e-4),  # CSV
    (25.0, 997.05, 8.900e-4, 4181.3, 0.6065, 2.57e-4),
    (30.0, 995.65, 7.972e-4, 4179.8, 0.6144, 3.03e-4),
    (35.0, 994.03, 7.191e-4, 4179.3, 0.6217, 3.46e-4),
    (40.0, 992.2, 6.527e-4, 4179.4, 0.6285, 3.86e-4),  # CSV
    (45.0, 990.21, 5.958e-4, 4180.1, 0.6348, 4.23e-4),
    (50.0, 988.0, 5.465e-4, 4181.3, 0.6406, 4.58e-4),  # CSV
    (55.0, 985.69, 5.036e-4, 4183.0, 0.6460, 4.91e-4),
    (60.0, 983.20, 4.660e-4, 4185.0, 0.6510, 5.23e-4),
)

_PG25_SOURCE = ("CoolProp 8.0 INCOMP::MPG[0.25] (Melinder 2010), 25 % by mass propylene "
                "glycol in water: shared reference fluid_properties_1atm.csv rows 20/40/50 C, "
                "other rows same CoolProp")
_PG25 = (
    (15.0, 1021.2, 2.928e-3, 3908.4, 0.4633, 3.59e-4),
    (20.0, 1019.0, 2.445e-3, 3920.5, 0.4679, 3.96e-4),  # CSV
    (25.0, 1017.2, 2.071e-3, 3932.6, 0.4724, 4.30e-4),
    (30.0, 1014.9, 1.776e-3, 3944.6, 0.4769, 4.63e-4),
    (35.0, 1012.5, 1.542e-3, 3956.7, 0.4814, 4.94e-4),
    (40.0, 1010.0, 1.353e-3, 3968.6, 0.4858, 5.23e-4),  # CSV
    (45.0, 1007.2, 1.199e-3, 3980.6, 0.4903, 5.50e-4),
    (50.0, 1004.0, 1.073e-3, 3992.4, 0.4946, 5.75e-4),  # CSV
    (55.0, 1001.4, 9.670e-4, 4004.1, 0.4989, 5.98e-4),
    (60.0, 998.4, 8.780e-4, 4015.7, 0.5032, 6.19e-4),
)

# Single-phase immersion fluids.
#
# mineral-oil: Paratherm NF, a hydrotreated (white) mineral heat-transfer oil, as
# fitted in CoolProp 8.0.0 INCOMP::PNF2 (fits to the manufacturer's data,
# Paratherm 2013, via SecCool, Skovrup 2013; valid -10 to 320 C); every column
# from that fit at 101325 Pa, expansion as -(1/rho) drho/dT of its density fit.
# A manufacturer's product data, not a standard: another white oil differs by
# tens of per cent in viscosity. Kinematic viscosity 19 cSt and Pr 313 at 40 C.
_MINERAL_OIL_SOURCE = ("CoolProp 8.0 INCOMP::PNF2: Paratherm NF hydrotreated mineral oil, "
                       "manufacturer data (Paratherm 2013) via SecCool (Skovrup 2013); "
                       "typical product values, not a standard")
_MINERAL_OIL = (
    (15.0, 888.22, 5.709e-2, 1811.0, 0.1052, 7.13e-4),
    (20.0, 885.05, 4.270e-2, 1836.8, 0.1049, 7.17e-4),
    (25.0, 881.88, 3.279e-2, 1862.7, 0.1046, 7.21e-4),
    (30.0, 878.70, 2.575e-2, 1888.5, 0.1043, 7.25e-4),
    (35.0, 875.51, 2.060e-2, 1914.2, 0.1040, 7.29e-4),
    (40.0, 872.32, 1.675e-2, 1940.0, 0.1037, 7.33e-4),
    (45.0, 869.12, 1.381e-2, 1965.8, 0.1034, 7.37e-4),
    (50.0, 865.91, 1.152e-2, 1991.6, 0.1031, 7.41e-4),
    (55.0, 862.70, 9.716e-3, 2017.3, 0.1028, 7.45e-4),
    (60.0, 859.48, 8.273e-3, 2043.1, 0.1025, 7.49e-4),
)

# fc-40: 3M Fluorinert Electronic Liquid FC-40 (perfluorinated amines), TYPICAL
# DATA-SHEET VALUES at 25 C from 3M's product information ("not for
# specification purposes"): density 1855 kg/m3, kinematic viscosity 2.2 cSt,
# specific heat 1100 J/(kg K), conductivity 0.065 W/(m K), coefficient of
# expansion 0.0012 1/K; boiling point 165 C, so single-phase over this range.
# The table is a fit to those values, not measured data:
#   density   rho(T) = 1855 (1 - 0.0012 (T - 25))          (linear, 3M's coefficient)
#   viscosity nu(T) = 2.2e-6 exp(B (1/(T + 273.15) - 1/298.15)) m2/s, mu = rho nu
#             (Andrade law; B = 2000 K is our estimate, typical of perfluorinated
#             liquids of this size, not a 3M figure: nu roughly halves from 25 to
#             60 C; expect some 20 % uncertainty at the table ends)
# Specific heat, conductivity and expansion stay the 25 C data-sheet constants.
# Pr is 49 at 40 C.
_FC40_SOURCE = ("3M Fluorinert FC-40 product information, typical values at 25 C (not a "
                "standard); density linear with 3M's expansion coefficient, viscosity an "
                "Andrade fit with an estimated activation temperature of 2000 K")
_FC40 = (  # T_C, density, viscosity
    (15.0, 1877.3, 5.213e-3),
    (20.0, 1866.1, 4.603e-3),
    (25.0, 1855.0, 4.081e-3),
    (30.0, 1843.9, 3.632e-3),
    (35.0, 1832.7, 3.243e-3),
    (40.0, 1821.6, 2.906e-3),
    (45.0, 1810.5, 2.613e-3),
    (50.0, 1799.3, 2.356e-3),
    (55.0, 1788.2, 2.131e-3),
    (60.0, 1777.1, 1.932e-3),
)

_INCROPERA = ("Incropera, DeWitt, Bergman & Lavine, Fundamentals of Heat and Mass "
              "Transfer, 7th ed., Table A.1, at 300 K")

LIBRARY: dict[str, Material] = _library(
    # Fluids: scalar properties are the 20 C table rows (see the tables above).
    _fluid("air", _AIR_SOURCE, _AIR),
    _fluid("water", _WATER_SOURCE, _WATER),
    # 25 % by mass propylene glycol in water (a common coolant-loop mixture).
    _fluid("propylene-glycol-25", _PG25_SOURCE, _PG25),
    # Single-phase immersion coolants.
    _fluid("mineral-oil", _MINERAL_OIL_SOURCE, _MINERAL_OIL),
    _fluid("fc-40", _FC40_SOURCE, _FC40, specific_heat=1100.0, conductivity=0.065,
           expansion=1.2e-3),
    # Solids at 300 K: Incropera, DeWitt, Bergman & Lavine, Fundamentals of Heat and
    # Mass Transfer, 7th ed., Table A.1.
    Material("copper", density=8933.0, specific_heat=385.0, conductivity=401.0,
             source=_INCROPERA + " (pure copper)"),
    Material("aluminium", density=2702.0, specific_heat=903.0, conductivity=237.0,
             source=_INCROPERA + " (pure aluminium)"),
    Material("silicon", density=2330.0, specific_heat=712.0, conductivity=148.0,
             source=_INCROPERA + " (silicon)"),
    # "steel" is plain carbon steel, AISI 1010 (Incropera Table A.1).
    Material("steel", density=7832.0, specific_heat=434.0, conductivity=63.9,
             source=_INCROPERA + " (plain carbon steel, AISI 1010)"),
    Material("stainless-steel", density=7900.0, specific_heat=477.0, conductivity=14.9,
             source=_INCROPERA + " (stainless steel, AISI 304)"),
    # FR-4 glass-epoxy laminate (copper-free), anisotropic: in-plane about
    # 0.8 W/(m K), through-plane about 0.3 W/(m K); typical laminate datasheet
    # values, cf. Azar & Graebner, Proc. IEEE SEMI-THERM 12 (1996) 169-182.
    # conductivity_xyz is along the GRID's axes and assumes a board lying flat
    # (in the x-y plane, through-plane along z), as boards usually lie in a
    # server. A board standing on edge (e.g. a riser card) needs its part's
    # rotation applied to these axes by whoever maps materials onto cells; the
    # material itself knows no orientation. The scalar `conductivity` is the
    # through-plane value.
    Material("fr4", density=1850.0, specific_heat=1100.0, conductivity=0.3,
             conductivity_xyz=(0.8, 0.8, 0.3),
             source="typical FR-4 laminate datasheet values (copper-free), cf. Azar & "
                    "Graebner, SEMI-THERM 12 (1996); in-plane x, y 0.8, through-plane z "
                    "0.3 W/(m K)"),
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
