"""Summaries and plots of a results CSV.

:func:`write_report` writes ``summary.md`` and three figures next to
``results.csv``:

* ``ratio_vs_budget.png`` -- one panel per problem: the median ratio to the
  reference value against the child's budget (integer ticks); a method
  without a budget is a horizontal line.  Each method has its own colour and
  marker, each child its own line style, and the figure has one legend.
* ``feasibility.png`` -- one panel per problem: the share of reads feasible
  before repair and the share of runs whose answer is feasible, per method.
* ``time_per_stage.png`` -- one panel per problem: the mean seconds per run,
  stacked by stage (:data:`STAGES`); the rest of ``time_total`` (loading the
  instance, bookkeeping) is its own segment, so each bar is the mean total.
  A stage whose column the results file lacks (files written before it
  existed) is named "not recorded" in the legend, never drawn as zero.

The library's own methods come first everywhere (:data:`LIBRARY_METHODS`).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

from .runner import read_rows
from .stats import fair_rows, headline, scope
from .store import atomic_write_text

__all__ = ["summarise", "summary_markdown", "plot_results", "write_report", "STAGES",
           "LIBRARY_METHODS", "stage_legend"]

LIBRARY_METHODS = ("shrink", "shrink-plain", "iterated", "ags", "ags-noveto", "ags-norepair",
                   "gs")
"""The methods that run this library's composites, in the order reports list them."""

PEER_METHODS = ("hybrid", "rqaoa-p1", "rqaoa", "roof-duality", "direct", "sa-full",
                "sa-full-repair", "cpsat", "repair-only", "greedy")

STAGES = (("time_policy", "merge policy"), ("time_correlation", "correlations"),
          ("time_shrink", "shrink"), ("time_child", "child"),
          ("time_repair", "repair"), ("time_polish", "polish"))
"""The stage columns of ``time_per_stage.png`` and their legend names."""

_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
            "#17becf", "#bcbd22", "#7f7f7f", "#000000", "#aec7e8", "#ff9896", "#98df8a",
            "#c5b0d5", "#c49c94", "#f7b6d2")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "*", "p", "d", "H", "8", "1",
            "2")
_CHILD_STYLES = {"sa": "-", "qaoa": "--", "random": "-.", "tabu": (0, (5, 1)),
                 "exact": (0, (1, 1)), "-": ":"}
_STAGE_COLOURS = ("#8c564b", "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _kind(row):
    return {"mdkp": "MDKP", "mis": "MIS", "qap": "QAP", "maxcut": "Max-Cut",
            "cqm": "CQM"}.get(row.get("problem"), row.get("problem"))


def _method_rank(method):
    order = LIBRARY_METHODS + PEER_METHODS
    return (order.index(method), method) if method in order else (len(order), method)


def _budget_key(budget):
    return int(budget) if str(budget).isdigit() else -1


def summarise(rows) -> list[dict]:
    """One line per (problem, method, child, budget) over ``ok`` rows, the library's
    methods first within each problem."""
    groups = defaultdict(list)
    for r in rows:
        if r.get("status") != "ok":
            continue
        groups[(_kind(r), r["method"], r["child"], r["budget"] or "-")].append(r)
    out = []
    for (kind, method, child, budget), rs in sorted(groups.items(), key=lambda kv: (
            kv[0][0], _method_rank(kv[0][1]), kv[0][2], _budget_key(kv[0][3]))):
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


def _library_headline(rows) -> str:
    """Per problem: each library method at its largest budget, and each peer."""
    from .table import table
    lines = summarise(rows)
    best = {}
    for line in lines:
        key = (line["problem"], line["method"], line["child"])
        if key not in best or _budget_key(line["budget"]) > _budget_key(best[key]["budget"]):
            best[key] = line
    picked = [best[k] for k in sorted(best, key=lambda k: (k[0], _method_rank(k[1]), k[2]))]
    cols = ["problem", "method", "child", "budget", "runs", "median_ratio", "min_ratio",
            "feasible", "time_s"]
    return table([{c: line[c] for c in cols} for line in picked], floatfmt=".3g")


# -- plots --------------------------------------------------------------------------------

def _styles(labels):
    """A colour and marker per method, a line style per child."""
    methods = sorted({m for m, _ in labels}, key=_method_rank)
    colour = {m: _COLOURS[k % len(_COLOURS)] for k, m in enumerate(methods)}
    marker = {m: _MARKERS[k % len(_MARKERS)] for k, m in enumerate(methods)}
    return {(m, c): {"color": colour[m], "marker": marker[m],
                     "linestyle": _CHILD_STYLES.get(c, (0, (3, 1, 1, 1)))} for m, c in labels}


def _label(method, child):
    return method if child in ("-", "", None) else f"{method} ({child})"


def _panels(plt, kinds, width=5.0, height=4.0, max_cols=3):
    n = max(len(kinds), 1)
    cols = min(n, max_cols)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.flat)
    for ax in flat[len(kinds):]:
        ax.set_visible(False)
    return fig, flat


