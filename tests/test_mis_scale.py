"""The incremental MIS policies, the 2-SAT construction and the local search.

Each fast path is checked against its definition: the rule layer against the
whole-graph test it replaced, the guard and ``construct_feasible`` against
brute force, and the priority-queue repair, fill, greedy and polish against
the scans they replaced (same choices, same moves).
"""

import dimod
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dimod_shrink import ising_form
from dimod_shrink.merges import REFERENCE, GroupIndex, ShrinkState
from dimod_shrink.problems import MISProblem
from dimod_shrink.problems.mis import IndependentSetGuard


# -- the definitions the fast paths replaced ---------------------------------------------
def reference_rules(p, state, i, j, sign):
    """The rule layer as first defined: whole-graph test on the tentative groups."""
    E0, E1 = p.edges[:, 0], p.edges[:, 1]
    if not len(E0):
        return True
    n = state.form.num_variables
    root, sgn = state.resolve_after(i, j, sign)
    col = p._decision_index(state)
    r, s = root[col], sgn[col]
    jj = n if j is REFERENCE else state.index[j]
    grp = r == jj

    def independent(mask):
        return not (mask[E0] & mask[E1]).any()
    if j is REFERENCE:
        return independent(grp & (s > 0))
    if p.adjacent_equal == "allow":
        return True
    return independent(grp & (s > 0)) and independent(grp & (s < 0))


def reference_fill(p, x):
    x = x.copy()
    moves = 0
    free = ~x & (p._count(x) == 0)
    fdeg = p._count(free)
    while free.any():
        alone = free & (fdeg == 0)
        if alone.any():
            x[alone] = True
            moves += int(alone.sum())
            free &= ~alone
            continue
        cand = np.flatnonzero(free)
        v = cand[np.argmin(fdeg[cand])]
        x[v] = True
        moves += 1
        nb = p.neighbours(v)
        gone = np.append(nb[free[nb]], v)
        free[gone] = False
        np.subtract.at(fdeg, p._neighbours_of(gone), 1)
    return x, moves


def reference_repair(p, x):
    x = np.asarray(x, dtype=bool).copy()
    moves = 0
    conf = np.where(x, p._count(x), 0)
    while conf.max(initial=0) > 0:
        v = int(np.argmax(conf))
        x[v] = False
        conf[v] = 0
        nb = p.neighbours(v)
        conf[nb] -= x[nb]
        moves += 1
    return x.astype(np.int8), moves


def _fill_counting(p, x, moves):
    y, m = reference_fill(p, x)
    return y, moves + m


def reference_swap(p, x, moves):
    improved = True
    while improved:
        improved = False
        one_tight = (~x) & (p._count(x) == 1)
        for u in np.flatnonzero(x):
            nb = p.neighbours(u)
            cand = nb[one_tight[nb]]
            if cand.size < 2:
                continue
            sub = p._sub_adjacency(cand)
            pairs = np.argwhere(~sub & ~np.eye(cand.size, dtype=bool))
            if pairs.size:
                a, b = cand[pairs[0]]
                x[u] = False
                x[a] = x[b] = True
                moves += 1
                x, moves = _fill_counting(p, x, moves)
                improved = True
                break
    return x, moves


def reference_polish(p, x):
    x = np.asarray(x, dtype=bool).copy()
    x, moves = _fill_counting(p, x, 0)
    x, moves = reference_swap(p, x, moves)
    if p.kicks:
        rng = np.random.default_rng([p.seed, *np.flatnonzero(x).tolist()])
        for _ in range(p.kicks):
            out = np.flatnonzero(~x)
            if out.size == 0:
                break
            v = rng.choice(out)
            y = x.copy()
            y[p.neighbours(v)] = False
            y[v] = True
            y, m = _fill_counting(p, y, 0)
            y, m = reference_swap(p, y, m)
            if y.sum() >= x.sum():
                moves += m + 1 if y.sum() > x.sum() else 0
                x = y
    return x.astype(np.int8), moves


