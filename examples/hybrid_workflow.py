"""The iterated composite inside a dwave-hybrid workflow.

:class:`hybrid.HybridSubproblemRunnable` turns any dimod sampler into a
subproblem sampler.  Here dwave-hybrid's ``EnergyImpactDecomposer`` cuts a
100-variable subproblem out of a 400-vertex Max-Cut, the
:class:`~dimod_shrink.composites.IteratedShrinkingComposite` solves it with a
20-variable SA child (a few rounds around the subproblem's current state
would need ``initial_states``; here each call starts from its own shrink),
and ``SplatComposer`` writes the answer back; ``ArgMin`` keeps the better of
that and the unchanged state, and ``Loop`` repeats.

The same workflow with :class:`dimod.RandomSampler` as the child, at the
same reads, runs beside it.  Needs the ``bench`` extra (dwave-hybrid).
Run: ``python examples/hybrid_workflow.py``.
"""

import dimod
import hybrid
import networkx as nx
import numpy as np

from dimod_shrink.composites import IteratedShrinkingComposite
from dimod_shrink.problems import MaxCutProblem


def workflow(child, *, size=100, budget=20, rounds=3, reads=10, iterations=4, seed=0):
    sampler = IteratedShrinkingComposite(child, num_variables=budget)
    params = {"max_rounds": rounds, "patience": rounds, "seed": seed, "num_reads": reads}
    branch = (hybrid.EnergyImpactDecomposer(size=size, rolling_history=0.85, traversal="bfs")
              | hybrid.HybridSubproblemRunnable(sampler, **params)
              | hybrid.SplatComposer())
    return hybrid.Loop(hybrid.Race(hybrid.Identity(), branch) | hybrid.ArgMin(),
                       max_iter=iterations, convergence=iterations)


def main(n=400, seed=0):
    graph = nx.random_regular_graph(4, n, seed=seed)
    problem = MaxCutProblem(graph, name=f"regular-{n}")
    bqm = problem.bqm
    labels = list(bqm.variables)
    start = np.random.default_rng(seed).integers(0, 2, (1, n), dtype=np.int8)
    results = {"start": float(problem.objective(start)[0])}
    for name, child in (("SA", None), ("RandomSampler", dimod.RandomSampler())):
        if child is None:
            from dwave.samplers import SimulatedAnnealingSampler
            child = SimulatedAnnealingSampler()
        state = hybrid.State.from_samples((start, labels), bqm)
        final = workflow(child, seed=seed).run(state).result()
        results[name] = float(-final.samples.first.energy)
    print(f"random start: cut {results['start']:g}; after the workflow with the SA child: "
          f"{results['SA']:g}; with RandomSampler at the same reads: "
          f"{results['RandomSampler']:g}")
    return results


if __name__ == "__main__":
    main()
