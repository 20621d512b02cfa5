"""The documentation works as written.

* The Sphinx site builds without warnings (the README's docs command), nitpicky
  (``-n``): every cross-reference into ``dimod_shrink`` resolves; references to
  other projects are listed in ``docs/conf.py``.
* Every fenced ``python`` block of README.md and docs/**/*.md runs: the blocks of
  one file in order, in one namespace, from the repository root, as a reader
  would paste them.  A block preceded by the line ``<!-- no-test -->`` is
  skipped (kept for what cannot run here, e.g. a QPU).
* The cheap shell commands of the ``bash`` blocks run and exit 0:
  ``dimod-shrink solve``, ``dimod-shrink bench`` of a bundled suite
  (``examples/suites``), ``dimod-shrink --help``/``--version`` and
  ``python examples/*.py``.  Not run here: ``pip``, ``sphinx-build`` and
  ``pytest`` (this suite *is* them) and the benchmark scripts and study suites
  (``benchmarks/``), which run for minutes and print the tables the docs quote.
* Paths under ``../shared/instances`` point at the benchmark instances
  (``DIMOD_SHRINK_INSTANCES`` overrides); without them those blocks skip, or
  fail in CI (see ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = "../shared/instances"
NO_TEST = "<!-- no-test -->"


def doc_files() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)
    return [ROOT / "README.md", *docs]


def blocks(path: Path) -> list[dict]:
    """Fenced code blocks of a markdown file: language, code, line, skipped."""
    out, lines, i = [], path.read_text().splitlines(), 0
    while i < len(lines):
        m = re.match(r"^(`{3,})\s*([\w+-]*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2), i + 1
        j = start
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        prev = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        out.append({"lang": lang, "code": "\n".join(lines[start:j]), "line": start,
                    "skip": prev == NO_TEST})
        i = j + 1
    return out


def shell_commands(code: str) -> list[list[str]]:
    """The commands of a shell block, split at ``&&``, comments dropped."""
    cmds = []
    for line in code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        cmd: list[str] = []
        for w in words + ["&&"]:
            if w == "&&":
                if cmd:
                    cmds.append(cmd)
                cmd = []
            else:
                cmd.append(w)
    return cmds


def is_cheap(cmd: list[str]) -> bool:
    if cmd[0] == "dimod-shrink":
        if len(cmd) > 1 and cmd[1] == "bench":
            return len(cmd) > 2 and cmd[2].startswith("examples/suites/")
        return True
    return cmd[0] in ("python", "python3") and len(cmd) > 1 and cmd[1].startswith("examples/")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


PY_FILES = [p for p in doc_files() if any(b["lang"] == "python" for b in blocks(p))]
COMMANDS = [(f"{_rel(p)}:{b['line']}:{' '.join(c)}", c)
            for p in doc_files() for b in blocks(p) if b["lang"] in ("bash", "sh", "shell")
            and not b["skip"] for c in shell_commands(b["code"]) if is_cheap(c)]


# -- the site -----------------------------------------------------------------------------

def test_docs_build_without_warnings(tmp_path):
    """``sphinx-build -n -W``: no warning, no unresolved reference."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    out = subprocess.run([sys.executable, "-m", "sphinx", "-n", "-W", "--keep-going", "-q",
                          "-b", "html", str(ROOT / "docs"), str(tmp_path / "html")],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert (tmp_path / "html" / "index.html").exists()
    shutil.rmtree(tmp_path / "html", ignore_errors=True)


# -- the snippets ---------------------------------------------------------------------------------

