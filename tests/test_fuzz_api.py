"""Fuzzing the composite's API: children and postprocesses that lie, soft and infeasible CQMs.

Every case ends, within 5 s of CPU time, in one of two ways:

* a clear error -- a ``ValueError`` or ``TypeError`` whose message names who
  is at fault (the child sampler, the postprocess, the constraint, the seed);
* a correct answer -- the model's vartype and variables, values in the
  vartype, energies equal to the original model's, positive
  ``num_occurrences``, a child never given more than ``num_variables``
  variables, and for a CQM ``is_feasible`` and energies as
  :meth:`dimod.SampleSet.from_samples_cqm` computes them (objective plus
  ``weight * violation`` for a ``"linear"`` soft constraint, ``weight *
  violation**2`` for a ``"quadratic"`` one; feasibility looks at the hard
  constraints only).
"""

import contextlib
import math
import signal
import warnings

import dimod
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dimod_shrink import ShrinkingComposite
from dimod_shrink.composites._checks import SEED_MAX
from dimod_shrink.composites.shrinking import NoFeasibleSampleWarning

import strategies
from strategies import all_assignments

CPU_LIMIT = 5.0
"""CPU seconds a single case may take (issue 11: each case ends in <= 5 s)."""

FUZZ = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Hang(BaseException):
    """Not an ``Exception``: code under test cannot swallow it."""


@contextlib.contextmanager
def cpu_limit(seconds=CPU_LIMIT):
    """Fail a case that runs more than ``seconds`` of CPU time (robust to a loaded machine)."""
    def handler(signum, frame):
        raise Hang(f"no result within {seconds} s of CPU time")
    old = signal.signal(signal.SIGPROF, handler)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)


def bqms(min_n=1, max_n=8):
    """Random BQMs with arbitrary hashable labels and biases of ordinary size (the
    numerics at extreme scales have their own test below)."""
    return strategies.bqms(min_n=min_n, max_n=max_n,
                           bias=st.integers(-20, 20).map(lambda k: k / 4))


# -- answers -----------------------------------------------------------------------------

def assert_correct_bqm_answer(ss, bqm):
    assert isinstance(ss, dimod.SampleSet)
    assert ss.vartype is bqm.vartype
    assert set(ss.variables) == set(bqm.variables)
    assert len(ss.variables) == bqm.num_variables
    arr = np.asarray(ss.record.sample)
    allowed = {0, 1} if bqm.vartype is dimod.BINARY else {-1, 1}
    assert set(np.unique(arr).tolist()) <= allowed
    if len(ss):
        true = bqm.energies((arr, list(ss.variables)))
        np.testing.assert_allclose(ss.record.energy, true, rtol=1e-9, atol=1e-9)
        occ = np.asarray(ss.record.num_occurrences)
        assert np.issubdtype(occ.dtype, np.integer) and occ.min() >= 1


def assert_clear(exc, who):
    """A ValueError/TypeError whose message names ``who`` (a regex)."""
    import re
    assert isinstance(exc, (ValueError, TypeError)), f"{type(exc).__name__}: {exc}"
    assert re.search(who, str(exc), re.IGNORECASE), f"does not name {who!r}: {exc}"


# -- lying children ----------------------------------------------------------------------

LIES = ("other_vartype", "missing", "extra", "renamed", "bad_value", "energies",
        "occurrences", "permuted", "rows", "not_a_sampleset")
# a lie the composite can undo (an answer is then fine); the others must be refused
REPAIRABLE = {"other_vartype", "energies", "permuted", "rows"}


class Liar(dimod.Sampler):
    """A child that answers with random samples, lying about them as ``lie`` says."""

    properties: dict = {}
    parameters: dict = {}

    def __init__(self, lie, data):
        self.lie = lie
        self.data = data  # hypothesis draws for the details of the lie
        self.received = []

    def sample(self, bqm, **kw):
        self.received.append(bqm.num_variables)
        return lie_about(self.lie, self.data, bqm)


