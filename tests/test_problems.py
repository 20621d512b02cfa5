"""Problem models: encodings, policies (checked by brute force) and repairs."""

import dimod
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, strategies as st

from dimod_shrink import ising_form, shrink
from dimod_shrink.problems import (CQMProblem, MaxCutProblem, MDKPProblem, MISProblem,
                                   QAPProblem)

from strategies import all_assignments, random_correlations


# -- small random instances -------------------------------------------------------------
def small_mis(seed, n=8, p=0.35):
    return MISProblem(nx.gnp_random_graph(n, p, seed=seed))


def small_mdkp(seed, n=8, m=2, encoding="unbalanced"):
    rng = np.random.default_rng(seed)
    W = rng.integers(1, 10, size=(m, n))
    c = (W.sum(axis=1) * rng.uniform(0.3, 0.6, m)).astype(int)
    return MDKPProblem(rng.integers(1, 20, n), W, c, encoding=encoding)


def small_qap(seed, n=3):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 5, (n, n))
    B = rng.integers(0, 5, (n, n))
    return QAPProblem(A + A.T, B + B.T)


def small_cqm(seed, n=8):
    rng = np.random.default_rng(seed)
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(n)]
    cqm.set_objective(sum(int(rng.integers(-5, 5)) * xi for xi in x)
                      + int(rng.integers(-3, 3)) * x[0] * x[1])
    cqm.add_constraint(sum(int(rng.integers(1, 5)) * xi for xi in x) <= int(rng.integers(8, 14)),
                       label="knap")
    cqm.add_constraint(x[2] + x[3] + x[4] == 1, label="onehot")
    cqm.add_constraint(x[5] + x[6] + x[7] >= 1, label="cover")
    return CQMProblem(cqm)


MAKERS = {"mis": small_mis, "mdkp": small_mdkp,
          "mdkp-slack": lambda s: small_mdkp(s, n=6, encoding="slack"),
          "qap": small_qap, "cqm": small_cqm}


# -- policies -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(MAKERS))
@given(seed=st.integers(0, 10_000), budget=st.integers(1, 4))
def test_policy_never_admits_a_merge_that_makes_the_instance_infeasible(kind, seed, budget):
    """Brute force: after any policy-admitted shrink, some reduced assignment expands to a
    feasible solution. Random correlations drive the loop into arbitrary merges."""
    problem = MAKERS[kind](seed % 50)
    policy = problem.merge_policy(seed=seed)
    res = shrink(ising_form(problem.bqm), budget, correlation=random_correlations(seed),
                 merge_policy=policy, seed=seed)
    Z = all_assignments(res.reduced.bqm.num_variables, dimod.BINARY)
    full = res.state.expand(Z)
    labels = list(problem.bqm.variables)
    cols = [labels.index(v) for v in problem.variables]
    assert problem.is_feasible(full[:, cols]).any()


@pytest.mark.parametrize("kind", ["mis", "qap", "mdkp"])
def test_plain_shrinking_can_lose_feasibility_the_policy_prevents_it(kind):
    """The check above is not vacuous: without the policy, random merges do break
    feasibility on these instances."""
    broken = 0
    for seed in range(30):
        problem = MAKERS[kind](seed)
        res = shrink(ising_form(problem.bqm), 1, correlation=random_correlations(seed),
                     seed=seed)
        Z = all_assignments(res.reduced.bqm.num_variables, dimod.BINARY)
        full = res.state.expand(Z)
        labels = list(problem.bqm.variables)
        cols = [labels.index(v) for v in problem.variables]
        broken += not problem.is_feasible(full[:, cols]).any()
    assert broken > 0


def test_mis_rules():
    g = nx.path_graph(3)  # 0 - 1 - 2
    p = MISProblem(g)
    rules = p.rule_policy()
    from dimod_shrink import REFERENCE, ShrinkState
    state = ShrinkState(ising_form(p.bqm))
    assert not rules(state, 1, 0, +1)          # adjacent equal
    assert rules(state, 1, 0, -1)              # anti-merge across an edge is fine
    assert rules(state, 2, 0, +1)              # non-adjacent equal is fine
    state.merge(2, 0, +1)
    assert not rules(state, 1, 0, +1)          # 1 would equal both neighbours
    assert rules(state, 0, REFERENCE, +1)      # {0, 2} fixed to 1: independent
    state.merge(0, REFERENCE, +1)
    assert not rules(state, 1, REFERENCE, +1)  # neighbour of fixed ones


