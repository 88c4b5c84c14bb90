"""The case: the TOML contract parsed and checked once (see docs/case-format.md)."""
from thermo.case.schema import *  # noqa: F401,F403  (the public API: Case, load_case, ...)
from thermo.case.schema import DEFAULT_EXAMPLE, THROUGHFLOW_KINDS  # noqa: F401
