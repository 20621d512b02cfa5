"""Command line: ``dimod-shrink solve PATH``, ``dimod-shrink bench SUITE`` and
``dimod-shrink fetch NAME``.

The parser is built from the light constants of :mod:`dimod_shrink._names`;
dimod, numpy, scipy and the package's solvers are imported inside the command
handlers, so ``dimod-shrink --help`` and ``--version`` start fast.

Exit status: 0 on success, 2 on bad input (options, unreadable or malformed
files, an unreachable scheduler, a missing extra), 3 when ``solve`` found no
feasible answer.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from . import _names

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_BAD_INPUT", "EXIT_INFEASIBLE"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3

_EPILOG = """\
exit status:
  0  success
  2  bad input: invalid options, a missing, unreadable or malformed instance
     file, an unreachable --scheduler, a missing optional extra
  3  solve found no feasible answer (the best infeasible one is still printed)
"""


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows ``(default: X)`` after every option whose default means something.

    Options whose default is ``None`` or a flag's ``False`` say their default
    in their own help text instead.
    """

    def _get_help_string(self, action):
        help_text = action.help or ""
        if ("default" in help_text or not action.option_strings or action.default is None
                or action.default is False or action.default is argparse.SUPPRESS):
            return help_text
        return help_text + " (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """Reports a usage error on one line, with where to look."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} "
                                  f"(see '{self.prog} --help')\n")


class _BadInput(Exception):
    """Input the command cannot use; the message says what to do."""


