"""One QAOA whatever the door: the command line, the Python pipeline and the benchmark
build the same child with the same settings (QAOASampler's own defaults), and report
what ran (<= 8 qubits, one thread)."""

import json
from pathlib import Path

import pytest

pytest.importorskip("qiskit_aer")

from dimod_shrink import cli  # noqa: E402
from dimod_shrink.bench import methods  # noqa: E402
from dimod_shrink.pipeline import make_sampler, solve_problem  # noqa: E402
from dimod_shrink.problems import load_problem  # noqa: E402
from dimod_shrink.samplers import QAOASampler  # noqa: E402
from dimod_shrink.samplers import qaoa as qaoa_module  # noqa: E402

QAP6 = Path(__file__).resolve().parents[1] / "examples" / "data" / "qap6.dat"


@pytest.fixture
def captured(monkeypatch):
    """Every QAOASampler built and every ``sample`` call: (sampler, kwargs, info)."""
    built, calls = [], []
    init, sample = QAOASampler.__init__, QAOASampler.sample

    def spy_init(self, *a, **kw):
        init(self, *a, **kw)
        built.append(self)

    def spy_sample(self, bqm, **kw):
        ss = sample(self, bqm, **kw)
        calls.append((self, dict(kw), dict(ss.info)))
        return ss

    monkeypatch.setattr(QAOASampler, "__init__", spy_init)
    monkeypatch.setattr(QAOASampler, "sample", spy_sample)
    return built, calls


def _settings(sampler):
    return {"max_qubits": sampler.max_qubits, "threads": sampler.max_parallel_threads}


def test_cli_and_python_run_the_same_qaoa(captured, capsys):
    built, calls = captured
    assert cli.main(["solve", str(QAP6), "--sampler", "qaoa", "--qubits", "6", "--seed", "3",
                     "--json", "--no-progress"]) in (0, 3)
    out = json.loads(capsys.readouterr().out)
    (cli_sampler, cli_kw, cli_info), = calls
    calls.clear()
    solve_problem(load_problem(QAP6), "qaoa", qubits=6, seed=3)
    (py_sampler, py_kw, py_info), = calls
    assert _settings(cli_sampler) == _settings(py_sampler) == _settings(QAOASampler())
    assert cli_kw == py_kw  # no option of the command line overrides a default
    keys = ("reps", "shots", "cvar_alpha", "restarts", "backend", "evaluations",
            "initial_point", "maxiter")
    assert {k: cli_info[k] for k in keys} == {k: py_info[k] for k in keys}
    d = qaoa_module.DEFAULTS["statevector"]
    # the default start: depth 8 from the angle table, refined for 20 iterations
    assert cli_info["reps"] == d["reps"] == 8
    assert cli_info["initial_point"] == d["initial_point"] == "transfer"
    maxiter, restarts = qaoa_module.START_DEFAULTS["transfer"]
    assert (cli_info["maxiter"], cli_info["restarts"]) == (maxiter, restarts) == (20, 1)
    assert cli_info["evaluations"] > len(qaoa_module.ANGLES[8])  # the table, then L-BFGS-B
    # the report says what ran
    assert out["sampler"] == "QAOASampler"
    assert out["child"]["reps"] == 8 and out["child"]["backend"] == "statevector"
    assert out["child"]["evaluations"] == cli_info["evaluations"]
    assert out["child"]["calls"] == 1 and out["child"]["time"] > 0
    assert out["num_reads"] == 1024


def test_cli_flags_reach_the_sampler(captured, capsys):
    _, calls = captured
    assert cli.main(["solve", str(QAP6), "--sampler", "qaoa", "--qubits", "6", "--seed", "3",
                     "--reps", "2", "--maxiter", "5", "--shots", "100",
                     "--no-progress"]) in (0, 3)
    text = capsys.readouterr().out
    (_, kw, info), = calls
    assert kw["reps"] == 2 and kw["maxiter"] == 5 and kw["shots"] == 100
    assert info["reps"] == 2
    assert "child ran     : depth p = 2" in text and "backend statevector" in text


def test_cli_initial_point_reaches_the_sampler(captured, capsys):
    _, calls = captured
    assert cli.main(["solve", str(QAP6), "--sampler", "qaoa", "--qubits", "6", "--seed", "3",
                     "--initial-point", "interp", "--reps", "2", "--no-progress"]) in (0, 3)
    text = capsys.readouterr().out
    (_, kw, info), = calls
    assert kw["initial_point"] == "interp" and info["initial_point"] == "interp"
    assert info["maxiter"] == 40 and info["restarts"] == 3
    assert "child ran     : depth p = 2 grown by INTERP" in text


def test_help_names_the_sampler_defaults():
    sub = next(a for a in cli.build_parser()._actions if hasattr(a, "choices")
               and isinstance(a.choices, dict))
    solve = sub.choices["solve"]
    text = " ".join(solve.format_help().split())
    assert "--reps REPS QAOA layers p" in text
    assert "default: the sampler's, p = 8 started from its table of transferred angles" in text
    assert "(default: 1)" not in text.split("--reps")[1].split("--shots")[0]


def test_bench_child_keeps_the_sampler_defaults():
    spec = {"options": {}, "reads": 10}
    assert isinstance(make_sampler("qaoa"), QAOASampler)
    params = methods._child_params("qaoa", spec)
    # only the shot count (the sampler's own default) and one thread; depth, iterations,
    # CVaR level and restarts are the sampler's
    assert params == {"shots": 1024, "max_parallel_threads": 1}
    assert _settings(methods._child("qaoa")) == _settings(QAOASampler())


def test_cli_target_runs_the_routed_circuit(capsys):
    assert cli.main(["solve", str(QAP6), "--sampler", "qaoa", "--qubits", "6", "--seed", "1",
                     "--target", "generic-line", "--optimization-level", "2", "--json",
                     "--no-progress"]) in (0, 3)
    child = json.loads(capsys.readouterr().out)["child"]
    assert child["backend"] == "generic_backend_6q" and child["train"] == "statevector"
    assert child["auto_reps"] is True and 1 <= child["reps"] <= 8
    assert child["optimization_level"] == 2
    assert child["two_qubit_gates"] > 0 and 0 < child["estimated_fidelity"] <= 1


@pytest.mark.parametrize("argv,msg", [
    (["--reps", "auto"], "--reps auto chooses the depth"),
    (["--train", "target"], "needs --target NAME"),
    (["--target", "FakeNope"], "unknown target 'FakeNope'"),
    (["--reps", "deep"], "must be an integer >= 1 or 'auto'"),
])
def test_cli_target_errors(argv, msg, capsys):
    try:
        code = cli.main(["solve", str(QAP6), "--sampler", "qaoa", "--qubits", "6", *argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and msg in err and "Traceback" not in err


def test_cli_target_needs_qaoa(capsys):
    assert cli.main(["solve", str(QAP6), "--target", "generic-line"]) == 2
    assert "--target applies to --sampler qaoa" in capsys.readouterr().err
