import warnings

import dimod
import numpy as np
import pytest

from dimod_shrink import ShrinkingComposite, ising_form, shrink
from dimod_shrink.adaptive import Decay, Proportional, Quantile, TwoMeans, resolve_threshold
from dimod_shrink.composites import BudgetNotReachedWarning


def model(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(n, 0.1, "SPIN", random_state=seed,
                                           bias_generator=lambda s: rng.uniform(-1, 1, s))


def test_threshold_rules():
    v = np.array([0.1, 0.2, 0.15, 0.9, 0.95, 1.0])
    assert Proportional(0.5).value(v) == pytest.approx(0.5)
    assert Quantile(0.5).value(v) == pytest.approx(np.quantile(v, 0.5))
    cut = TwoMeans().value(v)
    assert 0.2 < cut < 0.9  # splits the weak from the strong pairs
    d = Decay(start=0.8, rate=0.5, floor=0.3)
    assert d.value(v) == 0.8
    assert d.relax(0.8) == pytest.approx(0.4)
    assert d.relax(0.4) is None  # below the floor: drop the threshold
    assert isinstance(resolve_threshold("two_means"), TwoMeans)
    with pytest.raises(ValueError, match="two_means"):
        resolve_threshold("otsu")


def test_adaptive_schedule_saves_solves_and_records_triggers():
    form = ising_form(model())
    fixed = shrink(form, 10, seed=0, schedule="fixed")
    adaptive = shrink(form, 10, seed=0, schedule="adaptive", recompute_fraction=0.1)
    assert fixed.correlation_calls == 50
    assert adaptive.correlation_calls < fixed.correlation_calls / 2
    ctx = adaptive.context()["control"]
    assert ctx["schedule"] == "adaptive"
    assert ctx["triggers"]["initial"] == 1 and ctx["triggers"]["fraction"] > 0
    assert adaptive.reduced.bqm.num_variables == 10


def test_threshold_triggers_recomputation_on_demand():
    form = ising_form(model(seed=3))
    res = shrink(form, 10, seed=0, schedule="adaptive", recompute_fraction=1.0,
                 threshold=Proportional(0.99))
    trig = res.control["triggers"]
    assert trig["below_threshold"] > 0 and trig["fraction"] == 0
    assert len(res.control["thresholds"]) >= res.correlation_calls
    assert res.reduced.bqm.num_variables == 10


def test_early_stop_above_budget():
    bqm = dimod.generators.ran_r(1, 30, seed=4)  # frustrated: no pair is near +-1
    form = ising_form(bqm)
    res = shrink(form, 5, seed=0, threshold=Decay(start=0.999, rate=0.999, floor=0.998),
                 early_stop=True)
    assert res.stop_reason == "no_strong_pair"
    assert res.reduced.bqm.num_variables > 5
    with pytest.warns(BudgetNotReachedWarning, match="above the budget"):
        ss = ShrinkingComposite().sample(
            bqm, num_variables=5, seed=0, threshold=Decay(start=0.999, rate=0.999,
                                                          floor=0.998),
            early_stop=True, return_shrink_context=True, num_reads=5)
    ctx = ss.info["shrink_context"]
    assert not ctx["budget_reached"] and ctx["num_reduced"] > 5
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_decay_relaxes_instead_of_stopping():
    bqm = dimod.generators.ran_r(1, 30, seed=4)
    res = shrink(ising_form(bqm), 5, seed=0, threshold=Decay(start=0.999, rate=0.5))
    assert res.stop_reason == "budget"
    assert min(res.control["thresholds"]) < 0.999


@pytest.mark.parametrize("kw,err", [({"schedule": "sometimes"}, ValueError),
                                    ({"early_stop": True}, ValueError),
                                    ({"schedule": "adaptive", "recompute_fraction": 0},
                                     ValueError),
                                    ({"threshold": 3}, TypeError)])
def test_bad_adaptive_options(kw, err):
    with pytest.raises(err):
        shrink(ising_form(model(20)), 5, **kw)


def test_composite_default_schedule():
    bqm = model(40)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BudgetNotReachedWarning)
        ss = ShrinkingComposite(schedule="adaptive").sample(
            bqm, num_variables=8, seed=0, num_reads=5, return_shrink_context=True)
    ctx = ss.info["shrink_context"]
    assert ctx["control"]["schedule"] == "adaptive" and ctx["correlation_calls"] < 32
