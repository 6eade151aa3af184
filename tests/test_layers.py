"""The package's layering, written down once: every import of every module (function-level imports
included) goes to its own floor or below, no import circle exists, and no package reaches into another's
private names. The floors are the design's (shared/design.md)."""

import ast
import os

import pytest

import deepSTRF

PACKAGE = os.path.dirname(deepSTRF.__file__)

#: top-level part of deepSTRF -> floor. A module imports only from its own floor or below.
FLOORS = {
    "errors": 0, "_checks": 0, "_paths": 0, "_jsonfile": 0, "io": 0, "dsp": 0, "download": 0, "metrics": 0,
    "paradigm": 1,
    "utils": 1,  # a facade over paradigm: re-exports only
    "cache": 2,
    "datasets": 3,
    "models": 4,
    "evaluation": 5, "plotting": 5,
    "benchmark": 6,  # the evaluation layer over datasets, metrics and models: nothing below imports it
    "cli": 6, "_cli_downloads": 6, "__main__": 6,
    "testing": 4,  # fake releases (over the datasets) for tests, examples and the benchmark's offline sweep
}
#: parts of the ground floor that import even less: (allowed deepSTRF parts, torch allowed)
GROUND = {
    "io": ({"io"}, False),
    "dsp": ({"dsp", "_checks"}, True),
    "errors": ({"errors"}, False),
    "_checks": ({"_checks", "errors"}, False),
    "download": ({"download", "_paths", "_jsonfile"}, False),
    "metrics": ({"metrics", "_checks"}, True),
}
#: what no module of the package may import: the user-facing facade and the fake releases...
FACADES = {"utils", "testing"}
#: ...but for these: the benchmark runs on the fakes when asked to (its offline check)
FACADE_USERS = {"testing": {"benchmark"}}
#: heavy or optional libraries that only readers (io/) may import
READER_LIBRARIES = {"scipy.io", "h5py", "mne", "zipfile", "tarfile", "pandas"}


def modules():
    for d, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(d, f)
                rel = os.path.relpath(path, PACKAGE)[:-3].replace(os.sep, ".")
                name = "deepSTRF" if rel == "__init__" else "deepSTRF." + rel.removesuffix(".__init__")
                yield name, path


def imports(name: str, path: str):
    """``(target module, imported names, line)`` of every import in the file, relative ones resolved."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            names = [a.name for a in node.names]
            submodules = [n for n in names if f"{target}.{n}" in MODULE_NAMES]  # from . import x (a module)
            for n in submodules:
                yield f"{target}.{n}", [], node.lineno
            if len(submodules) < len(names):
                yield target, [n for n in names if n not in submodules], node.lineno


MODULE_NAMES = {name for name, _ in modules()}


def part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else "__init__"


def graph():
    g = {}
    for name, path in modules():
        g[name] = [(t, names, line) for t, names, line in imports(name, path)]
    return g


GRAPH = graph()


def test_every_part_has_a_floor():
    parts = {part(m) for m in GRAPH if m != "deepSTRF"}
    assert parts <= set(FLOORS), f"parts without a floor: {sorted(parts - set(FLOORS))}"


def test_imports_go_down_or_sideways_never_up():
    bad = []
    for mod, deps in GRAPH.items():
        if mod == "deepSTRF":
            continue
        here = part(mod)
        for target, _, line in deps:
            if not target.startswith("deepSTRF.") or part(target) == here:
                continue
            there = part(target)
            if there in FACADES and here not in FACADE_USERS.get(there, ()):
                bad.append(f"{mod}:{line} imports the facade {target}")
            elif FLOORS[there] > FLOORS[here]:
                bad.append(f"{mod}:{line} (floor {FLOORS[here]}) imports {target} (floor {FLOORS[there]})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("ground", sorted(GROUND))
def test_the_ground_floor_stays_small(ground):
    allowed, torch_ok = GROUND[ground]
    bad = []
    for mod, deps in GRAPH.items():
        if part(mod) != ground:
            continue
        for target, _, line in deps:
            if target.startswith("deepSTRF.") and part(target) not in allowed:
                bad.append(f"{mod}:{line} imports {target}")
            if not torch_ok and target.split(".")[0] == "torch":
                bad.append(f"{mod}:{line} imports torch")
    assert not bad, "\n".join(bad)


def test_no_import_circle():
    inits = {m for m, p in modules() if p.endswith("__init__.py")}
    # a package's __init__ importing its own modules is how a package is made, not a circle
    edges = {m: {t for t, _, _ in deps if t in GRAPH and t != m and not (m in inits and t.startswith(m + "."))}
             for m, deps in GRAPH.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    assert not cycles, f"import circles: {cycles}"


def test_no_package_reaches_into_another_packages_private_names():
    bad = []
    for mod, deps in GRAPH.items():
        for target, names, line in deps:
            if not target.startswith("deepSTRF.") or part(target) == part(mod):
                continue
            private_module = any(p.startswith("_") and not p.startswith("__") for p in target.split(".")[2:])
            private_names = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private_names or (private_module and part(target) not in ("_checks", "_paths", "_jsonfile")):
                bad.append(f"{mod}:{line} imports {target} {private_names or ''}")
    assert not bad, "\n".join(bad)


def test_dataset_modules_leave_file_formats_to_the_readers():
    bad = []
    for mod, deps in GRAPH.items():
        if not mod.startswith("deepSTRF.datasets."):
            continue
        for target, names, line in deps:
            if target in READER_LIBRARIES or target.split(".")[0] in READER_LIBRARIES or (
                    target == "scipy" and "io" in names):
                bad.append(f"{mod}:{line} imports {target}")
    assert not bad, "\n".join(bad)
