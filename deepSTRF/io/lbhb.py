"""Readers of the LBHB per-cell tables: Wingert 2026's ``cell_list.csv`` and NAT4's
``<area>_pred_correlation.csv``. Plain dicts out; nothing of torch or datasets."""

from __future__ import annotations

from .tables import MISSING, read_table


def _text(v: str | None) -> str | None:
    return None if v is None or v.strip() in MISSING else v.strip()


def _truth(v: str | None) -> bool | None:
    t = _text(v)
    return None if t is None else t.lower() in ("true", "1", "1.0")


def read_cell_list(path: str) -> list[dict]:
    """The rows of Wingert 2026's ``cell_list.csv``, in file order.

    Each row: ``cellid``, ``siteid`` (text; required in every row), ``area``,
    ``layer``, ``celltype`` (text or None), ``depth``, ``sw`` (float or None),
    ``narrow``, ``goodpred`` (bool or None).
    """
    out = []
    for row in read_table(path, required=("cellid", "siteid", "area")):
        out.append({
            "cellid": row.value("cellid"), "siteid": row.value("siteid"), "area": _text(row.get("area")),
            "layer": _text(row.get("layer")), "celltype": _text(row.get("celltype")),
            "depth": row.value("depth", float, missing_ok=True) if "depth" in row else None,
            "sw": row.value("sw", float, missing_ok=True) if "sw" in row else None,
            "narrow": _truth(row.get("narrow")), "goodpred": _truth(row.get("goodpred")),
        })
    return out


def read_auditory_flags(path: str) -> dict[str, bool]:
    """``cellid -> sig_auditory`` of a NAT4 ``<area>_pred_correlation.csv`` (``True``/``False`` text)."""
    flags = {}
    for row in read_table(path, required=("cellid", "sig_auditory")):
        flags[row.value("cellid")] = str(row.get("sig_auditory", "")).strip().lower() == "true"
    return flags
