"""Design sweeps: many variants of one case, of equal shape, in one compiled call.

:func:`sweep` (``thermo sweep``) runs the cartesian grid of ``--vary`` values of a
case file: each variant is the case with ``--set`` overrides; variants that build
the same compiled step (equal ``Settings`` and array shapes, so only ``Params``
values differ) run together in chunks under ``jax.vmap``, the chunk's variant axis
split over the devices JAX sees; the others, and cases whose runs need the host
between device calls (``[[events]]``, ``[[networks]]``, servers' own fans or
thermal mass, controlled CRAHs), run alone through :meth:`Simulation.run`.
The table (``sweep.csv``, ``sweep.json``) has a row per variant; each variant's
``summary.json`` and ``result.vtkhdf`` go into ``variants/NNN``; a killed sweep
rerun with the same arguments skips the variants already written.

Several processes (``sweep(..., process=(I, N))``; ``thermo sweep --process I/N``, or
``srun -n N thermo sweep``, whose process the command finds with
:func:`thermo.sweep_table.process_share` in ``JAX_PROCESS_ID``/``JAX_NUM_PROCESSES``,
``SLURM_PROCID``/``SLURM_STEP_NUM_TASKS`` or ``OMPI_COMM_WORLD_RANK``/``OMPI_COMM_WORLD_SIZE``)
share one output folder: process ``I`` runs the unfinished variants whose index
``% N == I``, batched over its own devices as above, and writes each into
``variants/NNN`` as one process would, so a killed sweep resumes on any process
count. No ``jax.distributed`` joins them: the variants are independent, the
folder's finished variants are all the processes need to know of each other, and
a joined run would stop every process when one dies (heartbeats) where here the
others finish their variants and a rerun completes the rest. The table is written
by every process from the rows found on disk (each finished variant's
``variant.json`` and ``summary.json``), after each of its variants and once more
whenever a look after writing finds rows it did not write: so the last table
written holds every row, whichever process writes it, and two processes writing
the same table at once is harmless (each write is a rename of a whole file).

Below it, variants as ``Params`` changes of one simulation:

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
import json
import pathlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from thermo.case import Case, CaseError, load_case
from thermo.solver import CONVERGED, RUNNING, STATUS, Params, Settings, Simulation, State
from thermo.solver.step import advance, compiled_advance

__all__ = ["BatchInfo", "variant_params", "run_batch", "run_one_by_one", "batched_advance",
           "variant_state", "summarise_variant", "sweep"]


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


# --- thermo sweep: the grid of --vary values, grouped by compiled step ----------------

def sweep(case: Case | str | pathlib.Path, vary: Sequence[str] | Mapping[str, Any],
          outdir: str | pathlib.Path | None = None, *, overrides: Sequence[str] = (),
          batch: int = 8, devices: Sequence | None = None, dataframe: bool = False,
          on_variant: Callable[[dict], None] | None = None,
          process: str | tuple[int, int] | None = None):
    """Run every variant of the grid ``vary`` of ``case`` and return the table, a row
    (dict) per variant: ``variant`` (its index), its varied values by key, then
    :data:`thermo.sweep_table.HEADLINE` (status, steps, hottest part, hottest server
    inlet, coolant outlet, energy balance, ...) and ``batch`` (how many variants
    shared its device calls; 1: it ran alone). ``wall_time_s`` is the variant's share
    of its chunk's seconds.

    ``case``: a case file (with ``overrides``, the ``--set`` options) or a
    :class:`Case` loaded from one. ``vary``: ``--vary`` strings (``"KEY=START:STOP:N"``,
    ``"KEY=v1,v2"``) or ``{KEY: [values]}``; the grid is their cartesian product, the
    last key varying fastest. Every variant is loaded and checked before anything
    runs. ``batch``: variants per vmapped chunk; ``devices``: where chunks are split
    (default: every device of the platform the case runs on). With ``outdir`` the
    table goes to ``OUTDIR/sweep.csv`` and ``sweep.json`` and each variant's results
    to ``OUTDIR/variants/NNN``; variants found there finished are not rerun, and a
    folder of another case or ``--vary`` set is refused. ``on_variant(row)`` is
    called as each variant finishes. ``dataframe``: a pandas DataFrame instead of
    the list (pandas must be installed). ``process``: ``"I/N"`` or ``(I, N)``, this is
    process ``I`` of ``N`` sharing ``outdir``: it runs the variants whose index
    ``% N == I`` (default: one process; ``thermo sweep`` reads a launcher's variables,
    see the module's doc), each variant's ``variant.json`` naming the process that
    ran it; the table returned (and written) holds every variant finished in the
    folder by then."""
    from thermo import sweep_table as tbl

    path, base = case_source(case, overrides)
    if isinstance(vary, Mapping):
        parsed = [(k, list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in vary.items()]
    else:
        parsed = [tbl.parse_vary(v) for v in vary]
    if not parsed:
        raise CaseError("--vary", "(none)", "a sweep needs at least one --vary",
                        "--vary KEY=START:STOP:N or --vary KEY=v1,v2,...")
    if batch < 1:
        raise CaseError("--batch", str(batch), "must be a whole number >= 1", "--batch 8, say")
    index, count, _ = tbl.process_share((0, 1) if process is None else process)
    if count > 1 and outdir is None:
        raise CaseError("--process", f"{index}/{count}", "processes share a sweep through its "
                        "output folder", "an output folder (-o) with several processes")
    base_case = load_case(path, base)
    keys, grid = tbl.variant_overrides(path.read_text(encoding="utf-8"), base, parsed, str(path))
    cases = [load_case(path, [*base, *(tbl.as_override(k, v) for k, v in values.items())])
             for values in grid]  # every variant checked before anything compiles
    manifest = {"case": base_case.name, "case_file": str(path), "overrides": list(base),
                "case_text": base_case.text, "keys": keys, "values": [v for _, v in parsed],
                "variants": len(grid)}
    width = max(3, len(str(len(grid) - 1)))
    rows: dict[int, dict] = {}
    folder = None
    if outdir is not None:
        outdir = pathlib.Path(outdir)
        tbl.check_resumable(outdir, manifest)
        folder = outdir / tbl.VARIANTS
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(len(grid)):
            row = _finished_row(folder / f"{i:0{width}d}", i, grid[i])
            if row is not None:
                rows[i] = row

    def found() -> bool:
        """Add the rows of variants other processes finished; whether there were any."""
        new = {i: r for i in range(len(grid)) if i not in rows
               and (r := _finished_row(folder / f"{i:0{width}d}", i, grid[i])) is not None}
        rows.update(new)
        return bool(new)

    def table() -> None:
        if outdir is None:
            return
        if count > 1:
            found()
        while True:
            tbl.write_table(outdir, manifest, [rows[i] for i in sorted(rows)])
            # another process may have written a smaller table after this one's look:
            # write again while a look after writing finds more (see the module's doc)
            if count == 1 or not found():
                break

    def finish(i: int, sim: Simulation, state: State, info, n_batch: int, monitor) -> None:
        from thermo.io.result import RESULT_NAME, jsonable, write_result, write_summary
        from thermo.diagnostics.summary import summarise

        summary = summarise(sim, state, info)
        summary.update(monitor.summary(summary))
        summary = jsonable(summary)
        row = {"variant": i, **grid[i], **tbl.headline(summary), "batch": n_batch}
        if folder is not None:
            vdir = folder / f"{i:0{width}d}"
            vdir.mkdir(exist_ok=True)
            keep = set(sim.case.data["output"]["fields"]) | {"material"}
            write_result(vdir / RESULT_NAME, sim.grid,
                         {k: v for k, v in sim.cell_fields(state).items() if k in keep},
                         case_text=sim.case.text, attrs={"steps": info.steps, "status": info.status,
                                                         "simulated_time_s": info.simulated_time})
            write_summary(vdir / "summary.json", summary)
            # last: a variant is finished once this file is there
            tbl.write_atomic(vdir / "variant.json", json.dumps(
                {"variant": i, "values": grid[i], "batch": n_batch, "process": index,
                 "processes": count}) + "\n")
        rows[i] = row
        table()
        if on_variant is not None:
            on_variant(row)

    table()
    pending: dict[Any, list[tuple[int, Simulation]]] = {}

    def flush(key) -> None:
        _run_group(pending.pop(key), batch, devices, finish)

    for i in range(len(grid)):
        if i in rows or i % count != index:
            continue  # finished, or another process's
        sim = Simulation(cases[i])
        if _needs_host(sim):
            _run_alone(i, sim, finish)
            continue
        key = _group_key(sim)
        pending.setdefault(key, []).append((i, sim))
        if len(pending[key]) >= batch:
            flush(key)
        elif sum(len(g) for g in pending.values()) > 2 * batch:
            # bound the simulations held (each keeps its params on the device) while
            # variants of other compiled steps interleave: run the fullest group
            flush(max(pending, key=lambda k: len(pending[k])))
    for key in list(pending):
        flush(key)
    if count > 1 and folder is not None:
        table()  # the rows the other processes finished meanwhile
    out = [rows[i] for i in sorted(rows)]
    if dataframe:
        try:
            import pandas
        except ImportError:
            raise ImportError("sweep(..., dataframe=True) needs pandas (pip install pandas); "
                              "without it sweep returns a list of dicts") from None
        return pandas.DataFrame(out)
    return out


def case_source(case: Case | str | pathlib.Path, overrides: Sequence[str]) -> tuple[pathlib.Path, list[str]]:
    """The case file and the ``--set`` overrides of ``case``."""
    if not isinstance(case, Case):
        return pathlib.Path(case), list(overrides)
    if case.path is None:
        raise CaseError("<dict>", "(case)", "a sweep reloads its case file with each variant's "
                        "overrides", "a case file, or a Case loaded from one with load_case")
    text = case.path.read_text(encoding="utf-8")
    if case.text == text:
        return case.path, list(overrides)
    # load_case appended its overrides to the text: recover them, checked by rebuilding it
    head, _, tail = case.text.rpartition("\n# overrides: ")
    found = [o for o in (tail.rstrip("\n") + " ").split("--set ") if o.strip()]
    found = [o[:-1] if o.endswith(" ") else o for o in found]
    if load_case(case.path, found).text != case.text:
        raise CaseError(str(case.path), "(case)", "the case's overrides cannot be recovered",
                        "the case file and overrides=[...] instead of a loaded Case")
    return case.path, [*found, *overrides]


def _finished_row(vdir: pathlib.Path, i: int, values: dict) -> dict | None:
    """The row of a variant a previous run finished (None if it did not)."""
    from thermo.sweep_table import headline

    try:
        meta = json.loads((vdir / "variant.json").read_text())
        summary = json.loads((vdir / "summary.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if meta.get("values") != values:
        return None
    return {"variant": i, **values, **headline(summary), "batch": meta.get("batch")}


def _needs_host(sim: Simulation) -> bool:
    """Whether the runs of ``sim`` need the host between device calls (events,
    networks, servers' own fans or thermal mass, controlled CRAHs): those run alone."""
    return bool(sim.case.data.get("events")) or any(
        x is not None for x in (sim.networks, sim.equipment, sim.cooling))


def _group_key(sim: Simulation) -> tuple:
    """Variants with equal keys share a compiled step: the same settings, and params
    and states of the same structure, shapes and dtypes."""
    def shapes(tree):
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        return treedef, tuple((np.shape(x), np.dtype(getattr(x, "dtype", type(x))).str)
                                for x in leaves)
    return (sim.settings, sim.device.platform, shapes(sim.params), shapes(sim.initial_state()))


def _run_alone(i: int, sim: Simulation, finish: Callable) -> None:
    from thermo.diagnostics.steady import SteadyMonitor
    from thermo.solver.callbacks import Callback

    monitor = SteadyMonitor(sim)  # stops a steady run as thermo run's monitors do
    state, info = sim.run(callbacks=[Callback("steady", monitor)])
    finish(i, sim, state, info, 1, monitor)


def _run_group(items: list[tuple[int, Simulation]], batch: int, devices, finish: Callable) -> None:
    """Run variants of one compiled step in vmapped chunks of ``batch``."""
    from types import SimpleNamespace

    for c in range(0, len(items), batch):
        chunk = items[c:c + batch]
        if len(chunk) == 1:
            _run_alone(*chunk[0], finish)
            continue
        sims = [s for _, s in chunk]
        t0 = time.perf_counter()
        state, monitors = run_sims(sims, devices)
        share = (time.perf_counter() - t0) / len(chunk)
        for j, (i, sim) in enumerate(chunk):
            one = variant_state(state, j)
            b = _info(one)
            info = SimpleNamespace(**vars(b), wall_time=share, compile_time=0.0,
                                   res_div=float(one.res_div))
            finish(i, sim, one, info, len(chunk), monitors[j])


_SHARED: dict = {}


def run_sims(sims: Sequence[Simulation], devices: Sequence | None = None):
    """Run simulations that share one compiled step (equal ``Settings``, params of one
    structure and shape) together: the params that differ and the states stacked
    along a leading variant axis, vmapped, and that axis split over ``devices``
    (default: every device of the first simulation's platform; padded with copies of
    the last variant to a multiple of their number) with ``shard_map``, each device
    running its own while loop. Stops as :func:`run_batch`, and a steady variant also
    when its monitors settle (``solver.monitor_window``: the
    :class:`~thermo.diagnostics.steady.SteadyMonitor` of ``thermo run``, judged on the
    host after each device call). Returns the batched final state of the given
    simulations and their monitors."""
    from thermo.diagnostics.steady import SteadyMonitor
    from thermo.solver.simulation import records_per_call

    sim = sims[0]
    n = len(sims)
    devs = list(devices) if devices is not None else jax.devices(sim.device.platform)
    devs = devs[:n] if n < len(devs) else devs
    padded = list(sims) + [sims[-1]] * (-n % len(devs))
    leaves, treedef = jax.tree_util.tree_flatten(sim.params)
    each = [jax.tree_util.tree_leaves(s.params) for s in padded]
    mask = tuple(not all(np.array_equal(np.asarray(e[k]), np.asarray(leaves[k])) for e in each[1:])
                 for k in range(len(leaves)))
    prm = treedef.unflatten([jnp.stack([jnp.asarray(e[k]) for e in each]) if mask[k] else leaves[k]
                             for k in range(len(leaves))])
    state = jax.tree_util.tree_map(lambda *a: jnp.stack(a), *[s.initial_state() for s in padded])
    fn, place = _shared_advance(sim.settings, treedef, mask, tuple(devs))
    prm, state = place(prm, state)
    s_cfg = sim.case.data["solver"]
    t_stop = jnp.asarray(_end_time(sim), sim.dtype)
    monitors = [SteadyMonitor(s) for s in sims]
    per_call = records_per_call(sim.settings, s_cfg) if monitors[0].on else s_cfg["steps_per_call"]
    while True:
        last = min(int(jnp.max(state.step)) + per_call, s_cfg["max_steps"])
        state = fn(prm, state, jnp.int32(last), t_stop)
        status = np.array(state.status)
        settled = [j for j, m in enumerate(monitors)
                   if status[j] == RUNNING and m.on and m(variant_state(state, j)) is True]
        if settled:
            status[settled] = CONVERGED
            status[n:] = status[n - 1]  # the padding follows the variant it copies
            state = state._replace(status=jax.device_put(status, state.status.sharding))
        if not (status == RUNNING).any() or int(jnp.max(state.step)) >= s_cfg["max_steps"]:
            break
        if (np.asarray(state.step)[status == RUNNING] < last).all():
            break   # every running variant stopped at the time limit (transient end)
    return jax.tree_util.tree_map(lambda a: a[:n], state), monitors


def _shared_advance(cfg: Settings, treedef, mask: tuple, devs: tuple):
    """The compiled vmapped step for params ``treedef`` with the leaves in ``mask``
    batched, split over ``devs`` (one device: plain jit), and a function placing the
    batched params and state on the devices; cached."""
    key = (cfg, treedef, mask, devs)
    if key not in _SHARED:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

        axes = treedef.unflatten([0 if m else None for m in mask])
        inner = jax.vmap(lambda prm, s, last, t_stop: advance(prm, s, last, t_stop, cfg),
                         in_axes=(axes, 0, None, None))
        if len(devs) == 1:
            put = lambda prm, s: (jax.device_put(prm, devs[0]), jax.device_put(s, devs[0]))  # noqa: E731
            _SHARED[key] = (jax.jit(inner, donate_argnums=(1,)), put)
        else:
            mesh = Mesh(np.array(devs), ("variant",))
            specs = treedef.unflatten([P("variant") if m else P() for m in mask])
            fn = jax.shard_map(inner, mesh=mesh, in_specs=(specs, P("variant"), P(), P()),
                               out_specs=P("variant"), check_vma=False)

            def put(prm, s):
                shard = lambda spec: NamedSharding(mesh, spec)  # noqa: E731
                prm = jax.tree_util.tree_map(lambda x, sp: jax.device_put(x, shard(sp)), prm, specs,
                                             is_leaf=lambda x: isinstance(x, P))
                return prm, jax.device_put(s, shard(P("variant")))
            _SHARED[key] = (jax.jit(fn, donate_argnums=(1,)), put)
    return _SHARED[key]
