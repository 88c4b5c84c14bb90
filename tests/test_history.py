"""summary.json's residual_history (thermo/diagnostics/history.py): one record per
device call, the last one the summary's residuals, and a checkpoint's records back
on resume."""
import numpy as np

from thermo.case import case_from_dict
from thermo.diagnostics.history import ResidualHistory
from thermo.runner import run_case

from test_steady import duct_case


def test_residual_history_has_a_record_per_call_ending_at_the_summary(tmp_path):
    d = duct_case()
    d["solver"].update(scheme="implicit", tolerance=1e-4, steps_per_call=20)
    s = run_case(case_from_dict(d), tmp_path / "out", quiet=True)
    h = s["residual_history"]
    print(f"{s['steps']} iterations, {len(h['step'])} records, momentum "
          f"{h['momentum'][0]:.2e} -> {h['momentum'][-1]:.2e}")
    assert h["step"][-1] == s["steps"]
    assert len(h["step"]) == -(-s["steps"] // 20)  # one per call of 20 iterations
    assert all(b > a for a, b in zip(h["step"], h["step"][1:]))
    for k in ("momentum", "continuity", "energy"):
        assert h[k][-1] == s["residuals"][k]
    assert h["momentum"][-1] < 1e-4 < h["momentum"][0]


def test_records_survive_a_checkpoint_round_trip():
    class S:  # a state's scalars
        def __init__(self, step):
            self.step, self.t = step, 0.1 * step
            self.res_mom, self.res_div, self.res_energy = 1.0 / step, np.inf, 2.0 / step
    a = ResidualHistory()
    for k in (1, 2, 2, 3):  # a repeated step is not recorded twice
        a(S(k))
    b = ResidualHistory()
    b.restore(a.export())
    assert b.rows == a.rows and len(a.rows) == 3
    assert np.isnan(b.summary()["residual_history"]["continuity"][0])