def test_mdkp_rules_count_merged_and_fixed_items():
    p = MDKPProblem([5, 5, 5], [[4, 4, 4]], [8])
    from dimod_shrink import REFERENCE, ShrinkState
    rules = p.rule_policy()
    state = ShrinkState(ising_form(p.bqm))
    assert rules(state, 1, 0, +1)              # 4 + 4 <= 8
    state.merge(1, 0, +1)
    assert not rules(state, 2, 0, +1)          # 4 + 4 + 4 > 8
    assert rules(state, 0, REFERENCE, +1)
    state.merge(0, REFERENCE, +1)              # items 0 and 1 fixed in: load 8
    assert not rules(state, 2, REFERENCE, +1)  # no room left


def test_qap_rules():
    p = QAPProblem(np.ones((3, 3)), np.ones((3, 3)))
    from dimod_shrink import REFERENCE, ShrinkState
    rules = p.rule_policy()
    state = ShrinkState(ising_form(p.bqm))
    assert not rules(state, (0, 1), (0, 0), +1)      # same row equal
    assert not rules(state, (1, 0), (0, 0), +1)      # same column equal
    assert rules(state, (1, 1), (0, 0), +1)          # diagonal equal is fine
    assert rules(state, (0, 1), (0, 0), -1)          # anti in a row is fine
    state.merge((0, 0), REFERENCE, +1)
    assert not rules(state, (0, 2), REFERENCE, +1)   # second 1 in row 0
    state.merge((0, 1), REFERENCE, -1)
    assert rules(state, (0, 2), REFERENCE, -1)       # row 0 keeps its 1 at (0, 0)
    state.merge((1, 1), REFERENCE, -1)
    state.merge((1, 2), REFERENCE, -1)
    assert not rules(state, (1, 0), REFERENCE, -1)   # row 1 would be all zeros
    assert not rules(state, (1, 0), REFERENCE, +1)   # column 0 already has its 1


def test_witness_guard_keeps_greedy_solution():
    p = small_mdkp(3, n=10)
    policy = p.merge_policy(seed=0)
    guard = policy.policies[-1]
    res = shrink(ising_form(p.bqm), 3, correlation=random_correlations(1), merge_policy=policy)
    assert guard.num_alive >= 1
    assert res.reduced.bqm.num_variables == 3 or res.stop_reason == "no_admissible_pair"


# -- encodings ---------------------------------------------------------------------------
def test_encodings_variable_counts():
    slack = small_mdkp(1, n=8, m=3, encoding="slack")
    unb = small_mdkp(1, n=8, m=3, encoding="unbalanced")
    assert unb.num_variables == {"decision": 8, "bqm": 8}
    assert slack.num_variables["bqm"] > 8
    with pytest.raises(ValueError, match="unbalanced"):
        MDKPProblem([1], [[1]], [1], encoding="slak")


@pytest.mark.parametrize("kind", ["mis"])
def test_penalty_bqm_ground_state_is_feasible_and_optimal(kind):
    """MIS's weight rule (lam > 1) is exact: the BQM's ground state is a maximum
    independent set. (The MDKP, QAP and CQM rules are deliberately soft; the
    repair restores feasibility.)"""
    for seed in range(5):
        p = MAKERS[kind](seed)
        ss = dimod.ExactSolver().sample(p.bqm) if p.bqm.num_variables <= 18 else None
        if ss is None:
            continue
        X = p.decision_columns(ss.truncate(1))
        assert p.is_feasible(X)[0]
        feas = all_assignments(len(p.variables), dimod.BINARY)
        feas = feas[p.is_feasible(feas)]
        best = p.objective(feas).max() if p.sense == "max" else p.objective(feas).min()
        assert p.objective(X)[0] == pytest.approx(best)


def test_slack_completion_zeroes_the_penalty():
    p = small_mdkp(2, n=6, encoding="slack")
    x = p.greedy()
    full = p.complete(x[None, :])
    e = p.bqm.energies((full, list(p.bqm.variables)))[0]
    pmax = p.p.max()
    assert e == pytest.approx(-p.objective(x[None, :])[0] / pmax)


