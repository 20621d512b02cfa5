"""The stages of iterated shrinking, each alone, and the time limit of the whole call."""

import math

import dimod
import numpy as np
import pytest

from dimod_shrink.composites import IteratedShrinkingComposite
from dimod_shrink.composites import rounds as st
from dimod_shrink.composites.gauge import IncumbentRelative, gauge_form
from dimod_shrink.ising import ising_form

from test_iterated import planted


@pytest.fixture
def model():
    bqm, _ = planted(24, seed=4)
    form = ising_form(bqm)
    centre = np.random.default_rng(1).choice([-1, 1], form.num_variables).astype(np.int8)
    return bqm, form, centre


def _later(bqm, form, centre, budget=6, **kw):
    """A RoundState after Centre, Grouping and Shrink."""
    rng = np.random.default_rng(0)
    rs = st.RoundState(1, centre=centre, stall=kw.pop("stall", 0))
    rs = st.Centre(form, rng, {"num_reads": 3}, True)(rs)
    rs = st.Grouping(form, budget, rng, choose=lambda stall: "impact", noise=0.2, **kw)(rs)
    return st.Shrink(form, budget)(rs)


def test_centre_draws_the_child_seed_then_the_shrink_seed_and_gauges(model):
    bqm, form, centre = model
    rng, twin = np.random.default_rng(7), np.random.default_rng(7)
    rs = st.Centre(form, rng, {"num_reads": 3}, True)(st.RoundState(1, centre=centre))
    child_seed, shrink_seed = (int(twin.integers(2**31 - 1)) for _ in range(2))
    assert rs.params == {"num_reads": 3, "seed": child_seed}
    assert rs.shrink_seed == shrink_seed
    np.testing.assert_allclose(rs.work.energies(np.ones((1, form.num_variables))),
                               form.energies(centre[None, :]))
    # an unseeded child still consumes its draw, so the groupings do not depend on it
    rng = np.random.default_rng(7)
    rs = st.Centre(form, rng, {}, False)(st.RoundState(1, centre=centre))
    assert "seed" not in rs.params and rs.shrink_seed == shrink_seed


def test_grouping_takes_the_problems_groups_or_a_noisy_clipped_correlation(model):
    bqm, form, centre = model
    rs = st.RoundState(1, centre=centre, stall=3)
    asked = []

    def groups(incumbent, budget, rng, stall):
        asked.append((len(incumbent), budget, stall))
        return [[0, 1], [2]]
    out = st.Grouping(form, 6, np.random.default_rng(0), choose=lambda s: "impact",
                      noise=0.2, round_groups=groups)(rs)
    assert out.groups == [[0, 1], [2]] and out.grouping == "round_groups"
    assert asked == [(form.num_variables, 6, 3)]
    chosen = []
    out = st.Grouping(form, 6, np.random.default_rng(0),
                      choose=lambda s: chosen.append(s) or "relaxation", noise=0.2,
                      round_groups=lambda *a: None,
                      merge_policy=lambda *a: True)(st.RoundState(1, centre=centre, stall=3))
    assert chosen == [3] and out.grouping == "relaxation" and out.groups is None
    assert isinstance(out.correlation, IncumbentRelative)
    assert out.correlation.noise == pytest.approx(0.8)  # 0.2 * (1 + stall)
    assert out.policy is not None


def test_shrink_keeps_the_centre_within_the_budget(model):
    bqm, form, centre = model
    rs = _later(bqm, form, centre)
    assert rs.reduced.bqm.num_variables <= 6 and rs.record["incumbent_kept"]
    assert rs.context["stop_reason"] == "budget"
    # a problem's groups: one reduced variable per group, the rest fixed
    rs = st.RoundState(1, centre=centre, work=gauge_form(form, centre), groups=[[0, 1], [5]])
    rs = st.Shrink(form, 6)(rs)
    assert rs.reduced.bqm.num_variables == 2 and rs.record["incumbent_kept"]
    # within budget: nothing merged
    rs = st.RoundState(1, centre=centre, work=gauge_form(form, centre))
    rs = st.Shrink(form, 100)(rs)
    assert rs.context["stop_reason"] == "within_budget"
    assert rs.reduced.bqm.num_variables == form.num_variables


