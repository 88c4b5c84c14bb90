"""Whether a case's grid fits the device's memory, checked before anything is built."""
from __future__ import annotations

import os

from thermo.case import Case, CaseError
from thermo.grid.quality import BYTES_PER_CELL
from thermo.meshes import Grid


def device_memory(device) -> int | None:
    """Bytes of memory the device offers: an accelerator's allocator limit, the host's
    physical memory for the CPU; None when unknown."""
    try:
        stats = device.memory_stats() or {}
    except Exception:  # backends without memory statistics
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"])
    if getattr(device, "platform", "cpu") == "cpu":
        try:
            return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            return None
    return None


def check_fits(case: Case, grid: Grid, device, available: int | None = None) -> None:
    """CaseError (naming the grid's key, its cells and the bytes) when the run's estimated
    memory (:data:`thermo.grid.quality.BYTES_PER_CELL`, measured) exceeds the device's."""
    available = device_memory(device) if available is None else available
    if available is None:
        return
    precision = case.data["solver"]["precision"]
    # "mixed" stores float32 fields (its sums in float64 add no per-cell memory)
    need = grid.ncells * BYTES_PER_CELL[0 if precision in ("float32", "mixed") else 1]
    if need > available:
        key = "grid.max_cell" if "grid" in case.data else "domain.cells"
        cells = "x".join(str(n) for n in grid.cells)
        raise CaseError(case.path.name if case.path else "<dict>", key,
                        f"the grid's {cells} = {grid.ncells:,} cells need about {need:,} bytes in "
                        f"{precision}, more than the {available:,} bytes of the device ({device})",
                        "a coarser grid, float32, or a device with more memory")
