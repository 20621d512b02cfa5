"""Properties of the repairs on random instances and random samples.

What the code promises, and no more:

* MDKP, MIS and QAP repairs always end feasible (dropping items / vertices, the
  nearest permutation); the CQM repair does whenever a feasible point is known
  (its last resort is the nearest point of its feasible pool).  The MDKP and MIS
  repairs only drop: adding what fits is the polish's job.
* A row that is already feasible is not touched by the repair, and the polish
  never makes a feasible row worse (every accepted move improves, or keeps, the
  natural objective).
* ``is_feasible`` and ``objective`` are honest (recomputed from the samples).
* Duplicate rows are repaired once and aggregated, ``num_occurrences`` summed.
"""

import dimod
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dimod_shrink.problems import CQMProblem, MDKPProblem, MISProblem, QAPProblem

PROPS = settings(max_examples=25, deadline=None)


# -- random instances ---------------------------------------------------------------------
@st.composite
def mdkp_problems(draw):
    n = draw(st.integers(1, 10))
    m = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    W = rng.integers(0, 10, size=(m, n))
    c = (W.sum(axis=1) * rng.uniform(0.0, 0.8, m)).astype(int)
    enc = draw(st.sampled_from(["unbalanced", "slack"]))
    return MDKPProblem(rng.integers(0, 20, n), W, c, encoding=enc)


@st.composite
def mis_problems(draw):
    n = draw(st.integers(1, 12))
    p = draw(st.floats(0.0, 0.9))
    g = nx.gnp_random_graph(n, p, seed=draw(st.integers(0, 10_000)))
    return MISProblem(g, kicks=draw(st.integers(0, 5)), seed=draw(st.integers(0, 100)))


@st.composite
def qap_problems(draw):
    n = draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    A = rng.integers(-3, 6, (n, n))
    B = rng.integers(-3, 6, (n, n))
    return QAPProblem(A, B, kicks=draw(st.integers(0, 6)), descent_starts=3)


@st.composite
def cqm_problems(draw):
    """Random CQMs: hard constraints of every sense (some infeasible together),
    soft ones of both penalty types."""
    n = draw(st.integers(1, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(n)]
    obj = sum(int(rng.integers(-5, 6)) * xi for xi in x)
    if n > 1:
        obj += int(rng.integers(-3, 4)) * x[0] * x[1]
    cqm.set_objective(obj)
    for k in range(draw(st.integers(0, 3))):
        a = rng.integers(-3, 4, n)
        lhs = sum(int(a[i]) * x[i] for i in range(n))
        lo, hi = int(np.minimum(a, 0).sum()), int(np.maximum(a, 0).sum())
        rhs = int(rng.integers(lo, hi + 1))  # satisfiable on its own
        sense = draw(st.sampled_from(["<=", ">=", "=="]))
        soft = draw(st.booleans())
        kw = {"weight": float(rng.uniform(0.1, 3)),
              "penalty": draw(st.sampled_from(["linear", "quadratic"]))} if soft else {}
        comp = {"<=": lhs <= rhs, ">=": lhs >= rhs, "==": lhs == rhs}[sense]
        cqm.add_constraint(comp, label=f"c{k}", **kw)
    return CQMProblem(cqm, encoding=draw(st.sampled_from(["unbalanced", "slack"])))


def samples_for(problem, data, max_rows=6):
    n = len(problem.variables)
    rows = data.draw(st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n),
                              min_size=1, max_size=max_rows))
    return np.array(rows, dtype=np.int8).reshape(-1, n)


def better_or_equal(problem, new, old):
    if problem.sense == "max":
        return new >= old - 1e-9
    return new <= old + 1e-9


def check_common(problem, X, polish):
    out = problem.repair_samples(X, polish=polish)
    Y = out["samples"]
    # honest vectors
    np.testing.assert_array_equal(out["is_feasible"], problem.is_feasible(Y))
    np.testing.assert_allclose(out["objective"], problem.objective(Y))
    np.testing.assert_array_equal(out["feasible_before_repair"], problem.is_feasible(X))
    feasible_in = out["feasible_before_repair"]
    # already feasible rows: no repair move; without polish they come back unchanged,
    # with polish they are never worse
    assert (out["repair_moves"][feasible_in] == 0).all()
    if not polish:
        np.testing.assert_array_equal(Y[feasible_in], X[feasible_in])
        assert (out["polish_moves"] == 0).all() and (out["polish_gain"] == 0).all()
    else:
        assert better_or_equal(problem, out["objective"][feasible_in],
                               problem.objective(X[feasible_in])).all()
    assert (out["polish_gain"] >= -1e-9).all()
    assert not np.signbit(out["objective"][out["objective"] == 0]).any()  # no -0.0
    return out


@pytest.mark.parametrize("strategy", [mdkp_problems(), mis_problems(), qap_problems()],
                         ids=["mdkp", "mis", "qap"])
@PROPS
@given(data=st.data())
def test_repair_always_ends_feasible(strategy, data):
    problem = data.draw(strategy)
    X = samples_for(problem, data)
    out = check_common(problem, X, polish=data.draw(st.booleans()))
    assert out["is_feasible"].all()


