"""The greedy shrink loop: pure functions, no sampler inside.

:func:`shrink` repeatedly

1. estimates correlations ``C`` on the current reduced model (every
   ``recompute_every`` merges),
2. walks the pairs in order of decreasing ``|C_ab|`` and offers each to the
   ``merge_policy``; a veto is counted and the next pair is tried,
3. merges the first admissible pair with sign ``sign(C_ab)`` (a pair with the
   reference fixes the variable),

until the model has ``num_variables`` variables, or no admissible pair has
``|C| >= min_correlation``.

Between recomputations the loop keeps walking the same (stale) ranking and
skips pairs whose variables were merged away; that is what
``recompute_every > 1`` trades for speed.

Which of the two variables disappears: the one later in the model's variable
order (the earlier one represents the group), so results do not depend on
the estimator's floating-point ties.

References:
    S. Bravyi, A. Kliesch, R. Koenig, E. Tang, "Obstacles to variational
    quantum optimization from symmetry protection", PRL 125 (2020) -- RQAOA.

    J. Fischer et al., "Graph shrinking for quantum optimization",
    arXiv:2404.17242 (2024).

    S. Sharma, H. K. Lau, "Adaptive graph shrinking for quantum optimization of
    constrained combinatorial problems", arXiv:2506.14250 (2025).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import bisect
import heapq
import math
import struct
import time
from typing import Callable, Iterator

import numpy as np
from scipy import sparse

from .adaptive import resolve_threshold, upper_abs
from .candidates import CANDIDATES, candidate_pairs
from .correlations import resolve_estimator
from .ising import IsingForm
from .merges import REFERENCE, ReducedModel, ShrinkState

__all__ = ["shrink", "ShrinkResult", "ranked_pairs", "SCHEDULES"]

MergePolicy = Callable[[ShrinkState, object, object, int], bool]


@dataclass
class ShrinkResult:
    """What :func:`shrink` returns.

    Attributes:
        state: The final :class:`~dimod_shrink.merges.ShrinkState` (merges, maps).
        reduced: The reduced model (``None`` when the deadline stopped the loop).
        vetoed_merges: Number of merges the policy refused.
        correlation_calls: Number of estimator calls.
        stop_reason: ``"budget"``, ``"min_correlation"``, ``"no_admissible_pair"``,
            ``"no_strong_pair"`` (adaptive early stop) or ``"deadline"``.
        timing: Seconds spent in ``"correlation"`` (building the estimator input
            and running it), ``"select"`` (ranking pairs by ``|C|`` and asking
            the policy) and ``"shrink"`` (merges and building the reduced
            model).
        vetoes: The first vetoed ``(variable, target, sign)`` triples (at most
            ``max_recorded_vetoes``).
        control: The recomputation schedule, the thresholds used after each
            solve (and relaxation), and what triggered each solve.
    """

    state: ShrinkState
    reduced: ReducedModel
    vetoed_merges: int = 0
    correlation_calls: int = 0
    stop_reason: str = "budget"
    timing: dict = field(default_factory=dict)
    vetoes: list = field(default_factory=list)
    control: dict = field(default_factory=dict)

    @property
    def merges(self):
        return self.state.merges

    def context(self) -> dict:
        """A plain-dict summary (what ``info['shrink_context']`` carries)."""
        return {
            "num_variables": self.state.form.num_variables,
            "num_reduced": self.reduced.bqm.num_variables,
            "merges": [m.as_dict() for m in self.state.merges],
            "num_merges": len(self.state.merges),
            "num_fixed": sum(m.is_fix for m in self.state.merges),
            "vetoed_merges": self.vetoed_merges,
            "vetoes": list(self.vetoes),
            "correlation_calls": self.correlation_calls,
            "stop_reason": self.stop_reason,
            "budget_reached": self.stop_reason == "budget",
            "reduced_variables": list(self.reduced.labels),
            "control": dict(self.control),
        }


def ranked_pairs(C: np.ndarray, chunk: int = 256,
                 greedy_first: int = 16) -> Iterator[tuple[int, int, float]]:
    """Yield ``(a, b, C_ab)`` for ``a < b`` by decreasing ``|C_ab|``.

    Lazy, because the loop usually needs only the first pair or two: the first
    ``greedy_first`` pairs come from repeated :func:`numpy.argmax` (``O(N^2)``
    each, no sort), the rest from sorted chunks found with
    :func:`numpy.argpartition`.  Ties are broken by position (row-major), so
    the order is deterministic.
    """
    N = C.shape[0]
    if N < 2:
        return
    A = np.abs(C, dtype=float)
    A[np.tri(N, dtype=bool)] = -np.inf
    flat = A.ravel()
    for _ in range(min(greedy_first, N * (N - 1) // 2)):
        f = int(flat.argmax())
        if flat[f] == -np.inf:
            return
        flat[f] = -np.inf
        a, b = divmod(f, N)
        yield a, b, float(C[a, b])
    remaining = np.flatnonzero(flat > -np.inf)
    vals = flat[remaining]
    while remaining.size:
        k = min(chunk, remaining.size)
        if k < remaining.size:
            part = np.argpartition(-vals, k - 1)
            top, remaining = remaining[part[:k]], remaining[part[k:]]
            vals = vals[part[k:]]
        else:
            top, remaining = remaining, remaining[:0]
        top = top[np.lexsort((top, -flat[top]))]
        for f in top.tolist():
            a, b = divmod(f, N)
            yield a, b, float(C[a, b])
        chunk *= 4


def _check_options(num_variables, recompute_every, min_correlation):
    if isinstance(num_variables, bool) or not isinstance(num_variables, (int, np.integer)):
        raise TypeError(f"num_variables must be an int, got {type(num_variables).__name__}")
    if num_variables < 0:
        raise ValueError(f"num_variables must be >= 0, got {num_variables}")
    if isinstance(recompute_every, bool) or not isinstance(recompute_every, (int, np.integer)):
        if not (isinstance(recompute_every, float) and math.isinf(recompute_every)):
            raise TypeError("recompute_every must be a positive int (or math.inf: never "
                            f"recompute), got {recompute_every!r}")
    if recompute_every < 1:
        raise ValueError(f"recompute_every must be >= 1, got {recompute_every}")
    if not isinstance(min_correlation, (int, float, np.floating)) or \
            not (0.0 <= float(min_correlation) <= 1.0):
        raise ValueError(f"min_correlation must be a number in [0, 1], got {min_correlation!r}")


SCHEDULES = ("geometric", "fixed", "adaptive")
"""Recomputation schedules; ``"geometric"`` is the default."""

DENSE_FALLBACK_LIMIT = 4000
"""Largest model for which exhausted candidates fall back to every pair."""

_DEFAULT_FRACTION = {"geometric": 0.1, "adaptive": 0.05, "fixed": 0.05}


class _UnionFind:
    """Representatives of merged groups, for the rescoring walker: a list for
    single look-ups (path halving) and an array for a batch's (pointer
    jumping).  Both only ever point a variable at one of its group's earlier
    representatives, so they agree on every root."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.array = np.arange(n, dtype=np.int64)

    def union(self, drop: int, keep: int):
        self.parent[drop] = keep
        self.array[drop] = keep

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def find_many(self, x: np.ndarray) -> np.ndarray:
        p = self.array
        r = p[x]
        while True:
            up = p[r]
            if np.array_equal(up, r):
                break
            r = up
        p[x] = r
        return r


