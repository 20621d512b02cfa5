"""Penalty encodings of linear inequality constraints in a BQM.

For ``sum_i a_i x_i <= b`` with weight ``lam``:

* ``slack`` -- ``lam * (sum_i a_i x_i + sum_k c_k s_k - b)^2`` with binary slack
  bits ``s_k`` (coefficients 1, 2, 4, ..., capped at the slack range), built by
  :meth:`dimod.BinaryQuadraticModel.add_linear_inequality_constraint`.  Exact
  for integer coefficients, but adds ``~log2(b)`` variables per constraint.
* ``unbalanced`` -- ``lam1 * (sum a x - b) + lam2 * (sum a x - b)^2``, the
  slack-free penalization of Montanez-Barrera et al. (arXiv:2211.13914): the
  linear term makes violations (``sum a x > b``) costly and leaves a mild
  pull towards using capacity, with no extra variables.  Not exact (some
  feasible points are penalised a little), which the repair stage absorbs.

References:
    J. A. Montanez-Barrera, D. Willsch, A. Maldonado-Romo, K. Michielsen,
    "Unbalanced penalization: a new approach to encode inequality constraints
    of combinatorial problems for quantum optimization algorithms",
    arXiv:2211.13914 (2022).
"""

from __future__ import annotations

import warnings

import dimod
import numpy as np

__all__ = ["add_leq", "add_leq_row", "slack_value_bits"]


def _prepare(terms, b: float, encoding: str):
    """The nonzero terms, the encoding to use and the lowest slack value.

    With ``encoding="slack"`` and no slack value that satisfies the row (only a
    soft constraint gets here: hard ones that no assignment satisfies are
    refused up front), slack bits would mean nothing, so the row is penalised
    without them (``"unbalanced"``).
    """
    terms = [(v, float(a)) for v, a in terms if a != 0]
    lowest = min(0, int(np.floor(sum(a for _, a in terms if a < 0)))) if terms else 0
    if encoding == "slack" and terms and int(np.floor(b)) < lowest:
        encoding = "unbalanced"
    return terms, encoding, lowest


def add_leq(bqm: dimod.BinaryQuadraticModel, terms, b: float, *, encoding: str,
            lam: float, lam1: float | None = None, label: str = "c") -> list:
    """Add ``sum a x <= b`` to ``bqm`` (BINARY) in place.

    Returns:
        The slack terms ``[(label, coefficient), ...]`` (empty for ``unbalanced``).
    """
    terms, encoding, lowest = _prepare(terms, b, encoding)
    if not terms:
        return []
    if encoding == "unbalanced":
        l1 = lam if lam1 is None else lam1
        for v, a in terms:
            bqm.add_linear(v, l1 * a)
        bqm.offset -= l1 * b
        bqm.add_linear_equality_constraint(terms, lam, -b)
        return []
    # slack: dimod's method (it warns for fractional data; ours is integral)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slack = bqm.add_linear_inequality_constraint(
            [(v, a) for v, a in terms], lam, label, constant=0,
            lb=lowest, ub=int(np.floor(b)),
            penalization_method="slack")
    return list(slack)


def add_leq_row(model, terms, b: float, *, encoding: str, lam: float,
                lam1: float | None = None, label: str = "c") -> list:
    """:func:`add_leq` on a :class:`~dimod_shrink.structured.PenaltyModel`: the row is
    kept as a row, never written out as couplings.

    The penalty and the slack variables are exactly those :func:`add_leq` adds
    to a BQM (the slack coefficients as dimod chooses them, see
    :func:`~dimod_shrink.structured.slack_coefficients`), so ``model.to_bqm()``
    equals the BQM :func:`add_leq` builds.

    Returns:
        The slack terms ``[(label, coefficient), ...]`` (empty for ``unbalanced``).
    """
    from ..structured import slack_coefficients
    terms, encoding, lowest = _prepare(terms, b, encoding)
    if not terms:
        return []
    if encoding == "unbalanced":
        model.add_row(terms, b, quad=lam, lin=lam if lam1 is None else lam1, name=label)
        return []
    upper = sum(a for _, a in terms if a > 0)
    lower = sum(a for _, a in terms if a < 0)
    found = slack_coefficients(lower, upper, lowest, int(np.floor(b)))
    if found is None:  # every assignment satisfies it: dimod adds nothing either
        return []
    coeffs, ub_c = found
    slack = [(model.add_slack(f"slack_{label}_{j}"), c) for j, c in enumerate(coeffs)]
    model.add_row(terms + slack, ub_c, quad=lam, name=label)
    return slack


def slack_value_bits(slack_terms, value: float) -> dict:
    """Bits of the slack variables that best represent ``value`` (greedy, largest first)."""
    out = {}
    remaining = max(0.0, float(value))
    for v, c in sorted(slack_terms, key=lambda t: -t[1]):
        bit = 1 if c <= remaining + 1e-9 else 0
        out[v] = bit
        remaining -= bit * c
    return out
