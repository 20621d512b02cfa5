"""The whole pipeline for one problem: shrink, sample, expand, repair, report."""

from __future__ import annotations

import inspect
import time
import warnings

import dimod
import numpy as np

from .composites import ShrinkingComposite
from .problems.base import Problem
from .structured import sampleset_on

__all__ = ["SAMPLERS", "make_sampler", "solve_problem"]

SAMPLERS = ("sa", "tabu", "exact", "qaoa", "random", "annealer", "mock-annealer")
"""Child samplers :func:`make_sampler` builds by name."""


def make_sampler(name: str, **kw) -> dimod.Sampler:
    """A child sampler by name.

    Args:
        name: ``"sa"`` (simulated annealing), ``"tabu"``, ``"exact"``
            (:class:`dimod.ExactSolver`), ``"qaoa"`` (needs the ``quantum``
            extra) or ``"random"``: :class:`dimod.RandomSampler`, uniform random
            bits, the control a child's effect is measured against.  The random
            child takes ``seed`` like the others, so seeded runs repeat.
            ``"annealer"``: a D-Wave QPU through a clique embedding
            (:class:`~dimod_shrink.samplers.annealer.CliqueSampler` of a
            :class:`~dwave.system.DWaveSampler`; needs the ``annealer`` extra
            and a Leap API token), ``"mock-annealer"``: the same on an offline
            :func:`~dimod_shrink.samplers.annealer.mock_qpu`.
        **kw: Passed to :class:`~dimod_shrink.samplers.QAOASampler`; for
            ``"mock-annealer"`` to :func:`~dimod_shrink.samplers.annealer.mock_qpu`
            (``topology``, ``shape``), for ``"annealer"`` to
            :class:`~dwave.system.DWaveSampler` (its config).

    Examples:
        >>> from dimod_shrink.pipeline import make_sampler
        >>> sorted(make_sampler("random").parameters)
        ['num_reads', 'seed']
    """
    if name == "random":
        sampler = dimod.RandomSampler()
        # RandomSampler.sample takes a seed but does not list it
        sampler.parameters = {**sampler.parameters, "seed": []}
        return sampler
    if name == "sa":
        from dwave.samplers import SimulatedAnnealingSampler
        return SimulatedAnnealingSampler()
    if name == "tabu":
        from dwave.samplers import TabuSampler
        return TabuSampler()
    if name == "exact":
        return dimod.ExactSolver()
    if name == "qaoa":
        from .samplers import QAOASampler
        return QAOASampler(**kw)
    if name == "mock-annealer":
        from .samplers.annealer import CliqueSampler, mock_qpu
        return CliqueSampler(mock_qpu(**kw))
    if name == "annealer":
        from .samplers.annealer import CliqueSampler, real_qpu
        return CliqueSampler(lambda: real_qpu(**kw))  # connects on first use
    raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def _child_params(sampler: dimod.Sampler, num_reads: int) -> dict:
    params = {}
    if "num_reads" in sampler.parameters:
        params["num_reads"] = num_reads
    return params


def _accepts(method, name: str) -> bool:
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _context(ctx) -> dict:
    """One shrink context; the iterated composite's list of them (one per round)
    is summed up: the last round's size, totals of counts and stage times."""
    if isinstance(ctx, dict):
        return ctx
    rounds = [c for c in ctx if isinstance(c, dict)]
    timing: dict = {}
    for c in rounds:
        for k, v in c.get("timing", {}).items():
            timing[k] = timing.get(k, 0.0) + v
    last = rounds[-1] if rounds else {}
    return {"num_reduced": last.get("num_reduced"), "stop_reason": last.get("stop_reason"),
            "vetoed_merges": sum(c.get("vetoed_merges", 0) for c in rounds),
            "correlation_calls": sum(c.get("correlation_calls", 0) for c in rounds),
            "timing": timing}


def _objective_score(problem: Problem):
    """``score(sampleset)`` for iterated shrinking: the problem's objective, lower is
    better (negated for a maximisation), infeasible samples last -- so the incumbent
    is the answer :meth:`Problem.best` would report."""
    sign = -1.0 if problem.sense == "max" else 1.0

    def score(ss: dimod.SampleSet) -> np.ndarray:
        names = ss.record.dtype.names
        X = None if {"objective", "is_feasible"} <= set(names) else \
            problem.decision_columns(ss)
        obj = ss.record.objective if X is None else problem.objective(X)
        feas = ss.record.is_feasible if X is None else problem.is_feasible(X)
        return np.where(feas, sign * np.asarray(obj, dtype=float), np.inf)
    return score


def _sampler_name(sampler: dimod.Sampler) -> str:
    return type(sampler).__name__


