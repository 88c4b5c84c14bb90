"""The OpenFOAM peer on a conjugate channel: a thermo case (``thermo/cases/cht-channel.toml``,
laminar; ``thermo/cases/cht-server.toml``, k-epsilon) written as a chtMultiRegionSimpleFoam
case on the same uniform grid, run, and read back.

The family of cases the writer takes: a uniform grid (``domain.cells``), solid box parts
(one region each in OpenFOAM; a repeated part gives one region per copy), one inlet on
``x-`` with a uniform velocity along +x and a temperature, one outlet on ``x+``, both
covering the whole width (y) and the same z band, every other face an adiabatic no-slip
wall, no buoyancy, laminar or the standard k-epsilon model, constant properties. Anything
else is refused with a :class:`ValueError` naming the key.

k-epsilon: OpenFOAM's kEpsilon with thermo's constants, the walls and the air's side of
every interface by nutUSpaldingWallFunction (thermo: Spalding's law at the first cell's
speed), compressible::alphatJayatillekeWallFunction (thermo: Jayatilleke's thermal law,
switched at the sublayer's edge as OpenFOAM's: ``physics.thermal_wall_law = "switched"``,
set unless ``--set`` names the law; thermo's default blends it),
epsilonWallFunction and kqRWallFunction, all with thermo's kappa 0.41 and E = exp(0.41 x
5.2); Prt 0.85 in the wall function and the eddy diffusivity; k and epsilon upwind; the
inlet's k and epsilon from its intensity and length scale as thermo sets them. What stays
different: OpenFOAM's thermal wall function takes y+ from k, thermo's from the wall
stress; thermo bounds the eddy viscosity's time scale (Durbin 1996).

OpenFOAM's side (v1912): blockMesh (blocks stacked in z at the inlet band's edges, so
that the inlet and outlet are block faces), topoSet (a cellZone per solid by its box,
the fluid the rest), splitMeshRegions -cellZones, then heRhoThermo with rhoConst,
hConst and const transport for the air (the thermo fluid's density, specific heat,
viscosity and Pr = mu cp / k), heSolidThermo with constIso for the solids, each solid's
power a scalarSemiImplicitSource on h (absolute, W), interfaces
``compressible::turbulentTemperatureCoupledBaffleMixed``, g = 0.

Schemes: van Leer for h (thermo's energy scheme; ``energy``: also
linearUpwind, limitedLinear 1 or upwind), linearUpwind for U (thermo: QUICK on its
staggered grid; OpenFOAM's limited QUICK stalls its SIMPLE residuals at 5e-2;
``momentum``: also upwind, LUST or limitedLinearV 1; on this uniform grid QUICK is
the mean of linear and linearUpwind, LUST 3/4 linear + 1/4 linearUpwind: with LUST the
upstream chip's gap of 3.5-4.2 % closes to 0.1-1.1 %, benchmarks/RESULTS.md Session 14),
linear Laplacians on the orthogonal grid. SIMPLE relaxation p_rgh 0.3, U 0.7, fluid h 0.7, solid h 1 (the
fluid's h at 1 stalls van Leer's residual at 6e-3, the limiter switching between
iterations; the solids' at 0.7 barely heat them). The run stops (an ``abort`` function
object, write now) once every equation's initial residual in every region is below the
tolerance, as thermo's implicit scheme stops on the same normalised residuals; a run
that never gets there goes to its last iteration, whose fields are compared, and the
swing of its solids' maxima over its last fifth of iterations is reported with them
(from the log's ``Min/max T``, which includes the region's boundary faces: a board's
maximum there is its interface with the hotter chip, not a cell value, so it is never
compared).

What is compared (the same definitions in both codes, all cell-centred values):
each solid's largest cell temperature; the outlet's mixing-cup temperature (sum of
mass flux times face temperature over the mass flow); the pressure drop as the mean
pressure of the first fluid cell layer less that of the last (thermo's
``coolant_flow.pressure_drop_pa``); and the energy balance, heat carried out
(m cp (T_out - T_in)) against the power.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import time
from dataclasses import dataclass

import numpy as np

from .openfoam_peer import openfoam_bashrc, read_internal_scalar

__all__ = ["CHT_SOLVER", "ENERGY_SCHEMES", "MOMENTUM_SCHEMES", "ChtSpec", "Solid", "cht_spec", "compare_rows",
           "foam_env",
           "format_table", "openfoam_cht_case", "read_openfoam_cht", "run_openfoam_cht", "thermo_cht",
           "thermo_numbers", "write_fields"]

CHT_SOLVER = "chtMultiRegionSimpleFoam"
STOP_FILE = "stopNow"
#: OpenFOAM's energy advection, by the name ``--energy-scheme`` takes
ENERGY_SCHEMES = {"linearUpwind": "linearUpwind grad(h)", "vanLeer": "vanLeer", "limitedLinear": "limitedLinear 1",
                  "upwind": "upwind"}
#: OpenFOAM's momentum advection, by the name ``--momentum-scheme`` takes
MOMENTUM_SCHEMES = {"linearUpwind": "linearUpwind grad(U)", "upwind": "upwind", "LUST": "LUST grad(U)",
                    "limitedLinearV": "limitedLinearV 1"}
T0 = 273.15  # K at 0 C
#: the closures the writer takes: laminar, and the standard k-epsilon with thermo's wall
#: functions (Spalding's law, Jayatilleke's thermal law), OpenFOAM's nearest equivalents
TURBULENCE = ("none", "k-epsilon")


_HEADER = "FoamFile\n{{\n    version 2.0;\n    format ascii;\n    class {cls};\n    object {obj};\n}}\n"


def _foam(cls: str, obj: str, body: str) -> str:
    return _HEADER.format(cls=cls, obj=obj) + body


def foam_env(rc: pathlib.Path, folder: pathlib.Path) -> dict:
    """The environment a command in ``folder`` runs in: FOAM_RC the bashrc, FOAM_CASE the case."""
    return dict(os.environ, FOAM_RC=str(rc), FOAM_CASE=str(folder))


def _last_time(folder: pathlib.Path) -> pathlib.Path | None:
    times = []
    for d in folder.iterdir():
        try:
            t = float(d.name)
        except ValueError:
            continue
        if d.is_dir() and t > 0:
            times.append((t, d))
    return max(times)[1] if times else None


@dataclass(frozen=True)
class Solid:
    """One solid box: an OpenFOAM region (``region``) and thermo's part copy (``part``)."""

    region: str
    part: str
    box: tuple      # ((x0, y0, z0), (x1, y1, z1)), m
    density: float
    specific_heat: float
    conductivity: float
    power: float    # W


