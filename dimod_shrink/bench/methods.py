"""One benchmark run: a method on an instance with a child, budget and seed.

:func:`run_one` is a pure function of a picklable spec (see
:meth:`~dimod_shrink.bench.suite.Suite.runs`), so it runs on any Dask worker.

Methods:

* ``direct`` -- the child on the full penalty model (where it fits), then repair;
* ``gs`` -- plain graph shrinking: no vetoes, no repair (the base method);
* ``ags`` -- the full method: vetoes, adaptive recomputation, repair and polish;
* ``ags-norepair`` / ``ags-noveto`` -- ablations;
* ``repair-only`` -- repair and polish applied to the all-zero sample and
  random samples (what shrinking plus solving adds beyond repair);
* ``greedy`` -- the problem's classical greedy heuristic;
* ``rqaoa`` -- qiskit-optimization's ``RecursiveMinimumEigenOptimizer`` down
  to the budget (only where the full problem fits the simulator);
* ``roof-duality`` -- dwave-preprocessing's ``FixVariablesComposite`` (roof
  duality) + the child, then repair;
* ``sa-full`` / ``sa-full-repair`` -- ``dimod.cqm_to_bqm`` + SA on the full
  model, without / with the same repair and polish.

The methods of the fair study report every run twice, in the
``*_raw`` and ``*_polished`` columns: *raw* is the best of the method's
``starts`` rows after :meth:`~dimod_shrink.problems.base.Problem.repair_samples`
with ``polish=False`` (repaired to feasibility only); *polished* applies the
problem's local-search polish to those same repaired rows.  Every method gets
the same repair, the same polish and at most ``reads`` starts (the suite's
``reads``; rows beyond it are cut, lowest energy on the penalty model first);
``greedy`` and ``cpsat`` produce one start each.  ``time_total`` is the wall
time of the run, ``time_polish`` what the polish added, ``child_calls`` the
number of times a child sampler (or sub-solver) was called.

The stage columns split ``time_total``: ``time_policy`` (building the merge
policy), ``time_correlation``, ``time_shrink``, ``time_child``, ``time_repair``
(expansion and repair to feasibility) and ``time_polish``; what is left is
loading the instance and bookkeeping.  Results files written before
``time_policy`` existed lack it, and their ``time_repair`` of the methods that
did not fill ``time_polish`` includes the polish.

* ``shrink`` -- single-shot constraint-aware shrinking (:class:`ShrinkingComposite`
  with the problem's merge policy) with the ``sa``, ``qaoa`` or ``random``
  (:class:`dimod.RandomSampler`) child; one child call;
* ``shrink-plain`` -- the same without merge vetoes (the ablation);
* ``iterated`` -- :class:`dimod_shrink.IteratedShrinkingComposite` (repair in
  every round; the problem's own later rounds and kicks where it has them:
  ``problem.iterated_options()``); skipped, with the
  reason recorded, where it is not available;
* ``hybrid`` -- a dwave-hybrid loop: ``EnergyImpactDecomposer(size=20)`` + seeded
  SA on the subproblem + ``SplatComposer``, racing the unchanged state and
  keeping the better (``ArgMin``), until 3 iterations without improvement or
  ``max_iter``;
* ``rqaoa-p1`` -- RQAOA (Bravyi et al., PRL 125, 260505 (2020)) at depth 1
  with the expectation values in closed form
  (:class:`~dimod_shrink.correlations.QAOA1Correlation`, angles optimised at
  every solve): merge or fix by the largest ``|<Z_i Z_j>|`` / ``|<Z_i>|``, no
  vetoes, eliminations batched by the default schedule, the last ``budget``
  variables enumerated (:class:`~dimod_shrink.samplers.ExhaustiveSampler`,
  the ``reads`` lowest states); one child call.  Skipped on models whose mean
  degree exceeds :data:`RQAOA_P1_MAX_DEGREE` (one p=1 solve took 5 s on a
  100-variable MDKP model, 300 s on nug20);
* ``cpsat`` -- OR-Tools CP-SAT on the CQM as an integer program (MDKP; MIS as
  an ILP with one ``x_u + x_v <= 1`` per edge), one worker, a fixed time
  limit; skipped on problems with a quadratic objective (QAP, Max-Cut);
* ``repair-only``, ``greedy`` and ``sa-full`` fill the same columns.

Suite ``[options]`` tables: ``qaoa`` (reps, shots, maxiter; the ``random``
child draws as many samples as QAOA shots), ``shrink`` (ShrinkingComposite
keywords, default ``schedule = "geometric"``), ``iterated`` (``max_rounds``,
``patience``, ``time_limit``), ``hybrid`` (``max_iter``, ``size``,
``convergence``, ``max_time`` seconds), ``sa-full`` (``time_limit``: SA batches of
``reads`` reads with fresh seeds while the next is expected to end in time, the
``reads`` lowest-energy rows kept), ``cpsat`` (``time_limit`` seconds).  With these
limits set to one value, the anytime methods run at equal wall time (see
``benchmarks/suites/hard-time.toml``).
"""

