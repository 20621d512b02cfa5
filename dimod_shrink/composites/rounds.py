"""The stages of iterated shrinking, one state flowing through them.

In the manner of dwave-hybrid's Runnables, a round is a chain of small stages,
each a callable that takes a :class:`RoundState` and returns it with its part
filled in::

    Centre -> Grouping -> Shrink -> Child -> Expand -> Repair

Round 0 is one stage instead, :class:`SingleShot` (exactly
:meth:`ShrinkingComposite.sample <dimod_shrink.ShrinkingComposite.sample>`) or
:class:`InitialStates`.  Between rounds, :class:`Accept` ranks the round's
samples and updates the :class:`Search` (incumbent, centre, stall counters),
:class:`StopRule` says whether to go on, and :class:`Kick` moves the centre of
an iterated local search.  :class:`IteratedShrinkingComposite
<dimod_shrink.composites.IteratedShrinkingComposite>` wires them together.

A ``deadline`` (a :func:`time.perf_counter` value) flows with the state: a
:class:`Round` stops before a stage that must not start late (the grouping,
the shrink and the child), and :class:`Repair` passes the deadline to a
``postprocess`` that takes one (:meth:`Problem.postprocess
<dimod_shrink.problems.base.Problem.postprocess>`: the polish stops there, best
rows first).

References:
    dwave-hybrid, "Runnables" and "States",
    https://docs.ocean.dwavesys.com/projects/hybrid/.
"""

from __future__ import annotations

import inspect
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import dimod
import numpy as np

from ..structured import sampleset_on
from ..engine import shrink
from ..ising import IsingForm
from ..merges import ShrinkState
from ._checks import require_rows, states_array
from .gauge import (IncumbentRelative, _columns, _group_sizes, _spins, _TranslatedPolicy,
                    _values, _vectors, gauge_form, grouped_state)

__all__ = ["RoundState", "Search", "Centre", "Grouping", "Shrink", "Child", "Expand", "Repair",
           "Round", "SingleShot", "InitialStates", "Accept", "Kick", "StopRule", "finish",
           "ranked", "expired"]

_SEED_LIMIT = 2**31 - 1


def expired(deadline: float | None) -> bool:
    """Whether ``deadline`` (a :func:`time.perf_counter` value, or ``None``) has passed."""
    return deadline is not None and time.perf_counter() >= deadline


def _takes_deadline(postprocess) -> bool:
    try:
        params = inspect.signature(postprocess).parameters
    except (TypeError, ValueError):
        return False
    return "deadline" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                       for p in params.values())


def finish(full: np.ndarray, bqm: dimod.BinaryQuadraticModel, postprocess, vectors: dict,
           deadline: float | None = None) -> tuple[dimod.SampleSet, float]:
    """Samples ``full`` (columns in ``bqm``'s order) as a SampleSet over ``bqm``
    (energies on ``bqm``), through ``postprocess``; and the time it took.

    With a ``deadline``, a ``postprocess`` that takes a ``deadline`` keyword gets it.
    """
    ss = sampleset_on(bqm, (full, list(bqm.variables)), **vectors)
    if postprocess is None:
        return dimod.SampleSet(ss.record, ss.variables, {}, ss.vartype), 0.0
    tp = time.perf_counter()
    if deadline is not None and _takes_deadline(postprocess):
        processed = postprocess(ss, bqm, deadline=deadline)
    else:
        processed = postprocess(ss, bqm)
    if not isinstance(processed, dimod.SampleSet):
        raise TypeError("postprocess must return a dimod.SampleSet, got "
                        f"{type(processed).__name__}")
    arr = _columns(processed, list(bqm.variables), "postprocess", bqm.vartype)
    out = sampleset_on(bqm, (arr, list(bqm.variables)),
                                           **_vectors(processed, "postprocess"))
    return out, time.perf_counter() - tp


