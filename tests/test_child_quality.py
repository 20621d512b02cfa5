"""The QAOA child must beat uniform random bits (<= 12 qubits, one thread).

Every check runs twice: with the QAOA child, where it must pass, and with
``dimod.RandomSampler`` at the same number of shots, where it must fail -- so
none of these tests can pass whatever the child returns.
"""

import contextlib

import dimod
import numpy as np
import pytest

pytest.importorskip("qiskit_aer")
pytest.importorskip("qiskit_optimization")

from dimod_shrink.pipeline import solve_problem  # noqa: E402
from dimod_shrink.problems import load_problem  # noqa: E402
from dimod_shrink.samplers import QAOASampler, RecordingSampler, diagonal_energies  # noqa: E402
from strategies import ground_probability, uniform_ground_probability  # noqa: E402

ONE = {"max_parallel_threads": 1}
SHOTS = 1024
CHILDREN = ["qaoa", "random"]


def child_sampler(child):
    """``(sampler, parameters)``: the QAOA child, or the uniform control at the same shots."""
    if child == "qaoa":
        return QAOASampler(), {"shots": SHOTS, **ONE}
    return dimod.RandomSampler(), {"num_reads": SHOTS}


def sample(child, bqm, seed=0, **kw):
    sampler, params = child_sampler(child)
    return sampler.sample(bqm, seed=seed, **params, **kw)


@contextlib.contextmanager
def must_hold_for(child):
    """The assertions inside must hold for QAOA and fail for the uniform control."""
    if child == "qaoa":
        yield
    else:
        with pytest.raises(AssertionError):
            yield


def random_bqm(n, seed, density=0.5):
    rng = np.random.default_rng(seed)
    return dimod.generators.gnp_random_bqm(n, density, "BINARY", random_state=seed,
                                           bias_generator=lambda s: rng.uniform(-1, 1, s))


@pytest.mark.parametrize("child", CHILDREN)
@pytest.mark.parametrize("n,seed", [(8, 0), (10, 1), (12, 2)])
def test_ground_state_probability_far_above_uniform(child, n, seed):
    bqm = random_bqm(n, seed)
    ss = sample(child, bqm, seed=seed)
    with must_hold_for(child):
        assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)


@pytest.mark.parametrize("child", CHILDREN)
def test_bit_order_with_an_asymmetric_answer(child):
    # the ground state x = (a, b, c, d) = (1, 1, 0, 0) is not a palindrome: with the
    # qubit <-> variable map reversed the answer would read (0, 0, 1, 1)
    bqm = dimod.BinaryQuadraticModel({"a": -2.0, "b": -1.0, "c": 1.5, "d": 0.5},
                                     {"ab": 0.5, "cd": -0.3}, 0.0, "BINARY")
    ground = {"a": 1, "b": 1, "c": 0, "d": 0}
    assert dimod.ExactSolver().sample(bqm).first.sample == ground
    ss = sample(child, bqm, seed=3)
    with must_hold_for(child):
        assert ss.first.sample == ground
        assert ground_probability(ss, bqm) > 0.25  # uniform bits: 1/16


@pytest.mark.parametrize("child", CHILDREN)
def test_spin_model_ground_state(child):
    rng = np.random.default_rng(4)
    bqm = dimod.generators.gnp_random_bqm(10, 0.5, "SPIN", random_state=4,
                                          bias_generator=lambda s: rng.uniform(-1, 1, s))
    ss = sample(child, bqm, seed=4)
    assert ss.vartype is dimod.SPIN
    with must_hold_for(child):
        assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)


@pytest.mark.parametrize("child", CHILDREN)
def test_cvar_vqe_concentrates_on_low_energy(child):
    bqm = random_bqm(8, 7)
    if child == "qaoa":
        ss = QAOASampler().sample(bqm, ansatz="ry_rz", reps=2, cvar_alpha=0.25, maxiter=150,
                                  seed=2, **ONE)
    else:
        ss = sample(child, bqm, seed=2)
    with must_hold_for(child):
        assert ground_probability(ss, bqm) >= 16 * uniform_ground_probability(bqm)


@pytest.mark.parametrize("child", CHILDREN)
@pytest.mark.parametrize("path,kw,budget", [("mis/1dc.64.dimacs", {}, 12),
                                            ("mdkp/mknap1.txt", {"instance": 5}, 10),
                                            ("maxcut/g05_60.0", {"problem": "maxcut"}, 12)])
def test_raw_child_output_on_the_reduced_model(instances, child, path, kw, budget):
    """The child's own samples of the model shrinking hands it, before expansion and repair."""
    problem = load_problem(instances / path, **kw)
    sampler, params = child_sampler(child)
    rec = RecordingSampler(sampler)
    r = solve_problem(problem, rec, qubits=budget, seed=0, polish=False, child_params=params)
    reduced, raw = rec.calls[-1]
    n = reduced.num_variables
    assert n <= budget and r["num_reduced"] == n
    with must_hold_for(child):
        assert np.isclose(raw.first.energy, diagonal_energies(reduced).min())
        # penalty models (MDKP) are the hard case: about 10x uniform at 10 qubits
        assert ground_probability(raw, reduced) >= 8 * uniform_ground_probability(reduced)
