"""ExhaustiveSampler: the lowest states of a small model, by enumeration."""

import dimod
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import bqms

from dimod_shrink import ShrinkingComposite
from dimod_shrink.samplers import ExhaustiveSampler
from dimod_shrink.samplers.exhaustive import MAX_VARIABLES


@settings(max_examples=60, deadline=None)
@given(bqms(min_n=1, max_n=7), st.integers(1, 200))
def test_returns_the_lowest_states_of_the_spectrum(bqm, k):
    ss = ExhaustiveSampler().sample(bqm, num_reads=k)
    spectrum = np.sort(dimod.ExactSolver().sample(bqm).record.energy)
    assert len(ss) == min(k, 2 ** bqm.num_variables)
    assert ss.vartype is bqm.vartype and set(ss.variables) == set(bqm.variables)
    np.testing.assert_allclose(ss.record.energy, spectrum[:len(ss)], atol=1e-9)
    np.testing.assert_allclose(bqm.energies(ss), ss.record.energy, atol=1e-9)
    assert len(np.unique(ss.record.sample, axis=0)) == len(ss)  # distinct states


def test_bit_order_follows_the_labels():
    """An asymmetric model: each variable's best value differs, so a reversed or shuffled
    bit order would return a wrong ground state."""
    bqm = dimod.BinaryQuadraticModel({"c": -1.0, "a": 2.0, "b": -3.0}, {}, 0.0, "BINARY")
    first = ExhaustiveSampler().sample(bqm).first.sample
    assert first == {"a": 0, "b": 1, "c": 1}


def test_refuses_models_too_large_and_bad_reads():
    bqm = dimod.BinaryQuadraticModel({v: 1.0 for v in range(MAX_VARIABLES + 1)}, {}, 0.0,
                                     "SPIN")
    with pytest.raises(ValueError, match="Shrink the model first"):
        ExhaustiveSampler().sample(bqm)
    with pytest.raises(ValueError, match="num_reads must be a positive int"):
        ExhaustiveSampler().sample(dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN"), num_reads=0)
    with pytest.warns(UserWarning, match="Ignoring"):
        ExhaustiveSampler().sample(dimod.BQM({"a": 1.0}, {}, 0.0, "SPIN"), beta=3)


def test_as_the_exact_child_of_a_composite():
    """As the child, the composite gets num_reads rows (not 2^budget) and the best is the
    reduced model's ground state."""
    bqm = dimod.generators.ran_r(1, 40, seed=3)
    ss = ShrinkingComposite(ExhaustiveSampler(), num_variables=12).sample(
        bqm, num_reads=5, seed=0)
    assert len(ss) == 5
    np.testing.assert_allclose(bqm.energies(ss), ss.record.energy)
