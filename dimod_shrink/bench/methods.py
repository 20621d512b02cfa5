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
"""

from __future__ import annotations

import time
import traceback

import dimod
import numpy as np

__all__ = ["run_one", "COLUMNS", "AGS_OPTIONS", "rqaoa_solve", "cqm_to_bqm_sa"]

COLUMNS = ["key", "instance", "problem", "method", "child", "budget", "seed", "num_variables",
           "num_reduced", "objective", "reference", "ratio", "feasible_before_repair",
           "feasible", "repair_moves", "vetoed_merges", "correlation_calls",
           "time_correlation", "time_shrink", "time_child", "time_repair", "time_total",
           "status", "error"]

AGS_OPTIONS = {"schedule": "adaptive", "recompute_fraction": 0.1}
"""The full method's shrink settings (see docs/adaptive.md for the measurement)."""

QAOA_DEFAULTS = {"reps": 1, "shots": 1024, "maxiter": 100, "max_parallel_threads": 1}


def _load(spec):
    from ..problems import load_problem
    p = load_problem(spec["path"], spec["problem"], instance=spec["index"],
                     encoding=spec.get("encoding", "unbalanced"))
    if spec.get("reference") is not None:
        p.optimum = float(spec["reference"])
    return p


def _child(name):
    from ..pipeline import make_sampler
    return make_sampler(name)


def _child_params(name, spec):
    if name == "qaoa":
        return {**QAOA_DEFAULTS, **spec["options"].get("qaoa", {})}
    if name in ("sa", "tabu"):
        return {"num_reads": spec["reads"]}
    return {}


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
    out = problem.repair_samples(X, polish=polish)
    res = _best(problem, out["samples"], out["feasible_before_repair"], out["repair_moves"])
    return res, out["timing"]["repair"] + out["timing"]["polish"]


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
    return {**best, "num_reduced": r["num_reduced"], "vetoed_merges": r["vetoed_merges"],
            "correlation_calls": r["correlation_calls"],
            "time_correlation": tm["correlation"], "time_shrink": tm["shrink"],
            "time_child": tm["child"], "time_repair": tm["repair"]}


def _direct(problem, spec):
    n = problem.bqm.num_variables
    if not _fits(spec["child"], n):
        return {"status": f"skipped: {n} variables do not fit the {spec['child']} child"}
    t = time.perf_counter()
    ss = _child(spec["child"]).sample(problem.bqm, **_child_params(spec["child"], spec),
                                      **({"seed": spec["seed"]} if spec["child"] != "exact"
                                         else {}))
    t_child = time.perf_counter() - t
    res, t_rep = _repaired(problem, problem.decision_columns(ss))
    return {**res, "num_reduced": n, "time_child": t_child, "time_repair": t_rep}


def _repair_only(problem, spec):
    rng = np.random.default_rng(spec["seed"])
    n = len(problem.variables)
    X = np.vstack([np.zeros((1, n), dtype=np.int8),
                   rng.integers(0, 2, (spec["reads"] - 1, n), dtype=np.int8)])
    res, t_rep = _repaired(problem, X)
    return {**res, "time_repair": t_rep}


def _greedy(problem, spec):
    x = problem.greedy()[None, :]
    return _best(problem, x, problem.is_feasible(x), [0])


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


def _sa_full(problem, spec, repair):
    X, nvars, t_child = cqm_to_bqm_sa(problem, spec["reads"], spec["seed"])
    base = {"num_reduced": nvars, "time_child": t_child}
    if not repair:
        feas = problem.is_feasible(X)
        return {**base, **_best(problem, X, feas, np.zeros(len(X)))}
    res, t_rep = _repaired(problem, X)
    return {**base, **res, "time_repair": t_rep}


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
    res, t_rep = _repaired(problem, problem.decision_columns(ss))
    return {**res, "num_reduced": n, "time_child": t_child, "time_repair": t_rep}


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
    out, t_rep = _repaired(problem, x)
    return {**out, "num_reduced": spec["budget"], "time_child": t_child, "time_repair": t_rep}


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
