"""Quadratic assignment: a permutation as ``n^2`` one-hot binaries."""

from __future__ import annotations

import dimod
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array

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
    candidates = "lsh"

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
        self._At = np.ascontiguousarray(self.A.T)
        self._adiag = self.A.diagonal().copy()

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
        """The cost as a BQM: ``A_ii B_kk`` on ``(i, k)``, ``A_ij B_kl`` on the pair
        ``(i, k), (j, l)`` for ``i != j``, ``k != l`` (pairs in one column are
        infeasible and carry no cost term); built from arrays in one call."""
        n = self.n
        from ..structured import BYTES_PER_INTERACTION, check_fits
        pairs = float(np.count_nonzero(self.A * (1 - np.eye(n)))) * \
            float(np.count_nonzero(self.B * (1 - np.eye(n))))
        check_fits(pairs * BYTES_PER_INTERACTION,
                   f"the cost of a QAP with n = {n} ({n * n:,} binary variables, "
                   f"{pairs:,.0f} cost couplings)",
                   "QAP as n^2 one-hot binaries grows as n^4; use a smaller instance "
                   "(n <= ~100 fits a few GB)")
        linear = np.outer(np.diag(self.A), np.diag(self.B)).ravel()
        i, j = np.nonzero(self.A * (1 - np.eye(n)))
        k, l = np.nonzero(self.B * (1 - np.eye(n)))  # noqa: E741
        row = (i[:, None] * n + k[None, :]).ravel()
        col = (j[:, None] * n + l[None, :]).ravel()
        quad = (self.A[i, j][:, None] * self.B[k, l][None, :]).ravel()
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            linear, (row, col, quad), 0.0, "BINARY", variable_order=self.variables)

    def build_model(self):
        """The cost BQM, with the ``2 n`` one-hot constraints kept as rows
        (:class:`~dimod_shrink.structured.PenaltyModel`)."""
        from ..structured import PenaltyModel
        model = PenaltyModel(self._cost_bqm())
        n = self.n
        idx = np.arange(n * n)
        rows = np.concatenate([idx // n, n + idx % n])  # facility rows, then location rows
        A = csr_array((np.ones(2 * n * n), (rows, np.concatenate([idx, idx]))),
                      shape=(2 * n, n * n))
        names = [f"row{i}" for i in range(n)] + [f"col{k}" for k in range(n)]
        model.add_rows(A, rhs=1.0, quad=self.penalty, names=names)
        return model

    def build_bqm(self):
        """The penalty model written out."""
        return self.model.to_bqm()

    # -- evaluation ----------------------------------------------------------
    def _mats(self, X):
        return np.atleast_2d(X).reshape(-1, self.n, self.n).astype(float)

    def objective(self, X):
        M = self._mats(X)  # cost = sum_ijkl A_ij x_ik B_kl x_jl = sum_il (X B)_il (A X)_il
        return ((M @ self.B) * (self.A @ M)).sum(axis=(1, 2))

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
        x = np.asarray(x).ravel()
        n = self.n
        rows, cols = linear_sum_assignment(x.reshape(n, n), maximize=True)  # rows: 0..n-1
        y = np.zeros(n * n, dtype=np.int8)
        y[rows * n + cols] = 1
        return y, int(np.count_nonzero(y != x))

    def swap_deltas(self, perm) -> np.ndarray:
        """Cost change of every 2-swap neighbour of ``perm``, as an ``(n, n)`` matrix.

        ``D[r, s]`` is ``cost(perm with perm[r], perm[s] swapped) - cost(perm)``
        (symmetric, zero diagonal).  Two matrix products give the whole
        neighbourhood in ``O(n^3)`` -- the swap formula of Taillard (1991),
        written for general (asymmetric) ``A`` and ``B``.

        References:
            E. Taillard, "Robust taboo search for the quadratic assignment
            problem", Parallel Computing 17 (1991) 443-455.
        """
        A, At, a = self.A, self._At, self._adiag
        perm = np.asarray(perm)
        Bp = self.B[perm[:, None], perm[None, :]]
        Bt = Bp.T
        b = Bp.diagonal()
        S = A @ Bt + At @ Bp
        d = S.diagonal()
        # the products sum over every k; take out k in {r, s} (U) and add the r-s block
        U = (a[:, None] - At) * (Bt - b[:, None]) + (At - a[None, :]) * (b[None, :] - Bt)
        D = S + S.T - d[:, None] - d[None, :] - U - U.T
        D += (a[:, None] - a[None, :]) * (b[None, :] - b[:, None]) + (A - At) * (Bt - Bp)
        np.fill_diagonal(D, 0.0)
        return D

    def swap_costs(self, perm) -> tuple[np.ndarray, np.ndarray]:
        """Costs of every 2-swap neighbour of ``perm``: ``(pairs, costs)``.

        ``pairs`` lists ``(r, s)``, ``r < s``, in row-major order; one
        vectorised evaluation (:meth:`swap_deltas`).
        """
        if getattr(self, "_pairs", None) is None:
            self._pairs = np.stack(np.triu_indices(self.n, 1), 1)
        perm = np.asarray(perm)
        D = self.swap_deltas(perm)
        return self._pairs, self.perm_cost(perm) + D[self._pairs[:, 0], self._pairs[:, 1]]

    def disjoint_swaps(self, perm, k: int, rng=None, noise: float = 0.0) -> list:
        """Up to ``k`` pairwise disjoint 2-swaps ``(r, s)`` of ``perm``, best first.

        Pairs are taken greedily in order of their cost change
        (:meth:`swap_deltas`), each skipped if it shares a facility with one
        already taken.  With ``noise > 0`` the order uses the changes plus
        Gaussian noise of standard deviation ``noise`` times their mean
        absolute value, so repeated calls explore other matchings.
        """
        n = self.n
        if n < 2 or k < 1:
            return []
        r, s = np.triu_indices(n, 1)
        d = self.swap_deltas(perm)[r, s]
        if noise > 0:
            d = d + noise * (np.abs(d).mean() or 1.0) * rng.standard_normal(d.size)
        used = np.zeros(n, dtype=bool)
        pairs = []
        for o in np.argsort(d, kind="stable"):
            a, b = int(r[o]), int(s[o])
            if not (used[a] or used[b]):
                pairs.append((a, b))
                used[a] = used[b] = True
                if len(pairs) == k or used.sum() >= n - 1:
                    break
        return pairs

    def round_groups(self):
        """Later rounds of iterated shrinking as disjoint swaps around the incumbent.

        The correlation groups of a one-hot model rarely respect the
        permutation constraints: a reduced state then is almost never a
        permutation, and the repair, not the child, decides the answer.  Here
        every reduced variable is one 2-swap of the incumbent permutation --
        the four cells ``(a, p_a), (b, p_b), (a, p_b), (b, p_a)`` flipping
        together -- and the swaps are disjoint, so *every* reduced state is a
        permutation and its reduced energy is its exact cost (the penalties
        vanish).  The child chooses the best combination of up to ``budget``
        swaps (at most ``n / 2``), a neighbourhood of ``2^(n/2)``
        permutations; the swaps come from :meth:`disjoint_swaps` with noise
        ``0.5 (1 + stall)``, so stalled rounds look at other matchings.
        An incumbent that is not a permutation (no repair) gets the usual
        shrink.
        """
        def groups(incumbent, budget, rng, stall):
            x = self.decision_vector(incumbent)
            if not self.is_feasible(x)[0]:
                return None
            perm = self.to_perm(x)
            return [[(a, int(perm[a])), (b, int(perm[b])), (a, int(perm[b])),
                     (b, int(perm[a]))]
                    for a, b in self.disjoint_swaps(perm, budget, rng, 0.5 * (1 + stall))]
        return groups

    def perturbation(self, swaps: int = 3):
        """A kick for iterated shrinking: ``swaps`` random 2-swaps of the incumbent.

        The swap rounds (:meth:`round_groups`) end in a permutation no
        combination of disjoint swaps improves; a few random swaps move the
        search elsewhere, as in the iterated local search of Stuetzle (2006).

        References:
            T. Stuetzle, "Iterated local search for the quadratic assignment
            problem", European J. Oper. Res. 174 (2006) 1519-1539.
        """
        def kick(incumbent, rng):
            x = self.decision_vector(incumbent)
            perm = self.to_perm(x) if self.is_feasible(x)[0] else rng.permutation(self.n)
            return self.bqm_state(self.to_matrix(self._random_swaps(perm, swaps, rng)))
        return kick

    def _random_swaps(self, perm, k: int, rng) -> np.ndarray:
        """``perm`` (modified in place, and returned) after ``k`` random 2-swaps
        (none when ``n < 2``)."""
        for _ in range(k if self.n >= 2 else 0):
            a, b = rng.choice(self.n, 2, replace=False)
            perm[a], perm[b] = perm[b], perm[a]
        return perm

    def _descent(self, perm):
        """Best-improvement 2-swap descent (first of equal best moves in row-major order)."""
        perm = np.array(perm)
        moves = 0
        if self.n < 2:
            return perm, 0
        if getattr(self, "_upper", None) is None:
            self._upper = np.triu(np.ones((self.n, self.n), dtype=bool), 1)
        scale = 1e-9 * max(1.0, abs(self.perm_cost(perm)))
        while True:
            D = np.where(self._upper, self.swap_deltas(perm), np.inf)
            f = int(np.argmin(D))
            if not D.flat[f] < -scale:
                return perm, moves
            r, s = divmod(f, self.n)
            perm[r], perm[s] = perm[s], perm[r]
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
                q, m = self._descent(self._random_swaps(perm.copy(), 2, rng))
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

    def construct_feasible(self, state, root, sign, hint=None, max_nodes: int = 200):
        """A permutation consistent with the groups, by propagation and backtracking.

        Every free group is one boolean (its spin); setting it decides every
        cell of the group.  Propagation: a row or column holding a 1 forces its
        other cells to 0, and a row or column without a 1 and with a single
        open cell forces that cell to 1 -- each forced cell fixes its group's
        spin in turn.  A branch is cut on a second 1 in a line, a line with no
        open cell, or when the open cells admit no perfect matching (Hall's
        condition, :func:`scipy.sparse.csgraph.maximum_bipartite_matching`).
        Branching takes the open line with the fewest open cells, trying the
        cell that ``hint`` (a permutation matrix, e.g. the last witness) uses
        first.  Each node costs ``O(n^2)``; the search gives up (``None``)
        after ``max_nodes`` nodes.
        """
        from scipy.sparse.csgraph import maximum_bipartite_matching

        reps, upv, fixed = self._decision_groups(state, root, sign)
        n = self.n
        if hint is not None:
            x = self._swap_of_hint(np.asarray(hint), reps, upv, fixed)
            if x is not None:
                return x
        free = ~fixed
        _, gid_free = np.unique(reps[free], return_inverse=True)
        G = int(gid_free.max()) + 1 if free.size else 0
        gid = np.zeros(n * n, dtype=np.int64)
        gid[free] = gid_free
        up = upv.astype(np.int8)
        down = (1 - up).astype(np.int8)
        # the spin of each cell's group that puts a 1 (a 0) in the cell
        spin_for_one = np.where(up == 1, 1, -1).astype(np.int8)
        pref = np.ones(n * n, dtype=np.int8)  # 0 for the cells the hint uses: tried first
        if hint is not None and np.asarray(hint).size == n * n:
            pref = (np.asarray(hint).ravel() == 0).astype(np.int8)

        def values(spin):
            sp = spin[gid]
            V = np.where(sp > 0, up, np.where(sp < 0, down, -1)).astype(np.int8)
            V[fixed] = up[fixed]
            return V.reshape(n, n)

        def propagate(spin):
            """Unit propagation on the lines; the decided values, or ``None``."""
            while True:
                V = values(spin)
                one = V == 1
                r1, c1 = one.sum(axis=1), one.sum(axis=0)
                if (r1 > 1).any() or (c1 > 1).any():
                    return None
                open_ = V != 0
                ro, co = open_.sum(axis=1), open_.sum(axis=0)
                if (ro == 0).any() or (co == 0).any():
                    return None
                und = V < 0
                f0 = und & ((r1 == 1)[:, None] | (c1 == 1)[None, :])
                f1 = und & (((r1 == 0) & (ro == 1))[:, None] | ((c1 == 0) & (co == 1))[None, :])
                if not (f0.any() or f1.any()):
                    return V
                c0, c1_ = np.flatnonzero(f0), np.flatnonzero(f1)
                g = np.concatenate([gid[c0], gid[c1_]])
                want = np.concatenate([-spin_for_one[c0], spin_for_one[c1_]])
                plus = np.zeros(G, dtype=bool)
                minus = np.zeros(G, dtype=bool)
                plus[g[want > 0]] = True
                minus[g[want < 0]] = True
                if (plus & minus).any():
                    return None
                spin[plus] = 1
                spin[minus] = -1

        def hall(V):
            rows, cols = np.nonzero(V != 0)
            graph = csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
            return bool((maximum_bipartite_matching(graph, perm_type="column") >= 0).all())

        nodes = [0]

        def search(spin, V):
            nodes[0] += 1
            if nodes[0] > max_nodes:
                return None
            one = V == 1
            r1, c1 = one.sum(axis=1), one.sum(axis=0)
            if (r1 == 1).all():  # every line holds its 1, every cell is decided
                return V
            if not hall(V):
                return None
            open_ = V != 0
            ro = np.where(r1 == 0, open_.sum(axis=1), n + 1)
            co = np.where(c1 == 0, open_.sum(axis=0), n + 1)
            if ro.min() <= co.min():
                line = np.arange(n) + n * int(np.argmin(ro))
            else:
                line = int(np.argmin(co)) + n * np.arange(n)
            cand = line[V.ravel()[line] < 0]
            cand = cand[np.argsort(pref[cand], kind="stable")]
            for c in cand.tolist():
                spin2 = spin.copy()
                spin2[gid[c]] = spin_for_one[c]
                V2 = propagate(spin2)
                if V2 is not None:
                    res = search(spin2, V2)
                    if res is not None:
                        return res
                if nodes[0] > max_nodes:
                    return None
            return None

        spin = np.zeros(G, dtype=np.int8)
        V = propagate(spin)
        if V is None:
            return None
        V = search(spin, V)
        return None if V is None else V.ravel().astype(np.int8)

    def _swap_of_hint(self, hint, reps, up, fixed):
        """The hint's permutation, or one 2-swap of it, that agrees with the groups
        (checked for all ``n (n - 1) / 2`` swaps at once); else ``None``."""
        n = self.n
        if hint.size != n * n or n < 2:
            return None
        H = hint.reshape(n, n)
        if not ((H.sum(axis=0) == 1).all() and (H.sum(axis=1) == 1).all()):
            return None
        perm = H.argmax(axis=1)
        r, s = np.triu_indices(n, 1)
        P = np.tile(perm, (r.size + 1, 1))
        P[np.arange(r.size), r] = perm[s]
        P[np.arange(r.size), s] = perm[r]
        X = np.zeros((P.shape[0], n * n), dtype=np.int8)
        X[np.arange(P.shape[0])[:, None], np.arange(n)[None, :] * n + P] = 1
        ok = (X[:, fixed] == up[fixed]).all(axis=1)
        free = np.flatnonzero(~fixed)
        if free.size:
            # every member of a group agrees with the group's spin: x == up (spin +1)
            # for all of them, or x != up for all of them
            agree = (X[:, free] == up[free]).astype(np.int64)
            _, g = np.unique(reps[free], return_inverse=True)
            size = np.bincount(g)
            member = csr_array((np.ones(free.size, dtype=np.int64), (np.arange(free.size), g)),
                               shape=(free.size, size.size))
            count = np.asarray((member.T @ agree.T).T)
            ok &= ((count == 0) | (count == size)).all(axis=1)
        hits = np.flatnonzero(ok)
        if hits.size == 0:
            return None
        return X[hits[-1] if ok[-1] else hits[0]]

    def solution(self, x) -> dict:
        """``{"assignment": [...], "index_base": 1}``: ``assignment[i - 1]`` is the
        location of facility ``i``, both numbered from 1 as in QAPLIB ``.sln``
        files.  (:meth:`to_perm` gives the 0-based permutation.)"""
        return {"assignment": [int(k) + 1 for k in self.to_perm(x)], "index_base": 1}
