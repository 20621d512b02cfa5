"""QAOA and CVaR-VQE on qiskit-aer as a :class:`dimod.Sampler`.

Needs the ``quantum`` extra: ``pip install "dimod-shrink[quantum]"``
(qiskit-optimization and qiskit-aer).

Conventions.  Qubit ``k`` carries the ``k``-th variable of the model (in
``bqm.variables`` order) and measuring ``1`` means ``x_k = 1`` (``s_k = +1``).
Since ``Z|1> = -|1>``, the spin is ``s_k = -z_k`` and the cost operator is

.. math::

    H = c - \\sum_k h_k Z_k + \\sum_{k<l} J_{kl} Z_k Z_l .

qiskit writes bitstrings little-endian (qubit 0 is the rightmost character);
:func:`bitstrings_to_samples` undoes that, and the tests check the result
against :class:`dimod.ExactSolver`.  The optimiser sees ``H`` divided by its
largest coefficient, so the same angles suit models of any scale; energies
are always reported on the given model.

References:
    E. Farhi, J. Goldstone, S. Gutmann, "A quantum approximate optimization
    algorithm", arXiv:1411.4028 (2014).

    P. Kl. Barkoutsos et al., "Improving variational quantum optimization
    using CVaR", Quantum 4, 256 (2020).

    L. Zhou et al., "Quantum approximate optimization algorithm: performance,
    mechanism, and implementation on near-term devices", PRX 10 (2020) -- the
    linear-ramp (annealing-like) initial point.
"""

from __future__ import annotations

import math
import time

import dimod
import numpy as np

from ..ising import validate_bqm

__all__ = ["QAOASampler", "ising_operator", "bitstrings_to_samples", "OPTIMIZERS",
           "ANSATZES", "estimate_cost"]

OPTIMIZERS = ("COBYLA", "SPSA", "NELDER_MEAD")
ANSATZES = ("qaoa", "ry_rz")
_HINT = 'QAOASampler needs qiskit: pip install "dimod-shrink[quantum]"'


def _qiskit():
    try:
        import qiskit  # noqa: F401
        import qiskit_aer  # noqa: F401
        import qiskit_optimization  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_HINT) from exc


def estimate_cost(num_qubits: int) -> tuple[float, float]:
    """Rough ``(memory_GiB, seconds_per_solve)`` of an Aer statevector QAOA solve.

    Memory: one complex128 statevector, ``16 * 2^n`` bytes.  Time: extrapolated
    from measurements on a 2-core machine (about 5 s at 18 qubits and 50 s at
    22 with the default settings), i.e. a factor ``10^(1/4)`` per qubit.
    """
    mem = 16 * 2.0 ** num_qubits / 2 ** 30
    secs = 5.0 * 10 ** ((num_qubits - 18) / 4)
    return mem, secs


def ising_operator(bqm: dimod.BinaryQuadraticModel, order=None):
    """The cost operator of ``bqm`` as a :class:`qiskit.quantum_info.SparsePauliOp`.

    Returns:
        ``(operator, order, offset)``: the operator without the constant, the
        variable of each qubit, and the spin-form constant.
    """
    from qiskit.quantum_info import SparsePauliOp
    order = list(bqm.variables) if order is None else list(order)
    spin = bqm.spin
    pos = {v: k for k, v in enumerate(order)}
    terms = []
    for v, h in spin.iter_linear():
        if h:
            terms.append(("Z", [pos[v]], -float(h)))
    for u, v, J in spin.iter_quadratic():
        if J:
            terms.append(("ZZ", [pos[u], pos[v]], float(J)))
    n = len(order)
    if not terms:
        terms = [("I", [0], 0.0)] if n else []
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n).simplify()
    return op, order, float(spin.offset)


def bitstrings_to_samples(bitstrings, num_qubits: int) -> np.ndarray:
    """qiskit bitstrings (little-endian) to a BINARY sample array (qubit order)."""
    rows = np.array([[c == "1" for c in b[::-1]] for b in bitstrings], dtype=np.int8)
    return rows.reshape(len(bitstrings), num_qubits)


