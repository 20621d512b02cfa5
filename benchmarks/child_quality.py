"""Child quality on the reduced models the pipeline actually produces.

Shrinking hands the child a small BQM.  This script collects those models --
MDKP, MIS, QAP and Max-Cut instances from the shared instance folder, shrunk by
the default pipeline (:func:`dimod_shrink.pipeline.solve_problem`, a recording
child captures the model it is given) to budgets 8, 12, 16 and 20 -- finds
their exact ground states by enumerating all ``2^n`` states (vectorised numpy),
and reports, per child and budget:

* ``p_ground``: probability of the ground state in the child's output
  (fraction of shots / reads);
* ``best_is_ground``: share of models where the best returned sample is a
  ground state;
* ``ratio_mean``: mean-energy approximation ratio
  ``(E_max - <E>) / (E_max - E_min)`` (1 = every shot optimal, about 0.5 for
  uniform bits);
* ``distinct``: distinct outcomes per shot;
* ``evaluations``: objective evaluations of the angle training (QAOA);
* ``cpu_s``: CPU seconds of one ``sample`` call (the process's own time, which
  a busy machine inflates less than the wall time, also reported).  The QAOA
  children run on one thread.

Children: the default :class:`~dimod_shrink.samplers.QAOASampler` and variants
(one lever changed at a time), the earlier defaults (depth 8 trained from
scratch by INTERP at 40 iterations per depth; depth 5 at 100 iterations per
depth), the first default (qiskit-aer circuits, p = 1, COBYLA), CVaR-VQE,
simulated annealing (100 reads) and
:class:`dimod.RandomSampler` at the same number of shots (1,024) -- the null
hypothesis every quantum claim is paired against.  Each child has a largest
budget it is run at (the variants and the circuit children stop at 12 or 16
qubits: their time grows by about 2^n); budget 20 runs SA and random only,
unless ``--max-budget`` raises the others' limit.

Usage::

    python benchmarks/child_quality.py            # budgets 8 12 16 20, all children
    python benchmarks/child_quality.py --quick    # budgets 8 12, fewer models and children
    python benchmarks/child_quality.py --children qaoa random --budgets 16
    python benchmarks/child_quality.py --budgets 20 --children "qaoa (default" \
        --instances 1dc.64 g05_60.0 --max-budget 20 --threads 2   # minutes per model

Timings are wall seconds on whatever machine runs it (``--threads`` sets the
simulators' thread count).  The tables are printed and written to
``docs/results/child_quality.md`` (``--out``; ``--out -`` prints only).  Every child
that takes a seed gets ``--seed`` plus the model's index, the random child included.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import time

import dimod
import numpy as np

from dimod_shrink.pipeline import make_sampler, solve_problem
from dimod_shrink.problems import load_problem
from dimod_shrink.samplers import RecordingSampler

from _common import INSTANCES, table, write_report

#: (file, load_problem keywords) -- 30 to 100 binaries in the penalty BQM
CASES = [
    ("mdkp/mknap1.txt", {"instance": 4}), ("mdkp/mknap1.txt", {"instance": 5}),
    ("mdkp/mknap1.txt", {"instance": 6}), ("mdkp/mknap1.txt", {"instance": 7}),
    ("mis/1dc.64.dimacs", {}), ("mis/1tc.64.dimacs", {}), ("mis/1et.64.dimacs", {}),
    ("mis/hamming6-4.clq", {}),
    ("qap/nug5.dat", {}), ("qap/nug6.dat", {}), ("qap/tai6a.dat", {}), ("qap/nug7.dat", {}),
    ("maxcut/g05_60.0", {"problem": "maxcut"}), ("maxcut/g05_60.1", {"problem": "maxcut"}),
    ("maxcut/g05_60.2", {"problem": "maxcut"}), ("maxcut/g05_60.3", {"problem": "maxcut"}),
]
QUICK_CASES = [CASES[i] for i in (0, 2, 4, 5, 9, 10, 12, 13)]
BUDGETS = (8, 12, 16, 20)


def collect(cases, budgets, seed=0):
    """The reduced models of ``cases`` at each budget: a list of dicts."""
    out = []
    for path, kw in cases:
        problem = load_problem(INSTANCES / path, **kw)
        n = problem.bqm.num_variables
        name = problem.name
        for budget in budgets:
            if n <= budget:
                continue
            rec = RecordingSampler(dimod.RandomSampler())
            solve_problem(problem, rec, qubits=budget, seed=seed, polish=False,
                          child_params={"num_reads": 1})
            bqm = rec.calls[-1][0]
            out.append({"kind": problem.kind, "instance": name, "n": n, "budget": budget,
                        "bqm": bqm})
        print(f"collected {name} ({n} binaries)", file=sys.stderr, flush=True)
    return out


def spectrum(bqm):
    """Energies of all ``2^n`` states (bit ``k`` of the index is variable ``k``)."""
    from dimod_shrink.samplers.qaoa import diagonal_energies
    return diagonal_energies(bqm, list(bqm.variables))


def score(ss, bqm, E):
    """The per-sample-set figures against the spectrum ``E``."""
    emin, emax = float(E.min()), float(E.max())
    tol = 1e-9 * max(1.0, abs(emin), abs(emax))
    r = ss.record
    # re-evaluate on the model (the child's energies are not trusted)
    energies = bqm.energies((r.sample, list(ss.variables)))
    w = r.num_occurrences.astype(float)
    shots = w.sum()
    mean = float(w @ energies / shots)
    span = emax - emin
    return {"p_ground": float(w[energies <= emin + tol].sum() / shots),
            "best_is_ground": bool(energies.min() <= emin + tol),
            "ratio_mean": (emax - mean) / span if span > 0 else 1.0,
            "distinct": len(np.unique(r.sample, axis=0)) / shots}


def children(threads, quick):
    """``(name, sampler, parameters, largest budget)`` of every child compared."""
    from dwave.samplers import SimulatedAnnealingSampler

    from dimod_shrink.samplers import QAOASampler
    q = QAOASampler()
    one = {"max_parallel_threads": threads}
    old = {"backend": "aer", "reps": 1, "optimizer": "COBYLA", "maxiter": 100,
           "initial_point": "ramp", "cvar_alpha": 1.0, "scale": "max", "restarts": 1}
    out = [
        ("qaoa (default: p=8 from the angle table, 20 iterations, cvar 0.1)", q, dict(one),
         16),
        ("qaoa p=8 INTERP, 40 iterations per depth (previous default)", q,
         {**one, "initial_point": "interp"}, 16),
        ("qaoa p=5 INTERP, 100 iterations per depth (default before)", q,
         {**one, "reps": 5, "maxiter": 100, "initial_point": "interp"}, 16),
        ("qaoa p=1", q, {**one, "reps": 1}, 16),
        ("qaoa p=3", q, {**one, "reps": 3}, 16),
        ("qaoa p=8 transfer, 40 iterations", q, {**one, "maxiter": 40}, 16),
        ("qaoa cvar_alpha=1 (mean)", q, {**one, "cvar_alpha": 1.0}, 16),
        ("qaoa cvar_alpha=0.05", q, {**one, "cvar_alpha": 0.05}, 16),
        ("qaoa cvar_alpha=0.025", q, {**one, "cvar_alpha": 0.025}, 16),
        ("qaoa scale=max", q, {**one, "scale": "max"}, 12),
        ("qaoa restarts=1", q, {**one, "restarts": 1}, 12),
        ("qaoa warm_start=lowrank", q, {**one, "warm_start": "lowrank"}, 12),
        ("qaoa aer p=1 (first default)", q, {**one, **old}, 12),
        ("cvar-vqe ry_rz (aer)", q, {**one, "ansatz": "ry_rz", "reps": 2, "maxiter": 150}, 12),
        ("sa (100 reads)", SimulatedAnnealingSampler(), {"num_reads": 100}, 99),
        # make_sampler lists the seed RandomSampler takes, so run() seeds it
        ("random (1024 reads)", make_sampler("random"), {"num_reads": 1024}, 99),
    ]
    if quick:
        keep = ("qaoa (default", "qaoa p=1", "sa ", "random ")
        out = [c for c in out if c[0].startswith(keep)]
    return out


def run(models, kids, seed=0):
    rows = []
    for name, sampler, params, largest in kids:
        for budget in sorted({m["budget"] for m in models}):
            if budget > largest:
                continue
            group = [m for m in models if m["budget"] == budget]
            res = []
            for i, m in enumerate(group):
                bqm = m["bqm"]
                if "E" not in m:
                    m["E"] = spectrum(bqm)
                kw = dict(params)
                if "seed" in sampler.parameters:
                    kw["seed"] = seed + i
                t, c = time.perf_counter(), time.process_time()
                ss = sampler.sample(bqm, **kw)
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                res.append({**score(ss, bqm, m["E"]), "seconds": wall, "cpu": cpu,
                            "n": bqm.num_variables, "evals": ss.info.get("evaluations")})
            x_uniform = [r["p_ground"] * 2.0 ** r["n"] for r in res]
            rows.append({
                "child": name, "budget": budget, "models": len(res),
                "best_is_ground": f"{np.mean([r['best_is_ground'] for r in res]):.0%}",
                "p_ground_median": statistics.median(r["p_ground"] for r in res),
                "x_uniform_median": statistics.median(x_uniform),
                "ratio_mean": float(np.mean([r["ratio_mean"] for r in res])),
                "distinct_per_shot": float(np.mean([r["distinct"] for r in res])),
                "evaluations_median": (statistics.median(r["evals"] for r in res)
                                       if all(r["evals"] is not None for r in res) else "-"),
                "cpu_s_median": statistics.median(r["cpu"] for r in res),
                "cpu_s_max": max(r["cpu"] for r in res),
                "wall_s_median": statistics.median(r["seconds"] for r in res),
            })
            print(rows[-1], file=sys.stderr, flush=True)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="budgets 8 and 12, 8 instances, 4 children")
    ap.add_argument("--budgets", type=int, nargs="+", default=None)
    ap.add_argument("--children", nargs="+", default=None,
                    help="substrings of child names to keep (e.g. 'default' random)")
    ap.add_argument("--instances", nargs="+", default=None,
                    help="substrings of instance files to keep (e.g. 1dc.64 g05_60.0)")
    ap.add_argument("--max-budget", type=int, default=None,
                    help="run every chosen child up to this budget, past its own largest "
                         "(e.g. 20 for the default QAOA: minutes per model)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="docs/results/child_quality.md",
                    help="Markdown file for the tables (default %(default)s; '-': print only)")
    args = ap.parse_args(argv)
    budgets = args.budgets or ((8, 12) if args.quick else BUDGETS)
    cases = QUICK_CASES if args.quick else CASES
    if args.instances:
        cases = [c for c in cases if any(s in c[0] for s in args.instances)]
        if not cases:
            ap.error(f"no case matches --instances {' '.join(args.instances)}")
    models = collect(cases, budgets, seed=args.seed)
    command = shlex.join(["python", "benchmarks/child_quality.py", *(argv or sys.argv[1:])])
    text = [f"`{command}`", "",
            table([{k: m[k] for k in ("kind", "instance", "n", "budget")}
                   | {"reduced": m["bqm"].num_variables} for m in models])]
    print("\n".join(text))
    kids = children(args.threads, args.quick)
    if args.children:
        kids = [c for c in kids if any(s in c[0] for s in args.children)]
    if args.max_budget is not None:
        kids = [(name, sampler, params, max(largest, args.max_budget))
                for name, sampler, params, largest in kids]
    text += ["", table(run(models, kids, args.seed))]
    print("\n".join(text[-2:]))
    write_report(text, args.out)


if __name__ == "__main__":
    main()
