"""Reader of pprox unit files (Meliza lab JSON), in both schemas.

- legacy ``spec:2/pprox``: trials with ``stimulus`` + ``condition``, spike
  ``event`` times in ms from the trial start and ``stim_on`` (ms);
- ``spec:2/stimtrial``: trials with ``events`` in s from stimulus onset and a
  ``stimulus`` object whose ``name`` is the wav stem (or a plain string).
"""

from __future__ import annotations

import json
import os

import numpy as np

from ._common import FormatError, finite_times


class PproxError(FormatError):
    """A malformed pprox file (names the file and what was wrong).

    Parameters
    ----------
    message, path, field
        As :class:`FormatError`.

    Examples
    --------
    >>> from deepSTRF.io import FormatError, PproxError
    >>> issubclass(PproxError, FormatError)
    True
    """


def read_pprox(path: str) -> dict:
    """``{'schema': 'legacy' | 'stimtrial', 'top': dict of top-level fields,
    'trials': [{'stimulus': name, 'events_s': float64 array re. stimulus onset}]}``."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise PproxError(f"{path}: not valid JSON ({err}); the file may be truncated", path) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("pprox"), list):
        raise PproxError(f"{path}: no 'pprox' list of trials; not a pprox unit file", path, "pprox")
    schema = str(doc.get("$schema", ""))
    legacy = schema.rstrip("#").endswith("pprox.json")
    trials = []
    for i, tr in enumerate(doc["pprox"]):
        try:
            if legacy:
                name = f"{tr['stimulus']}_{tr['condition']}"
                events = (np.asarray(tr.get("event", []), dtype=np.float64) - float(tr["stim_on"])) / 1000.0
            else:
                stim = tr["stimulus"]
                name = stim["name"] if isinstance(stim, dict) else os.path.splitext(os.path.basename(str(stim)))[0]
                events = np.asarray(tr.get("events", []), dtype=np.float64)
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise PproxError(f"{path}: trial {i} is malformed ({type(err).__name__}: {err})", path,
                             f"trial {i}") from err
        trials.append({"stimulus": name, "events_s": finite_times(events, path, f"trial {i}", PproxError)})
    top = {k: v for k, v in doc.items() if k != "pprox"}
    return {"schema": "legacy" if legacy else "stimtrial", "top": top, "trials": trials}
