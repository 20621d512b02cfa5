"""The fast QAP and policy paths give the answers of the plain computations.

* 2-swap deltas (two matrix products) equal recomputed costs;
* the witness construction (propagation + backtracking) is exact on small
  instances: with the rules, the policy admits a merge exactly when some
  permutation agrees with every merge so far;
* the vectorised one-hot rule and the incremental interval rule decide as the
  straightforward per-group computations do.
"""

import itertools
from pathlib import Path

import dimod
import networkx as nx
import numpy as np
import pytest

from dimod_shrink import REFERENCE, ShrinkState, ising_form, shrink
from dimod_shrink.problems import MDKPProblem, QAPProblem, load_problem
from dimod_shrink.problems.base import unique_rows
from dimod_shrink.problems.policies import (LinearBoundGuard, OneHotGuard, group_values,
                                            tentative_groups)

from strategies import random_correlations

QAP6 = Path(__file__).resolve().parents[1] / "examples" / "data" / "qap6.dat"


# -- 2-swap deltas ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_swap_deltas_equal_recomputed_costs(n):
    rng = np.random.default_rng(n)
    p = QAPProblem(rng.normal(size=(n, n)), rng.normal(size=(n, n)))  # asymmetric, diagonal
    for _ in range(4):
        perm = rng.permutation(n)
        D = p.swap_deltas(perm)
        for r, s in itertools.product(range(n), repeat=2):
            q = perm.copy()
            q[r], q[s] = q[s], q[r]
            assert D[r, s] == pytest.approx(p.perm_cost(q) - p.perm_cost(perm), abs=1e-9)
        pairs, costs = p.swap_costs(perm)
        assert len(pairs) == n * (n - 1) // 2


def test_descent_ends_in_a_two_swap_local_optimum():
    rng = np.random.default_rng(0)
    p = QAPProblem(rng.integers(0, 9, (7, 7)), rng.integers(0, 9, (7, 7)))
    perm, moves = p._descent(rng.permutation(7))
    assert sorted(perm.tolist()) == list(range(7)) and moves >= 0
    assert p.swap_deltas(perm).min() >= -1e-9


# -- witness construction: exact on small instances -----------------------------------------
def permutations_as_spins(n):
    P = np.array([QAPProblem(np.zeros((n, n)), np.zeros((n, n))).to_matrix(q)
                  for q in itertools.permutations(range(n))], dtype=np.int64)
    return np.hstack([2 * P - 1, np.ones((len(P), 1), dtype=np.int64)])


def exists_consistent(spins, root, sgn):
    return bool((spins == sgn[None, :] * spins[:, root]).all(axis=1).any())


def check_policy_is_exact(problem, seeds, budget=1):
    spins = permutations_as_spins(problem.n)
    decisions = {True: 0, False: 0}
    for seed in seeds:
        policy = problem.merge_policy(seed=seed)
        rules = problem.rule_policy()

        def audited(state, i, j, sign):
            got = policy(state, i, j, sign)
            root, sgn = tentative_groups(state, i, j, sign)
            want = rules(state, i, j, sign) and exists_consistent(spins, root, sgn)
            assert got == want, (state.merges, i, j, sign)
            decisions[got] += 1
            return got

        shrink(ising_form(problem.bqm), budget, correlation=random_correlations(seed),
               merge_policy=audited, seed=seed)
    assert decisions[True] > 0 and decisions[False] > 0  # both kinds were checked


def test_qap6_policy_vetoes_exactly_the_infeasible_merges():
    """examples/data/qap6.dat: 720 permutations, every policy decision checked."""
    check_policy_is_exact(load_problem(QAP6), seeds=range(3))


@pytest.mark.parametrize("n", [3, 4, 5])
def test_small_qap_policy_vetoes_exactly_the_infeasible_merges(n):
    rng = np.random.default_rng(n)
    A, B = rng.integers(0, 5, (n, n)), rng.integers(0, 5, (n, n))
    check_policy_is_exact(QAPProblem(A + A.T, B + B.T), seeds=range(4))


def test_construct_answers_are_consistent_and_none_means_none_exists():
    n = 4
    p = QAPProblem(np.ones((n, n)), np.ones((n, n)))
    spins = permutations_as_spins(n)
    rng = np.random.default_rng(2)
    labels = list(p.bqm.variables)
    found = empty = 0
    for _ in range(60):
        state = ShrinkState(ising_form(p.bqm))
        for _ in range(rng.integers(1, 10)):
            alive = list(state.variables)
            if len(alive) < 2:
                break
            a, b = rng.choice(len(alive), 2, replace=False)
            target = REFERENCE if rng.random() < 0.3 else alive[b]
            state.merge(alive[a], target, int(rng.choice([-1, 1])))
        root, sgn = state.root, state.sign
        hint = p.to_matrix(rng.permutation(n)) if rng.random() < 0.5 else None
        x = p.construct_feasible(state, root, sgn, hint=hint)
        if x is None:
            assert not exists_consistent(spins, root, sgn)
            empty += 1
        else:
            assert p.is_feasible(x[None, :])[0]
            s = np.append(2 * x[[labels.index(v) for v in state.labels]] - 1, 1)
            np.testing.assert_array_equal(s, sgn * s[root])
            found += 1
    assert found and empty


