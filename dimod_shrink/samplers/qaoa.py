"""QAOA and CVaR-VQE as a :class:`dimod.Sampler`.

Needs the ``quantum`` extra: ``pip install "dimod-shrink[quantum]"``
(qiskit-optimization and qiskit-aer).

Two simulators.  The default, ``backend="statevector"``, simulates QAOA
exactly with numpy (:class:`~dimod_shrink.samplers.statevector.DiagonalQAOA`):
a BQM's cost operator is diagonal, so one vector of ``2^n`` amplitudes, a
phase per basis state and a per-qubit mixer are the whole circuit, and the
angles are trained on exact expectations with exact (adjoint) gradients.
``backend="aer"`` builds the circuits with qiskit-optimization's
:class:`~qiskit_optimization.minimum_eigensolvers.QAOA` /
:class:`~qiskit_optimization.minimum_eigensolvers.SamplingVQE` and runs them
on qiskit-aer's :class:`~qiskit_aer.primitives.SamplerV2` with shot noise in
every evaluation, as on hardware; the ``ry_rz`` (CVaR-VQE) ansatz runs there.
Both return ``shots`` measurements of the final, optimised state.

Conventions.  Qubit ``k`` carries the ``k``-th variable of the model (in
``bqm.variables`` order) and measuring ``1`` means ``x_k = 1`` (``s_k = +1``).
Since ``Z|1> = -|1>``, the spin is ``s_k = -z_k`` and the cost operator is

.. math::

    H = c - \\sum_k h_k Z_k + \\sum_{k<l} J_{kl} Z_k Z_l .

qiskit writes bitstrings little-endian (qubit 0 is the rightmost character);
:func:`bitstrings_to_samples` undoes that.  Energies are always reported on
the given model.

References:
    E. Farhi, J. Goldstone, S. Gutmann, "A quantum approximate optimization
    algorithm", arXiv:1411.4028 (2014).

    P. Kl. Barkoutsos et al., "Improving variational quantum optimization
    using CVaR", Quantum 4, 256 (2020).

    L. Zhou et al., "Quantum approximate optimization algorithm: performance,
    mechanism, and implementation on near-term devices", PRX 10, 021067
    (2020) -- the INTERP initialisation and the linear-ramp initial point.
"""

from __future__ import annotations

import contextlib
import time

import dimod
import numpy as np

from ..ising import validate_bqm
from .angles import ANGLES
from .statevector import DiagonalQAOA, diagonal_energies, interp
from .targets import (TRAIN_MODES, Target, auto_reps, depth_table, is_target, qaoa_circuit,
                      two_qubit_count)

__all__ = ["QAOASampler", "ising_operator", "bitstrings_to_samples", "OPTIMIZERS",
           "ANSATZES", "BACKENDS", "estimate_cost", "diagonal_energies"]

OPTIMIZERS = ("L_BFGS_B", "COBYLA", "SPSA", "NELDER_MEAD")
ANSATZES = ("qaoa", "ry_rz")
BACKENDS = ("statevector", "aer")
INITIAL_POINTS = ("transfer", "interp", "ramp", "fixed", "random")
_MIN_TAIL_STATES = 8  # cvar_alpha applies when the tail holds >= this many uniform states
_HINT = 'QAOASampler needs qiskit: pip install "dimod-shrink[quantum]"'

#: defaults of each backend (``None`` in :meth:`QAOASampler.sample` picks these)
DEFAULTS = {
    # maxiter and restarts None: 20 and 1 with "transfer" (the depth's table start),
    # 40 per depth and 3 otherwise (see START_DEFAULTS)
    "statevector": {"reps": 8, "optimizer": "L_BFGS_B", "maxiter": None,
                    "initial_point": "transfer", "cvar_alpha": 0.1, "scale": "std",
                    "restarts": None, "warm_start": False},
    "aer": {"reps": 1, "optimizer": "COBYLA", "maxiter": 100, "initial_point": "ramp",
            "cvar_alpha": 1.0, "scale": "max", "restarts": 1, "warm_start": False},
    # a qiskit target with train="target": every evaluation is a job of `shots`
    "target": {"reps": "auto", "optimizer": "COBYLA", "maxiter": 30, "initial_point": "interp",
               "cvar_alpha": 1.0, "scale": "std", "restarts": 1, "warm_start": False},
}


#: statevector ``(maxiter, restarts)`` per start when they are not given: "transfer" refines the
#: best table start for 20 iterations; INTERP runs 40 per depth from the 3 best grid points
START_DEFAULTS = {"transfer": (20, 1)}
_OTHER_START = (40, 3)


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
    22 with ``backend="aer"``, p = 1), i.e. a factor ``10^(1/4)`` per qubit.
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
    """qiskit bitstrings (little-endian) to a BINARY sample array (qubit order).

    Examples:
        >>> bitstrings_to_samples(["001", "110"], 3).tolist()
        [[1, 0, 0], [0, 1, 1]]
    """
    rows = np.array([[c == "1" for c in b[::-1]] for b in bitstrings], dtype=np.int8)
    return rows.reshape(len(bitstrings), num_qubits)


def _blas_threads(threads: int):
    """Limit BLAS threads (the statevector mixer's small matrix products) to ``threads``.

    Small products run far faster on one thread than on oversubscribed cores;
    needs ``threadpoolctl`` (without it, BLAS keeps its own setting).
    """
    if threads < 1:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        return contextlib.nullcontext()
    return threadpool_limits(threads, user_api="blas")


