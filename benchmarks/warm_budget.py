"""The warm-solve budget of the structured low-rank SDP: time and answers with and without.

``LowRankSDP`` limits a warm-started solve over ``N`` variables to
``max(WARM_MIN_ITER, WARM_BUDGET / N)`` L-BFGS iterations
(:data:`dimod_shrink.correlations.lowrank.WARM_BUDGET`).  This script runs the
constrained scale cases of ``benchmarks/scale_constrained.py`` that go through
the structured solver -- random MDKP 500 x 30, 2,000 x 10 and 5,000 x 10, one
knapsack row over 10,000 and 60,000 binaries (``sample_cqm``), random QAP
n = 30, 1,000 integers in 0..100 under 20 rows (``sample_cqm``) -- with seeds
0-2, once with the default budget and once with ``warm_budget=None``, each in
its own process, with the defaults otherwise (SA child, 100 reads, budget 20,
repair and polish).  It prints, per case and seed, the wall time, the time in
the low-rank solves, the warm solves' work (sum of ``N`` x iterations) and
the objective, polished and raw (repaired, unpolished; MDKP and QAP only).

Usage::

    python benchmarks/warm_budget.py [--only knap60000,...] [--out FILE]

Its JSON lines are kept in ``docs/results/warm_budget.jsonl``; ``--render`` rebuilds
the report from them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, table, write_report  # noqa: E402

CASES = ["mdkp500x30", "mdkp2000x10", "mdkp5000x10", "knap10000", "knap60000", "qap30",
         "int1000"]
SEEDS = (0, 1, 2)


def run_case(case: str, seed: int, budget: str) -> dict:
    """One run, in this process: ``budget`` is ``"default"`` or ``"none"``."""
    import dimod_shrink.correlations.lowrank as lr
    from dimod_shrink import ShrinkingComposite
    from dwave.samplers import SimulatedAnnealingSampler
    from scale_constrained import _int_cqm, _knap_cqm, _mdkp_problem, _qap_problem

    log = []
    solve = lr._solve_structured

    def counted(K, V, tol, max_iter, rng):
        res = solve(K, V, tol, max_iter, rng)
        log.append((V.shape[0], res.iterations))
        return res

    lr._solve_structured = counted
    est = lr.LowRankSDP() if budget == "default" else lr.LowRankSDP(warm_budget=None)
    t = time.perf_counter()
    raw = None
    if case.startswith(("knap", "int")):
        size = int(case.lstrip("knapint"))
        cqm = _knap_cqm(size) if case.startswith("knap") else _int_cqm(size, 20)
        ss = ShrinkingComposite(correlation=est).sample_cqm(cqm, seed=seed, num_variables=20,
                                                            return_shrink_context=True)
        feas = ss.record.is_feasible
        obj = float(ss.record.energy[feas].min()) if feas.any() else None
    else:
        if case.startswith("mdkp"):
            problem = _mdkp_problem(*map(int, case[4:].split("x")))
        else:
            problem = _qap_problem(int(case[3:]))
        ss = ShrinkingComposite(SimulatedAnnealingSampler(), correlation=est).sample(
            problem.model, num_variables=20, merge_policy=problem.merge_policy(True, seed=seed),
            postprocess=problem.postprocess(True), seed=seed, num_reads=100,
            candidates=problem.candidates, return_shrink_context=True)
        rec = ss.record
        best = problem.best(ss)
        sense = 1 if problem.sense == "max" else -1
        raws = (rec.objective - sense * rec.polish_gain)[rec.is_feasible]
        obj = float(rec.objective[best]) if best is not None else None
        raw = float(raws.max() if sense > 0 else raws.min()) if raws.size else None
    wall = time.perf_counter() - t
    timing = ss.info["shrink_context"]["timing"]
    return {"case": case, "seed": seed, "budget": budget, "seconds": round(wall, 2),
            "correlation_s": round(timing["correlation"], 2), "solves": len(log),
            "cold_work_M": round(log[0][0] * log[0][1] / 1e6, 2) if log else 0.0,
            "warm_work_M": round(sum(n * i for n, i in log[1:]) / 1e6, 2),
            "max_warm_iterations": max((i for _, i in log[1:]), default=0),
            "objective": obj, "raw": raw}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated cases (default: all)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "results" / "warm_budget.md"))
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--render", default=None,
                    help="rebuild the report from the JSON lines a run printed")
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(*json.loads(args.case))))
        return 0
    cases = [c for c in args.only.split(",") if c] or CASES
    if args.render:
        rows = [json.loads(line) for line in Path(args.render).read_text().splitlines()
                if line.startswith("{")]
        report(rows, cases, args.only, args.out)
        return 0
    rows = []
    for case in cases:
        for seed in SEEDS:
            for budget in ("default", "none"):
                proc = subprocess.run([sys.executable, __file__, "--case",
                                       json.dumps([case, seed, budget])],
                                      capture_output=True, text=True)
                if proc.returncode:
                    raise RuntimeError(f"{case} seed {seed} ({budget}): {proc.stderr[-500:]}")
                rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                print(json.dumps(rows[-1]), flush=True)
    report(rows, cases, args.only, args.out)
    return 0


def report(rows, cases, only, out):
    """The run table and the paired summary, to stdout and to ``out``."""
    lines = [f"`python benchmarks/warm_budget.py{' --only ' + only if only else ''}`",
             "", "`budget`: `default` is `LowRankSDP()` (the warm-solve budget on), `none` is "
             "`LowRankSDP(warm_budget=None)`.  Work in millions of variable-iterations "
             "(`N` x L-BFGS iterations summed over the cold first solve and the warm ones).",
             "", table(rows)]
    summary = []
    for case in cases:
        for seed in SEEDS:
            on = next(r for r in rows if (r["case"], r["seed"], r["budget"]) ==
                      (case, seed, "default"))
            off = next(r for r in rows if (r["case"], r["seed"], r["budget"]) ==
                       (case, seed, "none"))
            sense = -1 if case.startswith(("knap", "int", "qap")) else 1  # minimised: lower
            d = None if on["objective"] is None or off["objective"] is None else \
                sense * (on["objective"] - off["objective"]) + 0.0  # no negative zero
            summary.append({"case": case, "seed": seed, "seconds on": on["seconds"],
                            "seconds off": off["seconds"],
                            "objective on - off (positive: better)": d})
    lines += ["", table(summary)]
    print("\n".join(lines[-1:]))
    write_report(lines, out)


if __name__ == "__main__":
    sys.exit(main())
