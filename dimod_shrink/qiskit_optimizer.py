"""``ShrinkingOptimizer``: the shrink engine as a qiskit-optimization algorithm.

qiskit users hold a :class:`~qiskit_optimization.QuadraticProgram` and an
:class:`~qiskit_optimization.algorithms.OptimizationAlgorithm` (for example
``MinimumEigenOptimizer(QAOA(...))``) that only fits small problems.
:class:`ShrinkingOptimizer` converts the program to a QUBO
(:class:`~qiskit_optimization.converters.QuadraticProgramToQubo`), shrinks it
with :class:`~dimod_shrink.ShrinkingComposite` (correlation-guided merges
``x_i = x_j``, ``x_i = 1 - x_j`` and fixings) to ``num_variables`` binaries,
hands the reduced program to the given optimizer, and expands its answer to
the original variables -- the same shape of algorithm as qiskit-optimization's
:class:`~qiskit_optimization.algorithms.RecursiveMinimumEigenOptimizer`, except
that the merges come from a classical relaxation, so the small optimizer runs
once and never sees the whole problem.

Needs the ``quantum`` extra: ``pip install "dimod-shrink[quantum]"``.
"""

from __future__ import annotations

import dimod
import numpy as np
from qiskit_optimization import QuadraticProgram
from qiskit_optimization.algorithms import (OptimizationAlgorithm, OptimizationResult,
                                            OptimizationResultStatus, SolutionSample)
from qiskit_optimization.converters import QuadraticProgramToQubo

from .composites import ShrinkingComposite

__all__ = ["ShrinkingOptimizer", "ShrinkingOptimizationResult", "qubo_to_bqm", "bqm_to_qp"]


def qubo_to_bqm(qubo: QuadraticProgram) -> dimod.BinaryQuadraticModel:
    """A BINARY BQM (labels = variable names) with the objective of an unconstrained,
    all-binary ``QuadraticProgram`` (maximisation is negated into minimisation).

    Examples:
        >>> from qiskit_optimization import QuadraticProgram
        >>> qp = QuadraticProgram()
        >>> _ = qp.binary_var("a"); _ = qp.binary_var("b")
        >>> qp.minimize(constant=1, linear={"a": -2}, quadratic={("a", "b"): 3, ("b", "b"): 1})
        >>> bqm = qubo_to_bqm(qp)
        >>> bool(bqm.energy({"a": 1, "b": 1}) == qp.objective.evaluate([1, 1]))
        True
    """
    if qubo.linear_constraints or qubo.quadratic_constraints:
        raise ValueError("qubo_to_bqm needs an unconstrained program; convert it with "
                         "QuadraticProgramToQubo first")
    bad = [v.name for v in qubo.variables if v.vartype != v.Type.BINARY]
    if bad:
        raise ValueError(f"qubo_to_bqm needs binary variables; {bad[:5]} are not "
                         "(convert with QuadraticProgramToQubo first)")
    sign = 1.0 if qubo.objective.sense == qubo.objective.sense.MINIMIZE else -1.0
    names = [v.name for v in qubo.variables]
    bqm = dimod.BinaryQuadraticModel({v: 0.0 for v in names}, {}, sign * qubo.objective.constant,
                                     dimod.BINARY)
    for i, c in qubo.objective.linear.to_dict().items():
        bqm.add_linear(names[i], sign * c)
    for (i, j), c in qubo.objective.quadratic.to_dict().items():
        if i == j:  # x^2 = x for binaries
            bqm.add_linear(names[i], sign * c)
        else:
            bqm.add_quadratic(names[i], names[j], sign * c)
    return bqm


