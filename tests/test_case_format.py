"""docs/case-format.md against the validator (thermo/case.py), in both directions.

The document's key tables (a table whose first column is ``key``) are parsed:
each row names a key path (``solver.max_steps``, ``parts[].box.min``,
``parts[kind=server].volume_flow``, ``geometry.parameters[builder=rack].servers``)
with its type, unit, default, an example (a TOML fragment relative to the
table or array entry the key lives in) and what is accepted. Checked:

* the keys the validator accepts (``thermo.case.accepted_keys``) and the
  document's rows are the same set;
* each row's example, pasted into a small valid case, is accepted and lands in
  the validated data (so the row names a key the validator really takes);
* a key in no row is refused as unknown, in every table and array entry, and a
  kind of part refuses the keys the document gives only to other kinds;
* a default written as a literal is what the validator fills in (a builder's:
  its signature's default); a key whose default is ``required`` is refused
  when missing; a value of the wrong type is refused under the key's path.

No compilation: only the validator runs.
"""
from __future__ import annotations

import copy
import inspect
import pathlib
import re
import tomllib

import pytest

from thermo.case import builders
from thermo.case import CaseError, accepted_keys, case_from_dict

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "case-format.md"
COLUMNS = ["key", "type", "unit", "default", "example", "accepted; refused; meaning"]
ARRAYS = ("materials", "parts", "boundaries", "loops", "networks", "events")
UNKNOWN = "not_a_key_of_any_table"


# ----------------------------------------------------------------------------- the document


def key_rows(text: str) -> dict[str, dict[str, str]]:
    """``{key: {column: cell}}`` of every table whose first column is ``key``."""
    rows: dict[str, dict[str, str]] = {}
    header = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if header[0] != "key" or set(line) <= set("|-: "):
            continue
        assert header == COLUMNS, f"line {n}: a key table's columns are {COLUMNS}, got {header}"
        assert len(cells) == len(header), f"line {n}: {len(cells)} cells, expected {len(header)}"
        m = re.fullmatch(r"`([^`]+)`", cells[0])
        assert m, f"line {n}: the key cell {cells[0]!r} is not one `key.path`"
        assert m.group(1) not in rows, f"line {n}: {m.group(1)} is listed twice"
        rows[m.group(1)] = dict(zip(header, cells))
    return rows


ROWS = key_rows(DOC.read_text(encoding="utf-8")) if DOC.is_file() else {}


class Spot:
    """Where a documented key lives: its section, the kind of part or builder that
    takes it, the path inside its table entry, and its path in error messages."""

    def __init__(self, key: str) -> None:
        self.key, self.kind, self.builder = key, None, None
        if m := re.fullmatch(r"geometry\.parameters\[builder=(\w+)\]\.(\w+)", key):
            self.section, self.builder, self.path = "geometry", m.group(1), (m.group(2),)
            self.where = "geometry.parameters"
            return
        if m := re.fullmatch(r"parts\[kind=(\w+)\]\.(\w+)", key):
            self.section, self.kind, self.path = "parts", m.group(1), (m.group(2),)
        elif m := re.fullmatch(r"(\w+)(\[\])?\.(\w+(?:\.\w+)?)", key):
            self.section, self.path = m.group(1), tuple(m.group(3).split("."))
            assert bool(m.group(2)) == (self.section in ARRAYS), f"{key}: [] on arrays of tables only"
            self.kind = "solid" if self.section == "parts" else None
        else:
            raise AssertionError(f"{key}: not a key path of the forms the document explains")
        self.where = f"{self.section}[0]" if self.section in ARRAYS else self.section

    def error_key(self) -> str:
        return ".".join((self.where,) + self.path)


def fragment(row: dict[str, str]) -> dict:
    """The row's example: ``key = value, ...`` relative to the key's table entry."""
    m = re.fullmatch(r"`([^`]+)`", row["example"])
    assert m, f"{row['key']}: the example {row['example']!r} is not one `key = value, ...`"
    return tomllib.loads(f"x = {{ {m.group(1)} }}")["x"]


def literal(cell: str):
    """The TOML value of a cell that is exactly one `literal`, else None (prose)."""
    m = re.fullmatch(r"`([^`]+)`", cell)
    return None if m is None else tomllib.loads(f"v = {m.group(1)}")["v"]


def dig(tree, path):
    for p in path:
        tree = tree[p]
    return tree


# ----------------------------------------------------------------------------- small valid cases

DOMAIN = {"size": [1.0, 1.0, 1.0], "cells": [4, 4, 4]}
BIG = {"size": [10.0, 10.0, 4.0], "cells": [4, 4, 4]}  # room for every builder's defaults
BOX = {"min": [0.2, 0.2, 0.2], "max": [0.4, 0.4, 0.4]}
CHIP = {"name": "gpu", "kind": "solid", "material": "silicon",
        "box": {"min": [0.4, 0.2, 0.2], "max": [0.5, 0.4, 0.4]}}
