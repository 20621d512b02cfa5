import dimod
import numpy as np
import pytest
from hypothesis import given, strategies as st

from dimod_shrink.ising import ising_form
from dimod_shrink.merges import REFERENCE, ShrinkState, expand_samples_stepwise

from strategies import all_assignments, bqms


@st.composite
def bqm_and_merges(draw, **kw):
    bqm = draw(bqms(**kw))
    state = ShrinkState(ising_form(bqm))
    k = draw(st.integers(0, len(bqm)))
    for _ in range(k):
        alive = list(state.variables)
        v = draw(st.sampled_from(alive))
        others = [u for u in alive if u != v] + [REFERENCE]
        t = draw(st.sampled_from(others))
        state.merge(v, t, draw(st.sampled_from([1, -1])))
    return bqm, state


@given(bqm_and_merges())
def test_reduced_energy_equals_original_energy_of_expansion(case):
    """Exactness: E_red(z) == E_orig(expand(z)) for EVERY reduced assignment."""
    bqm, state = case
    reduced = state.reduced()
    assert reduced.bqm.vartype is bqm.vartype
    assert set(reduced.bqm.variables) == set(state.variables)
    z = all_assignments(len(reduced.labels), bqm.vartype)
    e_red = reduced.bqm.energies((z, list(reduced.labels)))
    full = state.expand(z)
    e_orig = bqm.energies((full, list(bqm.variables)))
    np.testing.assert_allclose(e_red, e_orig, atol=1e-8)


@given(bqm_and_merges())
def test_vectorised_expansion_matches_reverse_order_undo(case):
    bqm, state = case
    z = all_assignments(state.num_variables, bqm.vartype)
    fast = state.expand(z)
    slow = expand_samples_stepwise(z, state.labels, state.variables, state.merges, bqm.vartype)
    np.testing.assert_array_equal(fast, slow)


@given(bqm_and_merges())
def test_expansion_satisfies_every_merge(case):
    bqm, state = case
    z = all_assignments(state.num_variables, bqm.vartype)
    full = state.expand(z)
    idx = state.index
    spins = 2 * full.astype(int) - 1 if bqm.vartype is dimod.BINARY else full.astype(int)
    for m in state.merges:
        if m.is_fix:
            assert (spins[:, idx[m.variable]] == m.sign).all()
    # members() agrees with the expansion
    for rep in state.variables:
        for v, s in state.members(rep).items():
            assert (spins[:, idx[v]] == s * spins[:, idx[rep]]).all()


def test_members_and_fixed_report_binary_values():
    bqm = dimod.BinaryQuadraticModel({"a": 1, "b": -1, "c": 0, "d": 2}, {"ab": 2}, 0, "BINARY")
    state = ShrinkState(ising_form(bqm))
    state.merge("a", "b", -1)
    state.merge("c", REFERENCE, 1)
    state.merge("d", REFERENCE, -1)
    assert state.members("b") == {"a": -1, "b": 1}
    assert state.fixed() == {"c": 1, "d": 0}
    assert state.variables == ("b",)


def test_merge_errors():
    bqm = dimod.BinaryQuadraticModel({"a": 1, "b": -1}, {}, 0, "SPIN")
    state = ShrinkState(ising_form(bqm))
    with pytest.raises(ValueError, match="sign"):
        state.merge("a", "b", 0)
    with pytest.raises(ValueError, match="itself"):
        state.merge("a", "a", 1)
    state.merge("a", "b", 1)
    with pytest.raises(KeyError, match="not a current variable"):
        state.merge("a", "b", 1)
    with pytest.raises(KeyError):
        state.members("a")


def test_everything_merged_away():
    bqm = dimod.BinaryQuadraticModel({"a": 1, "b": -1}, {"ab": 0.5}, 2.0, "BINARY")
    state = ShrinkState(ising_form(bqm))
    state.merge("a", "b", -1)
    state.merge("b", REFERENCE, 1)
    red = state.reduced()
    assert red.bqm.num_variables == 0
    full = state.expand(np.zeros((1, 0), dtype=np.int8))
    assert full.tolist() == [[0, 1]]
    assert red.bqm.offset == pytest.approx(bqm.energy({"a": 0, "b": 1}))


def test_expand_zero_rows():
    bqm = dimod.generators.gnp_random_bqm(5, 0.5, "SPIN", random_state=0)
    state = ShrinkState(ising_form(bqm))
    state.merge(0, 1, 1)
    assert state.expand(np.zeros((0, 4), dtype=np.int8)).shape == (0, 5)
    with pytest.raises(ValueError, match="columns"):
        state.expand(np.zeros((1, 3), dtype=np.int8))