def scores(ss: dimod.SampleSet, score) -> np.ndarray:
    """Lower is better: ``score(ss)`` or the energy; ``is_feasible`` False ranks last."""
    key = ss.record.energy.astype(float) if score is None else \
        np.asarray(score(ss), dtype=float).ravel()
    if key.shape != (len(ss),):
        raise ValueError(f"score must return one value per sample ({len(ss)}), got "
                         f"shape {key.shape}")
    if "is_feasible" in ss.record.dtype.names:
        key = np.where(ss.record.is_feasible, key, np.inf)
    return key


def ranked(ss: dimod.SampleSet, labels, score) -> tuple[np.ndarray, np.ndarray, int]:
    """``(rows, keys, best)``: the samples (columns in ``labels`` order), their
    ``scores`` and the index of the best."""
    keys = scores(ss, score)
    return _columns(ss, labels, "postprocess"), keys, int(np.argmin(keys))


# -- the states ----------------------------------------------------------------------------
@dataclass
class RoundState:
    """What flows through one round's stages.

    Set before the round: ``index``, ``centre`` (spins of the round's centre,
    the all ``+1`` point of the gauged model), ``stall`` (rounds without
    improving the centre) and ``deadline``.  Each stage fills in its part;
    ``record`` collects what ``info['rounds']`` reports, and ``cut`` says that
    the deadline stopped the round before its child ran.
    """

    index: int
    centre: np.ndarray | None = None
    stall: int = 0
    deadline: float | None = None
    params: dict = field(default_factory=dict)
    shrink_seed: int | None = None
    work: IsingForm | None = None
    groups: list | None = None
    grouping: str | None = None
    correlation: object = None
    policy: object = None
    shrunk: ShrinkState | None = None
    reduced: object = None
    context: dict = field(default_factory=dict)
    child_ss: dimod.SampleSet | None = None
    samples: np.ndarray | None = None
    vectors: dict = field(default_factory=dict)
    sampleset: dimod.SampleSet | None = None
    record: dict = field(default_factory=dict)
    cut: bool = False
    started: float = field(default_factory=lambda: time.perf_counter())


@dataclass
class Search:
    """What the rounds share: the incumbent (the best sample so far, spins) and its
    score, the centre of the next round, the stall counters, and every round's
    record, shrink context, SampleSet and rows (columns in ``labels`` order)."""

    labels: list
    vartype: object
    incumbent: np.ndarray | None = None
    best_key: float = math.inf
    best_round: int = 0
    best_row: int = 0
    stall: int = 0
    centre: np.ndarray | None = None
    centre_key: float = math.inf
    centre_stall: int = 0
    kicks: int = 0
    rounds: list = field(default_factory=list)
    contexts: list = field(default_factory=list)
    samplesets: list = field(default_factory=list)
    arrays: list = field(default_factory=list)


# -- a later round -------------------------------------------------------------------------
class Centre:
    """Draw the round's seeds and write the model in the gauge of its centre.

    The child's seed is drawn first (for every child, so the groupings do not
    depend on whether it takes one), then the shrink's.
    """

    def __init__(self, form: IsingForm, rng: np.random.Generator, child_params: dict,
                 child_seeded: bool):
        self.form, self.rng = form, rng
        self.child_params, self.child_seeded = child_params, child_seeded

    def __call__(self, rs: RoundState) -> RoundState:
        rs.params = dict(self.child_params)
        child_seed = int(self.rng.integers(_SEED_LIMIT))
        if self.child_seeded:
            rs.params["seed"] = child_seed
        rs.work = gauge_form(self.form, rs.centre)
        rs.shrink_seed = int(self.rng.integers(_SEED_LIMIT))
        return rs


