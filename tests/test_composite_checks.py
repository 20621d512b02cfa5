"""The composite trusts nothing that enters: children, postprocesses, seeds, budgets."""

import warnings

import dimod
import numpy as np
import pytest

from dimod_shrink import IteratedShrinkingComposite, ShrinkingComposite
from dimod_shrink.composites.shrinking import (BudgetNotReachedWarning,
                                               NoFeasibleSampleWarning, SlowChildWarning)


class Lying(dimod.Sampler):
    """A child that answers with a fixed, wrong SampleSet built by ``make``."""

    parameters = {}
    properties = {}

    def __init__(self, make):
        self.make = make

    def sample(self, bqm, **kw):
        return self.make(bqm)


def ran(n=12, seed=0, vartype="BINARY"):
    bqm = dimod.generators.ran_r(1, n, seed=seed)
    return bqm.change_vartype(vartype, inplace=False)


@pytest.mark.parametrize("n", [4, 12])  # within budget, and shrunk to 6
def test_spin_answer_for_a_binary_model_is_converted(n):
    bqm = ran(n)

    def spin_answer(b):
        s = np.random.default_rng(0).choice([-1, 1], (5, b.num_variables))
        return dimod.SampleSet.from_samples((s, list(b.variables)), "SPIN", energy=0)

    ss = ShrinkingComposite(Lying(spin_answer), num_variables=6).sample(bqm)
    assert ss.vartype is dimod.BINARY
    assert set(np.unique(ss.record.sample).tolist()) <= {0, 1}
    dimod.testing.assert_sampleset_energies(ss, bqm)


@pytest.mark.parametrize("n", [4, 12])
def test_values_outside_the_vartype_are_refused(n):
    bqm = ran(n)

    def sevens(b):
        s = np.full((2, b.num_variables), 7)
        return dimod.SampleSet.from_samples((s, list(b.variables)), "BINARY", energy=0)

    with pytest.raises(ValueError, match=r"child sampler Lying.*values \[7\]"):
        ShrinkingComposite(Lying(sevens), num_variables=6).sample(bqm)


@pytest.mark.parametrize("n", [4, 12])
def test_wrong_or_extra_labels_are_refused(n):
    bqm = ran(n)

    def extra(b):
        labels = list(b.variables) + ["intruder"]
        s = np.zeros((1, len(labels)), dtype=int)
        return dimod.SampleSet.from_samples((s, labels), b.vartype, energy=0)

    def missing(b):
        labels = list(b.variables)[1:]
        return dimod.SampleSet.from_samples((np.zeros((1, len(labels))), labels),
                                            b.vartype, energy=0)

    with pytest.raises(ValueError, match="unexpected variables.*intruder"):
        ShrinkingComposite(Lying(extra), num_variables=6).sample(bqm)
    with pytest.raises(ValueError, match="without variables"):
        ShrinkingComposite(Lying(missing), num_variables=6).sample(bqm)


@pytest.mark.parametrize("n", [4, 12])
def test_made_up_energies_are_recomputed(n):
    bqm = ran(n)

    def liar(b):
        s = np.ones((3, b.num_variables), dtype=int)
        return dimod.SampleSet.from_samples((s, list(b.variables)), b.vartype,
                                            energy=[-1e9] * 3)

    ss = ShrinkingComposite(Lying(liar), num_variables=6).sample(bqm)
    assert ss.first.energy > -1e8
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_postprocess_answers_are_checked_and_blamed_on_postprocess():
    bqm = ran(12)

    def spin_post(ss, b):
        s = 2 * ss.record.sample.astype(int) - 1
        return dimod.SampleSet.from_samples((s, list(ss.variables)), "SPIN", energy=0)

    def drop(ss, b):
        labels = list(ss.variables)[:-1]
        return dimod.SampleSet.from_samples((ss.record.sample[:, :-1], labels), b.vartype,
                                            energy=0)

    ss = ShrinkingComposite(num_variables=6).sample(bqm, postprocess=spin_post, seed=1)
    assert set(np.unique(ss.record.sample).tolist()) <= {0, 1}
    dimod.testing.assert_sampleset_energies(ss, bqm)
    with pytest.raises(ValueError, match="postprocess returned samples without"):
        ShrinkingComposite(num_variables=6).sample(bqm, postprocess=drop, seed=1)


