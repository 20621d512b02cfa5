"""Maximum independent set."""

from __future__ import annotations

import dimod
import networkx as nx
import numpy as np
from scipy import sparse

from ..merges import REFERENCE
from ._graphs import as_graph
from .base import Problem, plain
from .policies import tentative_groups

__all__ = ["MISProblem"]


class MISProblem(Problem):
    """Maximum independent set of a graph.

    Penalty BQM: ``-sum_v x_v + lam * sum_{uv in E} x_u x_v`` with ``lam = 2``.
    Rule: any ``lam > 1`` makes every minimiser an independent set (dropping
    one endpoint of a violated edge loses 1 and saves ``lam``); 2 keeps a
    margin without drowning the objective.  No slack variables are needed.

    Merge policy (rule layer): never make two adjacent vertices equal; never
    fix two adjacent vertices to 1, counting every vertex merged with them.
    Anti-merges across an edge are allowed (``x_u = 1 - x_v`` is consistent
    with independence).

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

    Args:
        graph: A :class:`networkx.Graph`, or a list of edges ``(u, v)``.  A
            directed graph or a multigraph is read as the simple undirected
            graph of its edges; a graph with a self-loop, or with no
            vertex, is refused (see :func:`~._graphs.as_graph`).
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
        bqm = dimod.BinaryQuadraticModel({v: -1.0 for v in self._nodes}, {}, 0.0, "BINARY")
        for a, b in self.edges:
            bqm.add_quadratic(self._nodes[a], self._nodes[b], self.penalty)
        return bqm

    def objective(self, X):
        return np.atleast_2d(np.asarray(X, dtype=float)).sum(axis=1)

    def conflicts(self, X):
        X = np.asarray(X, dtype=bool)
        return (X[:, self.edges[:, 0]] & X[:, self.edges[:, 1]]).sum(axis=1)

    def is_feasible(self, X):
        return self.conflicts(np.atleast_2d(X)) == 0

    def _fill(self, x, moves):
        """Add free vertices (no chosen neighbour), fewest free neighbours first,
        until the set is maximal.  Vertices with no free neighbour block nothing,
        so they are all taken at once."""
        free = ~x & (self._count(x) == 0)
        fdeg = self._count(free)
        while free.any():
            alone = free & (fdeg == 0)
            if alone.any():
                x[alone] = True
                moves += int(alone.sum())
                free &= ~alone
                continue
            cand = np.flatnonzero(free)
            v = cand[np.argmin(fdeg[cand])]
            x[v] = True
            moves += 1
            nb = self.neighbours(v)
            gone = np.append(nb[free[nb]], v)
            free[gone] = False
            np.subtract.at(fdeg, self._neighbours_of(gone), 1)
        return x, moves

    def repair_one(self, x):
        x = np.asarray(x, dtype=bool).copy()
        moves = 0
        conf = np.where(x, self._count(x), 0)
        while conf.max(initial=0) > 0:
            v = int(np.argmax(conf))
            x[v] = False
            conf[v] = 0
            nb = self.neighbours(v)
            conf[nb] -= x[nb]
            moves += 1
        return x.astype(np.int8), moves

    def _swap_search(self, x, moves):
        """(1,2)-swaps until none applies; ``x`` must be maximal."""
        improved = True
        while improved:
            improved = False
            one_tight = (~x) & (self._count(x) == 1)
            for u in np.flatnonzero(x):
                nb = self.neighbours(u)
                cand = nb[one_tight[nb]]
                if cand.size < 2:
                    continue
                sub = self._sub_adjacency(cand)
                pairs = np.argwhere(~sub & ~np.eye(cand.size, dtype=bool))
                if pairs.size:
                    a, b = cand[pairs[0]]
                    x[u] = False
                    x[a] = x[b] = True
                    moves += 1
                    x, moves = self._fill(x, moves)
                    improved = True
                    break
        return x, moves

    def polish_one(self, x):
        """Make maximal, (1,2)-swap local search, then ``kicks`` rounds of
        iterated local search: force a random outside vertex in (dropping its
        neighbours), search again, keep the result if it is not smaller.
        Seeded by ``seed`` and the starting set, so it repeats exactly."""
        x = np.asarray(x, dtype=bool).copy()
        x, moves = self._fill(x, 0)
        x, moves = self._swap_search(x, moves)
        if self.kicks:
            rng = np.random.default_rng([self.seed, *np.flatnonzero(x).tolist()])
            for _ in range(self.kicks):
                out = np.flatnonzero(~x)
                if out.size == 0:
                    break
                v = rng.choice(out)
                y = x.copy()
                y[self.neighbours(v)] = False
                y[v] = True
                y, m = self._fill(y, 0)
                y, m = self._swap_search(y, m)
                if y.sum() >= x.sum():
                    moves += m + 1 if y.sum() > x.sum() else 0
                    x = y
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
        inside = np.zeros(x.size, dtype=np.int64)  # set neighbours in the window
        for u in rng.permutation(np.flatnonzero(x)):
            if W.sum() >= budget:
                break
            W[u] = True
            nb = self.neighbours(u)
            inside[nb] += 1
            cand = nb[~x[nb] & ~W[nb]]
            ok = cand[inside[cand] == tight[cand]]
            room = budget - int(W.sum())
            if ok.size > room:
                ok = rng.choice(ok, room, replace=False)
            W[ok] = True
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
        """Minimum-degree greedy: take a vertex of least remaining degree, delete its
        neighbourhood, repeat.  (Vertices left without neighbours are taken at once.)"""
        n = len(self._nodes)
        alive = np.ones(n, dtype=bool)
        x = np.zeros(n, dtype=bool)
        deg = self.degree.astype(np.int64).copy()
        while alive.any():
            alone = alive & (deg == 0)
            if alone.any():
                x[alone] = True
                alive &= ~alone
                continue
            cand = np.flatnonzero(alive)
            v = cand[np.argmin(deg[cand])]
            x[v] = True
            nb = self.neighbours(v)
            gone = np.append(nb[alive[nb]], v)
            alive[gone] = False
            np.subtract.at(deg, self._neighbours_of(gone), 1)
        return x.astype(np.int8)

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
        E0, E1 = self.edges[:, 0], self.edges[:, 1]
        allow = self.adjacent_equal == "allow"

        def independent(mask):
            return not (mask[E0] & mask[E1]).any()

        def mis_rules(state, i, j, sign):
            if not len(E0):  # no edge: every set is independent
                return True
            n = state.form.num_variables
            root, sgn = tentative_groups(state, i, j, sign)
            col = self._decision_index(state)
            r, s = root[col], sgn[col]
            jj = n if j is REFERENCE else state.index[j]
            grp = r == jj  # the merged group (or all fixed variables)
            if j is REFERENCE:
                return independent(grp & (s > 0))
            if allow:
                return True
            # the vertices that are 1 when the group's spin is +1, and when it is -1
            return independent(grp & (s > 0)) and independent(grp & (s < 0))

        return mis_rules

    def construct_feasible(self, state, root, sign):
        """An independent set consistent with the groups, by 2-SAT.

        Each free representative is a boolean (its spin); vertex ``v`` is in the
        set iff its literal holds.  Every edge is the clause ``not x_u or not
        x_v``.  Solved by the Even--Itai--Shamir procedure: set a literal,
        propagate the implications; on a conflict undo and set its negation;
        a second conflict proves the state infeasible.  Literals that put
        fewer vertices in the set are tried first.
        """
        reps, up, fixed = self._decision_groups(state, root, sign)
        n = len(self._nodes)
        if (fixed & (up == 1))[self.edges].all(axis=1).any():
            return None
        free = ~fixed
        ureps, var = np.unique(reps[free], return_inverse=True)
        var_of = np.full(n, -1)
        var_of[free] = var
        lit = np.where(free, 2 * var_of + up, -1)  # node "x_v = 1"; node ^ 1 is its negation
        nodes = 2 * ureps.size
        implies = [[] for _ in range(nodes)]
        units = []
        for a, b in self.edges:
            fa, fb = fixed[a], fixed[b]
            if fa and fb:
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

        def undo(trail):
            for u in trail:
                value[u] = value[u ^ 1] = -1

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
            if not assume(first, trail):  # the literal with fewer vertices in the set
                undo(trail)
                if not assume(first ^ 1, []):
                    return None
        x = np.where(fixed, up, value[np.where(free, lit, 0)])
        return np.where(free, x, up).astype(np.int8)

    def solution(self, x) -> dict:
        """``{"vertices": [...]}``: the independent set, as the graph's own vertex
        labels (the file's 1-based numbers for a DIMACS file)."""
        return {"vertices": [plain(v) for v, b in zip(self._nodes, x) if b]}
