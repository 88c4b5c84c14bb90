"""summary.json's residual_history (thermo/diagnostics/history.py): a checkpoint's
records back on resume (a run's records: tests/test_initial_state.py)."""
import numpy as np

from thermo.diagnostics.history import ResidualHistory


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
