"""Merges, the shrink state, the reduced model and expansion.

A merge imposes one relation between two current variables of the reduced
model:

* ``s_i = s_j`` (``sign=+1``) or ``s_i = -s_j`` (``sign=-1``): variable ``i``
  disappears and every original variable it stood for now follows ``j``;
* ``s_i = sign`` (a merge with the *reference*): variable ``i`` is fixed.
  In ``BINARY`` terms ``sign=+1`` fixes ``x_i = 1`` and ``sign=-1`` fixes
  ``x_i = 0``.

The state keeps, for every original variable ``v``, its current
representative ``root[v]`` and the sign ``sign[v]`` with ``s_v = sign[v] *
s_root[v]`` (``root[v]`` is the reference index for fixed variables).  The
reduced model is the exact substitution of that linear map into the original
model, ``K_red = P^T K P``, so the reduced energy of every assignment equals
the original energy of its expansion -- folding ``w_jk += sign * w_ik`` is
what the sparse product does, for every merge at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import dimod
import numpy as np
from scipy import sparse

from .ising import IsingForm

__all__ = ["REFERENCE", "Merge", "ShrinkState", "ReducedModel", "GroupIndex",
           "expand_samples", "expand_samples_stepwise"]


class _Reference:
    """The reference spin; a merge with it fixes a variable."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "REFERENCE"

    def __reduce__(self):
        return (_Reference, ())


REFERENCE = _Reference()
"""Sentinel for the reference spin; ``merge(i, REFERENCE, sign)`` fixes ``i``."""


@dataclass(frozen=True)
class Merge:
    """One merge: ``s_variable = sign * s_target`` (``target`` may be :data:`REFERENCE`).

    Attributes:
        variable: Label of the variable that was removed.
        target: Label it was merged into, or :data:`REFERENCE` for a fix.
        sign: ``+1`` (equal / fixed to 1) or ``-1`` (opposite / fixed to 0 or -1).
        correlation: The correlation that selected the merge (``nan`` if given by hand).
    """

    variable: Hashable
    target: Hashable
    sign: int
    correlation: float = float("nan")

    @property
    def is_fix(self) -> bool:
        return self.target is REFERENCE

    def as_dict(self) -> dict:
        return {"variable": self.variable,
                "target": None if self.is_fix else self.target,
                "sign": self.sign, "correlation": self.correlation}


@dataclass(frozen=True)
class ReducedModel:
    """The model left after a series of merges.

    Attributes:
        bqm: The reduced :class:`dimod.BinaryQuadraticModel`, in the original
            vartype, over the surviving (representative) labels.
        labels: The surviving labels, in the column order used by
            :meth:`ShrinkState.expand`.
        couplings: Reduced reference-node coupling matrix (last index = reference).
        offset: Reduced spin-form offset.
    """

    bqm: dimod.BinaryQuadraticModel
    labels: tuple
    couplings: sparse.csr_array
    offset: float


