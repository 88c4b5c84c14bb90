"""Air, direct-to-chip and immersion cooling side by side, from the bundled examples.

    python -m benchmarks.compare_cooling                 # run what has no summary yet, print
    python -m benchmarks.compare_cooling --rerun         # run all three again
    python -m benchmarks.compare_cooling --quick         # 30 steps each: a smoke test only
    python -m benchmarks.compare_cooling --out DIR       # results under DIR/<example> (default out/compare)

Each technology's example (air: ``air-rack-60kw`` when bundled, else
``rack-air``; direct-to-chip: ``d2c-rack-120kw``; immersion:
``immersion-tank-100kw`` when bundled, else ``immersion-tank``) is run with
``thermo run`` semantics into ``OUT/<example>/`` unless its ``summary.json`` is
already there, and the table is built from the summaries alone: IT load, the
hottest powered part, coolant and air temperatures, the liquid share of the
heat, the cooling power (pumps and fans, where the summary reports them) and
the energy balance.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

TECHNOLOGIES = (
    ("air", ("air-rack-60kw", "rack-air")),
    ("direct-to-chip", ("d2c-rack-120kw",)),
    ("immersion", ("immersion-tank-100kw", "immersion-tank")),
)


def pick_examples(available: list[str]) -> list[tuple[str, str]]:
    """(technology, example) for each technology whose example is bundled."""
    out = []
    for tech, names in TECHNOLOGIES:
        name = next((n for n in names if n in available), None)
        if name is not None:
            out.append((tech, name))
    return out


def _find(tree, key: str):
    """The first value of ``key`` in a nested summary, breadth first (None if absent)."""
    level = [tree]
    while level:
        nxt = []
        for node in level:
            if isinstance(node, dict):
                if node.get(key) is not None:
                    return node[key]
                nxt.extend(node.values())
        level = nxt
    return None


def row(tech: str, fluid: str, s: dict) -> dict:
    """One technology's numbers from its summary.json."""
    powered = {k: p for k, p in s.get("parts", {}).items() if p.get("power_w")}
    hottest = max(powered, key=lambda k: powered[k]["max_temperature_c"], default=None)
    b = s.get("boundaries", {})
    inlets = [x for x in b.values() if x.get("mass_flow_kg_s", 0.0) > 0]
    outlets = [x for x in b.values() if x.get("mass_flow_kg_s", 0.0) < 0]

    def mixed(items):
        m = sum(abs(x["mass_flow_kg_s"]) for x in items)
        return sum(abs(x["mass_flow_kg_s"]) * x["mean_temperature_c"] for x in items) / m if m else None

    loops = s.get("loops", {})
    coolant_in = min((o["supply_temperature_c"] for o in loops.values()), default=None)
    coolant_out = max((o["return_temperature_c"] for o in loops.values()), default=None)
    liquid = (s.get("liquid") or {}).get("heat_w", 0.0)
    boundary_out = -sum(x["heat_w"] for x in b.values())
    air_is_fluid = fluid == "air"
    if not air_is_fluid:  # immersion: the case's fluid is the coolant
        coolant_in, coolant_out = mixed(inlets), mixed(outlets)
        liquid = boundary_out
    removed = liquid + (boundary_out if air_is_fluid else 0.0)
    pump = (s.get("liquid") or {}).get("pumping_power_w")
    if pump is None:
        pump = _find(s, "pumping_power_w")
    fan = _find(s, "fan_power_w")
    power = s.get("heat_sources_w", 0.0)
    return {
        "technology": tech, "case": s.get("case"), "fluid": fluid, "it_load_w": power,
        "hottest_part": hottest,
        "chip_max_c": powered[hottest]["max_temperature_c"] if hottest else None,
        "air_in_c": mixed(inlets) if air_is_fluid else None,
        "air_out_c": mixed(outlets) if air_is_fluid else None,
        "coolant_in_c": coolant_in, "coolant_out_c": coolant_out,
        "liquid_fraction": liquid / removed if removed > 0 else None,
        "pump_w": pump, "fan_w": fan,
        "cooling_power_w": (pump or 0.0) + (fan or 0.0) if (pump or fan) else None,
        "energy_imbalance": s.get("energy_imbalance"), "wall_time_s": s.get("wall_time_s"),
        "status": s.get("status"),
    }


FIELDS = (("technology", "{}"), ("case", "{}"), ("it_load_w", "{:.0f} W"),
          ("hottest_part", "{}"), ("chip_max_c", "{:.1f} C"), ("air_in_c", "{:.1f} C"),
          ("air_out_c", "{:.1f} C"), ("coolant_in_c", "{:.1f} C"), ("coolant_out_c", "{:.1f} C"),
          ("liquid_fraction", "{:.1%}"), ("pump_w", "{:.0f} W"), ("fan_w", "{:.0f} W"),
          ("cooling_power_w", "{:.0f} W"), ("energy_imbalance", "{:.1e}"),
          ("wall_time_s", "{:.0f} s"), ("status", "{}"))


def table(rows: list[dict]) -> str:
    """The rows as a text table, one column per technology."""
    cols = [[fmt.format(r[k]) if r.get(k) is not None else "-" for r in rows] for k, fmt in FIELDS]
    w0 = max(len(k) for k, _ in FIELDS)
    widths = [max(len(c[i]) for c in cols) for i in range(len(rows))]
    out = []
    for (k, _), c in zip(FIELDS, cols):
        out.append(k.ljust(w0) + "  " + "  ".join(v.rjust(w) for v, w in zip(c, widths)))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from thermo.case import load_case
    from thermo.cli import example_names, example_path
    from thermo.runner import SUMMARY_NAME, run_case

    ap = argparse.ArgumentParser(prog="python -m benchmarks.compare_cooling", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/compare", help="results folder (one sub-folder per example)")
    ap.add_argument("--rerun", action="store_true", help="run every example again")
    ap.add_argument("--quick", action="store_true", help="30 steps each (a smoke test, not results)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    rows = []
    for tech, name in pick_examples(example_names()):
        folder = pathlib.Path(args.out) / name
        over = ["solver.max_steps=30"] if args.quick else []
        case = load_case(example_path(name), over)
        summary = folder / SUMMARY_NAME
        if args.rerun or args.quick or not summary.exists():
            print(f"running {name} ({tech}) into {folder} ...", file=sys.stderr, flush=True)
            run_case(case, folder, quiet=True)
        s = json.loads(summary.read_text())
        rows.append(row(tech, case.data["fluid"]["material"], s))
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
