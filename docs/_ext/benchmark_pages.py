"""Write the benchmark page's tables: every dataset's declared evaluation, and the published numbers."""

from __future__ import annotations

import os


def write(folder: str) -> None:
    from deepSTRF.benchmark import published_numbers
    from deepSTRF.datasets.zoo import dataset_class, datasets

    from api_pages import _write_if_changed

    os.makedirs(folder, exist_ok=True)
    rows = [".. list-table::", "   :header-rows: 1", "   :widths: 14 46 40", "", "   * - dataset",
            "     - split, unit, ceiling", "     - where it comes from"]
    for name in datasets():
        ev = dataset_class(name).evaluation
        extra = f" (loader: ``{ev.loader_kwargs}``)" if ev.loader_kwargs else ""
        rows += [f"   * - :doc:`datasets/{name}`", f"     - {ev.describe()}{extra}", f"     - {ev.source}"]
    _write_if_changed(os.path.join(folder, "evaluations.rst"), "\n".join(rows) + "\n")
    pub = published_numbers()
    if pub:
        out = [".. list-table::", "   :header-rows: 1", "", "   * - dataset", "     - model", "     - value",
               "     - source"]
        for p in pub:
            out += [f"   * - {p['dataset']}", f"     - {p['model']}",
                    f"     - {p['value']} ({p['metric']}, {p['statistic']})",
                    f"     - {p['source']}, {p['where']}; {p['note']}"]
    else:
        out = ["The table has no rows yet: none of the papers' figures could be checked against the papers "
               "themselves when this version was made, and a figure that is not quoted exactly would mislead. "
               "Contributions must cite the table or figure they quote."]
    _write_if_changed(os.path.join(folder, "published.rst"), "\n".join(out) + "\n")