class ShrinkState:
    """Merge bookkeeping over an :class:`~dimod_shrink.ising.IsingForm`.

    The state is what a merge policy sees.  Useful members:

    * :attr:`variables` -- the current (representative) labels;
    * :meth:`members` -- the original variables a representative stands for,
      with their signs;
    * :meth:`fixed` -- the original variables fixed so far, with their values
      in the model's vartype;
    * :attr:`merges` -- the merges so far, in order;
    * :attr:`root`, :attr:`sign` -- the raw arrays, for vectorised policies.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1, 'b': -1, 'c': 0}, {'ab': 2}, 0, 'BINARY')
        >>> state = ShrinkState.from_bqm(bqm)
        >>> _ = state.merge('a', 'b', -1)          # x_a = 1 - x_b
        >>> _ = state.merge('c', REFERENCE, +1)    # x_c = 1
        >>> state.variables
        ('b',)
        >>> state.members('b')
        {'a': -1, 'b': 1}
        >>> state.fixed()
        {'c': 1}
    """

    def __init__(self, form: IsingForm):
        self.form = form
        n = form.num_variables
        self.index = {v: i for i, v in enumerate(form.labels)}
        # union-find with parity: s_v = parity[v] * s_parent[v]; resolved lazily
        self._parent = np.arange(n + 1, dtype=np.int64)
        self._parity = np.ones(n + 1, dtype=np.int8)
        self._resolved = None
        self._tentative = None
        self.alive = np.ones(n + 1, dtype=bool)
        self.alive[n] = False  # the reference is not a variable
        self._num_alive = n
        self.merges: list[Merge] = []

    def _resolve(self) -> tuple[np.ndarray, np.ndarray]:
        """Compress the merge forest: every variable to its representative.

        Pointer jumping, ``O(n log depth)`` vectorised work, cached until the
        next merge.  A merge itself is two scalar writes, which keeps the
        bookkeeping of a thousand merges in the low milliseconds.
        """
        if self._resolved is None:
            root = self._parent.copy()
            sign = self._parity.copy()
            while True:
                nxt = root[root]
                if np.array_equal(nxt, root):
                    break
                sign = sign * sign[root]
                root = nxt
            self._resolved = (root, sign)
        return self._resolved

    def resolve_after(self, variable, target, sign: int) -> tuple[np.ndarray, np.ndarray]:
        """``(root, sign)`` as they would be after ``merge(variable, target, sign)``.

        Nothing is changed.  Merge policies ask this for each candidate merge,
        often several policies for the same candidate, so the last answer is
        kept until the next query or merge.  The arrays must not be modified.
        """
        key = (len(self.merges), variable, target, sign)
        if self._tentative is not None and self._tentative[0] == key:
            return self._tentative[1]
        root, sgn = self._resolve()
        i = self.index[variable]
        j = self.form.reference if target is REFERENCE else self.index[target]
        group = root == i
        root = np.where(group, j, root)
        sgn = np.where(group & (sign < 0), -sgn, sgn).astype(np.int8)
        self._tentative = (key, (root, sgn))
        return root, sgn

    @property
    def root(self) -> np.ndarray:
        """Representative index of every original variable (reference = ``n``)."""
        return self._resolve()[0]

    @property
    def sign(self) -> np.ndarray:
        """``s_v = sign[v] * s_root[v]`` for every original variable."""
        return self._resolve()[1]

    @classmethod
    def from_bqm(cls, bqm: dimod.BinaryQuadraticModel) -> "ShrinkState":
        from .ising import ising_form
        return cls(ising_form(bqm))

    # -- inspection -------------------------------------------------------
    @property
    def labels(self) -> tuple:
        """All original labels, in index order."""
        return self.form.labels

    @property
    def vartype(self) -> dimod.Vartype:
        return self.form.vartype

    @property
    def num_variables(self) -> int:
        """Number of variables left in the reduced model."""
        return self._num_alive

    @property
    def alive_indices(self) -> np.ndarray:
        return np.flatnonzero(self.alive)

    @property
    def variables(self) -> tuple:
        """Labels of the current representatives, in index order."""
        labels = self.form.labels
        return tuple(labels[i] for i in self.alive_indices)

    def _value(self, spin: int):
        if self.form.vartype is dimod.BINARY:
            return int(spin > 0)
        return int(spin)

    def members(self, label) -> dict:
        """Original variables represented by ``label``, mapped to their sign.

        A sign of ``+1`` means the variable equals the representative, ``-1``
        that it is its complement.
        """
        r = self.index[label]
        if not self.alive[r]:
            raise KeyError(f"{label!r} is not a current variable of the reduced model")
        root, sign = self._resolve()
        idx = np.flatnonzero(root[:-1] == r)
        labels = self.form.labels
        return {labels[i]: int(sign[i]) for i in idx}

    def fixed(self) -> dict:
        """Original variables fixed so far, with their values in the model's vartype."""
        ref = self.form.reference
        root, sign = self._resolve()
        idx = np.flatnonzero(root[:-1] == ref)
        labels = self.form.labels
        return {labels[i]: self._value(sign[i]) for i in idx}

    def is_variable(self, label) -> bool:
        """Whether ``label`` is a current variable of the reduced model."""
        i = self.index.get(label)
        return i is not None and bool(self.alive[i])

    def group_index(self) -> "GroupIndex":
        """The state's groups kept incrementally (a :class:`GroupIndex`, synced).

        One index per state, replaying only the merges made since the last
        call: asking for the members of a group then costs the group's size,
        not the ``O(n)`` of :meth:`members` or :meth:`resolve_after`.
        """
        gi = getattr(self, "_group_index", None)
        if gi is None or gi.state is not self:
            gi = self._group_index = GroupIndex(self)
        gi.sync()
        return gi

    # -- merging ----------------------------------------------------------
    def merge(self, variable, target, sign: int, correlation: float = float("nan")) -> Merge:
        """Impose ``s_variable = sign * s_target`` and remove ``variable``.

        ``target`` may be :data:`REFERENCE`, which fixes ``variable``.

        Raises:
            KeyError: a label is not a current variable.
            ValueError: ``sign`` is not ``+1``/``-1`` or the two labels coincide.
        """
        if sign not in (1, -1):
            raise ValueError(f"sign must be +1 or -1, got {sign!r}")
        if not self.is_variable(variable):
            raise KeyError(f"{variable!r} is not a current variable of the reduced model")
        i = self.index[variable]
        if target is REFERENCE:
            j = self.form.reference
        else:
            if not self.is_variable(target):
                raise KeyError(f"{target!r} is not a current variable of the reduced model")
            j = self.index[target]
            if i == j:
                raise ValueError("cannot merge a variable with itself")
        self._parent[i] = j
        self._parity[i] = sign
        self._resolved = None
        self.alive[i] = False
        self._num_alive -= 1
        m = Merge(variable, target, int(sign), float(correlation))
        self.merges.append(m)
        return m

    # -- the reduced model ------------------------------------------------
    def _projection(self) -> tuple[sparse.csr_array, np.ndarray]:
        """``P`` with ``s_original = P @ s_reduced`` (reference last in both)."""
        n = self.form.num_variables
        cols_of = np.full(n + 1, -1, dtype=np.int64)
        alive = self.alive_indices
        cols_of[alive] = np.arange(alive.size)
        cols_of[n] = alive.size
        root, sign = self._resolve()
        cols = cols_of[root]
        P = sparse.csr_array((sign.astype(float), (np.arange(n + 1), cols)),
                             shape=(n + 1, alive.size + 1))
        return P, cols

    def reduced_couplings(self):
        """The reduced coupling matrix (reference last) and spin offset.

        For a form with constraint rows (:attr:`IsingForm.rows
        <dimod_shrink.ising.IsingForm.rows>`) the matrix comes back as a
        :class:`~dimod_shrink.structured.StructuredCouplings`: merging adds or
        negates columns of the rows (``R P``), and nothing of size ``N^2`` is
        formed.
        """
        P, _ = self._projection()
        Kr = (P.T @ self.form.couplings @ P).tocsr()
        diag = Kr.diagonal()
        offset = self.form.offset + 0.5 * float(diag.sum())
        if np.any(diag):
            Kr = (Kr - sparse.diags_array(diag, format="csr")).tocsr()
        Kr.eliminate_zeros()
        if not self.form.structured:
            return Kr, offset
        from .structured import StructuredCouplings
        R = self.form.rows
        Rr = (R @ P).tocsr()
        Rr.eliminate_zeros()
        w = self.form.weights
        before = np.asarray(R.multiply(R).sum(axis=1)).ravel()
        after = np.asarray(Rr.multiply(Rr).sum(axis=1)).ravel()
        offset += 0.5 * float(((after - before) * w).sum())
        return StructuredCouplings(Kr, Rr, w), offset

    def reduced(self) -> ReducedModel:
        """Build the reduced model (in the original vartype)."""
        Kr, offset = self.reduced_couplings()
        if not isinstance(Kr, sparse.csr_array):
            Kr = Kr.tocsr()  # at most the budget's variables: written out
        m = Kr.shape[0] - 1
        labels = self.variables
        h = Kr[[m], :].toarray().ravel()[:m] if m else np.zeros(0)
        upper = sparse.triu(Kr[:m, :m] if m else sparse.csr_array((0, 0)), k=1).tocoo()
        bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
            h, (upper.row, upper.col, upper.data), offset, dimod.SPIN,
            variable_order=labels)
        if self.form.vartype is dimod.BINARY:
            bqm.change_vartype(dimod.BINARY, inplace=True)
        return ReducedModel(bqm, labels, Kr, offset)

    # -- expansion ----------------------------------------------------------
    def expand(self, samples: np.ndarray) -> np.ndarray:
        """Expand samples of the reduced model to the original variables.

        Args:
            samples: Array ``(num_samples, num_reduced)`` in the original
                vartype, columns ordered as :attr:`variables`.

        Returns:
            ``(num_samples, n)`` int8 array in the original vartype, columns
            ordered as :attr:`labels`.
        """
        return expand_samples(samples, self.root, self.sign, self.alive,
                              self.form.vartype)


