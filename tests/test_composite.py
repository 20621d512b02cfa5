import unittest

import dimod
import dimod.testing
import numpy as np
import pytest
from dwave.samplers import SimulatedAnnealingSampler

from dimod_shrink import REFERENCE, ShrinkingComposite


def exact_composite():
    return ShrinkingComposite(dimod.ExactSolver(), num_variables=3)


def null_composite():
    return ShrinkingComposite(dimod.NullSampler(), num_variables=2)


def sa_composite():
    return ShrinkingComposite(SimulatedAnnealingSampler(), num_variables=4)


@dimod.testing.load_sampler_bqm_tests(exact_composite)
class TestExactChild(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(null_composite)
class TestNullChild(unittest.TestCase):
    pass


@dimod.testing.load_sampler_bqm_tests(sa_composite)
class TestSAChild(unittest.TestCase):
    pass


@pytest.mark.parametrize("factory", [exact_composite, null_composite, sa_composite])
def test_composite_api(factory):
    sampler = factory()
    dimod.testing.assert_composite_api(sampler)
    dimod.testing.assert_sampler_api(sampler)


def test_parameters_and_properties_follow_ocean():
    child = SimulatedAnnealingSampler()
    sampler = ShrinkingComposite(child)
    for name in child.parameters:
        assert name in sampler.parameters
    for name in ("num_variables", "correlation", "recompute_every", "min_correlation",
                 "merge_policy", "postprocess", "return_shrink_context", "seed"):
        assert name in sampler.parameters
    assert sampler.properties == {"child_properties": child.properties}
    assert sampler.children == [child]


def test_default_child_is_simulated_annealing():
    assert isinstance(ShrinkingComposite().child, SimulatedAnnealingSampler)


def test_energies_are_on_the_original_model():
    bqm = dimod.generators.gnp_random_bqm(30, 0.3, "BINARY", random_state=4)
    ss = ShrinkingComposite().sample(bqm, num_variables=8, num_reads=20, seed=1)
    assert set(ss.variables) == set(bqm.variables)
    assert ss.vartype is dimod.BINARY
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert len(ss) == 20


def test_context_records_stages_and_merges():
    bqm = dimod.generators.ran_r(1, 15, seed=0)
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(
        bqm, num_variables=5, seed=0, return_shrink_context=True, schedule="fixed")
    ctx = ss.info["shrink_context"]
    assert ctx["num_reduced"] == 5 and ctx["num_variables"] == 15
    assert len(ctx["merges"]) == 10
    assert ctx["correlation_calls"] == 10  # the published schedule: one solve per merge
    default = ShrinkingComposite(dimod.ExactSolver()).sample(
        bqm, num_variables=5, seed=0, return_shrink_context=True).info["shrink_context"]
    assert default["control"]["schedule"] == "geometric"
    # sizes 15, 13, 11, 9, 8, 7, 6: a solve after each 10% (at least one merge)
    assert default["control"]["solve_sizes"] == [15, 13, 11, 9, 8, 7, 6]
    assert default["correlation_calls"] == 7 and default["num_reduced"] == 5
    assert set(ctx["timing"]) >= {"correlation", "shrink", "child", "expand", "total"}
    assert all(t >= 0 for t in ctx["timing"].values())
    no_ctx = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=5, seed=0)
    assert "shrink_context" not in no_ctx.info


def test_child_info_is_kept():
    class InfoSampler(dimod.Sampler):
        parameters = {}
        properties = {}

        def sample(self, bqm, **kw):
            ss = dimod.ExactSolver().sample(bqm)
            ss.info["child_says"] = 42
            return ss

    ss = ShrinkingComposite(InfoSampler()).sample(
        dimod.generators.ran_r(1, 8, seed=1), num_variables=3, seed=0)
    assert ss.info["child_says"] == 42


def test_within_budget_passes_straight_through_without_correlations():
    calls = []

    def spy(K, rng):
        calls.append(1)
        return np.eye(K.shape[0])

    bqm = dimod.generators.ran_r(1, 6, seed=1)
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(
        bqm, num_variables=6, correlation=spy, return_shrink_context=True)
    assert calls == []
    assert len(ss) == 2 ** 6
    assert ss.info["shrink_context"]["stop_reason"] == "within_budget"


def test_empty_model():
    bqm = dimod.BinaryQuadraticModel("BINARY")
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=3)
    assert len(ss.variables) == 0


def test_child_returning_zero_rows():
    bqm = dimod.generators.ran_r(1, 10, seed=2)
    ss = ShrinkingComposite(dimod.NullSampler()).sample(bqm, num_variables=3, seed=0)
    assert len(ss) == 0
    assert set(ss.variables) == set(bqm.variables)


def test_context_manager_closes_child():
    closed = []

    class Closing(dimod.ExactSolver):
        def close(self):
            closed.append(True)

    with ShrinkingComposite(Closing()) as sampler:
        sampler.sample(dimod.generators.ran_r(1, 5, seed=0), num_variables=2, seed=0)
    assert closed == [True]


