"""The three claims of Adaptive Graph Shrinking, measured on a study's results.csv.

1. Constraint-aware shrinking improves feasibility: reads feasible before repair,
   ``ags-norepair`` (vetoes, no repair) against ``gs`` (no vetoes, no repair).
2. It reduces repair work: mean repair moves per read, ``ags`` against ``ags-noveto``
   (both repaired; only the vetoes differ).
3. It improves quantum solution quality on hardware-limited instances: with the QAOA
   child, the median ratio of ``ags`` against ``gs`` and against ``ags-noveto``.

Usage::

    python benchmarks/claims.py docs/results/results.csv
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import defaultdict

from _common import table

KIND = {"mdkp": "MDKP", "mis": "MIS", "qap": "QAP"}


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return 0.0


def load(path):
    with open(path, newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["status"] == "ok"]


def by(rows, **kw):
    return [r for r in rows if all(r[k] == v for k, v in kw.items())]


def paired(rows, child, a, b, field, budget=None):
    """Per-instance pairs of ``field`` for methods a and b (same child and budget)."""
    idx = defaultdict(dict)
    for r in rows:
        if r["child"] == child and r["method"] in (a, b) and (budget is None
                                                               or r["budget"] == budget):
            idx[(r["instance"], r["budget"])][r["method"]] = r
    return [(v[a], v[b]) for v in idx.values() if a in v and b in v]


def claims(rows):
    out = []
    for child in ("sa", "qaoa"):
        for kind, name in KIND.items():
            sel = [r for r in rows if r["problem"] == kind]
            p1 = paired(sel, child, "ags-norepair", "gs", "feasible_before_repair")
            p2 = paired(sel, child, "ags", "ags-noveto", "repair_moves")
            p3 = paired(sel, child, "ags", "gs", "ratio")
            p4 = paired(sel, child, "ags", "ags-noveto", "ratio")
            if not p1:
                continue
            out.append({
                "child": child, "problem": name, "runs": len(p1),
                "feas0_gs": statistics.mean(_f(b["feasible_before_repair"]) for _, b in p1),
                "feas0_ags": statistics.mean(_f(a["feasible_before_repair"]) for a, _ in p1),
                "best_feasible_gs": statistics.mean(b["feasible"] == "True" for _, b in p1),
                "best_feasible_ags_norepair": statistics.mean(a["feasible"] == "True"
                                                              for a, _ in p1),
                "moves_noveto": statistics.mean(_f(b["repair_moves"]) for _, b in p2),
                "moves_ags": statistics.mean(_f(a["repair_moves"]) for a, _ in p2),
                "fewer_moves_share": statistics.mean(_f(a["repair_moves"]) < _f(b["repair_moves"])
                                                     for a, b in p2),
                "ratio_gs": statistics.median(_f(b["ratio"]) for _, b in p3),
                "ratio_noveto": statistics.median(_f(b["ratio"]) for _, b in p4),
                "ratio_ags": statistics.median(_f(a["ratio"]) for a, _ in p3),
                "ags_better_than_noveto": statistics.mean(_f(a["ratio"]) > _f(b["ratio"]) + 1e-9
                                                          for a, b in p4),
                "ags_worse_than_noveto": statistics.mean(_f(a["ratio"]) < _f(b["ratio"]) - 1e-9
                                                         for a, b in p4),
            })
    return out


def baselines(rows):
    out = []
    for kind, name in KIND.items():
        for method, child in (("greedy", "-"), ("repair-only", "-"), ("sa-full", "-"),
                              ("sa-full-repair", "-"), ("direct", "sa"), ("roof-duality", "sa"),
                              ("ags", "sa"), ("direct", "qaoa"), ("rqaoa", "-"), ("ags", "qaoa")):
            sel = by(rows, problem=kind, method=method, child=child)
            if not sel:
                continue
            out.append({"problem": name, "method": method, "child": child, "runs": len(sel),
                        "median_ratio": statistics.median(_f(r["ratio"]) for r in sel),
                        "min_ratio": min(_f(r["ratio"]) for r in sel),
                        "feasible": statistics.mean(r["feasible"] == "True" for r in sel),
                        "mean_s": statistics.mean(_f(r["time_total"]) for r in sel)})
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    rows = load(argv[0] if argv else "docs/results/results.csv")
    print("Claims (paired by instance and budget):\n")
    print(table(claims(rows), floatfmt=".3g"))
    print("\nMethods over all budgets:\n")
    print(table(baselines(rows), floatfmt=".4g"))


if __name__ == "__main__":
    main()
