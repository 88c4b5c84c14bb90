"""Heat spreading from a rectangular source into a flux channel (thermo/validation/
spreading.py): checks of the series (Muzychka, Culham & Yovanovich) against limits
it must meet, then the solver against the series (the ``spreading`` and
``spreading-contact`` rows of ``thermo validate``)."""
import pytest

from thermo.validation import spreading as sp

COPPER = [(401.0, 0.004, 0.0)]


def test_source_over_the_whole_top_has_no_spreading():
    r1d = sp.one_d_resistance(0.06, 0.04, COPPER, 2e4)
    rs = sp.spreading_resistance(0.06, 0.04, 0.06, 0.04, 0.03, 0.02, COPPER, 2e4)
    print(f"R_s {rs:.3e} K/W against R_1D {r1d:.5f}")
    assert abs(rs) < 1e-12 * r1d
    # a source just smaller than the top spreads a little, not nothing
    assert sp.spreading_resistance(0.05, 0.04, 0.06, 0.04, 0.03, 0.02, COPPER, 2e4) > 1e-4 * r1d


def test_quarter_channel_is_a_quarter_of_the_full_one():
    """The adiabatic sides are symmetry planes: a source in the corner of the quarter
    channel (the eccentric series) has four times the whole channel's R_s."""
    for layers in (COPPER, [(148.0, 0.001, 1e-5), (401.0, 0.003, 0.0)]):
        full = sp.spreading_resistance(0.03, 0.02, 0.06, 0.05, 0.03, 0.025, layers, 2e4)
        quarter = sp.spreading_resistance(0.015, 0.01, 0.03, 0.025, 0.0075, 0.005, layers, 2e4)
        print(f"R_s full x 4 {4 * full:.9f}, quarter {quarter:.9f} K/W")
        assert quarter == pytest.approx(4 * full, rel=1e-8)


def test_thin_layer_has_no_spreading():
    """A layer too thin to spread (k t / h a^2 -> 0) heats under the source only:
    R_1D + R_s -> (t / k + 1 / h) / (a b). Its edges leak over the fin length
    L = sqrt(k t / h), so the excess falls in proportion to L."""
    a, b, c, d, h, t = 0.015, 0.01, 0.03, 0.03, 2e4, 1e-6
    excess = {}
    for k in (100.0, 25.0):
        layers = [(k, t, 0.0)]
        r = (sp.one_d_resistance(c, d, layers, h)
             + sp.spreading_resistance(a, b, c, d, c / 2, d / 2, layers, h))
        excess[k] = 1.0 - r / sp.one_d_resistance(a, b, layers, h)
        print(f"k t {k * t:g} W/K (L {1e6 * (k * t / h) ** 0.5:.0f} um): "
              f"1 - R / R_1D(source) = {excess[k]:.5f}")
    assert 0.0 < excess[25.0] < excess[100.0] < 0.05
    assert excess[100.0] / excess[25.0] == pytest.approx(2.0, rel=0.05)  # L halves


def test_half_space_limit_is_yovanovich_square():
    """A thick channel many source widths wide tends to the isoflux square on a half
    space, k sqrt(A) R_s = 0.47320 (Yovanovich's closed form), linearly in a / c."""
    assert sp.half_space_rectangle(1.0, 1.0, 1.0) == pytest.approx(0.47320, abs=5e-6)
    psi = {}
    for ratio in (0.05, 0.025):
        c = 1.0 / ratio
        psi[ratio] = sp.spreading_resistance(1.0, 1.0, c, c, c / 2, c / 2,
                                             [(1.0, 10 * c, 0.0)], 1.0, rtol=1e-6)
    limit = 2 * psi[0.025] - psi[0.05]
    print(f"k sqrt(A) R_s: {psi[0.05]:.5f} (a/c 0.05), {psi[0.025]:.5f} (0.025), "
          f"extrapolated {limit:.5f} against 0.47320")
    assert limit == pytest.approx(sp.half_space_rectangle(1.0, 1.0, 1.0), rel=2e-4)


def test_compound_series_limits():
    """Two layers of one material without a contact are one layer; a contact adds
    R'' / (c d) to R_1D and less than R'' / (a b) to the source's temperature."""
    a, b, c, d, h = 0.015, 0.015, 0.03, 0.03, 2e4
    one = sp.spreading_resistance(a, b, c, d, a / 2, b / 2, COPPER, h)
    two = sp.spreading_resistance(a, b, c, d, a / 2, b / 2, [(401.0, 0.001, 0.0),
                                                             (401.0, 0.003, 0.0)], h)
    assert two == pytest.approx(one, rel=1e-9)
    stack = [(148.0, 0.001, 1e-5), (401.0, 0.003, 0.0)]
    bare = [(148.0, 0.001, 0.0), (401.0, 0.003, 0.0)]
    rise = [sp.one_d_resistance(c, d, s, h)
            + sp.spreading_resistance(a, b, c, d, a / 2, b / 2, s, h) for s in (stack, bare)]
    assert sp.one_d_resistance(c, d, stack, h) - sp.one_d_resistance(c, d, bare, h) == \
        pytest.approx(1e-5 / (c * d), rel=1e-12)
    assert 1e-5 / (c * d) < rise[0] - rise[1] < 1e-5 / (a * b)


@pytest.mark.slow
def test_contact_stack_converges_to_the_series():
    """The solver's silicon | contact | copper channel on n = 8 and 16 (about 20 s): the
    error in R_s falls by at least 2.5 (measured +4.35, +1.48 %: 2.9; a first-order
    error would fall by 2), and is below 2 % on n = 16."""
    r1d, rs = sp.reference_resistance(contact=True)
    err = {n: (sp.source_resistance(n, contact=True) - r1d) / rs - 1 for n in (8, 16)}
    print(f"R_s errors {err}")
    assert 0 < err[16] < 0.02
    assert err[8] / err[16] > 2.5


def test_source_over_the_whole_top_is_one_dimensional_on_any_grid():
    """The flux over the whole top of the silicon | contact | copper stack: no spreading,
    and the solver's source temperature is R_1D's (layers, contact, film in series)
    to round-off on the coarsest grid, so R_s's error is the spreading's alone."""
    r1d, _ = sp.reference_resistance(contact=True)
    r = sp.source_resistance(8, contact=True, source=sp.HALF)
    print(f"R {r!r} against R_1D {r1d!r} K/W")
    assert r == pytest.approx(r1d, rel=1e-12)


@pytest.mark.validation
@pytest.mark.parametrize("name", ["validate_spreading", "validate_spreading_contact"])
def test_spreading_rows(name):
    rows = getattr(sp, name)(False)
    for r in rows:
        print(f"{r['case']}: {r['quantity']}: computed {r['computed']}, error {r['rel_error']:.4g}")
    assert [r["kind"] for r in rows] == ["validation", "validation"]
    assert all(r["ok"] for r in rows), rows
