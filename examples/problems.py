"""MDKP, MIS and QAP end to end on the bundled instances.

For each problem: read the instance, shrink its penalty model to a small budget
with constraint-aware vetoes, solve with simulated annealing, expand, repair and
polish, and compare with the classical greedy heuristic.
Run: ``python examples/problems.py``.
"""

from pathlib import Path

from dimod_shrink.pipeline import solve_problem
from dimod_shrink.problems import load_problem

DATA = Path(__file__).parent / "data"


def main(budget=8, seed=0):
    cases = [("knapsack", load_problem(DATA / "mknap-demo.txt")),
             ("independent set", load_problem(DATA / "petersen.dimacs")),
             ("assignment", load_problem(DATA / "qap6.dat"))]
    cases[1][1].optimum = 4  # the Petersen graph's independence number
    results = {}
    for title, problem in cases:
        r = solve_problem(problem, "sa", qubits=budget, seed=seed, num_reads=50)
        greedy = problem.objective(problem.greedy()[None, :])[0]
        print(f"{title:16s} {problem.num_variables['bqm']:3d} -> {r['num_reduced']:2d} variables, "
              f"objective {r['objective']:g} (optimum {problem.optimum:g}, greedy {greedy:g}), "
              f"feasible {r['feasible']}, solution {r['solution']}")
        results[title] = r
    return results


if __name__ == "__main__":
    main()
