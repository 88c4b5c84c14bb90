"""Geometry builders (servers, racks, aisles, immersion tanks), the [geometry] case
section, and the bundled example cases built from them."""
import copy
import pathlib
import tomllib

import numpy as np
import pytest

from thermo import cli

from thermo.case import builders
from thermo.case.builders import (RACK_UNITS, U, BuilderError, aisle_row, immersion_case, immersion_tank,
                             rack, rack_case, server, total_power, volume_flow_for)
from thermo.case import CaseError, case_from_dict, default_case_path, load_case
from thermo.meshes import shapes_of
from thermo.grid.model import voxelise

CASES = pathlib.Path(default_case_path()).parent


def instance_names(parts):
    """The names voxelise gives the parts' copies."""
    out = []
    for p in parts:
        n = (p.get("repeat") or {}).get("count")
        out += [p["name"]] if n is None else [f"{p['name']}[{k}]" for k in range(n)]
    return out


def bounds(parts):
    """Overall (lo, hi) of the parts' shapes (after rotation and repeats)."""
    boxes = [s.bounds() for p in parts for s in shapes_of(p)]
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def assert_refused(fn, parameter, *fragments, **kwargs):
    with pytest.raises(BuilderError) as info:
        fn(**kwargs)
    msg = str(info.value)
    assert info.value.parameter == parameter and msg.startswith(f"{parameter}: "), msg
    assert "; accepted: " in msg, msg
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return info.value


# ----------------------------------------------------------------------------- builders


def test_server_parts():
    parts = server([0.1, 0.2, 0.3], cpus=2, cpu_power=300.0, gpus=1, gpu_power=700.0, board_power=50.0,
                   heat_sink_fins=6, name="s")
    names = [p["name"] for p in parts]
    assert names[0] == "s.board" and len(set(names)) == len(names)
    assert {"s.cpu0", "s.cpu1", "s.gpu0", "s.cpu0.sink", "s.cpu0.fins", "s.gpu0.fins"} <= set(names)
    by = {p["name"]: p for p in parts}
    assert all(p["kind"] == "solid" and "box" in p for p in parts)
    assert by["s.board"]["material"] == "fr4" and by["s.board"]["power"] == 50.0
    assert by["s.cpu1"]["material"] == "silicon" and by["s.cpu1"]["power"] == 300.0
    assert by["s.gpu0"]["power"] == 700.0
    assert by["s.cpu0.fins"]["material"] == "aluminium" and by["s.cpu0.fins"]["repeat"]["count"] == 6
    assert total_power(parts) == pytest.approx(50.0 + 600.0 + 700.0, rel=1e-15)
    lo, hi = bounds(parts)
    assert np.all(lo >= [0.1, 0.2, 0.3]) and np.all(hi <= [0.1 + 0.45, 0.2 + 0.75, 0.3 + U + 1e-15])
    # the board lies flat near the bottom; each sink stands on its package
    b = by["s.board"]["box"]
    assert b["min"][2] - 0.3 < 0.01 and b["max"][2] - b["min"][2] < 0.002
    assert by["s.cpu0.sink"]["box"]["min"][2] == pytest.approx(by["s.cpu0"]["box"]["max"][2])
    # a block heat sink without fins
    block = server(heat_sink_fins=0)
    assert not any(p["name"].endswith(".fins") for p in block) and len(block) == 5


def test_server_front_mirrors_along_y():
    ahead = server(cpus=2, gpus=2, front="y-")
    behind = server(cpus=2, gpus=2, front="y+")
    assert [p["name"] for p in ahead] == [p["name"] for p in behind]
    for a, b in zip(ahead, behind):
        assert b["box"]["min"][1] == pytest.approx(0.75 - a["box"]["max"][1])
        assert b["box"]["min"][0] == a["box"]["min"][0] and b["box"]["max"][2] == a["box"]["max"][2]
    # the CPUs are nearest the front: low y, or high y once turned round
    assert ahead[1]["box"]["max"][1] < 0.375 < behind[1]["box"]["min"][1]


