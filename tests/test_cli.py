"""The ``dimod-shrink`` command line: names, help, exit codes, JSON output.

Runs on the bundled instances in ``examples/data`` (no benchmark instances needed).
"""

import argparse
import functools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from dimod_shrink import _names
from dimod_shrink.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
HEAVY = ("dimod", "numpy", "scipy", "networkx", "dwave")


def _solve_parser():
    ap = build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    return ap, sub.choices["solve"], sub.choices["bench"]


# -- the light names match the registries ---------------------------------------------------------

def test_names_match_registries():
    from dimod_shrink.adaptive import THRESHOLDS
    from dimod_shrink.correlations import ESTIMATORS
    from dimod_shrink.engine import SCHEDULES
    from dimod_shrink.pipeline import SAMPLERS
    from dimod_shrink.problems import ENCODINGS, PROBLEMS
    assert set(_names.ESTIMATORS) == set(ESTIMATORS)
    assert tuple(_names.SAMPLERS) == tuple(SAMPLERS)
    assert tuple(_names.PROBLEMS) == tuple(PROBLEMS)
    assert set(_names.ENCODINGS) == set(ENCODINGS)
    assert set(_names.THRESHOLDS) == set(THRESHOLDS)
    assert set(_names.SCHEDULES) == set(SCHEDULES)


def test_default_schedule_named_in_help_is_the_composites():
    import inspect
    from dimod_shrink.composites import ShrinkingComposite
    default = inspect.signature(ShrinkingComposite).parameters["schedule"].default
    assert _names.DEFAULT_SCHEDULE == default
    _, solve, _ = _solve_parser()
    assert f"(default: {default}, the library's default)" in " ".join(solve.format_help().split())


def test_every_named_sampler_can_be_built():
    pytest.importorskip("qiskit_aer")
    import dimod
    from dimod_shrink.pipeline import make_sampler
    for name in _names.SAMPLERS:
        assert isinstance(make_sampler(name), dimod.Sampler)
    assert isinstance(make_sampler("random"), dimod.RandomSampler)


# -- the parser is light ----------------------------------------------------------------------

_STUB = """
import importlib.util, sys, types
pkg = types.ModuleType("dimod_shrink")
pkg.__path__ = [{path!r}]
pkg.__version__ = "0"
sys.modules["dimod_shrink"] = pkg          # the package without its __init__
from dimod_shrink.cli import build_parser
build_parser().format_help()
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))
print(",".join(heavy))
"""


def test_parser_module_imports_nothing_heavy():
    code = _STUB.format(path=str(ROOT / "dimod_shrink"), heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def _eager_package_init():
    text = (ROOT / "dimod_shrink" / "__init__.py").read_text()
    return "\nfrom .composites import" in text


@pytest.mark.xfail(_eager_package_init(), strict=True,
                   reason="dimod_shrink/__init__.py imports the composites eagerly")
@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(flag):
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "dimod_shrink", flag],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


# -- --version and --help ---------------------------------------------------------------------

def test_version(capsys):
    import dimod_shrink
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dimod-shrink {dimod_shrink.__version__}"


def test_solve_help_shows_every_default():
    from dimod_shrink.cli import _Formatter
    _, solve, bench = _solve_parser()
    fmt = _Formatter("dimod-shrink solve")
    for parser in (solve, bench):
        for action in parser._actions:
            if not action.option_strings or action.default is False or \
                    isinstance(action, argparse._HelpAction):
                continue  # positionals, flags, -h
            text = fmt._get_help_string(action)
            assert "default" in text, action.option_strings
            if action.default is not None:
                assert "(default: %(default)s)" in text or str(action.default) in text, \
                    action.option_strings
    text = " ".join(solve.format_help().split())
    for shown in ("--sampler {sa,tabu,exact,qaoa,random,annealer,mock-annealer}",
                  "(default: sa)", "(default: 100)", "(default: 20)",
                  "--seed SEED seed of every random choice (default: none",
                  "--recompute-every", "--reps REPS QAOA layers p", "--shots SHOTS measurements",
                  "--maxiter MAXITER iterations", "--rounds", "--time-limit", "--patience",
                  "--progress, --no-progress"):
        assert shown in text, shown


