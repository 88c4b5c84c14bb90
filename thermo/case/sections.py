"""The case checked section by section: :func:`validate`, and the single-table sections.

[case], [domain], [[materials]], [physics], [fluid], [geometry], [solver] and
[output] are checked here; [[parts]], [[boundaries]], [[loops]] and
[[events]] in their own modules. Every default is filled in here.
"""
from __future__ import annotations

import inspect
from typing import Any

from thermo.case.boundaries import boundaries_section
from thermo.case.builders import BUILDERS, BuilderError
from thermo.case.checker import Checker, describe, hint, resolve
from thermo.case.coldplates import loops_section
from thermo.case.cooling import check_cooling_capacity
from thermo.case.events import events_section
from thermo.case.networks import networked_plates, networks_section
from thermo.case.gridding import grid_section
from thermo.case.materials import LIBRARY, Material
from thermo.case.parts import parts_section
from thermo.case.schema import (FIELDS, K_EPSILON_MODELS, KEYS, SECTIONS, THERMAL_WALL_LAWS, TURBULENCE,
                                TURBULENCE_LATER, WALL_FUNCTION_MODELS, builder_parameters)


def validate(raw: Any, source: str) -> tuple[dict, dict[str, Material]]:
    """Check a raw case (the TOML's tables) read from ``source``: its data with every
    default filled in, and its user materials by name."""
    c = Checker(source)
    raw = c.table(raw, "", SECTIONS)
    for section in ("case", "domain"):
        if section not in raw:
            raise c.fail(section, "missing required section",
                         f"a [{section}] table with keys " + ", ".join(KEYS[section]))
    data: dict[str, Any] = {}
    data["case"] = _case(c, raw["case"])
    data["domain"] = _domain(c, raw["domain"])
    data["materials"], materials = _materials(c, raw.get("materials", []))
    data["physics"] = _physics(c, raw.get("physics", {}))
    data["fluid"] = _fluid(c, raw.get("fluid", {}), materials, data["physics"]["buoyancy"])
    built: list[dict] = []
    if raw.get("geometry") is not None:  # optional: present in the data only when given
        data["geometry"], built = _geometry(c, raw["geometry"], data["fluid"])
    data["parts"] = parts_section(c, raw.get("parts", []), materials, data["domain"]["size"],
                                  built, data.get("geometry", {}).get("builder", ""))
    data["boundaries"] = boundaries_section(c, raw.get("boundaries", []), data["domain"]["size"])
    if raw.get("grid") is not None:  # a graded grid: present in the data only when given
        if "cells" in data["domain"]:
            raise c.fail("grid", "a case has either domain.cells (a uniform grid) or a [grid] "
                         "table (graded), not both", "remove domain.cells or the [grid] table")
        data["grid"] = grid_section(c, raw["grid"], data["domain"], data["parts"], data["boundaries"])
    elif "cells" not in data["domain"]:
        raise c.fail("domain.cells", "missing required key",
                     "a list of 3 integers >= 1 (a uniform grid), or a [grid] table (graded)")
    data["solver"] = _solver(c, raw.get("solver", {}))
    data["output"] = _output(c, raw.get("output", {}), data["physics"]["turbulence"])
    networks = networks_section(c, raw.get("networks"), data["parts"],
                                lambda n, k: resolve(c, n, k, materials))
    loops = loops_section(c, raw.get("loops"), data["parts"],
                          lambda n, k: resolve(c, n, k, materials),
                          networked_plates(networks, data["parts"]))
    if raw.get("loops") is not None:
        data["loops"] = loops
    if raw.get("networks") is not None:
        data["networks"] = networks
    if raw.get("events") is not None:
        data["events"] = events_section(c, raw["events"], data["parts"],
                                        data["solver"]["mode"] == "transient", data.get("loops", []),
                                        networks)
    check_cooling_capacity(c, data)
    return {s: data[s] for s in SECTIONS if s in data}, materials


