"""QAOA child: raw performance, and shrinking + QAOA against RQAOA.

Part 1 -- random Ising models (G(n, 0.5), uniform biases in [-1, 1]) at
8..20 qubits: seconds per solve (the default QAOASampler at 1024 shots),
probability of the ground state among the shots, the approximation ratio of
the mean energy ``(E_max - <E>) / (E_max - E_min)``, and whether the best
sample is the ground state -- next to
``dimod.RandomSampler`` at the same 1024 shots.  (The reduced models shrinking
actually produces are measured by ``benchmarks/child_quality.py``.)

Part 2 -- MIS / MDKP / QAP instances of 30..150 binaries (and two of 15 and
20, the only ones where RQAOA fits):
``ShrinkingComposite(QAOASampler())`` at budgets 12 and 16 (then repair and
polish; and without polish next to the same pipeline with a random child at
the same shots), against qiskit-optimization's ``RecursiveMinimumEigenOptimizer``
(RQAOA) with the same final size, where RQAOA can run: it must simulate a
QAOA circuit on the *whole* problem first (a statevector of 2^n amplitudes).

Usage::

    python benchmarks/qaoa.py [--max-qubits 20] [--part 1|2|all] [--threads 2]
"""

from __future__ import annotations

import argparse
import sys
import time

import dimod
import numpy as np

from dimod_shrink.bench.methods import rqaoa_solve
from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems import load_problem
from dimod_shrink.samplers import QAOASampler, estimate_cost

from _common import INSTANCES, table
from references import MIS_ALPHA


def spectrum(bqm):
    n = bqm.num_variables
    X = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.int8)
    return bqm.energies((X, list(bqm.variables)))


def part1(args):
    rows = []
    for n in range(8, args.max_qubits + 1, 2):
        rng = np.random.default_rng(n)
        bqm = dimod.generators.gnp_random_bqm(n, 0.5, "BINARY", random_state=n,
                                              bias_generator=lambda s: rng.uniform(-1, 1, s))
        E = spectrum(bqm)
        emin, emax = E.min(), E.max()
        for name, sampler, params in (
                ("qaoa", QAOASampler(), {"shots": 1024, "max_parallel_threads": args.threads}),
                ("random", dimod.RandomSampler(), {"num_reads": 1024})):
            t, c = time.perf_counter(), time.process_time()
            ss = sampler.sample(bqm, seed=0, **params).aggregate()
            wall, cpu = time.perf_counter() - t, time.process_time() - c
            r = ss.record
            w = r.num_occurrences / r.num_occurrences.sum()
            mean = float(w @ r.energy)
            p_ground = float(w[np.isclose(r.energy, emin)].sum())
            rows.append({"qubits": n, "child": name, "seconds": wall, "cpu_s": cpu,
                         "p_ground": p_ground, "x_uniform": p_ground * 2.0 ** n,
                         "ratio_mean": (emax - mean) / (emax - emin),
                         "best_is_ground": bool(np.isclose(r.energy.min(), emin)),
                         "evaluations": ss.info.get("evaluations", 0)})
        print(f"{n} qubits: {rows[-2]['seconds']:.1f} s", file=sys.stderr, flush=True)
    print(table(rows))


def rqaoa(problem, budget, seed, threads):
    """RQAOA on the penalty BQM down to ``budget`` variables, then the same repair."""
    x, wall = rqaoa_solve(problem, budget, seed, threads)
    out = problem.repair_samples(x, polish=False)
    return {"ratio": problem.ratio(out["objective"][0]),
            "feasible_before": bool(out["feasible_before_repair"][0]), "seconds": wall}


def part2(args):
    cases = [("mdkp/mknap1.txt", {"instance": 3}), ("mdkp/mknap1.txt", {"instance": 4}),
             ("mis/1dc.64.dimacs", {}), ("mis/1tc.64.dimacs", {}), ("mis/1et.64.dimacs", {}),
             ("mdkp/mknap1.txt", {"instance": 6}), ("mdkp/mknap1.txt", {"instance": 7}),
             ("mdkp/mknapcb1.txt", {"instance": 1}),
             ("qap/nug6.dat", {}), ("qap/nug7.dat", {}), ("qap/nug8.dat", {}),
             ("qap/tai8a.dat", {})]
    rows = []
    for path, kw in cases:
        problem = load_problem(INSTANCES / path, **kw)
        if problem.kind == "mis":
            problem.optimum = MIS_ALPHA[path.split("/")[1]]
        n = problem.num_variables["bqm"]
        for budget in (12, 16):
            row = {"instance": problem.name, "n": n, "budget": budget}
            for polish in (True, False):
                r = solve_problem(problem, QAOASampler(), qubits=budget, seed=0, polish=polish,
                                  child_params={"shots": 1024,
                                                "max_parallel_threads": args.threads})
                tm = r["timing"]
                key = "" if polish else "_nopolish"
                row["ratio" + key] = r["ratio"] if r["feasible"] else 0.0
                if polish:
                    row["feasible"] = bool(r["sampleset"].record.is_feasible.all())
                    row["feas0"] = r["feasible_reads_before_repair"]
                    row["total_s"] = tm["total"]
                    row["child_s"] = tm["child"]
                    row["overhead_share"] = 1 - tm["child"] / tm["total"]
                else:
                    row["overhead_share_nopolish"] = 1 - tm["child"] / tm["total"]
            rr = solve_problem(problem, dimod.RandomSampler(), qubits=budget,
                               seed=0, polish=False, num_reads=1024)
            row["ratio_nopolish_random"] = rr["ratio"] if rr["feasible"] else 0.0
            if n <= args.rqaoa_max:
                q = rqaoa(problem, budget, 0, args.threads)
                row["rqaoa_ratio"], row["rqaoa_s"] = q["ratio"], q["seconds"]
            else:
                mem, secs = estimate_cost(n)
                row["rqaoa_ratio"] = f"n/a: {mem:.3g} GiB, ~{secs:.2g} s per QAOA"
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    print(table(rows))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-qubits", type=int, default=18)
    ap.add_argument("--part", default="all", choices=("1", "2", "all"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rqaoa-max", type=int, default=22,
                    help="largest problem (binaries) handed to RQAOA")
    args = ap.parse_args(argv)
    if args.part in ("1", "all"):
        part1(args)
    if args.part in ("2", "all"):
        part2(args)


if __name__ == "__main__":
    main()
