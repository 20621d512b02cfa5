"""Maximum independent set at scale: ``dimod-shrink solve`` stage by stage.

Random sparse graphs (``networkx.gnm_random_graph``, ``m = 5 n`` edges:
average degree 10, seed 0) with N = 1,000 ... 50,000 vertices, and the
degenerate ``p edge 200000 1`` (one edge: the answer is 199,999), written as
DIMACS files to a temporary folder and solved with the CLI's defaults: SA
child, budget 20, 100 reads, ``--seed 0``, constraint-aware, repair and
polish.  Each case runs in a fresh process (``--worker``) that loads the file
as the CLI does and calls :func:`dimod_shrink.pipeline.solve_problem`.

Columns: ``read_s`` (reading the file and building the problem),
``policy_s`` (building the merge policy and every call of it during the
shrink), ``corr_s`` (reduced couplings and low-rank solves), ``select_s``
(candidate pairs and the merge walk, policy calls excluded), ``shrink_s``
(merge bookkeeping and the reduced model), ``child_s``, ``repair_s``
(expansion, repair and polish), ``total_s`` (the worker's wall time from
reading the file to the answer; imports excluded), ``cpu_s`` (the worker's
user + system CPU time, imports included: the machine is shared, so this is
the steadier measure), ``rss_MB`` (peak resident set size of the worker),
``raw`` (the best repaired, unpolished objective), ``polished`` (the answer)
and ``greedy`` (the minimum-degree greedy set).  The last lines fit the growth
exponent ``t ~ N^k`` of ``total_s`` and ``cpu_s`` over the sparse rows.

Usage::

    python benchmarks/scale_mis.py                      # every case
    python benchmarks/scale_mis.py --sizes 1000 5000    # sparse cases only
    python benchmarks/scale_mis.py --no-edge-case
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this checkout's package, not an installed one
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from dimod_shrink.bench.table import table  # noqa: E402

SIZES = (1000, 5000, 20000, 50000)
DEGREE = 10


def write_graph(path: Path, n: int, m: int, seed: int = 0) -> None:
    """A ``gnm_random_graph(n, m)`` as a DIMACS edge file (1-based)."""
    import networkx as nx
    g = nx.gnm_random_graph(n, m, seed=seed)
    with open(path, "w") as f:
        f.write(f"p edge {n} {g.number_of_edges()}\n")
        f.write("".join(f"e {u + 1} {v + 1}\n" for u, v in g.edges))


def worker(path: str, seed: int) -> dict:
    """Solve one file as ``dimod-shrink solve PATH --seed SEED`` does; report the stages."""
    from dimod_shrink.pipeline import make_sampler, solve_problem
    from dimod_shrink.problems import load_problem
    t0 = time.perf_counter()
    problem = load_problem(path)
    t_read = time.perf_counter() - t0
    calls = [0.0]
    build = problem.merge_policy

    def timed_policy(*args, **kwargs):
        policy = build(*args, **kwargs)
        if policy is None:
            return None

        def timed(state, i, j, sign):
            tc = time.perf_counter()
            try:
                return policy(state, i, j, sign)
            finally:
                calls[0] += time.perf_counter() - tc
        return timed
    problem.merge_policy = timed_policy
    res = solve_problem(problem, make_sampler("sa"), qubits=20, seed=seed, num_reads=100)
    total = time.perf_counter() - t0
    ss = res.pop("sampleset")
    tm = ss.info.get("shrink_context", {}).get("timing", {})
    rec = ss.record
    raw = float(np.max(rec.objective - rec.polish_gain)) if len(rec) else float("nan")
    use = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "n": len(problem.variables), "edges": int(len(problem.edges)),
        "read_s": t_read, "policy_s": res["timing"]["policy"] + calls[0],
        "corr_s": tm.get("correlation", 0.0),
        "select_s": tm.get("select", 0.0) - calls[0], "shrink_s": tm.get("shrink", 0.0),
        "child_s": tm.get("child", 0.0), "repair_s": res["timing"]["repair"],
        "total_s": total, "cpu_s": use.ru_utime + use.ru_stime,
        "rss_MB": use.ru_maxrss / 1024, "raw": raw, "polished": res["objective"],
        "greedy": float(problem.greedy().sum()), "feasible": res["feasible"],
        "vetoes": res["vetoed_merges"], "stop": res["stop_reason"],
    }


def run_case(path: Path, seed: int, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(path),
           "--seed", str(seed)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                             cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth(ns, ts) -> float:
    """Least-squares slope of log t against log N."""
    return float(np.polyfit(np.log(ns), np.log(ts), 1)[0])


COLUMNS = ("n", "edges", "read_s", "policy_s", "corr_s", "select_s", "shrink_s", "child_s",
           "repair_s", "total_s", "cpu_s", "rss_MB", "raw", "polished", "greedy")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--no-edge-case", action="store_true",
                    help="leave out 'p edge 200000 1'")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per case")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.seed)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for n in args.sizes:
            path = Path(tmp) / f"gnm_{n}.dimacs"
            write_graph(path, n, DEGREE * n // 2)
            cases.append(("sparse", path))
        if not args.no_edge_case:
            path = Path(tmp) / "one_edge_200000.dimacs"
            path.write_text("p edge 200000 1\ne 1 2\n")
            cases.append(("one edge", path))
        for kind, path in cases:
            r = run_case(path, args.seed, args.timeout)
            r["case"] = kind
            rows.append(r)
            print(json.dumps(r), file=sys.stderr, flush=True)
    out = []
    for r in rows:
        row = {"case": r["case"]}
        if "error" in r:
            row["n"] = r["error"]
        else:
            for c in COLUMNS:
                v = r[c]
                row[c] = (f"{v:,}" if c in ("n", "edges") else
                          f"{v:.0f}" if c in ("rss_MB", "raw", "polished", "greedy") else
                          f"{v:.2f}")
        out.append(row)
    print(table(out, ["case", *COLUMNS]))
    sparse_rows = [r for r in rows if r["case"] == "sparse" and "error" not in r]
    print()
    for fit in (sparse_rows, [r for r in sparse_rows if r["n"] >= 5000]):
        if len(fit) < 2:
            continue
        ns = [r["n"] for r in fit]
        print(f"growth exponent (sparse, N = {min(ns):,} ... {max(ns):,}): total_s ~ N^"
              f"{growth(ns, [r['total_s'] for r in fit]):.2f}, cpu_s ~ N^"
              f"{growth(ns, [r['cpu_s'] for r in fit]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
