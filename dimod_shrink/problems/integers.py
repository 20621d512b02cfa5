"""Bounded integer (and spin) variables of a CQM, as binary variables.

:func:`binarize` rewrites a :class:`dimod.ConstrainedQuadraticModel` over
binary, spin and bounded integer variables as one over binary variables only,
which :class:`~dimod_shrink.problems.CQMProblem` and the shrinking pipeline
take; the :class:`Decoder` it returns maps answers back to the original
variables.

* An integer ``i`` in ``[lb, ub]`` becomes ``i = lb + sum_k c_k b_k`` with the
  binary encoding of :func:`dimod.generators.binary_encoding` (the one
  :func:`dimod.cqm_to_bqm` uses): coefficients ``1, 2, 4, ..., 2^(m-1)`` and a
  last one capped at ``ub - lb - (2^m - 1)``, where ``m = floor(log2(ub -
  lb))``, so that *every* assignment of the bits is an integer in ``[lb,
  ub]`` and every integer there has one.  The bits keep dimod's labels,
  ``(i, c)`` and ``(i, c, 'msb')`` for the capped one; unlike
  :func:`dimod.cqm_to_bqm`, any ``lb`` is allowed (it becomes an offset), a
  range of one value fixes ``i``, and a range of two values is one bit
  ``(i, 1, 'msb')``.  Non-integral bounds are rounded inwards.
* A spin ``s`` becomes the binary ``x`` of the same label, ``s = 2x - 1``.
* A binary variable keeps its label.  Bounds that fix it (dimod's LP reader
  keeps ``Bounds`` such as ``x = 0`` on binary variables, although
  :meth:`dimod.ConstrainedQuadraticModel.check_feasible` ignores them) are
  honoured: the variable is replaced by its value.
* A real-valued variable is refused: the pipeline samples discrete models.

Every substitution is exact, so the binary model's objective, constraint
left-hand sides and soft penalties equal the original ones on the decoded
sample, and any repair or polish of the binary model keeps each integer
within its bounds.

References:
    S. Karimi, P. Ronagh, "Practical integer-to-binary mapping for quantum
    annealers", Quantum Information Processing 18, 94 (2019), arXiv:1706.01945.
"""

from __future__ import annotations

import math
from collections import defaultdict

import dimod
import numpy as np

from .cqm import CQMProblem

__all__ = ["binarize", "Decoder", "BinarizeError", "IntegerCQMProblem", "MAX_VALUES",
           "MAX_BINARIES", "cqm_problem", "count_binaries"]

MAX_VALUES = 2 ** 20
"""Most values (``ub - lb + 1``) one integer variable may take: 20 bits."""

MAX_BINARIES = 100_000
"""Most binary variables :func:`binarize` makes for integer variables, in all (the
CQM's own binary and spin variables are not counted: they are not multiplied)."""


_UNBOUNDED = 2 ** 53 - 1  # dimod's default integer bound (an LP file's "no bound")


class BinarizeError(ValueError):
    """A CQM that :func:`binarize` cannot rewrite; ``variable`` names the culprit."""

    def __init__(self, message: str, variable=None):
        super().__init__(message)
        self.variable = variable


def _int_range(cqm, v):
    """The integers ``[lo, hi]`` a variable may take (bounds rounded inwards)."""
    lb, ub = float(cqm.lower_bound(v)), float(cqm.upper_bound(v))
    if not (math.isfinite(lb) and math.isfinite(ub)):
        return None, None
    return int(math.ceil(lb - 1e-9)), int(math.floor(ub + 1e-9))


def _bits(label, span: int) -> list:
    """dimod's binary encoding of ``[0, span]``: ``[(bit label, coefficient), ...]``."""
    if span <= 0:
        return []
    top = span.bit_length() - 1  # floor(log2(span))
    bits = [((label, 1 << k), 1 << k) for k in range(top)]
    last = span - ((1 << top) - 1)
    bits.append(((label, last, "msb"), last))
    return bits


