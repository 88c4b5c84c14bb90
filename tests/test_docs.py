"""The README and docs name only what exists: every ``thermo/...`` path and every
dotted ``thermo.x.y`` name they mention resolves in the tree."""
import importlib
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PATH = re.compile(r"(?<![\w/.])(?:thermo|kernels|meshes|tests|benchmarks|notebooks)/[\w/.-]*[\w/]")
DOTTED = re.compile(r"\bthermo(?:\.\w+)+")


def mentions(pattern: re.Pattern) -> list[tuple[str, str]]:
    return [(doc.name, m.group(0)) for doc in DOCS for m in pattern.finditer(doc.read_text())]


def resolves(name: str) -> bool:
    """Whether ``name`` is a module, or an attribute reached from the longest module
    prefix of it."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        try:
            for attr in parts[k:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def test_paths_exist():
    missing = [(d, p) for d, p in mentions(PATH) if not (ROOT / p.rstrip("/")).exists()
               and not p.rstrip("/").endswith("/out")]  # output folders
    print(missing)
    assert not missing


def test_dotted_names_resolve():
    missing = [(d, n) for d, n in mentions(DOTTED) if not resolves(n)]
    print(missing)
    assert not missing


@pytest.mark.parametrize("name, ok", [("thermo.solver.Simulation", True),
                                      ("thermo.solver.no_such_name", False),
                                      ("thermo.simulation", False)])
def test_the_resolver_can_say_no(name, ok):
    assert resolves(name) is ok