# -- repairs -----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(MAKERS))
@given(seed=st.integers(0, 10_000), data=st.data())
def test_repair_always_returns_feasible_samples(kind, seed, data):
    p = MAKERS[kind](seed % 50)
    n = len(p.variables)
    X = np.array(data.draw(st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n),
                                    min_size=1, max_size=5)), dtype=np.int8)
    out = p.repair_samples(X, polish=data.draw(st.booleans()))
    assert out["is_feasible"].all()
    assert p.is_feasible(out["samples"]).all()
    np.testing.assert_array_equal(out["feasible_before_repair"], p.is_feasible(X))
    assert (out["repair_moves"][out["feasible_before_repair"]] == 0).all()
    assert (out["polish_gain"] >= -1e-9).all()


def test_repair_works_on_any_sampleset():
    p = small_mis(4, n=10)
    ss = dimod.SampleSet.from_samples_bqm(
        (np.ones((3, 10), dtype=np.int8), list(p.bqm.variables)), p.bqm)
    fixed = p.repair_sampleset(ss)
    assert fixed.record.is_feasible.all() and not fixed.record.feasible_before_repair.any()
    assert (fixed.record.repair_moves > 0).all()
    dimod.testing.assert_sampleset_energies(fixed, p.bqm)


def _free_vertices(p, x):
    chosen = [v for v, b in zip(p.variables, x.astype(bool)) if b]
    blocked = nx.node_boundary(p.graph, chosen)
    return [v for v in p.variables if v not in chosen and v not in blocked]


def test_mis_repair_only_drops_and_the_polish_makes_the_set_maximal():
    p = small_mis(5, n=12, p=0.3)
    ones = np.ones(12, dtype=np.int8)
    x, moves = p.repair_one(ones)
    assert p.is_feasible(x[None, :])[0]
    assert moves == 12 - x.sum()  # every move drops a vertex
    y, _ = p.polish_one(x)
    assert p.is_feasible(y[None, :])[0] and not _free_vertices(p, y)
    assert y.sum() >= x.sum()


def test_mis_repair_treats_a_feasible_sample_and_an_infeasible_one_alike():
    # the empty set is feasible and stays empty; a conflicting pair loses one vertex
    # and gains nothing else: the repair restores independence and makes no other change
    p = MISProblem(nx.path_graph(5))
    empty = np.zeros(5, dtype=np.int8)
    assert p.repair_samples(empty[None, :], polish=False)["samples"].sum() == 0
    pair = np.array([1, 1, 0, 0, 0], dtype=np.int8)
    out = p.repair_samples(pair[None, :], polish=False)["samples"][0]
    assert out.sum() == 1 and out[2:].sum() == 0
    assert p.repair_samples(pair[None, :], polish=True)["samples"][0].sum() == 3


def test_qap_repair_is_nearest_permutation():
    p = small_qap(0, n=4)
    perm = np.array([2, 0, 3, 1])
    x = p.to_matrix(perm).copy()
    x[0] = 1 - x[0]  # one flipped bit
    y, moves = p.repair_one(x)
    assert p.to_perm(y).tolist() == perm.tolist() and moves == 1


def test_maxcut_problem():
    g = nx.cycle_graph(6)
    p = MaxCutProblem(g)
    x = p.greedy()
    assert p.objective(x[None])[0] == 6
    e = p.bqm.energies(([x], p.variables))[0]
    assert e == -6


def test_natural_solutions_are_labelled_and_one_based():
    p = MDKPProblem([3, 4], [[1, 1]], [1])
    assert p.solution(np.array([0, 1])) == {"items": [2], "index_base": 1}
    q = small_qap(0, n=3)
    assert q.solution(q.to_matrix([2, 0, 1])) == {"assignment": [3, 1, 2], "index_base": 1}
    g = nx.relabel_nodes(nx.path_graph(3), {0: 1, 1: 2, 2: 3})  # a DIMACS file's labels
    m = MISProblem(g)
    assert m.solution(np.array([1, 0, 1])) == {"vertices": [1, 3]}
    c = MaxCutProblem(g)
    assert c.solution(np.array([0, 1, 0])) == {"side": [2]}
    assert small_cqm(0).solution(np.array([1, 0, 0, 1, 0, 0, 0, 1])) == {"ones": [0, 3, 7]}


def test_qap_solution_matches_qaplib_sln(instances):
    """solution() writes the permutation as the QAPLIB .sln file does (1-based)."""
    from dimod_shrink.io import read_qaplib, read_qaplib_solution
    inst = read_qaplib(instances / "qap" / "nug12.dat")
    _, value, perm = read_qaplib_solution(instances / "qap" / "nug12.sln")
    file_numbers = [int(t) for t in (instances / "qap" / "nug12.sln").read_text().split()[2:]]
    p = QAPProblem.from_instance(inst)
    x = p.to_matrix(np.asarray(perm))
    assert p.solution(x) == {"assignment": file_numbers, "index_base": 1}
    assert min(p.perm_cost(perm), p.perm_cost(np.argsort(perm))) == value


