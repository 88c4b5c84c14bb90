"""A suite run's results for people: one log line per measured run, the plot
(``suite.png``) and the Markdown tables (for ``benchmarks/RESULTS.md``)."""
from __future__ import annotations

import math
import pathlib

import numpy as np

from thermo.bench.suite_config import SCALING_TARGET

__all__ = ["markdown", "plot", "row_line"]


def row_line(r: dict) -> str:
    """One measured run as a log line."""
    pct = r.get("achieved_pct_hand")
    ps = r.get("pressure_solve_s")
    return (f"{r['backend']:>4} {r['precision']:>7} {r['case']:>10} {r['grid']:>11} "
            f"{r['cells']:>9,} {r['steps']:>4} {r['wall_s']:8.3f} s "
            f"{r['cell_updates_per_s'] / 1e6:7.3f} Mcell/s  compile {r['compile_s']:6.2f} s  "
            f"p-it {r['pressure_iterations_per_step']:5.2f}  "
            f"v-it {r.get('viscous_iterations_per_step', float('nan')):5.2f}  "
            f"p-solve {'-' if ps is None else f'{1e3 * ps:8.2f} ms'}  "
            f"B/cell {r['bytes_per_cell']:6.1f}  floor {'-' if pct is None else f'{pct:5.1f} %'}")


