"""Child samplers: the circuit-based QAOA / CVaR-VQE sampler."""

from .qaoa import QAOASampler, bitstrings_to_samples, estimate_cost, ising_operator

__all__ = ["QAOASampler", "ising_operator", "bitstrings_to_samples", "estimate_cost"]
