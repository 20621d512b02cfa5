"""Bounded integer and spin variables: binarize, decode, sample_cqm, LP files, the CLI."""

import itertools
import json

import dimod
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from dimod_shrink import ShrinkingComposite
from dimod_shrink.cli import main
from dimod_shrink.io import InstanceFormatError, read_lp
from dimod_shrink.problems import CQMProblem, load_problem
from dimod_shrink.problems.integers import (MAX_VALUES, BinarizeError, IntegerCQMProblem,
                                            binarize, count_binaries, cqm_problem)

PROPS = settings(max_examples=40, deadline=None)


def _all_bits(n):
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int8).reshape(2 ** n, n)


# -- the expansion -------------------------------------------------------------------------------

@PROPS
@given(lb=st.integers(-60, 60), span=st.integers(0, 300))
def test_every_integer_in_range_round_trips(lb, span):
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("i", lower_bound=lb, upper_bound=lb + span))
    bcqm, decode = binarize(cqm)
    values = np.arange(lb, lb + span + 1)[:, None]
    bits = decode.encode(values)
    assert bits.shape == (span + 1, len(bcqm.variables))
    assert np.array_equal(decode(bits), values)
    # and every assignment of the bits is an integer of the range: a repair or
    # polish that flips bits can never leave it
    every = decode(_all_bits(len(bcqm.variables)))
    assert every.min() == lb and every.max() == lb + span
    assert len(np.unique(every)) == span + 1
    assert count_binaries(cqm) == len(bcqm.variables) == (span.bit_length() if span else 0)


@pytest.mark.parametrize("ub", [2, 3, 5, 6, 7, 8, 10, 100, 1000])
def test_bits_are_dimods_binary_encoding(ub):
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(3 * dimod.Integer("n", upper_bound=ub))
    bcqm, decode = binarize(cqm)
    ref = dimod.generators.binary_encoding("n", ub)
    assert list(bcqm.variables) == list(ref.variables)
    assert dict(bcqm.objective.linear) == {v: 3 * b for v, b in ref.linear.items()}
    # dimod's own conversion agrees on every sample
    _, invert = dimod.cqm_to_bqm(cqm)
    for row in _all_bits(len(bcqm.variables))[::7]:
        sample = dict(zip(bcqm.variables, row.tolist()))
        assert invert(sample)["n"] == decode(row[None, :])[0, 0]


