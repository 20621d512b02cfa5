"""Quantum correlation estimators: sampled ``<s_i s_j>`` and closed-form p=1 QAOA.

Both plug into the shrink loop like the SDP estimators: ``estimator(K, rng)``
with ``K`` the reference-node coupling matrix, returning the correlations of
the spins with each other and (last row/column) with the reference spin,
i.e. ``<s_i>``.

References:
    S. Bravyi, A. Kliesch, R. Koenig, E. Tang, PRL 125, 260505 (2020) --
    RQAOA, whose merge rule uses ``<Z_i Z_j>`` from the QAOA state.

    A. Ozaeta, W. van Dam, P. L. McMahon, "Expectation values from the
    single-layer quantum approximate optimization algorithm on Ising
    problems", arXiv:2012.03421 (2020) -- the closed forms used here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dimod
import numpy as np
from scipy import optimize, sparse

__all__ = ["SampledCorrelation", "QAOA1Correlation", "qaoa1_expectations", "reduced_ising"]


def reduced_ising(K) -> tuple[np.ndarray, sparse.csr_array]:
    """``(h, J)`` of the spin model in a reference-node matrix (``J`` symmetric)."""
    K = sparse.csr_array(K, dtype=float)
    m = K.shape[0] - 1
    h = K[:m, [m]].toarray().ravel() if m else np.zeros(0)
    J = K[:m, :m].tocsr()
    J.eliminate_zeros()
    return h, J


@dataclass
class SampledCorrelation:
    """``<s_a s_b>`` estimated from samples of the current reduced model.

    The reduced model is handed to ``sampler``; the sample mean of
    ``s_a s_b`` (weighted by ``num_occurrences``), with the reference spin
    fixed to ``+1``, is the correlation.  With a QAOA sampler this is RQAOA's
    estimator.

    Args:
        sampler: Any :class:`dimod.Sampler` (default: simulated annealing).
        parameters: Keyword arguments for ``sampler.sample`` (default
            ``num_reads=100`` for samplers that take it).
    """

    sampler: dimod.Sampler | None = None
    parameters: dict = field(default_factory=dict)
    name: str = field(default="sampled", init=False)

    def __post_init__(self):
        if self.sampler is None:
            from dwave.samplers import SimulatedAnnealingSampler
            self.sampler = SimulatedAnnealingSampler()
            self.parameters = {"num_reads": 100, **self.parameters}

    def __call__(self, K, rng) -> np.ndarray:
        h, J = reduced_ising(K)
        m = h.size
        upper = sparse.triu(J, k=1).tocoo()
        bqm = dimod.BinaryQuadraticModel.from_numpy_vectors(
            h, (upper.row, upper.col, upper.data), 0.0, dimod.SPIN, variable_order=range(m))
        params = dict(self.parameters)
        if "seed" in self.sampler.parameters and "seed" not in params:
            params["seed"] = int(rng.integers(2 ** 31))
        ss = self.sampler.sample(bqm, **params)
        S = ss.record.sample[:, [ss.variables.index(v) for v in range(m)]].astype(float)
        if ss.vartype is dimod.BINARY:
            S = 2 * S - 1
        w = ss.record.num_occurrences.astype(float)
        if w.sum() == 0:
            raise RuntimeError("the sampler returned no samples to estimate correlations from")
        S = np.hstack([S, np.ones((S.shape[0], 1))])
        C = (S * w[:, None]).T @ S / w.sum()
        np.fill_diagonal(C, 1.0)
        return C


class _P1Structure:
    """Index arrays of a coupling graph for the p=1 closed forms."""

    def __init__(self, J: sparse.csr_array):
        m = J.shape[0]
        self.m = m
        coo = J.tocoo()
        self.rows, self.cols, self.vals = coo.row, coo.col, coo.data  # both directions
        upper = coo.row < coo.col
        self.eu, self.ev, self.ej = coo.row[upper], coo.col[upper], coo.data[upper]
        # triples (w, u, v), u < v both neighbours of w: the common-neighbour factors
        indptr, indices, data = J.indptr, J.indices, J.data
        ws, us, vs, ju, jv = [], [], [], [], []
        for w in range(m):
            nb = indices[indptr[w]:indptr[w + 1]]
            d = data[indptr[w]:indptr[w + 1]]
            if nb.size < 2:
                continue
            a, b = np.triu_indices(nb.size, 1)
            order = nb[a] < nb[b]
            ua = np.where(order, nb[a], nb[b])
            vb = np.where(order, nb[b], nb[a])
            ws.append(np.full(a.size, w))
            us.append(ua)
            vs.append(vb)
            ju.append(np.where(order, d[a], d[b]))
            jv.append(np.where(order, d[b], d[a]))
        cat = (lambda x: np.concatenate(x) if x else np.zeros(0))
        self.tw, self.tu, self.tv = (cat(ws).astype(np.int64), cat(us).astype(np.int64),
                                     cat(vs).astype(np.int64))
        self.tju, self.tjv = cat(ju).astype(float), cat(jv).astype(float)
        # the pairs that differ from <Z_u><Z_v>: edges and pairs with a common neighbour
        keys = np.concatenate([self.eu * m + self.ev, self.tu * m + self.tv]).astype(np.int64)
        self.pairs, inv = np.unique(keys, return_inverse=True)
        self.pu, self.pv = np.divmod(self.pairs, m)
        self.edge_pair = inv[:self.eu.size]
        self.triple_pair = inv[self.eu.size:]
        self.pair_j = np.zeros(self.pairs.size)
        self.pair_j[self.edge_pair] = self.ej
        # edges-only mode (the energy needs <Z_u Z_v> on edges): triangle triples
        pos_of_pair = np.full(self.pairs.size, -1)
        pos_of_pair[self.edge_pair] = np.arange(self.eu.size)
        tri = pos_of_pair[self.triple_pair] >= 0
        self.tri_pos = pos_of_pair[self.triple_pair][tri]
        self.tri_ju, self.tri_jv = self.tju[tri], self.tjv[tri]


def _logprod(values, groups, size):
    """Per-group product of ``values`` as (log|prod|, negative count, zero count)."""
    a = np.abs(values)
    zero = a < 1e-300
    logs = np.where(zero, 0.0, np.log(np.where(zero, 1.0, a)))
    return (np.bincount(groups, logs, size), np.bincount(groups, values < 0, size),
            np.bincount(groups, zero, size))


def _from_log(log, neg, zero):
    return np.where(zero > 0, 0.0, np.where(neg % 2 == 1, -1.0, 1.0) * np.exp(log))


def qaoa1_expectations(h, J, gamma: float, beta: float, structure=None, *, edges_only=False):
    """Closed-form ``<Z_u>`` and ``<Z_u Z_v>`` of the p=1 QAOA state.

    The state is ``exp(-i beta B) exp(-i gamma C) |+>^n`` with
    ``C = sum_u h_u Z_u + sum_{u<v} J_uv Z_u Z_v`` and ``B = sum_u X_u``.  With
    ``c_uw = cos(2 gamma J_uw)`` and ``P_u = prod_w c_uw`` (Ozaeta, van Dam &
    McMahon 2020):

    * ``<Z_u> = sin(2 beta) sin(2 gamma h_u) P_u``;
    * ``<Z_u Z_v> = sin(4 beta)/2 sin(2 gamma J_uv) [cos(2 gamma h_u) P_u/c_uv
      + cos(2 gamma h_v) P_v/c_uv] - sin^2(2 beta)/2 [cos(2 gamma (h_u + h_v))
      T+ - cos(2 gamma (h_u - h_v)) T-]`` with ``T+- = prod_{w != u, v}
      cos(2 gamma (J_uw +- J_vw))``.

    For pairs with neither an edge nor a common neighbour the second form
    reduces to ``<Z_u><Z_v>``; only edges and distance-2 pairs are computed
    explicitly, so the cost is ``O(sum_w deg(w)^2)``.

    Returns:
        ``(Z, ZZ)`` with ``Z`` of shape ``(m,)``; ``ZZ`` is the dense ``(m, m)``
        matrix (unit diagonal), or with ``edges_only`` the values on the
        structure's edges.
    """
    S = structure if structure is not None else _P1Structure(sparse.csr_array(J))
    m = S.m
    h = np.asarray(h, dtype=float)
    c = np.cos(2 * gamma * S.vals)
    L, N, Zc = _logprod(c, S.rows, m)
    P = _from_log(L, N, Zc)
    s2b, s4b = np.sin(2 * beta), np.sin(4 * beta)
    Z = s2b * np.sin(2 * gamma * h) * P
    if edges_only:
        zz = _pair_values(h, L, N, Zc, gamma, s2b, s4b, S.eu, S.ev, S.ej,
                          S.tri_ju, S.tri_jv, S.tri_pos)
        return Z, zz
    zz = _pair_values(h, L, N, Zc, gamma, s2b, s4b, S.pu, S.pv, S.pair_j,
                      S.tju, S.tjv, S.triple_pair)
    ZZ = np.outer(Z, Z)
    ZZ[S.pu, S.pv] = zz
    ZZ[S.pv, S.pu] = zz
    np.fill_diagonal(ZZ, 1.0)
    return Z, ZZ


def _pair_values(h, L, N, Zc, gamma, s2b, s4b, pu, pv, juv, tju, tjv, tpos):
    """``<Z_u Z_v>`` for the pairs ``(pu, pv)``; ``tpos`` maps the common-neighbour
    triples ``(J_uw, J_vw)`` to their pair."""
    npairs = pu.size
    cuv = np.cos(2 * gamma * juv)
    az = np.abs(cuv) < 1e-300
    lc = np.where(az, 0.0, np.log(np.where(az, 1.0, np.abs(cuv))))
    nc = (cuv < 0).astype(int)
    # products over w != v (for u) and w != u (for v)
    Pu_ex = _from_log(L[pu] - lc, N[pu] - nc, Zc[pu] - az)
    Pv_ex = _from_log(L[pv] - lc, N[pv] - nc, Zc[pv] - az)
    # T+- = Pu_ex * Pv_ex * prod over common w of cos(2g(Juw +- Jvw)) / (cos(2g Juw) cos(2g Jvw))
    base_log = (L[pu] - lc) + (L[pv] - lc)
    base_neg = (N[pu] - nc) + (N[pv] - nc)
    base_zero = (Zc[pu] - az) + (Zc[pv] - az)
    cu, cv = np.cos(2 * gamma * tju), np.cos(2 * gamma * tjv)
    dl, dn, dz = _logprod(cu * cv, tpos, npairs)
    T = []
    for sgn in (1.0, -1.0):
        nl, nn, nz = _logprod(np.cos(2 * gamma * (tju + sgn * tjv)), tpos, npairs)
        T.append(_from_log(base_log - dl + nl, base_neg - dn + nn, base_zero - dz + nz))
    hu, hv = h[pu], h[pv]
    return (0.5 * s4b * np.sin(2 * gamma * juv)
            * (np.cos(2 * gamma * hu) * Pu_ex + np.cos(2 * gamma * hv) * Pv_ex)
            - 0.5 * s2b ** 2 * (np.cos(2 * gamma * (hu + hv)) * T[0]
                                - np.cos(2 * gamma * (hu - hv)) * T[1]))


@dataclass
class QAOA1Correlation:
    """Correlations of the optimised p=1 QAOA state, from closed forms.

    No circuit is simulated, so any size works.  The energy
    ``<C> = sum h_u <Z_u> + sum J_uv <Z_u Z_v>`` (edges only) is minimised over
    ``(gamma, beta)`` on the model scaled to unit largest coefficient: a
    ``grid`` x ``grid`` scan of ``gamma in (0, pi]``, ``beta in (0, pi/2]``,
    then Nelder--Mead from the best grid point.  The full correlation matrix is
    evaluated once, at the optimum.

    Args:
        grid: Points per angle in the scan.
    """

    grid: int = 12
    name: str = field(default="qaoa1", init=False)
    last_angles: tuple = field(default=(np.nan, np.nan), init=False, repr=False)

    def optimise(self, h, J, S):
        # angles for the model scaled to unit largest coefficient: gamma_s = gamma * scale
        scale = max(np.abs(h).max(initial=0), np.abs(J.data).max(initial=0)) or 1.0

        def energy(x):
            Z, zz = qaoa1_expectations(h, None, x[0] / scale, x[1], S, edges_only=True)
            return float(h @ Z + S.ej @ zz) / scale

        gs = np.linspace(np.pi / self.grid, np.pi, self.grid)
        bs = np.linspace(np.pi / (2 * self.grid), np.pi / 2, self.grid)
        best = min(((energy((g, b)), g, b) for g in gs for b in bs))
        res = optimize.minimize(energy, x0=[best[1], best[2]], method="Nelder-Mead",
                                options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 200})
        g, b = (res.x if res.fun <= best[0] else (best[1], best[2]))
        return g / scale, b

    def __call__(self, K, rng) -> np.ndarray:
        h, J = reduced_ising(K)
        m = h.size
        S = _P1Structure(J)
        gamma, beta = self.optimise(h, J, S)
        self.last_angles = (gamma, beta)
        Z, ZZ = qaoa1_expectations(h, None, gamma, beta, S)
        C = np.empty((m + 1, m + 1))
        C[:m, :m] = ZZ
        C[:m, m] = C[m, :m] = Z
        C[m, m] = 1.0
        np.clip(C, -1.0, 1.0, out=C)
        return C
