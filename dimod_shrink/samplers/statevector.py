"""Exact statevector QAOA for diagonal cost operators (numpy).

The cost operator of a BQM is diagonal in the computational basis, so a QAOA
state is simulated with one vector of ``2^n`` amplitudes: the cost layer is an
element-wise phase ``exp(-i gamma E)`` and the mixer ``exp(-i beta sum_k X_k)``
is applied qubit by qubit.  Gradients of any objective linear in the
probabilities (the expectation, or CVaR for a fixed tail) are computed with
one backward sweep (the adjoint method), at about three times the cost of one
forward simulation, whatever the depth.

Conventions: bit ``k`` of a basis-state index is qubit ``k``, which carries the
``k``-th variable; bit value 1 means ``x_k = 1`` (``s_k = +1``).  The
parameter vector is ``[beta_1 .. beta_p, gamma_1 .. gamma_p]`` (qiskit's order).

References:
    E. Farhi, J. Goldstone, S. Gutmann, arXiv:1411.4028 (2014).

    L. Zhou, S.-T. Wang, S. Choi, H. Pichler, M. D. Lukin, "Quantum
    approximate optimization algorithm: performance, mechanism, and
    implementation on near-term devices", Phys. Rev. X 10, 021067 (2020) --
    the INTERP initialisation.

    P. Kl. Barkoutsos, G. Nannicini, A. Robert, I. Tavernelli, S. Woerner,
    "Improving variational quantum optimization using CVaR", Quantum 4, 256
    (2020).
"""

from __future__ import annotations

from functools import reduce

import dimod
import numpy as np

__all__ = ["diagonal_energies", "DiagonalQAOA", "interp"]

_GROUP = 4  # qubits per mixer matrix product


def diagonal_energies(bqm: dimod.BinaryQuadraticModel, order=None) -> np.ndarray:
    """Energies of all ``2^n`` states of ``bqm``, bit ``k`` of the index = ``order[k]``.

    Built by doubling (``O(2^n)`` work per variable, no ``2^n x n`` matrix).

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1, 'b': -2}, {'ab': 3}, 0.5, 'BINARY')
        >>> diagonal_energies(bqm, ['a', 'b']).tolist()  # states ab = 00, 10, 01, 11
        [0.5, 1.5, -1.5, 2.5]
    """
    order = list(bqm.variables) if order is None else list(order)
    b = bqm.binary if bqm.vartype is dimod.SPIN else bqm
    E = np.array([float(b.offset)])
    for k, v in enumerate(order):
        # the change when x_v = 1, for every assignment of the earlier variables
        add = np.array([float(b.get_linear(v))])
        for j in range(k):
            u = order[j]
            J = float(b.get_quadratic(u, v, default=0.0))
            add = np.concatenate([add, add + J])
        E = np.concatenate([E, E + add])
    return E


def interp(params: np.ndarray) -> np.ndarray:
    """INTERP: depth-``p`` angles ``[beta, gamma]`` to a depth-``p + 1`` start (Zhou et al.)."""
    params = np.asarray(params, dtype=float)
    p = params.size // 2
    out = []
    for x in (params[:p], params[p:]):
        ext = np.concatenate([[0.0], x, [0.0]])
        i = np.arange(1, p + 2)
        out.append((i - 1) / p * ext[i - 1] + (p - i + 1) / p * ext[i])
    return np.concatenate(out)


