"""QAOA child and quantum correlations (<= 12 qubits, one thread).

Claims about the child's output compare it with what uniform random bits would
give (``2^-n`` of the shots on the ground state, the spectrum's mean energy);
tests/test_child_quality.py runs the same kind of checks against
``dimod.RandomSampler`` explicitly.
"""

from pathlib import Path

import dimod
import numpy as np
import pytest
from scipy import sparse

pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_optimization")

from dimod_shrink import ShrinkingComposite  # noqa: E402
from dimod_shrink.correlations import (SampledCorrelation, qaoa1_expectations,  # noqa: E402
                                       resolve_estimator)
from dimod_shrink.ising import ising_form  # noqa: E402
from dimod_shrink.pipeline import solve_problem  # noqa: E402
from dimod_shrink.problems import load_problem  # noqa: E402
from dimod_shrink.samplers import (DiagonalQAOA, QAOASampler, RecordingSampler,  # noqa: E402
                                   bitstrings_to_samples, diagonal_energies, ising_operator)
from dimod_shrink.samplers.statevector import interp  # noqa: E402

from strategies import (ground_probability, planted_clique_model,  # noqa: E402
                        uniform_ground_probability)

ONE = {"max_parallel_threads": 1}


def random_bqm(n, seed, vartype="SPIN", density=0.5):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(n, density, vartype, random_state=seed,
                                           bias_generator=lambda s: rng.uniform(-1, 1, s))


def uniform_mean_and_std(bqm):
    """Mean and spread of the energy under uniform random bits."""
    E = diagonal_energies(bqm)
    return float(E.mean()), float(E.std())


def sample_mean(ss):
    r = ss.record
    return float((r.energy * r.num_occurrences).sum() / r.num_occurrences.sum())


def test_sampler_api():
    sampler = QAOASampler()
    dimod.testing.assert_sampler_api(sampler)
    assert sampler.properties["max_qubits"] == 24
    assert {"reps", "shots", "seed", "ansatz", "cvar_alpha", "backend", "scale", "restarts",
            "warm_start"} <= set(sampler.parameters)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
@pytest.mark.parametrize("backend", ["statevector", "aer"])
def test_energies_match_the_model(vartype, backend):
    bqm = random_bqm(7, 1, vartype)
    ss = QAOASampler().sample(bqm, reps=1, seed=3, shots=256, backend=backend, **ONE)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.record.num_occurrences.sum() == pytest.approx(256, abs=len(ss))
    assert ss.vartype is bqm.vartype


@pytest.mark.parametrize("n,seed", [(6, 1), (8, 2), (10, 3), (12, 4)])
def test_best_sample_is_the_exact_ground_state(n, seed):
    bqm = random_bqm(n, seed, "BINARY")
    ss = QAOASampler().sample(bqm, seed=seed, **ONE)
    ground = dimod.ExactSolver().sample(bqm).first
    assert ss.first.sample == ground.sample
    assert ss.first.energy == pytest.approx(ground.energy)
    # uniform bits would put (number of ground states) / 2^n of the shots there
    assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)


def test_bit_order_on_an_asymmetric_model():
    # x = (a, b, c) = (1, 1, 0) reads (0, 1, 1) with the qubit <-> variable map reversed
    bqm = dimod.BinaryQuadraticModel({"a": -2.0, "b": -1.0, "c": 1.5}, {}, 0.0, "BINARY")
    for backend in ("statevector", "aer"):
        ss = QAOASampler().sample(bqm, seed=0, backend=backend, **ONE)
        assert ss.first.sample == {"a": 1, "b": 1, "c": 0}
        assert ground_probability(ss, bqm) > 0.5  # uniform bits: 1/8
    assert bitstrings_to_samples(["001", "110"], 3).tolist() == [[1, 0, 0], [0, 1, 1]]


