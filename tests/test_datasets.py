"""``dimod_shrink.datasets`` and ``dimod-shrink fetch``, against a local server.

Every download here goes to an ``http.server`` on 127.0.0.1 (a thread serving
the instance folder, or a folder made for the test) or to a closed port on
127.0.0.1; a guard fails any test that would contact another address.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dimod_shrink import _names, datasets
from dimod_shrink.cli import main

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("mdkp", "qap", "mis", "maxcut")


@pytest.fixture(autouse=True)
def local_only(monkeypatch, tmp_path):
    """Only 127.0.0.1 (or a local file) may be contacted; the cache is a fresh folder."""
    real = datasets._download

    def guarded(url, target, timeout):
        assert url.startswith(("http://127.0.0.1:", "file:")), f"would contact {url}"
        return real(url, target, timeout)

    monkeypatch.setattr(datasets, "_download", guarded)
    monkeypatch.setenv("DIMOD_SHRINK_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("DIMOD_SHRINK_MIRROR", raising=False)


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()


@contextmanager
def serve(folder: Path):
    """Serve ``folder`` on an ephemeral port of 127.0.0.1; yields (base URL, request log)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0),
                                functools.partial(_Handler, directory=str(folder)))
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd.requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the registry --------------------------------------------------------------------------------

def test_registry_holds_every_file_of_the_instance_folder(instances):
    on_disk = {p.relative_to(instances).as_posix(): p for d in FOLDERS
               for p in (instances / d).iterdir() if p.is_file()}
    registered = {f.path: f for ds in datasets.datasets() for f in ds.files}
    assert set(on_disk) <= set(registered), set(on_disk) - set(registered)
    # a cache filled by fetch lacks only what cannot be fetched
    assert {p for p, f in registered.items() if f.fetchable} <= set(on_disk)
    for path, file in on_disk.items():
        assert sha(file) == registered[path].sha256, path


def _used_paths() -> set[str]:
    """Instance paths named by the tests, the suites, the benchmarks and the docs."""
    pattern = re.compile(r"""(?:^|["'/ ])((?:mdkp|qap|mis|maxcut)/[\w.\-]+)""", re.M)
    files = [*ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"),
             *ROOT.glob("benchmarks/suites/*.toml"), *ROOT.glob("docs/**/*.md"),
             ROOT / "README.md"]
    used = set()
    for path in files:
        if path.name == "test_datasets.py" or "_build" in path.parts:
            continue
        used |= set(pattern.findall(path.read_text()))
    return used


def test_registry_names_every_instance_the_project_uses():
    registered = {f.path for ds in datasets.datasets() for f in ds.files}
    used = {p.rstrip(".") for p in _used_paths()}
    # names that are folders or patterns, not files (e.g. "mis/1dc.*")
    used = {p for p in used if not p.endswith(("*", "/"))}
    assert used, "found no instance path in the project"
    missing = sorted(p for p in used if p not in registered
                     and not any(r.startswith(p) for r in registered))
    assert not missing, f"used but not registered: {missing}"


def test_every_file_has_a_pinned_source_or_says_why_not():
    for ds in datasets.datasets():
        assert ds.kind in datasets.KINDS and ds.home.startswith("http")
        for f in ds.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
            for url in f.urls:
                copy = re.match(r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/"
                                r"([0-9a-f]{40})/\S+$", url)
                assert copy or url.startswith(datasets.HOMES["orlib"].rsplit("/", 1)[0]), url
            if not f.fetchable:
                assert ds.note, ds.key
    unfetchable = [ds.key for ds in datasets.datasets() if not ds.fetchable]
    assert unfetchable == ["biqmac:biqbin-results"]


def test_cli_kinds_agree_with_the_registry():
    assert _names.DATASET_KINDS == datasets.KINDS