class DiagonalQAOA:
    """QAOA on the diagonal cost ``cost`` (length ``2^n``), exact probabilities.

    Args:
        cost: The (scaled) energy of every basis state.
        cvar_alpha: The objective is the CVaR of the energy at level ``alpha``
            (the mean of the lowest ``alpha`` fraction of the distribution);
            ``1`` is the expectation.
        dtype: Amplitude type; ``complex64`` (default) halves the memory
            traffic and is accurate to about ``1e-6`` in the probabilities.
        warm_start: Optional values ``c_k`` in ``[0, 1]`` per qubit: start from
            the product state ``sqrt(1 - c_k)|0> + sqrt(c_k)|1>`` and mix with
            ``exp(-i beta sum_k (cos t_k Z_k + sin t_k X_k))``,
            ``t_k = 2 arcsin(sqrt(c_k))``, of which it is an eigenstate
            (warm-start QAOA, Egger, Marecek & Woerner, Quantum 5, 479
            (2021)); ``c_k = 1/2`` is the standard start and mixer.

    Examples:
        >>> import numpy as np
        >>> q = DiagonalQAOA(np.array([0.0, 1.0, 1.0, 2.0]))  # two independent bits
        >>> p = q.probabilities([-0.3, 0.6])  # gamma > 0, beta < 0: towards low cost
        >>> bool(p[0] > 0.25 > p[3])
        True
    """

    def __init__(self, cost: np.ndarray, cvar_alpha: float = 1.0, dtype=np.complex64,
                 warm_start=None):
        self.dtype = np.dtype(dtype)
        self.cost64 = np.asarray(cost, dtype=float)
        self.cost = self.cost64.astype(self.dtype.type(0).real.dtype)
        self.n = int(np.log2(self.cost.size))
        if 2 ** self.n != self.cost.size:
            raise ValueError("the cost vector must have 2^n entries")
        self.alpha = float(cvar_alpha)
        self.order = np.argsort(self.cost64, kind="stable")
        self.sorted_cost = self.cost64[self.order]
        self.evaluations = 0
        if warm_start is None:
            self.theta = None
        else:
            c = np.asarray(warm_start, dtype=float)
            if c.shape != (self.n,) or not ((c >= 0) & (c <= 1)).all():
                raise ValueError(f"warm_start needs {self.n} values in [0, 1]")
            self.theta = 2 * np.arcsin(np.sqrt(c))
        gens = self._qubit_generators()
        self._gen_mats = [A.T.astype(self.cost.dtype) for A in self._group_sums(gens)]

    # -- simulation ------------------------------------------------------------------
    def _phase(self, psi, gamma):
        x = self.cost * self.cost.dtype.type(gamma)
        ph = np.empty_like(psi)
        np.cos(x, out=ph.real)
        np.sin(x, out=ph.imag)
        np.conjugate(ph, out=ph)
        psi *= ph

    def _groups(self):
        """Qubit groups ``(first, size)``: qubits ``first .. first + size - 1``."""
        k, out = 0, []
        while k < self.n:
            out.append((k, min(_GROUP, self.n - k)))
            k += out[-1][1]
        return out

    def _qubit_generators(self):
        """The mixer's one-qubit generator of each qubit (``X`` without a warm start)."""
        x = np.array([[0.0, 1.0], [1.0, 0.0]])
        if self.theta is None:
            return [x] * self.n
        z = np.diag([1.0, -1.0])
        return [np.cos(t) * z + np.sin(t) * x for t in self.theta]

    def _group_sums(self, gens):
        """``sum_k G_k`` on each group, as ``2^g x 2^g`` matrices (highest qubit first)."""
        out = []
        for k, g in self._groups():
            qubits = range(k + g - 1, k - 1, -1)
            out.append(sum(reduce(np.kron, [gens[q] if q == r else np.eye(2) for q in qubits])
                           for r in qubits))
        return out

    def _apply(self, psi, mats):
        """Apply one matrix per qubit group: the lowest group's qubits are the last
        axis of ``psi.reshape(-1, 2^g)``; a transpose then rotates the qubits by ``g``,
        so after all groups the order is restored."""
        out = psi
        for (_, g), mat in zip(self._groups(), mats):
            out = (out.reshape(-1, 1 << g) @ mat).T.reshape(-1)
        return out

    def _mix(self, psi, beta):
        """``exp(-i beta sum_k G_k) psi`` in place (a product of one-qubit rotations)."""
        c, s = np.cos(beta), -1j * np.sin(beta)
        gens = self._qubit_generators()
        mats = []
        for k, g in self._groups():
            ones = [c * np.eye(2) + s * gens[q] for q in range(k + g - 1, k - 1, -1)]
            mats.append(reduce(np.kron, ones).T.astype(self.dtype))
        psi[:] = self._apply(psi, mats)

    def _mixer_generator(self, psi):
        """``sum_k G_k psi`` (a new array)."""
        out = np.zeros_like(psi)
        cur = psi
        for (_, g), A in zip(self._groups(), self._gen_mats):
            out = (out.reshape(-1, 1 << g) + cur.reshape(-1, 1 << g) @ A).T.reshape(-1)
            cur = cur.reshape(-1, 1 << g).T.reshape(-1)
        return out

    def initial_state(self) -> np.ndarray:
        """``|+>^n``, or the warm-start product state."""
        if self.theta is None:
            return np.full(self.cost.size, 2.0 ** (-self.n / 2), dtype=self.dtype)
        psi = np.ones(1)
        for t in self.theta:  # qubit k is bit k: each later qubit is a higher bit
            psi = np.concatenate([np.cos(t / 2) * psi, np.sin(t / 2) * psi])
        return psi.astype(self.dtype)

    def state(self, params) -> np.ndarray:
        """The QAOA state for ``params = [beta_1 .. beta_p, gamma_1 .. gamma_p]``."""
        params = np.asarray(params, dtype=float)
        p = params.size // 2
        psi = self.initial_state()
        for beta, gamma in zip(params[:p], params[p:]):
            self._phase(psi, gamma)
            self._mix(psi, beta)
        return psi

    def probabilities(self, params) -> np.ndarray:
        """The measurement probabilities (float64, summing to 1)."""
        p = np.abs(self.state(params)).astype(float) ** 2
        return p / p.sum()

    # -- objective -------------------------------------------------------------------
    def _objective_weights(self, prob):
        """``(value, w)``: the objective and its gradient with respect to the probabilities."""
        if self.alpha >= 1.0:
            return float(prob @ self.cost64), self.cost
        ps = prob[self.order]
        cum = np.cumsum(ps)
        b = int(min(np.searchsorted(cum, self.alpha), ps.size - 1))
        below = cum[b - 1] if b else 0.0
        eb = self.sorted_cost[b]
        head = self.sorted_cost[:b]
        value = (ps[:b] @ head + (self.alpha - below) * eb) / self.alpha
        w = np.zeros(self.cost.size, dtype=self.cost.dtype)
        w[self.order[:b]] = (head - eb) / self.alpha
        return float(value), w

    def value(self, params) -> float:
        """The objective (expectation or CVaR of the cost) at ``params``."""
        self.evaluations += 1
        return self._objective_weights(np.abs(self.state(params)).astype(float) ** 2)[0]

    def value_and_grad(self, params):
        """The objective and its exact gradient (adjoint method)."""
        self.evaluations += 1
        params = np.asarray(params, dtype=float)
        p = params.size // 2
        psi = self.state(params)
        value, w = self._objective_weights(np.abs(psi).astype(float) ** 2)
        lam = w.astype(self.cost.dtype) * psi
        grad = np.zeros_like(params)
        for layer in range(p - 1, -1, -1):
            beta, gamma = params[layer], params[p + layer]
            grad[layer] = 2 * float(np.vdot(lam, self._mixer_generator(psi)).imag)
            self._mix(psi, -beta)
            self._mix(lam, -beta)
            grad[p + layer] = 2 * float(np.vdot(lam, self.cost * psi).imag)
            self._phase(psi, -gamma)
            self._phase(lam, -gamma)
        return value, grad
