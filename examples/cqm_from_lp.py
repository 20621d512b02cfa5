"""Solve a constrained model read from an LP file with ``sample_cqm``.

The LP file is a small job-to-machine assignment with a budget constraint.
``ShrinkingComposite.sample_cqm`` builds the penalty BQM, derives the merge
vetoes from the linear constraints (one-hot groups, the budget), shrinks to the
budget, samples, expands and repairs.  Run: ``python examples/cqm_from_lp.py``.
"""

from pathlib import Path

import dimod

from dimod_shrink import ShrinkingComposite

LP = Path(__file__).parent / "data" / "assignment.lp"


def main(num_variables=4, seed=0):
    cqm = dimod.lp.load(str(LP))
    ss = ShrinkingComposite().sample_cqm(cqm, num_variables=num_variables, seed=seed,
                                         num_reads=50, return_shrink_context=True)
    best = ss.filter(lambda s: s.is_feasible).first
    chosen = sorted(v for v, x in best.sample.items() if x)
    ctx = ss.info["shrink_context"]
    print(f"{len(cqm.variables)} variables shrunk to {ctx['num_reduced']} "
          f"({ctx['vetoed_merges']} merges vetoed by the constraints)")
    print(f"best feasible cost {best.energy:g}: {chosen}")
    return best


if __name__ == "__main__":
    main()
