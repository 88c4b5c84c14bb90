"""Loading, defaults, overrides and the refusal of bad cases (no compilation here)."""
import copy
import pathlib
import pickle
import tomllib

import pytest

from thermo.case import Case, CaseError, case_from_dict, example_path, load_case, to_toml
from thermo.case.materials import LIBRARY
from thermo.meshes import shapes_of

CASES = pathlib.Path(example_path("cavity3d")).parent

BASE = {
    "case": {"name": "box"},
    "domain": {"size": [1.0, 0.5, 0.25], "cells": [8, 4, 2]},
}


def make(**sections):
    """BASE with the given sections replaced."""
    d = copy.deepcopy(BASE)
    d.update(copy.deepcopy(sections))
    return d


def assert_refused(d, *fragments, source="<dict>"):
    """Assert the dict is refused with a message holding the source and every fragment."""
    with pytest.raises(CaseError) as info:
        case_from_dict(d, source=source)
    msg = str(info.value)
    assert msg.startswith(f"{source}: "), msg
    assert "; accepted: " in msg, msg
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return info.value


def write(tmp_path, text, name="case.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- loading


def test_default_case_loads():
    case = load_case(example_path("cavity3d"))
    assert isinstance(case, Case)
    assert case.name == "cavity3d"
    d = case.data
    assert d["domain"]["size"] == [1.0, 1.0, 1.0] and d["domain"]["cells"] == [24, 24, 24]
    fluid = case.fluid
    assert fluid.name == "cavity-fluid" and case.materials["cavity-fluid"] is fluid
    assert fluid.density * 1.0 * 1.0 / fluid.viscosity == pytest.approx(100.0)  # Re
    (lid,) = d["boundaries"]
    assert lid["name"] == "lid" and lid["face"] == "y+" and lid["velocity"] == [1.0, 0.0, 0.0]
    s = d["solver"]
    assert (s["mode"], s["tolerance"], s["max_steps"], s["cfl"]) == ("steady", 1e-5, 20000, 0.5)
    assert case.text == example_path("cavity3d").read_text()
    assert case.path == example_path("cavity3d")


def test_cavity2d_loads():
    case = load_case(CASES / "cavity2d.toml")
    assert case.data["domain"]["cells"] == [32, 32, 1]
    flows = {b["name"]: (b["face"], b["flow"]) for b in case.data["boundaries"]}
    assert flows == {"lid": ("y+", "wall"), "zlo": ("z-", "slip"), "zhi": ("z+", "slip")}
    assert case.fluid.density / case.fluid.viscosity == pytest.approx(100.0)


def test_defaults_are_filled():
    d = case_from_dict(make(
        parts=[{"name": "chip", "kind": "solid", "material": "silicon",
                "box": {"min": [0, 0, 0], "max": [0.5, 0.5, 0.1]}}],
        boundaries=[{"name": "in", "face": "x-", "flow": "inlet", "volume_flow": 0.1}],
    )).data
    assert d["case"]["description"] == ""
    assert d["domain"]["gravity"] == [0.0, 0.0, -9.81]
    assert d["fluid"] == {"material": "air", "reference_temperature": 20.0,
                          "initial_temperature": 20.0, "initial_velocity": [0.0, 0.0, 0.0]}
    assert d["materials"] == []
    assert d["parts"][0]["power"] == 0.0
    assert d["parts"][0]["box"] == {"min": [0.0, 0.0, 0.0], "max": [0.5, 0.5, 0.1]}
    b = d["boundaries"][0]
    assert b["region"] == {"min": [0.0, 0.0], "max": [0.5, 0.25]}  # face x-: (y, z)
    assert b["velocity"] == [0.0, 0.0, 0.0]
    assert all(b[k] is None for k in ("temperature", "heat_flux", "htc", "ambient"))
    assert d["physics"] == {"buoyancy": False, "turbulence": "none", "smagorinsky_constant": 0.17,
                            "body_force": [0.0, 0.0, 0.0]}
    assert d["solver"] == {"mode": "steady", "end_time": 0.0, "max_steps": 200000, "tolerance": 1e-6,
                           "cfl": 0.5, "precision": "float64", "backend": "auto",
                           "checkpoint_every": 0.0, "steps_per_call": 200,
                           "pressure_tolerance": 1e-8, "viscous_tolerance": 1e-8,
                           "energy_tolerance": 1e-8, "pressure_max_iterations": 200,
                           "viscous_max_iterations": 200, "energy_max_iterations": 200,
                           "dt": None, "monitor_window": 0.0, "monitor_tolerance": 0.1,
                           "average_tolerance": 0.0, "scheme": "march", "pseudo_cfl": 5.0, "initial": "case", "devices": 1,
                           "initial_tolerance": 1e-4, "outer_iterations": 20,
                           "outer_tolerance": 1e-3, "damping": 0.0, "damping_width": 30.0}
    assert d["output"] == {"every": 0.0, "fields": ["T", "U", "p"]}
    assert list(d) == ["case", "domain", "fluid", "materials", "parts", "boundaries",
                       "physics", "solver", "output"]


def test_ints_become_floats_and_initial_temperature_follows_reference():
    d = case_from_dict(make(domain={"size": [1, 2, 3], "cells": [1, 2, 3]},
                            fluid={"reference_temperature": 25})).data
    assert d["domain"]["size"] == [1.0, 2.0, 3.0] and all(isinstance(x, float) for x in d["domain"]["size"])
    assert d["fluid"]["initial_temperature"] == 25.0


def test_dict_input_is_not_modified_and_tuples_are_accepted():
    d = make(domain={"size": (1.0, 1.0, 1.0), "cells": (2, 2, 2)})
    before = copy.deepcopy(d)
    case = case_from_dict(d)
    assert d == before
    assert case.path is None and case.data["domain"]["cells"] == [2, 2, 2]


def test_dict_case_text_round_trips():
    case = case_from_dict(make(
        materials=[{"name": "goo", "density": 2, "specific_heat": 3, "conductivity": 4}],
        parts=[{"name": "b", "kind": "solid", "material": "goo",
                "box": {"min": [0, 0, 0], "max": [1, 0.5, 0.25]}, "power": 5}],
        boundaries=[{"name": "hot", "face": "z-", "temperature": 40, "region": {"min": [0, 0], "max": [0.5, 0.5]}}],
        solver={"dt": 1e-3},
    ))
    again = case_from_dict(tomllib.loads(case.text))
    assert again.data == case.data
    assert to_toml(case.data) == case.text


def test_user_material_overrides_library():
    mine = {"name": "air", "density": 1.0, "specific_heat": 1000.0, "conductivity": 1.0, "viscosity": 0.01}
    case = case_from_dict(make(materials=[mine]))
    assert case.fluid.viscosity == 0.01 and case.fluid is not LIBRARY["air"]
    assert case.material("copper") is LIBRARY["copper"]


def test_case_error_is_a_value_error_and_pickles():
    err = CaseError("f.toml", "solver.cfl", "2 is out of range", "a number > 0 and <= 1")
    assert isinstance(err, ValueError)
    assert str(err) == "f.toml: solver.cfl: 2 is out of range; accepted: a number > 0 and <= 1"
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


# ----------------------------------------------------------------------------- refusals


def test_misspelt_key_in_file(tmp_path):
    path = write(tmp_path, '[case]\nname = "x"\n[domain]\nsize = [1,1,1]\ncells = [2,2,2]\n'
                           '[solver]\ntolerence = 1e-5\n', name="typo.toml")
    with pytest.raises(CaseError) as info:
        load_case(path)
    msg = str(info.value)
    assert str(path) in msg and "solver.tolerence" in msg and "did you mean 'tolerance'" in msg
    assert "accepted: " in msg and "tolerance" in msg.split("accepted: ")[1]


def test_unknown_section_and_nested_keys():
    assert_refused(make(solvr={}), ": solvr: unknown key", "did you mean 'solver'", "accepted: case, domain")
    assert_refused(make(parts=[{"name": "p", "kind": "solid", "material": "copper",
                         "box": {"min": [0, 0, 0], "maks": [1, 0.5, 0.25]}}]),
            "parts[0].box.maks", "did you mean 'max'")
    assert_refused(make(boundaries=[{"name": "b", "face": "x-", "flo": "wall"}]), "boundaries[0].flo", "'flow'")


def test_missing_required():
    assert_refused({"domain": BASE["domain"]}, ": case: missing required section")
    assert_refused(make(case={}), "case.name: missing required key")
    assert_refused(make(case={"name": ""}), "case.name", "non-empty string")
    assert_refused(make(case={"name": "a/b"}), "case.name", "without '/'")
    assert_refused(make(domain={"size": [1, 1, 1]}), "domain.cells: missing required key", "integers >= 1")
    assert_refused(make(parts=[{"name": "p", "material": "copper"}]), "parts[0].kind: part 'p': missing required key")


@pytest.mark.parametrize("section, value, fragments", [
    ({"domain": {"size": "big", "cells": [1, 1, 1]}}, None, ("domain.size", "expected a list of 3 numbers", "str 'big'")),
    ({"domain": {"size": [1, 1, 1], "cells": [1.5, 1, 1]}}, None, ("domain.cells[0]", "expected an integer", "an integer >= 1")),
    ({"solver": {"max_steps": True}}, None, ("solver.max_steps", "expected an integer", "bool True")),
    ({"solver": {"tolerance": False}}, None, ("solver.tolerance", "expected a number", "bool")),
    ({"solver": {"cfl": "0.5"}}, None, ("solver.cfl", "expected a number", "a number > 0 and <= 1")),
    ({"physics": {"buoyancy": 1}}, None, ("physics.buoyancy", "expected true or false", "true, false")),
    ({"case": {"name": 3}}, None, ("case.name", "non-empty string")),
    ({"parts": {"name": "p"}}, None, ("parts", "expected an array of tables", "[[parts]]")),
    ({"solver": 3}, None, ("solver", "expected a table", "mode")),
    ({"output": {"fields": "T"}}, None, ("output.fields", "expected a list of strings")),
])
def test_wrong_types(section, value, fragments):
    assert_refused(make(**section), *fragments)


def test_bad_numbers_and_choices():
    assert_refused(make(domain={"size": [1, -1, 1], "cells": [1, 1, 1]}), "domain.size[1]", "-1 is out of range", "> 0")
    assert_refused(make(domain={"size": [1, 1, 1], "cells": [1, 0, 1]}), "domain.cells[1]", ">= 1")
    assert_refused(make(domain={"size": [1, 1, float("inf")], "cells": [1, 1, 1]}), "domain.size[2]", "not finite")
    assert_refused(make(solver={"cfl": 1.5}), "solver.cfl", "<= 1")
    assert_refused(make(solver={"cfl": 0}), "solver.cfl", "> 0")
    assert_refused(make(solver={"mode": "stedy"}), "solver.mode", "did you mean 'steady'", "'steady', 'transient'")
    assert_refused(make(solver={"mode": "transient"}), "solver.end_time", "> 0")
    assert_refused(make(solver={"precision": "float16"}), "solver.precision", "'float32', 'float64'")
    assert_refused(make(solver={"backend": "cuda"}), "solver.backend", "'gpu'")
    assert_refused(make(solver={"steps_per_call": 0}), "solver.steps_per_call", ">= 1")
    assert_refused(make(solver={"dt": -1.0}), "solver.dt", "> 0")
    assert_refused(make(solver={"average_tolerance": 0.3}), "solver.average_tolerance",
            "monitors of a steady or an implicit transient run", "monitor_window > 0")
    assert_refused(make(solver={"average_tolerance": 0.3, "monitor_window": 10.0, "mode": "transient",
                         "end_time": 60.0}), "solver.average_tolerance", "scheme = 'implicit'")
    assert_refused(make(solver={"mode": "transient", "end_time": 60.0, "scheme": "implicit"}),
            "solver.dt", "fixed time step")
    assert_refused(make(solver={"outer_iterations": 0}), "solver.outer_iterations", ">= 1")
    assert_refused(make(solver={"outer_tolerance": 0.0}), "solver.outer_tolerance", "> 0")
    assert_refused(make(solver={"average_tolerance": -0.3, "monitor_window": 10.0}),
            "solver.average_tolerance", ">= 0")
    assert case_from_dict(make(solver={"average_tolerance": 0.3, "monitor_window": 10.0})
                          ).data["solver"]["average_tolerance"] == 0.3
    assert_refused(make(solver={"pressure_tolerance": 0.0}), "solver.pressure_tolerance", "> 0")
    assert_refused(make(solver={"viscous_tolerance": 0.0}), "solver.viscous_tolerance", "> 0")
    assert_refused(make(solver={"energy_tolerance": -1e-8}), "solver.energy_tolerance", "> 0")
    assert_refused(make(solver={"energy_tolerance": "tight"}), "solver.energy_tolerance", "expected a number")
    for k in ("pressure_max_iterations", "viscous_max_iterations", "energy_max_iterations"):
        assert_refused(make(solver={k: 0}), f"solver.{k}", "out of range", ">= 1")
        assert_refused(make(solver={k: 50.5}), f"solver.{k}", "expected an integer", ">= 1")
    solver = case_from_dict(make(solver={"viscous_tolerance": 1e-6, "energy_max_iterations": 50})
                            ).data["solver"]
    assert (solver["viscous_tolerance"], solver["energy_max_iterations"]) == (1e-6, 50)
    assert_refused(make(output={"fields": ["T", "rho"]}), "output.fields[1]", "'material'")
    assert_refused(make(output={"fields": ["T", "T"]}), "output.fields", "at most once")
    assert_refused(make(fluid={"reference_temperature": -300}), "fluid.reference_temperature", "-273.15")
    assert_refused(make(physics={"turbulence": "k-epsilons"}), "physics.turbulence", "unknown value",
            "'none', 'smagorinsky', 'zero-equation'", "'lvel'")
    assert_refused(make(physics={"turbulence": "k-omega-sst"}), "physics.turbulence", "not supported yet")
    assert_refused(make(physics={"smagorinsky_constant": 0.0}), "physics.smagorinsky_constant", "out of range")
    assert case_from_dict(make(physics={"turbulence": "zero-equation"})).data["physics"][
        "turbulence"] == "zero-equation"
    assert case_from_dict(make(solver={"mode": "transient", "end_time": 2})).data["solver"]["end_time"] == 2.0


def test_materials_section():
    good = {"name": "goo", "density": 1, "specific_heat": 1, "conductivity": 1}
    assert_refused(make(materials=[good, good]), "materials[1].name", "duplicate", "unique names")
    assert_refused(make(materials=[dict(good, density=0)]), "materials[0].density", "> 0")
    assert_refused(make(materials=[dict(good, viscosity=-1)]), "materials[0].viscosity", "> 0")
    assert_refused(make(materials=[{"name": "goo", "density": 1, "specific_heat": 1}]),
            "materials[0].conductivity: missing required key")


def test_fluid_material():
    assert_refused(make(fluid={"material": "ayr"}), "fluid.material", "unknown material 'ayr'",
            "did you mean 'air'", "copper")
    assert_refused(make(fluid={"material": "copper"}), "fluid.material", "solid", "air", "water")
    goo = {"name": "goo", "density": 1, "specific_heat": 1, "conductivity": 1, "viscosity": 1}
    assert_refused(make(materials=[goo], fluid={"material": "goo"}, physics={"buoyancy": True}),
            "fluid.material", "expansion")
    assert case_from_dict(make(materials=[goo], fluid={"material": "goo"})).fluid.name == "goo"


def part(**kw):
    p = {"name": "chip", "kind": "solid", "material": "silicon",
         "box": {"min": [0.1, 0.1, 0.0], "max": [0.2, 0.2, 0.25]}, "power": 10.0}
    p.update(kw)
    return p


def test_parts():
    assert case_from_dict(make(parts=[part()])).data["parts"][0]["power"] == 10.0
    assert_refused(make(parts=[part(material="unobtainium")]), "parts[0].material", "unknown material",
            "[[materials]]")
    assert_refused(make(parts=[part(), part()]), "parts[1].name", "duplicate")
    assert_refused(make(parts=[part(power=-1)]), "parts[0].power", ">= 0")
    assert_refused(make(parts=[part(box={"min": [0.1, 0.1, 0], "max": [0.2, 0.05, 0.1]})]),
            "parts[0].box.max", "not above min", "inside the domain")
    assert_refused(make(parts=[part(box={"min": [0.1, 0.1], "max": [0.2, 0.2, 0.1]})]), "parts[0].box.min", "3 numbers")


def test_part_outside_domain():
    assert_refused(make(parts=[part(box={"min": [0.5, 0.1, 0], "max": [1.5, 0.2, 0.1]})]),
            "parts[0].box.max", "outside the domain", "max <= (1, 0.5, 0.25)")
    assert_refused(make(parts=[part(), part(name="b", box={"min": [-0.1, 0, 0], "max": [0.2, 0.2, 0.1]})]),
            "parts[1].box.min", "outside the domain")
    # touching the far wall up to rounding is fine
    ok = part(box={"min": [0.0, 0.0, 0.0], "max": [1.0 + 1e-15, 0.5, 0.25]})
    assert case_from_dict(make(parts=[ok]))


@pytest.mark.parametrize("kind", ["tank"])
def test_unsupported_part_kinds(kind):
    assert_refused(make(parts=[part(kind=kind)]), "parts[0].kind", f"'{kind}' is not supported yet", "accepted: 'solid'")


def test_server_needs_a_direction_and_one_flow():
    assert_refused(make(parts=[part(kind="server", power=500.0)]), "parts[0].direction",
            "missing required key", "volume_flow")
    assert_refused(make(parts=[part(kind="server", direction="+x", volume_flow=0.1, flow_per_kw=0.1)]),
            "parts[0].flow_per_kw", "exclusive")
    assert_refused(make(parts=[part(kind="server", direction="x", volume_flow=0.1)]),
            "parts[0].direction", "unknown value 'x'")
    (p,) = case_from_dict(make(parts=[part(kind="server", direction="+x", flow_per_kw=0.1,
                                           power=500.0)])).data["parts"]
    assert (p["direction"], p["flow_per_kw"], p["volume_flow"], p["material"]) == ("+x", 0.1, None, "silicon")


def test_fan_curve_must_increase_and_fans_give_no_heat():
    assert_refused(make(parts=[part(kind="fan", direction="+x", power=0.0, curve=[[0.0, 100.0], [0.0, 50.0]])]),
            "parts[0].curve[1]", "does not increase")
    assert_refused(make(parts=[part(kind="fan", direction="+x", volume_flow=0.1, power=5.0)]),
            "parts[0].power", "gives no heat")
    assert_refused(make(parts=[part(kind="solid", material="copper", direction="+x")]),
            "parts[0].direction", "a solid part takes no direction")


def test_porous_needs_exactly_one_description():
    assert_refused(make(parts=[part(kind="porous", power=0.0)]), "parts[0].permeability", "either")
    assert_refused(make(parts=[part(kind="porous", power=0.0, permeability=1e-6, loss_coefficient=2.0)]),
            "parts[0].permeability", "either")
    assert_refused(make(parts=[part(kind="porous", power=0.0, open_area=0.25)]), "parts[0].direction",
            "missing required key")
    (p,) = case_from_dict(make(parts=[part(kind="porous", power=0.0, permeability=[1e-6, 1e-7, 1e-7])])).data["parts"]
    assert p["permeability"] == [1e-6, 1e-7, 1e-7] and p["inertial_coefficient"] is None


def test_events_name_a_part_and_need_a_transient_run():
    fan = part(name="fan", kind="fan", direction="+x", volume_flow=0.1, power=0.0,
               repeat={"count": 2, "step": [0.0, 0.2, 0.0]})
    ev = [{"at": 1.0, "part": "fan[1]", "action": "off"}]
    assert_refused(make(parts=[fan], events=ev), "events[0].at", "events happen in time")
    tr = {"mode": "transient", "end_time": 2.0}
    assert_refused(make(parts=[fan], events=[{"at": 1.0, "part": "fan[2]", "action": "off"}], solver=tr),
            "events[0].part", "no part named 'fan[2]'")
    assert_refused(make(parts=[fan], events=[{"at": 1.0, "part": "fan", "action": "scale"}], solver=tr),
            "events[0].value", "missing required key")
    c = case_from_dict(make(parts=[fan], events=ev, solver=tr))
    assert c.data["events"] == [{"at": 1.0, "part": "fan[1]", "action": "off", "value": None}]


def test_unknown_part_kind():
    assert_refused(make(parts=[part(kind="sold")]), "parts[0].kind", "did you mean 'solid'")


def test_box_part_keeps_its_structure_and_gets_a_shape():
    (p,) = case_from_dict(make(parts=[part()])).data["parts"]
    assert p["box"] == {"min": [0.1, 0.1, 0.0], "max": [0.2, 0.2, 0.25]}
    assert p["shape"] == {"type": "box", "min": [0.1, 0.1, 0.0], "max": [0.2, 0.2, 0.25]}
    assert (p["cylinder"], p["stl"], p["rotate"], p["axis"], p["repeat"]) == (None, None, 0, "z", None)


def cyl(**kw):
    c = {"center": [0.5, 0.25, 0.125], "radius": 0.1, "length": 0.2, "axis": "z"}
    c.update(kw)
    return c


def test_cylinder_part():
    p = part(cylinder=cyl(axis="x"))
    del p["box"]
    (d,) = case_from_dict(make(parts=[p])).data["parts"]
    assert d["box"] is None
    assert d["cylinder"] == {"center": [0.5, 0.25, 0.125], "radius": 0.1, "length": 0.2, "axis": "x"}
    assert d["shape"] == {"type": "cylinder", **d["cylinder"]}
    no_axis = {k: v for k, v in cyl().items() if k != "axis"}
    assert case_from_dict(make(parts=[{**p, "cylinder": no_axis}])).data["parts"][0]["cylinder"]["axis"] == "z"
    for bad, key, frag in [
        (cyl(radius=0), "parts[0].cylinder.radius", "> 0"),
        (cyl(radius=-1), "parts[0].cylinder.radius", "> 0"),
        (cyl(length="long"), "parts[0].cylinder.length", "expected a number"),
        (cyl(axis="w"), "parts[0].cylinder.axis", "'x', 'y', 'z'"),
        (cyl(center=[0.5, 0.25]), "parts[0].cylinder.center", "3 numbers"),
        ({"radius": 0.1, "length": 0.1}, "parts[0].cylinder.center", "missing required key"),
        ({**cyl(), "radios": 1}, "parts[0].cylinder.radios", "did you mean 'radius'"),
        (cyl(radius=0.3), "parts[0].cylinder", "spans y = -0.05 to 0.55, outside the domain"),
    ]:
        assert_refused(make(parts=[{**p, "cylinder": bad}]), key, frag)


def test_exactly_one_shape():
    assert_refused(make(parts=[part(cylinder=cyl())]), "parts[0].cylinder", "box and cylinder are exclusive",
            "exactly one of box")
    assert_refused(make(parts=[part(stl="chip.stl")]), "parts[0].stl", "exclusive")
    bare = part()
    del bare["box"]
    assert_refused(make(parts=[bare]), "parts[0].box", "missing required key", "cylinder", "stl")


def test_rotate():
    d = case_from_dict(make(parts=[part(rotate=90)])).data["parts"][0]
    assert (d["rotate"], d["axis"]) == (90, "z")
    assert case_from_dict(make(parts=[part(rotate=-270, axis="x")])).data["parts"][0]["axis"] == "x"
    assert_refused(make(parts=[part(rotate=45)]), "parts[0].rotate", "not a multiple of 90", "multiple of 90")
    assert_refused(make(parts=[part(rotate="90")]), "parts[0].rotate", "expected a number")
    assert_refused(make(parts=[part(rotate=90, axis="w")]), "parts[0].axis", "'x', 'y', 'z'")
    # fits only once turned: y from -0.05 to 0.55 becomes x from 0.2 to 0.8
    turned = {"min": [0.4, -0.05, 0.0], "max": [0.6, 0.55, 0.1]}
    assert_refused(make(parts=[part(box=turned)]), "parts[0].box.min", "outside the domain")
    assert case_from_dict(make(parts=[part(box=turned, rotate=90)]))
    # and the reverse: a box that fits only as written
    assert_refused(make(parts=[part(box={"min": [0.0, 0.2, 0.0], "max": [0.8, 0.3, 0.1]}, rotate=90)]),
            "parts[0].rotate", "outside the domain")


def test_repeat():
    d = case_from_dict(make(parts=[part(repeat={"count": 3, "step": [0.25, 0, 0]})])).data["parts"][0]
    assert d["repeat"] == {"count": 3, "step": [0.25, 0.0, 0.0]}
    shapes = shapes_of(d)
    assert [tuple(s.bounds()[0]) for s in shapes] == [(0.1, 0.1, 0.0), (0.35, 0.1, 0.0), (0.6, 0.1, 0.0)]
    assert_refused(make(parts=[part(repeat={"count": 0, "step": [0, 0, 0]})]), "parts[0].repeat.count", ">= 1")
    assert_refused(make(parts=[part(repeat={"count": 2.5, "step": [0, 0, 0]})]), "parts[0].repeat.count", "integer")
    assert_refused(make(parts=[part(repeat={"count": 2, "step": [0, 0]})]), "parts[0].repeat.step", "3 numbers")
    assert_refused(make(parts=[part(repeat={"count": 2})]), "parts[0].repeat.step", "missing required key")
    assert_refused(make(parts=[part(repeat={"count": 2, "stepp": [0, 0, 0]})]), "parts[0].repeat.stepp",
            "did you mean 'step'")
    assert_refused(make(parts=[part(repeat={"count": 5, "step": [0.25, 0, 0]})]), "parts[0].repeat",
            "copy 4 (chip[4])", "outside the domain")


def test_shaped_parts_round_trip_and_keep_derived_keys_out_of_the_text():
    c = part(name="fan", cylinder=cyl(), rotate=90, axis="y", repeat={"count": 2, "step": [0.2, 0, 0]})
    del c["box"]
    case = case_from_dict(make(parts=[c, part(rotate=180)]))
    assert "shape" not in case.text and "type" not in case.text
    again = case_from_dict(tomllib.loads(case.text))
    assert again.data == case.data


def stl_file(path, *, watertight=True):
    import trimesh

    mesh = trimesh.creation.box(extents=(0.2, 0.2, 0.1))
    mesh.apply_translation([0.5, 0.25, 0.1])
    if not watertight:
        mesh = trimesh.Trimesh(mesh.vertices, mesh.faces[:-1], process=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    mesh.export(path)
    return path


STL_CASE = """[case]
name = "stl"
[domain]
size = [1.0, 0.5, 0.25]
cells = [4, 2, 2]
[[parts]]
name = "chassis"
kind = "solid"
material = "copper"
stl = "{stl}"
"""


def test_stl_part_is_relative_to_the_case_file(tmp_path):
    stl = stl_file(tmp_path / "geometry" / "chassis.stl")
    path = write(tmp_path, STL_CASE.format(stl="geometry/chassis.stl"))
    d = load_case(path).data["parts"][0]
    assert d["stl"] == "geometry/chassis.stl"
    assert d["shape"] == {"type": "stl", "path": str(stl.resolve())}
    (s,) = shapes_of(d)
    assert s.volume() == pytest.approx(0.2 * 0.2 * 0.1, rel=1e-6)
    assert "path" not in load_case(path).text


def test_stl_part_refusals(tmp_path):
    path = write(tmp_path, STL_CASE.format(stl="missing.stl"))
    with pytest.raises(CaseError, match=r"parts\[0\]\.stl: part 'chassis': STL file 'missing.stl' not found"):
        load_case(path)
    stl_file(tmp_path / "open.stl", watertight=False)
    path = write(tmp_path, STL_CASE.format(stl="open.stl"))
    with pytest.raises(CaseError) as info:
        load_case(path)
    msg = str(info.value)
    assert "parts[0].stl: part 'chassis'" in msg and "open.stl" in msg and "not watertight" in msg
    stl_file(tmp_path / "ok.stl")
    path = write(tmp_path, STL_CASE.format(stl="ok.stl") + "repeat = { count = 3, step = [0.0, 0.0, 0.1] }\n")
    with pytest.raises(CaseError, match=r"parts\[0\]\.repeat: part 'chassis': copy 2 \(chassis\[2\]\) spans z"):
        load_case(path)


def bc(**kw):
    b = {"name": "b", "face": "x-"}
    b.update(kw)
    return b


def test_boundaries_basic():
    assert_refused(make(boundaries=[bc(face="x")]), "boundaries[0].face", "'x-', 'x+'")
    assert_refused(make(boundaries=[bc(flow="wal")]), "boundaries[0].flow", "did you mean 'wall'", "'periodic'")
    assert_refused(make(boundaries=[bc(), bc(face="x+")]), "boundaries[1].name", "duplicate")
    assert_refused(make(boundaries=[{"face": "x-"}]), "boundaries[0].name: missing required key")


def test_boundary_region_inside_face():
    d = case_from_dict(make(boundaries=[bc(face="y+", region={"min": [0.2, 0.0], "max": [0.4, 0.25]})])).data
    assert d["boundaries"][0]["region"] == {"min": [0.2, 0.0], "max": [0.4, 0.25]}  # (x, z)
    assert_refused(make(boundaries=[bc(face="y+", region={"min": [0.2, 0.0], "max": [0.4, 0.3]})]),
            "boundaries[0].region.max", "z = 0.3 lies outside", "(1, 0.25) on axes x, z")
    assert_refused(make(boundaries=[bc(face="z-", region={"min": [0, 0, 0], "max": [1, 1]})]),
            "boundaries[0].region.min", "list of 2 numbers")
    assert_refused(make(boundaries=[bc(region={"min": [0, 0], "max": [0.3, 0.2]}),
                             bc(name="c", region={"min": [0.2, 0.1], "max": [0.5, 0.25]})]),
            "boundaries[1].region", "overlaps boundaries[0]")
    ok = [bc(region={"min": [0, 0], "max": [0.2, 0.25]}), bc(name="c", region={"min": [0.2, 0], "max": [0.5, 0.25]})]
    assert len(case_from_dict(make(boundaries=ok)).data["boundaries"]) == 2


def test_wall_velocity_with_normal_component():
    assert_refused(make(boundaries=[bc(face="y+", velocity=[1.0, 0.5, 0.0])]), "boundaries[0].velocity",
            "normal", "v = 0")
    assert case_from_dict(make(boundaries=[bc(face="y+", velocity=[1.0, 0.0, 0.5])]))


def test_velocity_and_volume_flow_rules():
    assert_refused(make(boundaries=[bc(flow="outlet", velocity=[1, 0, 0])]), "boundaries[0].velocity", "inlet and wall")
    assert_refused(make(boundaries=[bc(flow="slip", velocity=[0, 1, 0])]), "boundaries[0].velocity", "inlet and wall")
    assert_refused(make(boundaries=[bc(flow="wall", volume_flow=1.0)]), "boundaries[0].volume_flow", "inlet")
    assert_refused(make(boundaries=[bc(flow="inlet")]), "boundaries[0].velocity", "exactly one", "volume_flow")
    assert_refused(make(boundaries=[bc(flow="inlet", velocity=[1, 0, 0], volume_flow=1.0)]),
            "boundaries[0].velocity", "exactly one")
    assert_refused(make(boundaries=[bc(flow="inlet", volume_flow=0.0)]), "boundaries[0].volume_flow", "> 0")
    assert_refused(make(boundaries=[bc(flow="inlet", velocity=[-1, 0, 0])]), "boundaries[0].velocity",
            "into the domain", "u > 0")
    assert_refused(make(boundaries=[bc(face="x+", flow="inlet", velocity=[1, 0, 0])]), "u < 0")
    d = case_from_dict(make(boundaries=[bc(flow="inlet", velocity=[2, 0, 0], temperature=18)])).data
    assert d["boundaries"][0]["velocity"] == [2.0, 0.0, 0.0] and d["boundaries"][0]["temperature"] == 18.0


def test_thermal_conditions():
    assert_refused(make(boundaries=[bc(temperature=20, heat_flux=0)]), "boundaries[0].heat_flux", "exclusive")
    assert_refused(make(boundaries=[bc(htc=10)]), "boundaries[0].ambient", "htc needs")
    assert_refused(make(boundaries=[bc(ambient=25)]), "boundaries[0].ambient", "only with htc")
    assert_refused(make(boundaries=[bc(htc=-1, ambient=25)]), "boundaries[0].htc", ">= 0")
    assert_refused(make(boundaries=[bc(flow="outlet", temperature=20)]), "boundaries[0].temperature", "outlet")
    assert_refused(make(boundaries=[bc(flow="inlet", volume_flow=1, heat_flux=5)]), "boundaries[0].heat_flux",
            "temperature on a inlet")
    b = case_from_dict(make(boundaries=[bc(htc=10, ambient=25)])).data["boundaries"][0]
    assert (b["htc"], b["ambient"], b["temperature"], b["heat_flux"]) == (10.0, 25.0, None, None)


def test_periodic_faces():
    pair = [bc(name="a", face="x-", flow="periodic"), bc(name="c", face="x+", flow="periodic")]
    assert len(case_from_dict(make(boundaries=pair)).data["boundaries"]) == 2
    assert_refused(make(boundaries=pair[:1]), "boundaries[0].flow", "unpaired periodic face x-", "x+")
    assert_refused(make(boundaries=[pair[0], bc(name="c", face="x+", flow="wall")]),
            "boundaries[0].flow", "unpaired periodic")
    assert_refused(make(boundaries=pair + [bc(name="d", face="x-", flow="periodic")]),
            "boundaries[2].face", "one periodic boundary per face")
    assert_refused(make(boundaries=[bc(name="a", face="x-", flow="periodic", region={"min": [0, 0], "max": [0.1, 0.1]}),
                             pair[1]]), "boundaries[0].region", "whole face")


# ----------------------------------------------------------------------------- overrides


def test_overrides():
    case = load_case(example_path("cavity3d"), [
        "domain.cells=[128,128,1]", "solver.mode=transient", 'solver.end_time=2.5',
        "boundaries[0].velocity=[2,0,0]", "physics.buoyancy=false", 'case.name="other"',
    ])
    d = case.data
    assert d["domain"]["cells"] == [128, 128, 1]
    assert d["solver"]["mode"] == "transient" and d["solver"]["end_time"] == 2.5
    assert d["boundaries"][0]["velocity"] == [2.0, 0.0, 0.0]
    assert case.name == "other"
    assert case.text.startswith(example_path("cavity3d").read_text().rstrip("\n"))
    assert case.text.rstrip().splitlines()[-1].startswith("# overrides: --set domain.cells=[128,128,1]")
    assert tomllib.loads(case.text)["domain"]["cells"] == [24, 24, 24]  # the override is a comment


def test_override_of_a_part_and_a_missing_section(tmp_path):
    path = write(tmp_path, '[case]\nname = "x"\n[domain]\nsize = [1,1,1]\ncells = [2,2,2]\n'
                           '[[parts]]\nname = "p"\nkind = "solid"\nmaterial = "copper"\n'
                           'box = { min = [0,0,0], max = [0.5,0.5,0.5] }\n')
    case = load_case(path, ["parts[0].power=5", "output.fields=[\"T\"]", "solver.precision=float32"])
    assert case.data["parts"][0]["power"] == 5.0
    assert case.data["output"]["fields"] == ["T"]
    assert case.data["solver"]["precision"] == "float32"


def test_bad_overrides():
    path = example_path("cavity3d")
    for ov, fragments in [
        ("solver.tolerence=1e-4", ("solver.tolerence", "did you mean 'tolerance'")),
        ("solvr.mode=steady", ("solvr", "did you mean 'solver'")),
        ("parts[0].power=5", ("parts", "no such list")),
        ("boundaries[3].flow=wall", ("boundaries[3]", "index out of range", "boundaries[0] to boundaries[0]")),
        ("domain.size.x=1", ("domain.size", "not a table")),
        ("solver.mode", ("solver.mode", "key.path=value")),
        ("domain.cells=[0,1,1]", ("domain.cells[0]", ">= 1")),
        ("solver.mode=sideways", ("solver.mode", "'steady', 'transient'")),
        ("so lver.mode=1", ("malformed",)),
    ]:
        with pytest.raises(CaseError) as info:
            load_case(path, [ov])
        msg = str(info.value)
        assert msg.startswith(str(path)) and "accepted: " in msg, msg
        for f in fragments:
            assert f in msg, (ov, msg)


def test_file_errors(tmp_path):
    with pytest.raises(CaseError, match="missing.toml: .*cannot read"):
        load_case(tmp_path / "missing.toml")
    bad = write(tmp_path, "[case\nname=1\n", name="broken.toml")
    with pytest.raises(CaseError, match="broken.toml: .*not valid TOML"):
        load_case(bad)