def test_help_documents_exit_codes(capsys):
    for argv in (["--help"], ["solve", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "2 bad input" in out and "3 solve found no feasible answer" in out


# -- exit codes and error lines ---------------------------------------------------------------

def _one_error_line(err, prefix="dimod-shrink"):
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{prefix}: error: ") or \
        lines[0].startswith(f"{prefix} solve: error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("argv,msg", [
    (["solve", str(DATA / "qap6.dat"), "--qubits", "0"], "--qubits: must be >= 1"),
    (["solve", str(DATA / "qap6.dat"), "--seed", "-1"], "--seed: must be >= 0"),
    (["solve", str(DATA / "qap6.dat"), "--seed", str(2**31)], "below 2**31"),
    (["solve", str(DATA / "qap6.dat"), "--sampler", "qpu"], "invalid choice: 'qpu'"),
    (["solve", str(DATA / "qap6.dat"), "--time-limit", "nan"], "--time-limit"),
    (["solve"], "required: path"),
    ([], "required"),
])
def test_usage_errors_exit_2_on_one_line(capsys, argv, msg):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert msg in _one_error_line(captured.err) and captured.out == ""


def _bad_files(tmp_path):
    bad = tmp_path / "bad.dimacs"
    bad.write_text("p edge 3 1\ne 1 q\n")
    binary = tmp_path / "blob.lp"
    binary.write_bytes(bytes(range(256)) * 4)
    return [([str(bad)], "bad.dimacs, line 2"),
            ([str(binary)], "blob.lp"),
            ([str(tmp_path)], "is a folder"),
            ([str(tmp_path / "missing.dat")], "not found"),
            ([str(DATA / "qap6.dat"), "--correlation", "sdpx"], "unknown correlation"),
            ([str(DATA / "qap6.dat"), "--patience", "2"], "add --rounds"),
            ([str(DATA / "mknap-demo.txt"), "--instance", "9"], "mknap-demo.txt"),
            # QAOA options with another child were ignored without a word
            ([str(DATA / "qap6.dat"), "--reps", "3"], "--reps applies to --sampler qaoa"),
            ([str(DATA / "qap6.dat"), "--sampler", "exact", "--qubits", "6", "--shots", "9",
              "--initial-point", "interp"], "--initial-point, --shots apply to --sampler qaoa")]


def test_bad_input_exits_2_without_traceback(tmp_path, capsys):
    for argv, msg in _bad_files(tmp_path):
        rc = main(["solve", *argv])
        captured = capsys.readouterr()
        assert rc == EXIT_BAD_INPUT, argv
        assert msg in _one_error_line(captured.err), (argv, captured.err)
        assert captured.out == ""


def test_bad_input_through_the_entry_point(tmp_path):
    out = subprocess.run([sys.executable, "-m", "dimod_shrink", "solve", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == EXIT_BAD_INPUT
    assert _one_error_line(out.stderr).endswith("is a folder; give an instance file")


ONE_HOT_LP = """\
Minimize
 obj: {objective}
Subject To
 pick_one: {total} = 1
Binary
 {names}
End
"""


def _one_hot_lp(tmp_path, n=20):
    names = [f"x{i}" for i in range(n)]
    path = tmp_path / "one_hot.lp"
    path.write_text(ONE_HOT_LP.format(
        objective=" + ".join(f"{i + 1} {v}" for i, v in enumerate(names)),
        total=" + ".join(names), names=" ".join(names)))
    return path


def test_no_feasible_answer_exits_3(tmp_path, capsys):
    # one uniform random guess over 20 binaries meets "exactly one is 1" with
    # probability 20 / 2**20; without repair the answer stays infeasible
    path = _one_hot_lp(tmp_path)
    rc = main(["solve", str(path), "--sampler", "random", "--shots", "1", "--no-repair",
               "--seed", "0", "--json"])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert rc == EXIT_INFEASIBLE and data["feasible"] is False
    assert "no feasible answer" in captured.err
    # the repair makes the same guess feasible: exit 0, exactly one item chosen
    rc = main(["solve", str(path), "--sampler", "random", "--shots", "1", "--seed", "0",
               "--json"])
    data = json.loads(capsys.readouterr().out)
    chosen = data["solution"]
    if isinstance(chosen, dict):  # labelled: {"ones": [...]}
        (chosen,) = chosen.values()
    assert rc == 0 and data["feasible"] is True and len(chosen) == 1
    assert data["objective"] == int(chosen[0][1:]) + 1


# -- bench ------------------------------------------------------------------------------------

def test_bench_without_the_extra_says_what_to_install(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "dask", None)  # as if dask were not installed
    monkeypatch.setitem(sys.modules, "distributed", None)
    rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(tmp_path / "o")])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and 'pip install "dimod-shrink[bench]"' in line


def test_bench_unreachable_scheduler_exits_2(monkeypatch, capsys, tmp_path):
    pytest.importorskip("dask.distributed")
    from dimod_shrink.bench import runner
    monkeypatch.setattr(runner, "connect", functools.partial(runner.connect, timeout=0.5))
    rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(tmp_path / "o"),
               "--scheduler", "tcp://127.0.0.1:9", "--no-plots", "--no-progress"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and "tcp://127.0.0.1:9" in line


# -- solve ------------------------------------------------------------------------------------

def _solve_json(capsys, *argv):
    rc = main(["solve", *map(str, argv), "--json", "--no-progress"])
    out = capsys.readouterr().out
    return rc, json.loads(out), out


def _floats(x):
    if isinstance(x, dict):
        for v in x.values():
            yield from _floats(v)
    elif isinstance(x, list):
        for v in x:
            yield from _floats(v)
    elif isinstance(x, float):
        yield x


def test_random_child_draws_shots_reads(capsys):
    rc, data, _ = _solve_json(capsys, DATA / "petersen.dimacs", "--sampler", "random",
                              "--qubits", "6", "--shots", "64", "--seed", "1", "--no-repair")
    assert data["sampler"] == "RandomSampler" and data["num_reads"] == 64
    assert data["num_reduced"] == 6 and data["budget"] == 6
    # seeded: the same answer again
    rc2, again, _ = _solve_json(capsys, DATA / "petersen.dimacs", "--sampler", "random",
                                "--qubits", "6", "--shots", "64", "--seed", "1", "--no-repair")
    assert (rc, data["solution"], data["objective"]) == (rc2, again["solution"],
                                                          again["objective"])


def test_human_output_names_child_budget_and_reads(capsys):
    rc = main(["solve", str(DATA / "mknap-demo.txt"), "--qubits", "10", "--seed", "0",
               "--num-reads", "30", "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "child         : sa (SimulatedAnnealingSampler), budget 10 variables, 30 reads" in out


def test_json_never_shows_negative_zero(capsys):
    from dimod_shrink.cli import _clean
    np = pytest.importorskip("numpy")
    cleaned = _clean({"a": -0.0, "b": np.float64(-0.0), "c": [np.float32(-0.0), float("nan")],
                      "d": (np.int64(3), -1.5), "e": np.array([-0.0, 2.0])})
    text = json.dumps(cleaned)
    assert "-0.0" not in text and "NaN" not in text
    assert cleaned == {"a": 0.0, "b": 0.0, "c": [0.0, None], "d": [3, -1.5], "e": [0.0, 2.0]}
    for path in sorted(DATA.iterdir()):
        rc, data, out = _solve_json(capsys, path, "--qubits", "6", "--seed", "0",
                                    "--num-reads", "20")
        assert rc == 0, path
        assert all(math.copysign(1.0, v) > 0 for v in _floats(data) if v == 0), path


def test_rounds_use_iterated_shrinking(capsys):
    pytest.importorskip("dimod_shrink.composites.iterated")
    rc, data, _ = _solve_json(capsys, DATA / "qap6.dat", "--qubits", "8", "--seed", "0",
                              "--rounds", "2", "--patience", "1", "--num-reads", "20")
    assert rc == 0 and data["feasible"]
    # counted as --rounds counts them: at most 2 after round 0 (patience 1 may stop at 1)
    assert (data["rounds"], data["rounds_stop"]) in ((2, "max_rounds"), (1, "patience"))
    rc, single, _ = _solve_json(capsys, DATA / "qap6.dat", "--qubits", "8", "--seed", "0",
                                "--num-reads", "20")
    assert single["rounds"] is None


def test_rounds_refuse_settings_they_do_not_take(capsys):
    pytest.importorskip("dimod_shrink.composites.iterated")
    rc = main(["solve", str(DATA / "qap6.dat"), "--rounds", "2", "--recompute-every", "3"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and "--recompute-every" in line


def test_progress_bar_goes_to_stderr_only_when_asked(capsys):
    pytest.importorskip("tqdm")
    argv = ["solve", str(DATA / "qap6.dat"), "--qubits", "8", "--seed", "0", "--num-reads",
            "20", "--json"]
    assert main([*argv, "--progress"]) == 0
    shown = capsys.readouterr()
    json.loads(shown.out)  # stdout stays one JSON object
    assert "variables left" in shown.err or "%|" in shown.err
    assert main([*argv, "--no-progress"]) == 0
    assert capsys.readouterr().err == ""
    assert main(argv) == 0  # the default: on only when stderr is a terminal (it is not here)
    assert capsys.readouterr().err == ""


def test_a_reader_that_stops_early_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "dimod_shrink", "solve",
                             str(DATA / "mknap-demo.txt"), "--qubits", "10", "--seed", "0",
                             "--no-progress"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()  # as `dimod-shrink solve ... | head -0` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_bench_refuses_an_out_folder_another_sweep_holds(capsys, tmp_path):
    pytest.importorskip("dask.distributed")
    from dimod_shrink.bench.store import REQUIRED, ResultsStore
    out = tmp_path / "o"
    with ResultsStore(out, list(REQUIRED)):
        rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(out),
                   "--lock-timeout", "0", "--no-plots", "--no-progress"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and ".results.lock" in line


@pytest.mark.parametrize("argv,msg", [
    (["--children", "nope"], "unknown children 'nope'; this suite runs children sa"),
    (["--methods", "nope"], "unknown methods 'nope'; this suite runs methods"),
    (["--methods", "gs,"], "an empty name in the methods"),
    (["--children", ","], "--children is empty"),
    (["--children", "tabu"], "not in this suite: children 'tabu'"),
])
def test_bench_refuses_children_and_methods_it_would_not_run(capsys, tmp_path, argv, msg):
    """Before: exit 0 having run nothing.  Now: exit 2, naming the valid names; nothing is
    written."""
    pytest.importorskip("dask.distributed")
    out = tmp_path / "o"
    rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(out),
               "--no-plots", "--no-progress", *argv])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and msg in line, line
    assert not out.exists()


def test_bench_report_only_on_a_missing_folder(capsys, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "never-ran"
    rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(out),
               "--report-only", "--no-plots"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and "--report-only: nothing to report in" in line
    assert "the folder does not exist" in line and "run the suite first" in line
    out.mkdir()
    rc = main(["bench", str(ROOT / "examples/suites/demo.toml"), "--out", str(out),
               "--report-only", "--no-plots"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and "it holds no results.csv" in line


def test_bench_suite_in_utf16_names_the_file(capsys, tmp_path):
    suite = tmp_path / "utf16.toml"
    suite.write_text((ROOT / "examples/suites/demo.toml").read_text(), encoding="utf-16")
    rc = main(["bench", str(suite), "--out", str(tmp_path / "o"), "--no-plots"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and str(suite) in line and "must be UTF-8" in line
    assert "UTF-16 byte-order mark" in line


def test_solve_reads_networkx_edge_lists_without_problem(capsys, tmp_path):
    """A ``.txt`` edge list (networkx's own output, 0-based) needs no --problem."""
    import networkx as nx
    path = tmp_path / "ring.txt"
    nx.write_weighted_edgelist(nx.cycle_graph(6), path)  # weights default to 1
    rc, data, _ = _solve_json(capsys, path, "--qubits", "6", "--sampler", "exact",
                              "--seed", "0")
    assert rc == 0 and data["problem"] == "maxcut" and data["objective"] == 6
    assert sorted(data["solution"]["side"]) in ([0, 2, 4], [1, 3, 5])
    bad = tmp_path / "bad.txt"
    bad.write_text("3 1\n1 2 3 9\n")  # read as two edges before; now line 2 is refused
    rc = main(["solve", str(bad), "--no-progress"])
    line = _one_error_line(capsys.readouterr().err)
    assert rc == EXIT_BAD_INPUT and "bad.txt, line 2" in line
