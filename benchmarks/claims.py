"""What a study's results.csv shows, with the exact scope of every figure printed first.

A **fair study** (a results file with ``ratio_raw`` / ``ratio_polished`` columns,
e.g. ``benchmarks/suites/quick.toml`` or ``hard.toml``) gives

* the headline table: per problem and method, the median ratio to the reference
  *raw* (repaired to feasibility only) and *polished* (the same polish for every
  method), each with a 95% bootstrap interval over the (instance, seed) runs, the
  median wall time and child calls, and paired wins/ties/losses of the polished
  ratio against each classical peer (greedy, repair-only, sa-full, hybrid, cpsat);
* the same W/T/L on the raw ratio;
* shrinking against its ablation (``shrink-plain``) and every child against the
  ``random`` child, paired, with the share of wins among differing pairs and the
  largest loss;
* ratio and wall time together: the paired runs where a shrinking method is at
  least as good in no more time than a peer, and the reverse.

The **published study** (``docs/results/results.csv``, legacy columns only) gives
the three claims of Adaptive Graph Shrinking:

1. Constraint-aware shrinking improves feasibility: reads feasible before repair,
   ``ags-norepair`` (vetoes, no repair) against ``gs`` (no vetoes, no repair).
2. It reduces repair work: mean repair moves per read, ``ags`` against ``ags-noveto``
   (both repaired; only the vetoes differ).
3. Solution quality with the QAOA child: the median ratio of ``ags`` against ``gs``
   and against ``ags-noveto``.

Each claim pairs runs by instance and budget and pools the budgets the file holds
(printed in the scope line; ``--budgets 12,16,20`` restricts them).

Usage::

    python benchmarks/claims.py docs/results/quick/results.csv \
        --suite benchmarks/suites/quick.toml
    python benchmarks/claims.py docs/results/results.csv --budgets 12,16,20
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict

from _common import table

from dimod_shrink.bench import stats
from dimod_shrink.bench.runner import read_rows

KIND = {"mdkp": "MDKP", "mis": "MIS", "qap": "QAP"}


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return 0.0


def load(path):
    return [r for r in read_rows(path, dedupe=True) if r["status"] == "ok"]


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


def legacy_scope(rows, source):
    budgets = sorted({int(r["budget"]) for r in rows if r["budget"] not in ("", "None")})
    seeds = sorted({int(r["seed"]) for r in rows})
    return (f"Scope: {len(rows)} ok runs of {source}; budgets pooled: {budgets}; seeds {seeds}; "
            "claims pair runs by instance and budget; medians without intervals (one seed).")


def _filled(rows):
    """``rows`` without the columns that are empty in every row (peers not in the study)."""
    keep = [k for k in (rows[0] if rows else {}) if any(r[k] not in ("", None) for r in rows)]
    return [{k: r[k] for k in keep} for r in rows]


def fair(rows, source):
    print(stats.scope(rows, source) + "\n")
    headline = _filled(stats.headline(rows, "polished"))
    peers = any(k.startswith("vs ") for k in (headline[0] if headline else {}))
    print(f"Headline{' (W/T/L on the polished ratio)' if peers else ''}:\n")
    print(table(headline, floatfmt=".3g"))
    if peers:
        print("\nW/T/L on the raw ratio:\n")
        raw = [{k: v for k, v in r.items() if k in ("problem", "method", "child", "budget",
                                                     "runs") or k.startswith("vs ")}
               for r in stats.headline(rows, "raw")]
        print(table(_filled(raw)))
    for variant in stats.VARIANTS:
        print(f"\nShrinking against its ablation and the random child ({variant}):\n")
        print(table(stats.paired(rows, variant)))
    dominance = stats.dominance(rows, "polished")
    if dominance:
        print("\nRatio and time together (polished): paired runs where the shrinking method is "
              "at least as good in no more wall time (`method first`), where the peer is "
              "(`peer first`), and where each is better on one of the two (`split`):\n")
        print(table(dominance))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", nargs="?", default="docs/results/results.csv")
    ap.add_argument("--suite", default=None, help="the suite file the results came from "
                    "(only named in the scope line)")
    ap.add_argument("--budgets", default=None, help="comma-separated budgets to keep")
    ap.add_argument("--complete-instances", action="store_true",
                    help="keep only the instances on which every method finished every seed "
                         "(for a sweep stopped part-way)")
    args = ap.parse_args(argv)
    rows = read_rows(args.results, dedupe=True)
    if args.budgets:
        keep = set(args.budgets.split(","))
        rows = [r for r in rows if r.get("budget") in keep or r.get("budget") in ("", "None")]
    source = args.results + (f" (suite {args.suite})" if args.suite else "")
    if args.complete_instances:
        rows, dropped = stats.complete_instances(rows)
        if dropped:
            source += (f"; {len(dropped)} instance(s) left out because some of their runs "
                       f"did not run: {', '.join(dropped)}")
    if rows and "ratio_raw" in rows[0] and stats.fair_rows(rows):
        fair(rows, source)
        return
    ok = [r for r in rows if r["status"] == "ok"]
    print(legacy_scope(ok, source) + "\n")
    print("Claims (paired by instance and budget):\n")
    print(table(claims(ok), floatfmt=".3g"))
    print("\nMethods over the budgets above:\n")
    print(table(baselines(ok), floatfmt=".4g"))


if __name__ == "__main__":
    main()