@dataclass(frozen=True)
class ChtSpec:
    """What both codes solve: geometry (m), grid, air properties (SI), inflow."""

    size: tuple
    cells: tuple
    band: tuple     # (z0, z1) of the inlet and outlet, m
    velocity: float  # m/s along +x at the inlet
    inlet_c: float  # C
    density: float
    specific_heat: float
    conductivity: float
    viscosity: float
    solids: tuple
    turbulence: str = "none"   # or "k-epsilon" (standard, wall functions)
    k_in: float = 0.0          # the inlet's k (m2/s2) and epsilon (m2/s3), k-epsilon only
    epsilon_in: float = 0.0
    # thermo's physics.thermal_wall_law (k-epsilon): OpenFOAM's is "switched"; with
    # "blended" the rows measure the two laws as well as the two codes
    thermo_wall_law: str = "switched"

    @property
    def spacing(self) -> tuple:
        return tuple(s / n for s, n in zip(self.size, self.cells))

    @property
    def power(self) -> float:
        return sum(s.power for s in self.solids)

    @property
    def mass_flow(self) -> float:
        return self.density * self.velocity * self.size[1] * (self.band[1] - self.band[0])

    @property
    def outlet_rise(self) -> float:
        """P / (m cp), K: the outlet's rise that energy conservation demands."""
        return self.power / (self.mass_flow * self.specific_heat)


def _refuse(src: str, key: str, problem: str, accepted: str):
    raise ValueError(f"{src}: {key}: {problem}; accepted: {accepted}")


def cht_spec(case) -> ChtSpec:
    """The :class:`ChtSpec` of a thermo :class:`~thermo.case.Case`, or a ValueError
    naming the key the OpenFOAM writer cannot take."""
    d = case.data
    src = case.path.name if case.path else "<dict>"
    if d["domain"].get("cells") is None:
        _refuse(src, "grid", "a graded grid", "a uniform grid (domain.cells)")
    if d["physics"]["buoyancy"] or d["physics"]["turbulence"] not in TURBULENCE:
        _refuse(src, "physics", f"buoyancy or turbulence '{d['physics']['turbulence']}'",
                f"buoyancy = false, turbulence one of {', '.join(map(repr, TURBULENCE))}")
    size = tuple(float(v) for v in d["domain"]["size"])
    cells = tuple(int(v) for v in d["domain"]["cells"])
    fluid = case.fluid
    if fluid.table is not None:
        _refuse(src, "fluid.material", f"'{fluid.name}' has temperature-dependent properties",
                "a [[materials]] fluid with constant properties")
    inlet = outlet = None
    for i, b in enumerate(d["boundaries"]):
        if b["flow"] == "inlet" and inlet is None and b["face"] == "x-":
            inlet = b
        elif b["flow"] == "outlet" and outlet is None and b["face"] == "x+":
            outlet = b
        elif b["flow"] not in ("wall",) or b.get("temperature") is not None or b.get("heat_flux") \
                or b.get("htc") is not None or any(b.get("velocity") or ()):
            _refuse(src, f"boundaries[{i}]", f"'{b['name']}' ({b['flow']} on {b['face']})",
                    "one inlet on x-, one outlet on x+, adiabatic still walls elsewhere")
    if inlet is None or outlet is None:
        _refuse(src, "boundaries", "no inlet on x- or no outlet on x+", "one of each")
    if inlet.get("volume_flow") is not None or any(abs(v) > 0 for v in inlet["velocity"][1:]):
        _refuse(src, "boundaries.inlet.velocity", "a volume flow or a skewed velocity", "[U, 0, 0]")

    def band(b):
        r = b.get("region")
        if r is None:
            return (0.0, size[2])
        if abs(r["min"][0]) > 1e-12 or abs(r["max"][0] - size[1]) > 1e-12:
            _refuse(src, f"boundaries.{b['name']}.region", "a patch narrower than the domain in y",
                    "a z band over the whole width")
        return (float(r["min"][1]), float(r["max"][1]))

    zb = band(inlet)
    if band(outlet) != zb:
        _refuse(src, "boundaries", "inlet and outlet on different z bands", "the same band")
    solids = []
    for i, p in enumerate(d["parts"]):
        if p["kind"] != "solid" or p.get("box") is None or p.get("rotate"):
            _refuse(src, f"parts[{i}]", f"'{p['name']}' is not an unrotated solid box", "solid boxes")
        m = case.material(p["material"])
        if m.conductivity_xyz is not None or m.table is not None:
            _refuse(src, f"parts[{i}].material", "an anisotropic or tabulated solid", "constant isotropic")
        rep = p.get("repeat")
        count, step = (rep["count"], rep["step"]) if rep else (1, (0.0, 0.0, 0.0))
        for k in range(count):
            lo = tuple(float(a + k * s) for a, s in zip(p["box"]["min"], step))
            hi = tuple(float(a + k * s) for a, s in zip(p["box"]["max"], step))
            name = f"{p['name']}[{k}]" if rep else p["name"]
            region = re.sub(r"[^A-Za-z0-9]", "", name) or f"solid{i}"
            solids.append(Solid(region, name, (lo, hi), m.density, m.specific_heat, m.conductivity,
                                float(p["power"])))
    turbulence, k_in, eps_in = d["physics"]["turbulence"], 0.0, 0.0
    if turbulence == "k-epsilon":
        from thermo.solver.kepsilon import INTENSITY, LENGTH_FRACTION, inlet_values
        a, b = size[1], zb[1] - zb[0]
        length = inlet.get("turbulence_length_scale") or LENGTH_FRACTION * 2 * a * b / (a + b)
        k_in, eps_in = inlet_values(float(inlet["velocity"][0]), inlet.get("turbulence_intensity", INTENSITY),
                                    length)
    return ChtSpec(size, cells, zb, float(inlet["velocity"][0]), float(inlet["temperature"]
                   if inlet.get("temperature") is not None else d["fluid"]["initial_temperature"]),
                   fluid.density, fluid.specific_heat, fluid.conductivity, fluid.viscosity, tuple(solids),
                   turbulence, float(k_in), float(eps_in), d["physics"].get("thermal_wall_law", "blended"))


