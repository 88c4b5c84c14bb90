"""Validation against analytic solutions and published data (printed errors).

The default suite runs each case on the grids ``thermo validate`` uses; the
finer variants run with ``thermo validate --full`` or ``pytest -m validation``.
"""
import pytest

from thermo import validation


def _check(rows):
    for r in rows:
        print(f"{r['case']}: {r['quantity']}: computed {r['computed']}, error {r['rel_error']:.4g}"
              f" (bound {r['bound']:.3g})")
    assert rows
    bad = [r for r in rows if not r["ok"]]
    assert not bad, bad


def test_poiseuille_profile_and_second_order_convergence():
    errors = {n: validation.poiseuille_error(n) for n in (8, 16, 32)}
    print("Poiseuille max error / u_max:", errors)
    assert errors[16] < 0.01
    assert errors[8] / errors[16] > 3.5 and errors[16] / errors[32] > 3.5  # ~4: second order
    _check(validation.validate_poiseuille())


def test_ghia_cavity_re100_and_re1000():
    _check(validation.validate_cavity())


def test_cavity3d_stays_divergence_free():
    _check(validation.validate_cavity3d())


def test_multigrid_iterations_flat():
    _check(validation.validate_multigrid())


def test_turbulent_channel_zero_equation():
    # Chen-Xu model against its exact channel profile and against Dean's Cf (~20 s)
    _check(validation.VALIDATIONS["turbulent-channel"](False))


@pytest.mark.validation
@pytest.mark.parametrize("name", sorted(validation.VALIDATIONS))
def test_full_validation(name):
    _check(validation.VALIDATIONS[name](True))
