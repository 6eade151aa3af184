"""Every Python block of the README runs as written. A block marked "needs a download" runs with
the built-in simulated dataset standing in for the loader it names (nothing is fetched)."""

import os
import re

import pytest

README = os.path.join(os.path.dirname(__file__), "..", "README.md")
BLOCKS = re.findall(r"```python\n(.*?)```", open(README, encoding="utf-8").read(), flags=re.S)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("k", range(len(BLOCKS)))
def test_readme_block_runs(k, tmp_path, monkeypatch):
    code = BLOCKS[k]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"readme_block_{k}"}
    if "needs a download" in code:
        from deepSTRF.datasets.audio import SimulatedDataset

        loader = re.search(r"import (\w+Dataset)", code).group(1)
        code = re.sub(r"^from deepSTRF\.datasets\.audio import \w+Dataset.*$", "", code, flags=re.M)
        namespace[loader] = lambda *a, **k: SimulatedDataset(seed=0)
    exec(compile(code, f"README block {k}", "exec"), namespace)
