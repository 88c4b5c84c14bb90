"""Test-session settings."""
import os

import jax
import pytest

# `thermo run` and `thermo validate` keep compiled solvers on disk (the user's cache
# folder); the tests leave that folder alone, and a test that checks the cache sets
# THERMO_XLA_CACHE to a folder of its own
os.environ["THERMO_XLA_CACHE"] = "off"

# JAX's float64 switch as the process started (off unless JAX_ENABLE_X64 is set)
X64_AT_START = bool(jax.config.jax_enable_x64)


@pytest.fixture(autouse=True)
def _x64_per_test():
    """Every test starts and ends with float64 as the process started. A float64
    Simulation turns jax_enable_x64 on for the whole process; without this, every test
    after the first float64 run (in any file) would run with x64 on, and float32 with
    x64 off would be tested only by chance of the test order."""
    jax.config.update("jax_enable_x64", X64_AT_START)
    yield
    jax.config.update("jax_enable_x64", X64_AT_START)


@pytest.fixture(autouse=True, scope="module")
def _release_compiled_code():
    """Drop JAX's compiled executables after each test module. Every XLA CPU
    executable keeps memory mappings of its code; the whole suite in one process
    compiles thousands, and past the kernel's vm.max_map_count (65,530 here) the next
    compile segfaults (seen at test 1,149 of 1,190: an eager concatenate in
    test_turbulence)."""
    yield
    jax.clear_caches()


@pytest.fixture
def x64(request):
    """JAX float64 for one test: ``pytestmark = pytest.mark.usefixtures("x64")`` in a
    module whose tests need it. ``@pytest.mark.parametrize("x64", [False], indirect=True)``
    runs a test of such a module with x64 off instead. Yields whether it is on."""
    on = bool(getattr(request, "param", True))
    jax.config.update("jax_enable_x64", on)
    yield on
    jax.config.update("jax_enable_x64", X64_AT_START)
