"""The rescoring walker takes exactly the pairs of the plain lazy greedy loop.

``_ReferenceWalker`` below is the one-draw-at-a-time walker the engine used
before draws were batched (a heap of tuples, one rescoring per draw); the
engine's walker must return the same pairs with the same correlations, to
the bit, so the merges, stop reasons and energies of a seeded run do not
change.  The batch sizes are shrunk in some runs so that small models go
through every path (sliced and stepped draws, the heap folded into the run,
batches that end in the middle).
"""

import heapq
import math

import dimod
import networkx as nx
import numpy as np
import pytest

from dimod_shrink import ShrinkingComposite, ising_form, shrink
from dimod_shrink import engine
from dimod_shrink.engine import _pair_scores


class _ReferenceWalker:
    def __init__(self, a, b, c, complete, G, uf):
        self._a = a.tolist()
        self._b = b.tolist()
        self._c = c.tolist()
        self._key = (-np.abs(c)).tolist()
        self._ptr = 0
        self._heap = []
        self._G = G
        self._uf = uf
        self._ver = {}
        self._back = None
        self.complete = complete

    def _best_key(self):
        k = None
        if self._ptr < len(self._a):
            k = (self._key[self._ptr], self._ptr)
        if self._heap and (k is None or self._heap[0][:2] < k):
            k = self._heap[0][:2]
        return k

    def _next_raw(self):
        p = self._ptr
        if p < len(self._a) and (not self._heap or (self._key[p], p) <= self._heap[0][:2]):
            self._ptr += 1
            return self._a[p], self._b[p], self._c[p], 0, 0, p
        if self._heap:
            _, seq, a, b, c, va, vb = heapq.heappop(self._heap)
            return a, b, c, va, vb, seq
        return None

    def pop(self):
        if self._back is not None:
            item, self._back = self._back, None
            return item
        find, ver, G = self._uf.find, self._ver, self._G
        while True:
            e = self._next_raw()
            if e is None:
                return None
            a, b, c, va, vb, seq = e
            ra, rb = find(a), find(b)
            if ra == rb:
                continue
            if ra == a and rb == b and ver.get(a, 0) == va and ver.get(b, 0) == vb:
                return a, b, c
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            ga, gb = G[lo], G[hi]
            den = math.sqrt(float(ga @ ga) * float(gb @ gb))
            c2 = float(ga @ gb) / den if den > 0 else 0.0
            c2 = min(1.0, max(-1.0, c2))
            entry = (-abs(c2), seq, lo, hi, c2, ver.get(lo, 0), ver.get(hi, 0))
            nxt = self._best_key()
            if nxt is None or entry[:2] <= nxt:
                return lo, hi, c2
            heapq.heappush(self._heap, entry)

    def push_back(self, item):
        self._back = item

    def on_merge(self, drop, keep):
        self._uf.union(drop, keep)
        self._ver[keep] = self._ver.get(keep, 0) + 1

    def close(self):
        pass


SETTINGS = {
    "default": {},
    "tiny": {"SCALAR_DRAWS": 0, "FIRST_BATCH": 1, "SLICE_MIN": 1, "FOLD_MIN": 1},
    "small": {"SCALAR_DRAWS": 2, "FIRST_BATCH": 3, "SLICE_MIN": 4, "FOLD_MIN": 5},
}


def _random_bqm(n, seed):
    rng = np.random.default_rng(seed)
    bqm = dimod.generators.gnm_random_bqm(n, 3 * n, "SPIN", random_state=seed)
    for v in range(0, n, 3):
        bqm.add_linear(v, float(rng.normal()))
    return bqm