def test_postprocess_energies_recomputed_on_original():
    bqm = dimod.generators.gnp_random_bqm(12, 0.5, "BINARY", random_state=3)

    def all_ones(ss, model):
        arr = np.ones_like(ss.record.sample)
        return dimod.SampleSet.from_samples((arr, ss.variables), ss.vartype,
                                            energy=np.zeros(len(arr)), tag=np.arange(len(arr)))

    ss = ShrinkingComposite(dimod.ExactSolver()).sample(
        bqm, num_variables=3, postprocess=all_ones, seed=0)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert (ss.record.sample == 1).all()
    assert "tag" in ss.record.dtype.names


def test_merge_policy_is_forwarded():
    bqm = dimod.generators.ran_r(1, 10, seed=5)
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(
        bqm, num_variables=3, seed=0, return_shrink_context=True,
        merge_policy=lambda st, i, j, s: j is not REFERENCE)
    ctx = ss.info["shrink_context"]
    assert ctx["num_fixed"] == 0


def test_initial_states_are_projected():
    bqm = dimod.generators.ran_r(1, 12, seed=6)
    init = {v: 1 for v in bqm.variables}
    seen = {}

    class Spy(dimod.Sampler):
        parameters = {"initial_states": []}
        properties = {}

        def sample(self, bqm, initial_states=None):
            seen["init"] = initial_states
            return dimod.ExactSolver().sample(bqm)

    ShrinkingComposite(Spy()).sample(bqm, num_variables=4, initial_states=init, seed=0)
    arr, labels = seen["init"]
    assert arr.shape == (1, 4) and (arr == 1).all() and len(labels) == 4
    with pytest.raises(ValueError, match="every variable"):
        ShrinkingComposite(Spy()).sample(bqm, num_variables=4, initial_states={0: 1}, seed=0)


def test_initial_states_with_simulated_annealing():
    bqm = dimod.generators.ran_r(1, 12, seed=6)
    init = dimod.SampleSet.from_samples([{v: 1 for v in bqm.variables}] * 3, "SPIN", 0)
    ss = ShrinkingComposite().sample(bqm, num_variables=4, initial_states=init, num_reads=3,
                                     seed=0)
    assert len(ss) == 3


def test_seed_reproducible_with_sa_child():
    bqm = dimod.generators.ran_r(1, 30, seed=7)
    a = ShrinkingComposite().sample(bqm, num_variables=8, num_reads=5, seed=3)
    b = ShrinkingComposite().sample(bqm, num_variables=8, num_reads=5, seed=3)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)


class TestBadInput:
    def test_non_bqm(self):
        with pytest.raises(TypeError, match="BinaryQuadraticModel"):
            ShrinkingComposite(dimod.ExactSolver()).sample({"a": 1})

    @pytest.mark.parametrize("budget", [0, -3])
    def test_budget_below_one(self, budget):
        with pytest.raises(ValueError, match=">= 1"):
            ShrinkingComposite(dimod.ExactSolver()).sample(
                dimod.generators.ran_r(1, 5), num_variables=budget)
        with pytest.raises(ValueError, match=">= 1"):
            ShrinkingComposite(dimod.ExactSolver(), num_variables=budget)

    def test_budget_wrong_type(self):
        with pytest.raises(TypeError, match="positive int"):
            ShrinkingComposite(dimod.ExactSolver()).sample(
                dimod.generators.ran_r(1, 5), num_variables="4")

    @pytest.mark.parametrize("bad", [float("nan"), float("inf")])
    def test_non_finite_biases(self, bad):
        bqm = dimod.BinaryQuadraticModel({"a": bad, "b": 1}, {"ab": 1}, 0, "SPIN")
        with pytest.raises(ValueError, match="non-finite"):
            ShrinkingComposite(dimod.ExactSolver()).sample(bqm)

    def test_unknown_correlation(self):
        bqm = dimod.generators.ran_r(1, 8)
        with pytest.raises(ValueError, match="unknown correlation 'sdpp'"):
            ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=2,
                                                           correlation="sdpp")
        with pytest.raises(ValueError, match="unknown correlation"):
            ShrinkingComposite(dimod.ExactSolver(), correlation="nope")

    def test_mistyped_keyword(self):
        bqm = dimod.generators.ran_r(1, 8)
        with pytest.raises(TypeError, match="did you mean 'num_reads'"):
            ShrinkingComposite().sample(bqm, num_variables=3, num_read=4)
        with pytest.raises(TypeError, match="did you mean 'num_variables'"):
            ShrinkingComposite().sample(bqm, num_variable=3)

    def test_bad_child(self):
        with pytest.raises(TypeError, match="dimod.Sampler"):
            ShrinkingComposite(object())

    def test_bad_hooks(self):
        bqm = dimod.generators.ran_r(1, 8)
        with pytest.raises(TypeError, match="postprocess"):
            ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=3, postprocess=1)
        with pytest.raises(TypeError, match="merge_policy"):
            ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=3,
                                                           merge_policy="x")

    def test_model_is_never_mutated(self):
        bqm = dimod.generators.gnp_random_bqm(15, 0.4, "BINARY", random_state=9)
        before = bqm.copy()
        ShrinkingComposite().sample(bqm, num_variables=4, seed=0)
        assert bqm == before and bqm.vartype is dimod.BINARY
