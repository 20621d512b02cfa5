"""The MDKP and CQM heuristics against direct computations.

* MDKP: the blocked fill and the vectorised repair give exactly what the
  item-by-item loops give; the polish ends at a local optimum of its
  neighbourhood (nothing fits, no improving feasible 1-1 swap), never worsens
  a row and keeps it feasible, and while the swap search looks at every pair
  at once it makes the plain best-improvement moves.
* CQM: the sparse left-hand sides, violations, feasibility, energies and flip
  deltas equal a dense computation; repair and polish keep their promises.
* The witness pool is polished up to ``witness_polish_max`` items only.
"""

import itertools

import dimod
import numpy as np
from hypothesis import given, settings, strategies as st

from dimod_shrink.problems import CQMProblem, MDKPProblem
from dimod_shrink.problems.base import unique_rows

PROPS = settings(max_examples=30, deadline=None)


# -- MDKP ------------------------------------------------------------------------------------
@st.composite
def mdkp(draw, max_n=12):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    W = rng.integers(0, 10, size=(m, n))
    c = (W.sum(axis=1) * rng.uniform(0.0, 0.8, m)).astype(int)
    return MDKPProblem(rng.integers(0, 20, n), W, c)


def rows(data, n, k=4):
    return np.array(data.draw(st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n),
                                       min_size=1, max_size=k)), dtype=np.int8).reshape(-1, n)


def fill_loop(p, x, order=None):
    """The item-by-item fill."""
    x = x.copy()
    load = p.W @ x
    for i in (np.argsort(-p.ratio_key, kind="stable") if order is None else order):
        if not x[i] and (load + p.W[:, i] <= p.c + 1e-9).all():
            x[i] = 1
            load = load + p.W[:, i]
    return x


def repair_loop(p, x):
    """The item-by-item repair: drop chosen items, lowest ratio first."""
    x = x.copy()
    load = p.W @ x
    moves = 0
    for i in np.argsort(p.ratio_key, kind="stable"):
        if (load <= p.c + 1e-9).all():
            break
        if x[i]:
            x[i] = 0
            load = load - p.W[:, i]
            moves += 1
    return x, moves


def best_improvement(p, x, max_rounds=1000):
    """The plain best-improvement polish over all (drop, add) pairs at once."""
    x = fill_loop(p, x)
    for _ in range(max_rounds):
        load = p.W @ x
        ins, outs = np.flatnonzero(x), np.flatnonzero(x == 0)
        if ins.size == 0 or outs.size == 0:
            break
        new = load[:, None, None] - p.W[:, ins][:, :, None] + p.W[:, outs][:, None, :]
        ok = (new <= p.c[:, None, None] + 1e-9).all(axis=0)
        gain = np.where(ok, p.p[outs][None, :] - p.p[ins][:, None], -np.inf)
        a, b = np.unravel_index(np.argmax(gain), gain.shape)
        if not gain[a, b] > 1e-12:
            break
        x[ins[a]], x[outs[b]] = 0, 1
        x = fill_loop(p, x)
    return x


@PROPS
@given(p=mdkp(), data=st.data())
def test_mdkp_fill_and_repair_equal_the_item_by_item_loops(p, data):
    for x in rows(data, p.p.size):
        y, moves = p.repair_one(x)
        ref, ref_moves = repair_loop(p, x)
        np.testing.assert_array_equal(y, ref)
        assert moves == ref_moves == int((x != y).sum())
        assert p.is_feasible(y)[0] and (y <= x).all()          # feasible, only drops
        np.testing.assert_array_equal(p._fill(y.copy(), 0)[0], fill_loop(p, y))
        order = np.random.default_rng(int(x.sum())).permutation(p.p.size)
        np.testing.assert_array_equal(p._fill(y.copy(), 0, order=order)[0],
                                      fill_loop(p, y, order))


def assert_swap_local_optimum(p, y):
    """Nothing fits and no feasible 1-1 swap gains profit."""
    load = p.W @ y
    for j in np.flatnonzero(y == 0):
        assert not (load + p.W[:, j] <= p.c + 1e-9).all()
        for i in np.flatnonzero(y):
            if (load - p.W[:, i] + p.W[:, j] <= p.c + 1e-9).all():
                assert p.p[j] <= p.p[i] + 1e-12


@PROPS
@given(p=mdkp(), data=st.data(), block=st.sampled_from([1, 3, 1 << 16]),
       best=st.sampled_from([0, 1 << 13]))
def test_mdkp_polish_reaches_a_swap_local_optimum(p, data, block, best):
    p.swap_block_pairs = block   # 1 and 3: many blocks; 2**16: one block
    p.best_swap_pairs = best     # 0: many swaps per round; 2**13: the best swap
    for x in rows(data, p.p.size):
        x = p.repair_one(x)[0]
        y, _ = p.polish_one(x)
        assert p.is_feasible(y)[0]
        assert p.objective(y)[0] >= p.objective(x)[0] - 1e-9
        assert_swap_local_optimum(p, y)
        if best:   # one swap per round: the best-improvement moves
            np.testing.assert_array_equal(y, best_improvement(p, x))


