"""The quantum pipeline: ``ShrinkingComposite(QAOASampler())``.

A 20-item knapsack (20 binaries) is shrunk to 10 qubits, solved by QAOA
(the default: depth 8, CVaR training, exact numpy statevector), expanded and
repaired.  Needs the ``quantum`` extra.
Run: ``python examples/qaoa_child.py``.
"""

from pathlib import Path

from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems import load_problem
from dimod_shrink.samplers import QAOASampler

DATA = Path(__file__).parent / "data"


def main(qubits=10, seed=0):
    problem = load_problem(DATA / "mknap-demo.txt")
    r = solve_problem(problem, QAOASampler(), qubits=qubits, seed=seed,
                      child_params={"shots": 1024, "max_parallel_threads": 1})
    info = r["sampleset"].info
    print(f"QAOA on {r['num_reduced']} qubits, depth {info['reps']} "
          f"({info['evaluations']} objective evaluations, {r['timing']['child']:.1f} s)")
    print(f"profit {r['objective']:g} of an optimum {problem.optimum:g}; "
          f"feasible {r['feasible']}; items {r['solution']}")
    return r


if __name__ == "__main__":
    main()
