"""Reliability audit: bad inputs, lying children, malformed files and random models.

Every case is run and classified by the mechanical rules below; the script
prints one table per category, the totals, and every case that is not ``ok``
with its exact input.

Categories:

* ``api``: bad arguments to :meth:`ShrinkingComposite.sample` (wrong types,
  NaN/inf biases, budgets < 1, unknown options, bad seeds), children that lie
  (wrong vartype, missing/extra/renamed labels, values like 7, made-up
  energies, wrong ``num_occurrences``), postprocesses that lie, and the scale
  of the biases (1e-200 ... 1e150).
* ``cqm``: :meth:`ShrinkingComposite.sample_cqm` on empty, non-binary,
  quadratic-constraint, soft (linear and quadratic penalties) and infeasible
  CQMs under both encodings, and the budget example of issue 11 (25
  variables, ``ExactSolver`` child, ``num_variables=8``), run in a subprocess
  under a time and memory limit.
* ``files``: ``python -m dimod_shrink.cli solve FILE`` on malformed and
  oversized instance files, in a subprocess.
* ``random``: random small BQMs and CQMs with random options.

Classification (each case states what it expects: a refusal, a correct
answer, or either):

* ``ok``: a clear error or a correct answer.

  - Python API: the exception is a ``ValueError`` or ``TypeError`` (or a
    subclass), its message matches the case's ``names`` pattern (the
    argument, the child sampler, the postprocess, the constraint...) and
    contains one of the hint words in :data:`HINT` (what to do).
  - Files: exit status 2, the file's name in stderr, no ``Traceback``, and
    ``line`` in stderr for a defect that sits on a line.
  - Answers: see :func:`bqm_problems` / :func:`cqm_problems`: vartype and
    variables right, values in the vartype, energies equal to the original
    model's (``rtol=1e-9``), ``num_occurrences`` positive, the child never
    given more than ``num_variables`` variables, ``is_feasible`` equal to
    dimod's own verdict, and (where the case knows it) the optimum.

* ``obscure``: an error that is not clear by the rules above (another
  exception type, a traceback, no hint, no file name, no line).
* ``hang``: no result within the limits: ``--timeout`` seconds for a CLI
  run (default 10), 10 s for an in-process case (20 s for a random model),
  60 s for the budget example in its subprocess; a ``MemoryError`` under the
  :data:`AS_LIMIT` address-space cap; or more than :data:`MEM_LIMIT_MB` MiB of
  peak memory for a CLI run.
* ``wrong``: a silently wrong result: an answer that fails a check, an
  answer where a refusal was due (e.g. NaN biases, a malformed file accepted),
  or a CLI exit status that contradicts the answer.

Run: ``python benchmarks/audit.py`` (30 s to 2.5 minutes on a shared two-core
machine); ``--models N`` sets the number of random models (default 200),
``--only CATEGORY`` runs one category, ``--quick`` runs 40 random models.
Every random choice is seeded (``--seed``, default 0).  The report is printed and
written to ``docs/results/audit.md`` (``--out``; ``--out -`` prints only).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import math
import os
import re
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import dimod
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dimod_shrink import ShrinkingComposite  # noqa: E402
from dimod_shrink.composites._checks import SEED_MAX  # noqa: E402

HINT = re.compile(
    r"\b(must|use|pass|give|choose|expected|should|try|remove|raise|add|lower|"
    r"one of|did you mean|allowed|accepted|needs?|only|supported|instead|check|"
    r"relax|make it|drop|convert|cannot|replace|set|provide|increase|reduce)\b", re.IGNORECASE)
"""A message with one of these words says what to do (or what was expected)."""

MEM_LIMIT_MB = 500
"""Peak resident memory allowed to a CLI run on a malformed file (issue 11 target)."""

AS_LIMIT = 4 * 2**30
"""Address-space cap of every subprocess (protects a shared machine)."""

STATUSES = ("ok", "obscure", "hang", "wrong")


# -- results -----------------------------------------------------------------------------

@dataclass
class Result:
    category: str
    name: str
    status: str
    detail: str
    input: str = ""
    seconds: float = 0.0


@dataclass
class Totals:
    samples: int = 0
    energy_mismatches: int = 0
    cqm_samples: int = 0
    repaired_infeasible: int = 0
    feasible_dishonest: int = 0
    budget_breaches: int = 0
    mutated: int = 0
    nondeterministic: int = 0


TOTALS = Totals()


class _Timeout(BaseException):
    """Raised by SIGALRM inside an in-process case (not an Exception: not caught by code
    under test)."""


@contextlib.contextmanager
def alarm(seconds: float):
    def handler(signum, frame):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def clear_error(exc: BaseException, names: str) -> tuple[str, str]:
    """Classify an exception raised by the library."""
    msg = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {msg[:200]}"
    if isinstance(exc, MemoryError):
        return "hang", text
    if not isinstance(exc, (ValueError, TypeError)):
        return "obscure", text + " (not a ValueError/TypeError)"
    if not re.search(names, msg, re.IGNORECASE):
        return "obscure", text + f" (does not name /{names}/)"
    if not HINT.search(msg):
        return "obscure", text + " (no hint of what to do)"
    return "ok", text


# -- spies: record what the child receives -----------------------------------------------

RECEIVED: list[int] = []


def spy(cls, **defaults):
    """An instance of a subclass of sampler class ``cls`` that records the size of every
    model it gets and samples with ``defaults`` unless told otherwise."""
    class Spy(cls):
        def sample(self, bqm, **kw):
            RECEIVED.append(bqm.num_variables)
            return super().sample(bqm, **{**defaults, **kw})
    Spy.__name__ = cls.__name__
    Spy.__qualname__ = cls.__name__
    return Spy()


def SA(**defaults):
    from dwave.samplers import SimulatedAnnealingSampler
    return spy(SimulatedAnnealingSampler, **defaults)


def Exact():
    return spy(dimod.ExactSolver)


def Random():
    return spy(dimod.RandomSampler)


class Lying(dimod.Sampler):
    """A child whose answer is ``make(bqm)``; records the sizes it got."""

    properties: dict = {}
    parameters: dict = {}

    def __init__(self, make, parameters=None):
        self.make = make
        self.parameters = dict(parameters or {})

    def sample(self, bqm, **kw):
        RECEIVED.append(bqm.num_variables)
        return self.make(bqm)


# -- answer checks -----------------------------------------------------------------------

def bqm_problems(ss, bqm, budget=None) -> list[str]:
    """What is wrong with ``ss`` as an answer for ``bqm`` (empty: nothing)."""
    out = []
    if not isinstance(ss, dimod.SampleSet):
        return [f"returned {type(ss).__name__}, not a SampleSet"]
    if ss.vartype is not bqm.vartype:
        out.append(f"vartype {ss.vartype.name} for a {bqm.vartype.name} model")
    if set(ss.variables) != set(bqm.variables) or len(ss.variables) != bqm.num_variables:
        out.append(f"variables {list(ss.variables)[:6]} != the model's {list(bqm.variables)[:6]}")
        return out
    arr = np.asarray(ss.record.sample)
    allowed = {0, 1} if bqm.vartype is dimod.BINARY else {-1, 1}
    if arr.size:
        bad = set(np.unique(arr).tolist()) - allowed
        if bad:
            out.append(f"values {sorted(bad)[:4]} outside {sorted(allowed)}")
            return out
    if len(ss):
        true = bqm.energies((arr, list(ss.variables)))
        mism = int((~np.isclose(ss.record.energy, true, rtol=1e-9, atol=1e-9 * max(
            1.0, float(np.abs(true).max(initial=0))))).sum())
        TOTALS.samples += len(ss)
        TOTALS.energy_mismatches += mism
        if mism:
            out.append(f"{mism} energies differ from bqm.energies (e.g. {ss.record.energy[0]} "
                       f"vs {true[0]})")
    if "num_occurrences" in ss.record.dtype.names:
        occ = np.asarray(ss.record.num_occurrences)
        if occ.size and (not np.issubdtype(occ.dtype, np.integer) or occ.min() < 1):
            out.append(f"num_occurrences {occ[:4].tolist()} not positive integers")
    if budget is not None and RECEIVED and max(RECEIVED) > budget:
        TOTALS.budget_breaches += 1
        out.append(f"the child got {max(RECEIVED)} variables, budget {budget}")
    return out


def brute_cqm(cqm) -> tuple[float | None, bool]:
    """(best energy over the hard-feasible assignments or None, any feasible) by
    enumeration, with dimod's own energy and feasibility (soft penalties included)."""
    labels = list(cqm.variables)
    n = len(labels)
    grid = ((np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)
    ss = dimod.SampleSet.from_samples_cqm((grid, labels), cqm)
    feas = ss.record.is_feasible
    if not feas.any():
        return None, False
    return float(ss.record.energy[feas].min()), True


def cqm_problems(ss, cqm, budget=None, *, repaired=True, optimum=None) -> list[str]:
    """What is wrong with ``ss`` as an answer of ``sample_cqm`` for ``cqm``."""
    out = []
    if not isinstance(ss, dimod.SampleSet):
        return [f"returned {type(ss).__name__}, not a SampleSet"]
    if set(ss.variables) != set(cqm.variables):
        return [f"variables {list(ss.variables)[:6]} != the CQM's"]
    arr = np.asarray(ss.record.sample)
    binary = all(cqm.vartype(v) is dimod.BINARY for v in cqm.variables)
    if binary and arr.size and not set(np.unique(arr).tolist()) <= {0, 1}:
        return [f"values {sorted(set(np.unique(arr).tolist()) - {0, 1})[:4]} in a binary CQM"]
    if not binary and arr.size:  # integers and spins: integral values within the bounds
        for c, v in enumerate(ss.variables):
            lo, hi = cqm.lower_bound(v), cqm.upper_bound(v)
            col = arr[:, c]
            if (col < lo).any() or (col > hi).any() or (col != np.round(col)).any():
                return [f"values of {v!r} outside the integers of [{lo}, {hi}]"]
    if len(ss):
        ref = dimod.SampleSet.from_samples_cqm((arr, list(ss.variables)), cqm)
        TOTALS.cqm_samples += len(ss)
        TOTALS.samples += len(ss)
        mism = int((~np.isclose(ss.record.energy, ref.record.energy, rtol=1e-9,
                                atol=1e-9)).sum())
        TOTALS.energy_mismatches += mism
        if mism:
            out.append(f"{mism} energies differ from dimod's CQM energy (objective + soft "
                       f"penalties), e.g. {ss.record.energy[0]} vs {ref.record.energy[0]}")
        dis = int((ss.record.is_feasible != ref.record.is_feasible).sum())
        TOTALS.feasible_dishonest += dis
        if dis:
            out.append(f"{dis} rows with a wrong is_feasible")
        if repaired and binary and len(cqm.variables) <= 12 and brute_cqm(cqm)[1]:
            TOTALS.repaired_infeasible += int((~ref.record.is_feasible).sum())
        found = bool(ref.record.is_feasible.any())
        if ss.info.get("feasible_found") is not found:
            out.append(f"info['feasible_found']={ss.info.get('feasible_found')!r}, "
                       f"but a feasible row exists: {found}")
        if optimum is not None:
            best = ref.record.energy[ref.record.is_feasible]
            if not best.size or not math.isclose(float(best.min()), optimum, rel_tol=1e-9,
                                                 abs_tol=1e-9):
                out.append(f"best feasible energy {best.min() if best.size else None} != "
                           f"the optimum {optimum} (brute force, dimod's semantics)")
    if budget is not None and RECEIVED and max(RECEIVED) > budget:
        TOTALS.budget_breaches += 1
        out.append(f"the child got {max(RECEIVED)} variables, budget {budget}")
    return out


# -- in-process cases --------------------------------------------------------------------

@dataclass
class Case:
    """``run()`` either raises (judged by ``names``) or returns the list of problems
    found in its answer (``[]``: correct).  ``expect``: ``"error"`` (an answer is
    wrong), ``"answer"`` (a refusal of this valid input is wrong) or ``"either"``."""

    category: str
    name: str
    input: str
    run: Callable[[], list]
    names: str = ".*"
    expect: str = "either"
    isolate: bool = False
    timeout: float = 10.0


def judge(case: Case) -> tuple[str, str]:
    RECEIVED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with alarm(case.timeout):
                problems = case.run()
        except _Timeout:
            return "hang", f"no result within {case.timeout:g} s"
        except Exception as exc:  # noqa: BLE001 -- classified
            status, text = clear_error(exc, case.names)
            if status == "ok" and case.expect == "answer":
                return "obscure", text + " (refused a valid input)"
            return status, text
    warned = sorted({type(w.message).__name__ for w in caught})
    if case.expect == "error":
        return "wrong", f"returned an answer, expected a clear error (warnings: {warned})"
    if problems:
        return "wrong", "; ".join(problems)
    return "ok", "correct answer" + (f" (warnings: {', '.join(warned)})" if warned else "")


def ran(n=12, seed=0, vartype="BINARY", labels=None):
    bqm = dimod.generators.ran_r(1, n, seed=seed).change_vartype(vartype, inplace=False)
    if labels is not None:
        bqm.relabel_variables(dict(zip(range(n), labels)))
    return bqm


def api_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def sample_case(name, inp, bqm_f, names=".*", expect="either", child=None, **kw):
        def run():
            bqm = bqm_f()
            budget = kw.get("num_variables", 20)
            ss = ShrinkingComposite(child() if child else SA(num_reads=5)).sample(bqm, **kw)
            b = budget if isinstance(budget, int) and budget >= 1 else None
            return bqm_problems(ss, bqm, b)
        add(Case("api", name, inp, run, names, expect))

    # wrong types
    for label, obj, inp in [("dict", {("a", "b"): 1.0}, "{('a','b'): 1.0}"),
                            ("None", None, "None"),
                            ("CQM", "cqm", "a ConstrainedQuadraticModel"),
                            ("numpy array", np.ones((3, 3)), "np.ones((3, 3))")]:
        def run(obj=obj):
            o = dimod.ConstrainedQuadraticModel() if isinstance(obj, str) else obj
            return ShrinkingComposite(SA()).sample(o, num_variables=4)
        add(Case("api", f"bqm is a {label}", f"sample({inp}, num_variables=4)", run,
                 names=r"BinaryQuadraticModel|bqm", expect="error"))
    add(Case("api", "child is not a sampler", "ShrinkingComposite(object())",
             lambda: ShrinkingComposite(object()), names="child", expect="error"))
    for nm, val in [("correlation", "nonsense"), ("schedule", "weekly")]:
        add(Case("api", f"unknown {nm}", f"sample(ran(12), num_variables=6, {nm}={val!r})",
                 lambda nm=nm, val=val: ShrinkingComposite(SA()).sample(
                     ran(12), num_variables=6, **{nm: val}), names=nm + "|" + val,
                 expect="error"))
    for nm in ("merge_policy", "postprocess"):
        add(Case("api", f"{nm} not callable", f"sample(ran(12), num_variables=6, {nm}=5)",
                 lambda nm=nm: ShrinkingComposite(SA()).sample(ran(12), num_variables=6,
                                                              **{nm: 5}),
                 names=nm, expect="error"))
    # NaN / inf biases
    for where, val in [("linear", math.nan), ("linear", math.inf), ("quadratic", math.nan),
                       ("quadratic", -math.inf), ("offset", math.nan)]:
        def bqm_f(where=where, val=val):
            b = ran(12)
            if where == "linear":
                b.set_linear(3, val)
            elif where == "quadratic":
                b.set_quadratic(0, 1, val)
            else:
                b.offset = val
            return b
        for budget in (6, 20):
            sample_case(f"{where} bias {val}, budget {budget}",
                        f"ran(12) with {where} bias {val}; sample(num_variables={budget})",
                        bqm_f, names=r"nan|inf|finite", expect="error", num_variables=budget)
    # budgets
    for budget in (0, -3, 2.5, True, "8", None):
        inp = f"sample(ran(12), num_variables={budget!r})"
        if budget is None:
            continue
        sample_case(f"num_variables={budget!r}", inp, ran, names="num_variables",
                    expect="error", num_variables=budget)
    add(Case("api", "ShrinkingComposite(num_variables=0)",
             "ShrinkingComposite(SA(), num_variables=0)",
             lambda: ShrinkingComposite(SA(), num_variables=0), names="num_variables",
             expect="error"))
    # unknown options
    for opt in ("num_variabels", "seeds", "merge_polcy", "postprocessing", "num_readz"):
        sample_case(f"unknown option {opt}", f"sample(ran(12), num_variables=6, {opt}=1)",
                    ran, names=opt, expect="error", num_variables=6, **{opt: 1})
    # seeds
    for seed in (-1, SEED_MAX + 1, 2**32, 1.5, "abc", True, [1, 2]):
        sample_case(f"seed={seed!r}", f"sample(ran(12), num_variables=6, seed={seed!r})",
                    ran, names="seed", expect="error", num_variables=6, seed=seed)
    for seed in (np.int64(3), SEED_MAX, 0):  # SEED_MAX: the largest seed documented
        sample_case(f"valid seed {seed!r}", f"sample(ran(12), num_variables=6, seed={seed!r})",
                    ran, expect="answer", num_variables=6, seed=seed)
    sample_case("SA seed out of range via child",
                "ShrinkingComposite(SA).sample(ran(40), num_variables=6, seed=2**40)",
                lambda: ran(40), names="seed", expect="error", num_variables=6, seed=2**40)

    # initial states the child cannot use
    for label, states in [("missing variables", "[{0: 1, 1: 0}]"), ("not samples", "'abc'"),
                          ("values 5", "np.full((2, 12), 5)")]:
        sample_case(f"initial_states {label}",
                    f"sample(ran(12), num_variables=6, initial_states={states})", ran,
                    names="initial_states", expect="error", num_variables=6,
                    initial_states=eval(states))  # noqa: S307 -- literals above

    # estimators that return garbage
    for what, fill in [("NaN", np.nan), ("inf", np.inf)]:
        for schedule in ("fixed", "geometric"):
            sample_case(f"correlation estimator returns {what} ({schedule})",
                        f"sample(ran(12), num_variables=4, schedule={schedule!r}, "
                        f"correlation=lambda K, rng: np.full(K.shape, {what}))", ran,
                        names=r"correlation|estimator", expect="error", num_variables=4,
                        schedule=schedule,
                        correlation=lambda K, rng, fill=fill: np.full(K.shape, fill))
    sample_case("correlation estimator returns a wrong shape",
                "sample(ran(12), num_variables=4, correlation=lambda K, rng: np.eye(3))", ran,
                names=r"correlation|estimator", expect="error", num_variables=4,
                correlation=lambda K, rng: np.eye(3))

    # lying children
    def rows(b, k=4, vals=(0, 1), seed=0):
        return np.random.default_rng(seed).choice(vals, (k, b.num_variables))

    lies = {
        "SPIN answer for a BINARY model": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b, vals=(-1, 1)), list(b.variables)), "SPIN", energy=0), "either"),
        "BINARY answer for a SPIN model": (
            "SPIN", lambda b: dimod.SampleSet.from_samples(
                (rows(b), list(b.variables)), "BINARY", energy=0), "either"),
        "values 7": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (np.full((2, b.num_variables), 7), list(b.variables)), "BINARY", energy=0),
            "error"),
        "values 0.5": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (np.full((2, b.num_variables), 0.5), list(b.variables)), "BINARY", energy=0),
            "error"),
        "values -1 in a BINARY SampleSet": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b, vals=(-1, 1)), list(b.variables)), "BINARY", energy=0), "error"),
        "missing label": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b)[:, 1:], list(b.variables)[1:]), "BINARY", energy=0), "error"),
        "extra label": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (np.hstack([rows(b), np.zeros((4, 1), int)]), list(b.variables) + ["intruder"]),
                "BINARY", energy=0), "error"),
        "renamed labels": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b), [f"v{v}" for v in b.variables]), "BINARY", energy=0), "error"),
        "made-up energies -1e9": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b), list(b.variables)), "BINARY", energy=np.full(4, -1e9)), "either"),
        "num_occurrences 0": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b), list(b.variables)), "BINARY", energy=0,
                num_occurrences=np.zeros(4, int)), "either"),
        "num_occurrences -2": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b), list(b.variables)), "BINARY", energy=0,
                num_occurrences=np.full(4, -2)), "either"),
        "num_occurrences 1.5": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b), list(b.variables)), "BINARY", energy=0,
                num_occurrences=np.full(4, 1.5)), "either"),
        "returns a dict": ("BINARY", lambda b: {v: 0 for v in b.variables}, "error"),
        "returns None": ("BINARY", lambda b: None, "error"),
        "no rows": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (np.zeros((0, b.num_variables), int), list(b.variables)), "BINARY", energy=[]),
            "either"),
        "columns permuted": (
            "BINARY", lambda b: dimod.SampleSet.from_samples(
                (rows(b)[:, ::-1], list(b.variables)[::-1]), "BINARY", energy=0), "either"),
    }
    for lie, (vt, make, expect) in lies.items():
        for n in (4, 12):  # within the budget of 6, and shrunk to it
            def run(vt=vt, make=make, n=n):
                bqm = ran(n, vartype=vt, labels=[f"x{i}" for i in range(n)])
                ss = ShrinkingComposite(Lying(make), num_variables=6).sample(bqm)
                return bqm_problems(ss, bqm, 6)
            add(Case("api", f"child lies: {lie} (n={n})",
                     f"child answers '{lie}' for ran_r(1, {n}) {vt}, num_variables=6", run,
                     names=r"child|Lying", expect=expect))

    # postprocesses that lie
    post_lies = {
        "returns SPIN": (lambda ss, b: dimod.SampleSet.from_samples(
            (2 * np.asarray(ss.record.sample) - 1, list(ss.variables)), "SPIN", energy=0),
            "either"),
        "drops a variable": (lambda ss, b: dimod.SampleSet.from_samples(
            (np.asarray(ss.record.sample)[:, 1:], list(ss.variables)[1:]), "BINARY",
            energy=0), "error"),
        "values 7": (lambda ss, b: dimod.SampleSet.from_samples(
            (np.full_like(np.asarray(ss.record.sample), 7), list(ss.variables)), "BINARY",
            energy=0), "error"),
        "made-up energies": (lambda ss, b: dimod.SampleSet.from_samples(
            (ss.record.sample, list(ss.variables)), "BINARY", energy=np.full(len(ss), -1e9)),
            "either"),
        "returns a list": (lambda ss, b: list(ss.samples()), "error"),
    }
    for lie, (post, expect) in post_lies.items():
        for n in (4, 12):
            def run(post=post, n=n):
                bqm = ran(n)
                ss = ShrinkingComposite(SA(num_reads=4), num_variables=6).sample(
                    bqm, postprocess=post, seed=1)
                return bqm_problems(ss, bqm, 6)
            add(Case("api", f"postprocess {lie} (n={n})",
                     f"postprocess {lie} on ran_r(1, {n}), num_variables=6", run,
                     names=r"postprocess", expect=expect))

    # a postprocess that drops variables must not be blamed on the child
    def blamed():
        bqm = ran(12)
        try:
            ShrinkingComposite(SA(num_reads=2), num_variables=6).sample(
                bqm, postprocess=post_lies["drops a variable"][0], seed=1)
        except ValueError as exc:
            if "child" in str(exc):
                return [f"blames the child: {exc}"]
            raise
        return ["accepted"]
    add(Case("api", "postprocess error blames the postprocess",
             "postprocess drops a variable (n=12)", blamed, names="postprocess",
             expect="error"))

    # scale of the biases: best energy / scale identical
    def scaled(scale):
        def run():
            base = dimod.generators.ran_r(1, 30, seed=5)
            ref = ShrinkingComposite(Exact(), num_variables=8).sample(
                base, seed=3, return_shrink_context=True)
            bqm = base.copy()
            bqm.scale(scale)
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                ss = ShrinkingComposite(Exact(), num_variables=8).sample(
                    bqm, seed=3, return_shrink_context=True)
            probs = bqm_problems(ss, bqm, 8)
            a = ss.first.energy / scale
            b = ref.first.energy
            if not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
                probs.append(f"best energy / scale {a!r} != {b!r} at scale 1")
            m1 = [(m["variable"], m["target"], m["sign"])
                  for m in ss.info["shrink_context"]["merges"]]
            m0 = [(m["variable"], m["target"], m["sign"])
                  for m in ref.info["shrink_context"]["merges"]]
            if m1 != m0:
                probs.append("the merges differ from those at scale 1")
            return probs
        return run
    for tiny in (2.2250738585072014e-308, 2.225073858507203e-309):
        def run(tiny=tiny):
            bqm = dimod.BinaryQuadraticModel({"a": 0.0, "b": tiny}, {}, 0.0, "SPIN")
            ss = ShrinkingComposite(Exact(), num_variables=1).sample(bqm, seed=0)
            return bqm_problems(ss, bqm, 1)
        add(Case("api", f"one tiny bias {tiny:.3g}",
                 f"BinaryQuadraticModel({{'a': 0.0, 'b': {tiny!r}}}, {{}}, 0.0, 'SPIN'), "
                 "ExactSolver child, num_variables=1", run, expect="answer"))
    for scale in (1e-200, 1e-6, 1e150):
        add(Case("api", f"bias scale {scale:g}",
                 f"ran_r(1, 30, seed=5) scaled by {scale:g}, num_variables=8, seed=3 "
                 "(RuntimeWarning = error)", scaled(scale), names="scale|overflow|finite",
                 expect="answer"))
    return cases


