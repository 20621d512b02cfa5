"""The whole pipeline for one problem: shrink, sample, expand, repair, report."""

from __future__ import annotations

import time

import dimod
import numpy as np

from .composites import ShrinkingComposite
from .problems.base import Problem

__all__ = ["SAMPLERS", "make_sampler", "solve_problem"]

SAMPLERS = ("sa", "tabu", "exact", "qaoa")


def make_sampler(name: str, **kw) -> dimod.Sampler:
    """A child sampler by name: ``sa``, ``tabu``, ``exact`` or ``qaoa`` (needs the
    ``quantum`` extra)."""
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
    raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


def _child_params(sampler: dimod.Sampler, num_reads: int) -> dict:
    params = {}
    if "num_reads" in sampler.parameters:
        params["num_reads"] = num_reads
    return params


def solve_problem(problem: Problem, sampler: dimod.Sampler | str = "sa", *, qubits: int = 20,
                  correlation="lowrank", recompute_every: int = 1, schedule: str = "fixed",
                  threshold=None, early_stop: bool = False, recompute_fraction: float = 0.05,
                  constraint_aware: bool = True, repair: bool = True, polish: bool = True,
                  num_reads: int = 100, seed=None, child_params: dict | None = None) -> dict:
    """Solve ``problem`` with ``ShrinkingComposite(sampler)`` and report.

    Returns:
        A dict with ``problem``, ``instance``, ``num_variables`` (the BQM),
        ``num_reduced``, ``objective``, ``optimum``, ``ratio``, ``feasible``,
        ``feasible_before_repair``, ``repair_moves``, ``polish_gain``,
        ``vetoed_merges``, ``solution``, ``timing`` and the ``sampleset``.
    """
    t0 = time.perf_counter()
    if isinstance(sampler, str):
        sampler = make_sampler(sampler)
    composite = ShrinkingComposite(sampler)
    params = _child_params(sampler, num_reads)
    params.update(child_params or {})
    bqm = problem.bqm
    tp = time.perf_counter()
    policy = problem.merge_policy(constraint_aware, seed=seed)
    t_policy = time.perf_counter() - tp
    post = problem.postprocess(polish=polish) if repair else None
    ss = composite.sample(bqm, num_variables=qubits, correlation=correlation,
                          recompute_every=recompute_every, merge_policy=policy,
                          schedule=schedule, threshold=threshold, early_stop=early_stop,
                          recompute_fraction=recompute_fraction,
                          postprocess=post, return_shrink_context=True, seed=seed, **params)
    ctx = ss.info["shrink_context"]
    if not repair:  # still verify, without changing anything
        X = problem.decision_columns(ss)
        feas = problem.is_feasible(X) if len(X) else np.zeros(0, dtype=bool)
        obj = problem.objective(X) if len(X) else np.zeros(0)
        vectors = {"feasible_before_repair": feas, "repair_moves": np.zeros(len(X), int),
                   "polish_gain": np.zeros(len(X)), "objective": obj, "is_feasible": feas}
        rec = ss.record
        ss = dimod.SampleSet.from_samples_bqm((rec.sample, list(ss.variables)), bqm,
                                              num_occurrences=rec.num_occurrences, **vectors)
    best = problem.best(ss)
    rec = ss.record
    tm = ctx["timing"]
    total = time.perf_counter() - t0
    out = {
        "problem": problem.kind, "instance": problem.name,
        "num_variables": bqm.num_variables, "num_reduced": ctx["num_reduced"],
        "objective": None, "optimum": problem.optimum, "ratio": None,
        "feasible": False, "feasible_before_repair": False, "repair_moves": 0,
        "polish_gain": 0.0, "vetoed_merges": ctx["vetoed_merges"],
        "stop_reason": ctx["stop_reason"], "solution": None,
        "correlation_calls": ctx["correlation_calls"],
        "reads": len(rec),
        "feasible_reads_before_repair": float(rec.feasible_before_repair.mean()) if len(rec)
        else 0.0,
        "mean_repair_moves": float(rec.repair_moves.mean()) if len(rec) else 0.0,
        "timing": {"policy": t_policy, "correlation": tm["correlation"] + tm.get("select", 0.0),
                   "shrink": tm["shrink"], "child": tm["child"],
                   "repair": tm["postprocess"] + tm["expand"], "total": total},
        "sampleset": ss,
    }
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
