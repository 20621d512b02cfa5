"""Maximum independent set."""

from __future__ import annotations

import heapq

import dimod
import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..merges import GroupIndex
from ._graphs import as_graph
from .base import Problem, plain

__all__ = ["MISProblem", "IndependentSetGuard"]


def _gather(indptr, indices, vs):
    """Neighbours of the vertices ``vs`` in a CSR graph, and the position in ``vs``
    each one belongs to."""
    vs = np.asarray(vs, dtype=np.int64)
    if vs.size == 1:  # the common case, without the bookkeeping
        v = int(vs[0])
        nb = indices[indptr[v]:indptr[v + 1]].astype(np.int64)
        return nb, np.zeros(nb.size, dtype=np.int64)
    if vs.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = indptr[vs]
    lengths = indptr[vs + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(vs.size), lengths)
    offs = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return indices[np.arange(total) + offs].astype(np.int64), rows


def _propagate(x, gid, members, indptr, indices, start, locked):
    """Flip propagation of 2-SAT over groups, from a feasible assignment.

    ``x`` (bool, changed in place) is an independent set consistent with the
    groups ``gid``; ``start`` lists vertex sets to toggle first (whole groups,
    or the part of a group that must change), all inside the ``locked`` group
    ids.  A vertex that turns 1 forces its set neighbours to 0: their groups
    flip (and lock), unless already locked -- a conflict, which proves that no
    independent set takes the started values.  Every flip is forced, so the
    search is a pruned unit propagation of the implication graph (Even, Itai &
    Shamir, "On the complexity of timetable and multicommodity flow problems",
    SIAM J. Comput. 5, 1976), and a conflict-free end is an independent set
    consistent with the groups.

    Returns the toggled vertex sets (to undo by toggling again), or ``None``
    after a conflict, with ``x`` restored.
    """
    locked = set(locked)
    trail = []
    news = []
    for vs in start:
        vs = np.asarray(vs, dtype=np.int64)
        x[vs] = ~x[vs]
        trail.append(vs)
        news.append(vs[x[vs]])
    front = np.concatenate(news) if news else np.zeros(0, dtype=np.int64)
    while front.size:
        nb, _ = _gather(indptr, indices, front)
        hit = nb[x[nb]]
        if hit.size == 0:
            break
        gs = np.unique(gid[hit]).tolist()
        if any(g in locked for g in gs):
            for vs in trail:
                x[vs] = ~x[vs]
            return None
        news = []
        for g in gs:
            locked.add(g)
            vs = members(g)
            x[vs] = ~x[vs]
            trail.append(vs)
            news.append(vs[x[vs]])
        front = np.concatenate(news)
    return trail