_FLUID = "air"


def _block_mesh(spec: ChtSpec) -> str:
    lx, ly, lz = spec.size
    hx, hy, hz = spec.spacing
    zs = sorted({0.0, *spec.band, lz})
    verts, blocks = [], []
    for z in zs:
        verts += [(0, 0, z), (lx, 0, z), (lx, ly, z), (0, ly, z)]
    for b in range(len(zs) - 1):
        v = [4 * b + i for i in range(4)] + [4 * (b + 1) + i for i in range(4)]
        nz = int(round((zs[b + 1] - zs[b]) / hz))
        blocks.append(f"    hex ({' '.join(map(str, v))}) ({spec.cells[0]} {spec.cells[1]} {nz}) "
                      "simpleGrading (1 1 1)")
    inlet, outlet, walls = [], [], []
    for b in range(len(zs) - 1):
        lo, hi = 4 * b, 4 * (b + 1)
        xmin = f"({lo} {hi} {hi + 3} {lo + 3})"
        xmax = f"({lo + 1} {lo + 2} {hi + 2} {hi + 1})"
        inside = (zs[b], zs[b + 1]) == tuple(spec.band)
        (inlet if inside else walls).append(xmin)
        (outlet if inside else walls).append(xmax)
        walls += [f"({lo} {lo + 1} {hi + 1} {hi})", f"({lo + 3} {hi + 3} {hi + 2} {lo + 2})"]
    walls += ["(0 3 2 1)", f"({4 * (len(zs) - 1)} {4 * (len(zs) - 1) + 1} {4 * (len(zs) - 1) + 2} "
              f"{4 * (len(zs) - 1) + 3})"]
    vtxt = " ".join(f"({x!r} {y!r} {z!r})" for x, y, z in verts)
    return _foam("dictionary", "blockMeshDict", f"""
convertToMeters 1;
vertices ( {vtxt} );
blocks
(
{chr(10).join(blocks)}
);
edges ( );
boundary
(
    inlet  {{ type patch; faces ( {' '.join(inlet)} ); }}
    outlet {{ type patch; faces ( {' '.join(outlet)} ); }}
    walls  {{ type wall; faces ( {' '.join(walls)} ); }}
);
mergePatchPairs ( );
""")


def _topo_set(spec: ChtSpec) -> str:
    eps = 1e-3 * min(spec.spacing)  # cell centres lie half a cell inside the boxes
    acts = []
    for s in spec.solids:
        (x0, y0, z0), (x1, y1, z1) = s.box
        acts.append(f"""    {{ name {s.region}Set; type cellSet; action new; source boxToCell;
      box ({x0 - eps!r} {y0 - eps!r} {z0 - eps!r}) ({x1 + eps!r} {y1 + eps!r} {z1 + eps!r}); }}""")
    for s in spec.solids:
        # a later part takes the cells it shares with an earlier one, as in thermo
        for t in spec.solids[spec.solids.index(s) + 1:]:
            acts.append(f"    {{ name {s.region}Set; type cellSet; action subtract; source cellToCell; "
                        f"set {t.region}Set; }}")
        acts.append(f"    {{ name {s.region}; type cellZoneSet; action new; source setToCellZone; "
                    f"set {s.region}Set; }}")
    acts.append(f"    {{ name {_FLUID}Set; type cellSet; action new; source cellToCell; "
                f"set {spec.solids[0].region}Set; }}")
    for s in spec.solids[1:]:
        acts.append(f"    {{ name {_FLUID}Set; type cellSet; action add; source cellToCell; set {s.region}Set; }}")
    acts.append(f"    {{ name {_FLUID}Set; type cellSet; action invert; }}")
    acts.append(f"    {{ name {_FLUID}; type cellZoneSet; action new; source setToCellZone; set {_FLUID}Set; }}")
    return _foam("dictionary", "topoSetDict", "\nactions\n(\n" + "\n".join(acts) + "\n);\n")


def _control(iterations: int) -> str:
    return _foam("dictionary", "controlDict", f"""
application     {CHT_SOLVER};
startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         {iterations};
deltaT          1;
writeControl    timeStep;
writeInterval   {iterations};
purgeWrite      0;
writeFormat     ascii;
writePrecision  12;
writeCompression off;
timeFormat      general;
timePrecision   8;
runTimeModifiable true;
functions
{{
    // a file named {STOP_FILE} in the case folder makes the run write and stop
    {STOP_FILE} {{ type abort; libs (utilityFunctionObjects); action writeNow; }}
}}
""")


def _fluid_schemes(energy: str, momentum: str = "linearUpwind", turbulent: bool = False) -> str:
    # k and epsilon first-order upwind, as thermo's k-epsilon
    ke = "    div(phi,k) bounded Gauss upwind;\n    div(phi,epsilon) bounded Gauss upwind;\n" if turbulent else ""
    return _foam("dictionary", "fvSchemes", f"""
ddtSchemes {{ default steadyState; }}
gradSchemes {{ default Gauss linear; }}
divSchemes
{{
    default none;
    div(phi,U) bounded Gauss {MOMENTUM_SCHEMES[momentum]};
    div(phi,h) bounded Gauss {ENERGY_SCHEMES[energy]};
    div(phi,K) bounded Gauss linear;
{ke}    div(((rho*nuEff)*dev2(T(grad(U))))) Gauss linear;
}}
laplacianSchemes {{ default Gauss linear corrected; }}
interpolationSchemes {{ default linear; }}
snGradSchemes {{ default corrected; }}
wallDist {{ method meshWave; }}
""")