from __future__ import annotations

import time
import traceback

import dimod
import numpy as np

__all__ = ["run_one", "COLUMNS", "FAIR_METHODS", "AGS_OPTIONS", "rqaoa_solve",
           "cqm_to_bqm_sa", "fair_finish", "cpsat_solve", "hybrid_loop"]

COLUMNS = ["key", "instance", "problem", "method", "child", "budget", "seed", "num_variables",
           "num_reduced", "objective", "reference", "ratio", "feasible_before_repair",
           "feasible", "repair_moves", "vetoed_merges", "correlation_calls",
           "time_correlation", "time_shrink", "time_child", "time_repair", "time_total",
           "status", "error",
           "starts", "child_calls", "objective_raw", "ratio_raw", "feasible_raw",
           "objective_polished", "ratio_polished", "feasible_polished", "time_polish",
           "time_policy"]

FAIR_METHODS = ("shrink", "shrink-plain", "iterated", "hybrid", "rqaoa-p1", "cpsat",
                "repair-only", "greedy", "sa-full")
"""Methods that fill the ``*_raw`` and ``*_polished`` columns."""

SHRINK_DEFAULTS = {"schedule": "geometric"}
CPSAT_DEFAULTS = {"time_limit": 10.0}
HYBRID_DEFAULTS = {"max_iter": 50, "size": 20, "convergence": 3}
ITERATED_DEFAULTS = {"max_rounds": 10, "patience": 3}

AGS_OPTIONS = {"schedule": "adaptive", "recompute_fraction": 0.1}
"""The full method's shrink settings (see docs/adaptive.md for the measurement)."""

RQAOA_P1_MAX_DEGREE = 64
"""``rqaoa-p1`` runs on models whose mean degree (couplings per variable) is at most this."""

QAOA_DEFAULTS = {"shots": 1024, "max_parallel_threads": 1}
"""The QAOA child's settings unless a suite's ``[options.qaoa]`` sets others: 1,024 shots,
one thread, and :class:`~dimod_shrink.samplers.QAOASampler`'s own defaults (depth 8 from
its table of transferred angles, 20 L-BFGS-B iterations, CVaR 0.1, on the statevector)."""


def _load(spec):
    from ..problems import load_problem
    p = load_problem(spec["path"], spec["problem"], instance=spec["index"],
                     encoding=spec.get("encoding", "unbalanced"))
    if spec.get("reference") is not None:
        p.optimum = float(spec["reference"])
    return p


def _child(name):
    if name == "random":
        return dimod.RandomSampler()
    from ..pipeline import make_sampler
    return make_sampler(name)


def _child_params(name, spec):
    if name == "qaoa":
        return {**QAOA_DEFAULTS, **spec["options"].get("qaoa", {})}
    if name in ("sa", "tabu"):
        return {"num_reads": spec["reads"]}
    if name == "random":  # as many samples as the QAOA child's shots (the composites
        # forward their seed to the child)
        shots = {**QAOA_DEFAULTS, **spec["options"].get("qaoa", {})}["shots"]
        return {"num_reads": int(shots)}
    return {}