def cqm_cases() -> list[Case]:
    cases: list[Case] = []
    add = cases.append

    def cqm_case(name, inp, cqm_f, names=".*", expect="either", child=None, optimum="brute",
                 num_variables=8, **kw):
        def run():
            cqm = cqm_f()
            opt = None
            binary = all(cqm.vartype(v) is dimod.BINARY for v in cqm.variables)
            if optimum == "brute" and binary and len(cqm.variables) and len(cqm.variables) <= 12:
                try:
                    opt, _ = brute_cqm(cqm)
                except Exception:  # noqa: BLE001 -- not a binary/linear CQM: no optimum
                    opt = None
            ss = ShrinkingComposite(child() if child else Exact()).sample_cqm(
                cqm, num_variables=num_variables, **{"seed": 1, **kw})
            return cqm_problems(ss, cqm, num_variables, optimum=opt)
        add(Case("cqm", name, inp, run, names, expect))

    def empty():
        return dimod.ConstrainedQuadraticModel()
    cqm_case("empty CQM", "ConstrainedQuadraticModel()", empty, names=r"variables|empty",
             expect="error")

    def objective_only(n=4):
        c = dimod.ConstrainedQuadraticModel()
        c.set_objective(-sum(dimod.Binary(i) for i in range(n)))
        return c
    cqm_case("no constraints", "objective -sum(x), 4 binaries", objective_only, expect="answer")

    def integer():
        c = dimod.ConstrainedQuadraticModel()
        c.set_objective(dimod.Integer("i", upper_bound=5) + dimod.Binary("b"))
        return c
    cqm_case("integer variable", "objective Integer('i') + Binary('b')", integer,
             expect="answer")

    def real():
        c = dimod.ConstrainedQuadraticModel()
        c.set_objective(dimod.Real("r", upper_bound=5) + dimod.Binary("b"))
        return c
    cqm_case("real variable", "objective Real('r') + Binary('b')", real,
             names=r"REAL.*'r'|'r'.*REAL", expect="error")

    def unbounded():
        c = dimod.ConstrainedQuadraticModel()
        c.set_objective(dimod.Integer("i") + dimod.Binary("b"))
        return c
    cqm_case("unbounded integer", "objective Integer('i') (dimod's default bounds)", unbounded,
             names=r"'i' is unbounded", expect="error")

    def quad_con():
        c = objective_only()
        x = [dimod.Binary(i) for i in range(4)]
        c.add_constraint(x[0] * x[1] + x[2] <= 1, label="q")
        return c
    cqm_case("quadratic constraint", "x0*x1 + x2 <= 1", quad_con,
             names=r"quadratic|'q'", expect="either")

    def soft(penalty, weight=0.1, sense="<=", n=4):
        def f():
            c = dimod.ConstrainedQuadraticModel()
            x = [dimod.Binary(i) for i in range(n)]
            c.set_objective(-sum(x))
            lhs = sum(x)
            expr = lhs <= 1 if sense == "<=" else (lhs == 1 if sense == "==" else lhs >= n)
            c.add_constraint(expr, weight=weight, penalty=penalty, label="soft")
            return c
        return f
    for penalty in ("linear", "quadratic"):
        for weight in (0.1, 0.6, 5.0):
            for sense in ("<=", "=="):
                for enc in ("unbalanced", "slack"):
                    rhs = "1"
                    cqm_case(f"soft {penalty} w={weight} sum(x) {sense} 1, {enc}",
                             f"4 binaries, objective -sum(x), add_constraint(sum(x) {sense} "
                             f"{rhs}, weight={weight}, penalty={penalty!r}), ExactSolver, "
                             f"encoding={enc!r}", soft(penalty, weight, sense),
                             expect="answer", encoding=enc)

    def soft_and_hard():
        c = dimod.ConstrainedQuadraticModel()
        x = [dimod.Binary(i) for i in range(6)]
        c.set_objective(-sum((i + 1) * xi for i, xi in enumerate(x)))
        c.add_constraint(sum(x) <= 3, label="hard")
        c.add_constraint(x[4] + x[5] <= 1, weight=2.0, penalty="linear", label="soft")
        return c
    cqm_case("soft + hard", "6 binaries, -sum((i+1) x_i), sum(x) <= 3 hard, x4 + x5 <= 1 "
             "soft w=2", soft_and_hard, expect="answer")

    def infeasible(kind):
        def f():
            c = dimod.ConstrainedQuadraticModel()
            x = [dimod.Binary(i) for i in range(5)]
            c.set_objective(-sum(x))
            if kind == "ge":
                c.add_constraint(x[0] + x[1] >= 3, label="impossible")
            elif kind == "le":
                c.add_constraint(x[0] + x[1] <= -1, label="impossible")
            elif kind == "eq":
                c.add_constraint(x[0] + x[1] == 3, label="impossible")
            elif kind == "parity":  # within the bounds, but no assignment (2 + 0 or 2 + 2)
                c.add_constraint(2 * x[0] + 2 * x[1] == 3, label="parity")
            else:  # jointly infeasible, each satisfiable
                c.add_constraint(x[0] + x[1] >= 2, label="both")
                c.add_constraint(x[0] + x[1] <= 1, label="at_most_one")
            return c
        return f
    for kind, inp in [("ge", "x0 + x1 >= 3"), ("le", "x0 + x1 <= -1"),
                      ("eq", "x0 + x1 == 3"), ("parity", "2 x0 + 2 x1 == 3"),
                      ("joint", "x0 + x1 >= 2 and x0 + x1 <= 1")]:
        for enc in ("unbalanced", "slack"):
            if kind in ("joint", "parity"):
                def run(f=infeasible(kind), enc=enc):
                    cqm = f()
                    with warnings.catch_warnings(record=True) as w:
                        warnings.simplefilter("always")
                        ss = ShrinkingComposite(Exact()).sample_cqm(
                            cqm, num_variables=8, encoding=enc, seed=1)
                    probs = cqm_problems(ss, cqm, 8)
                    if ss.info.get("feasible_found") is not False:
                        probs.append("no feasible assignment exists, but feasible_found is "
                                     f"{ss.info.get('feasible_found')!r}")
                    if not any(type(x.message).__name__ == "NoFeasibleSampleWarning"
                               for x in w):
                        probs.append("no NoFeasibleSampleWarning")
                    return probs
                add(Case("cqm", f"infeasible ({kind}) {inp}, {enc}",
                         f"5 binaries, {inp}, encoding={enc!r}", run,
                         names=r"both|at_most_one|parity|infeasible|feasible", expect="either"))
            else:
                cqm_case(f"infeasible {inp}, {enc}", f"5 binaries, {inp}, encoding={enc!r}",
                         infeasible(kind), names="impossible", expect="error", encoding=enc)

    for bad, names in [("encoding='onehot'", "encoding"), ("seed=-1", "seed"),
                       ("merge_policy=None", "merge_policy"), ("num_variables=0", "num_variables"),
                       ("num_readz=3", "num_readz")]:
        k, v = bad.split("=")
        v = eval(v)  # noqa: S307 -- a literal from the list above
        def run(k=k, v=v):
            kw = {"num_variables": 4, "seed": 1, k: v}
            return ShrinkingComposite(SA()).sample_cqm(objective_only(8), **kw)
        add(Case("cqm", f"sample_cqm({bad})", f"sample_cqm(objective -sum(x) over 8, {bad})",
                 run, names=names, expect="error"))
    add(Case("cqm", "sample_cqm(bqm)", "sample_cqm(dimod.generators.ran_r(1, 5))",
             lambda: ShrinkingComposite(SA()).sample_cqm(ran(5)),
             names=r"ConstrainedQuadraticModel|sample\(\)", expect="error"))

    # the budget example of issue 11 and two satisfiable variants, in a subprocess
    add(Case("cqm", "budget: 25 vars, x0 + x1 >= 3, ExactSolver, num_variables=8",
             "cqm: objective -sum(x) over 25 binaries, x0 + x1 >= 3; "
             "ShrinkingComposite(ExactSolver()).sample_cqm(cqm, num_variables=8)",
             _budget_case("impossible"), names=r"c0|x0 \+ x1|cannot be satisfied|constraint",
             expect="either", isolate=True, timeout=60))
    add(Case("cqm", "budget: 25 vars, sum(x) <= 1, ExactSolver, num_variables=8",
             "objective -sum(x) over 25 binaries, sum(x) <= 1; ExactSolver, num_variables=8",
             _budget_case("atmost"), expect="answer", isolate=True, timeout=60))
    add(Case("cqm", "budget: 25 vars, x0 + x1 >= 2, ExactSolver, num_variables=8",
             "objective -sum(x) over 25 binaries, x0 + x1 >= 2; ExactSolver, num_variables=8",
             _budget_case("tight"), expect="answer", isolate=True, timeout=60))
    add(Case("cqm", "budget: 25 vars, one-hot, ExactSolver, num_variables=8",
             "objective sum((i % 7 - 3) x_i) over 25 binaries, sum(x) == 1; ExactSolver, "
             "num_variables=8", _budget_case("onehot"), expect="answer", isolate=True,
             timeout=60))
    return cases