class Decoder:
    """Maps samples of :func:`binarize`'s binary CQM back to the original CQM.

    Attributes:
        variables: The original CQM's variables (the order of decoded rows).
        binary_variables: The binary CQM's variables (the order of the rows
            :meth:`decode` takes).
        expansion: ``{v: (offset, [(binary label, coefficient), ...])}``:
            ``v = offset + sum coefficient * bit``.
        vartypes: ``{v: dimod.Vartype}`` of the original variables.
    """

    def __init__(self, variables, binary_variables, expansion, vartypes):
        self.variables = list(variables)
        self.binary_variables = list(binary_variables)
        self.expansion = expansion
        self.vartypes = vartypes
        self.identity = (self.variables == self.binary_variables and
                         all(off == 0 and bits == [(v, 1)]
                             for v, (off, bits) in expansion.items()))
        pos = {u: k for k, u in enumerate(self.binary_variables)}
        rows, cols, vals = [], [], []
        self._offset = np.zeros(len(self.variables), dtype=np.int64)
        for c, v in enumerate(self.variables):
            off, bits = expansion[v]
            self._offset[c] = off
            for u, coef in bits:
                rows.append(pos[u])
                cols.append(c)
                vals.append(coef)
        from scipy import sparse
        self._matrix = sparse.csr_array(
            (np.asarray(vals, dtype=np.int64), (rows, cols)),
            shape=(len(self.binary_variables), len(self.variables)))

    def __repr__(self):
        return (f"Decoder({len(self.binary_variables)} binary variables -> "
                f"{len(self.variables)} variables)")

    def decode(self, X) -> np.ndarray:
        """Rows over :attr:`binary_variables` (0/1) as rows over :attr:`variables`.

        Returns an ``int8`` array when nothing was expanded (the binary CQM
        is the original one), else ``int64``.
        """
        X = np.atleast_2d(np.asarray(X))
        if X.shape[1] != len(self.binary_variables):
            raise ValueError(f"expected rows over the {len(self.binary_variables)} binary "
                             f"variables, got an array of shape {X.shape}")
        if self.identity:
            return X.astype(np.int8, copy=True)
        Y = np.asarray((self._matrix.T @ X.astype(np.int64).T).T, dtype=np.int64)
        return Y.reshape(X.shape[0], len(self.variables)) + self._offset

    __call__ = decode

    def sample(self, x) -> dict:
        """One row over :attr:`binary_variables` as ``{variable: value}`` (Python ints)."""
        return dict(zip(self.variables, self.decode(np.asarray(x)[None, :])[0].tolist()))

    def encode(self, Y) -> np.ndarray:
        """Rows over :attr:`variables` as rows over :attr:`binary_variables` (``int8``).

        Each value must lie within its variable's range (spins in
        ``{-1, 1}``); an integer gets bits of its binary encoding, chosen
        largest coefficient first.

        Raises:
            ValueError: a value outside its variable's range.
        """
        Y = np.atleast_2d(np.asarray(Y))
        if Y.shape[1] != len(self.variables):
            raise ValueError(f"expected rows over the {len(self.variables)} variables, got an "
                             f"array of shape {Y.shape}")
        pos = {u: k for k, u in enumerate(self.binary_variables)}
        out = np.zeros((Y.shape[0], len(self.binary_variables)), dtype=np.int8)
        for c, v in enumerate(self.variables):
            off, bits = self.expansion[v]
            span = sum(coef for _, coef in bits)
            rest = np.rint(Y[:, c]).astype(np.int64) - off
            if self.vartypes[v] is dimod.SPIN:
                bad = ~np.isin(Y[:, c], (-1, 1))
            else:
                bad = (rest < 0) | (rest > span) | (Y[:, c] != np.rint(Y[:, c]))
            if bad.any():
                value = Y[np.argmax(bad), c].item()
                raise ValueError(f"value {value!r} of {v!r} is outside its range "
                                 f"[{off}, {off + span}]")
            # largest coefficient first: each is at most 1 + the sum of the smaller ones,
            # so this finds bits for every value in range
            for u, coef in sorted(bits, key=lambda t: -t[1]):
                on = rest >= coef
                out[:, pos[u]] = on
                rest = rest - on * coef
        return out


def _substitute(qm, expansion) -> dimod.BinaryQuadraticModel:
    """``qm`` (linear and quadratic terms, any vartypes) over the expansions' bits."""
    lin: dict = defaultdict(float)
    quad: dict = defaultdict(float)
    offset = float(qm.offset)
    for v, a in qm.iter_linear():
        off, bits = expansion[v]
        offset += a * off
        for b, c in bits:
            lin[b] += a * c
    for u, v, q in qm.iter_quadratic():
        ou, bu = expansion[u]
        ov, bv = expansion[v]
        offset += q * ou * ov
        for b, c in bv:
            lin[b] += q * ou * c
        for b, c in bu:
            lin[b] += q * ov * c
        for b1, c1 in bu:
            for b2, c2 in bv:
                if b1 == b2:  # x^2 == x for a binary x
                    lin[b1] += q * c1 * c2
                else:
                    quad[(b1, b2)] += q * c1 * c2
    bqm = dimod.BinaryQuadraticModel(dimod.BINARY)
    bqm.add_linear_from(lin.items())
    bqm.add_quadratic_from((u, v, q) for (u, v), q in quad.items())
    bqm.offset = offset
    return bqm


