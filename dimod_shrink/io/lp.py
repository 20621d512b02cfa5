"""LP files, through dimod's LP reader, guarded."""

from __future__ import annotations

import math
import re

import dimod

from ._tokens import (InstanceFormatError, check_text, iter_blocks, line_count,
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
    * dimod's parse errors are re-raised naming the file (and the line, when
      dimod gives it);
    * the model must have at least one variable (dimod reads an empty file,
      or a file of numbers, as an empty model);
    * all variables must be binary, all constraints linear, and all
      coefficients and right-hand sides finite.

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
    try:
        cqm = dimod.lp.load(str(path))
    except Exception as exc:  # dimod raises a variety of parse errors
        m = re.search(r"line (\d+)", str(exc))
        raise InstanceFormatError(path, int(m.group(1)) if m else None,
                                  f"LP parse error: {exc}") from None
    if len(cqm.variables) == 0:
        raise InstanceFormatError(path, _last_line(path),
                                  f"defines no variables (empty, or not {_WHAT}); an LP file "
                                  "needs an objective section ('Minimize' or 'Maximize') over "
                                  "binary variables")
    bad = [v for v in cqm.variables if cqm.vartype(v) is not dimod.BINARY]
    if bad:
        v = bad[0]
        raise InstanceFormatError(path, _name_line(path, v),
                                  f"only binary variables are supported; {v!r} is "
                                  f"{cqm.vartype(v).name} (declare it in the 'Binary' section)")
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
