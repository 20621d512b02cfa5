"""How many feasible permutations a single-shot reduced QAP model holds.

Shrinks each QAPLIB instance of the hard suite (n = 12--20) to ``--budget``
variables with the default constraint-aware pipeline, lets
:class:`dimod.ExactSolver` return *every* state of the reduced model, expands
them without repair, and counts the states that are permutations and the
distinct permutations among them.  When only one is feasible, every other
answer of the child is decided by the repair (the nearest permutation), not by
its reduced energy: no child can matter on that model.

Usage::

    python benchmarks/qap_reduced.py                  # budget 16, seeds 0-2
    python benchmarks/qap_reduced.py --budget 12 --seeds 0
"""

from __future__ import annotations

import argparse
import time

import dimod

from _common import INSTANCES, table
from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems import load_problem

NAMES = ["chr12a", "had12", "nug12", "rou12", "scr12", "tai12a", "nug20", "tai20a"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=16, help="reduced variables (<= 20)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args(argv)
    if not 1 <= args.budget <= 20:
        ap.error("--budget must be 1..20: every reduced state is enumerated")
    rows = []
    for name in NAMES:
        problem = load_problem(INSTANCES / "qap" / f"{name}.dat", "qap")
        for seed in args.seeds:
            t = time.perf_counter()
            out = solve_problem(problem, dimod.ExactSolver(), qubits=args.budget, seed=seed,
                                repair=False, polish=False)
            X = problem.decision_columns(out["sampleset"])
            feasible = problem.is_feasible(X)
            perms = {tuple(problem.to_perm(x)) for x in X[feasible]}
            rows.append({"instance": name, "n": problem.n, "seed": seed,
                         "reduced": out["num_reduced"], "states": len(X),
                         "feasible states": int(feasible.sum()),
                         "distinct permutations": len(perms),
                         "seconds": time.perf_counter() - t})
            print(table([rows[-1]]), flush=True)
    print(f"\n## Single-shot reduced QAP models, budget {args.budget}\n")
    print(table(rows, floatfmt=".2f"))


if __name__ == "__main__":
    main()