_SOLID_SCHEMES = _foam("dictionary", "fvSchemes", """
ddtSchemes { default steadyState; }
gradSchemes { default Gauss linear; }
divSchemes { default none; }
laplacianSchemes { default none; laplacian(alpha,h) Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes { default corrected; }
""")


def _fluid_solution(relax_p: float, relax_u: float, relax_h: float, turbulent: bool = False) -> str:
    ke = ("    \"(k|epsilon)\" { solver PBiCGStab; preconditioner DILU; tolerance 1e-12; relTol 0.1; }\n"
          if turbulent else "")
    ke_relax = f" k {relax_u!r}; epsilon {relax_u!r};" if turbulent else ""
    return _foam("dictionary", "fvSolution", f"""
solvers
{{
    "rho.*" {{ solver PCG; preconditioner DIC; tolerance 1e-8; relTol 0; }}
    p_rgh {{ solver GAMG; smoother GaussSeidel; tolerance 1e-8; relTol 0.01; maxIter 20; }}
    U {{ solver PBiCGStab; preconditioner DILU; tolerance 1e-10; relTol 0.1; }}
    h {{ solver PBiCGStab; preconditioner DILU; tolerance 1e-12; relTol 0.001; maxIter 200; }}
{ke}}}
SIMPLE
{{
    momentumPredictor yes;
    nNonOrthogonalCorrectors 0;
    rhoMin 0.1;
    rhoMax 10;
}}
relaxationFactors
{{
    fields {{ rho 1; p_rgh {relax_p!r}; }}
    equations {{ U {relax_u!r}; h {relax_h!r};{ke_relax} }}
}}
""")


def _solid_solution(relax_h: float) -> str:
    return _foam("dictionary", "fvSolution", f"""
solvers {{ h {{ solver PCG; preconditioner DIC; tolerance 1e-12; relTol 0.001; maxIter 200; }} }}
SIMPLE {{ nNonOrthogonalCorrectors 0; }}
relaxationFactors {{ equations {{ h {relax_h!r}; }} }}
""")


def _thermo_fluid(spec: ChtSpec) -> str:
    pr = spec.viscosity * spec.specific_heat / spec.conductivity
    return _foam("dictionary", "thermophysicalProperties", f"""
thermoType
{{
    type            heRhoThermo;
    mixture         pureMixture;
    transport       const;
    thermo          hConst;
    equationOfState rhoConst;
    specie          specie;
    energy          sensibleEnthalpy;
}}
mixture
{{
    specie {{ molWeight 28.96; }}
    equationOfState {{ rho {spec.density!r}; }}
    thermodynamics {{ Cp {spec.specific_heat!r}; Hf 0; }}
    transport {{ mu {spec.viscosity!r}; Pr {pr!r}; }}
}}
""")


def _thermo_solid(s: Solid) -> str:
    return _foam("dictionary", "thermophysicalProperties", f"""
thermoType
{{
    type            heSolidThermo;
    mixture         pureMixture;
    transport       constIso;
    thermo          hConst;
    equationOfState rhoConst;
    specie          specie;
    energy          sensibleEnthalpy;
}}
mixture
{{
    specie {{ molWeight 28; }}
    transport {{ kappa {s.conductivity!r}; }}
    thermodynamics {{ Hf 0; Cp {s.specific_heat!r}; }}
    equationOfState {{ rho {s.density!r}; }}
}}
""")


def wall_constants() -> tuple[float, float, float]:
    """thermo's law-of-the-wall kappa and E (``E = exp(kappa B)``, Spalding's intercept B)
    and turbulent Prandtl number, which OpenFOAM's wall functions and eddy diffusivity are
    given in place of their defaults (E 9.8, Prt 1)."""
    from thermo.kernels.turbulence import E_LOG, KAPPA  # the solver's modules only for k-epsilon
    from thermo.models.turbulence import PRANDTL_TURBULENT
    return KAPPA, E_LOG, PRANDTL_TURBULENT


def _turbulence_properties(spec: ChtSpec) -> str:
    if spec.turbulence == "none":
        return _foam("dictionary", "turbulenceProperties", "\nsimulationType laminar;\n")
    from thermo.models.turbulence import KEpsilon
    ke, prt = KEpsilon(), wall_constants()[2]  # the standard model's constants, as thermo runs it
    return _foam("dictionary", "turbulenceProperties", f"""
simulationType RAS;
RAS
{{
    RASModel kEpsilon;
    turbulence on;
    printCoeffs on;
    kEpsilonCoeffs {{ Cmu {ke.c_mu!r}; C1 {ke.c_1!r}; C2 {ke.c_2!r}; C3 0; sigmak {ke.sigma_k!r}; sigmaEps {ke.sigma_eps!r}; Prt {prt!r}; }}
}}
""")


def _source(s: Solid) -> str:
    return _foam("dictionary", "fvOptions", f"""
heat
{{
    type            scalarSemiImplicitSource;
    active          true;
    selectionMode   all;
    volumeMode      absolute;
    injectionRateSuSp {{ h ({s.power!r} 0); }}
}}
""")