def _place_legend(fig, handles, labels, ncol, title=None, note=None):
    """One legend for the whole figure, below the panels (the figure grows to hold it)."""
    lines = (len(labels) + ncol - 1) // ncol + (1 if title else 0)
    extra = 0.2 * lines + 0.3 + (0.3 if note else 0.0)
    height = fig.get_figheight()
    fig.set_figheight(height + extra)
    fig.set_figwidth(max(fig.get_figwidth(), 10.0))  # room for the legend and the note
    space = extra / (height + extra)
    fig.tight_layout(rect=(0, space, 1, 1))
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, space), ncol=ncol,
               fontsize=8, frameon=False, title=title, title_fontsize=8)
    if note:
        fig.text(0.5, 0.01, note, ha="center", va="bottom", fontsize=8, style="italic")


def _ratio_figure(plt, ok, kinds, path):
    from matplotlib.lines import Line2D
    labels = sorted({(r["method"], r["child"]) for r in ok},
                    key=lambda mc: (_method_rank(mc[0]), mc[1]))
    style = _styles(labels)
    all_budgets = sorted({int(r["budget"]) for r in ok if r["budget"] not in ("", None, "None")})
    if len(all_budgets) <= 1:  # one budget: a point per method, nothing to draw against
        return _ratio_points(plt, ok, kinds, labels, style, all_budgets, path)
    fig, axes = _panels(plt, kinds)
    for ax, kind in zip(axes, kinds):
        sel = [r for r in ok if _kind(r) == kind]
        series = defaultdict(lambda: defaultdict(list))
        flat = defaultdict(list)
        for r in sel:
            ratio = _f(r["ratio"]) or 0.0
            if r["budget"] not in ("", None, "None"):
                series[(r["method"], r["child"])][int(r["budget"])].append(ratio)
            else:
                flat[(r["method"], r["child"])].append(ratio)
        budgets = sorted({b for by_b in series.values() for b in by_b})
        lo, hi = (budgets[0], budgets[-1]) if budgets else (0, 1)
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        for mc in labels:
            st = style[mc]
            if mc in series:
                bs = sorted(series[mc])
                ax.plot(bs, [statistics.median(series[mc][b]) for b in bs], markersize=5,
                        linewidth=1.4, alpha=0.9, **st)
            elif mc in flat:  # no budget: a level line, marked at both ends
                y = statistics.median(flat[mc])
                ax.plot([lo, hi], [y, y], markersize=5, linewidth=1.2, alpha=0.9,
                        markevery=[0, 1], **st)
        ax.set_title(kind)
        ax.set_xlabel("child budget (variables)")
        ax.set_ylabel("median ratio to reference")
        if budgets:
            ax.set_xticks(budgets)
        ax.set_xlim(lo - 0.5, hi + 0.5)
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], markersize=5, **style[mc]) for mc in labels]
    names = [_label(*mc) for mc in labels]
    _place_legend(fig, handles, names, ncol=min(4, len(names)) or 1,
                  title="method (child); a method without a budget is a level line",
                  note="ratio: the best feasible answer of a run over the reference value "
                       "(1 = the reference, 0 = no feasible answer); median over runs")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _ratio_points(plt, ok, kinds, labels, style, budgets, path):
    """The median ratio of each method as a point (a file with one budget)."""
    from matplotlib.lines import Line2D
    most = max((len(_series_keys(ok, k)) for k in kinds), default=1)
    fig, axes = _panels(plt, kinds, width=max(5.0, 0.45 * most + 1.5), height=4.2,
                        max_cols=3 if most <= 8 else 2 if most <= 12 else 1)
    for ax, kind in zip(axes, kinds):
        mine = sorted(_series_keys(ok, kind), key=lambda mc: (_method_rank(mc[0]), mc[1]))
        for x, mc in enumerate(mine):
            vals = [_f(r["ratio"]) or 0.0 for r in ok
                    if _kind(r) == kind and (r["method"], r["child"]) == mc]
            st = {k: v for k, v in style[mc].items() if k != "linestyle"}
            ax.plot([x], [statistics.median(vals)], markersize=8, linestyle="none", **st)
        _method_axis(ax, mine)
        ax.set_title(kind)
        ax.set_ylabel("median ratio to reference")
        ax.grid(alpha=0.3)
    methods = list(dict.fromkeys(m for m, _ in labels))  # the children are on the x axis
    first = {m: next(mc for mc in labels if mc[0] == m) for m in methods}
    handles = [Line2D([], [], markersize=6, linestyle="none",
                      **{k: v for k, v in style[first[m]].items() if k != "linestyle"})
               for m in methods]
    budget = f"child budget {budgets[0]} variables" if budgets else "no budgets"
    _place_legend(fig, handles, methods, ncol=min(5, len(methods)) or 1,
                  title=f"method (the child under each point); one budget in this file "
                        f"({budget})",
                  note="ratio: the best feasible answer of a run over the reference value "
                       "(1 = the reference, 0 = no feasible answer); median over runs")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _series_keys(ok, kind):
    return {(r["method"], r["child"]) for r in ok if _kind(r) == kind}


