"""Low-rank Burer--Monteiro solution of the Goemans--Williamson SDP (mixing method).

The SDP over the reference-node coupling matrix ``K`` is

.. math::

    \\min_X \\; \\tfrac12 \\operatorname{tr}(K X) \\quad
    \\text{s.t. } X \\succeq 0,\\; X_{aa} = 1,

which is the Goemans--Williamson Max-Cut relaxation ``max tr(L X) / 4`` up to
a constant.  Writing ``X = V V^T`` with unit rows ``v_a`` in ``R^k`` and
``k = ceil(sqrt(2 N))`` loses nothing: an optimal ``X`` of that rank exists
(Barvinok--Pataki), and for such ``k`` the non-convex problem has no spurious
local minima for almost all cost matrices (Boumal, Voroninski & Bandeira 2016).

The *mixing method* (Wang, Chang & Kolter 2017) is block coordinate descent
on the rows: with ``g_a = sum_b K_ab v_b`` the exact minimiser over ``v_a`` is
``v_a = -g_a / ||g_a||``.  Rows that share no coupling do not influence each
other, so all rows of one colour class of a proper graph colouring are
updated together in one sparse product -- this is exactly Gauss--Seidel in
colour order, vectorised with :mod:`scipy.sparse`, and it keeps the
monotone-descent guarantee of the sequential method.

References:
    P. Wang, W.-C. Chang, J. Z. Kolter, "The Mixing method: low-rank
    coordinate descent for semidefinite programming with diagonal
    constraints", arXiv:1706.00476 (2017).

    S. Burer, R. D. C. Monteiro, "A nonlinear programming algorithm for
    solving semidefinite programs via low-rank factorization",
    Math. Program. 95 (2003).

    M. X. Goemans, D. P. Williamson, "Improved approximation algorithms for
    maximum cut and satisfiability problems using semidefinite programming",
    J. ACM 42 (1995).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math

import numpy as np
from scipy import sparse

__all__ = ["LowRankSDP", "LowRankResult", "solve_lowrank_sdp", "colour_classes", "default_rank",
           "warm_iterations"]


@dataclass
class LowRankResult:
    """Result of :func:`solve_lowrank_sdp`.

    Attributes:
        factor: ``(N, k)`` array of unit rows, ``X = factor @ factor.T``.
        objective: ``tr(K X) / 2`` at the solution (add the model offset for an
            energy bound).
        iterations: Sweeps made.
        converged: Whether the relative tolerance was met.
    """

    factor: np.ndarray
    objective: float
    iterations: int
    converged: bool

    @property
    def gram(self) -> np.ndarray:
        return self.factor @ self.factor.T


def colour_classes(K, seed=0) -> list[np.ndarray]:
    """Partition the nodes of the coupling graph into independent sets.

    Jones--Plassmann colouring with largest-degree-first priorities (random
    tie-breaks), vectorised over the CSR pattern: in each round every
    uncoloured node whose priority beats all its uncoloured neighbours takes
    the smallest colour not used by its coloured neighbours.  A round is one
    pass over the nonzeros, and the colourings are as small as sequential
    greedy ones.  It replaces a pure-Python greedy colouring that cost
    ~15 ms per call at ``N = 1000`` and dominated shrinking with
    ``recompute_every=1``.

    Args:
        K: Square sparse (or dense) matrix; its nonzero pattern is the graph.
        seed: Seed (or generator) for the tie-breaking priorities.

    Returns:
        List of sorted index arrays, a partition of ``range(N)`` into
        independent sets.

    References:
        M. T. Jones, P. E. Plassmann, "A parallel graph coloring heuristic",
        SIAM J. Sci. Comput. 14 (1993).
    """
    A = sparse.csr_array(K)
    N = A.shape[0]
    if N == 0:
        return []
    A = A.copy()
    A.setdiag(0)
    A.eliminate_zeros()
    indptr, indices = A.indptr, A.indices
    deg = np.diff(indptr)
    rng = np.random.default_rng(seed)
    prio = deg.astype(np.int64) * N + rng.permutation(N)
    nonempty = deg > 0
    starts = indptr[:-1][nonempty]
    row_of_edge = np.repeat(np.arange(N), deg)
    # the table of colours taken around each vertex is N x width; a vertex of degree
    # above the width (the reference spin touches every variable) that finds every
    # colour of the table taken gets a colour of its own, past the table
    width = int(min(deg.max(initial=0), max(256, 4 * A.nnz // N))) + 2
    used = np.zeros((N, width), dtype=bool)
    colour = np.full(N, -1, dtype=np.int64)
    uncoloured = np.ones(N, dtype=bool)
    while uncoloured.any():
        neigh = np.where(uncoloured[indices], prio[indices], -1)
        best = np.full(N, -1, dtype=np.int64)
        if neigh.size:
            best[nonempty] = np.maximum.reduceat(neigh, starts)
        winners = uncoloured & (prio > best)
        w = np.flatnonzero(winners)
        c = np.argmin(used[w], axis=1)
        full = used[w, c]
        c[full] = width + w[full]
        colour[w] = c
        e = winners[row_of_edge]
        e[e] = colour[row_of_edge[e]] < width
        used[indices[e], colour[row_of_edge[e]]] = True
        uncoloured[w] = False
    order = np.argsort(colour, kind="stable")
    bounds = np.flatnonzero(np.diff(colour[order])) + 1
    return np.split(order, bounds)


def default_rank(num_nodes: int, cap: int | None = None) -> int:
    """The factor width: ``ceil(sqrt(2 N)) + 1`` (Barvinok--Pataki), at most ``cap``."""
    rank = int(math.ceil(math.sqrt(2 * max(num_nodes, 1)))) + 1
    return rank if cap is None else max(2, min(rank, int(cap)))


def solve_lowrank_sdp(K, *, rank: int | None = None, tol: float = 1e-6,
                      max_iter: int = 3000, seed=None, init=None,
                      rank_cap: int | None = None,
                      warm_budget: float | None = None) -> LowRankResult:
    """Solve ``min tr(K X)/2, diag X = 1, X PSD`` by the mixing method.

    The couplings are divided by their largest magnitude before the sweeps
    (the minimiser of the SDP does not depend on a positive scale), so the
    solve, its stopping test and the correlations it yields are the same for
    biases of order ``1e-200`` and ``1e150``; the reported objective is scaled
    back.

    A :class:`~dimod_shrink.structured.StructuredCouplings` (a model whose
    constraints are rows) is solved without forming ``K``, by L-BFGS on the
    same factorisation (``_solve_structured``): there every two variables
    of a constraint are coupled, which leaves the mixing method one row per
    colour class.  Measured on the study's MDKP and QAP instances (10 + 8
    problems, seeds 0-1, repaired, unpolished), the medians of the two
    solvers differ by +0.05% (MDKP) and -0.4% (QAP), within seed noise.

    Args:
        K: Symmetric coupling matrix (dense or sparse) with zero diagonal, or
            a :class:`~dimod_shrink.structured.StructuredCouplings`.
        rank: Factor width ``k``; default :func:`default_rank` (``ceil(sqrt(2
            N)) + 1``, capped at ``rank_cap``).
        tol: Stop when one sweep improves the (normalised) objective by less
            than ``tol`` times its magnitude (a relative test: it does not
            depend on the scale of ``K``).
        max_iter: Maximum number of sweeps.
        seed: Seed or :class:`numpy.random.Generator` for the random start.
        init: Optional ``(N, k)`` start (rows are normalised; zero rows are
            replaced by random ones).
        rank_cap: Upper bound on the default rank.
        warm_budget: With ``init`` and a structured ``K`` only: at most
            ``max(WARM_MIN_ITER, warm_budget / N)`` L-BFGS iterations (see
            ``WARM_BUDGET``); ``None`` leaves ``max_iter`` alone.

    Returns:
        :class:`LowRankResult`.
    """
    structured = hasattr(K, "rows") and hasattr(K, "weights") and not sparse.issparse(K)
    if not structured:
        K = sparse.csr_array(K, dtype=float)
    N = K.shape[0]
    rng = np.random.default_rng(seed)
    if init is None:
        if rank is None:
            if structured:
                rank_cap = STRUCTURED_RANK_CAP if rank_cap is None else \
                    min(rank_cap, STRUCTURED_RANK_CAP)
            rank = default_rank(N, rank_cap)
        V = rng.standard_normal((N, rank))
    else:
        V = np.array(init, dtype=float, copy=True)
        rank = V.shape[1]
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    if zero.any():
        V[zero] = rng.standard_normal((int(zero.sum()), rank))
        norms[zero] = np.linalg.norm(V[zero], axis=1, keepdims=True)
    V /= norms
    if structured:
        if init is not None:
            max_iter = warm_iterations(N, max_iter, warm_budget)
        return _solve_structured(K, V, tol, max_iter, rng)
    scale = float(np.abs(K.data).max()) if K.nnz else 0.0
    if N == 0 or K.nnz == 0 or scale == 0.0:
        return LowRankResult(V, 0.0, 0, True)
    if not np.isfinite(scale):
        raise ValueError("the coupling matrix has non-finite entries; the low-rank SDP "
                         "needs finite biases")
    K = K.copy()
    K.data /= scale  # elementwise: K * (1 / scale) would overflow for subnormal scales

    classes = colour_classes(K, seed=rng)
    # dense coupling graphs (one constraint touching every variable, say) colour into
    # many tiny classes: there a dense row block beats a sparse one by a wide margin
    dense = K.nnz > 0.25 * N * N
    Kd = K.toarray() if dense else None
    blocks = [(c, Kd[c] if dense else K[c, :].tocsr()) for c in classes]

    def objective(V):
        return 0.5 * float(np.einsum("ij,ij->", V, K @ V))

    f = objective(V)
    # a scale for the relative test that is never zero: the objective of a
    # normalised K is at most sum |K| / 2 in magnitude
    floor = 1e-9 * max(1.0, 0.5 * float(np.abs(K.data).sum()))
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        for rows, Kc in blocks:
            G = Kc @ V
            gn = np.linalg.norm(G, axis=1)
            ok = gn > 1e-300
            if not ok.all():
                rows, G, gn = rows[ok], G[ok], gn[ok]
            V[rows] = -G / gn[:, None]
        f_new = objective(V)
        if f - f_new <= tol * max(abs(f_new), floor):
            f = f_new
            converged = True
            break
        f = f_new
    return LowRankResult(V, f * scale, it, converged)


STRUCTURED_RANK_CAP = 16
"""Default factor width of structured models.  Measured on MDKP 500 x 30 and
2,000 x 10 (seeds 0-1, unpolished): the same objectives as width 32 (two
better, two worse, within 0.1%) in half the time."""

FTOL = 1e-2
"""L-BFGS stops when a step improves the objective by less than ``FTOL * tol``
relative.  Measured on the study's MDKP problems (10 problems, seeds 0-1,
repaired, unpolished): ``tol`` itself (1e-6) stops early and the median ratio
falls to 0.90, 1e-7 gives 0.96, 1e-8 (this) 0.997."""

MAXCOR = 5
"""Corrections L-BFGS keeps (5 and 20 give the same medians; 5 is twice as fast)."""

WARM_BUDGET = 300_000
"""Work budget of a warm-started structured solve, in variable-iterations: a
solve over ``N`` variables started from the previous factor makes at most
``max(WARM_MIN_ITER, WARM_BUDGET / N)`` L-BFGS iterations.

