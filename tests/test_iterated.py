"""Iterated shrinking: rounds around the incumbent, stopping rules, warm starts, CQMs."""

import dimod
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dimod_shrink.composites import IteratedShrinkingComposite
from dimod_shrink.composites.iterated import IncumbentRelative, gauge_form
from dimod_shrink.ising import ising_form
from dimod_shrink.merges import REFERENCE

from strategies import bqms


def planted(n=40, degree=4, seed=0, field=0.05):
    """A sparse model whose unique ground state is a random spin vector ``t``.

    Every coupling ``-w t_i t_j`` (``w`` in [0.5, 1.5]) and field
    ``-field * t_i`` is satisfied by ``t``; ground energy ``-sum(w) - field * n``.
    """
    rng = np.random.default_rng(seed)
    t = rng.choice([-1, 1], n)
    graph = nx.random_regular_graph(degree, n, seed=seed)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    ground = 0.0
    for i in range(n):
        bqm.add_linear(i, -field * t[i])
        ground -= field
    for i, j in graph.edges:
        w = rng.uniform(0.5, 1.5)
        bqm.add_quadratic(i, j, -w * t[i] * t[j])
        ground -= w
    return bqm, ground


def test_gauge_form_moves_the_incumbent_to_all_up():
    bqm = dimod.generators.ran_r(1, 7, seed=5)
    form = ising_form(bqm)
    rng = np.random.default_rng(0)
    g = rng.choice([-1, 1], 7)
    gauged = gauge_form(form, g)
    S = rng.choice([-1, 1], (20, 7))
    np.testing.assert_allclose(gauged.energies(S * g), form.energies(S))


def test_incumbent_relative_correlations_only_admit_incumbent_merges():
    bqm = dimod.generators.ran_r(1, 12, seed=1)
    K = ising_form(bqm).couplings
    for base in ("relaxation", "impact"):
        C = IncumbentRelative(base, noise=0.5)(K, np.random.default_rng(0))
        assert C.shape == K.shape
        assert (C >= 0).all() and (C <= 1).all()
        np.testing.assert_allclose(C, C.T)


@settings(max_examples=25)
@given(bqm=bqms(min_n=3, max_n=8, labels="mixed"), seed=st.integers(0, 2**16),
       budget=st.integers(1, 3))
def test_never_worse_than_the_incumbent(bqm, seed, budget):
    # even a child that ignores the model cannot lose the incumbent
    rng = np.random.default_rng(seed)
    vals = (-1, 1) if bqm.vartype is dimod.SPIN else (0, 1)
    start = {v: int(rng.choice(vals)) for v in bqm.variables}
    sampler = IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=budget)
    ss = sampler.sample(bqm, initial_states=start, max_rounds=3, patience=3, seed=seed,
                        num_reads=2)
    rounds = ss.info["rounds"]
    e0 = bqm.energy(start)
    assert rounds[0]["incumbent_energy"] == pytest.approx(e0)
    inc = [r["incumbent_energy"] for r in rounds]
    assert all(b <= a + 1e-9 for a, b in zip(inc, inc[1:]))
    assert all(r["incumbent_kept"] for r in rounds)
    assert ss.first.energy <= e0 + 1e-9
    assert ss.first.energy == pytest.approx(bqm.energy(ss.first.sample))
    np.testing.assert_allclose(ss.record.energy, bqm.energies(ss))
    for r in rounds[1:]:
        assert sum(r["group_sizes"]) + r["num_fixed"] == bqm.num_variables
        assert r["num_reduced"] <= budget


def test_stops_on_max_rounds_patience_and_time_limit():
    bqm, _ = planted(30, seed=3)
    sampler = IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=6)
    ss = sampler.sample(bqm, max_rounds=2, patience=5, seed=0)
    assert ss.info["stop"] == "max_rounds" and len(ss.info["rounds"]) == 3

    # within budget: round 0 is exact, so no later round can improve
    small = dimod.generators.ran_r(1, 6, seed=2)
    exact = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=6)
    ss = exact.sample(small, max_rounds=10, patience=2, seed=0)
    assert ss.info["stop"] == "patience" and len(ss.info["rounds"]) == 3
    assert [r["improvement"] for r in ss.info["rounds"][1:]] == [0.0, 0.0]

    ss = sampler.sample(bqm, max_rounds=50, patience=50, time_limit=1e-6, seed=0)
    assert ss.info["stop"] == "time_limit" and len(ss.info["rounds"]) == 1


