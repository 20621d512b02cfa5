"""Angle hand-off between the rounds of iterated shrinking with the QAOA child.

:class:`~dimod_shrink.IteratedShrinkingComposite` hands a QAOA child the angles it
trained in the previous round (``transfer_angles``), beside the sampler's table
of starts.  This script measures what that saves: the same seeded iterated runs
(budget 16, 10 rounds, no early stop, 1,024 shots), once with the hand-off (the
default) and once without (``transfer_angles=None`` given, which leaves the table
alone), on the hard suite's Max-Cut and MDKP instances.  Per instance and seed:
the child's objective evaluations summed over the rounds, its CPU seconds, how
often the handed angles were the better start, and the final raw objective.

Usage::

    python benchmarks/angle_handoff.py            # 4 g05_60 + 4 mknapcb1, seed 0
    python benchmarks/angle_handoff.py --seeds 0 1 --out -

Output: ``docs/results/angle_handoff.md`` (``--out``; ``-`` prints only).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

import numpy as np

from dimod_shrink import IteratedShrinkingComposite
from dimod_shrink.problems import load_problem
from dimod_shrink.samplers import QAOASampler

from _common import INSTANCES, table, write_report

CASES = [("maxcut/g05_60.0", {"problem": "maxcut"}), ("maxcut/g05_60.1", {"problem": "maxcut"}),
         ("maxcut/g05_60.2", {"problem": "maxcut"}), ("maxcut/g05_60.3", {"problem": "maxcut"}),
         ("mdkp/mknapcb1.txt", {"instance": 1}), ("mdkp/mknapcb1.txt", {"instance": 2}),
         ("mdkp/mknapcb1.txt", {"instance": 3}), ("mdkp/mknapcb1.txt", {"instance": 4})]


class Counting(QAOASampler):
    """QAOASampler that adds up its evaluations, CPU seconds and winning starts."""

    def reset(self):
        self.evaluations, self.cpu, self.given, self.calls = 0, 0.0, 0, 0

    def sample(self, bqm, **kw):
        c = time.process_time()
        ss = super().sample(bqm, **kw)
        self.cpu += time.process_time() - c
        self.calls += 1
        self.evaluations += int(ss.info.get("evaluations", 0))
        self.given += ss.info.get("start") == "given"
        return ss


def run(problem, seed, handoff, child):
    """One seeded iterated run as the benchmark's ``iterated`` method makes it (repair in
    every round, no polish)."""
    child.reset()
    kw = {} if handoff else {"transfer_angles": None}
    ss = IteratedShrinkingComposite(child).sample(
        problem.model, num_variables=16, merge_policy=problem.merge_policy(True, seed=seed),
        postprocess=problem.postprocess(polish=False), seed=seed,
        candidates=problem.candidates, **problem.iterated_options(), max_rounds=10,
        patience=10, shots=1024, max_parallel_threads=1, **kw)
    X = problem.decision_columns(ss)
    return {"evaluations": child.evaluations, "cpu": child.cpu, "given": child.given,
            "calls": child.calls, "objective": float(np.max(problem.objective(X))
                                                     if problem.sense == "max" else
                                                     np.min(problem.objective(X)))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--out", default="docs/results/angle_handoff.md")
    args = ap.parse_args(argv)
    child = Counting()
    rows, t0 = [], time.perf_counter()
    for path, kw in CASES:
        problem = load_problem(INSTANCES / path, **kw)
        for seed in args.seeds:
            on = run(problem, seed, True, child)
            off = run(problem, seed, False, child)
            rows.append({"instance": problem.name, "seed": seed, "calls": on["calls"],
                         "evaluations (hand-off)": on["evaluations"],
                         "evaluations (table only)": off["evaluations"],
                         "handed angles won": f"{on['given']}/{on['calls']}",
                         "child CPU s (hand-off)": f"{on['cpu']:.1f}",
                         "child CPU s (table only)": f"{off['cpu']:.1f}",
                         "raw objective (hand-off)": f"{on['objective']:,.0f}",
                         "raw objective (table only)": f"{off['objective']:,.0f}"})
            print(rows[-1], file=sys.stderr, flush=True)
    ev_on = sum(r["evaluations (hand-off)"] for r in rows)
    ev_off = sum(r["evaluations (table only)"] for r in rows)
    same = sum(r["raw objective (hand-off)"] == r["raw objective (table only)"] for r in rows)
    command = shlex.join(["python", "benchmarks/angle_handoff.py", *(argv or sys.argv[1:])])
    text = ["# Angle hand-off between iterated rounds (QAOA child, budget 16)", "",
            f"`{command}` ({time.perf_counter() - t0:.0f} s).", "", table(rows), "",
            f"Evaluations in all: {ev_on} with the hand-off, {ev_off} from the table only "
            f"({abs(1 - ev_on / ev_off):.0%} {'fewer' if ev_on <= ev_off else 'more'} with "
            f"it). The best raw objective (repaired, no polish) "
            f"is equal in {same} of {len(rows)} runs."]
    print("\n".join(text))
    write_report(text, args.out)


if __name__ == "__main__":
    main()
