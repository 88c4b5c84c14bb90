"""The design grid of a sweep and its table: ``--vary`` parsing, the cartesian grid of
variants as ``--set`` overrides, each variant's headline numbers, and the table files.

Pure bookkeeping on case data and ``summary.json`` trees; running is
:func:`thermo.sweep.sweep`'s.

``--vary`` takes the ``--set`` key syntax and either a range or a list:

- ``KEY=START:STOP:N``: N evenly spaced numbers from START to STOP (both ends
  included; integers when START, STOP and every step are whole numbers);
- ``KEY=v1,v2,...``: a list of TOML values (commas inside brackets or quotes
  belong to the value: ``domain.cells=[8,4,4],[16,8,8]``).

A name may stand for an index in a list of named tables: ``parts.gpu.power`` is
``parts[3].power`` when ``parts[3]`` is the part named ``gpu``.

Several processes share a sweep's folder (``--process I/N``, or a launcher's
variables: :func:`process_share`): process ``I`` runs the variants whose index
``% N == I``.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pathlib
import re
import socket
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from thermo.case.errors import CaseError
from thermo.case.overrides import apply_override, parse_value

TABLE_JSON = "sweep.json"
TABLE_CSV = "sweep.csv"
VARIANTS = "variants"

_NAMED = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)((?:\[\d+\])*)")


def split_values(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, braces and quotes."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [s.strip() for s in out]


def _number(text: str, key: str, spec: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CaseError("--vary", key, f"{what} {text!r} in {spec!r} is not a number",
                        "KEY=START:STOP:N with numbers START, STOP and a whole N >= 1, "
                        "or KEY=v1,v2,...") from None


def parse_vary(spec: str) -> tuple[str, list[Any]]:
    """``"KEY=START:STOP:N"`` or ``"KEY=v1,v2,..."`` as ``(KEY, values)``; a
    :class:`CaseError` naming the key and what is accepted otherwise."""
    key, sep, text = spec.partition("=")
    key, text = key.strip(), text.strip()
    if not sep or not key or not text:
        raise CaseError("--vary", key or spec or "(empty)", "a --vary needs the form KEY=VALUES",
                        "KEY=START:STOP:N (e.g. parts[2].power=600:1000:5) or KEY=v1,v2,... "
                        "(e.g. boundaries.inlet.velocity=[1,0,0],[2,0,0])")
    if ":" in text and not text.lstrip().startswith(("[", "{", '"', "'")):
        bits = text.split(":")
        if len(bits) != 3:
            raise CaseError("--vary", key, f"range {text!r} needs three fields",
                            "KEY=START:STOP:N, e.g. parts[2].power=600:1000:5")
        start, stop = (_number(b, key, spec, w) for b, w in zip(bits[:2], ("START", "STOP")))
        try:
            n = int(bits[2])
        except ValueError:
            n = 0
        if n < 1 or str(n) != bits[2].strip():
            raise CaseError("--vary", key, f"N {bits[2]!r} in {spec!r} is not a whole number >= 1",
                            "KEY=START:STOP:N with N the number of values (2 or more for a range)")
        values = [start + (stop - start) * i / (n - 1) for i in range(n)] if n > 1 else [start]
        if all(re.fullmatch(r"\s*[-+]?\d+\s*", b) for b in bits[:2]) and all(
                float(v).is_integer() for v in values):
            values = [int(v) for v in values]
        return key, values
    values = [parse_value(v) for v in split_values(text)]
    if any(v == "" for v in values):
        raise CaseError("--vary", key, f"an empty value in {text!r}",
                        "KEY=v1,v2,... with a TOML value between the commas")
    return key, values


def resolve_names(raw: dict, key: str, source: str) -> str:
    """``key`` with each name that stands for an entry of a list of named tables
    replaced by that entry's index (``parts.gpu.power`` -> ``parts[3].power``)."""
    steps: list[str | int] = []
    for part in key.split("."):
        m = _NAMED.fullmatch(part.strip())
        if m is None:
            return key  # malformed: apply_override names it
        steps.append(m.group(1))
        steps.extend(int(i) for i in re.findall(r"\[(\d+)\]", m.group(2)))
    node: Any = raw
    for i, step in enumerate(steps):
        if isinstance(node, list) and isinstance(step, str):
            named = [j for j, e in enumerate(node) if isinstance(e, dict) and e.get("name") == step]
            if not named:
                names = [e["name"] for e in node if isinstance(e, dict) and "name" in e]
                raise CaseError(source, key, f"no entry named {step!r} in {_path(steps[:i])}",
                                f"an index or one of the names {names}" if names
                                else "an index, e.g. [0]")
            steps[i] = step = named[0]
        if isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, str):
            node = node.get(step)
        else:
            node = None
    return _path(steps)