def _opts(spec, name, defaults):
    return {**defaults, **(spec.get("options") or {}).get(name, {})}


def _fits(name, n):
    return not (name in ("qaoa", "exact") and n > 24)


def _best(problem, X, feasible_before, moves, total_moves=None):
    feas = problem.is_feasible(X)
    obj = problem.objective(X)
    if feas.any():
        key = obj if problem.sense == "max" else -obj
        k = int(np.argmax(np.where(feas, key, -np.inf)))
    else:
        k = 0
    return {"objective": float(obj[k]) if feas.any() else None, "feasible": bool(feas[k]),
            "feasible_before_repair": float(np.mean(feasible_before)),
            "repair_moves": float(np.mean(moves))}


def _repaired(problem, X, polish=True):
    """The best repaired row's columns, with ``time_repair`` and ``time_polish``."""
    out = problem.repair_samples(X, polish=polish)
    res = _best(problem, out["samples"], out["feasible_before_repair"], out["repair_moves"])
    return {**res, "time_repair": out["timing"]["repair"],
            "time_polish": out["timing"]["polish"]}


def _pipeline(problem, spec, *, constraint_aware, repair, adaptive=True):
    from ..pipeline import solve_problem
    opts = AGS_OPTIONS if adaptive else {}
    r = solve_problem(problem, _child(spec["child"]), qubits=spec["budget"],
                      constraint_aware=constraint_aware, repair=repair, polish=repair,
                      num_reads=spec["reads"], seed=spec["seed"],
                      child_params=_child_params(spec["child"], spec), **opts)
    rec = r["sampleset"].record
    X = problem.decision_columns(r["sampleset"])
    best = _best(problem, X, rec.feasible_before_repair, rec.repair_moves)
    tm = r["timing"]
    polish = tm.get("polish", 0.0)  # a part of tm["repair"]
    return {**best, "num_reduced": r["num_reduced"], "vetoed_merges": r["vetoed_merges"],
            "correlation_calls": r["correlation_calls"], "time_policy": tm["policy"],
            "time_correlation": tm["correlation"], "time_shrink": tm["shrink"],
            "time_child": tm["child"], "time_repair": tm["repair"] - polish,
            "time_polish": polish}


def _direct(problem, spec):
    n = problem.bqm.num_variables
    if not _fits(spec["child"], n):
        return {"status": f"skipped: {n} variables do not fit the {spec['child']} child"}
    t = time.perf_counter()
    ss = _child(spec["child"]).sample(problem.bqm, **_child_params(spec["child"], spec),
                                      **({"seed": spec["seed"]} if spec["child"] != "exact"
                                         else {}))
    t_child = time.perf_counter() - t
    res = _repaired(problem, problem.decision_columns(ss))
    return {**res, "num_reduced": n, "time_child": t_child}


def _repair_only(problem, spec):
    rng = np.random.default_rng(spec["seed"])
    n = len(problem.variables)
    X = np.vstack([np.zeros((1, n), dtype=np.int8),
                   rng.integers(0, 2, (spec["reads"] - 1, n), dtype=np.int8)])
    fair = fair_finish(problem, X)  # repair + polish = the legacy columns, computed once
    return {**fair, "objective": fair["objective_polished"],
            "feasible": fair["feasible_polished"], "child_calls": 0}


def _greedy(problem, spec):
    x = problem.greedy()[None, :]
    fair = fair_finish(problem, x)
    return {**fair, **_best(problem, x, problem.is_feasible(x), [0]), "child_calls": 0}