@pytest.mark.parametrize("n", [1, 3, 6, 9])
def test_statevector_matches_qiskit_circuit(n):
    from qiskit.circuit.library import QAOAAnsatz
    from qiskit.quantum_info import Statevector
    bqm = random_bqm(n, n, "BINARY", density=0.6)
    op, order, offset = ising_operator(bqm)
    params = np.array([-0.3, 0.5, 0.7, 0.2])
    ref = Statevector(QAOAAnsatz(op, reps=2).assign_parameters(params)).probabilities()
    q = DiagonalQAOA(diagonal_energies(bqm, order) - offset)
    np.testing.assert_allclose(q.probabilities(params), ref, atol=1e-6)


def test_warm_start_matches_qiskit_circuit():
    from qiskit.circuit import QuantumCircuit
    from qiskit.circuit.library import QAOAAnsatz
    from qiskit.quantum_info import SparsePauliOp, Statevector
    n = 5
    bqm = random_bqm(n, 2, "BINARY", density=0.6)
    op, order, offset = ising_operator(bqm)
    c = np.random.default_rng(0).uniform(0.1, 0.9, n)
    theta = 2 * np.arcsin(np.sqrt(c))
    init = QuantumCircuit(n)
    for k in range(n):
        init.ry(theta[k], k)
    mixer = SparsePauliOp.from_sparse_list(
        [("Z", [k], np.cos(theta[k])) for k in range(n)]
        + [("X", [k], np.sin(theta[k])) for k in range(n)], num_qubits=n)
    params = np.array([0.4, -0.2, 0.9, 0.3])
    circ = QAOAAnsatz(op, reps=2, initial_state=init, mixer_operator=mixer)
    ref = Statevector(circ.assign_parameters(params)).probabilities()
    q = DiagonalQAOA(diagonal_energies(bqm, order) - offset, warm_start=c)
    np.testing.assert_allclose(q.probabilities(params), ref, atol=1e-6)


@pytest.mark.parametrize("alpha", [1.0, 0.2])
@pytest.mark.parametrize("warm", [False, True])
def test_adjoint_gradient_matches_finite_differences(alpha, warm):
    bqm = random_bqm(7, 5, "BINARY")
    c = np.linspace(0.2, 0.8, 7) if warm else None
    q = DiagonalQAOA(diagonal_energies(bqm), alpha, dtype=np.complex128, warm_start=c)
    x = np.array([-0.4, 0.3, -0.2, 0.6, 0.1, 0.8])
    value, grad = q.value_and_grad(x)
    assert value == pytest.approx(q.value(x))
    fd = [(q.value(x + 1e-6 * e) - q.value(x - 1e-6 * e)) / 2e-6 for e in np.eye(x.size)]
    np.testing.assert_allclose(grad, fd, atol=1e-6)


def test_cvar_objective_is_the_tail_mean():
    cost = np.array([3.0, -1.0, 2.0, 0.0])
    prob = np.full(4, 0.25)
    value, _ = DiagonalQAOA(cost, cvar_alpha=0.5)._objective_weights(prob)
    assert value == pytest.approx((-1.0 + 0.0) / 2)  # the lowest half: -1 and 0
    assert DiagonalQAOA(cost)._objective_weights(prob)[0] == pytest.approx(1.0)


def test_interp_rule():
    # Zhou et al.: p = 2 -> 3 keeps the ends and interpolates the middle
    np.testing.assert_allclose(interp([1.0, 3.0, 2.0, 4.0]), [1.0, 2.0, 3.0, 2.0, 3.0, 4.0])


def test_diagonal_energies_match_dimod():
    bqm = random_bqm(9, 8, "SPIN")
    X = ((np.arange(2 ** 9)[:, None] >> np.arange(9)) & 1) * 2 - 1
    np.testing.assert_allclose(diagonal_energies(bqm), bqm.energies((X, list(bqm.variables))))


