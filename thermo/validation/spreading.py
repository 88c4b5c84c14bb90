"""Heat spreading from a small source into a plate (issue #19's chip package stacks)
against the exact series of Muzychka, Culham and Yovanovich: ``spreading`` (one
copper layer) and ``spreading-contact`` (a silicon layer on copper with a contact
impedance between them, ``parts[].contacts``).

The problem (Muzychka, Culham & Yovanovich, "Thermal spreading resistance of
eccentric heat sources on rectangular flux channels", J. Electronic Packaging 125
(2003) 178-185; the two-layer channel: Muzychka, Yovanovich & Culham, "Thermal
spreading resistance in compound and orthotropic systems", J. Thermophysics and
Heat Transfer 18 (2004) 45-51): a rectangular source a x b (m) centred at (X_c, Y_c)
on the top of a flux channel c x d (m) takes a uniform heat flux Q / (a b); the
rest of the top and the four sides are adiabatic; the bottom is cooled by a film
h (W/(m2 K)) to a sink at T_f. Layers, top to bottom, of conductivity k_i (W/(m K))
and thickness t_i (m), with a contact impedance R''_i (K m2/W) below layer i. The
source's mean temperature is

    T_s = T_f + Q (R_1D + R_s)                                                 (1)
    R_1D = (sum_i (t_i / k_i + R''_i) + 1 / h) / (c d)                          (2)
    R_s = sum_m 2 S_m^2 / (c d a^2 Y(delta_m))
        + sum_n 2 S_n^2 / (c d b^2 Y(lambda_n))
        + sum_m sum_n 4 S_m^2 S_n^2 / (c d a^2 b^2 Y(beta_mn))                 (3)
    S_m = 2 cos(delta_m X_c) sin(delta_m a / 2) / delta_m,  delta_m = m pi / c  (4)
    (S_n likewise with lambda_n = n pi / d, Y_c, b); beta_mn = sqrt(delta_m^2 + lambda_n^2)

where Y(zeta) (W/(m2 K)) is the admittance, heat flux over temperature, that a
cosine mode of wavenumber zeta sees looking down from the source plane. It is
built from the film up: Y = h at the bottom; a contact R'' makes
``Y <- 1 / (1 / Y + R'')``; a layer (k, t) makes

    Y <- k zeta (Y + k zeta tanh(zeta t)) / (k zeta + Y tanh(zeta t))          (5)

For one layer, ``Y = k zeta / phi(zeta)`` with the layer function
``phi(zeta) = (zeta + (h/k) tanh(zeta t)) / (zeta tanh(zeta t) + h/k)``, which turns
(3) into the papers' form for a centred source: sums of ``sin^2(.) phi(zeta) /
zeta^3`` and a double sum of ``phi(beta) / beta`` terms. For two layers, (5) applied
twice is the compound channel's phi (the 2004 paper writes it with kappa = k2 / k1);
the contact between them is this module's addition, entered as the series
resistance it is. The equation numbers (1)-(5) are this module's: the series was
derived here by separation of variables (a cosine series in x and y, cosh and sinh
in z per mode, the flux at the top, the film at the bottom) and written from that
derivation, not copied from the papers (their text was not at hand), so the checks
below tie it to limits and to a published closed form.

Checks of the series (``tests/test_spreading.py``): a source covering the whole
top gives R_s = 0; a layer too thin to spread gives R_1D + R_s -> (t / k + 1 / h)
/ (a b), the excess falling with the fin length sqrt(k t / h); two layers of one
material are one layer, and a contact adds R'' / (c d) to R_1D; the quarter
channel (the source in its corner, by the symmetry of the adiabatic sides) gives
the full channel's R_s times 4; and a thick channel many times the source's width
tends to the half-space value of an isoflux square,
``k sqrt(A) R_s = 0.47320`` (Yovanovich's closed form for an isoflux rectangle on a
half space, :func:`half_space_rectangle`; 0.47319 extrapolated). The sums' tail
falls as a power of M, the terms per axis, which :func:`spreading_resistance`
extrapolates away (Aitken), to 1e-7 relative.

The code's cases: the quarter of a 60 x 60 mm channel (30 x 30 mm, adiabatic
symmetry planes at x = 0 and y = 0) under a 30 x 30 mm source (15 x 15 mm in the
quarter's corner), 4 mm thick, the source a ``heat_flux`` boundary on a ``region``
of the top face (exactly the reference's uniform flux), the bottom an ``htc``
boundary (20,000 W/(m2 K), a cold plate's base) to 0 C. ``spreading``: one copper
layer. ``spreading-contact``: 1 mm of silicon (a die's conductivity) on 3 mm of
copper with ``contacts = [{ with = "base", impedance = 1e-5 }]`` (a grease TIM).
The source face's mean temperature is its cells' T plus q dz / (2 k) (the half cell
to the face); the error is that of the spreading resistance R_s (the whole of it:
the 1-D part is exact on any grid: the source over the whole top gives R_1D to
2e-16 on n = 8, with the contact and without, ``tests/test_spreading.py``). Grids:
uniform n x n x n/2 (lines on the source's edges and on the layer interface),
n = 8, 16, 32 (full: 64 added).

Measured (2 shared cores, float64; R_s's error on n = 8, 16, 32, 64, then the
observed orders between them):

* copper: +3.92, +1.16, +0.34, +0.096 %; orders 1.76, 1.78, 1.81;
* silicon | contact | copper: +4.35, +1.48, +0.45, +0.134 %; orders 1.55, 1.70, 1.77.

Both converge from above at an order rising towards 2 but below it: the source's flux
jumps at its edges, and the temperature's r log r there costs the mean a log of the
second order (a lost half cell at the source's face or a contact placed a cell off
would show as order 1). Bounds: 1 % on n = 32 (with the order at least 1.5, n = 16's
1.2 and 1.5 % give at most 0.4 and 0.5 % there), and order >= 1.5 between the two
finest grids. Each grid runs in 6-10 s (most of it compiling; n = 64: 16 s), a family
of three in 30-40 s on the two shared cores.
"""
from __future__ import annotations