def cqm_to_bqm_sa(problem, reads: int, seed) -> tuple[np.ndarray, int, float]:
    """The plain dimod route: ``dimod.cqm_to_bqm`` + SA on the whole model.

    Returns:
        ``(X, num_bqm_variables, seconds)`` with ``X`` the decision rows of the reads.
    """
    from dwave.samplers import SimulatedAnnealingSampler
    bqm, invert = dimod.cqm_to_bqm(problem.cqm)
    t = time.perf_counter()
    ss = SimulatedAnnealingSampler().sample(bqm, num_reads=reads, seed=seed)
    seconds = time.perf_counter() - t
    X = np.array([[invert(s)[v] for v in problem.variables] for s in ss.samples()],
                 dtype=np.int8)
    return X, bqm.num_variables, seconds


def _sa_full_timed(problem, spec, time_limit: float):
    """SA on the whole model in batches of ``reads`` reads (fresh seeds) while the next
    batch is expected to end within ``time_limit`` seconds; the first batch always runs.

    Returns:
        ``(X, num_bqm_variables, seconds, batches)``; ``X`` holds every batch's rows.
    """
    rng = np.random.default_rng(spec["seed"])
    parts, t0, longest, nvars = [], time.perf_counter(), 0.0, 0
    while not parts or time.perf_counter() - t0 + longest <= time_limit:
        X, nvars, seconds = cqm_to_bqm_sa(problem, spec["reads"], int(rng.integers(2**31 - 1)))
        parts.append(X)
        longest = max(longest, seconds)
    return np.vstack(parts), nvars, time.perf_counter() - t0, len(parts)


def _sa_full(problem, spec, repair):
    limit = _opts(spec, "sa-full", {}).get("time_limit")
    if limit is not None and not repair:
        X, nvars, t_child, calls = _sa_full_timed(problem, spec, float(limit))
    else:
        (X, nvars, t_child), calls = cqm_to_bqm_sa(problem, spec["reads"], spec["seed"]), 1
    base = {"num_reduced": nvars, "time_child": t_child, "child_calls": calls,
            **{k: v for k, v in fair_finish(problem, X, starts=spec["reads"]).items()
               if k.endswith(("_raw", "_polished")) or k in ("starts", "time_polish")}}
    if not repair:
        feas = problem.is_feasible(X)
        return {**base, **_best(problem, X, feas, np.zeros(len(X)))}
    return {**base, **_repaired(problem, X)}


def _roof_duality(problem, spec):
    from dwave.preprocessing import FixVariablesComposite
    n = problem.bqm.num_variables
    t = time.perf_counter()
    composite = FixVariablesComposite(_child(spec["child"]), algorithm="roof_duality")
    params = _child_params(spec["child"], spec)
    try:
        ss = composite.sample(problem.bqm, **params)
    except ValueError as exc:  # the part left after fixing does not fit the child
        return {"status": f"skipped: {exc}"[:200]}
    t_child = time.perf_counter() - t
    res = _repaired(problem, problem.decision_columns(ss))
    return {**res, "num_reduced": n, "time_child": t_child}


def rqaoa_solve(problem, budget: int, seed, threads: int = 1) -> tuple[np.ndarray, float]:
    """qiskit-optimization's RQAOA (p=1 QAOA, COBYLA) on the penalty BQM down to ``budget``
    variables, the rest solved exactly.

    Returns:
        ``(x, seconds)`` with ``x`` a ``(1, n)`` decision row, not yet repaired.
    """
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2
    from qiskit_optimization import QuadraticProgram
    from qiskit_optimization.algorithms import (MinimumEigenOptimizer,
                                                RecursiveMinimumEigenOptimizer)
    from qiskit_optimization.minimum_eigensolvers import QAOA, NumPyMinimumEigensolver
    from qiskit_optimization.optimizers import COBYLA
    labels = list(problem.bqm.variables)
    name = {v: f"x{k}" for k, v in enumerate(labels)}
    qp = QuadraticProgram()
    for v in labels:
        qp.binary_var(name[v])
    qp.minimize(constant=problem.bqm.offset,
                linear={name[v]: b for v, b in problem.bqm.iter_linear()},
                quadratic={(name[u], name[v]): b for u, v, b in problem.bqm.iter_quadratic()})
    opts = {"backend_options": {"max_parallel_threads": threads}}
    qaoa = QAOA(SamplerV2(seed=seed, options=opts), COBYLA(maxiter=100), reps=1,
                pass_manager=generate_preset_pass_manager(
                    1, AerSimulator(max_parallel_threads=threads), seed_transpiler=seed))
    t = time.perf_counter()
    res = RecursiveMinimumEigenOptimizer(
        MinimumEigenOptimizer(qaoa), min_num_vars=budget,
        min_num_vars_optimizer=MinimumEigenOptimizer(NumPyMinimumEigensolver())).solve(qp)
    seconds = time.perf_counter() - t
    x = np.array([[res.variables_dict[name[v]] for v in problem.variables]], dtype=np.int8)
    return x, seconds