def test_rack_of_42_servers():
    parts = rack([0.0, 0.5, 0.0], servers=42, power_per_server=1400.0)
    per_server = 1 + 2 * 3  # board, and per CPU: package, sink base, fins
    assert len(parts) == 2 + 42 * per_server  # two side panels, no blanking panel when full
    names = [p["name"] for p in parts]
    assert len(set(names)) == len(names)
    assert len(instance_names(parts)) == 2 + 42 * (1 + 2 * (2 + 8))
    assert total_power(parts) == pytest.approx(42 * 1400.0, rel=1e-12)
    by = {p["name"]: p for p in parts}
    assert by["rack.side0"]["material"] == "steel" and by["rack.side1"]["box"]["max"][0] == 0.6
    assert by["rack.side0"]["box"]["max"][2] == pytest.approx(RACK_UNITS * U)
    # the other 700 W of each server go into its board
    assert by["rack.server7.board"]["power"] == pytest.approx(700.0)
    # first and last server: z from the rack base, one unit each
    for k in (0, 41):
        lo, hi = bounds([p for p in parts if p["name"].startswith(f"rack.server{k}.")])
        assert lo[2] == pytest.approx(k * U + builders.BOARD_STANDOFF, abs=1e-12)
        assert k * U < lo[2] and hi[2] <= (k + 1) * U + 1e-12
        assert lo[1] >= 0.5 and hi[1] <= 0.5 + 0.75 + 1e-12  # flush with the rack's front
    assert by["rack.server0.board"]["box"]["min"][2] == pytest.approx(builders.BOARD_STANDOFF)
    assert by["rack.server41.board"]["box"]["min"][2] == pytest.approx(41 * U + builders.BOARD_STANDOFF)
    lo, hi = bounds(parts)
    assert np.allclose(lo, [0.0, 0.5, 0.0]) and np.allclose(hi, [0.6, 1.7, RACK_UNITS * U])


def test_rack_with_2u_servers_and_blanking():
    parts = rack(servers=20, height_u=2, cpus=2, gpus=4, heat_sink_fins=0)
    by = {p["name"]: p for p in parts}
    assert "rack.server19.gpu3" in by and "rack.server20.board" not in by
    assert by["rack.server19.board"]["box"]["min"][2] == pytest.approx(38 * U + builders.BOARD_STANDOFF)
    blank = by["rack.blanking"]["box"]
    assert blank["min"][2] == pytest.approx(40 * U) and blank["max"][2] == pytest.approx(42 * U)
    assert total_power(parts) == pytest.approx(20 * (2 * 350.0 + 4 * 700.0))
    assert "rack.blanking" not in {p["name"] for p in rack(servers=20, height_u=2, blanking=False)}


def test_impossible_parameters_are_refused():
    assert_refused(server, "cpu_power", "out of range", ">= 0", cpu_power=-1.0)
    assert_refused(server, "gpu_power", "expected a number", gpu_power="lots")
    assert_refused(server, "width", "out of range", "0.1", width=0.0)
    assert_refused(server, "depth", "out of range", "0.2", depth=-0.75)
    assert_refused(server, "height_u", "from 1 to 42", height_u=0)
    assert_refused(server, "cpus", "do not fit", "from 0 to 40", cpus=41)
    assert_refused(server, "gpus", "do not fit", "from 0 to 20 with 2 CPUs", gpus=21)
    assert_refused(server, "cpus", "expected an integer", cpus=2.5)
    assert_refused(server, "heat_sink_fins", "from 0 to", heat_sink_fins=1000)
    assert_refused(server, "origin", "3 numbers", origin=[0.0, 0.0])
    assert_refused(server, "front", "'y-', 'y+'", front="x-")
    assert_refused(rack, "servers", "43 is out of range", "from 0 to 42", servers=43)
    assert_refused(rack, "servers", "from 0 to 21", "2U", servers=22, height_u=2)
    assert_refused(rack, "power_per_server", ">= 700", power_per_server=500.0)
    assert_refused(rack, "width", "server_width", width=0.4)
    assert_refused(rack, "cpu_power", ">= 0", cpu_power=-5.0)
    assert_refused(aisle_row, "aisle", "'cold', 'hot'", aisle="warm")
    assert_refused(aisle_row, "racks", "from 1", racks=0)
    assert_refused(aisle_row, "rack_depth", "> 0", rack_depth=0.0)
    assert_refused(immersion_tank, "blades", "from 1 to", blades=200)
    assert_refused(immersion_tank, "blade_power", ">= 0", blade_power=-1.0)
    assert_refused(immersion_tank, "fluid", "is a solid", "mineral-oil", fluid="copper")
    assert_refused(immersion_tank, "blade_height", "out of range", blade_height=0.9)
    assert_refused(immersion_tank, "size", "> 0", size=[0.6, 0.0, 0.6])