import math

import numpy as np

from thermo.case import case_from_dict
from thermo.solver import Simulation
from thermo.validation.rows import row

HALF = 0.03        # the quarter channel's side (m): a 60 x 60 mm channel
SOURCE = 0.015     # the quarter source's side (m): a 30 x 30 mm source
THICK = 0.004      # the channel's thickness (m)
HTC = 2.0e4        # the bottom's film (W/(m2 K))
FLUX = 1.0e5       # the source's flux (W/m2): 22.5 W on the quarter, 90 W on the whole
CONTACT = 1.0e-5   # the silicon-copper contact impedance (K m2/W)
GRIDS = (8, 16, 32)


def admittance(zeta: np.ndarray, layers, h: float) -> np.ndarray:
    """Y(zeta) (W/(m2 K)) of eq. (5): the flux over the temperature of a cosine mode of
    wavenumber ``zeta`` (1/m) at the top of ``layers`` (top to bottom: (k W/(m K), t m,
    contact impedance K m2/W below the layer)) on a film ``h`` (W/(m2 K))."""
    y = np.full(np.shape(zeta), float(h))
    for k, t, contact in reversed(layers):
        if contact:
            y = 1.0 / (1.0 / y + contact)
        th, kz = np.tanh(zeta * t), k * zeta
        y = kz * (y + kz * th) / (kz + y * th)
    return y


def one_d_resistance(c: float, d: float, layers, h: float) -> float:
    """R_1D (K/W) of eq. (2): the layers, contacts and film in series over c x d (m)."""
    return (sum(t / k + contact for k, t, contact in layers) + 1.0 / h) / (c * d)