def _rqaoa(problem, spec, max_size=22):
    n = problem.bqm.num_variables
    if n > max_size:
        from ..samplers import estimate_cost
        mem, secs = estimate_cost(n)
        return {"status": f"skipped: RQAOA simulates all {n} qubits first "
                          f"({mem:.3g} GiB, ~{secs:.2g} s per QAOA solve)"}
    x, t_child = rqaoa_solve(problem, spec["budget"], spec["seed"])
    out = _repaired(problem, x)
    return {**out, "num_reduced": spec["budget"], "time_child": t_child}


# -- the fair study ------------------------------------------------------------------

def _cap(X, energies, starts):
    """At most ``starts`` rows: the lowest ``energies`` first (stable)."""
    X = np.asarray(X, dtype=np.int8)
    if len(X) <= starts:
        return X
    order = np.argsort(np.asarray(energies, dtype=float), kind="stable")[:starts]
    return X[np.sort(order)]


def _score(problem, X):
    feas = problem.is_feasible(X)
    obj = problem.objective(X)
    if not feas.any():
        return None, False, None
    key = obj if problem.sense == "max" else -obj
    k = int(np.argmax(np.where(feas, key, -np.inf)))
    return float(obj[k]), True, problem.ratio(float(obj[k]))


def fair_finish(problem, X, *, energies=None, starts=None) -> dict:
    """The raw and polished results of decision rows ``X`` (see the module notes).

    Args:
        problem: The :class:`~dimod_shrink.problems.base.Problem`.
        X: Decision rows, before any repair.
        energies: Penalty-model energies of ``X``, used to cut it to ``starts`` rows.
        starts: Keep at most this many rows (default: all).

    Returns:
        The ``*_raw`` / ``*_polished`` columns, ``starts``, ``feasible_before_repair``
        and ``repair_moves`` (means over the rows), ``time_repair``, ``time_polish``.
    """
    X = np.asarray(X, dtype=np.int8)
    if starts is not None:
        X = _cap(X, problem.bqm.energies((problem.complete(X), list(problem.bqm.variables)))
                 if energies is None else energies, starts)
    raw = problem.repair_samples(X, polish=False)
    pol = problem.repair_samples(raw["samples"], polish=True)
    o_raw, f_raw, r_raw = _score(problem, raw["samples"])
    o_pol, f_pol, r_pol = _score(problem, pol["samples"])
    return {"starts": len(X),
            "objective_raw": o_raw, "feasible_raw": f_raw, "ratio_raw": r_raw if f_raw else 0.0,
            "objective_polished": o_pol, "feasible_polished": f_pol,
            "ratio_polished": r_pol if f_pol else 0.0,
            "feasible_before_repair": float(np.mean(raw["feasible_before_repair"])),
            "repair_moves": float(np.mean(raw["repair_moves"])),
            "time_repair": raw["timing"]["repair"],
            "time_polish": pol["timing"]["polish"] + pol["timing"]["repair"]}


def _as_legacy(out):
    """The fair methods' ``objective``/``ratio``/``feasible`` are the polished ones."""
    return {**out, "objective": out["objective_polished"],
            "feasible": out["feasible_polished"]}


