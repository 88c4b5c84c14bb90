"""Progress of a run: the live terminal display, plain log lines and JSON lines."""
import io
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from thermo.diagnostics import progress as P


def _screen(text: str) -> list[str]:
    """What a terminal shows after ``text``: a minimal emulator of the control
    sequences rich writes (carriage return, new line, cursor up/down, erase line;
    colours and cursor visibility ignored)."""
    rows: list[list[str]] = [[]]
    row = col = 0
    for m in re.finditer(r"\x1b\[(\??)([0-9;]*)([A-Za-z])|\r|\n|[^\x1b\r\n]", text):
        tok = m.group(0)
        if tok == "\r":
            col = 0
        elif tok == "\n":
            row, col = row + 1, 0
        elif m.group(3):
            n = int(m.group(2) or 1) if m.group(2).isdigit() else 1
            code = m.group(3)
            if code == "A":
                row = max(row - n, 0)
            elif code == "B":
                row += n
            elif code == "K":
                while len(rows) <= row:
                    rows.append([])
                rows[row] = [] if m.group(2) == "2" else rows[row][:col]
            # "m" (colours), "h"/"l" (cursor shown/hidden): nothing on the screen
            continue
        else:
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            line.extend(" " * (col - len(line)))
            if col < len(line):
                line[col] = tok
            else:
                line.append(tok)
            col += 1
        while len(rows) <= row:
            rows.append([])
    return ["".join(r).rstrip() for r in rows if "".join(r).strip()]


def _sim(mode="steady", energy=True):
    """A stand-in for a Simulation: two servers (inlet cells 0-1 and 2-3) and one
    chip (cells 4-5, instance 1) under a plate whose part has a 85 C limit."""
    solver = {"mode": mode, "max_steps": 1000, "end_time": 5.0, "tolerance": 1e-4}
    geometry = SimpleNamespace(owner=np.array([-1, -1, -1, -1, 1, 1]),
                               instances=[{"name": "plate", "power": 0.0},
                                          {"name": "gpu[3]", "power": 700.0}])
    return SimpleNamespace(
        case=SimpleNamespace(name="fake-rack", data={"solver": solver,
                                                     "parts": [{"chip_limit_c": 85.0}]}),
        settings=SimpleNamespace(energy=energy),
        air=SimpleNamespace(throughflow=[
            {"name": "server[0]", "kind": "server", "intake_cells": np.array([0, 1])},
            {"name": "server[1]", "kind": "server", "intake_cells": np.array([2, 3])},
            {"name": "crah", "kind": "crah", "intake_cells": np.array([5])}]),
        coldplates=SimpleNamespace(plates=[SimpleNamespace(part=0, chips=[1], named_chip=True)]),
        model=SimpleNamespace(geometry=geometry))


def _state(step, t, res, T=(20.0, 21.0, 24.5, 22.0, 71.25, 70.0)):
    return SimpleNamespace(step=step, t=t, res_mom=res[0], res_div=res[1], res_energy=res[2],
                           p_iters=7, T=np.asarray(T))


def _terminal():
    buf = io.StringIO()
    return buf, Console(file=buf, force_terminal=True, width=120)


def test_live_display_redraws_one_display_with_limits_residuals_monitors_and_eta():
    buf, console = _terminal()
    clock = [100.0]
    settle = SimpleNamespace(on=True, tol=0.5, window=10.0, average_tol=0.0, result={})
    live = P.LiveProgress(_sim(), settle, console, auto_refresh=False, clock=lambda: clock[0])
    assert "compiling" in "\n".join(_screen(buf.getvalue()))
    # residuals falling by a decade every 100 steps, 2 s of wall per 100 steps
    for k, step in enumerate((100, 200, 300, 400)):
        clock[0] += 2.0
        if k == 3:
            settle.result = {"monitors": {"change_k": 0.35}}
        r = 10.0 ** (1.0 - step / 100.0)
        live(_state(step, step * 0.05, (r, r / 10, r / 100)), wall=2.0 * (k + 1))
    live.stop()
    text = buf.getvalue()
    screen = _screen(text)
    shown = "\n".join(screen)
    print(shown)
    # one display, redrawn in place: every refresh wrote a step row, the screen has one
    assert text.count("(max_steps)") >= 4
    assert sum("(max_steps)" in row for row in screen) == 1
    assert "\x1b[1A" in text  # cursor up: a redraw, not new lines
    assert "400 / 1000 (max_steps)" in shown
    assert re.search(r"momentum residual +1.00e-03 / 1e-04\n", shown)
    assert re.search(r"continuity residual +1.00e-04 / 1e-04\n", shown)  # not below it
    assert re.search(r"energy residual +1.00e-05 / 1e-04 ok\n", shown)
    assert re.search(r"monitor change +0.35 / 0.5 K \(10 s means\) ok\n", shown)
    assert "24.50 C (server[1])" in shown          # the hottest of the two servers' inlets
    assert "71.25 C (gpu[3]), limit 85 C" in shown
    # momentum 10 times its tolerance, falling a decade per 100 steps: 100 steps
    # left at 2 s per 100 steps (after the first call)
    assert live.last.eta_s == pytest.approx(2.0)
    assert "left 0:02" in shown


