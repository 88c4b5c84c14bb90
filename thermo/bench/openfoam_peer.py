"""The OpenFOAM peer on the de Vahl Davis cavity: a buoyantBoussinesqSimpleFoam case
written, run and read back (see :mod:`thermo.bench.peers` for the problem and the
solver settings)."""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import time

import numpy as np

__all__ = ["OPENFOAM_BASHRC", "OPENFOAM_SOLVER", "openfoam_available", "openfoam_bashrc", "openfoam_case",
           "read_internal_scalar", "run_openfoam"]

OPENFOAM_SOLVER = "buoyantBoussinesqSimpleFoam"
OPENFOAM_BASHRC = pathlib.Path("/usr/share/openfoam/etc/bashrc")

_HEADER = """FoamFile
{{
    version     2.0;
    format      ascii;
    class       {cls};
    object      {obj};
}}
"""


def _foam(cls: str, obj: str, body: str) -> str:
    return _HEADER.format(cls=cls, obj=obj) + body


def openfoam_bashrc() -> pathlib.Path | None:
    """The OpenFOAM environment script, if one is installed."""
    root = os.environ.get("WM_PROJECT_DIR")
    for c in ([pathlib.Path(root) / "etc" / "bashrc"] if root else []) + [OPENFOAM_BASHRC]:
        if c.is_file():
            return c
    return None


def _env(rc: pathlib.Path, folder: pathlib.Path | None = None) -> dict:
    env = dict(os.environ, FOAM_RC=str(rc), FOAM_SOLVER=OPENFOAM_SOLVER)
    if folder is not None:
        env["FOAM_CASE"] = str(folder)
    return env


