"""LP files, through dimod's LP reader, guarded."""

from __future__ import annotations

import math
import re

import dimod

from ._tokens import (InstanceFormatError, check_text, iter_blocks, iter_lines, line_count,
                      open_instance)

__all__ = ["read_lp"]

_WHAT = "an LP file (CPLEX LP format)"
_NONFINITE = re.compile(r"(?<![\w.])[+-]?(?:nan|inf(?:inity)?)(?![\w.])", re.IGNORECASE)


_CONTENT = re.compile(r"^[ \t\r\f\v]*([^\s\\].*)$", re.MULTILINE)
_SECTION = re.compile(r"(?:min(?:imi[sz]e|imum)?|max(?:imi[sz]e|imum)?|subject\s+to|such\s+that"
                      r"|st|s\.t\.|bounds?|bin(?:ar(?:y|ies))?|gen(?:erals?)?|semi(?:-continuous"
                      r"|s)?|sos|end)(?![\w.])", re.IGNORECASE)


def _first_section(path):
    """Refuse a file whose first line with content (comments skipped) is not an LP section."""
    last = 1
    for start, text in iter_blocks(path, _WHAT, split_long=True):
        last = start + max(line_count(text) - 1, 0)
        m = _CONTENT.search(text)
        if m:
            if not _SECTION.match(m.group(1)):
                line = start + text.count("\n", 0, m.start())
                raise InstanceFormatError(path, line, f"expected {_WHAT}, starting with a section "
                                                      f"such as 'Minimize' or 'Maximize'; found "
                                                      f"{m.group(1).strip()[:40]!r}")
            return
    raise InstanceFormatError(path, last, f"the file is empty (blank or only comments); "
                                          f"expected {_WHAT}")


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan", re.IGNORECASE)
_TOKEN = re.compile(r"[<>=]+|[-+*^:\[\]/]|[^\s<>=+\-*^:\[\]/]+")
_OPERAND = {"number", "name"}


def _kind(tok: str) -> str:
    if _NUMBER.fullmatch(tok):
        return "number"
    if tok[0] in "<>=+-*^:[]/":
        return "op"
    return "name"


def _check_terms(path):
    """Refuse two terms with no operator between them in the objective or a constraint.

    dimod's reader takes ``x y <= 1`` as ``x + y <= 1`` and ``2 3 x`` as ``2 + 3 x``;
    in the LP format a coefficient may precede its variable (``3 x``) and nothing else
    may stand side by side.  Checked within each line of the ``Subject To`` section
    (a constraint's right-hand side may be followed by the next constraint on the next
    line) and across the lines of the objective (one expression).
    """
    section = None
    prev = None  # the objective's last token: (kind, text, line)
    for start, text in iter_blocks(path, _WHAT, split_long=True):
        for ln, raw in enumerate(text.split("\n"), start):
            line = raw.split("\\", 1)[0].strip()
            if not line:
                continue
            head = _SECTION.match(line)
            if head:
                word = head.group(0).lower()
                section = ("objective" if word.startswith(("min", "max")) else
                           "constraints" if word.startswith(("subject", "such", "st", "s.t"))
                           else "end" if word == "end" else "other")
                prev = None
                line = line[head.end():].strip()
                if not line:
                    continue
            if section == "end":
                raise InstanceFormatError(path, ln, f"content after 'End': {line[:40]!r}; "
                                                    "nothing may follow the 'End' line: remove it")
            if section not in ("objective", "constraints") or "->" in line:
                continue
            toks = _TOKEN.findall(line)
            if len(toks) >= 2 and toks[1] == ":":  # a label
                toks = toks[2:]
            if section == "constraints":
                prev = None
            for tok in toks:
                kind = _kind(tok)
                if prev and prev[0] in _OPERAND and kind in _OPERAND and not (
                        prev[0] == "number" and kind == "name"):
                    where = "" if prev[2] == ln else f" (after {prev[1]!r} on line {prev[2]})"
                    section_hint = "" if prev[2] == ln or tok != toks[0] else (
                        f"; if {tok!r} opens a section, its name is not one of Minimize, "
                        "Maximize, Subject To, Bounds, Binary, General, End")
                    raise InstanceFormatError(
                        path, ln, f"{prev[1]!r} and {tok!r} stand side by side{where} with no "
                                  "operator between them; write '+' or '-' between terms "
                                  f"(only a coefficient may precede its variable: '3 x')"
                                  f"{section_hint}")
                prev = (kind, tok, ln)