def bqm_to_qp(bqm: dimod.BinaryQuadraticModel, name: str = "reduced") -> QuadraticProgram:
    """A minimisation ``QuadraticProgram`` of binaries ``str(label)`` with the BQM's energy.

    Examples:
        >>> import dimod
        >>> bqm = dimod.BinaryQuadraticModel({0: 1.0, 1: -1.0}, {(0, 1): 2.0}, 0.5, 'SPIN')
        >>> qp = bqm_to_qp(bqm)
        >>> [v.name for v in qp.variables]
        ['0', '1']
        >>> bool(qp.objective.evaluate([1, 0]) == bqm.energy({0: 1, 1: -1}))
        True
    """
    binary = bqm.binary if bqm.vartype is dimod.SPIN else bqm
    names = [str(v) for v in binary.variables]
    if len(set(names)) != len(names):
        raise ValueError("bqm_to_qp needs labels whose str() are distinct")
    qp = QuadraticProgram(name)
    for nm in names:
        qp.binary_var(nm)
    pos = {v: k for k, v in enumerate(binary.variables)}
    qp.minimize(constant=float(binary.offset),
                linear={names[pos[v]]: float(b) for v, b in binary.iter_linear() if b},
                quadratic={(names[pos[u]], names[pos[v]]): float(b)
                           for u, v, b in binary.iter_quadratic() if b})
    return qp


class _OptimizerChild(dimod.Sampler):
    """A dimod child that solves the reduced model with a qiskit-optimization algorithm."""

    parameters = {}
    properties = {}

    def __init__(self, optimizer: OptimizationAlgorithm):
        self.optimizer = optimizer
        self.results = []

    def sample(self, bqm, **kwargs):
        qp = bqm_to_qp(bqm)
        res = self.optimizer.solve(qp)
        self.results.append(res)
        rows, probs = [np.asarray(res.x, dtype=float)], [np.nan]
        for s in (res.samples or []):
            rows.append(np.asarray(s.x, dtype=float))
            probs.append(float(s.probability))
        X = np.rint(np.vstack(rows)).astype(np.int8)
        if bqm.vartype is dimod.SPIN:
            X = 2 * X - 1
        return dimod.SampleSet.from_samples_bqm((X, list(bqm.variables)), bqm,
                                                probability=np.array(probs))


class ShrinkingOptimizationResult(OptimizationResult):
    """The result of :class:`ShrinkingOptimizer`: over the original variables.

    Besides the usual fields, :attr:`reduced_result` is the inner optimizer's
    result on the reduced program, :attr:`num_reduced` its size and
    :attr:`shrink_context` the merges made (see
    :class:`~dimod_shrink.ShrinkingComposite`).
    """

    def __init__(self, x, fval, variables, status, samples=None, *, reduced_result=None,
                 num_reduced=None, shrink_context=None):
        super().__init__(x, fval, variables, status, None, samples)
        self._reduced_result = reduced_result
        self._num_reduced = num_reduced
        self._shrink_context = shrink_context

    @property
    def reduced_result(self) -> OptimizationResult:
        """The inner optimizer's result on the reduced program."""
        return self._reduced_result

    @property
    def num_reduced(self) -> int:
        """Variables of the reduced program the inner optimizer solved."""
        return self._num_reduced

    @property
    def shrink_context(self) -> dict:
        """The shrink record (merges, timing, reduced size)."""
        return self._shrink_context


