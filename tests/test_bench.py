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


def test_instances_from_another_suite(instances, tmp_path):
    """``instances_from`` reuses another suite's instances (paths relative to that file),
    before the file's own; a missing or empty source is a clear error naming the file."""
    sub = tmp_path / "sub"
    sub.mkdir()
    src = write_suite(sub, [instances / "mdkp/mknap1.txt"])
    other = tmp_path / "other.toml"
    other.write_text(f'methods = ["shrink"]\nchildren = ["qaoa", "random"]\nbudgets = [6]\n'
                     f'instances_from = "sub/{src.name}"\n'
                     f'[[instances]]\npath = "{instances / "qap/nug5.dat"}"\n')
    suite = load_suite(other)
    assert [i["name"] for i in suite.instances] == ["mknap1.txt#1", "nug5.dat"]
    assert suite.instances[0]["path"] == str((instances / "mdkp/mknap1.txt").resolve())
    assert {r["child"] for r in suite.runs()} == {"qaoa", "random"}
    other.write_text('methods = ["shrink"]\ninstances_from = "nope.toml"\n')
    with pytest.raises(SuiteError, match=r"other\.toml: instances_from: suite file not found"):
        load_suite(other)
    (tmp_path / "empty.toml").write_text('methods = ["gs"]\n')
    other.write_text('methods = ["shrink"]\ninstances_from = "empty.toml"\n')
    with pytest.raises(SuiteError, match=r"has no \[\[instances\]\] tables"):
        load_suite(other)


def test_bundled_suites_load():
    """Every suite under benchmarks/suites/ is valid (paths as written there)."""
    root = Path(__file__).resolve().parents[1] / "benchmarks" / "suites"
    for f in sorted(root.glob("*.toml")):
        suite = load_suite(f)
        assert suite.runs(), f


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


def _spec(instances, method, child="sa", path="mdkp/mknap1.txt", problem="mdkp", index=2,
          reads=10, options=None, seed=0):
    return {"path": str(instances / path), "problem": problem, "index": index,
            "reference": None, "name": path, "encoding": "unbalanced", "method": method,
            "child": child, "budget": 6, "seed": seed, "reads": reads,
            "options": options or {}, "key": "k"}


@pytest.mark.parametrize("method,child", [
    ("shrink", "sa"), ("shrink", "random"), ("shrink-plain", "sa"), ("iterated", "sa"),
    ("hybrid", "-"), ("cpsat", "-"), ("repair-only", "-"), ("greedy", "-"), ("sa-full", "-")])
def test_fair_methods_report_raw_and_polished(instances, method, child):
    """Every fair method: raw = repaired only, polished = the same rows polished, at most
    ``reads`` starts, child calls and wall time recorded."""
    from dimod_shrink.bench.methods import FAIR_METHODS
    from dimod_shrink.problems import load_problem
    assert method in FAIR_METHODS
    row = run_one(_spec(instances, method, child, path="qap/nug6.dat", problem="qap",
                        index=1, reads=7, options={"cpsat": {"time_limit": 2}}))
    if method == "cpsat":  # QAP's objective is quadratic: skipped, with the reason
        assert row["status"].startswith("skipped") and "quadratic objective" in row["status"]
        return
    assert row["status"] == "ok", row.get("error")
    assert 1 <= row["starts"] <= 7
    assert row["feasible_raw"] is True and row["feasible_polished"] is True
    assert 0 < row["ratio_raw"] <= row["ratio_polished"] <= 1 + 1e-12
    assert row["time_total"] >= row["time_polish"] >= 0
    problem = load_problem(instances / "qap/nug6.dat")
    assert row["ratio_polished"] == pytest.approx(problem.ratio(row["objective_polished"]))
    if method.startswith("shrink") or method == "iterated":
        assert row["child_calls"] >= 1
    if method == "hybrid":
        assert row["child_calls"] >= 1 and row["num_reduced"] == 20