@pytest.mark.parametrize("backend", ["statevector", "aer"])
def test_seeded_run_repeats_exactly(backend):
    bqm = random_bqm(8, 4)
    a = QAOASampler().sample(bqm, reps=2, seed=9, backend=backend, **ONE)
    b = QAOASampler().sample(bqm, reps=2, seed=9, backend=backend, **ONE)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    np.testing.assert_array_equal(a.record.num_occurrences, b.record.num_occurrences)
    assert a.info["optimal_parameters"] == b.info["optimal_parameters"]


def test_info_contents():
    bqm = random_bqm(8, 5)
    ss = QAOASampler().sample(bqm, seed=0, **ONE)
    info = ss.info
    assert info["shots"] == 1024 and info["reps"] == 8 and info["backend"] == "statevector"
    assert len(info["optimal_parameters"]) == 16 and info["evaluations"] > 0
    assert info["cvar_alpha"] == 0.1
    assert set(info["timing"]) == {"optimize", "total"}
    E = diagonal_energies(bqm)
    # the optimiser's final value is the CVaR (alpha = 0.1) of the final state: at least
    # the ground energy, at most its mean energy, which is far below the uniform mean
    tol = 1e-4 * E.std()
    assert E.min() - tol <= info["optimal_value"] <= info["expectation"] + tol
    assert info["expectation"] < E.mean() - E.std()
    # the reported expectation is the mean energy of the samples (up to shot noise)
    assert info["expectation"] == pytest.approx(sample_mean(ss), abs=0.1 * E.std())


@pytest.mark.parametrize("optimizer", ["L_BFGS_B", "COBYLA", "SPSA", "NELDER_MEAD"])
def test_optimizers_lower_the_energy(optimizer):
    bqm = random_bqm(6, 6)
    mean, std = uniform_mean_and_std(bqm)
    ss = QAOASampler().sample(bqm, optimizer=optimizer, maxiter=30, seed=1, reps=2,
                              cvar_alpha=1.0, **ONE)
    # uniform bits: the spectrum's mean energy, +- std / 32 at 1024 shots
    assert sample_mean(ss) < mean - 0.5 * std


@pytest.mark.parametrize("optimizer", ["COBYLA", "SPSA"])
def test_aer_backend_lowers_the_energy(optimizer):
    bqm = random_bqm(6, 6)
    mean, std = uniform_mean_and_std(bqm)
    ss = QAOASampler().sample(bqm, backend="aer", optimizer=optimizer, maxiter=60, reps=1,
                              seed=1, **ONE)
    assert ss.info["backend"] == "aer" and ss.info["evaluations"] > 0
    assert sample_mean(ss) < mean - 0.5 * std


def test_cvar_vqe_ry_rz():
    bqm = random_bqm(8, 7, "BINARY")
    ss = QAOASampler().sample(bqm, ansatz="ry_rz", reps=2, cvar_alpha=0.25, maxiter=150,
                              seed=2, **ONE)
    assert ss.info["ansatz"] == "ry_rz" and ss.info["cvar_alpha"] == 0.25
    assert ss.info["backend"] == "aer"
    assert ss.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)
    assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)


@pytest.mark.parametrize("point", ["transfer", "interp", "ramp", "fixed", "random",
                                   [-0.3, 0.2]])
def test_initial_point_strategies(point):
    bqm = random_bqm(6, 8)
    mean, std = uniform_mean_and_std(bqm)
    reps = 2 if isinstance(point, str) else 1
    ss = QAOASampler().sample(bqm, initial_point=point, reps=reps, seed=0, maxiter=30,
                              cvar_alpha=1.0, **ONE)
    assert sample_mean(ss) < mean - 0.5 * std


def test_angle_table_holds_depths_one_to_eight():
    from dimod_shrink.samplers.angles import ANGLES
    assert sorted(ANGLES) == list(range(1, 9))
    for p, vectors in ANGLES.items():
        arr = np.array(vectors)
        assert arr.shape == (len(vectors), 2 * p) and len(vectors) >= 4
        assert np.isfinite(arr).all()
        # beta < 0 < gamma in the last layer: the annealing-like direction the sampler uses
        assert (arr[:, p - 1] < 0).all() and (arr[:, -1] > 0).all()


