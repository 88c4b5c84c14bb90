"""thermo.sweep: flow variants of throughflow parts, and each variant's summary."""
import numpy as np
import pytest

from thermo.case import example_path, load_case
from thermo.solver import Simulation
from thermo.sweep import run_batch, run_one_by_one, summarise_variant, variant_params

OVERRIDES = ["domain.cells=[12,8,12]", "solver.max_steps=30", "solver.steps_per_call=10",
             'solver.scheme="march"']


@pytest.fixture
def rack():
    case = load_case(example_path("air-rack-60kw"), OVERRIDES)
    return case, Simulation(case)


@pytest.mark.slow
def test_cooler_flow_variants_run_as_one_by_one_and_summarise(rack):
    case, sim = rack
    variants = [{"flow": {"cooler*": 0.8}}, {"flow": {"cooler*": 1.2, "cooler1": 0.5}}]
    calls = []
    state, infos = run_batch(case, variants, sim=sim, progress=lambda s: calls.append(int(s.step.max())))
    ref = run_one_by_one(case, variants, sim=sim)
    assert calls == [10, 20, 30]
    for i, (s, info) in enumerate(ref):
        assert infos[i].steps == info.steps == 30
        np.testing.assert_allclose(np.asarray(state.T[i]), np.asarray(s.T), rtol=0, atol=1e-9)
    coolers = [t for t in sim.air.throughflow if t["kind"] == "crah"]
    supply = coolers[0]["supply"]
    for i in range(2):
        s = summarise_variant(sim, state, i, variants[i])
        # each cooler's heat is rho cp Q (T_return - T_supply) at the variant's own flow
        for t in coolers:
            q = t["flow"] * (0.8 if i == 0 else (0.5 if t["name"] == "cooler1" else 1.2))
            unit = s["cooling_units"][t["name"]]
            rho_cp = unit["heat_removed_w"] / (q * (unit["return_c"] - supply))
            assert rho_cp == pytest.approx(1.2e3, rel=0.05), (i, t["name"], rho_cp)
    assert sim.params is not None and float(sim.params.parts["air"].tf_flow.max()) == max(
        t["flow"] for t in sim.air.throughflow)  # the simulation's own params are untouched
    # the variants differ where the flows differ
    assert not np.allclose(np.asarray(state.T[0]), np.asarray(state.T[1]))


def test_an_unknown_part_or_key_is_refused(rack):
    _, sim = rack
    with pytest.raises(KeyError, match="no server, fan or CRAH part 'chiller'"):
        variant_params(sim, {"flow": {"chiller": 0.5}})
    with pytest.raises(KeyError, match="'flow', 'loops'"):
        variant_params(sim, {"flows": {"cooler*": 0.5}})