class _SkipWalker:
    """Pairs of a dense correlation matrix by decreasing ``|C|``; pairs whose
    variables were merged away since the solve are skipped (the published
    rule, and the ``"adaptive"`` schedule's)."""

    complete = True

    def __init__(self, C, nodes, state, ref):
        self._pairs = ranked_pairs(C)
        self._nodes = nodes
        self._alive = state.alive
        self._ref = ref
        self._back = None

    def pop(self):
        if self._back is not None:
            item, self._back = self._back, None
            return item
        alive, ref, nodes = self._alive, self._ref, self._nodes
        for a, b, c in self._pairs:
            na, nb = int(nodes[a]), int(nodes[b])
            if (na != ref and not alive[na]) or (nb != ref and not alive[nb]):
                continue
            return na, nb, c
        return None

    def push_back(self, item):
        self._back = item

    def on_merge(self, drop, keep):
        pass

    def close(self):
        self._pairs.close()


_FLOAT = struct.Struct("<d")
_INT = struct.Struct("<q")
_INF_BITS = 0x7FF0000000000000
"""The bits of ``inf``: ``_INF_BITS - bits(|c|)`` orders finite ``|c|``
decreasingly as integers (the bits of a non-negative float grow with it)."""


def _pair_scores(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """The clipped cosine of each row pair (the correlation of two groups from their
    factor rows), equal to the bit to the walker's one-pair arithmetic: a stacked ``matmul``
    of ``(1, k) @ (k, 1)`` items takes each dot product from the same routine
    as a 1-D ``@`` (the BLAS ``dot``), and the rest is correctly rounded
    elementwise arithmetic."""
    dot = np.matmul(A[:, None, :], B[:, :, None])[:, 0, 0]
    na = np.matmul(A[:, None, :], A[:, :, None])[:, 0, 0]
    nb = np.matmul(B[:, None, :], B[:, :, None])[:, 0, 0]
    den = np.sqrt(na * nb)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(den > 0, dot / np.where(den > 0, den, 1.0), 0.0)
    c[np.isnan(c)] = -1.0  # min(1, max(-1, nan)) is -1
    np.clip(c, -1.0, 1.0, out=c)
    return c


class _RescoringWalker:
    """Candidate pairs by decreasing ``|C|``, kept current between solves.

    After a merge the two groups act as one variable whose factor row is the
    signed sum of their rows (the start of the next solve).  A candidate
    whose groups changed since it was scored is mapped to the current
    representatives and rescored with those rows -- a lazy greedy step: it is
    taken if it still beats the next candidate in line, else it goes back
    into a heap with its new score.  Between solves the loop therefore keeps
    merging on up-to-date estimates, which is what lets a recomputation wait
    until a fixed fraction of the variables is gone.

    The lazy step, spelled out: draw the candidates in order of their stored
    ``(-|c|, seq)``; a discarded one (its groups merged) is dropped, a
    current one is returned, a stale one is rescored and returned if its new
    key is no worse than the next stored key of any other candidate
    (rescored ones of this step included), else stored with its new key.
    Keys are held as integers ``(_INF_BITS - bits(|c|)) << shift | seq``
    (the same order, one comparison).  One draw is rescored at a time at
    first; when a step runs on (a merge with the reference makes every pair
    with the reference stale at once, and a step may then rescore all of
    them) the draws come in batches of doubling size, rescored with one
    array operation each, and the batch's unused tail goes back where it
    was.  The pairs taken are exactly those of the one-at-a-time loop
    (``tests/test_engine.py`` compares the two).
    """

    SCALAR_DRAWS = 8
    """Draws of one step rescored one at a time before the batches start."""

    FIRST_BATCH = 32
    """Size of the first batch (each later one doubles)."""

    SLICE_MIN = 16
    """Draws from which the sorted stores are sliced instead of stepped through."""

    FOLD_MIN = 64
    """Draws (or stored keys) from which the heap is sorted into the run."""

    def __init__(self, a, b, c, complete, G, uf):
        m = len(a)
        self._lo = np.array(a, dtype=np.int64)
        self._hi = np.array(b, dtype=np.int64)
        self._c = np.array(c, dtype=float)
        self._va = np.zeros(m, dtype=np.int64)
        self._vb = np.zeros(m, dtype=np.int64)
        self._shift = sh = max(1, m.bit_length())
        self._mask = (1 << sh) - 1
        d = (_INF_BITS - np.abs(self._c).view(np.int64)).tolist()
        self._codes = [(x << sh) | p for p, x in enumerate(d)]
        self._ptr = 0
        self._run: list = []  # rescored keys, sorted
        self._rp = 0
        self._heap: list = []  # rescored keys since the run was last sorted
        self._G = G
        self._uf = uf
        n = G.shape[0]
        self._ver = [0] * n
        self._ver_arr = np.zeros(n, dtype=np.int64)
        self._back = None
        self._taken = None
        self._sq: dict = {}  # row -> (version, squared norm of its factor row)
        self.complete = complete

    # -- the stored keys: the solve's sorted list, a sorted run, a heap --

    def _peek(self):
        """The smallest stored key, or ``None``."""
        k = None
        if self._ptr < len(self._codes):
            k = self._codes[self._ptr]
        if self._rp < len(self._run):
            r = self._run[self._rp]
            if k is None or r < k:
                k = r
        h = self._heap
        if h and (k is None or h[0] < k):
            k = h[0]
        return k

    def _fold(self):
        """Sort the heap into the run."""
        self._run = sorted(self._run[self._rp:] + self._heap)
        self._rp = 0
        self._heap = []

    def _take(self, k: int) -> list:
        """Remove and return the ``k`` smallest stored keys, ascending (fewer
        when fewer are stored); :meth:`_put_back` returns a tail of them."""
        codes, run, h = self._codes, self._run, self._heap
        p, r = self._ptr, self._rp
        if h and k >= self.FOLD_MIN and 8 * k >= len(h):
            self._fold()
            run, h, r = self._run, self._heap, 0
        if not h and k >= self.SLICE_MIN:
            L = codes[p:p + k]
            R = run[r:r + k]
            if not R:
                out, nl = L, len(L)
            elif not L:
                out, nl = R, 0
            else:
                out = sorted(L + R)[:k]
                nl = bisect.bisect_right(L, out[-1])
            self._ptr = p + nl
            self._rp = r + len(out) - nl
            self._taken = (p, nl, r, len(out) - nl, ())
            return out
        out = []
        heap_taken = []
        m, mr = len(codes), len(run)
        p0, r0 = p, r
        pop = heapq.heappop
        for _ in range(k):
            best = 0
            if p < m:
                x = codes[p]
                best = 1
            if r < mr and (not best or run[r] < x):
                x = run[r]
                best = 2
            if h and (not best or h[0] < x):
                x = pop(h)
                heap_taken.append(x)
            elif best == 1:
                p += 1
            elif best == 2:
                r += 1
            else:
                break
            out.append(x)
        self._ptr, self._rp = p, r
        self._taken = (p0, p - p0, r0, r - r0, heap_taken)
        return out

    def _put_back(self, last):
        """Return the keys of the last :meth:`_take` above ``last`` (all of
        them when ``last`` is ``None``)."""
        p0, nl, r0, nr, heap_taken = self._taken
        if last is None:
            self._ptr, self._rp = p0, r0
            back = heap_taken
        else:
            self._ptr = bisect.bisect_right(self._codes, last, p0, p0 + nl)
            self._rp = bisect.bisect_right(self._run, last, r0, r0 + nr)
            back = heap_taken[bisect.bisect_right(heap_taken, last):]
        for x in back:
            heapq.heappush(self._heap, x)

    def _store(self, keys: list):
        h = self._heap
        if len(keys) >= self.FOLD_MIN and 8 * len(keys) >= len(h) + len(self._run) - self._rp:
            self._run = sorted(self._run[self._rp:] + h + keys)
            self._rp = 0
            self._heap = []
        else:
            push = heapq.heappush
            for x in keys:
                push(h, x)

    # -- the lazy greedy step --

    def pop(self):
        if self._back is not None:
            item, self._back = self._back, None
            return item
        mask, sh = self._mask, self._shift
        LO, HI, C, VA, VB = self._lo, self._hi, self._c, self._va, self._vb
        G, ver = self._G, self._ver
        find = self._uf.find
        sq = self._sq
        pushed = []  # keys of the draws rescored in this step and not taken (stored at the end)
        pm = None  # the smallest of them
        result = None
        drawn = 0
        k = 1
        while result is None:
            batch = self._take(k)
            nb = len(batch)
            if not nb:
                break
            if drawn >= self.SCALAR_DRAWS:
                pm, result, used = self._step_batch(batch, pm, pushed)
                drawn += nb
                k = max(self.FIRST_BATCH, 2 * k)
            else:
                drawn += nb
                used = nb
                for j in range(nb):
                    code = batch[j]
                    if pm is not None and pm < code:
                        result, used = pm, j
                        break
                    seq = code & mask
                    a, b = int(LO[seq]), int(HI[seq])
                    ra, rb = find(a), find(b)
                    if ra == rb:
                        continue
                    if ra == a and rb == b and ver[a] == VA[seq] and ver[b] == VB[seq]:
                        result, used = (a, b, float(C[seq])), j + 1
                        break
                    lo, hi = (ra, rb) if ra < rb else (rb, ra)
                    ga, gb = G[lo], G[hi]
                    na = sq.get(lo)
                    if na is None or na[0] != ver[lo]:
                        na = sq[lo] = (ver[lo], float(ga @ ga))
                    nb2 = sq.get(hi)
                    if nb2 is None or nb2[0] != ver[hi]:
                        nb2 = sq[hi] = (ver[hi], float(gb @ gb))
                    den = math.sqrt(na[1] * nb2[1])
                    c2 = float(ga @ gb) / den if den > 0 else 0.0
                    c2 = min(1.0, max(-1.0, c2))
                    key = ((_INF_BITS - _INT.unpack(_FLOAT.pack(abs(c2)))[0]) << sh) | seq
                    nxt = batch[j + 1] if j + 1 < nb else self._peek()
                    if (nxt is None or key < nxt) and (pm is None or key < pm):
                        result, used = (lo, hi, c2), j + 1
                        break
                    LO[seq], HI[seq], C[seq], VA[seq], VB[seq] = lo, hi, c2, ver[lo], ver[hi]
                    pushed.append(key)
                    if pm is None or key < pm:
                        pm = key
            if used < nb:
                self._put_back(batch[used - 1] if used else None)
        if result is None:
            result = pm
        if result is not None and result is pm:
            pushed.remove(pm)
            seq = pm & mask
            result = (int(LO[seq]), int(HI[seq]), float(C[seq]))
        if pushed:
            self._store(pushed)
        return result

    def _step_batch(self, batch: list, pm, pushed: list):
        """The lazy step over a batch of draws at once: returns the smallest
        key held back so far, the pair taken (``None``: none yet; ``pm``: the
        held-back one) and how many draws of the batch were used.  The
        batch's stale draws are rescored together; the step's comparisons
        are made on ranks (every key compared is ``D << shift | seq``: rank
        the ``D`` and the comparisons become ones of 64-bit integers)."""
        mask, sh = self._mask, self._shift
        nb = len(batch)
        S = np.array([x & mask for x in batch], dtype=np.int64)
        A, B = self._lo[S], self._hi[S]
        find_many = self._uf.find_many
        RA, RB = find_many(A), find_many(B)
        ver = self._ver_arr
        disc = RA == RB
        fresh = (RA == A) & (RB == B) & (ver[A] == self._va[S]) & (ver[B] == self._vb[S])
        stale = np.flatnonzero(~(disc | fresh))
        lo = np.minimum(RA[stale], RB[stale])
        hi = np.maximum(RA[stale], RB[stale])
        c = _pair_scores(self._G[lo], self._G[hi]) if stale.size else np.zeros(0)
        d_new = _INF_BITS - np.abs(c).view(np.int64)
        d_old = _INF_BITS - np.abs(self._c[S]).view(np.int64)
        peek = self._peek()
        extra = [x >> sh for x in (peek, pm) if x is not None]
        rank_of, inv = np.unique(np.concatenate((d_new, d_old, np.array(extra, dtype=np.int64))),
                                 return_inverse=True)
        inv = inv.ravel().astype(np.int64)
        big = np.int64(len(rank_of) + 1) << np.int64(sh)
        new = np.full(nb, big, dtype=np.int64)
        new[stale] = (inv[:stale.size] << sh) | S[stale]
        old = (inv[stale.size:stale.size + nb] << sh) | S
        pos = stale.size + nb
        peek_r = big
        if peek is not None:
            peek_r = (int(inv[pos]) << sh) | (peek & mask)
            pos += 1
        pm_r = big
        if pm is not None:
            pm_r = (int(inv[pos]) << sh) | (pm & mask)
        # M[j]: the smallest held-back key after j draws; nxt[j]: the next stored key then
        M = np.minimum.accumulate(np.concatenate(([pm_r], new)))
        nxt = np.concatenate((old, [peek_r]))
        ev = np.flatnonzero(M < nxt)
        jm = int(ev[0]) if ev.size else nb + 1
        fr = np.flatnonzero(fresh)
        jf = int(fr[0]) + 1 if fr.size else nb + 1
        result = None
        if jf <= jm and jf <= nb:
            used = jf
            result = (int(A[jf - 1]), int(B[jf - 1]), float(self._c[S[jf - 1]]))
        elif jm <= nb:
            used = jm
        else:
            used = nb
        sel = np.flatnonzero(stale < used)  # the stale draws among those used
        taken = -1
        if result is None and jm <= nb and M[jm] != pm_r:
            taken = int(np.argmin(new[:jm]))  # a draw of this batch is the smallest
            result = (int(lo[np.searchsorted(stale, taken)]),
                      int(hi[np.searchsorted(stale, taken)]),
                      float(c[np.searchsorted(stale, taken)]))
            sel = sel[stale[sel] != taken]
        if sel.size:
            Ssel, lsel, hsel = S[stale[sel]], lo[sel], hi[sel]
            self._lo[Ssel], self._hi[Ssel], self._c[Ssel] = lsel, hsel, c[sel]
            self._va[Ssel], self._vb[Ssel] = ver[lsel], ver[hsel]
            keys = [(x << sh) | s for x, s in zip(d_new[sel].tolist(), Ssel.tolist())]
            pushed.extend(keys)
            if result is None:
                m = min(keys)
                if pm is None or m < pm:
                    pm = m
        if result is None and jm <= nb:
            result = pm  # the held-back key from an earlier batch is the smallest
        return pm, result, used

    def push_back(self, item):
        self._back = item

    def on_merge(self, drop, keep):
        self._uf.union(drop, keep)
        self._ver[keep] += 1
        self._ver_arr[keep] += 1

    def close(self):
        pass


def _check_schedule(schedule, recompute_fraction, threshold, early_stop, candidates):
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(map(repr, SCHEDULES))}, "
                         f"got {schedule!r}")
    if recompute_fraction is None:
        recompute_fraction = _DEFAULT_FRACTION[schedule]
    if not isinstance(recompute_fraction, (int, float, np.floating)) or \
            not 0 < float(recompute_fraction) <= 1:
        raise ValueError(f"recompute_fraction must be in (0, 1], got {recompute_fraction!r}")
    if candidates not in CANDIDATES:
        raise ValueError(f"candidates must be one of {', '.join(map(repr, CANDIDATES))}, "
                         f"got {candidates!r}")
    thr = resolve_threshold(threshold)
    if early_stop and thr is None:
        raise ValueError("early_stop needs a threshold (what counts as a strong pair)")
    return float(recompute_fraction), thr


