"""The d2c-rack-120kw-server example's package stacks, built without running: the grid
gives every layer its cells, the contacts find the die-lid and lid-plate faces, and the
fin zone's htc*area is the laminar micro-channel derivation its header states (a check
of the case's numbers against their own derivation, not a validation: the spreading
through such stacks is validated against Muzychka et al. in thermo validate)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from thermo.case import example_path, load_case
from thermo.grid.model import build_flow_model
from thermo.grid.thermal import build_thermal_model


@pytest.fixture(scope="module")
def built():
    case = load_case(example_path("d2c-rack-120kw-server"))
    flow = build_flow_model(case)
    return case, flow, build_thermal_model(case, flow)


def test_every_layer_owns_cells_and_the_die_is_one_cell_thick(built):
    case, flow, _ = built
    geo = flow.geometry
    assert geo.grid.cells == (36, 48, 38)
    owned = np.bincount(geo.owner[geo.owner >= 0].ravel(), minlength=len(geo.instances))
    empty = [inst["name"] for inst, n in zip(geo.instances, owned) if n == 0]
    assert empty == []
    z = np.asarray(geo.grid.faces(2))
    die = next(p for p in case.data["parts"] if p["name"] == "gpu0")["box"]
    inside = (z > die["min"][2] + 1e-9) & (z < die["max"][2] - 1e-9)
    assert not inside.any() and np.isclose(z, die["min"][2]).any() and np.isclose(z, die["max"][2]).any()


def test_contacts_cover_the_die_top_and_the_lid_top(built):
    case, _, thermal = built
    areas = {(c["part"], c["with"]): c["area_m2"] for c in thermal.contacts}
    for chip in [f"gpu{i}" for i in range(8)] + ["cpu0", "cpu1"]:
        # TIM1 over the die's 40 x 40 mm top; TIM2 over the lid's 70 x 70 mm top
        assert areas[(chip, f"{chip}_lid")] == pytest.approx(0.04 * 0.04, rel=1e-9)
        assert areas[(f"{chip}_lid", f"{chip}_plate_body")] == pytest.approx(0.07 * 0.07, rel=1e-9)


def test_fin_zone_conductance_is_the_stated_derivation(built):
    """Shah and London (1978), rectangular duct of aspect ratio 0.1: Nu_H1 = 6.785,
    fRe = 21.17 (Fanning); water at about 35 C."""
    case, _, _ = built
    plate = next(p for p in case.data["parts"] if p["name"] == "gpu0_plate")
    loop = case.data["loops"][0]
    k_w, nu_w, k_cu = 0.623, 7.3e-7, 398.0
    pitch, fin, height = 0.6e-3, 0.3e-3, 3.0e-3
    width = plate["box"]["max"][0] - plate["box"]["min"][0]
    length = plate["box"]["max"][1] - plate["box"]["min"][1]
    channels = round(width / pitch) - 1
    gap = pitch - fin
    dh = 4 * gap * height / (2 * (gap + height))
    flow = loop["flow_per_kw"] * 1.1                 # m3/s for a 1.1 kW GPU
    velocity = flow / (channels * gap * height)
    reynolds = velocity * dh / nu_w
    assert reynolds < 2300                             # laminar: the Nusselt number applies
    h = 6.785 * k_w / dh
    m = math.sqrt(2 * h / (k_cu * fin))
    eta = math.tanh(m * height) / (m * height)
    area = channels * (2 * height * length * eta + gap * length)
    print(f"channels {channels}, Re {reynolds:.0f}, h {h:.0f} W/m2K, eta {eta:.3f}, "
          f"area {area:.5f} m2, UA {h * area:.0f} W/K")
    assert plate["htc"] == pytest.approx(h, rel=0.01)
    assert plate["area"] == pytest.approx(area, rel=0.01)


def test_the_rack_of_stacks_is_the_server_ten_times():
    """d2c-rack-120kw-stacks is d2c-rack-120kw-server's parts repeated up the rack: the
    same keys on every part but `repeat` (ten copies, one 4U pitch apart) and the rails'
    height, plus the blanking panel; the same grid, loop and solver settings, and the
    front at ten servers' flow. A change to one file that is not made to the other fails
    here."""
    import tomllib

    server = tomllib.loads(example_path("d2c-rack-120kw-server").read_text(encoding="utf-8"))
    rack = tomllib.loads(example_path("d2c-rack-120kw-stacks").read_text(encoding="utf-8"))
    parts = {p["name"]: p for p in rack["parts"]}
    assert sorted(parts) == sorted([p["name"] for p in server["parts"]] + ["blank"])
    for p in server["parts"]:
        q = dict(parts[p["name"]])
        if p["name"] == "rail":
            assert q["box"]["max"][2] == rack["domain"]["size"][2]
            q["box"] = {**q["box"], "max": p["box"]["max"]}
        else:
            assert q.pop("repeat") == {"count": 10, "step": [0.0, 0.0, 0.1778]}, p["name"]
        assert q == p, p["name"]
    assert rack["domain"]["size"][:2] == server["domain"]["size"][:2]
    assert math.isclose(rack["domain"]["size"][2], 41 * 0.04445)
    for key in ("grid", "loops", "fluid", "physics", "materials", "solver"):
        assert rack[key] == server[key], key
    front = {b["name"]: b for b in rack["boundaries"]}["front"]
    assert math.isclose(front["volume_flow"], 10 * {b["name"]: b for b in server["boundaries"]}["front"]["volume_flow"])
    case = load_case(example_path("d2c-rack-120kw-stacks"))
    assert case.grid.cells == (42, 48, 393)
    assert sum(p["power"] * p.get("repeat", {}).get("count", 1)
               for p in rack["parts"] if "power" in p) == pytest.approx(120_000.0)