class Grouping:
    """Decide how the round groups variables: the problem's own ``round_groups``,
    or a correlation (``choose(stall)``) clipped to merges that keep the centre,
    with noise growing while the centre stalls, and the merge policy asked in
    the original variables."""

    needs_time = True

    def __init__(self, form: IsingForm, budget: int, rng: np.random.Generator, *,
                 choose: Callable, noise: float, round_groups=None, merge_policy=None):
        self.form, self.budget, self.rng = form, budget, rng
        self.choose, self.noise = choose, noise
        self.round_groups, self.merge_policy = round_groups, merge_policy

    def __call__(self, rs: RoundState) -> RoundState:
        groups = None
        if self.round_groups is not None:
            centre = dict(zip(self.form.labels, _values(rs.centre, self.form.vartype).tolist()))
            groups = self.round_groups(centre, self.budget, self.rng, rs.stall)
        if groups is not None:
            rs.groups, rs.grouping = groups, "round_groups"
            return rs
        grouping = self.choose(rs.stall)
        rs.grouping = grouping if isinstance(grouping, str) else "callable"
        rs.policy = None if self.merge_policy is None else \
            _TranslatedPolicy(self.merge_policy, self.form, rs.centre)
        rs.correlation = IncumbentRelative(grouping, min(1.0, self.noise * (1 + rs.stall)))
        return rs


class Shrink:
    """Shrink the gauged model to the budget (or build the problem's groups), and
    check that "no group flips" is still the centre (``incumbent_kept``)."""

    needs_time = True

    def __init__(self, form: IsingForm, budget: int, schedule: str | None = None):
        self.form, self.budget, self.schedule = form, budget, schedule

    def __call__(self, rs: RoundState) -> RoundState:
        n = self.form.num_variables
        if rs.groups is not None:
            state = grouped_state(rs.work, rs.groups, self.budget)
            reduced = state.reduced()
            context = {"num_variables": n, "num_reduced": reduced.bqm.num_variables,
                       "merges": [m.as_dict() for m in state.merges],
                       "num_merges": len(state.merges), "stop_reason": "round_groups",
                       "budget_reached": True}
        elif n > self.budget:
            options = {} if self.schedule is None else {"schedule": self.schedule}
            result = shrink(rs.work, self.budget, correlation=rs.correlation,
                            merge_policy=rs.policy, seed=rs.shrink_seed,
                            deadline=rs.deadline, **options)
            if result.stop_reason == "deadline":  # the time ran out inside the shrink
                rs.cut = True
                return rs
            state, reduced = result.state, result.reduced
            context = result.context()
            context["timing"] = dict(result.timing)
            if result.stop_reason != "budget":
                from .shrinking import BudgetNotReachedWarning
                warnings.warn(
                    f"round {rs.index}: shrinking stopped at {reduced.bqm.num_variables} "
                    f"variables, above the budget of {self.budget} ({result.stop_reason})",
                    BudgetNotReachedWarning, stacklevel=5)
        else:
            state = ShrinkState(rs.work)
            reduced = state.reduced()
            context = {"num_variables": n, "num_reduced": n, "merges": [], "num_merges": 0,
                       "stop_reason": "within_budget", "budget_reached": True}
        rs.shrunk, rs.reduced, rs.context = state, reduced, context
        rs.record["shrink_time"] = time.perf_counter() - rs.started
        ones = np.ones((1, len(reduced.labels)), dtype=np.int8)
        e_red = reduced.bqm.energies((_values(ones, self.form.vartype), list(reduced.labels)))
        e_inc = self.form.energies(rs.centre[None, :])
        rs.record["incumbent_kept"] = bool(np.isclose(e_red[0], e_inc[0], rtol=1e-9,
                                                      atol=1e-7))
        return rs


