"""Summaries and plots of a results CSV."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

from .runner import read_rows
from .stats import fair_rows, headline, scope
from .store import atomic_write_text

__all__ = ["summarise", "summary_markdown", "plot_results", "write_report"]


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _kind(row):
    return {"mdkp": "MDKP", "mis": "MIS", "qap": "QAP", "maxcut": "Max-Cut",
            "cqm": "CQM"}.get(row.get("problem"), row.get("problem"))


def summarise(rows) -> list[dict]:
    """One line per (problem, method, child, budget) over ``ok`` rows."""
    groups = defaultdict(list)
    for r in rows:
        if r.get("status") != "ok":
            continue
        groups[(_kind(r), r["method"], r["child"], r["budget"] or "-")].append(r)
    out = []
    for (kind, method, child, budget), rs in sorted(groups.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[0][2], int(kv[0][3]) if str(kv[0][3]).isdigit() else -1)):
        ratio = [_f(r["ratio"]) or 0.0 for r in rs]
        fb = [_f(r["feasible_before_repair"]) for r in rs if _f(r["feasible_before_repair"])
              is not None]
        moves = [_f(r["repair_moves"]) for r in rs if _f(r["repair_moves"]) is not None]
        out.append({
            "problem": kind, "method": method, "child": child, "budget": budget,
            "runs": len(rs), "median_ratio": statistics.median(ratio), "min_ratio": min(ratio),
            "feasible_before_repair": statistics.mean(fb) if fb else None,
            "feasible": statistics.mean(1.0 if r["feasible"] == "True" else 0.0 for r in rs),
            "repair_moves": statistics.mean(moves) if moves else None,
            "vetoes": statistics.mean(_f(r["vetoed_merges"]) or 0.0 for r in rs),
            "time_s": statistics.mean(_f(r["time_total"]) or 0.0 for r in rs),
        })
    return out


def summary_markdown(rows) -> str:
    from .table import table
    return table(summarise(rows), floatfmt=".3g")


def plot_results(rows, out_dir) -> list[Path]:
    """Write ``ratio_vs_budget.png``, ``feasibility.png`` and ``time_per_stage.png``."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = Path(out_dir)
    ok = [r for r in rows if r.get("status") == "ok"]
    kinds = sorted({_kind(r) for r in ok})
    paths = []

    # 1. ratio vs budget per method
    fig, axes = plt.subplots(1, max(len(kinds), 1), figsize=(5 * max(len(kinds), 1), 4),
                             squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        sel = [r for r in ok if _kind(r) == kind]
        series = defaultdict(lambda: defaultdict(list))
        flat = defaultdict(list)
        for r in sel:
            if r["budget"]:
                series[(r["method"], r["child"])][int(r["budget"])].append(_f(r["ratio"]) or 0)
            else:
                flat[(r["method"], r["child"])].append(_f(r["ratio"]) or 0)
        for (method, child), by_b in sorted(series.items()):
            bs = sorted(by_b)
            ax.plot(bs, [statistics.median(by_b[b]) for b in bs], marker="o",
                    linestyle="-" if child != "qaoa" else "--", label=f"{method} ({child})")
        for (method, child), vals in sorted(flat.items()):
            ax.axhline(statistics.median(vals), linestyle=":", linewidth=1,
                       label=f"{method} ({child})", color="gray" if method == "greedy" else None)
        ax.set_title(kind)
        ax.set_xlabel("budget (variables)")
        ax.set_ylabel("median ratio to reference")
        ax.grid(alpha=0.3)
    if kinds:
        axes[0][-1].legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    p = out / "ratio_vs_budget.png"
    fig.savefig(p, dpi=120)
    plt.close(fig)
    paths.append(p)

    # 2. feasibility before and after repair per method
    methods = sorted({(r["method"], r["child"]) for r in ok})
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(methods)), 4))
    xs = range(len(methods))
    before = [statistics.mean(_f(r["feasible_before_repair"]) or 0 for r in ok
                              if (r["method"], r["child"]) == m) for m in methods]
    after = [statistics.mean(1.0 if r["feasible"] == "True" else 0.0 for r in ok
                             if (r["method"], r["child"]) == m) for m in methods]
    ax.bar([x - 0.2 for x in xs], before, width=0.4, label="feasible reads before repair")
    ax.bar([x + 0.2 for x in xs], after, width=0.4, label="best answer feasible")
    ax.set_ylim(0, 1.05)
    paths.append(_finish(fig, ax, methods, out / "feasibility.png"))

    # 3. time per stage
    stages = ["time_correlation", "time_shrink", "time_child", "time_repair"]
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(methods)), 4))
    bottom = [0.0] * len(methods)
    for st in stages:
        vals = [statistics.mean(_f(r[st]) or 0.0 for r in ok if (r["method"], r["child"]) == m)
                for m in methods]
        ax.bar(list(xs), vals, bottom=bottom, label=st.replace("time_", ""))
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("mean seconds per run")
    paths.append(_finish(fig, ax, methods, out / "time_per_stage.png"))
    return paths


def _finish(fig, ax, methods, path):
    """Method labels on the x axis, legend, save, close."""
    import matplotlib.pyplot as plt
    ax.set_xticks(list(range(len(methods))), [f"{m}\n{c}" for m, c in methods], rotation=60,
                  fontsize=7)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def write_report(out_dir, plots: bool = True) -> dict:
    """Write ``summary.md`` (and the plots) next to ``results.csv``.

    A fair study's summary starts with its scope and the headline table of
    :func:`~dimod_shrink.bench.stats.headline`; every run key counts once.
    """
    out = Path(out_dir)
    rows = read_rows(out / "results.csv", dedupe=True)
    md = summary_markdown(rows)
    if fair_rows(rows):
        from .table import table
        md = (f"{scope(rows, 'results.csv')}\n\n"
              "Raw = repaired to feasibility only; polished = the same polish for every "
              "method. W/T/L on the polished ratio.\n\n"
              f"{table(headline(rows, 'polished'), floatfmt='.3g')}\n\n"
              f"Every method, per budget:\n\n{md}")
    atomic_write_text(out / "summary.md", md + "\n")
    paths = plot_results(rows, out) if plots and rows else []
    return {"summary": out / "summary.md", "plots": paths, "rows": len(rows)}