class MISProblem(Problem):
    """Maximum independent set of a graph.

    Penalty BQM: ``-sum_v x_v + lam * sum_{uv in E} x_u x_v`` with ``lam = 2``.
    Rule: any ``lam > 1`` makes every minimiser an independent set (dropping
    one endpoint of a violated edge loses 1 and saves ``lam``); 2 keeps a
    margin without drowning the objective.  No slack variables are needed.

    Merge policy (rule layer): never make two adjacent vertices equal; never
    fix two adjacent vertices to 1, counting every vertex merged with them.
    Anti-merges across an edge are allowed (``x_u = 1 - x_v`` is consistent
    with independence).  Witness layer: :class:`IndependentSetGuard`, an exact
    incremental 2-SAT test (see :meth:`merge_policy`).

    Repair: drop conflicting vertices, most conflicts first, until the set is
    independent -- nothing more: the repair restores feasibility and makes no
    other change, so a sample the child returned feasible and one it returned
    infeasible are treated alike, and the raw result measures the shrink and
    the child rather than a greedy completion.
    Polish: add free vertices, lowest degree first, until the set is maximal;
    then (1,2)-swaps -- remove one vertex, insert two non-adjacent
    vertices whose only chosen neighbour it was -- then make maximal again,
    wrapped in ``kicks`` rounds of iterated local search (Andrade, Resende &
    Werneck, "Fast local search for the maximum independent set problem",
    J. Heuristics 18, 2012).

    Every step costs the degrees it touches rather than a pass over the graph:
    the policy follows the merges with a
    :class:`~dimod_shrink.merges.GroupIndex`, the repair, fill and greedy use
    priority queues (the same choices as the scans they replace), and the
    polish looks for (1,2)-swaps only near the vertices that changed.  A
    solve grows about linearly with the graph (``benchmarks/scale_mis.py``).
    The polish keeps scratch arrays on the instance: polish one problem
    object from one thread at a time.

    Args:
        graph: A :class:`networkx.Graph`, or a list of edges ``(u, v)``.  A
            directed graph or a multigraph is read as the simple undirected
            graph of its edges; a graph with a self-loop, or with no
            vertex, is refused (see ``problems._graphs.as_graph``).
        penalty: Edge penalty ``lam`` (> 1).
        adjacent_equal: ``"veto"`` (default) never merges two adjacent vertices
            as equal; ``"allow"`` lets the witness guard decide (such a merge
            only forces both out of the set).
        kicks: Iterated-local-search rounds of the polish.
        seed: Seed of the polish.

    Examples:
        >>> import networkx as nx
        >>> p = MISProblem(nx.cycle_graph(5))
        >>> int(p.objective(p.greedy()[None, :])[0])
        2
    """

    sense = "max"
    kind = "mis"

    def __init__(self, graph: nx.Graph, *, penalty: float = 2.0, name: str = "",
                 optimum: float | None = None, adjacent_equal: str = "veto",
                 kicks: int = 50, seed: int = 0):
        graph = as_graph(graph, "MISProblem", weighted=False)  # see _graphs.as_graph
        super().__init__(name=name or graph.graph.get("name", "mis"), optimum=optimum,
                         encoding="unbalanced")
        if penalty <= 1:
            raise ValueError(f"MIS penalty must be > 1 to keep optima independent, got {penalty}")
        if adjacent_equal not in ("veto", "allow"):
            raise ValueError(f"adjacent_equal must be 'veto' or 'allow', got {adjacent_equal!r}")
        self.adjacent_equal = adjacent_equal
        self.kicks = int(kicks)
        self.seed = seed
        self.graph = graph
        self.penalty = float(penalty)
        self._nodes = list(graph.nodes)
        idx = {v: k for k, v in enumerate(self._nodes)}
        n = len(self._nodes)
        E = np.array([(idx[u], idx[v]) for u, v in graph.edges if u != v],
                     dtype=np.int64).reshape(-1, 2)
        self.edges = E
        # sparse adjacency (CSR, sorted neighbour lists): O(n + m) memory
        both = np.vstack([E, E[:, ::-1]])
        adj = sparse.csr_array((np.ones(len(both), dtype=np.int8), (both[:, 0], both[:, 1])),
                               shape=(n, n))
        adj.sum_duplicates()
        adj.data[:] = 1
        adj.sort_indices()
        self.adj = adj
        self.degree = np.diff(adj.indptr)
        # directed edge list (row of the CSR, neighbour): counts by bincount
        self._src = np.repeat(np.arange(n, dtype=np.int64), self.degree)
        self._dst = adj.indices.astype(np.int64)

    def neighbours(self, v) -> np.ndarray:
        """Indices of the neighbours of vertex index ``v`` (sorted)."""
        return self.adj.indices[self.adj.indptr[v]:self.adj.indptr[v + 1]]

    def _neighbours_of(self, vs) -> np.ndarray:
        """All neighbour indices of the vertex indices ``vs`` (with repeats)."""
        vs = np.asarray(vs, dtype=np.int64)
        if vs.size == 0:
            return np.zeros(0, dtype=np.int64)
        starts, ends = self.adj.indptr[vs], self.adj.indptr[vs + 1]
        lengths = ends - starts
        if lengths.sum() == 0:
            return np.zeros(0, dtype=np.int64)
        offs = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        return self.adj.indices[np.arange(lengths.sum()) + offs]

    def _count(self, mask) -> np.ndarray:
        """For every vertex, how many of its neighbours are in ``mask``."""
        mask = np.asarray(mask, dtype=bool)
        return np.bincount(self._src[mask[self._dst]], minlength=mask.size)

    def _sub_adjacency(self, idx) -> np.ndarray:
        """Dense adjacency among the (few) vertex indices ``idx``."""
        pos = np.full(len(self._nodes), -1, dtype=np.int64)
        pos[idx] = np.arange(idx.size)
        rows = np.repeat(np.arange(idx.size), self.degree[idx])
        cols = pos[self._neighbours_of(idx)]
        sub = np.zeros((idx.size, idx.size), dtype=bool)
        keep = cols >= 0
        sub[rows[keep], cols[keep]] = True
        return sub

    @property
    def variables(self):
        return self._nodes

    def build_cqm(self):
        cqm = dimod.ConstrainedQuadraticModel()
        cqm.add_variables("BINARY", self._nodes)
        cqm.set_objective([(v, -1.0) for v in self._nodes])
        for a, b in self.edges:
            u, v = self._nodes[a], self._nodes[b]
            cqm.add_constraint([(u, 1), (v, 1)], "<=", 1, label=f"e{a}_{b}")
        return cqm

    def build_bqm(self):
        n, E = len(self._nodes), self.edges
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            -np.ones(n), (E[:, 0], E[:, 1], np.full(len(E), self.penalty)), 0.0, "BINARY",
            variable_order=self._nodes)

    def objective(self, X):
        return np.atleast_2d(np.asarray(X, dtype=float)).sum(axis=1)

    def conflicts(self, X):
        X = np.asarray(X, dtype=bool)
        return (X[:, self.edges[:, 0]] & X[:, self.edges[:, 1]]).sum(axis=1)

    def is_feasible(self, X):
        return self.conflicts(np.atleast_2d(X)) == 0

    # -- local search --------------------------------------------------------------
    # ``cnt[v]`` is the number of set neighbours of ``v``.  The routines below keep it
    # current as they add and drop vertices, so a step costs the degrees it touches
    # rather than a pass over the graph; priority queues (lowest index first on ties)
    # make the same choices as a scan for the argmin / argmax would.

    def _add(self, x, cnt, v):
        x[v] = True
        cnt[self.neighbours(v)] += 1

    def _drop(self, x, cnt, vs):
        vs = np.asarray(vs, dtype=np.int64)
        x[vs] = False
        np.subtract.at(cnt, self._neighbours_of(vs), 1)

    def _fill_from(self, x, cnt, free) -> list:
        """Add free vertices, fewest free neighbours first (lowest index on ties),
        until none is left; return them in order.

        ``free`` (sorted) must hold every free vertex of ``x`` (outside the set,
        no set neighbour).  A vertex with no free neighbour blocks nothing; it
        is taken as soon as it has none."""
        free = np.asarray(free, dtype=np.int64)
        if free.size == 0:
            return []
        if getattr(self, "_scratch", None) is None or self._scratch[0].size != x.size:
            self._scratch = (np.zeros(x.size, dtype=bool), np.zeros(x.size, dtype=np.int64))
        isfree, fdeg = self._scratch  # all False / 0 between calls
        isfree[free] = True
        nb, rows = _gather(self.adj.indptr, self.adj.indices, free)
        fdeg[free] = np.bincount(rows[isfree[nb]], minlength=free.size)
        try:
            return self._fill_heap(x, cnt, free, isfree, fdeg)
        finally:
            isfree[free] = False
            fdeg[free] = 0

    def _fill_heap(self, x, cnt, free, isfree, fdeg) -> list:
        heap = list(zip(fdeg[free].tolist(), free.tolist()))
        heapq.heapify(heap)
        added = []
        while heap:
            d, v = heapq.heappop(heap)
            if not isfree[v] or d != fdeg[v]:
                continue  # taken, blocked, or a stale priority
            isfree[v] = False
            self._add(x, cnt, v)
            added.append(v)
            if d == 0:
                continue
            nb = self.neighbours(v)
            gone = nb[isfree[nb]]
            if gone.size:
                isfree[gone] = False
                nn = self._neighbours_of(gone)
                nn = nn[isfree[nn]]
                if nn.size:
                    np.subtract.at(fdeg, nn, 1)
                    nn = np.unique(nn)
                    for d2, w in zip(fdeg[nn].tolist(), nn.tolist()):
                        heapq.heappush(heap, (d2, w))
        return added

    def _fill(self, x, moves):
        """Add free vertices (no chosen neighbour), fewest free neighbours first,
        until the set is maximal.  Vertices with no free neighbour block nothing,
        so they are all taken at once."""
        x = np.asarray(x, dtype=bool).copy()
        cnt = self._count(x)
        added = self._fill_from(x, cnt, np.flatnonzero(~x & (cnt == 0)))
        return x, moves + len(added)

    def repair_one(self, x):
        """Drop the vertex with the most conflicts (lowest index on ties) until the
        set is independent.  A priority queue with lazy updates keeps each drop
        ``O(degree log n)``."""
        x = np.asarray(x, dtype=bool).copy()
        moves = 0
        conf = np.where(x, self._count(x), 0)
        idx = np.flatnonzero(conf > 0)
        heap = list(zip((-conf[idx]).tolist(), idx.tolist()))
        heapq.heapify(heap)
        while heap:
            c, v = heapq.heappop(heap)
            if conf[v] != -c:
                continue  # stale priority (or already dropped)
            x[v] = False
            conf[v] = 0
            nb = self.neighbours(v)
            dec = nb[x[nb]]
            conf[dec] -= 1
            moves += 1
            for c2, w in zip(conf[dec].tolist(), dec.tolist()):
                if c2 > 0:
                    heapq.heappush(heap, (-c2, w))
        return x.astype(np.int8), moves

    def _first_pair(self, u, x, cnt):
        """The first (1,2)-swap of set member ``u``: the lexicographically first pair
        of non-adjacent outside neighbours whose only set neighbour is ``u``."""
        nb = self.neighbours(u)
        cand = nb[~x[nb] & (cnt[nb] == 1)]
        for p in range(cand.size - 1):
            nbp = self.neighbours(cand[p])
            rest = cand[p + 1:]
            if nbp.size == 0:
                return int(cand[p]), int(rest[0])
            pos = np.minimum(np.searchsorted(nbp, rest), nbp.size - 1)
            adjacent = nbp[pos] == rest
            if not adjacent.all():
                return int(cand[p]), int(rest[np.argmin(adjacent)])
        return None

    def _owners(self, x, cnt, changed):
        """Set members whose (1,2)-swap candidates may have grown after the vertices
        ``changed`` entered or left the set: the only set neighbour of every
        outside vertex near the change that has exactly one."""
        changed = np.asarray(changed, dtype=np.int64)
        touched = np.unique(np.concatenate([changed, self._neighbours_of(changed)]))
        t = touched[~x[touched] & (cnt[touched] == 1)]
        nb = self._neighbours_of(t)
        return nb[x[nb]]

    def _swap_candidates(self, x, cnt):
        """Set members with at least two outside neighbours whose only set neighbour
        they are (no other member has a (1,2)-swap)."""
        one_tight = ~x & (cnt == 1)
        tc = np.bincount(self._src[one_tight[self._dst]], minlength=x.size)
        return np.flatnonzero(x & (tc >= 2))

    def _swap_from(self, x, cnt, todo):
        """(1,2)-swaps until none applies, checking the members ``todo`` (every
        member that may have one) lowest index first; ``x`` must be maximal.
        Returns the moves (a swap, and each vertex the fill adds after it)."""
        heap = sorted(set(np.asarray(todo, dtype=np.int64).tolist()))
        queued = set(heap)
        moves = 0
        while heap:
            u = heapq.heappop(heap)
            queued.discard(u)
            if not x[u]:
                continue
            pair = self._first_pair(u, x, cnt)
            if pair is None:
                continue
            a, b = pair
            nbu = self.neighbours(u)
            self._drop(x, cnt, [u])
            self._add(x, cnt, a)
            self._add(x, cnt, b)
            moves += 1
            # only u's neighbours can have lost their last set neighbour
            added = self._fill_from(x, cnt, nbu[~x[nbu] & (cnt[nbu] == 0)])
            moves += len(added)
            for w in self._owners(x, cnt, [u, a, b, *added]).tolist():
                if w not in queued:
                    queued.add(w)
                    heapq.heappush(heap, w)
        return moves

    def _swap_search(self, x, moves):
        """(1,2)-swaps until none applies; ``x`` must be maximal."""
        x = np.asarray(x, dtype=bool).copy()
        cnt = self._count(x)
        return x, moves + self._swap_from(x, cnt, self._swap_candidates(x, cnt))

    def _polish_rng(self, x):
        """The polish's generator, seeded by ``[seed, *set]``.  Entropy words below
        2^32 are passed as one uint32 array -- the same seed sequence as the
        list, without converting each member on its own."""
        idx = np.flatnonzero(x)
        seed = self.seed
        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and \
                0 <= seed < 2**32:
            return np.random.default_rng(np.concatenate([[seed], idx]).astype(np.uint32))
        return np.random.default_rng([seed, *idx.tolist()])

    def polish_one(self, x):
        """Make maximal, (1,2)-swap local search, then ``kicks`` rounds of
        iterated local search: force a random outside vertex in (dropping its
        neighbours), search again, keep the result if it is not smaller.
        Seeded by ``seed`` and the starting set, so it repeats exactly.

        Each round touches only the neighbourhood of the kick: the set before
        it is maximal and has no (1,2)-swap, so only vertices near the change
        can be free or offer a swap."""
        x = np.asarray(x, dtype=bool).copy()
        cnt = self._count(x)
        moves = len(self._fill_from(x, cnt, np.flatnonzero(~x & (cnt == 0))))
        moves += self._swap_from(x, cnt, self._swap_candidates(x, cnt))
        if self.kicks:
            rng = self._polish_rng(x)
            size = int(x.sum())
            for _ in range(self.kicks):
                out = np.flatnonzero(~x)
                if out.size == 0:
                    break
                v = int(rng.choice(out))
                y, cy = x.copy(), cnt.copy()
                nbv = self.neighbours(v)
                dropped = nbv[y[nbv]]
                if dropped.size:
                    self._drop(y, cy, dropped)
                self._add(y, cy, v)
                near = np.unique(self._neighbours_of(dropped))
                added = self._fill_from(y, cy, near[~y[near] & (cy[near] == 0)])
                m = len(added)
                changed = np.concatenate([dropped, [v], np.asarray(added, dtype=np.int64)])
                m += self._swap_from(y, cy, self._owners(y, cy, changed))
                ysize = int(y.sum())
                if ysize >= size:
                    moves += m + 1 if ysize > size else 0
                    x, cnt, size = y, cy, ysize
        return x.astype(np.int8), moves

    def window(self, x, budget: int, rng) -> np.ndarray:
        """Up to ``budget`` vertex indices around the independent set ``x`` whose
        best re-choice cannot conflict with the vertices outside.

        Free vertices (no neighbour in the set) first; then, for set members
        in random order, the member and every outside neighbour all of whose
        set neighbours are already in the window (a random part of them when
        the budget is short).  Every vertex the window may add thus has its
        conflicts inside the window.
        """
        x = np.asarray(x, dtype=bool)
        tight = self._count(x)  # set neighbours of every vertex
        W = np.zeros(x.size, dtype=bool)
        free = np.flatnonzero(~x & (tight == 0))
        W[free[:budget]] = True
        size = int(W.sum())
        inside = np.zeros(x.size, dtype=np.int64)  # set neighbours in the window
        for u in rng.permutation(np.flatnonzero(x)):
            if size >= budget:
                break
            W[u] = True
            size += 1
            nb = self.neighbours(u)
            inside[nb] += 1
            cand = nb[~x[nb] & ~W[nb]]
            ok = cand[inside[cand] == tight[cand]]
            room = budget - size
            if ok.size > room:
                ok = rng.choice(ok, room, replace=False)
            W[ok] = True
            size += ok.size
        return np.flatnonzero(W)

    def round_groups(self):
        """Later rounds of iterated shrinking as a window of single vertices.

        Each round frees up to ``budget`` vertices chosen by :meth:`window` --
        set members and the outside vertices whose every set neighbour is
        among them -- and keeps every other vertex as the incumbent has it.
        The child then solves the maximum independent set of the window
        exactly as far as it can (the vertices outside only forbid what they
        conflict with), which contains every (1, k)-swap of the chosen
        members.  An incumbent that is not independent (no repair) gets the
        usual shrink.
        """
        variables = self._nodes

        def groups(incumbent, budget, rng, stall):
            x = self.decision_vector(incumbent)
            if not self.is_feasible(x)[0]:
                return None
            return [[variables[i]] for i in self.window(x, budget, rng)]
        return groups

    def perturbation(self, force: int = 2):
        """A kick for iterated shrinking: force ``force`` random outside vertices,
        pairwise non-adjacent, into the set and drop their neighbours -- the
        perturbation of Andrade, Resende & Werneck's iterated local search,
        here with two vertices."""
        def kick(incumbent, rng):
            x = self.decision_vector(incumbent)
            kept = np.zeros(x.size, dtype=bool)  # forced vertices and their neighbours
            for _ in range(force):
                out = np.flatnonzero((x == 0) & ~kept)
                if out.size == 0:
                    break
                v = rng.choice(out)
                nb = self.neighbours(v)
                x[nb] = 0
                x[v] = 1
                kept[nb] = kept[v] = True
            return self.bqm_state(x)
        return kick

    def greedy(self):
        """Minimum-degree greedy: take a vertex of least remaining degree (lowest
        index on ties), delete its neighbourhood, repeat.  (Vertices left without
        neighbours are taken at once.)  Computed once per problem."""
        if getattr(self, "_greedy_cache", None) is None:
            n = len(self._nodes)
            x = np.zeros(n, dtype=bool)
            self._fill_from(x, np.zeros(n, dtype=np.int64), np.arange(n))
            self._greedy_cache = x.astype(np.int8)
        return self._greedy_cache.copy()

    def random_feasible(self, k, rng):
        """``k`` random maximal independent sets: each the greedy set of a random
        vertex order (a vertex joins unless an earlier neighbour did), computed
        in rounds -- every undecided vertex that comes before all its undecided
        neighbours joins, and its neighbours leave."""
        n = len(self._nodes)
        out = np.zeros((k, n), dtype=np.int8)
        a = np.concatenate([self.edges[:, 0], self.edges[:, 1]])
        b = np.concatenate([self.edges[:, 1], self.edges[:, 0]])
        for r in range(k):
            rank = np.empty(n, dtype=np.int64)
            rank[rng.permutation(n)] = np.arange(n)
            undecided = np.ones(n, dtype=bool)
            x = np.zeros(n, dtype=bool)
            while undecided.any():
                live = undecided[a] & undecided[b] & (rank[b] < rank[a])
                later = np.zeros(n, dtype=bool)
                later[a[live]] = True
                take = undecided & ~later
                x[take] = True
                undecided[take] = False
                undecided[b[take[a]]] = False
            out[r] = x
        return out

    def rule_policy(self):
        """Never make two adjacent vertices equal (``adjacent_equal="veto"``), and
        never fix two adjacent vertices to 1, counting every vertex merged with
        them.

        Incremental: the policy follows the state's merges with a
        :class:`~dimod_shrink.merges.GroupIndex` and keeps, per group, the
        number of edges whose ends are equal (both ends 1, for the fixed
        group), so a candidate merge costs the degrees of the smaller of its
        two groups (of the group being fixed, for a fix), not a pass over the
        graph.  The decisions are those of the definition: the merged group
        (all fixed variables, for a fix) must leave no edge with both ends 1.
        """
        return _Rules(_GroupTracker(self, witness=False), self.adjacent_equal == "allow")

    def merge_policy(self, constraint_aware: bool = True, *, witnesses: int = 64,
                     seed=None):
        """Rules (:meth:`rule_policy`), then an :class:`IndependentSetGuard`.

        The guard is an exact incremental 2-SAT test -- a merge is admitted iff
        some independent set agrees with it and with every earlier merge -- so
        it admits what the witness guard with a complete 2-SAT construction
        admits, without a witness pool: ``witnesses`` and ``seed`` are accepted
        for the :class:`~.base.Problem` interface and not used.
        """
        if not constraint_aware:
            return None
        tracker = _GroupTracker(self, witness=True)
        return _Policy(_Rules(tracker, self.adjacent_equal == "allow"),
                       IndependentSetGuard(tracker))

    def construct_feasible(self, state, root, sign, hint=None):
        """An independent set consistent with the groups, by 2-SAT (or ``None``).

        Each free representative is a boolean (its spin); vertex ``v`` is in the
        set iff its literal holds.  Every edge is the clause ``not x_u or not
        x_v``.  With a ``hint`` (an independent set that agrees with every
        merge but the newest), the hint is returned when it agrees with the
        groups; else the part of the merged group that disagrees (or the rest
        of the group) is flipped and the consequences propagated
        (``_propagate``), which touches only the groups that must change.
        When that fails, or without a hint, the whole instance is solved by the
        strongly connected components of the implication graph, built with
        NumPy (Aspvall, Plass & Tarjan, "A linear-time algorithm for testing
        the truth of certain quantified boolean formulas", IPL 8, 1979).
        """
        reps, up, fixed = self._decision_groups(state, root, sign)
        n = len(self._nodes)
        E = self.edges
        if ((fixed & (up == 1))[E].all(axis=1)).any():
            return None
        if hint is not None:
            # group key per vertex: its representative's vertex, n for the fixed ones
            vert = np.full(state.form.num_variables + 1, n, dtype=np.int64)
            vert[self._decision_index(state)] = np.arange(n)
            key = np.where(fixed, n, vert[np.maximum(reps, 0)])
            x = self._construct_local(np.asarray(hint).astype(bool), key, up, fixed)
            if x is not None:
                return x.astype(np.int8)
        return self._construct_2sat(reps, up, fixed)

    def _construct_local(self, h, key, up, fixed):
        """The hint, made to agree with the groups by flip propagation (or ``None``)."""
        n = len(self._nodes)
        if h.size != n or not self.is_feasible(h[None, :])[0]:
            return None
        rep_val = np.append(h, True)[key]  # each group's value: its representative's
        want = np.where(fixed, up == 1, (up == 1) == rep_val)
        bad = np.flatnonzero(h != want)
        if bad.size == 0:
            return h.copy()
        if np.unique(key[bad]).size != 1:
            return None  # more than the newest merge disagrees
        g = int(key[bad[0]])
        order = np.argsort(key, kind="stable")
        starts = np.searchsorted(key[order], np.arange(n + 2))

        def members(k):
            return order[starts[k]:starts[k + 1]]
        options = [bad] if g == n else [bad, np.setdiff1d(members(g), bad)]
        for first in options:
            x = h.copy()
            if _propagate(x, key, members, self.adj.indptr, self.adj.indices, [first],
                          {g, n}) is not None:
                return x
        return None

    def _construct_2sat(self, reps, up, fixed):
        """Whole-instance 2-SAT by strongly connected components (or ``None``)."""
        n = len(self._nodes)
        free = ~fixed
        ureps, var = np.unique(reps[free], return_inverse=True)
        lit = np.full(n, -1, dtype=np.int64)
        lit[free] = 2 * var.ravel() + up[free]  # node "x_v = 1"; node ^ 1 is its negation
        a, b = self.edges[:, 0], self.edges[:, 1]
        fa, fb = fixed[a], fixed[b]
        both = ~fa & ~fb
        src = [lit[a[both]], lit[b[both]]]
        dst = [lit[b[both]] ^ 1, lit[a[both]] ^ 1]
        for one, other, f_one, f_other in ((a, b, fa, fb), (b, a, fb, fa)):
            unit = f_one & ~f_other & (up[one] == 1)  # a neighbour fixed to 1: x_other = 0
            src.append(lit[other[unit]])
            dst.append(lit[other[unit]] ^ 1)
        src, dst = np.concatenate(src), np.concatenate(dst)
        nodes = 2 * ureps.size
        x = up == 1
        if nodes:
            G = sparse.csr_array((np.ones(src.size, dtype=np.int8), (src, dst)),
                                 shape=(nodes, nodes))
            _, comp = connected_components(G, directed=True, connection="strong")
            if (comp[0::2] == comp[1::2]).any():
                return None
            # components are numbered in reverse topological order: a literal holds
            # when its component comes before its negation's
            spin_up = comp[1::2] < comp[0::2]
            value = np.empty(nodes, dtype=bool)
            value[1::2], value[0::2] = spin_up, ~spin_up
            x = np.where(fixed, up == 1, value[np.maximum(lit, 0)])
        if self.is_feasible(x[None, :])[0]:
            return x.astype(np.int8)
        return self._construct_eis(reps, up, fixed)  # (not expected) the search

    def _construct_eis(self, reps, up, fixed):
        """2-SAT by the Even--Itai--Shamir search: set a literal, propagate; on a
        conflict undo and set its negation; a second conflict proves the state
        infeasible.  Literals that put fewer vertices in the set first."""
        n = len(self._nodes)
        free = ~fixed
        ureps, var = np.unique(reps[free], return_inverse=True)
        var_of = np.full(n, -1)
        var_of[free] = var.ravel()
        lit = np.where(free, 2 * var_of + up, -1)
        nodes = 2 * ureps.size
        implies = [[] for _ in range(nodes)]
        units = []
        for a, b in self.edges.tolist():
            fa, fb = fixed[a], fixed[b]
            if fa and fb:
                if up[a] == 1 and up[b] == 1:
                    return None
                continue
            if fa or fb:
                one, other = (a, b) if fa else (b, a)
                if up[one] == 1:
                    units.append(lit[other] ^ 1)
                continue
            implies[lit[a]].append(lit[b] ^ 1)
            implies[lit[b]].append(lit[a] ^ 1)
        value = np.full(nodes, -1, dtype=np.int8)

        def assume(node, trail):
            stack = [node]
            while stack:
                u = stack.pop()
                if value[u] == 1:
                    continue
                if value[u] == 0:
                    return False
                value[u], value[u ^ 1] = 1, 0
                trail.append(u)
                stack.extend(implies[u])
            return True

        for u in units:
            if not assume(u, []):
                return None
        ones_if = np.zeros(nodes)
        np.add.at(ones_if, lit[free], 1)
        for k in range(ureps.size):
            if value[2 * k] != -1:
                continue
            first = 2 * k if ones_if[2 * k] <= ones_if[2 * k + 1] else 2 * k + 1
            trail = []
            if not assume(first, trail):
                for u in trail:
                    value[u] = value[u ^ 1] = -1
                if not assume(first ^ 1, []):
                    return None
        if nodes == 0:
            return up.astype(np.int8)
        x = np.where(fixed, up, value[np.where(free, lit, 0)])
        return np.where(free, x, up).astype(np.int8)

    def solution(self, x) -> dict:
        """``{"vertices": [...]}``: the independent set, as the graph's own vertex
        labels (the file's 1-based numbers for a DIMACS file)."""
        return {"vertices": [plain(v) for v, b in zip(self._nodes, x) if b]}