One L-BFGS iteration costs ``O(N k)`` (about 90 ms at ``N = 60,000``,
``k = 16``), and a warm start after a tenth of the variables merged can
creep along a plateau for hundreds of them: on one knapsack row over
60,000 binaries the third solve took 232 iterations (16 s), and its last
182 improved the objective by about 0.05%.  The budget bounds what one
recomputation may cost at scale.  It never binds below ``WARM_BUDGET /
max_iter``, 100 variables at the default ``max_iter`` of 3,000, and leaves
750 iterations at 400 variables, the hard study's largest models (QAP
n = 20): its constrained suite gives equal answers on all 864 runs with the
budget at 10^6 and at 3 x 10^5 variable-iterations.  Measured with
``benchmarks/warm_budget.py`` (``docs/results/warm_budget.md``): the same
or better answers, polished, on MDKP, knapsack, QAP and integer models of
500 to 60,000 variables; ``warm_budget=None`` on :class:`LowRankSDP`
switches it off."""

WARM_MIN_ITER = 30
"""The fewest iterations a warm-started structured solve may make."""


def warm_iterations(num_nodes: int, max_iter: int, budget: float | None) -> int:
    """Iteration limit of a warm-started structured solve (see ``WARM_BUDGET``).

    >>> [warm_iterations(n, 3000, WARM_BUDGET) for n in (100, 400, 5_000, 60_001)]
    [3000, 750, 60, 30]
    >>> warm_iterations(60_001, 3000, None)
    3000
    """
    if budget is None:
        return int(max_iter)
    return int(min(max_iter, max(WARM_MIN_ITER, math.ceil(budget / max(num_nodes, 1)))))


def _one_blas_thread():
    """A context that limits BLAS to one thread (:mod:`threadpoolctl`)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="blas")


