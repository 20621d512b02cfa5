import sys

import dimod
import numpy as np
import pytest

from dimod_shrink.correlations import (ESTIMATORS, ExactSDP, LowRankSDP, colour_classes,
                                       resolve_estimator, solve_exact_sdp, solve_lowrank_sdp)
from dimod_shrink.ising import ising_form

from strategies import planted_clique_model


def random_model(n, density, seed):
    rng = np.random.default_rng(seed)
    bqm = dimod.generators.gnp_random_bqm(
        n, density, "SPIN", random_state=seed,
        bias_generator=lambda size: rng.uniform(-1, 1, size))
    return ising_form(bqm)


@pytest.mark.parametrize("n,density,seed", [(10, 0.5, 0), (25, 0.3, 1), (40, 0.2, 2),
                                            (60, 0.1, 3), (60, 0.5, 4)])
def test_lowrank_objective_within_0_1_percent_of_cvxpy(n, density, seed):
    form = random_model(n, density, seed)
    low = solve_lowrank_sdp(form.couplings, seed=seed)
    _, exact = solve_exact_sdp(form.couplings, solver="SCS", eps=1e-7)
    assert low.converged
    # both are minimisations of the same objective; the exact value is a lower bound
    assert low.objective >= exact - 1e-3 * abs(exact)
    assert abs(low.objective - exact) <= 1e-3 * abs(exact)


def test_lowrank_factor_has_unit_rows_and_is_seeded():
    form = random_model(30, 0.3, 5)
    a = solve_lowrank_sdp(form.couplings, seed=7)
    b = solve_lowrank_sdp(form.couplings, seed=7)
    np.testing.assert_allclose(np.linalg.norm(a.factor, axis=1), 1.0)
    np.testing.assert_array_equal(a.factor, b.factor)


def test_colour_classes_are_independent_sets():
    form = random_model(50, 0.2, 6)
    K = form.couplings
    classes = colour_classes(K)
    assert sorted(np.concatenate(classes).tolist()) == list(range(K.shape[0]))
    for c in classes:
        assert K[c][:, c].nnz == 0


def test_estimators_agree_on_a_planted_model():
    rng = np.random.default_rng(0)
    t = rng.choice([-1, 1], size=8)
    K = ising_form(planted_clique_model(t)).couplings
    rg = np.random.default_rng(1)
    for est in (LowRankSDP(), ExactSDP()):
        C = est(K, rg)
        planted = np.outer(np.append(t, 1), np.append(t, 1))
        np.testing.assert_allclose(C, planted, atol=1e-3)


def test_resolve_by_name_and_callable():
    assert isinstance(resolve_estimator("lowrank"), LowRankSDP)
    assert isinstance(resolve_estimator("sdp"), ExactSDP)
    f = lambda K, rng: np.eye(K.shape[0])  # noqa: E731
    assert resolve_estimator(f) is f
    assert set(ESTIMATORS) >= {"lowrank", "sdp"}


def test_unknown_name_suggests():
    with pytest.raises(ValueError, match="did you mean 'lowrank'|Did you mean 'lowrank'"):
        resolve_estimator("lowrnak")
    with pytest.raises(TypeError, match="callable"):
        resolve_estimator(3)


def test_sdp_without_cvxpy_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cvxpy", None)
    with pytest.raises(ImportError, match=r"dimod-shrink\[sdp\]"):
        resolve_estimator("sdp")


def test_exact_sdp_rejects_unknown_solver():
    with pytest.raises(ValueError, match="SCS"):
        ExactSDP(solver="mosek-ish")