def consistent_sets(p, state, root, sign):
    """Every independent set consistent with the groups ``(root, sign)`` (brute force)."""
    n = len(p.variables)
    n_state = state.form.num_variables
    col = p._decision_index(state)
    r, s = root[col], sign[col]
    X = ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(np.int8)
    spins = 2 * X.astype(np.int64) - 1
    ext = np.full((X.shape[0], n_state + 1), 1, dtype=np.int64)
    ext[:, col] = spins
    ok = (spins == s * ext[:, r]).all(axis=1) & p.is_feasible(X)
    return X[ok]


# -- strategies ---------------------------------------------------------------------------
@st.composite
def graphs(draw, min_n=2, max_n=9):
    n = draw(st.integers(min_n, max_n))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    edges = [e for e in pairs if draw(st.booleans())]
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return g


@st.composite
def merge_steps(draw, n):
    """A random merge sequence, with candidate merges to ask about before each step."""
    steps = []
    alive = list(range(n))
    for _ in range(draw(st.integers(0, n))):
        asks = []
        for _ in range(3):
            v = draw(st.sampled_from(alive))
            others = [u for u in alive if u != v] + [REFERENCE]
            asks.append((v, draw(st.sampled_from(others)), draw(st.sampled_from([1, -1]))))
        v = draw(st.sampled_from(alive))
        others = [u for u in alive if u != v] + [REFERENCE]
        steps.append((asks, (v, draw(st.sampled_from(others)), draw(st.sampled_from([1, -1])))))
        alive.remove(v)
    return steps


def _problem_and_steps(data, allow=False):
    g = data.draw(graphs())
    p = MISProblem(g, adjacent_equal="allow" if allow else "veto", kicks=3)
    return p, data.draw(merge_steps(len(g)))


# -- the group index ------------------------------------------------------------------------
@given(st.data())
def test_group_index_follows_the_state(data):
    p, steps = _problem_and_steps(data)
    state = ShrinkState(ising_form(p.bqm))
    for _, (v, t, s) in steps:
        state.merge(v, t, s)
        gi = state.group_index()
        root, sign = state.root, state.sign
        n = state.form.num_variables
        for r in list(np.flatnonzero(state.alive)) + [n]:
            idx, sgn = gi.members(int(r))
            expected = np.flatnonzero(root[:n] == r)
            assert sorted(idx.tolist()) == expected.tolist()
            order = np.argsort(idx)
            assert sgn[order].tolist() == sign[expected].tolist()
    assert isinstance(state.group_index(), GroupIndex)


# -- the rules --------------------------------------------------------------------------------
@pytest.mark.parametrize("allow", [False, True])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_incremental_rules_decide_as_the_definition(allow, data):
    """On arbitrary merge sequences (admitted or not), one rule object following the
    state gives the whole-graph definition's answer to every candidate."""
    p, steps = _problem_and_steps(data, allow)
    state = ShrinkState(ising_form(p.bqm))
    rules = p.rule_policy()
    for asks, (v, t, s) in steps:
        for i, j, sign in asks:
            assert rules(state, i, j, sign) == reference_rules(p, state, i, j, sign)
        state.merge(v, t, s)


def test_rules_restart_on_a_new_state():
    p = MISProblem(nx.path_graph(3))
    rules = p.rule_policy()
    a = ShrinkState(ising_form(p.bqm))
    a.merge(0, REFERENCE, +1)
    assert not rules(a, 1, REFERENCE, +1)
    b = ShrinkState(ising_form(p.bqm))
    assert rules(b, 1, REFERENCE, +1)


# -- the guard and the construction -----------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_guard_admits_exactly_the_merges_some_independent_set_agrees_with(data):
    p, steps = _problem_and_steps(data)
    state = ShrinkState(ising_form(p.bqm))
    policy = p.merge_policy()
    guard = policy.policies[-1]
    assert isinstance(guard, IndependentSetGuard)
    n = state.form.num_variables
    for asks, (v, t, s) in steps:
        for i, j, sign in asks:
            root, sgn = state.resolve_after(i, j, sign)
            exists = len(consistent_sets(p, state, root, sgn)) > 0
            assert guard(state, i, j, sign) == exists
            tr = guard.tracker
            if not tr.dead:  # the witness always agrees with every merge made
                assert p.is_feasible(tr.x[None, :])[0]
        state.merge(v, t, s)
    # the witness kept (when one exists) agrees with every merge
    tr = guard.tracker
    tr.sync(state)
    exists = len(consistent_sets(p, state, state.root, state.sign)) > 0
    assert tr.dead == (not exists)
    if exists:
        spins = np.append(2 * tr.x.astype(np.int64) - 1, 1)
        assert np.array_equal(spins, state.sign * spins[state.root])