def _mean(values):
    vals = [v for v in values if v is not None]
    return statistics.mean(vals) if vals else None


def _method_axis(ax, labels):
    ax.set_xticks(list(range(len(labels))), [_label(m, c).replace(" (", "\n(")
                                              for m, c in labels], rotation=60, fontsize=7,
                  ha="right", rotation_mode="anchor")
    ax.set_xlim(-0.6, len(labels) - 0.4)


def _feasibility_figure(plt, ok, kinds, path):
    from matplotlib.patches import Patch
    most = max((len(_series_keys(ok, k)) for k in kinds), default=1)
    fig, axes = _panels(plt, kinds, width=max(5.0, 0.45 * most + 1.5), height=4.2,
                        max_cols=3 if most <= 8 else 2 if most <= 12 else 1)
    colours = ("#9ecae1", "#08519c")
    for ax, kind in zip(axes, kinds):
        labels = sorted(_series_keys(ok, kind), key=lambda mc: (_method_rank(mc[0]), mc[1]))
        for x, mc in enumerate(labels):
            rs = [r for r in ok if _kind(r) == kind and (r["method"], r["child"]) == mc]
            before = _mean(_f(r["feasible_before_repair"]) for r in rs)
            after = _mean(1.0 if r["feasible"] == "True" else 0.0 for r in rs)
            for dx, value, colour in ((-0.2, before, colours[0]), (0.2, after, colours[1])):
                if value is None:
                    ax.text(x + dx, 0.02, "not recorded", rotation=90, fontsize=6,
                            ha="center", va="bottom")
                else:
                    ax.bar(x + dx, value, width=0.4, color=colour)
        _method_axis(ax, labels)
        ax.set_ylim(0, 1.05)
        ax.set_title(kind)
        ax.set_ylabel("fraction (0 to 1)")
        ax.grid(axis="y", alpha=0.3)
    handles = [Patch(color=colours[0]), Patch(color=colours[1])]
    names = ["reads feasible before repair (mean over runs)",
             "runs whose answer is feasible (after repair, where the method repairs)"]
    _place_legend(fig, handles, names, ncol=2)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def stage_legend(header) -> list[str]:
    """The legend of ``time_per_stage.png`` for a results file with columns ``header``:
    the recorded stages, the rest of the run, then each stage not recorded.

    Examples:
        >>> old = ["time_correlation", "time_shrink", "time_child", "time_repair"]
        >>> for name in stage_legend(old)[-3:]:
        ...     print(name)
        rest of the run (loading, bookkeeping, merge policy)
        merge policy: not recorded in this results file
        polish: not recorded in this results file
    """
    header = set(header)
    missing = [name for col, name in STAGES if col not in header]
    names = [name + (" (includes polish)" if col == "time_repair" and "time_polish" not in header
                     else "") for col, name in STAGES if col in header]
    in_rest = [name for name in missing if name != "polish" or "time_repair" not in header]
    names.append("rest of the run (loading, bookkeeping"
                 + (", " + ", ".join(in_rest) if in_rest else "") + ")")
    return names + [f"{name}: not recorded in this results file" for name in missing]


