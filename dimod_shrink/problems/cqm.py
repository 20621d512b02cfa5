"""Any CQM with binary variables and linear constraints."""

from __future__ import annotations

import dimod
import numpy as np
from scipy import sparse

from ._checks import check_cqm_numbers
from .base import Problem, linear_rows, unique_rows
from .encoding import add_leq_row, slack_value_bits
from .policies import LinearBoundGuard, OneHotGuard, all_of

__all__ = ["CQMProblem"]


class CQMProblem(Problem):
    """A generic constrained problem given as a :class:`dimod.ConstrainedQuadraticModel`.

    Penalty BQM.  The objective is scaled so its largest coefficient has size 1.
    Hard constraint ``k`` (``l_k <= a_k . x <= u_k``) is scaled by its median
    absolute coefficient ``w_k`` and weighted ``beta / w_k^2``, so a violation
    by one typical term costs ``beta`` (default 2) -- the same rule as
    :class:`~.mdkp.MDKPProblem`.  Equalities are squared penalties; ``<=`` and
    ``>=`` use the chosen ``encoding`` (slack bits need integer coefficients).

    Soft constraints (``weight=``, ``penalty=`` of
    :meth:`dimod.ConstrainedQuadraticModel.add_constraint`) keep their weight
    and penalty type, with dimod's meaning: a sample that violates soft
    constraint ``k`` by ``v`` pays ``weight * v`` (``"linear"``) or
    ``weight * v**2`` (``"quadratic"``) on top of the objective, as in
    :meth:`dimod.SampleSet.from_samples_cqm`.

    * :meth:`objective` is that energy (objective plus soft penalties), and
      :meth:`is_feasible` looks at the hard constraints only.
    * The penalty BQM gets each soft constraint in the objective's (scaled)
      units, encoded like a hard one (squared for equalities, ``encoding``
      for inequalities) but weighted so that a violation by one typical term
      ``w_k`` costs exactly what the CQM charges for it: ``weight * w_k``
      (``"linear"``) or ``weight * w_k**2`` (``"quadratic"``).  Quadratic
      equalities, and quadratic inequalities under ``encoding="slack"``, are
      then exact; a linear penalty -- piecewise linear, which no quadratic
      model holds -- is matched at that one point.  Reported energies are
      always the exact ones.
    * The repair never forces a soft constraint; the polish trades soft
      penalties against the objective like any other energy.
    * The merge policy looks at the hard constraints only.

    A hard constraint that no assignment can satisfy (for binary variables:
    the smallest left-hand side exceeds the upper bound, or the largest falls
    below the lower bound) is reported at construction, by name.

    Merge policy (rule layer), derived from the hard linear constraints:

    * the interval rule (:class:`~.policies.LinearBoundGuard`): veto a merge
      when the smallest (largest) achievable left-hand side of some
      constraint exceeds its upper (falls below its lower) bound -- e.g.
      ``a_i + a_j > b`` for ``a . x <= b`` with nonnegative ``a``;
    * one-hot groups (equalities with all coefficients 1 and right-hand side
      1, including CQM discrete constraints): no two members made equal or
      fixed to 1 (:class:`~.policies.OneHotGuard`).

    Repair: greedy flips that reduce the total hard violation most (ties:
    better energy), until no hard constraint is violated -- nothing more, so
    feasible and infeasible child samples are treated alike.  When no single
    flip helps, the best pair of flips (models of at most 400 variables); the
    last resort is the nearest point of a pool of repaired random points.
    Polish: energy-improving flips that keep feasibility (1-flip local search),
    best first, until none improves.

    Both work in rounds on the sparse constraint rows (``A``, CSR, and its
    columns): a round ranks every flip at once -- one pass over the nonzeros,
    since a flip changes only the rows of its column -- and makes the ranked
    flips in order for as long as each still gains what it was ranked by,
    with all earlier flips of the round made (left-hand sides accumulated row
    by row in list order); the next round ranks again.  The first flip of a
    round is the one the one-flip-at-a-time greedy makes; the rest are the
    flips it would make next unless an earlier one changed their gain.  A
    round costs O(nnz) plus the flips it makes, so one knapsack row over
    60,000 binaries repairs in a few rounds (``benchmarks/scale_heuristics.py``).
    :attr:`Ad` (dense) is built only where the penalty model, the rule layer
    or the pair search of a small model asks for it.

    Raises:
        TypeError: ``cqm`` is not a CQM.
        ValueError: the CQM has no variables, a non-binary variable, a
            quadratic constraint, a hard constraint no assignment satisfies, or
            a coefficient or right-hand side that is not finite or is over
            ``problems._checks.MAX_COEFFICIENT`` in size (the message names it).

    Examples:
        A soft constraint keeps its weight: taking all four items violates
        ``sum(x) <= 1`` by 3 and costs ``0.1 * 3``.

        >>> import dimod
        >>> cqm = dimod.ConstrainedQuadraticModel()
        >>> x = [dimod.Binary(i) for i in range(4)]
        >>> cqm.set_objective(-sum(x))
        >>> _ = cqm.add_constraint(sum(x) <= 1, weight=0.1, penalty="linear", label="few")
        >>> p = CQMProblem(cqm)
        >>> float(p.objective([[1, 1, 1, 1]])[0])
        -3.7
        >>> bool(p.is_feasible([[1, 1, 1, 1]])[0])
        True
    """

    sense = "min"
    kind = "cqm"
    candidates = "lsh"

    def __init__(self, cqm: dimod.ConstrainedQuadraticModel, *, encoding: str = "unbalanced",
                 beta: float = 2.0, name: str = "cqm", optimum: float | None = None,
                 max_flips: int | None = None):
        super().__init__(name=name, optimum=optimum, encoding=encoding)
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"expected a dimod.ConstrainedQuadraticModel, got "
                            f"{type(cqm).__name__}")
        if len(cqm.variables) == 0:
            raise ValueError("the CQM has no variables, so there is nothing to sample; add "
                             "variables (e.g. with cqm.add_variable or set_objective) first")
        bad = [v for v in cqm.variables if cqm.vartype(v) is not dimod.BINARY]
        if bad:
            raise ValueError(f"CQMProblem takes binary variables only; {bad[0]!r} is "
                             f"{cqm.vartype(bad[0]).name}: use dimod_shrink.problems.integers."
                             "cqm_problem(cqm) (what sample_cqm and load_problem do), which "
                             "expands bounded integers and spins into binaries")
        check_cqm_numbers(cqm)  # NaN, infinite or over-large numbers: a clear error
        self._cqm = cqm
        self._vars = list(cqm.variables)
        self.beta = float(beta)
        A, lower, upper, names = linear_rows(cqm, self._vars)
        soft = np.array([cqm.constraints[nm].lhs.is_soft() for nm in names], dtype=bool)
        hard = ~soft
        # hard constraints: what the repair, the feasibility test and the policy see
        self.A = A[np.flatnonzero(hard)]
        self.lower, self.upper = lower[hard], upper[hard]
        self.names = [nm for nm, h in zip(names, hard) if h]
        # soft constraints: weight, penalty type and dimod's tolerance
        self.soft_names = [nm for nm, sft in zip(names, soft) if sft]
        self.A_soft = A[np.flatnonzero(soft)]
        self.soft_lower, self.soft_upper = lower[soft], upper[soft]
        self.soft_weight = np.array([float(cqm.constraints[nm].lhs.weight())
                                     for nm in self.soft_names])
        self.soft_penalty = [str(cqm.constraints[nm].lhs.penalty()) for nm in self.soft_names]
        for nm, pen in zip(self.soft_names, self.soft_penalty):
            if pen not in ("linear", "quadratic"):
                raise ValueError(f"soft constraint {nm!r} has penalty {pen!r}; only 'linear' "
                                 "and 'quadratic' are supported")
        bad_w = [nm for nm, w in zip(self.soft_names, self.soft_weight)
                 if not (np.isfinite(w) and w >= 0)]
        if bad_w:
            raise ValueError(f"soft constraint {bad_w[0]!r} has weight "
                             f"{cqm.constraints[bad_w[0]].lhs.weight()!r}; a soft weight must "
                             "be a finite number >= 0")
        self.soft_tol = np.array([1e-8 + 1e-6 * abs(float(cqm.constraints[nm].rhs))
                                  for nm in self.soft_names])
        self._check_satisfiable()
        obj = cqm.objective
        self.obj_bqm = dimod.BinaryQuadraticModel(obj.linear, obj.quadratic, obj.offset,
                                                  "BINARY") if not obj.is_linear() else \
            dimod.BinaryQuadraticModel(obj.linear, {}, obj.offset, "BINARY")
        for v in self._vars:
            self.obj_bqm.add_variable(v)
        self.max_flips = max_flips or 4 * len(self._vars) + 10
        self.slack_terms: dict = {}

    @property
    def Ad(self) -> np.ndarray:
        """The hard constraints' coefficients as a dense ``(m, n)`` array (built on
        first use; the heuristics work on the sparse ``A``)."""
        if getattr(self, "_Ad", None) is None:
            self._Ad = self.A.toarray()
        return self._Ad

    @Ad.setter
    def Ad(self, value):
        self._Ad = None if value is None else np.asarray(value, dtype=float)

    @property
    def As(self) -> np.ndarray:
        """The soft constraints' coefficients as a dense array (built on first use)."""
        if getattr(self, "_As", None) is None:
            self._As = self.A_soft.toarray()
        return self._As

    @As.setter
    def As(self, value):
        self._As = None if value is None else np.asarray(value, dtype=float)

    def _check_satisfiable(self):
        """Raise on a hard constraint that no binary assignment satisfies."""
        coo = self.A.tocoo()
        m = self.A.shape[0]
        lo = np.bincount(coo.row, np.minimum(coo.data, 0), minlength=m)
        hi = np.bincount(coo.row, np.maximum(coo.data, 0), minlength=m)
        tol = 1e-9 * np.maximum(1.0, np.abs(lo) + np.abs(hi))
        for k in np.flatnonzero((lo > self.upper + tol) | (hi < self.lower - tol)):
            if self.lower[k] == self.upper[k]:
                bound = f"== {self.upper[k]:g}"
            elif lo[k] > self.upper[k] + tol[k]:
                bound = f"<= {self.upper[k]:g}"
            else:
                bound = f">= {self.lower[k]:g}"
            raise ValueError(
                f"constraint {self.names[k]!r} cannot be satisfied by any assignment: over "
                f"binary variables its left-hand side (less its constant) ranges over "
                f"[{lo[k]:g}, {hi[k]:g}] but must be {bound}; remove or relax it (or make it "
                "soft with weight=...)")

    @property
    def variables(self):
        return self._vars

    def build_cqm(self):
        return self._cqm

    def build_model(self):
        """The penalty model: the scaled objective, and every constraint a row
        (:class:`~dimod_shrink.structured.PenaltyModel`; no ``n^2`` couplings)."""
        from ..structured import PenaltyModel
        obj = self.obj_bqm
        lin = np.abs(list(obj.linear.values())) if obj.num_variables else np.zeros(0)
        quad = np.abs(list(obj.quadratic.values())) if obj.num_interactions else np.zeros(0)
        scale = max(lin.max(initial=0), quad.max(initial=0)) or 1.0
        base = obj.copy()
        base.scale(1.0 / scale)
        model = PenaltyModel(base)
        self.slack_terms = {}
        def row(A, k):
            lo, hi = A.indptr[k], A.indptr[k + 1]
            return A.indices[lo:hi], A.data[lo:hi]

        # hard rows, then soft ones (the order of the penalty and its slack variables)
        for k, name in enumerate(self.names):
            self._encode_row(model, ("hard", k), row(self.A, k), self.lower[k], self.upper[k],
                             name)
        for k, name in enumerate(self.soft_names):
            w = self.soft_weight[k] / scale
            power = 2 if self.soft_penalty[k] == "quadratic" else 1
            self._encode_row(model, ("soft", k), row(self.A_soft, k), self.soft_lower[k],
                             self.soft_upper[k], name, soft=(w, power))
        return model

    def build_bqm(self):
        """The penalty model written out (``n^2 / 2`` couplings per row: small
        models only)."""
        return self.model.to_bqm()

    def _encode_row(self, model, key, row, lo, hi, name, soft=None):
        """Add one constraint's penalty row; ``row`` is ``(indices, coefficients)``.
        Hard: ``mu = beta / w_k^2``.  Soft ``(w, power)``: ``mu`` chosen so a
        violation by one typical term ``w_k`` costs exactly ``w * w_k**power``,
        what the CQM charges for it."""
        idx, coef = row
        keep = coef != 0
        idx, coef = idx[keep], coef[keep]
        if idx.size == 0:
            return
        wk = float(np.median(np.abs(coef)))
        if soft is None:
            mu = self.beta / wk ** 2
        else:
            w, power = soft
            target = w * wk ** power
            # squared forms cost mu * v^2 at violation v; the unbalanced form
            # mu * w_k * v + mu * v^2 costs 2 mu w_k^2 at v = w_k
            two = 2.0 if (lo != hi and self.encoding == "unbalanced") else 1.0
            mu = target / (two * wk ** 2)
        if mu == 0:
            return
        order = np.argsort(idx, kind="stable")
        terms = [(self._vars[i], float(a)) for i, a in zip(idx[order], coef[order])]
        if lo == hi:
            model.add_row(terms, hi, quad=mu, name=name)
            return
        if np.isfinite(hi):
            self.slack_terms[(*key, "ub")] = add_leq_row(
                model, terms, hi, encoding=self.encoding, lam=mu, lam1=mu * wk,
                label=f"{name}_ub")
        if np.isfinite(lo):
            neg = [(v, -a) for v, a in terms]
            self.slack_terms[(*key, "lb")] = add_leq_row(
                model, neg, -lo, encoding=self.encoding, lam=mu, lam1=mu * wk,
                label=f"{name}_lb")

    # -- evaluation ----------------------------------------------------------
    def objective(self, X):
        """CQM energy of each row: the objective plus the soft penalties (dimod's
        :meth:`~dimod.SampleSet.from_samples_cqm` energy)."""
        X = np.atleast_2d(np.asarray(X))
        e = np.asarray(self.obj_bqm.energies((X, self._vars)), dtype=float)
        if self.soft_names:
            e = e + self._soft_penalty(self.soft_lhs(X))
        return e

    def soft_lhs(self, X):
        """Left-hand sides of the soft constraints of each row (rows x soft)."""
        return _sparse_lhs(self.A_soft, X)

    def _soft_penalty(self, L):
        """Soft penalty of each row of soft left-hand sides ``L`` (rows x soft)."""
        viol = np.maximum(L - self.soft_upper, 0) + np.maximum(self.soft_lower - L, 0)
        viol = np.where(viol <= self.soft_tol, 0.0, viol)
        quad = np.array([pen == "quadratic" for pen in self.soft_penalty], dtype=bool)
        pen = np.where(quad, viol ** 2, viol) * self.soft_weight
        return pen.sum(axis=-1)

    def lhs(self, X):
        """Left-hand sides of the hard constraints of each row (rows x hard)."""
        return _sparse_lhs(self.A, X)

    def violation(self, X):
        """Total violation of the hard constraints of each row."""
        L = self.lhs(X)
        return (np.maximum(L - self.upper, 0) + np.maximum(self.lower - L, 0)).sum(axis=1)

    def is_feasible(self, X):
        """Whether each row satisfies every hard constraint (soft ones never count)."""
        return self.violation(X) <= 1e-9

    def complete(self, X):
        X = np.atleast_2d(X)
        self.model  # make sure slack terms exist
        out = self._to_bqm_columns(X)
        if not any(self.slack_terms.values()):
            return out
        pos = {v: k for k, v in enumerate(self.labels)}
        L = {"hard": self.lhs(X), "soft": self.soft_lhs(X)}
        bounds = {"hard": (self.lower, self.upper), "soft": (self.soft_lower, self.soft_upper)}
        for r in range(X.shape[0]):
            for (kind, k, side), terms in self.slack_terms.items():
                lower, upper = bounds[kind]
                lk = L[kind][r, k]
                room = upper[k] - lk if side == "ub" else lk - lower[k]
                for v, bit in slack_value_bits(terms, room).items():
                    out[r, pos[v]] = bit
        return out

    # -- heuristics ------------------------------------------------------------
    # Everything below works on the sparse rows: a flip of variable i changes
    # only the left-hand sides of the rows in column i, so one pass over the
    # nonzeros gives the effect of every single flip, and a ranked list of
    # flips is checked in one pass too (left-hand sides accumulated row by row
    # in list order).

    def _columns(self):
        """Per matrix (hard, soft): the nonzeros in column order, as
        ``(indptr, rows, values, column_of_each_nonzero)``; and the symmetric
        quadratic objective as CSR ``(indptr, neighbours, biases)``."""
        if getattr(self, "_col_cache", None) is None:
            from scipy import sparse

            def cols(M):
                C = sparse.csc_array(M)
                C.sum_duplicates()
                col = np.repeat(np.arange(C.shape[1]), np.diff(C.indptr))
                return (C.indptr.astype(np.int64), C.indices.astype(np.int64),
                        np.asarray(C.data, dtype=float), col)

            lin, (row, col, quad), _ = self.obj_bqm.to_numpy_vectors(self._vars)
            n = len(self._vars)
            Q = sparse.csr_array((np.concatenate([quad, quad]).astype(float),
                                  (np.concatenate([row, col]), np.concatenate([col, row]))),
                                 shape=(n, n))
            Q.sum_duplicates()
            self._col_cache = {
                "hard": cols(self.A), "soft": cols(self.A_soft),
                "lin": np.asarray(lin, dtype=float),
                "Q": (Q.indptr.astype(np.int64), Q.indices.astype(np.int64),
                      np.asarray(Q.data, dtype=float)),
                "soft_quad": np.array([pen == "quadratic" for pen in self.soft_penalty],
                                      dtype=bool),
            }
        return self._col_cache

    def _soft_pen_at(self, L, rows):
        """Soft penalty of soft row ``rows[e]`` at left-hand side ``L[e]`` (elementwise)."""
        viol = (np.maximum(L - self.soft_upper[rows], 0)
                + np.maximum(self.soft_lower[rows] - L, 0))
        viol = np.where(viol <= self.soft_tol[rows], 0.0, viol)
        quad = self._columns()["soft_quad"][rows]
        return np.where(quad, viol ** 2, viol) * self.soft_weight[rows]

    def _hard_viol_at(self, L, rows):
        return np.maximum(L - self.upper[rows], 0) + np.maximum(self.lower[rows] - L, 0)

    def _field(self, x):
        """Objective field ``lin + Q x`` (the energy change of setting each variable)."""
        cc = self._columns()
        indptr, nbr, q = cc["Q"]
        field = cc["lin"].copy()
        if q.size:
            rowid = np.repeat(np.arange(len(self._vars)), np.diff(indptr))
            field += np.bincount(rowid, q * x[nbr], minlength=len(self._vars))
        return field

    def _soft_deltas(self, x, S, step):
        """Change of the soft penalties of flipping each variable, given soft
        left-hand sides ``S``."""
        indptr, rows, vals, col = self._columns()["soft"]
        n = len(self._vars)
        if rows.size == 0:
            return np.zeros(n)
        before = S[rows]
        diff = self._soft_pen_at(before + vals * step[col], rows) - self._soft_pen_at(before, rows)
        return np.bincount(col, diff, minlength=n)

    def _flip_objective_deltas(self, x):
        """Energy change (objective plus soft penalties) of flipping each variable."""
        xf = np.asarray(x, dtype=float)
        step = 1 - 2 * xf
        d = step * self._field(xf)
        if self.soft_names:
            d = d + self._soft_deltas(xf, self.soft_lhs(xf)[0], step)
        return d

    def _violation_of(self, L):
        return (np.maximum(L - self.upper, 0) + np.maximum(self.lower - L, 0)).sum()

    def _flip_gains(self, L, step):
        """Reduction of the total hard violation of flipping each variable."""
        cc = self._columns()
        indptr, rows, vals, col = cc["hard"]
        if "hard_bounds" not in cc:
            cc["hard_bounds"] = (self.upper[rows], self.lower[rows])
        up, lo = cc["hard_bounds"]
        before = np.maximum(L - self.upper, 0) + np.maximum(self.lower - L, 0)
        after = L[rows]
        after += vals * step[col]
        diff = before[rows]
        diff -= np.maximum(after - up, 0)
        diff -= np.maximum(lo - after, 0)
        return np.bincount(col, diff, minlength=len(self._vars))

    def _in_order(self, key, cand, start, x):
        """Left-hand sides, before and after each flip, of the rows the flips of
        ``cand`` (in that order) touch, all earlier flips of the list made.

        ``key`` is ``"hard"`` or ``"soft"``; ``start`` the left-hand sides
        before the list.  Returns ``(position, row, before, after)`` per nonzero.
        """
        indptr, rows, vals, _ = self._columns()[key]
        starts, ends = indptr[cand], indptr[cand + 1]
        counts = ends - starts
        total = int(counts.sum())
        pos = np.repeat(np.arange(cand.size), counts)
        if total == 0:
            z = np.zeros(0)
            return pos, np.zeros(0, dtype=np.int64), z, z
        offsets = np.cumsum(counts) - counts
        idx = np.repeat(starts - offsets, counts) + np.arange(total)
        row = rows[idx]
        delta = vals[idx] * (1 - 2 * x[cand].astype(float))[pos]
        order = np.argsort(row, kind="stable")              # by row, then list order
        r, d = row[order], delta[order]
        cum = np.cumsum(d)
        first = np.r_[True, r[1:] != r[:-1]]
        base = (cum - d)[first]
        grp = np.cumsum(first) - 1
        before_sorted = start[r] + (cum - d - base[grp])
        before = np.empty(total)
        before[order] = before_sorted
        return pos, row, before, before + delta

    def _earlier_quad(self, x, cand):
        """Per position of ``cand``: the energy its flip gains from the earlier
        flips of the list through quadratic objective terms."""
        indptr, nbr, q = self._columns()["Q"]
        extra = np.zeros(cand.size)
        if q.size == 0:
            return extra
        counts = indptr[cand + 1] - indptr[cand]
        total = int(counts.sum())
        if total == 0:
            return extra
        pos = np.repeat(np.arange(cand.size), counts)
        offsets = np.cumsum(counts) - counts
        idx = np.repeat(indptr[cand] - offsets, counts) + np.arange(total)
        where = np.full(len(self._vars), -1, dtype=np.int64)
        where[cand] = np.arange(cand.size)
        pu = where[nbr[idx]]
        keep = (pu >= 0) & (pu < pos)
        step = 1 - 2 * x.astype(float)
        u, v = nbr[idx][keep], cand[pos[keep]]
        np.add.at(extra, pos[keep], q[idx][keep] * step[u] * step[v])
        return extra

    def _soft_actual(self, x, cand, S):
        """Per position of ``cand``: the soft-penalty change of its flip, the
        earlier flips of the list made."""
        out = np.zeros(cand.size)
        if not self.soft_names:
            return out
        pos, row, before, after = self._in_order("soft", cand, S, x)
        np.add.at(out, pos, self._soft_pen_at(after, row) - self._soft_pen_at(before, row))
        return out

    def _reduce_violation(self, x):
        """Greedy violation-reducing flips, in rounds; pairs of flips when stuck (small models).

        Each round ranks every flip by the hard violation it removes (ties:
        better energy) and makes them in that order for as long as each still
        removes as much as ranked (the flips of one round touch different rows,
        or touch them on the same side of their bounds); the next round ranks
        again.
        """
        moves = 0
        xf = x.astype(float)
        L = _sparse_lhs(self.A, xf)[0]
        while moves < self.max_flips:
            viol = self._violation_of(L)
            if viol <= 1e-9:
                break
            step = 1 - 2 * xf
            gain = self._flip_gains(L, step)
            cand = np.flatnonzero(gain > 1e-12)
            if cand.size:
                d = self._flip_objective_deltas(x)[cand]
                cand = cand[np.lexsort((d, -gain[cand]))]

                def check(chunk, start):
                    g = gain[chunk]
                    pos, row, before, after = self._in_order("hard", chunk, start, x)
                    actual = np.bincount(pos, self._hard_viol_at(before, row)
                                         - self._hard_viol_at(after, row), minlength=chunk.size)
                    return actual >= g - 1e-9 * np.maximum(1.0, g)

                moves += self._take_in_order(x, xf, cand, L, check, self.max_flips - moves)
                L = _sparse_lhs(self.A, xf)[0]
                continue
            n = x.size
            if n > 400:
                break
            # stuck: the best pair of flips
            D = self.Ad * step[None, :]
            pairL = L[:, None, None] + D[:, :, None] + D[:, None, :]
            pv = (np.maximum(pairL - self.upper[:, None, None], 0) +
                  np.maximum(self.lower[:, None, None] - pairL, 0)).sum(axis=0)
            pv[np.arange(n), np.arange(n)] = np.inf
            a, b = np.unravel_index(np.argmin(pv), pv.shape)
            if not pv[a, b] < viol - 1e-12:
                break
            x[a], x[b] = 1 - x[a], 1 - x[b]
            xf[a], xf[b] = x[a], x[b]
            L = L + D[:, a] + D[:, b]
            moves += 2
        return x, moves

    def _take_in_order(self, x, xf, cand, L, check, limit):
        """Flip a leading run of the ranked flips ``cand`` (at least one, at most
        ``limit``): those for which ``check(chunk, lhs)`` holds, each judged
        with all earlier flips of the run made (``lhs``: the hard left-hand
        sides before the chunk).  The list is read in chunks of doubling size,
        so a short run costs little.  Updates ``x``/``xf`` in place; returns
        the number of flips."""
        done, size = 0, 64
        cand = cand[:max(1, limit)]
        while done < cand.size:
            chunk = cand[done:done + size]
            ok = check(chunk, L)
            k = chunk.size if ok.all() else int(np.argmin(ok))
            if done == 0:
                k = max(k, 1)
            take = chunk[:k]
            x[take] = 1 - x[take]
            xf[take] = 1 - xf[take]
            done += k
            if k < chunk.size:
                break
            L = _sparse_lhs(self.A, xf)[0]
            size *= 2
        return done

    def _pool(self):
        if getattr(self, "_feasible_pool", None) is None:
            rng = np.random.default_rng(0)
            starts = np.vstack([np.zeros((1, len(self._vars)), dtype=np.int8),
                                rng.integers(0, 2, (63, len(self._vars)), dtype=np.int8)])
            pool = [self._reduce_violation(x.copy())[0] for x in starts]
            pool = np.array(pool)
            self._feasible_pool = unique_rows(pool[self.is_feasible(pool)])[0]
        return self._feasible_pool

    def repair_one(self, x):
        x0 = np.asarray(x, dtype=np.int8)
        x, moves = self._reduce_violation(x0.copy())
        if not self.is_feasible(x)[0]:
            pool = self._pool()
            if len(pool):  # last resort: the nearest known feasible point
                x = pool[np.argmin((pool != x0).sum(axis=1))].copy()
                moves = int((x != x0).sum())
        return x, moves

    def random_feasible(self, k, rng):
        X = rng.integers(0, 2, size=(k, len(self._vars)), dtype=np.int8)
        return np.array([self._reduce_violation(x)[0] for x in X]).reshape(k, -1)

    def _improve(self, x):
        """Energy-improving flips that keep every hard constraint, in rounds.

        Each round ranks the feasible improving flips by energy change (best
        first, ties: lower index) and makes them in that order for as long as
        each stays feasible and gains at least as much as ranked; the next
        round ranks again.  Ends when no single flip improves.
        """
        moves = 0
        if not self.is_feasible(x)[0]:
            return x, 0
        x0 = x.copy()
        xf = x.astype(float)
        lo, hi = self.lower - 1e-9, self.upper + 1e-9
        while moves < self.max_flips:
            L = _sparse_lhs(self.A, xf)[0]
            step = 1 - 2 * xf
            d = self._flip_objective_deltas(x)
            # flips that keep every row within its bounds
            indptr, rows, vals, col = self._columns()["hard"]
            after = L[rows] + vals * step[col]
            out = (after > hi[rows]) | (after < lo[rows])
            ok = np.bincount(col, out, minlength=x.size) == 0
            cand = np.flatnonzero(ok & (d < -1e-12))
            if cand.size == 0:
                break
            cand = cand[np.argsort(d[cand], kind="stable")]

            def check(chunk, start):
                dc = d[chunk]
                pos, row, before, after = self._in_order("hard", chunk, start, x)
                fits = np.bincount(pos, (after > hi[row]) | (after < lo[row]),
                                   minlength=chunk.size) == 0
                actual = dc + self._earlier_quad(x, chunk)
                if self.soft_names:
                    xs = x.astype(float)
                    S = self.soft_lhs(xs)[0]
                    actual += (self._soft_actual(x, chunk, S)
                               - self._soft_deltas(xs, S, 1 - 2 * xs)[chunk])
                return fits & (actual <= dc + 1e-9 * np.maximum(1.0, np.abs(dc)))

            moves += self._take_in_order(x, xf, cand, L, check, self.max_flips - moves)
        if not self.is_feasible(x)[0]:  # rounding drift: keep the feasible input
            return x0, 0
        return x, moves

    def polish_one(self, x):
        return self._improve(np.asarray(x, dtype=np.int8).copy())

    def greedy(self):
        """Repair from the all-zero assignment (violation-reducing flips), then
        energy-improving flips that keep feasibility."""
        x = self.repair_one(np.zeros(len(self._vars), dtype=np.int8))[0]
        return self._improve(x)[0]

    def witnesses(self, k=64, seed=None):
        """Feasible solutions found by the violation-reducing flips (no polish)."""
        rng = np.random.default_rng(seed)
        X = np.vstack([self.greedy()[None, :], self.random_feasible(k - 1, rng)])
        return unique_rows(X[self.is_feasible(X)])[0]

    def rule_policy(self):
        labels = self.labels
        pos = {v: k for k, v in enumerate(labels)}
        cols = np.array([pos[v] for v in self._vars], dtype=np.int64)
        H = sparse.csr_array(self.A)
        Hc = H.tocoo()
        A = sparse.csr_array((Hc.data, (Hc.row, cols[Hc.col])), shape=(H.shape[0], len(labels)))
        onehot = []
        for k in range(H.shape[0]):
            idx = H.indices[H.indptr[k]:H.indptr[k + 1]]
            vals = H.data[H.indptr[k]:H.indptr[k + 1]]
            if (self.lower[k] == self.upper[k] == 1 and idx.size > 1 and np.all(vals == 1)):
                onehot.append([self._vars[i] for i in idx])
        guards = [LinearBoundGuard(A, self.lower, self.upper)]
        if onehot:
            guards.append(OneHotGuard(onehot))
        return all_of(*guards)


def _sparse_lhs(M, X) -> np.ndarray:
    """``X @ M.T`` for a sparse ``M`` (constraints x variables) and rows ``X``,
    as a dense ``(rows, constraints)`` array."""
    X = np.atleast_2d(np.asarray(X))
    if M.shape[0] == 0:
        return np.zeros((X.shape[0], 0))
    return np.asarray((M @ X.T.astype(float)).T, dtype=float).reshape(X.shape[0], M.shape[0])

