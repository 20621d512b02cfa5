"""CQMs: soft constraints keep their weight and penalty type, unsatisfiable
constraints and empty models are refused up front, the interval rule cannot stall
a shrink."""

import itertools

import dimod
import numpy as np
import pytest

from dimod_shrink import ShrinkingComposite, ising_form, shrink
from dimod_shrink.problems import CQMProblem
from dimod_shrink.problems.policies import LinearBoundGuard


def issue_example(weight=0.1, penalty="linear", n=4):
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(n)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(sum(x) <= 1, weight=weight, penalty=penalty, label="few")
    return cqm


def brute_force_best(cqm):
    """Lowest dimod energy over the feasible assignments (soft penalties included)."""
    labels = list(cqm.variables)
    X = np.array(list(itertools.product([0, 1], repeat=len(labels))), dtype=np.int8)
    ss = dimod.SampleSet.from_samples_cqm((X, labels), cqm)
    return float(ss.record.energy[ss.record.is_feasible].min())


def test_soft_constraint_example_returns_the_optimum():
    """-sum(x) with the soft sum(x) <= 1 (weight 0.1, linear): take all four items,
    pay 0.1 * 3."""
    cqm = issue_example()
    ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=4)
    assert ss.first.energy == pytest.approx(-3.7)
    assert ss.first.is_feasible
    assert dict(ss.first.sample) == {0: 1, 1: 1, 2: 1, 3: 1}
    assert brute_force_best(cqm) == pytest.approx(-3.7)


@pytest.mark.parametrize("encoding", ["unbalanced", "slack"])
@pytest.mark.parametrize("penalty,weight", [("linear", 0.1), ("linear", 2.0),
                                            ("quadratic", 0.4), ("quadratic", 3.0)])
def test_soft_optimum_matches_brute_force(encoding, penalty, weight):
    cqm = issue_example(weight=weight, penalty=penalty, n=5)
    ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=12,
                                                            encoding=encoding)
    assert ss.first.energy == pytest.approx(brute_force_best(cqm))


def test_soft_penalties_are_dimods():
    """objective() is dimod's CQM energy for every sense and penalty type."""
    rng = np.random.default_rng(3)
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(6)]
    cqm.set_objective(sum(int(rng.integers(-4, 5)) * xi for xi in x) + 2 * x[0] * x[5])
    cqm.add_constraint(x[0] + 2 * x[1] + x[2] <= 2, weight=1.5, penalty="linear", label="a")
    cqm.add_constraint(x[3] + x[4] + x[5] >= 2, weight=0.7, penalty="quadratic", label="b")
    cqm.add_constraint(x[1] + x[4] == 1, weight=2.5, penalty="quadratic", label="c")
    cqm.add_constraint(x[2] - x[3] == 0, weight=0.3, penalty="linear", label="d")
    cqm.add_constraint(x[0] + x[1] + x[2] + x[3] <= 3, label="hard")
    p = CQMProblem(cqm)
    X = np.array(list(itertools.product([0, 1], repeat=6)), dtype=np.int8)
    ref = dimod.SampleSet.from_samples_cqm((X, p.variables), cqm)
    np.testing.assert_allclose(p.objective(X), ref.record.energy)
    np.testing.assert_array_equal(p.is_feasible(X), ref.record.is_feasible)
    assert p.names == ["hard"] and p.soft_names == ["a", "b", "c", "d"]
    assert p.soft_penalty == ["linear", "quadratic", "quadratic", "linear"]


@pytest.mark.parametrize("encoding", ["unbalanced", "slack"])
@pytest.mark.parametrize("penalty,power", [("linear", 1), ("quadratic", 2)])
@pytest.mark.parametrize("coef", [1, 3])
def test_penalty_model_charges_one_term_violation_like_the_cqm(encoding, penalty, power,
                                                                 coef):
    """In the penalty BQM, going from a satisfied point (one term used) to a
    violation by one term costs the CQM's price, ``weight * coef**power``, in the
    objective's scaled units (the objective's largest coefficient is 1 here)."""
    weight = 0.3
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(4)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(sum(coef * xi for xi in x) <= coef, weight=weight, penalty=penalty,
                       label="few")
    p = CQMProblem(cqm, encoding=encoding)
    full = p.complete(np.array([[1, 1, 0, 0], [1, 0, 0, 0]], dtype=np.int8))
    e = p.bqm.energies((full, list(p.bqm.variables)))
    objective_change = -1.0  # one more item, scaled objective
    assert e[0] - e[1] - objective_change == pytest.approx(weight * coef ** power)
    # and the exact energies are dimod's
    ref = dimod.SampleSet.from_samples_cqm(([[1, 1, 0, 0]], p.variables), cqm)
    assert p.objective([[1, 1, 0, 0]])[0] == pytest.approx(ref.first.energy)


