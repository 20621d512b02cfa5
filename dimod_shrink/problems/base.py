"""The problem interface: CQM, penalty BQM, merge policy, repair and polish.

A :class:`Problem` plugs a constrained problem into the shrinking pipeline
through two hooks of :class:`~dimod_shrink.ShrinkingComposite`:

* ``merge_policy=problem.merge_policy()`` -- constraint-aware shrinking;
* ``postprocess=problem.postprocess()`` -- verification, repair and polish of
  every expanded sample.

Subclasses implement the problem-specific parts on NumPy arrays over the
*decision variables* (``problem.variables``); this module turns them into
SampleSet-level operations.
"""

from __future__ import annotations

import abc
import time
from typing import Callable, Sequence

import dimod
import numpy as np

from .policies import WitnessGuard, all_of

__all__ = ["Problem", "ENCODINGS"]

ENCODINGS = ("slack", "unbalanced")


def check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose 'slack' (binary slack "
                         f"variables) or 'unbalanced' (slack-free, arXiv:2211.13914)")
    return encoding


class Problem(abc.ABC):
    """Base class of the problem models.

    Attributes:
        name: Instance name.
        sense: ``"max"`` or ``"min"`` -- the sense of :meth:`objective`.
        optimum: Reference optimum (natural sense) or ``None``.
        encoding: ``"slack"`` or ``"unbalanced"`` (inequality encoding of the BQM).
    """

    sense = "min"
    kind = "problem"

    def __init__(self, *, name: str = "", optimum: float | None = None,
                 encoding: str = "unbalanced"):
        self.name = name
        self.optimum = optimum
        self.encoding = check_encoding(encoding)
        self._bqm = None
        self._cqm = None

    # -- to implement --------------------------------------------------------
    @property
    @abc.abstractmethod
    def variables(self) -> list:
        """Decision-variable labels (the CQM's variables)."""

    @abc.abstractmethod
    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """The problem as a CQM (minimisation)."""

    @abc.abstractmethod
    def build_bqm(self) -> dimod.BinaryQuadraticModel:
        """The penalty BQM the shrinking sees (BINARY)."""

    @abc.abstractmethod
    def objective(self, X: np.ndarray) -> np.ndarray:
        """Natural objective of each row of ``X`` (decision variables)."""

    @abc.abstractmethod
    def is_feasible(self, X: np.ndarray) -> np.ndarray:
        """Feasibility of each row."""

    @abc.abstractmethod
    def repair_one(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Make one sample feasible; return it and the number of moves."""

    def polish_one(self, x: np.ndarray) -> tuple[np.ndarray, int]:
        """Local search in the feasible space; default: nothing."""
        return x, 0

    @abc.abstractmethod
    def greedy(self) -> np.ndarray:
        """The classical greedy heuristic's solution (feasible)."""

    def rule_policy(self) -> Callable | None:
        """The problem's rule layer (fresh object per call), or ``None``."""
        return None

    def solution(self, x: np.ndarray):
        """The natural form of a solution; default: the chosen variables."""
        return [v for v, b in zip(self.variables, x) if b]

    def random_feasible(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` feasible solutions for the witness pool (default: repaired randoms)."""
        X = rng.integers(0, 2, size=(k, len(self.variables)), dtype=np.int8)
        return np.array([self.repair_one(x)[0] for x in X]).reshape(k, -1)

    # -- provided ----------------------------------------------------------------
    @property
    def cqm(self) -> dimod.ConstrainedQuadraticModel:
        if self._cqm is None:
            self._cqm = self.build_cqm()
        return self._cqm

    @property
    def bqm(self) -> dimod.BinaryQuadraticModel:
        """The penalty BQM (built once per problem)."""
        if self._bqm is None:
            self._bqm = self.build_bqm()
        return self._bqm

    @property
    def num_variables(self) -> dict:
        """Decision and BQM variable counts."""
        return {"decision": len(self.variables), "bqm": self.bqm.num_variables}

    def complete(self, X: np.ndarray) -> np.ndarray:
        """Extend decision rows to rows over all BQM variables (auxiliaries filled).

        The default handles problems without auxiliary variables.
        """
        return self._to_bqm_columns(X)

    def _to_bqm_columns(self, X, aux: dict | None = None) -> np.ndarray:
        labels = list(self.bqm.variables)
        pos = {v: k for k, v in enumerate(self.variables)}
        out = np.zeros((X.shape[0], len(labels)), dtype=np.int8)
        for c, v in enumerate(labels):
            if v in pos:
                out[:, c] = X[:, pos[v]]
            elif aux is not None and v in aux:
                out[:, c] = aux[v]
        return out

    def decision_columns(self, sampleset: dimod.SampleSet) -> np.ndarray:
        """The decision-variable columns of a SampleSet, in :attr:`variables` order."""
        arr = sampleset.record.sample
        if sampleset.vartype is dimod.SPIN:
            arr = (arr + 1) // 2
        idx = [sampleset.variables.index(v) for v in self.variables]
        return np.asarray(arr[:, idx], dtype=np.int8)

    def ratio(self, value: float) -> float | None:
        """Approximation ratio to :attr:`optimum` (``<= 1`` is worse or equal)."""
        if self.optimum is None or value is None:
            return None
        if self.sense == "max":
            return value / self.optimum if self.optimum else None
        return self.optimum / value if value else None

    # -- the two hooks -------------------------------------------------------------
    def witnesses(self, k: int = 64, seed=None) -> np.ndarray:
        """Feasible solutions for :class:`~.policies.WitnessGuard`, greedy first."""
        rng = np.random.default_rng(seed)
        X = np.vstack([self.greedy()[None, :], self.random_feasible(k - 1, rng)])
        X = X[self.is_feasible(X)]
        X, _ = self._polish_rows(X)
        return np.unique(X, axis=0)

    def _polish_rows(self, X):
        """Polish each distinct row once (reads often repeat after expansion)."""
        if len(X) == 0:
            return X.copy(), np.zeros(0, dtype=int)
        uniq, inverse = np.unique(X, axis=0, return_inverse=True)
        out = uniq.copy()
        moves = np.zeros(len(uniq), dtype=int)
        for r in range(len(uniq)):
            out[r], moves[r] = self.polish_one(uniq[r])
        inverse = inverse.ravel()
        return out[inverse], moves[inverse]

    def merge_policy(self, constraint_aware: bool = True, *, witnesses: int = 64,
                     seed=None) -> Callable | None:
        """A fresh merge policy for one shrink run (``None`` when not constraint-aware).

        Rules first (cheap necessary conditions), then the witness guard (a
        feasible solution survives every admitted merge).  A problem that finds
        no feasible solution to start from and cannot construct one gets the
        rules alone.
        """
        if not constraint_aware:
            return None
        rules = self.rule_policy()
        found = self.witnesses(witnesses, seed=seed)
        can_construct = type(self).construct_feasible is not Problem.construct_feasible
        if len(found) == 0 and not can_construct:
            return rules
        W = self.complete(found)
        labels = list(self.bqm.variables)
        construct = None
        if can_construct:
            pos = {v: k for k, v in enumerate(labels)}
            dec = np.array([pos[v] for v in self.variables])

            def construct(state, root, sign):
                x = self.construct_feasible(state, root, sign)
                return None if x is None else self.complete(np.asarray(x)[None, :])[0]

            def feasible(row):
                return bool(self.is_feasible(row[dec][None, :])[0])
        else:
            feasible = None
        guard = WitnessGuard(W, labels, dimod.BINARY, construct=construct,
                             is_feasible=feasible)
        return all_of(rules, guard)

    def construct_feasible(self, state, root, sign):
        """A feasible decision vector consistent with the groups ``(root, sign)``.

        ``root``/``sign`` index the BQM's variables in ``state.labels`` order
        (reference = ``len(labels)``).  Return ``None`` when none is found; the
        default finds none, which keeps the witness guard to its fixed pool.
        """
        return None

    def _decision_index(self, state) -> np.ndarray:
        """Positions of the decision variables in ``state.labels`` (cached per model form;
        policies ask for it on every candidate merge)."""
        cached = getattr(self, "_decision_index_cache", None)
        if cached is None or cached[0] is not state.form.labels:
            idx = np.array([state.index[v] for v in self.variables], dtype=np.int64)
            cached = self._decision_index_cache = (state.form.labels, idx)
        return cached[1]

    def _decision_groups(self, state, root, sign):
        """Per decision variable: its representative (``-1`` if fixed) and the
        value it takes when its representative's spin is ``+1`` (or its fixed
        value)."""
        n = state.form.num_variables
        idx = self._decision_index(state)
        r = root[idx]
        s = sign[idx]
        fixed = r == n
        val_if_up = (s > 0).astype(np.int8)
        return np.where(fixed, -1, r), val_if_up, fixed

    def repair_samples(self, X: np.ndarray, *, polish: bool = True) -> dict:
        """Verify, repair and (optionally) polish decision rows.

        Returns a dict of arrays: ``samples``, ``feasible_before_repair``,
        ``repair_moves``, ``polish_moves``, ``polish_gain``, ``objective``,
        ``is_feasible``, and the time of each stage in ``timing``.
        """
        X = np.asarray(X, dtype=np.int8)
        t0 = time.perf_counter()
        before = self.is_feasible(X) if len(X) else np.zeros(0, dtype=bool)
        out = X.copy()
        moves = np.zeros(len(X), dtype=int)
        for r in range(len(X)):
            if not before[r]:
                out[r], moves[r] = self.repair_one(X[r])
        t1 = time.perf_counter()
        obj_repaired = self.objective(out) if len(out) else np.zeros(0)
        pmoves = np.zeros(len(X), dtype=int)
        if polish and len(out):
            out, pmoves = self._polish_rows(out)
        obj = self.objective(out) if len(out) else np.zeros(0)
        gain = (obj - obj_repaired) * (1 if self.sense == "max" else -1)
        t2 = time.perf_counter()
        return {"samples": out, "feasible_before_repair": before, "repair_moves": moves,
                "polish_moves": pmoves, "polish_gain": gain, "objective": obj,
                "is_feasible": self.is_feasible(out) if len(out) else before,
                "timing": {"repair": t1 - t0, "polish": t2 - t1}}

    def postprocess(self, polish: bool = True) -> Callable:
        """The repair hook for :class:`~dimod_shrink.ShrinkingComposite`.

        Returns ``postprocess(sampleset, bqm) -> SampleSet`` over the BQM's
        variables, with the vectors of :meth:`repair_samples` added and the
        repair/polish time in ``info['repair_timing']``.
        """
        def hook(sampleset: dimod.SampleSet, bqm=None) -> dimod.SampleSet:
            return self.repair_sampleset(sampleset, polish=polish)
        return hook

    def repair_sampleset(self, sampleset: dimod.SampleSet, *, polish: bool = True
                         ) -> dimod.SampleSet:
        """Repair every sample of any SampleSet over the BQM's (or the CQM's) variables."""
        X = self.decision_columns(sampleset)
        res = self.repair_samples(X, polish=polish)
        full = self.complete(res["samples"])
        vectors = {k: res[k] for k in ("feasible_before_repair", "repair_moves", "polish_moves",
                                      "polish_gain", "objective", "is_feasible")}
        if "num_occurrences" in sampleset.record.dtype.names:
            vectors["num_occurrences"] = sampleset.record.num_occurrences
        ss = dimod.SampleSet.from_samples_bqm((full, list(self.bqm.variables)), self.bqm,
                                              **vectors)
        ss.info["repair_timing"] = res["timing"]
        return ss

    # -- reporting ---------------------------------------------------------------
    def best(self, sampleset: dimod.SampleSet) -> int | None:
        """Row index of the best feasible sample (natural objective), else best energy."""
        rec = sampleset.record
        if len(rec) == 0:
            return None
        names = rec.dtype.names
        obj = rec.objective if "objective" in names else self.objective(
            self.decision_columns(sampleset))
        feas = rec.is_feasible if "is_feasible" in names else self.is_feasible(
            self.decision_columns(sampleset))
        key = obj if self.sense == "max" else -obj
        key = np.where(feas, key, -np.inf)
        if not feas.any():
            return int(np.argmin(rec.energy))
        return int(np.argmax(key))


def linear_rows(cqm: dimod.ConstrainedQuadraticModel, labels: Sequence):
    """Linear constraints of a CQM as ``(A, lower, upper, names)`` over ``labels``.

    Quadratic constraints are rejected.
    """
    from scipy import sparse
    pos = {v: k for k, v in enumerate(labels)}
    rows, cols, vals = [], [], []
    lower, upper, names = [], [], []
    for r, (name, c) in enumerate(cqm.constraints.items()):
        lhs = c.lhs
        if not lhs.is_linear():
            raise ValueError(f"constraint {name!r} is quadratic; only linear constraints are "
                             "supported")
        for v, a in lhs.iter_linear():
            if a != 0:
                rows.append(r)
                cols.append(pos[v])
                vals.append(float(a))
        rhs = float(c.rhs) - float(lhs.offset)
        sense = c.sense.value if hasattr(c.sense, "value") else str(c.sense)
        lower.append(rhs if sense in (">=", "==") else -np.inf)
        upper.append(rhs if sense in ("<=", "==") else np.inf)
        names.append(name)
    A = sparse.csr_array((vals, (rows, cols)), shape=(len(names), len(labels)))
    return A, np.array(lower), np.array(upper), names