def lie_about(lie, data, bqm, base=None):
    """An answer for ``bqm`` (from ``base`` samples if given) that lies as ``lie`` says."""
    labels = list(bqm.variables)
    n = len(labels)
    vt = bqm.vartype
    vals = (0, 1) if vt is dimod.BINARY else (-1, 1)
    rows = data.draw(st.integers(0 if lie == "rows" else 1, 5), label="rows")
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    s = rng.choice(vals, (rows, n)) if base is None else np.asarray(base)
    rows = s.shape[0]
    energy = np.zeros(rows)
    extra = {}
    if lie == "other_vartype":
        vt = dimod.SPIN if vt is dimod.BINARY else dimod.BINARY
        s = 2 * s - 1 if vt is dimod.SPIN else (s + 1) // 2
    elif lie == "missing" and n:
        drop = data.draw(st.sets(st.sampled_from(range(n)), min_size=1), label="drop")
        keep = [i for i in range(n) if i not in drop]
        s, labels = s[:, keep], [labels[i] for i in keep]
    elif lie == "extra":
        k = data.draw(st.integers(1, 3), label="extra")
        s = np.hstack([s, rng.choice(vals, (rows, k))])
        labels = labels + [("intruder", i) for i in range(k)]
    elif lie == "renamed" and n:
        i = data.draw(st.integers(0, n - 1), label="renamed")
        labels = labels[:i] + [("renamed", i)] + labels[i + 1:]
    elif lie == "bad_value" and n and rows:
        bad = data.draw(st.sampled_from([7, 2, -7, 0.5, -1 if vt is dimod.BINARY else 0]),
                        label="value")
        s = s.astype(float)
        s[data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, n - 1))] = bad
    elif lie == "energies":
        energy = np.asarray(data.draw(st.lists(
            st.floats(allow_nan=True, allow_infinity=True), min_size=rows, max_size=rows),
            label="energies"), dtype=float)
    elif lie == "occurrences":
        extra["num_occurrences"] = np.asarray(data.draw(st.lists(
            st.one_of(st.integers(-3, 0),
                      st.floats(0.1, 2.9).filter(lambda f: not f.is_integer())),
            min_size=rows,
            max_size=rows), label="occurrences"))
    elif lie == "permuted":
        perm = rng.permutation(n)
        s, labels = s[:, perm], [labels[i] for i in perm]
    elif lie == "not_a_sampleset":
        return data.draw(st.sampled_from([None, {}, [], "samples"]), label="answer")
    return dimod.SampleSet.from_samples((s, labels), vt, energy=energy, **extra)


def must_refuse(lie, bqm):
    if lie in REPAIRABLE:
        return False
    if lie in ("missing", "renamed", "bad_value") and bqm.num_variables == 0:
        return False  # nothing to lie about
    return True


@FUZZ
@given(bqm=bqms(max_n=8), lie=st.sampled_from(LIES), budget=st.integers(1, 10),
       data=st.data())