class Child:
    """Sample the reduced model with the composite's child.

    Angle transfer: a child that takes ``transfer_angles`` (:class:`QAOASampler
    <dimod_shrink.samplers.QAOASampler>`) and trained its last answer from
    transferred angles (``info["initial_point"] == "transfer"``) is handed those
    angles as an extra start for the next round, whose reduced model has the
    same size and a similar spectrum.  The round records where the kept run
    began (``child_start``: ``"table"`` or ``"given"``).
    """

    needs_time = True

    def __init__(self, composite):
        self.composite = composite
        self.angles = None  # the child's last trained angles, for the next round

    def __call__(self, rs: RoundState) -> RoundState:
        params = rs.params
        if (self.angles is not None and "transfer_angles" in self.composite.child.parameters
                and "transfer_angles" not in params
                and params.get("initial_point", "transfer") == "transfer"):
            params = {**params, "transfer_angles": [self.angles]}
        tc = time.perf_counter()
        rs.child_ss = self.composite._sample_reduced(rs.reduced.bqm, params)
        rs.record["child_time"] = time.perf_counter() - tc
        info = rs.child_ss.info
        if info.get("initial_point") == "transfer" and info.get("optimal_parameters"):
            self.angles = list(info["optimal_parameters"])
            rs.record["child_start"] = info.get("start")
        return rs


class Expand:
    """The child's samples over every original variable, back in the original gauge."""

    def __init__(self, form: IsingForm, child_name: str):
        self.form, self.child_name = form, child_name

    def __call__(self, rs: RoundState) -> RoundState:
        vartype = self.form.vartype
        red = _columns(rs.child_ss, rs.reduced.labels, f"the child sampler {self.child_name}",
                       vartype)
        spins = _spins(rs.shrunk.expand(red), vartype) * rs.centre[None, :]
        rs.samples = _values(spins, vartype)
        rs.vectors = {k: v for k, v in _vectors(rs.child_ss, "the child sampler").items()
                      if k == "num_occurrences"}
        root = rs.shrunk.root[:-1]
        n = self.form.num_variables
        sizes = np.bincount(root[root < n], minlength=n)[rs.shrunk.alive_indices]
        rs.record.update(num_reduced=int(rs.reduced.bqm.num_variables),
                         group_sizes=sorted(sizes.tolist(), reverse=True),
                         num_fixed=int(np.sum(root == n)))
        return rs


class Repair:
    """The expanded samples as a SampleSet over the model, through ``postprocess``
    (given the deadline when it takes one)."""

    def __init__(self, bqm: dimod.BinaryQuadraticModel, postprocess=None):
        self.bqm, self.postprocess = bqm, postprocess

    def __call__(self, rs: RoundState) -> RoundState:
        rs.sampleset, t_post = finish(rs.samples, self.bqm, self.postprocess, rs.vectors,
                                      rs.deadline)
        rs.record["postprocess_time"] = t_post
        return rs


class Round:
    """A chain of stages run in order on one :class:`RoundState`.

    A stage with ``needs_time = True`` is not started once the state's
    deadline has passed, and the shrink stops when it passes inside it: the
    round is then ``cut`` and returns at once.
    """

    def __init__(self, *stages):
        self.stages = stages

    def __call__(self, rs: RoundState) -> RoundState:
        for stage in self.stages:
            if getattr(stage, "needs_time", False) and expired(rs.deadline):
                rs.cut = True
                return rs
            rs = stage(rs)
            if rs.cut:  # the deadline passed inside the stage
                return rs
        rec = rs.record
        rs.record = {"round": rs.index, "grouping": rs.grouping, "child_calls": 1,
                     "child_time": rec.get("child_time", 0.0),
                     "shrink_time": rec.get("shrink_time", 0.0),
                     "postprocess_time": rec.get("postprocess_time", 0.0),
                     "num_reduced": rec.get("num_reduced", 0),
                     "group_sizes": rec.get("group_sizes", []),
                     "num_fixed": rec.get("num_fixed", 0),
                     "incumbent_kept": rec.get("incumbent_kept", True), "kicked": False,
                     "stop_reason": rs.context.get("stop_reason"),
                     "time": time.perf_counter() - rs.started}
        if "child_start" in rec:
            rs.record["child_start"] = rec["child_start"]
        return rs