def _budget_case(kind):
    def run():
        cqm = dimod.ConstrainedQuadraticModel()
        x = [dimod.Binary(i) for i in range(25)]
        if kind == "onehot":
            cqm.set_objective(sum((i % 7 - 3) * xi for i, xi in enumerate(x)))
            cqm.add_constraint(sum(x) == 1, label="c0")
        else:
            cqm.set_objective(-sum(x))
            cqm.add_constraint({"impossible": x[0] + x[1] >= 3, "tight": x[0] + x[1] >= 2,
                                "atmost": sum(x) <= 1}[kind], label="c0")
        ss = ShrinkingComposite(Exact()).sample_cqm(cqm, num_variables=8, seed=1)
        probs = cqm_problems(ss, cqm, 8)
        if kind != "impossible" and not ss.info.get("feasible_found"):
            probs.append("no feasible sample for a satisfiable CQM")
        return probs
    return run


# -- subprocess runs ---------------------------------------------------------------------

def _limits():
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    os.setsid()


ENV = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
           PYTHONWARNINGS="ignore", PYTHONPATH=str(ROOT))


def run_limited(cmd, timeout, cwd=None, env=None):
    """Run ``cmd``; returns (rc or None on timeout, stdout, stderr, seconds, peak MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env or ENV,
                             preexec_fn=_limits)
        rc, peak = None, 0.0
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(status)
                peak = ru.ru_maxrss / 1024
                p.returncode = rc
                break
            if time.perf_counter() - t0 > timeout:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                _, status, ru = os.wait4(p.pid, 0)
                p.returncode = -9
                peak = ru.ru_maxrss / 1024
                break
            time.sleep(0.02)
        secs = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return rc, out.read().decode(errors="replace"), err.read().decode(errors="replace"), \
            secs, peak


def judge_isolated(case: Case, index: int, seed: int) -> tuple[str, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", case.category,
           str(index), "--seed", str(seed)]
    rc, out, err, secs, peak = run_limited(cmd, case.timeout)
    if rc is None:
        return "hang", f"no result within {case.timeout:g} s (peak {peak:.0f} MiB)"
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if rc != 0 or not lines:
        if "MemoryError" in err:
            return "hang", f"MemoryError (address space capped at {AS_LIMIT >> 30} GiB)"
        return "obscure", f"worker exit {rc}: {err.strip()[-300:]}"
    got = json.loads(lines[-1])
    return got["status"], got["detail"] + f" (peak {peak:.0f} MiB)"


# -- files through the CLI ---------------------------------------------------------------

@dataclass
class FileCase:
    name: str
    filename: str
    content: bytes | None  # None: a directory; b"<missing>": not created
    input: str
    expect: str = "reject"  # "reject" | "either" | "answer"
    needs_line: bool = False
    check: Callable[[dict], list] | None = None
    args: tuple = ()
    names: str | None = None  # extra pattern stderr must match for "ok" (e.g. a constraint)
    file_at_fault: bool = True  # False: a bad option; stderr need not name the file


def _objective_is(value):
    def check(res):
        if res.get("objective") is None or not math.isclose(float(res["objective"]), value,
                                                            rel_tol=1e-9):
            return [f"objective {res.get('objective')} != {value}"]
        return []
    return check


def _numbers(rng, n_numbers) -> bytes:
    """``n_numbers`` random three-digit integers (4 bytes each), 20 to a line."""
    cells = np.empty((n_numbers, 4), dtype=np.uint8)
    cells[:, 0] = rng.integers(49, 58, n_numbers)  # 1-9
    cells[:, 1:3] = rng.integers(48, 58, (n_numbers, 2))
    cells[:, 3] = 32
    cells[19::20, 3] = 10
    return cells.tobytes()


def file_cases(seed: int) -> list[FileCase]:
    rng = np.random.default_rng(seed)
    junk = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    mk = (Path(os.environ.get("DIMOD_SHRINK_INSTANCES", ROOT.parent / "shared" / "instances"))
          / "mdkp" / "mknap1.txt")
    nug = mk.parents[1] / "qap" / "nug12.dat"
    mk_text = mk.read_bytes() if mk.exists() else b""
    nug_text = nug.read_bytes() if nug.exists() else b""
    lp_ok = (b"Minimize\n obj: - x - 2 y - 3 z\nSubject To\n c1: x + y + z <= 2\n"
             b"Binary\n x y z\nEnd\n")
    big_mknap = b"1\n3000000 5 0\n" + _numbers(rng, 12_500_000)
    cases = [
        FileCase("empty file", "empty.dimacs", b"", "0 bytes"),
        FileCase("blank LP", "blank.lp", b"\n   \n\t\n", "whitespace only"),
        FileCase("binary bytes .dimacs", "junk.dimacs", junk, "4 KiB of random bytes"),
        FileCase("binary bytes .lp", "junk.lp", junk, "4 KiB of random bytes"),
        FileCase("binary bytes .dat", "junk.dat", junk, "4 KiB of random bytes"),
        FileCase("binary bytes mknap", "mknap_junk.txt", junk, "4 KiB of random bytes"),
        FileCase("latin-1 comment", "latin1.dimacs", b"c caf\xe9\np edge 2 1\ne 1 2\n",
                 "'c caf\\xe9' then p edge 2 1, e 1 2", expect="either",
                 check=_objective_is(1)),
        FileCase("p edge 0 0", "zero.dimacs", b"p edge 0 0\n", "p edge 0 0"),
        FileCase("p edge 100000 0", "wide.dimacs", b"p edge 100000 0\n", "p edge 100000 0",
                 expect="either", check=_objective_is(100000)),
        FileCase(".clq p edge 30000 0", "wide.clq", b"p edge 30000 0\n",
                 "p edge 30000 0 (complement: 450M edges)", expect="either",
                 check=_objective_is(1)),
        FileCase("huge declared n", "huge.dimacs", b"p edge 2000000000 1\ne 1 2\n",
                 "p edge 2000000000 1, e 1 2", expect="either",
                 check=_objective_is(1999999999)),
        FileCase("no p line", "nop.dimacs", b"e 1 2\ne 2 3\n", "e 1 2, e 2 3 without p line",
                 needs_line=True),
        FileCase("edge out of range", "range.dimacs", b"p edge 3 2\ne 1 2\ne 2 7\n",
                 "p edge 3 2, e 1 2, e 2 7", needs_line=True),
        FileCase("self-loop", "loop.dimacs", b"p edge 3 2\ne 1 2\ne 3 3\n",
                 "p edge 3 2, e 1 2, e 3 3", needs_line=True),
        FileCase("bad token in edge", "tok.dimacs", b"p edge 3 1\ne 1 x\n", "p edge 3 1, e 1 x",
                 needs_line=True),
        FileCase("truncated mknap", "mknap_trunc.txt", mk_text[: len(mk_text) // 3],
                 "first third of mknap1.txt", needs_line=True),
        FileCase("mknap NaN profit", "mknap_nan.txt",
                 b"1\n3 1 0\n1 nan 2\n1 1 1\n2\n", "1 / 3 1 0 / 1 nan 2 / 1 1 1 / 2",
                 needs_line=True),
        FileCase("mknap letters", "mknap_abc.txt", b"1\n3 1 0\n1 abc 2\n1 1 1\n2\n",
                 "1 / 3 1 0 / 1 abc 2 / 1 1 1 / 2", needs_line=True),
        FileCase("mknap instance out of range", "mknap1.txt", mk_text,
                 "mknap1.txt (7 problems) with --instance 9", args=("--instance", "9"),
                 names=r"instance|9"),
        FileCase("50 MB of numbers as mknap", "mknap_big.txt", big_mknap,
                 "1 / 3000000 5 0 / 12,500,000 random integers (50 MB)"),
        FileCase("truncated QAP", "nug_trunc.dat", nug_text[: len(nug_text) // 2],
                 "first half of nug12.dat", needs_line=True),
        FileCase("QAP n=100000", "big.dat", b"100000\n1 2 3\n", "100000 / 1 2 3"),
        FileCase("QAP negative n", "neg.dat", b"-4\n", "-4", needs_line=True),
        FileCase("Max-Cut NaN weight", "g.txt", b"3 2\n1 2 nan\n2 3 1\n",
                 "3 2 / 1 2 nan / 2 3 1 --problem maxcut", args=("--problem", "maxcut"),
                 needs_line=True),
        FileCase("Max-Cut self-loop", "gl.txt", b"3 2\n1 1 1\n2 3 1\n",
                 "3 2 / 1 1 1 / 2 3 1 --problem maxcut", args=("--problem", "maxcut"),
                 needs_line=True),
        FileCase("Max-Cut vertex out of range", "gr.txt", b"3 2\n1 2 1\n2 9 1\n",
                 "3 2 / 1 2 1 / 2 9 1 --problem maxcut", args=("--problem", "maxcut"),
                 needs_line=True),
        FileCase("LP quadratic constraint", "quad.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c1: [ x * y ] + x <= 1\nBinary\n x y\nEnd\n",
                 "c1: [ x * y ] + x <= 1", needs_line=True),
        FileCase("LP NaN coefficient", "nan.lp",
                 b"Minimize\n obj: nan x + y\nSubject To\n c1: x + y <= 1\nBinary\n x y\nEnd\n",
                 "obj: nan x + y", needs_line=True),
        FileCase("LP no variables", "novars.lp", b"Minimize\n obj: \nEnd\n",
                 "Minimize / obj: / End"),
        # Bounded integers are expanded into binaries (answers reported as integers);
        # an unbounded one or a continuous variable is refused by name and line.
        FileCase("LP general integer", "int.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c1: x + y >= 1\nBounds\n 0 <= x <= 5\n"
                 b"General\n x\nBinary\n y\nEnd\n", "General x (0..5), min x + y, x + y >= 1",
                 expect="answer", check=_objective_is(1)),
        FileCase("LP unbounded integer", "int_unbounded.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c1: x + y >= 1\n"
                 b"General\n x\nBinary\n y\nEnd\n", "General x with no Bounds line",
                 needs_line=True, names=r"'x' is unbounded"),
        FileCase("LP continuous variable", "real.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c1: x + y >= 1\nBounds\n 0 <= x <= 5\n"
                 b"Binary\n y\nEnd\n", "x in Bounds only (continuous)",
                 needs_line=True, names=r"'x' is a continuous"),
        FileCase("LP unsatisfiable constraint", "unsat.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c9: x + y >= 3\nBinary\n x y\nEnd\n",
                 "c9: x + y >= 3 over binaries", names="c9"),
        FileCase("LP no feasible answer (parity)", "parity.lp",
                 b"Minimize\n obj: x + y\nSubject To\n c1: 2 x + 2 y = 3\nBinary\n x y\nEnd\n",
                 "c1: 2 x + 2 y = 3 over binaries (exit 3 expected)", expect="either",
                 names="c1"),
        FileCase("LP valid (control)", "ok.lp", lp_ok, lp_ok.decode().replace("\n", " / "),
                 expect="answer", check=_objective_is(-5)),
        FileCase("--qubits 0", "ok2.lp", lp_ok, "a valid LP with --qubits 0",
                 args=("--qubits", "0"), names="qubits", file_at_fault=False),
        FileCase("--seed -1", "ok3.lp", lp_ok, "a valid LP with --seed -1",
                 args=("--seed", "-1"), names="seed", file_at_fault=False),
        FileCase("--sampler exact --qubits 40", "ok4.lp", lp_ok,
                 "a valid LP with --sampler exact --qubits 40",
                 args=("--sampler", "exact", "--qubits", "40"), names="qubits",
                 file_at_fault=False),
        FileCase("directory", "adir.lp", None, "a directory named adir.lp"),
        FileCase("missing file", "missing.dimacs", b"<missing>", "a path that does not exist"),
        FileCase("unknown suffix", "data.xyz", b"p edge 2 1\ne 1 2\n",
                 "p edge 2 1 in data.xyz", names=r"--problem"),
    ]
    return cases


def judge_file(case: FileCase, folder: Path, timeout: float) -> tuple[str, str, float]:
    path = folder / case.filename
    if case.content is None:
        path.mkdir(exist_ok=True)
    elif case.content != b"<missing>":
        path.write_bytes(case.content)
    cmd = [sys.executable, "-m", "dimod_shrink.cli", "solve", str(path), "--json",
           "--no-progress", "--seed", "1", "--qubits", "8", *case.args]
    rc, out, err, secs, peak = run_limited(cmd, timeout, cwd=str(folder))
    tail = " ".join(err.split())[-220:]
    if rc is None:
        return "hang", f"no exit within {timeout:g} s (peak {peak:.0f} MiB)", secs
    if "MemoryError" in err:
        return "hang", (f"MemoryError under the {AS_LIMIT >> 30} GiB address-space cap "
                        f"(exit {rc}, peak {peak:.0f} MiB): {tail}"), secs
    if peak > MEM_LIMIT_MB:
        return "hang", f"peak {peak:.0f} MiB > {MEM_LIMIT_MB} MiB (exit {rc}): {tail}", secs
    if "Traceback" in err:
        return "obscure", f"exit {rc}, traceback: {tail}", secs
    if rc == 2:
        probs = []
        if case.file_at_fault and case.filename not in err:
            probs.append("no file name")
        if case.needs_line and not re.search(r"\bline\b", err):
            probs.append("no line")
        if case.names and not re.search(case.names, err):
            probs.append(f"does not name /{case.names}/")
        if case.expect == "answer":
            return "wrong", f"refused a valid file: {tail}", secs
        if probs:
            return "obscure", f"exit 2, {', '.join(probs)}: {tail}", secs
        return "ok", f"exit 2: {tail}", secs
    if rc in (0, 3):
        try:
            res = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return "wrong", f"exit {rc} without a JSON answer: {out[-200:]}", secs
        if (rc == 0) != bool(res.get("feasible")):
            return "wrong", f"exit {rc} but feasible={res.get('feasible')}", secs
        if case.expect == "reject":
            return "wrong", f"accepted a malformed file (exit {rc}, objective " \
                            f"{res.get('objective')})", secs
        probs = case.check(res) if case.check else []
        if probs:
            return "wrong", "; ".join(probs), secs
        return "ok", f"exit {rc}, objective {res.get('objective')}", secs
    return "obscure", f"exit {rc}: {tail}", secs


# -- random models -----------------------------------------------------------------------

LABELS = ["a", ("t", 1), 7, "b", 2.5, "zz", ("x", "y"), -3, "q", 11, "w", "k", 0, "m"]


def random_bqm(rng):
    n = int(rng.integers(2, 15))
    vt = dimod.BINARY if rng.random() < 0.5 else dimod.SPIN
    labels = [LABELS[i] for i in rng.permutation(len(LABELS))[:n]]
    bqm = dimod.BinaryQuadraticModel(vt)
    for v in labels:
        bqm.add_variable(v, float(rng.normal()))
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.5:
                bqm.add_interaction(labels[i], labels[j], float(rng.normal()))
    bqm.offset = float(rng.normal())
    return bqm


def random_cqm(rng):
    n = int(rng.integers(2, 11))
    x = [dimod.Binary(f"x{i}") for i in range(n)]
    cqm = dimod.ConstrainedQuadraticModel()
    obj = sum(float(rng.integers(-5, 6)) * xi for xi in x)
    for _ in range(int(rng.integers(0, n))):
        i, j = rng.choice(n, 2, replace=False)
        obj += float(rng.integers(-3, 4)) * x[i] * x[j]
    cqm.set_objective(obj)
    for k in range(int(rng.integers(1, 4))):
        idx = rng.choice(n, int(rng.integers(1, n + 1)), replace=False)
        coef = rng.integers(1, 5, idx.size)
        lhs = sum(int(c) * x[i] for c, i in zip(coef, idx))
        total = int(coef.sum())
        sense = rng.choice(["<=", ">=", "=="])
        rhs = int(rng.integers(-1, total + 2))  # sometimes unsatisfiable
        expr = lhs <= rhs if sense == "<=" else (lhs >= rhs if sense == ">=" else lhs == rhs)
        if rng.random() < 0.35:
            cqm.add_constraint(expr, label=f"c{k}", weight=float(rng.choice([0.3, 1.0, 4.0])),
                               penalty=str(rng.choice(["linear", "quadratic"])))
        else:
            cqm.add_constraint(expr, label=f"c{k}")
    return cqm


def _digest(ss) -> str:
    h = hashlib.sha256()
    h.update(repr(list(ss.variables)).encode())
    h.update(np.ascontiguousarray(ss.record.sample).tobytes())
    h.update(np.round(np.asarray(ss.record.energy, float), 9).tobytes())
    return h.hexdigest()[:16]


def model_text(model) -> str:
    """The model, written out (to reproduce a non-ok case)."""
    if isinstance(model, dimod.BinaryQuadraticModel):
        return (f"BinaryQuadraticModel({dict(model.linear)}, {dict(model.quadratic)}, "
                f"{model.offset}, {model.vartype.name!r})")
    parts = [f"objective {model.objective.to_polystring()}"]
    for label, c in model.constraints.items():
        soft = (f" weight={c.lhs.weight()} penalty={c.lhs.penalty()!r}"
                if c.lhs.is_soft() else "")
        parts.append(f"{label}: {c.to_polystring()}{soft}")
    return "; ".join(parts)


def random_case(index: int, seed: int):
    """Run random model ``index``; returns (status, detail, input, digest)."""
    rng = np.random.default_rng([seed, index])
    is_cqm = rng.random() < 0.4
    model = random_cqm(rng) if is_cqm else random_bqm(rng)
    n_vars = len(model.variables)
    budget = int(rng.integers(1, n_vars + 3))
    kind = rng.choice(["sa", "random", "exact"] if budget <= 10 else ["sa", "random"])
    reads = int(rng.integers(2, 12))
    opts = {"num_variables": budget, "seed": int(rng.integers(0, 2**31)),
            "schedule": str(rng.choice(["geometric", "fixed", "adaptive"]))}
    child_kw = {} if kind == "exact" else {"num_reads": reads}
    cqm_opts = {}
    if is_cqm:
        cqm_opts = {"encoding": str(rng.choice(["unbalanced", "slack"])),
                    "constraint_aware": bool(rng.random() < 0.8),
                    "repair": bool(rng.random() < 0.85), "polish": bool(rng.random() < 0.7)}
    desc = (f"{'CQM' if is_cqm else 'BQM'} #{index} (np.random.default_rng([{seed}, {index}])), "
            f"n={n_vars}, child={kind}, {opts} {cqm_opts} {child_kw}")
    make = {"sa": SA, "random": Random, "exact": Exact}[kind]
    before = model.copy() if not is_cqm else dimod.ConstrainedQuadraticModel.from_file(
        model.to_file())
    digests = []
    problems: list[str] = []
    opt = None
    feasible_exists = True
    if is_cqm:
        opt, feasible_exists = brute_cqm(model)
    for rep in range(2):
        RECEIVED.clear()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with alarm(20):
                    if is_cqm:
                        ss = ShrinkingComposite(make()).sample_cqm(model, **opts, **cqm_opts,
                                                                   **child_kw)
                    else:
                        ss = ShrinkingComposite(make()).sample(model, **opts, **child_kw)
            except _Timeout:
                return "hang", "no result within 20 s", desc, None
            except Exception as exc:  # noqa: BLE001 -- classified
                desc += "\n    model : " + model_text(model)
                if is_cqm and not feasible_exists:
                    st, text = clear_error(exc, r"c\d|constraint")
                    return st, text + " (no feasible assignment exists)", desc, None
                st, text = clear_error(exc, ".*")
                return "obscure", text + " (valid model refused)", desc, None
        if is_cqm:
            exact_child = kind == "exact" and budget >= n_vars and \
                cqm_opts["repair"]
            problems += cqm_problems(ss, model, budget, repaired=cqm_opts["repair"],
                                     optimum=None)
            if exact_child and opt is not None and not cqm_opts["encoding"] == "slack":
                feas = ss.record.is_feasible
                best = ss.record.energy[feas].min() if feas.any() else None
                if best is None or best > opt + 1e-9 * max(1, abs(opt)):
                    problems.append(f"ExactSolver within budget: best {best} > optimum {opt}")
            if not feasible_exists and not any(
                    type(w.message).__name__ == "NoFeasibleSampleWarning" for w in caught):
                problems.append("no feasible assignment exists, but no NoFeasibleSampleWarning")
        else:
            problems += bqm_problems(ss, model, budget)
        # a child without a seed parameter (dimod.RandomSampler) cannot repeat itself
        digests.append(_digest(ss) if kind != "random" else None)
    same = (before.is_equal(model) if is_cqm else before == model and
            list(before.variables) == list(model.variables))
    if not same:
        TOTALS.mutated += 1
        problems.append("the caller's model was modified")
    if digests[0] != digests[1]:
        TOTALS.nondeterministic += 1
        problems.append("two runs with the same seed differ")
    if problems:
        return "wrong", "; ".join(dict.fromkeys(problems)), desc + "\n    model : " + \
            model_text(model), digests[0]
    return "ok", "correct", desc, digests[0]


# -- driver ------------------------------------------------------------------------------

def table(results: list[Result]):
    cats = list(dict.fromkeys(r.category for r in results))
    head = f"{'category':<10} {'cases':>6} " + " ".join(f"{s:>8}" for s in STATUSES) + \
        f" {'seconds':>8}"
    print(head)
    print("-" * len(head))
    for c in cats + ["total"]:
        rs = [r for r in results if c == "total" or r.category == c]
        counts = [sum(r.status == s for r in rs) for s in STATUSES]
        secs = sum(r.seconds for r in rs)
        print(f"{c:<10} {len(rs):>6} " + " ".join(f"{k:>8}" for k in counts) + f" {secs:>8.1f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", type=int, default=200, help="random models (default 200)")
    ap.add_argument("--quick", action="store_true", help="40 random models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="seconds per CLI run (default 10)")
    ap.add_argument("--only", choices=("api", "cqm", "files", "random"), default=None)
    ap.add_argument("--verbose", action="store_true", help="print every case")
    ap.add_argument("--out", default="docs/results/audit.md",
                    help="file for the report (default %(default)s; '-': print only)")
    ap.add_argument("--worker", nargs=2, metavar=("CATEGORY", "INDEX"), help=argparse.SUPPRESS)
    ap.add_argument("--digests", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")

    if args.worker:  # one isolated case, printed as JSON
        cat, idx = args.worker
        case = (api_cases() if cat == "api" else cqm_cases())[int(idx)]
        status, detail = judge(case)
        print(json.dumps({"status": status, "detail": detail}))
        return 0
    if args.digests is not None:  # seeded-run fingerprints, for the hash-seed check
        for i in range(args.digests):
            print(random_case(i, args.seed)[3] or "-")
        return 0

    if args.out == "-":
        return _audit(args)
    shown = sys.stdout
    sys.stdout = _Tee(shown)
    try:
        rc = _audit(args)
    finally:
        report, sys.stdout = sys.stdout.getvalue(), shown
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    command = shlex.join(["python", "benchmarks/audit.py", *(argv or sys.argv[1:])])
    Path(args.out).write_text(f"`{command}`"
                              f"\n\n```text\n{report}```\n")
    return rc


class _Tee(io.StringIO):
    """Standard output that also keeps a copy (the report written to ``--out``)."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream

    def write(self, text):
        self.stream.write(text)
        return super().write(text)

    def flush(self):
        self.stream.flush()


