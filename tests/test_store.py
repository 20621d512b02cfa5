"""The benchmark store: one sweep per folder, atomic rewrites, a reader that survives
damage, no duplicate runs, no writes outside the output folder."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import pytest

from dimod_shrink.bench.store import (REQUIRED, ResultsFileError, ResultsStore,
                                      StoreBusyError, atomic_write_text, latest_rows,
                                      read_results, safe_name)

COLS = ["key", "method", "status", "value", "error"]


def row(k, status="ok", **kw):
    return {"key": f"k{k}", "method": "fake", "status": status, "value": str(k), **kw}


def keys(path):
    return [r["key"] for r in read_results(path, warn=False).rows]


# -- the reader -------------------------------------------------------------------------

def test_values_never_break_a_line(tmp_path):
    with ResultsStore(tmp_path, COLS) as st:
        st.append(row(0, status="error", error='bad "quote", a comma\nand\r\na line break'))
        st.append(row(1))
    text = (tmp_path / "results.csv").read_text()
    assert text.count("\n") == 3  # header + two rows, one line each
    rows = read_results(tmp_path / "results.csv").rows
    assert [r["key"] for r in rows] == ["k0", "k1"]
    assert rows[0]["error"] == 'bad "quote", a comma and a line break'


def test_half_written_quoted_field_swallows_nothing(tmp_path):
    """A damaged line in the middle (a half-written quoted field) is reported with its
    line number; every later row is kept."""
    p = tmp_path / "results.csv"
    p.write_text("key,method,status,value,error\n"
                 "k0,fake,ok,0,\n"
                 'k1,fake,error,1,"half written\n'
                 "k2,fake,ok,2,\n"
                 "k3,fake,ok,3,\n")
    with pytest.warns(UserWarning, match=r"results\.csv:3: half-written quoted field"):
        rep = read_results(p)
    assert [r["key"] for r in rep.rows] == ["k0", "k2", "k3"]
    assert rep.bad_lines == [(3, "half-written quoted field")]


def test_wrong_field_count_is_named(tmp_path):
    p = tmp_path / "results.csv"
    p.write_text("key,method,status,value,error\nk0,fake,ok\nk1,fake,ok,1,\n")
    with pytest.warns(UserWarning, match=r"results\.csv:2: 3 fields, the header has 5"):
        rows = read_results(p).rows
    assert [r["key"] for r in rows] == ["k1"]


def test_foreign_header_is_refused_and_left_alone(tmp_path):
    p = tmp_path / "results.csv"
    text = "instance,objective\nfoo,3\n"
    p.write_text(text)
    with pytest.raises(ResultsFileError, match=r"results\.csv:1: not a dimod-shrink results "
                                               r"file.*'key', 'method', 'status'.*--out"):
        read_results(p)
    with pytest.raises(ResultsFileError):
        ResultsStore(tmp_path, COLS, timeout=0).open()
    assert p.read_text() == text
    # the lock was released: the next store in this folder is not refused as busy
    p.unlink()
    with ResultsStore(tmp_path, COLS, timeout=0):
        pass


def test_binary_file_is_refused(tmp_path):
    p = tmp_path / "results.csv"
    p.write_bytes(b"\x00\x01\x02key,method,status\n")
    with pytest.raises(ResultsFileError, match=r"results\.csv:1: binary data"):
        read_results(p)


def test_older_header_is_upgraded_by_name(tmp_path):
    """Columns in another order, some missing: rows are read by name, the file is
    rewritten with the missing columns added, and new rows line up."""
    p = tmp_path / "results.csv"
    p.write_text("status,key,extra,method\nok,k0,x,fake\nerror,k1,y,fake\n")
    with ResultsStore(tmp_path, COLS) as st:
        assert st.done_keys() == {"k0"}
        st.append(row(1))
    rows = read_results(p).rows
    assert [(r["key"], r["status"], r["extra"]) for r in rows] == [
        ("k0", "ok", "x"), ("k1", "error", "y"), ("k1", "ok", "")]
    assert rows[2]["value"] == "1"
    assert [r["key"] for r in latest_rows(rows)] == ["k0", "k1"]
    assert latest_rows(rows)[1]["status"] == "ok"


# -- crashes --------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import os, signal, sys, time
    from dimod_shrink.bench.store import ResultsStore
    out, start, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    cols = ["key", "method", "status", "value", "error"]
    with ResultsStore(out, cols) as st:
        done = st.done_keys()
        for k in range(start, start + n):
            if f"k{k}" in done:
                continue
            if mode == "slow":
                time.sleep(0.01)
            st.append({"key": f"k{k}", "method": "fake", "status": "ok", "value": k})
            print(f"k{k}", flush=True)
        if mode == "die-mid-line":
            st._fh.write('k999,fake,ok,"half a val')   # the run in flight, cut short
            st._fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
""")


