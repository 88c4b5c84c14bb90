"""Import rules of the thermo package, checked on its sources.

- No import cycle between the modules of thermo, nor between its top-level parts
  (thermo.case, thermo.solver, ..., thermo.runner, thermo.cli): grimp's import graph,
  imports inside functions included.
- No module uses another module's private (underscore) name: ``from X import _name``,
  ``X._name`` or ``getattr(X, "_name")`` where X is another module of thermo, nor imports
  a private module (``X._mod``) from outside the package that holds it. Dunder names
  (``__version__``) are public.

The layers between the parts are import-linter's contracts ([tool.importlinter] in
pyproject.toml), which `lint-imports` checks in CI on the same graph.

grimp finds a package's modules by walking its folder, and thermo.kernels and
thermo.meshes live outside thermo/ (pyproject's [tool.setuptools.package-dir]), so
both read a folder laid out as the installed package, made of links to the sources:
``python tests/test_layers.py DIR`` makes it in DIR for lint-imports (.ci/run).
"""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "thermo"


# -- the package as installed --------------------------------------------------------

def package_dirs(root=REPO):
    """The package folders of the project in `root`: {package name: folder}, as
    pyproject.toml's [tool.setuptools.package-dir] maps them."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    mapping = config["tool"]["setuptools"]["package-dir"]
    return {name: (root / folder).resolve() for name, folder in mapping.items()}


def installed_layout(dest, packages):
    """Lay out `packages` ({name: folder}) in `dest` as an install would: links to the
    sources, a package mapped inside another linked into its parent's folder. Returns
    `dest`."""
    dest = Path(dest)
    for name in packages:
        parent = name.rpartition(".")[0]
        if parent and parent not in packages:  # its folder would be a link into the sources
            raise ValueError(f"{name} is mapped to a folder of its own, its parent {parent} is not")
    for name in sorted(packages, key=lambda n: n.count(".")):
        target = dest.joinpath(*name.split("."))
        inner = {n[len(name) + 1:] for n in packages if n.startswith(name + ".")}
        if not inner:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(packages[name], target_is_directory=True)
            continue
        target.mkdir(parents=True)
        for entry in packages[name].iterdir():
            if entry.name not in inner and entry.name != "__pycache__":
                (target / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return dest


GRAPH_SCRIPT = """
import json, sys, grimp
graph = grimp.build_graph(sys.argv[1])
edges = []
for importer in sorted(graph.modules):
    for imported in sorted(graph.find_modules_directly_imported_by(importer)):
        details = graph.get_import_details(importer=importer, imported=imported)
        edges.append([importer, imported, min(d["line_number"] for d in details)])
json.dump({"modules": sorted(graph.modules), "edges": edges}, sys.stdout)
"""


def import_graph(layout, package=PACKAGE):
    """grimp's graph of `package` laid out in the folder `layout`: (modules, edges),
    each edge (importer, imported, first line of the import). grimp runs in a fresh
    process started in `layout`, where `package` is found first: in this one it may
    already be imported from elsewhere."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", GRAPH_SCRIPT, package], cwd=layout, env=env,
                          capture_output=True, text=True, check=True)
    graph = json.loads(done.stdout)
    return graph["modules"], [tuple(edge) for edge in graph["edges"]]


# -- cycles ----------------------------------------------------------------------------

