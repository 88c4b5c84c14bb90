"""Two fluids at once: a water channel (a kind = "fluid" part) in a case whose fluid
is air, coupled to it only by conduction through copper. Small grids only."""
import copy

import pytest

from thermo.case import CaseError, case_from_dict
from thermo.grid.model import voxelise
from thermo.validation.two_fluids import T_IN, plate_case, plate_results


@pytest.mark.slow
def test_water_channel_in_air_matches_water_alone():
    two, one = plate_results(4, True), plate_results(4, False)
    assert two["status"] == one["status"] == "converged"
    rise, rise_one = two["t_out"] - T_IN, one["t_out"] - T_IN
    wall, wall_one = two["plate_c"] - T_IN, one["plate_c"] - T_IN
    rise_bal = two["t_out_balance"] - T_IN
    print(f"outlet rise {rise:.4f} K (water alone {rise_one:.4f}, P/(m cp) {rise_bal:.4f}); "
          f"plate rise {wall:.4f} K (water alone {wall_one:.4f}); air speed {two['air_speed']:.2e}")
    assert abs(rise - rise_one) / rise_one < 0.03
    assert abs(wall - wall_one) / wall_one < 0.03
    assert abs(rise - rise_bal) / rise_bal < 0.03
    assert two["air_speed"] < 1e-6  # the air stays still: no flow crosses from the water


def test_fluid_part_keeps_its_material():
    geo = voxelise(case_from_dict(plate_case(4, True)))
    assert geo.materials[0] == "air" and "water-25" in geo.materials
    water = geo.material_id == geo.materials.index("water-25")
    assert water.any() and geo.fluid[water].all()


def test_refuses_water_touching_air():
    d = plate_case(4, True)
    length = d["domain"]["size"][0]
    channel = d["parts"][1]["box"]
    # a water column from the channel down through the copper into the air layer
    d["parts"].append({"name": "leak", "kind": "fluid", "material": "water-25",
                       "box": {"min": [length / 4, 0.0, 0.0],
                               "max": [length / 2, channel["min"][1], channel["max"][2]]}})
    with pytest.raises(CaseError, match=r"parts\[2\].*fluid part 'leak'.*mix"):
        voxelise(case_from_dict(d))


def test_fluid_part_needs_a_fluid():
    d = copy.deepcopy(plate_case(4, True))
    d["parts"][1]["material"] = "copper"
    with pytest.raises(CaseError, match=r"parts\[1\]\.material.*solid"):
        case_from_dict(d)