def openfoam_cht_case(folder: pathlib.Path, spec: ChtSpec, iterations: int = 3000,
                      relax: tuple = (0.3, 0.7, 0.7, 1.0), energy: str = "vanLeer",
                      momentum: str = "linearUpwind") -> pathlib.Path:
    """Write the mesh, region and solver files of ``spec`` into ``folder`` (the fields
    follow the split: :func:`write_fields`). ``relax``: p_rgh, U, fluid h, solid h."""
    folder = pathlib.Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("0", "constant", "system"):
        (folder / sub).mkdir(parents=True)
    for a in range(3):
        for lim in [spec.band[0], spec.band[1]] * (a == 2) + [c for s in spec.solids for c in
                                                              (s.box[0][a], s.box[1][a])]:
            n = lim / spec.spacing[a]
            if abs(n - round(n)) > 1e-6:
                raise ValueError(f"{'xyz'[a]} = {lim} lies on no grid line of the "
                                 f"{spec.spacing[a]} m grid: the two codes' meshes would differ")
    regions = [s.region for s in spec.solids]
    turbulent = spec.turbulence != "none"
    files = {
        "system/blockMeshDict": _block_mesh(spec),
        "system/topoSetDict": _topo_set(spec),
        "system/controlDict": _control(iterations),
        "system/fvSchemes": _foam("dictionary", "fvSchemes", "".join(
            f"\n{k} {{ }}" for k in ("ddtSchemes", "gradSchemes", "divSchemes", "laplacianSchemes",
                                     "interpolationSchemes", "snGradSchemes")) + "\n"),
        "system/fvSolution": _foam("dictionary", "fvSolution", "\n"),
        "constant/regionProperties": _foam("dictionary", "regionProperties",
                                           f"\nregions ( fluid ({_FLUID}) solid ({' '.join(regions)}) );\n"),
        "constant/g": _foam("uniformDimensionedVectorField", "g",
                            "\ndimensions [0 1 -2 0 0 0 0];\nvalue (0 0 0);\n"),
        f"constant/{_FLUID}/thermophysicalProperties": _thermo_fluid(spec),
        f"constant/{_FLUID}/turbulenceProperties": _turbulence_properties(spec),
        f"constant/{_FLUID}/radiationProperties": _foam("dictionary", "radiationProperties",
                                                        "\nradiation off;\nradiationModel none;\n"),
        f"system/{_FLUID}/fvSchemes": _fluid_schemes(energy, momentum, turbulent),
        f"system/{_FLUID}/fvSolution": _fluid_solution(*relax[:3], turbulent),
    }
    for s in spec.solids:
        files[f"constant/{s.region}/thermophysicalProperties"] = _thermo_solid(s)
        files[f"constant/{s.region}/radiationProperties"] = files[f"constant/{_FLUID}/radiationProperties"]
        files[f"system/{s.region}/fvSchemes"] = _SOLID_SCHEMES
        files[f"system/{s.region}/fvSolution"] = _solid_solution(relax[3])
        if s.power > 0:
            files[f"constant/{s.region}/fvOptions"] = _source(s)
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    return folder


def _patches(folder: pathlib.Path, region: str) -> list[str]:
    """The patch names of a region's mesh, in the order of its boundary file."""
    text = (folder / "constant" / region / "polyMesh" / "boundary").read_text()
    text = re.sub(r"FoamFile\s*\{.*?\}", "", text, count=1, flags=re.S)
    return re.findall(r"^\s*([A-Za-z_][\w.]*)\s*\n\s*\{", text, re.M)


def write_fields(folder: pathlib.Path, spec: ChtSpec) -> None:
    """Write ``0/<region>/`` fields on the patches splitMeshRegions made."""
    tin = spec.inlet_c + T0
    coupled = ("type compressible::turbulentTemperatureCoupledBaffleMixed; Tnbr T; "
               "kappaMethod {m}; value uniform " + repr(tin) + ";")

    def field(region, cls, name, dims, internal, bcs):
        body = f"\ndimensions {dims};\ninternalField uniform {internal};\nboundaryField\n{{\n"
        for patch in _patches(folder, region):
            body += f"    {patch} {{ {bcs(patch)} }}\n"
        return _foam(cls, name, body + "}\n")

    def t_bc(region, method):
        def bc(patch):
            if "_to_" in patch:
                return coupled.format(m=method)
            if patch == "inlet" and region == _FLUID:
                return f"type fixedValue; value uniform {tin!r};"
            if patch == "outlet" and region == _FLUID:
                return f"type inletOutlet; inletValue uniform {tin!r}; value uniform {tin!r};"
            return "type zeroGradient;"
        return bc

    out = folder / "0"
    (out / _FLUID).mkdir(parents=True, exist_ok=True)
    u_in = f"({spec.velocity!r} 0 0)"
    files = {
        f"{_FLUID}/T": field(_FLUID, "volScalarField", "T", "[0 0 0 1 0 0 0]", repr(tin), t_bc(_FLUID, "fluidThermo")),
        f"{_FLUID}/U": field(_FLUID, "volVectorField", "U", "[0 1 -1 0 0 0 0]", "(0 0 0)",
                             lambda p: {"inlet": f"type fixedValue; value uniform {u_in};",
                                        "outlet": "type zeroGradient;"}.get(p, "type noSlip;")),
        f"{_FLUID}/p_rgh": field(_FLUID, "volScalarField", "p_rgh", "[1 -1 -2 0 0 0 0]", "1e5",
                                 lambda p: "type fixedValue; value uniform 1e5;" if p == "outlet"
                                 else "type fixedFluxPressure; value uniform 1e5;"),
        f"{_FLUID}/p": field(_FLUID, "volScalarField", "p", "[1 -1 -2 0 0 0 0]", "1e5",
                             lambda p: "type calculated; value uniform 1e5;"),
    }
    if spec.turbulence != "none":
        kappa, e_log, prt = wall_constants()
        coeffs = f"kappa {kappa!r}; E {e_log!r};"

        def turb_bc(value: str, wall: str):
            ends = {"inlet": f"type fixedValue; value {value};",
                    "outlet": f"type inletOutlet; inletValue {value}; value {value};"}
            return lambda p: ends.get(p, f"type {wall}; value {value};")

        k_in, e_in = f"uniform {spec.k_in!r}", f"uniform {spec.epsilon_in!r}"
        files[f"{_FLUID}/k"] = field(_FLUID, "volScalarField", "k", "[0 2 -2 0 0 0 0]", repr(spec.k_in),
                                     turb_bc(k_in, "kqRWallFunction"))
        files[f"{_FLUID}/epsilon"] = field(_FLUID, "volScalarField", "epsilon", "[0 2 -3 0 0 0 0]",
                                           repr(spec.epsilon_in),
                                           turb_bc(e_in, f"epsilonWallFunction; {coeffs}"))
        files[f"{_FLUID}/nut"] = field(_FLUID, "volScalarField", "nut", "[0 2 -1 0 0 0 0]", "0",
                                       lambda p: "type calculated; value uniform 0;" if p in ("inlet", "outlet")
                                       else f"type nutUSpaldingWallFunction; {coeffs} value uniform 0;")
        files[f"{_FLUID}/alphat"] = field(
            _FLUID, "volScalarField", "alphat", "[1 -1 -1 0 0 0 0]", "0",
            lambda p: "type calculated; value uniform 0;" if p in ("inlet", "outlet") else
            f"type compressible::alphatJayatillekeWallFunction; Prt {prt!r}; {coeffs} value uniform 0;")
    for s in spec.solids:
        (out / s.region).mkdir(parents=True, exist_ok=True)
        files[f"{s.region}/T"] = field(s.region, "volScalarField", "T", "[0 0 0 1 0 0 0]", repr(tin),
                                       t_bc(s.region, "solidThermo"))
        files[f"{s.region}/p"] = field(s.region, "volScalarField", "p", "[1 -1 -2 0 0 0 0]", "1e5",
                                       lambda p: "type calculated; value uniform 1e5;")
    for rel, text in files.items():
        (out / rel).write_text(text)


