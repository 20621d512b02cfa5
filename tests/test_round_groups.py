"""Problem-supplied rounds of iterated shrinking: ``round_groups`` and ``perturb``.

QAP is the case they exist for: disjoint swaps around the incumbent make
every reduced state a permutation, and kicks turn the rounds into an iterated
local search.
"""

import itertools

import dimod
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler
from hypothesis import given, settings
from hypothesis import strategies as st

from dimod_shrink.composites import IteratedShrinkingComposite
from dimod_shrink.composites.iterated import gauge_form, grouped_state
from dimod_shrink.ising import ising_form
from dimod_shrink.problems import QAPProblem


def random_qap(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 10, (n, n))
    B = rng.integers(0, 10, (n, n))
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    return QAPProblem(A, B, name=f"rand{n}")


def incumbent_of(problem, perm):
    return dict(zip(problem.variables, problem.to_matrix(perm).tolist()))


def exact_qap(problem):
    perms = np.array(list(itertools.permutations(range(problem.n))))
    costs = np.array([problem.perm_cost(p) for p in perms])
    return float(costs.min())


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 7), seed=st.integers(0, 2**16), budget=st.integers(1, 5),
       stall=st.integers(0, 4))
def test_every_reduced_state_of_the_swap_rounds_is_a_permutation_at_its_exact_cost(
        n, seed, budget, stall):
    p = random_qap(n, seed)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    groups = p.round_groups()(incumbent_of(p, perm), budget, rng, stall)
    assert len(groups) == min(budget, n // 2)
    form = ising_form(p.bqm)
    x = p.to_matrix(perm)
    gauge = 2 * x.astype(np.int8) - 1  # the QAP BQM's labels are p.variables, in order
    assert list(p.bqm.variables) == p.variables
    state = grouped_state(gauge_form(form, gauge), groups, budget)
    reduced = state.reduced()
    k = reduced.bqm.num_variables
    assert k == len(groups)
    R = np.array(list(itertools.product([0, 1], repeat=k)), dtype=np.int8).reshape(-1, k)
    e_red = reduced.bqm.energies((R, list(reduced.labels)))
    spins = (2 * state.expand(R).astype(np.int8) - 1) * gauge[None, :]
    X = (spins + 1) // 2
    assert p.is_feasible(X).all()
    np.testing.assert_allclose(e_red, p.objective(X), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(p.bqm.energies((X, p.variables)), p.objective(X),
                               rtol=1e-9, atol=1e-6)
    # "no group flips" (every gauged spin +1: the all-ones row) is the incumbent
    assert np.array_equal(X[-1], x)


def test_disjoint_swaps_are_disjoint_and_best_first_without_noise():
    p = random_qap(9, 3)
    perm = np.random.default_rng(1).permutation(9)
    pairs = p.disjoint_swaps(perm, 10)
    used = [f for pair in pairs for f in pair]
    assert len(used) == len(set(used)) == 8  # 4 swaps cover 8 of 9 facilities
    D = p.swap_deltas(perm)
    a, b = pairs[0]
    r, s = np.triu_indices(9, 1)
    assert D[a, b] == pytest.approx(D[r, s].min())
    assert p.disjoint_swaps(perm, 2) == pairs[:2]
    assert p.disjoint_swaps(perm, 0) == []


def test_grouped_state_rejects_bad_groups():
    bqm = dimod.generators.ran_r(1, 6, seed=0)
    form = ising_form(bqm)
    with pytest.raises(ValueError, match="more groups than the budget|budget"):
        grouped_state(form, [[0], [1], [2]], 2)
    with pytest.raises(ValueError, match="empty group"):
        grouped_state(form, [[0], []], 3)
    with pytest.raises(ValueError, match="not a variable"):
        grouped_state(form, [[0, "x"]], 3)
    with pytest.raises(ValueError, match="two groups"):
        grouped_state(form, [[0, 1], [1, 2]], 3)


def _sample_qap(p, child, round_groups=None, **kw):
    sampler = IteratedShrinkingComposite(child, num_variables=20)

    def score(ss):
        return p.objective(p.decision_columns(ss))

    return sampler.sample(p.bqm, postprocess=p.postprocess(polish=False), score=score,
                          round_groups=round_groups or p.round_groups(), **kw)


def test_swap_rounds_need_no_repair_and_keep_the_incumbent():
    p = random_qap(8, 5)
    ss = _sample_qap(p, dimod.RandomSampler(), max_rounds=6, patience=6, seed=2,
                     num_reads=5)
    later = ss.info["rounds"][1:]
    assert len(later) == 6
    assert all(r["grouping"] == "round_groups" and r["incumbent_kept"] for r in later)
    assert all(r["num_reduced"] == 4 and r["group_sizes"] == [4] * 4 for r in later)
    rounds = ss.record["round"]
    assert ss.record["feasible_before_repair"][rounds >= 1].all()
    assert not ss.record["feasible_before_repair"][rounds == 0].all()  # round 0 shrinks


@pytest.mark.parametrize("child", ["sa", "random"])
def test_the_child_chooses_the_best_combination_of_swaps(child):
    # one swap round from a fixed permutation of a 16-facility QAP: 8 disjoint swaps,
    # 256 permutations.  SA finds the best of them; dimod.RandomSampler at the same
    # reads does not (this test must fail with it).
    p = random_qap(16, 7)
    start = (p.to_matrix(np.random.default_rng(3).permutation(16))[None, :], p.variables)
    swaps = p.round_groups()
    seen = []

    def fixed(incumbent, budget, rng, stall):  # the same swaps, whatever the child
        seen.append(swaps(incumbent, budget, np.random.default_rng(0), stall))
        return seen[-1]

    sampler = SimulatedAnnealingSampler() if child == "sa" else dimod.RandomSampler()
    ss = _sample_qap(p, sampler, fixed, max_rounds=1, patience=1, seed=4, num_reads=10,
                     initial_states=start)
    exact = _sample_qap(p, dimod.ExactSolver(), fixed, max_rounds=1, patience=1, seed=4,
                        initial_states=start)  # the same round, every combination
    assert len(seen) == 2 and seen[0] == seen[1] and len(seen[0]) == 8
    best_combination = exact.first.energy
    assert best_combination < p.perm_cost(start[0][0].reshape(16, 16).argmax(axis=1))
    round1 = ss.record.energy[ss.record["round"] == 1]
    if child == "sa":
        assert round1.min() == pytest.approx(best_combination)
    else:
        assert round1.min() > best_combination + 1e-6


def test_kicks_reach_the_optimum_that_swap_rounds_alone_miss():
    p = random_qap(8, 11)
    optimum = exact_qap(p)
    kw = dict(max_rounds=300, patience=300, seed=0, num_reads=10,
              initial_states=(p.to_matrix(np.arange(8))[None, :], p.variables))
    plain = _sample_qap(p, SimulatedAnnealingSampler(), **{**kw, "patience": 20})
    kicked = _sample_qap(p, SimulatedAnnealingSampler(), perturb=p.perturbation(),
                         perturb_after=3, **kw)
    assert plain.first.energy > optimum + 1e-6  # a local optimum of the swap rounds
    assert kicked.first.energy == pytest.approx(optimum)
    assert kicked.info["kicks"] > 0
    rounds = kicked.info["rounds"]
    assert sum(r["kicked"] for r in rounds) == kicked.info["kicks"]
    inc = [r["incumbent_energy"] for r in rounds]
    assert all(b <= a for a, b in zip(inc, inc[1:]))
    assert kicked.first.energy == pytest.approx(kicked.record.energy.min())


def test_kicks_leave_plain_rounds_unchanged_and_bad_arguments_are_clear():
    bqm = dimod.generators.ran_r(1, 30, seed=4)
    sampler = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8)
    a = sampler.sample(bqm, max_rounds=4, seed=1)
    b = sampler.sample(bqm, max_rounds=4, seed=1, perturb_after=5)
    assert np.array_equal(a.record.sample, b.record.sample)
    assert a.info["kicks"] == 0 and not any(r["kicked"] for r in a.info["rounds"])
    with pytest.raises(TypeError, match="perturb must be a callable"):
        sampler.sample(bqm, perturb=3)
    with pytest.raises(ValueError, match="perturb_after"):
        sampler.sample(bqm, perturb=lambda inc, rng: inc, perturb_after=0)
    with pytest.raises(TypeError, match="round_groups must be a callable"):
        sampler.sample(bqm, round_groups="swaps")
    with pytest.raises(ValueError, match="budget"):
        sampler.sample(bqm, max_rounds=1, round_groups=lambda inc, k, rng, s: [[v] for v in
                                                                              bqm.variables])
    with pytest.raises(ValueError, match="perturb must return one state"):
        sampler.sample(bqm, max_rounds=3, patience=3, perturb_after=1,
                       perturb=lambda inc, rng: [inc, inc])


# -- MIS: windows of single vertices, and kicks that force vertices in --------------------
def random_mis(n, p, seed):
    import networkx as nx
    from dimod_shrink.problems import MISProblem
    return MISProblem(nx.gnp_random_graph(n, p, seed=seed), name=f"gnp{n}")


@settings(max_examples=30, deadline=None)
@given(n=st.integers(4, 40), p=st.floats(0.05, 0.5), seed=st.integers(0, 2**16),
       budget=st.integers(1, 10))
def test_an_mis_window_can_only_conflict_inside_itself(n, p, seed, budget):
    prob = random_mis(n, p, seed)
    rng = np.random.default_rng(seed)
    x = prob.greedy().astype(bool)
    x[rng.random(n) < 0.3] = False  # not maximal: free vertices too
    W = prob.window(x, budget, rng)
    assert 1 <= W.size <= budget or (W.size == 0 and not x.any() and budget == 0)
    inW = np.zeros(n, dtype=bool)
    inW[W] = True
    # an outside vertex in the window has every set neighbour in the window
    for v in W[~x[W]]:
        nb = prob.neighbours(v)
        assert inW[nb[x[nb]]].all()
    # so every re-choice of the window that is independent inside it is independent
    groups = prob.round_groups()(dict(zip(prob.variables, x.astype(int).tolist())), budget,
                                 np.random.default_rng(seed), 0)
    assert sorted(prob.variables.index(g[0]) for g in groups) == sorted(
        prob.window(x, budget, np.random.default_rng(seed)).tolist())
    sub = prob._sub_adjacency(W)
    for bits in itertools.islice(itertools.product([0, 1], repeat=W.size), 256):
        y = x.copy()
        y[W] = np.array(bits, dtype=bool)
        inside_ok = not (np.outer(y[W], y[W]) & sub).any()
        assert bool(prob.is_feasible(y[None, :].astype(np.int8))[0]) == inside_ok


def test_the_mis_kick_forces_vertices_in_and_stays_independent():
    prob = random_mis(50, 0.2, 1)
    x = prob.greedy()
    inc = dict(zip(prob.variables, x.tolist()))
    y = np.array([prob.perturbation(force=3)(inc, np.random.default_rng(0))[v]
                  for v in prob.variables])
    assert prob.is_feasible(y[None, :])[0]
    added = np.flatnonzero((y == 1) & (x == 0))
    assert added.size == 3


def test_the_maxcut_kick_flips_the_given_number_of_vertices():
    import networkx as nx
    from dimod_shrink.problems import MaxCutProblem
    prob = MaxCutProblem(nx.gnp_random_graph(300, 0.05, seed=2))
    inc = {v: 0 for v in prob.variables}
    for flips, expected in ((None, 3), (7, 7)):
        y = prob.perturbation(flips)(inc, np.random.default_rng(0))
        assert sum(y.values()) == expected


@pytest.mark.parametrize("child", ["sa", "random"])
def test_the_child_chooses_the_best_re_choice_of_an_mis_window(child):
    # one window round from a fixed, poor independent set of a 120-vertex graph: SA finds
    # the best re-choice of the 14 window vertices; dimod.RandomSampler at the same reads
    # does not (this test must fail with it)
    prob = random_mis(120, 0.08, 5)
    x = prob.repair_one(np.random.default_rng(1).random(120) < 0.15)[0]
    start = (x[None, :], prob.variables)
    windows = prob.round_groups()
    seen = []

    def fixed(incumbent, budget, rng, stall):
        seen.append(windows(incumbent, budget, np.random.default_rng(0), stall))
        return seen[-1]

    def run(sampler, **kw):
        ss = IteratedShrinkingComposite(sampler, num_variables=14).sample(
            prob.bqm, postprocess=prob.postprocess(polish=False), max_rounds=1, patience=1,
            seed=4, round_groups=fixed, initial_states=start,
            score=lambda s: -prob.objective(prob.decision_columns(s)), **kw)
        return prob.objective(prob.decision_columns(ss)[ss.record["round"] == 1]).max()

    got = run(SimulatedAnnealingSampler() if child == "sa" else dimod.RandomSampler(),
              num_reads=10)
    best = run(dimod.ExactSolver())
    assert len(seen) == 2 and seen[0] == seen[1] and len(seen[0]) == 14
    assert best > x.sum()
    if child == "sa":
        assert got == best
    else:
        assert got < best


def test_the_groupings_do_not_depend_on_whether_the_child_takes_a_seed():
    # ExactSolver takes no seed, RandomSampler does: with the same seed both rounds'
    # groupings draw from the same random state
    p = random_qap(10, 2)
    swaps = p.round_groups()
    seen = {}
    for name, child in (("exact", dimod.ExactSolver()), ("random", dimod.RandomSampler())):
        calls = seen.setdefault(name, [])

        def recording(incumbent, budget, rng, stall, calls=calls):
            calls.append(rng.bit_generator.state)  # the generator they get
            return swaps(incumbent, budget, rng, stall)

        _sample_qap(p, child, recording, max_rounds=2, patience=2, seed=6,
                    initial_states=(p.to_matrix(np.arange(10))[None, :], p.variables),
                    **({"num_reads": 4} if name == "random" else {}))
    assert len(seen["exact"]) == len(seen["random"]) == 2
    assert seen["exact"] == seen["random"]


def test_the_pipeline_passes_the_problems_rounds_and_kicks():
    # solve_problem(rounds=...) (the CLI's --rounds) uses problem.iterated_options()
    from dimod_shrink.pipeline import solve_problem
    p = random_qap(8, 3)
    out = solve_problem(p, dimod.RandomSampler(), qubits=6, rounds=8, seed=0, num_reads=4,
                        polish=False)
    later = out["sampleset"].info["rounds"][1:]
    assert later and all(r["grouping"] == "round_groups" for r in later)
    assert set(p.iterated_options()) == {"round_groups", "perturb"}


def test_bqm_state_completes_the_auxiliary_variables():
    # the kick's state covers every BQM variable, slack variables included
    from dimod_shrink.problems import MDKPProblem
    p = MDKPProblem([3, 4, 5], [[2, 3, 4]], [5], encoding="slack")
    x = np.array([1, 1, 0], dtype=np.int8)
    state = p.bqm_state(x)
    assert set(state) == set(p.bqm.variables) and len(state) > 3
    assert np.array_equal(p.decision_vector(state), x)
    assert p.bqm.energy(state) == pytest.approx(-(3 + 4) / 5)  # slack fills the gap exactly