@pytest.mark.parametrize("strategy", [mdkp_problems(), mis_problems()], ids=["mdkp", "mis"])
@PROPS
@given(data=st.data())
def test_packing_repairs_only_drop(strategy, data):
    """The MDKP and MIS repairs restore feasibility and nothing more: the repaired
    row is a subset of the sample (items / vertices only leave), and every move is
    one that leaves; adding is the polish's job."""
    problem = data.draw(strategy)
    X = samples_for(problem, data)
    out = problem.repair_samples(X, polish=False)
    Y = out["samples"]
    assert (Y <= X).all()
    np.testing.assert_array_equal(out["repair_moves"], (X != Y).sum(axis=1))


@PROPS
@given(problem=cqm_problems(), data=st.data())
def test_cqm_repair_is_feasible_whenever_a_feasible_point_is_known(problem, data):
    X = samples_for(problem, data)
    out = check_common(problem, X, polish=data.draw(st.booleans()))
    if len(problem._pool()):
        assert out["is_feasible"].all()
    # energies as dimod defines them for the CQM (soft penalties included)
    ref = dimod.SampleSet.from_samples_cqm((out["samples"], problem.variables), problem.cqm)
    np.testing.assert_allclose(out["objective"], ref.record.energy, atol=1e-9)
    np.testing.assert_array_equal(out["is_feasible"], ref.record.is_feasible)


@PROPS
@given(problem=cqm_problems(), data=st.data())
def test_cqm_repair_never_forces_soft_constraints(problem, data):
    """A row that satisfies every hard constraint is left alone by the repair,
    however many soft constraints it breaks."""
    X = samples_for(problem, data)
    out = problem.repair_samples(X, polish=False)
    ok = problem.is_feasible(X)
    np.testing.assert_array_equal(out["samples"][ok], X[ok])


@pytest.mark.parametrize("strategy", [mdkp_problems(), mis_problems(), qap_problems(),
                                      cqm_problems()], ids=["mdkp", "mis", "qap", "cqm"])
@PROPS
@given(data=st.data())
def test_rows_are_repaired_as_if_alone(strategy, data):
    """Aggregating duplicates changes nothing per row: each row's result equals the
    result of repairing it on its own."""
    problem = data.draw(strategy)
    X = samples_for(problem, data, max_rows=4)
    X = np.vstack([X, X[::-1]])
    out = problem.repair_samples(X, polish=True)
    for r in range(len(X)):
        alone = problem.repair_samples(X[r:r + 1], polish=True)
        np.testing.assert_array_equal(out["samples"][r], alone["samples"][0])
        assert out["repair_moves"][r] == alone["repair_moves"][0]


# -- duplicate rows: repaired once, aggregated ----------------------------------------------
def test_duplicate_rows_are_repaired_once_and_aggregated():
    rng = np.random.default_rng(0)
    W = rng.integers(1, 10, size=(2, 8))
    p = MDKPProblem(rng.integers(1, 20, 8), W, W.sum(axis=1) // 3)
    distinct = np.array([np.ones(8), np.zeros(8), np.eye(8)[0], np.eye(8)[3]], dtype=np.int8)
    counts = np.array([500, 300, 150, 50])
    X = np.repeat(distinct, counts, axis=0)
    ss = dimod.SampleSet.from_samples_bqm((X, p.variables), p.bqm,
                                          num_occurrences=np.full(len(X), 2))
    calls = []
    original = p.repair_one

    def counting(x):
        calls.append(x.copy())
        return original(x)

    p.repair_one = counting
    fixed = p.repair_sampleset(ss)
    infeasible = (~p.is_feasible(distinct)).sum()
    assert infeasible >= 1
    assert len(calls) == infeasible                       # once per distinct infeasible row
    assert len(fixed) == len(distinct)                    # one row per distinct input row
    assert fixed.record.num_occurrences.sum() == 2 * counts.sum()
    assert sorted(fixed.record.num_occurrences.tolist()) == sorted((2 * counts).tolist())
    assert fixed.info["repair_rows"] == {"rows": int(counts.sum()), "distinct": 4}
    assert fixed.record.is_feasible.all()
    dimod.testing.assert_sampleset_energies(fixed, p.bqm)


def test_repair_sampleset_keeps_rows_differing_only_in_slack_bits_together():
    """Rows that differ only in auxiliary (slack) variables are one decision row."""
    rng = np.random.default_rng(1)
    W = rng.integers(1, 10, size=(1, 5))
    p = MDKPProblem(rng.integers(1, 20, 5), W, W.sum(axis=1) // 2, encoding="slack")
    labels = list(p.bqm.variables)
    assert len(labels) > 5
    X = np.zeros((6, len(labels)), dtype=np.int8)
    X[:, 5:] = rng.integers(0, 2, (6, len(labels) - 5))  # slack bits vary, items all 0
    fixed = p.repair_sampleset(dimod.SampleSet.from_samples_bqm((X, labels), p.bqm))
    assert len(fixed) == 1 and fixed.record.num_occurrences[0] == 6