def test_aisle_row_cold_and_hot():
    cold = aisle_row(racks=3, aisle="cold", servers=4, aisle_width=1.0)
    names = [p["name"] for p in cold]
    assert len(set(names)) == len(names)
    assert {"row.rack0.side0", "row.rack2.server3.cpu1", "row.roof", "row.door0", "row.door1"} <= set(names)
    assert total_power(cold) == pytest.approx(3 * 4 * 700.0)
    by = {p["name"]: p for p in cold}
    roof = by["row.roof"]["box"]
    assert roof["min"] == pytest.approx([0.0, 0.0, RACK_UNITS * U])
    assert roof["max"][:2] == pytest.approx([1.8, 1.0])
    assert by["row.door1"]["box"]["max"][0] == pytest.approx(1.8)
    # racks side by side behind the aisle; in a cold aisle they face it (CPUs near it)
    assert by["row.rack1.side0"]["box"]["min"][:2] == pytest.approx([0.6, 1.0])
    hot = aisle_row(racks=3, aisle="hot", servers=4, aisle_width=1.0)
    hb = {p["name"]: p for p in hot}
    assert by["row.rack0.blanking"]["box"]["min"][1] == pytest.approx(1.0)        # front at the aisle
    assert hb["row.rack0.blanking"]["box"]["max"][1] == pytest.approx(1.0 + 1.2)  # back to the aisle
    assert "row.roof" not in {p["name"] for p in aisle_row(racks=2, containment=False, servers=1)}


def test_immersion_tank():
    parts = immersion_tank(blades=8, blade_power=500.0, chips_per_blade=2)
    by = {p["name"]: p for p in parts}
    assert total_power(parts) == pytest.approx(4000.0)
    assert {"tank.wall0", "tank.wall3", "tank.floor", "tank.blade", "tank.chip1"} <= set(by)
    assert by["tank.wall0"]["material"] == "steel" and by["tank.chip0"]["material"] == "silicon"
    blade = by["tank.blade"]
    assert blade["material"] == "fr4" and (blade["rotate"], blade["axis"]) == (90, "y")
    copies = shapes_of(blade)
    assert len(copies) == 8
    for s in copies:  # standing on edge: thin along x, tall in z
        lo, hi = s.bounds()
        assert hi[0] - lo[0] == pytest.approx(builders.BLADE_THICKNESS)
        assert hi[1] - lo[1] == pytest.approx(0.5) and hi[2] - lo[2] == pytest.approx(0.4)
    lo, hi = bounds(parts)
    assert np.allclose(lo, 0.0) and np.allclose(hi, [0.6, 0.7, 0.6])
    assert "tank.floor" not in {p["name"] for p in immersion_tank(floor=False)}


# ----------------------------------------------------------------------------- [geometry]


def small_rack(**geometry):
    d = rack_case(servers=6, power_per_server=1000.0, cells=[12, 44, 48])
    d["geometry"]["parameters"].update(geometry)
    return d


def test_geometry_section_loads_and_prepends_the_parts():
    d = small_rack()
    d["parts"] = [{"name": "pdu", "kind": "solid", "material": "copper",
                   "box": {"min": [0.0, 2.0, 0.0], "max": [0.1, 2.1, 1.0]}, "power": 10.0}]
    case = case_from_dict(d)
    data = case.data
    assert list(data) == ["case", "domain", "fluid", "materials", "geometry", "parts", "boundaries",
                          "physics", "solver", "output"]
    assert data["geometry"]["builder"] == "rack"
    assert data["geometry"]["parameters"]["servers"] == 6
    built = rack(**d["geometry"]["parameters"])
    assert [p["name"] for p in data["parts"]] == [p["name"] for p in built] + ["pdu"]
    assert data["parts"][0]["shape"]["type"] == "box" and data["parts"][-1]["power"] == 10.0
    # the text holds the [geometry] section, not the built parts, and loads again
    assert "[geometry]" in case.text and case.text.count("[[parts]]") == 1
    assert 'builder = "rack"' in case.text
    no_flow = copy.deepcopy(d)
    no_flow["boundaries"] = []
    once = case_from_dict(no_flow)
    assert case_from_dict(tomllib.loads(once.text)).data == once.data


def test_geometry_refusals_name_the_key_path():
    def refused_case(d, key, *fragments):
        with pytest.raises(CaseError) as info:
            case_from_dict(d)
        assert info.value.key == key, str(info.value)
        for f in fragments:
            assert f in str(info.value), str(info.value)

    refused_case(small_rack(serverz=3), "geometry.parameters.serverz", "unknown parameter",
                 "did you mean 'servers'", "origin, servers")
    refused_case(small_rack(servers=43), "geometry.parameters.servers", "from 0 to 42")
    refused_case(small_rack(cpu_power=-1.0), "geometry.parameters.cpu_power", ">= 0")
    bad = small_rack()
    bad["geometry"]["builder"] = "racks"
    refused_case(bad, "geometry.builder", "did you mean 'rack'", "'aisle_row'")
    bad = small_rack()
    bad["geometry"]["parameters"] = [1, 2]
    refused_case(bad, "geometry.parameters", "expected a table")
    bad = small_rack()
    bad["geometry"]["shape"] = "big"
    refused_case(bad, "geometry.shape", "unknown key")
    # the builder's parts must fit the domain
    refused_case(small_rack(origin=[0.2, 0.5, 0.0]), "geometry.parts[1].box.max", "rack.side1",
                 "outside the domain", "geometry.parameters")
    # a user part clashing with a built one keeps its own key path
    clash = small_rack()
    clash["parts"] = [{"name": "rack.side0", "kind": "solid", "material": "steel",
                       "box": {"min": [0, 0, 0], "max": [0.1, 0.1, 0.1]}}]
    refused_case(clash, "parts[0].name", "duplicate part name")
    # a tank of one coolant in a domain of another
    tank = immersion_case()
    tank["fluid"]["material"] = "water"
    refused_case(tank, "geometry.parameters.fluid", "'mineral-oil'", "'water'")
    del tank["geometry"]["parameters"]["fluid"]  # the builder's default, mineral oil
    refused_case(tank, "fluid.material", "'mineral-oil'", "'water'")


