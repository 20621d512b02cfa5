"""ShrinkingOptimizer: a qiskit-optimization OptimizationAlgorithm over the shrink engine."""

import dimod
import networkx as nx
import numpy as np
import pytest

pytest.importorskip("qiskit_optimization")

from qiskit_optimization import QuadraticProgram  # noqa: E402
from qiskit_optimization.algorithms import (MinimumEigenOptimizer,  # noqa: E402
                                            OptimizationAlgorithm, OptimizationResultStatus)
from qiskit_optimization.applications import Knapsack, Maxcut  # noqa: E402
from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver  # noqa: E402

from dimod_shrink.qiskit_optimizer import (ShrinkingOptimizer, bqm_to_qp,  # noqa: E402
                                           qubo_to_bqm)
from dimod_shrink.samplers.statevector import diagonal_energies  # noqa: E402


def exact():
    return MinimumEigenOptimizer(NumPyMinimumEigensolver())


def best_unconstrained(qp):
    """The optimum of an unconstrained binary program, by enumeration."""
    sense = qp.objective.sense.value  # 1 minimise, -1 maximise
    return sense * float(diagonal_energies(qubo_to_bqm(qp)).min())


def brute_force(qp):
    n = qp.get_num_vars()
    X = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(float)
    sense = qp.objective.sense.value  # 1 minimise, -1 maximise
    feas = [x for x in X if qp.is_feasible(x)]
    return min(sense * qp.objective.evaluate(x) for x in feas) * sense


class Recorder(OptimizationAlgorithm):
    """An inner optimizer that records the programs it is given."""

    def __init__(self, inner):
        self.inner, self.problems = inner, []

    def get_compatibility_msg(self, problem):
        return self.inner.get_compatibility_msg(problem)

    def solve(self, problem):
        self.problems.append(problem)
        return self.inner.solve(problem)


def test_is_an_optimization_algorithm():
    opt = ShrinkingOptimizer(exact(), num_variables=4)
    assert isinstance(opt, OptimizationAlgorithm)
    assert opt.is_compatible(Maxcut(nx.cycle_graph(5)).to_quadratic_program())


@pytest.mark.parametrize("seed", [0, 1])
def test_maxcut_over_the_original_variables(seed):
    g = nx.random_regular_graph(3, 14, seed=seed)
    qp = Maxcut(g).to_quadratic_program()
    rec = Recorder(exact())
    result = ShrinkingOptimizer(rec, num_variables=6, seed=seed).solve(qp)
    assert len(result.x) == 14 and result.variable_names == [v.name for v in qp.variables]
    assert result.status is OptimizationResultStatus.SUCCESS
    assert result.fval == pytest.approx(qp.objective.evaluate(result.x))
    # the inner optimizer saw only the reduced program
    assert len(rec.problems) == 1 and rec.problems[0].get_num_vars() <= 6
    assert result.num_reduced == rec.problems[0].get_num_vars()
    # on 3-regular graphs of 14 nodes the merges keep the maximum cut
    assert result.fval == pytest.approx(best_unconstrained(qp))


def test_constrained_program_is_converted_and_interpreted():
    qp = Knapsack(values=[10, 13, 7, 8, 9, 4, 6, 3], weights=[4, 5, 3, 4, 4, 2, 3, 1],
                  max_weight=12).to_quadratic_program()
    assert qp.linear_constraints  # slack variables appear in the QUBO only
    result = ShrinkingOptimizer(exact(), num_variables=8, seed=0).solve(qp)
    assert len(result.x) == qp.get_num_vars() == 8
    assert qp.is_feasible(result.x) and result.status is OptimizationResultStatus.SUCCESS
    assert result.fval == pytest.approx(qp.objective.evaluate(result.x))
    assert result.fval >= 0.9 * brute_force(qp)
    assert result.samples and all(len(s.x) == 8 for s in result.samples)
    # samples come best first: feasible, then by objective
    assert result.samples[0].fval == pytest.approx(result.fval)


def test_with_qaoa_inner_optimizer():
    pytest.importorskip("qiskit_aer")
    from qiskit.primitives import StatevectorSampler
    from qiskit_optimization.minimum_eigensolvers import QAOA
    from qiskit_optimization.optimizers import COBYLA
    g = nx.cycle_graph(12)
    qp = Maxcut(g).to_quadratic_program()
    inner = MinimumEigenOptimizer(QAOA(StatevectorSampler(seed=0), COBYLA(maxiter=60), reps=2))
    result = ShrinkingOptimizer(inner, num_variables=6, seed=0).solve(qp)
    assert result.num_reduced <= 6
    assert result.fval == pytest.approx(12.0)  # an even cycle is bipartite: every edge cut


def test_conversions_round_trip():
    rng = np.random.default_rng(3)
    bqm = dimod.generators.gnp_random_bqm(6, 0.6, "BINARY", random_state=3,
                                          bias_generator=lambda s: rng.uniform(-2, 2, s))
    qp = bqm_to_qp(bqm)
    back = qubo_to_bqm(qp)
    X = ((np.arange(64)[:, None] >> np.arange(6)) & 1)
    np.testing.assert_allclose(back.energies((X, [str(v) for v in bqm.variables])),
                               bqm.energies((X, list(bqm.variables))))
    maxi = QuadraticProgram()
    maxi.binary_var("a")
    maxi.maximize(linear={"a": 2.0})
    assert qubo_to_bqm(maxi).energy({"a": 1}) == -2.0  # maximisation becomes minimisation


def test_errors():
    with pytest.raises(TypeError, match="OptimizationAlgorithm"):
        ShrinkingOptimizer(dimod.ExactSolver())
    with pytest.raises(ValueError, match="num_variables"):
        ShrinkingOptimizer(exact(), num_variables=0)
    qp = QuadraticProgram()
    qp.continuous_var(0, 1, "y")
    qp.minimize(linear={"y": 1.0})
    from qiskit_optimization.exceptions import QiskitOptimizationError
    with pytest.raises(QiskitOptimizationError, match="Incompatible"):
        ShrinkingOptimizer(exact(), num_variables=2).solve(qp)
    constrained = QuadraticProgram()
    constrained.binary_var("a")
    constrained.linear_constraint({"a": 1}, "<=", 0)
    with pytest.raises(ValueError, match="QuadraticProgramToQubo"):
        qubo_to_bqm(constrained)


def test_two_doors_example():
    pytest.importorskip("qiskit_aer")
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "examples" / "two_doors.py"
    spec = importlib.util.spec_from_file_location("example_two_doors", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.main()
    assert r["dimod"] == r["qiskit"] == r["best"] == 26 and r["num_reduced"] == 10
    # the QAOA child puts many times more of its shots on the best cut than random bits
    assert r["share_qaoa"] >= 10 * r["share_random"]