def _path(steps: Sequence[str | int]) -> str:
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else s)
    return out


def variant_overrides(raw_text: str, base: Sequence[str], vary: Sequence[tuple[str, list]],
                      source: str) -> tuple[list[str], list[dict]]:
    """The resolved keys and, per variant of the cartesian product (the last key
    varies fastest), its values by key. Every key is checked against the case
    (after the base overrides) before anything runs."""
    raw = tomllib.loads(raw_text)
    for ov in base:
        apply_override(raw, ov, source)
    keys = [resolve_names(raw, k, source) for k, _ in vary]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise CaseError("--vary", dup, "varied twice", "each key in one --vary only")
    for k, (_, values) in zip(keys, vary):
        if not values:
            raise CaseError("--vary", k, "no values", "KEY=START:STOP:N or KEY=v1,v2,...")
    grid = [dict(zip(keys, combo)) for combo in itertools.product(*[v for _, v in vary])]
    return keys, grid


def as_override(key: str, value: Any) -> str:
    """``key=value`` in the ``--set`` syntax (TOML values)."""
    return f"{key}={toml_value(value)}"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _max(items: Mapping[str, Any] | None, field: str) -> tuple[str | None, float | None]:
    best = (None, None)
    for name, entry in (items or {}).items():
        v = entry.get(field) if isinstance(entry, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (best[1] is None or v > best[1]):
            best = (name, float(v))
    return best


#: The table's columns from each variant's summary.json, after its varied values.
HEADLINE = ("status", "converged", "steps", "simulated_time_s", "wall_time_s",
            "hottest_source", "hottest_source_c", "hottest_chip_c", "server_inlet_max_c",
            "rci_hi_pct", "air_exhaust_mean_c", "coolant_outlet_c", "liquid_fraction",
            "fluid_max_c", "heat_sources_w", "net_heat_w", "energy_imbalance")


def headline(summary: dict) -> dict[str, Any]:
    """A variant's row: the :data:`HEADLINE` numbers of its ``summary.json`` (None where
    the case has no such thing): the hottest powered part (and cold-plate chip), the
    hottest server inlet, the coolant outlet (an inlet boundary's mixing cup, else the
    hottest loop return or plate outlet), the energy balance."""
    powered = {n: p for n, p in (summary.get("parts") or {}).items() if p.get("power_w")}
    source, source_c = _max(powered, "max_temperature_c")
    _, chip_c = _max(summary.get("cold_plates"), "chip_max_temperature_c")
    if chip_c is not None and (source_c is None or chip_c > source_c):
        source, source_c = next(n for n, p in summary["cold_plates"].items()
                                if p.get("chip_max_temperature_c") == chip_c), chip_c
    air = summary.get("air") or {}
    outlet = (summary.get("coolant_flow") or {}).get("outlet_temperature_c")
    if outlet is None:
        outlet = _max(summary.get("loops"), "return_temperature_c")[1]
    if outlet is None:
        outlet = _max(summary.get("cold_plates"), "outlet_temperature_c")[1]
    row = {k: summary.get(k) for k in ("status", "converged", "steps", "simulated_time_s",
                                       "wall_time_s", "heat_sources_w", "net_heat_w",
                                       "energy_imbalance")}
    row.update(hottest_source=source, hottest_source_c=source_c, hottest_chip_c=chip_c,
               server_inlet_max_c=air.get("inlet_max_c"), rci_hi_pct=air.get("rci_hi_pct"),
               air_exhaust_mean_c=air.get("exhaust_mean_c"), coolant_outlet_c=outlet,
               liquid_fraction=(summary.get("liquid") or {}).get("liquid_fraction"),
               fluid_max_c=(summary.get("fluid") or {}).get("max_temperature_c"))
    return {k: row[k] for k in HEADLINE}


#: where a launcher says which process this is and how many there are, in the order read.
#: SLURM's count is the step's (``srun`` sets it), not ``SLURM_NTASKS``: a batch script
#: run by ``sbatch --ntasks=4`` has ``SLURM_PROCID=0`` and ``SLURM_NTASKS=4`` but is
#: one process, which would otherwise run a quarter of the grid
LAUNCHER_VARIABLES = (("JAX_PROCESS_ID", "JAX_NUM_PROCESSES"),
                      ("SLURM_PROCID", "SLURM_STEP_NUM_TASKS"),
                      ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"))
_PROCESS = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_process(spec: str, source: str = "--process") -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``; a :class:`CaseError` naming ``source`` unless
    ``0 <= I < N``."""
    m = _PROCESS.fullmatch(str(spec))
    if m is None or not int(m[1]) < int(m[2]):
        raise CaseError(source, str(spec), "not process I of N processes",
                        "I/N with whole numbers 0 <= I < N, e.g. 0/4 for the first of 4 "
                        "processes sharing the output folder")
    return int(m[1]), int(m[2])


def process_share(process: str | tuple[int, int] | None = None,
                  environ: Mapping[str, str] | None = None) -> tuple[int, int, str]:
    """``(index, count, where from)`` of this sweep process: ``process`` (``"I/N"`` or a
    pair) when given, else the first complete pair of :data:`LAUNCHER_VARIABLES` in
    ``environ`` (``srun``, ``mpirun``, or JAX's own), else ``(0, 1)``."""
    if process is not None:
        text = process if isinstance(process, str) else "/".join(map(str, process))
        return (*parse_process(text), "--process")
    environ = os.environ if environ is None else environ
    for index, count in LAUNCHER_VARIABLES:
        if index in environ and count in environ:
            source = f"{index}/{count}"
            return (*parse_process(f"{environ[index]}/{environ[count]}", source), source)
    return 0, 1, "one process"


def write_atomic(path: pathlib.Path, text: str) -> None:
    """``text`` into ``path`` through a temporary file and a rename: a reader (or a
    sweep killed while writing) sees the old file or the new one, never part of one.
    The temporary file is named for the host and process, so that processes of one
    sweep writing the same file (on a shared file system) never share one."""
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def csv_text(keys: Sequence[str], rows: Sequence[dict]) -> str:
    """The table as CSV: ``variant``, the varied keys, then :data:`HEADLINE`."""
    cols = ["variant", *keys, *HEADLINE, "batch"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else (toml_value(r[c]) if isinstance(r[c], (list, dict))
                                                 else r[c]) for c in cols])
    return buf.getvalue()


def write_table(outdir: pathlib.Path, manifest: dict, rows: Sequence[dict]) -> None:
    """``OUTDIR/sweep.json`` (the manifest and the rows) and ``OUTDIR/sweep.csv``, each
    written atomically."""
    write_atomic(outdir / TABLE_JSON, json.dumps({**manifest, "rows": list(rows)}, indent=1) + "\n")
    write_atomic(outdir / TABLE_CSV, csv_text(manifest["keys"], rows))


def check_resumable(outdir: pathlib.Path, manifest: dict) -> None:
    """A :class:`CaseError` when ``OUTDIR`` holds a sweep of another case or another
    ``--vary`` set (a folder without ``sweep.json`` is a new sweep)."""
    path = outdir / TABLE_JSON
    if not path.exists():
        return
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise CaseError(str(path), "(file)", f"cannot be read ({exc})",
                        "a sweep.json written by thermo sweep, or another -o folder") from None
    if [old.get("keys"), old.get("values")] != [manifest["keys"], manifest["values"]]:
        was = " ".join(f"--vary {k}={','.join(map(toml_value, v))}"
                       for k, v in zip(old.get("keys") or [], old.get("values") or []))
        raise CaseError(str(path), "--vary", f"this folder holds a sweep of another --vary set ({was})",
                        "the same --vary options to resume it, or another -o folder")
    if old.get("case_text") != manifest["case_text"]:
        raise CaseError(str(path), "(case)", "this folder holds a sweep of another case or other "
                        "--set overrides", "the same case and --set options to resume it, or "
                        "another -o folder")