def test_angle_table_is_what_its_generator_writes(monkeypatch):
    # the module is generated by benchmarks/angle_table.py: its layout and header round-trip
    import importlib
    from dimod_shrink.samplers import angles
    bench = Path(__file__).parents[1] / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    gen = importlib.import_module("angle_table")
    keep = len(angles.ANGLES[1])
    models = [{"angles": [angles.ANGLES[p][i] for p in range(1, 9)]} for i in range(keep)]
    picks = {p: (list(range(keep)), [0.0] * keep) for p in range(1, 9)}
    text = gen.module_text(models, picks, "python benchmarks/angle_table.py")
    assert text == Path(angles.__file__).read_text()


def test_transfer_is_the_default_and_needs_far_fewer_evaluations():
    # a reduced penalty model, as the pipeline hands the child
    rec = RecordingSampler(dimod.RandomSampler())
    demo = Path(__file__).parents[1] / "examples" / "data" / "mknap-demo.txt"
    solve_problem(load_problem(demo), rec, qubits=12, seed=0, polish=False,
                  child_params={"num_reads": 1})
    bqm = rec.calls[-1][0]
    assert bqm.num_variables == 12
    fast = QAOASampler().sample(bqm, seed=0, **ONE)
    slow = QAOASampler().sample(bqm, seed=0, initial_point="interp", **ONE)
    assert fast.info["initial_point"] == "transfer" and fast.info["start"] == "table"
    assert (fast.info["maxiter"], fast.info["restarts"]) == (20, 1)
    assert (slow.info["maxiter"], slow.info["restarts"]) == (40, 3)
    assert fast.info["evaluations"] * 4 < slow.info["evaluations"]
    ground = dimod.ExactSolver().sample(bqm).first.energy
    assert fast.first.energy == pytest.approx(ground)
    assert ground_probability(fast, bqm) >= 0.5 * ground_probability(slow, bqm)


def test_transfer_angles_are_tried_and_kept_when_better():
    bqm = random_bqm(9, 4)
    kw = dict(seed=0, reps=3, cvar_alpha=1.0, **ONE)  # the mean energy: a smooth objective
    first = QAOASampler().sample(bqm, maxiter=60, **kw)
    table = QAOASampler().sample(bqm, maxiter=1, **kw)
    assert first.info["optimal_value"] < table.info["optimal_value"] - 1e-6
    again = QAOASampler().sample(bqm, maxiter=1,
                                 transfer_angles=first.info["optimal_parameters"], **kw)
    # one iteration from the trained angles is at least as good as the table start allows
    assert again.info["start"] == "given"
    assert again.info["optimal_value"] <= first.info["optimal_value"] + 1e-9
    several = QAOASampler().sample(bqm, maxiter=1, transfer_angles=[
        first.info["optimal_parameters"], np.zeros(6)], **kw)
    assert several.info["optimal_value"] == pytest.approx(again.info["optimal_value"])


def test_transfer_never_leaves_a_better_start():
    # SPSA's noisy steps can end above its start; the start is kept then
    from dimod_shrink.samplers.angles import ANGLES
    bqm = random_bqm(6, 6)
    ss = QAOASampler().sample(bqm, optimizer="SPSA", maxiter=5, reps=2, seed=1,
                              cvar_alpha=1.0, **ONE)
    E = diagonal_energies(bqm)
    q = DiagonalQAOA((E - E.mean()) / E.std())
    best_start = min(q.value(a) for a in ANGLES[2])
    assert (ss.info["optimal_value"] - E.mean()) / E.std() <= best_start + 1e-6