def _sparse_fixes(n, seed):
    """Mostly fields, a few couplings: most merges fix a variable, and a fix
    makes every pair with the reference stale at once."""
    rng = np.random.default_rng(seed)
    bqm = dimod.BinaryQuadraticModel("BINARY")
    for v in range(n):
        bqm.add_linear(v, -1.0 - 0.01 * rng.integers(0, 3))
    for _ in range(n // 20):
        u, v = rng.choice(n, 2, replace=False)
        bqm.add_quadratic(int(u), int(v), 2.0)
    return bqm


def _run(monkeypatch, walker, setting, make):
    monkeypatch.setattr(engine, "_RescoringWalker", walker)
    if walker is not _ReferenceWalker:
        for k, v in SETTINGS[setting].items():
            monkeypatch.setattr(walker, k, v)
    return make()


def _bqm_case(bqm, budget, **kw):
    def make():
        res = shrink(ising_form(bqm), budget, seed=1, **kw)
        return ([m.as_dict() for m in res.merges], res.stop_reason, res.vetoed_merges,
                res.correlation_calls)
    return make


def _problem_case(problem, budget=6):
    def make():
        ss = ShrinkingComposite(dimod.ExactSolver()).sample(
            problem.model, num_variables=budget, merge_policy=problem.merge_policy(True, seed=0),
            postprocess=problem.postprocess(True), seed=0, candidates=problem.candidates,
            return_shrink_context=True)
        ctx = ss.info["shrink_context"]
        return (ctx["merges"], ctx["stop_reason"], ctx["vetoed_merges"],
                ss.record.energy.tolist())
    return make


def _cases():
    from dimod_shrink.problems import MDKPProblem, MISProblem, QAPProblem
    rng = np.random.default_rng(3)
    W = rng.integers(1, 100, (3, 40))
    g = nx.empty_graph(600)
    g.add_edge(0, 1)
    A = rng.integers(0, 5, (5, 5))
    B = rng.integers(0, 5, (5, 5))
    np.fill_diagonal(A, 0)
    np.fill_diagonal(B, 0)
    return {
        "random": _bqm_case(_random_bqm(120, 0), 5),
        "random-lsh": _bqm_case(_random_bqm(120, 1), 5, candidates="lsh"),
        "random-dense": _bqm_case(_random_bqm(80, 2), 5, candidates="dense"),
        "fixes": _bqm_case(_sparse_fixes(400, 0), 5),
        "fixes-vetoes": _bqm_case(_sparse_fixes(300, 1), 5,
                                  merge_policy=lambda s, i, j, sign: hash((i, j)) % 3 != 0),
        "mis-one-edge": _problem_case(MISProblem(g, name="one-edge")),
        "mis-gnm": _problem_case(MISProblem(nx.gnm_random_graph(150, 600, seed=1))),
        "mdkp": _problem_case(MDKPProblem(W.sum(axis=0) // 3 + rng.integers(1, 50, 40), W,
                                          W.sum(axis=1) // 2)),
        "qap": _problem_case(QAPProblem(A, B)),
    }


CASES = _cases()


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_walker_takes_the_reference_pairs(monkeypatch, case, setting):
    with monkeypatch.context() as m:
        ref = _run(m, _ReferenceWalker, setting, CASES[case])
    with monkeypatch.context() as m:
        got = _run(m, engine._RescoringWalker, setting, CASES[case])
    assert got == ref


def test_reference_walker_sees_many_stale_draws(monkeypatch):
    """The fix-heavy case does make steps that rescore many draws (so the
    comparison above covers the batches)."""
    sizes = []
    orig = engine._RescoringWalker._step_batch

    def spy(self, batch, pm, pushed):
        sizes.append(len(batch))
        return orig(self, batch, pm, pushed)

    monkeypatch.setattr(engine._RescoringWalker, "_step_batch", spy)
    CASES["fixes"]()
    assert sizes and max(sizes) >= 64


def _pair_score(ga, gb) -> float:
    """One pair's score as the one-at-a-time walker computes it (clipped cosine)."""
    den = math.sqrt(float(ga @ ga) * float(gb @ gb))
    c = float(ga @ gb) / den if den > 0 else 0.0
    return min(1.0, max(-1.0, c))


@pytest.mark.parametrize("k", [1, 2, 3, 7, 16, 31, 32, 33, 64])
def test_batched_scores_equal_single_scores_bitwise(k):
    rng = np.random.default_rng(k)
    A = rng.standard_normal((300, k)) * rng.choice([1e-3, 1.0, 1e3], (300, 1))
    B = rng.standard_normal((300, k))
    B[:20] = A[:20]  # parallel rows: the clip at 1
    B[20:40] = -3 * A[20:40]
    A[40:45] = 0.0  # a zero row scores 0
    got = _pair_scores(A, B)
    want = np.array([_pair_score(A[i], B[i]) for i in range(300)])
    assert np.array_equal(got.view(np.int64), want.view(np.int64))