def test_geometry_overrides_in_a_file():
    case = load_case(CASES / "rack-air.toml", ["geometry.parameters.servers=10"])
    assert case.data["geometry"]["parameters"]["servers"] == 10
    assert sum(p["name"].endswith(".board") for p in case.data["parts"]) == 10
    with pytest.raises(CaseError) as info:
        load_case(CASES / "rack-air.toml", ["geometry.parameters.gpu=1"])
    assert "rack-air.toml: geometry.parameters.gpu: unknown parameter" in str(info.value)


def test_rack_case_voxelises_the_exact_power_and_lists_every_instance():
    case = case_from_dict(rack_case(servers=40, power_per_server=1400.0, cells=[12, 44, 48]))
    geo = voxelise(case)
    power = 40 * 1400.0
    assert total_power(case.data["parts"]) == pytest.approx(power, rel=1e-12)
    assert float(geo.power_density.sum() * geo.grid.cell_volume) == pytest.approx(power, rel=1e-12)
    assert [i["name"] for i in geo.instances] == instance_names(case.data["parts"])
    assert sum(i["power"] for i in geo.instances) == pytest.approx(power, rel=1e-12)
    # the inlet is sized for the load at a 12 K rise
    inlet = case.data["boundaries"][0]
    rise = power / (case.fluid.density * case.fluid.specific_heat * inlet["volume_flow"])
    assert rise == pytest.approx(12.0)


# ----------------------------------------------------------------------------- examples


def test_example_cases():
    rack_air = load_case(CASES / "rack-air.toml")
    parts = rack_air.data["parts"]
    power = total_power(parts)
    assert power > 50e3 and power == pytest.approx(40 * 1400.0)
    assert rack_air.data["geometry"]["builder"] == "rack"
    inlet = rack_air.data["boundaries"][0]
    assert inlet["volume_flow"] == pytest.approx(volume_flow_for(power, 12.0), rel=1e-3)
    tank = load_case(CASES / "immersion-tank.toml")
    assert tank.data["fluid"]["material"] == "mineral-oil"
    assert tank.data["geometry"]["builder"] == "immersion_tank"
    assert total_power(tank.data["parts"]) == pytest.approx(4000.0)
    supply = tank.data["boundaries"][0]
    assert supply["volume_flow"] == pytest.approx(volume_flow_for(4000.0, 10.0, "mineral-oil"), rel=1e-3)
    geo = voxelise(tank)
    assert float(geo.power_density.sum() * geo.grid.cell_volume) == pytest.approx(4000.0, rel=1e-12)


def test_cli_examples(capsys):
    assert cli.main(["check", "--example", "rack-air"]) == 0
    assert "rack-air" in capsys.readouterr().out
    assert cli.main(["check", "--example", "immersion-tank"]) == 0
    assert cli.main(["check", "--example", "rack-air", "--set", "geometry.parameters.servers=50"]) == 2
    assert "geometry.parameters.servers" in capsys.readouterr().err
    assert cli.main(["check", "--example", "rack"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'rack-air'" in err and "immersion-tank" in err and "cavity2d" in err
    assert cli.main(["run", "--example", "nope", "-o", "unused"]) == 2
    assert not pathlib.Path("unused").exists()


def test_tiny_run_of_a_built_case(tmp_path):
    """The builders' parts (turned and repeated) go through the solver: a tiny run."""
    from thermo.runner import run_case

    d = immersion_case(blades=2, blade_power=100.0, cells=[8, 8, 8],
                       solver={"mode": "steady", "max_steps": 3, "steps_per_call": 3})
    summary = run_case(case_from_dict(d), tmp_path, quiet=True)
    assert summary["heat_sources_w"] == pytest.approx(200.0, rel=1e-12)
    assert {"tank.blade[0]", "tank.blade[1]", "tank.chip0[1]", "tank.chip1[0]"} <= set(summary["parts"])
    assert summary["steps"] == 3
