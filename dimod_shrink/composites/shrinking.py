"""A composite that shrinks a BQM to the child's budget, samples, and expands."""

from __future__ import annotations

import time
import warnings
from typing import Callable

import dimod
import numpy as np

from ..correlations import resolve_estimator
from ..engine import SCHEDULES, shrink
from ..ising import ising_form, validate_bqm
from ..structured import PenaltyModel, sampleset_on
from ._base import ChildComposite
from ._checks import check_seed, data_vectors, sample_array, states_array
from ._progress import Progress as _Progress

__all__ = ["ShrinkingComposite", "BudgetNotReachedWarning", "SlowChildWarning",
           "NoFeasibleSampleWarning", "EXACT_SOLVER_LIMIT", "CQM_NUM_READS"]

_OWN = ("num_variables", "correlation", "recompute_every", "min_correlation",
        "merge_policy", "postprocess", "return_shrink_context", "seed", "schedule",
        "recompute_fraction", "threshold", "early_stop", "strict_budget", "progress",
        "candidates")

EXACT_SOLVER_LIMIT = 16
"""Reduced sizes above which an :class:`dimod.ExactSolver` child gets a
:class:`SlowChildWarning` (``2^16`` rows take well under a second)."""


class BudgetNotReachedWarning(UserWarning):
    """Shrinking could not keep the budget as asked: it stopped above
    ``num_variables``, or it had to merge past the merge policy to keep it."""


class NoFeasibleSampleWarning(UserWarning):
    """``sample_cqm`` returned no feasible sample (``info['feasible_found']``
    is ``False``)."""


CQM_NUM_READS = 100
"""``sample_cqm``'s default ``num_reads`` for children that take one: SA's own
default of one read makes results swing from call to call."""


class SlowChildWarning(UserWarning):
    """The child will be slow on the reduced model (an ExactSolver past
    :data:`EXACT_SOLVER_LIMIT` variables)."""


