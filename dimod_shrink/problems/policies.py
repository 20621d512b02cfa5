"""Building blocks of constraint-aware merge policies.

A merge policy is ``policy(state, i, j, sign) -> bool`` (``False`` vetoes
merging ``i`` into ``j``; ``j`` may be :data:`~dimod_shrink.merges.REFERENCE`).
The problems combine two layers:

1. **Rules** (:class:`LinearBoundGuard`, :class:`OneHotGuard`, and the
   problem-specific rules in each problem module) veto merges that make a
   constraint unsatisfiable for every completion.  They are cheap, local and
   necessary conditions.
2. **Witnesses** (:class:`WitnessGuard`): a pool of known feasible solutions.
   A merge is admitted only if at least one witness still agrees with every
   merge made so far.  Rules are only *necessary* conditions (for example, an
   odd cycle of anti-merges across MIS edges passes every pairwise rule yet
   admits no independent set); the witness that survives is a certificate that
   the reduced model still contains a feasible solution.  Checking it is
   ``O(#witnesses)`` per candidate merge.  When no witness agrees, the
   problem may *construct* a new feasible solution consistent with the merge
   (MIS: 2-SAT; MDKP: least-load completion; QAP: backtracking); it is
   verified before it counts, so the guard stays sound and becomes far less
   restrictive than a fixed pool.

Every guard here is built for one shrink run (it caches per-run state); the
problems build fresh ones on each call of ``merge_policy()``.
"""

from __future__ import annotations

import inspect
from typing import Callable, Sequence

import dimod
import numpy as np
from scipy import sparse

from ..merges import REFERENCE, ShrinkState

__all__ = ["all_of", "rules_then_witness", "WitnessGuard", "LinearBoundGuard", "OneHotGuard",
           "group_values", "tentative_groups"]


def all_of(*policies: Callable) -> Callable:
    """A policy that admits a merge only when every given policy does."""
    policies = [p for p in policies if p is not None]
    if len(policies) == 1:
        return policies[0]

    def policy(state, i, j, sign):
        return all(p(state, i, j, sign) for p in policies)

    policy.policies = policies
    return policy


def rules_then_witness(rules: Callable | None, guard: "WitnessGuard") -> Callable:
    """``all_of(rules, guard)``, deciding in the cheaper order.

    The guard's pool is asked first: when no witness agrees with the merge
    and the guard cannot construct one, the merge is vetoed without running
    the rules (on one knapsack row over 60,000 binaries the pool vetoes 93,525
    of 153,505 candidates).  Otherwise the rules run before any construction,
    as in ``all_of``.  Rules and pool are pure tests of the state, so the
    decisions are exactly ``all_of``'s (``tests/test_policy_order.py``).
    """
    if rules is None:
        return guard

    def policy(state, i, j, sign):
        if guard.agrees(state, i, j, sign):
            return rules(state, i, j, sign)
        if guard.construct is None:
            return False
        return rules(state, i, j, sign) and guard.try_construct(state, i, j, sign)

    policy.policies = [rules, guard]
    return policy


def tentative_groups(state: ShrinkState, i, j, sign) -> tuple[np.ndarray, np.ndarray]:
    """``(root, sign)`` arrays as they would be after merging ``i`` into ``j``
    (:meth:`~dimod_shrink.merges.ShrinkState.resolve_after`)."""
    return state.resolve_after(i, j, sign)


def group_values(root, sgn, n):
    """Binary value of every variable when its representative is 1 and when 0.

    Returns ``(x_if_1, x_if_0, fixed_mask)``: for fixed variables both value
    arrays hold the fixed value.
    """
    ref = n
    pos = sgn[:n] > 0
    fixed = root[:n] == ref
    x1 = np.where(pos, 1, 0)
    x0 = 1 - x1
    fixed_val = np.where(pos, 1, 0)  # s_v = sign * s_ref = sign
    x1 = np.where(fixed, fixed_val, x1)
    x0 = np.where(fixed, fixed_val, x0)
    return x1, x0, fixed