class QAOASampler(dimod.Sampler):
    """Sample a BQM with QAOA (or CVaR-VQE) simulated on qiskit-aer.

    The variational parameters are optimised with qiskit-optimization's
    :class:`~qiskit_optimization.minimum_eigensolvers.QAOA` (or
    :class:`~qiskit_optimization.minimum_eigensolvers.SamplingVQE` for the
    ``ry_rz`` ansatz) on Aer's :class:`~qiskit_aer.primitives.SamplerV2`, with
    a preset pass manager.  The returned samples are the bitstrings of the
    final, optimised distribution, with their counts as ``num_occurrences``.

    Args:
        max_qubits: Models with more variables are refused (default 24).
        max_parallel_threads: Default thread count passed to Aer (0 = all).

    The sampling parameters are described in :meth:`sample`.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': -1, 'b': 1}, {'ab': -0.5}, 0, 'BINARY')
        >>> ss = QAOASampler().sample(bqm, reps=2, seed=1, max_parallel_threads=1)
        >>> {v: int(x) for v, x in ss.first.sample.items()}
        {'a': 1, 'b': 0}
    """

    def __init__(self, *, max_qubits: int = 24, max_parallel_threads: int = 1):
        _qiskit()
        self.max_qubits = int(max_qubits)
        self.max_parallel_threads = int(max_parallel_threads)

    @property
    def parameters(self) -> dict:
        return {"reps": [], "shots": [], "maxiter": [], "optimizer": [], "initial_point": [],
                "ansatz": [], "cvar_alpha": [], "seed": [], "max_parallel_threads": []}

    @property
    def properties(self) -> dict:
        return {"max_qubits": self.max_qubits, "optimizers": OPTIMIZERS, "ansatzes": ANSATZES,
                "simulator": "qiskit-aer SamplerV2 (statevector sampling)"}

    # -- helpers -----------------------------------------------------------------
    def _guard(self, n):
        if n > self.max_qubits:
            mem, secs = estimate_cost(n)
            raise ValueError(
                f"the model has {n} variables but QAOASampler simulates at most "
                f"{self.max_qubits} qubits (a {n}-qubit statevector needs {mem:.3g} GiB and "
                f"a solve about {secs:.3g} s here). Shrink it first: "
                f"ShrinkingComposite(QAOASampler()).sample(bqm, num_variables=16), "
                f"or raise max_qubits.")

    @staticmethod
    def _optimizer(name, maxiter, num_params, seed):
        from qiskit_optimization import optimizers
        key = str(name).upper().replace("-", "_")
        if key == "COBYLA":  # COBYLA needs at least num_params + 2 evaluations
            return optimizers.COBYLA(maxiter=max(maxiter, num_params + 2))
        if key == "NELDER_MEAD":
            return optimizers.NELDER_MEAD(maxiter=maxiter)
        if key == "SPSA":
            from qiskit_optimization.utils import algorithm_globals
            if seed is not None:
                algorithm_globals.random_seed = seed
            return optimizers.SPSA(maxiter=maxiter)
        raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")

    @staticmethod
    def _initial_point(strategy, reps, num_params, rng, ansatz):
        if not isinstance(strategy, str):
            point = np.asarray(strategy, dtype=float).ravel()
            if point.size != num_params:
                raise ValueError(f"initial_point has {point.size} values; the {ansatz} ansatz "
                                 f"with reps={reps} has {num_params} parameters")
            return point
        if ansatz == "ry_rz" or strategy == "random":
            return rng.uniform(0, 2 * np.pi, num_params)
        k = (np.arange(reps) + 0.5) / reps
        if strategy == "ramp":
            beta, gamma = 0.75 * (1 - k), 0.75 * k
        elif strategy == "fixed":
            beta, gamma = np.full(reps, 0.3), np.full(reps, 0.4)
        else:
            raise ValueError(f"unknown initial_point {strategy!r}; use 'ramp', 'fixed', "
                             "'random' or an array of angles")
        return np.concatenate([beta, gamma])  # qiskit orders the parameters beta, then gamma

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, reps: int = 1, shots: int = 1024,
               maxiter: int = 100, optimizer: str = "COBYLA", initial_point="ramp",
               ansatz: str = "qaoa", cvar_alpha: float | None = None, seed=None,
               max_parallel_threads: int | None = None) -> dimod.SampleSet:
        """Run QAOA / CVaR-VQE on ``bqm`` and return the final distribution's samples.

        Args:
            bqm: The model (at most ``max_qubits`` variables).
            reps: QAOA layers ``p`` (or ansatz layers for ``ry_rz``); default 1.
            shots: Shots per circuit evaluation and for the final distribution.
            maxiter: Optimiser iterations (COBYLA gets at least ``#parameters + 2``).
            optimizer: ``"COBYLA"`` (default), ``"SPSA"`` or ``"NELDER_MEAD"``.
            initial_point: ``"ramp"`` (default): a linear ramp,
                ``gamma_k = 0.75 (k + 1/2) / p`` and
                ``beta_k = 0.75 (1 - (k + 1/2) / p)`` on the normalised operator;
                ``"fixed"``: ``gamma = 0.4, beta = 0.3`` in every layer;
                ``"random"``: seeded uniform angles; or an array.  ``ry_rz``
                starts from seeded uniform angles unless given an array.
            ansatz: ``"qaoa"`` or ``"ry_rz"`` (hardware-efficient RY/RZ layers
                with a linear CNOT chain).
            cvar_alpha: CVaR aggregation ``0 < alpha <= 1`` (1 = expectation).
                Default 1 for ``qaoa`` and 0.25 for ``ry_rz``.
            seed: Seeds the simulator, the transpiler, the initial point and SPSA.
            max_parallel_threads: Aer threads for this call.

        Returns:
            :class:`dimod.SampleSet` of the final distribution's bitstrings, with
            ``num_occurrences`` and energies on ``bqm``; ``info`` holds
            ``optimal_parameters``, ``evaluations``, ``expectation`` and ``timing``.
        """
        t0 = time.perf_counter()
        validate_bqm(bqm)
        n = bqm.num_variables
        self._guard(n)
        if ansatz not in ANSATZES:
            raise ValueError(f"unknown ansatz {ansatz!r}; choose one of {ANSATZES}")
        for name, val in (("reps", reps), ("shots", shots), ("maxiter", maxiter)):
            if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
                raise ValueError(f"{name} must be a positive int, got {val!r}")
        if cvar_alpha is None:
            cvar_alpha = 0.25 if ansatz == "ry_rz" else 1.0
        if not 0 < float(cvar_alpha) <= 1:
            raise ValueError(f"cvar_alpha must be in (0, 1], got {cvar_alpha}")
        threads = self.max_parallel_threads if max_parallel_threads is None \
            else int(max_parallel_threads)
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), bqm,
                                                  num_occurrences=[shots])
            ss.info.update({"optimal_parameters": [], "evaluations": 0,
                            "expectation": float(bqm.offset),
                            "timing": {"optimize": 0.0, "total": time.perf_counter() - t0}})
            return ss

        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2
        from qiskit_optimization.minimum_eigensolvers import QAOA, SamplingVQE

        op, order, offset = ising_operator(bqm)
        scale = float(np.max(np.abs(op.coeffs))) or 1.0
        op_n = op / scale
        rng = np.random.default_rng(seed)
        sim_seed = None if seed is None else int(rng.integers(2 ** 31))
        backend_options = {"max_parallel_threads": threads}
        sampler = SamplerV2(default_shots=shots, seed=sim_seed,
                            options={"backend_options": backend_options})
        pm = generate_preset_pass_manager(
            optimization_level=1, backend=AerSimulator(**backend_options),
            seed_transpiler=sim_seed)
        if ansatz == "qaoa":
            num_params = 2 * reps
            point = self._initial_point(initial_point, reps, num_params, rng, ansatz)
            opt = self._optimizer(optimizer, maxiter, num_params, sim_seed)
            solver = QAOA(sampler, opt, reps=reps, initial_point=point,
                          aggregation=float(cvar_alpha), pass_manager=pm)
        else:
            from qiskit.circuit.library import n_local
            circ = n_local(n, ["ry", "rz"], "cx", entanglement="linear", reps=reps)
            circ.measure_all()
            circ.remove_final_measurements()
            num_params = circ.num_parameters
            point = self._initial_point(initial_point, reps, num_params, rng, ansatz)
            opt = self._optimizer(optimizer, maxiter, num_params, sim_seed)
            solver = SamplingVQE(sampler, circ, opt, initial_point=point,
                                 aggregation=float(cvar_alpha), pass_manager=pm)
        to = time.perf_counter()
        result = solver.compute_minimum_eigenvalue(op_n)
        t_opt = time.perf_counter() - to
        dist = result.eigenstate  # final distribution: {bitstring or int: probability}
        keys = list(dist.keys())
        probs = np.array([dist[k] for k in keys], dtype=float)
        bits = [k if isinstance(k, str) else format(k, f"0{n}b") for k in keys]
        counts = np.rint(probs * shots).astype(int)
        keep = counts > 0
        samples = bitstrings_to_samples([b for b, kp in zip(bits, keep) if kp], n)
        if bqm.vartype is dimod.SPIN:
            samples = 2 * samples - 1
        ss = dimod.SampleSet.from_samples_bqm((samples, order), bqm,
                                              num_occurrences=counts[keep])
        ss = dimod.SampleSet(ss.record[np.argsort(ss.record.energy, kind="stable")],
                             ss.variables, {}, ss.vartype)
        ss.info.update({
            "optimal_parameters": np.asarray(result.optimal_point).tolist(),
            "evaluations": int(result.cost_function_evals),
            "expectation": float(np.real(result.eigenvalue)) * scale + offset,
            "ansatz": ansatz, "reps": reps, "cvar_alpha": float(cvar_alpha),
            "num_qubits": n,
            "timing": {"optimize": t_opt, "total": time.perf_counter() - t0},
        })
        return ss
