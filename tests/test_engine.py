import dimod
import numpy as np
import pytest

from dimod_shrink import REFERENCE, ising_form, shrink
from dimod_shrink.engine import ranked_pairs


def planted(n, seed, density=0.6, vartype="SPIN"):
    """Gauge-transformed frustration-free model: every term is satisfied by t."""
    rng = np.random.default_rng(seed)
    t = rng.choice([-1, 1], size=n)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    for i in range(n):
        bqm.add_linear(i, -rng.uniform(0.1, 1.0) * t[i])
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or rng.random() < density:
                bqm.add_quadratic(i, j, -rng.uniform(0.5, 2.0) * t[i] * t[j])
    if vartype == "BINARY":
        bqm.change_vartype("BINARY", inplace=True)
        t = (t + 1) // 2
    return bqm, dict(enumerate(t.tolist()))


def ferro_chain(n):
    bqm = dimod.BinaryQuadraticModel("SPIN")
    for i in range(n - 1):
        bqm.add_quadratic(f"v{i}", f"v{i+1}", -1.0)
    bqm.add_linear("v0", -0.3)
    return bqm, {f"v{i}": 1 for i in range(n)}


@pytest.mark.parametrize("case", [ferro_chain(15), planted(14, 0), planted(16, 1),
                                  planted(12, 2, vartype="BINARY"), planted(18, 3, 0.2)])
@pytest.mark.parametrize("budget", [1, 4])
def test_shrink_plus_exact_solver_finds_planted_ground_state(case, budget):
    from dimod_shrink import ShrinkingComposite
    bqm, ground = case
    ss = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=budget, seed=0)
    assert ss.first.sample == ground
    assert ss.first.energy == pytest.approx(bqm.energy(ground))


def test_budget_and_counts():
    bqm, _ = planted(20, 4)
    res = shrink(ising_form(bqm), 5, seed=1, schedule="fixed")
    assert res.reduced.bqm.num_variables == 5
    assert len(res.merges) == 15
    assert res.correlation_calls == 15
    assert res.stop_reason == "budget"
    res3 = shrink(ising_form(bqm), 5, seed=1, schedule="fixed", recompute_every=4)
    assert res3.correlation_calls == 4  # ceil(15 / 4)


def test_policy_vetoes_are_counted_and_respected():
    bqm = dimod.generators.ran_r(1, 12, seed=5)
    signs = np.random.default_rng(5).choice([-1, 1], 12)
    for v, s in zip(bqm.variables, signs):  # strong fields: fixes rank first
        bqm.set_linear(v, 4.0 * s)

    def no_fixes(state, i, j, sign):
        return j is not REFERENCE

    res = shrink(ising_form(bqm), 3, merge_policy=no_fixes, seed=0)
    assert res.vetoed_merges > 0
    assert not any(m.is_fix for m in res.merges)
    assert res.vetoes and all(t is None for _, t, _ in res.vetoes)  # only fixes vetoed
    assert res.reduced.bqm.num_variables == 3


def test_policy_that_vetoes_everything_stops_cleanly():
    bqm, _ = planted(8, 6)
    res = shrink(ising_form(bqm), 2, merge_policy=lambda *a: False, seed=0,
                 schedule="fixed")
    assert res.stop_reason == "no_admissible_pair"
    assert res.reduced.bqm.num_variables == 8
    assert res.vetoed_merges == 8 * 9 // 2  # every pair incl. the reference, once
    # the default offers the coupled pairs, then every pair once before giving up
    res = shrink(ising_form(bqm), 2, merge_policy=lambda *a: False, seed=0)
    assert res.stop_reason == "no_admissible_pair"
    assert res.reduced.bqm.num_variables == 8
    assert res.control["triggers"]["complete"] == 1
    assert res.vetoed_merges >= 8 * 9 // 2


def test_min_correlation_stops_early():
    bqm = dimod.generators.ran_r(1, 16, seed=2)  # frustrated: correlations well below 1
    res = shrink(ising_form(bqm), 2, min_correlation=0.999, seed=0)
    assert res.stop_reason == "min_correlation"
    assert res.reduced.bqm.num_variables > 2


def test_seed_makes_it_reproducible():
    bqm = dimod.generators.ran_r(1, 20, seed=3)
    a = shrink(ising_form(bqm), 6, seed=11).context()
    b = shrink(ising_form(bqm), 6, seed=11).context()
    assert a["merges"] == b["merges"]


def test_bad_estimator_output_shape():
    bqm, _ = planted(6, 7)
    with pytest.raises(ValueError, match="shape"):
        shrink(ising_form(bqm), 2, correlation=lambda K, rng: np.eye(2))


@pytest.mark.parametrize("kw,err", [({"num_variables": -1}, ValueError),
                                    ({"num_variables": 2.5}, TypeError),
                                    ({"recompute_every": 0}, ValueError),
                                    ({"min_correlation": 1.5}, ValueError)])
def test_bad_options(kw, err):
    bqm, _ = planted(6, 8)
    kw = {"num_variables": 2, **kw}
    with pytest.raises(err):
        shrink(ising_form(bqm), kw.pop("num_variables"), **kw)


def test_ranked_pairs_order_and_ties():
    C = np.array([[1, 0.5, -0.9], [0.5, 1, 0.5], [-0.9, 0.5, 1]])
    out = list(ranked_pairs(C))
    assert [(a, b) for a, b, _ in out] == [(0, 2), (0, 1), (1, 2)]
    assert out[0][2] == -0.9
    big = np.random.default_rng(0).uniform(-1, 1, (300, 300))
    big = (big + big.T) / 2
    vals = [abs(c) for _, _, c in ranked_pairs(big, chunk=16)]
    assert len(vals) == 300 * 299 // 2
    assert vals == sorted(vals, reverse=True)
