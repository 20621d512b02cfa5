"""Sphinx configuration of the dimod-shrink documentation.

The build is nitpicky: every cross-reference must resolve.  References into
``dimod_shrink`` resolve to the API page (a public alias such as
``dimod_shrink.ShrinkingComposite`` or a name relative to the current module
finds the entry of the object it names, see :func:`_resolve_alias`);
references to other projects are listed in ``nitpick_ignore_regex`` (no
intersphinx: the build works offline).
"""

import importlib
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
exclude_patterns = ["_build", "results/**.md"]
myst_heading_anchors = 3
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_mock_imports = []
suppress_warnings = ["myst.header", "ref.python"]
html_theme = "alabaster"
html_static_path = []

nitpicky = True
EXTERNAL = ("numpy", "scipy", "dimod", "dwave", "networkx", "qiskit", "qiskit_aer",
            "qiskit_optimization", "dask", "distributed", "hybrid", "ortools", "cvxpy",
            "tqdm", "pathlib", "os", "tempfile", "abc", "typing", "collections", "fcntl",
            "time", "minorminer", "threadpoolctl")
"""Projects whose objects the docstrings name; without intersphinx they stay plain text."""
nitpick_ignore_regex = [(r"py:.*", rf"({'|'.join(EXTERNAL)})(\..+)?"),
                        (r"py:class", r"dimod_shrink\..*\._[A-Za-z]\w*")]  # private helpers


def _lookup(path):
    """The object at the dotted ``path`` (a module, then attributes), or ``None``."""
    parts = path.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        try:
            for name in parts[k:]:
                obj = getattr(obj, name)
        except AttributeError:
            return None
        return obj
    return None


def _canonical(path):
    """Where the object at ``path`` is defined: ``module.qualname`` (or ``None``)."""
    obj = _lookup(path)
    if obj is None:
        return None
    if isinstance(obj, type(sys)):
        return obj.__name__
    if isinstance(obj, property):
        obj = obj.fget
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if module and qualname and "<" not in qualname:
        return f"{module}.{qualname}"
    return None


def _resolve_alias(app, env, node, contnode):
    """Resolve a Python reference the domain did not find.

    Tries the target as written, relative to the current class and module, and
    as a public alias (``dimod_shrink.ShrinkingComposite`` is documented as
    ``dimod_shrink.composites.shrinking.ShrinkingComposite``).  A target that
    resolves to another project's object becomes plain text, like the entries
    of ``nitpick_ignore_regex``.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    tries = [target]
    if module and cls:
        tries.insert(0, f"{module}.{cls}.{target}")
    if module:
        tries.insert(1 if cls else 0, f"{module}.{target}")
    owner = _lookup(f"{module}.{cls}") if module and cls else None
    for base in getattr(owner, "__mro__", ())[1:]:  # a docstring inherited from a base
        tries.append(f"{base.__module__}.{target}")
    domain = env.get_domain("py")
    objects = domain.objects
    ours = [name for name in objects if name.startswith("dimod_shrink.")
            and name.endswith("." + target)]
    if len(ours) == 1:  # a short name that names one documented object
        tries.append(ours[0])
    for path in tries:
        canonical = _canonical(path)
        for name in (path, canonical):
            if name not in objects:
                continue
            ref = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], name,
                                      node, contnode)
            if ref is None:  # documented as another kind (e.g. :class: for a function)
                found = domain.resolve_any_xref(env, node["refdoc"], app.builder, name, node,
                                                contnode)
                ref = found[0][1] if found else None
            if ref is not None:
                return ref
        if canonical and canonical.split(".")[0] in EXTERNAL:
            return contnode
    return None


def setup(app):
    app.connect("missing-reference", _resolve_alias)