PARTS = {
    "solid": {"name": "p", "kind": "solid", "material": "copper", "box": BOX},
    "fluid": {"name": "p", "kind": "fluid", "material": "water", "box": BOX},
    "server": {"name": "p", "kind": "server", "box": BOX, "direction": "+x", "volume_flow": 0.01},
    "fan": {"name": "p", "kind": "fan", "box": BOX, "direction": "+x", "volume_flow": 0.01},
    "crah": {"name": "p", "kind": "crah", "box": BOX, "direction": "+x", "volume_flow": 0.01,
             "supply_temperature": 18.0},
    "porous": {"name": "p", "kind": "porous", "box": BOX, "permeability": 1.0e-8},
    "heat_sink": {"name": "p", "kind": "heat_sink", "box": BOX, "direction": "x", "base": "-z",
                  "fins": 4, "fin_thickness": 0.01},
    "cold_plate": {"name": "p", "kind": "cold_plate", "material": "copper", "box": BOX,
                   "flow_direction": "+x", "thermal_resistance": 0.01, "volume_flow": 1.0e-5,
                   "inlet_temperature": 30.0},
}
PLATE = {"name": "cp", "kind": "cold_plate", "material": "copper", "box": BOX,
         "flow_direction": "+x", "thermal_resistance": 0.01, "pressure_drop": 1.0e4,
         "rated_flow": 1.0e-5}
LOOP = {"name": "cdu", "supply_temperature": 30.0, "volume_flow": 1.0e-4, "plates": ["cp"]}
# a plate of its own for a [[networks]] entry: pump, plate, CDU heat exchanger
NET_PLATE = dict(PLATE, name="cp2", box={"min": [0.2, 0.6, 0.2], "max": [0.4, 0.8, 0.4]})
NETWORK = {"name": "net", "branches": [
    {"name": "pump", "kind": "pump", "from": "a", "to": "b", "curve": [[0.0, 5.0e4], [2.0e-5, 2.0e4]]},
    {"name": "plate", "kind": "cold_plate", "from": "b", "to": "c", "plates": ["cp2"]},
    {"name": "cdu", "kind": "heat_exchanger", "from": "c", "to": "a", "ua": 100.0,
     "facility_flow": 1.0e-4, "facility_temperature": 25.0, "pressure_drop": 5.0e3,
     "rated_flow": 1.0e-5}]}
FAN = {"name": "fan1", "kind": "fan", "direction": "+x", "volume_flow": 0.01,
       "box": {"min": [0.6, 0.6, 0.6], "max": [0.8, 0.8, 0.8]},
       "repeat": {"count": 2, "step": [0.0, 0.0, 0.1]}}
BUILDER_PARAMETERS = {"server": {}, "rack": {"servers": 2}, "aisle_row": {"racks": 1, "servers": 2},
                      "immersion_tank": {}, "data_hall": {}}
# keys of one entry that stand for one another: setting one drops the others from the base
ALTERNATIVES = [{"box", "cylinder", "stl"}, {"volume_flow", "flow_per_kw", "curve", "fan_curve"},
                {"permeability", "inertial_coefficient", "loss_coefficient", "open_area"},
                {"thermal_resistance", "htc", "area"}, {"part", "loop", "network"}]


def base_case(spot: Spot) -> tuple[dict, dict]:
    """A small valid case for the spot's section and the entry the key goes into."""
    d = {"case": {"name": "t"}, "domain": copy.deepcopy(DOMAIN)}
    s = spot.section
    if spot.builder is not None:
        d["domain"] = copy.deepcopy(BIG)
        if spot.builder == "immersion_tank":
            d["fluid"] = {"material": inspect.signature(builders.immersion_tank).parameters["fluid"].default}
        d["geometry"] = {"builder": spot.builder,
                         "parameters": copy.deepcopy(BUILDER_PARAMETERS[spot.builder])}
        return d, d["geometry"]["parameters"]
    if s == "geometry":
        d["domain"] = copy.deepcopy(BIG)
        d["geometry"] = {"builder": "server"}
    elif s == "parts":
        d["parts"] = [copy.deepcopy(PARTS[spot.kind]), copy.deepcopy(CHIP)]
    elif s == "materials":
        d["materials"] = [{"name": "m", "density": 1000.0, "specific_heat": 4000.0,
                           "conductivity": 0.5}]
    elif s == "boundaries":
        d["boundaries"] = [{"name": "b", "face": "x-"}]
    elif s == "grid":  # a graded grid instead of domain.cells
        del d["domain"]["cells"]
        d["grid"] = {"max_cell": [0.5, 0.5, 0.5]}
    elif s == "loops":
        d["parts"] = [copy.deepcopy(PLATE), copy.deepcopy(CHIP)]
        d["loops"] = [copy.deepcopy(LOOP)]
    elif s == "networks":
        d["parts"] = [copy.deepcopy(NET_PLATE), copy.deepcopy(CHIP)]
        d["networks"] = [copy.deepcopy(NETWORK)]
    elif s == "events":
        d["parts"] = [copy.deepcopy(FAN), copy.deepcopy(PLATE), copy.deepcopy(NET_PLATE),
                      copy.deepcopy(CHIP)]
        d["loops"] = [copy.deepcopy(LOOP)]
        d["networks"] = [copy.deepcopy(NETWORK)]
        d["solver"] = {"mode": "transient", "end_time": 10.0}
        d["events"] = [{"at": 1.0, "part": "fan1", "action": "off"}]
    else:
        d.setdefault(s, {})
    entry = d[s][0] if s in ARRAYS else d[s]
    return d, entry