# -- round 0 -------------------------------------------------------------------------------
class SingleShot:
    """Round 0: exactly :meth:`ShrinkingComposite.sample
    <dimod_shrink.ShrinkingComposite.sample>` with the same child, settings,
    merge policy, repair and seed -- the answer a call without rounds gives.

    It draws the two seeds a later round draws, so that the later rounds'
    random choices do not depend on round 0.  A deadline reaches the repair
    (the polish stops there); the shrink and the child run in full.
    """

    def __init__(self, composite, bqm, budget: int, *, rng, seed, merge_policy=None,
                 postprocess=None, candidates="coupled", child_params=None):
        self.composite, self.bqm, self.budget, self.rng, self.seed = \
            composite, bqm, budget, rng, seed
        self.merge_policy, self.postprocess = merge_policy, postprocess
        self.candidates, self.child_params = candidates, dict(child_params or {})

    def __call__(self, rs: RoundState) -> RoundState:
        from .shrinking import ShrinkingComposite
        self.rng.integers(_SEED_LIMIT, size=2)
        defaults = self.composite._defaults
        opts = {"correlation": defaults["correlation"], "candidates": self.candidates}
        if defaults["schedule"] is not None:
            opts["schedule"] = defaults["schedule"]
        post = self.postprocess
        if post is not None and rs.deadline is not None and _takes_deadline(post):
            deadline, hook = rs.deadline, post

            def post(sampleset, bqm):
                return hook(sampleset, bqm, deadline=deadline)
        received = []  # rows the child's answer had, as the postprocess saw them
        if post is not None:
            inner = post

            def post(sampleset, bqm):
                received.append(len(sampleset))
                return inner(sampleset, bqm)
        single = ShrinkingComposite(self.composite.child, num_variables=self.budget, **opts)
        ss = single.sample(self.bqm, merge_policy=self.merge_policy, postprocess=post,
                           seed=self.seed, return_shrink_context=True, **self.child_params)
        if len(ss) == 0 and (post is None or received == [0]):
            require_rows(ss, list(self.bqm.variables),
                         f"the child sampler {type(self.composite.child).__name__}")
        context = ss.info["shrink_context"]
        tm = context["timing"]
        sizes, num_fixed = _group_sizes(list(self.bqm.variables), context["merges"])
        rs.context = context
        rs.sampleset = dimod.SampleSet(ss.record, ss.variables, {}, ss.vartype)
        rs.record = {"round": 0, "grouping": "shrink", "child_calls": 1,
                     "child_time": tm.get("child", 0.0),
                     "shrink_time": tm.get("correlation", 0.0) + tm.get("select", 0.0)
                     + tm.get("shrink", 0.0),
                     "postprocess_time": tm.get("postprocess", 0.0),
                     "num_reduced": int(context["num_reduced"]),
                     "group_sizes": sizes, "num_fixed": num_fixed,
                     "incumbent_kept": True, "kicked": False,
                     "stop_reason": context.get("stop_reason"),
                     "time": time.perf_counter() - rs.started}
        return rs


class InitialStates:
    """Round 0 from given states (repaired by ``postprocess``) instead of a shrink."""

    def __init__(self, states: np.ndarray, bqm, postprocess=None):
        self.states, self.bqm, self.postprocess = states, bqm, postprocess

    def __call__(self, rs: RoundState) -> RoundState:
        rs.sampleset, t_post = finish(self.states, self.bqm, self.postprocess, {}, rs.deadline)
        rs.context = {"initial_states": len(self.states)}
        rs.record = {"round": 0, "child_calls": 0, "child_time": 0.0, "shrink_time": 0.0,
                     "postprocess_time": t_post, "num_reduced": 0, "group_sizes": [],
                     "num_fixed": 0, "incumbent_kept": True, "kicked": False,
                     "stop_reason": "initial_states",
                     "time": time.perf_counter() - rs.started}
        return rs