def _plan(cqm, max_values: int, max_binaries: int):
    """Each variable's expansion ``{v: (offset, [(bit, coefficient), ...])}``, the
    vartypes, and whether anything changes; every refusal of :func:`binarize`,
    made before any bit is allocated."""
    if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
        raise TypeError(f"expected a dimod.ConstrainedQuadraticModel, got {type(cqm).__name__}")
    expansion: dict = {}
    vartypes: dict = {}
    total = 0
    changed = False
    for v in cqm.variables:
        vt = vartypes[v] = cqm.vartype(v)
        if vt is dimod.REAL:
            raise BinarizeError(
                f"variable {v!r} is REAL (continuous); only binary, spin and bounded integer "
                f"variables can be sampled: make it an integer with bounds (e.g. "
                f"dimod.Integer({v!r}, lower_bound=..., upper_bound=...), or 'General' with a "
                f"'Bounds' line in an LP file), scaled to the resolution you need", v)
        if vt is dimod.SPIN:
            expansion[v] = (-1, [(v, 2)])  # s = 2x - 1, x keeps the label
            changed = True
        elif vt is dimod.BINARY:
            lo, hi = _int_range(cqm, v)
            lo, hi = max(lo, 0), min(hi, 1)
            if lo > hi:
                raise BinarizeError(
                    f"binary variable {v!r} has bounds [{cqm.lower_bound(v):g}, "
                    f"{cqm.upper_bound(v):g}], which neither 0 nor 1 meets; fix or drop the "
                    "bound", v)
            if lo == hi:
                expansion[v] = (lo, [])
                changed = True
            else:
                expansion[v] = (0, [(v, 1)])
        else:  # INTEGER
            lo, hi = _int_range(cqm, v)
            if lo is None or hi - lo + 1 > max_values:
                if lo is None or max(-lo, hi) >= _UNBOUNDED:
                    what = "is unbounded (dimod's default bounds are +-(2**53 - 1))"
                else:
                    what = f"takes {hi - lo + 1:,} values ([{lo}, {hi}])"
                raise BinarizeError(
                    f"integer variable {v!r} {what}; at most {max_values:,} values "
                    f"({int(math.log2(max_values))} bits) can be expanded into binary "
                    f"variables: give it tighter bounds (lower_bound=..., upper_bound=..., or a "
                    f"'Bounds' line in an LP file)", v)
            if lo > hi:
                raise BinarizeError(
                    f"integer variable {v!r} has bounds [{cqm.lower_bound(v):g}, "
                    f"{cqm.upper_bound(v):g}], which no integer meets; fix the bounds", v)
            expansion[v] = (lo, (hi - lo).bit_length() if hi > lo else 0)  # sized below
            changed = True
        if vt is dimod.INTEGER:
            total += expansion[v][1]
    if total > max_binaries:
        raise BinarizeError(
            f"the CQM's integers need {total:,} binary variables once expanded, more "
            f"than the limit of {max_binaries:,}; tighten the integer bounds or pass a larger "
            "max_binaries")
    labels = set(cqm.variables)
    for v, (off, bits) in list(expansion.items()):
        if isinstance(bits, int):
            lo, hi = _int_range(cqm, v)
            bits = _bits(v, hi - lo)
            clash = [b for b, _ in bits if b in labels]
            if clash:
                raise BinarizeError(f"the bit {clash[0]!r} of integer variable {v!r} is "
                                    "already a variable of the CQM; rename that variable", v)
            expansion[v] = (off, bits)
    return expansion, vartypes, changed


def count_binaries(cqm: dimod.ConstrainedQuadraticModel, *, max_values: int = MAX_VALUES,
                   max_binaries: int = MAX_BINARIES) -> int:
    """The number of binary variables :func:`binarize` would make of ``cqm``.

    Raises what :func:`binarize` raises, without building the binary model
    (file readers use it to refuse a model early, naming the line).

    Examples:
        >>> import dimod
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> cqm.set_objective(dimod.Integer("i", upper_bound=100) + dimod.Spin("s"))
        >>> count_binaries(cqm)
        8
    """
    expansion, _, _ = _plan(cqm, max_values, max_binaries)
    return sum(len(bits) for _, bits in expansion.values())