def test_transfer_falls_back_to_interp_where_the_table_has_no_angles():
    bqm = random_bqm(5, 2)
    assert QAOASampler().sample(bqm, reps=9, maxiter=2, seed=0,
                                **ONE).info["initial_point"] == "interp"
    assert QAOASampler().sample(bqm, warm_start=[0.5] * 5, maxiter=2, seed=0,
                                **ONE).info["initial_point"] == "interp"


def test_transfer_errors():
    bqm = random_bqm(4, 8)
    with pytest.raises(ValueError, match="depths 1 to 8"):
        QAOASampler().sample(bqm, initial_point="transfer", reps=9, seed=0)
    with pytest.raises(ValueError, match="warm_start"):
        QAOASampler().sample(bqm, initial_point="transfer", warm_start=[0.5] * 4, seed=0)
    with pytest.raises(ValueError, match="ramp"):
        QAOASampler().sample(bqm, initial_point="transfer", backend="aer", seed=0)
    with pytest.raises(ValueError, match="4 finite angles"):
        QAOASampler().sample(bqm, reps=2, transfer_angles=[0.1, 0.2, 0.3], seed=0)
    with pytest.raises(ValueError, match="4 finite angles"):
        QAOASampler().sample(bqm, reps=2, transfer_angles=[0.1, 0.2, 0.3, np.nan], seed=0)
    with pytest.raises(ValueError, match="initial_point=\"transfer\""):
        QAOASampler().sample(bqm, reps=2, initial_point="interp",
                             transfer_angles=[0.1, 0.2, 0.3, 0.4], seed=0)


def test_iterated_rounds_hand_the_child_their_angles():
    from dimod_shrink import IteratedShrinkingComposite

    class Spy(QAOASampler):
        def sample(self, bqm, **kw):
            self.seen.append(kw.get("transfer_angles"))
            return super().sample(bqm, **kw)

    spy = Spy()
    spy.seen = []
    bqm = random_bqm(14, 5, "BINARY")
    ss = IteratedShrinkingComposite(spy, num_variables=6).sample(
        bqm, seed=1, max_rounds=3, patience=5, shots=64, **ONE)
    rounds = ss.info["rounds"]
    assert len(spy.seen) >= 3 and spy.seen[0] is None
    calls = [r for r in rounds if "child_start" in r]
    assert calls and all(r["child_start"] in ("table", "given") for r in calls)
    # every call after the first round's child gets the previous call's trained angles
    assert all(a is not None and len(a) == 1 and len(a[0]) == 16 for a in spy.seen[2:])


def test_warm_start_options():
    bqm = random_bqm(8, 9)
    ss = QAOASampler().sample(bqm, warm_start="lowrank", seed=0, **ONE)
    assert ss.info["warm_start"] == "lowrank"
    assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)
    ground = dimod.ExactSolver().sample(bqm).first.sample
    given = {v: 0.9 if ground[v] else 0.1 for v in bqm.variables}
    ss = QAOASampler().sample(bqm, warm_start=given, warm_start_epsilon=0.1, seed=0, **ONE)
    assert ss.info["warm_start"] == "given" and ss.first.sample == ground


def test_errors():
    bqm = random_bqm(4, 8)
    with pytest.raises(ValueError, match="parameters"):
        QAOASampler().sample(bqm, initial_point=[0.1], reps=1, seed=0)
    with pytest.raises(ValueError, match="ramp"):
        QAOASampler().sample(bqm, initial_point="warm", seed=0)
    with pytest.raises(ValueError, match="optimizer"):
        QAOASampler().sample(bqm, optimizer="adam", seed=0)
    with pytest.raises(ValueError, match="ansatz"):
        QAOASampler().sample(bqm, ansatz="hea", seed=0)
    with pytest.raises(ValueError, match="cvar_alpha"):
        QAOASampler().sample(bqm, cvar_alpha=0.0, seed=0)
    with pytest.raises(ValueError, match="reps"):
        QAOASampler().sample(bqm, reps=0, seed=0)
    with pytest.raises(ValueError, match="backend"):
        QAOASampler().sample(bqm, backend="gpu", seed=0)
    with pytest.raises(ValueError, match="aer"):
        QAOASampler().sample(bqm, ansatz="ry_rz", backend="statevector", seed=0)
    with pytest.raises(ValueError, match="scale"):
        QAOASampler().sample(bqm, scale="median", seed=0)
    with pytest.raises(ValueError, match="warm_start"):
        QAOASampler().sample(bqm, warm_start="sdpx", seed=0)
    with pytest.raises(ValueError, match="4 values"):
        QAOASampler().sample(bqm, warm_start=[0.5, 0.5], seed=0)
    with pytest.raises(ValueError, match="statevector"):
        QAOASampler().sample(bqm, warm_start="lowrank", backend="aer", seed=0)