def _solve_structured(K, V, tol, max_iter, rng) -> LowRankResult:
    r"""The Burer--Monteiro problem on ``K = S + R^T W R - diag`` (a
    :class:`~dimod_shrink.structured.StructuredCouplings`), never forming ``K``.

    The mixing method updates one row at a time (or a colour class of rows
    that share no coupling).  Every two variables of one constraint row are
    coupled, so a knapsack row over ``n`` variables leaves classes of one
    row each, and ``n`` sequential updates per sweep.  Here all rows move at
    once instead: with ``v_a = u_a / ||u_a||``,

    .. math::

        f(U) = 	frac12 \operatorname{tr}(V^T K V), \qquad
        
abla_{u_a} f = (I - v_a v_a^T)\, g_a / \|u_a\|, \quad g = K V,

    minimised by L-BFGS (:func:`scipy.optimize.minimize`), each evaluation a
    product ``K V = S V + R^T (W (R V)) - d V`` in ``O((nnz(S) + nnz(R)) k)``.
    The stationary points are those of the mixing method (the Riemannian
    gradient vanishes), and for the factor width used here the problem has
    no spurious local minima for almost all ``K`` (Boumal, Voroninski &
    Bandeira 2016), so both reach the same relaxation.

    References:
        S. Burer, R. D. C. Monteiro, "A nonlinear programming algorithm for
        solving semidefinite programs via low-rank factorization",
        Math. Program. 95 (2003).

        D. C. Liu, J. Nocedal, "On the limited memory BFGS method for large
        scale optimization", Math. Program. 45 (1989).
    """
    from scipy.optimize import minimize
    N, k = V.shape
    scale = K.max_abs()
    if N == 0 or scale == 0.0:
        return LowRankResult(V, 0.0, 0, True)
    if not np.isfinite(scale):
        raise ValueError("the coupling matrix has non-finite entries; the low-rank SDP "
                         "needs finite biases")
    S = K.sparse.copy()
    S.data /= scale
    w = K.weights / scale
    d = K.diag / scale
    R = K.rows
    RT = sparse.csr_array(R.T)

    # the same arithmetic as ``Vn = U / ||U||; G = S Vn + R^T (w R Vn) - d Vn;
    # grad = (G - radial Vn) / ||U||``, in place and in two reused buffers (an
    # N x k temporary is 7.7 MB at N = 60,000, k = 16, and a fresh one page-faults)
    Vn = np.empty((N, k))
    tmp = np.empty((N, k))
    wcol = w[:, None]
    dcol = d[:, None]

    def fg(u):
        U = u.reshape(N, k)
        np.multiply(U, U, out=tmp)
        nrm = np.sqrt(np.add.reduce(tmp, axis=1))  # np.linalg.norm(U, axis=1)
        nrm[nrm == 0] = 1.0
        ncol = nrm[:, None]
        np.divide(U, ncol, out=Vn)
        G = S @ Vn
        RV = R @ Vn
        RV *= wcol
        G += RT @ RV
        np.multiply(dcol, Vn, out=tmp)
        G -= tmp
        f = 0.5 * float(np.einsum("ij,ij->", Vn, G))
        radial = np.einsum("ij,ij->i", G, Vn)
        np.multiply(radial[:, None], Vn, out=tmp)
        G -= tmp
        G /= ncol
        return f, G.ravel()

    # L-BFGS-B's small dense steps run far slower on several BLAS threads than on
    # one (measured 20x on a loaded 2-core machine)
    with _one_blas_thread():
        res = minimize(fg, V.ravel(), jac=True, method="L-BFGS-B",
                       options={"maxiter": int(max_iter), "ftol": tol * FTOL, "gtol": 1e-9,
                                "maxcor": MAXCOR})
    U = res.x.reshape(N, k)
    nrm = np.linalg.norm(U, axis=1)
    nrm[nrm == 0] = 1.0
    Vn = U / nrm[:, None]
    return LowRankResult(Vn, float(res.fun) * scale, int(res.nit), bool(res.success))