def strongly_connected(edges):
    """The strongly connected components of the directed graph `edges` ((a, b, ...)
    tuples, a imports b) with more than one node: each a sorted list, sorted."""
    successors = {}
    for a, b, *_ in edges:
        successors.setdefault(a, set()).add(b)
        successors.setdefault(b, set())
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for start in sorted(successors):
        if start in index:
            continue
        # Tarjan's algorithm without recursion: a stack of (node, its successors' iterator)
        work = [(start, iter(sorted(successors[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(successors[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def part_of(module, package=PACKAGE):
    """The top-level part of `package` that holds `module` (thermo.case.schema ->
    thermo.case, thermo.runner -> thermo.runner); None for the package itself."""
    names = module.split(".")
    return ".".join(names[:2]) if len(names) > 1 and names[0] == package else None


def part_edges(edges, package=PACKAGE):
    """`edges` between modules as edges between the top-level parts of `package`,
    each with the module import that makes it."""
    parts = []
    for a, b, line in edges:
        pa, pb = part_of(a, package), part_of(b, package)
        if pa and pb and pa != pb:
            parts.append((pa, pb, f"{a}:{line} -> {b}"))
    return parts


def describe_cycles(components, edges):
    """One line per import inside each cycle of `components`: 'a:line -> b'."""
    lines = []
    for component in components:
        members = set(component)
        lines.append("cycle: " + ", ".join(component))
        lines += sorted({f"    {a}:{line} -> {b}" if isinstance(line, int) else f"    {a} -> {b} ({line})"
                         for a, b, line in edges if a in members and b in members})
    return "\n".join(lines)


# -- private names ---------------------------------------------------------------------

def is_private(name):
    """An underscore name that is not a dunder (``_row``, not ``__version__``)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def source_modules(packages):
    """{module name: file} for every .py file of `packages` ({name: folder})."""
    modules = {}
    for name, folder in packages.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if "__pycache__" in parts or not all(p.isidentifier() for p in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((name,) + parts)] = path
    return modules


def owner_of_private_module(module):
    """For a module path with a private part (a.b._c.d), the package that holds the
    private module (a.b); None if no part is private."""
    names = module.split(".")
    for i, name in enumerate(names):
        if is_private(name):
            return ".".join(names[:i])
    return None


def private_uses(packages):
    """Uses of another module's private names in the sources of `packages`
    ({name: folder}): 'file:line: module uses other._name', sorted."""
    modules = source_modules(packages)
    found = []
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), filename=str(path))
        where = lambda node: f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}:{node.lineno}"

        def other(target):
            return target in modules and target != module

        def outside_owner(target):
            owner = owner_of_private_module(target)
            return owner is not None and not (module == owner or module.startswith(owner + "."))

        bound = {}  # local name -> the thermo module it names
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if outside_owner(alias.name):
                        found.append(f"{where(node)}: {module} imports private module {alias.name}")
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        bound[top] = top
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module
                if outside_owner(source):
                    found.append(f"{where(node)}: {module} imports private module {source}")
                for alias in node.names:
                    if alias.name == "*":
                        continue
                    if is_private(alias.name) and other(source):
                        found.append(f"{where(node)}: {module} imports {source}.{alias.name}")
                    if f"{source}.{alias.name}" in modules:
                        bound[alias.asname or alias.name] = f"{source}.{alias.name}"

        def resolve(node):
            """The module that the expression `node` names (thermo.io.view, or a name
            bound to it), or None."""
            if isinstance(node, ast.Name):
                return bound.get(node.id)
            if isinstance(node, ast.Attribute):
                base = resolve(node.value)
                if base and f"{base}.{node.attr}" in modules:
                    return f"{base}.{node.attr}"
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and is_private(node.attr):
                target = resolve(node.value)
                if target and other(target):
                    found.append(f"{where(node)}: {module} uses {target}.{node.attr}")
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                  and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                  and isinstance(node.args[1].value, str) and is_private(node.args[1].value)):
                target = resolve(node.args[0])
                if target and other(target):
                    found.append(f"{where(node)}: {module} uses {target}.{node.args[1].value}")
    return sorted(set(found))


# -- the checks on thermo ------------------------------------------------------------------

@pytest.fixture(scope="module")
def thermo_graph(tmp_path_factory):
    """grimp's graph of thermo as installed: (modules, edges)."""
    return import_graph(installed_layout(tmp_path_factory.mktemp("layout"), package_dirs()))


def test_layout_shows_mapped_packages(thermo_graph):
    """The graph holds thermo.kernels and thermo.meshes (folders outside thermo/) and
    the imports into them: without the layout, grimp would leave them out."""
    modules, edges = thermo_graph
    mapped = [name for name in package_dirs() if name != PACKAGE]
    assert mapped, "pyproject.toml maps no package outside thermo/"
    for name in mapped:
        assert name in modules
        assert any(b == name or b.startswith(name + ".") for a, b, _ in edges if part_of(a) != name)


def test_no_module_cycles(thermo_graph):
    """No import cycle between modules of thermo."""
    modules, edges = thermo_graph
    components = strongly_connected(edges)
    assert not components, "import cycles between modules:\n" + describe_cycles(components, edges)


def test_no_part_cycles(thermo_graph):
    """No import cycle between the top-level parts of thermo (thermo.case, thermo.runner, ...)."""
    modules, edges = thermo_graph
    parts = part_edges(edges)
    components = strongly_connected(parts)
    assert not components, "import cycles between parts of thermo:\n" + describe_cycles(components, parts)


def test_no_private_imports():
    """No module of thermo uses another's underscore names."""
    found = private_uses(package_dirs())
    assert not found, "private names used across modules:\n" + "\n".join(found)


# -- the detectors catch what they are for -------------------------------------------------

def write_package(root, files):
    """Write {relative path: source} under `root`."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


PLANTED = {
    "pkgx/__init__.py": "__version__ = '1'\n",
    "pkgx/a.py": "import pkgx.b\n_hidden = 1\n\n\ndef own():\n    return _hidden\n",
    "pkgx/b.py": "from pkgx import a\nfrom pkgx.a import _hidden\nfrom pkgx import __version__\n",
    "pkgx/c.py": "from . import a\nimport pkgx.a as alias\nimport pkgx\n\n"
                 "x = a._hidden + alias._hidden + pkgx.a._hidden + getattr(a, '_hidden')\n"
                 "y = a.__name__\n",
    "pkgx/p/__init__.py": "from pkgx.q import thing\n",
    "pkgx/q/__init__.py": "thing = 1\n\n\ndef late():\n    from pkgx.p import thing\n    return thing\n",
    "pkgx/q/_impl.py": "",
    "pkgx/q/d.py": "from pkgx.q._impl import *\n",
    "pkgx/e.py": "from pkgx.q import _impl\nimport pkgx.q._impl\nfrom pkgx.ext.m import _y\n",
    "ext/__init__.py": "",
    "ext/m.py": "import pkgx.e\n_y = 2\n",
}


def test_detectors_find_planted_faults(tmp_path):
    write_package(tmp_path / "src", PLANTED)
    packages = {"pkgx": tmp_path / "src" / "pkgx", "pkgx.ext": tmp_path / "src" / "ext"}
    modules, edges = import_graph(installed_layout(tmp_path / "layout", packages), "pkgx")
    assert "pkgx.ext.m" in modules  # the mapped folder, seen through the layout

    assert strongly_connected(edges) == [["pkgx.a", "pkgx.b"], ["pkgx.e", "pkgx.ext.m"],
                                         ["pkgx.p", "pkgx.q"]]
    parts = strongly_connected(part_edges(edges, "pkgx"))
    assert parts == [["pkgx.a", "pkgx.b"], ["pkgx.e", "pkgx.ext"], ["pkgx.p", "pkgx.q"]]
    assert "pkgx.p:1 -> pkgx.q" in describe_cycles(parts, part_edges(edges, "pkgx"))

    found = [line.split(": ", 1)[1] for line in private_uses(packages)]
    assert sorted(found) == sorted([
        "pkgx.b imports pkgx.a._hidden",
        "pkgx.c uses pkgx.a._hidden",  # a._hidden, alias._hidden, pkgx.a._hidden, getattr: one line
        "pkgx.e imports pkgx.q._impl",
        "pkgx.e imports private module pkgx.q._impl",
        "pkgx.e imports pkgx.ext.m._y",
    ])
    assert sum("pkgx.c uses" in line for line in private_uses(packages)) == 1


def test_detectors_pass_a_clean_package(tmp_path):
    write_package(tmp_path / "src", {
        "pkgy/__init__.py": "from pkgy.a import public\n",
        "pkgy/a.py": "from pkgy import b\n_own = 1\npublic = b.value + _own\n",
        "pkgy/b.py": "value = 1\n",
    })
    packages = {"pkgy": tmp_path / "src" / "pkgy"}
    modules, edges = import_graph(installed_layout(tmp_path / "layout", packages), "pkgy")
    assert ("pkgy.a", "pkgy.b", 1) in edges
    assert strongly_connected(edges) == []
    assert private_uses(packages) == []


if __name__ == "__main__":
    # python tests/test_layers.py DIR: lay out thermo in DIR as installed (for lint-imports)
    print(installed_layout(Path(sys.argv[1]), package_dirs()) / PACKAGE)