def _series(a, b, c, d, xc, yc, layers, h, m: int) -> float:
    dm, ln = np.arange(1, m + 1) * np.pi / c, np.arange(1, m + 1) * np.pi / d
    sm = (2.0 * np.cos(dm * xc) * np.sin(dm * a / 2) / dm) ** 2
    sn = (2.0 * np.cos(ln * yc) * np.sin(ln * b / 2) / ln) ** 2
    single = (np.sum(2.0 * sm / admittance(dm, layers, h)) / (c * d * a * a)
              + np.sum(2.0 * sn / admittance(ln, layers, h)) / (c * d * b * b))
    double = 0.0
    for i0 in range(0, m, 500):  # rows in blocks: the m x m array stays small
        beta = np.hypot(dm[i0:i0 + 500, None], ln[None, :])
        double += float(np.sum(sm[i0:i0 + 500, None] * sn[None, :]
                               / admittance(beta, layers, h)))
    return float(single + 4.0 * double / (c * d * a * a * b * b))


def spreading_resistance(a: float, b: float, c: float, d: float, xc: float, yc: float,
                         layers, h: float, rtol: float = 1e-7) -> float:
    """R_s (K/W) of eq. (3): an a x b (m) isoflux source centred at (xc, yc) on a c x d
    channel of ``layers`` (see :func:`admittance`) on a film ``h`` (W/(m2 K)).

    The sums' tail falls as a power of M, the terms per axis (1/M^2 where the
    admittance has reached k zeta: each doubling of M cuts the change by 4.00 on the
    validation's cases), so the sums with M, 2M and 4M terms extrapolate to the limit
    (Aitken's delta-squared over the doublings); M doubles from 125 until two such
    limits agree to ``rtol`` relative (or to round-off of the 1-D resistance under the
    source, when R_s is nil: a source over the whole top)."""
    floor = 1e-15 * one_d_resistance(a, b, layers, h)
    m, sums, limit = 125, [], None
    while True:
        sums.append(_series(a, b, c, d, xc, yc, layers, h, m))
        if len(sums) >= 3:
            r0, r1, r2 = sums[-3:]
            bend = (r2 - r1) - (r1 - r0)
            new = r2 - (r2 - r1) ** 2 / bend if bend != 0.0 else r2
            if limit is not None and abs(new - limit) <= max(rtol * abs(new), floor):
                return new
            limit = new
        if m >= 16000:
            raise RuntimeError(f"the spreading series did not converge to {rtol:g} with "
                               f"{m} terms per axis: {sums[-3:]!r}")
        m *= 2


def half_space_rectangle(a: float, b: float, k: float) -> float:
    """R_s (K/W) of an isoflux a x b (m) rectangle on a half space of conductivity k,
    source-averaged (Yovanovich's closed form; 0.47320 / (k sqrt(A)) for a square)."""
    e = b / a
    psi = math.sqrt(e) / math.pi * (math.asinh(1 / e) + math.asinh(e) / e
                                    + e / 3 * (1 - (1 + 1 / e ** 2) ** 1.5) + 1 / (3 * e ** 2))
    return psi / (k * math.sqrt(a * b))


# -- the code's cases ------------------------------------------------------------------------

def stack(contact: bool) -> list[tuple[str, str, float, float]]:
    """The layers top to bottom: (part name, material, thickness m, contact below K m2/W)."""
    if contact:
        return [("die", "silicon", 0.001, CONTACT), ("base", "copper", 0.003, 0.0)]
    return [("block", "copper", THICK, 0.0)]