def _concentrated_ramp(reps: int) -> np.ndarray:
    """A start ``[beta, gamma]`` for the cost scaled to unit spectral spread.

    Angles trained on the exact statevector concentrate (Brandao et al. 2018):
    on random and reduced models at 8 qubits (``scale="std"``), depth 3 ends
    near ``beta = (-0.55, -0.4, -0.3)``, ``gamma = (1.0, 1.4, 1.7)``; this
    linear ramp follows them, for training where each evaluation costs shots.
    """
    k = (np.arange(reps) + 0.5) / reps
    if reps == 1:
        return np.array([-0.45, 0.9])
    return np.concatenate([-0.6 + 0.35 * k, 1.0 + 0.7 * k])


def _max_coefficient(bqm) -> float:
    spin = bqm.spin
    vals = [abs(b) for _, b in spin.iter_linear()] + [abs(b) for *_, b in spin.iter_quadratic()]
    return max(vals, default=0.0) or 1.0


class QAOASampler(dimod.Sampler):
    """Sample a BQM with QAOA (or CVaR-VQE), simulated classically.

    By default (``backend="statevector"``) the QAOA state is simulated exactly
    with numpy; the angles are trained with L-BFGS-B on exact gradients.  The
    cost operator is divided by the standard deviation of its spectrum
    (``scale="std"``), so angles transfer between models of any scale, including
    penalty models whose largest coefficient dwarfs the rest: by default
    (``initial_point="transfer"``) the training starts at depth ``reps`` from
    the best of a small table of angles trained on other models
    (:mod:`dimod_shrink.samplers.angles`, parameter concentration) and of any
    ``transfer_angles`` given (an iterated composite hands each round the
    previous round's), and refines it for 20 iterations.  ``"interp"`` trains
    from scratch instead: depth 1 from the best points of a small angle grid,
    grown one layer at a time with the INTERP rule of Zhou et al. up to
    ``reps`` (about 10 times the evaluations at depth 8).  ``backend="aer"``
    runs the circuits on qiskit-aer instead (see :meth:`sample`).  The returned samples are
    ``shots`` measurements of the final state, with their counts as
    ``num_occurrences``.

    Args:
        max_qubits: Models with more variables are refused (default 24).
        max_parallel_threads: Default thread count for Aer and, for the numpy
            simulator, for BLAS (0 = all; needs ``threadpoolctl`` to limit BLAS).

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': -1, 'b': 1}, {'ab': -0.5}, 0, 'BINARY')
        >>> ss = QAOASampler().sample(bqm, seed=1)
        >>> {v: int(x) for v, x in ss.first.sample.items()}
        {'a': 1, 'b': 0}
        >>> ss.info["reps"], ss.info["shots"], ss.info["initial_point"]
        (8, 1024, 'transfer')
    """

    def __init__(self, backend=None, *, optimization_level: int = 1, max_qubits: int = 24,
                 max_parallel_threads: int = 1):
        _qiskit()
        if not (backend is None or is_target(backend) or backend in BACKENDS):
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}, or give "
                             "a qiskit BackendV2 (a device, AerSimulator(noise_model=...), a "
                             "fake device) or a SamplerV2 primitive")
        self.backend = backend
        self.optimization_level = optimization_level
        self.max_qubits = int(max_qubits)
        self.max_parallel_threads = int(max_parallel_threads)

    @property
    def parameters(self) -> dict:
        return {"reps": [], "shots": [], "maxiter": [], "optimizer": [], "initial_point": [],
                "ansatz": [], "cvar_alpha": [], "scale": [], "restarts": [], "backend": [],
                "warm_start": [], "warm_start_epsilon": [], "transfer_angles": [],
                "seed": [], "max_parallel_threads": [], "train": [], "optimization_level": [],
                "two_qubit_error": []}

    @property
    def properties(self) -> dict:
        return {"max_qubits": self.max_qubits, "optimizers": OPTIMIZERS, "ansatzes": ANSATZES,
                "backends": BACKENDS, "train_modes": TRAIN_MODES,
                "target": None if not is_target(self.backend) else
                str(getattr(self.backend, "name", type(self.backend).__name__)),
                "simulator": "numpy statevector (default), qiskit-aer SamplerV2, or a qiskit "
                             "target (BackendV2 or SamplerV2)"}

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
    def _key(name):
        key = str(name).upper().replace("-", "_")
        if key not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; choose one of {OPTIMIZERS}")
        return key

    @staticmethod
    def _qiskit_optimizer(key, maxiter, num_params, seed):
        from qiskit_optimization import optimizers
        if key == "COBYLA":  # COBYLA needs at least num_params + 2 evaluations
            return optimizers.COBYLA(maxiter=max(maxiter, num_params + 2))
        if key == "NELDER_MEAD":
            return optimizers.NELDER_MEAD(maxiter=maxiter)
        if key == "L_BFGS_B":
            return optimizers.L_BFGS_B(maxiter=maxiter)
        from qiskit_optimization.utils import algorithm_globals
        if seed is not None:
            algorithm_globals.random_seed = seed
        return optimizers.SPSA(maxiter=maxiter)

    @staticmethod
    def _initial_point(strategy, reps, num_params, rng, ansatz):
        if not isinstance(strategy, str):
            point = np.asarray(strategy, dtype=float).ravel()
            if point.size != num_params:
                raise ValueError(f"initial_point has {point.size} values; the {ansatz} ansatz "
                                 f"with reps={reps} has {num_params} parameters")
            return point
        if strategy not in INITIAL_POINTS:
            raise ValueError(f"unknown initial_point {strategy!r}; use one of "
                             f"{', '.join(INITIAL_POINTS)} or an array of angles")
        if ansatz == "ry_rz" or strategy == "random":
            return rng.uniform(0, 2 * np.pi, num_params)
        k = (np.arange(reps) + 0.5) / reps
        if strategy in ("ramp", "interp"):
            beta, gamma = 0.75 * (1 - k), 0.75 * k
        else:  # fixed
            beta, gamma = np.full(reps, 0.3), np.full(reps, 0.4)
        return np.concatenate([beta, gamma])  # qiskit orders the parameters beta, then gamma

    @staticmethod
    def _check_int(name, val):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"{name} must be a positive int, got {val!r}")

    def sample(self, bqm: dimod.BinaryQuadraticModel, *, reps: int | None = None,
               shots: int = 1024, maxiter: int | None = None, optimizer: str | None = None,
               initial_point=None, ansatz: str = "qaoa", cvar_alpha: float | None = None,
               scale=None, restarts: int | None = None, backend: str | None = None,
               warm_start=None, warm_start_epsilon: float = 0.25, transfer_angles=None,
               seed=None,
               max_parallel_threads: int | None = None, train: str | None = None,
               optimization_level: int | None = None,
               two_qubit_error: float | None = None) -> dimod.SampleSet:
        """Run QAOA / CVaR-VQE on ``bqm`` and return ``shots`` measurements of the result.

        ``None`` picks the backend's default (statevector / aer).

        Args:
            bqm: The model (at most ``max_qubits`` variables).
            reps: QAOA depth ``p`` (8 / 1), or ansatz layers for ``ry_rz``.
            shots: Measurements of the final state (and, on Aer, per evaluation).
            maxiter: Optimiser iterations: 20 from the ``"transfer"`` start, 40
                per depth with ``"interp"``, 40 otherwise (aer: 100).
            optimizer: ``"L_BFGS_B"`` (statevector default: exact gradients),
                ``"COBYLA"`` (aer default), ``"SPSA"`` or ``"NELDER_MEAD"``.
            initial_point: ``"transfer"`` (statevector default, depths 1 to 8
                without a warm start): the table angles of depth ``reps``
                (:data:`dimod_shrink.samplers.angles.ANGLES`) and the
                ``transfer_angles`` are evaluated and the ``restarts`` best
                refined; ``"interp"`` (the default at other depths or with a
                warm start): depth 1 from an
                angle grid, then INTERP to each larger depth; ``"ramp"`` (aer
                default): a linear ramp ``gamma_k = 0.75 (k + 1/2) / p``,
                ``beta_k = 0.75 (1 - (k + 1/2) / p)`` at depth ``reps``;
                ``"fixed"``: ``gamma = 0.4, beta = 0.3`` in every layer;
                ``"random"``: seeded uniform angles; or an array
                ``[beta_1..beta_p, gamma_1..gamma_p]``.  ``ry_rz`` starts from
                seeded uniform angles unless given an array.
            ansatz: ``"qaoa"`` or ``"ry_rz"`` (hardware-efficient RY/RZ layers
                with a linear CNOT chain; Aer only).
            cvar_alpha: Train on the CVaR of the energy at level
                ``0 < alpha <= 1``, the mean energy of the lowest ``alpha`` of
                the distribution (1 = the expectation; default 0.1 for the
                statevector, 1 for aer, 0.25 for ``ry_rz``).  On the
                statevector, models with ``alpha * 2^n < 8`` train on the
                expectation instead: there the tail is all ground state from
                the start and the CVaR is flat.  ``info["cvar_alpha"]`` is the
                level used.
            scale: Divide the cost operator by ``"std"`` (statevector default:
                the standard deviation of its spectrum), ``"max"`` (aer
                default: its largest Pauli coefficient) or a positive number.
            restarts: Starting points refined (statevector: the best table
                starts with ``"transfer"``, default 1; the best points of the
                depth-1 grid with ``"interp"``, or seeded random points besides
                the given one, default 3; aer: 1).  The best run is kept.
            backend: ``"statevector"`` (numpy, exact; default for ``qaoa``) or
                ``"aer"`` (qiskit-aer circuits with shot noise; the only
                backend for ``ry_rz``).
            seed: Seeds the measurements, random starts, the simulator, the
                transpiler and SPSA; a seeded run repeats exactly.
            warm_start: ``False``: the standard start ``|+>^n`` and ``X``
                mixer; ``"lowrank"``: warm-start QAOA (Egger, Marecek & Woerner
                2021) from the low-rank SDP relaxation of ``bqm`` (the
                estimator shrinking uses), ``c_k = (1 + <s_k>) / 2``; or a
                mapping / sequence of values ``c_k`` in ``[0, 1]`` per
                variable.  Statevector only.
            warm_start_epsilon: The ``c_k`` are clipped to
                ``[epsilon, 1 - epsilon]`` (0.25, as in the paper), so the
                optimiser can still move every qubit.
            transfer_angles: Extra starting angles for ``"transfer"``: one
                vector ``[beta_1 .. beta_p, gamma_1 .. gamma_p]`` or a sequence
                of them, in the units of ``info["optimal_parameters"]`` (another
                call's answer at the same depth and ``scale``), evaluated beside
                the table's.
            max_parallel_threads: Aer (or BLAS) threads for this call.

        Returns:
            :class:`dimod.SampleSet` of the measured bitstrings with
            ``num_occurrences`` and energies on ``bqm``; ``info`` holds
            ``shots``, ``reps`` (the depth), ``evaluations`` (objective
            evaluations), ``optimal_value`` (the optimiser's final objective,
            in the model's energy units), ``optimal_parameters``,
            ``expectation`` (mean energy of the final state), ``backend``,
            ``ansatz``, ``cvar_alpha``, ``scale``, ``restarts``,
            ``initial_point`` (the start that ran), ``start`` (with
            ``"transfer"``: ``"table"`` or ``"given"``, where the kept run
            began), ``maxiter``, ``num_qubits`` and ``timing``.
        """
        t0 = time.perf_counter()
        validate_bqm(bqm)
        n = bqm.num_variables
        if ansatz not in ANSATZES:
            raise ValueError(f"unknown ansatz {ansatz!r}; choose one of {ANSATZES}")
        if backend is None:
            backend = self.backend
        target = is_target(backend)
        if backend is None:
            backend = "aer" if ansatz == "ry_rz" else "statevector"
        if not target and backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {BACKENDS}, or give "
                             "a qiskit BackendV2 (a device, AerSimulator(noise_model=...), a "
                             "fake device) or a SamplerV2 primitive")
        if ansatz == "ry_rz" and backend != "aer":
            raise ValueError('the ry_rz ansatz runs on backend="aer" only')
        if train is not None and not target:
            raise ValueError("train applies to a qiskit target (a BackendV2 or SamplerV2 "
                             f"given as backend); backend {backend!r} trains on itself")
        train = "statevector" if train is None else train
        if train not in TRAIN_MODES:
            raise ValueError(f"unknown train {train!r}; choose one of {TRAIN_MODES}")
        if not (target and train == "target"):
            self._guard(n)
        if target:
            d = (DEFAULTS["target"] if train == "target"
                 else {**DEFAULTS["statevector"], "reps": "auto"})
        else:
            d = DEFAULTS[backend]
        reps = d["reps"] if reps is None else reps
        if initial_point is None:
            initial_point = d["initial_point"]
            if initial_point == "transfer" and (warm_start not in (None, False)
                                                or isinstance(reps, str)
                                                or reps not in ANGLES):
                # the table holds depths 1-8 of the standard mixer; reps="auto" trains
                # every depth on INTERP's way
                initial_point = "interp"
        elif isinstance(initial_point, str) and initial_point == "transfer":
            if backend == "aer" and not target:
                raise ValueError('initial_point="transfer" needs backend="statevector" or a '
                                 'qiskit target; the aer backend starts from "ramp"')
            if warm_start not in (None, False):
                raise ValueError('initial_point="transfer" starts the standard mixer; with a '
                                 'warm_start use initial_point="interp"')
            if target and train == "target":
                raise ValueError('initial_point="transfer" applies to angles trained on the '
                                 'statevector; train="target" starts from "interp" or "ramp"')
            if isinstance(reps, str):
                raise ValueError('initial_point="transfer" needs a fixed depth; reps="auto" '
                                 'trains every depth with initial_point="interp"')
            if isinstance(reps, (int, np.integer)) and not isinstance(reps, bool) \
                    and reps not in ANGLES:
                raise ValueError(f'initial_point="transfer" holds angles for depths '
                                 f'{min(ANGLES)} to {max(ANGLES)}; for reps={reps} use '
                                 'initial_point="interp"')
        start_maxiter, start_restarts = START_DEFAULTS.get(
            initial_point if isinstance(initial_point, str) else None, _OTHER_START)
        maxiter = (d["maxiter"] if d["maxiter"] is not None else start_maxiter) \
            if maxiter is None else maxiter
        restarts = (d["restarts"] if d["restarts"] is not None else start_restarts) \
            if restarts is None else restarts
        if isinstance(reps, str) and reps == "auto":
            if not target:
                raise ValueError('reps="auto" chooses the depth for a qiskit target\'s noise; '
                                 "give backend=<a BackendV2 or SamplerV2>, or an int")
        else:
            self._check_int("reps", reps)
        for name, val in (("shots", shots), ("maxiter", maxiter), ("restarts", restarts)):
            self._check_int(name, val)
        key = self._key(d["optimizer"] if optimizer is None else optimizer)
        if isinstance(initial_point, str) and initial_point not in INITIAL_POINTS:
            raise ValueError(f"unknown initial_point {initial_point!r}; use one of "
                             f"{', '.join(INITIAL_POINTS)} or an array of angles")
        if cvar_alpha is None:
            cvar_alpha = 0.25 if ansatz == "ry_rz" else d["cvar_alpha"]
        if not 0 < float(cvar_alpha) <= 1:
            raise ValueError(f"cvar_alpha must be in (0, 1], got {cvar_alpha}")
        scale = d["scale"] if scale is None else scale
        warm_start = d["warm_start"] if warm_start is None else warm_start
        if not 0 <= float(warm_start_epsilon) <= 0.5:
            raise ValueError(f"warm_start_epsilon must be in [0, 0.5], got {warm_start_epsilon}")
        if warm_start is not False and backend != "statevector" and not target:
            raise ValueError('warm_start needs backend="statevector"')
        if isinstance(scale, str):
            if scale not in ("std", "max"):
                raise ValueError(f"unknown scale {scale!r}; use 'std', 'max' or a number > 0")
        elif not float(scale) > 0:
            raise ValueError(f"scale must be 'std', 'max' or a number > 0, got {scale!r}")
        threads = self.max_parallel_threads if max_parallel_threads is None \
            else int(max_parallel_threads)
        if target and warm_start is not False:
            raise ValueError('warm_start needs backend="statevector"')
        if target and key == "L_BFGS_B" and train == "target":
            raise ValueError("L_BFGS_B needs exact gradients; training on a target with shots "
                             "takes COBYLA (default), NELDER_MEAD or SPSA")
        transfer = self._transfer_angles(transfer_angles, reps, initial_point)
        info = {"shots": int(shots), "reps": reps if reps == "auto" else int(reps),
                "backend": backend, "ansatz": ansatz, "maxiter": int(maxiter),
                "initial_point": initial_point if isinstance(initial_point, str) else "given",
                "cvar_alpha": float(cvar_alpha), "restarts": int(restarts), "num_qubits": n,
                "warm_start": warm_start if isinstance(warm_start, (bool, str)) else "given"}
        if target:
            return self._sample_target(
                bqm, backend, train, reps, shots, maxiter, key, initial_point,
                float(cvar_alpha), scale, restarts, np.random.default_rng(seed), threads,
                two_qubit_error, info, t0,
                self.optimization_level if optimization_level is None else optimization_level,
                transfer)
        if n == 0:
            ss = dimod.SampleSet.from_samples_bqm((np.zeros((1, 0), dtype=np.int8), []), bqm,
                                                  num_occurrences=[shots])
            ss.info.update(info, optimal_parameters=[], evaluations=0, scale=1.0,
                           optimal_value=float(bqm.offset), expectation=float(bqm.offset),
                           timing={"optimize": 0.0, "total": time.perf_counter() - t0})
            return ss
        rng = np.random.default_rng(seed)
        if backend == "statevector":
            with _blas_threads(threads):
                ws = self._warm_start(bqm, warm_start, float(warm_start_epsilon), rng)
                samples, counts, order, extra = self._run_statevector(
                    bqm, reps, shots, maxiter, key, initial_point, float(cvar_alpha), scale,
                    restarts, rng, ws, transfer)
        else:
            samples, counts, order, extra = self._run_aer(
                bqm, reps, shots, maxiter, key, initial_point, ansatz, float(cvar_alpha),
                scale, restarts, rng, threads)
        return self._sampleset(bqm, samples, order, counts, info, extra, t0)

    # -- numpy statevector -------------------------------------------------------------
    @staticmethod
    def _transfer_angles(given, reps, initial_point) -> list:
        """``transfer_angles`` as a list of vectors of ``2 * reps`` finite angles."""
        if given is None:
            return []
        if not (isinstance(initial_point, str) and initial_point == "transfer"):
            raise ValueError('transfer_angles are starting points for initial_point="transfer"'
                             f"; initial_point is {initial_point!r}")
        if isinstance(reps, str):
            raise ValueError('transfer_angles need a fixed depth; reps="auto" trains every '
                             "depth from INTERP")
        try:
            arr = np.asarray(given, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("transfer_angles must be a vector [beta_1 .. beta_p, gamma_1 .. "
                             "gamma_p] or a sequence of them") from None
        arr = arr.reshape(1, -1) if arr.ndim == 1 else arr
        if arr.ndim != 2 or arr.shape[1] != 2 * reps or not np.isfinite(arr).all():
            raise ValueError(f"transfer_angles must hold vectors of {2 * reps} finite angles "
                             f"(beta and gamma of each of the reps={reps} layers); got shape "
                             f"{np.shape(given)}")
        return list(arr)

    @staticmethod
    def _warm_start(bqm, warm_start, eps, rng):
        """The warm-start values ``c_k`` in variable order, or ``None``."""
        if warm_start is False:
            return None
        order = list(bqm.variables)
        if isinstance(warm_start, str):
            if warm_start != "lowrank":
                raise ValueError(f"unknown warm_start {warm_start!r}; use False, 'lowrank' "
                                 "or values in [0, 1] per variable")
            from ..correlations import resolve_estimator
            from ..ising import ising_form
            C = resolve_estimator("lowrank")(ising_form(bqm, order).couplings, rng)
            c = (1 + C[:-1, -1]) / 2
        else:
            if isinstance(warm_start, dict):
                missing = [v for v in order if v not in warm_start]
                if missing:
                    raise ValueError(f"warm_start has no value for variables {missing[:5]}")
                c = np.array([warm_start[v] for v in order], dtype=float)
            else:
                c = np.asarray(warm_start, dtype=float).ravel()
            if c.size != len(order) or not ((c >= 0) & (c <= 1)).all():
                raise ValueError(f"warm_start needs {len(order)} values in [0, 1] "
                                 "(one per variable, in bqm.variables order)")
        return np.clip(c, eps, 1 - eps)

    def _run_statevector(self, bqm, reps, shots, maxiter, key, initial_point, alpha, scale,
                         restarts, rng, warm=None, transfer=()):
        order = list(bqm.variables)
        n = len(order)
        note = {}
        q, x, fun, E, s, shift, alpha, t_opt = self._train_statevector(
            bqm, reps, maxiter, key, initial_point, alpha, scale, restarts, rng, warm,
            transfer=transfer, note=note)
        prob = q.probabilities(x)
        counts = rng.multinomial(shots, prob)
        idx = np.flatnonzero(counts)
        samples = ((idx[:, None] >> np.arange(n)) & 1).astype(np.int8)
        extra = {"optimal_parameters": x.tolist(), "evaluations": q.evaluations,
                 "cvar_alpha": alpha,
                 "optimal_value": fun * s + shift, "expectation": float(prob @ E),
                 "scale": s, "timing": {"optimize": t_opt}, **note}
        return samples, counts[idx], order, extra

    def _train_statevector(self, bqm, reps, maxiter, key, initial_point, alpha, scale,
                           restarts, rng, warm=None, path=None, transfer=(), note=None):
        """Train the angles on the exact statevector: ``(q, x, fun, E, s, shift, alpha,
        seconds)``; with INTERP, ``path`` (a list) receives ``(x, fun)`` of every depth.
        With ``"transfer"``, ``note`` (a dict) receives ``start``: where the kept run began."""
        from scipy import optimize
        order = list(bqm.variables)
        E = diagonal_energies(bqm, order)
        shift = float(E.mean())
        if scale == "std":
            s = float(E.std()) or 1.0
        elif scale == "max":
            s = _max_coefficient(bqm)
        else:
            s = float(scale)
        if alpha * E.size < _MIN_TAIL_STATES:
            # a tail of a few states is all ground state from the start: CVaR is flat there
            alpha = 1.0
        q = DiagonalQAOA((E - shift) / s, alpha, warm_start=warm)
        to = time.perf_counter()

        def minimise(x0):
            x0 = np.asarray(x0, dtype=float)
            if key == "L_BFGS_B":
                r = optimize.minimize(q.value_and_grad, x0, jac=True, method="L-BFGS-B",
                                      options={"maxiter": maxiter})
                return np.asarray(r.x), float(r.fun)
            if key == "SPSA":
                opt = self._qiskit_optimizer(key, maxiter, x0.size, int(rng.integers(2 ** 31)))
                r = opt.minimize(q.value, x0)
                return np.asarray(r.x), float(r.fun)
            method = "COBYLA" if key == "COBYLA" else "Nelder-Mead"
            its = max(maxiter, x0.size + 2) if key == "COBYLA" else maxiter
            r = optimize.minimize(q.value, x0, method=method, options={"maxiter": its})
            return np.asarray(r.x), float(r.fun)

        if isinstance(initial_point, str) and initial_point == "transfer":
            # parameter concentration: start from the best of the depth's table angles (and
            # of the angles handed over), then refine the `restarts` best
            starts = [("table", np.asarray(a, dtype=float)) for a in ANGLES[reps]]
            starts += [("given", np.asarray(a, dtype=float)) for a in transfer]
            vals = [q.value(a) for _, a in starts]
            runs = []
            for i in np.argsort(vals, kind="stable")[:restarts]:
                x, fun = minimise(starts[i][1])
                if not fun <= vals[i]:  # a noisy optimiser (SPSA) may leave a good start
                    x, fun = starts[i][1], vals[i]
                runs.append(((x, fun), starts[i][0]))
            (x, fun), origin = min(runs, key=lambda r: r[0][1])
            if note is not None:
                note["start"] = origin
        elif isinstance(initial_point, str) and initial_point == "interp":
            # gamma > 0 with beta < 0 moves amplitude towards low energy (the
            # annealing-like direction for the mixer exp(-i beta sum X))
            gammas = np.geomspace(0.1, 2.0, 6)
            betas = -np.pi / 10 * np.arange(1, 5)
            grid = sorted((q.value([b, g]), b, g) for g in gammas for b in betas)
            runs = [minimise([b, g]) for _, b, g in grid[:restarts]]
            x, fun = min(runs, key=lambda r: r[1])
            if path is not None:
                path.append((x, fun))
            for _ in range(1, reps):
                x, fun = minimise(interp(x))
                if path is not None:
                    path.append((x, fun))
        else:
            starts = [self._initial_point(initial_point, reps, 2 * reps, rng, "qaoa")]
            starts += [rng.uniform(0, np.pi, 2 * reps) for _ in range(restarts - 1)]
            x, fun = min((minimise(x0) for x0 in starts), key=lambda r: r[1])
        t_opt = time.perf_counter() - to
        return q, x, fun, E, s, shift, alpha, t_opt

    # -- a qiskit target (device, noisy simulator, sampler primitive) ------------------
    def _sample_target(self, bqm, backend, train, reps, shots, maxiter, key, initial_point,
                       alpha, scale, restarts, rng, threads, e2q, info, t0, level,
                       transfer=()):
        order = list(bqm.variables)
        n = len(order)
        tgt = Target(backend, optimization_level=level, seed=int(rng.integers(2 ** 31)),
                     threads=threads)
        if tgt.num_qubits is not None and n > tgt.num_qubits:
            raise ValueError(f"the model has {n} variables but the target {tgt.name} has "
                             f"{tgt.num_qubits} qubits; shrink it to at most that many")
        if e2q is not None and not 0 <= float(e2q) < 1:
            raise ValueError(f"two_qubit_error must be in [0, 1), got {e2q}")
        extra = {"target": tgt.name, "backend": tgt.name, "train": train,
                 "optimization_level": tgt.optimization_level,
                 "auto_reps": reps == "auto"}
        interp_start = isinstance(initial_point, str) and initial_point == "interp"
        by_ground = reps == "auto" and train == "statevector" and interp_start
        if reps == "auto" and not by_ground:
            reps, table = auto_reps(tgt, bqm, two_qubit_error=e2q)
            extra["auto_table"] = [list(row) for row in table]
            extra["auto_rule"] = "fidelity floor"
        to = time.perf_counter()
        if by_ground:
            # train to the deepest depth once (INTERP passes every depth on the way), then
            # keep the depth whose estimated ground-state probability on the target is
            # largest: F(p) P_exact(p) + (1 - F(p)) u
            table = depth_table(tgt, bqm, two_qubit_error=e2q)
            path = []
            q, x, fun, E, s, shift, alpha, _ = self._train_statevector(
                bqm, len(table), maxiter, key, initial_point, alpha, scale, restarts, rng,
                path=path)
            ground = E <= E.min() + 1e-9 * max(1.0, abs(float(E.min())))
            u = float(ground.mean())
            rows = []
            for (p, n2q, fid), (xp, _) in zip(table, path):
                pg = float(q.probabilities(xp)[ground].sum())
                rows.append([p, n2q, fid, pg, fid * pg + (1 - fid) * u])
            best = max(rows, key=lambda r: (r[4], -r[0]))
            reps = best[0]
            x, fun = path[reps - 1]
            extra["auto_table"] = rows
            extra["auto_rule"] = "estimated ground-state probability"
            evals, value = q.evaluations, fun * s + shift
            qc, params = qaoa_circuit(bqm, reps, scale=s, order=order)
            isa = tgt.transpile(qc)
        elif train == "statevector":
            q, x, fun, E, s, shift, alpha, _ = self._train_statevector(
                bqm, reps, maxiter, key, initial_point, alpha, scale, restarts, rng,
                transfer=transfer, note=extra)
            evals, value = q.evaluations, fun * s + shift
            qc, params = qaoa_circuit(bqm, reps, scale=s, order=order)
            isa = tgt.transpile(qc)
        else:
            s = self._pauli_scale(bqm, scale)
            built = {}

            def circuit(depth):
                if depth not in built:
                    qc, params = qaoa_circuit(bqm, depth, scale=s, order=order)
                    built[depth] = (tgt.transpile(qc), params)
                return built[depth]

            x, value, evals = self._train_target(tgt, circuit, bqm, order, reps, shots,
                                                 maxiter, key, initial_point, alpha,
                                                 restarts, rng)
            isa, params = circuit(reps)
        info["reps"] = int(reps)
        t_opt = time.perf_counter() - to
        ts = time.perf_counter()
        counts = tgt.sample(isa, params, [x], shots)[0]
        t_run = time.perf_counter() - ts
        bits = list(counts)
        samples = bitstrings_to_samples(bits, n)
        occ = np.array([counts[b] for b in bits], dtype=int)
        b = bqm.binary if bqm.vartype is dimod.SPIN else bqm
        energies = b.energies((samples, order))
        n2q = two_qubit_count(isa)
        e = tgt.two_qubit_error() if e2q is None else float(e2q)
        extra.update(optimal_parameters=np.asarray(x).tolist(), evaluations=int(evals),
                     optimal_value=float(value), cvar_alpha=alpha,
                     expectation=float(occ @ energies / occ.sum()), scale=float(s),
                     two_qubit_gates=n2q, circuit_depth=int(isa.depth()),
                     two_qubit_error=e,
                     estimated_fidelity=None if e is None else float((1 - e) ** n2q),
                     timing={"optimize": t_opt, "run": t_run})
        return self._sampleset(bqm, samples, order, occ, info, extra, t0)

    @staticmethod
    def _sampleset(bqm, samples, order, counts, info, extra, t0):
        """The measured bitstrings as a SampleSet over ``bqm``, lowest energy first, with
        ``info`` and the run's ``extra`` facts (total time included)."""
        if bqm.vartype is dimod.SPIN:
            samples = 2 * samples - 1
        ss = dimod.SampleSet.from_samples_bqm((samples, order), bqm, num_occurrences=counts)
        ss = dimod.SampleSet(ss.record[np.argsort(ss.record.energy, kind="stable")],
                             ss.variables, {}, ss.vartype)
        extra["timing"]["total"] = time.perf_counter() - t0
        ss.info.update(info, **extra)
        return ss

    @staticmethod
    def _pauli_scale(bqm, scale) -> float:
        """``"std"``: the spectrum's standard deviation, ``sqrt(sum of squared Pauli
        coefficients)`` (no enumeration); ``"max"``: the largest coefficient."""
        if scale == "max":
            return _max_coefficient(bqm)
        if scale == "std":
            spin = bqm.spin
            sq = sum(h * h for _, h in spin.iter_linear())
            sq += sum(J * J for *_, J in spin.iter_quadratic())
            return float(np.sqrt(sq)) or 1.0
        return float(scale)

    def _train_target(self, tgt, circuit, bqm, order, reps, shots, maxiter, key,
                      initial_point, alpha, restarts, rng):
        """Train the angles on the target itself, one job of ``shots`` per evaluation:
        ``(angles, objective, evaluations)``."""
        from scipy import optimize
        b = bqm.binary if bqm.vartype is dimod.SPIN else bqm
        n = len(order)
        evals = 0

        def objective(x):
            nonlocal evals
            evals += 1
            counts = tgt.sample(*circuit(len(x) // 2), [x], shots)[0]
            bits = list(counts)
            e = b.energies((bitstrings_to_samples(bits, n), order))
            w = np.array([counts[k] for k in bits], dtype=float)
            o = np.argsort(e, kind="stable")
            e, w = e[o], w[o] / w.sum()
            # CVaR: the mean energy of the lowest alpha of the shots
            take = np.minimum(w, np.maximum(alpha - (np.cumsum(w) - w), 0.0))
            return float(take @ e / take.sum())

        def minimise(x0, its):
            if key == "SPSA":
                opt = self._qiskit_optimizer(key, its, x0.size, int(rng.integers(2 ** 31)))
                r = opt.minimize(objective, x0)
            else:
                method = "COBYLA" if key == "COBYLA" else "Nelder-Mead"
                opts = {"maxiter": max(its, x0.size + 2) if key == "COBYLA" else its}
                if key == "COBYLA":
                    opts["rhobeg"] = 0.2
                r = optimize.minimize(objective, x0, method=method, options=opts)
            return np.asarray(r.x), float(r.fun)

        if isinstance(initial_point, str) and initial_point == "interp":
            # depth 1 from the concentrated start, then INTERP, maxiter per depth
            x, fun = minimise(_concentrated_ramp(1), maxiter)
            for _ in range(1, reps):
                x, fun = minimise(interp(x), maxiter)
            return x, fun, evals
        if isinstance(initial_point, str) and initial_point == "ramp":
            starts = [_concentrated_ramp(reps)]
        else:
            starts = [self._initial_point(initial_point, reps, 2 * reps, rng, "qaoa")]
        starts += [rng.uniform(-np.pi / 2, np.pi / 2, 2 * reps) for _ in range(restarts - 1)]
        best = None
        for x0 in starts:
            x, fun = minimise(x0, maxiter)
            if best is None or fun < best[1]:
                best = (x, fun)
        return best[0], best[1], evals

    # -- qiskit-aer circuits -----------------------------------------------------------
    def _run_aer(self, bqm, reps, shots, maxiter, key, initial_point, ansatz, alpha, scale,
                 restarts, rng, threads):
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_aer.primitives import SamplerV2
        from qiskit_optimization.minimum_eigensolvers import QAOA, SamplingVQE

        n = bqm.num_variables
        op, order, offset = ising_operator(bqm)
        if scale == "max":
            s = float(np.max(np.abs(op.coeffs))) or 1.0
        elif scale == "std":  # the spectrum's standard deviation: sqrt(sum of squared coeffs)
            s = float(np.sqrt(np.sum(np.abs(op.coeffs) ** 2))) or 1.0
        else:
            s = float(scale)
        op_n = op / s
        sim_seed = int(rng.integers(2 ** 31))
        backend_options = {"max_parallel_threads": threads}
        sampler = SamplerV2(default_shots=shots, seed=sim_seed,
                            options={"backend_options": backend_options})
        pm = generate_preset_pass_manager(
            optimization_level=1, backend=AerSimulator(**backend_options),
            seed_transpiler=sim_seed)
        if isinstance(initial_point, str) and initial_point == "interp":
            initial_point = "ramp"  # INTERP needs the exact optimiser of the statevector
        if ansatz == "qaoa":
            num_params = 2 * reps
        else:
            from qiskit.circuit.library import n_local
            circ = n_local(n, ["ry", "rz"], "cx", entanglement="linear", reps=reps)
            circ.measure_all()
            circ.remove_final_measurements()
            num_params = circ.num_parameters
        best, evals, t_opt = None, 0, 0.0
        for r in range(restarts):
            point = (self._initial_point(initial_point, reps, num_params, rng, ansatz) if r == 0
                     else rng.uniform(0, np.pi, num_params))
            opt = self._qiskit_optimizer(key, maxiter, num_params, sim_seed)
            if ansatz == "qaoa":
                solver = QAOA(sampler, opt, reps=reps, initial_point=point,
                              aggregation=alpha, pass_manager=pm)
            else:
                solver = SamplingVQE(sampler, circ, opt, initial_point=point,
                                     aggregation=alpha, pass_manager=pm)
            to = time.perf_counter()
            result = solver.compute_minimum_eigenvalue(op_n)
            t_opt += time.perf_counter() - to
            evals += int(result.cost_function_evals)
            if best is None or np.real(result.eigenvalue) < np.real(best.eigenvalue):
                best = result
        dist = best.eigenstate  # final distribution: {bitstring or int: probability}
        keys = list(dist.keys())
        probs = np.array([dist[k] for k in keys], dtype=float)
        bits = [k if isinstance(k, str) else format(k, f"0{n}b") for k in keys]
        counts = np.rint(probs * shots).astype(int)
        keep = counts > 0
        samples = bitstrings_to_samples([b for b, kp in zip(bits, keep) if kp], n)
        value = float(np.real(best.eigenvalue)) * s + offset
        w = counts[keep] / counts[keep].sum()
        b = bqm.binary if bqm.vartype is dimod.SPIN else bqm
        mean = float(w @ b.energies((samples, order)))
        extra = {"optimal_parameters": np.asarray(best.optimal_point).tolist(),
                 "evaluations": evals, "optimal_value": value, "expectation": mean,
                 "scale": s, "timing": {"optimize": t_opt}}
        return samples, counts[keep], order, extra
