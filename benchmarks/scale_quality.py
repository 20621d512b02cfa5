"""Does the fast default schedule cost quality?  Default vs the published rule.

Part 1 (the study instances of ``benchmarks/constrained.py``: MDKP, MIS, QAP;
SA child, budget 20, 100 reads, constraint-aware, repaired, **no polish**):
the approximation ratio with the default schedule (``"geometric"``) and with
the published one (``schedule="fixed", recompute_every=1``: a correlation
solve after every merge), seeds 0..S-1, and the median per problem class.

Part 2 (random sparse BINARY models of 1,000 and 2,000 variables, the
``benchmarks/scale.py`` models): the energy of the best *raw* sample (the SA
child's answers expanded, nothing repaired or polished; 100 reads) with each
schedule, and the wall time of the call.

Part 3 (``--part candidates``): the candidate sets of the default schedule
(``"coupled"``, ``"near"``, ``"lsh"``, ``"dense"``) on the sparse models (mean
best raw energy over the seeds), and ``"coupled"`` against ``"lsh"`` on the
study instances (ratio, no polish).

Usage::

    python benchmarks/scale_quality.py [--seeds 3] [--part study|bqm|candidates|all] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from dimod_shrink import ShrinkingComposite
from dimod_shrink.pipeline import solve_problem

from _common import table
from constrained import study_instances
from scale import model

SCHEDULES = {"default": {}, "published": {"schedule": "fixed", "recompute_every": 1}}


def part_study(seeds, quick):
    rows = []
    for label, load in study_instances(quick=quick):
        problem = load("unbalanced")
        for seed in range(seeds):
            row = {"instance": label, "problem": problem.kind, "seed": seed}
            for name, cfg in SCHEDULES.items():
                t = time.perf_counter()
                r = solve_problem(problem, "sa", qubits=20, num_reads=100, seed=seed,
                                  polish=False, **cfg)
                row[f"{name}_ratio"] = r["ratio"] if r["feasible"] else 0.0
                row[f"{name}_s"] = time.perf_counter() - t
            rows.append(row)
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    print(table(rows, floatfmt=".4g"))
    summary = []
    for kind in sorted({r["problem"] for r in rows}) + ["all"]:
        sel = [r for r in rows if kind in ("all", r["problem"])]
        d = statistics.median(r["default_ratio"] for r in sel)
        p = statistics.median(r["published_ratio"] for r in sel)
        summary.append({"problem": kind, "runs": len(sel), "median_default": d,
                        "median_published": p, "change_%": 100 * (d - p),
                        "worse_runs": sum(r["default_ratio"] < r["published_ratio"] for r in sel),
                        "better_runs": sum(r["default_ratio"] > r["published_ratio"]
                                           for r in sel),
                        "time_default_s": sum(r["default_s"] for r in sel),
                        "time_published_s": sum(r["published_s"] for r in sel)})
    print()
    print(table(summary, floatfmt=".4g"))


def part_bqm(seeds, sizes):
    rows = []
    for n in sizes:
        bqm = model(n, 6)
        for seed in range(seeds):
            row = {"n": n, "seed": seed}
            for name, cfg in SCHEDULES.items():
                t = time.perf_counter()
                ss = ShrinkingComposite().sample(bqm, num_variables=20, seed=seed,
                                                 num_reads=100, **cfg)
                row[f"{name}_energy"] = float(ss.first.energy)
                row[f"{name}_s"] = time.perf_counter() - t
            row["default_no_worse"] = row["default_energy"] <= row["published_energy"]
            rows.append(row)
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    print(table(rows, floatfmt=".6g"))


def part_candidates(seeds, quick):
    """Candidate sets: sparse BQMs (best raw energy) and the study (ratio, no polish)."""
    rows = []
    for n in (1000, 5000):
        bqm = model(n, 6)
        for cand in ("coupled", "near", "lsh") + (("dense",) if n <= 1000 else ()):
            es, ts = [], []
            for seed in range(seeds):
                t = time.perf_counter()
                ss = ShrinkingComposite().sample(bqm, num_variables=20, seed=seed,
                                                 num_reads=100, candidates=cand)
                ts.append(time.perf_counter() - t)
                es.append(float(ss.first.energy))
            rows.append({"model": f"sparse n={n}", "candidates": cand,
                         "mean_best_energy": statistics.mean(es),
                         "mean_s": statistics.mean(ts)})
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    print(table(rows, floatfmt=".6g"))
    rows = []
    for label, load in study_instances(quick=quick):
        problem = load("unbalanced")
        for seed in range(seeds):
            row = {"instance": label, "problem": problem.kind, "seed": seed}
            for cand in ("coupled", "lsh"):
                r = solve_problem(problem, "sa", qubits=20, num_reads=100, seed=seed,
                                  polish=False, candidates=cand)
                row[cand] = r["ratio"] if r["feasible"] else 0.0
            rows.append(row)
            print(table(rows[-1:]), file=sys.stderr, flush=True)
    summary = []
    for kind in sorted({r["problem"] for r in rows}) + ["all"]:
        sel = [r for r in rows if kind in ("all", r["problem"])]
        summary.append({"problem": kind, "runs": len(sel),
                        "median_coupled": statistics.median(r["coupled"] for r in sel),
                        "median_lsh": statistics.median(r["lsh"] for r in sel),
                        "lsh_better": sum(r["lsh"] > r["coupled"] for r in sel),
                        "lsh_worse": sum(r["lsh"] < r["coupled"] for r in sel)})
    print()
    print(table(summary, floatfmt=".4g"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--part", choices=("study", "bqm", "candidates", "all"), default="all")
    ap.add_argument("--quick", action="store_true", help="the quick study subset")
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000])
    args = ap.parse_args(argv)
    if args.part in ("study", "all"):
        part_study(args.seeds, args.quick)
    if args.part in ("bqm", "all"):
        part_bqm(args.seeds, args.sizes)
    if args.part in ("candidates", "all"):
        part_candidates(args.seeds, args.quick)


if __name__ == "__main__":
    main()
