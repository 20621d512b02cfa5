"""``sample_cqm`` on a CQM of bounded integers: time per stage, feasibility, integrality.

The model: ``n`` integers in ``[0, 100]`` (default 1,000), ``m`` linear
``<=`` constraints (default 20) with random nonnegative integer coefficients
``a_kj`` in ``[0, 9]`` and right-hand side half of the row's largest
left-hand side, ``0.5 * sum_j a_kj * 100``; the objective maximises a random
positive linear function (minimises ``-sum_j c_j x_j``, ``c_j`` uniform in
``[1, 10)``).  Each integer becomes 7 binaries (coefficients 1, 2, 4, 8, 16,
32 and a capped 37), so the default model has 7,000 binary variables.

One ``ShrinkingComposite(SimulatedAnnealingSampler()).sample_cqm`` run per
size (budget 20 variables, seed 0, the default 100 reads), with the stage
times of ``info['shrink_context']['timing']``:

* ``cqm_model`` -- :func:`~dimod_shrink.problems.integers.binarize` and the
  constraint rows of :class:`~dimod_shrink.problems.CQMProblem`;
* ``penalty_model`` -- the penalty BQM;
* ``policy`` -- the merge policy (and its feasible witnesses);
* ``correlation``, ``select``, ``shrink`` -- the shrink;
* ``child``, ``expand``, ``postprocess`` (repair and polish);
* ``cqm_report`` -- decoding to integers, energies and feasibility on the
  original CQM; ``cqm_total`` -- the whole call.

``--stages-only N ...`` times, for those sizes, only the stages that
``sample_cqm`` runs before the shrink (``cqm_model``, ``penalty_model``,
``policy``), with the same calls, for sizes where the whole run takes too
long.  ``cpu (s)`` is the process's CPU time for the row; where it is well
below the wall time, the machine was shared.

Usage::

    python benchmarks/cqm_integers.py                 # n = 1000, m = 20
    python benchmarks/cqm_integers.py --sizes 50 100 --stages-only 1000 \
        --out docs/results/cqm_integers.md
"""

from __future__ import annotations

import argparse
import resource
import time

import dimod
import numpy as np
from dwave.samplers import SimulatedAnnealingSampler

from dimod_shrink import ShrinkingComposite
from dimod_shrink.problems.integers import count_binaries, cqm_problem

from _common import ROOT, table

STAGES = ("cqm_model", "penalty_model", "policy", "correlation", "select", "shrink", "child",
          "expand", "postprocess", "cqm_report", "cqm_total")


def model(n: int, m: int, seed: int, upper: int = 100) -> dimod.ConstrainedQuadraticModel:
    """``n`` integers in ``[0, upper]``, ``m`` knapsack rows at half their largest
    left-hand side, a random positive objective to maximise."""
    rng = np.random.default_rng(seed)
    labels = [f"x{j}" for j in range(n)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("INTEGER", labels, lower_bound=0, upper_bound=upper)
    c = rng.uniform(1, 10, n)

    def linear(coefficients) -> dimod.QuadraticModel:
        qm = dimod.QuadraticModel()
        for v in labels:
            qm.add_variable("INTEGER", v, lower_bound=0, upper_bound=upper)
        qm.add_linear_from((v, float(a)) for v, a in zip(labels, coefficients) if a)
        return qm

    cqm.set_objective(linear(-c))
    for k in range(m):
        a = rng.integers(0, 10, n)
        cqm.add_constraint_from_model(linear(a), "<=", 0.5 * float(a.sum()) * upper,
                                      label=f"row{k}", copy=False)
    return cqm


def _peak_gb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 2)


def stages(n: int, m: int, seed: int) -> dict:
    """The stages before the shrink, by the calls ``sample_cqm`` makes."""
    cqm = model(n, m, seed)
    c0, t0 = time.process_time(), time.perf_counter()
    problem = cqm_problem(cqm)
    t1 = time.perf_counter()
    bqm = problem.bqm
    t2 = time.perf_counter()
    problem.merge_policy(True, seed=seed)
    t3 = time.perf_counter()
    return {"integers": n, "constraints": m, "binaries": len(problem.variables),
            "BQM interactions": bqm.num_interactions, "cqm_model": round(t1 - t0, 2),
            "penalty_model": round(t2 - t1, 2), "policy": round(t3 - t2, 2),
            "wall (s)": round(t3 - t0, 2), "cpu (s)": round(time.process_time() - c0, 2),
            "peak RSS (GB)": _peak_gb()}


