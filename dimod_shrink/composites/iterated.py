"""Iterated shrinking: call the small child again and again around the best answer.

One shrink decides all but ``num_variables`` degrees of freedom before the
child sees anything.  :class:`IteratedShrinkingComposite` starts from exactly
that single shrink (round 0 is :meth:`ShrinkingComposite.sample
<dimod_shrink.ShrinkingComposite.sample>` with the same settings and seed),
keeps an *incumbent* (the best sample so far) and repeats:

1. write the model in the **gauge of the incumbent** -- every spin ``s_v`` is
   replaced by ``s'_v = g_v s_v`` with ``g`` the incumbent's spins, so the
   incumbent becomes the all ``+1`` point;
2. **shrink** that model to the budget, with every merge an *equality*
   ``s'_i = s'_j`` and every fix ``s'_i = +1``.  A reduced variable is then a
   *group* of original variables that flips together, and "no group flips"
   is the incumbent: every round's search space contains it, so a round can
   never lose it;
3. let the **child** choose which groups to flip, **expand** back to every
   original variable, **repair** (the ``postprocess`` slot), and keep the
   best.

The grouping changes from round to round, because the gauge (the incumbent)
changes and because each round's correlations carry fresh random noise that
grows while the rounds stall.  Two groupings are built in
(``grouping=``), and ``"auto"`` (the default) combines them -- the cheap
energy impact while it improves, then the relaxation and the energy impact
by turns (measured in ``docs/iterated.md``: the energy impact alone stalls
on knapsack models, the relaxation alone costs several times more per
round on Max-Cut):

``"relaxation"``
    The low-rank Goemans--Williamson relaxation of the gauged model
    (:class:`~dimod_shrink.correlations.LowRankSDP`), clipped to its
    non-negative part: pairs the relaxation places on the same side *and*
    the incumbent puts on the same side are grouped first; pairs the
    relaxation would separate stay apart, so the child can flip one
    against the other.
``"impact"``
    Heavy-edge coarsening by energy impact, no relaxation solved: a coupling
    the incumbent satisfies attracts its two variables in proportion to its
    weight (relative to their total coupling), and a variable whose flip
    costs much energy is fixed first.

Any estimator name or callable of :mod:`dimod_shrink.correlations` may also
be passed; it is evaluated on the gauged model and clipped the same way.

A problem may supply its own later rounds instead (``round_groups=``: the
groups that flip together, e.g. disjoint swaps of a QAP permutation, built by
:func:`grouped_state`), and a kick (``perturb=``) that turns the rounds into
an iterated local search around a moving centre; see ``docs/iterated.md``.

Each round is a chain of small stages (:mod:`dimod_shrink.composites.rounds`:
centre and gauge, grouping, shrink, child, expand, repair; then accept or
kick), one state flowing through them; the gauge helpers are in
:mod:`dimod_shrink.composites.gauge`.

Constraint-aware merge policies see every candidate merge in the *original*
variables: the merges are made over the gauged model, and a shadow
:class:`~dimod_shrink.merges.ShrinkState` over the original model replays
each one with its sign translated (``s_i = g_i g_j s_j``, or ``s_i = g_i``
for a fix) before the policy is asked.  A policy therefore never sees a
gauge-flipped ``BINARY`` variable.

References:
    H. Ushijima-Mwesigwa, R. Shaydulin, C. F. A. Negre, S. M. Mniszewski, Y.
    Alexeev, I. Safro, "Multilevel combinatorial optimization across quantum
    architectures", ACM Trans. Quantum Comput. 2 (2021).

    Angone et al., arXiv:2309.08815 (2023); F. B. Maciejewski et al.,
    arXiv:2408.07793 (2024) -- multilevel refinement with small solvers.

    dwave-hybrid's decomposition loops (``EnergyImpactDecomposer``,
    ``Kerberos``), https://docs.ocean.dwavesys.com/projects/hybrid/.
"""

from __future__ import annotations

import numbers
import time
from typing import Callable

import dimod
import numpy as np

from ..correlations import resolve_estimator
from ..ising import ising_form, validate_bqm
from ..structured import sampleset_on
from ._base import ChildComposite
from ._checks import check_seed, states_array
from ._progress import RoundsProgress
from .gauge import IncumbentRelative, gauge_form, grouped_state
from .rounds import (Accept, Centre, Child, Expand, Grouping, InitialStates, Kick, Repair,
                     Round, RoundState, Search, Shrink, SingleShot, StopRule)