def test_a_lying_child_gives_a_clear_error_or_a_correct_answer(bqm, lie, budget, data):
    child = Liar(lie, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with cpu_limit():
                ss = ShrinkingComposite(child).sample(bqm, num_variables=budget, seed=0)
        except (ValueError, TypeError) as exc:
            assert_clear(exc, r"child sampler|Liar")
            ss = None
    assert max(child.received, default=0) <= budget  # the budget is a promise
    if ss is not None:
        assert not must_refuse(lie, bqm), f"a child lying with {lie!r} was accepted"
        assert_correct_bqm_answer(ss, bqm)


@FUZZ
@given(bqm=bqms(min_n=2, max_n=8), lie=st.sampled_from(LIES), budget=st.integers(1, 10),
       data=st.data())
def test_a_lying_postprocess_gives_a_clear_error_or_a_correct_answer(bqm, lie, budget, data):
    def post(sampleset, model):
        base = np.asarray(sampleset.record.sample)
        # keep the variables' order of ``model`` for the lie
        cols = [list(sampleset.variables).index(v) for v in model.variables]
        return lie_about(lie, data, model, base[:, cols])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with cpu_limit():
                ss = ShrinkingComposite(dimod.ExactSolver()).sample(
                    bqm, num_variables=budget, postprocess=post, seed=0)
        except (ValueError, TypeError) as exc:
            assert_clear(exc, r"postprocess")
            assert "child" not in str(exc), f"a postprocess fault blamed on the child: {exc}"
            return
    assert not must_refuse(lie, bqm), f"a postprocess lying with {lie!r} was accepted"
    assert_correct_bqm_answer(ss, bqm)


@FUZZ
@given(seed=st.one_of(st.integers(-2**70, -1), st.integers(SEED_MAX + 1, 2**70),
                      st.floats(allow_nan=True), st.text(max_size=3), st.booleans()))
def test_bad_seeds_are_refused_up_front(seed):
    calls = []

    class Counting(dimod.ExactSolver):
        def sample(self, bqm, **kw):
            calls.append(1)
            return super().sample(bqm, **kw)

    with cpu_limit(), pytest.raises((ValueError, TypeError), match="seed"):
        ShrinkingComposite(Counting()).sample(dimod.generators.ran_r(1, 12, seed=0),
                                              num_variables=4, seed=seed)
    assert not calls  # refused before any work


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, SEED_MAX))
def test_every_accepted_seed_works_with_the_default_child(seed):
    """Every seed the composite accepts up front (``[0, SEED_MAX]``) must be one the
    default child takes too: no seed is refused after the shrink."""
    bqm = dimod.generators.ran_r(1, 10, seed=1)
    with cpu_limit():
        ss = ShrinkingComposite().sample(bqm, num_variables=4, seed=seed, num_reads=2)
    assert_correct_bqm_answer(ss, bqm)


@pytest.mark.parametrize("coupled", [False, True])
@pytest.mark.parametrize("tiny", [2.2250738585072014e-308, 2.225073858507203e-309, 5e-324])
def test_a_tiny_bias_is_a_valid_model(tiny, coupled):
    """A finite bias near the bottom of the float range (normal, subnormal) is a valid
    model: the answer must come back, with the energies of the model."""
    bqm = dimod.BinaryQuadraticModel({"a": 0.0, "b": tiny}, {}, 0.0, "SPIN")
    if coupled:
        bqm.add_linear("c", 1.0)
        bqm.add_quadratic("a", "c", -1.0)
    with cpu_limit():
        ss = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, num_variables=1, seed=0)
    assert_correct_bqm_answer(ss, bqm)


# -- soft and infeasible CQMs ------------------------------------------------------------

@st.composite
def cqms(draw, max_n=8, soft=True, satisfiable_bounds=False):
    """Random binary CQMs with linear constraints, some soft, some infeasible."""
    n = draw(st.integers(2, max_n))
    x = [dimod.Binary(f"x{i}") for i in range(n)]
    coef = st.integers(-4, 4)
    cqm = dimod.ConstrainedQuadraticModel()
    obj = sum(draw(coef) * xi for xi in x)
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.integers(0, 3)) == 0:
                obj += draw(coef) * x[i] * x[j]
    cqm.set_objective(obj)
    cqm.add_variables("BINARY", [f"x{i}" for i in range(n)])
    for k in range(draw(st.integers(1, 3))):
        idx = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        a = [draw(st.integers(1, 4)) for _ in idx]
        lhs = sum(ai * x[i] for ai, i in zip(a, idx))
        lo_rhs = 0 if satisfiable_bounds else -2
        hi_rhs = sum(a) if satisfiable_bounds else sum(a) + 2
        rhs = draw(st.integers(lo_rhs, hi_rhs))
        sense = draw(st.sampled_from(["<=", ">=", "=="]))
        expr = lhs <= rhs if sense == "<=" else (lhs >= rhs if sense == ">=" else lhs == rhs)
        if soft and draw(st.booleans()):
            cqm.add_constraint(expr, label=f"c{k}",
                               weight=draw(st.sampled_from([0.1, 0.5, 1.0, 3.0])),
                               penalty=draw(st.sampled_from(["linear", "quadratic"])))
        else:
            cqm.add_constraint(expr, label=f"c{k}")
    return cqm


