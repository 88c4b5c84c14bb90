"""The package list in pyproject.toml names every package of the tree: a wheel built
from it (a plain `pip install`) holds every module the editable install finds."""
import pathlib

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def tree_packages() -> set[str]:
    """Packages in thermo/ (folders with __init__.py), kernels/ and meshes/."""
    out = {"thermo." + ".".join(p.parent.relative_to(ROOT / "thermo").parts)
           for p in (ROOT / "thermo").rglob("__init__.py")}
    out = {p.rstrip(".") for p in out}
    for top in ("kernels", "meshes"):
        out |= {"thermo." + ".".join((top,) + p.parent.relative_to(ROOT / top).parts)
                for p in (ROOT / top).rglob("__init__.py")}
    return {p.rstrip(".") for p in out}


def test_every_package_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    missing, stale = tree_packages() - listed, listed - tree_packages()
    print("missing:", sorted(missing), "stale:", sorted(stale))
    assert not missing and not stale


def test_the_tree_walk_finds_nested_packages():
    # the check above fails for a package it cannot see: the walk must see nested ones
    assert {"thermo", "thermo.solver", "thermo.case.builders", "thermo.kernels"} <= tree_packages()
