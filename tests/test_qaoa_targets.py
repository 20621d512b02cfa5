"""QAOASampler on qiskit targets: noisy AerSimulator, GenericBackendV2, a fake IBM device
and SamplerV2 primitives (<= 8 qubits, one thread).

Claims about the output compare it with uniform random bits (``2^-n`` of the shots on
the ground state); ``test_random_child_fails_these_checks`` shows the checks fail for
``dimod.RandomSampler``.
"""

import dimod
import numpy as np
import pytest

pytest.importorskip("qiskit_aer")

from qiskit.primitives import BackendSamplerV2  # noqa: E402
from qiskit.providers.fake_provider import GenericBackendV2  # noqa: E402
from qiskit.quantum_info import Statevector  # noqa: E402
from qiskit.transpiler import CouplingMap  # noqa: E402
from qiskit_aer import AerSimulator  # noqa: E402
from qiskit_aer.noise import NoiseModel, depolarizing_error  # noqa: E402
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2  # noqa: E402

from dimod_shrink import ShrinkingComposite  # noqa: E402
from dimod_shrink.samplers import QAOASampler, diagonal_energies  # noqa: E402
from dimod_shrink.samplers.statevector import DiagonalQAOA  # noqa: E402
from dimod_shrink.samplers.targets import (AUTO_FIDELITY_FLOOR, Target, auto_reps,  # noqa: E402
                                           qaoa_circuit)
from strategies import ground_probability, uniform_ground_probability  # noqa: E402

ONE = {"max_parallel_threads": 1}


def model(n=6, seed=0, vartype="SPIN"):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(n, 0.6, vartype, random_state=seed,
                                           bias_generator=lambda s: rng.uniform(-1, 1, s))


def line_backend(n, seed=1):
    return GenericBackendV2(n, coupling_map=CouplingMap.from_line(n), seed=seed)


def noisy_aer(p2=0.02):
    nm = NoiseModel()
    nm.add_all_qubit_quantum_error(depolarizing_error(p2, 2), ["cx"])
    nm.add_all_qubit_quantum_error(depolarizing_error(p2 / 10, 1), ["sx", "x"])
    return AerSimulator(noise_model=nm, basis_gates=["cx", "rz", "sx", "x"])


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_circuit_is_the_statevector_qaoa(vartype):
    bqm = model(5, 1, vartype)
    E = diagonal_energies(bqm)
    s = float(E.std())
    q = DiagonalQAOA((E - E.mean()) / s, dtype=np.complex128)
    x = np.random.default_rng(2).uniform(-1, 1, 6)
    qc, params = qaoa_circuit(bqm, 3, scale=s)
    qc.remove_final_measurements()
    p = Statevector(qc.assign_parameters(dict(zip(params, x)))).probabilities()
    np.testing.assert_allclose(p, q.probabilities(x), atol=1e-12)


def test_noiseless_simulator_samples_the_trained_state():
    bqm = model(6, 0)
    exact = QAOASampler(**ONE).sample(bqm, reps=3, seed=4, shots=2000)
    ss = QAOASampler(AerSimulator(), **ONE).sample(bqm, reps=3, seed=4, shots=2000)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.info["train"] == "statevector" and ss.info["reps"] == 3
    # the same angles (trained on the statevector), measured on the simulator
    np.testing.assert_allclose(ss.info["optimal_parameters"], exact.info["optimal_parameters"])
    assert ground_probability(ss, bqm) == pytest.approx(ground_probability(exact, bqm), abs=0.05)
    assert ground_probability(ss, bqm) > 10 * uniform_ground_probability(bqm)
    assert ss.record.num_occurrences.sum() == 2000


def test_noisy_simulator_loses_fidelity_but_beats_uniform():
    bqm = model(6, 0)
    clean = QAOASampler(AerSimulator(), **ONE).sample(bqm, reps=4, seed=4, shots=2000)
    noisy = QAOASampler(noisy_aer(0.03), **ONE).sample(bqm, reps=4, seed=4, shots=2000)
    dimod.testing.assert_sampleset_energies(noisy, bqm)
    assert ground_probability(noisy, bqm) < ground_probability(clean, bqm)
    assert ground_probability(noisy, bqm) > 3 * uniform_ground_probability(bqm)
    # the simulator reports no gate errors: the estimate needs two_qubit_error
    assert noisy.info["two_qubit_error"] is None and noisy.info["estimated_fidelity"] is None


def test_routed_circuit_is_reported():
    bqm = model(7, 3)
    backend = line_backend(7)
    ss = QAOASampler(backend, **ONE).sample(bqm, reps=2, seed=1, shots=500)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    info = ss.info
    assert info["backend"] == backend.name and info["target"] == backend.name
    assert info["optimization_level"] == 1
    # on a line, routing adds SWAPs (3 CX each) to the 2 * couplings RZZ (2 CX each)
    logical = 2 * 2 * bqm.num_interactions
    assert info["two_qubit_gates"] > logical
    assert info["circuit_depth"] > 2 * 2
    e = info["two_qubit_error"]
    assert 0 < e < 0.05
    assert info["estimated_fidelity"] == pytest.approx((1 - e) ** info["two_qubit_gates"])


def test_seeded_target_runs_repeat():
    bqm = model(5, 2)
    a = QAOASampler(line_backend(5), **ONE).sample(bqm, reps=2, seed=9, shots=300)
    b = QAOASampler(line_backend(5), **ONE).sample(bqm, reps=2, seed=9, shots=300)
    assert a.record.sample.tolist() == b.record.sample.tolist()
    assert a.record.num_occurrences.tolist() == b.record.num_occurrences.tolist()