def binarize(cqm: dimod.ConstrainedQuadraticModel, *, max_values: int = MAX_VALUES,
             max_binaries: int = MAX_BINARIES):
    """Rewrite a CQM over binary, spin and bounded integer variables as a binary CQM.

    See the module's description for the expansion.  A CQM whose variables
    are all binary (with no bound fixing one) is returned as it is, with a
    decoder that copies.  Constraint labels, senses, right-hand sides and
    soft weights and penalties are kept.

    Args:
        cqm: The model; never modified.
        max_values: Most values one integer variable may take.
        max_binaries: Most binary variables made for integers, in all.

    Returns:
        ``(binary_cqm, decoder)``: :class:`Decoder` maps rows over
        ``binary_cqm.variables`` back to rows over ``cqm.variables``.

    Raises:
        BinarizeError: a real-valued variable; an integer with no bounds, more
            than ``max_values`` values or an empty range; more than
            ``max_binaries`` bits for the integers in all (checked before
            any is made); a bit label already used by the CQM.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.problems.integers import binarize
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> i = dimod.Integer("i", lower_bound=-2, upper_bound=3)
        >>> cqm.set_objective(-i)
        >>> _ = cqm.add_constraint(i <= 2, label="cap")
        >>> bcqm, decode = binarize(cqm)
        >>> list(bcqm.variables)
        [('i', 1), ('i', 2), ('i', 2, 'msb')]
        >>> decode([[1, 0, 1]]).tolist()
        [[1]]
        >>> decode.encode([[3]]).tolist()
        [[1, 1, 1]]
    """
    expansion, vartypes, changed = _plan(cqm, max_values, max_binaries)
    binary_vars = [b for v in cqm.variables for b, _ in expansion[v][1]]
    decoder = Decoder(cqm.variables, binary_vars, expansion, vartypes)
    if not changed:
        return cqm, decoder
    out = dimod.ConstrainedQuadraticModel()
    if binary_vars:
        out.add_variables(dimod.BINARY, binary_vars)
    out.set_objective(_substitute(cqm.objective, expansion))
    for label, comp in cqm.constraints.items():
        lhs = comp.lhs
        soft = lhs.is_soft()
        out.add_constraint_from_model(
            _substitute(lhs, expansion), comp.sense, float(comp.rhs), label=label, copy=False,
            weight=float(lhs.weight()) if soft else None,
            penalty=str(lhs.penalty()) if soft else "linear")
    return out, decoder


class IntegerCQMProblem(CQMProblem):
    """A :class:`~.cqm.CQMProblem` of ``binarize(cqm)``: shrinks, repairs and
    polishes the binary model, reports solutions over the original variables.

    :attr:`variables` are the binary model's; ``decoder`` maps rows over
    them to the original CQM's variables, and :meth:`solution` gives
    ``{"values": {variable: value}}`` with integers as integers.

    Raises:
        BinarizeError: see :func:`binarize`; also when the bounds fix every
            variable, leaving nothing to sample.
        ValueError: as :class:`~.cqm.CQMProblem` does, for the binary model.

    Examples:
        >>> import dimod
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> i, j = dimod.Integer("i", upper_bound=5), dimod.Integer("j", upper_bound=5)
        >>> cqm.set_objective(-i - 2 * j)
        >>> _ = cqm.add_constraint(i + j <= 6, label="cap")
        >>> p = IntegerCQMProblem(cqm)
        >>> x = p.decoder.encode([[1, 5]])[0]
        >>> len(p.variables), p.solution(x), float(p.objective([x])[0])
        (6, {'values': {'i': 1, 'j': 5}}, -11.0)
    """

    def __init__(self, cqm: dimod.ConstrainedQuadraticModel, *, max_values: int = MAX_VALUES,
                 max_binaries: int = MAX_BINARIES, binarized=None, **kw):
        binary, decoder = binarized or binarize(cqm, max_values=max_values,
                                                max_binaries=max_binaries)
        if len(cqm.variables) and not len(binary.variables):
            fixed = {v: off for v, (off, _) in decoder.expansion.items()}
            shown = ", ".join(f"{v}={x}" for v, x in list(fixed.items())[:5])
            raise BinarizeError(f"the bounds fix every variable of the CQM ({shown}"
                                f"{', ...' if len(fixed) > 5 else ''}); there is nothing to "
                                "sample")
        super().__init__(binary, **kw)
        self.decoder = decoder
        self.original_cqm = cqm

    def solution(self, x) -> dict:
        return {"values": self.decoder.sample(x)}


def cqm_problem(cqm: dimod.ConstrainedQuadraticModel, *, max_values: int = MAX_VALUES,
                max_binaries: int = MAX_BINARIES, **kw) -> CQMProblem:
    """The problem model of any CQM :func:`binarize` takes: a
    :class:`~.cqm.CQMProblem` when the CQM needs no rewriting (its variables
    all binary, none fixed by bounds), else an :class:`IntegerCQMProblem`.
    Keywords as for :class:`~.cqm.CQMProblem`."""
    binarized = binarize(cqm, max_values=max_values, max_binaries=max_binaries)
    if binarized[0] is cqm:
        return CQMProblem(cqm, **kw)
    return IntegerCQMProblem(cqm, binarized=binarized, **kw)