def _time_figure(plt, ok, kinds, header, path):
    from matplotlib.patches import Patch
    recorded = [(col, name) for col, name in STAGES if col in header]
    missing = [name for col, name in STAGES if col not in header]
    most = max((len(_series_keys(ok, k)) for k in kinds), default=1)
    fig, axes = _panels(plt, kinds, width=max(5.0, 0.45 * most + 1.5), height=4.2,
                        max_cols=3 if most <= 8 else 2 if most <= 12 else 1)
    colours = dict(zip((c for c, _ in STAGES), _STAGE_COLOURS))
    rest_colour = "#d9d9d9"
    for ax, kind in zip(axes, kinds):
        labels = sorted(_series_keys(ok, kind), key=lambda mc: (_method_rank(mc[0]), mc[1]))
        for x, mc in enumerate(labels):
            rs = [r for r in ok if _kind(r) == kind and (r["method"], r["child"]) == mc]
            bottom = 0.0
            for col, _ in recorded:  # a blank cell: the method has no such stage
                value = statistics.mean(_f(r.get(col)) or 0.0 for r in rs)
                ax.bar(x, value, bottom=bottom, color=colours[col], width=0.7)
                bottom += value
            total = statistics.mean(_f(r.get("time_total")) or 0.0 for r in rs)
            ax.bar(x, max(total - bottom, 0.0), bottom=bottom, color=rest_colour, width=0.7)
        _method_axis(ax, labels)
        ax.set_title(kind)
        ax.set_ylabel("mean seconds per run")
        ax.grid(axis="y", alpha=0.3)
    names = stage_legend(header)
    handles = [Patch(color=colours[c]) for c, _ in recorded] + [Patch(color=rest_colour)]
    handles += [Patch(facecolor="white", edgecolor="grey", hatch="//") for _ in missing]
    note = ("bar height = mean time_total; " + (
        f"{', '.join(missing)}: not recorded (columns added after this file was written)"
        if missing else "every stage recorded"))
    _place_legend(fig, handles, names, ncol=min(3, len(names)), note=note)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_results(rows, out_dir, header=None) -> list[Path]:
    """Write ``ratio_vs_budget.png``, ``feasibility.png`` and ``time_per_stage.png``.

    Args:
        rows: The rows of a results file.
        out_dir: Folder for the figures.
        header: The file's columns (default: those of the rows); a stage column
            missing from it is shown as "not recorded".
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    out = Path(out_dir)
    ok = [r for r in rows if r.get("status") == "ok"]
    if header is None:
        header = set().union(*(r.keys() for r in rows)) if rows else set()
    kinds = sorted({_kind(r) for r in ok})
    return [_ratio_figure(plt, ok, kinds, out / "ratio_vs_budget.png"),
            _feasibility_figure(plt, ok, kinds, out / "feasibility.png"),
            _time_figure(plt, ok, kinds, set(header), out / "time_per_stage.png")]


def write_report(out_dir, plots: bool = True) -> dict:
    """Write ``summary.md`` (and the plots) next to ``results.csv``.

    The summary leads with the library's methods.  A fair study's summary
    starts with its scope and the headline table of
    :func:`~dimod_shrink.bench.stats.headline` (the library's methods first in
    each problem); every run key counts once.  Where the library's methods ran
    without filling the fair study's columns (``ags``, ``gs``, ...), the
    summary starts with them at their largest budget beside every peer.
    """
    from .store import read_results
    from .table import table
    out = Path(out_dir)
    path = out / "results.csv"
    header = read_results(path, warn=False).header
    rows = read_rows(path, dedupe=True)
    md = summary_markdown(rows)
    fair = fair_rows(rows)
    ours = [m for m in LIBRARY_METHODS if any(r["method"] == m for r in rows)]
    lead = ""
    if ours and not any(r["method"] in LIBRARY_METHODS for r in fair):
        lead = ("The library's methods (" + ", ".join(ours) + ") first, each at its largest "
                f"budget, then the peers:\n\n{_library_headline(rows)}\n\n")
    if fair:
        md = (lead + f"{scope(rows, 'results.csv')}\n\n"
              "Raw = repaired to feasibility only; polished = the same polish for every "
              "method. W/T/L on the polished ratio.\n\n"
              f"{table(headline(rows, 'polished'), floatfmt='.3g')}\n\n"
              f"Every method, per budget:\n\n{md}")
    elif lead:
        md = lead + f"Every method, per budget:\n\n{md}"
    atomic_write_text(out / "summary.md", md + "\n")
    paths = plot_results(rows, out, header=header) if plots and rows else []
    return {"summary": out / "summary.md", "plots": paths, "rows": len(rows)}
