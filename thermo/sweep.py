"""Design sweeps: many variants of one case, of equal shape, in one compiled call.

A *variant* changes only the arrays the compiled step reads (``Params``), never
the grid, the boundary set or the compile-time ``Settings``, so every variant
runs through the same compiled while loop, vectorised with ``jax.vmap``:

    from thermo.sweep import run_batch, run_one_by_one
    variants = [{"power": f} for f in (0.5, 1.0, 1.5)]   # scale the parts' power
    state, infos = run_batch(case, variants)             # one compiled call per chunk
    ref = run_one_by_one(case, variants)                 # the same, a variant at a time

A variant is a mapping of

- ``"power"``: a factor on the parts' heat sources (``ThermalModel.power``);
  the fixed boundary terms of ``Params.t_source`` are kept; or
- ``"flow"``: ``{part: factor}``, a throughflow part's (server, fan, CRAH) flow
  times ``factor``, as an ``[[events]]`` ``scale`` does; a name also matches its
  copies (``"server"`` matches ``server[0]``, ``server[1]``, ...) and may be a
  glob (``"cooler*"``); a later entry overrides an earlier one;
- ``"loops"``: ``{loop: factor}``, a coolant loop's flow times ``factor``
  (:func:`thermo.models.coldplate.set_loop_flow`); or
- the name of any top-level ``Params`` field (e.g. ``"body"``, ``"gravity"``,
  ``"t_source"``): a number multiplies that field, an array replaces it (same
  shape and dtype).

``summarise_variant(sim, state, i, variant)`` gives variant ``i``'s
``summary.json`` numbers (servers, RCI, coolers, plates, energy balance).

Under ``vmap`` the while loops (time steps and the CG iterations inside them)
run until the *last* variant is done; finished variants are carried unchanged,
so each variant's answer is the one it gets alone, and the batch costs the
slowest variant's iteration counts times the batch size. Runs stop at
``solver.max_steps`` or when every variant has converged, finished or diverged.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from thermo.case import Case
from thermo.solver import RUNNING, STATUS, Params, Settings, Simulation, State
from thermo.solver.step import advance, compiled_advance

__all__ = ["BatchInfo", "variant_params", "run_batch", "run_one_by_one", "batched_advance",
           "variant_state", "summarise_variant"]


@dataclass
class BatchInfo:
    """One variant's outcome (the fields of ``RunInfo`` that make sense per variant)."""

    status: str
    steps: int
    simulated_time: float
    pressure_iterations: float   # mean per step
    energy_iterations: float     # mean per step
    viscous_iterations: float    # mean per step
    res_mom: float
    res_energy: float


def variant_params(sim: Simulation, variant: Mapping[str, Any]) -> Params:
    """``sim.params`` with one variant's changes applied."""
    prm = sim.params
    changes = {}
    for key, value in variant.items():
        if key in EVENT_KEYS:
            sub = EVENT_KEYS[key]
            changes.setdefault("parts", dict(prm.parts))[sub] = _with_events(sim, key, value).parts[sub]
        elif key == "power":
            power = jnp.asarray(sim.thermal.power, prm.t_source.dtype)
            base = changes.get("t_source", prm.t_source)
            changes["t_source"] = base + (float(value) - 1.0) * power
        elif key in Params._fields:
            old = changes.get(key, getattr(prm, key))
            if np.ndim(value) == 0:
                changes[key] = jax.tree_util.tree_map(lambda a: a * value, old)
            else:
                new = jnp.asarray(value, jnp.result_type(old))
                if new.shape != jnp.shape(old):
                    raise ValueError(f"variant {key}: shape {new.shape}, expected {jnp.shape(old)}")
                changes[key] = new
        else:
            raise KeyError(f"unknown variant key {key!r}: 'power', 'flow', 'loops' or one of "
                           f"{Params._fields}")
    return prm._replace(**changes)