def test_budget_is_kept_when_the_policy_vetoes_everything():
    bqm = ran(14)
    seen = []

    class Recorder(dimod.ExactSolver):
        def sample(self, b, **kw):
            seen.append(b.num_variables)
            return super().sample(b, **kw)

    with pytest.warns(BudgetNotReachedWarning, match="vetoed every remaining merge"):
        ss = ShrinkingComposite(Recorder()).sample(
            bqm, num_variables=5, merge_policy=lambda *a: False, seed=0,
            return_shrink_context=True)
    assert seen == [5]
    assert ss.info["shrink_context"]["control"]["policy_relaxed_at"] == 14
    # opting out: stop above the budget instead
    with pytest.warns(BudgetNotReachedWarning, match="above the budget"):
        ShrinkingComposite(Recorder()).sample(bqm, num_variables=5, strict_budget=False,
                                              merge_policy=lambda *a: False, seed=0)
    assert seen[-1] == 14


def test_cqm_with_an_unsatisfiable_linear_guard_stays_within_budget():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(25)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(x[0] + x[1] <= 1, label="pair")
    sizes = []

    class Recorder(dimod.ExactSolver):
        def sample(self, b, **kw):
            sizes.append(b.num_variables)
            return super().sample(b, **kw)

    ss = ShrinkingComposite(Recorder()).sample_cqm(cqm, num_variables=8, seed=0)
    assert max(sizes) <= 8
    assert ss.first.is_feasible


def test_nan_correlations_are_a_clear_error():
    bqm = ran(12)
    with pytest.raises(ValueError, match="NaN"):
        ShrinkingComposite().sample(bqm, num_variables=4, schedule="fixed",
                                    correlation=lambda K, rng: np.full(K.shape, np.nan))


def test_exact_solver_over_a_slow_budget_warns_with_what_to_do():
    bqm = ran(30)
    with pytest.warns(SlowChildWarning, match="2\\^17 states.*SimulatedAnnealingSampler"):
        ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=17, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SlowChildWarning)
        ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=10, seed=0)


@pytest.mark.parametrize("iterated", [False, True], ids=["single", "iterated"])
@pytest.mark.parametrize("seed,err", [(-1, ValueError), (2**31, ValueError),
                                      (1.5, TypeError), ("0", TypeError)])
def test_bad_seeds_fail_before_any_work(seed, err, iterated):
    calls = []

    def estimator(K, rng):
        calls.append(1)
        return np.zeros(K.shape)

    with pytest.raises(err, match="seed"):
        if iterated:
            IteratedShrinkingComposite(correlation=estimator).sample(
                ran(12), num_variables=4, seed=seed, max_rounds=1)
        else:
            ShrinkingComposite().sample(ran(12), num_variables=4, seed=seed,
                                        correlation=estimator)
    assert not calls


def test_sample_cqm_reads_and_no_feasible_warning():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(12)]
    cqm.set_objective(-sum((i + 1) * xi for i, xi in enumerate(x)))
    cqm.add_constraint(sum(x) <= 3, label="three")
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=6, seed=0)
    assert ss.record.num_occurrences.sum() == 100
    assert ss.info["feasible_found"] is True

    def ones(b):
        return dimod.SampleSet.from_samples((np.ones((2, b.num_variables), dtype=int),
                                             list(b.variables)), b.vartype, energy=0)

    with pytest.warns(NoFeasibleSampleWarning, match="no returned sample is feasible"):
        out = ShrinkingComposite(Lying(ones)).sample_cqm(cqm, num_variables=20, seed=0,
                                                         repair=False)
    assert not out.record.is_feasible.any()
    assert out.info["feasible_found"] is False


def test_progress_callback_sees_every_stage():
    seen = []
    ShrinkingComposite().sample(ran(40), num_variables=8, seed=0, num_reads=5,
                                progress=lambda stage, left: seen.append((stage, left)),
                                postprocess=lambda ss, b: ss)
    stages = [s for s, _ in seen]
    for s in ("correlation", "shrink", "child", "expand", "repair", "done"):
        assert s in stages
    lefts = [left for s, left in seen if s == "shrink"]
    assert lefts == sorted(lefts, reverse=True) and lefts[-1] == 8


def test_progress_bar_writes_to_stderr(capsys):
    ShrinkingComposite().sample(ran(30), num_variables=8, seed=0, num_reads=5,
                                progress=True)
    err = capsys.readouterr().err
    assert "variables left" in err


def test_repr_names_child_and_defaults():
    r = repr(ShrinkingComposite(dimod.ExactSolver(), num_variables=7))
    assert r.startswith("ShrinkingComposite(ExactSolver()") and "num_variables=7" in r
    assert "schedule='geometric'" in r