def test_auto_depth_follows_the_two_qubit_error():
    bqm = model(6, 0)
    tgt = Target(line_backend(6), seed=0)
    deep, _ = auto_reps(tgt, bqm, two_qubit_error=1e-5)
    shallow, table = auto_reps(tgt, bqm, two_qubit_error=2e-2)
    assert deep == 8 and 1 <= shallow < deep
    counts = [row[1] for row in table]
    assert counts == sorted(counts)  # deeper circuits, more two-qubit gates
    for p, n2q, fid in table:
        assert fid == pytest.approx((1 - 2e-2) ** n2q)
        assert (fid >= AUTO_FIDELITY_FLOOR) == (p <= shallow)
    # training on the target: the fidelity floor
    ss = QAOASampler(line_backend(6), **ONE).sample(bqm, reps="auto", seed=1, shots=200,
                                                     two_qubit_error=2e-2, train="target",
                                                     maxiter=3)
    assert ss.info["reps"] == shallow and ss.info["auto_rule"] == "fidelity floor"
    assert ss.info["estimated_fidelity"] >= AUTO_FIDELITY_FLOOR


def _check_ground_rule(info):
    """The depth is the argmax of F P_exact + (1 - F) u over the table it reports."""
    table = np.array(info["auto_table"])
    assert info["auto_rule"] == "estimated ground-state probability"
    assert table[:, 0].tolist() == list(range(1, 9))
    best = int(table[np.argmax(table[:, 4]), 0])
    assert info["reps"] == best
    return table


def test_auto_depth_by_estimated_ground_probability():
    bqm = model(6, 0)
    runs = {}
    for e in (1e-6, 5e-2):
        ss = QAOASampler(line_backend(6), **ONE).sample(bqm, seed=1, shots=200,
                                                         two_qubit_error=e)
        table = _check_ground_rule(ss.info)
        np.testing.assert_allclose(table[:, 2], (1 - e) ** table[:, 1])
        runs[e] = ss.info["reps"]
    assert runs[5e-2] < runs[1e-6]  # more noise, a shallower circuit


def test_sampler_primitives_are_targets():
    bqm = model(5, 4)
    for sampler in (AerSamplerV2(seed=3), BackendSamplerV2(backend=line_backend(5))):
        ss = QAOASampler(sampler, **ONE).sample(bqm, reps=2, seed=2, shots=1000)
        dimod.testing.assert_sampleset_energies(ss, bqm)
        assert ground_probability(ss, bqm) > 5 * uniform_ground_probability(bqm), type(sampler).__name__
    assert ss.info["target"] == "generic_backend_5q"


def test_fake_ibm_device():
    fake = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    bqm = model(6, 5)
    backend = fake.FakeNairobiV2()
    ss = QAOASampler(backend, **ONE).sample(bqm, seed=3, shots=1000)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.info["auto_reps"] and 1 <= ss.info["reps"] <= 8
    assert ss.info["two_qubit_error"] > 0
    _check_ground_rule(ss.info)
    assert ground_probability(ss, bqm) > 4 * uniform_ground_probability(bqm)


def test_training_on_the_target():
    bqm = model(5, 6)
    exact = QAOASampler(**ONE).sample(bqm, reps=2, seed=5, shots=4000)
    ss = QAOASampler(AerSimulator(), **ONE).sample(bqm, reps=2, train="target", maxiter=20,
                                                   seed=5, shots=400)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.info["train"] == "target" and ss.info["reps"] == 2
    # INTERP on the target: at most maxiter evaluations per depth
    assert 2 * 2 < ss.info["evaluations"] <= 2 * 20
    # as good as the angles trained on the exact statevector, up to shot noise
    assert ground_probability(ss, bqm) > 0.7 * ground_probability(exact, bqm)
    assert ground_probability(ss, bqm) > 3 * uniform_ground_probability(bqm)


def test_inside_the_composite_energies_are_on_the_original():
    bqm = model(10, 7)
    ss = ShrinkingComposite(QAOASampler(line_backend(6), **ONE)).sample(
        bqm, num_variables=6, seed=0, reps=1, shots=200)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.info["reps"] == 1 and ss.info["two_qubit_gates"] > 0


def test_random_child_fails_these_checks():
    bqm = model(6, 0)
    ss = dimod.RandomSampler().sample(bqm, num_reads=2000, seed=4)
    assert not ground_probability(ss, bqm) > 3 * uniform_ground_probability(bqm)


@pytest.mark.parametrize("kw,msg", [
    ({"reps": "auto"}, "reps=\"auto\""),
    ({"train": "target"}, "train applies to a qiskit target"),
    ({"backend": object()}, "BackendV2"),
])
def test_bad_target_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        QAOASampler(**ONE).sample(model(4, 0), **kw)


def test_bad_target_settings():
    bqm = model(4, 0)
    with pytest.raises(ValueError, match="train"):
        QAOASampler(AerSimulator(), **ONE).sample(bqm, train="hardware")
    with pytest.raises(ValueError, match="L_BFGS_B"):
        QAOASampler(AerSimulator(), **ONE).sample(bqm, train="target", optimizer="L_BFGS_B")
    with pytest.raises(ValueError, match="has 3 qubits"):
        QAOASampler(line_backend(3), **ONE).sample(bqm, reps=1)
    with pytest.raises(ValueError, match="optimization_level"):
        QAOASampler(AerSimulator(), optimization_level=7, **ONE).sample(bqm, reps=1)
    with pytest.raises(ValueError, match="unknown backend"):
        QAOASampler("gpu")
