"""The case: the TOML contract parsed and checked once (see docs/case-format.md).

The public API, from the modules by concept: :mod:`~thermo.case.loading`
(:class:`Case`, :func:`load_case`, :func:`case_from_dict`, the bundled
examples), :mod:`~thermo.case.errors` (:class:`CaseError`),
:mod:`~thermo.case.schema` (the accepted keys), :mod:`~thermo.case.toml_writer`
(:func:`to_toml`); :mod:`~thermo.case.builders` and
:mod:`~thermo.case.materials` as submodules.
"""
from thermo.case import builders, materials
from thermo.case.errors import CaseError
from thermo.case.loading import (DEFAULT_EXAMPLE, Case, case_from_dict, default_case_path, example_names,
                                 example_path, load_case)
from thermo.case.schema import THROUGHFLOW_KINDS, accepted_keys
from thermo.case.toml_writer import to_toml

__all__ = ["Case", "CaseError", "DEFAULT_EXAMPLE", "THROUGHFLOW_KINDS", "accepted_keys", "builders",
           "case_from_dict", "default_case_path", "example_names", "example_path", "load_case",
           "materials", "to_toml"]