def test_rqaoa_p1_runs_on_sparse_models_and_says_why_it_skips_dense_ones(instances):
    """RQAOA at depth 1 (closed-form expectations) reaches a feasible repaired answer on an
    MIS graph, one child call (the final enumeration), at most ``reads`` starts; on a dense
    knapsack model (100 variables, all coupled) it is skipped with the reason."""
    spec = _spec(instances, "rqaoa-p1", "-", path="mis/1dc.64.dimacs", problem="mis", index=1,
                 reads=5)
    spec["reference"] = 10
    row = run_one(spec)
    assert row["status"] == "ok", row.get("error")
    assert row["child_calls"] == 1 and 1 <= row["starts"] <= 5
    assert row["correlation_calls"] >= 1 and row["num_reduced"] <= 6
    assert row["feasible_raw"] is True and 0.5 <= row["ratio_raw"] <= row["ratio_polished"] <= 1
    dense = run_one(_spec(instances, "rqaoa-p1", "-", path="mdkp/mknapcb1.txt", index=1))
    assert dense["status"].startswith("skipped") and "mean degree" in dense["status"]


def test_anytime_methods_take_a_time_limit(instances):
    """The equal-time options: SA on the whole model runs batches until its limit and keeps
    the ``reads`` lowest rows; the hybrid loop with endless iterations and convergence
    stops on ``max_time``; the bundled equal-time suite loads."""
    row = run_one(_spec(instances, "sa-full", "-", reads=5,
                        options={"sa-full": {"time_limit": 0.5}}))
    assert row["status"] == "ok", row.get("error")
    assert row["child_calls"] >= 2 and row["starts"] == 5
    assert row["feasible_raw"] is True and row["ratio_raw"] <= row["ratio_polished"]
    row = run_one(_spec(instances, "hybrid", "-", reads=5, options={"hybrid": {
        "max_iter": 10**9, "convergence": 10**9, "max_time": 0.5, "size": 4}}))
    assert row["status"] == "ok", row.get("error")
    assert row["child_calls"] >= 1 and row["feasible_raw"] is True
    suite = load_suite(Path(__file__).resolve().parents[1] / "benchmarks" / "suites"
                       / "hard-time.toml")
    assert suite.options["sa-full"]["time_limit"] == suite.options["iterated"]["time_limit"]


def test_fair_starts_are_capped_by_energy(instances):
    """The QAOA-sized random child draws 1024 samples; only ``reads`` of them (the lowest
    penalty energy) are repaired and polished."""
    row = run_one(_spec(instances, "shrink", "random", reads=5))
    assert row["status"] == "ok" and row["starts"] == 5


def test_cpsat_reference_is_optimal_on_small_mdkp_and_mis(instances):
    row = run_one(_spec(instances, "cpsat", "-", options={"cpsat": {"time_limit": 10}}))
    assert row["status"] == "ok" and row["ratio_raw"] == pytest.approx(1.0)
    spec = _spec(instances, "cpsat", "-", path="mis/1dc.64.dimacs", problem="mis", index=1,
                 options={"cpsat": {"time_limit": 10}})
    spec["reference"] = 10
    row = run_one(spec)
    assert row["status"] == "ok" and row["objective_raw"] == 10 and row["starts"] == 1


def test_iterated_is_skipped_with_a_reason_when_absent(instances, monkeypatch):
    from dimod_shrink.bench import methods
    monkeypatch.setattr(methods, "_iterated_class", lambda: None)
    row = run_one(_spec(instances, "iterated"))
    assert row["status"].startswith("skipped") and "IteratedShrinkingComposite" in row["status"]


def test_fair_runs_are_seeded(instances):
    for method, child in (("hybrid", "-"), ("shrink", "random"), ("sa-full", "-")):
        a, b = (run_one(_spec(instances, method, child, path="mis/1dc.64.dimacs",
                              problem="mis", index=1, reads=4)) for _ in range(2))
        assert a["status"] == "ok", a.get("error")
        assert (a["objective_raw"], a["objective_polished"]) == (b["objective_raw"],
                                                                 b["objective_polished"])


