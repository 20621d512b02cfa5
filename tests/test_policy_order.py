"""``rules_then_witness`` decides exactly as ``all_of(rules, guard)``.

The problems' merge policy asks the witness pool before the rules (the pool
vetoes most candidates of a knapsack row, and is cheaper); the rules and
the pool are pure tests of the state, so a seeded run must make the same
merges, vetoes and energies as with the rules first.
"""

import dimod
import numpy as np
import pytest

from dimod_shrink import ShrinkingComposite
from dimod_shrink.problems import MDKPProblem, QAPProblem, base
from dimod_shrink.problems.policies import WitnessGuard, all_of, rules_then_witness


def _knapsack_cqm(n, seed):
    rng = np.random.default_rng(seed)
    w, p = rng.integers(1, 30, n), rng.integers(1, 30, n)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", range(n))
    cqm.set_objective([(i, -float(p[i])) for i in range(n)])
    cqm.add_constraint([(i, float(w[i])) for i in range(n)], "<=", float(w.sum() // 2))
    a = rng.integers(0, 4, n)
    cqm.add_constraint([(i, float(a[i])) for i in range(n) if a[i]], ">=", float(a.sum() // 3))
    return cqm


def _problem_run(problem):
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(
        problem.model, num_variables=6, merge_policy=problem.merge_policy(True, seed=0),
        postprocess=problem.postprocess(True), seed=0, candidates=problem.candidates,
        return_shrink_context=True)
    return ss


def _cases():
    rng = np.random.default_rng(5)
    W = rng.integers(1, 100, (3, 40))
    A, B = rng.integers(0, 5, (5, 5)), rng.integers(0, 5, (5, 5))
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    mdkp = MDKPProblem(W.sum(axis=0) // 3 + rng.integers(1, 50, 40), W, W.sum(axis=1) // 2)
    return {
        "mdkp": lambda: _problem_run(mdkp),
        "qap": lambda: _problem_run(QAPProblem(A, B)),
        "cqm-knapsack": lambda: ShrinkingComposite(dimod.ExactSolver()).sample_cqm(
            _knapsack_cqm(300, 0), num_variables=6, seed=0, return_shrink_context=True),
    }


CASES = _cases()


def _outcome(ss):
    ctx = ss.info["shrink_context"]
    return ctx["merges"], ctx["stop_reason"], ctx["vetoed_merges"], ss.record.energy.tolist()


@pytest.mark.parametrize("case", sorted(CASES))
def test_pool_first_decides_as_rules_first(monkeypatch, case):
    got = _outcome(CASES[case]())
    with monkeypatch.context() as m:
        m.setattr(base, "rules_then_witness", lambda rules, guard: all_of(rules, guard))
        ref = _outcome(CASES[case]())
    assert got == ref
    assert got[2] > 0  # some candidates were vetoed, so the order was exercised


def test_pool_veto_skips_the_rules():
    """No witness agrees and none can be built: the rules are not asked."""
    W = np.array([[1, 0, 1]])
    guard = WitnessGuard(W, ["a", "b", "c"])
    asked = []

    def rules(state, i, j, sign):
        asked.append((i, j, sign))
        return True

    class State:
        merges = []

    policy = rules_then_witness(rules, guard)
    assert policy(State, "a", "b", 1) is False  # the witness has a != b
    assert asked == []
    assert policy(State, "a", "c", 1) is True  # a == c in the witness: the rules decide
    assert asked == [("a", "c", 1)]
    assert rules_then_witness(None, guard) is guard
