"""Numbers a constrained model must hold before a penalty model is built from it."""

from __future__ import annotations

import math

import dimod
import numpy as np

__all__ = ["MAX_COEFFICIENT", "check_cqm_numbers"]

MAX_COEFFICIENT = 1e100
"""Largest size of a coefficient, offset or right-hand side a CQM may hold.  The
penalty model squares constraint coefficients (``(a . x - b)^2``) and sums them, so
``1e100`` keeps every term far below the float limit (about ``1.8e308``)."""


def _first_bad(values) -> int | None:
    arr = np.fromiter(values, dtype=float)
    bad = np.flatnonzero(~np.isfinite(arr) | (np.abs(arr) > MAX_COEFFICIENT))
    return int(bad[0]) if bad.size else None


def _check(where: str, expr, rhs=None):
    lin = list(expr.iter_linear())
    k = _first_bad(a for _, a in lin)
    if k is not None:
        _refuse(where, f"the coefficient of {lin[k][0]!r}", lin[k][1])
    quad = list(expr.iter_quadratic())
    k = _first_bad(b for _, _, b in quad)
    if k is not None:
        _refuse(where, f"the coefficient of {quad[k][0]!r} * {quad[k][1]!r}", quad[k][2])
    if _first_bad([expr.offset]) is not None:
        _refuse(where, "the constant term", expr.offset)
    if rhs is not None and _first_bad([rhs]) is not None:
        _refuse(where, "the right-hand side", rhs)


def _refuse(where, what, value):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {what} is {value!r}; every coefficient and right-hand side "
                         "must be a finite number")
    raise ValueError(f"{where}: {what} is {value:g}, larger than {MAX_COEFFICIENT:g} in size, "
                     "where energies and squared penalties overflow floats: every number must be "
                     "within that; rescale the model (divide the objective or the constraint by a "
                     "constant)")


def check_cqm_numbers(cqm: dimod.ConstrainedQuadraticModel) -> None:
    """Refuse a CQM holding a NaN, an infinity or a number over :data:`MAX_COEFFICIENT`.

    Checks the objective and every constraint (coefficients, constant terms and
    right-hand sides); the message names the constraint and the variable.

    Raises:
        ValueError: Naming the first offending number.

    Examples:
        >>> import dimod
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> x, y = dimod.Binary("x"), dimod.Binary("y")
        >>> cqm.set_objective(x + y)
        >>> _ = cqm.add_constraint(x + y <= float("nan"), label="cap")
        >>> try:
        ...     check_cqm_numbers(cqm)
        ... except ValueError as err:
        ...     print(str(err).split(";")[0])
        constraint 'cap': the right-hand side is nan
    """
    _check("the objective", cqm.objective)
    for name, c in cqm.constraints.items():
        _check(f"constraint {name!r}", c.lhs, float(c.rhs))
