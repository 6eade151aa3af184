"""Downer 2025's fine area of every session (the paper's table; the release gives only core / non-primary)
and the grouping of its channels by session."""

from __future__ import annotations

FINE_AREAS = {
    "A1": "180627 180719 180810 180814 180720 180731 190604 190606 190726 190801 191209 200313 191113 191125 "
          "191206 200206 200207 180808",
    "R": "180807 200213 180501", "CL": "191219", "ML": "180613 190703 200219 191115 200205",
    "AL": "180622 191211 180413 180420", "CPB": "180724 200318 191121",
    "RPB": "180502 180728 190605 191210 180717 180730 200212",
}
FINE_AREA = {s: a for a, ids in FINE_AREAS.items() for s in ids.split()}


def by_session(nrn_meta) -> dict[str, list[int]]:
    """``session id -> [neuron index]`` of a sequence of ``nrn_meta`` dicts, in order."""
    out: dict = {}
    for n, m in enumerate(nrn_meta):
        out.setdefault(m["session_id"], []).append(n)
    return out