def _shrink_fair(problem, spec, *, constraint_aware):
    from ..composites import ShrinkingComposite
    child = spec["child"]
    t = time.perf_counter()
    policy = problem.merge_policy(True, seed=spec["seed"]) if constraint_aware else None
    t_policy = time.perf_counter() - t
    t = time.perf_counter()
    options = {"candidates": problem.candidates, **_opts(spec, "shrink", SHRINK_DEFAULTS)}
    ss = ShrinkingComposite(_child(child)).sample(
        problem.model, num_variables=spec["budget"], merge_policy=policy, seed=spec["seed"],
        return_shrink_context=True, **options, **_child_params(child, spec))
    return {**_single_shot_columns(problem, spec, ss, time.perf_counter() - t),
            "time_policy": t_policy}


def _single_shot_columns(problem, spec, ss, t_run) -> dict:
    """The fair columns of one ShrinkingComposite call (one child call) and its context."""
    ctx = ss.info["shrink_context"]
    out = fair_finish(problem, problem.decision_columns(ss), energies=ss.record.energy,
                      starts=spec["reads"])
    tm = ctx["timing"]
    return {**out, "child_calls": 1, "num_reduced": ctx["num_reduced"],
            "vetoed_merges": ctx["vetoed_merges"],
            "correlation_calls": ctx["correlation_calls"],
            "time_correlation": tm.get("correlation"), "time_shrink": tm.get("shrink"),
            "time_child": tm.get("child", t_run)}


def _rqaoa_p1(problem, spec):
    from ..composites import ShrinkingComposite
    from ..samplers import ExhaustiveSampler
    bqm = problem.bqm
    degree = 2.0 * bqm.num_interactions / max(bqm.num_variables, 1)
    if degree > RQAOA_P1_MAX_DEGREE:
        return {"status": f"skipped: rqaoa-p1 runs on models of mean degree <= "
                          f"{RQAOA_P1_MAX_DEGREE}; this one has {degree:.0f} (each closed-form "
                          f"p=1 solve grows with the degree squared)"}
    t = time.perf_counter()
    ss = ShrinkingComposite(ExhaustiveSampler()).sample(
        bqm, num_variables=spec["budget"], correlation="qaoa1", seed=spec["seed"],
        return_shrink_context=True, num_reads=spec["reads"])
    return _single_shot_columns(problem, spec, ss, time.perf_counter() - t)


def _iterated_class():
    import dimod_shrink
    cls = getattr(dimod_shrink, "IteratedShrinkingComposite", None)
    if cls is None:
        try:
            from ..composites.iterated import IteratedShrinkingComposite as cls
        except ImportError:
            return None
    return cls


def _iterated(problem, spec):
    cls = _iterated_class()
    if cls is None:
        return {"status": "skipped: dimod_shrink.IteratedShrinkingComposite is not "
                          "available in this version"}
    child = spec["child"]
    t = time.perf_counter()
    policy = problem.merge_policy(True, seed=spec["seed"])
    t_policy = time.perf_counter() - t
    t = time.perf_counter()
    ss = cls(_child(child)).sample(
        problem.model, num_variables=spec["budget"], merge_policy=policy,
        postprocess=problem.postprocess(polish=False), seed=spec["seed"],
        candidates=problem.candidates, **problem.iterated_options(),
        **_opts(spec, "iterated", ITERATED_DEFAULTS),
        **_child_params(child, spec))
    t_run = time.perf_counter() - t
    out = fair_finish(problem, problem.decision_columns(ss), energies=ss.record.energy,
                      starts=spec["reads"])
    calls = ss.info.get("child_calls")
    if calls is None:
        calls = sum(r.get("child_calls", 1) for r in ss.info.get("rounds", []))
    return {**out, "child_calls": int(calls), "time_child": t_run,
            "num_reduced": spec["budget"], "time_policy": t_policy}


