"""Child samplers: QAOA / CVaR-VQE (numpy statevector, qiskit-aer or a qiskit target), a
recorder, exhaustive search; annealers in :mod:`dimod_shrink.samplers.annealer`."""

from .exhaustive import ExhaustiveSampler
from .qaoa import QAOASampler, bitstrings_to_samples, estimate_cost, ising_operator
from .recording import RecordingSampler
from .statevector import DiagonalQAOA, diagonal_energies

__all__ = ["QAOASampler", "ising_operator", "bitstrings_to_samples", "estimate_cost",
           "DiagonalQAOA", "diagonal_energies", "RecordingSampler", "ExhaustiveSampler"]