def solve_problem(problem: Problem, sampler: dimod.Sampler | str = "sa", *, qubits: int = 20,
                  correlation=None, recompute_every: int | None = None,
                  schedule: str | None = None, threshold=None, early_stop: bool = False,
                  recompute_fraction: float | None = None, constraint_aware: bool = True,
                  repair: bool = True, polish: bool = True, num_reads: int = 100, seed=None,
                  child_params: dict | None = None, rounds: int | None = None,
                  time_limit: float | None = None, patience: int | None = None,
                  progress: bool = False, candidates: str | None = None) -> dict:
    """Solve ``problem`` with ``ShrinkingComposite(sampler)`` (or, with
    ``rounds``, ``IteratedShrinkingComposite(sampler)``) and report.

    Args:
        problem: A problem model (:mod:`dimod_shrink.problems`).
        sampler: The child: a :class:`dimod.Sampler` or a name of
            :data:`SAMPLERS`.
        qubits: The child's variable budget.
        correlation: Correlation estimator, a name or a callable (``None``:
            the composite's default).
        recompute_every, schedule, recompute_fraction: When to recompute the
            correlations (see :meth:`~dimod_shrink.ShrinkingComposite.sample`);
            ``None`` takes the composite's default.
        threshold, early_stop: Dynamic merge threshold, and whether to stop
            above the budget when no strong pair remains.
        constraint_aware: Let the problem's merge policy veto merges.
        repair, polish: Repair the expanded samples to feasibility, then
            polish them by local search.
        num_reads: Reads of the child, where it takes ``num_reads``.
        seed: Seeds the correlations, the merge policy and the child.
        child_params: Further keyword arguments of the child.
        rounds: With ``rounds > 0``, iterated shrinking
            (:class:`~dimod_shrink.IteratedShrinkingComposite`) with at most
            this many rounds after round 0, which is exactly the single
            shrink; ``None`` or 0: a single shrink (unless ``time_limit``).
        time_limit: Seconds for the whole call (iterated shrinking; alone,
            rounds until the time is up).  The rounds, their repair and
            polish stop in time (see the composite's ``time_limit``).
        patience: Stop the rounds after this many rounds without improvement
            (default: the composite's, 3; off with ``time_limit``).
        progress: Show a progress bar (where the composite offers one); the
            rounds' bar shows the problem's objective.
        candidates: Candidate pairs of the shrink (see
            :meth:`~dimod_shrink.ShrinkingComposite.sample`); ``None``: the
            problem's measured choice (``problem.candidates``).

    Returns:
        A dict with ``problem``, ``instance``, ``sampler`` (the child's class),
        ``budget``, ``num_reads``, ``num_variables`` (the BQM),
        ``num_reduced``, ``objective``, ``optimum``, ``ratio``, ``feasible``,
        ``feasible_before_repair``, ``repair_moves``, ``polish_gain``,
        ``vetoed_merges``, ``rounds`` (the rounds after round 0 that ran,
        counted as ``rounds`` counts them; ``None`` for a single shrink),
        ``rounds_stop`` (why they ended: ``"max_rounds"``, ``"patience"`` or
        ``"time_limit"``), ``solution``, ``timing`` and the ``sampleset``.
        ``timing`` holds the seconds of each stage: ``policy`` (building the
        merge policy), ``correlation``, ``shrink``, ``child``, ``repair``
        (expansion, repair and polish) and ``total``; after a single shrink
        with repair, also ``polish``, the part of ``repair`` spent polishing
        (:meth:`~dimod_shrink.problems.base.Problem.repair_samples` times the
        two apart).

    Raises:
        ValueError: ``patience`` without ``rounds`` or ``time_limit``, or a
            shrink setting the iterated composite does not take.
    """
    t0 = time.perf_counter()
    iterated = bool(rounds) or time_limit is not None
    if rounds is not None and rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    if not iterated and patience is not None:
        raise ValueError("patience applies to iterated shrinking; give rounds >= 1 or a "
                         "time_limit (on the command line: --rounds N or --time-limit S)")
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    if candidates is None:  # round 0 of iterated shrinking too
        candidates = problem.candidates
    shrink_opts = {"candidates": candidates, "correlation": correlation,
                   "recompute_every": recompute_every,
                   "schedule": schedule, "recompute_fraction": recompute_fraction,
                   "threshold": threshold, "early_stop": early_stop or None}
    shrink_opts = {k: v for k, v in shrink_opts.items() if v is not None}
    if iterated:
        from .composites.iterated import IteratedShrinkingComposite
        # the iterated composite takes its shrink settings in the constructor
        init = {k: v for k, v in shrink_opts.items()
                if _accepts(IteratedShrinkingComposite.__init__, k)}
        refused = sorted(set(shrink_opts) - set(init))
        if refused:
            names = ", ".join(f"{k} (--{k.replace('_', '-')})" for k in refused)
            raise ValueError(f"iterated shrinking (rounds) does not take {names}; leave "
                             "them at their defaults")
        composite = IteratedShrinkingComposite(sampler, **init)
        shrink_opts = {"max_rounds": rounds or None, "time_limit": time_limit,
                       **problem.iterated_options()}
        if patience is not None:
            shrink_opts["patience"] = patience
        if repair:  # the incumbent is the best answer by the problem's own measure
            shrink_opts["score"] = _objective_score(problem)
    else:
        composite = ShrinkingComposite(sampler)
    params = _child_params(sampler, num_reads)
    params.update(child_params or {})
    # the structured penalty model (constraints kept as rows), in both modes
    bqm = problem.model
    tp = time.perf_counter()
    policy = problem.merge_policy(constraint_aware, seed=seed)
    t_policy = time.perf_counter() - tp
    post = problem.postprocess(polish=polish) if repair else None
    if progress:
        if iterated:  # the rounds' bar shows the objective, in its natural sense
            def objective(ss):
                return float(problem.objective(problem.decision_columns(ss))[0])
            shrink_opts["progress"] = objective
        elif _accepts(composite.sample, "progress"):
            shrink_opts["progress"] = True
        else:
            warnings.warn(f"{type(composite).__name__} shows no progress bar in this version",
                          stacklevel=2)
    if iterated and time_limit is not None:  # the limit holds for the whole call
        shrink_opts["time_limit"] = max(time_limit - (time.perf_counter() - t0), 1e-3)
    ss = composite.sample(bqm, num_variables=qubits, merge_policy=policy, postprocess=post,
                          return_shrink_context=True, seed=seed, **shrink_opts, **params)
    ctx = _context(ss.info.get("shrink_context", {}))
    rounds_info = ss.info.get("rounds")
    if not repair:  # still verify, without changing anything
        X = problem.decision_columns(ss)
        feas = problem.is_feasible(X) if len(X) else np.zeros(0, dtype=bool)
        obj = problem.objective(X) if len(X) else np.zeros(0)
        vectors = {"feasible_before_repair": feas, "repair_moves": np.zeros(len(X), int),
                   "polish_gain": np.zeros(len(X)), "objective": obj, "is_feasible": feas}
        rec = ss.record
        ss = sampleset_on(bqm, (rec.sample, list(ss.variables)),
                          num_occurrences=rec.num_occurrences, **vectors)
    best = problem.best(ss)
    rec = ss.record
    occ = rec.num_occurrences if "num_occurrences" in rec.dtype.names else \
        np.ones(len(rec), dtype=int)
    tm = dict(ctx.get("timing", {}))
    if rounds_info:  # the iterated composite times the child and the repair per round
        tm["child"] = sum(r.get("child_time", 0.0) for r in rounds_info)
        tm["postprocess"] = sum(r.get("postprocess_time", 0.0) for r in rounds_info)
        tm["expand"] = 0.0
    total = time.perf_counter() - t0
    out = {
        "problem": problem.kind, "instance": problem.name,
        "sampler": _sampler_name(sampler), "budget": qubits,
        "num_reads": params.get("num_reads", params.get("shots")),
        "num_variables": bqm.num_variables, "num_reduced": ctx.get("num_reduced"),
        "objective": None, "optimum": problem.optimum, "ratio": None,
        "feasible": False, "feasible_before_repair": False, "repair_moves": 0,
        "polish_gain": 0.0, "vetoed_merges": ctx.get("vetoed_merges", 0),
        "stop_reason": ctx.get("stop_reason"), "solution": None,
        "correlation_calls": ctx.get("correlation_calls", 0),
        "rounds": len(rounds_info) - 1 if rounds_info is not None else None,
        "rounds_stop": ss.info.get("stop"),
        # rows are distinct samples: weight by how often each was read
        "reads": int(occ.sum()),
        "distinct_reads": len(rec),
        "feasible_reads_before_repair": float(np.average(rec.feasible_before_repair,
                                                         weights=occ)) if len(rec) else 0.0,
        "mean_repair_moves": float(np.average(rec.repair_moves, weights=occ)) if len(rec)
        else 0.0,
        "timing": {"policy": t_policy,
                   "correlation": tm.get("correlation", 0.0) + tm.get("select", 0.0),
                   "shrink": tm.get("shrink", 0.0), "child": tm.get("child", 0.0),
                   "repair": tm.get("postprocess", 0.0) + tm.get("expand", 0.0),
                   "total": total},
        "sampleset": ss,
    }
    repair_timing = ss.info.get("repair_timing") if repair else None
    if isinstance(repair_timing, dict) and "polish" in repair_timing:
        out["timing"]["polish"] = float(repair_timing["polish"])  # a part of "repair"
    if best is not None:
        X = problem.decision_columns(ss)
        x = X[best]
        out.update(objective=float(rec.objective[best]), feasible=bool(rec.is_feasible[best]),
                   feasible_before_repair=bool(rec.feasible_before_repair[best]),
                   repair_moves=int(rec.repair_moves[best]),
                   polish_gain=float(rec.polish_gain[best]),
                   solution=problem.solution(x))
        out["ratio"] = problem.ratio(out["objective"]) if out["feasible"] else None
    return out
