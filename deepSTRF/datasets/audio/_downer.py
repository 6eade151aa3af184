"""Downer 2025 pieces: the fine areas of the sessions and the channel file names."""

from __future__ import annotations

import os
import re

FINE_AREAS = {
    "A1": "180627 180719 180810 180814 180720 180731 190604 190606 190726 190801 191209 200313 191113 191125 "
          "191206 200206 200207 180808",
    "R": "180807 200213 180501", "CL": "191219", "ML": "180613 190703 200219 191115 200205",
    "AL": "180622 191211 180413 180420", "CPB": "180724 200318 191121",
    "RPB": "180502 180728 190605 191210 180717 180730 200212",
}
FINE_AREA = {s: a for a, ids in FINE_AREAS.items() for s in ids.split()}
CHANNEL = re.compile(r"^([a-z])_(\d{6})_Ch(\d+)([a-z][a-z0-9]*)?_MUspk\.mat$")


def channel_files(folder: str) -> list[tuple[str, dict]]:
    """``(path, parts)`` of the ``*_MUspk.mat`` files of a session folder (sorted names)."""
    out = []
    for f in sorted(os.listdir(folder)):
        m = CHANNEL.match(f) if "MUspk" in f else None
        if m:
            out.append((os.path.join(folder, f), {"animal": m.group(1), "session": m.group(2),
                                                  "channel": int(m.group(3)), "suffix": m.group(4)}))
    return out
