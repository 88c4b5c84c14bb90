"""The chip-plate thermal interface (``tim_resistance``, ``tim_impedance``) in series with a
cold plate's link to its coolant: against the hand answer of a one-slice stack, the
same answer from both keys, the refusals, and no change where neither is given."""
import copy

import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.case.materials import LIBRARY
from thermo.models import coldplate
from thermo.diagnostics.summary import summarise
from thermo.solver import Simulation
from thermo.validation.liquid import stack_case

P, T_IN, FLOW, UA = 500.0, 30.0, 1e-5, 5000.0 * 0.004
AREA = 0.04 * 0.04  # the chip's face under the plate (m2)


def _run(**plate):
    d = stack_case(n=1)  # 1 x 1 x 2 cells: chip below, plate above, one slice
    d["parts"][1].update(plate)
    sim = Simulation(case_from_dict(d))
    state, info = sim.run()
    assert info.status == "converged"
    return sim, summarise(sim, state, info)


def _hand(r_tim: float) -> float:
    """The chip's temperature: coolant in, the plate's eps-NTU link, the interface, and
    conduction through the two half cells (silicon, the plate's ideal conductor)."""
    w = LIBRARY["water"].at(T_IN)
    mcp = w.density * w.specific_heat * FLOW
    eps = -np.expm1(-UA / mcp)
    k_si, k_cp = LIBRARY["silicon"].conductivity, 4.0e5
    half = 0.005 * (1.0 / k_si + 1.0 / k_cp) / AREA
    return T_IN + P / (eps * mcp) + P * r_tim + P * half


def test_interface_raises_the_chip_by_p_r():
    """The chip's rise over the no-interface answer is P R_tim to 1e-10 of P R (a
    one-slice plate takes all 500 W: the hand answer is exact; the no-interface answer
    itself is held by test_coldplate's stack test); an impedance R'' over the 4 x 4 cm
    contact gives the plate the same R = R'' / A (params; no second run)."""
    r = 0.05
    sim, tim = _run(tim_resistance=r)
    chip = tim["cold_plates"]["cp"]["chip_max_temperature_c"]
    rise = chip - _hand(0.0)
    print(f"chip {chip:.9f} C: rise {rise:.9f} K over the hand answer without, P R {P * r:.9f} K")
    assert rise == pytest.approx(P * r, rel=1e-10)
    assert chip == pytest.approx(_hand(r), rel=1e-12)
    assert tim["cold_plates"]["cp"]["heat_w"] == pytest.approx(P, rel=1e-8)
    assert tim["cold_plates"]["cp"]["tim_resistance_k_w"] == pytest.approx(r, rel=1e-12)
    d = stack_case(n=1)
    d["parts"][1].update(tim_impedance=r * AREA)
    imp = Simulation(case_from_dict(d))
    for s in (sim, imp):
        assert float(np.asarray(s.params.parts["liquid"].tim).sum()) == pytest.approx(r, rel=1e-12)


def test_no_interface_adds_nothing_to_the_step():
    """Without either key (or with 0) the params carry no interface (the compiled step
    is today's), and the march is today's formula to the bit."""
    import jax.numpy as jnp

    from thermo.models.coldplate import march

    for plate in ({}, {"tim_resistance": 0.0}):
        sim = Simulation(case_from_dict(dict(stack_case(n=2), parts=[
            stack_case(n=2)["parts"][0], dict(stack_case(n=2)["parts"][1], **plate)])))
        liq = sim.params.parts["liquid"]
        assert liq.tim is None
        T = jnp.asarray(np.linspace(40.0, 80.0, 8).reshape(sim.grid.cells))
        t_in, t_out, eff, mcp = march(T, liq)
        # today's march, written out: eps = 1 - exp(-UA_s / m cp), no interface term
        ref = -jnp.expm1(-liq.ua / jnp.maximum(mcp, coldplate.NO_FLOW)[:, None])
        assert np.array_equal(np.asarray(eff), np.asarray(ref))
        tc = [np.asarray(liq.t_in)]
        for k in range(eff.shape[1]):  # the coolant across the two slices (x = 0, 1)
            tbar = np.asarray(T)[k, :, 1].mean()
            tc.append(tc[-1] + np.asarray(eff)[:, k] * (tbar - tc[-1]))
        assert np.asarray(t_out) == pytest.approx(tc[-1], rel=1e-14)


@pytest.mark.parametrize("plate, key, words", [
    ({"tim_resistance": 0.1, "tim_impedance": 1e-4}, "parts[1].tim_impedance",
     "tim_resistance (K/W) and tim_impedance (K m2/W) are exclusive"),
    ({"tim_resistance": -0.1}, "parts[1].tim_resistance", ">= 0"),
    ({"tim_impedance": "thin"}, "parts[1].tim_impedance", "number"),
])
def test_refusals_name_the_key(plate, key, words):
    d = stack_case(n=1)
    d["parts"][1].update(plate)
    with pytest.raises(CaseError) as err:
        case_from_dict(d)
    assert err.value.key == key, str(err.value)
    assert words in str(err.value), str(err.value)


def test_impedance_without_contact_is_refused_before_compiling():
    """A plate that touches no chip on the grid has no area for an impedance."""
    d = stack_case(n=1)
    d["domain"] = dict(d["domain"], size=[0.04, 0.04, 0.03], cells=[1, 1, 3])
    d["parts"][1] = dict(d["parts"][1], box={"min": [0, 0, 0.02], "max": [0.04, 0.04, 0.03]},
                         tim_impedance=1e-4)
    with pytest.raises(CaseError) as err:
        Simulation(case_from_dict(copy.deepcopy(d)))
    assert err.value.key == "parts[1].tim_impedance" and "touches no chip" in str(err.value)
