"""Problem models: CQM, penalty BQM, merge policy, repair, objective, solution.

* :class:`MISProblem` -- maximum independent set;
* :class:`MDKPProblem` -- multidimensional knapsack;
* :class:`QAPProblem` -- quadratic assignment;
* :class:`MaxCutProblem` -- Max-Cut (unconstrained);
* :class:`CQMProblem` -- any CQM with binary variables and linear constraints.

:func:`load_problem` reads an instance file into the right model.
"""

from .base import ENCODINGS, Problem
from .cqm import CQMProblem
from .loader import PROBLEMS, infer_problem, load_problem
from .maxcut import MaxCutProblem
from .mdkp import MDKPProblem
from .mis import MISProblem
from .qap import QAPProblem

__all__ = ["Problem", "ENCODINGS", "MISProblem", "MDKPProblem", "QAPProblem", "MaxCutProblem",
           "CQMProblem", "load_problem", "infer_problem", "PROBLEMS"]