@settings(max_examples=60, deadline=None)
@given(data=st.data(), use_hint=st.booleans())
def test_construct_feasible_finds_an_agreeing_independent_set_whenever_one_exists(
        data, use_hint):
    p, steps = _problem_and_steps(data)
    state = ShrinkState(ising_form(p.bqm))
    n = state.form.num_variables
    hint = None
    for _, (v, t, s) in steps:
        if use_hint:
            before = consistent_sets(p, state, state.root, state.sign)
            hint = before[-1] if len(before) else None
        state.merge(v, t, s)
        root, sign = state.root, state.sign
        x = p.construct_feasible(state, root, sign, hint=hint)
        found = consistent_sets(p, state, root, sign)
        assert (x is None) == (len(found) == 0)
        if x is not None:
            assert any(np.array_equal(x, y) for y in found)
            assert p._construct_eis(*p._decision_groups(state, root, sign)) is not None


def test_construct_feasible_on_an_odd_cycle_of_anti_merges():
    """Anti-merges across the edges of a triangle: one leaves {0} or {1}; two
    leave {0} only."""
    p = MISProblem(nx.cycle_graph(3))
    state = ShrinkState(ising_form(p.bqm))
    state.merge(1, 0, -1)
    x = p.construct_feasible(state, state.root, state.sign)
    assert x is not None and x[0] + x[1] == 1 and x[2] == 0
    state.merge(2, 0, -1)  # x_2 = x_1 = 1 - x_0: an adjacent equal pair, so both are 0
    assert p.construct_feasible(state, state.root, state.sign).tolist() == [1, 0, 0]


# -- repair, fill, greedy and polish ----------------------------------------------------------
@st.composite
def graph_and_set(draw):
    n = draw(st.integers(1, 28))
    p_edge = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5]))
    g = nx.gnp_random_graph(n, p_edge, seed=draw(st.integers(0, 10_000)))
    x = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return g, x


@settings(max_examples=80, deadline=None)
@given(graph_and_set(), st.integers(0, 3))
def test_local_search_makes_the_same_moves_as_the_scans(case, seed):
    g, x = case
    p = MISProblem(g, kicks=5, seed=seed)
    y, moves = p.repair_one(x)
    ry, rmoves = reference_repair(p, x)
    assert np.array_equal(y, ry) and moves == rmoves
    assert p.is_feasible(y[None, :])[0]
    f, fm = p._fill(y.astype(bool), 0)
    rf, rfm = reference_fill(p, y.astype(bool))
    assert np.array_equal(f, rf) and fm == rfm
    z, zm = p.polish_one(y)
    rz, rzm = reference_polish(p, y)
    assert np.array_equal(z, rz) and zm == rzm
    assert p.is_feasible(z[None, :])[0] and z.sum() >= y.sum()
    g0 = reference_fill(p, np.zeros(len(x), dtype=bool))[0]
    assert np.array_equal(p.greedy(), g0.astype(np.int8))


def test_penalty_bqm_is_the_edge_loop():
    g = nx.gnm_random_graph(30, 60, seed=1)
    p = MISProblem(g, penalty=3.0)
    bqm = dimod.BinaryQuadraticModel({v: -1.0 for v in g.nodes}, {}, 0.0, "BINARY")
    for a, b in g.edges:
        bqm.add_quadratic(a, b, 3.0)
    assert p.bqm == bqm and list(p.bqm.variables) == list(g.nodes)


def test_bqm_columns_map_with_auxiliary_variables():
    from dimod_shrink.problems import MDKPProblem
    p = MDKPProblem([3, 4, 5], [[2, 3, 4]], [6], encoding="slack")
    X = np.array([[1, 0, 1], [0, 1, 0]], dtype=np.int8)
    full = p.complete(X)
    labels = list(p.bqm.variables)
    for k, v in enumerate(p.variables):
        assert np.array_equal(full[:, labels.index(v)], X[:, k])
    assert p.bqm.num_variables > 3
