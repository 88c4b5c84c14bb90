"""Validation of the bundled default case: ``thermo run`` with no argument.

The README says the default case, ``air-rack-60kw`` (six 10 kW servers, four
in-row coolers, k-epsilon turbulence, 4,608 cells), runs to a monitored
steady state. ``default-case`` runs it exactly as ``thermo run`` does
(:func:`thermo.runner.run_case`, the same monitors, the case's own settings)
into a temporary folder and checks what ``summary.json`` then says:

* the run stopped because its monitors settled (``convergence = "monitors"``),
  before ``solver.max_steps``;
* the largest change of the monitored window means (server inlets, cooler
  returns, hottest fluid) is within ``solver.monitor_tolerance``;
* the window-mean energy imbalance (the servers' heat against what the coolers
  remove) is below 1e-3 of the largest heat term.

:mod:`thermo.validation.registry` lists it last in ``VALIDATIONS``.

About 15 s on two quiet CPU cores (225 implicit iterations; the time march, `--set
solver.scheme="march"`, takes 12,200 steps and 160 s); ``full`` changes nothing (a
finer grid is a GPU run).
"""
from __future__ import annotations

import tempfile

from thermo.validation.rows import row

IMBALANCE_BOUND = 1e-3   # what the monitors require of the window-mean net heat


def default_case_run(overrides=()) -> tuple[dict, object]:
    """Run the bundled default case as ``thermo run`` does; its summary and the case."""
    from thermo.case import default_case_path, load_case
    from thermo.runner import run_case

    case = load_case(default_case_path(), list(overrides))
    with tempfile.TemporaryDirectory(prefix="thermo-default-case-") as folder:
        summary = run_case(case, folder, quiet=True)
    return summary, case


def validate_default_case(full: bool = False) -> list[dict]:
    s, case = default_case_run()
    solver = case.data["solver"]
    name = f"default-case ({case.name})"
    mon = s.get("monitors") or {}
    settled = s.get("convergence") == "monitors" and s["converged"]
    it_load = sum(v["power_w"] for v in s.get("servers", {}).values())
    removed = sum(v["heat_removed_w"] for v in s.get("cooling_units", {}).values())
    change = mon.get("change_k", float("inf"))
    return [
        row(name, f"stopped by its monitors (1 = yes; status {s['status']}, {s['steps']} of "
            f"{solver['max_steps']} steps, {s['simulated_time_s']:.0f} s simulated, "
            f"{s['wall_time_s']:.0f} s wall)", 1.0, float(settled), 0.0 if settled else 1.0, 0.0,
            kind="check"),
        row(name, f"largest change of the {solver['monitor_window']:g} s monitor means (K) / "
            f"monitor_tolerance {solver['monitor_tolerance']:g} K",
            None, change, change / solver["monitor_tolerance"], 1.0, kind="check"),
        row(name, f"energy imbalance, {solver['monitor_window']:g} s window mean (at the last "
            f"instant {s.get('energy_imbalance_instantaneous', float('nan')):.1e}; coolers remove "
            f"{removed / 1e3:.2f} kW of {it_load / 1e3:.0f} kW)",
            0.0, s["energy_imbalance"], s["energy_imbalance"], IMBALANCE_BOUND, kind="check"),
    ]
