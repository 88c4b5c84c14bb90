"""``python -m benchmarks ...`` from the repository root: a shim for ``thermo.bench``.

The benchmark suite is part of the installed package (``thermo.bench``: ``thermo bench``
or ``python -m thermo.bench`` from any folder). This folder keeps ``RESULTS.md``, what
is measured and the numbers measured so far, and ``out/``, the default results folder
of a run from the repository root. Checkout-only modules: ``python -m benchmarks.data_hall``
(the two data halls side by side), ``python -m benchmarks.steady_audit`` (how every bundled
steady example ends: residuals, monitors or max_steps) and ``benchmarks/scaling.py``.
"""
from thermo.bench import SUITES, default_out, main

__all__ = ["main", "SUITES", "default_out"]
