"""solver.precision = "mixed": float32 fields, sums over many cells in float64
(thermo/kernels/sums.py, thermo/solver/numerics.py)."""
from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermo.case import CaseError, case_from_dict
from thermo.kernels.sums import dot, total
from thermo.solver import Simulation
from thermo.solver.step import compiled_advance
from thermo.validation.flow import channel_case


def cancelling(n: int, seed: int = 0) -> np.ndarray:
    """``n`` float32 values of about +-1000 whose sum is much smaller than its terms
    (a divergence field whose net outflow nearly vanishes); each a multiple of 2**-10
    below 2**10, so that float64 adds a million of them exactly."""
    rng = np.random.default_rng(seed)
    k = rng.integers(900 * 2**10, 1000 * 2**10, n) * np.where(np.arange(n) % 2 == 0, 1, -1)
    return (k * 2.0**-10).astype(np.float32)


def test_sums_of_a_million_float32_values_in_float64():
    jax.config.update("jax_enable_x64", True)
    n = 10**6
    a = cancelling(n)
    b = np.random.default_rng(1).integers(1, 5, n).astype(np.float32)  # products stay exact
    exact_sum = math.fsum(a.astype(np.float64).tolist())
    exact_dot = math.fsum((a.astype(np.float64) * b).tolist())
    sums = {acc: float(jax.jit(lambda x, acc=acc: total(x, acc))(a)) for acc in (None, "float64")}
    dots = {acc: float(jax.jit(lambda x, y, acc=acc: dot(x, y, acc))(a, b))
            for acc in (None, "float64")}
    err = {k: abs(v / exact_sum - 1) for k, v in sums.items()}
    derr = {k: abs(v / exact_dot - 1) for k, v in dots.items()}
    print(f"sum of 1e6: exact {exact_sum!r}, float32 rel {err[None]:.2e}, "
          f"float64 rel {err['float64']:.2e}; dot: float32 rel {derr[None]:.2e}, "
          f"float64 rel {derr['float64']:.2e}")
    assert err[None] > 1e-6 and derr[None] > 1e-6   # float32 accumulation is off
    assert err["float64"] <= 1e-12 and derr["float64"] <= 1e-12
    # the float64 sum of a float32 array: no float64 copy of it is kept (XLA fuses the
    # conversion into the reduction)
    mem = jax.jit(lambda x: dot(x, x, "float64")).lower(a).compile().memory_analysis()
    assert mem.temp_size_in_bytes < a.nbytes, mem


def test_mixed_is_accepted_and_names_the_choices():
    case = case_from_dict(channel_case(8, "mixed"))
    assert case.data["solver"]["precision"] == "mixed"
    with pytest.raises(CaseError, match="solver.precision.*mixed"):
        case_from_dict(channel_case(8, "half"))


DUCT = """
[case]
name = "tiny-duct"

[domain]
size = [0.4, 0.1, 0.1]
cells = [8, 4, 4]

[[parts]]
name = "block"
kind = "solid"
material = "aluminium"
power = 50.0
box = { min = [0.15, 0.025, 0.0], max = [0.25, 0.075, 0.05] }

[[boundaries]]
name = "inlet"
face = "x-"
flow = "inlet"
velocity = [0.5, 0.0, 0.0]
temperature = 20.0

[[boundaries]]
name = "outlet"
face = "x+"
flow = "outlet"

[solver]
max_steps = 300
"""


def _run(path, precision: str):
    """The duct's state after its 300 steps in ``precision``, from one compile whose
    memory analysis is also returned (bytes of arguments, temporaries, outputs)."""
    from thermo.case import load_case
    sim = Simulation(load_case(path, [f'solver.precision="{precision}"']))
    state = sim.initial_state()
    args = (sim.params, state, jnp.int32(300), jnp.asarray(np.inf, sim.dtype))
    exe = compiled_advance(sim.settings).lower(*args).compile()
    m = exe.memory_analysis()
    need = m.argument_size_in_bytes + m.temp_size_in_bytes + m.output_size_in_bytes \
        - m.alias_size_in_bytes
    return sim, exe(*args), need


@pytest.mark.slow
def test_mixed_stores_float32_and_lands_nearer_float64(tmp_path):
    """The mixed run's fields and parameters are float32 and its compiled step needs
    the memory of float32's (within 2 %); its temperatures after the same 300 steps
    are at least as near the float64 run's as float32's are."""
    path = tmp_path / "duct.toml"
    path.write_text(DUCT)
    runs = {p: _run(path, p) for p in ("float64", "float32", "mixed")}
    sim, state, need = runs["mixed"]
    assert sim.settings.accumulate == "float64" and jax.config.jax_enable_x64
    floats = [x for x in jax.tree_util.tree_leaves((state, sim.params))
              if jnp.issubdtype(x.dtype, jnp.floating)]
    assert floats and {x.dtype for x in floats} == {jnp.dtype("float32")}
    assert runs["float32"][0].settings.accumulate is None
    ref = np.asarray(runs["float64"][1].T)
    dist = {p: float(np.abs(np.asarray(runs[p][1].T, np.float64) - ref).max())
            for p in ("float32", "mixed")}
    print(f"bytes: float64 {runs['float64'][2]:,}, float32 {runs['float32'][2]:,}, mixed {need:,}; "
          f"max |T - T_float64| after 300 steps: float32 {dist['float32']:.3e} K, "
          f"mixed {dist['mixed']:.3e} K")
    assert need <= 1.02 * runs["float32"][2] < runs["float64"][2]
    assert 0 < dist["mixed"] <= dist["float32"]


def test_turbulence_kernels_keep_float32_with_x64_on():
    """mixed turns on JAX's x64 mode: a NumPy float64 constant would then make a float32
    field float64 (the default rack's k-epsilon and wall-function step did not trace)."""
    from thermo.kernels import turbulence as turb
    jax.config.update("jax_enable_x64", True)
    x = jnp.full((4,), 30.0, jnp.float32)
    u = tuple(jnp.full(s, 1.0, jnp.float32) for s in ((5, 4, 4), (4, 5, 4), (4, 4, 5)))
    outs = {"spalding_uplus": turb.spalding_uplus(x), "spalding_uplus_at": turb.spalding_uplus_at(x),
            "k_epsilon_viscosity": turb.k_epsilon_viscosity(x, x, x),
            "lvel": turb.lvel(u, jnp.full((4, 4, 4), 0.01, jnp.float32), 1.5e-5)}
    assert {k: str(v.dtype) for k, v in outs.items()} == {k: "float32" for k in outs}
