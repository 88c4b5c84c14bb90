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


# the air rack's coolers' averaged returns on its three finest grids (C, coarsest first;
# README, "The air rack at engineering resolution", session 31) and their half-widths (K)
RETURNS = {"cooler1 return": ([32.25988, 32.55208, 32.76772], [0.04697, 0.05040, 0.04353]),
           "cooler4 return": ([32.33124, 32.51510, 32.38526], [0.04737, 0.08562, 0.04976])}
RETURN_H = [0.0632163, 0.0422837, 0.0313467]


def test_a_mirror_pairs_mean_is_studied_as_one_number():
    """The outer coolers of the air rack swing between two mirror states; their mean
    does not. ``with_means`` adds it to each grid's summary beside the numbers it
    averages, its half-width the mean of theirs (a bound whatever their correlation),
    and the study of that number is the study of the pair's means by hand (order 3.92,
    U = 1.25 x range = 0.351 K, 3.3 % of its 10.6 K rise above the 22 C supply)."""
    from thermo.study import convergence, with_means

    runs = [{"fluid": {"min_temperature_c": 22.0},
             "monitors": {"run_means_c": {n: v[k] for n, (v, _) in RETURNS.items()},
                          "run_error_k": {n: e[k] for n, (_, e) in RETURNS.items()}}}
            for k in range(3)]
    out, paths = with_means(runs, [("outer returns", "monitors.run_means_c.cooler[14] return")])
    assert paths == ["monitors.run_means_c.outer returns"]
    with pytest.raises(ValueError, match="already"):  # a monitor's own name is not taken
        with_means(runs, [("cooler1 return", "monitors.run_means_c.cooler[14] return")])
    assert "outer returns" not in runs[0]["monitors"]["run_means_c"]  # copies, not the originals
    row = study_table(out, RETURN_H, paths)[0]
    pair = [(a + b) / 2 for a, b in zip(*(v for v, _ in RETURNS.values()))]
    by_hand = convergence(pair[::-1], RETURN_H[::-1], pair[-1] - 22.0)
    print(row["all_grids"], row["order"], row["uncertainty"], row["uncertainty_pct"], row["sampling"])
    assert row["all_grids"] == pytest.approx(pair, rel=1e-15)
    assert row["order"] == pytest.approx(by_hand["order"], rel=1e-12)
    assert row["order"] == pytest.approx(3.92, abs=0.01)
    assert row["uncertainty"] == pytest.approx(1.25 * (max(pair) - min(pair)), rel=1e-12)
    assert row["uncertainty"] == pytest.approx(0.351, abs=0.001)
    assert row["uncertainty_pct"] == pytest.approx(3.32, abs=0.01)
    assert row["sampling"] == pytest.approx([(a + b) / 2 for a, b in
                                             zip(*(e for _, e in RETURNS.values()))], rel=1e-15)
    # each cooler alone: the mirror state's swing makes the outer cooler1 oscillate far wider
    single = {r["quantity"]: r for r in study_table(out, RETURN_H, ["monitors.run_means_c.cooler1*"])}
    assert single["monitors.run_means_c.cooler1 return"]["uncertainty"] > 2 * row["uncertainty"]


def test_a_mean_of_monitors_that_swing_against_each_other_takes_its_own_batch_means():
    """Two returns swinging against each other (a mirror state's heat going to one
    cooler or the other) and each averaged by batch means: with the runs' batch means
    kept, the mean's half-width is that of the mean's own records (here 20 times
    sharper than the bound, the mean of the two half-widths, used where a run kept no
    batch means)."""
    from thermo.diagnostics.sampling import batch_means
    from thermo.study import bound_notes, with_means

    rng = np.random.default_rng(5)
    runs, direct = [], []
    for k in range(3):
        s = 0.4 * _ar1(rng, 200, 0.9)
        a = 32.5 + s + 0.01 * rng.standard_normal(200)
        b = 32.6 - s + 0.01 * rng.standard_normal(200)
        direct.append(mean_half_width((a + b) / 2))
        runs.append({"fluid": {"min_temperature_c": 22.0}, "monitors": {
            "run_means_c": {"c1 return": a.mean(), "c4 return": b.mean()},
            "run_error_k": {"c1 return": mean_half_width(a), "c4 return": mean_half_width(b)},
            "run_batch_means_c": {"c1 return": batch_means(a), "c4 return": batch_means(b)}}})
    out, paths = with_means(runs, [("pair", "monitors.run_means_c.c[14] return")])
    m = [o["monitors"] for o in out]
    bound = [(r["monitors"]["run_error_k"]["c1 return"] + r["monitors"]["run_error_k"]["c4 return"])
             / 2 for r in runs]
    print("pair's half-widths", [x["run_error_k"]["pair"] for x in m], "direct", direct,
          "bound", bound)
    for x, d, b in zip(m, direct, bound):
        assert x["run_error_k"]["pair"] == pytest.approx(d, rel=1e-12)
        assert x["run_error_k"]["pair"] < b / 20
        assert len(x["run_batch_means_c"]["pair"]) == BATCHES
    row = study_table(out, [0.4, 0.2, 0.1], paths)[0]
    assert row["sampling"] == pytest.approx(direct, rel=1e-12)
    # a run without the batch means (an earlier version): the bound
    del runs[1]["monitors"]["run_batch_means_c"]["c4 return"]
    out, paths = with_means(runs, [("pair", "monitors.run_means_c.c[14] return")])
    m = out[1]["monitors"]
    assert m["run_error_k"]["pair"] == pytest.approx(bound[1], rel=1e-12)
    assert "pair" not in m.get("run_batch_means_c", {})
    notes = bound_notes(out, paths)
    print(notes)
    assert len(notes) == 1 and notes[0].startswith("monitors.run_means_c.pair: grid 1 kept no")
    assert bound_notes(with_means(runs[:1] + runs[2:] * 2, [("pair", "monitors.run_means_c.c*")])[0],
                       paths) == []


def test_a_mean_of_numbers_that_are_not_averages_and_the_refusals():
    from thermo.study import with_means

    runs = [{"fluid": {"min_temperature_c": 20.0},
             "cooling_units": {"crah0": {"return_c": 30.0 + k, "volume_flow_m3_s": 5.0},
                               "crah1": {"return_c": 32.0 + k / 2, "volume_flow_m3_s": 5.0}}}
            for k in range(3)]
    out, paths = with_means(runs, [("row", "cooling_units.*.return_c")])
    assert paths == ["mean.row.return_c"]
    row = study_table(out, [0.4, 0.2, 0.1], paths)[0]
    assert row["all_grids"] == [31.0, 31.75, 32.5] and row["unit"] == "C"
    assert row["relative_to"] == "rise above the coldest fluid" and "sampling" not in row
    for means, says in (([("a.b", "cooling_units.*.return_c")], "no dot"),
                        ([("row", "cooling_units.*.supply_c")], "matches no number")):
        with pytest.raises(ValueError, match=says):
            with_means(runs, means)
    runs[2]["cooling_units"]["crah2"] = {"return_c": 33.0}
    with pytest.raises(ValueError, match="grid 2 matches"):
        with_means(runs, [("row", "cooling_units.*.return_c")])
