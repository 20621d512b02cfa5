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
    then rounds of improving 1-1 swaps (drop one item, add a more profitable
    one that fits), each followed by additions, until no swap improves.  On
    small instances (at most :attr:`best_swap_pairs` swap pairs, e.g. every
    state of a 100-item instance) a round is the best swap -- best
    improvement; on larger ones a round makes the best swap of each candidate
    addition, by decreasing gain, while they fit (``_swaps``): one scan
    of the pairs per round instead of one per swap.  Measured on random 500 x
    30 and 2,000 x 10 instances (``benchmarks/scale_heuristics.py``,
    docs/results/scale_heuristics.md), the rounds end 0.3-0.5 % higher than
    best improvement and 3-11 times sooner.  The witness pool is polished up
    to :attr:`witness_polish_max` items.

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
    #: Witnesses are polished up to 250 items (OR-Library's 100- and 250-item
    #: sets); above, the ratio fills alone (measured on random 500 x 10 and
    #: 500 x 30 instances: the same final answer, without 4 s of polish).
    witness_polish_max = 250

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
        if self.p.size == 0:
            raise ValueError("MDKP needs at least one item (profits is empty): there is "
                             "nothing to choose")
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
    #: Pairs (chosen item, candidate addition) one block of the swap search looks
    #: at (see ``_swaps``).
    swap_block_pairs = 1 << 16
    #: Up to this many pairs a polish round makes the single best swap (plain
    #: best-improvement); above, the best swap of every candidate addition
    #: that still fits (see ``_swaps``).
    best_swap_pairs = 1 << 13

    @property
    def _Wt(self) -> np.ndarray:
        """The weights as a contiguous ``(n, m)`` array (one row per item)."""
        if getattr(self, "_Wt_cache", None) is None:
            self._Wt_cache = np.ascontiguousarray(self.W.T)
        return self._Wt_cache

    @property
    def _small_int_weights(self) -> bool:
        """Whether every weight is an integer below 32,767 (int16 comparisons)."""
        if getattr(self, "_small_int_cache", None) is None:
            W = self.W
            self._small_int_cache = bool(np.all(W == np.round(W))
                                         and W.max(initial=0) < 32767)
        return self._small_int_cache

    @property
    def _fill_order(self) -> np.ndarray:
        if getattr(self, "_fill_order_cache", None) is None:
            self._fill_order_cache = np.argsort(-self.ratio_key, kind="stable")
        return self._fill_order_cache

    def _fill(self, x, moves, order=None):
        """Add the items of ``order`` (default: best ratio first) that fit, in turn.

        The same result as the item-by-item loop, in blocks: items that do not
        fit on their own now never will (loads only grow), and a run of
        consecutive items that fit together is added at once.
        """
        order = self._fill_order if order is None else np.asarray(order)
        Wt = self._Wt
        rest = order[x[order] == 0]
        slack = self.c + 1e-9 - self.W @ x
        block = 256
        while rest.size:
            rest = rest[(Wt[rest] <= slack).all(axis=1)]
            if not rest.size:
                break
            cum = np.cumsum(Wt[rest[:block]], axis=0)
            ok = (cum <= slack).all(axis=1)
            k = ok.size if ok.all() else int(np.argmin(ok))
            x[rest[:k]] = 1
            slack = slack - cum[k - 1]
            moves += k
            rest = rest[k + 1:] if k < ok.size else rest[k:]
        return x, moves

    def repair_one(self, x):
        """Drop chosen items, lowest ratio first, until every capacity holds."""
        x = np.asarray(x, dtype=np.int8).copy()
        excess = self.W @ x - self.c - 1e-9
        if (excess <= 0).all():
            return x, 0
        if getattr(self, "_drop_order", None) is None:
            self._drop_order = np.argsort(self.ratio_key, kind="stable")
        order = self._drop_order
        chosen = order[x[order] == 1]
        freed = np.cumsum(self._Wt[chosen], axis=0)
        ok = (freed >= excess).all(axis=1)
        k = int(np.argmax(ok)) + 1 if ok.any() else chosen.size
        x[chosen[:k]] = 0
        return x, k

    def _swaps(self, x, load):
        """Improving 1-1 swaps ``(i, j)`` (drop ``i``, add ``j``) for one polish round.

        Only additions ``j`` and drops ``i`` with ``p_j > p_i`` whose swap
        keeps every capacity are considered.  Up to :attr:`best_swap_pairs`
        (chosen item, candidate addition) pairs, the round is the single best
        swap (largest ``p_j - p_i``; ties: lowest ``i``, then lowest ``j``):
        plain best-improvement.  Above, the pairs are scanned in blocks of
        about :attr:`swap_block_pairs` and the round makes, by decreasing
        gain, the best swap of every candidate addition that still fits and
        moves no item moved before in the round: one scan of all pairs, many
        swaps.  Returns ``[]`` when no swap improves.
        """
        if getattr(self, "_profit_orders", None) is None:
            self._profit_orders = (np.argsort(self.p, kind="stable"),
                                   np.argsort(-self.p, kind="stable"))
        up, down = self._profit_orders
        ins = up[x[up] == 1]                    # by profit, then index
        cand = down[x[down] == 0]               # by decreasing profit, then index
        if ins.size == 0 or cand.size == 0:
            return []
        Wt, p = self._Wt, self.p
        slack = self.c + 1e-9 - load
        p_in = p[ins]
        cand = cand[p[cand] - p_in[0] > 1e-12]
        if cand.size == 0:
            return []
        # a swap with j needs W_j <= slack + W_i for some chosen i
        cand = cand[(Wt[cand] <= slack + Wt[ins].max(axis=0)).all(axis=1)]
        if cand.size == 0:
            return []
        # capacities some candidate cannot enter without a drop, tightest first
        over = Wt[cand] - slack
        dims = np.flatnonzero(over.max(axis=0) > 0)
        dims = dims[np.argsort(-over[:, dims].mean(axis=0), kind="stable")]
        WinT = np.ascontiguousarray(Wt[ins][:, dims].T)     # (d, |in|)
        needT = np.ascontiguousarray(over[:, dims].T)       # (d, |cand|)
        if self._small_int_weights:
            # integer weights: W_i >= need <=> W_i >= ceil(need); int16 comparisons
            # read a quarter of the memory
            WinT = WinT.astype(np.int16)
            needT = np.clip(np.ceil(needT), 0, np.iinfo(np.int16).max).astype(np.int16)
        step = max(1, self.swap_block_pairs // ins.size)
        single = ins.size * cand.size <= self.best_swap_pairs
        if single:
            step = cand.size
        found = []                                          # (gain, i, j) per addition j
        for s in range(0, cand.size, step):
            js = slice(s, s + step)
            p_j = p[cand[js]]
            # only chosen items cheaper than the block's best addition
            top = int(np.searchsorted(p_in, p_j[0] - 1e-12, side="left"))
            if top == 0:
                continue
            ok = np.ones((top, p_j.size), dtype=bool)
            for k in range(dims.size):
                ok &= WinT[k, :top, None] >= needT[k, None, js]
            # each addition's best partner: its first feasible drop (drops are by
            # profit, then index), if cheaper than the addition
            first = np.argmax(ok, axis=0)
            cols = np.arange(p_j.size)
            good = ok[first, cols] & (first < np.searchsorted(p_in, p_j - 1e-12, side="left"))
            if not good.any():
                continue
            cols, first = cols[good], first[good]
            gain = p_j[cols] - p_in[first]
            if single:
                best = gain == gain.max()
                i_items, j_items = ins[first[best]], cand[js][cols[best]]
                pick = np.lexsort((j_items, i_items))[0]
                return [(int(i_items[pick]), int(j_items[pick]))]
            found.append((gain, ins[first], cand[js][cols]))
        if not found:
            return []
        g = np.concatenate([f[0] for f in found])
        ii = np.concatenate([f[1] for f in found])
        jj = np.concatenate([f[2] for f in found])
        out, moved, free = [], set(), slack.copy()
        for r in np.argsort(-g, kind="stable"):
            i, j = int(ii[r]), int(jj[r])
            if i in moved or j in moved or not (Wt[j] - Wt[i] <= free).all():
                continue
            out.append((i, j))
            moved.update((i, j))
            free = free + Wt[i] - Wt[j]
        return out

    def polish_one(self, x, max_rounds: int = 1000):
        """Add what fits, then rounds of improving 1-1 swaps (``_swaps``), each
        followed by additions, until no swap improves or ``max_rounds`` rounds."""
        x = np.asarray(x, dtype=np.int8).copy()
        moves = 0
        x, moves = self._fill(x, moves)
        for _ in range(max_rounds):
            swaps = self._swaps(x, self.W @ x)
            if not swaps:
                break
            for i, j in swaps:
                x[i], x[j] = 0, 1
            moves += len(swaps)
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
