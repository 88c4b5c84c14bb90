"""Validation of the implicit steady solver (``solver.scheme = "implicit"``): de Vahl
Davis's cavity against the benchmark, and the same answer as the time march."""
from __future__ import annotations

from thermo.validation.convection import DVD_GRIDS, DVD_NUSSELT, IMPLICIT, devahldavis_nusselt
from thermo.validation.rows import row


def validate_implicit_devahldavis(full: bool = False) -> list[dict]:
    """Ra 1e5 on the march row's grid with the implicit scheme against de Vahl Davis; and
    at Ra 1e4 on 32 x 32 the implicit scheme's Nu against the march's (both converged:
    the delta form's fixed point is the march's steady state)."""
    ra = 1e5
    n = DVD_GRIDS[full][ra]
    nu, s = devahldavis_nusselt(ra, n, IMPLICIT)
    ref = DVD_NUSSELT[ra]
    rows = [row("devahldavis-implicit", f"mean hot-wall Nu, Ra 1e5, {n}x{n}, implicit "
                f"({s['steps']} iterations, {s['wall_time_s']:.0f} s)", ref, nu,
                abs(nu / ref - 1), 0.01, "validation")]
    nu_imp, si = devahldavis_nusselt(1e4, 32, IMPLICIT + ["solver.tolerance=1e-9"])
    nu_march, sm = devahldavis_nusselt(1e4, 32)
    rows.append(row("devahldavis-implicit", f"Nu, Ra 1e4, 32x32: implicit ({si['steps']} "
                    f"iterations) against the march ({sm['steps']} steps), relative", nu_march,
                    nu_imp, abs(nu_imp / nu_march - 1), 1e-5))
    return rows
