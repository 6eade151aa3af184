"""
The processed-data cache and the ``deepstrf`` command
=====================================================

The first load of a dataset parses its files and writes the result to a processed-data cache
(plain ``.npy`` files plus JSON); later loads with the same content arguments map it back. Here
the cache goes to a temporary folder (``$DEEPSTRF_CACHE_DIR``); by default it sits next to the
data, in ``<path>/.deepstrf/processed/``.
"""

import os
import subprocess
import sys
import tempfile
import time

folder = tempfile.mkdtemp(prefix="deepstrf-example-")
os.environ["DEEPSTRF_CACHE_DIR"] = folder

from deepSTRF.datasets.audio import SimulatedDataset  # noqa: E402

t = time.perf_counter()
cold = SimulatedDataset(seed=7, n_neurons=12)
t_cold = time.perf_counter() - t
t = time.perf_counter()
warm = SimulatedDataset(seed=7, n_neurons=12)
t_warm = time.perf_counter() - t
print(f"cold load (build + write the cache): {t_cold:.2f} s; warm load (map it): {t_warm:.3f} s")
print("same data:", bool((cold.responses[3][2].nan_to_num() == warm.responses[3][2].nan_to_num()).all()))

# %%
# The key is every argument that changes the content: ``dt_ms=10`` and ``dt_ms=10.0`` share a
# cache, another seed makes another one. ``cache=False`` neither reads nor writes.

SimulatedDataset(seed=8, n_neurons=12)


def deepstrf(*args):
    """Run the command line as a user would, and show what it prints."""
    out = subprocess.run([sys.executable, "-m", "deepSTRF", *args], capture_output=True, text=True)
    print(f"$ deepstrf {' '.join(args)}   (exit status {out.returncode})")
    print(out.stdout + out.stderr)


deepstrf("cache", "list")
deepstrf("cache", "verify")

# %%
# ``cache clear`` asks first unless ``--yes``; with a dataset name it clears that class's caches.

deepstrf("cache", "clear", "Simulated", "--yes")
deepstrf("cache", "list")

# %%
# The other commands: every dataset with its size, access and citation; a summary of one.

deepstrf("datasets")
deepstrf("info", "Simulated")
deepstrf("info", "NS1", "--path", os.path.join(folder, "nowhere"))  # a user error: one line, status 2