# -- between rounds ------------------------------------------------------------------------
class Accept:
    """Rank a finished round's samples and update the :class:`Search`.

    The round's best sample becomes the incumbent when it scores lower, and
    the centre when it beats the centre; ``stall`` counts rounds without
    improving the incumbent, ``centre_stall`` rounds without improving the
    centre.  The round's record gets ``energy`` (its best score),
    ``incumbent_energy`` and ``improvement``.
    """

    def __init__(self, score=None):
        self.score = score

    def __call__(self, search: Search, rs: RoundState) -> Search:
        rows, keys, i = ranked(rs.sampleset, search.labels, self.score)
        previous = search.best_key
        search.arrays.append(rows)
        found = _spins(rows[i], search.vartype).astype(np.int8)
        if search.incumbent is None or keys[i] < search.best_key:
            search.best_key = float(keys[i])
            search.best_round, search.best_row = len(search.rounds), i
            search.incumbent = found
        improved = search.best_key < previous
        search.stall = 0 if improved else search.stall + 1
        if search.centre is None or keys[i] < search.centre_key:
            search.centre, search.centre_key, search.centre_stall = found, keys[i], 0
        else:
            search.centre_stall += 1
        rs.record.update(energy=float(keys[i]), incumbent_energy=search.best_key,
                         improvement=(0.0 if rs.index == 0 else previous - search.best_key))
        search.rounds.append(rs.record)
        search.contexts.append(rs.context)
        search.samplesets.append(rs.sampleset)
        return search


class Kick:
    """Move the centre of an iterated local search: after ``after`` rounds that do not
    improve the centre, the centre becomes ``perturb(incumbent, rng)`` (through
    ``postprocess``)."""

    def __init__(self, perturb, after: int, bqm, rng, *, postprocess=None, score=None):
        self.perturb, self.after, self.bqm, self.rng = perturb, after, bqm, rng
        self.postprocess, self.score = postprocess, score

    def due(self, search: Search) -> bool:
        return self.perturb is not None and search.centre_stall >= self.after

    def __call__(self, search: Search, deadline: float | None = None) -> Search:
        labels, vartype = search.labels, search.vartype
        values = _values(search.incumbent, vartype).tolist()
        state = self.perturb(dict(zip(labels, values)), self.rng)
        try:
            arr = states_array(state, labels, vartype)
        except ValueError as exc:
            raise ValueError(f"perturb must return one state over every variable of the "
                             f"model ({exc})") from exc
        if arr.shape[0] != 1:
            raise ValueError(f"perturb must return one state over every variable of the "
                             f"model, got {arr.shape[0]}")
        ss, _ = finish(arr, self.bqm, self.postprocess, {}, deadline)
        rows, keys, k = ranked(ss, labels, self.score)
        search.centre = _spins(rows[k], vartype).astype(np.int8)
        search.centre_key = float(keys[k])
        search.centre_stall = 0
        search.kicks += 1
        return search


class StopRule:
    """Why the rounds end, or ``None`` to go on.

    ``"max_rounds"``: ``max_rounds`` later rounds ran (``None``: no cap).
    ``"patience"``: ``patience`` later rounds in a row did not improve the
    incumbent (``None``: never).  ``"time_limit"``: the next round is expected
    to end after the deadline: the elapsed time plus the longest later round
    so far, or before any, round 0's child time (the part of a round the
    deadline cannot cut; round 0's shrink of the whole model says little
    about a later round's).
    """

    def __init__(self, max_rounds: int | None, patience: int | None,
                 time_limit: float | None, started: float):
        self.max_rounds, self.patience = max_rounds, patience
        self.time_limit, self.started = time_limit, started

    def __call__(self, search: Search) -> str | None:
        done = len(search.rounds) - 1
        if self.max_rounds is not None and done >= self.max_rounds:
            return "max_rounds"
        if self.patience is not None and done >= 1 and search.stall >= self.patience:
            return "patience"
        if self.time_limit is not None:
            later = search.rounds[1:]
            longest = max(rec["time"] for rec in later) if later else \
                search.rounds[0].get("child_time", search.rounds[0]["time"])
            if time.perf_counter() - self.started + longest > self.time_limit:
                return "time_limit"
        return None