def _int_at_least(low: int, high: int | None = None, high_text: str | None = None):
    """An argparse type: an int in ``[low, high)`` (``high_text`` spells ``high``)."""
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {s!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {v}")
        if high is not None and v >= high:
            raise argparse.ArgumentTypeError(f"must be below {high_text or high}, got {v}")
        return v
    return parse


_positive = _int_at_least(1)
_non_negative = _int_at_least(0)
_seed = _int_at_least(0, _names.SEED_LIMIT, "2**31")


def _positive_number(what: str):
    """An argparse type: a finite float > 0 (``what`` names it in the error)."""
    def parse(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {s!r}") from None
        if not (math.isfinite(v) and v > 0):
            raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {s}")
        return v
    return parse


_seconds = _positive_number("a number of seconds")
_chain_strength = _positive_number("a number")


def _fraction(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {s!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {s}")
    return v


def _reps(s):
    if s == "auto":
        return s
    try:
        return _positive(s)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1 or 'auto', got {s!r}") \
            from None


def _version() -> str:
    from . import __version__
    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The ``dimod-shrink`` argument parser (imports nothing heavy)."""
    ap = _Parser(
        prog="dimod-shrink", formatter_class=_Formatter, epilog=_EPILOG,
        description="Shrink constrained binary problems to a qubit budget, solve, repair.")
    ap.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="{solve,bench,fetch}")
    s = sub.add_parser("solve", help="solve one instance file", formatter_class=_Formatter,
                       epilog=_EPILOG,
                       description="Solve one instance: shrink, sample, expand, repair.")
    s.add_argument("path", help="instance file (mknap, DIMACS .dimacs/.clq, QAPLIB .dat, "
                                "LP, Max-Cut edge list), or a public instance KIND:NAME such "
                                "as qaplib:nug12, downloaded on first use (see 'fetch')")
    s.add_argument("--problem", choices=_names.PROBLEMS,
                   help="problem type (default: inferred from the file name where unambiguous)")
    s.add_argument("--instance", type=_positive, default=1,
                   help="problem K of a multi-problem file (1-based)")
    s.add_argument("--sampler", choices=_names.SAMPLERS, default="sa",
                   help="child sampler: sa (simulated annealing), tabu, exact (enumerates "
                        "2^qubits states), qaoa (needs the quantum extra), random (uniform "
                        "random bits, --shots reads: the control a child is measured against), "
                        "annealer (a D-Wave QPU through a clique embedding; needs the annealer "
                        "extra and a Leap token), mock-annealer (the same on an offline mock "
                        "QPU)")
    s.add_argument("--qubits", type=_positive, default=20,
                   help="variable budget of the child")
    s.add_argument("--encoding", choices=_names.ENCODINGS, default="unbalanced",
                   help="inequality encoding (unbalanced: no slack bits)")
    s.add_argument("--correlation", default="lowrank",
                   help=f"correlation estimator: {', '.join(_names.ESTIMATORS)}")
    s.add_argument("--schedule", choices=_names.SCHEDULES, default=None,
                   help="when to recompute correlations: geometric (when the model shrank by "
                        "a fixed fraction), adaptive (after --recompute-fraction of the "
                        "variables are removed, or on demand) or fixed (every "
                        "--recompute-every merges; 1 is the published schedule) (default: "
                        f"{_names.DEFAULT_SCHEDULE}, the library's default)")
    s.add_argument("--recompute-every", type=_positive, default=None,
                   help="merges between correlation solves with --schedule fixed (1: the "
                        "published schedule) (default: the library's default)")
    s.add_argument("--recompute-fraction", type=_fraction, default=None,
                   help="fraction of the variables removed between correlation solves with "
                        "--schedule geometric or adaptive (default: the library's default for "
                        "the schedule)")
    s.add_argument("--threshold", choices=_names.THRESHOLDS, default=None,
                   help="dynamic threshold gating merges (default: none, merge the strongest "
                        "admissible pair)")
    s.add_argument("--early-stop", action="store_true",
                   help="stop above the budget when no strong pair remains (needs --threshold)")
    s.add_argument("--no-constraint-aware", action="store_true",
                   help="plain shrinking: no merge vetoes")
    s.add_argument("--no-repair", action="store_true", help="report samples as expanded")
    s.add_argument("--no-polish", action="store_true", help="repair without local search")
    s.add_argument("--num-reads", type=_positive, default=100,
                   help="reads of the sa, tabu, exact and annealer children")
    s.add_argument("--seed", type=_seed, default=None,
                   help="seed of every random choice (default: none, a fresh run each time)")
    it = s.add_argument_group("iterated shrinking (re-shrink around the best answer)")
    it.add_argument("--rounds", type=_non_negative, default=0,
                    help="at most N rounds after the single shrink, which is round 0 (never "
                         "a worse answer than without rounds); 0 is the single shrink alone "
                         "(default: 0, or no cap with --time-limit)")
    it.add_argument("--time-limit", type=_seconds, default=None,
                    metavar="S", help="the whole solve ends within S seconds, round 0, repair "
                    "and polish included; alone, rounds run until the time is up "
                    "(default: no limit)")
    it.add_argument("--patience", type=_positive, default=None, metavar="K",
                    help="stop after K rounds without improvement (default: 3 with --rounds, "
                         "off with --time-limit)")
    q = s.add_argument_group(
        "QAOA child (--sampler qaoa); an option left out takes QAOASampler's own default, "
        "as from Python")
    q.add_argument("--reps", type=_reps, default=None,
                   help="QAOA layers p (circuit depth), or 'auto' (with --target: the "
                        "depth of largest estimated ground-state probability under the "
                        "target's two-qubit error) (default: the "
                        "sampler's, p = 8 started from its table of transferred angles; "
                        "'auto' with --target)")
    q.add_argument("--shots", type=_positive, default=None,
                   help="measurements of the final circuit; also the reads of --sampler random "
                        "(default: the sampler's, 1024)")
    q.add_argument("--ansatz", choices=("qaoa", "ry_rz"), default="qaoa",
                   help="qaoa, or ry_rz: CVaR-VQE with a hardware-efficient ansatz")
    q.add_argument("--maxiter", type=_positive, default=None,
                   help="iterations of the classical optimiser of the circuit angles (default: "
                        "the sampler's, 20 from the transferred angles, 40 per depth with "
                        "--initial-point interp)")
    q.add_argument("--initial-point", choices=("transfer", "interp", "ramp", "fixed", "random"),
                   default=None,
                   help="where the angle training starts (default: the sampler's, transfer: "
                        "the best of a table of angles trained on other models, depths 1-8; "
                        "interp: from scratch, depth 1 from an angle grid grown by INTERP, "
                        "about 10 times the evaluations)")
    q.add_argument("--target", default=None, metavar="NAME",
                   help="run the circuits on a simulated device: generic-line or "
                        "generic-full (qiskit's GenericBackendV2 of --qubits qubits, with its "
                        "noise) or a fake IBM device class such as FakeNairobiV2 (needs "
                        "qiskit-ibm-runtime) (default: none, the exact statevector)")
    q.add_argument("--train", choices=("statevector", "target"), default=None,
                   help="with --target: train the angles on the exact statevector, or on the "
                        "target with shots (default: statevector)")
    q.add_argument("--optimization-level", type=int, choices=(0, 1, 2, 3), default=None,
                   help="with --target: the transpiler's preset level (default: 1)")
    a = s.add_argument_group("annealer child (--sampler annealer: a D-Wave QPU, needs a Leap "
                             "token; --sampler mock-annealer: an offline mock QPU)")
    a.add_argument("--topology", choices=("pegasus", "zephyr", "chimera"), default=None,
                   help="graph of the mock QPU (default: pegasus)")
    a.add_argument("--topology-shape", type=_positive, default=None, metavar="M",
                   help="size of the mock QPU's graph (default: 16 for pegasus and chimera, "
                        "6 for zephyr: the sizes of D-Wave's systems)")
    a.add_argument("--chain-strength", type=_chain_strength, default=None, metavar="C",
                   help="strength of the chains of the clique embedding (default: "
                        "dwave-system's uniform torque compensation)")
    s.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on when stderr is a terminal)")
    s.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    b = sub.add_parser("bench", help="run a benchmark suite (TOML) on Dask (needs the bench "
                                     "extra)", formatter_class=_Formatter, epilog=_EPILOG,
                       description="Run a benchmark suite: every instance x method x child x "
                                   "budget x seed, streamed to OUT/results.csv; re-running "
                                   "resumes. Then OUT/summary.md and plots. Needs the bench "
                                   'extra: pip install "dimod-shrink[bench]".')
    b.add_argument("suite", help="suite file (TOML)")
    b.add_argument("--out", default=None, help="output folder (default: results/<suite name>)")
    b.add_argument("--scheduler", default=None,
                   help="address of an existing Dask scheduler; results come back pickled, "
                        "so connect only to one you trust (default: a local cluster)")
    b.add_argument("--workers", type=_positive, default=None,
                   help="local worker processes (default: one per core)")
    b.add_argument("--children", default=None,
                   help="comma-separated subset of the suite's children to run now "
                        "(default: all)")
    b.add_argument("--methods", default=None,
                   help="comma-separated subset of the suite's methods to run now "
                        "(default: all)")
    b.add_argument("--lock-timeout", type=float, default=None,
                   help="seconds to wait for another sweep writing to the same --out; 0 "
                        "refuses at once (default: wait)")
    b.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: on when stderr is a terminal)")
    b.add_argument("--no-plots", action="store_true", help="write summary.md without plots")
    b.add_argument("--report-only", action="store_true",
                   help="only rebuild summary.md and the plots from results.csv")
    _add_fetch_parser(sub)
    return ap


def _add_fetch_parser(sub) -> None:
    f = sub.add_parser("fetch", help="download public benchmark instances into the cache",
                       formatter_class=_Formatter, epilog=_EPILOG,
                       description="Download public benchmark instances (OR-Library, QAPLIB, "
                                   "DIMACS, Sloane, Biq Mac, G-set) into the cache folder, "
                                   "checking each file's SHA-256. The cache folder is "
                                   "$DIMOD_SHRINK_DATA, else $XDG_CACHE_HOME/dimod-shrink "
                                   "(~/.cache/dimod-shrink); $DIMOD_SHRINK_MIRROR replaces "
                                   "every source by a copy of the instance folder.")
    f.add_argument("names", nargs="*", metavar="NAME",
                   help="instances as KIND:NAME (qaplib:nug12, orlib:mknapcb1, sloane:1dc.64) "
                        "or a NAME only one kind has")
    f.add_argument("--all", action="store_true", help="every instance that can be fetched")
    f.add_argument("--list", action="store_true",
                   help="list every instance, whether it is cached, and its source")
    f.add_argument("--where", action="store_true", help="print the cache folder")
    f.add_argument("--force", action="store_true", help="download again even if cached")
    f.add_argument("--mirror", default=None,
                   help="base URL of a copy of the instance folder to download from "
                        "(default: $DIMOD_SHRINK_MIRROR, else each file's own source)")
    f.add_argument("--data-home", default=None,
                   help="cache folder (default: $DIMOD_SHRINK_DATA, else the platform's)")
    f.add_argument("--timeout", type=_seconds, default=30.0,
                   help="seconds to wait for a server")


# -- helpers -------------------------------------------------------------------------------------

def _clean(x):
    """JSON-safe values: plain Python numbers, no ``-0.0``, non-finite as ``None``."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "dtype") and hasattr(x, "tolist"):  # numpy scalars and arrays
        x = x.tolist()
        if isinstance(x, list):
            return _clean(x)
    if isinstance(x, float):
        return x + 0.0 if math.isfinite(x) else None  # -0.0 + 0.0 == +0.0
    return x


def _progress(flag) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def _missing_extra(exc: ModuleNotFoundError) -> str | None:
    top = (exc.name or "").split(".")[0]
    for extra, modules in _names.EXTRAS.items():
        if top in modules:
            return (f"this needs the optional module {top!r}: "
                    f'pip install "dimod-shrink[{extra}]"')
    return None


def _require(modules, extra):
    import importlib.util
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise _BadInput(f"{name!r} is not installed; this command needs the {extra} "
                            f'extra: pip install "dimod-shrink[{extra}]"')


def _check_path(path):
    from pathlib import Path
    if Path(path).is_dir():
        raise _BadInput(f"{path} is a folder; give an instance file")


# -- commands ------------------------------------------------------------------------------------

def _names_list(value, option):
    """``"a,b"`` -> ``["a", "b"]`` (``None`` stays ``None``); spaces around names are dropped."""
    if value is None:
        return None
    names = [v.strip() for v in value.split(",")]
    if not any(names):
        raise _BadInput(f"{option} is empty; give a comma-separated list of names or leave "
                        "it out to run all")
    return names


def bench_command(args) -> dict:
    from pathlib import Path
    progress = _progress(args.progress)
    needed = ["dask", "distributed"] if not args.report_only else []
    needed += ["tqdm"] if progress and not args.report_only else []
    needed += ["matplotlib"] if not args.no_plots else []
    _require(needed, "bench")
    from .bench.report import write_report
    from .bench.runner import run_suite
    from .bench.suite import check_selection, load_suite
    if Path(args.suite).is_dir():
        raise _BadInput(f"{args.suite} is a folder; give a suite file (TOML)")
    suite = load_suite(args.suite)
    out = Path(args.out) if args.out else Path("results") / suite.name
    kids = _names_list(args.children, "--children")
    methods = _names_list(args.methods, "--methods")
    try:  # unknown names would run nothing and exit 0
        check_selection(suite, kids, methods)
    except ValueError as exc:
        raise _BadInput(f"{exc} (--children / --methods)") from None
    if args.report_only and not (out / "results.csv").is_file():
        where = "the folder does not exist" if not out.exists() else "it holds no results.csv"
        raise _BadInput(f"--report-only: nothing to report in {out} ({where}); run the suite "
                        "first (without --report-only), or give --out the folder of an "
                        "earlier run")
    counts = {}
    if not args.report_only:
        # an unreachable --scheduler raises a ConnectionError naming the address
        from .bench.store import StoreBusyError
        try:
            counts = run_suite(suite, out, scheduler=args.scheduler, workers=args.workers,
                               progress=progress, children=kids, methods=methods,
                               lock_timeout=args.lock_timeout)
        except StoreBusyError as exc:  # another sweep holds --out
            raise _BadInput(str(exc)) from None
    rep = write_report(out, plots=not args.no_plots)
    return {"out": str(out), **counts, "rows": rep["rows"], "summary": str(rep["summary"])}


def _fmt(v) -> str:
    v = _clean(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.10g}"
    return "-" if v is None else str(v)


_STOPS = {"max_rounds": "stopped by --rounds", "patience": "stopped by --patience "
          "(rounds without improvement)", "time_limit": "stopped by --time-limit"}
"""Why the rounds of ``solve --rounds/--time-limit`` ended, as the summary says it."""


def _summary(r: dict, args) -> str:
    reads = r.get("num_reads")
    child = f"{args.sampler} ({r['sampler']}), budget {r['budget']} variables"
    if reads is not None:
        child += f", {reads} {'shots' if args.sampler == 'qaoa' else 'reads'}"
    elif args.sampler == "exact":
        child += ", every state of the reduced model"
    lines = [f"{r['problem']} instance {r['instance']}",
             f"  child         : {child}",
             f"  variables     : {r['num_variables']} in the BQM, {r['num_reduced']} after "
             f"shrinking ({r['vetoed_merges']} merges vetoed)",
             f"  objective     : {_fmt(r['objective'])}"
             + (f"  (optimum {_fmt(r['optimum'])}, ratio {r['ratio']:.4f})"
                if r.get("ratio") is not None else
                (f"  (optimum {_fmt(r['optimum'])})" if r["optimum"] is not None else "")),
             f"  feasible      : {r['feasible']} (before repair: {r['feasible_before_repair']}, "
             f"repair moves {r['repair_moves']})"]
    if r.get("rounds") is not None:
        lines.insert(2, f"  rounds        : {r['rounds']} after the single shrink, "
                        f"{_STOPS.get(r.get('rounds_stop'), r.get('rounds_stop'))}")
    sol = _clean(r["solution"])
    if sol is not None:
        if isinstance(sol, dict) and isinstance(sol.get("values"), dict):  # integer CQM
            text = ", ".join(f"{k}={_fmt(v)}" for k, v in sol["values"].items())
        elif isinstance(sol, dict):  # labelled, e.g. {"items": [...], "index_base": 1}
            base = sol.get("index_base")
            text = "; ".join(f"{k} {v}" for k, v in sol.items() if k != "index_base")
            text += f" ({base}-based)" if base is not None else ""
        else:
            text = str(sol)
        lines.append(f"  solution      : {text if len(text) < 200 else text[:197] + '...'}")
    kid = _child_line(r.get("child") or {})
    if kid:
        lines.append(f"  child ran     : {kid}")
    t = r["timing"]
    lines.append("  time (s)      : " + ", ".join(f"{k} {v:.3f}" for k, v in t.items()))
    return "\n".join(lines)


def fetch_command(args) -> int:
    """``dimod-shrink fetch``: prints one line per file; raises :class:`_BadInput`."""
    from . import datasets
    home = datasets.get_data_home(args.data_home)
    if args.where:
        _print(str(home))
    if args.list:
        for ds in datasets.datasets():
            cached = all((home / f.path).is_file() for f in ds.files)
            state = "cached" if cached else ("-" if ds.fetchable else "not fetchable")
            _print(f"{ds.key:<28} {state:<13} {' '.join(f.path for f in ds.files):<42} "
                   f"{ds.home}")
    if not (args.names or args.all):
        if args.where or args.list:
            return EXIT_OK
        raise _BadInput("name the instances to fetch (e.g. qaplib:nug12), or give --all or "
                        "--list")

    def report(path, how):
        _print(f"{how:<10} {path}")

    try:
        for name in args.names:
            datasets.fetch(name, data_home=args.data_home, mirror=args.mirror,
                           timeout=args.timeout, force=args.force, report=report)
        if args.all:
            datasets.fetch_all(data_home=args.data_home, mirror=args.mirror,
                               timeout=args.timeout, force=args.force, report=report)
    except datasets.DatasetError as exc:
        raise _BadInput(str(exc)) from None
    return EXIT_OK


def _resolve_instance(path: str) -> str:
    """``KIND:NAME`` (``qaplib:nug12``) becomes its cached file, fetched on first use.

    An existing file wins over a name; anything else is returned unchanged.
    """
    from pathlib import Path
    if Path(path).exists():
        return path
    from . import datasets
    if not datasets.looks_like_name(path):
        return path

    def report(file, how):
        if how != "cached":
            print(f"dimod-shrink: {how} {file}", file=sys.stderr)

    try:
        return str(datasets.fetch(path, report=report))
    except datasets.DatasetError as exc:
        raise _BadInput(str(exc)) from None


def _child_line(c: dict) -> str:
    """What the child ran: depth, evaluations, backend, circuit and time (QAOA), chains
    (annealers)."""
    parts = []
    if c.get("reps") is not None:
        parts.append(f"depth p = {c['reps']}" + (" (auto)" if c.get("auto_reps") else "")
                     + {"transfer": " from the angle table", "interp": " grown by INTERP"}.get(
                         c.get("initial_point"), ""))
    if c.get("evaluations") is not None:
        parts.append(f"{c['evaluations']} evaluations")
    if c.get("backend") is not None:
        parts.append(f"backend {c['backend']}" + (f", trained on {c['train']}"
                                                   if c.get("train") else ""))
    if c.get("two_qubit_gates") is not None:
        parts.append(f"{c['two_qubit_gates']} two-qubit gates, depth {c.get('circuit_depth')} "
                     "after routing")
    if c.get("qpu") is not None:
        parts.append(f"{c['qpu']}, clique {c.get('clique_size')}, chain strength "
                     f"{_fmt(c.get('chain_strength'))}, chain breaks "
                     f"{_fmt(c.get('chain_break_fraction'))}")
    if not parts:
        return ""
    calls = c.get("calls", 1)
    parts.append(f"{calls} call{'s' if calls != 1 else ''}, {c.get('time', 0.0):.3f} s")
    return ", ".join(parts)


def solve_command(args) -> dict:
    import time
    started = time.perf_counter()  # --time-limit counts reading the instance too
    args.path = _resolve_instance(args.path)
    _check_path(args.path)
    if args.sampler == "qaoa":
        _require(("qiskit", "qiskit_aer"), "quantum")
    if args.sampler in _ANNEALERS:
        _require(("dwave.system", "minorminer"), "annealer")
    if args.correlation == "sdp":
        _require(_names.EXTRAS["sdp"], "sdp")
    if not args.rounds and args.time_limit is None and args.patience is not None:
        raise _BadInput("--patience applies to iterated shrinking; add --rounds N (N >= 1) "
                        "or --time-limit S")
    _check_child_options(args)
    if args.sampler in ("exact", "qaoa") and args.qubits > 24:
        what = ("enumerates 2^qubits states" if args.sampler == "exact"
                else "simulates at most 24 qubits")
        raise _BadInput(f"--sampler {args.sampler} {what}; use --qubits <= 24 (16 is a good "
                        "start)")
    from .correlations import resolve_estimator
    from .pipeline import make_sampler, solve_problem
    from .problems import load_problem
    resolve_estimator(args.correlation)
    problem = load_problem(args.path, args.problem, instance=args.instance,
                           encoding=args.encoding)
    num_reads = args.num_reads
    child_params = _qaoa_params(args) if args.sampler == "qaoa" else None
    if args.sampler == "random":  # the control draws as many samples as QAOA measures
        num_reads = args.shots if args.shots is not None else _names.DEFAULT_SHOTS
    from .samplers.recording import RecordingSampler
    child = make_sampler(args.sampler, **_qaoa_target(args), **_annealer_options(args))
    if args.sampler in _ANNEALERS:
        if args.qubits > child.largest_clique_size:
            raise _BadInput(f"--qubits {args.qubits} is larger than the largest clique the "
                            f"QPU embeds ({child.largest_clique_size}); use --qubits "
                            f"{child.largest_clique_size} or less")
        if args.chain_strength is not None:
            child_params = {"chain_strength": args.chain_strength}
    recorder = RecordingSampler(child, keep_models=False)
    time_limit = args.time_limit
    if time_limit is not None:
        time_limit = max(time_limit - (time.perf_counter() - started), 1e-3)
    result = solve_problem(problem, recorder, qubits=args.qubits,
                           correlation=args.correlation, recompute_every=args.recompute_every,
                           schedule=args.schedule, recompute_fraction=args.recompute_fraction,
                           threshold=args.threshold, early_stop=args.early_stop,
                           constraint_aware=not args.no_constraint_aware,
                           repair=not args.no_repair, polish=not args.no_polish,
                           num_reads=num_reads, seed=args.seed, child_params=child_params,
                           rounds=args.rounds or None, time_limit=time_limit,
                           patience=args.patience, progress=_progress(args.progress))
    result.pop("sampleset")
    result["instance"] = problem.name
    result["sampler"] = type(child).__name__
    result["child"] = recorder.summary()
    if args.sampler == "qaoa" and result.get("num_reads") is None:
        result["num_reads"] = result["child"].get("shots")
    return result


_ANNEALERS = ("annealer", "mock-annealer")


def _given(options) -> list:
    """The flags of ``options`` (``(flag, value)`` pairs) that were given."""
    return [flag for flag, value in options if value is not None]


def _annealer_flags(args) -> list:
    return _given((("--topology", args.topology), ("--topology-shape", args.topology_shape),
                         ("--chain-strength", args.chain_strength)))


def _target_flags(args) -> list:
    return _given((("--target", args.target), ("--train", args.train),
                         ("--optimization-level", args.optimization_level)))


def _check_child_options(args) -> None:
    """Refuse options of one child given with another (they would be ignored)."""
    def refuse(flags, where, use):
        raise _BadInput(f"{', '.join(flags)} appl{'y' if len(flags) > 1 else 'ies'} to "
                        f"{where}, not to --sampler {args.sampler}; drop "
                        f"{'them' if len(flags) > 1 else 'it'} or use {use}")

    if args.sampler not in _ANNEALERS and _annealer_flags(args):
        refuse(_annealer_flags(args), "--sampler annealer or mock-annealer",
               "--sampler mock-annealer")
    if args.sampler != "qaoa":
        flags = _target_flags(args) + _given((
            ("--reps", args.reps), ("--maxiter", args.maxiter),
            ("--initial-point", args.initial_point),
            ("--ansatz", None if args.ansatz == "qaoa" else args.ansatz),
            ("--shots", None if args.sampler == "random" else args.shots)))
        if flags:
            also = " (--shots also to random)" if "--shots" in flags else ""
            refuse(flags, f"--sampler qaoa{also}", "--sampler qaoa")


def _annealer_options(args) -> dict:
    """make_sampler arguments of --topology and --topology-shape (the mock QPU's graph)."""
    uses = _annealer_flags(args)
    if args.sampler == "annealer":
        graph = [f for f in uses if f != "--chain-strength"]
        if graph:
            raise _BadInput(f"{', '.join(graph)} set the mock QPU's graph; a real QPU has "
                            "its own (use --sampler mock-annealer)")
        from .samplers.annealer import token_configured
        if not token_configured():
            raise _BadInput("--sampler annealer needs a D-Wave Leap API token: run `dwave "
                            "setup` or set DWAVE_API_TOKEN; offline, use --sampler "
                            "mock-annealer")
        return {}
    if args.sampler != "mock-annealer":
        return {}
    kw = {"topology": args.topology or "pegasus"}
    if args.topology_shape is not None:
        kw["shape"] = args.topology_shape
    return kw


def _qaoa_target(args) -> dict:
    """QAOASampler constructor arguments of --target and --optimization-level."""
    uses = _target_flags(args)
    if args.sampler != "qaoa" or not uses:  # other children: refused by _check_child_options
        return {}
    if args.target is None:
        raise _BadInput(f"{', '.join(uses)} needs --target NAME (generic-line, generic-full "
                        "or a fake IBM device such as FakeNairobiV2)")
    from .samplers.targets import target_by_name
    kw = {"backend": target_by_name(args.target, args.qubits, seed=args.seed)}
    if args.optimization_level is not None:
        kw["optimization_level"] = args.optimization_level
    return kw


def _qaoa_params(args) -> dict:
    """QAOASampler.sample arguments of the options given; the rest keep the sampler's
    defaults, as from Python."""
    given = {"reps": args.reps, "shots": args.shots, "maxiter": args.maxiter,
             "initial_point": args.initial_point}
    params = {k: v for k, v in given.items() if v is not None}
    if args.reps == "auto" and args.target is None:
        raise _BadInput("--reps auto chooses the depth for a device's noise; add --target NAME "
                        "or give --reps an integer")
    if args.train is not None:
        params["train"] = args.train
    if args.ansatz != "qaoa":
        params["ansatz"] = args.ansatz
    return params


def _print(text: str) -> None:
    """Print to stdout; a reader that stops early (``| head``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _error(message) -> int:
    text = " ".join(str(message).split()) or "unknown error"
    print(f"dimod-shrink: error: {text}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv=None) -> int:
    """Run ``dimod-shrink``; returns the exit status (argparse errors exit 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "bench":
            info = bench_command(args)
            _print(json.dumps(_clean(info)))
            return EXIT_OK
        if args.command == "fetch":
            return fetch_command(args)
        result = solve_command(args)
    except ModuleNotFoundError as exc:
        return _error(_missing_extra(exc) or exc)
    except (_BadInput, ValueError, TypeError, KeyError, OSError, ImportError) as exc:
        return _error(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc)
    except MemoryError as exc:  # ModelTooLargeError: refused before allocating
        return _error(exc if str(exc) else "out of memory; use a smaller instance or "
                      "--qubits, or a machine with more memory")
    _print(json.dumps(_clean(result)) if args.json else _summary(result, args))
    if not result["feasible"]:
        hint = ("drop --no-repair to repair the answers" if args.no_repair else
                "try a larger --qubits, more reads or --rounds")
        print(f"dimod-shrink: no feasible answer found; {hint} (exit status 3)",
              file=sys.stderr)
        return EXIT_INFEASIBLE
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