def run_writer(tmp_path, out, start, n, mode="fast", **kw):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    return subprocess.Popen([sys.executable, str(script), str(out), str(start), str(n), mode],
                            stdout=subprocess.PIPE, text=True, **kw)


def test_kill_mid_line_loses_only_the_run_in_flight(tmp_path):
    out = tmp_path / "out"
    proc = run_writer(tmp_path, out, 0, 5, "die-mid-line")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    p = out / "results.csv"
    assert not p.read_text().endswith("\n")  # the partial line is there
    with pytest.warns(UserWarning, match=r"results\.csv:7: truncated last line"):
        rep = read_results(p)
    assert [r["key"] for r in rep.rows] == [f"k{k}" for k in range(5)]
    # the next sweep mends the file atomically and carries on
    proc = run_writer(tmp_path, out, 0, 8)
    printed, _ = proc.communicate(timeout=60)
    assert printed.split() == ["k5", "k6", "k7"]
    assert keys(p) == [f"k{k}" for k in range(8)]
    assert p.read_text().endswith("\n") and "half a val" not in p.read_text()


def test_sigkill_at_random_moments_loses_no_finished_row(tmp_path):
    """Kill a writer while it appends (after a different number of rows each time);
    every row it reported as written is in the file, and the next sweep completes the
    rest without duplicates."""
    out = tmp_path / "out"
    p = out / "results.csv"
    total = 400
    for after in (3, 17, 41):
        proc = run_writer(tmp_path, out, 0, total, "slow")
        reported = []
        for line in proc.stdout:
            reported.append(line.strip())
            if len(reported) == after:
                proc.send_signal(signal.SIGKILL)
                break
        proc.stdout.close()
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            have = keys(p)
        assert set(reported) <= set(have) and len(have) == len(set(have)) < total
    proc = run_writer(tmp_path, out, 0, total)
    proc.communicate(timeout=120)
    got = keys(p)
    assert len(got) == len(set(got)) == total


def test_a_crash_during_a_rewrite_keeps_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "results.csv"
    old = "key,method,status,value,error\nk0,fake,ok,0,\nk1,fake,ok,1,\nk2,fa"
    p.write_text(old)

    def crash(src, dst):
        raise OSError("disk gone")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.warns(UserWarning), pytest.raises(OSError, match="disk gone"):
        ResultsStore(tmp_path, COLS).open()
    assert p.read_text() == old  # untouched: the mend was to go through a temporary file
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []
    monkeypatch.undo()
    with pytest.warns(UserWarning):
        with ResultsStore(tmp_path, COLS, timeout=0) as st:  # the lock was released
            assert st.done_keys() == {"k0", "k1"}


def test_atomic_write_text_replaces_whole(tmp_path):
    p = tmp_path / "f.md"
    p.write_text("old")
    p.chmod(0o640)
    atomic_write_text(p, "new\n")
    assert p.read_text() == "new\n" and sorted(os.listdir(tmp_path)) == ["f.md"]
    assert p.stat().st_mode & 0o777 == 0o640  # permissions kept
    q = tmp_path / "new.md"
    atomic_write_text(q, "x")
    assert q.stat().st_mode & 0o777 != 0o600 or os.umask(os.umask(0)) == 0o177


# -- concurrency -------------------------------------------------------------------------

def test_second_store_refuses_clearly_or_waits(tmp_path):
    with ResultsStore(tmp_path, COLS) as st:
        st.append(row(0))
        with pytest.raises(StoreBusyError, match=rf"process {os.getpid()}.*\.results\.lock"):
            ResultsStore(tmp_path, COLS, timeout=0).open()
        said = []
        with pytest.raises(StoreBusyError, match="--out"):
            ResultsStore(tmp_path, COLS, timeout=0.5, announce=said.append).open()
        assert said and "waiting" in said[0]
    with ResultsStore(tmp_path, COLS, timeout=0) as st:  # free again
        assert st.done_keys() == {"k0"}