def shrink(form: IsingForm, num_variables: int, *, correlation="lowrank",
           schedule: str = "geometric", recompute_every: int = 1,
           recompute_fraction: float | None = None, min_correlation: float = 0.0,
           merge_policy: MergePolicy | None = None, relax_policy: bool = False, seed=None,
           warm_start: bool = True, threshold=None, early_stop: bool = False,
           candidates: str = "coupled", progress=None,
           max_recorded_vetoes: int = 100, deadline: float | None = None) -> ShrinkResult:
    """Shrink a model to at most ``num_variables`` variables.

    Args:
        form: The model's :class:`~dimod_shrink.ising.IsingForm`.
        num_variables: Target size (the child's budget).
        correlation: Estimator name or callable, see
            :mod:`dimod_shrink.correlations`.
        schedule: When to recompute correlations:

            * ``"geometric"`` (default) -- after ``recompute_fraction``
              (default 10%) of the variables left at the last solve were
              removed; between solves candidates are rescored on the merged
              factor rows (see ``_RescoringWalker``), and each solve is
              warm-started from those rows.  ``O(log N)`` solves.
            * ``"fixed"`` -- every ``recompute_every`` merges;
              ``recompute_every=1`` is the published rule (a solve after
              every merge, ``O(N)`` solves).
            * ``"adaptive"`` -- after ``recompute_fraction`` (default 5%) of
              the variables were removed, or on demand when the best
              admissible pair falls below the threshold; stale pairs are
              skipped, not rescored.

            ``"geometric"`` needs an estimator with a ``factor`` method
            (:class:`~dimod_shrink.correlations.LowRankSDP`); with another
            estimator it ranks the dense matrix and skips stale pairs, as
            ``"adaptive"`` does.
        recompute_every: Merges between solves for ``schedule="fixed"``.
        recompute_fraction: See ``schedule``.
        min_correlation: Stop when no admissible pair has ``|C| >=`` this.
        merge_policy: ``policy(state, i, j, sign) -> bool``; ``False`` vetoes
            merging ``i`` into ``j`` (``j`` may be
            :data:`~dimod_shrink.merges.REFERENCE`: fix ``i`` to ``sign``).
        relax_policy: When the policy vetoes every remaining pair on fresh
            correlations, go on without it (recorded in the context as
            ``policy_relaxed_at``) instead of stopping above the budget.
        seed: Seed for the estimator's and the hashing's random choices.
        warm_start: Start each solve from the previous factor, merged rows
            combined (estimators with a ``factor`` or ``correlate(K, rng,
            init)`` method).
        threshold: Dynamic threshold gating merges (name or
            :class:`~dimod_shrink.adaptive.Threshold`; see
            :mod:`dimod_shrink.adaptive`), or ``None``.
        early_stop: Stop above the budget when fresh correlations have no
            admissible pair above the threshold.
        candidates: Which pairs ``"geometric"`` considers: ``"coupled"``
            (default: the edges of the current reduced model and the pairs
            with the reference), ``"lsh"`` (plus near neighbours in the
            factor) or ``"dense"`` (every pair); see
            :mod:`dimod_shrink.candidates`.  When the candidates run out with
            every one vetoed, the loop looks at every pair once before it
            gives up.
        progress: Optional ``progress(stage, num_variables_left)`` callback,
            called before each solve (``"correlation"``) and after each merge
            (``"shrink"``).
        max_recorded_vetoes: How many vetoes to keep in :attr:`ShrinkResult.vetoes`.
        deadline: A :func:`time.perf_counter` value: once it has passed, the loop
            stops at the next merge or solve with ``stop_reason="deadline"``
            (iterated shrinking's time limit; ``None``: no limit).

    Returns:
        :class:`ShrinkResult`.

    Examples:
        >>> import dimod
        >>> from dimod_shrink.ising import ising_form
        >>> bqm = dimod.generators.chimera_anticluster(1, seed=1)
        >>> res = shrink(ising_form(bqm), 4, seed=0)
        >>> res.reduced.bqm.num_variables
        4
    """
    _check_options(num_variables, recompute_every, min_correlation)
    recompute_fraction, thr = _check_schedule(schedule, recompute_fraction, threshold,
                                              early_stop, candidates)
    estimator = resolve_estimator(correlation)
    rng = np.random.default_rng(seed)
    state = ShrinkState(form)
    labels = form.labels
    n = form.num_variables
    ref = form.reference
    has_factor = callable(getattr(estimator, "factor", None))
    rescoring = schedule == "geometric" and has_factor
    warm = warm_start and (has_factor or callable(getattr(estimator, "correlate", None)))
    t_corr = t_select = 0.0
    t0 = time.perf_counter()
    vetoed = 0
    vetoes: list = []
    calls = 0
    stop = "budget"
    policy = merge_policy
    relaxed_at = None
    walker = None
    G = None  # factor rows of the current groups (original index space)
    uf = _UnionFind(n + 1) if rescoring else None
    since = 0
    fresh = False
    tau = 0.0
    need = "initial"
    want_complete = candidates == "dense"
    size_at_solve = state.num_variables
    triggers = {"initial": 0, "every": 0, "fraction": 0, "below_threshold": 0, "stale": 0,
                "complete": 0, "relaxed": 0}
    taus: list = []
    sizes: list = []
    dense_solves = 0
    while state.num_variables > num_variables:
        if deadline is not None and time.perf_counter() >= deadline:
            stop = "deadline"
            break
        if need:
            if walker is not None:
                walker.close()
                walker = None
            if progress is not None:
                progress("correlation", state.num_variables)
            tc = time.perf_counter()
            Kr, _ = state.reduced_couplings()
            if not sparse.issparse(Kr) and not getattr(estimator, "structured", False):
                Kr = Kr.tocsr()  # an estimator that needs the couplings written out
            nodes = np.append(state.alive_indices, ref)
            init = None
            if warm and G is not None:
                init = G[nodes]
            C = V = None
            if has_factor:
                V = np.asarray(estimator.factor(Kr, rng, init=init), dtype=float)
            elif warm:
                C, V = estimator.correlate(Kr, rng, init=init)
            else:
                C = estimator(Kr, rng)
            if V is not None:
                if G is None:
                    G = np.zeros((n + 1, V.shape[1]))
                G[nodes] = V
            if not rescoring:
                if C is None:
                    C = V @ V.T
                    np.clip(C, -1.0, 1.0, out=C)
                C = np.asarray(C, dtype=float)
                if C.shape != Kr.shape:
                    raise ValueError(f"correlation estimator returned shape {C.shape}, "
                                     f"expected {Kr.shape}")
                if not np.isfinite(C).all():
                    raise ValueError("the correlation estimator returned NaN or infinite "
                                     "correlations; check the model's biases or the "
                                     "estimator")
            t_corr += time.perf_counter() - tc
            calls += 1
            triggers[need] += 1
            sizes.append(int(state.num_variables))
            ts = time.perf_counter()
            if rescoring:
                if not np.isfinite(V).all():
                    raise ValueError("the correlation estimator returned a non-finite factor; "
                                     "check the model's biases")
                kind = "dense" if want_complete else candidates
                a, b, c = candidate_pairs(V, Kr, kind, rng=rng)
                complete = kind == "dense"
                dense_solves += complete
                want_complete = candidates == "dense"
                values = np.abs(c)
                walker = _RescoringWalker(nodes[a], nodes[b], c, complete, G, uf)
            else:
                values = upper_abs(C)
                walker = _SkipWalker(C, nodes, state, ref)
            if thr is not None:
                tau = thr.value(values)
                taus.append(float(tau))
            del values
            C = None
            t_select += time.perf_counter() - ts
            since = 0
            fresh = True
            size_at_solve = state.num_variables
            need = None
        chosen = None
        reason = "no_admissible_pair"
        gate = max(min_correlation, tau)
        ts = time.perf_counter()
        while True:
            item = walker.pop()
            if item is None:
                break
            na, nb, c = item
            if not abs(c) >= gate:
                walker.push_back(item)  # keep it: a relaxed threshold starts here
                reason = "min_correlation" if not abs(c) >= min_correlation \
                    else "below_threshold"
                break
            sign = 1 if c >= 0 else -1
            if nb == ref:
                var, tgt, drop, keep = labels[na], REFERENCE, na, ref
            else:
                keep, drop = (na, nb) if na < nb else (nb, na)
                var, tgt = labels[drop], labels[keep]
            if policy is not None and not policy(state, var, tgt, sign):
                vetoed += 1
                if len(vetoes) < max_recorded_vetoes:
                    vetoes.append((var, None if tgt is REFERENCE else tgt, sign))
                continue
            chosen = (var, tgt, sign, c, drop, keep)
            break
        t_select += time.perf_counter() - ts
        if chosen is None:
            if not fresh:  # stale ranking: recompute on demand and retry
                need = "below_threshold" if reason == "below_threshold" else "stale"
                continue
            if reason == "below_threshold":
                if early_stop:
                    stop = "no_strong_pair"
                    break
                relaxed = thr.relax(tau)
                tau = relaxed if relaxed is not None else 0.0
                taus.append(float(tau))
                continue
            if reason == "no_admissible_pair" and not walker.complete and \
                    state.num_variables < DENSE_FALLBACK_LIMIT:
                want_complete = True  # the candidates ran out: look at every pair once
                need = "complete"
                continue
            if reason == "no_admissible_pair" and relax_policy and policy is not None:
                policy = None
                relaxed_at = int(state.num_variables)
                need = "relaxed"
                continue
            stop = reason
            break
        var, tgt, sign, c, drop, keep = chosen
        state.merge(var, tgt, sign, c)
        if G is not None:
            G[keep] += sign * G[drop]
        walker.on_merge(drop, keep)
        if progress is not None:
            progress("shrink", state.num_variables)
        since += 1
        fresh = False
        if schedule == "fixed":
            if since >= recompute_every:
                need = "every"
        elif size_at_solve - state.num_variables >= max(1.0, recompute_fraction * size_at_solve):
            need = "fraction"
    if walker is not None:
        walker.close()
    # a shrink cut by its deadline is abandoned: no reduced model to write out
    reduced = None if stop == "deadline" else state.reduced()
    timing = {"correlation": t_corr, "select": t_select,
              "shrink": (time.perf_counter() - t0) - t_corr - t_select}
    control = {"schedule": schedule, "recompute_every": recompute_every,
               "recompute_fraction": recompute_fraction,
               "threshold": None if thr is None else thr.name, "thresholds": taus,
               "early_stop": early_stop, "triggers": triggers, "solve_sizes": sizes,
               "rescoring": rescoring, "dense_candidate_solves": dense_solves,
               "policy_relaxed_at": relaxed_at}
    return ShrinkResult(state, reduced, vetoed, calls, stop, timing, vetoes, control)
