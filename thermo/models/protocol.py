"""The protocol every part model follows, from the host to the compiled step.

A part model (servers and fixed-flow fans, curve fans, porous media, cold
plates) is built on the host from the case and its voxelised grid, hands the
compiled step its device arrays under ``Params.parts[model.key]``, adds terms to
the momentum and energy equations through the hooks below, and reports its
``summary.json`` sections from its own module. The step loops over
``Settings.parts`` and calls every hook; a hook a model does not need keeps the
default, which adds nothing. The objects are frozen and hashable: they are part
of the compiled step's static settings (counts and switches, never arrays).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PartModel:
    """Default hooks: a model that adds nothing."""

    key = ""  # its device parameters: ``Params.parts[key]``

    def drag(self, u, p, c: int):
        """Implicit linear drag (1/s) on the faces of axis ``c``, or None."""
        return None

    @property
    def drags(self) -> bool:
        """Whether :meth:`drag` adds anything (known when the step is traced)."""
        return type(self).drag is not PartModel.drag

    def force(self, u, p):
        """Body forces (m/s2) per component, or None."""
        return None

    def fixed_velocity(self, p, c: int):
        """Velocity (m/s) the model imposes on the faces of axis ``c`` (0.0: none)."""
        return 0.0

    def outside_fluid(self, p):
        """Cells whose continuity is not the fluid's (bool array), or None."""
        return None

    def advective_fluxes(self, flux, pads, u, p, cfg):
        """The advective face fluxes ``u T`` per axis, changed where the model sets
        them, and what :meth:`finish_temperature` needs (or None)."""
        return flux, None

    def heat_exchange(self, T, p):
        """``(G, G Tc)``: heat into each cell ``G (Tc - T)`` (W/m3 K, W/m3), implicit in
        T, or None."""
        return None

    def owned_cells(self, p):
        """Cells whose temperature :meth:`finish_temperature` sets (bool array), or None."""
        return None

    def finish_temperature(self, T, p, carry):
        """The temperature after the energy solve, with cells the model owns set."""
        return T