# -- vectorised one-hot rule and incremental interval rule ---------------------------------------
def one_hot_reference(groups, state, i, j, sign):
    """The rule group by group, as documented in OneHotGuard."""
    n = state.form.num_variables
    root, sgn = tentative_groups(state, i, j, sign)
    for g in groups:
        idx = np.array([state.index[v] for v in g])
        r, s = root[idx], sgn[idx]
        fixed = r == n
        ones = fixed & (s > 0)
        if ones.sum() > 1 or (fixed.all() and ones.sum() != 1):
            return False
        key = r[~fixed] * 2 + (s[~fixed] > 0)
        if np.unique(key).size < key.size:
            return False
    return True


def interval_reference(A, lower, upper, check_free, state, i, j, sign):
    """The interval rule recomputed from scratch for the tentative state."""
    n = state.form.num_variables
    root, sgn = tentative_groups(state, i, j, sign)
    x1, x0, fixed = group_values(root, sgn, n)
    groups = np.where(fixed, n, root[:n])
    c1 = np.zeros((A.shape[0], n + 1))
    c0 = np.zeros((A.shape[0], n + 1))
    for v in range(n):
        c1[:, groups[v]] += A[:, v] * x1[v]
        c0[:, groups[v]] += A[:, v] * x0[v]
    lo = c1[:, n] + np.minimum(c1[:, :n], c0[:, :n]).sum(axis=1)
    hi = c1[:, n] + np.maximum(c1[:, :n], c0[:, :n]).sum(axis=1)
    if (lo > upper + 1e-9).any() or (hi < lower - 1e-9).any():
        return False
    if check_free and j is not REFERENCE:
        g = state.index[j]
        base = lo - np.minimum(c1[:, g], c0[:, g])
        if (base + c1[:, g] > upper + 1e-9).any() or (base + c0[:, g] > upper + 1e-9).any():
            return False
    return True


@pytest.mark.parametrize("seed", range(4))
def test_one_hot_guard_decides_as_the_per_group_rule(seed):
    n = 3 + seed % 3
    p = QAPProblem(np.ones((n, n)), np.ones((n, n)))
    groups = ([[(i, k) for k in range(n)] for i in range(n)]
              + [[(i, k) for i in range(n)] for k in range(n)])
    guard = OneHotGuard(groups)
    rng = np.random.default_rng(seed)
    checked = 0

    def policy(state, i, j, sign):
        nonlocal checked
        got = guard(state, i, j, sign)
        assert got == one_hot_reference(groups, state, i, j, sign)
        checked += 1
        return got and rng.random() < 0.6

    shrink(ising_form(p.bqm), 1, correlation=random_correlations(seed), merge_policy=policy)
    assert checked > 10


@pytest.mark.parametrize("seed", range(6))
def test_interval_rule_decides_as_the_fresh_computation(seed):
    rng = np.random.default_rng(seed)
    n, m = 9, 3
    check_free = seed % 2 == 1
    if check_free:
        W = rng.integers(1, 9, (m, n))
        p = MDKPProblem(rng.integers(1, 9, n), W, W.sum(axis=1) // 2)
        A, lower, upper = W.astype(float), np.full(m, -np.inf), p.c
    else:
        A = rng.integers(-4, 5, (m, n)).astype(float)
        lower = np.where(rng.random(m) < 0.5, -np.inf, rng.integers(-3, 2, m))
        upper = np.where(np.isfinite(lower), np.inf, rng.integers(0, 4, m))
        p = None
    bqm = p.bqm if p is not None else dimod.BinaryQuadraticModel(
        {v: 0.0 for v in range(n)}, {}, 0, "BINARY")
    guard = LinearBoundGuard(A, lower, upper, check_free_values=check_free)
    outcomes = set()

    def policy(state, i, j, sign):
        got = guard(state, i, j, sign)
        want = interval_reference(A, lower, upper, check_free, state, i, j, sign)
        assert got == want
        outcomes.add(got)
        return got and rng.random() < 0.7

    shrink(ising_form(bqm), 1, correlation=random_correlations(seed), merge_policy=policy)
    assert outcomes  # at least one decision checked


# -- distinct rows -----------------------------------------------------------------------------
def test_unique_rows_matches_numpy_on_wide_rows():
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (5, 3), (40, 7), (30, 5000)]:
        X = rng.integers(0, 2, shape).astype(np.int8)
        X = np.vstack([X, X[::2]])
        U, inv = unique_rows(X)
        U_ref, inv_ref = np.unique(X, axis=0, return_inverse=True)
        np.testing.assert_array_equal(U, U_ref)
        np.testing.assert_array_equal(inv, inv_ref.ravel())
        np.testing.assert_array_equal(U[inv], X)


def test_mis_of_an_edgeless_graph_with_many_vertices_stays_small():
    """'p edge 100000 0': sparse adjacency, no n x n array anywhere."""
    import tracemalloc

    from dimod_shrink.problems import MISProblem
    tracemalloc.start()
    p = MISProblem(nx.empty_graph(100_000))
    x = p.greedy()
    y, moves = p.polish_one(np.zeros(100_000, dtype=np.int8))  # the fill runs at its start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert x.sum() == 100_000 and y.sum() == 100_000 and moves == 100_000
    assert peak < 100e6  # a dense adjacency alone would take 10 GB