def with_example(spot: Spot, row: dict, tmp_path: pathlib.Path) -> tuple[dict, dict]:
    """The base case with the row's example pasted into the key's entry."""
    d, entry = base_case(spot)
    frag = fragment(row)
    for group in ALTERNATIVES:
        if group & set(frag):
            for k in group - set(frag):
                entry.pop(k, None)
    entry.update(frag)
    if isinstance(frag.get("stl"), str):  # a closed surface inside the domain, for the example
        import trimesh

        mesh = trimesh.creation.box(extents=[0.2, 0.2, 0.2])
        mesh.apply_translation([0.3, 0.3, 0.3])
        mesh.export(tmp_path / frag["stl"])
    return d, entry


def validate(d: dict, tmp_path: pathlib.Path):
    return case_from_dict(d, source=str(tmp_path / "case.toml"))


def landed(spot: Spot, data: dict):
    """The validated value at the spot's key."""
    if spot.builder is not None:
        return dig(data["geometry"]["parameters"], spot.path)
    section = data[spot.section]
    return dig(section[0] if spot.section in ARRAYS else section, spot.path)


# ----------------------------------------------------------------------------- the two key sets


def test_every_section_has_a_heading():
    assert DOC.is_file(), "docs/case-format.md is missing"
    text = DOC.read_text(encoding="utf-8")
    for section in sorted({Spot(k).section for k in accepted_keys()}):
        heading = f"## [[{section}]]" if section in ARRAYS else f"## [{section}]"
        assert f"\n{heading}\n" in text, f"no heading {heading!r}"


def test_every_key_the_validator_accepts_is_documented():
    missing = sorted(set(accepted_keys()) - set(ROWS))
    assert not missing, f"keys the validator accepts and docs/case-format.md does not list: {missing}"


def test_every_documented_key_is_accepted_by_the_validator():
    extra = sorted(set(ROWS) - set(accepted_keys()))
    assert not extra, f"keys docs/case-format.md lists and the validator does not accept: {extra}"


# ----------------------------------------------------------------------------- row by row


@pytest.mark.parametrize("key", sorted(ROWS))
def test_example_is_accepted(key, tmp_path):
    spot, row = Spot(key), ROWS[key]
    frag = fragment(row)
    given = dig(frag, spot.path)  # the example sets the key itself
    d, _ = with_example(spot, row, tmp_path)
    try:
        case = validate(d, tmp_path)
    except CaseError as exc:
        pytest.fail(f"{key}: the documented example {row['example']} is refused: {exc}")
    assert landed(spot, case.data) == given


@pytest.mark.parametrize("key", sorted(ROWS))
def test_wrong_type_is_refused(key, tmp_path):
    spot, row = Spot(key), ROWS[key]
    d, entry = with_example(spot, row, tmp_path)
    wrong = 12345 if "string" in row["type"] else "not a number"
    dig(entry, spot.path[:-1])[spot.path[-1]] = wrong
    with pytest.raises(CaseError) as info:
        validate(d, tmp_path)
    # a builder's refusals are its own (rack_depth is checked as the rack's depth)
    where = spot.where if spot.builder is not None else spot.error_key()
    assert info.value.key.startswith(where), (key, row["type"], str(info.value))


DEFAULTS = sorted(k for k, r in ROWS.items() if re.fullmatch(r"`[^`]+`", r["default"]))
REQUIRED = sorted(k for k, r in ROWS.items() if r["default"] == "required")