def _find_line(path, pattern: re.Pattern) -> int | None:
    """Line of the first match of ``pattern`` outside a ``\\`` comment, or ``None``."""
    for start, text in iter_blocks(path, _WHAT, split_long=True):
        for m in pattern.finditer(text):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if "\\" not in text[line_start:m.start()]:
                return start + text.count("\n", 0, m.start())
    return None


def _last_line(path) -> int:
    last = 1
    for start, text in iter_blocks(path, _WHAT, split_long=True):
        last = start + max(line_count(text) - 1, 0)
    return last


def _label_line(path, label) -> int | None:
    return _find_line(path, re.compile(rf"^[ \t]*{re.escape(str(label))}[ \t]*:", re.MULTILINE))


def _name_line(path, name) -> int | None:
    word = r"[\w.\[\]{}!\"#$%&()/,;?@'`~|-]"
    return _find_line(path, re.compile(rf"(?<!{word}){re.escape(str(name))}(?!{word})"))


_BOUNDS = re.compile(r"bounds?", re.IGNORECASE)
_OP = re.compile(r"(<=|=<|>=|=>|<|>|=)")
_NORMAL = {"<=": "<=", "=<": "<=", "<": "<=", ">=": ">=", "=>": ">=", ">": ">=", "=": "="}
_FLIP = {"<=": ">=", ">=": "<=", "=": "="}


def _bounds_section(path):
    """``(line, text)`` of each line of the ``Bounds`` section, comments removed."""
    inside = False
    for ln, text in iter_lines(path, _WHAT, split_long=True):
        text = text.split("\\", 1)[0].strip()
        m = _SECTION.match(text)
        if m:
            inside = bool(_BOUNDS.fullmatch(m.group(0)))
            text = text[m.end():].strip()
        if inside and text:
            yield ln, text


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _parse_bound(text) -> list:
    """``[(name, op, value)]`` of a bound ``x op v``, ``v op x`` or ``v op x op w``, with
    ``op`` seen from the variable (``<=``, ``>=`` or ``=``); ``[]`` for anything else."""
    parts = [t.strip() for t in _OP.split(text)]
    ops = [_NORMAL[t] for t in parts[1::2]]
    terms = parts[0::2]
    if len(terms) == 2:
        (a, b), (op,) = terms, ops
        if _number(a) is None and _number(b) is not None:
            return [(a, op, _number(b))]
        if _number(a) is not None and _number(b) is None:
            return [(b, _FLIP[op], _number(a))]
    if len(terms) == 3 and _number(terms[0]) is not None and _number(terms[2]) is not None:
        return [(terms[1], _FLIP[ops[0]], _number(terms[0])),
                (terms[1], ops[1], _number(terms[2]))]
    return []


def _check_binary_bounds(path, cqm):
    """Refuse a bound that no 0/1 value meets on a binary variable: dimod's reader keeps
    bounds on binary variables but moves those outside ``[0, 1]`` onto it silently."""
    binary = {str(v) for v in cqm.variables if cqm.vartype(v) is dimod.BINARY
              and (cqm.lower_bound(v), cqm.upper_bound(v)) != (0, 1)}
    if not binary:  # every binary variable has [0, 1]: nothing was moved
        return
    for ln, text in _bounds_section(path):
        for name, op, value in _parse_bound(text):
            if name not in binary:
                continue
            if ((op in (">=", "=") and value > 1) or (op in ("<=", "=") and value < 0)):
                raise InstanceFormatError(
                    path, ln, f"binary variable {name!r} has the bound {text!r}, which neither "
                    "0 nor 1 meets; fix the bound, or declare the variable in 'General'")


def _bound_line(path, name) -> int | None:
    """The line of the first bound on ``name``, else of its first mention."""
    for ln, text in _bounds_section(path):
        if any(n == str(name) for n, _, _ in _parse_bound(text)) or \
                text.split()[0] == str(name):
            return ln
    return _name_line(path, name)


def _finite(*values) -> bool:
    return all(math.isfinite(float(v)) for v in values)