#: Variant keys applied as events, and the part models' parameters each changes
#: (``Params.parts[...]``).
EVENT_KEYS = {"flow": "air", "loops": "liquid"}


def _with_events(sim: Simulation, key: str, factors: Mapping[str, float]) -> Params:
    """``sim.params`` with flows scaled as events would (``sim.params`` is left as it was)."""
    from thermo.models.coldplate import set_loop_flow

    base = sim.params
    try:
        for name, factor in factors.items():
            if key == "loops":
                set_loop_flow(sim, name, factor)
                continue
            parts = [t["name"] for t in list(sim.air.throughflow) + list(sim.air.fans)]
            chosen = [n for n in parts if n == name or n.startswith(name + "[")
                      or fnmatch.fnmatchcase(n, name)]
            if not chosen:
                raise KeyError(f"variant flow: no server, fan or CRAH part {name!r}")
            for n in chosen:
                sim.apply_event({"part": n, "action": "scale", "value": float(factor)})
        return sim.params
    finally:
        sim.params = base


def _varied(variants: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The Params fields the variants change, and ``parts.<key>`` for a part
    model's parameters."""
    fields, parts = set(), set()
    for v in variants:
        for key in v:
            if key in EVENT_KEYS:
                parts.add(f"parts.{EVENT_KEYS[key]}")
            else:
                fields.add("t_source" if key == "power" else key)
    return tuple(f for f in Params._fields if f in fields) + tuple(sorted(parts))


_BATCHED: dict = {}


def batched_advance(cfg: Settings, varied: tuple[str, ...]):
    """The jitted, vmapped :func:`thermo.solver.step.advance` for ``cfg`` with the
    ``varied`` Params fields (and ``parts.<key>`` entries) batched (leading axis) and
    the state batched and donated; cached."""
    key = (cfg, varied)
    if key not in _BATCHED:
        keys = {"air"} | {m.key for m in cfg.parts}  # the entries of Params.parts
        parts = {k: 0 if f"parts.{k}" in varied else None for k in sorted(keys)}
        axes = Params(*[0 if f in varied else parts if f == "parts" else None
                        for f in Params._fields])
        fn = jax.vmap(lambda prm, s, last, t_stop: advance(prm, s, last, t_stop, cfg),
                      in_axes=(axes, 0, None, None))
        _BATCHED[key] = jax.jit(fn, donate_argnums=(1,))
    return _BATCHED[key]


def stack_variants(sim: Simulation, variants: Sequence[Mapping[str, Any]]) -> tuple[Params, State]:
    """Batched params (only the varied fields carry a leading axis) and initial states."""
    varied = _varied(variants)
    each = [variant_params(sim, v) for v in variants]
    stack = lambda *leaves: jnp.stack(leaves)  # noqa: E731
    prm = sim.params._replace(**{f: jax.tree_util.tree_map(stack, *[getattr(p, f) for p in each])
                                 for f in varied if not f.startswith("parts.")})
    parts = dict(prm.parts)
    for f in varied:
        if f.startswith("parts."):
            k = f.split(".", 1)[1]
            parts[k] = jax.tree_util.tree_map(stack, *[p.parts[k] for p in each])
    prm = prm._replace(parts=parts)
    s0 = sim.initial_state()
    states = jax.tree_util.tree_map(lambda a: jnp.stack([a] * len(variants)), s0)
    return prm, states


def _end_time(sim: Simulation) -> float:
    s = sim.case.data["solver"]
    return s["end_time"] if s["mode"] == "transient" else float("inf")


def run_batch(case: Case, variants: Sequence[Mapping[str, Any]], *,
              sim: Simulation | None = None,
              progress: Callable[[State], None] | None = None) -> tuple[State, list[BatchInfo]]:
    """Run every variant of ``case`` together (vmap) until each is done or
    ``solver.max_steps``; one device call per ``solver.steps_per_call`` steps,
    after each of which ``progress(batched_state)`` is called if given.

    Returns the batched final ``State`` (leading axis = variant) and one
    ``BatchInfo`` per variant. Output frames and checkpoints are not written.
    """
    if not variants:
        raise ValueError("run_batch needs at least one variant")
    sim = sim or Simulation(case)
    s_cfg = case.data["solver"]
    prm, state = stack_variants(sim, variants)
    fn = batched_advance(sim.settings, _varied(variants))
    t_stop = jnp.asarray(_end_time(sim), sim.dtype)
    while True:
        last = min(int(jnp.max(state.step)) + s_cfg["steps_per_call"], s_cfg["max_steps"])
        state = fn(prm, state, jnp.int32(last), t_stop)
        if progress is not None:
            progress(state)
        status = np.asarray(state.status)
        if not (status == RUNNING).any() or int(jnp.max(state.step)) >= s_cfg["max_steps"]:
            break
        if (np.asarray(state.step)[status == RUNNING] < last).all():
            break   # every running variant stopped at the time limit (transient end)
    return state, [_info(jax.tree_util.tree_map(lambda a: a[i], state)) for i in range(len(variants))]


def variant_state(state: State, i: int) -> State:
    """Variant ``i``'s state out of a batched one."""
    return jax.tree_util.tree_map(lambda a: a[i], state)


def summarise_variant(sim: Simulation, state: State, i: int,
                      variant: Mapping[str, Any]) -> dict:
    """Variant ``i``'s ``summary.json`` numbers (as ``thermo run`` writes them:
    servers, air metrics, cooling units, plates and loops, energy balance) from
    the batched ``state`` of :func:`run_batch`. ``wall_time_s`` is 0: the
    variants shared their device calls."""
    from types import SimpleNamespace

    from thermo.diagnostics.summary import summarise

    one = variant_state(state, i)
    b = _info(one)
    info = SimpleNamespace(status=b.status, steps=b.steps, simulated_time=b.simulated_time,
                           wall_time=0.0, compile_time=0.0, res_mom=b.res_mom,
                           res_div=float(one.res_div), res_energy=b.res_energy,
                           pressure_iterations=b.pressure_iterations,
                           energy_iterations=b.energy_iterations,
                           viscous_iterations=b.viscous_iterations)
    base = sim.params
    sim.params = variant_params(sim, variant)  # the summary reads the variant's flows and powers
    try:
        return summarise(sim, one, info)
    finally:
        sim.params = base


def _info(s: State) -> BatchInfo:
    steps = max(int(s.step), 1)
    return BatchInfo(status=STATUS[int(s.status)], steps=int(s.step), simulated_time=float(s.t),
                     pressure_iterations=float(s.p_iters_sum) / steps,
                     energy_iterations=float(s.t_iters_sum) / steps,
                     viscous_iterations=float(s.v_iters_sum) / steps,
                     res_mom=float(s.res_mom), res_energy=float(s.res_energy))


def run_one_by_one(case: Case, variants: Sequence[Mapping[str, Any]], *,
                   sim: Simulation | None = None) -> list[tuple[State, BatchInfo]]:
    """The reference for :func:`run_batch`: each variant through the ordinary
    (unbatched) compiled solver, one after the other, with the same stopping rule."""
    sim = sim or Simulation(case)
    s_cfg = case.data["solver"]
    fn = compiled_advance(sim.settings)
    t_stop = jnp.asarray(_end_time(sim), sim.dtype)
    out = []
    for v in variants:
        prm = variant_params(sim, v)
        state = sim.initial_state()
        while True:
            last = min(int(state.step) + s_cfg["steps_per_call"], s_cfg["max_steps"])
            state = fn(prm, state, jnp.int32(last), t_stop)
            if (int(state.status) != RUNNING or int(state.step) >= s_cfg["max_steps"]
                    or int(state.step) < last):
                break
        out.append((state, _info(state)))
    return out
