"""Sphinx configuration of the dimod-shrink documentation."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

project = "dimod-shrink"
author = "dimod-shrink developers"
copyright = "2026, dimod-shrink developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "results/*.md", "results/*/*.md"]
myst_heading_anchors = 3
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_mock_imports = []
suppress_warnings = ["myst.header", "ref.python"]
nitpicky = False
html_theme = "alabaster"
html_static_path = []
