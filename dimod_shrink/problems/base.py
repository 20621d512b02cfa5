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
import inspect
import time
from typing import Callable, Sequence

import dimod
import numpy as np

from ..structured import sampleset_on
from .policies import WitnessGuard, rules_then_witness

__all__ = ["Problem", "ENCODINGS"]

ENCODINGS = ("slack", "unbalanced")


def unique_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 2-D array (in sorted order) and the inverse index.

    Like ``np.unique(X, axis=0, return_inverse=True)`` for rows of 0/1 values,
    but each row is compared as one byte string, which stays fast for rows of
    100,000 columns.
    """
    X = np.ascontiguousarray(X)
    if X.shape[0] == 0:
        return X.copy(), np.zeros(0, dtype=np.int64)
    if X.shape[1] == 0:
        return X[:1].copy(), np.zeros(X.shape[0], dtype=np.int64)
    keys = X.view(np.dtype((np.void, X.shape[1] * X.itemsize))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return X[first], inverse.ravel()


def plain(value):
    """A label or number as a plain Python value (NumPy scalars unwrapped)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def normalise_zeros(values):
    """``values`` as floats with ``-0.0`` replaced by ``0.0`` (for reports)."""
    arr = np.asarray(values, dtype=float)
    return np.where(arr == 0, 0.0, arr)


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
        candidates: The candidate pairs the shrink considers on this problem's
            penalty model (see :mod:`dimod_shrink.candidates`); chosen per
            problem class by measurement (``benchmarks/scale_quality.py
            --part candidates``): ``"coupled"`` by default, ``"lsh"`` where
            assignment-like constraints leave strongly correlated variables
            uncoupled (QAP, MDKP, CQM).
    """

    sense = "min"
    kind = "problem"
    candidates = "coupled"

    def __init__(self, *, name: str = "", optimum: float | None = None,
                 encoding: str = "unbalanced"):
        self.name = name
        self.optimum = optimum
        self.encoding = check_encoding(encoding)
        self._bqm = None
        self._cqm = None
        self._model = None

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
        """The penalty BQM, written out (BINARY)."""

    def build_model(self):
        """The penalty model the shrinking sees: by default the BQM itself; problems
        with linear constraints return a :class:`~dimod_shrink.structured.PenaltyModel`
        that keeps them as rows (the same energies, without ``n^2 / 2`` couplings)."""
        return self.bqm

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

    def solution(self, x: np.ndarray) -> dict:
        """The natural form of a solution, as a dict with named entries.

        Default: ``{"ones": [...]}``, the labels of the variables set to 1.
        """
        return {"ones": [plain(v) for v, b in zip(self.variables, x) if b]}

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
        """The penalty BQM, written out (built once per problem).

        Structured problems write their rows out here, which a large model
        cannot afford (:class:`~dimod_shrink.structured.ModelTooLargeError`);
        the pipeline uses :attr:`model`.
        """
        if self._bqm is None:
            self._bqm = self.build_bqm()
        return self._bqm

    @property
    def model(self):
        """The penalty model that the pipeline shrinks, built once per problem.

        A :class:`dimod.BinaryQuadraticModel` or a
        :class:`~dimod_shrink.structured.PenaltyModel` with the same variables
        (in the same order) and energies as :attr:`bqm`."""
        if self._model is None:
            self._model = self.build_model()
        return self._model

    @property
    def labels(self) -> list:
        """Variables of the penalty model.

        The decision variables, then any auxiliary (slack) variables."""
        return list(self.model.variables)

    @property
    def num_variables(self) -> dict:
        """Decision and penalty-model variable counts."""
        return {"decision": len(self.variables), "bqm": self.model.num_variables}

    def complete(self, X: np.ndarray) -> np.ndarray:
        """Extend decision rows to rows over all BQM variables (auxiliaries filled).

        The default handles problems without auxiliary variables.
        """
        return self._to_bqm_columns(X)

    def _bqm_column_map(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
        """``(columns, positions, aux_columns, labels)``: the penalty model's columns
        that are decision variables, each one's position in :attr:`variables`,
        the other columns, and the model's labels (built once per model)."""
        cached = getattr(self, "_bqm_column_cache", None)
        if cached is None or cached[0] is not self.model:
            labels = self.labels
            pos = {v: k for k, v in enumerate(self.variables)}
            at = np.array([pos.get(v, -1) for v in labels], dtype=np.int64)
            cols = np.flatnonzero(at >= 0)
            cached = self._bqm_column_cache = (self.model, cols, at[cols],
                                               np.flatnonzero(at < 0), labels)
        return cached[1:]

    def _to_bqm_columns(self, X, aux: dict | None = None) -> np.ndarray:
        X = np.asarray(X)
        cols, at, others, labels = self._bqm_column_map()
        out = np.zeros((X.shape[0], len(labels)), dtype=np.int8)
        out[:, cols] = X[:, at]
        if aux:
            for c in others.tolist():
                v = labels[c]
                if v in aux:
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
    #: The witness pool is polished (:meth:`polish_one`) when the problem has at
    #: most this many decision variables; ``None``: always.
    witness_polish_max: int | None = None

    def witnesses(self, k: int = 64, seed=None) -> np.ndarray:
        """Feasible solutions for :class:`~.policies.WitnessGuard`, greedy first.

        The greedy solution and ``k - 1`` :meth:`random_feasible` ones, each
        polished when the problem has at most :attr:`witness_polish_max`
        decision variables (polishing 64 solutions costs more than the rest of
        the pipeline on large models).
        """
        rng = np.random.default_rng(seed)
        X = np.vstack([self.greedy()[None, :], self.random_feasible(k - 1, rng)])
        X = X[self.is_feasible(X)]
        if self.witness_polish_max is None or len(self.variables) <= self.witness_polish_max:
            X, _ = self._polish_rows(X)
        return unique_rows(X)[0]

    def _polish_rows(self, X, deadline: float | None = None):
        """Polish each distinct row once (reads often repeat after expansion).

        With a ``deadline`` (a :func:`time.perf_counter` value) the distinct
        rows are polished best first (feasible before infeasible, then by
        objective): the best row always, the others until the deadline has
        passed; the rows not reached are returned as they are, with 0 moves.
        """
        if len(X) == 0:
            return X.copy(), np.zeros(0, dtype=int)
        uniq, inverse = unique_rows(X)
        out = uniq.copy()
        moves = np.zeros(len(uniq), dtype=int)
        order = range(len(uniq)) if deadline is None else self._best_first(uniq)
        for k, r in enumerate(order):
            if k and deadline is not None and time.perf_counter() >= deadline:
                break
            out[r], moves[r] = self.polish_one(uniq[r])
        inverse = inverse.ravel()
        return out[inverse], moves[inverse]

    def _best_first(self, X) -> np.ndarray:
        """Row indices of ``X``: feasible rows first, each part by objective, best first."""
        feasible = np.asarray(self.is_feasible(X), dtype=bool)
        obj = np.asarray(self.objective(X), dtype=float)
        key = -obj if self.sense == "max" else obj
        return np.lexsort((key, ~feasible))

    def merge_policy(self, constraint_aware: bool = True, *, witnesses: int = 64,
                     seed=None) -> Callable | None:
        """A fresh merge policy for one shrink run (``None`` when not constraint-aware).

        The rules (cheap necessary conditions) and the witness guard (a
        feasible solution survives every admitted merge) must both admit a
        merge; the pool is asked first, the rules before any construction
        (:func:`~.policies.rules_then_witness`).  A problem that finds
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
        labels = self.labels
        construct = None
        if can_construct:
            pos = {v: k for k, v in enumerate(labels)}
            dec = np.array([pos[v] for v in self.variables])

            takes_hint = "hint" in inspect.signature(self.construct_feasible).parameters

            def construct(state, root, sign, hint=None):
                if takes_hint:
                    x = self.construct_feasible(state, root, sign,
                                                hint=None if hint is None else hint[dec])
                else:
                    x = self.construct_feasible(state, root, sign)
                return None if x is None else self.complete(np.asarray(x)[None, :])[0]

            def feasible(row):
                return bool(self.is_feasible(row[dec][None, :])[0])
        else:
            feasible = None
        guard = WitnessGuard(W, labels, dimod.BINARY, construct=construct,
                             is_feasible=feasible)
        return rules_then_witness(rules, guard)

    def round_groups(self) -> Callable | None:
        """The problem's own grouping of iterated shrinking's later rounds, or ``None``.

        ``None`` (the default) lets
        :class:`~dimod_shrink.IteratedShrinkingComposite` shrink the gauged
        model as usual.  A problem whose feasible set the correlation groups
        rarely respect returns ``groups(incumbent, budget, rng, stall)``
        instead (see the composite's ``round_groups``): disjoint lists of the
        BQM's labels that flip together around the incumbent.
        """
        return None

    def iterated_options(self) -> dict:
        """The problem's hooks as keyword arguments of
        :meth:`IteratedShrinkingComposite.sample
        <dimod_shrink.composites.IteratedShrinkingComposite.sample>`:
        ``round_groups`` (:meth:`round_groups`) and ``perturb`` (:meth:`perturbation`)."""
        return {"round_groups": self.round_groups(), "perturb": self.perturbation()}

    def decision_vector(self, state) -> np.ndarray:
        """A state ``{label: value}`` over the BQM's variables as a decision row (int8)."""
        return np.array([state[v] for v in self.variables], dtype=np.int8)

    def bqm_state(self, x) -> dict:
        """A decision row as a state ``{label: value}`` over every BQM variable
        (auxiliaries by :meth:`complete`): what a ``perturb`` hook returns."""
        row = self.complete(np.asarray(x, dtype=np.int8)[None, :])[0]
        return dict(zip(self.labels, row.tolist()))

    def perturbation(self) -> Callable | None:
        """The kick of iterated shrinking run as an iterated local search, or ``None``.

        ``perturb(incumbent, rng) -> state`` for the composite's ``perturb``:
        a feasible state near the incumbent (``{label: value}`` over the
        BQM's variables).  ``None`` (the default): rounds stay around the
        incumbent.
        """
        return None

    def construct_feasible(self, state, root, sign):
        """A feasible decision vector consistent with the groups ``(root, sign)``.

        ``root``/``sign`` index the BQM's variables in ``state.labels`` order
        (reference = ``len(labels)``).  Return ``None`` when none is found; the
        default finds none, which keeps the witness guard to its fixed pool.
        An override may also take a ``hint`` keyword: it then receives the
        newest witness that agrees with every earlier merge (a decision
        vector), a good place to start looking.
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

    def repair_samples(self, X: np.ndarray, *, polish: bool = True,
                       deadline: float | None = None) -> dict:
        """Verify, repair and (optionally) polish decision rows.

        Each *distinct* row is checked, repaired and polished once (expanded
        child samples repeat a lot); the results are spread back to every row.
        With a ``deadline`` (a :func:`time.perf_counter` value) the polish
        stops once it has passed, best rows first (the best is always
        polished; see ``_polish_rows``); every row is still repaired.

        Returns a dict of arrays, one entry per row of ``X``: ``samples``,
        ``feasible_before_repair``, ``repair_moves``, ``polish_moves``,
        ``polish_gain``, ``objective``, ``is_feasible``; the time of each stage
        in ``timing``; and ``distinct``, the number of distinct rows.
        """
        X = np.asarray(X, dtype=np.int8)
        if X.ndim != 2 or X.shape[1] != len(self.variables):
            raise ValueError(f"expected rows over the {len(self.variables)} decision variables, "
                             f"got an array of shape {X.shape}")
        t0 = time.perf_counter()
        if len(X) == 0:
            empty = np.zeros(0)
            return {"samples": X.copy(), "feasible_before_repair": np.zeros(0, dtype=bool),
                    "repair_moves": np.zeros(0, dtype=int), "polish_moves": np.zeros(0, dtype=int),
                    "polish_gain": empty, "objective": empty,
                    "is_feasible": np.zeros(0, dtype=bool), "distinct": 0,
                    "timing": {"repair": 0.0, "polish": 0.0}}
        U, inverse = unique_rows(X)
        before = np.asarray(self.is_feasible(U), dtype=bool)
        out = U.copy()
        moves = np.zeros(len(U), dtype=int)
        for r in np.flatnonzero(~before):
            out[r], moves[r] = self.repair_one(U[r])
        t1 = time.perf_counter()
        obj_repaired = self.objective(out)
        pmoves = np.zeros(len(U), dtype=int)
        if polish:
            out, pmoves = self._polish_rows(out, deadline=deadline)
        obj = normalise_zeros(self.objective(out))
        gain = normalise_zeros((obj - obj_repaired) * (1 if self.sense == "max" else -1))
        feasible = np.asarray(self.is_feasible(out), dtype=bool)
        t2 = time.perf_counter()
        return {"samples": out[inverse], "feasible_before_repair": before[inverse],
                "repair_moves": moves[inverse], "polish_moves": pmoves[inverse],
                "polish_gain": gain[inverse], "objective": obj[inverse],
                "is_feasible": feasible[inverse], "distinct": len(U),
                "timing": {"repair": t1 - t0, "polish": t2 - t1}}

    def postprocess(self, polish: bool = True) -> Callable:
        """The repair hook for :class:`~dimod_shrink.ShrinkingComposite`.

        Returns ``postprocess(sampleset, bqm) -> SampleSet`` over the BQM's
        variables (see :meth:`repair_sampleset`); an optional ``deadline``
        keyword (a :func:`time.perf_counter` value) stops the polish there.
        """
        def hook(sampleset: dimod.SampleSet, bqm=None, *, deadline=None) -> dimod.SampleSet:
            return self.repair_sampleset(sampleset, polish=polish, deadline=deadline)
        return hook

    def repair_sampleset(self, sampleset: dimod.SampleSet, *, polish: bool = True,
                         deadline: float | None = None) -> dimod.SampleSet:
        """Repair every sample of any SampleSet over the BQM's (or the CQM's) variables.

        Rows with equal decision variables are aggregated first (their
        ``num_occurrences`` summed), so each distinct row is repaired and
        polished once and appears once in the result.  The result is over the
        BQM's variables, with energies on the penalty BQM and the vectors of
        :meth:`repair_samples`; ``info['repair_timing']`` holds the time of
        each stage and ``info['repair_rows']`` the row counts before and after
        aggregation.  A ``deadline`` stops the polish early (see
        :meth:`repair_samples`).
        """
        X = self.decision_columns(sampleset)
        names = sampleset.record.dtype.names
        occ = (np.asarray(sampleset.record.num_occurrences, dtype=np.int64)
               if "num_occurrences" in names else np.ones(len(X), dtype=np.int64))
        if len(X):
            U, inverse = unique_rows(X)
            occ = np.bincount(inverse, weights=occ, minlength=len(U)).astype(np.int64)
        else:
            U = X
        res = self.repair_samples(U, polish=polish, deadline=deadline)
        full = self.complete(res["samples"]) if len(U) else \
            np.zeros((0, self.model.num_variables), dtype=np.int8)
        vectors = {k: res[k] for k in ("feasible_before_repair", "repair_moves", "polish_moves",
                                      "polish_gain", "objective", "is_feasible")}
        ss = sampleset_on(self.model, (full, self.labels), num_occurrences=occ, **vectors)
        ss.info["repair_timing"] = res["timing"]
        ss.info["repair_rows"] = {"rows": int(len(X)), "distinct": int(len(U))}
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
