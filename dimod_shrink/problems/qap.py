"""Quadratic assignment: a permutation as ``n^2`` one-hot binaries."""

from __future__ import annotations

import dimod
import numpy as np
from scipy.optimize import linear_sum_assignment

from .base import Problem
from .policies import OneHotGuard

__all__ = ["QAPProblem"]


class QAPProblem(Problem):
    """Minimise ``sum_ij A[i, j] * B[p(i), p(j)]`` over permutations ``p``.

    Variables ``(i, k)``: facility ``i`` at location ``k``.  ``x`` is a
    permutation matrix.

    Penalty BQM: the cost plus ``lam * (sum_i (sum_k x_ik - 1)^2 +
    sum_k (sum_i x_ik - 1)^2)``.  Weight rule: ``lam = 2 * (2 E / n)``, where
    ``E = (sum A)(sum B) / (n (n - 1))`` is the expected cost of a random
    permutation, so ``2 E / n`` is the cost a single assignment typically
    carries.  Removing an assignment from a permutation then saves about half
    of what it costs in penalty, so permutations are favoured, while the cost
    terms stay visible to the correlations.  (The safe bound, the largest
    cost one assignment can carry, is several times larger and hides the
    cost.)  Feasibility is restored by the repair in any case.

    Merge policy (rule layer, :class:`~.policies.OneHotGuard` over rows and
    columns): never make two variables of one row or one column equal; never
    fix two of one row or column to 1; keep at least one free or one-valued
    variable in every row and column.

    Repair: the nearest permutation (most agreeing entries) by
    :func:`scipy.optimize.linear_sum_assignment`.  Polish: best-improvement
    2-swap descent (all neighbours evaluated in one vectorised step), then
    ``kicks`` (default ``5 n``) rounds of iterated local search.

    Args:
        A, B: ``(n, n)`` flow and distance matrices (either order).
    """

    sense = "min"
    kind = "qap"

    def __init__(self, A, B, *, penalty: float | None = None, name: str = "qap",
                 optimum: float | None = None, descent_starts: int = 100, seed: int = 0,
                 kicks: int | None = None):
        super().__init__(name=name, optimum=optimum, encoding="unbalanced")
        self.A = np.asarray(A, dtype=float)
        self.B = np.asarray(B, dtype=float)
        n = self.A.shape[0]
        if self.A.shape != (n, n) or self.B.shape != (n, n):
            raise ValueError(f"A and B must be square and of equal size, got {self.A.shape} "
                             f"and {self.B.shape}")
        self.n = n
        if penalty is None:
            E = abs(self.A).sum() * abs(self.B).sum() / max(n * (n - 1), 1)
            penalty = 2.0 * (2.0 * E / n) if E > 0 else 1.0
        self.penalty = float(penalty)
        self.descent_starts = descent_starts
        self.seed = seed
        self.kicks = 5 * n if kicks is None else int(kicks)

    @classmethod
    def from_instance(cls, inst, **kw):
        """From a :class:`~dimod_shrink.io.QAPInstance`."""
        return cls(inst.A, inst.B, name=inst.name, optimum=inst.optimum, **kw)

    @property
    def variables(self):
        return [(i, k) for i in range(self.n) for k in range(self.n)]

    def build_cqm(self):
        cqm = dimod.ConstrainedQuadraticModel()
        cqm.add_variables("BINARY", self.variables)
        cqm.set_objective(self._cost_bqm())
        for i in range(self.n):
            cqm.add_discrete([(i, k) for k in range(self.n)], label=f"row{i}")
        for k in range(self.n):
            cqm.add_constraint([((i, k), 1) for i in range(self.n)], "==", 1, label=f"col{k}")
        return cqm

    def _cost_bqm(self):
        n = self.n
        bqm = dimod.BinaryQuadraticModel("BINARY")
        bqm.add_variables_from(((v, 0.0) for v in self.variables))
        for i in range(n):
            for j in range(n):
                if i == j:
                    for k in range(n):
                        bqm.add_linear((i, k), self.A[i, i] * self.B[k, k])
                    continue
                a = self.A[i, j]
                if a == 0:
                    continue
                for k in range(n):
                    for l in range(n):  # noqa: E741
                        if k != l and self.B[k, l]:
                            bqm.add_quadratic((i, k), (j, l), a * self.B[k, l])
        return bqm

    def build_bqm(self):
        bqm = self._cost_bqm()
        n = self.n
        for i in range(n):
            bqm.add_linear_equality_constraint([((i, k), 1.0) for k in range(n)],
                                               self.penalty, -1.0)
        for k in range(n):
            bqm.add_linear_equality_constraint([((i, k), 1.0) for i in range(n)],
                                               self.penalty, -1.0)
        return bqm

    # -- evaluation ----------------------------------------------------------
    def _mats(self, X):
        return np.atleast_2d(X).reshape(-1, self.n, self.n).astype(float)

    def objective(self, X):
        M = self._mats(X)  # cost = sum_ijkl A_ij B_kl x_ik x_jl = tr(A X B X^T)
        return np.einsum("ij,rik,kl,rjl->r", self.A, M, self.B, M)

    def is_feasible(self, X):
        M = self._mats(X)
        return (M.sum(axis=1) == 1).all(axis=1) & (M.sum(axis=2) == 1).all(axis=1)

    def perm_cost(self, perm) -> float:
        perm = np.asarray(perm)
        return float((self.A * self.B[np.ix_(perm, perm)]).sum())

    def to_matrix(self, perm) -> np.ndarray:
        x = np.zeros((self.n, self.n), dtype=np.int8)
        x[np.arange(self.n), perm] = 1
        return x.ravel()

    def to_perm(self, x) -> np.ndarray:
        return np.asarray(x).reshape(self.n, self.n).argmax(axis=1)

    # -- heuristics ------------------------------------------------------------
    def repair_one(self, x):
        M = np.asarray(x).reshape(self.n, self.n)
        rows, cols = linear_sum_assignment(-M.astype(float))
        perm = cols[np.argsort(rows)]
        y = self.to_matrix(perm)
        return y, int((y != np.asarray(x).ravel()).sum())

    def swap_costs(self, perm) -> tuple[np.ndarray, np.ndarray]:
        """Costs of every 2-swap neighbour of ``perm``: ``(pairs, costs)``.

        One vectorised evaluation over the ``n (n - 1) / 2`` neighbours.
        """
        n = self.n
        if not hasattr(self, "_pairs"):
            r, s = np.triu_indices(n, 1)
            P = np.tile(np.arange(n), (r.size, 1))
            P[np.arange(r.size), r] = s
            P[np.arange(r.size), s] = r
            self._pairs, self._swapidx = np.stack([r, s], 1), P
        Q = np.asarray(perm)[self._swapidx]  # each row: perm with one swap applied
        costs = np.einsum("ij,kij->k", self.A, self.B[Q[:, :, None], Q[:, None, :]])
        return self._pairs, costs

    def _descent(self, perm):
        perm = np.array(perm)
        moves = 0
        cost = self.perm_cost(perm)
        if self.n < 2:
            return perm, 0
        while True:
            pairs, costs = self.swap_costs(perm)
            k = int(np.argmin(costs))
            if not costs[k] < cost - 1e-9:
                return perm, moves
            r, s = pairs[k]
            perm[r], perm[s] = perm[s], perm[r]
            cost = costs[k]
            moves += 1

    def polish_one(self, x):
        """2-swap descent, then ``kicks`` rounds of iterated local search
        (a random double swap, descent, keep if not worse), seeded by
        ``seed`` and the starting permutation so it repeats exactly."""
        perm, moves = self._descent(self.to_perm(x))
        if self.kicks and self.n >= 4:
            rng = np.random.default_rng([self.seed, *perm.tolist()])
            cost = self.perm_cost(perm)
            for _ in range(self.kicks):
                q = perm.copy()
                for _ in range(2):
                    r, s = rng.choice(self.n, 2, replace=False)
                    q[r], q[s] = q[s], q[r]
                q, m = self._descent(q)
                c = self.perm_cost(q)
                if c <= cost - 1e-9:
                    perm, cost = q, c
                    moves += m + 2
        return self.to_matrix(perm), moves

    def greedy(self):
        """2-swap descent from ``descent_starts`` random permutations (seeded); the best."""
        rng = np.random.default_rng(self.seed)
        best, best_cost = None, np.inf
        for _ in range(self.descent_starts):
            perm, _ = self._descent(rng.permutation(self.n))
            c = self.perm_cost(perm)
            if c < best_cost:
                best, best_cost = perm, c
        return self.to_matrix(best)

    def random_feasible(self, k, rng):
        return np.array([self.to_matrix(rng.permutation(self.n)) for _ in range(k)])

    def rule_policy(self):
        n = self.n
        rows = [[(i, k) for k in range(n)] for i in range(n)]
        cols = [[(i, k) for i in range(n)] for k in range(n)]
        return OneHotGuard(rows + cols)

    def construct_feasible(self, state, root, sign, max_nodes: int = 20000):
        """A permutation consistent with the groups, by backtracking row by row.

        Setting cell ``(i, k)`` to 1 fixes its group's spin, which decides every
        other cell of the group; a branch is cut as soon as a decided cell puts
        a second 1 in a row or column, or leaves a row without a possible 1.
        Gives up (``None``) after ``max_nodes`` branches.
        """
        reps, up, fixed = self._decision_groups(state, root, sign)
        n = self.n
        reps = reps.reshape(n, n)
        up = up.reshape(n, n)
        fixed = fixed.reshape(n, n)
        spin = {}
        budget = [max_nodes]

        def cell(i, k):
            if fixed[i, k]:
                return int(up[i, k])
            s = spin.get(int(reps[i, k]))
            if s is None:
                return None
            return int(up[i, k]) if s > 0 else 1 - int(up[i, k])

        def consistent():
            V = np.array([[(-1 if (c := cell(i, k)) is None else c) for k in range(n)]
                          for i in range(n)])
            if ((V == 1).sum(axis=1) > 1).any() or ((V == 1).sum(axis=0) > 1).any():
                return False
            return not ((V == 0).all(axis=1).any() or (V == 0).all(axis=0).any())

        perm = [-1] * n

        def rec(i, used):
            if i == n:
                return True
            budget[0] -= 1
            if budget[0] < 0:
                return False
            for k in range(n):
                if k in used:
                    continue
                c = cell(i, k)
                if c == 0:
                    continue
                r = int(reps[i, k])
                added = c is None
                if added:
                    spin[r] = 1 if up[i, k] else -1
                if consistent() and rec(i + 1, used | {k}):
                    perm[i] = k
                    return True
                if added:
                    del spin[r]
            return False

        if not consistent() or not rec(0, frozenset()):
            return None
        x = self.to_matrix(perm)
        # cells of groups never touched follow their representative's default spin
        for i in range(n):
            for k in range(n):
                if cell(i, k) is None:
                    spin[int(reps[i, k])] = 1 if x[i * n + k] == up[i, k] else -1
        return x

    def solution(self, x):
        """The permutation: ``perm[i]`` is the location of facility ``i`` (0-based)."""
        return self.to_perm(x).tolist()
