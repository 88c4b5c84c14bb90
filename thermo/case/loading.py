"""A validated :class:`Case`, and where it comes from: a TOML file, a dict, a bundled example.

:func:`load_case` reads a case file and applies ``--set`` overrides;
:func:`case_from_dict` takes the same structure as a dict. Both check it all
(:func:`thermo.case.sections.validate`) before any compilation.
"""
from __future__ import annotations

import copy
import difflib
import pathlib
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field

from thermo.case.errors import CaseError
from thermo.case.gridding import case_grid
from thermo.case.materials import Material, resolve_material
from thermo.case.overrides import apply_override
from thermo.case.sections import validate
from thermo.case.toml_writer import to_toml
from thermo.meshes import Grid


@dataclass(frozen=True)
class Case:
    """A validated case.

    `data` has the TOML's nesting with every default filled in; `path` is the
    case file (None for a dict); `text` is the TOML that produced it (stored in
    results); `materials` holds the resolved user ([[materials]]) materials.
    """

    data: dict
    path: pathlib.Path | None
    text: str
    materials: dict[str, Material] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.data["case"]["name"]

    def material(self, name: str) -> Material:
        """A material by name: user materials first, then the library."""
        return resolve_material(name, self.materials)

    @property
    def grid(self) -> Grid:
        """The case's grid: uniform (``domain.cells``) or graded (``[grid]``)."""
        return case_grid(self.data)

    @property
    def fluid(self) -> Material:
        """The fluid filling the domain, with its properties at the case's
        reference temperature where the material has a temperature table."""
        return self.material(self.data["fluid"]["material"]).at(
            self.data["fluid"]["reference_temperature"])


DEFAULT_EXAMPLE = "air-rack-60kw"
#: The folder of the bundled example cases (thermo/cases).
EXAMPLES_FOLDER = pathlib.Path(__file__).resolve().parent.parent / "cases"


def example_names() -> list[str]:
    """The bundled example cases: the file stems in thermo/cases."""
    return sorted(p.stem for p in EXAMPLES_FOLDER.glob("*.toml"))


def example_path(name: str) -> pathlib.Path:
    """The bundled example case called `name` (a file stem in thermo/cases); CaseError
    (with the closest name, if one is close) when there is none."""
    names = example_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CaseError("--example", name, f"no bundled example case {name!r}{hint}",
                        "one of " + ", ".join(names))
    return EXAMPLES_FOLDER / f"{name}.toml"


def default_case_path() -> pathlib.Path:
    """The bundled default case: the 60 kW air-cooled rack in a contained cold aisle."""
    return EXAMPLES_FOLDER / f"{DEFAULT_EXAMPLE}.toml"


#: where load_case records the ``--set`` overrides in a case's text
OVERRIDES_MARK = "\n# overrides: "


def case_from_text(text: str, source: str) -> Case:
    """The case a result or checkpoint stored as text: a case file's TOML and the
    ``# overrides:`` line :func:`load_case` appends, which is applied again."""
    body, mark, tail = text.rpartition(OVERRIDES_MARK)
    if not mark:
        body, tail = text, ""
    try:
        raw = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(source, "(syntax)", f"the stored case is not valid TOML ({exc})",
                        "a case text written by thermo") from None
    for ov in re.split(r"(?:^|\s)--set\s", tail.strip()):
        if ov:
            apply_override(raw, ov, source)
    data, materials = validate(raw, source)
    return Case(data=data, path=None, text=text, materials=materials)


def differing_keys(a: dict, b: dict, prefix: str = "") -> list[str]:
    """The dotted keys whose values differ between two cases' data (tables compared
    key by key, anything else, lists of parts too, as a whole)."""
    out = []
    for k in sorted(set(a) | set(b), key=str):
        key = f"{prefix}{k}"
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) and isinstance(y, dict):
            out += differing_keys(x, y, key + ".")
        elif x != y:
            out.append(key)
    return out


def load_case(path: str | pathlib.Path, overrides: Sequence[str] = ()) -> Case:
    """Read a TOML case file, apply ``"key.path=value"`` overrides, and validate it."""
    path = pathlib.Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(source, "(file)", f"cannot read the case file ({exc.strerror or exc})",
                        "a readable TOML case file") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseError(source, "(syntax)", f"not valid TOML ({exc})",
                        "a TOML file, see https://toml.io") from None
    if overrides:
        for ov in overrides:
            apply_override(raw, ov, source)
        text = text.rstrip("\n") + OVERRIDES_MARK + " ".join(
            "--set " + ov.replace("\n", " ") for ov in overrides) + "\n"
    data, materials = validate(raw, source)
    return Case(data=data, path=path, text=text, materials=materials)


def case_from_dict(d: dict, source: str = "<dict>") -> Case:
    """Validate a case given as a dict with the TOML's structure (not modified)."""
    if not isinstance(d, dict):
        raise CaseError(source, "(case)", f"expected a dict, got {type(d).__name__}",
                        "a dict with the case file's structure")
    data, materials = validate(copy.deepcopy(d), source)
    return Case(data=data, path=None, text=to_toml(data), materials=materials)
