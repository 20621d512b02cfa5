"""Pair a rerun of a study against its committed results: W/T/L and medians.

Runs are paired by instance, method, child, budget and seed; for each problem
class, method and child the table gives the paired wins / ties / losses of
the new run on the raw (repaired, unpolished) and the polished ratio, and
both medians, with the two-sided sign test's p-value of the wins against the
losses (ties left out; ``scipy.stats.binomtest``): a median that moves while
``p`` is large moved within the noise of the pairs.  A tie is a difference
below 1e-9.

Usage::

    python benchmarks/rerun_pairs.py OLD/results.csv NEW/results.csv [--out FILE]
    python benchmarks/rerun_pairs.py OLD/results.csv NEW/results.csv \
        --also-old OLD2/results.csv --also-new NEW2/results.csv

``--also-old`` and ``--also-new`` add the runs of further files to a side (more seeds
of the same suite, run at the same two codes); a run given twice on one side is an error.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
from scipy.stats import binomtest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table  # noqa: E402


def _load(path):
    rows = {}
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            if r.get("status", "ok") != "ok":
                continue
            key = (r["instance"], r["method"], r["child"], r["budget"], r["seed"])
            rows[key] = r
    return rows


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def _load_all(paths):
    rows = {}
    for path in paths:
        more = _load(path)
        twice = rows.keys() & more.keys()
        if twice:
            raise SystemExit(f"{path}: {len(twice)} runs are already in an earlier file of the "
                             f"same side, e.g. {sorted(twice)[0]}; give each run once")
        rows.update(more)
    return rows


def pairs(old_path, new_path, also_old=(), also_new=()) -> list[dict]:
    old = _load_all([old_path, *also_old])
    new = _load_all([new_path, *also_new])
    groups: dict = {}
    for key, r in new.items():
        if key not in old:
            continue
        g = groups.setdefault((r["problem"], r["method"], r["child"]), [])
        g.append((old[key], r))
    out = []
    for (problem, method, child), items in sorted(groups.items()):
        row = {"problem": problem, "method": method, "child": child, "pairs": len(items)}
        for col in ("ratio_raw", "ratio_polished"):
            a = np.array([_num(o[col]) for o, _ in items])
            b = np.array([_num(n[col]) for _, n in items])
            ok = np.isfinite(a) & np.isfinite(b)
            d = b[ok] - a[ok]
            short = col.split("_")[1]
            wins, losses = int((d > 1e-9).sum()), int((d < -1e-9).sum())
            row[f"{short} W/T/L"] = f"{wins}/{int((abs(d) <= 1e-9).sum())}/{losses}"
            row[f"{short} sign p"] = round(binomtest(wins, wins + losses).pvalue, 3) \
                if wins + losses else None
            row[f"{short} median old"] = float(np.median(a[ok])) if ok.any() else None
            row[f"{short} median new"] = float(np.median(b[ok])) if ok.any() else None
        t_old = np.array([_num(o["time_total"]) for o, _ in items])
        t_new = np.array([_num(n["time_total"]) for _, n in items])
        row["time old"] = float(np.nanmedian(t_old))
        row["time new"] = float(np.nanmedian(t_new))
        out.append(row)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--also-old", action="append", default=[], metavar="CSV",
                    help="more runs of the old code (repeatable)")
    ap.add_argument("--also-new", action="append", default=[], metavar="CSV",
                    help="more runs of the new code (repeatable)")
    ap.add_argument("--out", default="-")
    args = ap.parse_args(argv)
    rows = pairs(args.old, args.new, args.also_old, args.also_new)
    text = table(rows)
    print(text)
    if args.out != "-":
        extra = "".join(f" --also-old {p}" for p in args.also_old) + \
            "".join(f" --also-new {p}" for p in args.also_new)
        Path(args.out).write_text(f"# Rerun against the committed study\n\n`python benchmarks/"
                                  f"rerun_pairs.py {args.old} {args.new}{extra}`\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
