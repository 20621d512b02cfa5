"""Build the table of QAOA starting angles that ``QAOASampler`` transfers.

Parameter concentration (Brandao et al. 2018; Wurtz & Lykov 2021; Galda et
al. 2021): angles trained on one model are good starting points on models of
the same kind, once the cost is put on a common scale.  ``QAOASampler``
divides the cost by the standard deviation of its spectrum (``scale="std"``),
so angles trained on one reduced model transfer to others.  But the reduced
models differ in kind -- a Max-Cut model ends near ``gamma_p ~ 2``, a penalty
model (MDKP, QAP) near 10-20 -- so one median vector does not serve all: the
table keeps, per depth ``p = 1 .. 8``, a few angle vectors chosen to cover the
training models, and the sampler refines the one with the lowest objective.

Training models are *generated* here, disjoint from every shared instance the
benchmarks score (``benchmarks/child_quality.py``): Chu-Beasley-style MDKP
(60 items x 5 rows), maximum independent set on G(64, 0.15), Max-Cut on
G(60, 0.5) and QAP with n = 7, four seeds each, shrunk by the default pipeline
to 12 and 16 variables (32 models).  Each is trained with the INTERP schedule
(depth 1 from an angle grid, grown to 8, 40 L-BFGS iterations per depth,
CVaR 0.1), which records the optimum of every depth on the way.  Then, per
depth, a greedy cover picks ``--keep`` of those 32 optima: each pick minimises
the training models' mean regret of the best vector picked so far (regret =
the CVaR objective at the vector minus the lowest over all 32).

Usage::

    python benchmarks/angle_table.py            # writes dimod_shrink/samplers/angles.py
    python benchmarks/angle_table.py --out -    # prints the table only

The run (about 3 minutes on one core) is deterministic; its report is written
to ``docs/results/angle_table.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import dimod
import networkx as nx
import numpy as np

from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems.maxcut import MaxCutProblem
from dimod_shrink.problems.mdkp import MDKPProblem
from dimod_shrink.problems.mis import MISProblem
from dimod_shrink.problems.qap import QAPProblem
from dimod_shrink.samplers import QAOASampler, RecordingSampler
from dimod_shrink.samplers.qaoa import _blas_threads
from dimod_shrink.samplers.statevector import DiagonalQAOA, diagonal_energies

from _common import table

DEPTH = 8
BUDGETS = (12, 16)
SEEDS = range(4)


def problems(seed: int):
    """One generated model of each class (seeded)."""
    rng = np.random.default_rng(1000 + seed)
    n, m = 60, 5
    W = rng.integers(1, 1000, size=(m, n))
    cap = (rng.choice([0.25, 0.5, 0.75]) * W.sum(1)).astype(int)
    profit = (W.sum(0) / m + rng.integers(0, 500, n)).astype(int)
    yield "mdkp", MDKPProblem(profit, W, cap)
    yield "mis", MISProblem(nx.gnp_random_graph(64, 0.15, seed=seed))
    yield "maxcut", MaxCutProblem(nx.gnp_random_graph(60, 0.5, seed=100 + seed))
    A = rng.integers(0, 10, (7, 7))
    B = rng.integers(0, 10, (7, 7))
    A, B = A + A.T, B + B.T
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    yield "qap", QAPProblem(A, B)


def training_models():
    out = []
    for seed in SEEDS:
        for kind, problem in problems(seed):
            for budget in BUDGETS:
                rec = RecordingSampler(dimod.RandomSampler())
                solve_problem(problem, rec, qubits=budget, seed=0, polish=False,
                              child_params={"num_reads": 1})
                out.append({"kind": kind, "seed": seed, "budget": budget,
                            "bqm": rec.calls[-1][0]})
    return out


def objective(bqm):
    """The sampler's training objective on ``bqm`` (CVaR 0.1 of the std-scaled cost)."""
    E = diagonal_energies(bqm, list(bqm.variables))
    alpha = 0.1 if 0.1 * E.size >= 8 else 1.0
    return DiagonalQAOA((E - E.mean()) / (float(E.std()) or 1.0), alpha)