def test_time_limit_starts_no_round_that_would_end_late(monkeypatch):
    """A fake clock that advances one second per child call: with ``time_limit=3.5`` the
    rounds end at 1, 2 and 3 s, and the fourth (expected to end at 4 s) never starts."""
    import dimod_shrink.composites.iterated as it
    clock = [0.0]
    monkeypatch.setattr(it.time, "perf_counter", lambda: clock[0])

    class OneSecond(dimod.RandomSampler):
        def sample(self, bqm, **kwargs):
            clock[0] += 1.0
            return super().sample(bqm, **kwargs)

    bqm, _ = planted(30, seed=3)
    ss = IteratedShrinkingComposite(OneSecond(), num_variables=6).sample(
        bqm, max_rounds=50, patience=50, time_limit=3.5, seed=0)
    assert ss.info["stop"] == "time_limit" and len(ss.info["rounds"]) == 3
    assert ss.info["time"] == 3.0 <= 3.5


def test_initial_states_are_refined():
    bqm, ground = planted(40, seed=1)
    start = {v: 1 for v in bqm.variables}
    sampler = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=10)
    ss = sampler.sample(bqm, initial_states=start, max_rounds=6, patience=6, seed=0)
    rounds = ss.info["rounds"]
    assert rounds[0]["stop_reason"] == "initial_states" and rounds[0]["child_calls"] == 0
    assert rounds[0]["incumbent_energy"] == pytest.approx(bqm.energy(start))
    assert ss.first.energy < bqm.energy(start) - 1.0
    assert ss.info["child_calls"] == len(rounds) - 1

    with pytest.raises(ValueError, match="missing"):
        sampler.sample(bqm, initial_states={0: 1})
    with pytest.raises(ValueError, match="takes values"):
        sampler.sample(bqm, initial_states={v: 0 for v in bqm.variables})


def test_the_child_matters_on_a_planted_model():
    # from the all-up state, rounds with an SA child reach the planted ground state;
    # the same rounds with dimod.RandomSampler at the same reads stay far above it
    from dwave.samplers import SimulatedAnnealingSampler
    bqm, ground = planted(40, seed=0)
    kw = dict(max_rounds=6, patience=6, seed=0, num_reads=10,
              initial_states={v: 1 for v in bqm.variables})
    sa = IteratedShrinkingComposite(SimulatedAnnealingSampler(), num_variables=10)
    rnd = IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=10)
    good = sa.sample(bqm, **kw)
    bad = rnd.sample(bqm, **kw)
    assert good.first.energy == pytest.approx(ground)
    assert bad.first.energy > ground + 5.0
    assert len(good.info["rounds"]) == len(bad.info["rounds"]) == 7


def test_policy_sees_the_original_variables_in_every_round():
    # BINARY model: a gauge flip x -> 1 - x would turn "fix x = 1" into "fix x = 0";
    # the policy must see the original meaning.  It vetoes every merge after which some
    # x would be fixed to 0 (directly, or through its group: x_a = 1 - x_b, x_b = 1).
    bqm, _ = planted(30, seed=4)
    bqm = bqm.change_vartype("BINARY", inplace=False)
    form = ising_form(bqm)
    seen = {"calls": 0, "gauged_rounds": 0, "zero_fix_admitted": 0, "fixed_zero": 0}

    def no_zero_fix(state, i, j, sign):
        seen["calls"] += 1
        assert (state.form.couplings != form.couplings).nnz == 0  # un-gauged model
        seen["fixed_zero"] += sum(1 for v in state.fixed().values() if v == 0)
        root, sgn = state.resolve_after(i, j, sign)
        return not ((root[:-1] == state.form.reference) & (sgn[:-1] < 0)).any()

    sampler = IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8)
    ss = sampler.sample(bqm, merge_policy=no_zero_fix, max_rounds=4, patience=4, seed=2,
                        return_shrink_context=True)
    assert seen["calls"] > 0 and seen["fixed_zero"] == 0
    contexts = ss.info["shrink_context"]
    assert sum(c.get("vetoed_merges", 0) for c in contexts[1:]) > 0

    # not vacuous: without the policy, later rounds do fix variables to 0
    def record(state, i, j, sign):
        seen["zero_fix_admitted"] += int(j is REFERENCE and sign < 0)
        return True

    sampler.sample(bqm, merge_policy=record, max_rounds=4, patience=4, seed=2)
    assert seen["zero_fix_admitted"] > 0