class _GroupTracker:
    """The groups of one shrink state, kept incrementally for the MIS policies.

    Works in the state's index space (the reference is ``n``).  Follows
    ``state.merges`` one merge at a time with a
    :class:`~dimod_shrink.merges.GroupIndex`, and keeps ``conf[g]``: the edges
    inside group ``g`` whose ends are equal (for the fixed group: both fixed to
    1).  With ``witness=True`` it also keeps an independent set ``x``
    consistent with every merge (see :class:`IndependentSetGuard`).  A new
    state (or one that lost merges) starts it afresh.
    """

    def __init__(self, problem: "MISProblem", witness: bool):
        self.problem = problem
        self.witness = witness
        self.state = None
        self.constructed = 0

    def _start(self, state):
        p = self.problem
        n = state.form.num_variables
        perm = p._decision_index(state)  # state index of every vertex
        if np.array_equal(perm, np.arange(n)):
            self.indptr, self.indices = p.adj.indptr, p.adj.indices
        else:
            P = sparse.csr_array((np.ones(n), (perm, np.arange(n))), shape=(n, n))
            A = (P @ p.adj.astype(float) @ P.T).tocsr()
            A.sort_indices()
            self.indptr, self.indices = A.indptr, A.indices
        self.state, self.merges, self.n = state, state.merges, n
        self.no_edges = self.indices.size == 0
        self.groups = GroupIndex(state)
        self.conf = np.zeros(n + 1, dtype=np.int64)
        self.mark = np.zeros(n + 1, dtype=bool)
        self.dead = False
        self.pending = None
        if self.witness:
            self.x = np.zeros(n, dtype=bool)
            self.x[perm] = p.greedy().astype(bool)

    def sync(self, state):
        """Apply the merges made since the last call."""
        if self.state is state and self.pending is None and \
                self.groups.seen == len(state.merges):
            return  # nothing new
        if self.state is not state or self.merges is not state.merges or \
                len(state.merges) < self.groups.seen:
            self._start(state)
        merges, groups = state.merges, self.groups
        while groups.seen < len(merges):
            k = groups.seen
            m = merges[k]
            i, j = groups.index_of(m.variable), groups.index_of(m.target)
            if self.witness and not self.dead:
                if self.pending is not None and self.pending[0] == (k, i, j, m.sign):
                    self.pending = None  # the admitted candidate: its witness stands
                else:
                    self._undo()
                    if not self.agrees(i, j, m.sign):  # a merge the guard did not see
                        self.dead = self.repair(i, j, m.sign) is None
            self._step()
        self._undo()

    def _undo(self):
        if self.pending is not None:
            for vs in self.pending[1]:
                self.x[vs] = ~self.x[vs]
            self.pending = None

    def _step(self):
        groups = self.groups
        moved, kept, _, M = groups.step()
        gid, sigma, n = groups.gid, groups.sigma, self.n
        if self.no_edges:
            self.conf[moved] = 0
            return
        if M.size == 1:  # a single vertex joins: its own edges only
            v = int(M[0])
            nb = self.indices[self.indptr[v]:self.indptr[v + 1]]
            if nb.size == 0:
                pass
            elif kept == n:
                if sigma[v] > 0:
                    self.conf[n] += int(((gid[nb] == n) & (sigma[nb] > 0)).sum())
            else:
                self.conf[kept] += int(((gid[nb] == kept) & (sigma[nb] == sigma[v])).sum())
            self.conf[moved] = 0
            return
        nb, rows = _gather(self.indptr, self.indices, M)
        u = M[rows]
        self.mark[M] = True
        if kept == n:
            plus = (sigma[u] > 0) & (sigma[nb] > 0) & (gid[nb] == n)
            inside = self.mark[nb]
            self.conf[n] += int((plus & inside).sum()) // 2 + int((plus & ~inside).sum())
        else:
            cross = ~self.mark[nb] & (gid[nb] == kept) & (sigma[u] == sigma[nb])
            self.conf[kept] += self.conf[moved] + int(cross.sum())
        self.mark[M] = False
        self.conf[moved] = 0

    # -- the rules ----------------------------------------------------------------
    def rules(self, i, j, sign, allow) -> bool:
        if self.no_edges:
            return True
        groups, n = self.groups, self.n
        gid, sigma = groups.gid, groups.sigma
        A = int(gid[i])
        f = int(sign) * int(sigma[i]) * int(sigma[j])
        if j == n:
            if self.conf[n]:
                return False
            if groups.size(A) == 1:  # a single vertex, fixed to sign
                if sign < 0:
                    return True
                nb = self.indices[self.indptr[i]:self.indptr[i + 1]]
                return not ((gid[nb] == n) & (sigma[nb] > 0)).any()
            M = groups.member_indices(A)
            nb, rows = _gather(self.indptr, self.indices, M)
            up = sigma[M[rows]] * f > 0
            g = gid[nb]
            bad = up & (((g == A) & (sigma[nb] * f > 0)) | ((g == n) & (sigma[nb] > 0)))
            return not bad.any()
        if allow:
            return True
        B = int(gid[j])
        if self.conf[A] or self.conf[B]:
            return False
        S, T = (A, B) if groups.size(A) <= groups.size(B) else (B, A)
        if groups.size(S) == 1:
            v = i if S == A else j
            nb = self.indices[self.indptr[v]:self.indptr[v + 1]]
            return not ((gid[nb] == T) & (sigma[v] * f == sigma[nb])).any()
        M = groups.member_indices(S)
        nb, rows = _gather(self.indptr, self.indices, M)
        return not ((gid[nb] == T) & (sigma[M[rows]] * f == sigma[nb])).any()

    # -- the witness --------------------------------------------------------------
    def agrees(self, i, j, sign) -> bool:
        """Whether the witness already satisfies ``s_i = sign * s_j``."""
        x = self.x
        if j == self.n:
            return bool(x[i]) == (sign > 0)
        return (bool(x[i]) == bool(x[j])) == (sign > 0)

    def repair(self, i, j, sign):
        """Make the witness satisfy the merge (flip propagation, both values of the
        merged group); ``None`` if no independent set does, else the undo trail."""
        groups, n = self.groups, self.n
        A = int(groups.gid[i])
        B = n if j == n else int(groups.gid[j])
        options = [A] if B == n else sorted((A, B), key=groups.size)
        for g in options:
            trail = _propagate(self.x, groups.gid, groups.member_indices, self.indptr,
                               self.indices, [groups.member_indices(g)], {A, B, n})
            if trail is None:
                continue
            if self._verified(trail, i, j, sign):
                self.constructed += 1
                return trail
            for vs in trail:
                self.x[vs] = ~self.x[vs]
        return None

    def _verified(self, trail, i, j, sign) -> bool:
        """The changed witness is independent and satisfies the merge (it differs
        from the verified one in whole groups only)."""
        changed = np.concatenate(trail)
        ones = changed[self.x[changed]]
        nb, _ = _gather(self.indptr, self.indices, ones)
        return not self.x[nb].any() and self.agrees(i, j, sign)


