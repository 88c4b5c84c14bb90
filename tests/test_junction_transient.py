"""Junction temperatures recorded through a transient (issue #18): a chip with a JEDEC
junction model under a cold plate fed by a coolant network whose only pump trips.
The chip recorder records Tj at every device call; the crossing of ``chip_limit_c``
(a junction limit then) and the peak come from those records. A 1 x 1 x 3 stack:
board on a 20 C floor, the chip (500 W), the plate, a pump -> plate -> CDU loop."""
import json

import numpy as np
import pytest

from thermo.case import case_from_dict

TRIP, END, LIMIT = 1.0, 4.0, 74.0


def tripped_stack() -> dict:
    from tests.test_junction import stack
    from tests.test_networks_coupled import net_case

    d = stack()
    d["networks"] = net_case()["networks"]
    plate = d["parts"][2]
    for k in ("volume_flow", "inlet_temperature", "coolant"):
        plate.pop(k)
    plate.update(pressure_drop=2e4, rated_flow=1e-5, chip_limit_c=LIMIT)
    d["solver"] = {"mode": "transient", "initial": "steady", "end_time": END,
                   "dt": 0.05, "max_steps": 1000,
                   "steps_per_call": 4}
    d["events"] = [{"at": TRIP, "network": "cdu", "branch": "pump", "action": "off"}]
    return d


@pytest.mark.slow
def test_recorded_junction_peak_and_crossing(tmp_path):
    """From the steady state, the recorded peak is the maximum of the recorded Tj history, at its time; the
    crossing lies between the two records that bracket the limit, after the trip;
    the last record is the Tj that ``junctions`` reports at the end."""
    from thermo.runner import run_case

    s = run_case(case_from_dict(tripped_stack()), tmp_path, quiet=True)
    assert json.loads((tmp_path / "summary.json").read_text())["crossings"] == s["crossings"]
    h = s["chip_history"]
    t, tj = np.asarray(h["time_s"]), np.asarray(h["hottest_c"])
    chip = s["crossings"]["chips"]["chip"]
    print("Tj history", [(round(a, 2), round(b, 3)) for a, b in zip(t[::3], tj[::3])])
    print("crossing", chip["time_s"], "peak", chip["peak_c"], "at", chip["peak_time_s"])
    assert chip["temperature"] == "junction" and chip["limit_c"] == LIMIT
    assert len(t) == 1 + round(END / 0.2)  # t = 0 and one record per device call
    # the recorded values are junction temperatures: the last is the end's Tj
    assert tj[-1] == pytest.approx(s["junctions"]["chips"]["chip"]["junction_c"], abs=1e-9)
    assert tj[-1] > s["cold_plates"]["cp"]["chip_max_temperature_c"]
    # the peak: the maximum over the records, at its record's time
    assert chip["peak_c"] == tj.max() and chip["peak_time_s"] == t[tj.argmax()]
    assert s["crossings"]["peak_c"] == tj.max() and s["crossings"]["peak_chip"] == "chip"
    # the crossing: between the two records that bracket the limit, after the trip
    k = int(np.argmax(tj >= LIMIT))
    assert k > 0 and tj[k - 1] < LIMIT <= tj[k], "the limit must be crossed mid-run"
    assert t[k - 1] <= chip["time_s"] <= t[k] and chip["time_s"] > TRIP
    assert s["crossings"]["first_chip"] == "chip" and s["crossings"]["chips_crossed"] == 1