def _knapsack(n=40, seed=0):
    rng = np.random.default_rng(seed)
    value = rng.integers(1, 20, n)
    weight = rng.integers(1, 15, n)
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(n)]
    cqm.set_objective(-dimod.quicksum(int(v) * xi for v, xi in zip(value, x)))
    cqm.add_constraint(dimod.quicksum(int(w) * xi for w, xi in zip(weight, x))
                       <= int(weight.sum() // 3), label="cap")
    return cqm


def test_sample_cqm_rounds_keep_feasibility_and_improve():
    cqm = _knapsack()
    sampler = IteratedShrinkingComposite(num_variables=10)
    ss = sampler.sample_cqm(cqm, max_rounds=4, patience=4, seed=3, polish=False)
    assert ss.record.is_feasible.all()
    rounds = ss.info["rounds"]
    assert len(rounds) == 5
    inc = [r["incumbent_energy"] for r in rounds]
    assert all(b <= a for a, b in zip(inc, inc[1:]))
    assert ss.record.energy[0] == pytest.approx(inc[-1])  # the incumbent comes first
    assert all(r["incumbent_kept"] for r in rounds)

    # a warm start over the CQM's variables
    empty = {v: 0 for v in cqm.variables}
    warm = sampler.sample_cqm(cqm, initial_states=empty, max_rounds=2, seed=3)
    assert warm.info["rounds"][0]["stop_reason"] == "initial_states"
    assert warm.record.is_feasible[0] and warm.record.energy[0] < 0


def test_bad_arguments_are_clear():
    sampler = IteratedShrinkingComposite(dimod.RandomSampler())
    bqm = dimod.generators.ran_r(1, 5, seed=0)
    with pytest.raises(TypeError, match="num_read"):
        sampler.sample(bqm, num_read=3)
    with pytest.raises(ValueError, match="patience"):
        sampler.sample(bqm, patience=0)
    with pytest.raises(ValueError, match="time_limit"):
        sampler.sample(bqm, time_limit=-1)
    with pytest.raises(ValueError, match="grouping|correlation"):
        IteratedShrinkingComposite(dimod.RandomSampler(), grouping="nope")
    with pytest.raises(TypeError, match="ConstrainedQuadraticModel"):
        sampler.sample_cqm(bqm)


@pytest.fixture
def shrink_candidates(monkeypatch):
    """The ``candidates`` keyword of every shrink the iterated composite runs, in order
    (round 0 is a :class:`ShrinkingComposite` call, the later rounds' Shrink stage calls
    the engine)."""
    import dimod_shrink.composites.rounds as later
    import dimod_shrink.composites.shrinking as single
    seen = []
    real = later.shrink

    def recording(*args, **kwargs):
        seen.append(kwargs.get("candidates"))
        return real(*args, **kwargs)

    monkeypatch.setattr(later, "shrink", recording)
    monkeypatch.setattr(single, "shrink", recording)
    return seen


def test_round_zero_uses_the_chosen_candidates(shrink_candidates):
    """``candidates`` reaches round 0's shrink (sample_cqm passes the problem's choice);
    later rounds rank their incumbent-relative correlations; a bad name is refused."""
    import dimod_shrink.composites.iterated as it
    seen = shrink_candidates
    bqm = dimod.generators.ran_r(1, 30, seed=4)
    it.IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8).sample(
        bqm, max_rounds=2, patience=5, seed=1, candidates="lsh")
    assert seen == ["lsh", None, None]
    seen.clear()
    it.IteratedShrinkingComposite(dimod.ExactSolver(), num_variables=8,
                                  candidates="dense").sample(bqm, max_rounds=1, seed=1)
    assert seen == ["dense", None]
    with pytest.raises(ValueError, match="candidates must be one of"):
        it.IteratedShrinkingComposite(candidates="nearest")
    with pytest.raises(ValueError, match="candidates must be one of"):
        it.IteratedShrinkingComposite().sample(bqm, candidates="all")


def test_the_pipeline_gives_round_zero_the_problems_candidates(shrink_candidates):
    """``solve_problem(rounds=...)`` (the CLI's ``--rounds``) shrinks round 0 with the
    problem's measured candidate pairs, as the single shrink and the bench do."""
    from dimod_shrink.pipeline import solve_problem
    from dimod_shrink.problems import QAPProblem
    seen = shrink_candidates
    rng = np.random.default_rng(0)
    problem = QAPProblem(rng.integers(0, 5, (4, 4)), rng.integers(0, 5, (4, 4)))
    assert problem.candidates == "lsh"
    solve_problem(problem, dimod.ExactSolver(), qubits=6, rounds=1, seed=0)
    assert seen and seen[0] == "lsh"


def test_a_plain_random_sampler_child_is_seeded():
    """dimod.RandomSampler takes a seed without listing it in ``parameters``; the seed
    still reaches it, so seeded runs repeat."""
    bqm, _ = planted(30, seed=3)
    runs = [IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=6).sample(
        bqm, max_rounds=4, patience=5, seed=11, num_reads=7) for _ in range(2)]
    assert np.array_equal(runs[0].record.sample, runs[1].record.sample)
    other = IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=6).sample(
        bqm, max_rounds=4, patience=5, seed=12, num_reads=7)
    assert not np.array_equal(runs[0].record.sample, other.record.sample)


