"""Max-Cut (unconstrained)."""

from __future__ import annotations

import dimod
import networkx as nx
import numpy as np
from scipy import sparse

from ._graphs import as_graph
from .base import Problem, plain

__all__ = ["MaxCutProblem"]


class MaxCutProblem(Problem):
    """Maximum weighted cut.

    BQM: ``sum_{uv} w_uv (2 x_u x_v - x_u - x_v)`` = minus the cut weight; no
    constraints, no penalty.  Every sample is feasible, so repair does nothing;
    polish is 1-flip steepest ascent.  The greedy floor is 1-flip local search
    from the all-zero cut.

    Args:
        graph: A :class:`networkx.Graph` whose edges may carry a numeric
            ``weight`` (default 1), or a list of edges ``(u, v)`` or
            ``(u, v, w)``.  A multigraph's parallel edges add up (the cut
            weight counts each); self-loops are dropped (no cut ever cuts
            one).  A directed graph, a non-numeric or non-finite weight (the
            message names the edge) and a graph with no vertex are refused;
            see ``problems._graphs.as_graph``.
        name: The problem's name (default: ``graph.graph["name"]``).
        optimum: The known optimum, when there is one.

    Examples:
        >>> import networkx as nx
        >>> p = MaxCutProblem([(1, 2, 3.0), (2, 3, 1.0), (1, 3, 1.0)])
        >>> float(p.objective([p.greedy()])[0])
        4.0
    """

    sense = "max"
    kind = "maxcut"

    def __init__(self, graph: nx.Graph, *, name: str = "", optimum: float | None = None):
        graph = as_graph(graph, "MaxCutProblem", weighted=True)
        super().__init__(name=name or graph.graph.get("name", "maxcut"), optimum=optimum)
        self.graph = graph
        self._nodes = list(graph.nodes)
        idx = {v: k for k, v in enumerate(self._nodes)}
        n = len(self._nodes)
        rows, cols, vals = [], [], []
        for u, v, d in graph.edges(data=True):
            w = float(d.get("weight", 1.0))
            rows += [idx[u], idx[v]]
            cols += [idx[v], idx[u]]
            vals += [w, w]
        # sparse weight matrix (duplicates summed): O(n + m) memory
        self.Wm = sparse.csr_array((vals, (rows, cols)), shape=(n, n), dtype=float)
        self.Wm.sum_duplicates()
        self._total = float(self.Wm.sum())

    @property
    def variables(self):
        return self._nodes

    def build_bqm(self):
        bqm = dimod.BinaryQuadraticModel("BINARY")
        bqm.add_variables_from((v, 0.0) for v in self._nodes)
        for u, v, d in self.graph.edges(data=True):
            w = float(d.get("weight", 1.0))
            bqm.add_quadratic(u, v, 2 * w)
            bqm.add_linear(u, -w)
            bqm.add_linear(v, -w)
        return bqm

    def build_cqm(self):
        return dimod.ConstrainedQuadraticModel.from_bqm(self.build_bqm())

    def objective(self, X):
        S = 2 * np.atleast_2d(X).astype(float) - 1
        WS = np.asarray(self.Wm @ S.T).T
        return 0.25 * (self._total - (S * WS).sum(axis=1))

    def is_feasible(self, X):
        return np.ones(np.atleast_2d(X).shape[0], dtype=bool)

    def repair_one(self, x):
        return np.asarray(x, dtype=np.int8).copy(), 0

    def polish_one(self, x):
        x = np.asarray(x, dtype=np.int8).copy()
        moves = 0
        while True:
            s = 2 * x.astype(float) - 1
            gain = s * (self.Wm @ s)  # cut gain of flipping each vertex
            v = int(np.argmax(gain))
            if gain[v] <= 1e-12:
                return x, moves
            x[v] = 1 - x[v]
            moves += 1

    def perturbation(self, flips: int | None = None):
        """A kick for iterated shrinking: move ``flips`` random vertices to the
        other side (default ``max(3, n // 100)``)."""
        k = max(3, len(self._nodes) // 100) if flips is None else int(flips)

        def kick(incumbent, rng):
            x = self.decision_vector(incumbent)
            f = rng.choice(x.size, min(k, x.size), replace=False)
            x[f] = 1 - x[f]
            return self.bqm_state(x)
        return kick

    def greedy(self):
        return self.polish_one(np.zeros(len(self._nodes), dtype=np.int8))[0]

    def merge_policy(self, constraint_aware: bool = True, **kw):
        """No constraints, so nothing to veto: every merge keeps every sample feasible."""
        return None

    def solution(self, x) -> dict:
        """``{"side": [...]}``: the vertices on one side of the cut (``x = 1``), as
        the graph's own labels (the file's 1-based numbers for a rudy/G-set file)."""
        return {"side": [plain(v) for v, b in zip(self._nodes, x) if b]}
