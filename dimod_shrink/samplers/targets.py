"""QAOA circuits on a qiskit target: a device, a noisy simulator or a sampler primitive.

A *target* is a qiskit :class:`~qiskit.providers.BackendV2` (a noisy
:class:`~qiskit_aer.AerSimulator`, a
:class:`~qiskit.providers.fake_provider.GenericBackendV2`, a fake IBM device of
``qiskit_ibm_runtime.fake_provider``, a hardware backend) or a
:class:`~qiskit.primitives.BaseSamplerV2` (qiskit-aer's or qiskit-ibm-runtime's
``SamplerV2``, :class:`~qiskit.primitives.BackendSamplerV2`).  The QAOA circuit
of a model is built gate by gate, in the conventions of
:class:`~dimod_shrink.samplers.statevector.DiagonalQAOA` (so angles trained on
the exact statevector mean the same on the target), transpiled once to the
target's instruction set architecture (ISA) by a preset pass manager, and
sampled with its parameters bound.

Noise-aware depth: every QAOA layer adds the same two-qubit gates, and after
routing on a sparse coupling map many more.  :func:`depth_table` transpiles the
candidate depths and estimates each circuit's fidelity ``F(p) = (1 - e2q) **
n2q(p)`` (``e2q`` the target's mean two-qubit gate error, ``n2q(p)`` the routed
two-qubit gate count).  With angles trained on the statevector,
``QAOASampler(target).sample(bqm, reps="auto")`` keeps the depth that maximises
the estimated ground-state probability on the target, ``F(p) P_p + (1 - F(p))
u`` (``P_p`` the exact ground-state probability at depth ``p``, ``u`` that of
uniform bits: a global depolarising model of the noise); trained on the target,
where ``P_p`` is unknown, :func:`auto_reps` keeps the deepest circuit with
``F(p) >=`` :data:`AUTO_FIDELITY_FLOOR`.

References:
    E. Farhi, J. Goldstone, S. Gutmann, arXiv:1411.4028 (2014).

    L. Zhou et al., PRX 10, 021067 (2020): the optimal QAOA depth on a noisy
    device is where the gain from one more layer no longer pays for its gate
    errors; the fidelity estimate ``(1 - e)^(number of gates)`` is the usual
    first-order model of that trade-off.
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_target", "Target", "qaoa_circuit", "auto_reps", "AUTO_FIDELITY_FLOOR",
           "AUTO_MAX_REPS", "TRAIN_MODES", "target_by_name", "two_qubit_count", "depth_table"]

AUTO_FIDELITY_FLOOR = 0.5
"""With ``train="target"``, ``reps="auto"`` keeps the deepest circuit whose estimated
fidelity is at least this (see ``docs/quantum.md``, "Noise-aware depth")."""

AUTO_MAX_REPS = 8
"""The deepest circuit ``reps="auto"`` considers (the statevector default depth)."""

TRAIN_MODES = ("statevector", "target")
_BASIS = ["cx", "rz", "sx", "x"]


def is_target(obj) -> bool:
    """Whether ``obj`` is a qiskit ``BackendV2`` or ``BaseSamplerV2`` (not a name)."""
    if obj is None or isinstance(obj, str):
        return False
    try:
        from qiskit.primitives import BaseSamplerV2
        from qiskit.providers import BackendV2
    except ImportError:  # pragma: no cover - depends on the environment
        return False
    return isinstance(obj, (BackendV2, BaseSamplerV2))


def target_by_name(name: str, num_qubits: int, seed=None):
    """A simulated target by name (the command line's ``--target``).

    Args:
        name: ``"generic-line"`` (:class:`~qiskit.providers.fake_provider.GenericBackendV2`
            of ``num_qubits`` qubits on a line, with its generated noise, seeded by
            ``seed``), ``"generic-full"`` (the same, all-to-all coupled), or the class
            name of a fake IBM device in ``qiskit_ibm_runtime.fake_provider``
            (``FakeNairobiV2``, ``FakeGuadalupeV2``, ...; needs qiskit-ibm-runtime).

    Examples:
        >>> target_by_name("generic-line", 4, seed=1).num_qubits
        4
    """
    if name in ("generic-line", "generic-full"):
        from qiskit.providers.fake_provider import GenericBackendV2
        from qiskit.transpiler import CouplingMap
        cmap = (CouplingMap.from_line(num_qubits) if name == "generic-line"
                else CouplingMap.from_full(num_qubits))
        return GenericBackendV2(num_qubits, coupling_map=cmap,
                                seed=0 if seed is None else int(seed))
    if name.startswith("Fake"):
        try:
            from qiskit_ibm_runtime import fake_provider
        except ImportError:
            raise ValueError(f"target {name!r} needs qiskit-ibm-runtime: pip install "
                             "qiskit-ibm-runtime") from None
        cls = getattr(fake_provider, name, None)
        if cls is not None:
            return cls()
    raise ValueError(f"unknown target {name!r}; use generic-line, generic-full or a fake "
                     "device of qiskit_ibm_runtime.fake_provider such as FakeNairobiV2")


def _sampler_backend(sampler):
    """The backend a sampler primitive runs on, where it says (else ``None``)."""
    from qiskit.providers import BackendV2
    for name in ("backend", "_backend", "mode"):
        b = getattr(sampler, name, None)
        if callable(b) and not isinstance(b, BackendV2):
            try:
                b = b()
            except TypeError:
                b = None
        if isinstance(b, BackendV2):
            return b
    return None


def qaoa_circuit(bqm, reps: int, scale: float = 1.0, order=None):
    """The depth-``reps`` QAOA circuit of ``bqm``, measured, with free angles.

    Qubit ``k`` carries ``order[k]`` and measuring 1 means ``x_k = 1``; the
    cost layer is ``exp(-i gamma (H - c) / scale)`` with ``H`` the model's
    energy (:mod:`dimod_shrink.samplers.qaoa` gives it as Pauli terms), the
    mixer ``exp(-i beta sum_k X_k)``: the conventions of
    :class:`~dimod_shrink.samplers.statevector.DiagonalQAOA`.

    Returns:
        ``(circuit, parameters)``: the circuit and its parameters in the order
        ``[beta_1 .. beta_p, gamma_1 .. gamma_p]``.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({'a': 1}, {'ab': -1}, 0, 'SPIN')
        >>> qc, params = qaoa_circuit(bqm, 2)
        >>> qc.count_ops()['rzz'], len(params)
        (2, 4)
    """
    from qiskit.circuit import ParameterVector, QuantumCircuit
    order = list(bqm.variables) if order is None else list(order)
    n = len(order)
    pos = {v: k for k, v in enumerate(order)}
    spin = bqm.spin
    lin = [(pos[v], -float(h) / scale) for v, h in spin.iter_linear() if h]
    quad = [(pos[u], pos[v], float(J) / scale) for u, v, J in spin.iter_quadratic() if J]
    beta = ParameterVector("beta", reps)
    gamma = ParameterVector("gamma", reps)
    qc = QuantumCircuit(n)
    qc.h(range(n))
    for b, g in zip(beta, gamma):
        for k, c in lin:  # exp(-i g c Z) = RZ(2 g c)
            qc.rz(2 * c * g, k)
        for k, m, c in quad:  # exp(-i g c ZZ) = RZZ(2 g c)
            qc.rzz(2 * c * g, k, m)
        qc.rx(2 * b, range(n))  # exp(-i b X) = RX(2 b)
    qc.measure_all()
    return qc, list(beta) + list(gamma)


def two_qubit_count(circuit) -> int:
    """Two-qubit gates in ``circuit`` (barriers and measurements excluded)."""
    return sum(1 for inst in circuit.data
               if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")


class Target:
    """A qiskit target, ready to transpile and sample QAOA circuits.

    Args:
        obj: A ``BackendV2`` or a ``BaseSamplerV2``.
        optimization_level: Of the preset pass manager (0-3).
        seed: Seeds the transpiler (layout and routing) and, on simulators,
            the shots.
        threads: Simulator threads, where the backend takes the option.
    """

    def __init__(self, obj, *, optimization_level: int = 1, seed=None, threads: int = 1):
        from qiskit.primitives import BackendSamplerV2, BaseSamplerV2
        from qiskit.transpiler import generate_preset_pass_manager
        if isinstance(optimization_level, bool) or optimization_level not in (0, 1, 2, 3):
            raise ValueError(f"optimization_level must be 0, 1, 2 or 3, got "
                             f"{optimization_level!r}")
        self.optimization_level = int(optimization_level)
        self.seed = None if seed is None else int(seed)
        if isinstance(obj, BaseSamplerV2):
            self.sampler = obj
            self.backend = _sampler_backend(obj)
        else:
            self.backend = obj
            opts = {}
            if self.seed is not None and hasattr(obj.options, "seed_simulator"):
                opts["seed_simulator"] = self.seed
            run = {}
            if threads and hasattr(obj.options, "max_parallel_threads"):
                run["max_parallel_threads"] = int(threads)
            self.sampler = BackendSamplerV2(backend=obj,
                                            options={**opts, "run_options": run})
        if self.backend is not None:
            self.pm = generate_preset_pass_manager(self.optimization_level, backend=self.backend,
                                                   seed_transpiler=self.seed)
            self.name = str(getattr(self.backend, "name", type(self.backend).__name__))
        else:  # a sampler that does not say its backend: a universal basis, all-to-all
            self.pm = generate_preset_pass_manager(self.optimization_level, basis_gates=_BASIS,
                                                   seed_transpiler=self.seed)
            self.name = type(obj).__name__

    @property
    def num_qubits(self) -> int | None:
        return None if self.backend is None else int(self.backend.num_qubits)

    def two_qubit_error(self) -> float | None:
        """Mean reported error of the target's two-qubit gates (``None`` if none reported)."""
        target = getattr(self.backend, "target", None)
        if target is None:
            return None
        errs = []
        for name in target.operation_names:
            try:
                op = target.operation_from_name(name)
            except KeyError:  # pragma: no cover - defensive
                continue
            if getattr(op, "num_qubits", 0) != 2 or name == "barrier":
                continue
            props = target[name] or {}
            errs += [p.error for p in props.values() if p is not None and p.error is not None]
        return float(np.mean(errs)) if errs else None

    def transpile(self, circuit):
        """``circuit`` as the target's ISA circuit."""
        return self.pm.run(circuit)

    def sample(self, isa, parameters, values_list, shots: int):
        """Counts ``{bitstring: count}`` of ``isa`` at each point of ``values_list``.

        ``values_list`` holds angle vectors in the order of ``parameters``.
        """
        index = {p: k for k, p in enumerate(parameters)}
        perm = [index[p] for p in isa.parameters]
        pubs = [(isa, np.asarray(v, dtype=float)[perm]) for v in values_list]
        result = self.sampler.run(pubs, shots=int(shots)).result()
        return [r.data.meas.get_counts() for r in result]


def depth_table(target: Target, bqm, *, max_reps: int = AUTO_MAX_REPS,
                two_qubit_error: float | None = None):
    """``(reps, two_qubit_gates, estimated_fidelity)`` of the QAOA circuits of ``bqm`` of
    depth ``1 .. max_reps`` on ``target`` (fidelity 1 where no error is known)."""
    e2q = target.two_qubit_error() if two_qubit_error is None else float(two_qubit_error)
    rows = []
    for p in range(1, int(max_reps) + 1):
        qc, _ = qaoa_circuit(bqm, p)
        n2q = two_qubit_count(target.transpile(qc))
        rows.append((p, n2q, (1 - e2q) ** n2q if e2q else 1.0))
    return rows


def auto_reps(target: Target, bqm, *, max_reps: int = AUTO_MAX_REPS,
              floor: float = AUTO_FIDELITY_FLOOR, two_qubit_error: float | None = None):
    """The deepest QAOA circuit of ``bqm`` that ``target`` runs with fidelity >= ``floor``.

    Transpiles the circuits of depth ``1 .. max_reps`` and estimates the
    fidelity of each as ``(1 - e2q) ** n2q``, with ``n2q`` its two-qubit gate
    count after routing and ``e2q`` the target's mean two-qubit gate error
    (or ``two_qubit_error``).  A target that reports no error gets
    ``max_reps``; depth 1 is kept when even it falls below the floor.

    Returns:
        ``(reps, table)``: the depth and, per depth tried, ``(reps,
        two_qubit_gates, estimated_fidelity)``.
    """
    e2q = target.two_qubit_error() if two_qubit_error is None else float(two_qubit_error)
    if not e2q:
        return int(max_reps), []
    table = []
    best = 1
    for p in range(1, int(max_reps) + 1):
        qc, _ = qaoa_circuit(bqm, p)
        n2q = two_qubit_count(target.transpile(qc))
        fid = (1 - e2q) ** n2q
        table.append((p, n2q, fid))
        if fid < floor:
            break
        best = p
    return best, table
