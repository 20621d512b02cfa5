"""Penalty models whose linear constraints stay rows: never ``n^2 / 2`` couplings.

A constrained problem becomes a penalty model: its objective plus, for every
linear constraint ``a . x <= b`` (or ``== b``), a penalty

.. math::

    \\lambda_k (a_k \\cdot x - b_k)^2 + \\lambda'_k (a_k \\cdot x - b_k),

the squared term of the usual penalty method and the linear term of the
unbalanced penalization (Montanez-Barrera et al. 2022).  Written out as a
:class:`dimod.BinaryQuadraticModel`, one constraint over ``n`` variables is
``n (n - 1) / 2`` couplings: 1.8 billion for one knapsack row over 60,000
binaries.  But the squared term is a rank-one quadratic form, so
:class:`PenaltyModel` keeps each constraint as a sparse row ``a_k`` with its
right-hand side and two weights, beside a sparse BQM for the rest (the
objective and any sparse penalty), and everything the pipeline needs works on
that form:

* energies of samples: ``O(nnz)`` per sample (:meth:`PenaltyModel.energies`);
* the reference-node Ising form used by the shrink
  (:meth:`PenaltyModel.ising_form`): the sparse part ``S`` plus the rows in
  spin form; the coupling matrix is ``K = S + R^T W R - diag(R^T W R)``, and
  products ``K V`` cost ``O((nnz(S) + nnz(R)) k)``
  (:class:`StructuredCouplings`), which is all the low-rank SDP needs;
* merging variables adds or negates columns of ``R`` (``R P``, see
  :meth:`dimod_shrink.merges.ShrinkState.reduced_couplings`);
* only a model small enough to be written out is written out
  (:meth:`PenaltyModel.to_bqm`); the reduced model handed to the child has at
  most the budget's variables.

Spin form of one row.  With ``x = (1 + s) / 2`` and the reference spin
``s_r = +1``, ``a . x - b = (ã . s) / 2`` with ``ã = (a, sum(a) - 2 b)``, so
``lambda (a . x - b)^2 = (w / 2) (ã . s)^2`` with ``w = lambda / 2``, and the
linear term is ``(lambda' / 2) ã . s``: a coupling with the reference.

References:
    J. A. Montanez-Barrera, D. Willsch, A. Maldonado-Romo, K. Michielsen,
    "Unbalanced penalization: a new approach to encode inequality constraints
    of combinatorial problems for quantum optimization algorithms",
    arXiv:2211.13914 (2022).

    A. Lucas, "Ising formulations of many NP problems", Front. Phys. 2 (2014).
"""

from __future__ import annotations

import os
from typing import Hashable, Iterable, Sequence

import dimod
import numpy as np
from scipy import sparse

from .candidates import unique_keys

__all__ = ["PenaltyModel", "StructuredCouplings", "ModelTooLargeError", "available_memory",
           "BYTES_PER_INTERACTION", "slack_coefficients", "sampleset_on", "is_model",
           "check_fits"]

BYTES_PER_INTERACTION = 48
"""Bytes one coupling of a written-out BQM is counted as.

Generous on purpose, since dimod's adjacency stores each coupling twice (index
and bias), and building it goes through numpy vectors of the same size."""


class ModelTooLargeError(MemoryError):
    """A model would need more memory than the machine has; nothing was allocated.

    The message names the estimate and what to change.  It is a
    :class:`MemoryError`, so code that already guards against running out of
    memory keeps working.
    """


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable`` on Linux,
    else the physical memory), or a large number when neither can be read."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 40


def check_fits(num_bytes: float, what: str, advice: str) -> None:
    """Raise :class:`ModelTooLargeError` when ``num_bytes`` exceed half the memory
    available now (the other half is what the rest of the run needs)."""
    avail = available_memory()
    if num_bytes > avail / 2:
        raise ModelTooLargeError(
            f"{what} would need about {_human(num_bytes)} of memory, more than half of the "
            f"{_human(avail)} available; {advice}")


