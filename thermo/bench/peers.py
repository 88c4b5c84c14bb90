"""Peers for the de Vahl Davis cavity (Ra = 1e5 by default, n x n cells): OpenFOAM and NumPy.

OpenFOAM: ``openfoam_case(folder, n, ra)`` writes a complete buoyantBoussinesqSimpleFoam
case (v1912 dictionaries) for the same problem as ``thermo/cases/devahldavis.toml``:
unit square, one cell deep (``empty`` front and back), hot wall x- at 1, cold wall x+
at 0, adiabatic top and bottom, g = (0, -1, 0), beta = 1, TRef = 0.5, Pr = 0.71,
laminar. The solver settings are the ones that gave the times recorded in the machine
notes: plain SIMPLE, relaxation p_rgh 0.5 (field), U 0.8 and T 0.9 (equations),
GAMG for p_rgh, second-order central (``bounded Gauss linear``) convection, stop when
the initial residuals of p_rgh, U and T are all below 1e-6, one core.
``run_openfoam`` runs blockMesh and the solver in that folder, times the solver, and
reads the hot-wall Nusselt number from the last written T
(``mean_j (1 - T[j, 0]) / (h / 2)``, the same wall-gradient definition as ours).

NumPy: ``numpy_devahldavis(n, ra)`` marches the same problem to a steady state with a
plain vectorised NumPy solver on the same staggered (MAC) grid, the same variable-step
Adams-Bashforth 2 and the same steady test (max |du|/dt and max |dT|/dt below 1e-6 in
the case's units, where the velocity, length and time scales are all 1). It differs
from thermo's discretisation where a simple reference should: *central* (second-order)
advection of momentum and temperature instead of QUICK / van Leer, *explicit* diffusion
(so the step also obeys the diffusive limit, AB2-stable dt <= h^2 / (8 max(nu, alpha)))
instead of implicit viscous and conduction solves, and a non-incremental projection
whose Poisson equation (pure Neumann) is solved *exactly* by the eigenvectors of the
1-D Neumann Laplacians (four n x n matrix products per step) instead of multigrid CG.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import time

import numpy as np

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


# ----------------------------------------------------------------------------- NumPy

def _neumann_eig(n: int, h: float):
    lap = np.zeros((n, n))
    i = np.arange(n)
    lap[i, i] = -2.0
    lap[i[:-1], i[:-1] + 1] = 1.0
    lap[i[1:], i[1:] - 1] = 1.0
    lap[0, 0] = lap[-1, -1] = -1.0
    lam, vec = np.linalg.eigh(lap / h ** 2)
    return lam, vec


class NumpyDVD:
    """The de Vahl Davis cavity on an n x n MAC grid in plain NumPy (see module doc).

    Arrays are indexed [j, i] (y, x): u (n, n+1) on x-faces, v (n+1, n) on y-faces,
    T and p (n, n) at cell centres.
    """

    def __init__(self, n: int = 64, ra: float = 1e5, pr: float = 0.71, cfl: float = 0.5):
        self.n, self.h = n, 1.0 / n
        self.alpha = (1.0 / (ra * pr)) ** 0.5
        self.nu = pr * self.alpha
        self.cfl = cfl
        self.u = np.zeros((n, n + 1))
        self.v = np.zeros((n + 1, n))
        self.T = np.full((n, n), 0.5)
        self.fu = self.fv = self.fT = None
        self.dt_old = None
        lam, vec = _neumann_eig(n, self.h)
        self.vec = vec
        den = lam[:, None] + lam[None, :]
        den[0, 0] = 1.0
        self.inv = 1.0 / den
        self.inv[0, 0] = 0.0       # the constant mode: p defined up to a constant
        self.steps = 0
        self.t = 0.0

    def _rhs(self):
        u, v, T, h, nu, a = self.u, self.v, self.T, self.h, self.nu, self.alpha
        n = self.n
        # u-momentum on interior x-faces (j, i=1..n-1)
        uc = 0.5 * (u[:, :-1] + u[:, 1:])                       # cell centres (n, n)
        fx = uc * uc
        ucor = np.zeros((n + 1, n + 1))                         # u at corners (j=0..n, i)
        ucor[1:-1] = 0.5 * (u[:-1] + u[1:])
        vcor = np.zeros((n + 1, n + 1))                         # v at corners (j, i=0..n)
        vcor[:, 1:-1] = 0.5 * (v[:, :-1] + v[:, 1:])
        fy = ucor * vcor
        ui = u[:, 1:-1]
        up = np.concatenate([u[1:, 1:-1], -u[-1:, 1:-1]], axis=0)
        um = np.concatenate([-u[:1, 1:-1], u[:-1, 1:-1]], axis=0)
        lap_u = (u[:, 2:] - 2 * ui + u[:, :-2] + up - 2 * ui + um) / h ** 2
        gu = -(fx[:, 1:] - fx[:, :-1]) / h - (fy[1:, 1:-1] - fy[:-1, 1:-1]) / h + nu * lap_u
        # v-momentum on interior y-faces (j=1..n-1, i)
        vc = 0.5 * (v[:-1] + v[1:])
        gy = vc * vc
        vi = v[1:-1]
        vp = np.concatenate([v[1:-1, 1:], -v[1:-1, -1:]], axis=1)
        vm = np.concatenate([-v[1:-1, :1], v[1:-1, :-1]], axis=1)
        lap_v = (v[2:] - 2 * vi + v[:-2] + vp - 2 * vi + vm) / h ** 2
        buoy = 0.5 * (T[:-1] + T[1:]) - 0.5                      # -beta (T - Tref) g_y, g_y = -1
        gv = (-(gy[1:] - gy[:-1]) / h - (fy[1:-1, 1:] - fy[1:-1, :-1]) / h + nu * lap_v + buoy)
        # energy: central advective fluxes, Dirichlet x walls (ghost 2 Tw - T), adiabatic y walls
        tx = np.empty((n, n + 1))
        tx[:, 1:-1] = u[:, 1:-1] * 0.5 * (T[:, :-1] + T[:, 1:])
        tx[:, 0] = tx[:, -1] = 0.0
        ty = np.zeros((n + 1, n))
        ty[1:-1] = v[1:-1] * 0.5 * (T[:-1] + T[1:])
        dx = np.empty((n, n + 1))
        dx[:, 1:-1] = (T[:, 1:] - T[:, :-1]) / h
        dx[:, 0] = (T[:, 0] - 1.0) / (h / 2)
        dx[:, -1] = (0.0 - T[:, -1]) / (h / 2)
        dy = np.zeros((n + 1, n))
        dy[1:-1] = (T[1:] - T[:-1]) / h
        gt = (-(tx[:, 1:] - tx[:, :-1]) - (ty[1:] - ty[:-1]) + a * (dx[:, 1:] - dx[:, :-1])
              + a * (dy[1:] - dy[:-1])) / h
        return gu, gv, gt

    def step(self) -> tuple[float, float]:
        """One step; returns (max |du|/dt, max |dT|/dt)."""
        h = self.h
        umax = max(np.abs(self.u).max(), 1e-30)
        vmax = max(np.abs(self.v).max(), 1e-30)
        dt = self.cfl / (umax / h + vmax / h)
        dt = min(dt, 0.9 * h * h / (8.0 * max(self.nu, self.alpha)))   # AB2 + explicit diffusion
        gu, gv, gt = self._rhs()
        if self.fu is None:
            c1, c0 = 1.0, 0.0
            self.fu, self.fv, self.fT = gu, gv, gt
        else:
            r = dt / self.dt_old
            c1, c0 = 1.0 + 0.5 * r, -0.5 * r
        us = self.u.copy()
        vs = self.v.copy()
        us[:, 1:-1] += dt * (c1 * gu + c0 * self.fu)
        vs[1:-1] += dt * (c1 * gv + c0 * self.fv)
        Tn = self.T + dt * (c1 * gt + c0 * self.fT)
        div = (us[:, 1:] - us[:, :-1] + vs[1:] - vs[:-1]) / h
        w = self.vec
        phi = w @ ((w.T @ (div / dt) @ w) * self.inv) @ w.T     # lap phi = div / dt, Neumann
        us[:, 1:-1] -= dt * (phi[:, 1:] - phi[:, :-1]) / h
        vs[1:-1] -= dt * (phi[1:] - phi[:-1]) / h
        res_u = max(np.abs(us - self.u).max(), np.abs(vs - self.v).max()) / dt
        res_t = np.abs(Tn - self.T).max() / dt
        self.u, self.v, self.T = us, vs, Tn
        self.fu, self.fv, self.fT = gu, gv, gt
        self.dt_old = dt
        self.steps += 1
        self.t += dt
        return res_u, res_t

    def nusselt(self) -> float:
        return float(np.mean((1.0 - self.T[:, 0]) / (self.h / 2)))

    def divergence(self) -> float:
        return float(np.abs((self.u[:, 1:] - self.u[:, :-1] + self.v[1:] - self.v[:-1]) / self.h).max())


def numpy_devahldavis(n: int = 64, ra: float = 1e5, tolerance: float = 1e-6,
                      max_steps: int = 200000, time_limit: float = 600.0) -> dict:
    """March the NumPy reference to a steady state; its time, steps and Nu."""
    sim = NumpyDVD(n, ra)
    t0 = time.perf_counter()
    status = "max_steps"
    while sim.steps < max_steps:
        ru, rt = sim.step()
        if not (np.isfinite(ru) and np.isfinite(rt)):
            status = "diverged"
            break
        if ru < tolerance and rt < tolerance:
            status = "converged"
            break
        if sim.steps % 500 == 0 and time.perf_counter() - t0 > time_limit:
            status = "time_limit"
            break
    wall = time.perf_counter() - t0
    return {"n": n, "ra": ra, "status": status, "steps": sim.steps, "simulated_time": sim.t,
            "wall_s": wall, "s_per_step": wall / max(sim.steps, 1), "nu": sim.nusselt(),
            "max_divergence": sim.divergence(),
            "method": "NumPy MAC, central advection, explicit diffusion, AB2, exact "
                      "eigenvector Neumann Poisson"}
