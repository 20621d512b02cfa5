"""Constrained problems at a qubit budget: feasibility, ratio, repair work, time.

For every instance of mknap1, the first ten of mknapcb1, the Sloane MIS graphs
and QAPLIB-style QAPs with n <= 12, with the SA child at budget 20:

* ``greedy``      -- the classical heuristic alone (the floor);
* ``dimod``       -- the plain dimod route: ``dimod.cqm_to_bqm`` + SA on the
  full model, no shrinking, no repair (best feasible read);
* ``gs``          -- plain shrinking (no vetoes), then repair;
* ``ags``         -- constraint-aware shrinking, then repair (+ polish).

``feas0`` is the fraction of reads feasible before repair, ``moves`` the mean
repair moves per read, ``ratio`` the best feasible objective over the
reference (for QAP: optimum / cost).

Usage::

    python benchmarks/constrained.py [--quick] [--only mdkp,mis,qap] [--reads 100]
    python benchmarks/constrained.py --slack-study
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from dimod_shrink.bench.methods import cqm_to_bqm_sa
from dimod_shrink.io import read_best_known
from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems import load_problem

from _common import INSTANCES, table
from references import MIS_ALPHA, QAP_CORRECTIONS, QAP_SMALL, SLOANE


def study_instances(quick=False, only=("mdkp", "mis", "qap")):
    """``(label, loader)`` pairs; ``loader(encoding)`` returns the problem."""
    out = []
    if "mdkp" in only:
        for k in range(1, 8):
            out.append((f"mknap1#{k}", lambda enc, k=k: load_problem(
                INSTANCES / "mdkp/mknap1.txt", instance=k, encoding=enc)))
        best = read_best_known(INSTANCES / "mdkp/best-feasible-slns.txt")
        for k in range(1, 4 if quick else 11):
            def load(enc, k=k):
                p = load_problem(INSTANCES / "mdkp/mknapcb1.txt", instance=k, encoding=enc)
                p.optimum = p.optimum or best[f"5.100-{k - 1:02d}"]
                return p
            out.append((f"mknapcb1#{k}", load))
    if "mis" in only:
        for name in (SLOANE[:4] if quick else SLOANE):
            def load(enc, name=name):
                p = load_problem(INSTANCES / "mis" / name)
                p.optimum = MIS_ALPHA[name]
                return p
            out.append((name, load))
    if "qap" in only:
        for name in (QAP_SMALL[:6] if quick else QAP_SMALL):
            def load(enc, name=name):
                p = load_problem(INSTANCES / "qap" / f"{name}.dat")
                p.optimum = QAP_CORRECTIONS.get(name, p.optimum)
                return p
            out.append((name, load))
    return out


def dimod_route(problem, reads, seed):
    """``dimod.cqm_to_bqm`` + SA on the whole model; best feasible natural objective."""
    t = time.perf_counter()
    X, nvars, _ = cqm_to_bqm_sa(problem, reads, seed)
    feas = problem.is_feasible(X)
    obj = problem.objective(X)
    best = None
    if feas.any():
        best = obj[feas].max() if problem.sense == "max" else obj[feas].min()
    return {"ratio": problem.ratio(best) if best is not None else 0.0,
            "feas0": float(feas.mean()), "nvars": nvars,
            "time": time.perf_counter() - t}


def run(args):
    rows = []
    only = tuple(args.only.split(","))
    for label, load in study_instances(args.quick, only):
        problem = load("unbalanced")
        slack_n = load("slack").num_variables["bqm"] if problem.kind == "mdkp" else None
        g = problem.objective(problem.greedy()[None, :])[0]
        row = {"instance": label, "n": problem.num_variables["bqm"], "n_slack": slack_n,
               "greedy": problem.ratio(g)}
        d = dimod_route(problem, args.reads, args.seed)
        row["dimod"] = d["ratio"]
        row["dimod_feas0"] = d["feas0"]
        for name, ca in (("gs", False), ("ags", True)):
            r = solve_problem(problem, "sa", qubits=args.qubits, num_reads=args.reads,
                              seed=args.seed, recompute_every=args.recompute_every,
                              constraint_aware=ca)
            row[f"{name}_feas0"] = r["feasible_reads_before_repair"]
            row[f"{name}_moves"] = r["mean_repair_moves"]
            row[f"{name}"] = r["ratio"] if r["feasible"] else 0.0
            if ca:
                row["ags_feasible"] = bool(r["sampleset"].record.is_feasible.all())
                row["vetoes"] = r["vetoed_merges"]
                row["polish"] = float(np.mean(r["sampleset"].record.polish_gain))
                row["ags_s"] = r["timing"]["total"]
                row["repair_share"] = r["timing"]["repair"] / r["timing"]["total"]
        rows.append(row)
        print(f"{label}: greedy {row['greedy']:.4f} dimod {row['dimod']:.4f} "
              f"gs {row['gs']:.4f} ags {row['ags']:.4f} ({row['ags_s']:.1f} s)",
              file=sys.stderr, flush=True)
    cols = ["instance", "n", "n_slack", "greedy", "dimod", "dimod_feas0", "gs", "gs_feas0",
            "gs_moves", "ags", "ags_feas0", "ags_moves", "vetoes", "polish", "ags_feasible",
            "ags_s"]
    print(table(rows, cols, floatfmt=".3g"))
    print()
    summary = []
    for kind in ("mknap", "1", "qap"):
        sel = [r for r in rows if (r["instance"].startswith("mknap") if kind == "mknap" else
                                   r["instance"].startswith("1") if kind == "1" else
                                   not r["instance"].startswith(("mknap", "1")))]
        if not sel:
            continue
        name = {"mknap": "MDKP", "1": "MIS", "qap": "QAP"}[kind]
        summary.append({
            "problem": name, "instances": len(sel),
            "median_ags": statistics.median(r["ags"] for r in sel),
            "min_ags": min(r["ags"] for r in sel),
            "median_greedy": statistics.median(r["greedy"] for r in sel),
            "below_greedy": sum(r["ags"] < r["greedy"] - 1e-9 for r in sel),
            "beats_dimod": sum(r["ags"] > r["dimod"] + 1e-9 for r in sel),
            "fewer_moves": sum(r["ags_moves"] < r["gs_moves"] for r in sel),
            "all_feasible": all(r["ags_feasible"] for r in sel),
        })
    print(table(summary, floatfmt=".4g"))


def slack_study(args):
    """How slack bits may merge, measured on MDKP with the slack encoding."""
    from dimod_shrink.problems import MDKPProblem
    rows = []
    for label, load in study_instances(args.quick, ("mdkp",)):
        base = load("slack")
        row = {"instance": label, "n_bqm": base.num_variables["bqm"]}
        for mode in ("never", "among", "any"):
            p = MDKPProblem(base.p, base.W, base.c, encoding="slack", slack_merges=mode,
                            optimum=base.optimum, name=base.name)
            r = solve_problem(p, "sa", qubits=args.qubits, num_reads=args.reads,
                              seed=args.seed, recompute_every=args.recompute_every)
            reduced = r["sampleset"].info["shrink_context"]["reduced_variables"]
            row[f"{mode}_ratio"] = r["ratio"] or 0.0
            row[f"{mode}_slack_in_reduced"] = sum(not isinstance(v, (int, np.integer))
                                                  for v in reduced)
        rows.append(row)
        print(label, row, file=sys.stderr, flush=True)
    print(table(rows, floatfmt=".4g"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few instances of each kind")
    ap.add_argument("--only", default="mdkp,mis,qap")
    ap.add_argument("--reads", type=int, default=100)
    ap.add_argument("--qubits", type=int, default=20)
    ap.add_argument("--recompute-every", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--slack-study", action="store_true")
    args = ap.parse_args(argv)
    slack_study(args) if args.slack_study else run(args)


if __name__ == "__main__":
    main()