def brute_force(cqm):
    """dimod's energies and feasibility for every assignment."""
    labels = list(cqm.variables)
    grid = all_assignments(len(labels), dimod.BINARY)
    return dimod.SampleSet.from_samples_cqm((grid, labels), cqm)


def assert_correct_cqm_answer(ss, cqm):
    assert set(ss.variables) == set(cqm.variables)
    arr = np.asarray(ss.record.sample)
    assert set(np.unique(arr).tolist()) <= {0, 1}
    ref = dimod.SampleSet.from_samples_cqm((arr, list(ss.variables)), cqm)
    np.testing.assert_allclose(ss.record.energy, ref.record.energy, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(ss.record.is_feasible, ref.record.is_feasible)
    assert ss.info["feasible_found"] == bool(ref.record.is_feasible.any())


def run_cqm(cqm, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with cpu_limit():
            ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, seed=0, **kw)
    return ss, [type(w.message) for w in caught]


@FUZZ
@given(cqm=cqms())
def test_soft_cqms_reach_the_brute_force_optimum_with_an_exact_child(cqm):
    """Within budget, ExactSolver enumerates every state of the penalty model (the
    unbalanced encoding adds no variable), so the returned best feasible energy must be
    the optimum of dimod's own CQM energy, soft penalties included."""
    ref = brute_force(cqm)
    feasible = ref.record.is_feasible
    try:
        ss, warned = run_cqm(cqm, num_variables=len(cqm.variables), encoding="unbalanced")
    except (ValueError, TypeError) as exc:
        # only a hard constraint no assignment satisfies may be refused, by name
        assert not feasible.any(), f"a satisfiable CQM was refused: {exc}"
        hard = [lb for lb, c in cqm.constraints.items() if not c.lhs.is_soft()]
        assert any(f"'{lb}'" in str(exc) for lb in hard), str(exc)
        return
    assert_correct_cqm_answer(ss, cqm)
    if feasible.any():
        best = ss.record.energy[ss.record.is_feasible]
        assert best.size, "no feasible sample although one exists"
        assert best.min() == pytest.approx(ref.record.energy[feasible].min(), rel=1e-9,
                                           abs=1e-9)
    else:
        assert not ss.info["feasible_found"]
        assert NoFeasibleSampleWarning in warned


@FUZZ
@given(cqm=cqms(max_n=6), encoding=st.sampled_from(["unbalanced", "slack"]),
       budget=st.integers(1, 6))
def test_soft_and_infeasible_cqms_give_a_clear_error_or_an_honest_answer(cqm, encoding, budget):
    """Any encoding and budget: energies and is_feasible are dimod's, a CQM with no
    feasible assignment says so (error naming a constraint, or a warning)."""
    ref = brute_force(cqm)
    try:
        ss, warned = run_cqm(cqm, num_variables=budget, encoding=encoding)
    except (ValueError, TypeError) as exc:
        assert not ref.record.is_feasible.any(), f"a satisfiable CQM was refused: {exc}"
        assert any(f"'{lb}'" in str(exc) for lb in cqm.constraints), str(exc)
        return
    assert_correct_cqm_answer(ss, cqm)
    if not ref.record.is_feasible.any():
        assert NoFeasibleSampleWarning in warned


@FUZZ
@given(cqm=cqms(max_n=6, soft=False, satisfiable_bounds=True), data=st.data(),
       encoding=st.sampled_from(["unbalanced", "slack"]))
def test_a_hard_constraint_no_assignment_satisfies_is_named_up_front(cqm, data, encoding):
    labels = list(cqm.variables)
    idx = data.draw(st.lists(st.sampled_from(labels), min_size=1, unique=True))
    a = [data.draw(st.integers(1, 4)) for _ in idx]
    lhs = sum(ai * dimod.Binary(v) for ai, v in zip(a, idx))
    impossible = data.draw(st.sampled_from([lhs >= sum(a) + 1, lhs <= -1, lhs == sum(a) + 2]))
    cqm.add_constraint(impossible, label="impossible")
    calls = []

    class Counting(dimod.ExactSolver):
        def sample(self, bqm, **kw):
            calls.append(1)
            return super().sample(bqm, **kw)

    with cpu_limit(), pytest.raises(ValueError, match="'impossible'"):
        ShrinkingComposite(Counting()).sample_cqm(cqm, num_variables=4, encoding=encoding,
                                                  seed=0)
    assert not calls


# -- every argument of sample and sample_cqm: accepted and honoured, or refused by name ----

ODD = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.integers(2**63, 2**70),
                st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4),
                st.lists(st.integers(0, 3), max_size=2), st.just({}), st.just(object()))