def test_sloane_graphs_are_built_with_the_recorded_bytes():
    for key in datasets.names("sloane"):
        f = datasets.get(key).files[0]
        assert hashlib.sha256(datasets.sloane_graph(f.build)).hexdigest() == f.sha256, key


@pytest.mark.parametrize("text,key", [("qaplib:nug12", "qaplib:nug12"), ("nug12", "qaplib:nug12"),
                                      ("QAPLIB:NUG12", "qaplib:nug12"), ("g1", "gset:G1"),
                                      ("smallqap:nug5", "smallqap:nug5"),
                                      ("sloane:1dc.64", "sloane:1dc.64")])
def test_names_resolve(text, key):
    assert datasets.get(text).key == key
    assert datasets.looks_like_name(key)


@pytest.mark.parametrize("text,msg", [("qaplib:nug99", "unknown instance 'qaplib:nug99'"),
                                      ("nope:nug12", "unknown instance kind 'nope'"),
                                      ("nug", "did you mean")])
def test_unknown_names_are_refused_with_a_hint(text, msg):
    with pytest.raises(datasets.UnknownDatasetError, match=msg) as info:
        datasets.get(text)
    assert "fetch --list" in str(info.value)


def test_paths_are_not_names():
    assert not datasets.looks_like_name("examples/data/qap6.dat")
    assert not datasets.looks_like_name("C:/instances/nug12.dat")
    assert not datasets.looks_like_name("qaplib:")


def test_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    assert datasets.get_data_home() == tmp_path / "cache"
    assert datasets.get_data_home(tmp_path / "x") == tmp_path / "x"
    monkeypatch.delenv("DIMOD_SHRINK_DATA")
    if sys.platform.startswith(("linux", "freebsd")):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert datasets.get_data_home() == tmp_path / "xdg" / "dimod-shrink"
        monkeypatch.delenv("XDG_CACHE_HOME")
        assert datasets.get_data_home() == Path.home() / ".cache" / "dimod-shrink"


# -- downloads -----------------------------------------------------------------------------------

def test_download_checks_and_caches_then_reuses_without_network(instances, tmp_path):
    cache = tmp_path / "cache"
    seen = []
    with serve(instances) as (url, requests):
        path = datasets.fetch("qaplib:nug12", mirror=url, report=lambda p, how: seen.append(how))
    assert requests == ["/qap/nug12.dat", "/qap/nug12.sln"]
    assert seen == ["downloaded", "downloaded"]
    assert path == cache / "qap" / "nug12.dat"
    assert path.read_bytes() == (instances / "qap" / "nug12.dat").read_bytes()
    assert (cache / "qap" / "nug12.sln").read_bytes() == (instances / "qap/nug12.sln").read_bytes()
    assert not [p for p in (cache / "qap").iterdir() if p.name.startswith(".part")]
    assert datasets.is_cached("qaplib:nug12") and not datasets.is_cached("qaplib:nug20")
    # the server is gone and the mirror a closed port: the cache answers
    seen.clear()
    again = datasets.fetch("qaplib:nug12", mirror=closed_port_url(),
                           report=lambda p, how: seen.append(how))
    assert again == path and seen == ["cached", "cached"]


def test_fetch_all_fills_a_cache_the_tests_can_use(instances, tmp_path):
    assert datasets.cached_folder() is None
    with serve(instances) as (url, requests):
        paths = datasets.fetch_all(mirror=url)
    assert len(paths) == sum(ds.fetchable for ds in datasets.datasets())
    assert datasets.cached_folder() == tmp_path / "cache"
    assert "/maxcut/biqbin_results.csv" not in requests
    for ds in datasets.datasets():
        for f in ds.files:
            if f.fetchable:
                assert sha(tmp_path / "cache" / f.path) == f.sha256


def test_sloane_graphs_are_built_without_network(tmp_path):
    seen = []
    path = datasets.fetch("sloane:1dc.64", report=lambda p, how: seen.append(how))
    assert seen == ["built"]
    assert path.read_text().splitlines()[2] == "p edge 64 543"