def test_size_guard():
    bqm = random_bqm(30, 0, density=0.1)
    with pytest.raises(ValueError, match="ShrinkingComposite") as info:
        QAOASampler().sample(bqm)
    assert "GiB" in str(info.value) and "30 variables" in str(info.value)
    with pytest.raises(ValueError, match="at most 5"):
        QAOASampler(max_qubits=5).sample(random_bqm(6, 0))


def test_empty_and_one_variable_models():
    empty = dimod.BinaryQuadraticModel({}, {}, 1.5, "BINARY")
    ss = QAOASampler().sample(empty, seed=0)
    assert len(ss.variables) == 0 and ss.first.energy == 1.5
    one = dimod.BinaryQuadraticModel({"x": -1.0}, {}, 0.0, "BINARY")
    ss = QAOASampler().sample(one, seed=0, **ONE)
    assert ss.first.sample == {"x": 1} and ground_probability(ss, one) > 0.9  # uniform: 1/2
    assert ss.info["cvar_alpha"] == 1.0  # a two-state tail is flat: trained on the mean


# -- correlations --------------------------------------------------------------------------
def statevector_p1(h, J, gamma, beta):
    """Plain numpy statevector of exp(-i beta sum X) exp(-i gamma C)|+>^n."""
    n = h.size
    bits = (np.arange(2 ** n)[:, None] >> np.arange(n)) & 1
    z = 1 - 2 * bits
    C = z @ h + np.einsum("si,ij,sj->s", z, np.triu(J, 1), z)
    psi = (np.exp(-1j * gamma * C) / np.sqrt(2 ** n)).reshape([2] * n)
    rx = np.array([[np.cos(beta), -1j * np.sin(beta)], [-1j * np.sin(beta), np.cos(beta)]])
    for ax in range(n):
        psi = np.moveaxis(np.tensordot(rx, psi, axes=([1], [ax])), 0, ax)
    # the mixer acts alike on every axis, so the reshape's axis order does not matter
    p = np.abs(psi.reshape(-1)) ** 2
    return p @ z, np.einsum("s,si,sj->ij", p, z, z)


@pytest.mark.parametrize("seed", range(8))
def test_qaoa1_matches_statevector(seed):
    rng = np.random.default_rng(seed)
    n = 6
    h = rng.uniform(-1, 1, n)
    A = np.triu(rng.uniform(-1, 1, (n, n)) * (rng.random((n, n)) < 0.6), 1)
    J = A + A.T
    gamma, beta = rng.uniform(0, 2), rng.uniform(0, 1.5)
    Z1, ZZ1 = statevector_p1(h, J, gamma, beta)
    Z2, ZZ2 = qaoa1_expectations(h, sparse.csr_array(J), gamma, beta)
    np.testing.assert_allclose(Z2, Z1, atol=1e-6)
    np.testing.assert_allclose(ZZ2, ZZ1, atol=1e-6)


