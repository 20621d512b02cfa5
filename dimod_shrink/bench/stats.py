"""Statistics of a fair study: medians with bootstrap intervals, paired wins/ties/losses.

Every figure is computed from the ``ok`` rows of a results file, one row per run
key (:func:`~dimod_shrink.bench.store.latest_rows`), in two variants:

* ``raw`` -- the ``ratio_raw`` column: the best of the run's starts after repair
  to feasibility only;
* ``polished`` -- the ``ratio_polished`` column: the same repaired rows after the
  problem's polish.

A *pair* is two runs on the same instance with the same seed (and, for two
methods that both take a budget, the same budget).  A win is a strictly higher
ratio (more than ``1e-9`` relative), a tie anything closer.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

__all__ = ["VARIANTS", "BASELINES", "median_ci", "fair_rows", "complete_instances", "scope",
           "headline", "paired", "wtl", "dominance"]

VARIANTS = ("raw", "polished")
BASELINES = (("greedy", "-"), ("repair-only", "-"), ("sa-full", "-"), ("hybrid", "-"),
             ("cpsat", "-"))
"""The classical peers every method is paired against."""

KIND = {"mdkp": "MDKP", "mis": "MIS", "qap": "QAP", "maxcut": "Max-Cut", "cqm": "CQM"}


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def median_ci(values, *, confidence: float = 0.95, n_resamples: int = 2000,
              seed: int = 0) -> tuple[float, float, float]:
    """Median of ``values`` and its bootstrap percentile interval.

    Uses :func:`scipy.stats.bootstrap`; with fewer than two values, or all equal,
    the interval is the median itself.

    Examples:
        >>> m, lo, hi = median_ci([1.0, 1.0, 1.0])
        >>> (m, lo, hi)
        (1.0, 1.0, 1.0)
    """
    from scipy.stats import bootstrap
    x = np.asarray([v for v in values if v is not None], dtype=float)
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    med = float(np.median(x))
    if len(x) < 2 or np.ptp(x) == 0:
        return med, med, med
    res = bootstrap((x,), np.median, confidence_level=confidence, n_resamples=n_resamples,
                    method="percentile", rng=np.random.default_rng(seed))
    lo, hi = res.confidence_interval
    return med, float(lo), float(hi)


def fair_rows(rows) -> list[dict]:
    """The ``ok`` rows that carry raw and polished ratios."""
    from .store import latest_rows
    return [r for r in latest_rows(rows) if r.get("status") == "ok"
            and _f(r.get("ratio_raw")) is not None and _f(r.get("ratio_polished")) is not None]


def complete_instances(rows) -> tuple[list[dict], list[str]]:
    """Keep the instances on which every method (and child, budget) of its problem
    finished with every seed -- a sweep stopped part-way leaves its last instance
    incomplete.  Skipped runs count as finished.

    Returns:
        ``(rows, dropped)``: the rows of the complete instances and the names of
        the others.
    """
    from .store import is_done, latest_rows
    rows = latest_rows(rows)
    done = [r for r in rows if is_done(r)]
    labels = defaultdict(set)
    seeds = defaultdict(set)
    have = defaultdict(set)
    for r in done:
        labels[r["problem"]].add(_label(r))
        seeds[r["problem"]].add(r["seed"])
        have[(r["problem"], r["instance"])].add((_label(r), r["seed"]))
    need = {p: {(lab, s) for lab in labels[p] for s in seeds[p]} for p in labels}
    keep = {key for key, got in have.items() if need[key[0]] <= got}
    dropped = sorted({r["instance"] for r in rows if (r["problem"], r["instance"]) not in keep})
    return [r for r in rows if (r["problem"], r["instance"]) in keep], dropped


def _label(r):
    b = r.get("budget") or ""
    return (r["method"], r.get("child") or "-", str(b) if b not in ("", "None") else "-")


def scope(rows, source: str = "") -> str:
    """One paragraph that says exactly what the figures cover."""
    ok = fair_rows(rows)
    inst = defaultdict(set)
    for r in ok:
        inst[KIND.get(r["problem"], r["problem"])].add(r["instance"])
    seeds = sorted({int(r["seed"]) for r in ok if r.get("seed") not in (None, "")})
    budgets = sorted({int(r["budget"]) for r in ok if r.get("budget") not in (None, "", "None")})
    methods = sorted({f"{m}({c})" if c != "-" else m for m, c, _ in map(_label, ok)})
    skipped = sorted({r["method"] for r in rows if str(r.get("status", "")).startswith("skip")})
    errors = sum(1 for r in rows if r.get("status") == "error")
    parts = ", ".join(f"{k} {len(v)}" for k, v in sorted(inst.items()))
    return (f"Scope: {len(ok)} finished runs{' of ' + source if source else ''}; instances: "
            f"{parts}; seeds {seeds}; budgets {budgets} (methods without a budget run once "
            f"per instance and seed); methods: {', '.join(methods)}"
            + (f"; skipped where they cannot run: {', '.join(skipped)}" if skipped else "")
            + (f"; {errors} runs ended in an error and are not counted" if errors else "")
            + ". Medians over (instance, seed) runs with 95% bootstrap percentile intervals; "
              "W/T/L pair runs on the same instance and seed.")


def _index(rows, variant):
    """(problem, label) -> {(instance, seed): ratio}."""
    col = f"ratio_{variant}"
    out = defaultdict(dict)
    for r in rows:
        out[(r["problem"], _label(r))][(r["instance"], r["seed"])] = _f(r[col])
    return out


def _tie(x: float, y: float, rtol: float = 1e-9) -> bool:
    return abs(x - y) <= rtol * max(1.0, abs(y))


def wtl(a: dict, b: dict, rtol: float = 1e-9) -> tuple[int, int, int]:
    """Wins, ties, losses of ``a`` against ``b`` over their common keys."""
    w = t = lo = 0
    for k in a.keys() & b.keys():
        x, y = a[k], b[k]
        if _tie(x, y, rtol):
            t += 1
        elif x > y:
            w += 1
        else:
            lo += 1
    return w, t, lo


def _baseline_series(idx, problem, method, child="-"):
    for (p, lab), series in idx.items():
        if p == problem and lab[0] == method and lab[1] == child:
            return series
    return None


def headline(rows, variant: str = "polished") -> list[dict]:
    """Per problem and method: runs, raw and polished medians with intervals, the
    median wall time and child calls, and W/T/L (in ``variant``) against each
    baseline."""
    ok = fair_rows(rows)
    idx = {v: _index(ok, v) for v in VARIANTS}
    groups = defaultdict(list)
    for r in ok:
        groups[(r["problem"], _label(r))].append(r)
    out = []
    order = {m: k for k, m in enumerate(("shrink", "shrink-plain", "iterated", "hybrid",
                                         "rqaoa-p1", "sa-full", "cpsat", "repair-only",
                                         "greedy"))}
    for (problem, lab), rs in sorted(groups.items(), key=lambda kv: (
            kv[0][0], order.get(kv[0][1][0], 99), kv[0][1][1], kv[0][1][2])):
        method, child, budget = lab
        line = {"problem": KIND.get(problem, problem), "method": method, "child": child,
                "budget": budget, "runs": len(rs)}
        for v in VARIANTS:
            m, lo, hi = median_ci([_f(r[f"ratio_{v}"]) for r in rs])
            line[f"{v} median [95% CI]"] = f"{m:.4f} [{lo:.4f}, {hi:.4f}]"
        line["time s"] = float(np.median([_f(r["time_total"]) or 0.0 for r in rs]))
        calls = [_f(r.get("child_calls")) for r in rs if _f(r.get("child_calls")) is not None]
        line["child calls"] = float(np.median(calls)) if calls else None
        mine = idx[variant][(problem, lab)]
        for bm, bc in BASELINES:
            if (method, child) == (bm, bc):
                line[f"vs {bm}"] = "-"
                continue
            base = _baseline_series(idx[variant], problem, bm, bc)
            if base is None:
                line[f"vs {bm}"] = ""
                continue
            w, t, lo_ = wtl(mine, base)
            line[f"vs {bm}"] = f"{w}/{t}/{lo_}" if w + t + lo_ else ""
        out.append(line)
    return out


def paired(rows, variant: str = "polished") -> list[dict]:
    """Shrinking-based methods against their ablations and children, paired:
    ``shrink`` vs ``shrink-plain`` (same child, budget), each child vs the
    ``random`` child (same method, budget), ``iterated`` vs ``shrink``.  Besides W/T/L:
    the share of wins among the pairs that differ, and the largest loss (in ratio
    units, i.e. a fraction of the reference value)."""
    ok = fair_rows(rows)
    idx = _index(ok, variant)
    out = []
    for (problem, lab), series in sorted(idx.items()):
        method, child, budget = lab
        comps = []
        if method == "shrink":
            comps.append(("shrink-plain", child, budget))
        if method in ("shrink", "shrink-plain", "iterated") and child != "random":
            comps.append((method, "random", budget))
        if method == "iterated":
            comps.append(("shrink", child, budget))
        for other in comps:
            base = idx.get((problem, other))
            if not base:
                continue
            w, t, lo = wtl(series, base)
            if w + t + lo:
                gaps = [series[k] - base[k] for k in series.keys() & base.keys()]
                out.append({"problem": KIND.get(problem, problem), "variant": variant,
                            "method": f"{method}({child})", "budget": budget,
                            "against": f"{other[0]}({other[1]})", "W/T/L": f"{w}/{t}/{lo}",
                            "wins of differing": f"{w / (w + lo):.0%}" if w + lo else "-",
                            "largest loss": f"{-min(gaps):.4f}" if lo else "-"})
    return out


def dominance(rows, variant: str = "polished") -> list[dict]:
    """Ratio and wall time together: per problem, shrinking-based method and peer, the
    paired runs where the method is at least as good *in no more time* (``method``), where
    the peer is (``peer``), and the rest (each better on one of the two).  Times are not
    equalised in the study; this says which comparisons a time budget could not reverse.

    Examples:
        >>> rows = [dict(key=m, problem="mis", instance="g", seed=0, method=m, child=c,
        ...              budget=b, status="ok", ratio_raw=r, ratio_polished=r,
        ...              time_total=t)
        ...         for m, c, b, r, t in (("shrink", "sa", 20, 1.0, 1.0),
        ...                               ("greedy", "-", None, 0.9, 0.1))]
        >>> [(d["method"], d["peer"], d["method first"], d["peer first"], d["split"])
        ...  for d in dominance(rows)]
        [('shrink(sa)', 'greedy', 0, 0, 1)]
    """
    ok = fair_rows(rows)
    col = f"ratio_{variant}"
    runs = defaultdict(dict)
    for r in ok:
        runs[(r["problem"], _label(r))][(r["instance"], r["seed"])] = (
            _f(r[col]), _f(r.get("time_total")) or 0.0)
    out = []
    for (problem, lab), mine in sorted(runs.items()):
        method, child, budget = lab
        if method not in ("shrink", "iterated"):
            continue
        for bm, bc in BASELINES:
            base = _baseline_series(runs, problem, bm, bc)
            if not base:
                continue
            first = second = split = 0
            for k in mine.keys() & base.keys():
                (x, tx), (y, ty) = mine[k], base[k]
                tie = _tie(x, y)
                if (x > y or tie) and tx <= ty:
                    first += 1
                elif (y > x or tie) and ty <= tx:
                    second += 1
                else:
                    split += 1
            if first + second + split:
                out.append({"problem": KIND.get(problem, problem), "variant": variant,
                            "method": f"{method}({child})", "budget": budget, "peer": bm,
                            "method first": first, "peer first": second, "split": split})
    return out
