"""Air, direct-to-chip and immersion cooling side by side, from the bundled examples.

    python -m thermo.bench.compare_cooling             # run what has no summary yet, print
    python -m thermo.bench.compare_cooling --rerun     # run all three again
    python -m thermo.bench.compare_cooling --quick     # coarse grids, 40 steps each: a smoke test
    python -m thermo.bench.compare_cooling --out DIR   # results under DIR/<example> (default out/compare)

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
import math
import pathlib
import sys

TECHNOLOGIES = (
    ("air", ("air-rack-60kw", "rack-air")),
    ("direct-to-chip", ("d2c-rack-120kw",)),
    ("immersion", ("immersion-tank-100kw", "immersion-tank")),
)
FAN_EFFICIENCY = 0.5  # as thermo.models.air.FAN_EFFICIENCY: fans for an inlet-driven air flow

# --quick: reduced grids (where the geometry allows) and a few steps; a smoke test
# of the whole chain (run, summary, table), not results
QUICK = {
    "air-rack-60kw": ["domain.cells=[24,8,24]", "solver.max_steps=40"],
    "rack-air": ["solver.max_steps=40"],
    "d2c-rack-120kw": ["domain.cells=[12,12,41]", "solver.max_steps=40"],
    "immersion-tank-100kw": ["solver.max_steps=40"],  # its heat sinks need its own grid
    "immersion-tank": ["solver.max_steps=40"],
}


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


def _mixed(items, temp="mean_temperature_c", flow="mass_flow_kg_s"):
    """Flow-weighted mean temperature of boundaries or units (None without flow)."""
    m = sum(abs(x[flow]) for x in items)
    return sum(abs(x[flow]) * x[temp] for x in items) / m if m else None


def row(tech: str, fluid: str, s: dict) -> dict:
    """One technology's numbers from its summary.json.

    Chip maximum: the hottest chip under a cold plate (``cold_plates``), else the
    hottest powered part that owns cells, else the hottest liquid a sub-grid chip
    heats (``coolant_flow.source_max_temperature_c``). Air temperatures: the
    mixing-cup temperatures of the inlet and outlet boundaries, or the cooling
    units' supply and return. Coolant: the loops' supply and return (direct to
    chip) or the tank's inlet and outlet (immersion). Liquid share: the heat the
    liquid takes over all the heat removed (liquid + air). Cooling power: pumps
    (the loops' ``pumping_power_w``, or the tank flow's) and fans (``air.fan_power_w``;
    for an air flow driven by an inlet boundary, its pressure rise times flow over
    the fan efficiency)."""
    air_is_fluid = fluid == "air"
    powered = {k: p for k, p in s.get("parts", {}).items()
               if p.get("power_w") and p.get("max_temperature_c") is not None
               and math.isfinite(p["max_temperature_c"])}
    chips = {r["chip"]: r["chip_max_temperature_c"] for r in (s.get("cold_plates") or {}).values()
             if r.get("chip") and r.get("chip_max_temperature_c") is not None}
    if not chips:
        chips = {k: p["max_temperature_c"] for k, p in powered.items()}
    flow = s.get("coolant_flow") or {}
    if not chips:
        chips = {k: v for k, v in (flow.get("source_max_temperature_c") or {}).items()
                 if v is not None and math.isfinite(v)}
    hottest = max(chips, key=chips.get, default=None)
    b = s.get("boundaries", {})
    inlets = [x for x in b.values() if x.get("mass_flow_kg_s", 0.0) > 0]
    outlets = [x for x in b.values() if x.get("mass_flow_kg_s", 0.0) < 0]
    units = list((s.get("cooling_units") or {}).values())
    loops = s.get("loops") or {}
    boundary_out = -sum(x["heat_w"] for x in b.values())
    liquid_block = s.get("liquid") or {}
    air = s.get("air") or {}
    fan = air.get("fan_power_w")
    if air_is_fluid:
        air_in, air_out = _mixed(inlets), _mixed(outlets)
        if units:
            air_in = _mixed(units, "supply_c", "volume_flow_m3_s")
            air_out = _mixed(units, "return_c", "volume_flow_m3_s")
        coolant_in = min((o["supply_temperature_c"] for o in loops.values()), default=None)
        coolant_out = max((o["return_temperature_c"] for o in loops.values()
                           if o.get("return_temperature_c") is not None), default=None)
        liquid = liquid_block.get("heat_w", 0.0)
        air_heat = boundary_out + sum(u.get("heat_removed_w", 0.0) for u in units)
        pumps = [o["pumping_power_w"] for o in loops.values() if o.get("pumping_power_w") is not None]
        pump = sum(pumps) if pumps else liquid_block.get("pumping_power_w")
        if not fan and flow.get("pumping_power_w") is not None and not air.get("fan_power_w"):
            # air pushed by an inlet boundary: what fans would need to move it
            fan = max(flow["pumping_power_w"], 0.0) / FAN_EFFICIENCY
    else:  # immersion: the case's fluid is the coolant
        air_in = air_out = None
        coolant_in = flow.get("inlet_temperature_c", _mixed(inlets))
        coolant_out = flow.get("outlet_temperature_c", _mixed(outlets))
        liquid, air_heat = boundary_out, 0.0
        pump = flow.get("pumping_power_w", liquid_block.get("pumping_power_w"))
    removed = liquid + air_heat
    return {
        "technology": tech, "case": s.get("case"), "fluid": fluid,
        "it_load_w": s.get("heat_sources_w", 0.0),
        "hottest_part": hottest, "chip_max_c": chips[hottest] if hottest else None,
        "air_in_c": air_in, "air_out_c": air_out,
        "coolant_in_c": coolant_in, "coolant_out_c": coolant_out,
        "liquid_w": liquid, "air_w": air_heat,
        "liquid_fraction": liquid / removed if removed > 0 else None,
        "pump_w": pump, "fan_w": fan,
        "cooling_power_w": (pump or 0.0) + (fan or 0.0) if (pump or fan) else None,
        "energy_imbalance": s.get("energy_imbalance"), "steps": s.get("steps"),
        "wall_time_s": s.get("wall_time_s"), "status": s.get("status"),
    }


FIELDS = (("technology", "{}"), ("case", "{}"), ("it_load_w", "{:.0f} W"),
          ("hottest_part", "{}"), ("chip_max_c", "{:.1f} C"), ("air_in_c", "{:.1f} C"),
          ("air_out_c", "{:.1f} C"), ("coolant_in_c", "{:.1f} C"), ("coolant_out_c", "{:.1f} C"),
          ("liquid_w", "{:.0f} W"), ("air_w", "{:.0f} W"),
          ("liquid_fraction", "{:.1%}"), ("pump_w", "{:.0f} W"), ("fan_w", "{:.0f} W"),
          ("cooling_power_w", "{:.0f} W"), ("energy_imbalance", "{:.1e}"), ("steps", "{}"),
          ("wall_time_s", "{:.0f} s"), ("status", "{}"))


def table(rows: list[dict]) -> str:
    """The rows as a text table, one column per technology."""
    def cell(v, fmt):
        if v is None:
            return "-"
        return fmt.format(v + 0.0 if isinstance(v, float) else v)  # no "-0 W"

    cols = [[cell(r.get(k), fmt) for r in rows] for k, fmt in FIELDS]
    w0 = max(len(k) for k, _ in FIELDS)
    widths = [max(len(c[i]) for c in cols) for i in range(len(rows))]
    out = []
    for (k, _), c in zip(FIELDS, cols):
        out.append(k.ljust(w0) + "  " + "  ".join(v.rjust(w) for v, w in zip(c, widths)))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    from thermo.case import example_names, example_path, load_case
    from thermo.runner import SUMMARY_NAME, run_case

    ap = argparse.ArgumentParser(prog="python -m thermo.bench.compare_cooling", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/compare", help="results folder (one sub-folder per example)")
    ap.add_argument("--rerun", action="store_true", help="run every example again")
    ap.add_argument("--quick", action="store_true",
                    help="coarser grids and 40 steps each (a smoke test, not results)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args(argv)
    rows = []
    for tech, name in pick_examples(example_names()):
        folder = pathlib.Path(args.out) / name
        over = QUICK.get(name, ["solver.max_steps=40"]) if args.quick else []
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
