"""Write ``docs/api/*.rst``: one page per public module, listing its ``__all__``.

An object re-exported by a later module (``deepSTRF.utils.neural_collate`` is
``deepSTRF.paradigm.neural_collate``) is documented once, under the first
module that lists it; later pages link to it.
"""

from __future__ import annotations

import importlib
import inspect
import os

#: the public modules, in the order of the API reference (tests/test_docstrings.py checks the same list)
MODULES = [
    ("deepSTRF.datasets.audio", "Datasets and their downloads"),
    ("deepSTRF.datasets.zoo", "Datasets by name"),
    ("deepSTRF.paradigm", "The data paradigm"),
    ("deepSTRF.utils", "Batching and helpers"),
    ("deepSTRF.metrics", "Metrics"),
    ("deepSTRF.metrics.performance", "Per-cell reliability helpers (0.1.0)"),
    ("deepSTRF.models", "Models and waveform front-ends"),
    ("deepSTRF.evaluation", "Training, scoring, saving"),
    ("deepSTRF.benchmark", "The cross-dataset benchmark"),
    ("deepSTRF.datasets.evaluation", "Each dataset's canonical evaluation"),
    ("deepSTRF.dsp", "Signal processing"),
    ("deepSTRF.io", "Readers"),
    ("deepSTRF.download", "Downloads"),
    ("deepSTRF.cache", "The processed-data cache"),
    ("deepSTRF.errors", "Errors and warnings"),
    ("deepSTRF.testing", "Format fakes for tests and examples"),
]


def public_objects(module_name: str) -> list[tuple[str, object]]:
    """``[(name, object)]`` of a module's ``__all__`` that are deepSTRF's own functions and classes."""
    mod = importlib.import_module(module_name)
    out = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__.startswith("deepSTRF"):
            out.append((name, obj))
    return out


def _role(obj) -> str:
    return "class" if inspect.isclass(obj) else "func"


def write(folder: str) -> None:
    """Write the API pages into ``folder`` (files rewritten only when their text changes)."""
    os.makedirs(folder, exist_ok=True)
    home: dict[int, str] = {}
    pages = []
    for module_name, title in MODULES:
        own, elsewhere = [], []
        for name, obj in public_objects(module_name):
            if id(obj) in home:
                elsewhere.append(f":{_role(obj)}:`{name} <{home[id(obj)]}>`")
            else:
                home[id(obj)] = f"{module_name}.{name}"
                own.append(name)
        heading = f"``{module_name}``: {title}"
        lines = [heading, "=" * len(heading), "", f".. automodule:: {module_name}", "   :no-members:", "",
                 f".. currentmodule:: {module_name}", ""]
        if own:
            lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
            lines += [f"   {name}" for name in own] + [""]
        if elsewhere:
            lines += ["Also importable from here: " + ", ".join(elsewhere) + ".", ""]
        pages.append(module_name)
        _write_if_changed(os.path.join(folder, f"{module_name}.rst"), "\n".join(lines))
    index = ["API reference", "=============", "",
             "Every public function and class, generated from its docstring: shapes, units, defaults, "
             "and an example that runs (the examples are tested as doctests).", "",
             ".. toctree::", "   :maxdepth: 1", ""] + [f"   {m}" for m in pages] + [""]
    _write_if_changed(os.path.join(folder, "index.rst"), "\n".join(index))


def _write_if_changed(path: str, text: str) -> None:
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