def _boundary_list(path: pathlib.Path, patch: str) -> np.ndarray:
    """The value list of one patch in an ASCII field file (a uniform value: one entry)."""
    text = path.read_text()
    m = re.search(rf"\n\s*{patch}\s*\{{(.*?)\}}", text[text.index("boundaryField"):], re.S)
    if m is None:
        raise ValueError(f"no patch {patch} in {path}")
    body = m.group(1)
    lst = re.search(r"value\s+nonuniform\s+List<scalar>\s*(\d+)\s*\((.*?)\)\s*;", body, re.S)
    if lst:
        return np.array(lst.group(2).split(), dtype=float)
    uni = re.search(r"value\s+uniform\s+([-+0-9.eE]+)", body)
    if uni is None:
        raise ValueError(f"no value on patch {patch} in {path}")
    return np.array([float(uni.group(1))])


def _read_vectors(path: pathlib.Path) -> np.ndarray:
    """The internalField of an ASCII OpenFOAM volVectorField, (n, 3)."""
    text = path.read_text()
    m = re.search(r"internalField\s+nonuniform\s+List<vector>\s*(\d+)\s*\((.*?)\n\)\s*;", text, re.S)
    if m is None:
        raise ValueError(f"no vector internalField in {path}")
    rows = re.findall(r"\(([^()]*)\)", m.group(2))
    return np.array([r.split() for r in rows], dtype=float).reshape(int(m.group(1)), 3)


def _residuals(log: str) -> dict:
    """The last initial residual of each equation (region-blind: the largest of the last
    iteration's), from a solver log."""
    last = log.rsplit("\nTime = ", 1)[-1]
    out = {}
    for name, r in re.findall(r"Solving for (\w+), Initial residual = ([-+0-9.eE]+)", last):
        out[name] = max(out.get(name, 0.0), float(r))
    return out


def _iteration_residual(log: str) -> tuple[int, float] | None:
    """(iteration, largest initial residual over every equation and region) of the last
    complete iteration of a solver log, or None before one completes."""
    chunks = log.split("\nTime = ")
    if len(chunks) < 3:
        return None
    done = chunks[-2]
    res = [float(r) for r in re.findall(r"Solving for \w+, Initial residual = ([-+0-9.eE]+)", done)]
    return (int(done.split()[0]), max(res)) if res else None


def _solid_history(log: str) -> dict:
    """Per solid region, the largest temperature (K) the log prints at each iteration
    (over its cells and its boundary faces)."""
    out: dict = {}
    for region, tmax in re.findall(r"Solving for solid region (\w+)\n(?:.*\n)*?Min/max T:\s*\S+\s+(\S+)", log):
        out.setdefault(region, []).append(float(tmax))
    return out