class ShrinkingOptimizer(OptimizationAlgorithm):
    """Shrink a ``QuadraticProgram`` to ``num_variables`` binaries, solve it with
    ``optimizer``, and expand the answer to the original variables.

    Args:
        optimizer: Any qiskit-optimization algorithm for the reduced program
            (an unconstrained binary program of at most ``num_variables``
            variables), e.g. ``MinimumEigenOptimizer(QAOA(...))``.
        num_variables: The reduced size (the qubits the optimizer may use).
        penalty: Penalty factor of the default
            :class:`~qiskit_optimization.converters.QuadraticProgramToQubo`.
        converters: Converters to a QUBO (default: ``QuadraticProgramToQubo``).
        seed: Seeds the shrink (correlation estimator and merge choices).
        **shrink_parameters: Passed to
            :meth:`dimod_shrink.ShrinkingComposite.sample` (``correlation``,
            ``merge_policy``, ``schedule``, ...).

    Examples:
        A 10-node maximum-cut-like QUBO, shrunk to 4 variables and solved
        exactly by ``NumPyMinimumEigensolver``:

        >>> import networkx as nx
        >>> from qiskit_optimization.algorithms import MinimumEigenOptimizer
        >>> from qiskit_optimization.applications import Maxcut
        >>> from qiskit_optimization.minimum_eigensolvers import NumPyMinimumEigensolver
        >>> qp = Maxcut(nx.cycle_graph(10)).to_quadratic_program()
        >>> inner = MinimumEigenOptimizer(NumPyMinimumEigensolver())
        >>> result = ShrinkingOptimizer(inner, num_variables=4, seed=0).solve(qp)
        >>> result.num_reduced <= 4, float(result.fval), len(result.x)
        (True, 10.0, 10)

    References:
        S. Bravyi, A. Kliesch, R. Koenig, E. Tang, "Obstacles to variational
        quantum optimization from symmetry protection", PRL 125, 260505
        (2020) -- RQAOA, whose variable eliminations this generalises.
    """

    def __init__(self, optimizer: OptimizationAlgorithm, num_variables: int = 16, *,
                 penalty: float | None = None, converters=None, seed=None,
                 **shrink_parameters):
        if not isinstance(optimizer, OptimizationAlgorithm):
            raise TypeError("optimizer must be a qiskit_optimization OptimizationAlgorithm, "
                            f"got {type(optimizer).__name__}; e.g. "
                            "MinimumEigenOptimizer(QAOA(sampler, COBYLA()))")
        if isinstance(num_variables, bool) or int(num_variables) != num_variables \
                or num_variables < 1:
            raise ValueError(f"num_variables must be a positive int, got {num_variables!r}")
        self._optimizer = optimizer
        self._num_variables = int(num_variables)
        self._converters = self._prepare_converters(converters, penalty)
        self._seed = seed
        self._shrink_parameters = shrink_parameters

    def get_compatibility_msg(self, problem: QuadraticProgram) -> str:
        """Why ``problem`` cannot be converted to a QUBO ('' when it can)."""
        return QuadraticProgramToQubo.get_compatibility_msg(problem)

    def solve(self, problem: QuadraticProgram) -> ShrinkingOptimizationResult:
        """Shrink, solve the reduced program with the inner optimizer, expand.

        Returns:
            :class:`ShrinkingOptimizationResult` over ``problem``'s variables:
            ``x`` and ``fval`` of the best expanded sample (feasible first),
            ``samples`` with every expanded sample of the inner result.
        """
        self._verify_compatibility(problem)
        qubo = self._convert(problem, self._converters)
        bqm = qubo_to_bqm(qubo)
        child = _OptimizerChild(self._optimizer)
        ss = ShrinkingComposite(child).sample(
            bqm, num_variables=self._num_variables, seed=self._seed,
            return_shrink_context=True, **self._shrink_parameters)
        names = [v.name for v in qubo.variables]
        X = ss.record.sample[:, [ss.variables.index(v) for v in names]]
        raw = [SolutionSample(x=x.astype(float), fval=float(e), probability=1.0 / len(X),
                              status=OptimizationResultStatus.SUCCESS)
               for x, e in zip(X, ss.record.energy)]
        samples, best = self._interpret_samples(problem, raw, self._converters)
        ctx = ss.info.get("shrink_context", {})
        return self._interpret(
            x=best.x, problem=problem, converters=self._converters,
            result_class=ShrinkingOptimizationResult, samples=samples,
            reduced_result=child.results[-1] if child.results else None,
            num_reduced=ctx.get("num_reduced", bqm.num_variables), shrink_context=ctx)