def test_unreachable_scheduler_is_a_clear_error(instances, tmp_path, monkeypatch):
    from dimod_shrink.bench import runner
    from dimod_shrink.bench.runner import SchedulerUnreachableError
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 2.0)
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"])
    with pytest.raises(SchedulerUnreachableError, match=r"tcp://127\.0\.0\.1:9.*--scheduler") \
            as info:
        run_suite(load_suite(path), tmp_path / "out", scheduler="tcp://127.0.0.1:9",
                  progress=False)
    assert isinstance(info.value, ConnectionError) and isinstance(info.value, ValueError)


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


def test_missing_dask_names_the_extra(instances, tmp_path, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_dask(name, *args, **kw):
        if name.startswith(("dask", "distributed")):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kw)
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"])
    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ImportError, match=r"pip install 'dimod-shrink\[bench\]'"):
        run_suite(load_suite(path), tmp_path / "out", progress=False)


def _fake(instance, method, seed, raw, pol, child="-", budget="", problem="mis",
          status="ok"):
    return {"key": f"{instance}|{method}|{child}|{budget}|{seed}", "instance": instance,
            "problem": problem, "method": method, "child": child, "budget": budget,
            "seed": str(seed), "status": status, "ratio_raw": str(raw),
            "ratio_polished": str(pol), "time_total": "1.0", "child_calls": "1"}


def test_stats_pair_runs_by_instance_and_seed():
    from dimod_shrink.bench import stats
    rows = []
    for k, inst in enumerate(["a", "b"]):
        for s in range(3):
            rows.append(_fake(inst, "shrink", s, 0.9, 1.0, child="sa", budget="20"))
            rows.append(_fake(inst, "greedy", s, 0.8 if s else 0.9, 1.0 if k else 0.95))
    line = {(r["method"]): r for r in stats.headline(rows, "polished")}["shrink"]
    # polished: ties on instance b (1.0 vs 1.0), wins on a (1.0 vs 0.95)
    assert line["vs greedy"] == "3/3/0"
    raw = {(r["method"]): r for r in stats.headline(rows, "raw")}["shrink"]
    assert raw["vs greedy"] == "4/2/0"  # 0.9 vs 0.8 wins (seeds 1, 2), ties at seed 0
    assert line["raw median [95% CI]"] == "0.9000 [0.9000, 0.9000]"
    scope = stats.scope(rows, "x.csv")
    assert "seeds [0, 1, 2]" in scope and "budgets [20]" in scope and "MIS 2" in scope


def test_stats_child_pairs_and_time_dominance():
    """Paired against the random child: the share of wins among differing pairs and the
    largest loss; the dominance table counts who is at least as good in no more time."""
    from dimod_shrink.bench import stats
    rows = []
    for s, (q, r) in enumerate([(1.0, 0.9), (0.95, 0.97), (0.9, 0.9), (1.0, 0.8)]):
        rows.append(_fake("a", "shrink", s, q, q, child="qaoa", budget="16"))
        rows.append(_fake("a", "shrink", s, r, r, child="random", budget="16"))
        g = _fake("a", "greedy", s, 0.9, 0.9)
        g["time_total"] = "0.5" if s < 2 else "2.0"
        rows.append(g)
    pair = next(p for p in stats.paired(rows, "raw")
                if p["method"] == "shrink(qaoa)" and p["against"] == "shrink(random)")
    assert pair["W/T/L"] == "2/1/1" and pair["wins of differing"] == "67%"
    assert pair["largest loss"] == "0.0200"
    dom = {(d["method"], d["peer"]): d for d in stats.dominance(rows)}
    d = dom[("shrink(qaoa)", "greedy")]
    # seeds 0, 1: greedy is faster (0.5 s vs 1 s); seed 0 qaoa better -> split, seed 1
    # qaoa 0.95 > 0.9 -> split; seeds 2, 3: qaoa no slower and at least as good
    assert (d["method first"], d["peer first"], d["split"]) == (2, 0, 2)


def test_median_ci_brackets_the_median():
    from dimod_shrink.bench.stats import median_ci
    m, lo, hi = median_ci([0.5, 0.7, 0.9, 1.0, 0.8, 0.6])
    assert lo <= m <= hi and lo < hi and m == pytest.approx(0.75)
    assert median_ci([0.4]) == (0.4, 0.4, 0.4)