def test_repair_does_not_force_soft_constraints():
    p = CQMProblem(issue_example())
    X = np.ones((1, 4), dtype=np.int8)
    out = p.repair_samples(X)
    assert out["feasible_before_repair"][0] and out["repair_moves"][0] == 0
    np.testing.assert_array_equal(out["samples"], X)
    assert out["objective"][0] == pytest.approx(-3.7)


def test_bad_soft_weight_is_refused():
    cqm2 = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(3)]
    cqm2.set_objective(-sum(x))
    cqm2.add_constraint(sum(x) <= 1, weight=float("nan"), label="nanweight")
    with pytest.raises(ValueError, match="nanweight"):
        CQMProblem(cqm2)


# -- infeasible constraints and empty models ---------------------------------------------
@pytest.mark.parametrize("encoding", ["unbalanced", "slack"])
def test_unsatisfiable_constraint_is_named_up_front(encoding):
    """The audit's case: x0 + x1 >= 3 over binaries; raised before any shrinking,
    under both encodings."""
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(25)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(x[0] + x[1] >= 3, label="impossible")
    with pytest.raises(ValueError, match=r"'impossible'.*\[0, 2\].*>= 3"):
        CQMProblem(cqm, encoding=encoding)
    with pytest.raises(ValueError, match="impossible"):
        ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=8,
                                                           encoding=encoding)


@pytest.mark.parametrize("make", [
    lambda x: (x[0] + x[1] <= -1, "<= -1"),
    lambda x: (2 * x[0] - x[1] == 5, "== 5"),
    lambda x: (x[0] - x[1] >= 2, ">= 2"),
])
def test_unsatisfiable_forms(make):
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(3)]
    cqm.set_objective(sum(x))
    comp, bound = make(x)
    cqm.add_constraint(comp, label="bad")
    with pytest.raises(ValueError, match="'bad'") as err:
        CQMProblem(cqm)
    assert bound in str(err.value)


def test_unsatisfiable_soft_constraint_is_accepted():
    """A soft constraint nothing satisfies is only a constant penalty."""
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(3)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(x[0] + x[1] >= 3, weight=1.0, penalty="linear", label="never")
    ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=3)
    assert ss.first.energy == pytest.approx(brute_force_best(cqm))


def test_empty_cqm_is_refused():
    with pytest.raises(ValueError, match="no variables"):
        CQMProblem(dimod.ConstrainedQuadraticModel())
    with pytest.raises(ValueError, match="no variables"):
        ShrinkingComposite(dimod.ExactSolver()).sample_cqm(dimod.ConstrainedQuadraticModel())


# -- the interval rule cannot stall a shrink ----------------------------------------------
def test_guard_ignores_a_constraint_unsatisfiable_from_the_start():
    """Before: every merge was vetoed and the child got the whole model. The guard
    now leaves such a constraint out (and says which), and the budget is reached."""
    bqm = dimod.BinaryQuadraticModel({i: -1.0 for i in range(12)}, {}, 0, "BINARY")
    A = np.zeros((2, 12))
    A[0, :2] = 1    # x0 + x1 >= 3: impossible
    A[1, 2:5] = 1   # x2 + x3 + x4 <= 1: fine
    guard = LinearBoundGuard(A, [3, -np.inf], [np.inf, 1])
    rng = np.random.default_rng(0)

    def est(K, _rng):
        C = rng.uniform(-1, 1, K.shape)
        return (C + C.T) / 2

    res = shrink(ising_form(bqm), 4, correlation=est, merge_policy=guard, seed=0)
    assert res.reduced.bqm.num_variables == 4
    assert guard.ignored.tolist() == [0]
    # the satisfiable row is still guarded: never two of x2..x4 fixed to 1
    fixed = res.state.fixed()
    assert sum(fixed.get(v, 0) for v in (2, 3, 4)) <= 1


def test_guard_always_admits_fixing_to_a_feasible_solution():
    """The no-stall argument: fixing a variable to the value of a feasible solution
    that agrees with every merge so far is never vetoed by the interval rule."""
    rng = np.random.default_rng(5)
    for trial in range(20):
        n = 8
        A = rng.integers(-3, 4, (3, n)).astype(float)
        w = rng.integers(0, 2, n)
        L = A @ w
        lower = np.where(rng.random(3) < 0.5, L - rng.integers(0, 2, 3), -np.inf)
        upper = np.where(rng.random(3) < 0.5, L + rng.integers(0, 2, 3), np.inf)
        guard = LinearBoundGuard(A, lower, upper)
        bqm = dimod.BinaryQuadraticModel({i: 0.0 for i in range(n)}, {}, 0, "BINARY")
        from dimod_shrink import REFERENCE, ShrinkState
        state = ShrinkState(ising_form(bqm))
        for v in rng.permutation(n)[:n - 1]:
            sign = 1 if w[v] else -1
            assert guard(state, int(v), REFERENCE, sign)
            state.merge(int(v), REFERENCE, sign)
