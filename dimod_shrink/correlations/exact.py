"""The Goemans--Williamson SDP solved exactly with cvxpy (the reference method).

This is the estimator of the published graph-shrinking method.  It needs the
``sdp`` extra (``pip install "dimod-shrink[sdp]"``) and is kept as a baseline:
an interior-point or splitting solver costs ``O(N^3)`` per iteration and more
memory, so :class:`~dimod_shrink.correlations.lowrank.LowRankSDP` is the
default.  ``benchmarks/correlations.py`` compares the two.

References:
    M. X. Goemans, D. P. Williamson, J. ACM 42 (1995).

    S. Diamond, S. Boyd, "CVXPY: A Python-embedded modeling language for
    convex optimization", JMLR 17 (2016).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

__all__ = ["ExactSDP", "solve_exact_sdp"]

_INSTALL_HINT = ('the "sdp" correlation needs cvxpy: pip install "dimod-shrink[sdp]" '
                 '(or use the default correlation="lowrank", which solves the same SDP)')


def _cvxpy():
    try:
        import cvxpy as cp
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching
        raise ImportError(_INSTALL_HINT) from exc
    return cp


def solve_exact_sdp(K, *, solver: str = "SCS", eps: float = 1e-6, verbose: bool = False):
    """Solve ``min tr(K X)/2, diag X = 1, X PSD`` with cvxpy.

    Returns:
        ``(X, objective)``.
    """
    cp = _cvxpy()
    K = sparse.csr_array(K, dtype=float)
    N = K.shape[0]
    if N == 0:
        return np.zeros((0, 0)), 0.0
    X = cp.Variable((N, N), PSD=True)
    objective = 0.5 * cp.sum(cp.multiply(K.toarray(), X))
    prob = cp.Problem(cp.Minimize(objective), [cp.diag(X) == 1])
    kwargs = {}
    if solver.upper() == "SCS":
        kwargs = {"eps": eps}
    prob.solve(solver=solver.upper(), verbose=verbose, **kwargs)
    if X.value is None:
        raise RuntimeError(f"cvxpy solver {solver} failed: status {prob.status}")
    Xv = np.asarray(X.value)
    Xv = 0.5 * (Xv + Xv.T)
    return Xv, float(prob.value)


@dataclass
class ExactSDP:
    """Correlation estimator: the GW SDP solved exactly with cvxpy.

    Args:
        solver: ``"SCS"`` (default) or ``"CLARABEL"``.
        eps: Solver tolerance (SCS only).
    """

    solver: str = "SCS"
    eps: float = 1e-6
    name: str = field(default="sdp", init=False)

    def __post_init__(self):
        if self.solver.upper() not in ("SCS", "CLARABEL"):
            raise ValueError(f"unknown SDP solver {self.solver!r}; use 'SCS' or 'CLARABEL'")
        _cvxpy()

    def __call__(self, K, rng) -> np.ndarray:
        X, _ = solve_exact_sdp(K, solver=self.solver, eps=self.eps)
        d = np.sqrt(np.clip(np.diag(X), 1e-12, None))
        C = X / np.outer(d, d)
        np.clip(C, -1.0, 1.0, out=C)
        return C
