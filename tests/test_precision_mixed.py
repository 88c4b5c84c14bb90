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
