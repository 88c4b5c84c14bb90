"""Validation of ``solver.precision = "mixed"`` (float32 fields, float64 sums): de Vahl
Davis's cavity with the implicit scheme against the benchmark, as the
``devahldavis-implicit`` row runs it in float64."""
from __future__ import annotations

from thermo.validation.convection import DVD_GRIDS, DVD_NUSSELT, IMPLICIT, devahldavis_nusselt
from thermo.validation.rows import row

# float32 fields stall the normalised residuals near 2e-6 on this grid (80 x 80, after
# 400 iterations: momentum 3.3e-6, continuity 2.0e-6, energy 1.8e-6), in float32 and in
# mixed alike: 1e-5, not the float64 row's 1e-6
MIXED_TOLERANCE = 1e-5


def validate_mixed_devahldavis(full: bool = False) -> list[dict]:
    """Ra 1e5 on the march row's grid, implicit, in mixed precision, against de Vahl Davis."""
    ra = 1e5
    n = DVD_GRIDS[full][ra]
    nu, s = devahldavis_nusselt(ra, n, IMPLICIT + ['solver.precision="mixed"',
                                                   f"solver.tolerance={MIXED_TOLERANCE}"])
    ref = DVD_NUSSELT[ra]
    return [row("precision-mixed", f"mean hot-wall Nu, Ra 1e5, {n}x{n}, implicit, mixed precision "
                f"(float32 fields, float64 sums; tolerance {MIXED_TOLERANCE:g}, {s['steps']} "
                f"iterations, {s['wall_time_s']:.0f} s, energy imbalance "
                f"{s['energy_imbalance']:.1e})", ref, nu, abs(nu / ref - 1), 0.01, "validation")]