class Editing(dimod.Sampler):
    """A child that edits the model it is given (scales it and adds a bias), then samples
    it exactly."""

    parameters = {}
    properties = {}

    def sample(self, bqm, **kw):
        bqm.scale(-3.0)
        bqm.add_linear(next(iter(bqm.variables)), 100.0)
        bqm.offset += 7.0
        return dimod.ExactSolver().sample(bqm)


@pytest.mark.parametrize("n", [6, 12])  # within budget (the model itself), and shrunk to 6
def test_a_child_that_edits_its_model_leaves_the_callers_alone(n):
    bqm = ran(n)
    before = bqm.copy()
    ss = ShrinkingComposite(Editing()).sample(bqm, num_variables=6, seed=0)
    assert bqm == before and bqm.offset == before.offset
    # energies are those of the caller's model, whatever the child did to its copy
    assert np.allclose(ss.record.energy, before.energies(ss))
    it = IteratedShrinkingComposite(Editing()).sample(bqm, num_variables=6, seed=0,
                                                      max_rounds=2)
    assert bqm == before and np.allclose(it.record.energy, before.energies(it))


def _cqm(n=12):
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(n)]
    cqm.set_objective(-sum((i % 5 + 1) * xi for i, xi in enumerate(x)))
    return cqm, x


@pytest.mark.parametrize("case,msg", [
    ("huge-objective", "the objective: the coefficient of 0 is 1e\\+300, larger than 1e\\+100"),
    ("huge-constraint", "constraint 'cap': the coefficient of 3 is 1e\\+300"),
    ("nan-rhs", "constraint 'cap': the right-hand side is nan"),
    ("inf-rhs", "constraint 'cap': the right-hand side is inf"),
    ("nan-coefficient", "constraint 'cap': the coefficient of 1 is nan"),
    ("huge-quadratic", "the objective: the coefficient of 1 \\* 0 is -1e\\+200"),
])
def test_sample_cqm_refuses_numbers_it_cannot_hold(case, msg):
    cqm, x = _cqm()
    if case == "huge-objective":
        cqm.set_objective(sum(1e300 * xi for xi in x))
    if case == "huge-quadratic":
        cqm.set_objective(-1e200 * x[0] * x[1])
    rhs = {"nan-rhs": float("nan"), "inf-rhs": float("inf")}.get(case, 3)
    coef = {"huge-constraint": 1e300, "nan-coefficient": float("nan")}.get(case, 1)
    cqm.add_constraint(sum(xi for xi in x[:1]) + coef * x[1 if case == "nan-coefficient"
                                                           else 3] + x[2] <= rhs, label="cap")
    with pytest.raises(ValueError, match=msg):
        ShrinkingComposite().sample_cqm(cqm, num_variables=6, seed=0)


def test_empty_problems_are_refused_at_construction():
    import networkx as nx
    from dimod_shrink.problems import MDKPProblem, MISProblem, QAPProblem
    with pytest.raises(ValueError, match="at least one item"):
        MDKPProblem(np.zeros(0), np.zeros((1, 0)), np.ones(1))
    with pytest.raises(ValueError, match="n = 0"):
        QAPProblem(np.zeros((0, 0)), np.zeros((0, 0)))
    with pytest.raises(ValueError, match="no vertices"):
        MISProblem(nx.Graph())


def _no_rows(b):
    return dimod.SampleSet.from_samples((np.zeros((0, b.num_variables), dtype=np.int8),
                                         list(b.variables)), b.vartype, energy=[])


@pytest.mark.parametrize("n", [4, 12])  # within budget, and shrunk to 6
def test_a_child_that_returns_no_samples(n):
    """ShrinkingComposite passes an empty answer through, as dimod's composites do (its
    conformance tests use dimod.NullSampler); IteratedShrinkingComposite, which goes on
    from the best sample, used to fail with 'attempt to get argmin of an empty sequence'
    and now names the child."""
    ss = ShrinkingComposite(Lying(_no_rows)).sample(ran(n), num_variables=6, seed=0)
    assert len(ss) == 0 and set(ss.variables) == set(ran(n).variables)
    with pytest.raises(ValueError, match="the child sampler Lying returned no samples; at "
                                         "least one is needed"):
        IteratedShrinkingComposite(Lying(_no_rows)).sample(ran(n), num_variables=6, seed=0)
    cqm, _ = _cqm(n)
    with pytest.raises(ValueError, match="the child sampler Lying returned no samples"):
        IteratedShrinkingComposite(Lying(_no_rows)).sample_cqm(cqm, num_variables=6, seed=0)