def test_live_display_steady_eta_from_the_residual_trend():
    buf, console = _terminal()
    clock = [0.0]
    live = P.LiveProgress(_sim(), None, console, auto_refresh=False, clock=lambda: clock[0])
    # worst residual/tolerance 10**2.5, 10**1.5, 10**0.5: a decade per 100 steps,
    # 1 s of wall per 100 steps after the first call: from step 300 50 steps are
    # left, 0.5 s
    for k, step in enumerate((100, 200, 300)):
        clock[0] = float(k)
        r = 1e-4 * 10.0 ** (3.5 - step / 100.0)
        live(_state(step, 1.0, (r, r / 10, r / 10)), wall=float(k))
    eta = live.last.eta_s
    live.stop()
    assert eta == pytest.approx(0.5)
    shown = "\n".join(_screen(buf.getvalue()))
    print(shown)
    assert "left 0:00" in shown and "monitor change" not in shown  # no monitors: no row


def test_live_display_transient_limits_and_eta_from_simulated_time():
    buf, console = _terminal()
    clock = [0.0]
    live = P.LiveProgress(_sim("transient"), None, console, auto_refresh=False,
                          clock=lambda: clock[0])
    clock[0] = 4.0
    live(_state(50, 0.5, (0.1, 1e-9, 0.01)), wall=4.0)   # compile + first call
    clock[0] = 10.0
    live(_state(100, 1.0, (0.1, 1e-9, 0.01)), wall=10.0)  # 12 wall s per simulated s
    live.stop()
    shown = "\n".join(_screen(buf.getvalue()))
    print(shown)
    assert live.last.eta_s == pytest.approx(12.0 * 4.0)
    assert "1 s / 5 s (end_time)" in shown and "100 / 1000 (max_steps)" in shown
    assert re.search(r"elapsed +0:10 +left 0:48", shown)
    # a transient run does not stop on residuals: no tolerance shown
    assert re.search(r"momentum residual +1.00e-01\n", shown)


def test_steady_eta_unknown_while_residuals_do_not_fall():
    est = P.Estimator("steady", None, 1000, 1e-4)
    assert est(1.0, 0.1, 100, [1e-2, 1e-3, 1e-3]) is None
    assert est(2.0, 0.2, 200, [2e-2, 1e-3, 1e-3]) is None
    assert est(3.0, 0.3, 300, [3e-2, 1e-3, 1e-3]) is None  # rising: unknown
    assert est(4.0, 0.4, 400, [None, 1e-3, 1e-3]) is None  # not finite: unknown
    assert P.format_duration(None) == "-" and P.format_duration(3725.2) == "1:02:05"


def test_plain_lines_when_not_a_terminal():
    buf = io.StringIO()
    reporter = P.make_reporter(_sim("transient"), console=Console(file=buf, width=120))
    assert isinstance(reporter, P.LineProgress)
    for step in (10, 20, 30):
        reporter(_state(step, step / 10, (0.5, 1e-9, 0.25)), wall=step / 10)
    reporter.stop()
    lines = buf.getvalue().splitlines()
    print("\n".join(lines))
    assert len(lines) == 3 and "\x1b" not in buf.getvalue()
    assert lines[-1].startswith("step       30/1000  t = 3/5 s  residuals: momentum 5.00e-01")
    assert "inlet max 24.50 C (server[1])" in lines[-1]
    assert "chip max 71.25 C (gpu[3])" in lines[-1]
    assert lines[-1].endswith("eta 2 s")


