"""Read an instance file into a problem model."""

from __future__ import annotations

from pathlib import Path

from ..io import read_dimacs, read_lp, read_maxcut, read_mknap, read_qaplib
from ..io._tokens import InstanceFormatError, open_instance
from ..io.lp import _label_line

__all__ = ["PROBLEMS", "infer_problem", "load_problem"]

PROBLEMS = ("mis", "mdkp", "qap", "maxcut", "cqm")

_BY_SUFFIX = {".dimacs": "mis", ".clq": "mis", ".col": "mis", ".dat": "qap", ".lp": "cqm",
              ".edgelist": "maxcut", ".edges": "maxcut"}


def _sniff_txt(p: Path) -> str | None:
    """``"mdkp"`` or ``"maxcut"`` for a ``.txt`` file, from its first line with content:
    one number (an OR-Library mknap file's K) or an edge (two numbers, a weight or
    networkx's attribute dictionary may follow); ``None`` when neither."""
    from ..io._tokens import iter_lines
    try:
        for _, line in iter_lines(p, "a text file"):
            parts = line.split()
            if not parts or parts[0].startswith(("#", "c")):
                continue
            if not all(t.lstrip("-").isdigit() for t in parts[:2]):
                return None
            if len(parts) == 1:
                return "mdkp"
            if len(parts) in (2, 3) or parts[2].startswith("{"):
                return "maxcut"
            return None
    except (OSError, ValueError):
        return None
    return None


def infer_problem(path) -> str:
    """Problem type from the file name, where unambiguous.

    ``.dimacs``, ``.clq`` and ``.col`` are MIS, ``.dat`` QAP, ``.lp`` CQM,
    ``.edgelist`` and ``.edges`` Max-Cut, a name starting with ``mknap`` MDKP.
    A ``.txt`` file is told by its first line with content: one number is an
    OR-Library mknap file (MDKP), two or three (an edge ``i j`` or ``i j w``,
    or an ``n m`` header) a Max-Cut edge list.
    """
    p = Path(path)
    if p.suffix in _BY_SUFFIX:
        return _BY_SUFFIX[p.suffix]
    if p.name.startswith("mknap"):
        return "mdkp"
    if p.suffix == ".txt" and p.is_file():
        found = _sniff_txt(p)
        if found:
            return found
    raise ValueError(f"cannot infer the problem type of {p.name!r}; pass --problem "
                     f"(one of {', '.join(PROBLEMS)})")


def load_problem(path, problem: str | None = None, *, instance: int = 1,
                 encoding: str = "unbalanced", **kw):
    """Load ``path`` as a problem model.

    Args:
        path: Instance file.
        problem: One of :data:`PROBLEMS`; inferred from the file name when omitted.
        instance: 1-based problem index in multi-problem files (mknap).
        encoding: Inequality encoding (``"unbalanced"`` or ``"slack"``).

    Returns:
        The problem model.  An LP file with integer (``General``) variables,
        or with ``Bounds`` that fix binary ones, gives an
        :class:`~dimod_shrink.problems.integers.IntegerCQMProblem`: the
        binary expansion is shrunk and repaired, and its ``solution`` reports
        every variable's value (integers as integers).

    Raises:
        FileNotFoundError: No such file.
        ~dimod_shrink.io.InstanceFormatError: A malformed file, a directory or
            a binary file (a :class:`ValueError` naming the file and line).
        ValueError: An unknown ``problem`` or a bad ``instance``.
    """
    from . import MaxCutProblem, MDKPProblem, MISProblem, QAPProblem
    from .integers import cqm_problem
    open_instance(path)
    problem = problem or infer_problem(path)
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}; choose one of {', '.join(PROBLEMS)}")
    if problem != "mdkp" and instance != 1:
        raise ValueError(f"--instance applies to multi-problem files (mdkp); {problem} files "
                         "hold one problem")
    if problem == "mis":
        g = read_dimacs(path)
        return MISProblem(g, name=Path(path).name, **kw)
    if problem == "mdkp":
        return MDKPProblem.from_instance(read_mknap(path, instance), encoding=encoding, **kw)
    if problem == "qap":
        return QAPProblem.from_instance(read_qaplib(path), **kw)
    if problem == "maxcut":
        return MaxCutProblem(read_maxcut(path), name=Path(path).name, **kw)
    cqm = read_lp(path)
    try:  # integers (General) and fixed binaries (Bounds) are expanded: see binarize
        return cqm_problem(cqm, name=Path(path).name, encoding=encoding, **kw)
    except ValueError as exc:  # a constraint no assignment satisfies: point at its line
        named = [c for c in cqm.constraints if f"'{c}'" in str(exc)]
        line = _label_line(path, named[0]) if named else None
        raise InstanceFormatError(path, line, str(exc)) from None