class _Rules:
    """The MIS rule layer (see :meth:`MISProblem.rule_policy`)."""

    def __init__(self, tracker: _GroupTracker, allow: bool):
        self.tracker = tracker
        self.allow = allow

    def __call__(self, state, i, j, sign) -> bool:
        t = self.tracker
        t.sync(state)
        return t.rules(t.groups.index_of(i), t.groups.index_of(j), sign, self.allow)


class IndependentSetGuard:
    """Admit a merge iff some independent set agrees with it and every earlier one.

    The MIS witness guard as an incremental 2-SAT: the guard keeps one
    independent set (the witness, at first the greedy set) that agrees with
    every merge made.  A candidate merge it already satisfies is admitted at
    once.  Otherwise one of the two groups is flipped and the consequences
    propagated (``_propagate``), trying each group in turn; each flip is
    forced, so a conflict in both proves that no independent set agrees, and
    the merge is vetoed.  The changed witness is verified (independent around
    every vertex that changed, and satisfying the merge) before the merge is
    admitted, so the guard stays sound.  The work is the size of the flipped
    groups and their neighbourhoods, not the graph.

    Attributes:
        constructed: How many witnesses were changed to admit a merge.
    """

    def __init__(self, tracker: _GroupTracker):
        self.tracker = tracker

    @property
    def constructed(self) -> int:
        return self.tracker.constructed

    def __call__(self, state, i, j, sign) -> bool:
        t = self.tracker
        t.sync(state)
        return self.decide(state, t.groups.index_of(i), t.groups.index_of(j), sign)

    def decide(self, state, i, j, sign) -> bool:
        """The decision on state indices (the tracker synced)."""
        t = self.tracker
        if t.dead:
            return False
        if t.agrees(i, j, sign):
            return True
        trail = t.repair(i, j, sign)
        if trail is None:
            return False
        t.pending = ((len(state.merges), i, j, sign), trail)
        return True


class _Policy:
    """Rules, then the guard, on one tracker (synced once per candidate); like
    :func:`~.policies.all_of`, the parts are in :attr:`policies`."""

    def __init__(self, rules: _Rules, guard: IndependentSetGuard):
        self.policies = [rules, guard]
        self.rules, self.guard = rules, guard

    def __call__(self, state, i, j, sign) -> bool:
        t = self.guard.tracker
        t.sync(state)
        i, j = t.groups.index_of(i), t.groups.index_of(j)
        if not t.rules(i, j, sign, self.rules.allow):
            return False
        return self.guard.decide(state, i, j, sign)
