"""Test-session settings."""
import os

# `thermo run` and `thermo validate` keep compiled solvers on disk (the user's cache
# folder); the tests leave that folder alone, and a test that checks the cache sets
# THERMO_XLA_CACHE to a folder of its own
os.environ["THERMO_XLA_CACHE"] = "off"