def _case(c: Checker, raw: Any) -> dict:
    t = c.table(raw, "case", KEYS["case"])
    name = c.name(c.required(t, "name", "case", "a non-empty string"), "case.name")
    if any(ch in name for ch in "/\\") or name.strip() in (".", ".."):
        raise c.fail("case.name", f"{name!r} cannot name an output folder",
                     "a non-empty name without '/' or '\\'")
    desc = t.get("description", "")
    desc = c.string(desc, "case.description")
    return {"name": name, "description": desc}


def _domain(c: Checker, raw: Any) -> dict:
    t = c.table(raw, "domain", KEYS["domain"])
    size = c.vector(c.required(t, "size", "domain", "a list of 3 numbers > 0 (m)"), "domain.size", 3,
                    lo=0.0, lo_open=True)
    gravity = c.vector(t.get("gravity", [0.0, 0.0, -9.81]), "domain.gravity", 3)
    out = {"size": size, "gravity": gravity}
    if t.get("cells") is not None:  # else a [grid] table (checked once the parts are known)
        out["cells"] = c.vector(t["cells"], "domain.cells", 3, integer=True, lo=1)
    return out


def _materials(c: Checker, raw: Any) -> tuple[list[dict], dict[str, Material]]:
    out: list[dict] = []
    mats: dict[str, Material] = {}
    for i, item in enumerate(c.array(raw, "materials")):
        key = f"materials[{i}]"
        t = c.table(item, key, KEYS["materials"])
        name = c.name(c.required(t, "name", key, "a non-empty string"), f"{key}.name")
        if name in mats:
            raise c.fail(f"{key}.name", f"duplicate material name {name!r}", "unique names")
        m = {"name": name}
        for prop in ("density", "specific_heat", "conductivity"):
            m[prop] = c.number(c.required(t, prop, key, "a number > 0"), f"{key}.{prop}",
                               lo=0.0, lo_open=True)
        v = t.get("viscosity")
        m["viscosity"] = None if v is None else c.number(v, f"{key}.viscosity", lo=0.0, lo_open=True)
        e = t.get("expansion")
        m["expansion"] = None if e is None else c.number(e, f"{key}.expansion")
        mats[name] = Material(**m, source=f"user material ({key} in the case)")
        out.append(m)
    return out, mats


def _physics(c: Checker, raw: Any) -> dict:
    t = c.table(raw, "physics", KEYS["physics"])
    out = {
        "buoyancy": c.boolean(t.get("buoyancy", False), "physics.buoyancy"),
        "turbulence": c.string(t.get("turbulence", "none"), "physics.turbulence",
                               TURBULENCE, TURBULENCE_LATER),
        # Cs of the Smagorinsky model (read only when turbulence = "smagorinsky")
        "smagorinsky_constant": c.number(t.get("smagorinsky_constant", 0.17),
                                         "physics.smagorinsky_constant", lo=0.0, hi=1.0,
                                         lo_open=True),
        # a uniform acceleration (m/s2) driving the flow, e.g. a periodic channel
        "body_force": c.vector(t.get("body_force", [0.0, 0.0, 0.0]), "physics.body_force", 3),
    }
    if t.get("mixing_length_cap") is not None:  # present in the data only when given
        # m, the largest mixing length (turbulence = "mixing-length"; default 0.09 times
        # the largest wall distance in the fluid)
        out["mixing_length_cap"] = c.number(t["mixing_length_cap"], "physics.mixing_length_cap",
                                            lo=0.0, lo_open=True)
    if t.get("thermal_wall_law") is not None:  # present in the data only when given
        law = c.string(t["thermal_wall_law"], "physics.thermal_wall_law", THERMAL_WALL_LAWS)
        if out["turbulence"] not in WALL_FUNCTION_MODELS:
            raise c.fail("physics.thermal_wall_law", f"physics.turbulence = {out['turbulence']!r} has no wall "
                         "functions", "a thermal wall law with turbulence = " +
                         ", ".join(repr(m) for m in WALL_FUNCTION_MODELS) + ", or no thermal_wall_law")
        out["thermal_wall_law"] = law
    return out