def test_block_parser():
    text = ("intro\n\n```python\nx = 1\n```\n\n<!-- no-test -->\n```python\nqpu()\n```\n"
            "```bash\n# a comment\npip install . && dimod-shrink solve a.txt --qubits 10 "
            "# why\n```\n")
    path = Path(__file__).with_name("_blocks_probe.md")
    try:
        path.write_text(text)
        found = blocks(path)
    finally:
        path.unlink()
    assert [(b["lang"], b["code"], b["skip"]) for b in found] == [
        ("python", "x = 1", False), ("python", "qpu()", True),
        ("bash", "# a comment\npip install . && dimod-shrink solve a.txt --qubits 10 # why",
         False)]
    assert shell_commands(found[2]["code"]) == [["pip", "install", "."],
                                                ["dimod-shrink", "solve", "a.txt", "--qubits",
                                                 "10"]]
    assert not is_cheap(["pip", "install", "."])
    assert not is_cheap(["dimod-shrink", "bench", "benchmarks/suites/paper.toml"])
    assert is_cheap(["dimod-shrink", "bench", "examples/suites/demo.toml"])


def test_snippets_are_found():
    names = {_rel(p) for p in PY_FILES}
    assert {"README.md", "docs/quickstart.md"} <= names
    assert any(c[0] == "dimod-shrink" and c[1] == "solve" for _, c in COMMANDS)


def _instances_path(request) -> str:
    return str(request.getfixturevalue("instances"))


@pytest.mark.parametrize("path", PY_FILES, ids=_rel)
def test_python_snippets_run(path, request, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace = {"__name__": f"snippets_{path.stem}"}
    ran = 0
    for block in blocks(path):
        if block["lang"] != "python" or block["skip"]:
            continue
        code = block["code"]
        if SHARED in code:
            code = code.replace(SHARED, _instances_path(request))
        try:
            exec(compile(code, f"{_rel(path)}:{block['line']}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"{_rel(path)}, block at line {block['line']}: "
                                 f"{type(exc).__name__}: {exc}") from exc
        ran += 1
    assert ran, f"{_rel(path)}: every python block is marked {NO_TEST}"
    capsys.readouterr()
    if path.name in ("README.md", "quickstart.md"):
        # both end with the constrained example: three items of cost 1
        best = namespace["best"]
        assert best.is_feasible and best.energy == 3.0
        assert sum(best.sample.values()) == 3


@pytest.mark.parametrize("cmd", [c for _, c in COMMANDS], ids=[i for i, _ in COMMANDS])
def test_shell_commands_run(cmd, request, tmp_path):
    # a scratch working folder that looks like the repository root to the command
    work = tmp_path / "work"
    work.mkdir()
    (work / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    if any(SHARED in w for w in cmd):
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "instances").symlink_to(_instances_path(request),
                                                      target_is_directory=True)
    if cmd[0] == "dimod-shrink":
        argv = [sys.executable, "-m", "dimod_shrink", *cmd[1:]]
    else:
        argv = [sys.executable, *cmd[1:]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, f"{' '.join(cmd)} exited {out.returncode}:\n{out.stderr[-3000:]}"
    assert "Traceback" not in out.stderr


# -- the README's promises about tests ----------------------------------------------------------

TEST_COMMAND = 'pip install ".[test]" && python -m pytest'


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in readme
    assert TEST_COMMAND in [line.strip() for line in ci.splitlines()]
    assert "DIMOD_SHRINK_REQUIRE_INSTANCES=1" in ci
    assert "DIMOD_SHRINK_INSTANCES" in readme and SHARED in readme


_PROBE = """
def test_needs_instances(instances):
    assert instances.is_dir()
"""


@pytest.mark.parametrize("env,outcome", [({}, "1 skipped"),
                                         ({"CI": "true"}, "1 error"),
                                         ({"DIMOD_SHRINK_REQUIRE_INSTANCES": "1"}, "1 error")])
def test_missing_instances_skip_locally_and_fail_in_ci(tmp_path, env, outcome):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(_PROBE)
    base = {k: v for k, v in os.environ.items()
            if k not in ("CI", "DIMOD_SHRINK_REQUIRE_INSTANCES", "PYTEST_ADDOPTS")}
    run_env = {**base, "DIMOD_SHRINK_INSTANCES": str(tmp_path / "absent"), **env}
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs",
                          str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, env=run_env)
    assert outcome in out.stdout, out.stdout[-2000:]
    assert "benchmark instances not found" in out.stdout
    assert "README" in out.stdout
    assert out.returncode == (0 if outcome.endswith("skipped") else 1)