def plot(doc: dict, path: pathlib.Path) -> None:
    """The suite's four panels (throughput, scaling, roofline, peers and batch) as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = doc["rows"]
    fig, ax = plt.subplots(2, 2, figsize=(12, 9))
    a = ax[0, 0]
    for key in sorted({(r["backend"], r["case"], r["precision"]) for r in rows}):
        pts = sorted([r for r in rows if (r["backend"], r["case"], r["precision"]) == key],
                     key=lambda r: r["cells"])
        a.plot([r["cells"] for r in pts], [r["cell_updates_per_s"] / 1e6 for r in pts],
               "o-" if key[2] == "float32" else "s--", label=" ".join(key))
    a.set_xscale("log")
    a.set_xlabel("cells")
    a.set_ylabel("million cell updates / s")
    a.set_title("throughput")
    a.legend(fontsize=7)
    a = ax[0, 1]
    for backend, sc in doc.get("scaling", {}).get("by_backend", {}).items():
        pts = sc["points"]
        a.plot([p["cells"] for p in pts], [p["ns_per_cell_step"] for p in pts], "o-",
               label=f"{backend} cavity float32")
        base = pts[0]["ns_per_cell_step"]
        a.axhline(base * SCALING_TARGET, ls=":", c="gray")
        a.axhline(base, ls="--", c="gray", label="linear (and 1.3x)")
    a.set_xscale("log")
    a.set_xlabel("cells")
    a.set_ylabel("ns per cell-step")
    a.set_title("scaling")
    if a.get_legend_handles_labels()[0]:
        a.legend(fontsize=7)
    a = ax[1, 0]
    labels = [f"{r['case']} {r['grid']}\n{r['precision']}" for r in rows]
    x = np.arange(len(rows))
    a.bar(x - 0.2, [r.get("achieved_pct_hand") or 0 for r in rows], 0.4, label="hand count")
    a.bar(x + 0.2, [r.get("achieved_pct_xla") or 0 for r in rows], 0.4, label="XLA bytes (loops once)")
    a.set_xticks(x, labels, rotation=90, fontsize=6)
    a.set_ylabel("achieved / bandwidth floor (%)")
    a.set_title("roofline")
    a.legend(fontsize=7)
    a = ax[1, 1]
    peers = doc.get("peers") or {}
    names, vals = [], []
    for k in ("thermo", "openfoam", "numpy"):
        if peers.get(k):
            names.append(k)
            vals.append(peers[k]["wall_s"])
    b = doc.get("batch")
    if b:
        names += ["batch (vmap)", "one by one"]
        vals += [b["batched_s"], b["one_by_one_s"]]
    a.bar(names, vals, color=["C0", "C1", "C2", "C3", "C4"][:len(vals)])
    a.set_ylabel("seconds")
    a.set_title(f"dVD {peers.get('n')}^2 time to answer; batch of {b['variants'] if b else 0}")
    fig.suptitle(f"thermo benchmark suite ({doc['config']}) {doc['machine']['timestamp']}")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def markdown(doc: dict) -> str:
    """The measured numbers of a suite.json as Markdown tables (for RESULTS.md)."""
    m = doc["machine"]
    out = [f"Run `{doc['config']}` at {m['timestamp']}: jax {m['jax']}, Python {m['python']}, "
           f"{m['cpu_count']} CPUs, devices {', '.join(d['platform'] + ' (' + d['kind'] + ')' for d in m['devices'])}, "
           f"load average at start {', '.join(f'{x:.1f}' for x in (m.get('load_average') or []))}; "
           f"total {doc.get('total_s', float('nan')):.0f} s wall"
           + (f", {doc['total_process_cpu_s']:.0f} s process CPU." if doc.get("total_process_cpu_s")
              else "."), ""]
    for backend, bw in doc["bandwidth"].items():
        out.append(f"Copy bandwidth ({backend}, donated jitted scale of {bw['array_bytes'] / 2**20:.0f} MiB, "
                   f"read + write): **{bw['gb_per_s']:.1f} GB/s**.")
    out += ["", "| backend | precision | case | grid | cells | steps | wall s | CPU s | Mcell-upd/s | "
            "ns/cell-step | lower s | compile s | p-it/step | p-solve ms | T-it/step | v-it/step | B/cell (State+Params) | "
            "XLA peak B/cell | XLA B/step | hand B/step | floor ms/step (hand) | achieved/floor % (hand) | "
            "achieved/floor % (XLA) |", "|" + "---|" * 23]
    f = lambda v, fmt: "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt.format(v)
    for r in doc["rows"]:
        out.append("| " + " | ".join([
            r["backend"], r["precision"], r["case"], r["grid"], f"{r['cells']:,}", str(r["steps"]),
            f(r["wall_s"], "{:.3f}"), f(r.get("process_cpu_s"), "{:.2f}"),
            f(r["cell_updates_per_s"] / 1e6, "{:.3f}"), f(r["ns_per_cell_step"], "{:.0f}"),
            f(r["lower_s"], "{:.2f}"), f(r["compile_s"], "{:.1f}"),
            f(r["pressure_iterations_per_step"], "{:.2f}"),
            f(None if r.get("pressure_solve_s") is None else 1e3 * r["pressure_solve_s"], "{:.2f}"),
            f(r["energy_iterations_per_step"], "{:.2f}"),
            f(r.get("viscous_iterations_per_step"), "{:.2f}"), f(r["bytes_per_cell"], "{:.0f}"),
            f(r.get("xla_peak_bytes_per_cell"), "{:.0f}"),
            f(r.get("xla_bytes_accessed"), "{:.3g}"), f(r.get("hand_bytes_per_step"), "{:.3g}"),
            f(None if r.get("floor_s_per_step_hand") is None else 1e3 * r["floor_s_per_step_hand"], "{:.3f}"),
            f(r.get("achieved_pct_hand"), "{:.1f}"), f(r.get("achieved_pct_xla"), "{:.1f}")]) + " |")
    for e in doc.get("errors") or []:
        out.append(f"\nFailed: {e['backend']} {e['precision']} {e['case']} size {e['size']}: {e['error']}")
    for backend, sc in doc.get("scaling", {}).get("by_backend", {}).items():
        out += ["", f"Scaling ({backend}, cavity, float32; target <= {SCALING_TARGET}x of 32^3 per cell-step):", "",
                "| grid | cells | wall ns/cell-step | x 32^3 | CPU ns/cell-step | x 32^3 | p-it/step | "
                "wall ns/cell/p-iteration |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p in sc["points"]:
            out.append(f"| {p['n']}^3 | {p['cells']:,} | {p['ns_per_cell_step']:.0f} | {p['ratio']:.2f} | "
                       f"{p.get('cpu_ns_per_cell_step', float('nan')):.0f} | {p.get('cpu_ratio', float('nan')):.2f} | "
                       f"{p['pressure_iterations_per_step']:.2f} | {p['ns_per_cell_pressure_iteration']:.0f} |")
    b = doc.get("batch")
    if b:
        out += ["", f"Batch: {b['variants']} power levels ({min(b['power_factors']):.2f}-"
                f"{max(b['power_factors']):.2f}x) of {b['case']} {b['grid']} ({b['cells']:,} cells), "
                f"{b['steps']} steps, float32: one vmapped call {b['batched_s']:.2f} s "
                f"({b['batched_variant_steps_per_s']:.0f} variant-steps/s; first call with compile "
                f"{b['batched_first_call_s']:.1f} s), one by one {b['one_by_one_s']:.2f} s "
                f"({b['one_by_one_variant_steps_per_s']:.0f} variant-steps/s): **speed-up "
                f"{b['speedup']:.2f}x**; max |T batched - T alone| {b['max_abs_T_difference']:.1e} K."]
    pe = doc.get("peers")
    if pe:
        out += ["", f"de Vahl Davis Ra {pe['ra']:g}, {pe['n']}x{pe['n']}, to a steady answer "
                f"(reference Nu {pe['nu_reference']}):", "",
                "| solver | time to answer s | steps / iterations | s per step | Nu | Nu error % |",
                "|---|---:|---:|---:|---:|---:|"]
        th, of, npr = pe.get("thermo"), pe.get("openfoam"), pe.get("numpy")
        if th:
            out.append(f"| thermo (incl. setup + compile) | {th['wall_s']:.1f} | {th['steps']} | "
                       f"{1e3 * th['s_per_step']:.2f} ms | {th['nu']:.4f} | {th['nu_error_pct']:+.2f} |")
            out.append(f"| thermo, compile excluded (approx.) | {th['solve_s_approx']:.1f} | | | | |")
        if of:
            out.append(f"| OpenFOAM {of['version']} {of['solver']} | {of['wall_s']:.2f} | {of['iterations']} | "
                       f"{1e3 * of['wall_s'] / max(of['iterations'] or 1, 1):.2f} ms | {of['nu']:.4f} | "
                       f"{of['nu_error_pct']:+.2f} |")
        else:
            out.append(f"| OpenFOAM | skipped: {pe.get('openfoam_message')} | | | | |")
        if npr:
            out.append(f"| NumPy reference | {npr['wall_s']:.2f} | {npr['steps']} | "
                       f"{1e3 * npr['s_per_step']:.3f} ms | {npr['nu']:.4f} | {npr['nu_error_pct']:+.2f} |")
        ratios = [f"{k.replace('_', ' ')} **{pe[k]:.1f}x**" for k in (
            "thermo_over_openfoam", "thermo_solve_over_openfoam", "thermo_over_numpy",
            "thermo_solve_over_numpy", "thermo_step_over_numpy_step") if pe.get(k)]
        if ratios:
            out += ["", "Ratios (thermo / peer): " + ", ".join(ratios) + "."]
    return "\n".join(out)