def _fluid(c: Checker, raw: Any, user: dict[str, Material], buoyancy: bool) -> dict:
    t = c.table(raw, "fluid", KEYS["fluid"])
    name = t.get("material", "air")
    mat = resolve(c, name, "fluid.material", user)
    fluids = sorted(n for n, m in {**LIBRARY, **user}.items() if m.is_fluid)
    if not mat.is_fluid:
        raise c.fail("fluid.material", f"{name!r} is a solid (it has no viscosity)",
                     "a fluid: " + ", ".join(fluids))
    if buoyancy and mat.expansion is None:
        raise c.fail("fluid.material", f"physics.buoyancy needs an expansion coefficient and "
                     f"{name!r} has none", "a fluid with `expansion` set, or buoyancy = false")
    ref = c.temperature(t.get("reference_temperature", 20.0), "fluid.reference_temperature")
    init = t.get("initial_temperature")
    init = ref if init is None else c.temperature(init, "fluid.initial_temperature")
    vel = c.vector(t.get("initial_velocity", [0.0, 0.0, 0.0]), "fluid.initial_velocity", 3)
    return {"material": name, "reference_temperature": ref, "initial_temperature": init,
            "initial_velocity": vel}


def _plain(value: Any) -> Any:
    """A copy with tuples as lists and None-valued table entries left out (as TOML holds it)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _geometry(c: Checker, raw: Any, fluid: dict) -> tuple[dict, list[dict]]:
    """The [geometry] section: a builder of thermo.case.builders and its keyword arguments.

    Returns the validated section (with the derived ``part_count``) and the
    builder's parts, which go before the case's own [[parts]]."""
    t = c.table(raw, "geometry", KEYS["geometry"])
    names = tuple(BUILDERS)
    name = c.string(c.required(t, "builder", "geometry", ", ".join(repr(n) for n in names)),
                    "geometry.builder", names)
    build = BUILDERS[name]
    sig = inspect.signature(build)
    accepted = builder_parameters(build)
    acc = f"the {name} builder's parameters: " + ", ".join(accepted)
    params = t.get("parameters", {})
    if not isinstance(params, dict):
        raise c.fail("geometry.parameters", f"expected a table, got {describe(params)}",
                     "a table of keyword arguments, e.g. parameters = { servers = 40 }; " + acc)
    for k in params:
        if k not in accepted:
            raise c.fail(f"geometry.parameters.{k}", f"unknown parameter of the {name} builder"
                         f"{hint(str(k), accepted)}", acc)
    params = _plain(params)
    try:
        parts = build(**params)
    except BuilderError as exc:
        raise c.fail(f"geometry.parameters.{exc.parameter}", exc.problem, exc.accepted) from None
    except (TypeError, ValueError) as exc:
        raise c.fail("geometry.parameters", f"the {name} builder refused them ({exc})", acc) from None
    if "fluid" in accepted:  # a builder of a vessel full of coolant: the case's fluid
        given = "fluid" in params
        held = params["fluid"] if given else sig.parameters["fluid"].default
        if held != fluid["material"]:
            raise c.fail("geometry.parameters.fluid" if given else "fluid.material",
                         f"the {name} builder's fluid is {held!r} but fluid.material is "
                         f"{fluid['material']!r}",
                         f"the same fluid in both: fluid.material = {held!r}, or "
                         f"geometry.parameters.fluid = {fluid['material']!r}")
    geometry = {"builder": name, "parameters": params, "part_count": len(parts)}
    return geometry, parts


def _solver(c: Checker, raw: Any) -> dict:
    t = c.table(raw, "solver", KEYS["solver"])
    k = "solver."
    scheme = c.string(t.get("scheme", "march"), k + "scheme", ("implicit", "march"))
    # the implicit scheme's inner solves only need to reduce their residual a little: the
    # outer iterations converge the equations (its defaults, measured on de Vahl Davis)
    # (an implicit transient's outer iterations converge each time step)
    loose = scheme == "implicit"
    s = {
        "mode": c.string(t.get("mode", "steady"), k + "mode", ("steady", "transient")),
        "end_time": c.number(t.get("end_time", 0.0), k + "end_time", lo=0.0),
        "max_steps": c.integer(t.get("max_steps", 200000), k + "max_steps", lo=1),
        "tolerance": c.number(t.get("tolerance", 1e-6), k + "tolerance", lo=0.0, lo_open=True),
        "cfl": c.number(t.get("cfl", 0.5), k + "cfl", lo=0.0, hi=1.0, lo_open=True),
        # "mixed": float32 fields with float64 sums (thermo/solver/numerics.py)
        "precision": c.string(t.get("precision", "float64"), k + "precision",
                              ("float32", "float64", "mixed")),
        "backend": c.string(t.get("backend", "auto"), k + "backend", ("auto", "cpu", "gpu", "tpu")),
        # devices the grid is split over (thermo/solver/sharding.py): a count or "all"
        "devices": (c.string(t["devices"], k + "devices", ("all",)) if isinstance(t.get("devices"), str)
                    else c.integer(t.get("devices", 1), k + "devices", lo=1)),
        "checkpoint_every": c.number(t.get("checkpoint_every", 0.0), k + "checkpoint_every", lo=0.0),
        "steps_per_call": c.integer(t.get("steps_per_call", 200), k + "steps_per_call", lo=1),
        # relative residuals and iteration caps of the linear solves of each step
        "pressure_tolerance": c.number(t.get("pressure_tolerance", 1e-8), k + "pressure_tolerance",
                                       lo=0.0, lo_open=True),
        "viscous_tolerance": c.number(t.get("viscous_tolerance", 1e-2 if loose else 1e-8),
                                      k + "viscous_tolerance",
                                      lo=0.0, lo_open=True),
        "energy_tolerance": c.number(t.get("energy_tolerance", 1e-3 if loose else 1e-8),
                                     k + "energy_tolerance",
                                     lo=0.0, lo_open=True),
        "pressure_max_iterations": c.integer(t.get("pressure_max_iterations", 200),
                                             k + "pressure_max_iterations", lo=1),
        "viscous_max_iterations": c.integer(t.get("viscous_max_iterations", 200),
                                            k + "viscous_max_iterations", lo=1),
        "energy_max_iterations": c.integer(t.get("energy_max_iterations", 200),
                                           k + "energy_max_iterations", lo=1),
        "dt": None if t.get("dt") is None else c.number(t["dt"], k + "dt", lo=0.0, lo_open=True),
        # steady runs of flows that never stop moving: stop when the monitored
        # temperatures stay within monitor_tolerance (K) and the mean heat balance
        # closes over the last monitor_window seconds (0 = residuals only)
        "monitor_window": c.number(t.get("monitor_window", 0.0), k + "monitor_window", lo=0.0),
        "monitor_tolerance": c.number(t.get("monitor_tolerance", 0.1), k + "monitor_tolerance",
                                      lo=0.0, lo_open=True),
        # a flow that never settles (an open hall's recirculation): stop instead when the
        # monitors' means over the latter half of the run are known to within this (K, 95 %
        # half-width by batch means); 0 = by the window means above
        "average_tolerance": c.number(t.get("average_tolerance", 0.0), k + "average_tolerance",
                                      lo=0.0),
        # a steady run: "implicit" pseudo-time iterations (thermo.solver.steady) or
        # "march", the explicit time march to the steady state
        "scheme": scheme,
        "pseudo_cfl": c.number(t.get("pseudo_cfl", 5.0), k + "pseudo_cfl", lo=0.0, lo_open=True),
        # a transient run's start: the fluid's initial values, or the case's steady state
        # solved first with the implicit scheme (thermo/solver/initial.py)
        "initial": c.string(t.get("initial", "case"), k + "initial", ("case", "steady")),
        "initial_tolerance": c.number(t.get("initial_tolerance", 1e-4), k + "initial_tolerance",
                                      lo=0.0, lo_open=True),
        # an implicit transient (mode "transient", scheme "implicit"): each time step's
        # iterations, at most outer_iterations, until the normalised residuals reach
        # outer_tolerance (thermo/solver/dual.py)
        "outer_iterations": c.integer(t.get("outer_iterations", 20), k + "outer_iterations",
                                      lo=1),
        "outer_tolerance": c.number(t.get("outer_tolerance", 1e-3), k + "outer_tolerance",
                                    lo=0.0, lo_open=True),
        # the implicit steady scheme's selective frequency damping (thermo.solver.steady):
        # its gain times each face's pseudo-time step (0: off) and its filter's width in
        # iterations
        "damping": c.number(t.get("damping", 0.0), k + "damping", lo=0.0),
        "damping_width": c.number(t.get("damping_width", 30.0), k + "damping_width", lo=1.0),
    }
    if s["initial"] == "steady" and s["mode"] != "transient":
        raise c.fail(k + "initial", "a steady run starts from the fluid's initial values",
                     "initial = 'steady' only with mode = 'transient'")
    dual = s["mode"] == "transient" and scheme == "implicit"
    if s["damping"] > 0.0 and not (s["mode"] == "steady" and scheme == "implicit"):
        raise c.fail(k + "damping", "selective frequency damping steers the implicit steady "
                     "iterations to their fixed point; a time march would no longer follow time",
                     "damping > 0 only with mode = 'steady' and scheme = 'implicit' (0 = off)")
    if s["average_tolerance"] > 0.0 and (s["monitor_window"] <= 0.0
                                         or not (s["mode"] == "steady" or dual)):
        raise c.fail(k + "average_tolerance", "averages are judged on the monitors of a steady "
                     "or an implicit transient run",
                     "average_tolerance > 0 with monitor_window > 0 and mode = 'steady', or mode "
                     "= 'transient' with scheme = 'implicit' (the batches are at least one "
                     "window long)")
    if dual and s["dt"] is None:
        raise c.fail(k + "dt", "an implicit transient run steps a fixed time step",
                     "dt > 0 (s) with mode = 'transient' and scheme = 'implicit' (a Courant "
                     "number of 1-10 on the cells the flow crosses fastest), or scheme = "
                     "'march' (the explicit march, its step from solver.cfl)")
    if s["mode"] == "transient" and s["end_time"] <= 0.0:
        raise c.fail(k + "end_time", "a transient run needs an end time",
                     "a number > 0 (s) with mode = 'transient'")
    return s


def _output(c: Checker, raw: Any, turbulence: str) -> dict:
    t = c.table(raw, "output", KEYS["output"])
    every = c.number(t.get("every", 0.0), "output.every", lo=0.0)
    fields = t.get("fields", ["T", "U", "p"])
    if not isinstance(fields, (list, tuple)):
        raise c.fail("output.fields", f"expected a list of strings, got {describe(fields)}",
                     "a list drawn from " + ", ".join(FIELDS))
    fields = [c.string(f, f"output.fields[{i}]", FIELDS) for i, f in enumerate(fields)]
    if len(set(fields)) != len(fields):
        raise c.fail("output.fields", "a field is listed twice", "each of " + ", ".join(FIELDS) + " at most once")
    for i, f in enumerate(fields):
        if f in ("k", "epsilon") and turbulence not in K_EPSILON_MODELS:
            raise c.fail(f"output.fields[{i}]", f"{f!r} is a k-epsilon field and physics.turbulence "
                         f"is {turbulence!r}", "physics.turbulence = " + " or ".join(
                             repr(m) for m in K_EPSILON_MODELS) + f", or no {f!r}")
        if f == "nu_t" and turbulence == "none":
            raise c.fail(f"output.fields[{i}]", "'nu_t' needs a turbulence model",
                         "physics.turbulence other than 'none', or no 'nu_t'")
    return {"every": every, "fields": fields}
