"""How the MDKP and CQM heuristics scale: witness pool, repair, polish and greedy alone.

Instances (seeded, built here):

* MDKP ``n x m``: weights uniform in [1, 999], capacities half the row sums,
  profits the mean weight of the item plus a uniform [1, 499] (the recipe of
  the random mknap files used to profile the pipeline), at 500 x 30,
  2,000 x 10 and 5,000 x 10;
* CQM knapsack: one ``<=`` row over 60,000 binaries (weights uniform in
  [1, 999], capacity a quarter of their sum), objective ``-profits``;
* CQM integer: 1,000 integers in [0, 100] as 7 binaries each (7,000
  binaries) under 20 random ``<=`` rows.

Per instance, in one process: ``greedy()``; ``witnesses(64, seed=0)`` (the
merge policy's pool); ``repair_one`` of ``--rows`` uniformly random rows;
``polish_one`` of those repaired rows (``polish_random``) and of ``--rows``
unpolished witness rows, ``random_feasible`` (``polish_witness``: the rows
a child returns resemble them); for MDKP up to 2,000 items also those
witness rows polished by plain best improvement (``best_swap_pairs``
unbounded: ``bestimp_*``), the neighbourhood order small instances keep.
Times are CPU seconds of this process (``time.process_time``: the machine
these numbers come from is shared, so wall times would measure the other
processes), ``MB`` the peak resident set of the process.  ``*_obj``: the
greedy value, and the mean of the polished rows.  ``--before DIR`` runs the
same code from another checkout (e.g. ``git worktree add /tmp/before
<commit>``) and puts both side by side; ``--skip-before`` names instances
too slow to run there.

Usage::

    python benchmarks/scale_heuristics.py
    python benchmarks/scale_heuristics.py --rows 5 --only mdkp500x30
    python benchmarks/scale_heuristics.py --before /tmp/before --skip-before mdkp5000x10
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from _common import ROOT, table

CASES = ("mdkp500x30", "mdkp2000x10", "mdkp5000x10", "cqm-knapsack60000", "cqm-int1000x20")


def mdkp(n, m, seed=0):
    from dimod_shrink.problems import MDKPProblem
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 1000, (m, n))
    c = (W.sum(axis=1) * 0.5).astype(int)
    p = (W.sum(axis=0) / m + rng.integers(1, 500, n)).astype(int)
    return MDKPProblem(p, W, c, name=f"mdkp{n}x{m}")


def cqm_knapsack(n=60_000, seed=0):
    import dimod
    from dimod_shrink.problems import CQMProblem
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 1000, n)
    p = w + rng.integers(1, 500, n)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", range(n))
    cqm.set_objective(zip(range(n), -p.astype(float)))
    cqm.add_constraint(list(zip(range(n), w.astype(float))), "<=", float(w.sum() // 4),
                       label="capacity")
    return CQMProblem(cqm, name=f"knapsack{n}")


def cqm_integer(nint=1000, m=20, seed=0):
    import dimod
    from dimod_shrink.problems import CQMProblem
    rng = np.random.default_rng(seed)
    bits = [1, 2, 4, 8, 16, 32, 37]                 # 0..100
    labels = [(i, b) for i in range(nint) for b in range(len(bits))]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", labels)
    c = rng.integers(1, 20, nint)
    cqm.set_objective([((i, b), -float(c[i] * bits[b])) for i, b in labels])
    for k in range(m):
        a = rng.integers(0, 10, nint)
        cqm.add_constraint([((i, b), float(a[i] * bits[b])) for i, b in labels if a[i]], "<=",
                           float(a.sum() * 100 // 8), label=f"r{k}")
    return CQMProblem(cqm, name=f"int{nint}x{m}")


def build(case):
    if case.startswith("mdkp"):
        n, m = case[4:].split("x")
        return mdkp(int(n), int(m))
    if case == "cqm-knapsack60000":
        return cqm_knapsack()
    return cqm_integer()


def _mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case, rows):
    """Time the stages of one case (in this process); a dict of numbers."""
    t = time.process_time()
    P = build(case)
    out = {"case": case, "n": len(P.variables), "build_s": time.process_time() - t}
    t = time.process_time()
    g = P.greedy()
    out["greedy_s"] = time.process_time() - t
    out["greedy_obj"] = float(P.objective(g)[0])
    t = time.process_time()
    wit = P.witnesses(64, seed=0)
    out["witnesses_s"] = time.process_time() - t
    out["witnesses"] = len(wit)
    X = np.random.default_rng(1).integers(0, 2, (rows, len(P.variables))).astype(np.int8)
    t = time.process_time()
    R = [P.repair_one(x)[0] for x in X]
    out["repair_s_per_row"] = (time.process_time() - t) / rows
    out["repaired_feasible"] = bool(P.is_feasible(np.array(R)).all())
    F = P.random_feasible(rows, np.random.default_rng(2))
    for name, start in (("random", R), ("witness", list(F))):
        t = time.process_time()
        Y = np.array([P.polish_one(x)[0] for x in start])
        out[f"polish_{name}_s_per_row"] = (time.process_time() - t) / len(start)
        out[f"polish_{name}_obj"] = float(P.objective(Y).mean())
        out[f"polish_{name}_feasible"] = bool(P.is_feasible(Y).all())
    if case.startswith("mdkp") and len(P.variables) <= 2000 and hasattr(P, "best_swap_pairs"):
        P.best_swap_pairs = 1 << 62          # one best swap per round: best improvement
        t = time.process_time()
        Y = np.array([P.polish_one(x)[0] for x in F])
        out["bestimp_witness_s_per_row"] = (time.process_time() - t) / len(Y)
        out["bestimp_witness_obj"] = float(P.objective(Y).mean())
    out["MB"] = _mb()
    return out


def run_in(src, case, rows, timeout):
    """One case in a fresh process, importing the package from ``src``."""
    code = (f"import sys, json; sys.path.insert(0, {str(src)!r}); "
            f"sys.path.insert(1, {str(ROOT / 'benchmarks')!r}); "
            f"import scale_heuristics as s; print(json.dumps(s.run_case({case!r}, {rows})))")
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"case": case, "note": f"over {timeout} s"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10, help="rows repaired and polished")
    ap.add_argument("--only", nargs="*", choices=CASES, default=list(CASES))
    ap.add_argument("--before", help="another checkout to compare with")
    ap.add_argument("--skip-before", nargs="*", default=[], choices=CASES)
    ap.add_argument("--timeout", type=int, default=600, help="per case and checkout (s)")
    args = ap.parse_args(argv)
    cols = ["case", "n", "greedy_s", "witnesses_s", "repair_s_per_row",
            "polish_random_s_per_row", "polish_witness_s_per_row", "greedy_obj",
            "polish_random_obj", "polish_witness_obj", "bestimp_witness_s_per_row",
            "bestimp_witness_obj", "MB"]
    rows = []
    for case in args.only:
        now = run_in(ROOT, case, args.rows, args.timeout)
        for key in ("repaired_feasible", "polish_random_feasible", "polish_witness_feasible"):
            if key in now and not now[key]:
                raise SystemExit(f"{case}: {key} is False")
        now["code"] = "this"
        rows.append(now)
        if args.before and case not in args.skip_before:
            old = run_in(args.before, case, args.rows, args.timeout)
            old["code"] = "before"
            rows.append(old)
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)

    def fmt(v):
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
        return v

    header = ["code"] + cols
    body = [[fmt(r.get(c, r.get("note", "") if c == "n" else "")) for c in header] for r in rows]
    print(table([dict(zip(header, b)) for b in body]))


if __name__ == "__main__":
    main()
