"""OR-Library multidimensional knapsack files (``mknap1.txt``, ``mknapcb*.txt``)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from ._tokens import Tokens, check_line_breaks, iter_lines

__all__ = ["MknapInstance", "read_mknap", "count_mknap"]


@dataclass(frozen=True)
class MknapInstance:
    """One problem of an OR-Library mknap file.

    Attributes:
        profits: ``(n,)`` profits.
        weights: ``(m, n)`` weights.
        capacities: ``(m,)`` right-hand sides.
        optimum: The header's optimal value, ``None`` when it is 0 (unknown).
        name: ``"<file>#<index>"`` (1-based index).
    """

    profits: np.ndarray
    weights: np.ndarray
    capacities: np.ndarray
    optimum: float | None
    name: str


_WHAT = "an OR-Library mknap file (K, then per problem 'n m opt', profits, weights, capacities)"


def _headers(toks):
    """Yield ``(index, n, m, opt)`` for each problem, leaving ``toks`` at its data."""
    k = toks.int("the number of problems K", minimum=1)
    # each problem holds at least n, m, opt, one profit, one weight and one capacity
    toks.require(6 * k, f"K={k:,} problems")
    for idx in range(1, k + 1):
        n = toks.int(f"n of problem {idx}", minimum=1)
        m = toks.int(f"m of problem {idx}", minimum=1)
        opt = toks.float(f"the optimum of problem {idx}")
        toks.require(n + n * m + m, f"problem {idx} (n={n:,}, m={m:,})")
        yield idx, n, m, opt


def _read_all(path) -> tuple[list[MknapInstance], Tokens]:
    # first the layout alone (the data skipped, not converted): a file whose counts do
    # not fit is refused before any number is converted
    toks = Tokens(path, _WHAT)
    breaks = [(1, "K, the number of problems, must be alone on the first line")]
    for idx, n, m, _ in _headers(toks):
        start = toks.pos - 3
        if start > 1:
            breaks.append((start, f"the capacities of problem {idx - 1} end and problem {idx} "
                                  "starts on this line"))
        breaks.append((start + 3, f"the 'n m opt' line of problem {idx} must hold those three "
                                  "numbers alone"))
        breaks += [(start + 3 + n * j,
                    f"{'the profits' if j == 1 else f'weight row {j - 1}'} of problem {idx} "
                    f"ends and {f'weight row {j}' if j <= m else 'the capacities'} starts on "
                    "this line") for j in range(1, m + 2)]
        toks.skip(n + n * m + m, "the data")
    toks.expect_end()
    at = [b for b, _ in breaks]
    check_line_breaks(toks.path, _WHAT, at, lambda b: (
        breaks[bisect.bisect_left(at, b)][1] + "; the header of a problem ('n m opt') has a "
        "line of its own, and its profits, each row of weights and its capacities each start "
        "on a new line (a long row may continue on the next lines): check this row and the "
        "ones before it for a missing or extra number"))
    toks = Tokens(path, _WHAT, total=toks.total)
    out = []
    for idx, n, m, opt in _headers(toks):
        p = toks.floats(n, f"a profit of problem {idx}")
        w = toks.floats(n * m, f"a weight of problem {idx}").reshape(m, n)
        c = toks.floats(m, f"a capacity of problem {idx}")
        if (p < 0).any() or (w < 0).any() or (c < 0).any():
            raise toks.error(f"problem {idx} has negative profits, weights or capacities",
                             toks.last_line)
        out.append(MknapInstance(p, w, c, opt if opt != 0 else None,
                                 f"{toks.path.name}#{idx}"))
    toks.expect_end()
    return out, toks


def count_mknap(path) -> int:
    """Number of problems in an mknap file."""
    return len(_read_all(path)[0])


def read_mknap(path, index: int = 1) -> MknapInstance:
    """Read problem ``index`` (1-based) of an OR-Library mknap file.

    The numbers are whitespace-separated, and the file's lines are checked
    too, so that misaligned rows are refused rather than silently re-paired:
    ``K`` and each problem's ``n m opt`` stand alone on their lines, and the
    profits, each row of weights and the capacities each start on a new line
    (a long row may continue over several lines, as in ``mknapcb*.txt``).

    The whole file is validated first, so a malformed file raises
    :class:`~dimod_shrink.io.InstanceFormatError` naming the file and line,
    whatever ``index`` is asked for.
    """
    problems, toks = _read_all(path)
    if not 1 <= index <= len(problems):
        raise ValueError(f"{toks.path} holds problems 1..{len(problems)}; got --instance {index}")
    return problems[index - 1]


def read_best_known(path) -> dict[str, float]:
    """``{"5.100-00": 24381, ...}`` from OR-Library's ``best-feasible-slns.txt``."""
    values = {}
    for _, line in iter_lines(path, "OR-Library's best-feasible-slns.txt"):
        mt = re.match(r"^\s*(\d+\.\d+-\d+)\s+(\d+(?:\.\d+)?)\s*$", line)
        if mt and mt.group(1) not in values:
            values[mt.group(1)] = float(mt.group(2))
    return values