def _tampered(tmp_path: Path) -> Path:
    """A mirror whose nug5.dat is not the recorded file (a well-formed 2-facility QAP)."""
    folder = tmp_path / "mirror"
    (folder / "qap").mkdir(parents=True)
    (folder / "qap" / "nug5.dat").write_text("2 1\n0 1\n1 0\n0 1\n1 0\n")
    return folder


def test_checksum_mismatch_is_refused_and_nothing_is_kept(tmp_path):
    with serve(_tampered(tmp_path)) as (url, _):
        with pytest.raises(datasets.ChecksumError) as info:
            datasets.fetch("smallqap:nug5", mirror=url)
    message = str(info.value)
    assert "smallqap:nug5" in message and f"{url}/qap/nug5.dat" in message
    assert datasets.get("nug5").files[0].sha256 in message and "not kept" in message
    qap = tmp_path / "cache" / "qap"
    assert not qap.exists() or not list(qap.iterdir())


def test_offline_gives_a_clear_message(tmp_path):
    url = closed_port_url()
    with pytest.raises(datasets.DownloadError) as info:
        datasets.fetch("qaplib:nug12", mirror=url, timeout=5)
    message = str(info.value)
    assert "qaplib:nug12" in message and f"{url}/qap/nug12.dat" in message
    assert "offline" in message
    assert "python -m dimod_shrink fetch qaplib:nug12" in message
    assert str(tmp_path / "cache" / "qap" / "nug12.dat") in message
    assert isinstance(info.value, OSError)


def test_missing_file_on_the_server_names_the_http_error(tmp_path):
    (tmp_path / "empty").mkdir()
    with serve(tmp_path / "empty") as (url, _):
        with pytest.raises(datasets.DownloadError, match="HTTP 404"):
            datasets.fetch("gset:G1", mirror=url)


def test_the_file_without_a_public_copy_says_so():
    with pytest.raises(datasets.NotFetchableError, match="no public copy"):
        datasets.fetch("biqmac:biqbin-results")


# -- the command line ----------------------------------------------------------------------------

