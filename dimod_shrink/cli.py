"""Command line: ``dimod-shrink solve PATH``."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

__all__ = ["main"]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def _positive(name):
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {s!r}") from None
        if v < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {v}")
        return v
    return parse


def build_parser() -> argparse.ArgumentParser:
    from .correlations import ESTIMATORS
    from .pipeline import SAMPLERS
    from .problems import ENCODINGS, PROBLEMS
    ap = argparse.ArgumentParser(
        prog="dimod-shrink",
        description="Shrink constrained binary problems to a qubit budget, solve, repair.")
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("solve", help="solve one instance file",
                       description="Solve one instance: shrink, sample, expand, repair.")
    s.add_argument("path", help="instance file (mknap, DIMACS .dimacs/.clq, QAPLIB .dat, "
                                "LP, Max-Cut edge list)")
    s.add_argument("--problem", choices=PROBLEMS,
                   help="problem type (inferred from the file name where unambiguous)")
    s.add_argument("--instance", type=_positive("--instance"), default=1,
                   help="problem K of a multi-problem file (1-based; default 1)")
    s.add_argument("--sampler", choices=SAMPLERS, default="sa", help="child sampler")
    s.add_argument("--qubits", type=_positive("--qubits"), default=20,
                   help="variable budget of the child (default 20)")
    s.add_argument("--encoding", choices=ENCODINGS, default="unbalanced",
                   help="inequality encoding (default unbalanced: no slack bits)")
    s.add_argument("--correlation", default="lowrank",
                   help=f"correlation estimator: {', '.join(sorted(ESTIMATORS))}")
    s.add_argument("--schedule", choices=("adaptive", "fixed"), default="adaptive",
                   help="when to recompute correlations: adaptive (default: after 10%% of "
                        "the variables are removed, or on demand) or fixed (every "
                        "--recompute-every merges)")
    s.add_argument("--recompute-every", type=_positive("--recompute-every"), default=1)
    s.add_argument("--recompute-fraction", type=float, default=0.1)
    s.add_argument("--threshold", choices=("proportional", "quantile", "two_means", "decay"),
                   default=None, help="dynamic threshold gating merges")
    s.add_argument("--early-stop", action="store_true",
                   help="stop above the budget when no strong pair remains (needs --threshold)")
    s.add_argument("--no-constraint-aware", action="store_true",
                   help="plain shrinking: no merge vetoes")
    s.add_argument("--no-repair", action="store_true", help="report samples as expanded")
    s.add_argument("--no-polish", action="store_true", help="repair without local search")
    s.add_argument("--num-reads", type=_positive("--num-reads"), default=100)
    s.add_argument("--seed", type=int, default=None)
    q = s.add_argument_group("QAOA child (--sampler qaoa)")
    q.add_argument("--reps", type=_positive("--reps"), default=1, help="QAOA layers p")
    q.add_argument("--shots", type=_positive("--shots"), default=1024)
    q.add_argument("--ansatz", choices=("qaoa", "ry_rz"), default="qaoa",
                   help="qaoa, or ry_rz: CVaR-VQE with a hardware-efficient ansatz")
    q.add_argument("--maxiter", type=_positive("--maxiter"), default=100)
    s.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    b = sub.add_parser("bench", help="run a benchmark suite (TOML) on Dask",
                       description="Run a benchmark suite: every instance x method x child x "
                                   "budget x seed, streamed to OUT/results.csv; re-running "
                                   "resumes. Then OUT/summary.md and plots.")
    b.add_argument("suite", help="suite file (TOML)")
    b.add_argument("--out", default=None, help="output folder (default: results/<suite name>)")
    b.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    b.add_argument("--workers", type=_positive("--workers"), default=None,
                   help="local worker processes (default: one per core)")
    b.add_argument("--children", default=None,
                   help="comma-separated subset of the suite's children to run now")
    b.add_argument("--no-progress", action="store_true")
    b.add_argument("--no-plots", action="store_true")
    b.add_argument("--report-only", action="store_true",
                   help="only rebuild summary.md and the plots from results.csv")
    return ap


def bench_command(args) -> dict:
    from pathlib import Path
    from .bench.report import write_report
    from .bench.runner import run_suite
    from .bench.suite import load_suite
    suite = load_suite(args.suite)
    out = Path(args.out) if args.out else Path("results") / suite.name
    counts = {}
    if not args.report_only:
        kids = args.children.split(",") if args.children else None
        counts = run_suite(suite, out, scheduler=args.scheduler, workers=args.workers,
                           progress=not args.no_progress, children=kids)
    rep = write_report(out, plots=not args.no_plots)
    return {"out": str(out), **counts, "rows": rep["rows"], "summary": str(rep["summary"])}


def _summary(r: dict) -> str:
    lines = [f"{r['problem']} instance {r['instance']}",
             f"  variables     : {r['num_variables']} in the BQM, {r['num_reduced']} after "
             f"shrinking ({r['vetoed_merges']} merges vetoed)",
             f"  objective     : {r['objective']}"
             + (f"  (optimum {r['optimum']}, ratio {r['ratio']:.4f})"
                if r.get("ratio") is not None else
                (f"  (optimum {r['optimum']})" if r["optimum"] is not None else "")),
             f"  feasible      : {r['feasible']} (before repair: {r['feasible_before_repair']}, "
             f"repair moves {r['repair_moves']})"]
    sol = r["solution"]
    if sol is not None:
        text = str(sol)
        lines.append(f"  solution      : {text if len(text) < 200 else text[:197] + '...'}")
    t = r["timing"]
    lines.append("  time (s)      : " + ", ".join(f"{k} {v:.3f}" for k, v in t.items()))
    return "\n".join(lines)


def solve_command(args) -> dict:
    from .correlations import resolve_estimator
    from .pipeline import make_sampler, solve_problem
    from .problems import load_problem
    resolve_estimator(args.correlation)
    problem = load_problem(args.path, args.problem, instance=args.instance,
                           encoding=args.encoding)
    if args.sampler == "exact" and args.qubits > 24:
        raise ValueError("--sampler exact enumerates 2^qubits states; use --qubits <= 24")
    child_params = None
    if args.sampler == "qaoa":
        if args.qubits > 24:
            raise ValueError("--sampler qaoa simulates at most 24 qubits; use --qubits <= 24 "
                             "(16 is a good start)")
        child_params = {"reps": args.reps, "shots": args.shots, "ansatz": args.ansatz,
                        "maxiter": args.maxiter}
    result = solve_problem(problem, make_sampler(args.sampler), qubits=args.qubits,
                           correlation=args.correlation, recompute_every=args.recompute_every,
                           schedule=args.schedule, recompute_fraction=args.recompute_fraction,
                           threshold=args.threshold, early_stop=args.early_stop,
                           constraint_aware=not args.no_constraint_aware,
                           repair=not args.no_repair, polish=not args.no_polish,
                           num_reads=args.num_reads, seed=args.seed,
                           child_params=child_params)
    result.pop("sampleset")
    result["instance"] = problem.name
    return result


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "bench":
            info = bench_command(args)
            print(json.dumps(_jsonable(info)))
            return 0
        result = solve_command(args)
    except (ValueError, TypeError, FileNotFoundError, ImportError, KeyError) as exc:
        print(f"dimod-shrink: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_jsonable(result)))
    else:
        print(_summary(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
