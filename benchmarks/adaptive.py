"""Adaptive control: correlation solves saved against the change in quality.

Runs the constrained pipeline (SA child, budget 20, 100 reads) on a subset of
the study instances with the fixed schedule (a solve after every merge) and
with adaptive schedules (recompute after a fraction of the variables is
removed, or on demand below a dynamic threshold), and prints the number of
correlation solves and the approximation ratio of each.

Usage::

    python benchmarks/adaptive.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys

from dimod_shrink.pipeline import solve_problem

from _common import table
from constrained import study_instances

CONFIGS = {
    "fixed-1": {"schedule": "fixed", "recompute_every": 1},
    "geometric-10% (default)": {"schedule": "geometric", "recompute_fraction": 0.10},
    "fixed-5": {"schedule": "fixed", "recompute_every": 5},
    "adaptive-5%": {"schedule": "adaptive", "recompute_fraction": 0.05},
    "adaptive-10%": {"schedule": "adaptive", "recompute_fraction": 0.10},
    "adaptive-10%+proportional": {"schedule": "adaptive", "recompute_fraction": 0.10,
                                  "threshold": "proportional"},
    "adaptive-10%+quantile": {"schedule": "adaptive", "recompute_fraction": 0.10,
                              "threshold": "quantile"},
    "adaptive-10%+two_means": {"schedule": "adaptive", "recompute_fraction": 0.10,
                               "threshold": "two_means"},
    "adaptive-10%+decay": {"schedule": "adaptive", "recompute_fraction": 0.10,
                           "threshold": "decay"},
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reads", type=int, default=100)
    args = ap.parse_args(argv)
    rows = []
    for label, load in study_instances(quick=True):
        problem = load("unbalanced")
        row = {"instance": label}
        for name, cfg in CONFIGS.items():
            r = solve_problem(problem, "sa", qubits=20, num_reads=args.reads, seed=0, **cfg)
            row[f"{name}:calls"] = r["correlation_calls"]
            row[f"{name}:ratio"] = r["ratio"] if r["feasible"] else 0.0
            row[f"{name}:s"] = r["timing"]["correlation"]
        rows.append(row)
        print(label, {k: v for k, v in row.items() if k.endswith("calls")}, file=sys.stderr,
              flush=True)
    base = "fixed-1"
    summary = []
    for name in CONFIGS:
        calls = sum(r[f"{name}:calls"] for r in rows)
        base_calls = sum(r[f"{base}:calls"] for r in rows)
        diffs = [r[f"{name}:ratio"] - r[f"{base}:ratio"] for r in rows]
        summary.append({"config": name, "correlation_solves": calls,
                        "saved_vs_fixed_1": 1 - calls / base_calls if base_calls else 0.0,
                        "correlation_s": sum(r[f"{name}:s"] for r in rows),
                        "median_ratio": statistics.median(r[f"{name}:ratio"] for r in rows),
                        "median_ratio_change": statistics.median(diffs),
                        "worst_ratio_change": min(diffs)})
    print(table(summary, floatfmt=".4g"))
    print()
    cols = ["instance"] + [f"{n}:{k}" for n in ("fixed-1", "adaptive-10%", "adaptive-10%+two_means")
                           for k in ("calls", "ratio")]
    print(table(rows, cols, floatfmt=".4g"))


if __name__ == "__main__":
    main()