class GroupIndex:
    """The groups of a :class:`ShrinkState`, kept incrementally.

    For every original index ``v`` (the reference is index ``n``) the index
    holds a group id ``gid[v]`` and an orientation ``sigma[v]`` with
    ``s_v = sigma[v] * t_gid`` for one hidden spin ``t`` per group (``t = +1``
    for the reference's group, ``gid = n``).  A merge relabels the smaller of
    the two groups only (the reference's group never moves), so replaying
    ``k`` merges costs ``O(k + n log n)`` in all, and the members of a group
    are a list lookup.  The index follows ``state.merges``: :meth:`sync` (or
    :meth:`step`, one merge at a time) applies the merges made since.

    Attributes:
        state: The :class:`ShrinkState` followed.
        gid: ``(n + 1,)`` int64 group id of every index.
        sigma: ``(n + 1,)`` int8 orientation of every index within its group.
        seen: How many of ``state.merges`` are applied.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1, 'b': -1, 'c': 0}, {}, 0, 'BINARY')
        >>> state = ShrinkState.from_bqm(bqm)
        >>> _ = state.merge('a', 'b', -1)
        >>> idx, sign = state.group_index().members(state.index['b'])
        >>> sorted(zip(idx.tolist(), sign.tolist()))
        [(0, -1), (1, 1)]
    """

    def __init__(self, state: ShrinkState):
        self.state = state
        n = state.form.num_variables
        self.n = n
        self.gid = np.arange(n + 1, dtype=np.int64)
        self.sigma = np.ones(n + 1, dtype=np.int8)
        self._members: list = [[v] for v in range(n + 1)]
        self._members[n] = []  # the reference's group: the fixed variables
        self.seen = 0

    def index_of(self, label) -> int:
        """State index of a label (``n`` for :data:`REFERENCE`)."""
        return self.n if label is REFERENCE else self.state.index[label]

    def step(self) -> tuple[int, int, int, np.ndarray] | None:
        """Apply the next merge of ``state.merges``; ``None`` when all are applied.

        Returns ``(moved, kept, factor, members)``: the id of the group that
        was relabelled, the id it joined, the factor its orientations were
        multiplied by, and its members (indices).
        """
        merges = self.state.merges
        if self.seen >= len(merges):
            return None
        m = merges[self.seen]
        self.seen += 1
        i, j = self.index_of(m.variable), self.index_of(m.target)
        gi, gj = int(self.gid[i]), int(self.gid[j])
        factor = int(m.sign) * int(self.sigma[i]) * int(self.sigma[j])
        if gj != self.n and len(self._members[gi]) > len(self._members[gj]):
            gi, gj = gj, gi  # relabel the smaller group (t_gj = factor * t_gi as well)
        if len(self._members[gi]) == 1:  # scalar updates for the common case
            v = self._members[gi][0]
            moved = np.array([v], dtype=np.int64)
            if factor < 0:
                self.sigma[v] = -self.sigma[v]
            self.gid[v] = gj
        else:
            moved = np.asarray(self._members[gi], dtype=np.int64)
            if factor < 0:
                self.sigma[moved] = -self.sigma[moved]
            self.gid[moved] = gj
        self._members[gj].extend(self._members[gi])
        self._members[gi] = []
        return gi, gj, factor, moved

    def sync(self) -> "GroupIndex":
        """Apply every merge made since the last call."""
        if len(self.state.merges) < self.seen:
            raise RuntimeError("the state lost merges; build a new GroupIndex")
        while self.step() is not None:
            pass
        return self

    def group(self, index: int) -> int:
        """Group id of an index (``n`` for a fixed variable)."""
        return int(self.gid[index])

    def size(self, group: int) -> int:
        """Number of members of a group id."""
        return len(self._members[group])

    def member_indices(self, group: int) -> np.ndarray:
        """Members of a group id (indices; the reference itself is no member)."""
        return np.asarray(self._members[group], dtype=np.int64)

    def members(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, signs)`` of the group of ``index``: ``s_v = signs * s_index``
        (for the reference, ``index = n``: the fixed variables and their spins)."""
        g = int(self.gid[index])
        idx = self.member_indices(g)
        sgn = self.sigma[idx] * self.sigma[index] if index != self.n else self.sigma[idx]
        return idx, sgn.astype(np.int8)


def _to_spin(samples: np.ndarray, vartype) -> np.ndarray:
    s = np.asarray(samples, dtype=np.int8)
    if vartype is dimod.BINARY:
        return (2 * s - 1).astype(np.int8)
    return s


def _from_spin(spins: np.ndarray, vartype) -> np.ndarray:
    if vartype is dimod.BINARY:
        return ((spins + 1) // 2).astype(np.int8)
    return spins.astype(np.int8)


def expand_samples(samples, root, sign, alive, vartype) -> np.ndarray:
    """Vectorised expansion through the composed merge map.

    Composing all merges gives ``s_v = sign[v] * s_root[v]`` for every original
    ``v``, so the whole sample array expands with one fancy index.  This is the
    same as undoing the merges one by one in reverse order
    (:func:`expand_samples_stepwise`), which the tests check.
    """
    n = root.size - 1
    alive_idx = np.flatnonzero(alive)
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples.reshape(-1, alive_idx.size) if samples.size else \
            np.zeros((0, alive_idx.size))
    if samples.shape[1] != alive_idx.size:
        raise ValueError(f"samples have {samples.shape[1]} columns but the reduced model has "
                         f"{alive_idx.size} variables")
    spins = _to_spin(samples, vartype)
    ext = np.hstack([spins, np.ones((spins.shape[0], 1), dtype=np.int8)])
    cols_of = np.full(n + 1, -1, dtype=np.int64)
    cols_of[alive_idx] = np.arange(alive_idx.size)
    cols_of[n] = alive_idx.size
    full = ext[:, cols_of[root[:n]]] * sign[:n]
    return _from_spin(full, vartype)


def expand_samples_stepwise(samples, labels, reduced_labels, merges, vartype) -> np.ndarray:
    """Reference expansion: undo ``merges`` one at a time, last first.

    Slower than :func:`expand_samples`; kept as the readable definition that the
    vectorised path is tested against.
    """
    index = {v: i for i, v in enumerate(labels)}
    n = len(labels)
    samples = np.atleast_2d(np.asarray(samples))
    spins = np.zeros((samples.shape[0], n), dtype=np.int8)
    red = _to_spin(samples, vartype)
    for c, v in enumerate(reduced_labels):
        spins[:, index[v]] = red[:, c]
    for m in reversed(merges):
        if m.target is REFERENCE:
            spins[:, index[m.variable]] = m.sign
        else:
            spins[:, index[m.variable]] = m.sign * spins[:, index[m.target]]
    return _from_spin(spins, vartype)