def test_cqm_problem_rejects_bad_input():
    with pytest.raises(TypeError, match="ConstrainedQuadraticModel"):
        CQMProblem(dimod.BinaryQuadraticModel("BINARY"))
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variable("INTEGER", "i")
    with pytest.raises(ValueError, match="binary"):
        CQMProblem(cqm)


def test_maxcut_has_no_vetoes():
    p = MaxCutProblem(nx.gnp_random_graph(20, 0.3, seed=1))
    assert p.merge_policy() is None
    res = shrink(ising_form(p.bqm), 4, correlation=random_correlations(0))
    assert res.vetoed_merges == 0 and res.reduced.bqm.num_variables == 4


# -- the graphs MaxCutProblem and MISProblem accept (problems/_graphs.py) ------------------
def test_graph_problems_take_edge_lists():
    mc = MaxCutProblem([(1, 2, 3.0), (2, 3), (1, 3, -1)])
    assert mc.graph[1][2]["weight"] == 3.0 and mc.graph[2][3].get("weight", 1) == 1
    mis = MISProblem([(1, 2), (2, 3)])
    assert sorted(mis.variables) == [1, 2, 3] and int(mis.objective(mis.greedy()[None])[0]) == 2
    with pytest.raises(TypeError, match="MISProblem: edge #0 of the list is \\(1, 2, 5\\)"):
        MISProblem([(1, 2, 5)])
    with pytest.raises(TypeError, match="needs a networkx.Graph or a list of edges"):
        MaxCutProblem(42)
    with pytest.raises(TypeError, match="each edge must be"):
        MaxCutProblem([(1,)])


def test_multigraphs_are_converted_as_documented():
    g = nx.MultiGraph()
    g.add_edge(1, 2, weight=2.0)
    g.add_edge(1, 2, weight=3.0)
    g.add_edge(2, 3)
    mc = MaxCutProblem(g)
    assert mc.graph[1][2]["weight"] == 5.0 and mc.graph[2][3]["weight"] == 1.0
    # the cut {1} | {2, 3} cuts both parallel edges: 5
    assert float(mc.objective([[1, 0, 0]])[0]) == 5.0
    mis = MISProblem(nx.MultiGraph([(1, 2), (1, 2), (2, 3)]))
    assert mis.edges.shape == (2, 2)
    # directions do not matter for independence, but they might for a cut
    assert MISProblem(nx.DiGraph([(1, 2), (2, 1), (2, 3)])).edges.shape == (2, 2)
    with pytest.raises(ValueError, match="needs an undirected graph, got a DiGraph"):
        MaxCutProblem(nx.DiGraph([(1, 2)]))
    with pytest.raises(ValueError, match="got a MultiDiGraph"):
        MaxCutProblem(nx.MultiDiGraph([(1, 2)]))


@pytest.mark.parametrize("weight,error,msg", [
    ("heavy", TypeError, "edge \\(1, 2\\) has weight 'heavy' \\(str\\)"),
    (None, TypeError, "edge \\(1, 2\\) has weight None"),
    (float("nan"), ValueError, "edge \\(1, 2\\) has weight nan"),
    (True, TypeError, "has weight True"),
])
def test_maxcut_refuses_bad_weights_naming_the_edge(weight, error, msg):
    g = nx.Graph()
    g.add_edge(0, 1, weight=1.0)
    g.add_edge(1, 2, weight=weight)
    with pytest.raises(error, match=msg):
        MaxCutProblem(g)


def test_self_loops_and_empty_graphs():
    g = nx.Graph([(1, 1), (1, 2)])
    mc = MaxCutProblem(g)  # a self-loop is never cut: dropped, the caller's graph untouched
    assert list(mc.graph.edges) == [(1, 2)] and nx.number_of_selfloops(g) == 1
    assert mc.build_bqm().num_interactions == 1
    with pytest.raises(ValueError, match="vertex 1 has a self-loop"):
        MISProblem(g)
    for cls in (MaxCutProblem, MISProblem):
        with pytest.raises(ValueError, match="the graph has no vertices"):
            cls(nx.Graph())
