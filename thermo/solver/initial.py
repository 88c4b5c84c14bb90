"""A transient run that starts from its case's steady state (``solver.initial = "steady"``).

A failure study (a pump trip, a fan failure) asks how far the chips move from
where they sit in normal operation; started from a uniform temperature, the
rack's warm-up towards its operating point hides the failure (measured on
``d2c-rack-120kw-pump-failure``: from 32 C the GPUs were still 5 K below their
steady 69.3 C at 90 s). With ``solver.initial = "steady"`` the run first solves
the same case steady with the implicit scheme (the state at t = 0: no events
applied, coolant and server thermal mass irrelevant), then marches from that
flow, temperature and turbulence field, with the equipment's operating points
(fan-curve server flows, controlled CRAH speeds) carried over; the coolant
networks' temperatures follow from the field at the first update.
"""
from __future__ import annotations

import copy
import dataclasses
from typing import Sequence

import numpy as np

from thermo.case import Case
from thermo.solver.callbacks import Callback
from thermo.solver.state import RunInfo, State

#: the implicit scheme's inner-solve tolerances (its defaults in a steady case)
IMPLICIT_VISCOUS_TOLERANCE = 1e-2
IMPLICIT_ENERGY_TOLERANCE = 1e-3


def steady_case(case: Case) -> Case:
    """The steady problem a ``solver.initial = "steady"`` transient case starts from:
    the same case with ``mode = "steady"``, ``scheme = "implicit"``, tolerance
    ``solver.initial_tolerance``, the implicit scheme's inner tolerances and no events."""
    data = copy.deepcopy(case.data)
    s = data["solver"]
    s.update(mode="steady", scheme="implicit", tolerance=s["initial_tolerance"],
             viscous_tolerance=IMPLICIT_VISCOUS_TOLERANCE,
             energy_tolerance=IMPLICIT_ENERGY_TOLERANCE, checkpoint_every=0.0)
    data["events"] = []
    data["output"] = {**data["output"], "every": 0.0}
    return dataclasses.replace(case, data=data)


def solve_initial(sim, callbacks: Sequence[Callback] = (),
                  reporter=None) -> tuple[State, RunInfo, dict]:
    """Solve ``sim``'s case steady (:func:`steady_case`) and return the transient
    run's start: the state (t = 0, step 0) holding the steady fields, the steady
    run's info, and its record for ``summary.json`` (``initial_state``). ``reporter``
    makes a progress callback for the steady simulation (``reporter(steady_sim)``)."""
    from thermo.solver.simulation import Simulation

    pre = Simulation(steady_case(sim.case), sim.model)
    progress = reporter(pre) if reporter is not None else None
    cbs = list(callbacks) + ([Callback("progress", progress)] if progress is not None else [])
    try:
        steady, info = pre.run(None, cbs)
    finally:
        if progress is not None:
            progress.stop()
    state = sim.initial_state()._replace(u=steady.u, p=steady.p, T=steady.T, turb=steady.turb)
    _carry_equipment(pre, sim)
    record = {"from": "steady", "status": info.status, "iterations": info.steps,
              "residuals": {"momentum": info.res_mom, "continuity": info.res_div,
                            "energy": info.res_energy},
              "tolerance": pre.case.data["solver"]["tolerance"],
              "wall_time_s": info.wall_time, "compile_time_s": info.compile_time}
    return state, info, record


def _carry_equipment(pre, sim) -> None:
    """The steady run's operating points into ``sim``: throughflow flows (fan-curve
    servers, controlled CRAHs) and fan speeds, and the CRAH controllers' state."""
    a, b = pre.params.parts.get("air"), sim.params.parts.get("air")
    if a is not None and b is not None:
        b = b._replace(tf_flow=a.tf_flow, fan_speed=a.fan_speed)
        sim.params = sim.params._replace(parts={**sim.params.parts, "air": b})
    if pre.cooling is not None and sim.cooling is not None:
        for name in ("speed", "command", "integral"):
            setattr(sim.cooling, name, np.array(getattr(pre.cooling, name), copy=True))
