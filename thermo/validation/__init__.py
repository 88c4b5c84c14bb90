"""Validation cases against analytic solutions and published data: the rows of
``thermo validate``.

:mod:`~thermo.validation.rows` holds the row and its kinds; one module per
family holds its cases (:mod:`~thermo.validation.flow`,
:mod:`~thermo.validation.conduction`, :mod:`~thermo.validation.convection`,
:mod:`~thermo.validation.liquid`, :mod:`~thermo.validation.turbulence`,
:mod:`~thermo.validation.walls` (LVEL and the wall functions),
:mod:`~thermo.validation.kepsilon` (the k-epsilon models),
:mod:`~thermo.validation.immersion`, :mod:`~thermo.validation.air`,
:mod:`~thermo.validation.spreading` (heat spreading in a plate, contacts),
:mod:`~thermo.validation.two_fluids`, :mod:`~thermo.validation.default_case`);
:mod:`~thermo.validation.registry` lists them in the table's order.
"""
from thermo.validation.registry import VALIDATIONS, run_validation

__all__ = ["VALIDATIONS", "run_validation"]