def read_lp(path) -> dimod.ConstrainedQuadraticModel:
    """Read an LP file as a :class:`dimod.ConstrainedQuadraticModel`.

    Uses :func:`dimod.lp.load`, guarded so that only a model the shrinking
    pipeline can use gets through:

    * the file must be UTF-8 text (checked first, streamed: a binary file
      named ``.lp`` is refused at once, naming the line of the first bad byte)
      whose first line with content (after ``\\`` comments) opens an LP
      section (``Minimize``, ``Maximize``, ``Subject To``, ...) -- dimod's
      reader skips anything before the first section, so a file of numbers
      would otherwise read as an empty model;
    * two terms side by side with no operator (``x y``, ``2 3 x``: dimod
      reads them as a sum) are refused at their line, and so is content after
      ``End``;
    * dimod's parse errors are re-raised naming the file (and the line, when
      dimod gives it);
    * the model must have at least one variable (dimod reads an empty file,
      or a file of numbers, as an empty model);
    * every variable must be binary (``Binary``) or a bounded integer
      (``General``, with a ``Bounds`` line: at most
      :data:`~dimod_shrink.problems.integers.MAX_VALUES` values each, and at
      most :data:`~dimod_shrink.problems.integers.MAX_BINARIES` binaries once
      expanded); a continuous variable (declared in neither) is refused;
    * a bound on a binary variable is kept (dimod's reader keeps it as the
      variable's bounds: ``x = 0`` makes ``[0, 0]``) and honoured downstream
      by :func:`~dimod_shrink.problems.integers.binarize`, which fixes the
      variable; a bound that neither 0 nor 1 meets (``x >= 2``, which dimod
      would move onto ``[1, 1]``) is refused;
    * all constraints must be linear, and all coefficients and right-hand
      sides finite.

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: Any of the above; the message names the file and,
            where it can be found, the line.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io import read_lp
        >>> path = os.path.join(tempfile.mkdtemp(), "small.lp")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write("Minimize\\n obj: - x - y\\nSubject To\\n c1: x + y <= 1\\n"
        ...                  "Binary\\n x y\\nEnd\\n")
        >>> cqm = read_lp(path)
        >>> sorted(cqm.variables), list(cqm.constraints)
        (['x', 'y'], ['c1'])
    """
    path = open_instance(path)
    check_text(path, _WHAT)
    _first_section(path)
    _check_terms(path)
    try:
        cqm = dimod.lp.load(str(path))
    except Exception as exc:  # dimod raises a variety of parse errors
        m = re.search(r"line (\d+)", str(exc))
        hint = "" if m else (" (dimod's LP reader names no line: check the section names, "
                             "that each constraint has an operator and a right-hand side, "
                             "and that the file ends with 'End')")
        raise InstanceFormatError(path, int(m.group(1)) if m else None,
                                  f"LP parse error: {exc}{hint}") from None
    if len(cqm.variables) == 0:
        raise InstanceFormatError(path, _last_line(path),
                                  f"defines no variables (empty, or not {_WHAT}); an LP file "
                                  "needs an objective section ('Minimize' or 'Maximize') over "
                                  "binary variables")
    real = [v for v in cqm.variables if cqm.vartype(v) is dimod.REAL]
    if real:
        v = real[0]
        raise InstanceFormatError(path, _name_line(path, v),
                                  f"{v!r} is a continuous (REAL) variable: it is declared in "
                                  "neither 'Binary' nor 'General'; only binary and bounded "
                                  "integer variables can be sampled: declare it in 'Binary', or "
                                  "in 'General' with a line in 'Bounds' (e.g. '0 <= x <= 10')")
    _check_binary_bounds(path, cqm)
    from ..problems.integers import BinarizeError, count_binaries
    try:
        count_binaries(cqm)
    except BinarizeError as exc:
        line = None if exc.variable is None else _bound_line(path, exc.variable)
        raise InstanceFormatError(path, line, str(exc)) from None
    obj = cqm.objective
    if not _finite(obj.offset, *obj.linear.values(), *obj.quadratic.values()):
        raise InstanceFormatError(path, _find_line(path, _NONFINITE),
                                  "the objective has a coefficient that is not a finite number")
    for label, c in cqm.constraints.items():
        lhs = c.lhs
        if not lhs.is_linear():
            raise InstanceFormatError(path, _label_line(path, label),
                                      f"constraint {label!r} is quadratic; only linear "
                                      "constraints are supported")
        if not _finite(c.rhs, lhs.offset, *lhs.linear.values()):
            raise InstanceFormatError(path, _label_line(path, label) or
                                      _find_line(path, _NONFINITE),
                                      f"constraint {label!r} has a coefficient or right-hand "
                                      "side that is not a finite number")
    return cqm
