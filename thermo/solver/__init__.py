"""The flow and energy solver: state, the compiled step and its terms, the driver."""
from thermo.solver.simulation import Simulation
from thermo.solver.state import (CONVERGED, DIVERGED, FINISHED, RUNNING, STATUS, Params,
                                 RunInfo, Settings, State)

__all__ = ["Simulation", "State", "Params", "Settings", "RunInfo", "STATUS", "RUNNING",
           "CONVERGED", "DIVERGED", "FINISHED"]