@pytest.mark.parametrize("key", DEFAULTS)
def test_literal_default_is_the_validators(key, tmp_path):
    spot, row = Spot(key), ROWS[key]
    default = literal(row["default"])
    if spot.builder is not None:
        given = inspect.signature(builders.BUILDERS[spot.builder]).parameters[spot.path[0]].default
        given = list(given) if isinstance(given, tuple) else given
        assert given == default, f"{key}: the builder's default is {given!r}"
        return
    d, entry = with_example(spot, row, tmp_path)
    del dig(entry, spot.path[:-1])[spot.path[-1]]
    assert landed(spot, validate(d, tmp_path).data) == default


@pytest.mark.parametrize("key", REQUIRED)
def test_required_key_is_refused_when_missing(key, tmp_path):
    spot, row = Spot(key), ROWS[key]
    d, entry = with_example(spot, row, tmp_path)
    del dig(entry, spot.path[:-1])[spot.path[-1]]
    with pytest.raises(CaseError) as info:
        validate(d, tmp_path)
    assert info.value.key == spot.error_key(), str(info.value)


# ----------------------------------------------------------------------------- keys in no row


def tables() -> list[tuple[str, tuple[str, ...]]]:
    """(a documented key whose entry holds the table, the table's path in the entry),
    for every table the document lists keys of."""
    out = {}
    for key in sorted(ROWS):
        spot = Spot(key)
        table = (spot.section, spot.kind, spot.builder, spot.path[:-1])
        out.setdefault(table, key)
    return [(key, table[3]) for table, key in sorted(out.items(), key=lambda t: t[1])]


@pytest.mark.parametrize("key,table", tables())
def test_unknown_key_is_refused(key, table, tmp_path):
    spot, row = Spot(key), ROWS[key]
    d, entry = with_example(spot, row, tmp_path)
    assert validate(d, tmp_path) is not None
    dig(entry, table)[UNKNOWN] = 1.0
    with pytest.raises(CaseError) as info:
        validate(d, tmp_path)
    assert info.value.key == ".".join((spot.where,) + table + (UNKNOWN,)), str(info.value)
    assert "unknown" in info.value.problem


def test_unknown_section_is_refused(tmp_path):
    d, _ = base_case(Spot("case.name"))
    d[UNKNOWN] = {}
    with pytest.raises(CaseError) as info:
        validate(d, tmp_path)
    assert info.value.key == UNKNOWN and "unknown key" in info.value.problem


def kind_keys() -> dict[str, set[str]]:
    """The part keys the document gives to each kind (its own and every kind's)."""
    common = {Spot(k).path[0] for k in ROWS if k.startswith("parts[].")}
    out = {kind: set(common) for kind in PARTS}
    for k in ROWS:
        spot = Spot(k)
        if k.startswith("parts[kind="):
            assert spot.kind in out, f"{k}: no kind {spot.kind!r} in this test's parts"
            out[spot.kind].add(spot.path[0])
    return out


def foreign() -> list[tuple[str, str]]:
    """(kind, key of another kind that the document does not give it)."""
    own = kind_keys()
    every = set().union(*own.values())
    return [(kind, k) for kind in sorted(own) for k in sorted(every - own[kind])]


@pytest.mark.parametrize("kind,key", foreign())
def test_kind_refuses_other_kinds_keys(kind, key, tmp_path):
    row = next(r for k, r in ROWS.items() if k.startswith("parts[kind=") and k.endswith(f"].{key}"))
    value = fragment(row)[key]
    d, entry = base_case(Spot(f"parts[kind={kind}].name"))
    assert validate(d, tmp_path) is not None
    entry[key] = value
    with pytest.raises(CaseError) as info:
        validate(d, tmp_path)
    assert info.value.key == f"parts[0].{key}", str(info.value)
    assert f"a {kind} part takes no {key}" in info.value.problem


CHOICES = sorted(k for k, r in ROWS.items() if r["type"] == "string")


@pytest.mark.parametrize("key", CHOICES)
def test_every_value_the_validator_offers_is_documented(key, tmp_path):
    """A string key with a fixed set of values: the validator's refusal of another value
    lists them, and the row names each (``"steady"``)."""
    spot, row = Spot(key), ROWS[key]
    d, entry = with_example(spot, row, tmp_path)
    dig(entry, spot.path[:-1])[spot.path[-1]] = "not-a-value-of-any-key"
    try:
        validate(d, tmp_path)
    except CaseError as exc:
        if "unknown value" in exc.problem:  # a choice (not a name or a material)
            offered = re.findall(r"'([^']*)'", exc.accepted)
            assert offered, str(exc)
            missing = [v for v in offered if f'"{v}"' not in row["accepted; refused; meaning"]]
            assert not missing, f"{key}: the validator offers {missing}, the row does not list them"


def test_the_documents_case_file_is_valid(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert blocks, "no ```toml example in docs/case-format.md"
    for text in blocks:
        case = validate(tomllib.loads(text), tmp_path)
        assert case.data["case"]["name"] == tomllib.loads(text)["case"]["name"]