def hybrid_loop(subsampler, size: int, *, max_iter=None, convergence=None, max_time=None):
    """dwave-hybrid's decomposition loop: ``EnergyImpactDecomposer(size)`` (BFS, rolling
    history 0.85) + ``subsampler`` + ``SplatComposer``, raced against the unchanged state
    and the better kept (``ArgMin``), until ``max_iter``, ``convergence`` or ``max_time``."""
    import hybrid
    branch = (hybrid.EnergyImpactDecomposer(size=size, rolling_history=0.85, traversal="bfs")
              | subsampler | hybrid.SplatComposer())
    return hybrid.Loop(hybrid.Race(hybrid.Identity(), branch) | hybrid.ArgMin(),
                       max_iter=max_iter, convergence=convergence,
                       max_time=None if max_time is None else float(max_time))


def _hybrid(problem, spec):
    """dwave-hybrid: energy-impact decomposition + seeded SA subproblems + splat."""
    import hybrid
    from dwave.samplers import SimulatedAnnealingSampler
    opts = _opts(spec, "hybrid", HYBRID_DEFAULTS)
    bqm = problem.bqm
    rng = np.random.default_rng(spec["seed"])
    starts = spec["reads"]
    calls = [0]

    class SeededSA(hybrid.traits.SubproblemSampler, hybrid.traits.SISO, hybrid.Runnable):
        """SA on the subproblem, one read per row of the state, seeded from ``rng``."""

        def next(self, state, **runopts):
            calls[0] += 1
            ss = SimulatedAnnealingSampler().sample(
                state.subproblem, num_reads=len(state.samples),
                seed=int(rng.integers(2**31 - 1)))
            return state.updated(subsamples=ss)

    size = min(int(opts["size"]), bqm.num_variables)
    workflow = hybrid_loop(SeededSA(), size, max_iter=int(opts["max_iter"]),
                           convergence=int(opts["convergence"]), max_time=opts.get("max_time"))
    labels = list(bqm.variables)
    init = rng.integers(0, 2, (starts, len(labels)), dtype=np.int8)
    state = hybrid.State.from_samples((init, labels), bqm)
    t = time.perf_counter()
    final = workflow.run(state).result()
    t_run = time.perf_counter() - t
    ss = final.samples
    out = fair_finish(problem, problem.decision_columns(ss), energies=ss.record.energy,
                      starts=starts)
    return {**out, "child_calls": calls[0], "time_child": t_run,
            "num_reduced": size}


def _integer_scale(values, what):
    values = np.asarray(values, dtype=float)
    for k in range(7):
        scaled = values * 10**k
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-9):
            return 10**k
    raise ValueError(f"cpsat: the {what} coefficients are not decimals with <= 6 digits")