@dataclass
class LowRankSDP:
    """Correlation estimator: the GW SDP solved by the low-rank mixing method.

    This is the default estimator (``correlation="lowrank"``).  The
    correlation of two spins is the Gram entry ``X_ab = v_a . v_b``.

    Args:
        rank: Factor width; default ``ceil(sqrt(2 N)) + 1``, capped at
            ``rank_cap``.
        tol: Relative per-sweep improvement at which to stop.
        max_iter: Maximum number of sweeps.
        rank_cap: Upper bound on the default rank (``None``: no cap).  The
            default 32 keeps a solve ``O(E)`` per sweep at any size; only the
            *ranking* of pairs is used, and the measurement in
            ``docs/scale.md`` shows no loss of quality against the full rank.
        warm_budget: Iteration budget of warm-started solves of structured
            models (``WARM_BUDGET``); ``None``: only ``max_iter``.

    Examples:
        >>> import numpy as np
        >>> K = np.array([[0., -1., 0.], [-1., 0., 0.], [0., 0., 0.]])
        >>> C = LowRankSDP()(K, np.random.default_rng(0))
        >>> round(float(C[0, 1]), 6)
        1.0
    """

    rank: int | None = None
    tol: float = 1e-6
    max_iter: int = 3000
    rank_cap: int | None = 32
    warm_budget: float | None = WARM_BUDGET
    name: str = field(default="lowrank", init=False)
    structured: bool = field(default=True, init=False)
    """Takes a :class:`~dimod_shrink.structured.StructuredCouplings` as it is."""

    def solve(self, K, rng, init=None) -> LowRankResult:
        return solve_lowrank_sdp(K, rank=self.rank, tol=self.tol, max_iter=self.max_iter,
                                 seed=rng, init=init, rank_cap=self.rank_cap,
                                 warm_budget=self.warm_budget)

    def factor(self, K, rng, init=None) -> np.ndarray:
        """Only the factor (unit rows): what the sparse candidate path needs.

        No ``N x N`` matrix is formed; correlations of chosen pairs are row
        dot products.
        """
        return self.solve(K, rng, init=init).factor

    def correlate(self, K, rng, init=None) -> tuple[np.ndarray, np.ndarray]:
        """Correlations and the factor, optionally warm-started from ``init``.

        The shrink loop passes the previous factor restricted to the surviving
        variables: after one merge it is already close to optimal, so the
        solve takes a few sweeps instead of a cold start's tens to hundreds.
        """
        res = self.solve(K, rng, init=init)
        C = res.gram
        np.clip(C, -1.0, 1.0, out=C)
        return C, res.factor

    def __call__(self, K, rng) -> np.ndarray:
        return self.correlate(K, rng)[0]
