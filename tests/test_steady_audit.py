"""The steady-examples audit (benchmarks/steady_audit.py): its bookkeeping, without runs.

The runs themselves take minutes to hours (benchmarks/RESULTS.md, "Session 13");
these check what the table says about a summary and that every bundled steady
example the audit measured short of residual convergence says why in its file."""
from __future__ import annotations

import pytest

from benchmarks.steady_audit import WHY_MARK, markdown, row, states_why, steady_examples, stop_criterion
from thermo.case import example_path

# measured not to converge by residuals as bundled (RESULTS.md, "Session 13")
SHORT_OF_RESIDUALS = ("air-rack-60kw", "air-rack-60kw-graded", "rack-air", "immersion-tank",
                      "immersion-tank-100kw", "server-d2c", "data-hall", "data-hall-contained",
                      "d2c-rack-120kw-graded", "d2c-rack-120kw-server",
                      "air-rack-60kw-engineering")


def _summary(status: str, steps: int, convergence: str | None = None) -> dict:
    s = {"status": status, "steps": steps, "cells": 10, "energy_imbalance": 1e-6,
         "residuals": {"momentum": 1e-3, "continuity": 1e-9, "energy": 1e-5},
         "compile_time_s": 1.0, "wall_time_s": 2.0,
         "parts": {"chip": {"max_temperature_c": 70.0}, "thin": {"max_temperature_c": None}},
         "fluid": {"max_temperature_c": 40.0}, "liquid": {"heat_w": 900.0}}
    if convergence:
        s["convergence"] = convergence
    return s


@pytest.mark.parametrize("summary, stop", [
    (_summary("converged", 120, "residuals"), "residuals"),
    (_summary("converged", 120), "residuals"),
    (_summary("converged", 225, "monitors"), "monitors"),
    (_summary("running", 300), "max_steps"),
    (_summary("running", 12), "running"),
])
def test_stop_criterion(summary, stop):
    assert stop_criterion(summary, max_steps=300) == stop


def test_row_and_table():
    solver = {"scheme": "implicit", "max_steps": 300, "tolerance": 1e-4}
    stated = row("x", _summary("running", 300), f"{WHY_MARK} the plume moves\n[case]\n", solver, None)
    silent = row("y", _summary("running", 300), "# nothing said\n", solver, None)
    done = row("z", _summary("converged", 80, "residuals"), "", solver, None)
    assert (stated["why_stated"], silent["why_stated"], done["why_stated"]) == (True, False, None)
    # the part without a cell (null) is skipped, the liquid's heat kept
    assert stated["headline"] == {"fluid_max_c": 40.0, "hottest_part": "chip",
                                  "hottest_part_c": 70.0, "liquid_w": 900.0}
    lines = markdown([stated, silent, done]).splitlines()
    assert len(lines) == 5
    assert "| max_steps |" in lines[2] and lines[2].endswith("| yes |")
    assert lines[3].endswith("| **no** |") and lines[4].endswith("| - |")


def test_states_why_needs_the_mark_at_a_line_start():
    assert states_why(f"a = 1\n  {WHY_MARK} why\n")
    assert not states_why(f"a = 1  {WHY_MARK} not at the start\n")


def test_examples_short_of_residuals_say_why():
    steady = steady_examples()
    assert set(SHORT_OF_RESIDUALS) <= set(steady)
    for name in SHORT_OF_RESIDUALS:
        assert states_why(example_path(name).read_text(encoding="utf-8")), name
