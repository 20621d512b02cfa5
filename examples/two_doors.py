"""Two doors to the same engine: dimod and qiskit-optimization, on one problem.

A Max-Cut of a 3-regular graph on 20 nodes (20 binaries) is shrunk to 10
variables and solved by QAOA, twice:

* the dimod door: ``ShrinkingComposite(QAOASampler())`` on the BQM;
* the qiskit door: ``ShrinkingOptimizer(MinimumEigenOptimizer(QAOA(...)))`` on
  the ``QuadraticProgram``, with qiskit-optimization's own QAOA.

As a control, the dimod door is run again with ``dimod.RandomSampler`` (uniform
random bits at the same 1,024 shots) as the child, and all answers are compared
with the maximum cut found by enumerating the 2^20 cuts.  With 1,024 shots on
10 qubits the random child can stumble on the best cut too; what tells the
children apart is how many of the shots get there.  Needs the ``quantum``
extra.  Run: ``python examples/two_doors.py``.
"""

import dimod
import networkx as nx
from qiskit.primitives import StatevectorSampler
from qiskit_optimization.algorithms import MinimumEigenOptimizer
from qiskit_optimization.applications import Maxcut
from qiskit_optimization.minimum_eigensolvers import QAOA
from qiskit_optimization.optimizers import COBYLA

from dimod_shrink import ShrinkingComposite
from dimod_shrink.qiskit_optimizer import ShrinkingOptimizer, qubo_to_bqm
from dimod_shrink.samplers import QAOASampler, diagonal_energies


def share_at(sampleset, energy):
    """Share of the shots whose energy is ``energy``."""
    r = sampleset.record
    return float(r.num_occurrences[abs(r.energy - energy) < 1e-9].sum() / r.num_occurrences.sum())


def main(nodes=20, qubits=10, seed=0):
    graph = nx.random_regular_graph(3, nodes, seed=seed)
    qp = Maxcut(graph).to_quadratic_program()  # maximise the cut
    bqm = qubo_to_bqm(qp)  # minimise -cut: the same problem as a dimod BQM
    best_cut = -float(diagonal_energies(bqm).min())

    # door 1: dimod
    shots = {"shots": 1024, "max_parallel_threads": 1}
    ss = ShrinkingComposite(QAOASampler()).sample(bqm, num_variables=qubits, seed=seed, **shots)
    dimod_cut = -ss.first.energy
    control = ShrinkingComposite(dimod.RandomSampler()).sample(
        bqm, num_variables=qubits, seed=seed, num_reads=1024)
    random_cut = -control.first.energy
    hits = {name: share_at(s, -best_cut) for name, s in (("qaoa", ss), ("random", control))}

    # door 2: qiskit-optimization
    qaoa = QAOA(StatevectorSampler(seed=seed), COBYLA(maxiter=100), reps=2)
    result = ShrinkingOptimizer(MinimumEigenOptimizer(qaoa), num_variables=qubits,
                                seed=seed).solve(qp)
    qiskit_cut = float(result.fval)

    print(f"Max-Cut of a 3-regular graph on {nodes} nodes, shrunk to {qubits} qubits")
    print(f"  maximum cut (enumeration)                  : {best_cut:g}")
    print(f"  dimod door  : ShrinkingComposite(QAOASampler)  : {dimod_cut:g} "
          f"({hits['qaoa']:.1%} of the shots reach the maximum)")
    print(f"  qiskit door : ShrinkingOptimizer(QAOA)         : {qiskit_cut:g} "
          f"({result.num_reduced} variables solved by QAOA)")
    print(f"  control     : ShrinkingComposite(RandomSampler): {random_cut:g} "
          f"({hits['random']:.1%} of the shots reach the maximum)")
    return {"best": best_cut, "dimod": dimod_cut, "qiskit": qiskit_cut, "random": random_cut,
            "num_reduced": result.num_reduced, "share_qaoa": hits["qaoa"],
            "share_random": hits["random"]}


if __name__ == "__main__":
    main()
