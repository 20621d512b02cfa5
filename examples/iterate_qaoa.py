"""Refine an answer with QAOA on 8 qubits: ``IteratedShrinkingComposite(QAOASampler())``.

A weighted Max-Cut on 150 vertices is far beyond 8 simulated qubits.  The
greedy cut (1-flip local search from the empty cut), an answer from another
solver, is the incumbent (``initial_states``); round after round the
iterated composite
writes the model in the incumbent's gauge, groups the vertices into 8
clusters and lets QAOA choose which clusters to flip.  No round can lose
the incumbent, so the cut only grows.

The same rounds with :class:`dimod.RandomSampler` at the same shots (16 per
round, 1/16 of the 2^8 group flips) are run beside it: the gain over the
random child is what QAOA contributes.  Measured (seeds 0 and 1): greedy
596; QAOA 608 and 635; RandomSampler 604 and 632.  Needs the ``quantum``
extra; a few seconds.  Run: ``python examples/iterate_qaoa.py``.
"""

import dimod
import networkx as nx

from dimod_shrink.composites import IteratedShrinkingComposite
from dimod_shrink.problems import MaxCutProblem
from dimod_shrink.samplers import QAOASampler


def graph(n=150, seed=7):
    g = nx.random_regular_graph(3, n, seed=seed)
    for k, (u, v) in enumerate(g.edges):
        g.edges[u, v]["weight"] = 1 + (k * 7919) % 5
    return g


def main(qubits=8, rounds=6, shots=16, seed=0):
    problem = MaxCutProblem(graph(), name="regular-150")
    bqm = problem.bqm
    qaoa = {"reps": 1, "shots": shots, "max_parallel_threads": 1}
    greedy = problem.greedy()
    start = dict(zip(problem.variables, greedy.tolist()))
    cut0 = float(problem.objective(greedy)[0])
    results = {"greedy": cut0}
    for name, child, params in (("QAOA", QAOASampler(), qaoa),
                                ("RandomSampler", dimod.RandomSampler(), {"num_reads": shots})):
        ss = IteratedShrinkingComposite(child, num_variables=qubits).sample(
            bqm, initial_states=start, max_rounds=rounds, patience=rounds, seed=seed, **params)
        cut = float(-ss.first.energy)
        results[name] = cut
        steps = ", ".join(f"{-r['incumbent_energy']:g}" for r in ss.info["rounds"])
        print(f"{name:13s} child, cut after each round: {steps}")
    print(f"greedy cut {cut0:g}; refined with QAOA on {qubits} qubits: "
          f"{results['QAOA']:g}; same rounds with RandomSampler: {results['RandomSampler']:g}")
    return results


if __name__ == "__main__":
    main()
