"""The validation table's row: :func:`row`, the row kinds :data:`KINDS`, and
:data:`REFERENCE`, the folder of published reference data.

Each validation runs one case and returns rows for the table that
``thermo validate`` prints: case, kind, quantity, reference, computed, error (the
measure the bound applies to, stated in ``quantity``), bound, ok. The tests in
``tests/test_validation.py`` call the same functions and assert on ``ok``.

Every row has a ``kind`` (:data:`KINDS`):

* ``"validation"``: the solver against published data (Ghia, de Vahl Davis,
  Churchill & Chu, Dean, Shah & London) or against a solution it does not
  compute itself: an analytic solution of the equations (Poiseuille, erfc,
  Graetz by eigen-expansion) or a resolved geometry standing in for a compact
  model (resolved fins for a porous block, a resolved slot for a cold plate);
* ``"check"``: the code against its own model's formula, a conservation law or
  itself (a compact part against the formula it implements, a turbulence model
  against its own exact profile, an energy balance, a grid-convergence or a
  solver property): it checks the implementation, not the physics;
* ``"not validated"``: the model's error against data, shown with the bound a
  validation would need, but known not to meet it: ``ok`` is None, never a pass
  or a failure.
"""
from __future__ import annotations

import pathlib

import numpy as np

REFERENCE = pathlib.Path(__file__).parent.parent / "reference"

KINDS = ("validation", "check", "not validated")


def row(case: str, quantity: str, reference, computed, error: float, bound: float,
        kind: str = "check") -> dict:
    """One table row; ``ok`` is ``error <= bound`` (None for ``"not validated"``).
    ``kind`` defaults to the weaker claim, ``"check"``: a row is a validation only
    when it says so."""
    if kind not in KINDS:
        raise ValueError(f"unknown row kind {kind!r}; one of {KINDS}")
    ok = None if kind == "not validated" else bool(np.isfinite(error) and error <= bound)
    return dict(case=case, kind=kind, quantity=quantity, reference=reference, computed=computed,
                rel_error=float(error), bound=float(bound), ok=ok)

