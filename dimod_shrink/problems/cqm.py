"""Any CQM with binary variables and linear constraints."""

from __future__ import annotations

import dimod
import numpy as np
from scipy import sparse

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
    feasible and infeasible child samples are treated alike.
    Polish: energy-improving flips that keep feasibility (1-flip local search).

    Raises:
        TypeError: ``cqm`` is not a CQM.
        ValueError: the CQM has no variables, a non-binary variable, a
            quadratic constraint, or a hard constraint no assignment satisfies.

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
            raise ValueError(f"only binary variables are supported; {bad[0]!r} is "
                             f"{cqm.vartype(bad[0]).name}")
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
        self.Ad = self.A.toarray()
        # soft constraints: weight, penalty type and dimod's tolerance
        self.soft_names = [nm for nm, sft in zip(names, soft) if sft]
        self.As = A[np.flatnonzero(soft)].toarray()
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

    def _check_satisfiable(self):
        """Raise on a hard constraint that no binary assignment satisfies."""
        lo = np.minimum(self.Ad, 0).sum(axis=1)
        hi = np.maximum(self.Ad, 0).sum(axis=1)
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
        A, lower, upper, names = linear_rows(self._cqm, self._vars)
        soft = np.array([self._cqm.constraints[nm].lhs.is_soft() for nm in names], dtype=bool)
        hard_k = soft_k = 0
        for r, name in enumerate(names):
            row = (A.indices[A.indptr[r]:A.indptr[r + 1]], A.data[A.indptr[r]:A.indptr[r + 1]])
            if not soft[r]:
                self._encode_row(model, ("hard", hard_k), row, lower[r], upper[r], name)
                hard_k += 1
            else:
                w = self.soft_weight[soft_k] / scale
                power = 2 if self.soft_penalty[soft_k] == "quadratic" else 1
                self._encode_row(model, ("soft", soft_k), row, lower[r], upper[r], name,
                                 soft=(w, power))
                soft_k += 1
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
        return np.atleast_2d(X).astype(float) @ self.As.T

    def _soft_penalty(self, L):
        """Soft penalty of each row of soft left-hand sides ``L`` (rows x soft)."""
        viol = np.maximum(L - self.soft_upper, 0) + np.maximum(self.soft_lower - L, 0)
        viol = np.where(viol <= self.soft_tol, 0.0, viol)
        quad = np.array([pen == "quadratic" for pen in self.soft_penalty], dtype=bool)
        pen = np.where(quad, viol ** 2, viol) * self.soft_weight
        return pen.sum(axis=-1)

    def lhs(self, X):
        return np.atleast_2d(X).astype(float) @ self.Ad.T

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
    def _flip_objective_deltas(self, x):
        """Energy change (objective plus soft penalties) of flipping each variable."""
        if getattr(self, "_obj_vectors", None) is None:
            lin, (row, col, quad), _ = self.obj_bqm.to_numpy_vectors(self._vars)
            self._obj_vectors = (np.asarray(lin, dtype=float), row, col,
                                 np.asarray(quad, dtype=float))
        lin, row, col, quad = self._obj_vectors
        xf = np.asarray(x, dtype=float)
        field = lin.copy()
        np.add.at(field, row, quad * xf[col])
        np.add.at(field, col, quad * xf[row])
        step = 1 - 2 * xf
        d = step * field
        if self.soft_names:
            L = self.As @ xf
            new = self._soft_penalty((L[:, None] + self.As * step[None, :]).T)
            d = d + new - self._soft_penalty(L)
        return d

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