def test_mdkp_polish_is_best_improvement_on_a_study_sized_instance():
    rng = np.random.default_rng(3)
    W = rng.integers(1, 1000, (5, 100))
    p = MDKPProblem(W.sum(axis=0) // 5 + rng.integers(1, 500, 100), W, W.sum(axis=1) // 2)
    for x in p.random_feasible(4, np.random.default_rng(0)):
        np.testing.assert_array_equal(p.polish_one(x)[0], best_improvement(p, x))


def test_witness_pool_is_polished_up_to_the_size_limit():
    rng = np.random.default_rng(0)
    for n, polished in ((60, True), (300, False)):
        W = rng.integers(1, 100, (3, n))
        p = MDKPProblem(rng.integers(1, 100, n), W, W.sum(axis=1) // 2)
        p.witness_polish_max = 100
        raw = np.vstack([p.greedy()[None, :], p.random_feasible(15, np.random.default_rng(5))])
        expect = p._polish_rows(raw)[0] if polished else raw
        np.testing.assert_array_equal(p.witnesses(16, seed=5), unique_rows(expect)[0])


# -- CQM -------------------------------------------------------------------------------------
@st.composite
def cqms(draw, max_n=8):
    """Binary CQMs with a quadratic objective, hard and soft constraints of every sense
    (hard rows satisfiable one by one, maybe not together)."""
    n = draw(st.integers(1, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", range(n))
    quad = {(int(a), int(b)): float(rng.integers(-4, 5))
            for a, b in rng.integers(0, n, (n, 2)) if a != b}
    cqm.set_objective(dimod.BQM({i: float(rng.integers(-6, 7)) for i in range(n)}, quad,
                                float(rng.integers(-3, 4)), "BINARY"))
    for k in range(draw(st.integers(0, 4))):
        a = rng.integers(-3, 5, n) * (rng.random(n) < 0.7)
        lo, hi = int(np.minimum(a, 0).sum()), int(np.maximum(a, 0).sum())
        sense = draw(st.sampled_from(["<=", ">=", "=="]))
        kw = {}
        if draw(st.booleans()):
            kw = {"weight": float(rng.uniform(0.1, 3)),
                  "penalty": draw(st.sampled_from(["linear", "quadratic"]))}
        cqm.add_constraint(list(zip(range(n), a.astype(float))), sense,
                           float(rng.integers(lo, hi + 1)), label=f"c{k}", **kw)
    return CQMProblem(cqm)


def dense_numbers(p, X):
    """Left-hand sides, violation, feasibility and energy computed densely."""
    X = X.astype(float)
    L = X @ p.Ad.T
    viol = (np.maximum(L - p.upper, 0) + np.maximum(p.lower - L, 0)).sum(axis=1)
    S = X @ p.As.T
    e = np.asarray(p.obj_bqm.energies((X, p.variables)), dtype=float)
    if p.soft_names:
        e = e + p._soft_penalty(S)
    return L, viol, viol <= 1e-9, S, e


@PROPS
@given(p=cqms(), data=st.data())
def test_cqm_sparse_numbers_equal_the_dense_computation(p, data):
    X = rows(data, len(p.variables), k=6)
    L, viol, feas, S, e = dense_numbers(p, X)
    np.testing.assert_allclose(p.lhs(X), L, atol=1e-9)
    np.testing.assert_allclose(p.violation(X), viol, atol=1e-9)
    np.testing.assert_array_equal(p.is_feasible(X), feas)
    np.testing.assert_allclose(p.soft_lhs(X), S, atol=1e-9)
    np.testing.assert_allclose(p.objective(X), e, atol=1e-9)
    ref = dimod.SampleSet.from_samples_cqm((X, p.variables), p.cqm)
    np.testing.assert_allclose(p.objective(X), ref.record.energy, atol=1e-9)
    np.testing.assert_array_equal(p.is_feasible(X), ref.record.is_feasible)
    for x in X:   # flip deltas: the energy of each flipped row, less the row's
        flipped = np.where(np.eye(x.size, dtype=bool), 1 - x, x).astype(np.int8)
        np.testing.assert_allclose(p._flip_objective_deltas(x),
                                   dense_numbers(p, flipped)[4] - dense_numbers(p, x[None])[4],
                                   atol=1e-9)


@PROPS
@given(p=cqms(max_n=7), data=st.data())
def test_cqm_repair_is_feasible_whenever_a_feasible_point_exists(p, data):
    n = len(p.variables)
    every = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int8)
    exists = p.is_feasible(every).any()
    for x in rows(data, n):
        y, moves = p.repair_one(x)
        assert bool(p.is_feasible(y)[0]) == bool(exists)
        if p.is_feasible(x)[0]:
            np.testing.assert_array_equal(y, x)
            assert moves == 0
        z, _ = p.polish_one(y)
        if exists:   # the polish keeps feasibility and never worsens the energy
            assert p.is_feasible(z)[0]
            assert p.objective(z)[0] <= p.objective(y)[0] + 1e-9
            # ends at a 1-flip local optimum among feasible flips
            flips = np.where(np.eye(n, dtype=bool), 1 - z, z).astype(np.int8)
            ok = p.is_feasible(flips)
            assert (p.objective(flips)[ok] >= p.objective(z)[0] - 1e-9).all()


def test_cqm_single_knapsack_over_many_binaries():
    """One ``<=`` row over 5,000 binaries: repair ends feasible, only dropping items,
    and the polish keeps it feasible and fills the knapsack."""
    rng = np.random.default_rng(0)
    n = 5000
    w = rng.integers(1, 1000, n)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variables("BINARY", range(n))
    cqm.set_objective(zip(range(n), -(w + rng.integers(1, 500, n)).astype(float)))
    cap = float(w.sum() // 4)
    cqm.add_constraint(list(zip(range(n), w.astype(float))), "<=", cap, label="cap")
    p = CQMProblem(cqm)
    x = rng.integers(0, 2, n).astype(np.int8)
    y, moves = p.repair_one(x)
    assert p.is_feasible(y)[0] and (y <= x).all() and moves == int((x != y).sum())
    z, _ = p.polish_one(y)
    assert p.is_feasible(z)[0] and p.objective(z)[0] <= p.objective(y)[0]
    assert (w[z == 0] > cap - w @ z).all()   # no item left out fits
