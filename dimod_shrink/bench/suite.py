"""Benchmark suite files (TOML).

Example::

    name = "small"
    reads = 50
    methods = ["greedy", "gs", "ags"]
    budgets = [8, 12]
    children = ["sa"]
    seeds = [0]

    [[instances]]
    path = "../shared/instances/mdkp/mknap1.txt"   # relative to the suite file
    problem = "mdkp"            # optional: inferred from the file name
    index = [1, 2, 3]           # problems of a multi-problem file (default [1])
    reference = [3800, 8706.1, 4015]   # optional, one per index; else the file's value

    [[instances]]
    path = "../shared/instances/mis/1dc.64.dimacs"
    reference = 10

``instances_from = "other.toml"`` takes the ``[[instances]]`` tables of another
suite file (their paths relative to that file) before the file's own, so that a
second study of the same instances (e.g. another child or budget) does not copy
the list.  ``name`` is reduced to one harmless path component (it may name the output
folder).  ``children`` are ``sa``, ``tabu``, ``exact``, ``qaoa`` and ``random``
(:class:`dimod.RandomSampler`).  Optional ``[options.*]`` tables tune the
methods: ``qaoa`` (``reps``, ``shots``, ``maxiter``), ``shrink`` (keywords of
:meth:`ShrinkingComposite.sample`, e.g. ``schedule``), ``iterated``
(``max_rounds``, ``patience``, ``time_limit``), ``hybrid`` (``max_iter``,
``size``, ``convergence``, ``max_time``), ``sa-full`` (``time_limit``) and ``cpsat``
(``time_limit`` in seconds); see
:mod:`dimod_shrink.bench.methods`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .._names import ENCODINGS, SEED_LIMIT
from .store import safe_name

__all__ = ["METHODS", "CHILDREN", "Suite", "load_suite", "SuiteError", "check_selection"]

METHODS = ("direct", "gs", "ags", "ags-norepair", "ags-noveto", "repair-only", "greedy",
           "rqaoa", "roof-duality", "sa-full", "sa-full-repair",
           "shrink", "shrink-plain", "iterated", "hybrid", "rqaoa-p1", "cpsat")
CHILDLESS = {"greedy", "repair-only", "sa-full", "sa-full-repair", "rqaoa", "rqaoa-p1", "hybrid",
             "cpsat"}
BUDGET_FREE = (CHILDLESS - {"rqaoa", "rqaoa-p1"}) | {"direct", "roof-duality"}
CHILDREN = ("sa", "tabu", "exact", "qaoa", "random")
_KEYS = {"name", "reads", "methods", "budgets", "children", "seeds", "instances", "options",
         "instances_from"}
_OPTION_KEYS = {"qaoa", "shrink", "cpsat", "hybrid", "iterated", "sa-full"}
_INSTANCE_KEYS = {"path", "problem", "index", "reference", "name", "encoding"}


class SuiteError(ValueError):
    """A malformed suite file; names the file and what to fix."""


@dataclass
class Suite:
    """A loaded suite; ``name`` is sanitised by
    :func:`~dimod_shrink.bench.store.safe_name` (one harmless path component)."""

    name: str
    path: Path
    instances: list
    methods: list
    budgets: list
    children: list
    seeds: list
    reads: int = 100
    options: dict = field(default_factory=dict)

    def runs(self, children=None) -> list[dict]:
        """Every run of the suite as a plain dict (picklable), with a stable ``key``.

        Args:
            children: Restrict to these children; runs that use no child
                (greedy, repair-only, sa-full, rqaoa) belong to the first child
                of the suite.

        Raises:
            SuiteError: ``children`` names a child the suite does not run (it
                would select nothing).
        """
        check_selection(self, children, None)
        out = []
        for inst in self.instances:
            for method in self.methods:
                if method in CHILDLESS:
                    if children is not None and self.children[0] not in children:
                        continue
                    kids = ["-"]
                else:
                    kids = [c for c in self.children if children is None or c in children]
                budgets = [None] if method in BUDGET_FREE else self.budgets
                for child in kids:
                    for budget in budgets:
                        for seed in self.seeds:
                            key = "|".join(str(x) for x in (inst["name"], method, child,
                                                              budget, seed))
                            out.append({**inst, "method": method, "child": child,
                                        "budget": budget, "seed": seed, "reads": self.reads,
                                        "options": self.options, "key": key})
        return out


def _fail(path, msg):
    raise SuiteError(f"{path}: {msg}")


def _list(data, key, path, kind, allowed=None, default=None):
    val = data.get(key, default)
    if val is None:
        _fail(path, f"missing '{key}'")
    if not isinstance(val, list) or not val:
        _fail(path, f"'{key}' must be a non-empty list")
    for v in val:
        if not isinstance(v, kind) or isinstance(v, bool):
            _fail(path, f"'{key}' holds {v!r}; expected {kind.__name__} values")
        if allowed is not None and v not in allowed:
            _fail(path, f"unknown {key[:-1]} {v!r} in '{key}'; choose from {list(allowed)}")
    return val


def _read_toml(path: Path, where: str = "") -> dict:
    """The TOML table of ``path``; every failure is a :class:`SuiteError` naming the file.

    ``where`` prefixes the message (the suite that refers to ``path``).
    """
    name = f"{where}{path}"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{where}suite file not found: {path}") from None
    except IsADirectoryError:
        raise SuiteError(f"{name}: is a folder; give a suite file (TOML)") from None
    except OSError as exc:
        raise SuiteError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        bom = (" (it starts with a UTF-16 byte-order mark: save it as UTF-8)"
               if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "")
        raise SuiteError(f"{name}, line {line}: a suite file must be UTF-8 text (TOML); byte "
                         f"0x{raw[exc.start]:02x} is not UTF-8{bom}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{name}: not valid TOML: {exc}") from None


def _instances_from(path: Path, other) -> list:
    """The ``[[instances]]`` tables of another suite file (paths relative to it)."""
    if not isinstance(other, str) or not other:
        _fail(path, "'instances_from' must be the path of another suite file")
    src = (path.parent / other).resolve()
    try:
        data = _read_toml(src, f"{path}: instances_from: ")
    except FileNotFoundError:
        _fail(path, f"instances_from: suite file not found: {src}")
    items = data.get("instances", [])
    if not isinstance(items, list) or not items:
        _fail(path, f"instances_from: {src} has no [[instances]] tables")
    return [(src, item) for item in items]


def load_suite(path) -> Suite:
    """Read and validate a suite file."""
    from ..problems.loader import PROBLEMS, infer_problem
    path = Path(path)
    data = _read_toml(path)
    unknown = set(data) - _KEYS
    if unknown:
        _fail(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    methods = _list(data, "methods", path, str, METHODS)
    children = _list(data, "children", path, str, CHILDREN, default=["sa"])
    budgets = _list(data, "budgets", path, int, default=[20])
    if any(b < 1 for b in budgets):
        _fail(path, "budgets must be >= 1")
    if "qaoa" in children and max(budgets) > 24:
        _fail(path, "the qaoa child simulates at most 24 qubits; use budgets <= 24")
    seeds = _list(data, "seeds", path, int, default=[0])
    bad = [s for s in seeds if not 0 <= s < SEED_LIMIT]
    if bad:
        _fail(path, f"'seeds' holds {bad[0]}; seeds must be integers in [0, 2**31)")
    if len(set(seeds)) != len(seeds):
        _fail(path, "'seeds' holds a seed twice; each seed runs once")
    reads = data.get("reads", 100)
    if not isinstance(reads, int) or isinstance(reads, bool) or reads < 1:
        _fail(path, f"'reads' must be a positive integer, got {reads!r}")
    raw = data.get("instances", [])
    if not isinstance(raw, list):
        _fail(path, "'instances' must be [[instances]] tables")
    raw = [(path, item) for item in raw]
    if "instances_from" in data:
        raw = _instances_from(path, data["instances_from"]) + raw
    if not raw:
        _fail(path, "add at least one [[instances]] table (or instances_from = \"other.toml\")")
    instances = []
    for k, (base, item) in enumerate(raw, 1):
        where = f"[[instances]] #{k}" + ("" if base == path else f" (from {base})")
        if not isinstance(item, dict):
            _fail(path, f"{where}: expected a table ([[instances]]), got {item!r}")
        bad = set(item) - _INSTANCE_KEYS
        if bad:
            _fail(path, f"{where}: unknown key(s) {sorted(bad)}; allowed: {sorted(_INSTANCE_KEYS)}")
        if "path" not in item:
            _fail(path, f"{where}: missing 'path'")
        if not isinstance(item["path"], str) or not item["path"]:
            _fail(path, f"{where}: 'path' must be the path of an instance file, got "
                        f"{item['path']!r}")
        ipath = (base.parent / item["path"]).resolve()
        problem = item.get("problem")
        if problem is None:
            try:
                problem = infer_problem(ipath)
            except ValueError as exc:
                _fail(path, f"{where}: {exc}")
        if problem not in PROBLEMS:
            _fail(path, f"{where}: unknown problem {problem!r}; choose from {list(PROBLEMS)}")
        index = item.get("index", [1])
        index = index if isinstance(index, list) else [index]
        if not index or any(isinstance(i, bool) or not isinstance(i, int) or i < 1
                            for i in index):
            _fail(path, f"{where}: 'index' must be a problem number >= 1 or a non-empty list "
                        f"of them, got {item.get('index')!r}")
        refs = item.get("reference")
        refs = refs if isinstance(refs, list) else [refs] * len(index)
        if len(refs) != len(index):
            _fail(path, f"{where}: 'reference' needs one value per index")
        for ref in refs:
            if ref is not None and (isinstance(ref, bool) or not isinstance(ref, (int, float))
                                    or not math.isfinite(ref)):
                _fail(path, f"{where}: 'reference' holds {ref!r}; a reference must be a "
                            "finite number (the known optimum or best value)")
        encoding = item.get("encoding", "unbalanced")
        if encoding not in ENCODINGS:
            _fail(path, f"{where}: unknown encoding {encoding!r}; choose from "
                        f"{list(ENCODINGS)}")
        if "name" in item and (not isinstance(item["name"], str) or not item["name"].strip()):
            _fail(path, f"{where}: 'name' must be a non-empty string")
        for i, ref in zip(index, refs):
            name = item.get("name", ipath.name)
            if len(index) > 1 or problem == "mdkp":
                name = f"{name}#{i}"
            instances.append({"path": str(ipath), "problem": problem, "index": int(i),
                              "reference": ref, "name": name,
                              "encoding": encoding})
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        _fail(path, "'name' must be a non-empty string")
    options = data.get("options", {})
    if not isinstance(options, dict) or set(options) - _OPTION_KEYS:
        _fail(path, f"[options] may hold only the tables {sorted(_OPTION_KEYS)}")
    for key, table in options.items():
        if not isinstance(table, dict):
            _fail(path, f"[options.{key}] must be a table of settings, got {table!r}")
    # the name may become a folder (results/<name>): keep it one harmless component
    return Suite(safe_name(name, path.stem), path, instances, methods, budgets, children,
                 seeds, reads, options)


def check_selection(suite: Suite, children=None, methods=None) -> None:
    """Refuse a ``children`` or ``methods`` subset naming anything the suite does not run.

    Args:
        suite: The loaded suite.
        children, methods: Lists of names, or ``None`` (all).

    Raises:
        SuiteError: Naming the unknown entries and the valid ones.
    """
    for kind, chosen, valid, known in (("children", children, suite.children, CHILDREN),
                                       ("methods", methods, suite.methods, METHODS)):
        if chosen is None:
            continue
        if not chosen or any(not c for c in chosen):
            raise SuiteError(f"{suite.path}: an empty name in the {kind} to run; give a "
                             f"comma-separated list of {', '.join(valid)}")
        unknown = [c for c in chosen if c not in valid]
        if unknown:
            what = "unknown" if all(c not in known for c in unknown) else "not in this suite:"
            raise SuiteError(f"{suite.path}: {what} {kind} {', '.join(map(repr, unknown))}; "
                             f"this suite runs {kind} {', '.join(valid)}: choose from those")