def test_qaoa1_matches_qiskit_circuit():
    from qiskit.circuit.library import QAOAAnsatz
    from qiskit.quantum_info import SparsePauliOp, Statevector
    rng = np.random.default_rng(11)
    n = 5
    h = rng.uniform(-1, 1, n)
    A = np.triu(rng.uniform(-1, 1, (n, n)) * (rng.random((n, n)) < 0.7), 1)
    terms = [("Z", [i], h[i]) for i in range(n)]
    terms += [("ZZ", [i, j], A[i, j]) for i in range(n) for j in range(i + 1, n) if A[i, j]]
    op = SparsePauliOp.from_sparse_list(terms, num_qubits=n)
    beta, gamma = 0.37, 0.81
    circ = QAOAAnsatz(op, reps=1).assign_parameters([beta, gamma])
    sv = Statevector(circ)
    Z, ZZ = qaoa1_expectations(h, sparse.csr_array(A + A.T), gamma, beta)
    for i in range(n):
        zi = SparsePauliOp.from_sparse_list([("Z", [i], 1.0)], num_qubits=n)
        assert sv.expectation_value(zi).real == pytest.approx(Z[i], abs=1e-6)
    zz = SparsePauliOp.from_sparse_list([("ZZ", [0, 3], 1.0)], num_qubits=n)
    assert sv.expectation_value(zz).real == pytest.approx(ZZ[0, 3], abs=1e-6)


def test_qaoa1_estimator_shape_and_range():
    bqm = random_bqm(30, 3, density=0.2)
    K = ising_form(bqm).couplings
    C = resolve_estimator("qaoa1")(K, np.random.default_rng(0))
    assert C.shape == (31, 31)
    assert np.allclose(C, C.T) and (np.abs(C) <= 1).all() and np.allclose(np.diag(C), 1)


def test_sampled_correlation_on_a_planted_model():
    t = np.array([1, -1, 1, 1, -1, -1])
    K = ising_form(planted_clique_model(t)).couplings
    assert resolve_estimator("sampled").name == "sampled"
    est = SampledCorrelation(QAOASampler(), {"reps": 2, "seed": 0, **ONE})
    Cq = est(K, np.random.default_rng(0))
    planted = np.outer(np.append(t, 1), np.append(t, 1))
    # the QAOA distribution concentrates on the planted state: every sign agrees
    assert (np.sign(Cq) == planted).all()
    Cs = resolve_estimator("sampled")(K, np.random.default_rng(0))  # default: SA, 100 reads
    np.testing.assert_allclose(Cs[:6, :6], planted[:6, :6])  # the pair structure is exact
    assert (np.sign(Cs) == planted).all()  # the field picks the planted state in most reads


# -- the whole quantum pipeline ------------------------------------------------------------
@pytest.mark.parametrize("path,kw,budget", [("mis/1dc.64.dimacs", {}, 12),
                                            ("maxcut/g05_60.1", {"problem": "maxcut"}, 12)])
def test_shrinking_with_qaoa_child(instances, path, kw, budget):
    problem = load_problem(instances / path, **kw)
    rec = RecordingSampler(QAOASampler())
    r = solve_problem(problem, rec, qubits=budget, seed=0, polish=False,
                      child_params={"shots": 1024, **ONE})
    assert r["num_reduced"] <= budget
    assert r["feasible"] and r["sampleset"].record.is_feasible.all()
    # the child's raw answer on the model it was handed, before expansion and repair
    reduced, raw = rec.calls[-1]
    assert raw.first.energy == pytest.approx(diagonal_energies(reduced).min())
    assert ground_probability(raw, reduced) >= 16 * uniform_ground_probability(reduced)


def test_composite_over_qaoa_energies_on_original():
    bqm = random_bqm(20, 12, "BINARY", density=0.3)
    rec = RecordingSampler(QAOASampler())
    ss = ShrinkingComposite(rec).sample(bqm, num_variables=8, seed=1, max_parallel_threads=1)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert set(ss.variables) == set(bqm.variables)
    reduced, raw = rec.calls[-1]
    assert raw.first.energy == pytest.approx(diagonal_energies(reduced).min())
    assert ground_probability(raw, reduced) >= 16 * uniform_ground_probability(reduced)