def train(models):
    sampler = QAOASampler()
    for m in models:
        path = []
        sampler._train_statevector(m["bqm"], DEPTH, 40, "L_BFGS_B", "interp", 0.1, "std", 3,
                                   np.random.default_rng(0), path=path)
        m["angles"] = [x for x, _ in path]
        print(f"trained {m['kind']}{m['seed']} at {m['budget']}", file=sys.stderr, flush=True)


def cover(models, keep):
    """Per depth: the indices of the ``keep`` vectors picked, and each pick's mean regret."""
    qs = [objective(m["bqm"]) for m in models]
    picks = {}
    for p in range(1, DEPTH + 1):
        cands = [m["angles"][p - 1] for m in models]
        V = np.array([[q.value(x) for x in cands] for q in qs])
        best = V.min(axis=1)
        chosen, regret = [], []
        for _ in range(keep):
            cur = V[:, chosen].min(axis=1) if chosen else np.full(len(V), np.inf)
            gain = [np.inf if j in chosen else float(np.mean(np.minimum(cur, V[:, j]) - best))
                    for j in range(len(cands))]
            j = int(np.argmin(gain))
            chosen.append(j)
            regret.append(gain[j])
        picks[p] = (chosen, regret)
    return picks


def module_text(models, picks, command):
    lines = ['"""QAOA starting angles per depth, for angle transfer (generated; do not edit).',
             "",
             f"Written by ``{command}``: per depth ``p``, angle vectors",
             "``[beta_1 .. beta_p, gamma_1 .. gamma_p]`` for the cost divided by its",
             "spectrum's standard deviation (``scale=\"std\"``) and CVaR 0.1, trained on",
             "generated models (see that script) and picked to cover them.",
             '"""', "",
             "#: depth ``p`` -> the table's angle vectors "
             "``[beta_1 .. beta_p, gamma_1 .. gamma_p]``",
             "ANGLES = {"]
    for p, (chosen, _) in picks.items():
        lines.append(f"    {p}: [")
        for j in chosen:
            vals = ", ".join(f"{v:.4f}" for v in models[j]["angles"][p - 1])
            lines.append(f"        [{vals}],")
        lines.append("    ],")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=int, default=8, help="vectors per depth (default 8)")
    ap.add_argument("--out", default="dimod_shrink/samplers/angles.py",
                    help="module to write ('-': print only)")
    ap.add_argument("--report", default="docs/results/angle_table.md")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with _blas_threads(1):
        models = training_models()
        train(models)
        picks = cover(models, args.keep)
    command = "python benchmarks/angle_table.py" + (f" --keep {args.keep}"
                                                    if args.keep != 8 else "")
    text = module_text(models, picks, command)
    rows = []
    for p, (chosen, regret) in picks.items():
        for k, (j, r) in enumerate(zip(chosen, regret)):
            m = models[j]
            rows.append({"p": p, "pick": k + 1, "trained on": f"{m['kind']} seed {m['seed']}, "
                         f"{m['budget']} variables", "mean regret after": f"{r:.4f}",
                         "gamma_p": f"{m['angles'][p - 1][-1]:.3f}"})
    report = [f"# QAOA angle table", "", f"`{command}` ({len(models)} generated training "
              f"models, {time.perf_counter() - t0:.0f} s).", "",
              "Regret: the training models' mean CVaR objective (std-scaled units) of the "
              "best vector picked so far, minus their best over all trained vectors.", "",
              table(rows)]
    if args.out == "-":
        print(text)
    else:
        Path(args.out).write_text(text)
        Path(args.report).write_text("\n".join(report) + "\n")
        print("\n".join(report))


if __name__ == "__main__":
    main()
