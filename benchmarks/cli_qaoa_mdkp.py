"""The command line's QAOA child against the random child, on held-out MDKP problems.

What a user runs: ``dimod-shrink solve FILE --sampler qaoa --qubits 16 --no-polish
--seed S`` against ``--sampler random`` (the same 1,024 shots as QAOA's default),
on Chu-Beasley-size problems (100 items x 5 constraints, generated the way the
OR-Library ``mknapcb`` files were: weights uniform on 1..1000, capacities a
tightness ``t`` in {0.25, 0.5, 0.75} of each row's sum, profits the mean weight
of the item plus a uniform 0..500 term; Chu & Beasley 1998).  The problems are
held out: generated here with seeds no study or tuning used, so neither the
pipeline's levers nor the QAOA angle table (``benchmarks/angle_table.py``) has
seen them.  Raw answers (repaired to feasibility, no polish): what the child
brings, not what the local search adds.

Each problem is solved by a fresh process per child, through the command line
with ``--json``; the table gives the raw objective of each child, who wins the
pair, the child's own time and the QAOA depth and evaluations that ran.

Usage::

    python benchmarks/cli_qaoa_mdkp.py                 # 6 problems, seed 0
    python benchmarks/cli_qaoa_mdkp.py --problems 3 --out -

Output: ``docs/results/cli_qaoa_mdkp.md`` (``--out``; ``-`` prints only).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import table, write_report

SEED_BASE = 7_000  # generator seeds 7000.. are used by no other script here


def chu_beasley(seed: int, n: int = 100, m: int = 5):
    """One problem ``(profits, weights, capacities, tightness)``, Chu & Beasley's recipe."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(1, 1001, size=(m, n))
    tightness = (0.25, 0.5, 0.75)[seed % 3]
    capacities = np.floor(tightness * weights.sum(axis=1)).astype(int)
    profits = np.floor(weights.sum(axis=0) / m + 500 * rng.random(n)).astype(int)
    return profits, weights, capacities, tightness


def write_mknap(path: Path, profits, weights, capacities) -> None:
    """An OR-Library mknap file of one problem (optimum unknown: 0)."""
    m, n = weights.shape
    rows = ["1", f"{n} {m} 0", " ".join(map(str, profits))]
    rows += [" ".join(map(str, row)) for row in weights]
    rows.append(" ".join(map(str, capacities)))
    path.write_text("\n".join(rows) + "\n")


def solve(path: Path, sampler: str, seed: int, qubits: int) -> dict:
    argv = [sys.executable, "-m", "dimod_shrink", "solve", str(path), "--problem", "mdkp",
            "--sampler", sampler, "--qubits", str(qubits), "--no-polish", "--seed", str(seed),
            "--json", "--no-progress"]
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise RuntimeError(f"{shlex.join(argv)} exited {done.returncode}: {done.stderr}")
    out = json.loads(done.stdout)
    out["wall"] = time.perf_counter() - t
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=6)
    ap.add_argument("--qubits", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0, help="the --seed of every solve")
    ap.add_argument("--out", default="docs/results/cli_qaoa_mdkp.md")
    args = ap.parse_args(argv)
    rows, wins = [], {"qaoa": 0, "tie": 0, "random": 0}
    t0, load = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.problems):
            profits, weights, capacities, t = chu_beasley(SEED_BASE + k)
            path = Path(tmp) / f"cb100x5-{SEED_BASE + k}.txt"
            write_mknap(path, profits, weights, capacities)
            q = solve(path, "qaoa", args.seed, args.qubits)
            r = solve(path, "random", args.seed, args.qubits)
            winner = ("qaoa" if q["objective"] > r["objective"] else
                      "random" if q["objective"] < r["objective"] else "tie")
            wins[winner] += 1
            c = q["child"]
            rows.append({"problem": path.name, "tightness": t,
                         "qaoa raw": f"{q['objective']:,.0f}",
                         "random raw": f"{r['objective']:,.0f}",
                         "winner": winner, "qaoa child s (wall)": f"{c['time']:.2f}",
                         "depth": c.get("reps"), "start": c.get("initial_point"),
                         "evaluations": c.get("evaluations"),
                         "random child s (wall)": f"{r['child']['time']:.2f}",
                         "feasible": q["feasible"] and r["feasible"]})
            print(rows[-1], file=sys.stderr, flush=True)
    command = shlex.join(["python", "benchmarks/cli_qaoa_mdkp.py", *(argv or sys.argv[1:])])
    text = ["# The command line's QAOA child against the random child (MDKP, held out)", "",
            f"`{command}`: {args.problems} generated Chu-Beasley-size problems (100 x 5), "
            f"`dimod-shrink solve FILE --sampler qaoa|random --qubits {args.qubits} "
            f"--no-polish --seed {args.seed} --json`, one process per solve "
            f"({time.perf_counter() - t0:.0f} s in all; load average {load:.1f} at the start, "
            f"{os.cpu_count()} cores: the child times are wall seconds).", "", table(rows), "",
            f"QAOA vs random (raw): {wins['qaoa']} wins, {wins['tie']} ties, "
            f"{wins['random']} losses."]
    print("\n".join(text))
    write_report(text, args.out)


if __name__ == "__main__":
    main()