def _human(num_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(num_bytes) < 1024 or unit == "PiB":
            return f"{num_bytes:,.1f} {unit}" if unit != "B" else f"{num_bytes:,.0f} B"
        num_bytes /= 1024
    return f"{num_bytes:.1f} PiB"  # pragma: no cover


def slack_coefficients(terms_lower: float, terms_upper: float, lb: float, ub: float):
    """Slack coefficients of ``lb <= a . x <= ub`` as ``dimod`` chooses them.

    Mirrors :meth:`dimod.BinaryQuadraticModel.add_linear_inequality_constraint`
    (``penalization_method="slack"``, ``constant=0``): with
    ``ub_c = min(sum a+, ub)`` and ``lb_c = max(sum a-, lb)``, the slack
    ``sum c_j s_j`` spans ``0 .. ub_c - lb_c`` with coefficients ``1, 2, 4, ...``
    and a last one that caps the range, and the row becomes the equality
    ``a . x + sum c_j s_j == ub_c``.

    Returns:
        ``(coefficients, ub_c)``, or ``None`` when every assignment satisfies
        the row (dimod adds nothing then).

    Raises:
        ValueError: no assignment satisfies the row.
    """
    ub_c = min(terms_upper, ub)
    lb_c = max(terms_lower, lb)
    if terms_upper <= ub_c and terms_lower >= lb_c:
        return None
    if ub_c < lb_c:
        raise ValueError("the constraint is infeasible with any value for its variables")
    span = int(ub_c - lb_c)
    if span == 0:
        return [], ub_c
    num = int(np.floor(np.log2(span)))
    coeffs = [2 ** j for j in range(num)]
    if span - 2 ** num >= 0:
        coeffs.append(span - 2 ** num + 1)
    return coeffs, ub_c


class StructuredCouplings:
    """A coupling matrix ``K = S + R^T W R - diag(R^T W R)`` kept in parts.

    The form the shrink's correlation stage sees for a model with constraint
    rows: ``S`` sparse (zero diagonal), ``R`` the rows in spin form (sparse,
    ``m x N``), ``W = diag(weights)``.  It offers what the low-rank SDP and
    the candidate search need -- products with dense blocks, the diagonal of
    the rank part, the sparsity pattern -- and writes itself out
    (:meth:`tocsr`) only when asked.

    Args:
        sparse_part: ``(N, N)`` symmetric CSR with zero diagonal.
        rows: ``(m, N)`` CSR.
        weights: ``(m,)`` nonnegative weights.
    """

    def __init__(self, sparse_part, rows, weights):
        self.sparse = sparse.csr_array(sparse_part, dtype=float)
        self.rows = sparse.csr_array(rows, dtype=float)
        self.weights = np.asarray(weights, dtype=float)
        N = self.sparse.shape[0]
        if self.sparse.shape != (N, N) or self.rows.shape[1] != N or \
                self.rows.shape[0] != self.weights.size:
            raise ValueError(f"inconsistent shapes: sparse part {self.sparse.shape}, rows "
                             f"{self.rows.shape}, weights {self.weights.shape}")
        sq = self.rows.multiply(self.rows)
        self.diag = np.asarray(sq.T @ self.weights, dtype=float).ravel()

    @property
    def shape(self) -> tuple:
        return self.sparse.shape

    @property
    def num_rows(self) -> int:
        return self.rows.shape[0]

    def row_sizes(self) -> np.ndarray:
        """Nonzeros of each row."""
        return np.diff(self.rows.indptr)

    def __matmul__(self, V):
        V = np.asarray(V, dtype=float)
        out = self.sparse @ V
        if self.num_rows:
            RV = self.rows @ V
            RV *= (self.weights[:, None] if RV.ndim == 2 else self.weights)
            out = out + self.rows.T @ RV
            out -= (self.diag[:, None] if V.ndim == 2 else self.diag) * V
        return out

    def dense_nnz(self) -> int:
        """An upper bound on the nonzeros of :meth:`tocsr` (without forming it)."""
        sizes = self.row_sizes().astype(np.int64)
        N = self.shape[0]
        return int(min(N * N, self.sparse.nnz + int((sizes * sizes).sum())))

    def max_abs(self) -> float:
        """An upper bound on the largest ``|K_ab|``."""
        s = float(np.abs(self.sparse.data).max()) if self.sparse.nnz else 0.0
        if self.num_rows and self.rows.nnz:
            rmax = np.zeros(self.num_rows)
            absr = abs(self.rows)
            nz = np.diff(absr.indptr) > 0
            rmax[nz] = np.maximum.reduceat(absr.data, absr.indptr[:-1][nz])
            s += float((self.weights * rmax * rmax).sum())
        return s

    def tocsr(self) -> sparse.csr_array:
        """``K`` written out (checked against the available memory first)."""
        check_fits(self.dense_nnz() * 24.0, f"a coupling matrix of {self.shape[0]:,} spins",
                   "keep the model structured (the default) or shrink it first")
        if not self.num_rows:
            return self.sparse.copy()
        R = self.rows
        K = self.sparse + (R.T @ sparse.diags_array(self.weights) @ R).tocsr()
        K = K.tocsr()
        K.setdiag(0)
        K.eliminate_zeros()
        return sparse.csr_array(K)

    def toarray(self) -> np.ndarray:
        return self.tocsr().toarray()

    def pattern(self, max_pairs: int) -> sparse.coo_array:
        """Upper-triangular pattern of coupled pairs: ``S``'s, plus the pairs inside
        the constraint rows when there are at most ``max_pairs`` of them (a dense row
        couples every pair of its variables), else inside the rows with at most 64
        variables (one-hot groups, small rows) only."""
        coo = sparse.triu(sparse.coo_array(self.sparse), k=1)
        parts_r = [coo.row.astype(np.int64)]
        parts_c = [coo.col.astype(np.int64)]
        sizes = self.row_sizes().astype(np.int64)
        if sizes.size:
            total = int((sizes * (sizes - 1) // 2).sum())
            pick = np.arange(sizes.size) if total <= max_pairs else np.flatnonzero(sizes <= 64)
            N = self.shape[0]
            if total <= max_pairs and sizes.max() >= N - 1 and N * (N - 1) // 2 <= max_pairs:
                iu, ju = np.triu_indices(N, 1)
                parts_r.append(iu.astype(np.int64))
                parts_c.append(ju.astype(np.int64))
                pick = pick[:0]
            indptr, indices = self.rows.indptr, self.rows.indices
            for k in pick:
                idx = np.sort(indices[indptr[k]:indptr[k + 1]]).astype(np.int64)
                if idx.size < 2:
                    continue
                a, b = np.triu_indices(idx.size, 1)
                parts_r.append(idx[a])
                parts_c.append(idx[b])
        r = np.concatenate(parts_r)
        c = np.concatenate(parts_c)
        N = self.shape[0]
        flat = unique_keys(r * N + c)
        r, c = np.divmod(flat, N)
        return sparse.coo_array((np.ones(r.size), (r, c)), shape=self.shape)


class PenaltyModel:
    """A ``BINARY`` quadratic model whose constraint penalties are kept as rows.

    ``E(x) = base(x) + sum_k quad_k (a_k . x - b_k)^2 + lin_k (a_k . x - b_k)``,
    where ``base`` is a (sparse) :class:`dimod.BinaryQuadraticModel`.

    The shrinking composites take it wherever they take a BQM
    (:meth:`dimod_shrink.ShrinkingComposite.sample`): the variables, the
    vartype, :meth:`energies`, and :meth:`to_bqm` for a model small enough to
    write out.

    Args:
        base: The objective and any sparse penalty (``BINARY``).  Its
            variables, in order, are the model's; a row may only use them
            (add slack variables to ``base`` first, see :meth:`add_slack`).

    Examples:
        Choose two of three items (``x0 + x1 + x2 == 2``) at least cost:

        >>> import dimod
        >>> base = dimod.BinaryQuadraticModel({0: 1.0, 1: 2.0, 2: 3.0}, {}, 0.0, "BINARY")
        >>> model = PenaltyModel(base)
        >>> model.add_row([(0, 1), (1, 1), (2, 1)], rhs=2, quad=10.0)
        >>> model.energies(([[1, 1, 0], [1, 1, 1]], [0, 1, 2])).tolist()
        [3.0, 16.0]
        >>> bqm = model.to_bqm()
        >>> bqm.energies(([[1, 1, 0], [1, 1, 1]], [0, 1, 2])).tolist()
        [3.0, 16.0]
    """

    vartype = dimod.BINARY

    def __init__(self, base: dimod.BinaryQuadraticModel):
        if not isinstance(base, dimod.BinaryQuadraticModel):
            raise TypeError(f"base must be a dimod.BinaryQuadraticModel, got "
                            f"{type(base).__name__}")
        if base.vartype is not dimod.BINARY:
            base = base.change_vartype(dimod.BINARY, inplace=False)
        self.base = base
        self._rows_r: list = []
        self._rows_c: list = []
        self._rows_v: list = []
        self._rhs: list = []
        self._quad: list = []
        self._lin: list = []
        self.row_names: list = []
        self._frozen = None

    # -- building ------------------------------------------------------------
    def add_slack(self, label: Hashable) -> Hashable:
        """Add a slack variable (no bias) to the model; returns its label."""
        self.base.add_variable(label)
        self._frozen = None
        return label

    def add_row(self, terms: Iterable, rhs: float, quad: float, lin: float = 0.0,
                name: Hashable = None) -> None:
        """Add ``quad * (sum a v - rhs)^2 + lin * (sum a v - rhs)``.

        Args:
            terms: ``(variable, coefficient)`` pairs; every variable must be in
                the model (repeats are summed).
            rhs, quad, lin: The right-hand side and the two weights
                (``quad >= 0``).
        """
        index = self._index()
        cols, vals = [], []
        for v, a in terms:
            if a == 0:
                continue
            try:
                cols.append(index[v])
            except KeyError:
                raise ValueError(f"variable {v!r} of row {name!r} is not in the model; add "
                                 "it to the base BQM (or with add_slack) first") from None
            vals.append(float(a))
        if not (np.isfinite(rhs) and np.isfinite(quad) and np.isfinite(lin)) or quad < 0:
            raise ValueError(f"row {name!r}: rhs, quad and lin must be finite and quad >= 0, "
                             f"got {rhs!r}, {quad!r}, {lin!r}")
        r = len(self._rhs)
        self._rows_r.append(np.full(len(cols), r, dtype=np.int64))
        self._rows_c.append(np.asarray(cols, dtype=np.int64))
        self._rows_v.append(np.asarray(vals, dtype=float))
        self._rhs.append(float(rhs))
        self._quad.append(float(quad))
        self._lin.append(float(lin))
        self.row_names.append(name)
        self._frozen = None

    def add_rows(self, A, rhs, quad, lin=None, names: Sequence | None = None) -> None:
        """Add many rows at once: ``A`` a sparse or dense ``(m, num_variables)`` matrix
        over the model's variables (in order)."""
        A = sparse.coo_array(A)
        m = A.shape[0]
        if A.shape[1] != self.num_variables:
            raise ValueError(f"A has {A.shape[1]} columns but the model has "
                             f"{self.num_variables} variables")
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float), (m,))
        quad = np.broadcast_to(np.asarray(quad, dtype=float), (m,))
        lin = np.zeros(m) if lin is None else np.broadcast_to(np.asarray(lin, dtype=float),
                                                               (m,))
        if not (np.isfinite(rhs).all() and np.isfinite(quad).all() and np.isfinite(lin).all()
                and (quad >= 0).all()):
            raise ValueError("rhs, quad and lin must be finite and quad >= 0")
        if not np.isfinite(A.data).all():
            raise ValueError("the constraint matrix has non-finite coefficients")
        start = len(self._rhs)
        keep = A.data != 0
        self._rows_r.append(A.row[keep].astype(np.int64) + start)
        self._rows_c.append(A.col[keep].astype(np.int64))
        self._rows_v.append(A.data[keep].astype(float))
        self._rhs.extend(rhs.tolist())
        self._quad.extend(quad.tolist())
        self._lin.extend(lin.tolist())
        self.row_names.extend(list(names) if names is not None else [None] * m)
        self._frozen = None

    def _index(self) -> dict:
        idx = getattr(self, "_index_cache", None)
        if idx is None or len(idx) != self.base.num_variables:
            idx = self._index_cache = {v: i for i, v in enumerate(self.base.variables)}
        return idx

    def _freeze(self):
        if self._frozen is None:
            n = self.num_variables
            m = len(self._rhs)
            if m:
                r = np.concatenate(self._rows_r)
                c = np.concatenate(self._rows_c)
                v = np.concatenate(self._rows_v)
            else:
                r = c = np.zeros(0, dtype=np.int64)
                v = np.zeros(0)
            A = sparse.csr_array((v, (r, c)), shape=(m, n))
            A.sum_duplicates()
            self._frozen = (A, np.array(self._rhs, dtype=float),
                            np.array(self._quad, dtype=float), np.array(self._lin, dtype=float))
        return self._frozen

    # -- inspection ------------------------------------------------------------
    @property
    def variables(self):
        """The model's variables (the base BQM's, in order)."""
        return self.base.variables

    @property
    def num_variables(self) -> int:
        return self.base.num_variables

    @property
    def num_rows(self) -> int:
        return len(self._rhs)

    @property
    def rows(self) -> sparse.csr_array:
        """``(m, n)`` CSR of the row coefficients, columns in :attr:`variables` order."""
        return self._freeze()[0]

    @property
    def rhs(self) -> np.ndarray:
        return self._freeze()[1]

    @property
    def quad(self) -> np.ndarray:
        return self._freeze()[2]

    @property
    def lin(self) -> np.ndarray:
        return self._freeze()[3]

    @property
    def offset(self) -> float:
        return float(self.base.offset)

    def num_interactions(self) -> int:
        """Couplings of the written-out BQM, counted without forming it (an upper
        bound where rows overlap the base or each other)."""
        A = self.rows
        sizes = np.diff(A.indptr).astype(np.int64)
        rows_pairs = int((sizes * (sizes - 1) // 2)[self.quad != 0].sum())
        n = self.num_variables
        return int(min(n * (n - 1) // 2, self.base.num_interactions + rows_pairs))

    def copy(self) -> "PenaltyModel":
        out = PenaltyModel(self.base.copy())
        out._rows_r, out._rows_c, out._rows_v = (list(self._rows_r), list(self._rows_c),
                                                 list(self._rows_v))
        out._rhs, out._quad, out._lin = list(self._rhs), list(self._quad), list(self._lin)
        out.row_names = list(self.row_names)
        return out

    def check_finite(self, name: str = "model") -> None:
        """Raise :class:`ValueError` on a NaN or infinite bias or coefficient."""
        from .ising import validate_bqm
        validate_bqm(self.base, name=f"{name} (its objective part)")
        A, rhs, quad, lin = self._freeze()
        if not (np.isfinite(A.data).all() and np.isfinite(rhs).all()
                and np.isfinite(quad).all() and np.isfinite(lin).all()):
            raise ValueError(f"{name} has non-finite constraint coefficients")

    # -- evaluation ------------------------------------------------------------
    def _as_array(self, samples_like) -> np.ndarray:
        arr, labels = dimod.as_samples(samples_like)
        labels = list(labels)
        order = list(self.variables)
        if labels != order:
            pos = {v: k for k, v in enumerate(labels)}
            try:
                arr = arr[:, [pos[v] for v in order]]
            except KeyError as exc:
                raise ValueError(f"the samples do not cover variable {exc.args[0]!r}") from None
        return arr

    def energies(self, samples_like, dtype=float) -> np.ndarray:
        """Energies of the samples, from the rows (``O(nnz)`` per sample)."""
        arr = self._as_array(samples_like)
        e = np.asarray(self.base.energies((arr, list(self.variables))), dtype=float)
        if self.num_rows:
            A, rhs, quad, lin = self._freeze()
            r = np.asarray(A @ arr.T.astype(float)).T - rhs  # (samples, m)
            e = e + (r * r) @ quad + r @ lin
        return np.asarray(e, dtype=dtype)

    def energy(self, sample) -> float:
        return float(self.energies(sample)[0])

    # -- conversions -------------------------------------------------------------
    def bqm_bytes(self) -> float:
        """Estimated memory of :meth:`to_bqm`."""
        return float(self.num_interactions() + self.num_variables) * BYTES_PER_INTERACTION

    def to_bqm(self) -> dimod.BinaryQuadraticModel:
        """The model written out as a BQM (variables in the same order).

        Raises:
            ModelTooLargeError: the written-out model would not fit in memory;
                nothing is allocated.
        """
        check_fits(self.bqm_bytes(),
                   f"writing out the {self.num_variables:,}-variable penalty model as a "
                   f"BQM ({self.num_interactions():,} couplings)",
                   "shrink it instead (ShrinkingComposite keeps the constraints as rows), or "
                   "use fewer variables")
        bqm = self.base.copy()
        A, rhs, quad, lin = self._freeze()
        labels = list(self.variables)
        for k in range(A.shape[0]):
            lo, hi = A.indptr[k], A.indptr[k + 1]
            terms = [(labels[i], a) for i, a in zip(A.indices[lo:hi], A.data[lo:hi])]
            if lin[k]:
                for v, a in terms:
                    bqm.add_linear(v, lin[k] * a)
                bqm.offset -= lin[k] * rhs[k]
            if quad[k]:
                bqm.add_linear_equality_constraint(terms, quad[k], -rhs[k])
        return bqm

    def ising_form(self, variable_order: Sequence | None = None):
        """The reference-node Ising form, rows kept (see :mod:`dimod_shrink.ising`)."""
        from .ising import IsingForm, ising_form
        order = list(self.variables) if variable_order is None else list(variable_order)
        form = ising_form(self.base, order)
        if not self.num_rows:
            return form
        A, rhs, quad, lin = self._freeze()
        if order != list(self.variables):
            pos = {v: k for k, v in enumerate(self.variables)}
            perm = np.array([pos[v] for v in order], dtype=np.int64)
            A = A[:, perm]
        n = len(order)
        colsum = np.asarray(A.sum(axis=1)).ravel()
        ref = colsum - 2.0 * rhs                       # coefficient of the reference spin
        R = sparse.hstack([A, sparse.csr_array(ref[:, None])], format="csr")
        R.eliminate_zeros()
        keep = quad > 0
        w = quad[keep] / 2.0
        Rq = R[np.flatnonzero(keep)]
        sq = np.asarray(Rq.multiply(Rq).sum(axis=1)).ravel()
        offset = form.offset + 0.5 * float((w * sq).sum())
        S = form.couplings
        if np.any(lin):
            # lin * (a.x - b) = (lin / 2) (ã . s): couplings with the reference spin
            h = np.asarray(R[:, :n].T @ (lin / 2.0)).ravel()
            offset += 0.5 * float((lin * ref).sum())
            ref_idx = np.full(n, n, dtype=np.int64)
            idx = np.arange(n, dtype=np.int64)
            extra = sparse.csr_array((np.concatenate([h, h]),
                                      (np.concatenate([idx, ref_idx]),
                                       np.concatenate([ref_idx, idx]))), shape=S.shape)
            S = (S + extra).tocsr()
            S.eliminate_zeros()
        return IsingForm(form.labels, form.vartype, sparse.csr_array(S), float(offset),
                         rows=sparse.csr_array(Rq), weights=w)


def is_model(obj) -> bool:
    """Whether ``obj`` is a model the composites take (a BQM or a :class:`PenaltyModel`)."""
    return isinstance(obj, (dimod.BinaryQuadraticModel, PenaltyModel))


def sampleset_on(model, samples_like, **vectors) -> dimod.SampleSet:
    """A SampleSet with energies on ``model`` (a BQM or a :class:`PenaltyModel`),
    like :meth:`dimod.SampleSet.from_samples_bqm`."""
    if isinstance(model, dimod.BinaryQuadraticModel):
        return dimod.SampleSet.from_samples_bqm(samples_like, model, **vectors)
    return dimod.SampleSet.from_samples(samples_like, model.vartype,
                                        energy=model.energies(samples_like), **vectors)
