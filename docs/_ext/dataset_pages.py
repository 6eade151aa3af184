"""Write the dataset pages (``docs/datasets/``): one per dataset of the zoo.

Each page holds the methods-section summary of :mod:`dataset_facts`, the
registry's facts (source, size, account, licence, files), the loader's own
description (its docstring, corrections included) and a figure of one
stimulus and the responses to it, drawn from the dataset's format fake
(:func:`deepSTRF.testing.fake_release`): nothing is downloaded.
"""

from __future__ import annotations

import inspect
import os
import tempfile
import warnings

import numpy as np

from dataset_facts import FACTS

ROWS = [("Species", "species"), ("Area", "area"), ("Units", "units"), ("Stimuli", "stimuli"),
        ("Repeats", "repeats"), ("Bin width", "bin"), ("Splits", "split")]


def _loader_description(cls) -> str:
    doc = inspect.getdoc(cls) or ""
    return doc.split("\nParameters\n")[0].strip()


def _figure(name: str, cls, path: str) -> str:
    """Plot stimulus 0 (or the first one heard) and its responses; return a caption."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deepSTRF.testing import fake_release

    with tempfile.TemporaryDirectory(prefix=f"deepstrf-docs-{name}-") as tmp:
        kwargs = fake_release(name, os.path.join(tmp, "release"))
        with warnings.catch_warnings():  # the fakes exercise the loaders' edge cases on purpose
            warnings.simplefilter("ignore")
            ds = cls(**kwargs)
        masks = ds.nrn_masks.numpy()
        pairs = [(int(a), int(b)) for a, b in zip(*np.nonzero(masks))]

        def spread(pair):  # show the pair whose mean response varies most (fakes are mostly silent)
            r = ds.responses[pair[0]][pair[1]].numpy()
            if not np.isfinite(r).any():
                return -1.0
            with warnings.catch_warnings():  # a bin that is NaN in every repeat
                warnings.simplefilter("ignore", RuntimeWarning)
                return float(np.nanstd(np.nanmean(r, axis=0)))

        s, n = max(pairs, key=spread)
        stim = ds.stims[s][0].numpy()
        resp = ds.responses[s][n].numpy()
        dt = ds.dt
        shape = f"stims[{s}] {tuple(ds.stims[s].shape)}, responses[{s}][{n}] {tuple(resp.shape)}"
        S, N = ds.get_S(), ds.get_N()
    T = stim.shape[-1]
    t = np.arange(T) * dt / 1000.0
    fig, axes = plt.subplots(2, 2, figsize=(7.0, 4.2), sharex="col",
                             gridspec_kw={"height_ratios": (1.2, 1.0), "width_ratios": (40, 1)})
    (a, cax), (b, blank) = axes
    blank.axis("off")
    im = a.imshow(stim, aspect="auto", origin="lower", extent=(0, T * dt / 1000.0, -0.5, stim.shape[0] - 0.5),
                  cmap="magma")
    fig.colorbar(im, cax=cax, label="stimulus")
    a.set_ylabel("band")
    a.set_title(f"{name} format fake: {shape} (values synthetic)", fontsize=9)
    R = resp.shape[0]
    for r in range(R):
        b.plot(t, resp[r], color="0.7", lw=0.6)
    b.plot(t, np.nanmean(resp, axis=0), color="C0", lw=1.4, label=f"mean of {R} repeats")
    b.set_xlabel("time (s)")
    b.set_ylabel(f"per {dt:g}-ms bin")
    b.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return (f"What the loader returns on the dataset's format fake ({S} stimuli x {N} neurons): stimulus {s} "
            f"and neuron {n}'s repeats (grey) and their mean (the pair whose mean response varies most). The layout, shapes and units are the real "
            f"release's; the values are synthetic.")


def _page(name: str, facts: dict, info, cls, figure: str | None, caption: str) -> str:
    title = f"{name}: ``{cls.__name__}``"
    out = [f".. _dataset-{name}:", "", title, "=" * len(title), ""]
    out += [".. list-table::", "   :widths: 20 80", ""]
    for label, key in ROWS:
        out += [f"   * - {label}", f"     - {facts[key]}"]
    if info is not None:
        out += ["   * - Access", f"     - {info.account}", "   * - Size", f"     - {info.size}",
                "   * - Licence", f"     - {info.licence}",
                "   * - Account", "     - " + ("a free CRCNS account (``username=``/``password=`` or "
                                              "``$CRCNS_USERNAME``/``$CRCNS_PASSWORD``)" if info.needs_account
                                              else "none")]
    out += [""]
    out += ["Citation", "--------", ""] + [f"- {p}" for p in facts["papers"]] + [""]
    out += ["Loading", "-------", "", ".. code-block:: python", "",
            f"   from deepSTRF.datasets.audio import {cls.__name__}", ""]
    if info is None:
        out += [f"   ds = {cls.__name__}(seed=0)", ""]
    else:
        out += [f"   ds = {cls.__name__}(path=\"/data/{info.folder or name}\", download=True)", "",
                "or from the command line:", "", ".. code-block:: bash", "",
                f"   deepstrf download {name} --path /data/{info.folder or name}",
                f"   deepstrf info {name} --path /data/{info.folder or name}", ""]
        out += ["Files (``deepSTRF/download/registry.txt``):", ""]
        out += [f"- ``{f.name}``" + (f" (group ``{f.group}``)" if f.group else "") for f in info.files] + [""]
    if figure:
        out += ["What a stimulus and a response look like", "-----------------------------------------", "",
                f".. figure:: {figure}", "   :width: 100%", "", f"   {caption}", ""]
    out += ["The loader", "----------", "", _loader_description(cls), "",
            f"Every argument: :class:`deepSTRF.datasets.audio.{cls.__name__}`.", ""]
    return "\n".join(out)


def write(generated: str) -> None:
    """Write ``docs/datasets/<name>.rst`` and their figures (``generated``), and the datasets index."""
    from deepSTRF.datasets.zoo import BUILT_IN, dataset_class, datasets
    from deepSTRF.download.registry import load_registry

    from api_pages import _write_if_changed

    folder = os.path.dirname(generated)
    os.makedirs(generated, exist_ok=True)
    registry = load_registry()
    names = list(datasets())
    missing = [n for n in names if n not in FACTS]
    if missing:
        raise RuntimeError(f"docs/_ext/dataset_facts.py has no summary of {missing}")
    for name in names:
        cls = dataset_class(name)
        png = os.path.join(generated, f"{name}.png")
        caption = _figure(name, cls, png)
        info = None if name in BUILT_IN else registry[name]
        _write_if_changed(os.path.join(folder, f"{name}.rst"),
                          _page(name, FACTS[name], info, cls, f"_generated/{name}.png", caption))
    index = ["Datasets", "========", "",
             "Every dataset follows :doc:`the data paradigm <../paradigm>`. Each page gives a "
             "methods-section summary, the citation, the source and size, whether an account is needed, the "
             "loader's corrections of the earlier loaders, and a figure of what the loader returns.", "",
             ".. list-table::", "   :header-rows: 1", "   :widths: 18 30 30 22", "",
             "   * - name", "     - species, area", "     - stimuli", "     - access"]
    for name in names:
        f = FACTS[name]
        access = "built in" if name in BUILT_IN else registry[name].account
        out_stim = f["stimuli"].split(";")[0]
        index += [f"   * - :doc:`{name}`", f"     - {f['species']}; {f['area']}", f"     - {out_stim}",
                  f"     - {access}"]
    index += ["", ".. toctree::", "   :hidden:", ""] + [f"   {n}" for n in names] + [""]
    _write_if_changed(os.path.join(folder, "index.rst"), "\n".join(index))