def spreading_case(n: int, contact: bool = False, source: float = SOURCE) -> dict:
    """The quarter channel on a uniform n x n x n/2 grid: the source a ``heat_flux``
    region (``source`` m square in the corner) of the top face, the bottom a film to
    0 C, the sides adiabatic."""
    parts, top = [], THICK
    for name, material, t, r in stack(contact):
        part = {"name": name, "kind": "solid", "material": material,
                "box": {"min": [0.0, 0.0, top - t], "max": [HALF, HALF, top]}}
        if r:
            part["contacts"] = [{"with": "base", "impedance": r}]
        parts.append(part)
        top -= t
    return {
        "case": {"name": f"spreading-{n}"},
        "domain": {"size": [HALF, HALF, THICK], "cells": [n, n, n // 2]},
        "fluid": {"initial_temperature": 0.0, "reference_temperature": 0.0},
        "parts": parts,
        "boundaries": [
            {"name": "source", "face": "z+", "heat_flux": FLUX,
             "region": {"min": [0.0, 0.0], "max": [source, source]}},
            {"name": "sink", "face": "z-", "htc": HTC, "ambient": 0.0}],
        # backward Euler in time with a step far beyond the block's time constants (about
        # 10 s): the steady state in 2-3 steps on any grid
        "solver": {"mode": "steady", "dt": 100.0, "tolerance": 1e-10, "max_steps": 50,
                   "steps_per_call": 50},
    }


def reference_resistance(contact: bool = False) -> tuple[float, float]:
    """(R_1D, R_s) (K/W) of the quarter channel from eqs. (2) and (3)."""
    from thermo.case.materials import LIBRARY

    layers = [(LIBRARY[m].conductivity_axes()[2], t, r) for _, m, t, r in stack(contact)]
    return (one_d_resistance(HALF, HALF, layers, HTC),
            spreading_resistance(SOURCE, SOURCE, HALF, HALF, SOURCE / 2, SOURCE / 2, layers, HTC))


def source_resistance(n: int, contact: bool = False, source: float = SOURCE) -> float:
    """The solver's (mean source-face temperature - sink) / Q (K/W) on grid ``n``, the
    source ``source`` m square."""
    sim = Simulation(case_from_dict(spreading_case(n, contact, source)))
    state, info = sim.run()
    if info.status != "converged":
        raise RuntimeError(f"spreading n={n} did not converge: {info}")
    T = np.asarray(state.T)
    k_top = sim.thermal.conductivity_axes[2][:, :, -1]
    dz = sim.grid.widths(2)[-1]
    inside = sim.grid.centers(0) < source
    face = (T[:, :, -1] + FLUX * dz / (2.0 * k_top))[np.ix_(inside, inside)]
    return float(face.mean()) / (FLUX * source * source)


def _rows(case: str, what: str, contact: bool, full: bool) -> list[dict]:
    sizes = GRIDS + ((64,) if full else ())
    r1d, rs = reference_resistance(contact)
    errs = {n: (source_resistance(n, contact) - r1d) / rs - 1.0 for n in sizes}
    orders = [float(np.log2(abs(errs[p] / errs[q]))) for p, q in zip(sizes, sizes[1:])]
    fine = sizes[-1]
    return [row(case, f"{what}: spreading resistance R_s (K/W), quarter of 60 x 60 x 4 mm "
                f"under a 30 x 30 mm source, {fine} x {fine} x {fine // 2} (R_1D {r1d:.5f} K/W; "
                f"errors {', '.join(f'{100 * errs[n]:+.3g} %' for n in sizes)} on n = "
                f"{', '.join(str(n) for n in sizes)}; bound 1 %)", rs, rs * (1 + errs[fine]),
                abs(errs[fine]), 0.01, "validation"),
            row(case, f"{what}: observed order of R_s's error, n = {sizes[0]} to {fine} "
                f"({', '.join(f'{p:.2f}' for p in orders)}; error = 2 - order, bound: "
                "order >= 1.5)", 2.0, orders[-1], 2.0 - orders[-1], 0.5, "validation")]


def validate_spreading(full: bool = False) -> list[dict]:
    return _rows("spreading", "copper vs Muzychka et al. (2003)", False, full)


def validate_spreading_contact(full: bool = False) -> list[dict]:
    return _rows("spreading-contact", f"1 mm Si | R'' {CONTACT:g} K m2/W | 3 mm Cu vs the "
                 "compound series (2004)", True, full)
