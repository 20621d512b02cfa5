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


def _seconds(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, got {s!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {s}")
    return v


def _fraction(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {s!r}") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {s}")
    return v


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
                        "random bits, --shots reads: the control a child is measured against)")
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
                   help="reads of the sa, tabu and exact children")
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
    q = s.add_argument_group("QAOA child (--sampler qaoa)")
    q.add_argument("--reps", type=_positive, default=1,
                   help="QAOA layers p (circuit depth)")
    q.add_argument("--shots", type=_positive, default=1024,
                   help="measurements of the final circuit; also the reads of --sampler random")
    q.add_argument("--ansatz", choices=("qaoa", "ry_rz"), default="qaoa",
                   help="qaoa, or ry_rz: CVaR-VQE with a hardware-efficient ansatz")
    q.add_argument("--maxiter", type=_positive, default=100,
                   help="iterations of the classical optimiser of the circuit angles")
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


def solve_command(args) -> dict:
    import time
    started = time.perf_counter()  # --time-limit counts reading the instance too
    args.path = _resolve_instance(args.path)
    _check_path(args.path)
    if args.sampler == "qaoa":
        _require(("qiskit", "qiskit_aer"), "quantum")
    if args.correlation == "sdp":
        _require(_names.EXTRAS["sdp"], "sdp")
    if not args.rounds and args.time_limit is None and args.patience is not None:
        raise _BadInput("--patience applies to iterated shrinking; add --rounds N (N >= 1) "
                        "or --time-limit S")
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
    child_params = None
    num_reads = args.num_reads
    if args.sampler == "qaoa":
        child_params = {"reps": args.reps, "shots": args.shots, "ansatz": args.ansatz,
                        "maxiter": args.maxiter}
    if args.sampler == "random":
        num_reads = args.shots  # the control draws as many samples as QAOA measures
    time_limit = args.time_limit
    if time_limit is not None:
        time_limit = max(time_limit - (time.perf_counter() - started), 1e-3)
    result = solve_problem(problem, make_sampler(args.sampler), qubits=args.qubits,
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
    return result


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
