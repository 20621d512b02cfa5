"""Shrinking to fit a QPU: QAOA, an annealer and simulated annealing as children.

A frustrated spin glass (``dimod.generators.ran_r``, couplings +-1 on a
complete graph) of 100 variables is shrunk by :class:`ShrinkingComposite` to
each child's budget:

* QAOA (:class:`~dimod_shrink.samplers.QAOASampler`, its defaults) at 16 qubits;
* an annealer: :class:`~dimod_shrink.samplers.annealer.CliqueSampler` on an
  offline mock of a Pegasus QPU (``mock_qpu("pegasus", 4)``, the embedded model
  sampled by simulated annealing), at the largest clique it embeds (36);
* simulated annealing at the same two budgets;
* ``dimod.RandomSampler`` at the same two budgets and reads: the control.

Every energy is on the original 100-variable model; the reference is a
full-size simulated-annealing run.  With a Leap token, ``real=True`` runs the
annealer on a D-Wave QPU (:class:`~dwave.system.DWaveSampler`) at its own
largest clique instead.  Needs the ``quantum`` and ``annealer`` extras.
Run: ``python examples/annealer_child.py``.
"""

import time

import dimod
from dwave.samplers import SimulatedAnnealingSampler

from dimod_shrink import ShrinkingComposite
from dimod_shrink.samplers import QAOASampler
from dimod_shrink.samplers.annealer import CliqueSampler, mock_qpu, real_qpu


def run(child, bqm, budget, seed, **params):
    t = time.perf_counter()
    ss = ShrinkingComposite(child).sample(bqm, num_variables=budget, seed=seed, **params)
    dimod.testing.assert_sampleset_energies(ss, bqm)  # energies on the original model
    return float(ss.first.energy), time.perf_counter() - t, ss.info


def main(n=100, qaoa_qubits=16, topology="pegasus", shape=4, reads=100, seed=0, real=False):
    bqm = dimod.generators.ran_r(1, n, seed=seed)
    ref = float(SimulatedAnnealingSampler().sample(bqm, num_reads=100, seed=seed).first.energy)
    annealer = CliqueSampler(real_qpu() if real else mock_qpu(topology, shape))
    clique = annealer.largest_clique_size
    rows = [
        (f"QAOA ({qaoa_qubits} qubits)", qaoa_qubits,
         run(QAOASampler(), bqm, qaoa_qubits, seed, max_parallel_threads=1)),
        (f"random ({qaoa_qubits})", qaoa_qubits,
         run(dimod.RandomSampler(), bqm, qaoa_qubits, seed, num_reads=1024)),
        (f"SA ({qaoa_qubits})", qaoa_qubits,
         run(SimulatedAnnealingSampler(), bqm, qaoa_qubits, seed, num_reads=reads)),
        (f"annealer, clique {clique}", clique,
         run(annealer, bqm, clique, seed, num_reads=reads)),
        (f"SA ({clique})", clique,
         run(SimulatedAnnealingSampler(), bqm, clique, seed, num_reads=reads)),
        (f"random ({clique})", clique,
         run(dimod.RandomSampler(), bqm, clique, seed, num_reads=reads)),
    ]
    print(f"spin glass of {n} variables; full-size SA reference energy {ref:g}")
    print(f"{'child':<24} {'budget':>6} {'best energy':>12} {'of ref':>7} {'seconds':>8}  notes")
    out = {}
    for name, budget, (energy, secs, info) in rows:
        note = ""
        if "reps" in info:
            note = f"depth {info['reps']}, {info['evaluations']} evaluations"
        if "chain_strength" in info:
            note = (f"{info['qubits']} qubits, chain strength {info['chain_strength']:.3g}, "
                    f"chain breaks {info['chain_break_fraction']:.1%}")
        print(f"{name:<24} {budget:>6} {energy:>12g} {energy / ref:>7.1%} {secs:>8.2f}  {note}")
        out[name.split(" (")[0].split(",")[0] + f" {budget}"] = energy
    out["reference"] = ref
    return out


if __name__ == "__main__":
    main()
