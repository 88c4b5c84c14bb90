"""The sampling error of a moving flow's averaged numbers (batch means) and how a
grid study carries it."""
import math

import numpy as np
import pytest

from thermo.diagnostics.sampling import BATCHES, mean_half_width
from thermo.study import study_table


def _ar1(rng, n: int, phi: float, sigma: float = 1.0) -> np.ndarray:
    """An AR(1) series of mean 0 started in its stationary distribution."""
    x = np.empty(n)
    x[0] = rng.normal(0.0, sigma / math.sqrt(1.0 - phi * phi))
    e = rng.normal(0.0, sigma, n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


def test_batch_means_cover_the_true_mean_of_a_correlated_signal():
    """An AR(1) signal (lag-one correlation 0.9, integral time 19 records) of known mean
    0, 600 records: the 95 % half-width covers the true mean in about 95 % of 400
    independent records, where the half-width of independent samples (1.96 s / sqrt(n))
    covers it in fewer than two thirds: the correlation is what the batches account for."""
    rng = np.random.default_rng(7)
    hit_batch = hit_naive = 0
    runs = 400
    for _ in range(runs):
        x = _ar1(rng, 600, 0.9)
        hw = mean_half_width(x)
        hit_batch += abs(x.mean()) <= hw
        hit_naive += abs(x.mean()) <= 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    print(f"coverage: batch means {hit_batch / runs:.3f}, independent samples {hit_naive / runs:.3f}")
    assert 0.90 <= hit_batch / runs <= 0.99
    assert hit_naive / runs < 0.67


def test_half_width_of_batch_means_by_hand():
    """Five batches of two: the half-width is t(0.975, 4) = 2.776 times the batch means'
    standard deviation over sqrt(5); the first record is dropped when 11 do not split."""
    x = [9.0, 1.0, 3.0, 2.0, 4.0, 6.0, 5.0, 8.0, 7.0, 0.0, 2.0]
    means = np.array([2.0, 3.0, 5.5, 7.5, 1.0])  # (1,3) (2,4) (6,5) (8,7) (0,2)
    assert mean_half_width(x) == pytest.approx(2.776 * means.std(ddof=1) / math.sqrt(5), rel=1e-12)
    assert mean_half_width([3.0] * 20) == 0.0


def test_no_half_width_from_too_few_records_or_bad_values():
    assert mean_half_width(np.arange(2 * BATCHES - 1, dtype=float)) is None
    assert mean_half_width([1.0, 2.0, float("nan")] * 10) is None
    with pytest.raises(ValueError, match="batches"):
        mean_half_width(np.arange(100.0), batches=1)


def _summary(means: dict, errors: dict) -> dict:
    return {"fluid": {"min_temperature_c": 20.0},
            "monitors": {"run_means_c": means, "run_error_k": errors}}


def test_study_of_averages_carries_the_sampling_error():
    """Latter-half means on three grids: the row gets each grid's half-width and the
    U with the finest grid's half-width in quadrature; where the grids' differences lie
    within their half-widths the row says a longer average, not a finer grid, is
    needed, and where they exceed them it does not."""
    h = [0.4, 0.2, 0.1]
    noisy = [_summary({"a inlet max": v, "b inlet max": w}, {"a inlet max": 0.5, "b inlet max": 0.05})
             for v, w in ((30.0, 24.0), (30.4, 23.0), (30.1, 22.5))]
    rows = {r["quantity"]: r for r in study_table(noisy, h, ["monitors.run_means_c.*"])}
    a, b = rows["monitors.run_means_c.a inlet max"], rows["monitors.run_means_c.b inlet max"]
    print(a["uncertainty"], a["uncertainty_total"], a.get("warning"))
    assert a["sampling"] == [0.5, 0.5, 0.5]
    assert a["uncertainty_total"] == pytest.approx(math.hypot(a["uncertainty"], 0.5))
    assert "longer average" in a["warning"]
    # b converges monotonically (changes 1.0 then 0.5, far above 0.05): a grid effect
    assert b["order"] == pytest.approx(1.0)
    assert b["uncertainty_total"] == pytest.approx(math.hypot(b["gci"], 0.05))
    assert "longer average" not in (b.get("warning") or "")
    # numbers that are not averages get no sampling columns
    plain = [{"fluid": {"min_temperature_c": 20.0, "max_temperature_c": t}} for t in (40.0, 41.0, 41.5)]
    row = study_table(plain, h, ["fluid.max_temperature_c"])[0]
    assert "sampling" not in row and "uncertainty_total" not in row


def test_study_of_averaged_indices_carries_their_sampling_error_in_their_unit():
    """The air side's indices averaged with the monitors (``run_index_means``): the row
    takes each grid's half-width from ``run_index_errors``, its unit from the index's
    name (RTI in %, the bypass a fraction), its scale the value, not a temperature rise."""
    h = [0.4, 0.2, 0.1]
    runs = []
    for rti, bypass in ((88.0, 0.15), (90.0, 0.11), (91.0, 0.09)):
        s = _summary({}, {})
        s["monitors"].update(run_index_means={"air.rti_pct": rti, "air.bypass_fraction": bypass},
                             run_index_errors={"air.rti_pct": 0.2, "air.bypass_fraction": None})
        runs.append(s)
    rows = {r["quantity"]: r for r in study_table(runs, h, ["monitors.run_index_means.*"])}
    rti, bypass = rows["monitors.run_index_means.air.rti_pct"], \
        rows["monitors.run_index_means.air.bypass_fraction"]
    print(rti["order"], rti["gci"], rti["uncertainty_total"], bypass["uncertainty"])
    assert rti["unit"] == "%" and rti["relative_to"] == "value" and rti["scale"] is None
    assert rti["sampling"] == [0.2, 0.2, 0.2] and rti["order"] == pytest.approx(1.0)
    assert rti["uncertainty_total"] == pytest.approx(math.hypot(rti["gci"], 0.2))
    assert bypass["unit"] == "-" and "sampling" not in bypass  # no grid gave a half-width


def test_study_warns_where_the_latter_half_batches_are_shorter_than_the_window():
    """The contained hall's window-rule runs: latter halves from 63-73 s, five batches of
    13-15 s against a 30 s window; the study says which grids' half-widths may be too
    small. A run as long as the averages rule asks (batches >= the window) is not named."""
    h = [0.4, 0.2, 0.1]

    def run(v, start):
        s = _summary({"a inlet max": v}, {"a inlet max": 0.05})
        s["monitors"].update(run_from_s=start, window_s=30.0)
        return s
    rows = study_table([run(30.0, 73.0), run(30.4, 160.0), run(30.1, 65.0)], h,
                       ["monitors.run_means_c.*"])
    print(rows[0]["warning"])
    assert "grid 0, 2: the latter half's batches (14.6, 13 s) are shorter than the monitor " \
        "window (30 s)" in rows[0]["warning"]
    rows = study_table([run(30.0, 150.0), run(30.4, 160.0), run(30.1, 400.0)], h,
                       ["monitors.run_means_c.*"])
    assert "batches" not in (rows[0].get("warning") or "")
