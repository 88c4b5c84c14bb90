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

The OpenFOAM peer is :mod:`thermo.bench.openfoam_peer`, the NumPy one
:mod:`thermo.bench.numpy_peer`; their names are importable from here.
"""
from __future__ import annotations

from thermo.bench.numpy_peer import NumpyDVD, numpy_devahldavis
from thermo.bench.openfoam_peer import (OPENFOAM_BASHRC, OPENFOAM_SOLVER, openfoam_available, openfoam_bashrc,
                                        openfoam_case, read_internal_scalar, run_openfoam)

__all__ = ["NumpyDVD", "OPENFOAM_BASHRC", "OPENFOAM_SOLVER", "numpy_devahldavis", "openfoam_available",
           "openfoam_bashrc", "openfoam_case", "read_internal_scalar", "run_openfoam"]