def _audit(args) -> int:
    """Every case of the chosen categories; the report on standard output."""
    t_all = time.perf_counter()
    results: list[Result] = []

    def record(cat, name, status, detail, inp, secs):
        results.append(Result(cat, name, status, detail, inp, secs))
        if args.verbose:
            print(f"  [{status:>7}] {cat}/{name}: {detail[:160]}", flush=True)

    for cat, maker in (("api", api_cases), ("cqm", cqm_cases)):
        if args.only not in (None, cat):
            continue
        for i, case in enumerate(maker()):
            t0 = time.perf_counter()
            status, detail = (judge_isolated(case, i, args.seed) if case.isolate
                              else judge(case))
            record(cat, case.name, status, detail, case.input, time.perf_counter() - t0)

    if args.only in (None, "files"):
        with tempfile.TemporaryDirectory(prefix="dimod-shrink-audit-") as tmp:
            for case in file_cases(args.seed):
                status, detail, secs = judge_file(case, Path(tmp), args.timeout)
                extra = " ".join(case.args)
                record("files", case.name, status, detail,
                       f"{case.filename}: {case.input}" + (f" [{extra}]" if extra else ""), secs)

    if args.only in (None, "random"):
        n = 40 if args.quick else args.models
        digests = []
        for i in range(n):
            t0 = time.perf_counter()
            status, detail, desc, dig = random_case(i, args.seed)
            digests.append(dig)
            record("random", f"model {i}", status, detail, desc, time.perf_counter() - t0)
        # seeded runs identical across hash seeds (string labels hash differently)
        t0 = time.perf_counter()
        k = min(20, n)
        outs = []
        for hs in ("1", "2"):
            rc, out, err, _, _ = run_limited(
                [sys.executable, str(Path(__file__).resolve()), "--digests", str(k),
                 "--seed", str(args.seed)], 120, env=dict(ENV, PYTHONHASHSEED=hs))
            outs.append(out.split() if rc == 0 else None)
        if outs[0] is None or outs[1] is None:
            status, detail = "obscure", "a hash-seed run failed"
        else:
            seeded = [i for i in range(k) if digests[i] is not None]
            differ = [i for i in seeded
                      if not (outs[0][i] == outs[1][i] == digests[i])]
            status = "wrong" if differ else "ok"
            detail = (f"{len(seeded)} seeded models identical" if not differ else
                      f"models {differ} differ between hash seeds")
        record("random", "hash seeds 1 vs 2", status, detail,
               f"random models 0..{k - 1} under PYTHONHASHSEED=1 and 2 and this process",
               time.perf_counter() - t0)

    print(f"dimod-shrink reliability audit (seed {args.seed}); timings on this machine")
    print()
    table(results)
    t = TOTALS
    print()
    print(f"samples checked: {t.samples:,} ({t.energy_mismatches} energy mismatches); "
          f"CQM samples: {t.cqm_samples:,} ({t.repaired_infeasible} repaired samples "
          f"infeasible, {t.feasible_dishonest} with a wrong is_feasible); child over budget: "
          f"{t.budget_breaches}; models mutated: {t.mutated}; seeded runs differing: "
          f"{t.nondeterministic}")
    print(f"total time: {time.perf_counter() - t_all:.1f} s")
    bad = [r for r in results if r.status != "ok"]
    print()
    print(f"non-ok cases: {len(bad)}")
    for r in bad:
        print(f"- [{r.status}] {r.category} / {r.name}")
        print(f"    input : {r.input}")
        print(f"    result: {r.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
