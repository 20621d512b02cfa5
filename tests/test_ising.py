import dimod
import numpy as np
import pytest
from hypothesis import given

from dimod_shrink.ising import ising_form, validate_bqm

from strategies import all_assignments, bqms


@given(bqms())
def test_form_energy_equals_bqm_energy(bqm):
    form = ising_form(bqm)
    assert form.labels == tuple(bqm.variables)
    samples = all_assignments(len(bqm), bqm.vartype)
    spins = 2 * samples - 1 if bqm.vartype is dimod.BINARY else samples
    expected = bqm.energies((samples, list(bqm.variables)))
    np.testing.assert_allclose(form.energies(spins), expected, atol=1e-9)


@given(bqms())
def test_form_is_symmetric_with_zero_diagonal(bqm):
    K = ising_form(bqm).couplings
    assert abs(K - K.T).sum() == 0
    assert not K.diagonal().any()


def test_binary_one_means_same_side_as_reference():
    bqm = dimod.BinaryQuadraticModel({"a": -1.0}, {}, 0.0, "BINARY")
    form = ising_form(bqm)
    # a negative coupling to the reference rewards s_a = s_r, i.e. x_a = 1
    assert form.couplings[0, 1] < 0


def test_form_does_not_mutate_input():
    bqm = dimod.BinaryQuadraticModel({"a": 1.0}, {("a", "b"): 2.0}, 3.0, "BINARY")
    before = bqm.copy()
    ising_form(bqm)
    assert bqm == before and bqm.vartype is dimod.BINARY


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_validate_rejects_non_finite(bad):
    bqm = dimod.BinaryQuadraticModel({"a": 1.0, "b": 0.0}, {("a", "b"): bad}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="non-finite"):
        validate_bqm(bqm)
    bqm = dimod.BinaryQuadraticModel({"a": bad}, {}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="linear 'a'"):
        validate_bqm(bqm)


def test_validate_rejects_non_bqm():
    with pytest.raises(TypeError, match="sample_qubo"):
        validate_bqm({("a", "b"): 1.0})
    with pytest.raises(TypeError, match="sample_cqm"):
        validate_bqm(dimod.ConstrainedQuadraticModel())
    with pytest.raises(TypeError, match="BinaryQuadraticModel"):
        validate_bqm(np.eye(3))