from .shrinking import CQM_NUM_READS

__all__ = ["IteratedShrinkingComposite", "GROUPINGS", "gauge_form", "grouped_state",
           "IncumbentRelative"]

GROUPINGS = ("auto", "impact", "relaxation")
"""The built-in groupings of the later rounds (any estimator name or callable works too)."""

_OWN = ("num_variables", "max_rounds", "time_limit", "patience", "initial_states",
        "merge_policy", "postprocess", "seed", "return_shrink_context", "progress", "score",
        "candidates", "round_groups", "perturb", "perturb_after")


# -- the composite ---------------------------------------------------------------------
class IteratedShrinkingComposite(ChildComposite):
    """Shrink, sample, expand, repair -- then again around the best answer.

    Round 0 is a normal shrink (:class:`ShrinkingComposite`), or, with
    ``initial_states``, the best of the given states (repaired by
    ``postprocess``) as the incumbent.  Every later round writes the model in
    the gauge of the incumbent, shrinks it to the budget with groups that
    keep the incumbent reachable, lets the child choose which groups to flip,
    expands, repairs and keeps the best (see :mod:`dimod_shrink.composites.iterated`).

    Args:
        child_sampler: Any :class:`dimod.Sampler`; defaults to
            :class:`dwave.samplers.SimulatedAnnealingSampler`.
        num_variables: Default budget (variables the child may receive).
        grouping: How later rounds group variables: ``"auto"`` (default:
            ``"impact"`` while it improves, then ``"relaxation"`` and
            ``"impact"`` by turns), ``"impact"``, ``"relaxation"``, or any
            estimator name/callable of :mod:`dimod_shrink.correlations`.
        noise: Base amplitude of the random perturbation of the later rounds'
            correlations; it grows by ``noise`` for each round without
            improvement (capped at 1).
        correlation: Estimator of round 0 (a normal shrink).
        schedule: Recomputation schedule of every shrink; ``None`` (default)
            uses :func:`~dimod_shrink.engine.shrink`'s default.
        candidates: The pairs round 0's shrink considers (``"coupled"``,
            ``"lsh"``, ``"dense"``; see :mod:`dimod_shrink.candidates`).  The
            later rounds rank every pair of their incumbent-relative
            correlations.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.composites import IteratedShrinkingComposite
        >>> bqm = dimod.generators.ran_r(1, 30, seed=4)
        >>> sampler = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8)
        >>> ss = sampler.sample(bqm, max_rounds=5, seed=1)
        >>> rounds = ss.info['rounds']
        >>> all(b['incumbent_energy'] <= a['incumbent_energy'] for a, b in zip(rounds, rounds[1:]))
        True
        >>> bool(abs(ss.first.energy - bqm.energy(ss.first.sample)) < 1e-9)
        True

    References:
        H. Ushijima-Mwesigwa et al., ACM Trans. Quantum Comput. 2 (2021);
        Angone et al., arXiv:2309.08815 (2023); F. B. Maciejewski et al.,
        arXiv:2408.07793 (2024).
    """

    _own = _OWN

    def __init__(self, child_sampler: dimod.Sampler | None = None, *, num_variables: int = 20,
                 grouping="auto", noise: float = 0.2, correlation="lowrank",
                 schedule: str | None = None, candidates: str = "coupled"):
        super().__init__(child_sampler, num_variables)
        self._check_candidates(candidates)
        resolve_estimator(correlation)  # fail early on an unknown name
        if isinstance(grouping, str) and grouping not in GROUPINGS:
            resolve_estimator(grouping)  # a name of an estimator, or a clear error
        elif not isinstance(grouping, str) and not callable(grouping):
            raise TypeError(f"grouping must be one of {GROUPINGS}, an estimator name or a "
                            f"callable estimator(K, rng) -> C, got {type(grouping).__name__}")
        if not 0.0 <= noise <= 1.0:
            raise ValueError(f"noise must be in [0, 1], got {noise}")
        self._defaults = {"num_variables": num_variables, "correlation": correlation,
                          "schedule": schedule, "candidates": candidates}
        self._grouping = grouping
        self._noise = float(noise)

    def _round_grouping(self, stall: int):
        """The grouping of a later round, after ``stall`` rounds without improvement.

        ``"auto"``: the cheap energy-impact grouping while it improves (and one
        round after), then the relaxation and the energy impact by turns.
        """
        if self._grouping != "auto":
            return self._grouping
        return "relaxation" if stall >= 2 and stall % 2 == 0 else "impact"

    # -- round 0 and the stages ----------------------------------------------------
    @staticmethod
    def _initial(initial_states, bqm) -> np.ndarray:
        arr = states_array(initial_states, list(bqm.variables), bqm.vartype)
        if arr.shape[0] == 0:
            raise ValueError("initial_states is empty; pass at least one state or drop it")
        return arr

    def stages(self, bqm: dimod.BinaryQuadraticModel, form, budget: int, rng, *,
               child_params: dict, merge_policy=None, postprocess=None, round_groups=None
               ) -> Round:
        """The chain of stages of a later round (see :mod:`dimod_shrink.composites.rounds`):
        centre and gauge, grouping, shrink, child, expand, repair."""
        return Round(
            Centre(form, rng, child_params, self._child_takes_seed()),
            Grouping(form, budget, rng, choose=self._round_grouping, noise=self._noise,
                     round_groups=round_groups, merge_policy=merge_policy),
            Shrink(form, budget, self._defaults["schedule"]),
            Child(self),
            Expand(form, type(self.child).__name__),
            Repair(bqm, postprocess))

    # -- sampling ------------------------------------------------------------------
    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_variables: int | None = None,
               max_rounds: int | None = None, time_limit: float | None = None,
               patience: int | None = None,
               initial_states=None, merge_policy: Callable | None = None,
               postprocess: Callable | None = None, seed=None,
               return_shrink_context: bool = False, progress=False,
               score: Callable | None = None, candidates: str | None = None,
               round_groups: Callable | None = None, perturb: Callable | None = None,
               perturb_after: int = 3, **child_params) -> dimod.SampleSet:
        """Sample ``bqm`` by rounds of shrinking around the incumbent.

        Round 0 is exactly :meth:`ShrinkingComposite.sample
        <dimod_shrink.ShrinkingComposite.sample>` with the same child, budget,
        correlation, schedule, candidates, merge policy, repair and seed (or,
        with ``initial_states``, the best given state); the later rounds can
        only improve on it.

        Args:
            bqm: The model; never modified.
            num_variables: Budget for the child (default: the constructor's).
            max_rounds: Rounds after round 0 at most (``0``: the single
                shrink alone).  Default: 10, or no cap with a ``time_limit``.
            time_limit: Seconds for the whole call, round 0 and every repair
                included.  A later round starts only if it is expected to end
                in time (the elapsed time plus the longest later round so far,
                round 0's child time before any); the deadline reaches every stage:
                a round whose shrink or child would start late is dropped, and
                a ``postprocess`` that takes a ``deadline`` keyword (a
                :func:`time.perf_counter` value), as :meth:`Problem.postprocess
                <dimod_shrink.problems.base.Problem.postprocess>` does, polishes
                only what fits, best samples first.  A child call itself is
                never interrupted.
            patience: Stop after this many consecutive later rounds without
                improvement.  Default: 3 (100 with ``perturb``, whose kicks are
                rounds that rarely improve at once); off with a ``time_limit``.
            initial_states: States over every variable of ``bqm`` (anything
                :func:`dimod.as_samples` reads); the best of them, repaired by
                ``postprocess``, is the incumbent of round 0 instead of a shrink.
            merge_policy: ``policy(state, i, j, sign) -> bool``; asked in the
                original variables in every round (see the module notes).
            postprocess: ``postprocess(sampleset, bqm) -> SampleSet``, the
                repair of every round's expanded samples (given
                ``deadline=...`` too, with a ``time_limit``, when it takes it).
            seed: Seeds every random choice (correlations, noise, and the
                child when it takes a ``seed``); round 0 uses it as the single
                shrink does.
            return_shrink_context: Add ``info['shrink_context']``: the shrink
                context of every round, in order.
            progress: ``True`` shows a :mod:`tqdm` bar over the rounds (over
                the seconds with a ``time_limit``) with the incumbent's score;
                a callable ``value(sampleset) -> float`` shows its value of the
                incumbent (a one-row SampleSet over ``bqm``) instead, e.g. a
                problem's objective in its natural sense.
            score: ``score(sampleset) -> array``, lower is better, ranking
                the samples for the incumbent (default: the energy on
                ``bqm``).  Samples with ``is_feasible`` False rank last.
            candidates: Round 0's candidate pairs (default: the constructor's).
            round_groups: ``round_groups(incumbent, budget, rng, stall) -> groups``,
                a problem's own grouping of the later rounds in place of the
                shrink (e.g. :meth:`QAPProblem.round_groups
                <dimod_shrink.problems.QAPProblem.round_groups>`: disjoint swaps,
                so that every reduced state is a permutation).  It receives the
                round's centre as ``{label: value}`` (the incumbent, unless
                ``perturb`` moved it), the budget, the round's
                :class:`numpy.random.Generator` and the rounds without
                improving the centre so far, and returns at most ``budget`` disjoint lists
                of labels -- each flips together; every other variable keeps its
                incumbent value -- or ``None`` to shrink as usual.  The groups
                replace the merge policy's say in that round (they come from the
                problem, which knows its constraints); the repair still runs.
            perturb: ``perturb(incumbent, rng) -> state``: turns the rounds
                into an iterated local search.  Without it every round is built
                around the incumbent.  With it, rounds are built around a
                *centre*: a round's best sample becomes the centre when it
                beats the centre, and after ``perturb_after`` rounds that do
                not, the centre becomes ``perturb`` of the incumbent (a state
                over every variable, passed through ``postprocess``).  The
                incumbent is still the best sample of any round, and
                ``patience`` still counts rounds without improving it, so give
                a larger ``patience`` (or a ``time_limit``).
            perturb_after: Rounds without improving the centre before a kick.
            **child_params: Forwarded to the child in every round.

        Returns:
            :class:`dimod.SampleSet` over the original variables: the final
            incumbent first, then every round's samples, energies on ``bqm``,
            with a ``round`` vector.  ``info['rounds']`` lists each round
            (round 0 first): ``round``, ``energy`` (its best score),
            ``incumbent_energy``, ``improvement``, ``child_calls``,
            ``child_time``, ``shrink_time``, ``postprocess_time``, ``time``,
            ``num_reduced``, ``group_sizes`` (original variables per reduced
            variable), ``num_fixed``, ``incumbent_kept``, ``kicked`` and
            ``stop_reason`` of the shrink; with a QAOA child that transfers
            angles, ``child_start`` (``"table"``, or ``"given"`` where the
            previous round's angles won).  ``info['num_rounds']`` is the
            number of later rounds that ran (what ``max_rounds`` counts), and
            ``info['stop']`` says why they ended: ``"max_rounds"``,
            ``"patience"`` or ``"time_limit"``.
        """
        t_start = time.perf_counter()
        validate_bqm(bqm)
        self._check_kwargs(child_params)
        budget = self._defaults["num_variables"] if num_variables is None else num_variables
        self._check_budget(budget)
        if time_limit is not None and (isinstance(time_limit, bool) or
                                       not isinstance(time_limit, numbers.Real) or
                                       not time_limit > 0):
            raise ValueError(f"time_limit must be a positive number of seconds, got "
                             f"{time_limit!r}")
        if max_rounds is None and time_limit is None:
            max_rounds = 10
        if patience is None and time_limit is None:
            patience = 3 if perturb is None else 100
        for name, value in (("max_rounds", max_rounds), ("patience", patience)):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if patience is not None and patience < 1:
            raise ValueError(f"patience must be >= 1 (rounds without improvement before "
                             f"stopping), got {patience}")
        if postprocess is not None and not callable(postprocess):
            raise TypeError("postprocess must be a callable postprocess(sampleset, bqm)")
        if merge_policy is not None and not callable(merge_policy):
            raise TypeError("merge_policy must be a callable policy(state, i, j, sign) -> bool")
        if score is not None and not callable(score):
            raise TypeError("score must be a callable score(sampleset) -> array")
        if perturb is not None and not callable(perturb):
            raise TypeError("perturb must be a callable perturb(incumbent, rng) -> state")
        if isinstance(perturb_after, bool) or not isinstance(perturb_after, (int, np.integer)) \
                or perturb_after < 1:
            raise ValueError(f"perturb_after must be an int >= 1 (rounds without improving "
                             f"the centre before a kick), got {perturb_after!r}")
        if round_groups is not None and not callable(round_groups):
            raise TypeError("round_groups must be a callable round_groups(incumbent, budget, "
                            "rng, stall) -> list of label lists (or None)")
        if progress is not None and not isinstance(progress, bool) and not callable(progress):
            raise TypeError("progress must be True, False or a callable value(sampleset)")
        if candidates is None:
            candidates = self._defaults["candidates"]
        else:
            self._check_candidates(candidates)
        seed = check_seed(seed)

        rng = np.random.default_rng(seed)
        form = ising_form(bqm)
        deadline = None if time_limit is None else t_start + float(time_limit)
        if initial_states is not None:
            first = InitialStates(self._initial(initial_states, bqm), bqm, postprocess)
        else:
            first = SingleShot(self, bqm, budget, rng=rng, seed=seed, merge_policy=merge_policy,
                               postprocess=postprocess, candidates=candidates,
                               child_params=child_params)
        later = self.stages(bqm, form, budget, rng, child_params=child_params,
                            merge_policy=merge_policy, postprocess=postprocess,
                            round_groups=round_groups)
        accept = Accept(score)
        kick = Kick(perturb, perturb_after, bqm, rng, postprocess=postprocess, score=score)
        stop_rule = StopRule(max_rounds, patience, time_limit, t_start)
        search = Search(list(form.labels), form.vartype)

        rs = first(RoundState(0, deadline=deadline))
        with RoundsProgress(progress, max_rounds, time_limit, t_start) as bar:
            while True:
                accept(search, rs)
                bar.update(search)
                stop = stop_rule(search)
                if stop is not None:
                    break
                t_kick, kicked = 0.0, False
                if kick.due(search):
                    tk = time.perf_counter()
                    kick(search, deadline)
                    t_kick, kicked = time.perf_counter() - tk, True
                rs = later(RoundState(len(search.rounds), centre=search.centre,
                                      stall=search.centre_stall, deadline=deadline))
                if rs.cut:  # the deadline passed before its child ran
                    stop = "time_limit"
                    break
                rs.record["kicked"] = kicked
                rs.record["time"] += t_kick
            bar.close(search, stop)
        return self._collect(bqm, search, stop, t_start, return_shrink_context)

    @staticmethod
    def _collect(bqm, search: Search, stop: str, t_start: float,
                 return_shrink_context: bool) -> dimod.SampleSet:
        """The incumbent first, then every round's samples, and the ``info``."""
        labels = search.labels
        vecs = [set(s.record.dtype.names) - {"sample", "energy"} for s in search.samplesets]
        common = set.intersection(*vecs)
        parts = []
        for k, (s, arr) in enumerate(zip(search.samplesets, search.arrays)):
            v = {name: s.record[name] for name in common}
            v["round"] = np.full(len(s), k, dtype=np.int32)
            parts.append(sampleset_on(bqm, (arr, labels), **v))
        best = parts[search.best_round]
        row = search.best_row
        head = dimod.SampleSet(best.record[row:row + 1], best.variables, {}, best.vartype)
        out = dimod.concatenate([head] + parts)
        out = dimod.SampleSet(out.record, out.variables, {}, out.vartype)
        rounds = search.rounds
        info = {"rounds": rounds, "num_rounds": len(rounds) - 1, "stop": stop,
                "incumbent_score": search.best_key, "kicks": search.kicks,
                "time": time.perf_counter() - t_start,
                "child_calls": sum(rec["child_calls"] for rec in rounds)}
        if return_shrink_context:
            info["shrink_context"] = search.contexts
        out.info.update(info)
        return out

    def sample_cqm(self, cqm: dimod.ConstrainedQuadraticModel, *, encoding: str = "unbalanced",
                   constraint_aware: bool = True, repair: bool = True, polish: bool = True,
                   seed=None, **parameters) -> dimod.SampleSet:
        """Iterated sampling of a constrained model.

        Builds the :class:`~dimod_shrink.problems.CQMProblem` (penalty BQM,
        constraint-aware merge policy, repair), then runs :meth:`sample`
        with the incumbent ranked by the CQM objective among feasible
        samples.  ``initial_states`` may assign the CQM's variables only.

        Args:
            cqm: A CQM with binary variables and linear constraints.
            encoding: ``"unbalanced"`` or ``"slack"``.
            constraint_aware: Use the merge policy in every round.
            repair: Repair every round's samples (and ``polish`` them).
            seed: Seeds the witnesses, every round and the child.
            **parameters: As for :meth:`sample`.

        Returns:
            SampleSet over the CQM's variables (energies of the CQM objective,
            ``is_feasible``/``is_satisfied`` from
            :meth:`dimod.SampleSet.from_samples_cqm`), the incumbent first;
            ``info`` as :meth:`sample` gives it.

        Examples:
            >>> import dimod
            >>> cqm = dimod.ConstrainedQuadraticModel()
            >>> x = [dimod.Binary(i) for i in range(30)]
            >>> cqm.set_objective(-sum((i % 7 + 1) * xi for i, xi in enumerate(x)))
            >>> _ = cqm.add_constraint(sum((i % 5 + 1) * xi for i, xi in enumerate(x)) <= 20)
            >>> ss = IteratedShrinkingComposite(num_variables=10).sample_cqm(
            ...     cqm, max_rounds=3, seed=1)
            >>> bool(ss.first.is_feasible)
            True
        """
        from ..problems.integers import cqm_problem
        started = time.perf_counter()  # a time_limit covers building the problem too
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"sample_cqm needs a dimod.ConstrainedQuadraticModel, got "
                            f"{type(cqm).__name__}; use sample() for a BQM")
        for own in ("merge_policy", "postprocess", "score"):
            if own in parameters:
                raise TypeError(f"sample_cqm builds its own {own}; use sample() with "
                                f"problem.{own}() to supply one")
        problem = cqm_problem(cqm, encoding=encoding)  # integers and spins as binaries
        decoder = getattr(problem, "decoder", None)
        policy = problem.merge_policy(constraint_aware, seed=seed)
        post = problem.postprocess(polish=polish) if repair else None

        def score(ss):
            X = problem.decision_columns(ss)
            if decoder is None:
                key = np.asarray(cqm.objective.energies((X, problem.variables)), dtype=float)
            else:  # the binary CQM's objective equals the original's on the expansion
                key = np.asarray(problem.objective(X), dtype=float) if len(X) else \
                    np.zeros(0)
            return np.where(problem.is_feasible(X), key, np.inf) if len(X) else key

        if parameters.get("initial_states") is not None:
            arr, labels = dimod.as_samples(parameters["initial_states"])
            pos = {v: k for k, v in enumerate(labels)}
            wanted = problem.variables if decoder is None else decoder.variables
            missing = [v for v in wanted if v not in pos]
            if missing:
                raise ValueError("initial_states must assign every variable of the CQM; "
                                 f"missing {missing[:5]}")
            X = np.asarray(arr)[:, [pos[v] for v in wanted]]
            X = np.asarray(X, dtype=np.int8) if decoder is None else decoder.encode(X)
            parameters["initial_states"] = (problem.complete(X), problem.labels)
        parameters.setdefault("candidates", problem.candidates)
        if "num_reads" in self.child.parameters and "num_reads" not in parameters:
            parameters["num_reads"] = CQM_NUM_READS  # as ShrinkingComposite.sample_cqm
        if parameters.get("time_limit") is not None:
            parameters["time_limit"] = max(float(parameters["time_limit"])
                                           - (time.perf_counter() - started), 1e-3)
        ss = self.sample(problem.model, merge_policy=policy, postprocess=post, seed=seed,
                         score=score, **parameters)
        X = problem.decision_columns(ss)
        labels = problem.variables
        if decoder is not None:  # back to the CQM's own variables
            X, labels = decoder.decode(X), decoder.variables
        vectors = {}
        for k in ("feasible_before_repair", "repair_moves", "polish_gain", "num_occurrences",
                  "round"):
            if k in ss.record.dtype.names:
                vectors[k] = ss.record[k]
        out = dimod.SampleSet.from_samples_cqm((X, labels), cqm, **vectors)
        out.info.update(ss.info)
        return out