# the truthiness flags (early_stop, strict_budget, return_shrink_context, constraint_aware,
# repair, polish) take any value as Python does; progress is a flag or a callable
SAMPLE_ARGS = ("num_variables", "correlation", "recompute_every", "min_correlation", "seed",
               "schedule", "recompute_fraction", "threshold", "candidates", "merge_policy",
               "postprocess", "initial_states")
# what an error must name for each argument (a regex)
NAMES = {"initial_states": "initial_states", "num_variables": "num_variables",
         "merge_policy": "merge_policy|policy", "postprocess": "postprocess",
         "correlation": "correlation|estimator", "candidates": "candidates",
         "threshold": "threshold", "schedule": "schedule", "seed": "seed",
         "recompute_every": "recompute_every", "min_correlation": "min_correlation",
         "recompute_fraction": "recompute_fraction", "encoding": "encoding"}


@FUZZ
@given(arg=st.sampled_from(SAMPLE_ARGS), value=ODD)
def test_sample_arguments_are_honoured_or_refused_by_name(arg, value):
    bqm = dimod.generators.ran_r(1, 8, seed=3)
    kw = {"num_variables": 4, "seed": 0, arg: value}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with cpu_limit():
                ss = ShrinkingComposite(dimod.ExactSolver()).sample(bqm, **kw)
        except (ValueError, TypeError) as exc:
            assert_clear(exc, NAMES[arg])
            return
    assert_correct_bqm_answer(ss, bqm)


@FUZZ
@given(arg=st.sampled_from(("num_variables", "seed", "encoding")), value=ODD)
def test_sample_cqm_arguments_are_honoured_or_refused_by_name(arg, value):
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(8)]
    cqm.set_objective(-sum((i % 3 + 1) * xi for i, xi in enumerate(x)))
    cqm.add_constraint(sum(x) <= 3, label="few")
    kw = {"num_variables": 4, "seed": 0, arg: value}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with cpu_limit():
                ss = ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, **kw)
        except (ValueError, TypeError) as exc:
            assert_clear(exc, NAMES[arg])
            return
    assert set(ss.variables) == set(cqm.variables) and ss.info["feasible_found"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # dimod's nan * x while building it
@FUZZ
@given(value=st.one_of(st.sampled_from([math.nan, math.inf, -math.inf]),
                       st.floats(1.0001e100, 1e308), st.floats(-1e308, -1.0001e100)),
       where=st.sampled_from(["objective", "coefficient", "rhs", "offset", "quadratic"]))
def test_a_cqm_number_it_cannot_hold_is_refused_by_name(value, where):
    """NaN, infinite and over-large numbers (1e300 overflowed the penalty model; a NaN
    right-hand side gave 'no feasible sample: raise num_reads') are refused up front."""
    cqm = dimod.ConstrainedQuadraticModel()
    x = [dimod.Binary(i) for i in range(6)]
    cqm.set_objective(-sum(x) + (value * x[0] if where == "objective" else 0)
                      + (value * x[0] * x[1] if where == "quadratic" else 0))
    lhs = sum(x) + (value * x[2] if where == "coefficient" else 0)
    if where == "offset":
        lhs = lhs + value
    rhs = value if where == "rhs" else 3
    try:
        cqm.add_constraint(lhs <= rhs, label="cap")
    except (ValueError, TypeError):
        return  # dimod refused it itself
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with cpu_limit():
            with pytest.raises(ValueError) as info:
                ShrinkingComposite(dimod.ExactSolver()).sample_cqm(cqm, num_variables=4, seed=0)
    who = "the objective" if where in ("objective", "quadratic") else "constraint 'cap'"
    assert who in str(info.value), str(info.value)
