"""Sphinx configuration of deepSTRF's documentation site.

Built by ``.ci/run`` with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``:
warnings are errors, every gallery example is executed, nothing is downloaded
(the dataset pages draw their figures from the format fakes of
:mod:`deepSTRF.testing`). ``docs/_ext/`` writes the API pages and the dataset
facts before the build reads the sources.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "_ext"))

# The build writes nothing outside the repository and its temporary folder: the processed-data
# cache of every dataset built here (simulated data, fakes) goes to a private folder.
_CACHE = tempfile.mkdtemp(prefix="deepstrf-docs-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
os.environ["DEEPSTRF_CACHE_DIR"] = _CACHE
os.environ["DEEPSTRF_DATA_DIR"] = os.path.join(_CACHE, "data")
os.environ.setdefault("MPLBACKEND", "Agg")

import deepSTRF  # noqa: E402

import api_pages  # noqa: E402
import benchmark_pages  # noqa: E402
import cli_help  # noqa: E402
import dataset_pages  # noqa: E402

api_pages.write(os.path.join(HERE, "api"))
dataset_pages.write(os.path.join(HERE, "datasets", "_generated"))
cli_help.write(os.path.join(HERE, "_generated", "cli_help.rst"))
benchmark_pages.write(os.path.join(HERE, "_generated"))

project = "deepSTRF"
author = "The deepSTRF contributors"
copyright = "2026, the deepSTRF contributors (MIT licence)"
release = deepSTRF.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx_design",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated", "**/_generated", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]
myst_heading_anchors = 3

# the API pages, named explicitly: on an incremental build Sphinx's list of sources comes from the
# previous build, which would miss a page api_pages.write has just added
autosummary_generate = sorted(os.path.join("api", f) for f in os.listdir(os.path.join(HERE, "api")) if f.endswith(".rst"))
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": False, "show-inheritance": True}
autodoc_typehints = "none"  # the numpydoc Parameters sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.autolayout": True}

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(HERE, "..", "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # every example runs
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
}

html_theme = "pydata_sphinx_theme"
html_title = f"deepSTRF {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "icon_links": [],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"index": [], "getting_started": []}
html_show_sourcelink = False