def test_two_concurrent_writer_processes(tmp_path):
    """Two processes sweep the same keys into one folder at the same time: the second
    waits for the first, then finds nothing left to do. No duplicate, no lost row."""
    out = tmp_path / "out"
    a = run_writer(tmp_path, out, 0, 60, "slow")
    b = run_writer(tmp_path, out, 0, 60, "slow")
    pa, _ = a.communicate(timeout=120)
    pb, _ = b.communicate(timeout=120)
    assert a.returncode == b.returncode == 0
    written = pa.split() + pb.split()
    assert sorted(written) == sorted(f"k{k}" for k in range(60))  # each key written once
    got = keys(out / "results.csv")
    assert len(got) == len(set(got)) == 60


def test_two_concurrent_sweeps_on_one_out(instances, tmp_path):
    """``run_suite`` twice at once on one ``--out`` (two threads, two Dask clients):
    every run is recorded exactly once and the summary counts each run once."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client

    from dimod_shrink.bench import load_suite
    from dimod_shrink.bench.report import summarise
    from dimod_shrink.bench.runner import read_rows, run_suite
    suite_file = tmp_path / "s.toml"
    suite_file.write_text(
        'name = "c"\nreads = 5\nmethods = ["greedy", "repair-only"]\nseeds = [0, 1, 2]\n'
        f'[[instances]]\npath = "{instances / "mdkp/mknap1.txt"}"\nindex = [1, 2, 3]\n')
    suite = load_suite(suite_file)
    out = tmp_path / "out"
    results = {}
    # the clients start here, one after the other; the sweeps then race
    clients = {n: Client(processes=False, n_workers=1, threads_per_worker=1,
                         dashboard_address=None) for n in "ab"}

    def sweep(name):
        results[name] = run_suite(suite, out, client=clients[name], progress=False)

    threads = [threading.Thread(target=sweep, args=(n,)) for n in "ab"]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        for c in clients.values():
            c.close()
    total = len(suite.runs())
    assert total == 18
    assert sorted(r["ran"] for r in results.values()) == [0, total]
    rows = read_rows(out / "results.csv")
    ks = [r["key"] for r in rows]
    assert len(ks) == len(set(ks)) == total
    assert sum(s["runs"] for s in summarise(rows)) == total


def test_summaries_count_each_key_once(tmp_path):
    from dimod_shrink.bench.methods import COLUMNS
    from dimod_shrink.bench.report import write_report
    with ResultsStore(tmp_path, COLUMNS) as st:
        base = {"instance": "i", "problem": "mis", "method": "greedy", "child": "-",
                "ratio": "1.0", "feasible": "True", "time_total": "0.1"}
        st.append({**base, "key": "a", "status": "error"})
        st.append({**base, "key": "a", "status": "ok"})
        st.append({**base, "key": "b", "status": "ok"})
        st.append({**base, "key": "b", "status": "ok"})  # a file written by an old version
    text = write_report(tmp_path, plots=False)["summary"].read_text()
    assert "| 2 " in text.splitlines()[2]  # runs == 2, not 3 or 4


# -- names ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "..", ".hidden", "a/b\\c",
                                  "ok-name_1.0", "", "é"])
def test_safe_name_is_one_harmless_component(name, tmp_path):
    s = safe_name(name)
    assert s and "/" not in s and "\\" not in s and not s.startswith(".")
    assert (tmp_path / s).resolve().parent == tmp_path.resolve()
    if name == "ok-name_1.0":
        assert s == name


def test_suite_name_cannot_escape_the_output_folder(instances, tmp_path):
    """A suite named ``../../x`` run without ``--out`` writes under ``results/`` only."""
    pytest.importorskip("dask.distributed")
    work = tmp_path / "a" / "b" / "work"
    work.mkdir(parents=True)
    suite_file = work / "s.toml"
    suite_file.write_text(
        'name = "../../x"\nreads = 3\nmethods = ["greedy"]\n'
        f'[[instances]]\npath = "{instances / "mis/1dc.64.dimacs"}"\nreference = 10\n')
    from dimod_shrink.bench import load_suite
    assert load_suite(suite_file).name == "_.._x"
    before = {p for p in tmp_path.rglob("*")}
    subprocess.run([sys.executable, "-m", "dimod_shrink", "bench", "s.toml", "--workers", "1",
                    "--no-progress", "--no-plots"], cwd=work, check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(Path(p).is_relative_to(work / "results") for p in new)
    assert (work / "results" / "_.._x" / "results.csv").exists()


def test_required_columns_are_in_the_runner_columns():
    from dimod_shrink.bench.methods import COLUMNS
    assert set(REQUIRED) <= set(COLUMNS)


def test_output_folder_that_is_a_file_is_a_clear_error(tmp_path):
    f = tmp_path / "out"
    f.write_text("x")
    with pytest.raises(ResultsFileError, match="output folder is a file"):
        ResultsStore(f, COLS).open()