def test_progress_shows_the_means_sampling_error_against_average_tolerance():
    # solver.average_tolerance: the largest of the judged monitors' latter-half errors
    # (the monitor's run_error_judged_k), "-" while any is unknown, in the plain line,
    # the JSON record and the live display
    settle = SimpleNamespace(on=True, tol=0.5, window=10.0, average_tol=0.3, result={})
    buf = io.StringIO()
    line = P.LineProgress(_sim(), settle, stream=buf)
    line(_state(100, 5.0, (0.1, 1e-6, 1e-3)), wall=1.0)
    settle.result = {"monitors": {"change_k": 0.8, "run_error_k": {"a": 0.42, "b": None},
                                  "run_error_judged_k": None}}
    line(_state(200, 10.0, (0.1, 1e-6, 1e-3)), wall=2.0)
    settle.result = {"monitors": {"change_k": 0.8, "run_error_k": {"a": 0.42, "b": 0.61},
                                  "run_error_judged_k": 0.61}}
    line(_state(300, 15.0, (0.1, 1e-6, 1e-3)), wall=3.0)
    lines = buf.getvalue().splitlines()
    print("\n".join(lines))
    assert [x.split("mean error ")[1].split()[0] for x in lines] == ["-/0.3", "-/0.3", "0.61/0.3"]
    rec = P.json_record(line.last)["monitors"]
    assert (rec["average_error_k"], rec["average_tolerance_k"]) == (0.61, 0.3)
    buf, console = _terminal()
    settle.result = {"monitors": {"change_k": 0.8, "run_error_k": {"a": 0.12, "b": 0.25},
                                  "run_error_judged_k": 0.25}}
    live = P.LiveProgress(_sim(), settle, console, auto_refresh=False)
    live(_state(400, 20.0, (0.1, 1e-6, 1e-3)), wall=4.0)
    live.stop()
    shown = "\n".join(_screen(buf.getvalue()))
    print(shown)
    assert re.search(r"means' sampling error +0.25 / 0.3 K \(95 %, latter half\) ok\n", shown)


def test_make_reporter_forms():
    _, console = _terminal()
    live = P.make_reporter(_sim(), console=console)
    assert isinstance(live, P.LiveProgress)
    live.stop()
    assert P.make_reporter(_sim(), quiet=True, console=console) is None
    assert isinstance(P.make_reporter(_sim(), quiet=True, log_json=True), P.JsonProgress)


CASE = ["domain.cells=[8,8,1]", "solver.max_steps=30", "solver.steps_per_call=10"]


def test_run_case_log_json_lines_and_plain_lines(tmp_path, capsys):
    from thermo.case import load_case
    from thermo.cli import example_path
    from thermo.runner import run_case

    case = load_case(example_path("cavity2d"), CASE)
    run_case(case, tmp_path / "json", log_json=True)
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == [10, 20, 30]
    assert set(records[0]) == {"step", "time_s", "wall_s", "residuals", "pressure_iterations", "eta_s"}
    assert set(records[0]["residuals"]) == {"momentum", "continuity", "energy"}
    assert "\x1b" not in out + err

    run_case(case, tmp_path / "plain")  # the tests' stderr is not a terminal
    out, err = capsys.readouterr()
    lines = [x for x in err.splitlines() if x.startswith("step")]
    assert len(lines) == 3 and lines[-1].startswith("step       30/30")
    assert out == "" and "\x1b" not in err


def test_log_json_carries_the_monitors_of_a_steady_run(tmp_path, capsys):
    """A steady run with monitors (the CRAH room of tests/test_crah.py, 1 s windows):
    every JSON line says the window means' change against the tolerance, null until
    two windows have passed, then the number the run judges by."""
    from thermo.case import case_from_dict
    from thermo.runner import run_case
    from thermo.validation import air as va

    # a coil that carries the server's 1.5 kW: below it the closed room has no steady state
    # and the case is refused (thermo/case/cooling.py)
    d = va.crah_room_case(capacity=2.0 * va.CRAH_LOAD)
    d["solver"] = {"mode": "steady", "max_steps": 200, "steps_per_call": 5,
                   "monitor_window": 1.0, "monitor_tolerance": 1e-6}
    summary = run_case(case_from_dict(d), tmp_path / "run", log_json=True)
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    mon = [r["monitors"] for r in records]
    print(mon[0], mon[-1], summary["monitors"]["change_k"])
    assert all(m["tolerance_k"] == 1e-6 and m["window_s"] == 1.0 for m in mon)
    assert mon[0]["change_k"] is None
    assert mon[-1]["change_k"] == summary["monitors"]["change_k"] > 1e-6