class WitnessGuard:
    """Admit a merge only while some feasible witness agrees with all merges.

    The guard holds a pool of feasible solutions (witnesses).  A merge is
    admitted at once when a witness that agrees with every earlier merge also
    agrees with it.  Otherwise, when a ``construct`` callback is given, the
    guard asks it for a new feasible solution consistent with the state after
    the merge; the answer is checked (consistency with every merge, and
    ``is_feasible``) and, if it passes, joins the pool and the merge is
    admitted.  Either way an admitted merge leaves a verified feasible
    solution in the reduced model's space, so the guard is sound whatever the
    callbacks do; a callback that fails only makes it conservative.

    Args:
        witnesses: ``(P, n)`` array of feasible solutions over the BQM's
            variables (in ``labels`` order), BINARY.
        labels: Column labels.
        construct: Optional ``construct(state, root, sign) -> row or None``
            returning a BINARY row over ``labels``.  If it takes a ``hint``
            keyword, it gets the newest witness that agrees with every merge
            so far (a row over ``labels``) as a starting point.
        is_feasible: Optional check of a constructed row (required with
            ``construct``).
    """

    def __init__(self, witnesses: np.ndarray, labels: Sequence, vartype="BINARY", *,
                 construct=None, is_feasible=None):
        W = np.atleast_2d(np.asarray(witnesses, dtype=np.int8)).reshape(-1, len(labels))
        if dimod.as_vartype(vartype) is dimod.BINARY:
            W = 2 * W - 1
        self.labels = list(labels)
        self.col = {v: k for k, v in enumerate(self.labels)}
        self.W = np.hstack([W, np.ones((W.shape[0], 1), dtype=np.int8)])  # reference = +1
        self.alive = np.ones(W.shape[0], dtype=bool)
        self.construct = construct
        self.is_feasible = is_feasible
        self.constructed = 0
        self._seen = 0
        self._state_id = None
        self._order_cache = None
        self._takes_hint = False
        if construct is not None:
            try:
                self._takes_hint = "hint" in inspect.signature(construct).parameters
            except (TypeError, ValueError):
                self._takes_hint = False

    def _column(self, label):
        return self.W.shape[1] - 1 if label is REFERENCE else self.col[label]

    def _sync(self, state: ShrinkState):
        if self._state_id != id(state) or len(state.merges) < self._seen:
            self.alive[:] = True
            self._seen = 0
            self._state_id = id(state)
        for m in state.merges[self._seen:]:
            a, b = self._column(m.variable), self._column(m.target)
            self.alive &= self.W[:, a] == m.sign * self.W[:, b]
        self._seen = len(state.merges)

    @property
    def num_alive(self) -> int:
        return int(self.alive.sum())

    def _order(self, state):
        """Columns of the pool in ``state.labels`` order (cached per model)."""
        if self._order_cache is None or self._order_cache[0] is not state.labels:
            self._order_cache = (state.labels,
                                 np.array([self.col[v] for v in state.labels], dtype=np.int64))
        return self._order_cache[1]

    def _hint(self) -> np.ndarray:
        """The newest witness that agrees with every merge so far (else the newest one),
        BINARY, in ``labels`` order: a starting point for ``construct``."""
        alive = np.flatnonzero(self.alive)
        k = alive[-1] if alive.size else self.W.shape[0] - 1
        return ((self.W[k, :-1] + 1) // 2).astype(np.int8)

    def try_construct(self, state, i, j, sign) -> bool:
        """Ask ``construct`` for a feasible solution consistent with the merge;
        a verified one joins the pool (``True``)."""
        root, sgn = tentative_groups(state, i, j, sign)
        if self._takes_hint and self.W.shape[0]:
            row = self.construct(state, root, sgn, hint=self._hint())
        else:
            row = self.construct(state, root, sgn)
        if row is None:
            return False
        row = np.asarray(row, dtype=np.int8).ravel()
        if row.size != len(self.labels) or not self.is_feasible(row):
            return False
        # reorder to the state's variable order and check every merge relation
        spins = np.empty(len(self.labels) + 1, dtype=np.int8)
        spins[:-1] = 2 * row[self._order(state)] - 1
        spins[-1] = 1
        if not np.array_equal(spins, sgn * spins[root]):
            return False
        new = np.append(2 * row - 1, 1).astype(np.int8)
        self.W = np.vstack([self.W, new[None, :]])
        self.alive = np.append(self.alive, True)
        self.constructed += 1
        return True

    def agrees(self, state, i, j, sign) -> bool:
        """Whether a witness that agrees with every merge so far agrees with this one."""
        self._sync(state)
        a, b = self._column(i), self._column(j)
        return bool(np.any(self.alive & (self.W[:, a] == sign * self.W[:, b])))

    def __call__(self, state, i, j, sign) -> bool:
        if self.agrees(state, i, j, sign):
            return True
        if self.construct is None:
            return False
        return self.try_construct(state, i, j, sign)


class LinearBoundGuard:
    """Interval rule for linear constraints over binary variables.

    After a tentative merge every group (a representative and its members)
    contributes one of two values to each constraint's left-hand side, and
    fixed variables a constant.  The merge is vetoed when, for some
    constraint, the smallest achievable left-hand side exceeds the upper
    bound, or the largest is below the lower bound -- then no completion
    satisfies it.  For ``a_i x_i + a_j x_j <= b`` with nonnegative weights this
    is exactly "never make ``i`` and ``j`` equal when ``a_i + a_j > b``", with
    everything already merged or fixed counted in.

    The guard keeps, per constraint, the two contributions of every group and
    the interval ``[lo, hi]`` of the left-hand side, and updates them as
    merges happen; a candidate merge changes two groups only, so checking it
    costs ``O(m)`` for ``m`` constraints, whatever the number of variables.

    The guard cannot stall a shrink on its own: a constraint that no
    completion satisfies *before* any merge (an infeasible input) is left out
    of the rule (listed in :attr:`ignored`) instead of vetoing every merge;
    and while a feasible solution agrees with every merge made (what
    :class:`WitnessGuard` keeps), fixing any variable to that solution's
    value keeps every interval around the solution's left-hand side, so that
    merge is always admitted.

    Args:
        A: ``(m, n)`` constraint matrix over the BQM's variables (columns in
            ``state.labels`` order; zero columns for auxiliary variables).
        lower, upper: Bounds (``-inf``/``inf`` where absent).
        check_free_values: Also veto merges after which a representative's
            value 1 or value 0 alone breaks a constraint (both values of every
            reduced variable stay usable).  Used for knapsack-type rows.

    Attributes:
        ignored: Indices of the constraints that no assignment satisfied in
            the first state seen (left out of the rule).
    """

    def __init__(self, A, lower, upper, *, check_free_values: bool = False):
        self.A = sparse.csr_array(A, dtype=float)
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        self.check_free_values = check_free_values
        scale = np.asarray(abs(self.A).sum(axis=1)).ravel() if self.A.shape[0] else np.zeros(0)
        self.tol = 1e-9 * np.maximum(1.0, scale)
        self.ignored = np.zeros(0, dtype=np.int64)
        self._state_id = None
        self._seen = 0

    def _init(self, state):
        """Group contributions ``C1``/``C0`` (value when the group's spin is +1 / -1)
        per representative column; column ``n`` holds the fixed variables' constant."""
        n = state.form.num_variables
        root, sgn = state.root, state.sign
        x1, x0, fixed = group_values(root, sgn, n)
        groups = np.where(fixed, n, root[:n])
        M = sparse.csr_array((np.ones(n), (np.arange(n), groups)), shape=(n, n + 1))
        c1 = self.A @ M.multiply(x1[:, None])
        c0 = self.A @ M.multiply(x0[:, None])
        self.C1 = np.asarray(c1.todense() if sparse.issparse(c1) else c1, dtype=float)
        self.C0 = np.asarray(c0.todense() if sparse.issparse(c0) else c0, dtype=float)
        self.C0[:, n] = self.C1[:, n]
        alive = np.flatnonzero(state.alive[:n])
        self.lo = self.C1[:, n] + np.minimum(self.C1[:, alive], self.C0[:, alive]).sum(axis=1)
        self.hi = self.C1[:, n] + np.maximum(self.C1[:, alive], self.C0[:, alive]).sum(axis=1)
        bad = (self.lo > self.upper + self.tol) | (self.hi < self.lower - self.tol)
        self.ignored = np.flatnonzero(bad)
        self.active = act = ~bad
        # the bounds of the active rows with their tolerance, for __call__
        self._up_tol = self.upper[act] + self.tol[act]
        self._low_tol = self.lower[act] - self.tol[act]
        self._all_active = bool(act.all())
        self._any_active = bool(act.any())
        self._state_id = id(state)
        self._seen = len(state.merges)

    def _column(self, state, label):
        return state.form.num_variables if label is REFERENCE else state.index[label]

    def _after(self, a, b, sign):
        """``(lo, hi, new1, new0)`` after merging group ``a`` into ``b`` (``new*`` is
        ``None`` for a fix)."""
        n = self.C1.shape[1] - 1
        a1, a0 = self.C1[:, a], self.C0[:, a]
        lo = self.lo - np.minimum(a1, a0)
        hi = self.hi - np.maximum(a1, a0)
        if b == n:
            val = a1 if sign > 0 else a0
            return lo + val, hi + val, None, None
        b1, b0 = self.C1[:, b], self.C0[:, b]
        new1 = b1 + (a1 if sign > 0 else a0)
        new0 = b0 + (a0 if sign > 0 else a1)
        lo = lo - np.minimum(b1, b0) + np.minimum(new1, new0)
        hi = hi - np.maximum(b1, b0) + np.maximum(new1, new0)
        return lo, hi, new1, new0

    def _sync(self, state):
        if self._state_id != id(state) or len(state.merges) < self._seen:
            self._init(state)
            return
        n = self.C1.shape[1] - 1
        for m in state.merges[self._seen:]:
            a, b = self._column(state, m.variable), self._column(state, m.target)
            self.lo, self.hi, new1, new0 = self._after(a, b, m.sign)
            if b == n:
                val = self.C1[:, a] if m.sign > 0 else self.C0[:, a]
                self.C1[:, n] += val
                self.C0[:, n] += val
            else:
                self.C1[:, b], self.C0[:, b] = new1, new0
            self.C1[:, a] = 0.0
            self.C0[:, a] = 0.0
        self._seen = len(state.merges)

    def __call__(self, state, i, j, sign) -> bool:
        self._sync(state)
        if not self._any_active:
            return True
        a, b = self._column(state, i), self._column(state, j)
        lo, hi, new1, new0 = self._after(a, b, sign)
        if not self._all_active:
            act = self.active
            lo, hi = lo[act], hi[act]
            if new1 is not None:
                new1, new0 = new1[act], new0[act]
        up = self._up_tol
        if (lo > up).any() or (hi < self._low_tol).any():
            return False
        if self.check_free_values and new1 is not None:
            base_lo = lo - np.minimum(new1, new0)
            if (base_lo + new1 > up).any() or (base_lo + new0 > up).any():
                return False
        return True


class OneHotGuard:
    """Never make two members of a one-hot group equal, nor fix two to 1.

    Also keeps at least one member of each group not fixed to 0.

    Args:
        groups: Sequences of labels, each of which must hold exactly one 1.
    """

    def __init__(self, groups: Sequence[Sequence]):
        self.groups = [list(g) for g in groups]
        self._flat = None

    def _index(self, state):
        """Every membership as flat arrays: variable index, group id, group sizes."""
        if self._flat is None or self._flat[0] is not state.labels:
            mem = np.array([state.index[v] for g in self.groups for v in g], dtype=np.int64)
            gid = np.repeat(np.arange(len(self.groups)),
                            [len(g) for g in self.groups]).astype(np.int64)
            sizes = np.bincount(gid, minlength=len(self.groups))
            self._flat = (state.labels, mem, gid, sizes)
        return self._flat[1:]

    def __call__(self, state, i, j, sign) -> bool:
        if not self.groups:
            return True
        n = state.form.num_variables
        root, sgn = tentative_groups(state, i, j, sign)
        mem, gid, sizes = self._index(state)
        r = root[mem]
        up = sgn[mem] > 0
        fixed = r == n
        ngroups = sizes.size
        ones = np.bincount(gid[fixed & up], minlength=ngroups)
        if (ones > 1).any():
            return False
        nfixed = np.bincount(gid[fixed], minlength=ngroups)
        if ((nfixed == sizes) & (ones != 1)).any():
            return False
        # two free members with the same representative and the same sign are
        # equal: both 1 or both 0
        free = ~fixed
        key = (gid[free] * (n + 1) + r[free]) * 2 + up[free]
        return np.unique(key).size == key.size
