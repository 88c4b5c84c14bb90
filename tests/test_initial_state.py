"""``solver.initial = "steady"``: a transient run that starts from its case's steady
state (thermo/solver/initial.py). The steady state is a fixed point of the transient
equations, so without events the march must stay on it; a cold start must not."""
import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.io.result import read_result
from thermo.runner import run_case

from test_steady import duct_case


def transient_duct(initial: str, end: float = 0.5) -> dict:
    d = duct_case()
    d["fluid"]["initial_temperature"] = 30.0  # a start far from the steady field
    d["solver"] = {"mode": "transient", "end_time": end, "initial": initial,
                   "initial_tolerance": 1e-7, "steps_per_call": 100}
    return d


@pytest.mark.slow
def test_a_transient_run_from_the_steady_state_stays_on_it(tmp_path):
    steady = duct_case()
    steady["solver"].update(scheme="implicit", tolerance=1e-7, steps_per_call=50)
    s0 = run_case(case_from_dict(steady), tmp_path / "steady", quiet=True)
    # the convergence history (summary residual_history): a record per device call of
    # 50 iterations, ending at the summary's residuals
    h = s0["residual_history"]
    assert h["step"][-1] == s0["steps"] and len(h["step"]) == -(-s0["steps"] // 50)
    assert all(b > a for a, b in zip(h["step"], h["step"][1:]))
    assert all(h[k][-1] == s0["residuals"][k] for k in ("momentum", "continuity", "energy"))
    assert h["momentum"][-1] < 1e-7 < h["momentum"][0]
    t_steady = read_result(tmp_path / "steady" / "result.vtkhdf")["fields"]["T"]
    out = {}
    for initial in ("steady", "case"):
        s = run_case(case_from_dict(transient_duct(initial)), tmp_path / initial, quiet=True)
        out[initial] = (s, read_result(tmp_path / initial / "result.vtkhdf")["fields"]["T"])
    s, t_hot = out["steady"]
    drift = float(np.abs(t_hot - t_steady).max())
    cold = float(np.abs(out["case"][1] - t_steady).max())
    rec = s["initial_state"]
    print(f"initial steady solve: {rec['iterations']} iterations ({rec['status']}); after "
          f"0.5 s of march max |T - T_steady| = {drift:.2e} K from the steady start, "
          f"{cold:.2f} K from the 30 C start")
    assert rec["from"] == "steady" and rec["status"] == "converged"
    assert max(rec["residuals"].values()) < 1e-7
    assert drift < 1e-4          # measured 2.5e-7 K: the fixed point of both schemes
    assert cold > 1.0            # the cold start is far from it: the test can tell
    assert "initial_state" not in out["case"][0]


def test_initial_steady_is_refused_in_a_steady_run_and_must_be_a_known_word():
    d = duct_case()
    d["solver"]["initial"] = "steady"
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "solver.initial" and "mode = 'transient'" in str(err.value)
    d = transient_duct("warm")
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == "solver.initial" and "'steady'" in str(err.value)
