"""Multidimensional knapsack: maximise ``p . x`` subject to ``W x <= c``."""

from __future__ import annotations

import dimod
import numpy as np
from scipy import sparse

from ..merges import REFERENCE
from .base import Problem
from .encoding import add_leq_row, slack_value_bits
from .policies import LinearBoundGuard, all_of

__all__ = ["MDKPProblem", "SLACK_MERGES"]

SLACK_MERGES = ("never", "among", "any")


class MDKPProblem(Problem):
    """Multidimensional (multi-constraint) 0/1 knapsack.

    Penalty BQM (the weight rule).  Profits are scaled by ``1 / max(p)``, so
    one item is worth at most 1.  Constraint ``k`` is penalised with
    ``mu_k = beta / w_k^2`` where ``w_k`` is the median nonzero weight of the
    row: overshooting a capacity by one typical item costs ``beta`` (default
    2), twice the most valuable item -- enough to make typical violations
    unprofitable, small enough that the profit terms stay visible to the
    correlations.  (Weighting by the *largest* possible violation, as exact
    penalty rules do, made penalties 10^2-10^4 times the profits, and the
    SDP correlations then saw only the constraints.)

    * ``encoding="unbalanced"`` (default): ``mu_k (Wx - c)^2 + mu_k w_k (Wx - c)``:
      the linear weight puts the penalty's minimum half an item below the
      capacity.  No extra variables.
    * ``encoding="slack"``: ``mu_k (Wx + s - c)^2`` with ``~log2(c_k)`` slack
      bits per row.

    Merge policy (rule layer): the interval rule of
    :class:`~.policies.LinearBoundGuard` with ``check_free_values``: items are
    never made equal when, counting everything already merged or fixed to 1
    with them, they would exceed a capacity; a fix to 1 must leave every
    capacity satisfiable.  Slack bits (``encoding="slack"`` only):
    ``slack_merges="any"`` (default) lets the correlations merge them like any
    variable; ``"among"`` allows slack-slack merges within one constraint;
    ``"never"`` keeps every slack bit.  Measured with
    ``benchmarks/constrained.py --slack-study`` (docs/results/slack_study.md):
    with ``"never"`` the budget cannot be reached -- 42-89 slack bits stay in
    the reduced model of mknap1 -- and the ratio drops to 0.91 on mknap1 #7;
    ``"among"`` still leaves up to 22 slack bits; ``"any"`` reaches the
    budget and gives the best ratio on every instance measured.  Even then
    slack bits fill up to 18 of 20 reduced variables on mknap1, which is why
    ``unbalanced`` is the default encoding.

    Repair: drop chosen items by lowest profit per normalised weight
    (``p_i / sum_k w_ki / c_k``) until feasible -- nothing more: the repair
    restores feasibility and makes no other change, so feasible and infeasible
    child samples are treated alike (adding items that fit is an improvement,
    which is the polish's job).  Polish: add items that fit, best ratio first;
    then 1-1 swaps (drop one item, add a more profitable one that fits) and
    additions, best gain first, until none improves.

    Args:
        profits: ``(n,)`` profits.
        weights: ``(m, n)`` weights.
        capacities: ``(m,)`` capacities.
        encoding: ``"unbalanced"`` or ``"slack"``.
        beta: Penalty scale of the weight rule.
        slack_merges: ``"never"``, ``"among"`` or ``"any"``.
    """

    sense = "max"
    kind = "mdkp"
    candidates = "lsh"

    def __init__(self, profits, weights, capacities, *, encoding: str = "unbalanced",
                 beta: float = 2.0, slack_merges: str = "any", name: str = "mdkp",
                 optimum: float | None = None):
        super().__init__(name=name, optimum=optimum, encoding=encoding)
        self.p = np.asarray(profits, dtype=float)
        self.W = np.atleast_2d(np.asarray(weights, dtype=float))
        self.c = np.asarray(capacities, dtype=float).ravel()
        if self.W.shape != (self.c.size, self.p.size):
            raise ValueError(f"weights must have shape (m, n) = ({self.c.size}, {self.p.size}), "
                             f"got {self.W.shape}")
        if (self.p < 0).any() or (self.W < 0).any() or (self.c < 0).any():
            raise ValueError("MDKP needs nonnegative profits, weights and capacities")
        if slack_merges not in SLACK_MERGES:
            raise ValueError(f"slack_merges must be one of {SLACK_MERGES}, got {slack_merges!r}")
        self.beta = float(beta)
        self.slack_merges = slack_merges
        self.slack_terms: list[list] = []
        # sum_k w_ki / c_k: item i's share of the knapsack
        self.norm_weight = (self.W / np.where(self.c > 0, self.c, 1)[:, None]).sum(axis=0)
        self.ratio_key = self.p / np.where(self.norm_weight > 0, self.norm_weight, 1e-12)

    @classmethod
    def from_instance(cls, inst, **kw):
        """From a :class:`~dimod_shrink.io.MknapInstance`."""
        return cls(inst.profits, inst.weights, inst.capacities, name=inst.name,
                   optimum=inst.optimum, **kw)

    @property
    def variables(self):
        return list(range(self.p.size))

    def build_cqm(self):
        cqm = dimod.ConstrainedQuadraticModel()
        cqm.add_variables("BINARY", self.variables)
        cqm.set_objective([(i, -p) for i, p in enumerate(self.p)])
        for k in range(self.c.size):
            cqm.add_constraint([(i, w) for i, w in enumerate(self.W[k]) if w],
                               "<=", self.c[k], label=f"c{k}")
        return cqm

    def build_model(self):
        """The penalty model: profits as linear biases, each capacity a row
        (:class:`~dimod_shrink.structured.PenaltyModel`; no ``n^2`` couplings)."""
        from ..structured import PenaltyModel
        pmax = self.p.max(initial=0) or 1.0
        base = dimod.BinaryQuadraticModel({i: -p / pmax for i, p in enumerate(self.p)}, {}, 0.0,
                                          "BINARY")
        model = PenaltyModel(base)
        self.slack_terms = []
        for k in range(self.c.size):
            row = self.W[k]
            nz = np.flatnonzero(row > 0)
            wk = float(np.median(row[nz])) if nz.size else 1.0
            mu = self.beta / wk ** 2
            terms = [(int(i), float(row[i])) for i in np.flatnonzero(row)]
            if self.encoding == "unbalanced":
                slack = add_leq_row(model, terms, self.c[k], encoding="unbalanced", lam=mu,
                                    lam1=mu * wk, label=f"c{k}")
            else:
                slack = add_leq_row(model, terms, self.c[k], encoding="slack", lam=mu,
                                    label=f"c{k}")
            self.slack_terms.append(slack)
        return model

    def build_bqm(self):
        """The penalty model written out (``n^2 / 2`` couplings per row: small
        instances only)."""
        return self.model.to_bqm()

    # -- evaluation ----------------------------------------------------------
    def objective(self, X):
        return np.atleast_2d(X).astype(float) @ self.p

    def loads(self, X):
        return np.atleast_2d(X).astype(float) @ self.W.T

    def is_feasible(self, X):
        return (self.loads(X) <= self.c + 1e-9).all(axis=1)

    def complete(self, X):
        X = np.atleast_2d(X)
        self.model  # make sure slack terms exist
        if not any(self.slack_terms):
            return self._to_bqm_columns(X)
        out = self._to_bqm_columns(X)
        labels = self.labels
        pos = {v: k for k, v in enumerate(labels)}
        L = self.loads(X)
        for r in range(X.shape[0]):
            for k, terms in enumerate(self.slack_terms):
                for v, bit in slack_value_bits(terms, self.c[k] - L[r, k]).items():
                    out[r, pos[v]] = bit
        return out

    # -- heuristics ------------------------------------------------------------
    def _fill(self, x, moves, order=None):
        load = self.W @ x
        for i in (np.argsort(-self.ratio_key, kind="stable") if order is None else order):
            if not x[i] and (load + self.W[:, i] <= self.c + 1e-9).all():
                x[i] = 1
                load += self.W[:, i]
                moves += 1
        return x, moves

    def repair_one(self, x):
        x = np.asarray(x, dtype=np.int8).copy()
        moves = 0
        load = self.W @ x
        for i in np.argsort(self.ratio_key, kind="stable"):
            if (load <= self.c + 1e-9).all():
                break
            if x[i]:
                x[i] = 0
                load -= self.W[:, i]
                moves += 1
        return x, moves

    def polish_one(self, x, max_rounds: int = 1000):
        x = np.asarray(x, dtype=np.int8).copy()
        moves = 0
        x, moves = self._fill(x, moves)
        for _ in range(max_rounds):
            load = self.W @ x
            ins, outs = np.flatnonzero(x), np.flatnonzero(x == 0)
            if ins.size == 0 or outs.size == 0:
                break
            # new load for every (drop i, add j) pair: (m, |in|, |out|)
            new = load[:, None, None] - self.W[:, ins][:, :, None] + self.W[:, outs][:, None, :]
            ok = (new <= self.c[:, None, None] + 1e-9).all(axis=0)
            gain = np.where(ok, self.p[outs][None, :] - self.p[ins][:, None], -np.inf)
            a, b = np.unravel_index(np.argmax(gain), gain.shape)
            if not gain[a, b] > 1e-12:
                break
            x[ins[a]], x[outs[b]] = 0, 1
            moves += 1
            x, moves = self._fill(x, moves)
        return x, moves

    def greedy(self):
        """Profit per normalised weight, add while it fits."""
        return self._fill(np.zeros(self.p.size, dtype=np.int8), 0)[0]

    def random_feasible(self, k, rng):
        out = np.zeros((k, self.p.size), dtype=np.int8)
        for r in range(k):
            noisy = self.ratio_key * rng.lognormal(0.0, 0.5, self.p.size)
            out[r] = self._fill(np.zeros(self.p.size, dtype=np.int8), 0,
                                order=np.argsort(-noisy, kind="stable"))[0]
        return out

    # -- policy ------------------------------------------------------------------
    def rule_policy(self):
        labels = self.labels
        pos = {v: k for k, v in enumerate(labels)}
        cols = np.array([pos[i] for i in self.variables], dtype=np.int64)
        Wc = sparse.coo_array(self.W)
        A = sparse.csr_array((Wc.data, (Wc.row, cols[Wc.col])),
                             shape=(self.c.size, len(labels)))
        guard = LinearBoundGuard(A, np.full(self.c.size, -np.inf), self.c,
                                 check_free_values=True)
        slack_of = {v: k for k, terms in enumerate(self.slack_terms) for v, _ in terms}
        mode = self.slack_merges

        def slack_rule(state, i, j, sign):
            si, sj = i in slack_of, (j is not REFERENCE and j in slack_of)
            if not (si or sj) or mode == "any":
                return True
            if mode == "never":
                return False
            return si and sj and slack_of[i] == slack_of[j]

        return all_of(slack_rule, guard)

    def construct_feasible(self, state, root, sign):
        """Least-load completion: each free group takes the value that puts less
        normalised weight (``sum_k w_k / c_k``) in the knapsack."""
        reps, up, fixed = self._decision_groups(state, root, sign)
        x = np.where(fixed, up, 0).astype(np.int8)
        free = np.flatnonzero(~fixed)
        if free.size:
            cost = self.norm_weight
            ureps, g = np.unique(reps[free], return_inverse=True)
            load_up = np.zeros(ureps.size)
            load_down = np.zeros(ureps.size)
            np.add.at(load_up, g, cost[free] * up[free])
            np.add.at(load_down, g, cost[free] * (1 - up[free]))
            spin_up = load_up <= load_down
            x[free] = np.where(spin_up[g], up[free], 1 - up[free])
        return x if self.is_feasible(x[None, :])[0] else None

    def solution(self, x) -> dict:
        """``{"items": [...], "index_base": 1}``: the chosen items, numbered from 1
        as in the OR-Library files and the literature."""
        return {"items": [int(i) + 1 for i in self.variables if x[i]], "index_base": 1}
