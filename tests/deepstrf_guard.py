"""The guards of every test run, as a pytest plugin (``-p deepstrf_guard`` in pyproject.toml), so
that they cover the suite under ``tests/`` and the doctests of ``deepSTRF/`` alike.

No test writes outside temporary folders: before any module is imported,
the user cache (``$XDG_CACHE_HOME``, where the default data folder lives)
and the processed-data cache are pointed into a session folder, and at the
end the real ``~/.cache/deepSTRF`` must be as it was (else the run fails).
Doctests see ``np`` and ``torch``.
"""

import os
import shutil
import tempfile

_USER_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "deepSTRF")


def _snapshot(folder: str):
    if not os.path.isdir(folder):
        return None
    return sorted((os.path.relpath(os.path.join(d, f), folder), os.stat(os.path.join(d, f)).st_mtime_ns)
                  for d, _, files in os.walk(folder) for f in files)


_BEFORE = _snapshot(_USER_CACHE)
_SESSION_TMP = tempfile.mkdtemp(prefix="deepstrf-tests-")
tempfile.tempdir = os.path.join(_SESSION_TMP, "tmp")  # every temporary folder of the run, removed at its end
os.makedirs(tempfile.tempdir)
os.environ["XDG_CACHE_HOME"] = os.path.join(_SESSION_TMP, "xdg-cache")  # module-scoped fixtures included
os.environ["DEEPSTRF_CACHE_DIR"] = os.path.join(_SESSION_TMP, "processed")


def pytest_sessionfinish(session, exitstatus):
    if _snapshot(_USER_CACHE) != _BEFORE:
        print(f"\nthe test run wrote into {_USER_CACHE}: tests must keep to their temporary folders")
        session.exitstatus = 1
    shutil.rmtree(_SESSION_TMP, ignore_errors=True)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import numpy
    import torch

    doctest_namespace["np"] = numpy
    doctest_namespace["torch"] = torch
