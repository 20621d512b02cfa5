"""QAPLIB ``.dat`` and ``.sln`` files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._tokens import InstanceFormatError, Tokens

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

    Args:
        path: The ``.dat`` file.
        solution: ``"auto"`` reads the optimum from a ``.sln`` beside it when one
            exists; a path reads that file; ``None`` skips it.
    """
    toks = Tokens(path)
    first_line = toks.items[0][1] if toks.items else 1
    n = toks.int("the size n", minimum=1)
    opt = None
    # the "n opt" variant: a second number on the first line
    if not toks.done and toks.items[toks.pos][1] == first_line:
        opt = toks.float("the optimum on the first line")
    A = np.array(toks.floats(n * n, "an entry of the first matrix")).reshape(n, n)
    B = np.array(toks.floats(n * n, "an entry of the second matrix")).reshape(n, n)
    toks.expect_end()
    path = Path(path)
    sln = path.with_suffix(".sln") if solution == "auto" else solution
    if sln is not None and Path(sln).exists():
        sol_n, value, _ = read_qaplib_solution(sln)
        if sol_n != n:
            raise InstanceFormatError(sln, 1, f"solution is for n={sol_n}, instance has n={n}")
        opt = value
    return QAPInstance(A, B, opt, path.stem)


def read_qaplib_solution(path) -> tuple[int, float, np.ndarray]:
    """Read a ``.sln`` file: ``(n, value, permutation)`` with a 0-based permutation."""
    toks = Tokens(path)
    n = toks.int("the size n", minimum=1)
    value = toks.float("the objective value")
    perm = np.array([toks.int("a permutation entry", minimum=1) for _ in range(n)]) - 1
    toks.expect_end()
    if sorted(perm.tolist()) != list(range(n)):
        raise InstanceFormatError(path, None, "the solution is not a permutation of 1..n")
    return n, value, perm