def test_cli_solves_a_named_instance_through_the_mirror(instances, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with serve(instances) as (url, requests):
        monkeypatch.setenv("DIMOD_SHRINK_MIRROR", url)
        rc = main(["solve", "qaplib:nug12", "--qubits", "12", "--seed", "0", "--no-polish",
                   "--json"])
    out = capsys.readouterr()
    assert rc in (0, 3), out.err
    result = json.loads(out.out)
    assert result["instance"] == "nug12" and result["optimum"] == 578
    assert requests == ["/qap/nug12.dat", "/qap/nug12.sln"]
    assert "downloaded" in out.err and str(tmp_path / "cache" / "qap" / "nug12.dat") in out.err


def test_cli_fetch_list_and_where(instances, tmp_path, capsys):
    with serve(instances) as (url, _):
        assert main(["fetch", "nug5", "sloane:1tc.64", "--mirror", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["downloaded", "downloaded"]
    assert lines[0].endswith(str(tmp_path / "cache" / "qap" / "nug5.dat"))
    assert main(["fetch", "--list", "--where"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == str(tmp_path / "cache")
    rows = {ln.split()[0]: ln for ln in out[1:]}
    assert set(rows) == set(datasets.names())
    assert " cached " in rows["smallqap:nug5"] and " cached " not in rows["smallqap:nug6"]
    assert "not fetchable" in rows["biqmac:biqbin-results"]
    assert "web.stanford.edu" in rows["gset:G1"]


@pytest.mark.parametrize("argv,msg", [
    (["fetch", "qaplib:nug99"], "unknown instance"),
    (["fetch"], "name the instances"),
    (["fetch", "biqmac:biqbin-results"], "no public copy"),
    (["solve", "qaplib:nug99"], "unknown instance"),
])
def test_cli_errors_exit_2_with_one_line(argv, msg, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dimod-shrink: error: ") and msg in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_offline_and_checksum_errors_exit_2(tmp_path, capsys):
    assert main(["fetch", "qaplib:nug12", "--mirror", closed_port_url(), "--timeout", "5"]) == 2
    err = capsys.readouterr().err
    assert "offline" in err and "fetch qaplib:nug12" in err
    with serve(_tampered(tmp_path)) as (url, _):
        assert main(["fetch", "nug5", "--mirror", url]) == 2
    err = capsys.readouterr().err
    assert "sha256" in err and "not kept" in err


def test_cli_solve_offline_exits_2(monkeypatch, capsys):
    monkeypatch.setenv("DIMOD_SHRINK_MIRROR", closed_port_url())
    assert main(["solve", "qaplib:nug12", "--seed", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dimod-shrink: error: cannot download qaplib:nug12")


def test_an_existing_file_wins_over_a_name(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "qaplib:tiny").write_text((ROOT / "examples/data/qap6.dat").read_text())
    rc = main(["solve", "qaplib:tiny", "--problem", "qap", "--qubits", "8", "--seed", "0",
               "--json"])
    assert rc in (0, 3)
    assert json.loads(capsys.readouterr().out)["problem"] == "qap"


# -- tests/conftest.py ---------------------------------------------------------------------------

_PROBE = """
def test_needs_instances(instances):
    assert (instances / "qap" / "nug12.dat").is_file()
"""


def _run_probe(tmp_path: Path, env: dict) -> subprocess.CompletedProcess:
    (tmp_path / "tests").mkdir(exist_ok=True)  # ../shared/instances of this copy is absent
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "tests" / "conftest.py")
    (tmp_path / "tests" / "test_probe.py").write_text(_PROBE)
    base = {k: v for k, v in os.environ.items()
            if k not in ("CI", "DIMOD_SHRINK_REQUIRE_INSTANCES", "DIMOD_SHRINK_INSTANCES",
                         "PYTEST_ADDOPTS")}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [base.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs",
                           str(tmp_path / "tests")], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**base, **env})


def test_conftest_uses_a_complete_cache(instances, tmp_path):
    assert not (tmp_path.parent / "shared" / "instances").exists()
    out = _run_probe(tmp_path, {"DIMOD_SHRINK_DATA": str(instances)})
    assert "1 passed" in out.stdout, out.stdout[-2000:]


def test_conftest_skip_names_the_fetch_command(tmp_path):
    (tmp_path / "partial" / "qap").mkdir(parents=True)
    out = _run_probe(tmp_path, {"DIMOD_SHRINK_DATA": str(tmp_path / "partial")})
    assert "1 skipped" in out.stdout, out.stdout[-2000:]
    assert "python -m dimod_shrink fetch --all" in out.stdout
    out = _run_probe(tmp_path, {"DIMOD_SHRINK_DATA": str(tmp_path / "partial"),
                                "DIMOD_SHRINK_REQUIRE_INSTANCES": "1"})
    assert "1 error" in out.stdout and out.returncode == 1


def test_an_explicit_instance_folder_is_not_replaced_by_the_cache(instances, tmp_path):
    out = _run_probe(tmp_path, {"DIMOD_SHRINK_DATA": str(instances),
                                "DIMOD_SHRINK_INSTANCES": str(tmp_path / "absent")})
    assert "1 skipped" in out.stdout, out.stdout[-2000:]
    assert "DIMOD_SHRINK_INSTANCES" in out.stdout


# -- the docs ------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", ["README.md", "docs/datasets.md"])
def test_docs_name_every_source_and_the_fetch_command(doc):
    text = (ROOT / doc).read_text()
    assert datasets.FETCH_ALL in text
    for kind, home in datasets.HOMES.items():
        assert home in text, (doc, kind)
