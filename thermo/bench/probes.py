"""What the suite measures besides time: bytes of arrays, the process's peak memory,
a device's peak memory, XLA's cost and memory analyses of an executable, XLA
compilations, a device's copy bandwidth and a hand count of the bytes a step moves."""
from __future__ import annotations

import math
import resource
import time
from typing import Any

__all__ = ["CompileCounter", "copy_bandwidth", "device_peak_bytes", "hand_bytes_per_step", "max_rss_bytes",
           "tree_bytes", "xla_cost", "xla_memory"]


def tree_bytes(tree: Any) -> int:
    """The bytes of the arrays in a pytree."""
    import jax
    return sum(int(getattr(x, "nbytes", 0)) for x in jax.tree_util.tree_leaves(tree))


def max_rss_bytes() -> int:
    """This process's peak resident memory (bytes)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024   # Linux: KiB


def device_peak_bytes(dev: Any) -> int | None:
    """The device's peak bytes in use, where it reports them."""
    try:
        stats = dev.memory_stats()
    except Exception:
        return None
    return None if not stats else stats.get("peak_bytes_in_use")


def xla_cost(compiled: Any) -> dict:
    """XLA's cost analysis of a compiled executable (empty where unavailable)."""
    try:
        ca = compiled.cost_analysis()
    except Exception:
        return {}
    if isinstance(ca, (list, tuple)):
        ca = ca[0] if ca else {}
    return dict(ca or {})


def xla_memory(compiled: Any) -> dict:
    """XLA's memory analysis of a compiled executable, in bytes (empty where unavailable)."""
    try:
        m = compiled.memory_analysis()
    except Exception:
        return {}
    if m is None:
        return {}
    keys = ("argument_size_in_bytes", "output_size_in_bytes", "alias_size_in_bytes",
            "temp_size_in_bytes", "generated_code_size_in_bytes")
    return {k: int(getattr(m, k, 0) or 0) for k in keys}


class CompileCounter:
    """Counts XLA backend compilations (jax.monitoring) while active."""

    EVENT = "/jax/core/compile/backend_compile_duration"
    _instance = None

    def __new__(cls):
        if cls._instance is None:
            import jax.monitoring
            inst = super().__new__(cls)
            inst.active, inst.count = False, 0
            jax.monitoring.register_event_duration_secs_listener(inst._listen)
            cls._instance = inst
        return cls._instance

    def _listen(self, name: str, duration: float, **kwargs) -> None:
        if self.active and name == self.EVENT:
            self.count += 1

    def __enter__(self):
        self.count, self.active = 0, True
        return self

    def __exit__(self, *exc):
        self.active = False


def copy_bandwidth(device: Any, mib: int = 256, repeat: int = 5) -> dict:
    """Bytes read + written per second by a donated, jitted ``x * a`` of ``mib`` MiB (float32)."""
    import jax
    import jax.numpy as jnp
    n = mib * 2 ** 20 // 4
    x = jax.device_put(jnp.ones((n,), jnp.float32), device)
    f = jax.jit(lambda x: x * jnp.float32(1.0000001), donate_argnums=(0,))
    x = f(x)
    x.block_until_ready()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        x = f(x)
        x.block_until_ready()
        best = min(best, time.perf_counter() - t0)
    nbytes = 2 * n * 4
    return {"array_bytes": n * 4, "best_s": best, "bytes_per_s": nbytes / best,
            "gb_per_s": nbytes / best / 1e9}


def hand_bytes_per_step(cells: int, itemsize: int, p_iters: float, t_iters: float,
                        energy: bool, v_iters: float = 1.0) -> float:
    """A hand count of the bytes one step must move, each array read or written once
    per use (no reuse between kernels), in units of cell arrays of ``itemsize`` bytes:

    - explicit terms, predictor, correction, residuals: the state (3 velocities, p, T,
      3 tendencies) read and written (16), the masks and boundary arrays read (9),
      advection/diffusion/divergence temporaries written and read once (20): 45;
    - the implicit viscous solve: 39 per Jacobi-CG iteration of 3 components (3 x 13),
      with the measured iterations per step;
    - each pressure MG-PCG iteration: operator apply 5, two dots 4, three axpys 9, and a
      V-cycle of 2+2 red-black sweeps (6 each), a residual (6), restriction and
      prolongation (3.25) on the fine grid, x 8/7 for the coarser levels: 56 in all;
    - energy (if solved): advection and conduction terms (15) plus 56 per MG-PCG iteration.
    """
    units = 45 + 39 * v_iters + 56 * p_iters + ((15 + 56 * t_iters) if energy else 0)
    return units * cells * itemsize