def test_child_expand_and_repair(model):
    bqm, form, centre = model
    rs = _later(bqm, form, centre)
    composite = IteratedShrinkingComposite(dimod.ExactSolver())
    rs.params = {}
    rs = st.Child(composite)(rs)
    assert len(rs.child_ss) == 2 ** rs.reduced.bqm.num_variables
    rs = st.Expand(form, "ExactSolver")(rs)
    assert rs.samples.shape == (len(rs.child_ss), form.num_variables)
    # "no group flips" expands to the centre itself
    labels = list(rs.reduced.labels)
    ups = np.flatnonzero((rs.child_ss.record.sample[:, [rs.child_ss.variables.index(v)
                                                         for v in labels]] == 1).all(axis=1))
    np.testing.assert_array_equal(rs.samples[ups[0]], centre)
    assert sum(rs.record["group_sizes"]) + rs.record["num_fixed"] == form.num_variables
    rs = st.Repair(bqm, None)(rs)
    np.testing.assert_allclose(rs.sampleset.record.energy, bqm.energies(rs.sampleset))


def test_repair_passes_the_deadline_to_a_postprocess_that_takes_it(model):
    bqm, form, centre = model
    seen = []

    def with_deadline(ss, bqm, deadline=None):
        seen.append(deadline)
        return ss

    def without(ss, bqm):
        seen.append("none")
        return ss
    rs = st.RoundState(1, samples=np.ones((2, form.num_variables), dtype=np.int8),
                       deadline=123.0)
    st.Repair(bqm, with_deadline)(rs)
    st.Repair(bqm, without)(rs)
    rs.deadline = None
    st.Repair(bqm, with_deadline)(rs)
    assert seen == [123.0, "none", None]


def test_a_round_is_cut_before_its_child_once_the_deadline_passed(model):
    bqm, form, centre = model
    calls = []

    class Recording(dimod.ExactSolver):
        def sample(self, bqm, **kw):
            calls.append(1)
            return super().sample(bqm, **kw)
    composite = IteratedShrinkingComposite(Recording(), num_variables=6)
    chain = composite.stages(bqm, form, 6, np.random.default_rng(0), child_params={})
    rs = chain(st.RoundState(1, centre=centre, deadline=0.0))  # long past
    assert rs.cut and not calls and rs.sampleset is None
    rs = chain(st.RoundState(1, centre=centre))
    assert not rs.cut and calls == [1] and rs.record["round"] == 1
    assert set(rs.record) >= {"grouping", "child_time", "shrink_time", "postprocess_time",
                              "num_reduced", "group_sizes", "incumbent_kept", "time"}


def test_single_shot_is_shrinking_composite_and_draws_two_seeds(model):
    from dimod_shrink import ShrinkingComposite
    bqm, form, centre = model
    rng, twin = np.random.default_rng(3), np.random.default_rng(3)
    composite = IteratedShrinkingComposite(dimod.RandomSampler(), num_variables=6)
    rs = st.SingleShot(composite, bqm, 6, rng=rng, seed=9,
                       child_params={"num_reads": 5})(st.RoundState(0))
    one = ShrinkingComposite(dimod.RandomSampler()).sample(bqm, num_variables=6, seed=9,
                                                           num_reads=5)
    np.testing.assert_array_equal(rs.sampleset.record.sample, one.record.sample)
    twin.integers(2**31 - 1, size=2)
    assert rng.integers(2**31 - 1) == twin.integers(2**31 - 1)
    assert rs.record["round"] == 0 and rs.record["child_calls"] == 1
    assert sum(rs.record["group_sizes"]) + rs.record["num_fixed"] == bqm.num_variables


def _finished(bqm, rows, index):
    ss = dimod.SampleSet.from_samples_bqm((np.asarray(rows), list(bqm.variables)), bqm)
    return st.RoundState(index, sampleset=ss, record={"round": index, "time": 1.0})


def test_accept_keeps_the_best_and_counts_stalls():
    bqm = dimod.BinaryQuadraticModel({"a": 1.0, "b": 1.0}, {}, 0.0, "BINARY")
    search = st.Search(["a", "b"], dimod.BINARY)
    accept = st.Accept()
    accept(search, _finished(bqm, [[1, 1], [1, 0]], 0))
    assert search.best_key == 1.0 and search.best_row == 1 and search.stall == 0
    accept(search, _finished(bqm, [[1, 1]], 1))
    assert search.best_key == 1.0 and search.stall == 1 and search.centre_stall == 1
    accept(search, _finished(bqm, [[0, 0]], 2))
    assert search.best_key == 0.0 and search.best_round == 2 and search.stall == 0
    assert [r["improvement"] for r in search.rounds] == [0.0, 0.0, 1.0]
    np.testing.assert_array_equal(search.incumbent, [-1, -1])  # spins


def test_kick_moves_the_centre_after_enough_stalled_rounds():
    bqm = dimod.BinaryQuadraticModel({"a": 1.0, "b": -1.0}, {}, 0.0, "BINARY")
    search = st.Search(["a", "b"], dimod.BINARY)
    st.Accept()(search, _finished(bqm, [[0, 1]], 0))
    kick = st.Kick(lambda inc, rng: {"a": 1, "b": 1}, 2, bqm, np.random.default_rng(0))
    assert not kick.due(search)
    search.centre_stall = 2
    assert kick.due(search)
    kick(search)
    np.testing.assert_array_equal(search.centre, [1, 1])
    assert search.centre_key == 0.0 and search.centre_stall == 0 and search.kicks == 1
    np.testing.assert_array_equal(search.incumbent, [-1, 1])  # the incumbent stays
    assert not st.Kick(None, 1, bqm, None).due(search)