def run(n: int, m: int, seed: int, budget: int) -> dict:
    cqm = model(n, m, seed)
    sampler = ShrinkingComposite(SimulatedAnnealingSampler())
    c0 = time.process_time()
    t = time.perf_counter()
    ss = sampler.sample_cqm(cqm, num_variables=budget, seed=seed, return_shrink_context=True)
    wall = time.perf_counter() - t
    tm = ss.info["shrink_context"]["timing"]
    best = ss.first
    values = np.array([best.sample[v] for v in cqm.variables])
    integral = ss.record.sample.dtype.kind == "i"
    in_bounds = bool(((values >= 0) & (values <= 100)).all())
    feasible_rows = int(ss.record.is_feasible.sum())
    return {"integers": n, "constraints": m, "binaries": count_binaries(cqm),
            "budget": budget, "feasible": bool(best.is_feasible),
            "feasible rows": f"{feasible_rows}/{len(ss)}",
            "integer dtype": f"{ss.record.sample.dtype}" if integral else "no",
            "in bounds": in_bounds, "objective": int(round(-float(best.energy))),
            "LP bound": int(round(lp_bound(cqm))),
            **{k: round(float(tm.get(k, 0.0)), 2) for k in STAGES}, "wall (s)": round(wall, 2),
            "cpu (s)": round(time.process_time() - c0, 2), "peak RSS (GB)": _peak_gb()}


def lp_bound(cqm) -> float:
    """The LP relaxation's optimum (an upper bound on the objective), by SciPy."""
    from scipy.optimize import linprog
    labels = list(cqm.variables)
    pos = {v: k for k, v in enumerate(labels)}
    c = np.zeros(len(labels))
    for v, b in cqm.objective.iter_linear():
        c[pos[v]] = b
    A = np.zeros((len(cqm.constraints), len(labels)))
    b = np.zeros(len(cqm.constraints))
    for r, comp in enumerate(cqm.constraints.values()):
        for v, a in comp.lhs.iter_linear():
            A[r, pos[v]] = a
        b[r] = comp.rhs
    bounds = [(cqm.lower_bound(v), cqm.upper_bound(v)) for v in labels]
    res = linprog(c, A_ub=A, b_ub=b, bounds=bounds, method="highs")
    return -float(res.fun)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000],
                    help="numbers of integer variables: whole sample_cqm runs")
    ap.add_argument("--stages-only", type=int, nargs="*", default=[],
                    help="numbers of integer variables: only the stages before the shrink")
    ap.add_argument("--constraints", type=int, default=20)
    ap.add_argument("--budget", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="also write the table to this markdown file")
    args = ap.parse_args(argv)
    rows, partial = [], []
    for n in args.sizes:
        rows.append(run(n, args.constraints, args.seed, args.budget))
        print(rows[-1], flush=True)
    for n in args.stages_only:
        partial.append(stages(n, args.constraints, args.seed))
        print(partial[-1], flush=True)
    text = "\n\n".join(table(r) for r in (rows, partial) if r)
    print(text)
    if args.out:
        out = ROOT / args.out if not args.out.startswith("/") else args.out
        sizes = " ".join(map(str, args.sizes))
        only = " ".join(map(str, args.stages_only))
        with open(out, "w") as fh:
            fh.write("# `sample_cqm` on bounded integers (`benchmarks/cqm_integers.py`)\n\n")
            fh.write(f"Command: `python benchmarks/cqm_integers.py --sizes {sizes}"
                     + (f" --stages-only {only}" if only else "")
                     + f" --constraints {args.constraints} --budget {args.budget} "
                     f"--seed {args.seed} --out {args.out}`; SA child, 100 reads. Times in "
                     "seconds (wall clock); peak RSS is the process's so far.\n\n")
            fh.write(text + "\n")

if __name__ == "__main__":
    main()