def _round(ss, k):
    """Samples and energies of round ``k`` of an iterated SampleSet (in order; the first
    row is the incumbent, repeated from its round)."""
    rec = ss.record[1:]
    mask = rec["round"] == k
    return rec.sample[mask], rec.energy[mask]


@pytest.mark.parametrize("child", ["sa", "random"])
def test_round_zero_is_the_single_shot(child):
    """Round 0 of the composite is ShrinkingComposite.sample with the same settings and
    seed: the same samples and energies, row for row."""
    from dimod_shrink import ShrinkingComposite
    from dimod_shrink.pipeline import make_sampler
    bqm, _ = planted(40, seed=2)
    reads = {"num_reads": 9}
    one = ShrinkingComposite(make_sampler(child), candidates="lsh").sample(
        bqm, num_variables=8, seed=5, **reads)
    it = IteratedShrinkingComposite(make_sampler(child), candidates="lsh").sample(
        bqm, num_variables=8, seed=5, max_rounds=2, **reads)
    samples, energies = _round(it, 0)
    np.testing.assert_array_equal(samples, one.record.sample)
    np.testing.assert_array_equal(energies, one.record.energy)
    assert it.first.energy <= one.first.energy


def test_sample_cqm_round_zero_is_the_single_shot():
    """Same CQM, seed and defaults (num_reads included): round 0 of the iterated
    sample_cqm is ShrinkingComposite.sample_cqm."""
    from dimod_shrink import ShrinkingComposite
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(30)]
    cqm.set_objective(-sum((i % 7 + 1) * xi for i, xi in enumerate(x)))
    cqm.add_constraint(sum((i % 5 + 1) * xi for i, xi in enumerate(x)) <= 20)
    one = ShrinkingComposite(num_variables=10).sample_cqm(cqm, seed=3)
    it = IteratedShrinkingComposite(num_variables=10).sample_cqm(cqm, seed=3, max_rounds=2)
    samples, _ = _round(it, 0)
    np.testing.assert_array_equal(samples, one.record.sample)
    assert it.first.energy <= min(one.record.energy[one.record.is_feasible])


def _solve_cases(instances):
    from dimod_shrink.problems import load_problem
    data = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples" / "data"
    yield load_problem(data / "qap6.dat", "qap"), 8
    yield load_problem(data / "mknap-demo.txt", "mdkp"), 8
    for k in (1, 7):
        yield load_problem(instances / "mdkp" / "mknapcb1.txt", "mdkp", instance=k), 20
    yield load_problem(instances / "mis" / "hamming6-4.clq", "mis"), 12


@pytest.mark.parametrize("polish", [False, True], ids=["raw", "polished"])
def test_rounds_never_lose_to_the_single_shot(instances, polish):
    """solve_problem with rounds (the CLI's --rounds) starts from exactly the single
    shot: round 0's samples are its samples, and the answer is never worse."""
    from dimod_shrink.pipeline import solve_problem
    for problem, qubits in _solve_cases(instances):
        for seed in (0, 1):
            common = dict(qubits=qubits, num_reads=10, seed=seed, polish=polish)
            one = solve_problem(problem, "sa", **common)
            it = solve_problem(problem, "sa", rounds=2, **common)
            samples, _ = _round(it["sampleset"], 0)
            np.testing.assert_array_equal(samples, one["sampleset"].record.sample,
                                          err_msg=f"{problem.name} seed {seed}")
            assert it["feasible"] >= one["feasible"]
            if one["feasible"]:
                better = 1 if problem.sense == "max" else -1
                assert better * (it["objective"] - one["objective"]) >= 0, problem.name