def test_stop_rule(monkeypatch):
    search = st.Search([], dimod.BINARY)
    search.rounds = [{"time": 5.0, "child_time": 0.5}]
    assert st.StopRule(0, None, None, 0.0)(search) == "max_rounds"
    assert st.StopRule(None, None, None, 0.0)(search) is None
    monkeypatch.setattr(st.time, "perf_counter", lambda: 6.0)
    # before any later round, round 0's child time is the estimate: 6 + 0.5 <= 7
    assert st.StopRule(None, None, 7.0, 0.0)(search) is None
    assert st.StopRule(None, None, 6.4, 0.0)(search) == "time_limit"
    search.rounds += [{"time": 1.0}, {"time": 1.0}]
    search.stall = 2
    assert st.StopRule(None, 2, None, 0.0)(search) == "patience"
    assert st.StopRule(5, 3, None, 0.0)(search) is None
    monkeypatch.setattr(st.time, "perf_counter", lambda: 8.5)
    assert st.StopRule(None, None, 10.0, 0.0)(search) is None     # 8.5 + 1 <= 10
    assert st.StopRule(None, None, 9.0, 0.0)(search) == "time_limit"


# -- the time limit of the whole call -----------------------------------------------------
@pytest.fixture
def clock(monkeypatch):
    """A fake clock that only child calls (1 s each) and ``polish_one`` (0.25 s) advance."""
    import time
    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    return now


class OneSecond(dimod.RandomSampler):
    def __init__(self, clock):
        super().__init__()
        self.clock = clock
        self.parameters = {**self.parameters, "seed": []}

    def sample(self, bqm, **kwargs):
        self.clock[0] += 1.0
        return super().sample(bqm, **kwargs)


def test_time_limit_alone_runs_until_the_time_is_up(clock):
    """No round cap and no patience with a time limit: a model whose round 0 is already
    optimal (nothing to improve) still runs rounds until the time is up."""
    small = dimod.generators.ran_r(1, 6, seed=2)
    ss = IteratedShrinkingComposite(OneSecond(clock), num_variables=6).sample(
        small, time_limit=8.5, seed=0, num_reads=70)
    assert ss.info["stop"] == "time_limit"
    assert ss.info["num_rounds"] == len(ss.info["rounds"]) - 1 == 7  # ends at 8 s
    assert all(r["improvement"] == 0 for r in ss.info["rounds"][1:])
    # with patience given, it applies
    ss = IteratedShrinkingComposite(OneSecond(clock), num_variables=6).sample(
        small, time_limit=100, patience=2, seed=0, num_reads=70)
    assert ss.info["stop"] == "patience" and ss.info["num_rounds"] == 2
    # without a time limit the defaults stay: at most 10 rounds, patience 3
    ss = IteratedShrinkingComposite(OneSecond(clock), num_variables=6).sample(
        small, seed=0, num_reads=70)
    assert ss.info["stop"] == "patience" and ss.info["num_rounds"] == 3


def test_the_deadline_reaches_the_polish_of_every_round(clock):
    """Each polished row costs 0.25 s: the polish stops at the deadline, best rows
    first, and the call ends within the limit (round 0 included)."""
    from dimod_shrink.problems import MDKPProblem
    rng = np.random.default_rng(0)
    problem = MDKPProblem(rng.integers(1, 20, 30), rng.integers(1, 10, (2, 30)),
                          np.array([40, 40]))
    real = problem.polish_one

    def slow(x, *a, **kw):
        clock[0] += 0.25
        return real(x, *a, **kw)
    problem.polish_one = slow
    hook = problem.postprocess(polish=True)
    ss = IteratedShrinkingComposite(OneSecond(clock), num_variables=8).sample(
        problem.bqm, postprocess=hook, time_limit=6.0, seed=0, num_reads=40)
    assert ss.info["stop"] == "time_limit"
    assert clock[0] <= 6.0 + 0.25  # at most one polish step past the deadline
    # round 0 alone (one child call, then 40 rows x 0.25 s) would take 11 s
    first = ss.info["rounds"][0]
    assert first["postprocess_time"] <= 5.25


