"""Eca and Hoekstra's least-squares uncertainty from four or more grids
(thermo.uncertainty): exact power laws recovered, scattered data covered, and a study
of the heated slab on four grids whose uncertainty covers the analytic answer."""
from __future__ import annotations

import json

import pytest

from thermo.cli import main
from thermo.io.report import study_markdown
from thermo.uncertainty import least_squares

from test_study import SLAB

H = [0.35, 0.45, 0.6, 0.8, 1.0]  # unequal refinement ratios, finest first


@pytest.mark.parametrize("p", [0.8, 1.0, 1.7, 2.0])
def test_an_exact_power_law_gives_its_order_and_limit(p):
    """phi = 2 + 0.3 h^p on five grids: the fit finds p and the limit, its standard
    deviation is round-off, and U = 1.25 times the finest grid's true error."""
    phi = [2.0 + 0.3 * h ** p for h in H]
    r = least_squares(phi, H)
    true = 0.3 * H[0] ** p
    print(f"p {p}: order {r['order']:.6f}, limit {r['extrapolated']:.10f}, std {r['std']:.1e}, "
          f"U {r['uncertainty']:.4e} against 1.25 x {true:.4e}")
    assert r["fit"] == "h^p"
    assert abs(r["order"] - p) < 1e-4
    assert abs(r["extrapolated"] - 2.0) < 1e-8
    assert r["std"] < 1e-10 and r["safety"] == 1.25
    assert abs(r["uncertainty"] - 1.25 * true) < 1e-8
    assert max(abs(f - v) for f, v in zip(r["fitted"], phi)) < 1e-8


def test_order_above_two_falls_back_to_fixed_exponents_with_the_larger_safety_factor():
    """phi = 5 - 0.2 h^3: an observed order of 3 is outside what the schemes can
    reach, so a fixed-exponent fit estimates the error and Fs = 3; U still covers
    the true error."""
    phi = [5.0 - 0.2 * h ** 3 for h in H]
    r = least_squares(phi, H)
    true = 0.2 * H[0] ** 3
    print(r, true)
    assert abs(r["order"] - 3.0) < 1e-3
    assert r["fit"] in ("h^2", "h + h^2") and r["safety"] == 3.0
    assert r["uncertainty"] >= true


def test_scatter_about_a_second_order_trend_is_covered():
    """phi = 1 + 0.3 h^2 with +-1e-3 alternating on the grids (an unsettled flow's
    swing, 3 % of the finest grid's error): the uncertainty covers the finest grid's
    true error plus its scatter, and the fit's standard deviation sees the scatter."""
    swing = [1e-3, -1e-3, 1e-3, -1e-3, 1e-3]
    phi = [1.0 + 0.3 * h * h + s for h, s in zip(H, swing)]
    r = least_squares(phi, H)
    true = abs(phi[0] - 1.0)
    print(r, true)
    assert abs(r["order"] - 2.0) < 0.2
    assert r["std"] > 5e-4
    assert r["uncertainty"] >= true


def test_noise_larger_than_the_trend_inflates_the_uncertainty():
    """Values that swing about 1 without any trend: the standard deviation exceeds the
    data range per grid step, so U = 3 U_s / D (e + U_s + |phi_1 - fit_1|), larger
    than the values' whole range, and Fs = 3."""
    phi = [1.0, 1.1, 0.95, 1.05, 1.0]
    r = least_squares(phi, H)
    print(r)
    assert r["std"] >= r["data_range"] and r["safety"] == 3.0
    assert r["uncertainty"] > max(phi) - min(phi)


def test_refuses_too_few_or_repeated_grids():
    with pytest.raises(ValueError, match="at least 4 grids"):
        least_squares([1.0, 1.1, 1.2], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="same cell size"):
        least_squares([1.0, 1.1, 1.2, 1.3], [1.0, 2.0, 2.0, 3.0])




def test_a_four_grid_study_of_the_heated_slab(tmp_path):
    """The heated slab (mean temperature q L^2 / (12 k) = 2/3 C, second order on the
    cell-centred grid) on 8, 12, 18 and 27 cells: the least-squares fit over all four
    finds order 2 within 0.2 and the analytic mean, and its U covers the finest
    grid's true error; study.md carries the table."""
    case = tmp_path / "slab.toml"
    case.write_text(SLAB)
    out = tmp_path / "study"
    assert main(["study", str(case), "--grids", "4", "--ratio", "1.5", "-o", str(out),
                 "--quantity", "parts.*.mean_temperature_c"]) == 0
    study = json.loads((out / "study.json").read_text())
    assert [g["cells"] for g in study["grids"]] == [8, 12, 18, 27]
    (row,) = study["quantities"]
    q = row["least_squares"]
    exact = 2.0 / 3.0
    fine_error = abs(row["all_grids"][-1] - exact)
    print(f"means {row['all_grids']}; least squares: order {q['order']:.4f}, fit {q['fit']}, "
          f"limit {q['extrapolated']:.9f}, U {q['uncertainty']:.3e}, "
          f"finest error {fine_error:.3e}")
    assert abs(q["order"] - 2.0) < 0.2
    assert abs(q["extrapolated"] - exact) < 1e-6
    assert q["uncertainty"] >= fine_error
    md = (out / "study.md").read_text()
    assert "From all 4 grids by least squares" in md
    assert md.count("parts.slab.mean_temperature_c") == 2
    report = "\n".join(study_markdown(study))  # `thermo report`'s section
    assert "From all 4 grids by least squares" in report
    assert report.count("| parts.slab.mean_temperature_c | 2 | h^p |") == 1
