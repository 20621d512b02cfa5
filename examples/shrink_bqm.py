"""Shrink a 60-variable BQM to 10 variables, solve it exactly, and expand.

The model is a gauge-transformed ("planted") spin glass whose ground state is
known, plus a little noise, so the script can say whether shrinking kept the
optimum.  Run it with ``python examples/shrink_bqm.py``.
"""

import dimod
import numpy as np

from dimod_shrink import ShrinkingComposite


def planted_model(n=60, degree=4, noise=0.2, seed=7):
    rng = np.random.default_rng(seed)
    t = rng.choice([-1, 1], size=n)
    bqm = dimod.BinaryQuadraticModel("SPIN")
    for i in range(n):
        bqm.add_linear(f"s{i}", -0.3 * t[i])
        for d in range(1, degree // 2 + 1):  # a ring with next-neighbour bonds
            j = (i + d) % n
            bqm.add_quadratic(f"s{i}", f"s{j}", -t[i] * t[j] + noise * rng.uniform(-1, 1))
    return bqm, {f"s{i}": int(t[i]) for i in range(n)}


def main():
    bqm, planted = planted_model()
    sampler = ShrinkingComposite(dimod.ExactSolver())
    ss = sampler.sample(bqm, num_variables=10, seed=0, return_shrink_context=True)
    ctx = ss.info["shrink_context"]
    best = ss.first
    print(f"original model : {ctx['num_variables']} variables")
    print(f"reduced model  : {ctx['num_reduced']} variables after {ctx['num_merges']} merges "
          f"({ctx['num_fixed']} fixes, {ctx['correlation_calls']} correlation solves)")
    print(f"best energy    : {best.energy:.4f} (computed on the original model)")
    print(f"planted energy : {bqm.energy(planted):.4f}")
    print("timing (s)     : " + ", ".join(f"{k}={v:.3f}" for k, v in ctx["timing"].items()))
    return ss


if __name__ == "__main__":
    main()