def test_polish_rows_stop_at_the_deadline_best_first(clock):
    from dimod_shrink.problems import MDKPProblem
    rng = np.random.default_rng(1)
    problem = MDKPProblem(rng.integers(1, 20, 12), rng.integers(1, 10, (2, 12)),
                          np.array([25, 25]))
    X = np.array([problem.repair_one(x)[0] for x in
                  rng.integers(0, 2, (8, 12), dtype=np.int8)])
    X = np.unique(X, axis=0)
    assert len(X) >= 5
    polished = []
    real = problem.polish_one

    def counting(x, *a, **kw):
        clock[0] += 1.0
        polished.append(x.tobytes())
        return real(x, *a, **kw)
    problem.polish_one = counting
    out, moves = problem._polish_rows(X, deadline=2.5)
    assert len(polished) == 3  # at 0, 1 and 2 s; the deadline has passed at 3 s
    obj = problem.objective(X)
    done = np.array([x.tobytes() in polished for x in X])
    assert obj[done].min() >= obj[~done].max()  # the best rows first
    ref = np.array([real(x)[0] for x in X])
    np.testing.assert_array_equal(out[~done], X[~done])  # the rest as they were
    np.testing.assert_array_equal(out[done], ref[done])
    assert (moves[~done] == 0).all()
    # no deadline: every row, as before
    polished.clear()
    out, _ = problem._polish_rows(X)
    np.testing.assert_array_equal(out, ref)
    assert len(polished) == len(X)
    # a deadline already past: every row repaired, the best one alone polished
    polished.clear()
    res = problem.repair_samples(X, deadline=clock[0])
    assert len(polished) == 1 and res["is_feasible"].all()
    assert np.frombuffer(polished[0], dtype=X.dtype).tolist() in \
        X[obj == obj.max()].tolist()


# -- solve_problem and the command line ---------------------------------------------------
def test_solve_problem_counts_rounds_as_asked_and_says_why_they_stopped():
    from dimod_shrink.pipeline import solve_problem
    from dimod_shrink.problems import load_problem
    from conftest import ROOT
    problem = load_problem(ROOT / "examples" / "data" / "mknap-demo.txt", "mdkp")
    r = solve_problem(problem, "sa", qubits=8, rounds=3, patience=10, num_reads=10, seed=0)
    assert r["rounds"] == 3 and r["rounds_stop"] == "max_rounds"
    assert r["sampleset"].info["num_rounds"] == 3
    one = solve_problem(problem, "sa", qubits=8, num_reads=10, seed=0)
    assert one["rounds"] is None and one["rounds_stop"] is None
    with pytest.raises(ValueError, match="patience applies"):
        solve_problem(problem, "sa", qubits=8, patience=2)


def test_the_rounds_bar_shows_the_objective(capsys):
    pytest.importorskip("tqdm")
    from dimod_shrink.pipeline import solve_problem
    from dimod_shrink.problems import load_problem
    from conftest import ROOT
    problem = load_problem(ROOT / "examples" / "data" / "mknap-demo.txt", "mdkp")
    assert problem.sense == "max"
    r = solve_problem(problem, "sa", qubits=8, rounds=2, patience=5, num_reads=10, seed=0,
                      progress=True)
    err = capsys.readouterr().err
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert f"best={r['objective']:.10g}" in last and r["objective"] > 0
    assert "rounds=2" in last and "stop=max_rounds" in last


def test_cli_time_limit_alone_and_the_stop_reason(capsys):
    import json
    from dimod_shrink.cli import main
    from conftest import ROOT
    path = str(ROOT / "examples" / "data" / "mknap-demo.txt")
    assert main(["solve", path, "--qubits", "8", "--seed", "0", "--num-reads", "10",
                 "--time-limit", "1.5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rounds_stop"] == "time_limit" and data["rounds"] >= 0  # only time stops it
    assert main(["solve", path, "--qubits", "8", "--seed", "0", "--num-reads", "10",
                 "--rounds", "3", "--patience", "10"]) == 0
    out = capsys.readouterr().out
    assert "rounds        : 3 after the single shrink, stopped by --rounds" in out
    assert math.isfinite(float(out.split("objective     :")[1].split()[0]))


def test_a_shrink_stops_at_its_deadline():
    """engine.shrink gives up at a passed deadline (no reduced model), and a later
    round whose shrink the deadline cuts is cut as a whole."""
    import time as _time

    import dimod as _dimod

    from dimod_shrink.engine import shrink as _shrink
    from dimod_shrink.ising import ising_form as _form
    bqm = _dimod.generators.ran_r(1, 60, seed=3)
    res = _shrink(_form(bqm), 10, seed=0, deadline=_time.perf_counter() - 1.0)
    assert res.stop_reason == "deadline" and res.reduced is None
    assert res.state.num_variables == 60  # nothing merged past the deadline
    assert _shrink(_form(bqm), 10, seed=0, deadline=_time.perf_counter() + 60).stop_reason \
        == "budget"