def openfoam_available() -> tuple[bool, str]:
    """(found, message): whether the OpenFOAM solver can be run here."""
    rc = openfoam_bashrc()
    if rc is None:
        return False, "OpenFOAM not installed: peer skipped (apt-get install openfoam)"
    try:
        found = subprocess.run(
            ["bash", "-c", 'source "$FOAM_RC" >/dev/null 2>&1; command -v "$FOAM_SOLVER"'],
            env=_env(rc), capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        found = ""
    if not found:
        return False, f"OpenFOAM environment found ({rc}) but no {OPENFOAM_SOLVER}: peer skipped"
    return True, f"OpenFOAM found: {found}"


def openfoam_case(folder: pathlib.Path, n: int = 64, ra: float = 1e5,
                  tolerance: float = 1e-6, max_iterations: int = 20000) -> pathlib.Path:
    """Write the de Vahl Davis case for buoyantBoussinesqSimpleFoam into ``folder``."""
    folder = pathlib.Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("0", "constant", "system"):
        (folder / sub).mkdir(parents=True)
    alpha = (1.0 / (ra * 0.71)) ** 0.5
    nu = 0.71 * alpha
    depth = 1.0 / n
    files = {
        "system/blockMeshDict": _foam("dictionary", "blockMeshDict", f"""
convertToMeters 1;
vertices ( (0 0 0) (1 0 0) (1 1 0) (0 1 0) (0 0 {depth!r}) (1 0 {depth!r}) (1 1 {depth!r}) (0 1 {depth!r}) );
blocks ( hex (0 1 2 3 4 5 6 7) ({n} {n} 1) simpleGrading (1 1 1) );
edges ( );
boundary
(
    hot  {{ type wall; faces ( (0 4 7 3) ); }}
    cold {{ type wall; faces ( (1 2 6 5) ); }}
    walls {{ type wall; faces ( (0 1 5 4) (3 7 6 2) ); }}
    frontAndBack {{ type empty; faces ( (0 3 2 1) (4 5 6 7) ); }}
);
mergePatchPairs ( );
"""),
        "system/controlDict": _foam("dictionary", "controlDict", f"""
application     {OPENFOAM_SOLVER};
startFrom       startTime;
startTime       0;
stopAt          endTime;
endTime         {max_iterations};
deltaT          1;
writeControl    timeStep;
writeInterval   {max_iterations};
purgeWrite      0;
writeFormat     ascii;
writePrecision  12;
writeCompression off;
timeFormat      general;
timePrecision   8;
runTimeModifiable false;
"""),
        "system/fvSchemes": _foam("dictionary", "fvSchemes", """
ddtSchemes { default steadyState; }
gradSchemes { default Gauss linear; }
divSchemes
{
    default none;
    div(phi,U) bounded Gauss linear;
    div(phi,T) bounded Gauss linear;
    div((nuEff*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes { default corrected; }
"""),
        "system/fvSolution": _foam("dictionary", "fvSolution", f"""
solvers
{{
    p_rgh {{ solver GAMG; smoother GaussSeidel; tolerance 1e-8; relTol 0.01; }}
    "(U|T)" {{ solver smoothSolver; smoother symGaussSeidel; tolerance 1e-9; relTol 0.1; }}
}}
SIMPLE
{{
    momentumPredictor yes;
    nNonOrthogonalCorrectors 0;
    pRefCell 0;
    pRefValue 0;
    residualControl {{ p_rgh {tolerance!r}; U {tolerance!r}; T {tolerance!r}; }}
}}
relaxationFactors
{{
    fields {{ p_rgh 0.5; }}
    equations {{ U 0.8; T 0.9; }}
}}
"""),
        "constant/g": _foam("uniformDimensionedVectorField", "g",
                            "\ndimensions [0 1 -2 0 0 0 0];\nvalue (0 -1 0);\n"),
        "constant/transportProperties": _foam("dictionary", "transportProperties", f"""
transportModel Newtonian;
nu    {nu!r};
beta  1;
TRef  0.5;
Pr    0.71;
Prt   0.85;
"""),
        "constant/turbulenceProperties": _foam("dictionary", "turbulenceProperties",
                                               "\nsimulationType laminar;\n"),
    }
    walls = ("hot", "cold", "walls")

    def field(cls, name, dims, internal, bcs):
        body = f"\ndimensions {dims};\ninternalField uniform {internal};\nboundaryField\n{{\n"
        for patch in walls:
            body += f"    {patch} {{ {bcs[patch]} }}\n"
        body += "    frontAndBack { type empty; }\n}\n"
        return _foam(cls, name, body)

    files["0/U"] = field("volVectorField", "U", "[0 1 -1 0 0 0 0]", "(0 0 0)",
                         {w: "type noSlip;" for w in walls})
    files["0/T"] = field("volScalarField", "T", "[0 0 0 1 0 0 0]", "0.5",
                         {"hot": "type fixedValue; value uniform 1;",
                          "cold": "type fixedValue; value uniform 0;",
                          "walls": "type zeroGradient;"})
    files["0/p_rgh"] = field("volScalarField", "p_rgh", "[0 2 -2 0 0 0 0]", "0",
                             {w: "type fixedFluxPressure; value uniform 0;" for w in walls})
    files["0/p"] = field("volScalarField", "p", "[0 2 -2 0 0 0 0]", "0",
                         {w: "type calculated; value uniform 0;" for w in walls})
    files["0/alphat"] = field("volScalarField", "alphat", "[0 2 -1 0 0 0 0]", "0",
                              {w: "type calculated; value uniform 0;" for w in walls})
    for rel, text in files.items():
        (folder / rel).write_text(text)
    return folder


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


def read_internal_scalar(path: pathlib.Path) -> np.ndarray:
    """The internalField of an ASCII OpenFOAM volScalarField."""
    text = path.read_text()
    m = re.search(r"internalField\s+nonuniform\s+List<scalar>\s*(\d+)\s*\((.*?)\)\s*;", text, re.S)
    if m is None:
        m2 = re.search(r"internalField\s+uniform\s+([-+0-9.eE]+)", text)
        if m2 is None:
            raise ValueError(f"no internalField in {path}")
        return np.array([float(m2.group(1))])
    return np.array(m.group(2).split(), dtype=float)


def run_openfoam(folder: pathlib.Path, n: int = 64, ra: float = 1e5, timeout: float = 1800) -> dict:
    """Write the case, run blockMesh and the solver (one core) and return the timing and Nu."""
    rc = openfoam_bashrc()
    if rc is None:
        raise RuntimeError("OpenFOAM not installed")
    openfoam_case(folder, n, ra)

    def sh(cmd: str) -> float:
        t0 = time.perf_counter()
        with open(folder / f"log.{cmd.split()[0]}", "w") as log:
            # the bashrc sees the shell's positional parameters as its options: pass none
            subprocess.run(["bash", "-c", f'source "$FOAM_RC" >/dev/null 2>&1; cd "$FOAM_CASE" && {cmd}'],
                           env=_env(rc, folder), stdout=log, stderr=subprocess.STDOUT,
                           check=True, timeout=timeout)
        return time.perf_counter() - t0

    mesh_s = sh("blockMesh")
    solve_s = sh(OPENFOAM_SOLVER)
    log = (folder / f"log.{OPENFOAM_SOLVER}").read_text()
    converged = "solution converged" in log
    iters = re.findall(r"^Time = (\d+)", log, re.M)
    last = _last_time(folder)
    if last is None:
        raise RuntimeError(f"OpenFOAM wrote no result in {folder}")
    T = read_internal_scalar(last / "T").reshape(n, n)   # cells: x fastest, then y
    h = 1.0 / n
    nu = float(np.mean((1.0 - T[:, 0]) / (h / 2)))
    version = re.search(r"OPENFOAM=(\d+)", log)
    return {"solver": OPENFOAM_SOLVER, "version": f"v{version.group(1)}" if version else None,
            "n": n, "ra": ra, "iterations": int(iters[-1]) if iters else None,
            "converged": converged, "mesh_s": mesh_s, "wall_s": solve_s, "nu": nu,
            "case_folder": folder.name}

