"""QAPLIB ``.dat`` and ``.sln`` files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._tokens import InstanceFormatError, Tokens, check_line_breaks

__all__ = ["QAPInstance", "read_qaplib", "read_qaplib_solution"]


@dataclass(frozen=True)
class QAPInstance:
    """A QAP: minimise ``sum_ij A[i, j] * B[p(i), p(j)]`` over permutations ``p``.

    Attributes:
        A, B: ``(n, n)`` matrices, in the file's order.
        optimum: From the ``n opt`` header variant or a ``.sln`` file beside
            the ``.dat`` file, else ``None``.
        name: The file's stem.
    """

    A: np.ndarray
    B: np.ndarray
    optimum: float | None
    name: str


def read_qaplib(path, solution: str | Path | None = "auto") -> QAPInstance:
    """Read a QAPLIB ``.dat`` file (``n`` or ``n opt`` on the first line).

    The numbers are whitespace-separated, and the file's lines are checked
    too, so that a row with a number missing and another with one too many
    are refused rather than silently re-paired: the first line holds ``n``
    (or ``n`` and the optimum) alone, and each row of the two ``n x n``
    matrices starts on a new line (a long row may continue over several
    lines; blank lines are ignored).

    Args:
        path: The ``.dat`` file.
        solution: ``"auto"`` reads the optimum from a ``.sln`` beside it when one
            exists; a path reads that file; ``None`` skips it.

    Raises:
        FileNotFoundError: No such file.
        InstanceFormatError: A malformed file (wrong counts, a misplaced line
            break, a number that is not finite); names the file and line.

    Examples:
        >>> import os, tempfile
        >>> from dimod_shrink.io import read_qaplib
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny.dat")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write("2 5\\n\\n0 1\\n1 0\\n\\n0 5\\n5 0\\n")
        >>> inst = read_qaplib(path)
        >>> inst.A.tolist(), inst.optimum
        ([[0.0, 1.0], [1.0, 0.0]], 5.0)
    """
    what = "a QAPLIB .dat file (n, then two n x n matrices)"
    toks = Tokens(path, what)
    n, opt = _header(toks)
    # the layout first (numbers skipped, not converted): extra data is refused at once
    toks.skip(2 * n * n, f"two {n:,} x {n:,} matrices")
    toks.expect_end()
    head = 1 if opt is None else 2
    check_line_breaks(toks.path, what, head + n * np.arange(2 * n, dtype=np.int64),
                      lambda b: _row_break(b, head, n))
    toks = Tokens(path, what, total=toks.total)
    n, opt = _header(toks)
    A = toks.floats(n * n, "an entry of the first matrix").reshape(n, n)
    B = toks.floats(n * n, "an entry of the second matrix").reshape(n, n)
    toks.expect_end()
    path = Path(path)
    sln = path.with_suffix(".sln") if solution == "auto" else solution
    if sln is not None and Path(sln).exists():
        sol_n, value, _ = read_qaplib_solution(sln)
        if sol_n != n:
            raise InstanceFormatError(sln, 1, f"solution is for n={sol_n}, instance has n={n}")
        opt = value
    return QAPInstance(A, B, opt, path.stem)


def _row_break(b, head, n) -> str:
    """The message for a line that holds the numbers on both sides of token ``b``."""
    if b == head:
        return (f"the first line must hold n{' and the optimum' if head == 2 else ''} "
                "alone; the first matrix starts on the next line")
    row = (b - head) // n  # rows complete before token b (1..2n-1)
    which = ("first", "second")
    a = f"row {(row - 1) % n + 1} of the {which[(row - 1) // n]} matrix"
    z = f"row {row % n + 1} of the {which[row // n]} matrix"
    return (f"{a} ends and {z} starts on this line; each row of the {n} x {n} matrices "
            "starts on a new line (a long row may continue on the next lines): check this row "
            "and the ones before it for a missing or extra number")


def _header(toks):
    """``(n, opt)`` from the first line (``n`` or ``n opt``); the matrix sizes are checked."""
    first_line = toks.peek_line() or 1
    n = toks.int("the size n", minimum=1)
    opt = None
    # the "n opt" variant: a second number on the first line
    if toks.peek_line() == first_line:
        opt = toks.float("the optimum on the first line")
    toks.require(2 * n * n, f"two {n:,} x {n:,} matrices")
    return n, opt


def read_qaplib_solution(path) -> tuple[int, float, np.ndarray]:
    """Read a ``.sln`` file: ``(n, value, permutation)`` with a 0-based permutation."""
    what = "a QAPLIB .sln file (n, the value, a permutation)"
    toks = Tokens(path, what)
    n = toks.int("the size n", minimum=1)
    value = toks.float("the objective value")
    toks.require(n, f"a permutation of 1..{n:,}")
    check_line_breaks(toks.path, what, [2], lambda b: "the permutation must start on a new "
                      "line, after the lines holding n and the value")
    perm = np.empty(n, dtype=np.int64)
    seen = set()
    for k in range(n):
        line = toks.peek_line()
        entry = toks.int("a permutation entry", minimum=1, maximum=n)
        if entry in seen:
            raise toks.error(f"the solution is not a permutation of 1..{n}: {entry} repeats",
                             line)
        seen.add(entry)
        perm[k] = entry - 1
    toks.expect_end()
    return n, value, perm
