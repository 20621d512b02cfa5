"""The reference-node Ising (Max-Cut) form of a binary quadratic model.

Every binary quadratic model (BQM) is written here as a homogeneous Ising
model on ``n + 1`` spins: the ``n`` variables of the model plus one extra
*reference* spin ``s_r``, fixed to ``+1``.  A linear bias ``h_i s_i`` becomes
the coupling ``h_i s_i s_r``, so the whole model is a symmetric coupling
matrix ``K`` with a zero diagonal:

.. math::

    E(s) = c + \\tfrac12 \\sum_{a, b} K_{ab} s_a s_b, \\qquad s_r = +1.

This is a weighted Max-Cut instance: minimising ``E`` is maximising the cut
of the graph with edge weights ``K``.  For a ``BINARY`` model the substitution
``x = (1 + s) / 2`` is used, so ``x_i = 1`` means "on the same side of the cut
as the reference".

The module is pure: functions of arrays, no samplers and no global state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

import dimod
import numpy as np
from scipy import sparse

__all__ = ["IsingForm", "ising_form", "validate_bqm"]


def validate_bqm(bqm, *, name: str = "bqm") -> None:
    """Check that ``bqm`` is a finite :class:`dimod.BinaryQuadraticModel` (or a
    :class:`~dimod_shrink.structured.PenaltyModel`, whose rows are checked too).

    Raises:
        TypeError: ``bqm`` is not a binary quadratic model.
        ValueError: a bias or the offset is NaN or infinite.
    """
    from .structured import PenaltyModel
    if isinstance(bqm, PenaltyModel):
        bqm.check_finite(name)
        return
    if not isinstance(bqm, dimod.BinaryQuadraticModel):
        hint = ""
        if isinstance(bqm, dimod.ConstrainedQuadraticModel):
            hint = (" For a constrained model use ShrinkingComposite.sample_cqm(), "
                    "or convert it first with dimod.cqm_to_bqm().")
        elif isinstance(bqm, dict):
            hint = (" For a QUBO or Ising dictionary use sample_qubo() / sample_ising(), "
                    "or build one with dimod.BinaryQuadraticModel.from_qubo().")
        raise TypeError(
            f"{name} must be a dimod.BinaryQuadraticModel, got {type(bqm).__name__}.{hint}")
    lin, (_, _, quad), offset = bqm.to_numpy_vectors(variable_order=list(bqm.variables))
    if not (np.isfinite(lin).all() and np.isfinite(quad).all() and np.isfinite(offset)):
        bad = []
        for v, b in bqm.iter_linear():
            if not np.isfinite(b):
                bad.append(f"linear {v!r}={b}")
                break
        for u, v, b in bqm.iter_quadratic():
            if not np.isfinite(b):
                bad.append(f"quadratic ({u!r}, {v!r})={b}")
                break
        if not np.isfinite(offset):
            bad.append(f"offset={offset}")
        raise ValueError(
            f"{name} has non-finite biases ({', '.join(bad)}); "
            "replace NaN/inf biases with finite numbers before sampling.")


@dataclass(frozen=True)
class IsingForm:
    """A BQM written as a reference-node Ising model.

    Attributes:
        labels: The model's variable labels, in index order ``0 .. n-1``.
            Index ``n`` is the reference spin.
        vartype: The vartype of the model this form was built from; samples are
            returned in it.
        couplings: Symmetric ``(n+1) x (n+1)`` :class:`scipy.sparse.csr_array`
            ``K`` with zero diagonal.  ``K[i, n]`` is the spin-form linear bias
            of variable ``i``.
        offset: The spin-form constant ``c``.
        rows: Optional ``(m, n+1)`` CSR of constraint rows in spin form
            (:mod:`dimod_shrink.structured`): the model's coupling matrix is
            then ``couplings + rows^T W rows`` less its diagonal, with
            ``W = diag(weights)``, and ``offset`` already holds the diagonal's
            constant.  ``None`` (the default): ``couplings`` is the whole model.
        weights: The rows' weights ``w_k`` (``(m,)``), with ``rows``.
    """

    labels: tuple
    vartype: dimod.Vartype
    couplings: sparse.csr_array
    offset: float
    rows: sparse.csr_array | None = None
    weights: np.ndarray | None = None

    @property
    def structured(self) -> bool:
        """Whether constraint rows are kept apart from :attr:`couplings`."""
        return self.rows is not None and self.rows.shape[0] > 0

    def coupling_operator(self):
        """The coupling matrix as the correlation stage takes it: :attr:`couplings`
        itself, or a :class:`~dimod_shrink.structured.StructuredCouplings` with the
        rows."""
        if not self.structured:
            return self.couplings
        from .structured import StructuredCouplings
        return StructuredCouplings(self.couplings, self.rows, self.weights)

    @property
    def num_variables(self) -> int:
        """Number of model variables (the reference spin excluded)."""
        return len(self.labels)

    @property
    def reference(self) -> int:
        """Index of the reference spin."""
        return len(self.labels)

    def energies(self, spins: np.ndarray) -> np.ndarray:
        """Energies of spin assignments, shape ``(num_samples, n)``."""
        spins = np.atleast_2d(np.asarray(spins, dtype=float))
        ext = np.hstack([spins, np.ones((spins.shape[0], 1))])
        e = self.offset + 0.5 * np.einsum("ij,ij->i", ext, (self.couplings @ ext.T).T)
        if self.structured:
            r = np.asarray(self.rows @ ext.T).T  # (samples, m)
            sq = np.asarray(self.rows.multiply(self.rows).sum(axis=1)).ravel()
            e = e + 0.5 * ((r * r - sq) @ self.weights)
        return e

    def sdp_objective(self, gram: np.ndarray) -> float:
        """Relaxed energy ``c + tr(K X) / 2`` of a Gram matrix ``X``.

        For a feasible ``X`` (PSD, unit diagonal) this is a lower bound on the
        minimum energy of the model.
        """
        value = self.offset + 0.5 * float(self.couplings.multiply(gram).sum())
        if self.structured:
            R = self.rows
            quad = np.einsum("ij,ij->i", np.asarray(R @ gram), R.toarray())
            sq = np.asarray(R.multiply(R).sum(axis=1)).ravel()
            value += 0.5 * float(((quad - sq) * self.weights).sum())
        return value


def ising_form(bqm: dimod.BinaryQuadraticModel,
               variable_order: Sequence[Hashable] | None = None) -> IsingForm:
    """Build the reference-node Ising form of a BQM of either vartype.

    Args:
        bqm: The model. It is not modified.
        variable_order: Optional label order; defaults to ``bqm.variables``.

    Returns:
        :class:`IsingForm` with ``E_form(s) == bqm.energy(sample)`` for every
        assignment, where ``s = 2x - 1`` for ``BINARY`` models.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1.0}, {('a', 'b'): -2.0}, 0.5, 'BINARY')
        >>> form = ising_form(bqm)
        >>> form.labels
        ('a', 'b')
        >>> bool(form.energies([[1, 1]])[0] == bqm.energy({'a': 1, 'b': 1}))
        True
    """
    if not isinstance(bqm, dimod.BinaryQuadraticModel) and callable(getattr(bqm, "ising_form",
                                                                              None)):
        return bqm.ising_form(variable_order)  # a PenaltyModel: rows kept
    order = list(bqm.variables) if variable_order is None else list(variable_order)
    spin = bqm if bqm.vartype is dimod.SPIN else bqm.change_vartype(dimod.SPIN, inplace=False)
    lin, (row, col, quad), offset = spin.to_numpy_vectors(variable_order=order)
    n = len(order)
    ref = np.full(n, n, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    rows = np.concatenate([row, col, idx, ref]).astype(np.int64)
    cols = np.concatenate([col, row, ref, idx]).astype(np.int64)
    data = np.concatenate([quad, quad, lin, lin]).astype(float)
    couplings = sparse.csr_array((data, (rows, cols)), shape=(n + 1, n + 1))
    couplings.sum_duplicates()
    couplings.eliminate_zeros()
    return IsingForm(tuple(order), bqm.vartype, couplings, float(offset))