class ShrinkingComposite(ChildComposite):
    """Shrink a binary quadratic model by correlation-guided merges, then sample it.

    The model is written in reference-node Ising form, correlations between
    its spins are estimated (by default from the Goemans--Williamson SDP,
    solved by a low-rank mixing method), and the most strongly correlated pair
    is merged -- ``x_i = x_j``, ``x_i = 1 - x_j``, or ``x_i`` fixed -- until the
    model has at most ``num_variables`` variables.  The child samples the small
    model; the samples are expanded back to every original variable and their
    energies are computed on the *original* model.

    Args:
        child_sampler: Any :class:`dimod.Sampler`; defaults to
            :class:`dwave.samplers.SimulatedAnnealingSampler`.
        num_variables: Default budget (variables the child may receive).
        correlation: Default estimator (name or callable), see
            :mod:`dimod_shrink.correlations`.
        recompute_every: Default number of merges between correlation solves
            (``schedule="fixed"``).
        schedule: Default recomputation schedule: ``"geometric"`` (default),
            ``"fixed"`` (the published rule with ``recompute_every=1``) or
            ``"adaptive"``.
        candidates: Default candidate pairs of the default schedule
            (``"coupled"``; see :meth:`sample`).

    Examples:
        >>> import dimod
        >>> from dimod_shrink import ShrinkingComposite
        >>> bqm = dimod.generators.ran_r(1, 12, seed=3)
        >>> sampler = ShrinkingComposite(dimod.ExactSolver())
        >>> ss = sampler.sample(bqm, num_variables=6, seed=0, return_shrink_context=True)
        >>> len(ss.variables), ss.info['shrink_context']['num_reduced']
        (12, 6)
        >>> bool(abs(ss.first.energy - bqm.energy(ss.first.sample)) < 1e-9)
        True

    References:
        S. Sharma, H. K. Lau, arXiv:2506.14250 (2025); J. Fischer et al.,
        arXiv:2404.17242 (2024); S. Bravyi et al., PRL 125 (2020).
    """

    _own = _OWN

    def __init__(self, child_sampler: dimod.Sampler | None = None, *,
                 num_variables: int = 20, correlation="lowrank", recompute_every: int = 1,
                 schedule: str = "geometric", candidates: str = "coupled"):
        super().__init__(child_sampler, num_variables)
        self._defaults = {"num_variables": num_variables, "correlation": correlation,
                          "recompute_every": recompute_every, "schedule": schedule,
                          "candidates": candidates}
        resolve_estimator(correlation)  # fail early on an unknown name
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {', '.join(map(repr, SCHEDULES))}, "
                             f"got {schedule!r}")
        self._check_candidates(candidates)

    def __repr__(self) -> str:
        d = self._defaults
        return (f"{type(self).__name__}({type(self.child).__name__}(), "
                f"num_variables={d['num_variables']}, correlation={d['correlation']!r}, "
                f"schedule={d['schedule']!r})")

    def _translate_initial_states(self, parameters, reduced_labels, vartype):
        if "initial_states" not in parameters or parameters["initial_states"] is None:
            return parameters
        out = dict(parameters)
        arr = states_array(parameters["initial_states"], reduced_labels, vartype)
        out["initial_states"] = (arr, list(reduced_labels))
        return out

    # -- sampling -------------------------------------------------------------
    def sample(self, bqm: dimod.BinaryQuadraticModel, *, num_variables: int | None = None,
               correlation=None, recompute_every: int | None = None,
               min_correlation: float = 0.0, merge_policy: Callable | None = None,
               postprocess: Callable | None = None, return_shrink_context: bool = False,
               seed=None, schedule: str | None = None, recompute_fraction: float | None = None,
               threshold=None, early_stop: bool = False, strict_budget: bool = True,
               candidates: str | None = None, progress=False,
               **parameters) -> dimod.SampleSet:
        """Shrink ``bqm``, sample the reduced model with the child, and expand.

        Args:
            bqm: The model; never modified.  A
                :class:`~dimod_shrink.structured.PenaltyModel` (constraints
                kept as rows, what the constrained problems build) is taken
                too: it is shrunk without writing its constraints out as
                couplings, and energies are computed from its rows.
            num_variables: Budget for the child (>= 1). Models within budget
                go straight to the child, with no correlation work.
            correlation: Estimator name or callable (default ``"lowrank"``).
            recompute_every: Merges between correlation solves with
                ``schedule="fixed"`` (default 1: the published rule).
            min_correlation: Stop shrinking when no admissible pair reaches
                this ``|C|``; the child then gets a larger model (an explicit
                opt-out of the budget).
            merge_policy: ``policy(state, i, j, sign) -> bool`` that may veto
                merges (see :mod:`dimod_shrink.engine`).
            postprocess: ``postprocess(sampleset, bqm) -> SampleSet`` applied to
                the expanded samples (the repair slot).  Its answer is checked
                like the child's and energies are recomputed on ``bqm``.
            return_shrink_context: Add ``info['shrink_context']``: the merges,
                vetoes, reduced size and per-stage timings.
            seed: Seeds the correlation estimator (an int in ``[0, 2**31)``);
                also forwarded to the child when the child takes a ``seed``.
            schedule: ``"geometric"`` (default: recompute after 10% of the
                variables are gone, rescoring in between), ``"fixed"``
                (every ``recompute_every`` merges; the published rule) or
                ``"adaptive"``; see :func:`dimod_shrink.engine.shrink` and
                ``docs/scale.md`` for the measured trade-off.
            recompute_fraction: See ``schedule``.
            threshold: Dynamic merge threshold: ``"proportional"``,
                ``"quantile"``, ``"two_means"``, ``"decay"`` or a
                :class:`~dimod_shrink.adaptive.Threshold`.
            early_stop: Stop above the budget when no strong pair remains (a
                :class:`BudgetNotReachedWarning` says so, and the context
                records ``budget_reached=False``).
            candidates: Which pairs the default schedule considers:
                ``"coupled"`` (default: the edges of the reduced model and the
                pairs with the reference), ``"lsh"`` (plus nearly parallel
                rows of the relaxation's factor), ``"near"`` (those with
                ``|C| >= 0.9`` only) or ``"dense"``; see
                :mod:`dimod_shrink.candidates` for the measured trade-off.
            strict_budget: The budget is a promise (default): when the merge
                policy vetoes every remaining pair, shrinking goes on without
                it (a :class:`BudgetNotReachedWarning` names the policy and
                the size where it happened; the repair restores
                feasibility), so the child never gets more than
                ``num_variables`` variables unless ``min_correlation`` or
                ``early_stop`` asked for it.  ``False``: stop above the
                budget instead.
            progress: ``True`` shows a progress bar (tqdm, on stderr) with the
                stage and the variables left; a callable
                ``progress(stage, num_variables_left)`` is called instead.
            **parameters: Forwarded to the child.  ``initial_states`` is
                projected onto the reduced model (each surviving variable keeps
                its own value).

        Returns:
            :class:`dimod.SampleSet` over the original variables, energies on
            the original model, the child's ``info`` kept.

        Raises:
            ValueError: a child or postprocess answer with missing or extra
                variables or values outside the vartype; a seed out of range.
        """
        t_start = time.perf_counter()
        validate_bqm(bqm)
        structured = isinstance(bqm, PenaltyModel)
        self._check_kwargs(parameters)
        budget = self._defaults["num_variables"] if num_variables is None else num_variables
        self._check_budget(budget)
        seed = check_seed(seed)
        correlation = self._defaults["correlation"] if correlation is None else correlation
        recompute = (self._defaults["recompute_every"] if recompute_every is None
                     else recompute_every)
        schedule = self._defaults["schedule"] if schedule is None else schedule
        if postprocess is not None and not callable(postprocess):
            raise TypeError("postprocess must be a callable postprocess(sampleset, bqm)")
        if merge_policy is not None and not callable(merge_policy):
            raise TypeError("merge_policy must be a callable policy(state, i, j, sign) -> bool")
        if seed is not None and self._child_takes_seed():
            parameters["seed"] = seed
        child_name = f"the child sampler {type(self.child).__name__}"

        timing = {"correlation": 0.0, "select": 0.0, "shrink": 0.0, "child": 0.0,
                  "expand": 0.0, "postprocess": 0.0}
        labels = list(bqm.variables)
        with _Progress(progress, bqm.num_variables, budget) as bar:
            if bqm.num_variables <= budget:
                context = {"num_variables": bqm.num_variables,
                           "num_reduced": bqm.num_variables, "merges": [], "num_merges": 0,
                           "num_fixed": 0, "vetoed_merges": 0, "vetoes": [],
                           "correlation_calls": 0, "stop_reason": "within_budget",
                           "budget_reached": True, "reduced_variables": labels,
                           "control": {}}
                self._warn_if_slow(bqm.num_variables)
                bar.stage("child", bqm.num_variables)
                tc = time.perf_counter()
                # the child gets a copy (cheap at this size): a child that edits the
                # model it is given leaves the caller's alone, and energies below are
                # computed on the caller's model
                child_ss = self.child.sample(bqm.to_bqm() if structured else bqm.copy(),
                                             **parameters)
                timing["child"] = time.perf_counter() - tc
                full = sample_array(child_ss, labels, bqm.vartype, child_name)
            else:
                if isinstance(correlation, str):
                    resolve_estimator(correlation)
                form = ising_form(bqm, labels)
                result = shrink(form, budget, correlation=correlation,
                                recompute_every=recompute, min_correlation=min_correlation,
                                merge_policy=merge_policy, relax_policy=strict_budget,
                                seed=seed, schedule=schedule,
                                recompute_fraction=recompute_fraction, threshold=threshold,
                                early_stop=early_stop, progress=bar.stage,
                                candidates=self._defaults["candidates"] if candidates is None
                                else candidates)
                self._warn_about_budget(result, budget, merge_policy)
                timing.update(result.timing)
                context = result.context()
                reduced = result.reduced
                params = self._translate_initial_states(parameters, reduced.labels, bqm.vartype)
                self._warn_if_slow(reduced.bqm.num_variables)
                bar.stage("child", reduced.bqm.num_variables)
                tc = time.perf_counter()
                child_ss = self._sample_reduced(reduced.bqm, params)
                timing["child"] = time.perf_counter() - tc
                te = time.perf_counter()
                bar.stage("expand", reduced.bqm.num_variables)
                red = sample_array(child_ss, reduced.labels, bqm.vartype, child_name)
                full = result.state.expand(red)
                timing["expand"] = time.perf_counter() - te
            sampleset = sampleset_on(
                bqm, (full, labels), **data_vectors(child_ss, len(full), child_name))
            info = dict(child_ss.info)

            if postprocess is not None:
                bar.stage("repair", len(sampleset))
                tp = time.perf_counter()
                processed = postprocess(sampleset, bqm)
                arr = sample_array(processed, labels, bqm.vartype, "postprocess")
                sampleset = sampleset_on(
                    bqm, (arr, labels), **data_vectors(processed, len(arr), "postprocess"))
                info.update(processed.info)
                timing["postprocess"] = time.perf_counter() - tp
        timing["total"] = time.perf_counter() - t_start
        if return_shrink_context:
            context["timing"] = timing
            info["shrink_context"] = context
        sampleset.info.update(info)
        return sampleset

    def _warn_about_budget(self, result, budget, merge_policy):
        relaxed = result.control.get("policy_relaxed_at")
        if relaxed is not None:
            name = getattr(merge_policy, "__name__", type(merge_policy).__name__)
            warnings.warn(
                f"the merge policy {name!r} vetoed every remaining merge at {relaxed} "
                f"variables ({result.vetoed_merges} vetoes in all); to keep the budget of "
                f"{budget}, the remaining merges were made without it and the repair must "
                "restore feasibility. Raise num_variables to avoid this, or pass "
                "strict_budget=False to stop above the budget instead.",
                BudgetNotReachedWarning, stacklevel=3)
        if result.stop_reason != "budget":
            warnings.warn(
                f"shrinking stopped at {result.reduced.bqm.num_variables} variables, above "
                f"the budget of {budget} ({result.stop_reason}); the child gets the "
                "larger model", BudgetNotReachedWarning, stacklevel=3)

    def _warn_if_slow(self, size: int):
        if isinstance(self.child, dimod.ExactSolver) and size > EXACT_SOLVER_LIMIT:
            warnings.warn(
                f"ExactSolver enumerates all 2^{size} states of the reduced model "
                f"({2 ** size:,} rows); that is slow and memory-hungry. Use a smaller "
                f"num_variables (<= {EXACT_SOLVER_LIMIT}), "
                "dimod_shrink.samplers.ExhaustiveSampler (the same search, only the "
                "num_reads lowest states returned) or a sampler such as "
                "dwave.samplers.SimulatedAnnealingSampler.", SlowChildWarning, stacklevel=3)

    def sample_cqm(self, cqm: dimod.ConstrainedQuadraticModel, *, encoding: str = "unbalanced",
                   constraint_aware: bool = True, repair: bool = True, polish: bool = True,
                   seed=None, **parameters) -> dimod.SampleSet:
        """Sample a constrained model, in the manner of Leap's hybrid CQM sampler.

        Builds a :class:`~dimod_shrink.problems.CQMProblem`: the penalty BQM,
        the constraint-aware merge policy derived from the linear constraints,
        and the repair.  Then shrinks, samples, expands and repairs.  Spin and
        bounded integer variables are first expanded into binary ones
        (:func:`~dimod_shrink.problems.integers.binarize`); the merge policy,
        repair and polish act on the binary model, and the answers are
        decoded back.

        Args:
            cqm: A CQM with binary, spin and bounded integer variables (at
                most :data:`~dimod_shrink.problems.integers.MAX_VALUES` values
                each) and linear constraints.
            encoding: ``"unbalanced"`` (no slack variables) or ``"slack"``.
            constraint_aware: Use the merge policy.
            repair: Repair the expanded samples (and ``polish`` them).
            seed: Seeds the witnesses, the correlations and the child.
            **parameters: As for :meth:`sample` (``num_variables`` ...;
                ``initial_states`` of a CQM with integer or spin variables
                assign its own variables and are encoded).  A
                child that takes ``num_reads`` gets :data:`CQM_NUM_READS`
                (100) unless told otherwise.  With ``return_shrink_context``,
                ``info['shrink_context']['timing']`` also holds the stages
                around :meth:`sample`: ``cqm_model`` (binary expansion and
                constraint rows), ``penalty_model`` (the penalty BQM),
                ``policy`` (the merge policy and its witnesses),
                ``cqm_report`` (decoding, energies and feasibility on ``cqm``)
                and ``cqm_total``.

        Returns:
            SampleSet over the CQM's variables (integers as integers, spins as
            -1/+1; rows whose binary expansions decode alike are aggregated,
            keeping the first one's repair vectors), energies of the CQM
            objective,
            with ``is_feasible`` and ``is_satisfied`` as
            :meth:`dimod.SampleSet.from_samples_cqm` gives them, plus
            ``feasible_before_repair`` and ``repair_moves``.
            ``info['feasible_found']`` says whether any sample is feasible; if
            none is, a :class:`NoFeasibleSampleWarning` says so too.

        Examples:
            >>> import dimod
            >>> cqm = dimod.ConstrainedQuadraticModel()
            >>> x = [dimod.Binary(i) for i in range(30)]
            >>> cqm.set_objective(-sum((i % 7 + 1) * xi for i, xi in enumerate(x)))
            >>> _ = cqm.add_constraint(sum((i % 5 + 1) * xi for i, xi in enumerate(x)) <= 20)
            >>> ss = ShrinkingComposite().sample_cqm(cqm, num_variables=10, seed=1)
            >>> bool(ss.first.is_feasible)
            True

            Bounded integers are sampled through their binary expansion:

            >>> cqm = dimod.ConstrainedQuadraticModel()
            >>> i, j = dimod.Integer("i", upper_bound=10), dimod.Integer("j", upper_bound=10)
            >>> cqm.set_objective(-2 * i - 3 * j)
            >>> _ = cqm.add_constraint(i + 2 * j <= 12, label="cap")
            >>> ss = ShrinkingComposite().sample_cqm(cqm, num_variables=4, seed=1)
            >>> best = ss.first.sample
            >>> bool(ss.first.is_feasible), int(best["i"]) + 2 * int(best["j"]) <= 12
            (True, True)

        Raises:
            ValueError: the CQM cannot be sampled: a real-valued variable, an
                integer with no bounds or too wide a range, a quadratic
                constraint, a hard constraint no assignment satisfies.
        """
        from ..problems.integers import cqm_problem
        if not isinstance(cqm, dimod.ConstrainedQuadraticModel):
            raise TypeError(f"sample_cqm needs a dimod.ConstrainedQuadraticModel, got "
                            f"{type(cqm).__name__}; use sample() for a BQM")
        for own in ("merge_policy", "postprocess"):
            if own in parameters:
                raise TypeError(f"sample_cqm builds its own {own}; use sample() with "
                                f"problem.{own}() to supply one")
        seed = check_seed(seed)
        self._check_kwargs({k: v for k, v in parameters.items() if k not in _OWN})
        if "num_reads" in self.child.parameters and "num_reads" not in parameters:
            parameters["num_reads"] = CQM_NUM_READS
        t0 = time.perf_counter()
        problem = cqm_problem(cqm, encoding=encoding)  # integers and spins as binaries
        t1 = time.perf_counter()
        problem.model  # the penalty model (constraints kept as rows), built once
        t2 = time.perf_counter()
        parameters.setdefault("candidates", problem.candidates)
        decoder = getattr(problem, "decoder", None)
        if decoder is not None and parameters.get("initial_states") is not None:
            # states over the CQM's own variables -> over the expansion's penalty BQM
            arr, init_labels = dimod.as_samples(parameters["initial_states"])
            pos = {v: k for k, v in enumerate(init_labels)}
            missing = [v for v in decoder.variables if v not in pos]
            if missing:
                raise ValueError("initial_states must assign every variable of the CQM; "
                                 f"missing {missing[:5]}")
            bits = decoder.encode(np.asarray(arr)[:, [pos[v] for v in decoder.variables]])
            parameters["initial_states"] = (problem.complete(bits), problem.labels)
        policy = problem.merge_policy(constraint_aware, seed=seed)
        post = problem.postprocess(polish=polish) if repair else None
        t3 = time.perf_counter()
        ss = self.sample(problem.model, merge_policy=policy, postprocess=post, seed=seed,
                         **parameters)
        t4 = time.perf_counter()
        X = problem.decision_columns(ss)
        labels = problem.variables
        if decoder is not None:  # back to the CQM's own variables
            X, labels = decoder.decode(X), decoder.variables
        vectors = {}
        names = ss.record.dtype.names
        for k in ("feasible_before_repair", "repair_moves", "polish_gain", "num_occurrences"):
            if k in names:
                vectors[k] = ss.record[k]
        out = dimod.SampleSet.from_samples_cqm((X, labels), cqm, **vectors)
        if decoder is not None:  # bit patterns that decode alike: one row, occurrences summed
            out = out.aggregate()
        timing = ss.info.get("shrink_context", {}).get("timing")
        if isinstance(timing, dict):  # the stages before and after sample()
            timing.update({"cqm_model": t1 - t0, "penalty_model": t2 - t1, "policy": t3 - t2,
                           "cqm_report": time.perf_counter() - t4,
                           "cqm_total": time.perf_counter() - t0})
        out.info.update(ss.info)
        found = bool(len(out) and out.record.is_feasible.any())
        out.info["feasible_found"] = found
        if not found:
            warnings.warn(
                "no returned sample is feasible"
                + ("" if repair else " (repair=False)")
                + "; check the constraints, raise num_reads or num_variables, or enable "
                "repair", NoFeasibleSampleWarning, stacklevel=2)
        return out