@st.composite
def mixed_cqms(draw):
    """CQMs over bounded integers, spins and binaries: quadratic objective (with
    squares of integers), linear constraints of every sense, some soft."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    cqm = dimod.ConstrainedQuadraticModel()
    variables = []
    for k in range(draw(st.integers(1, 3))):
        lb = int(rng.integers(-5, 5))
        variables.append(dimod.Integer(f"i{k}", lower_bound=lb,
                                       upper_bound=lb + int(rng.integers(0, 12))))
    for k in range(draw(st.integers(0, 2))):
        variables.append(dimod.Spin(f"s{k}"))
    for k in range(draw(st.integers(0, 2))):
        variables.append(dimod.Binary(f"b{k}"))
    obj = 0.0 + sum(float(rng.normal()) * v for v in variables)
    for u, v in itertools.combinations_with_replacement(variables, 2):
        if rng.random() < 0.4 and (u is not v or u.vartype(next(iter(u.variables))) is
                                   dimod.INTEGER):
            obj = obj + float(rng.normal()) * u * v
    cqm.set_objective(obj + 1.5)
    for c in range(draw(st.integers(0, 3))):
        lhs = sum(int(rng.integers(-3, 4)) * v for v in variables) + int(rng.integers(-2, 3))
        rhs = int(rng.integers(-4, 8))
        sense = ["<=", ">=", "=="][c % 3]
        # dimod takes quadratic soft penalties on binary-only constraints alone
        soft = {} if rng.random() < 0.6 else {"weight": 0.5, "penalty": "linear"}
        cqm.add_constraint_from_model(lhs, sense, rhs, label=f"c{c}", **soft)
    return cqm


@PROPS
@given(cqm=mixed_cqms(), seed=st.integers(0, 2 ** 16))
def test_binary_model_agrees_with_the_original_on_decoded_samples(cqm, seed):
    bcqm, decode = binarize(cqm)
    assert all(bcqm.vartype(v) is dimod.BINARY for v in bcqm.variables)
    # dimod evaluates a model without variables as 0 (its offset dropped): nothing to compare
    assume(len(bcqm.variables) > 0)
    X = np.random.default_rng(seed).integers(0, 2, (16, len(bcqm.variables)), dtype=np.int8)
    Y = decode(X)
    assert Y.dtype.kind == "i"
    for v, col in zip(decode.variables, Y.T):
        assert cqm.lower_bound(v) <= col.min() and col.max() <= cqm.upper_bound(v)
    # objective, constraints and soft penalties: the same numbers on both models
    ref = dimod.SampleSet.from_samples_cqm((Y, decode.variables), cqm)
    got = dimod.SampleSet.from_samples_cqm((X, list(bcqm.variables)), bcqm)
    assert np.allclose(got.record.energy, ref.record.energy)
    assert np.array_equal(got.record.is_feasible, ref.record.is_feasible)
    assert np.array_equal(got.record.is_satisfied, ref.record.is_satisfied)
    hard = np.array([not c.lhs.is_soft() for c in cqm.constraints.values()], dtype=bool)
    for row, x, y in zip(ref.record, X, Y):
        sample = dict(zip(decode.variables, y.tolist()))
        assert np.isclose(cqm.objective.energy(sample),
                          bcqm.objective.energy(dict(zip(bcqm.variables, x.tolist()))))
        # check_feasible counts soft constraints too; is_feasible does not
        assert row.is_feasible == row.is_satisfied[hard].all()
        if hard.all():
            assert row.is_feasible == cqm.check_feasible(sample)
    # and CQMProblem, which the shrinking uses, sees the same energies and feasibility
    try:
        problem = IntegerCQMProblem(cqm)
    except ValueError as exc:  # refused: then no assignment meets that hard constraint
        label = next(k for k in cqm.constraints if f"'{k}'" in str(exc))
        assert "cannot be satisfied" in str(exc) and not cqm.constraints[label].lhs.is_soft()
        every = decode(_all_bits(len(bcqm.variables)))
        col = list(cqm.constraints).index(label)
        ss = dimod.SampleSet.from_samples_cqm((every, decode.variables), cqm)
        assert not ss.record.is_satisfied[:, col].any()
        return
    assert np.array_equal(problem.is_feasible(X), ref.record.is_feasible)
    assert np.allclose(problem.objective(X), ref.record.energy)


@PROPS
@given(cqm=mixed_cqms(), seed=st.integers(0, 2 ** 16))
def test_repair_keeps_integers_in_bounds(cqm, seed):
    try:
        problem = IntegerCQMProblem(cqm)
    except ValueError:  # a hard constraint no assignment satisfies
        return
    X = np.random.default_rng(seed).integers(0, 2, (6, len(problem.variables)), dtype=np.int8)
    res = problem.repair_samples(X)
    Y = problem.decoder(res["samples"])
    for v, col in zip(problem.decoder.variables, Y.T):
        assert cqm.lower_bound(v) <= col.min() and col.max() <= cqm.upper_bound(v)
    ref = dimod.SampleSet.from_samples_cqm((Y, problem.decoder.variables), cqm)
    assert np.array_equal(res["is_feasible"], ref.record.is_feasible)
    assert np.allclose(res["objective"], ref.record.energy)


def test_spins_are_two_x_minus_one():
    cqm = dimod.ConstrainedQuadraticModel()
    s, t = dimod.Spin("s"), dimod.Spin("t")
    cqm.set_objective(s * t + 2 * s)
    cqm.add_constraint(s + t >= 0, label="c")
    bcqm, decode = binarize(cqm)
    assert list(bcqm.variables) == ["s", "t"]
    assert all(bcqm.vartype(v) is dimod.BINARY for v in bcqm.variables)
    assert decode([[0, 1], [1, 1]]).tolist() == [[-1, 1], [1, 1]]
    assert decode.encode([[-1, 1]]).tolist() == [[0, 1]]
    for x in _all_bits(2):
        y = dict(zip("st", decode(x[None, :])[0].tolist()))
        assert bcqm.objective.energy(dict(zip("st", x.tolist()))) == cqm.objective.energy(y)


def test_all_binary_cqm_is_left_alone():
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(5)]
    cqm.set_objective(-sum(x))
    cqm.add_constraint(sum(x) <= 2, label="c")
    bcqm, decode = binarize(cqm)
    assert bcqm is cqm and decode.identity
    X = _all_bits(5)
    assert np.array_equal(decode(X), X) and decode(X).dtype == np.int8
    assert type(cqm_problem(cqm)) is CQMProblem


def test_fixed_integers_and_constant_constraints():
    cqm = dimod.ConstrainedQuadraticModel()
    i = dimod.Integer("i", lower_bound=3, upper_bound=3)
    j = dimod.Integer("j", lower_bound=-2, upper_bound=-1)
    cqm.set_objective(i * j + j)
    cqm.add_constraint(i + j <= 2, label="c")
    bcqm, decode = binarize(cqm)
    assert list(bcqm.variables) == [("j", 1, "msb")]
    assert decode([[0], [1]]).tolist() == [[3, -2], [3, -1]]
    assert bcqm.objective.energy({("j", 1, "msb"): 1}) == cqm.objective.energy({"i": 3, "j": -1})


# -- refusals --------------------------------------------------------------------------------------

def test_real_variables_are_refused_by_name():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Real("r", upper_bound=2) + dimod.Binary("b"))
    with pytest.raises(BinarizeError, match=r"'r' is REAL.*Integer") as err:
        binarize(cqm)
    assert err.value.variable == "r"
    with pytest.raises(ValueError, match="'r' is REAL"):
        ShrinkingComposite().sample_cqm(cqm)


def test_oversize_ranges_are_refused_before_allocating():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("big") + dimod.Binary("b"))  # dimod's default: 2**53 values
    with pytest.raises(BinarizeError, match="'big' is unbounded"):
        binarize(cqm)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("wide", lower_bound=-1, upper_bound=MAX_VALUES - 1))
    with pytest.raises(BinarizeError, match=r"'wide' takes 1,048,577 values"):
        binarize(cqm)
    cqm.set_upper_bound("wide", MAX_VALUES - 2)  # exactly MAX_VALUES values: 20 bits
    assert len(binarize(cqm)[0].variables) == 20
    # the total is checked before any bit is made
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(sum(dimod.Integer(k, upper_bound=100) for k in range(3)))
    with pytest.raises(BinarizeError, match="need 21 binary variables.*limit of 20"):
        binarize(cqm, max_binaries=20)
    # the CQM's own binaries and spins do not count: they are not multiplied
    cqm.add_variables("BINARY", range(3, 30))
    cqm.add_variable("SPIN", "s")
    assert len(binarize(cqm, max_binaries=21)[0].variables) == 21 + 27 + 1
    with pytest.raises(ValueError, match="'big' is unbounded"):
        c = dimod.ConstrainedQuadraticModel()
        c.set_objective(dimod.Integer("big"))
        ShrinkingComposite().sample_cqm(c)


def test_empty_integer_range_and_clashing_labels_are_refused():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.add_variable("INTEGER", "i", lower_bound=0.2, upper_bound=0.8)
    with pytest.raises(BinarizeError, match="no integer meets"):
        binarize(cqm)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("i", upper_bound=5) + dimod.Binary(("i", 1)))
    with pytest.raises(BinarizeError, match=r"\('i', 1\) of integer variable 'i'"):
        binarize(cqm)


def test_encode_refuses_values_out_of_range():
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.Integer("i", lower_bound=1, upper_bound=4) + dimod.Spin("s"))
    _, decode = binarize(cqm)
    with pytest.raises(ValueError, match="value 5 of 'i'"):
        decode.encode([[5, 1]])
    with pytest.raises(ValueError, match="of 's'"):
        decode.encode([[2, 0]])


# -- sample_cqm ------------------------------------------------------------------------------------

def _small_integer_cqm():
    """Four integers in [0, 10] and a binary, two knapsack rows and an equality."""
    cqm = dimod.ConstrainedQuadraticModel()
    i = [dimod.Integer(f"i{k}", upper_bound=10) for k in range(4)]
    b = dimod.Binary("b")
    cqm.set_objective(-(3 * i[0] + 2 * i[1] + 4 * i[2] + i[3]) - 5 * b + 0.5 * i[0] * i[1])
    cqm.add_constraint(2 * i[0] + i[1] + 3 * i[2] + i[3] + 4 * b <= 25, label="weight")
    cqm.add_constraint(i[0] + i[1] + i[2] + i[3] <= 12, label="count")
    cqm.add_constraint(i[2] - i[3] + 2 * b == 1, label="balance")
    return cqm


def _brute(cqm):
    names = list(cqm.variables)
    ranges = [range(int(cqm.lower_bound(v)), int(cqm.upper_bound(v)) + 1) for v in names]
    grid = np.array(list(itertools.product(*ranges)))
    ss = dimod.SampleSet.from_samples_cqm((grid, names), cqm)
    return ss.record.energy[ss.record.is_feasible].min()


def test_sample_cqm_returns_feasible_integers():
    cqm = _small_integer_cqm()
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=8, seed=3,
                                         return_shrink_context=True)
    assert set(ss.variables) == set(cqm.variables)
    assert ss.record.sample.dtype.kind == "i"
    assert ss.info["feasible_found"] and ss.first.is_feasible
    assert ss.info["shrink_context"]["num_reduced"] <= 8
    for d in ss.data(["sample", "energy", "is_feasible"]):
        for v, x in d.sample.items():
            assert cqm.lower_bound(v) <= x <= cqm.upper_bound(v) and x == int(x)
        assert np.isclose(d.energy, cqm.objective.energy(d.sample))
        assert d.is_feasible == cqm.check_feasible(d.sample)
    # rows are distinct after decoding
    assert len(np.unique(ss.record.sample, axis=0)) == len(ss)
    # the answer is a good one: within 10% of the optimum (found by enumeration)
    opt = _brute(cqm)
    assert ss.first.energy <= 0.9 * opt, (ss.first.energy, opt)


def test_sample_cqm_with_spins_and_exact_child():
    cqm = dimod.ConstrainedQuadraticModel()
    s = [dimod.Spin(f"s{k}") for k in range(4)]
    i = dimod.Integer("i", lower_bound=-3, upper_bound=3)
    cqm.set_objective(s[0] * s[1] - s[2] * s[3] + i * s[0] - 2 * i)
    cqm.add_constraint(s[0] + s[1] + s[2] + s[3] >= 2, label="most up")
    ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=6, seed=0)
    assert set(np.unique(ss.record.sample[:, [ss.variables.index(f"s{k}") for k in range(4)]])
               ) <= {-1, 1}
    assert ss.first.is_feasible and ss.first.energy == _brute(cqm)
    for d in ss.data(["sample", "energy", "is_feasible"]):
        assert np.isclose(d.energy, cqm.objective.energy(d.sample))
        assert d.is_feasible == cqm.check_feasible(d.sample)


# -- LP files and the command line -----------------------------------------------------------------

INTEGER_LP = """\\ an integer model
Maximize
 obj: 3 x + 2 y + 4 z + b
