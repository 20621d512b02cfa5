"""Any CQM with binary variables and linear constraints."""

from __future__ import annotations

import dimod
import numpy as np

from .base import Problem, linear_rows
from .encoding import add_leq, slack_value_bits
from .policies import LinearBoundGuard, OneHotGuard, all_of

__all__ = ["CQMProblem"]


class CQMProblem(Problem):
    """A generic constrained problem given as a :class:`dimod.ConstrainedQuadraticModel`.

    Penalty BQM.  The objective is scaled so its largest coefficient has size 1.
    Constraint ``k`` (``l_k <= a_k . x <= u_k``) is scaled by its median
    absolute coefficient ``w_k`` and weighted ``beta / w_k^2``, so a violation
    by one typical term costs ``beta`` (default 2) -- the same rule as
    :class:`~.mdkp.MDKPProblem`.  Equalities are squared penalties; ``<=`` and
    ``>=`` use the chosen ``encoding`` (slack bits need integer coefficients).

    Merge policy (rule layer), derived from the linear constraints:

    * the interval rule (:class:`~.policies.LinearBoundGuard`): veto a merge
      when the smallest (largest) achievable left-hand side of some
      constraint exceeds its upper (falls below its lower) bound -- e.g.
      ``a_i + a_j > b`` for ``a . x <= b`` with nonnegative ``a``;
    * one-hot groups (equalities with all coefficients 1 and right-hand side
      1, including CQM discrete constraints): no two members made equal or
      fixed to 1 (:class:`~.policies.OneHotGuard`).

    Repair: greedy flips that reduce the total violation most (ties: better
    objective), then objective-improving flips that keep feasibility.
    Polish: the same improving flips (1-flip local search).
    """

    sense = "min"
    kind = "cqm"

    def __init__(self, cqm: dimod.ConstrainedQuadraticModel, *, encoding: str = "unbalanced",
                 beta: float = 2.0, name: str = "cqm", optimum: float | None = None,
                 max_flips: int | None = None):
        super().__init__(name=name, optimum=optimum, encoding=encoding)
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"expected a dimod.ConstrainedQuadraticModel, got "
                            f"{type(cqm).__name__}")
        bad = [v for v in cqm.variables if cqm.vartype(v) is not dimod.BINARY]
        if bad:
            raise ValueError(f"only binary variables are supported; {bad[0]!r} is "
                             f"{cqm.vartype(bad[0]).name}")
        self._cqm = cqm
        self._vars = list(cqm.variables)
        self.beta = float(beta)
        self.A, self.lower, self.upper, self.names = linear_rows(cqm, self._vars)
        self.Ad = self.A.toarray()
        obj = cqm.objective
        self.obj_bqm = dimod.BinaryQuadraticModel(obj.linear, obj.quadratic, obj.offset,
                                                  "BINARY") if not obj.is_linear() else \
            dimod.BinaryQuadraticModel(obj.linear, {}, obj.offset, "BINARY")
        for v in self._vars:
            self.obj_bqm.add_variable(v)
        self.max_flips = max_flips or 4 * len(self._vars) + 10
        self.slack_terms: dict = {}

    @property
    def variables(self):
        return self._vars

    def build_cqm(self):
        return self._cqm

    def build_bqm(self):
        obj = self.obj_bqm
        lin = np.abs(list(obj.linear.values())) if obj.num_variables else np.zeros(0)
        quad = np.abs(list(obj.quadratic.values())) if obj.num_interactions else np.zeros(0)
        scale = max(lin.max(initial=0), quad.max(initial=0)) or 1.0
        bqm = obj.copy()
        bqm.scale(1.0 / scale)
        self.slack_terms = {}
        for k, name in enumerate(self.names):
            row = self.Ad[k]
            idx = np.flatnonzero(row)
            if idx.size == 0:
                continue
            wk = float(np.median(np.abs(row[idx])))
            mu = self.beta / wk ** 2
            terms = [(self._vars[i], row[i]) for i in idx]
            lo, hi = self.lower[k], self.upper[k]
            if lo == hi:
                bqm.add_linear_equality_constraint(terms, mu, -hi)
                continue
            if np.isfinite(hi):
                self.slack_terms[(k, "ub")] = add_leq(
                    bqm, terms, hi, encoding=self.encoding, lam=mu, lam1=mu * wk,
                    label=f"{name}_ub")
            if np.isfinite(lo):
                neg = [(v, -a) for v, a in terms]
                self.slack_terms[(k, "lb")] = add_leq(
                    bqm, neg, -lo, encoding=self.encoding, lam=mu, lam1=mu * wk,
                    label=f"{name}_lb")
        return bqm

    # -- evaluation ----------------------------------------------------------
    def objective(self, X):
        X = np.atleast_2d(X)
        return self.obj_bqm.energies((X, self._vars))

    def lhs(self, X):
        return np.atleast_2d(X).astype(float) @ self.Ad.T

    def violation(self, X):
        L = self.lhs(X)
        return (np.maximum(L - self.upper, 0) + np.maximum(self.lower - L, 0)).sum(axis=1)

    def is_feasible(self, X):
        return self.violation(X) <= 1e-9

    def complete(self, X):
        X = np.atleast_2d(X)
        self.bqm
        out = self._to_bqm_columns(X)
        if not any(self.slack_terms.values()):
            return out
        pos = {v: k for k, v in enumerate(self.bqm.variables)}
        L = self.lhs(X)
        for r in range(X.shape[0]):
            for (k, side), terms in self.slack_terms.items():
                room = self.upper[k] - L[r, k] if side == "ub" else L[r, k] - self.lower[k]
                for v, bit in slack_value_bits(terms, room).items():
                    out[r, pos[v]] = bit
        return out

    # -- heuristics ------------------------------------------------------------
    def _flip_objective_deltas(self, x):
        # energy change of flipping each variable, from the objective BQM
        lin, (row, col, quad), _ = self.obj_bqm.to_numpy_vectors(self._vars)
        xf = x.astype(float)
        field = lin.copy()
        np.add.at(field, row, quad * xf[col])
        np.add.at(field, col, quad * xf[row])
        return (1 - 2 * xf) * field

    def _violation_of(self, L):
        return (np.maximum(L - self.upper, 0) + np.maximum(self.lower - L, 0)).sum()

    def _reduce_violation(self, x):
        """Single flips, then pairs of flips, that reduce the total violation most."""
        moves = 0
        L = self.lhs(x)[0]
        for _ in range(self.max_flips):
            viol = self._violation_of(L)
            if viol <= 1e-9:
                break
            step = (1 - 2 * x.astype(float))  # +1 adds the column, -1 removes it
            D = self.Ad * step[None, :]
            newL = L[:, None] + D
            newv = (np.maximum(newL - self.upper[:, None], 0) +
                    np.maximum(self.lower[:, None] - newL, 0)).sum(axis=0)
            gain = viol - newv
            best = gain.max()
            if best > 1e-12:
                cand = np.flatnonzero(gain >= best - 1e-12)
                v = cand[np.argmin(self._flip_objective_deltas(x)[cand])]
                x[v] = 1 - x[v]
                L = L + D[:, v]
                moves += 1
                continue
            n = x.size
            if n > 400:
                break
            # stuck: the best pair of flips
            pairL = L[:, None, None] + D[:, :, None] + D[:, None, :]
            pv = (np.maximum(pairL - self.upper[:, None, None], 0) +
                  np.maximum(self.lower[:, None, None] - pairL, 0)).sum(axis=0)
            pv[np.arange(n), np.arange(n)] = np.inf
            a, b = np.unravel_index(np.argmin(pv), pv.shape)
            if not pv[a, b] < viol - 1e-12:
                break
            x[a], x[b] = 1 - x[a], 1 - x[b]
            L = L + D[:, a] + D[:, b]
            moves += 2
        return x, moves

    def _pool(self):
        if getattr(self, "_feasible_pool", None) is None:
            rng = np.random.default_rng(0)
            starts = np.vstack([np.zeros((1, len(self._vars)), dtype=np.int8),
                                rng.integers(0, 2, (63, len(self._vars)), dtype=np.int8)])
            pool = [self._reduce_violation(x.copy())[0] for x in starts]
            pool = np.array(pool)
            self._feasible_pool = np.unique(pool[self.is_feasible(pool)], axis=0)
        return self._feasible_pool

    def repair_one(self, x):
        x0 = np.asarray(x, dtype=np.int8)
        x, moves = self._reduce_violation(x0.copy())
        if not self.is_feasible(x)[0]:
            pool = self._pool()
            if len(pool):  # last resort: the nearest known feasible point
                x = pool[np.argmin((pool != x0).sum(axis=1))].copy()
                moves = int((x != x0).sum())
        x, m2 = self._improve(x)
        return x, moves + m2

    def random_feasible(self, k, rng):
        X = rng.integers(0, 2, size=(k, len(self._vars)), dtype=np.int8)
        return np.array([self._reduce_violation(x)[0] for x in X]).reshape(k, -1)

    def _improve(self, x):
        moves = 0
        if not self.is_feasible(x)[0]:
            return x, 0
        L = self.lhs(x)[0]
        for _ in range(self.max_flips):
            d = self._flip_objective_deltas(x)
            step = (1 - 2 * x.astype(float))
            newL = L[:, None] + self.Ad * step[None, :]
            ok = ((newL <= self.upper[:, None] + 1e-9) &
                  (newL >= self.lower[:, None] - 1e-9)).all(axis=0)
            d = np.where(ok, d, np.inf)
            v = int(np.argmin(d))
            if not d[v] < -1e-12:
                break
            x[v] = 1 - x[v]
            L = L + self.Ad[:, v] * step[v]
            moves += 1
        return x, moves

    def polish_one(self, x):
        return self._improve(np.asarray(x, dtype=np.int8).copy())

    def greedy(self):
        """Repair from the all-zero assignment (violation-reducing, then improving flips)."""
        return self.repair_one(np.zeros(len(self._vars), dtype=np.int8))[0]

    def witnesses(self, k=64, seed=None):
        """Feasible solutions found by the violation-reducing flips (no polish)."""
        rng = np.random.default_rng(seed)
        X = np.vstack([self.greedy()[None, :], self.random_feasible(k - 1, rng)])
        return np.unique(X[self.is_feasible(X)], axis=0)

    def rule_policy(self):
        labels = list(self.bqm.variables)
        pos = {v: k for k, v in enumerate(labels)}
        A = np.zeros((len(self.names), len(labels)))
        for c, v in enumerate(self._vars):
            A[:, pos[v]] = self.Ad[:, c]
        onehot = []
        for k in range(len(self.names)):
            idx = np.flatnonzero(self.Ad[k])
            if (self.lower[k] == self.upper[k] == 1 and idx.size > 1
                    and np.all(self.Ad[k, idx] == 1)):
                onehot.append([self._vars[i] for i in idx])
        guards = [LinearBoundGuard(A, self.lower, self.upper)]
        if onehot:
            guards.append(OneHotGuard(onehot))
        return all_of(*guards)
