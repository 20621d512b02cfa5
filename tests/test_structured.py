"""Penalty models with constraints kept as rows: energies, Ising forms, merges,
the structured SDP and the memory guard agree with the written-out models."""

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dimod_shrink import ShrinkingComposite
from dimod_shrink.correlations.lowrank import _solve_structured, solve_lowrank_sdp
from dimod_shrink.ising import ising_form
from dimod_shrink.merges import REFERENCE, ShrinkState
from dimod_shrink.problems import CQMProblem, MDKPProblem, QAPProblem
from dimod_shrink.problems.encoding import add_leq, add_leq_row
from dimod_shrink.structured import (ModelTooLargeError, PenaltyModel, StructuredCouplings,
                                     slack_coefficients)

from strategies import all_assignments


@st.composite
def penalty_models(draw, max_n=7, max_m=3):
    """A random PenaltyModel: sparse base, integer rows, random weights."""
    seed = draw(st.integers(0, 2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(0, max_m))
    base = dimod.BinaryQuadraticModel("BINARY")
    for i in range(n):
        base.add_variable(("v", i), float(rng.normal()))
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.3:
                base.add_interaction(("v", i), ("v", j), float(rng.normal()))
    base.offset = float(rng.normal())
    model = PenaltyModel(base)
    A = rng.integers(-3, 5, (m, n)) * (rng.random((m, n)) < 0.7)
    model.add_rows(A.astype(float), rhs=rng.integers(-2, 6, m).astype(float),
                   quad=rng.random(m) * 3, lin=rng.normal(size=m) * (rng.random(m) < 0.5))
    return model


@settings(max_examples=80)
@given(penalty_models())
def test_energies_match_the_written_out_bqm(model):
    bqm = model.to_bqm()
    assert list(bqm.variables) == list(model.variables)
    X = all_assignments(model.num_variables, dimod.BINARY)
    labels = list(model.variables)
    np.testing.assert_allclose(model.energies((X, labels)), bqm.energies((X, labels)),
                               rtol=1e-9, atol=1e-9)


@settings(max_examples=80)
@given(penalty_models())
def test_structured_ising_form_matches_the_bqm_form(model):
    form = ising_form(model)
    dense = ising_form(model.to_bqm())
    K = form.coupling_operator()
    np.testing.assert_allclose(K.toarray(), dense.couplings.toarray(), atol=1e-9)
    assert form.offset == pytest.approx(dense.offset, abs=1e-9)
    V = np.random.default_rng(0).normal(size=(K.shape[0], 3))
    np.testing.assert_allclose(K @ V, dense.couplings @ V, atol=1e-9)
    S = 2 * all_assignments(model.num_variables, dimod.BINARY) - 1
    np.testing.assert_allclose(form.energies(S), dense.energies(S), atol=1e-8)


@settings(max_examples=60)
@given(penalty_models(max_n=8), st.integers(0, 2 ** 31 - 1))
def test_reduced_models_are_exact_substitutions(model, seed):
    """Random merges on the structured form: the reduced model's energy of every
    assignment equals the original energy of its expansion, and equals the
    reduced model of the written-out BQM."""
    rng = np.random.default_rng(seed)
    labels = list(model.variables)
    form = ising_form(model)
    state = ShrinkState(form)
    dense_state = ShrinkState(ising_form(model.to_bqm()))
    for _ in range(rng.integers(0, len(labels))):
        alive = list(state.variables)
        v = alive[rng.integers(len(alive))]
        others = [u for u in alive if u != v]
        target = REFERENCE if not others or rng.random() < 0.3 else \
            others[rng.integers(len(others))]
        sign = int(rng.choice([-1, 1]))
        state.merge(v, target, sign)
        dense_state.merge(v, target, sign)
    red = state.reduced()
    Xr = all_assignments(red.bqm.num_variables, dimod.BINARY)
    e_red = red.bqm.energies((Xr, red.labels)) if len(red.labels) else \
        np.full(len(Xr), red.bqm.offset)
    full = state.expand(Xr)
    np.testing.assert_allclose(e_red, model.energies((full, labels)), atol=1e-8)
    other = dense_state.reduced()
    e_other = other.bqm.energies((Xr, other.labels)) if len(other.labels) else \
        np.full(len(Xr), other.bqm.offset)
    np.testing.assert_allclose(e_red, e_other, atol=1e-8)


@settings(max_examples=60)
@given(st.lists(st.integers(-6, 9), min_size=1, max_size=6), st.integers(-5, 30),
       st.sampled_from(["slack", "unbalanced"]))
def test_add_leq_row_builds_what_add_leq_builds(coefs, b, encoding):
    """The row form of an inequality writes out to the very BQM dimod builds, slack
    variables included."""
    terms = [(i, float(a)) for i, a in enumerate(coefs)]
    bqm = dimod.BinaryQuadraticModel({i: 0.0 for i in range(len(coefs))}, {}, 0.0, "BINARY")
    base = bqm.copy()
    if encoding == "slack" and sum(a for a in coefs if a < 0) > b:
        return  # add_leq refuses nothing here, but dimod raises on infeasible rows
    try:
        slack_a = add_leq(bqm, terms, b, encoding=encoding, lam=2.0, lam1=0.7, label="c")
    except ValueError:
        with pytest.raises(ValueError):
            add_leq_row(PenaltyModel(base), terms, b, encoding=encoding, lam=2.0, lam1=0.7,
                        label="c")
        return
    model = PenaltyModel(base)
    slack_b = add_leq_row(model, terms, b, encoding=encoding, lam=2.0, lam1=0.7, label="c")
    assert slack_a == slack_b
    assert list(model.variables) == list(bqm.variables)
    X = all_assignments(model.num_variables, dimod.BINARY)
    labels = list(bqm.variables)
    np.testing.assert_allclose(model.energies((X, labels)), bqm.energies((X, labels)),
                               atol=1e-9)


def test_slack_coefficients_span_the_range():
    coeffs, ub = slack_coefficients(0, 40, 0, 13)
    assert ub == 13 and coeffs == [1, 2, 4, 6] and sum(coeffs) == 13
    assert slack_coefficients(0, 5, 0, 9) is None  # always satisfied


def _cqm(rng, n=8):
    x = [dimod.Binary(i) for i in range(n)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(sum(float(rng.normal()) * xi for xi in x) + x[0] * x[1])
    cqm.add_constraint(sum(int(rng.integers(1, 6)) * xi for xi in x) <= 9, label="cap")
    cqm.add_constraint(x[2] + x[3] + x[4] == 1, label="one")
    cqm.add_constraint(x[5] - x[6] >= 0, label="order")
    cqm.add_constraint(x[1] + x[7] <= 1, label="soft", weight=1.5, penalty="quadratic")
    return cqm


@pytest.mark.parametrize("encoding", ["unbalanced", "slack"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_problem_models_are_the_penalty_bqms(encoding, seed):
    """MDKP, CQM and QAP: the structured model's energy of every state is the
    written-out penalty BQM's, and (for the CQM) the CQM objective plus the
    penalty terms, which vanish on feasible states of the equality rows."""
    rng = np.random.default_rng(seed)
    problems = [
        MDKPProblem(rng.integers(1, 20, 7), rng.integers(0, 9, (3, 7)), rng.integers(5, 20, 3),
                    encoding=encoding),
        CQMProblem(_cqm(rng), encoding=encoding),
    ]
    if encoding == "unbalanced":
        n = 3
        problems.append(QAPProblem(rng.integers(0, 5, (n, n)), rng.integers(0, 5, (n, n))))
    for p in problems:
        model = p.model
        bqm = model.to_bqm()
        labels = list(model.variables)
        X = all_assignments(len(labels), dimod.BINARY) if len(labels) <= 14 else \
            rng.integers(0, 2, (300, len(labels)))
        np.testing.assert_allclose(model.energies((X, labels)), bqm.energies((X, labels)),
                                   atol=1e-8)


def test_cqm_energy_is_objective_plus_penalty():
    rng = np.random.default_rng(5)
    cqm = _cqm(rng)
    p = CQMProblem(cqm)
    model = p.model
    labels = list(model.variables)
    X = all_assignments(len(labels), dimod.BINARY)
    scale = max(abs(b) for b in p.obj_bqm.linear.values())
    scale = max(scale, max(abs(b) for b in p.obj_bqm.quadratic.values()))
    obj = np.asarray(p.obj_bqm.energies((X, labels)), dtype=float) / scale
    A, rhs, quad, lin = model.rows, model.rhs, model.quad, model.lin
    r = (A @ X.T).T - rhs
    penalty = (r * r) @ quad + r @ lin
    np.testing.assert_allclose(model.energies((X, labels)), obj + penalty, atol=1e-9)


def _rows_couplings(seed, n=600, m=5):
    """The structured couplings of a random objective under ``m`` dense rows."""
    rng = np.random.default_rng(seed)
    n, m = 600, 5
    base = dimod.BinaryQuadraticModel({i: float(rng.normal()) for i in range(n)}, {}, 0.0,
                                      "BINARY")
    model = PenaltyModel(base)
    W = rng.integers(1, 10, (m, n)).astype(float)
    model.add_rows(W, rhs=W.sum(axis=1) / 3, quad=2.0 / 25.0, lin=2.0 / 5.0)
    K = ising_form(model).coupling_operator()
    return K


def test_structured_sdp_reaches_the_dense_relaxation():
    K = _rows_couplings(3)
    V0 = np.random.default_rng(0).normal(size=(K.shape[0], 8))
    V0 /= np.linalg.norm(V0, axis=1, keepdims=True)
    res = _solve_structured(K, V0.copy(), 1e-6, 3000, None)
    ref = solve_lowrank_sdp(K.tocsr(), init=V0.copy(), seed=0)
    np.testing.assert_allclose(np.linalg.norm(res.factor, axis=1), 1.0, atol=1e-9)
    # the same relaxation value, to the solvers' tolerance
    assert res.objective == pytest.approx(ref.objective, rel=1e-3)
    assert res.objective == pytest.approx(
        0.5 * float(np.einsum("ij,ij->", res.factor, K @ res.factor)), rel=1e-9)


def test_structured_couplings_pattern_keeps_small_rows_only_when_large():
    S = np.zeros((6, 6))
    S[0, 1] = S[1, 0] = 1.0
    rows = np.array([[1, 0, 1, 1, 0, 0], [0, 0, 0, 0, 1, 1.0]])
    K = StructuredCouplings(S, rows, [1.0, 2.0])
    pairs = {(int(a), int(b)) for a, b in zip(*K.pattern(100).coords)}
    assert pairs == {(0, 1), (0, 2), (0, 3), (2, 3), (4, 5)}
    assert {(int(a), int(b)) for a, b in zip(*K.pattern(0).coords)} == pairs  # rows <= 64


def test_a_constraint_over_many_binaries_is_never_written_out():
    """One knapsack row over 60,000 binaries: the model is rows, the written-out BQM
    would be 1.8 billion couplings and is refused before anything is allocated."""
    n = 60_000
    rng = np.random.default_rng(0)
    base = dimod.BinaryQuadraticModel(dimod.BINARY)
    base.add_linear_from_array(-rng.random(n))
    model = PenaltyModel(base)
    w = rng.integers(1, 100, n).astype(float)
    model.add_rows(w[None, :], rhs=w.sum() / 2, quad=1e-4, lin=1e-2)
    assert model.num_interactions() == n * (n - 1) // 2
    with pytest.raises(ModelTooLargeError, match="shrink it instead"):
        model.to_bqm()
    X = rng.integers(0, 2, (3, n))
    e = model.energies((X, list(model.variables)))
    r = X @ w - w.sum() / 2
    linear = base.to_numpy_vectors()[0]
    np.testing.assert_allclose(e, X @ linear + 1e-4 * r * r + 1e-2 * r, rtol=1e-9)


def test_qap_of_a_thousand_facilities_is_refused_before_allocating():
    rng = np.random.default_rng(0)
    n = 1000
    p = QAPProblem(rng.integers(1, 5, (n, n)), rng.integers(1, 5, (n, n)))
    with pytest.raises(ModelTooLargeError, match="n = 1000"):
        p.model


def test_composite_samples_a_penalty_model_with_exact_energies():
    rng = np.random.default_rng(1)
    p = MDKPProblem(rng.integers(1, 50, 60), rng.integers(1, 30, (4, 60)),
                    rng.integers(200, 400, 4))
    model = p.model
    ss = ShrinkingComposite().sample(model, num_variables=10, seed=0, num_reads=20,
                                     return_shrink_context=True)
    assert ss.info["shrink_context"]["num_reduced"] == 10
    labels = list(model.variables)
    X = ss.record.sample
    np.testing.assert_allclose(ss.record.energy, p.bqm.energies((X, list(ss.variables))),
                               atol=1e-8)
    assert list(ss.variables) == labels


def test_cli_refuses_a_qap_too_large_to_hold(tmp_path):
    """A QAPLIB-format file with n = 1000: a clear error, exit 2, nothing allocated."""
    from dimod_shrink.cli import main
    n = 1000
    rng = np.random.default_rng(0)
    path = tmp_path / "big1000.dat"
    with open(path, "w") as fh:
        fh.write(f"{n}\n\n")
        for M in (rng.integers(1, 9, (n, n)), rng.integers(1, 9, (n, n))):
            np.savetxt(fh, M, fmt="%d")
            fh.write("\n")
    assert main(["solve", str(path), "--seed", "0", "--no-progress"]) == 2


def test_empty_schedule_and_candidates_are_refused_not_defaulted():
    bqm = dimod.generators.ran_r(1, 30, seed=1)
    for kw in ({"schedule": ""}, {"candidates": ""}):
        with pytest.raises(ValueError, match="must be one of"):
            ShrinkingComposite().sample(bqm, num_variables=5, seed=0, **kw)


def test_iterated_sample_cqm_takes_bounded_integers():
    from dimod_shrink import IteratedShrinkingComposite
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Integer(f"i{k}", lower_bound=0, upper_bound=10) for k in range(4)]
    b = dimod.Binary("b")
    cqm.set_objective(-3 * x[0] - 2 * x[1] - x[2] - 4 * x[3] - 5 * b)
    cqm.add_constraint(x[0] + 2 * x[1] + x[2] + 3 * x[3] + 4 * b <= 17, label="cap")
    cqm.add_constraint(x[0] - x[2] >= 1, label="order")
    ss = IteratedShrinkingComposite(num_variables=8).sample_cqm(cqm, max_rounds=3, seed=0)
    best = ss.filter(lambda s: s.is_feasible).first
    assert set(ss.variables) == {"i0", "i1", "i2", "i3", "b"}
    assert all(float(v).is_integer() and 0 <= v <= 10 for v in best.sample.values())
    assert cqm.check_feasible(best.sample)
    assert best.energy == pytest.approx(cqm.objective.energy(best.sample))


def test_warm_structured_solves_keep_to_their_budget():
    """A warm start over N variables makes at most max(30, budget / N) L-BFGS
    iterations; ``warm_budget=None`` and cold starts keep ``max_iter``."""
    K = _rows_couplings(4)
    V0 = np.random.default_rng(0).normal(size=(K.shape[0], 8))
    free = solve_lowrank_sdp(K, init=V0.copy(), seed=0, warm_budget=None)
    assert free.iterations > 60  # the budget below binds
    budget = 60 * K.shape[0]
    capped = solve_lowrank_sdp(K, init=V0.copy(), seed=0, warm_budget=budget)
    assert capped.iterations == 60 and not capped.converged
    assert capped.objective > free.objective  # stopped short of the relaxation
    cold = solve_lowrank_sdp(K, seed=0, warm_budget=budget)
    assert cold.iterations > 60
