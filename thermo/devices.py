"""Which device a run uses (``solver.backend``), and what the machine offers.

``solver.backend`` is ``"auto"`` (the device JAX picks first: a GPU or TPU when
one is visible, else the CPU), ``"cpu"``, ``"gpu"`` or ``"tpu"``. A backend that
JAX cannot see is refused before anything compiles, with what is there and how
to install what is not. The run's parameters and state are placed on the chosen
device, so the compiled step runs there.
"""
from __future__ import annotations

import os
import platform

BACKENDS = ("auto", "cpu", "gpu", "tpu")
#: How to get JAX to see each accelerator (the package's extras).
INSTALL_HINT = {
    "gpu": "pip install 'thermo[cuda12]' (or thermo[cuda13]) on a machine with an NVIDIA driver",
    "tpu": "pip install 'thermo[tpu]' on a Cloud TPU VM",
    "cpu": "jax's CPU backend is always installed with jax",
}


class BackendError(RuntimeError):
    """The asked backend is not visible to JAX."""


def available_platforms() -> list[str]:
    """The platforms JAX sees, best first (e.g. ``["gpu", "cpu"]``)."""
    import jax

    found = []
    for name in ("gpu", "tpu", "cpu"):
        try:
            if jax.devices(name):
                found.append(name)
        except RuntimeError:  # no such backend installed or initialised
            continue
    return found


def resolve_device(backend: str = "auto"):
    """The ``jax.Device`` a run on ``backend`` uses; raises :class:`BackendError`
    naming what JAX sees when that backend is absent."""
    import jax

    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}; accepted: {', '.join(BACKENDS)}")
    if backend == "auto":
        return jax.local_devices()[0]  # this process's (several with jax.distributed)
    try:
        devices = jax.local_devices(backend=backend)
    except RuntimeError:
        devices = []
    if not devices:
        seen = ", ".join(available_platforms()) or "none"
        raise BackendError(f"no {backend.upper()} is visible to JAX (it sees: {seen}); "
                           f"to use one: {INSTALL_HINT[backend]}")
    return devices[0]


def device_for(case):
    """The device ``case`` runs on (its ``solver.backend``); a backend JAX cannot
    see is refused as a :class:`thermo.case.CaseError` naming the file and key."""
    from thermo.case import CaseError

    try:
        return resolve_device(case.data["solver"]["backend"])
    except BackendError as exc:
        raise CaseError(str(case.path) if case.path else "<dict>", "solver.backend", str(exc),
                        "auto (the best device JAX sees), or one of: "
                        + ", ".join(available_platforms())) from None


def describe(device) -> str:
    """``"cpu:0 (cpu)"``, ``"gpu:0 (NVIDIA H200)"``: platform, id and kind."""
    return f"{device.platform}:{device.id} ({device.device_kind})"


def device_memory(device) -> int | None:
    """Bytes of memory the device has (accelerators report it; the CPU does not:
    then the host's physical memory), or None if unknown."""
    try:
        stats = device.memory_stats() or {}
    except Exception:  # noqa: BLE001 - backends without memory statistics
        stats = {}
    if stats.get("bytes_limit"):
        return int(stats["bytes_limit"])
    if device.platform == "cpu":
        try:
            return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (ValueError, OSError, AttributeError):
            return None
    return None


def versions() -> dict[str, str]:
    """Versions of Python, JAX, jaxlib and thermo."""
    import jax
    import jaxlib

    from thermo.version import __version__

    return {"thermo": __version__, "python": platform.python_version(), "jax": jax.__version__,
            "jaxlib": jaxlib.__version__}