Subject To
 c1: x + y + 2 z <= 14
 c2: x - y >= -2
 c3: z + b <= 5
Bounds
 0 <= x <= 10
 y <= 7
 -3 <= z <= 6
General
 x y z
Binary
 b
End
"""


def test_lp_with_general_variables(tmp_path):
    path = tmp_path / "ints.lp"
    path.write_text(INTEGER_LP)
    cqm = read_lp(path)
    assert {v: cqm.vartype(v).name for v in cqm.variables} == {
        "x": "INTEGER", "y": "INTEGER", "z": "INTEGER", "b": "BINARY"}
    problem = load_problem(path)
    assert isinstance(problem, IntegerCQMProblem)
    assert len(problem.variables) == 4 + 3 + 4 + 1
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=6, seed=2)
    best = ss.first.sample
    assert ss.first.is_feasible and -3 <= best["z"] <= 6 and 0 <= best["y"] <= 7


def test_cli_prints_integer_values(tmp_path, capsys):
    path = tmp_path / "ints.lp"
    path.write_text(INTEGER_LP)
    assert main(["solve", str(path), "--qubits", "6", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    values = out["solution"]["values"]
    assert set(values) == {"x", "y", "z", "b"}
    assert all(isinstance(v, int) for v in values.values())
    x, y, z, b = (values[k] for k in "xyzb")
    assert x + y + 2 * z <= 14 and x - y >= -2 and z + b <= 5 and -3 <= z <= 6
    assert out["feasible"] and out["objective"] == -(3 * x + 2 * y + 4 * z + b)
    assert main(["solve", str(path), "--qubits", "6", "--seed", "1"]) == 0
    human = capsys.readouterr().out
    assert f"solution      : x={x}, y={y}, z={z}, b={b}" in human


BOUNDED_BINARY_LP = """Maximize
 obj: x + y + z