def cpsat_solve(problem, *, time_limit: float, seed) -> tuple[np.ndarray | None, dict]:
    """OR-Tools CP-SAT on a problem whose CQM is linear (objective and constraints).

    One worker, ``time_limit`` seconds, ``random_seed=seed``; coefficients are
    scaled to integers (exact for decimals with up to 6 digits).

    Returns:
        ``(x, info)``: the decision row (``None`` if CP-SAT found none) and
        ``info`` with ``status`` and ``bound`` (the proven bound, objective sense).
    """
    from ortools.sat.python import cp_model
    cqm = problem.cqm
    obj = cqm.objective
    if not obj.is_linear():
        raise NotImplementedError("quadratic objective")
    model = cp_model.CpModel()
    x = {v: model.NewBoolVar(str(v)) for v in cqm.variables}
    for label, comp in cqm.constraints.items():
        lhs = comp.lhs
        if not lhs.is_linear():
            raise NotImplementedError(f"quadratic constraint {label!r}")
        coef = dict(lhs.linear)
        scale = _integer_scale(list(coef.values()) + [comp.rhs - lhs.offset], "constraint")
        expr = sum(int(round(c * scale)) * x[v] for v, c in coef.items())
        rhs = int(round((comp.rhs - lhs.offset) * scale))
        sense = comp.sense.value if hasattr(comp.sense, "value") else str(comp.sense)
        if sense == "<=":
            model.Add(expr <= rhs)
        elif sense == ">=":
            model.Add(expr >= rhs)
        else:
            model.Add(expr == rhs)
    lin = dict(obj.linear)
    oscale = _integer_scale(list(lin.values()), "objective")
    model.Minimize(sum(int(round(c * oscale)) * x[v] for v, c in lin.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = int(seed) % (2**31)
    status = solver.Solve(model)
    info = {"status": solver.StatusName(status)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, info
    bound = (solver.BestObjectiveBound() / oscale) + obj.offset
    info["bound"] = -bound if problem.sense == "max" else bound
    row = np.array([[solver.Value(x[v]) for v in problem.variables]], dtype=np.int8)
    return row, info


def _cpsat(problem, spec):
    opts = _opts(spec, "cpsat", CPSAT_DEFAULTS)
    t = time.perf_counter()
    try:
        x, info = cpsat_solve(problem, time_limit=opts["time_limit"], seed=spec["seed"])
    except NotImplementedError as exc:
        return {"status": f"skipped: cpsat models linear problems (MDKP, MIS as an ILP); "
                          f"this one has a {exc}"}
    t_run = time.perf_counter() - t
    if x is None:
        return {"status": f"skipped: CP-SAT found no solution in {opts['time_limit']} s "
                          f"({info['status']})"}
    out = fair_finish(problem, x)
    return {**out, "child_calls": 0, "time_child": t_run}


def run_one(spec: dict) -> dict:
    """Run one spec; never raises: a failure is a row with ``status="error"``."""
    t0 = time.perf_counter()
    row = {c: None for c in COLUMNS}
    row.update({k: spec.get(k) for k in ("key", "method", "child", "budget", "seed",
                                         "problem")})
    row["instance"] = spec.get("name")
    try:
        problem = _load(spec)
        row["num_variables"] = problem.bqm.num_variables
        row["reference"] = problem.optimum
        m = spec["method"]
        if m in ("gs", "ags", "ags-norepair", "ags-noveto"):
            out = _pipeline(problem, spec, constraint_aware=m in ("ags", "ags-norepair"),
                            repair=m in ("ags", "ags-noveto"), adaptive=m != "gs")
        elif m == "direct":
            out = _direct(problem, spec)
        elif m == "repair-only":
            out = _repair_only(problem, spec)
        elif m == "greedy":
            out = _greedy(problem, spec)
        elif m in ("sa-full", "sa-full-repair"):
            out = _sa_full(problem, spec, repair=m == "sa-full-repair")
        elif m == "roof-duality":
            out = _roof_duality(problem, spec)
        elif m == "rqaoa":
            out = _rqaoa(problem, spec)
        elif m in ("shrink", "shrink-plain"):
            out = _as_legacy(_shrink_fair(problem, spec, constraint_aware=m == "shrink"))
        elif m == "iterated":
            out = _iterated(problem, spec)
            if "status" not in out:
                out = _as_legacy(out)
        elif m == "hybrid":
            out = _as_legacy(_hybrid(problem, spec))
        elif m == "rqaoa-p1":
            out = _rqaoa_p1(problem, spec)
            if "status" not in out:
                out = _as_legacy(out)
        elif m == "cpsat":
            out = _cpsat(problem, spec)
            if "status" not in out:
                out = _as_legacy(out)
        else:
            raise ValueError(f"unknown method {m!r}")
        row.update(out)
        if row.get("status") is None:
            row["status"] = "ok"
            if row["objective"] is not None and row["feasible"]:
                row["ratio"] = problem.ratio(row["objective"])
            else:
                row["ratio"] = 0.0
    except Exception as exc:  # recorded, never raised: the sweep goes on
        row["status"] = "error"
        row["error"] = f"{type(exc).__name__}: {exc}"[:500]
        row["traceback"] = traceback.format_exc()[-2000:]
    row["time_total"] = time.perf_counter() - t0
    return row
