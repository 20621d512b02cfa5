"""QAOA child and quantum correlations (<= 12 qubits, one thread)."""

import dimod
import numpy as np
import pytest
from scipy import sparse

pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_optimization")

from dimod_shrink import ShrinkingComposite  # noqa: E402
from dimod_shrink.correlations import (QAOA1Correlation, SampledCorrelation,  # noqa: E402
                                       qaoa1_expectations, resolve_estimator)
from dimod_shrink.ising import ising_form  # noqa: E402
from dimod_shrink.pipeline import solve_problem  # noqa: E402
from dimod_shrink.problems import load_problem  # noqa: E402
from dimod_shrink.samplers import QAOASampler, bitstrings_to_samples  # noqa: E402

from strategies import planted_clique_model  # noqa: E402

ONE = {"max_parallel_threads": 1}


def random_bqm(n, seed, vartype="SPIN", density=0.5):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(n, density, vartype, random_state=seed,
                                           bias_generator=lambda s: rng.uniform(-1, 1, s))


def test_sampler_api():
    sampler = QAOASampler()
    dimod.testing.assert_sampler_api(sampler)
    assert sampler.properties["max_qubits"] == 24
    assert {"reps", "shots", "seed", "ansatz", "cvar_alpha"} <= set(sampler.parameters)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_energies_match_the_model(vartype):
    bqm = random_bqm(7, 1, vartype)
    ss = QAOASampler().sample(bqm, reps=1, seed=3, shots=256, **ONE)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert ss.record.num_occurrences.sum() == pytest.approx(256, abs=len(ss))
    assert ss.vartype is bqm.vartype


@pytest.mark.parametrize("n,seed", [(4, 0), (6, 1), (8, 2), (10, 3)])
def test_best_sample_is_the_exact_ground_state(n, seed):
    bqm = random_bqm(n, seed, "BINARY")
    ss = QAOASampler().sample(bqm, reps=2, seed=seed, **ONE)
    ground = dimod.ExactSolver().sample(bqm).first
    assert ss.first.sample == ground.sample
    assert ss.first.energy == pytest.approx(ground.energy)


def test_bit_order_on_a_field_only_model():
    # strong fields make the answer unique and asymmetric: x_a = 1, x_b = 0, x_c = 1
    bqm = dimod.BinaryQuadraticModel({"a": -2.0, "b": 1.0, "c": -0.5}, {}, 0.0, "BINARY")
    ss = QAOASampler().sample(bqm, reps=1, seed=0, **ONE)
    assert ss.first.sample == {"a": 1, "b": 0, "c": 1}
    assert bitstrings_to_samples(["001", "110"], 3).tolist() == [[1, 0, 0], [0, 1, 1]]


def test_seeded_run_repeats_exactly():
    bqm = random_bqm(8, 4)
    a = QAOASampler().sample(bqm, reps=2, seed=9, **ONE)
    b = QAOASampler().sample(bqm, reps=2, seed=9, **ONE)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    np.testing.assert_array_equal(a.record.num_occurrences, b.record.num_occurrences)
    assert a.info["optimal_parameters"] == b.info["optimal_parameters"]


def test_info_contents():
    ss = QAOASampler().sample(random_bqm(5, 5), reps=1, seed=0, **ONE)
    info = ss.info
    assert len(info["optimal_parameters"]) == 2 and info["evaluations"] > 0
    assert set(info["timing"]) == {"optimize", "total"}
    # the reported expectation is the mean energy of the final distribution (up to shot noise)
    r = ss.record
    mean = (r.energy * r.num_occurrences).sum() / r.num_occurrences.sum()
    assert info["expectation"] == pytest.approx(mean, abs=0.5)


@pytest.mark.parametrize("optimizer", ["COBYLA", "SPSA", "NELDER_MEAD"])
def test_optimizers(optimizer):
    ss = QAOASampler().sample(random_bqm(4, 6), optimizer=optimizer, maxiter=20, seed=1, **ONE)
    assert len(ss) > 0


def test_cvar_vqe_ry_rz():
    bqm = random_bqm(6, 7, "BINARY")
    ss = QAOASampler().sample(bqm, ansatz="ry_rz", reps=2, cvar_alpha=0.25, maxiter=150,
                              seed=2, **ONE)
    assert ss.info["ansatz"] == "ry_rz" and ss.info["cvar_alpha"] == 0.25
    assert ss.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)


def test_initial_point_strategies_and_errors():
    bqm = random_bqm(4, 8)
    for point in ("ramp", "fixed", "random", [0.1, 0.2]):
        assert len(QAOASampler().sample(bqm, initial_point=point, seed=0, maxiter=10, **ONE))
    with pytest.raises(ValueError, match="parameters"):
        QAOASampler().sample(bqm, initial_point=[0.1], seed=0)
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
    assert QAOASampler().sample(one, seed=0, **ONE).first.sample == {"x": 1}


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
@pytest.mark.parametrize("path,kw,budget", [("mdkp/mknap1.txt", {"instance": 3}, 10),
                                            ("mis/1dc.64.dimacs", {}, 12),
                                            ("qap/nug5.dat", {}, 12)])
def test_shrinking_with_qaoa_child_is_feasible(instances, path, kw, budget):
    problem = load_problem(instances / path, **kw)
    r = solve_problem(problem, QAOASampler(), qubits=budget, seed=0,
                      child_params={"reps": 1, "shots": 512, "maxiter": 40, **ONE})
    assert r["num_reduced"] <= budget
    assert r["feasible"] and r["sampleset"].record.is_feasible.all()


def test_composite_over_qaoa_energies_on_original():
    bqm = random_bqm(20, 12, "BINARY", density=0.3)
    ss = ShrinkingComposite(QAOASampler()).sample(bqm, num_variables=8, seed=1, reps=1,
                                                  max_parallel_threads=1)
    dimod.testing.assert_sampleset_energies(ss, bqm)
    assert set(ss.variables) == set(bqm.variables)