def run_openfoam_cht(folder: pathlib.Path, spec: ChtSpec, max_iterations: int = 5000,
                     tolerance: float = 1e-6, timeout: float = 1800, nice: int = 10,
                     energy: str = "vanLeer", momentum: str = "linearUpwind") -> dict:
    """Write, mesh, split and run the case on one core until every initial residual is
    below ``tolerance`` (or ``max_iterations``); return the compared numbers."""
    rc = openfoam_bashrc()
    if rc is None:
        raise RuntimeError("OpenFOAM not installed")
    folder = pathlib.Path(folder)
    openfoam_cht_case(folder, spec, max_iterations, energy=energy, momentum=momentum)
    env = foam_env(rc, folder)

    def cmd(line: str) -> list:
        # the bashrc sees the shell's positional parameters as its options: pass none
        return ["bash", "-c", f'source "$FOAM_RC" >/dev/null 2>&1; cd "$FOAM_CASE" && nice -n {nice} {line}']

    def sh(line: str, log_name: str) -> float:
        t0 = time.perf_counter()
        with open(folder / f"log.{log_name}", "w") as log:
            subprocess.run(cmd(line), env=env, stdout=log, stderr=subprocess.STDOUT, check=True,
                           timeout=timeout)
        return time.perf_counter() - t0

    mesh_s = sh("blockMesh", "blockMesh") + sh("topoSet", "topoSet")
    mesh_s += sh("splitMeshRegions -cellZones -overwrite", "splitMeshRegions")
    write_fields(folder, spec)
    log_path = folder / f"log.{CHT_SOLVER}"
    t0 = time.perf_counter()
    converged_at = None
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd(CHT_SOLVER), env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            while proc.poll() is None:
                time.sleep(0.2)
                if time.perf_counter() - t0 > timeout:
                    raise subprocess.TimeoutExpired(CHT_SOLVER, timeout)
                state = _iteration_residual(log_path.read_text()) if converged_at is None else None
                if state is not None and state[1] < tolerance:
                    converged_at = state[0]
                    (folder / STOP_FILE).touch()
        finally:
            if proc.poll() is None:
                proc.kill()
    solve_s = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{CHT_SOLVER} failed (status {proc.returncode}): see {log_path}")
    sh(f"postProcess -func writeCellCentres -region {_FLUID} -latestTime", "writeCellCentres")
    log = log_path.read_text()
    last = _last_time(folder)
    if last is None:
        raise RuntimeError(f"OpenFOAM wrote no result in {folder}")
    cpu = re.findall(r"ExecutionTime = ([0-9.eE+-]+) s", log)
    out = {"code": f"OpenFOAM {CHT_SOLVER}", "iterations": int(float(last.name)),
           "converged": converged_at is not None, "converged_at": converged_at,
           "residuals": _residuals(log), "mesh_s": mesh_s, "wall_s": solve_s,
           "cpu_s": float(cpu[-1]) if cpu else None}
    out.update(read_openfoam_cht(folder, last, spec))
    hist = _solid_history(log)
    tail = {}
    for s in spec.solids:
        h = np.array(hist.get(s.region, [np.nan]))[-max(1, len(hist.get(s.region, [])) // 5):] - T0
        tail[s.part] = (float(h.mean()), float(h.min()), float(h.max()))
    out["solid_max_tail_c"] = tail
    out["energy_scheme"] = energy
    out["momentum_scheme"] = momentum
    version = re.search(r"OPENFOAM=(\d+)", log)
    out["version"] = f"v{version.group(1)}" if version else None
    return out


def read_openfoam_cht(folder: pathlib.Path, last: pathlib.Path, spec: ChtSpec) -> dict:
    """The compared numbers from an OpenFOAM result folder (``last``: its time folder)."""
    solid_max = {s.part: float(read_internal_scalar(last / s.region / "T").max()) - T0 for s in spec.solids}
    phi = _boundary_list(last / _FLUID / "phi", "outlet")
    t_out = _boundary_list(last / _FLUID / "T", "outlet")
    phi_in = _boundary_list(last / _FLUID / "phi", "inlet")
    mdot = float(phi.sum())
    t_mix = float((phi * t_out).sum() / mdot) - T0 if t_out.size > 1 else float(t_out[0]) - T0
    centres = _read_vectors(last / _FLUID / "C")
    p = read_internal_scalar(last / _FLUID / "p")
    hx = spec.spacing[0]
    first = centres[:, 0] < hx
    final = centres[:, 0] > spec.size[0] - hx
    dp = float(p[first].mean() - p[final].mean())
    return {"solid_max_c": solid_max, "outlet_c": t_mix, "pressure_drop_pa": dp,
            "mass_flow_kg_s": mdot, "inflow_kg_s": float(-phi_in.sum()),
            "heat_out_w": mdot * spec.specific_heat * (t_mix - spec.inlet_c)}


def thermo_cht(case, outdir: pathlib.Path) -> dict:
    """Run the thermo case into ``outdir`` and return the compared numbers."""
    from thermo.runner import run_case  # the solver only when thermo's side runs

    t0, c0 = time.perf_counter(), time.process_time()
    s = run_case(case, outdir, quiet=True)
    return thermo_numbers(s, time.perf_counter() - t0, time.process_time() - c0)


def thermo_numbers(s: dict, wall: float, cpu: float | None) -> dict:
    """The compared numbers from a thermo ``summary.json`` (a dict). A run whose flow
    never stops moving (monitors with ``solver.average_tolerance``) gives each solid's
    maximum as its mean over the latter half of the run (``monitors.run_means_c``, with
    its sampling error in ``solid_error_k``), the steady answer's counterpart."""
    flow = s["coolant_flow"]
    mon = s.get("monitors") or {}
    means, errors = mon.get("run_means_c") or {}, mon.get("run_error_k") or {}
    averaged = bool(mon.get("average_tolerance_k")) and all(f"{k} max" in means for k in s["parts"])
    solid = ({k: means[f"{k} max"] for k in s["parts"]} if averaged else
             {k: v["max_temperature_c"] for k, v in s["parts"].items()})
    return {"code": "thermo (implicit steady)", "iterations": s["steps"], "converged": s["converged"],
            "residuals": s["residuals"], "wall_s": wall, "cpu_s": cpu, "compile_s": s["compile_time_s"],
            "averaged": averaged, "solid_error_k": {k: errors.get(f"{k} max") for k in s["parts"]} if averaged else {},
            "solid_max_c": solid,
            "outlet_c": flow["outlet_temperature_c"], "pressure_drop_pa": flow["pressure_drop_pa"],
            "mass_flow_kg_s": flow["mass_flow_kg_s"], "heat_out_w": flow["heat_removed_w"],
            "energy_imbalance": s["energy_imbalance"]}


def compare_rows(spec: ChtSpec, thermo: dict, foam: dict) -> list[dict]:
    """The side-by-side rows: quantity, thermo, OpenFOAM, difference and the difference
    as % of the rise it measures (temperatures: over the inlet; the pressure drop: of
    OpenFOAM's drop)."""
    rows = []
    for part in foam["solid_max_c"]:
        # a stalled run too: its last iteration's cells (the log's tail includes the
        # boundary faces: the board's is the chip's interface temperature)
        b = foam["solid_max_c"][part]
        a = thermo["solid_max_c"][part]
        rows.append({"quantity": f"{part} max (C)", "thermo": a, "openfoam": b, "diff": a - b,
                     "pct": 100 * (a - b) / (b - spec.inlet_c)})
    a, b = thermo["outlet_c"], foam["outlet_c"]
    rows.append({"quantity": "outlet mixing-cup (C)", "thermo": a, "openfoam": b, "diff": a - b,
                 "pct": 100 * (a - b) / (b - spec.inlet_c)})
    a, b = thermo["pressure_drop_pa"], foam["pressure_drop_pa"]
    rows.append({"quantity": "pressure drop (Pa)", "thermo": a, "openfoam": b, "diff": a - b,
                 "pct": 100 * (a - b) / b})
    for code, r in (("thermo", thermo), ("openfoam", foam)):
        r["energy_error"] = (r["heat_out_w"] - spec.power) / spec.power
    return rows


def format_table(spec: ChtSpec, thermo: dict, foam: dict, rows: list[dict]) -> str:
    """A Markdown table of the rows, the energy checks and both codes' wall times."""
    lines = [f"grid {'x'.join(map(str, spec.cells))} ({np.prod(spec.cells):,} cells, "
             f"{1e3 * spec.spacing[0]:g} mm), power {spec.power:g} W, inlet {spec.inlet_c:g} C, "
             f"outlet rise P/(m cp) = {spec.outlet_rise:.4f} K" +
             (f", thermo's thermal wall law {spec.thermo_wall_law} (OpenFOAM's: switched)"
              if spec.turbulence != "none" else ""),
             "", "| quantity | thermo | OpenFOAM | thermo - OpenFOAM | % of the rise |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['quantity']} | {r['thermo']:.4f} | {r['openfoam']:.4f} | {r['diff']:+.4f} | "
                     f"{r['pct']:+.2f} % |")
    lines.append(f"| energy: heat out / power - 1 | {thermo['energy_error']:+.2e} | "
                 f"{foam['energy_error']:+.2e} | | |")
    lines.append(f"| iterations | {thermo['iterations']} | {foam['iterations']} | | |")
    lines.append(f"| wall time (s) | {thermo['wall_s']:.1f} (first call {thermo['compile_s']:.1f}) | "
                 f"{foam['wall_s']:.1f} (+ mesh {foam['mesh_s']:.1f}) | | |")
    cpu = [float("nan") if r.get("cpu_s") is None else r["cpu_s"] for r in (thermo, foam)]
    lines.append(f"| CPU time (s, all threads) | {cpu[0]:.1f} | {cpu[1]:.1f} | | |")
    if thermo.get("averaged"):
        lines.append("\nthermo's flow kept moving: its solids' maxima are their means over the latter half "
                     "of its pseudo-time (95 % sampling error " +
                     ", ".join(f"{k} {v:.3f} K" for k, v in thermo["solid_error_k"].items() if v is not None) + ")")
    if not foam["converged"]:
        lines.append(f"\nOpenFOAM ({foam['energy_scheme']} h, {foam.get('momentum_scheme', 'linearUpwind')} U) "
                     f"stalled at residuals {foam['residuals']}: its last iteration's fields are compared; over "
                     "the last fifth of its iterations the log's maxima (cells and boundary faces) swung by " +
                     ", ".join(f"{k} {v[2] - v[1]:.3f} K" for k, v in foam["solid_max_tail_c"].items()))
    return "\n".join(lines)


def main(argv=None) -> int:
    """``python -m thermo.bench cht [--case NAME] [--refine R] [--iterations N] [--out DIR]``: both
    codes on the cht-channel example (or ``--case``), side by side (OpenFOAM skipped with a
    message when absent)."""
    import argparse

    from thermo.case import example_path, load_case

    from .paths import default_out

    ap = argparse.ArgumentParser(prog="thermo bench cht", description=main.__doc__)
    ap.add_argument("--refine", type=int, default=1, help="cells per axis times this (default 1)")
    ap.add_argument("--iterations", type=int, default=5000, help="OpenFOAM's most SIMPLE iterations")
    ap.add_argument("--tolerance", type=float, default=1e-6, help="both codes' residual tolerance")
    ap.add_argument("--energy-scheme", default="vanLeer", choices=sorted(ENERGY_SCHEMES),
                    help="OpenFOAM's energy advection (default vanLeer, thermo's)")
    ap.add_argument("--momentum-scheme", default="linearUpwind", choices=sorted(MOMENTUM_SCHEMES),
                    help="OpenFOAM's momentum advection (default linearUpwind; LUST is the nearest "
                         "to thermo's QUICK)")
    ap.add_argument("--skip-thermo", action="store_true", help="reuse OUT/thermo-<grid>/summary.json")
    ap.add_argument("--case", default="cht-channel",
                    help="a case file of the family or a bundled example's name (default: cht-channel; "
                         "cht-server is the turbulent one)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a case value, as `thermo run --set` (thermo's solver settings: "
                         "a refined turbulent grid may settle by its averages, solver.average_tolerance)")
    ap.add_argument("-o", "--out", default=None)
    args = ap.parse_args(argv)
    path = pathlib.Path(args.case) if pathlib.Path(args.case).is_file() else example_path(args.case)
    base = load_case(path, args.set)
    if base.data["physics"]["turbulence"] != "none" and "thermal_wall_law" not in base.data["physics"]:
        # the law OpenFOAM's alphatJayatillekeWallFunction solves: the same model in both
        args.set = [*args.set, 'physics.thermal_wall_law="switched"']
    cells = [args.refine * c for c in base.data["domain"]["cells"]]
    case = load_case(path, [*args.set, f"domain.cells=[{','.join(map(str, cells))}]",
                            f"solver.tolerance={args.tolerance!r}"])
    spec = cht_spec(case)
    out = pathlib.Path(args.out) if args.out else default_out() / "cht"
    tag = "x".join(map(str, cells))
    found = openfoam_bashrc() is not None
    print("OpenFOAM found" if found else "OpenFOAM not installed: its side skipped (apt-get install openfoam)")
    foam = None
    if found:
        foam = run_openfoam_cht(out / f"openfoam-{tag}-{args.energy_scheme}-{args.momentum_scheme}", spec,
                                args.iterations, args.tolerance, energy=args.energy_scheme,
                                momentum=args.momentum_scheme)
        print(f"OpenFOAM: {foam['iterations']} iterations, {foam['wall_s']:.1f} s, residuals {foam['residuals']}")
    law = f"-{spec.thermo_wall_law}" if spec.turbulence != "none" else ""
    summary = out / f"thermo-{tag}{law}" / "summary.json"
    if args.skip_thermo and summary.exists():
        s = json.loads(summary.read_text())
        thermo = thermo_numbers(s, s["wall_time_s"], float("nan"))
    else:
        thermo = thermo_cht(case, out / f"thermo-{tag}{law}")
    print(f"thermo: {thermo['iterations']} iterations, {thermo['wall_s']:.1f} s")
    if foam is None:
        print(json.dumps(thermo, indent=1, default=float))
        return 0
    rows = compare_rows(spec, thermo, foam)
    table = format_table(spec, thermo, foam, rows)
    print(table)
    tag = f"{tag}-{args.energy_scheme}-{args.momentum_scheme}{law}"
    (out / f"cht-{tag}.json").write_text(json.dumps({"thermo": thermo, "openfoam": foam, "rows": rows},
                                                    indent=1, default=float))
    (out / f"cht-{tag}.md").write_text(table + "\n")
    return 0