def test_complete_instances_drops_a_half_run_instance():
    from dimod_shrink.bench.stats import complete_instances
    rows = [_fake(i, m, s, 1, 1) for i in "ab" for m in ("greedy", "hybrid") for s in (0, 1)]
    rows.append(_fake("c", "greedy", 0, 1, 1))
    rows.append(_fake("a", "cpsat", 0, 1, 1, status="skipped: x"))
    rows.append(_fake("a", "cpsat", 1, 1, 1, status="skipped: x"))
    kept, dropped = complete_instances(rows)
    assert dropped == ["b", "c"]  # b lacks cpsat, c lacks hybrid and seed 1
    assert {r["instance"] for r in kept} == {"a"}


@pytest.mark.parametrize("body,inst,msg", [
    ('methods = ["gs"]\nseeds = [-1]\n', "", "'seeds' holds -1; seeds must be integers in "),
    ('methods = ["gs"]\nseeds = [2147483648]\n', "", "'seeds' holds 2147483648"),
    ('methods = ["gs"]\nseeds = [1, 1]\n', "", "holds a seed twice"),
    ('methods = ["gs"]\nreads = true\n', "", "'reads' must be a positive integer, got True"),
    ('methods = ["gs"]\n', 'reference = "abc"\n', "[[instances]] #1: 'reference' holds 'abc'"),
    ('methods = ["gs"]\n', 'reference = nan\n', "'reference' holds nan"),
    ('methods = ["gs"]\n', 'index = [2, 3]\nreference = [1, "x"]\n', "'reference' holds 'x'"),
    ('methods = ["gs"]\n', 'index = 0\n', "'index' must be a problem number >= 1"),
    ('methods = ["gs"]\n', 'index = "2"\n', "'index' must be a problem number >= 1"),
    ('methods = ["gs"]\n', 'encoding = "binary"\n', "unknown encoding 'binary'"),
    ('methods = ["gs"]\n', 'name = 5\n', "'name' must be a non-empty string"),
    ('methods = ["gs"]\n[options]\nqaoa = 3\n', "", "[options.qaoa] must be a table"),
])
def test_suite_values_are_checked_at_load(instances, tmp_path, body, inst, msg):
    """Values that became run errors (a seed of -1, a reference of "abc") are refused when
    the suite is loaded, naming the file and the key."""
    path = write_suite(tmp_path, [instances / "mdkp/mknap1.txt"], body)
    if inst:
        path.write_text(path.read_text() + inst)
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(path) in str(info.value) and msg in str(info.value), str(info.value)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "latin-1"])
def test_suite_that_is_not_utf8_names_the_file(tmp_path, encoding):
    path = tmp_path / "s.toml"
    path.write_text('name = "café"\nmethods = ["gs"]\n', encoding=encoding)
    with pytest.raises(SuiteError) as info:
        load_suite(path)
    assert str(path) in str(info.value) and "must be UTF-8 text" in str(info.value)
    other = tmp_path / "uses.toml"
    other.write_text('methods = ["gs"]\ninstances_from = "s.toml"\n')
    with pytest.raises(SuiteError) as info:
        load_suite(other)
    assert str(other) in str(info.value) and str(path) in str(info.value)


def test_selecting_children_or_methods_the_suite_does_not_run_is_refused(instances, tmp_path):
    from dimod_shrink.bench.suite import check_selection
    suite = load_suite(write_suite(tmp_path, [instances / "mdkp/mknap1.txt"]))
    with pytest.raises(SuiteError, match="unknown children 'nope'; this suite runs children sa"):
        suite.runs(["nope"])
    with pytest.raises(SuiteError, match="not in this suite: children 'tabu'"):
        suite.runs(["tabu"])
    with pytest.raises(SuiteError, match="unknown methods 'magic'; this suite runs methods "
                                         "greedy, gs, ags"):
        check_selection(suite, None, ["gs", "magic"])
    check_selection(suite, ["sa"], ["gs"])  # a true subset is fine
    assert len(suite.runs(["sa"])) == len(suite.runs())
