"""The default (geometric) schedule, its candidate pairs, and scale-free numerics."""

import dimod
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dimod_shrink import ShrinkingComposite, ising_form, shrink
from dimod_shrink.candidates import candidate_pairs
from dimod_shrink.merges import expand_samples


def sparse_model(n, degree, seed, vartype="BINARY"):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(
        n, min(1.0, degree / (n - 1)), vartype, random_state=seed,
        bias_generator=lambda size: rng.uniform(-1, 1, size))


def test_geometric_is_the_default_and_solves_logarithmically_often():
    bqm = sparse_model(400, 6, 0)
    res = shrink(ising_form(bqm), 20, seed=0)
    ctrl = res.control
    assert ctrl["schedule"] == "geometric" and ctrl["rescoring"]
    assert res.reduced.bqm.num_variables == 20 and res.stop_reason == "budget"
    # each solve after >= 10% of the variables left at the previous one are gone
    sizes = ctrl["solve_sizes"]
    assert sizes[0] == 400
    assert all(b <= a - max(1, 0.1 * a) + 1 for a, b in zip(sizes, sizes[1:]))
    assert res.correlation_calls <= 35  # log(400/20)/log(1/0.9) ~ 28, plus rounding
    assert ctrl["dense_candidate_solves"] == 0  # no N x N on the default path


def test_default_path_builds_no_dense_matrix(monkeypatch):
    import dimod_shrink.candidates as cand

    def refuse(*a, **k):
        raise AssertionError("dense pairs on the default path")

    monkeypatch.setattr(cand, "dense_pairs", refuse)
    bqm = sparse_model(300, 4, 1)
    res = shrink(ising_form(bqm), 10, seed=0)
    assert res.reduced.bqm.num_variables == 10


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_coupled_candidates_make_the_dense_paths_merges_on_complete_graphs(seed, vartype):
    # every pair is coupled, so both candidate sets hold the same pairs: the
    # sparse path (edge extraction, reference pairs, sort, rescoring walk) must
    # make exactly the dense path's merges
    bqm = sparse_model(24, 23, seed, vartype)
    form = ising_form(bqm)
    a = shrink(form, 5, seed=seed, candidates="coupled").context()["merges"]
    b = shrink(form, 5, seed=seed, candidates="dense").context()["merges"]
    assert [(m["variable"], m["target"], m["sign"]) for m in a] == \
        [(m["variable"], m["target"], m["sign"]) for m in b]
    assert [m["correlation"] for m in a] == pytest.approx([m["correlation"] for m in b],
                                                          abs=1e-12)


def test_candidate_sets():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((50, 8))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    bqm = sparse_model(49, 3, 0)
    K = ising_form(bqm).couplings
    a, b, c = candidate_pairs(V, K, "coupled")
    coupled = set(zip(a.tolist(), b.tolist()))
    edges = {(min(i, j), max(i, j)) for i, j in zip(*K.nonzero()) if i != j}
    assert coupled == edges | {(i, 49) for i in range(49)}
    assert np.allclose(c, np.einsum("ij,ij->i", V[a], V[b]))
    assert np.all(np.diff(np.abs(c)) <= 0)  # sorted by decreasing |C|
    a2, b2, _ = candidate_pairs(V, K, "lsh", rng=0)
    assert coupled <= set(zip(a2.tolist(), b2.tolist()))
    a3, b3, _ = candidate_pairs(V, K, "dense")
    assert len(a3) == 50 * 49 // 2
    with pytest.raises(ValueError, match="candidates"):
        candidate_pairs(V, K, "all")


def test_rescoring_keeps_the_reduced_model_exact():
    bqm = sparse_model(200, 5, 3)
    res = shrink(ising_form(bqm), 12, seed=2)
    red = res.reduced
    rng = np.random.default_rng(0)
    samples = rng.integers(0, 2, (30, red.bqm.num_variables))
    full = res.state.expand(samples)
    e_red = red.bqm.energies((samples, list(red.labels)))
    e_full = bqm.energies((full, list(res.state.labels)))
    assert np.allclose(e_red, e_full)


@pytest.mark.parametrize("fraction", [0.05, 0.2, 1.0])
def test_recompute_fraction_controls_the_number_of_solves(fraction):
    bqm = sparse_model(300, 6, 4)
    res = shrink(ising_form(bqm), 10, seed=0, recompute_fraction=fraction)
    assert res.reduced.bqm.num_variables == 10
    sizes = res.control["solve_sizes"]
    for a, b in zip(sizes, sizes[1:]):
        assert a - b >= max(1, fraction * a) or res.control["triggers"]["stale"]


@pytest.mark.parametrize("scale", [1e-200, 1e-6, 1.0, 1e150])
def test_merges_do_not_depend_on_the_scale_of_the_biases(scale):
    bqm = sparse_model(60, 5, 7, "SPIN")
    ref = shrink(ising_form(bqm), 8, seed=0).context()["merges"]
    scaled = bqm.copy()
    scaled.scale(scale)
    got = shrink(ising_form(scaled), 8, seed=0).context()["merges"]
    assert [(m["variable"], m["target"], m["sign"]) for m in got] == \
        [(m["variable"], m["target"], m["sign"]) for m in ref]
    # with an exact child the best energy scales exactly
    e1 = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=8,
                                                        seed=0).first.energy
    e2 = ShrinkingComposite(dimod.ExactSolver()).sample(scaled, num_variables=8,
                                                        seed=0).first.energy
    assert e2 / scale == pytest.approx(e1, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 30), budget=st.integers(1, 6), seed=st.integers(0, 2**16),
       schedule=st.sampled_from(["geometric", "adaptive", "fixed"]),
       candidates=st.sampled_from(["coupled", "lsh", "near", "dense"]))
def test_any_schedule_reaches_the_budget_with_exact_energies(n, budget, seed, schedule,
                                                             candidates):
    bqm = sparse_model(n, 3, seed)
    res = shrink(ising_form(bqm), budget, seed=seed, schedule=schedule,
                 candidates=candidates)
    assert res.reduced.bqm.num_variables == min(n, budget)
    red = res.reduced
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, 2, (5, red.bqm.num_variables))
    full = expand_samples(samples, res.state.root, res.state.sign, res.state.alive,
                          dimod.BINARY)
    assert np.allclose(red.bqm.energies((samples, list(red.labels))),
                       bqm.energies((full, list(res.state.labels))))
