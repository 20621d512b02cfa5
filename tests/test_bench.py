"""Benchmark suites: parsing, every method, the Dask runner, kill-and-resume, reports."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("dask.distributed")

from dimod_shrink.bench import METHODS, SuiteError, load_suite, run_one  # noqa: E402
from dimod_shrink.bench.report import write_report  # noqa: E402
from dimod_shrink.bench.runner import read_rows, run_suite  # noqa: E402


def write_suite(tmp_path, instances, body=None):
    body = body or ('name = "t"\nreads = 10\nmethods = ["greedy", "gs", "ags"]\n'
                    'budgets = [6]\nchildren = ["sa"]\nseeds = [0]\n')
    text = body
    for inst in instances:
        text += f'\n[[instances]]\npath = "{inst}"\n'
    p = tmp_path / "suite.toml"
    p.write_text(text)
    return p


def test_suite_expansion(instances, tmp_path):
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"],
                       'name = "t"\nmethods = ["greedy", "gs", "sa-full"]\nbudgets = [6, 8]\n'
                       'children = ["sa", "exact"]\nseeds = [0, 1]\n')
    suite = load_suite(path)
    runs = suite.runs()
    keys = [r["key"] for r in runs]
    assert len(keys) == len(set(keys))
    # greedy and sa-full: once per seed; gs: per child x budget x seed
    assert len(runs) == 2 + 2 + 2 * 2 * 2
    assert len(suite.runs(["exact"])) == 4


@pytest.mark.parametrize("body,msg", [
    ('methods = ["gs", "magic"]\n', "unknown method 'magic'"),
    ('methods = ["gs"]\nbudgets = [0]\n', "budgets must be >= 1"),
    ('methods = ["gs"]\nchildren = ["qaoa"]\nbudgets = [30]\n', "24 qubits"),
    ('methods = ["gs"]\nwhatever = 1\n', "unknown key"),
    ('methods = ["gs"\n', "not valid TOML"),
])
def test_suite_errors(instances, tmp_path, body, msg):
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"], body)
    with pytest.raises(SuiteError, match=msg) as info:
        load_suite(path)
    assert "suite.toml" in str(info.value)


def test_suite_without_instances(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('methods = ["gs"]\n')
    with pytest.raises(SuiteError, match=r"\[\[instances\]\]"):
        load_suite(p)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "rqaoa"])
def test_every_method_runs(instances, method):
    spec = {"path": str(instances / "mdkp/mknap1.txt"), "problem": "mdkp", "index": 2,
            "reference": None, "name": "mknap1.txt#2", "encoding": "unbalanced",
            "method": method, "child": "sa", "budget": 6, "seed": 0, "reads": 10,
            "options": {}, "key": "k"}
    row = run_one(spec)
    assert row["status"] == "ok", row.get("error")
    assert row["num_variables"] == 10 and row["reference"] == pytest.approx(8706.1)
    if method not in ("gs", "ags-norepair", "sa-full"):
        assert row["feasible"] is True and row["ratio"] > 0.8


def test_rqaoa_method_is_skipped_where_it_cannot_run(instances):
    spec = {"path": str(instances / "qap/nug5.dat"), "problem": "qap", "index": 1,
            "reference": None, "name": "nug5", "method": "rqaoa", "child": "-", "budget": 8,
            "seed": 0, "reads": 10, "options": {}, "key": "k"}
    row = run_one(spec)
    assert row["status"].startswith("skipped") and "25 qubits" in row["status"]


def test_failures_become_rows(tmp_path):
    spec = {"path": str(tmp_path / "missing.dimacs"), "problem": "mis", "index": 1,
            "reference": None, "name": "missing", "method": "ags", "child": "sa",
            "budget": 6, "seed": 0, "reads": 5, "options": {}, "key": "k"}
    row = run_one(spec)
    assert row["status"] == "error" and "not found" in row["error"]


def test_runner_streams_resumes_and_reports(instances, tmp_path):
    from dask.distributed import Client
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt", tmp_path / "nope.dimacs"])
    suite = load_suite(path)
    out = tmp_path / "out"
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=None) as client:
        first = run_suite(suite, out, client=client, progress=False)
        assert first["ran"] == len(suite.runs()) and first["errors"] == 3  # the missing file
        second = run_suite(suite, out, client=client, progress=False)
    assert second["already_done"] == 3 and second["ran"] == 3  # only the errors again
    rows = read_rows(out / "results.csv")
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 3 and len({r["key"] for r in ok}) == 3
    rep = write_report(out)
    assert rep["summary"].exists() and "median_ratio" in rep["summary"].read_text()
    assert {p.name for p in rep["plots"]} == {"ratio_vs_budget.png", "feasibility.png",
                                              "time_per_stage.png"}


def test_killing_a_sweep_loses_no_finished_run(instances, tmp_path):
    """Kill the sweep (SIGKILL) while it runs, start it again: every row written before
    the kill is still there, is not run twice, and the sweep completes."""
    body = ('name = "kill"\nreads = 20\nmethods = ["gs", "ags", "greedy", "repair-only"]\n'
            'budgets = [4, 6, 8, 10]\nchildren = ["sa"]\nseeds = [0, 1, 2]\n')
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"], body)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "dimod_shrink", "bench", str(path), "--out", str(out),
           "--workers", "1", "--no-progress", "--no-plots"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    csv_path = out / "results.csv"
    deadline = time.time() + 120
    while time.time() < deadline:
        if csv_path.exists() and len(read_rows(csv_path)) >= 4:
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_rows(csv_path)
    total = len(load_suite(path).runs())
    assert 4 <= len(before) < total, "the sweep must be interrupted part-way"
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=300)
    after = read_rows(csv_path)
    assert after[:len(before)] == before  # nothing finished was lost or rewritten
    keys = [r["key"] for r in after]
    assert len(keys) == len(set(keys)) == total  # nothing ran twice, everything ran
    assert all(r["status"] == "ok" for r in after)