Subject To
 c1: x + y + z <= 3
Bounds
 {bounds}
Binary
 x y z
End
"""


@pytest.mark.parametrize("bounds,fixed", [("x = 0", {"x": 0}), ("x <= 0", {"x": 0}),
                                          ("1 <= z <= 1", {"z": 1}),
                                          ("x = 0\n y <= 0.5", {"x": 0, "y": 0})])
def test_lp_bounds_on_binaries_are_honoured(tmp_path, capsys, bounds, fixed):
    path = tmp_path / "fixed.lp"
    path.write_text(BOUNDED_BINARY_LP.format(bounds=bounds))
    cqm = read_lp(path)
    # dimod keeps the bounds but its feasibility test ignores them: they must not be dropped
    assert all(cqm.lower_bound(v) <= x <= cqm.upper_bound(v) and
               not cqm.lower_bound(v) <= 1 - x <= cqm.upper_bound(v) for v, x in fixed.items())
    assert all(cqm.check_feasible({"x": 1, "y": 1, "z": 1, v: 1 - x}) for v, x in fixed.items())
    ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=3, seed=0)
    for v, x in fixed.items():
        assert (ss.record.sample[:, ss.variables.index(v)] == x).all()
    assert ss.first.energy == -(3 - sum(1 - x for x in fixed.values()))
    assert main(["solve", str(path), "--qubits", "2", "--seed", "1", "--json"]) == 0
    values = json.loads(capsys.readouterr().out)["solution"]["values"]
    assert all(values[v] == x for v, x in fixed.items())
    assert all(values[v] == 1 for v in "xyz" if v not in fixed)


def test_lp_bounds_fixing_everything_are_reported(tmp_path, capsys):
    path = tmp_path / "all.lp"
    path.write_text(BOUNDED_BINARY_LP.format(bounds="x = 1\n y = 0\n z = 1"))
    with pytest.raises(InstanceFormatError, match="fix every variable"):
        load_problem(path)
    assert main(["solve", str(path)]) == 2
    assert "fix every variable" in capsys.readouterr().err


def test_cli_refuses_unbounded_integers_with_the_line(tmp_path, capsys):
    path = tmp_path / "free.lp"
    path.write_text("Minimize\n obj: - x - y\nSubject To\n c1: x + y <= 2\nBounds\n x free\n"
                    "General\n x\nBinary\n y\nEnd\n")
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 6" in err and "'x' is unbounded" in err and "Traceback" not in err


def test_initial_states_over_integers_are_encoded():
    cqm = _small_integer_cqm()
    start = {"i0": 2, "i1": 3, "i2": 1, "i3": 0, "b": 0}
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=8, seed=1, num_reads=5,
                                         initial_states=[start] * 5)
    assert ss.first.is_feasible
    with pytest.raises(ValueError, match="value 11 of 'i0'"):
        ShrinkingComposite().sample_cqm(cqm, num_variables=8, seed=1,
                                        initial_states=[{**start, "i0": 11}])
    with pytest.raises(ValueError, match="missing"):
        ShrinkingComposite().sample_cqm(cqm, num_variables=8, seed=1,
                                        initial_states=[{"i0": 1}])
