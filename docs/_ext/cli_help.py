"""Write the ``deepstrf`` command's help texts, as this version prints them, for the CLI page."""

from __future__ import annotations

import os
import subprocess
import sys

SUBCOMMANDS = ["", "demo", "fit", "benchmark", "datasets", "download", "verify", "info", "cache"]


def write(path: str) -> None:
    """Run ``python -m deepSTRF [SUB] --help`` for every subcommand; write them as literal blocks."""
    from api_pages import _write_if_changed

    os.makedirs(os.path.dirname(path), exist_ok=True)
    out = []
    for sub in SUBCOMMANDS:
        argv = [sys.executable, "-m", "deepSTRF"] + ([sub] if sub else []) + ["--help"]
        env = dict(os.environ, COLUMNS="100")
        text = subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
        title = f"deepstrf {sub} --help".replace("  ", " ")
        out += [f"``{title}``", "~" * (len(title) + 4), "", ".. code-block:: text", ""]
        out += ["   " + line if line.strip() else "" for line in text.rstrip().splitlines()] + [""]
    _write_if_changed(path, "\n".join(out))
