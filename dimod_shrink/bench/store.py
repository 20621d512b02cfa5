"""A crash-safe, single-writer store for benchmark results (``OUT/results.csv``).

* **One sweep at a time.**  :class:`ResultsStore` takes an exclusive lock on
  ``OUT/.results.lock`` (:func:`fcntl.flock`; the kernel drops it when the
  holder dies, so a killed sweep never leaves a stale lock).  A second sweep on
  the same folder waits for it or, with ``timeout``, refuses with
  :class:`StoreBusyError` naming the lock file and the holder's process id.
* **One line per run.**  Values never hold a line break (they are replaced by
  a space), so every record is exactly one physical line and a damaged line
  cannot swallow the lines after it.
* **Appends are flushed and synced** after every run; a kill during an append
  leaves at most a partial last line, the run in flight.
* **Rewrites are atomic**: mending a partial last line or upgrading an older
  header writes a temporary file in the same folder, syncs it and moves it
  over the old one with :func:`os.replace`; a crash leaves the old file or the
  new one, never a mix.
* **A robust reader**: :func:`read_results` parses line by line, keeps every
  good row, and reports each bad line (half-written quoted field, wrong number
  of fields, truncated last line) with the file name and line number.  A file
  whose header is not a results header is refused with
  :class:`ResultsFileError`, never misread.
* **No duplicate runs**: :meth:`ResultsStore.done_keys` are the keys already
  finished; :func:`latest_rows` keeps one row per key for summaries.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ResultsStore", "StoreBusyError", "ResultsFileError", "ReadReport",
           "atomic_write_text", "read_results", "latest_rows", "is_done", "safe_name", "REQUIRED"]

REQUIRED = ("key", "method", "status")
"""Columns a file must have to be read as a results file."""

LOCK_NAME = ".results.lock"


class StoreBusyError(RuntimeError):
    """Another sweep holds the lock on the output folder."""


class ResultsFileError(ValueError):
    """A results file (or output folder) that cannot be used; names the file and line."""


@dataclass
class ReadReport:
    """What :func:`read_results` found: the good rows and every bad line."""

    path: Path
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    bad_lines: list = field(default_factory=list)  # (line number, reason)
    partial_tail: bool = False  # the last line has no line break (a run in flight)

    def problems(self) -> list[str]:
        return [f"{self.path}:{n}: {why}" for n, why in self.bad_lines]


def safe_name(name: str, fallback: str = "suite") -> str:
    """A name that is a single, harmless path component.

    Every character outside ``A-Z a-z 0-9 . _ -`` becomes ``_`` and leading
    dots are dropped, so ``../../x`` becomes ``_.._x``: no separator, no
    parent reference, no hidden file.

    Examples:
        >>> safe_name("../../x")
        '_.._x'
        >>> safe_name("paper")
        'paper'
    """
    out = re.sub(r"[^A-Za-z0-9._-]", "_", str(name)).lstrip(".")
    return out[:100] or fallback


def is_done(row: dict) -> bool:
    """A row whose run need not run again (``ok`` or ``skipped...``)."""
    status = str(row.get("status") or "")
    return status == "ok" or status.startswith("skipped")


def latest_rows(rows) -> list[dict]:
    """One row per key: the last finished row if any, else the last row.

    Summaries built from these never count a run twice.
    """
    best: dict = {}
    for r in rows:
        k = r.get("key")
        if k not in best or is_done(r) or not is_done(best[k]):
            best[k] = r
    return list(best.values())


def _clean(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if "\n" in text or "\r" in text:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return text


def _line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(values)
    return buf.getvalue()


def _parse(line: str):
    """Fields of one physical line, or ``None`` if it is not a complete record."""
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return None
    if len(rows) != 1:
        return None
    return rows[0]


def read_results(path, *, warn: bool = True) -> ReadReport:
    """Read a results file line by line; bad lines are reported, never fatal.

    Args:
        path: The results CSV (a missing or empty file gives no rows).
        warn: Issue one :class:`UserWarning` listing the bad lines.

    Raises:
        ResultsFileError: the header is not a results header (names the file).
    """
    path = Path(path)
    rep = ReadReport(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return rep
    if not data:
        return rep
    if b"\0" in data[:4096]:
        raise ResultsFileError(f"{path}:1: binary data, not a results CSV; "
                               "choose another --out folder or move the file away")
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    else:
        rep.partial_tail = True
    header = _parse(lines[0].rstrip("\r")) if lines else None
    missing = [c for c in REQUIRED if header is None or c not in header]
    if missing:
        raise ResultsFileError(
            f"{path}:1: not a dimod-shrink results file (the header lacks "
            f"{', '.join(repr(c) for c in missing)}); choose another --out folder or move "
            "the file away")
    rep.header = header
    for n, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        last = n == len(lines)
        if not line.strip():
            continue
        fields = _parse(line)
        if fields is None:
            why = "half-written quoted field"
        elif len(fields) != len(header):
            why = f"{len(fields)} fields, the header has {len(header)}"
        else:
            rep.rows.append(dict(zip(header, fields)))
            continue
        if last and rep.partial_tail:
            why = f"truncated last line ({why}): the run in flight when the sweep stopped"
        rep.bad_lines.append((n, why))
    if warn and rep.bad_lines:
        warnings.warn("skipped damaged lines (their runs will run again):\n  "
                      + "\n  ".join(rep.problems()), stacklevel=2)
    return rep


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path, text: str) -> None:
    """Replace ``path`` by ``text`` atomically (temporary file, fsync, :func:`os.replace`)."""
    path = Path(path)
    try:  # keep the file's permissions (a new file gets the usual ones, not mkstemp's 0600)
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


class _Lock:
    """An exclusive advisory lock on a file (fcntl on POSIX, O_EXCL elsewhere)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd = None
        self.exclusive_file = False

    def _holder(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ""
        return f"process {pid}" if pid else "another process"

    def try_acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # no fcntl: an O_EXCL lock file (stale after a crash)
            try:
                self.fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return False
            self.exclusive_file = True
        else:
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                return False
            self.fd = fd
        os.ftruncate(self.fd, 0)
        os.write(self.fd, f"{os.getpid()}\n".encode())
        return True

    def acquire(self, timeout, poll: float = 0.2, announce=None) -> None:
        start = time.monotonic()
        said = False
        while not self.try_acquire():
            waited = time.monotonic() - start
            if timeout is not None and waited >= timeout:
                raise StoreBusyError(
                    f"another sweep ({self._holder()}) is writing to {self.path.parent}: "
                    f"the lock {self.path} is held. Wait for it to finish (it resumes from "
                    "the same file), or use another --out folder")
            if not said and announce is not None:
                announce(f"waiting for the sweep of {self._holder()} holding {self.path} ...")
                said = True
            time.sleep(poll)

    def release(self) -> None:
        if self.fd is None:
            return
        if self.exclusive_file:
            os.close(self.fd)
            os.unlink(self.path)
        else:
            import fcntl
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
        self.fd = None


def _announce(msg: str) -> None:
    print(f"dimod-shrink: {msg}", file=sys.stderr, flush=True)


class ResultsStore:
    """The results file of one output folder, held by one sweep at a time.

    Use as a context manager::

        with ResultsStore(out, columns) as store:
            todo = [s for s in specs if s["key"] not in store.done_keys()]
            for row in results:
                store.append(row)

    Args:
        out_dir: The output folder (created if missing).
        columns: The columns of a new file; an existing file missing some of
            them is rewritten (atomically) with them added, its rows kept.
        timeout: Seconds to wait for another sweep's lock; ``None`` waits for
            as long as it takes, ``0`` refuses at once.
        announce: Called with a message when the store has to wait
            (default: print to stderr).
        name: File name inside ``out_dir``.
    """

    def __init__(self, out_dir, columns, *, timeout: float | None = None,
                 announce=_announce, name: str = "results.csv"):
        self.out = Path(out_dir)
        if self.out.exists() and not self.out.is_dir():
            raise ResultsFileError(f"{self.out}: the output folder is a file; give --out a "
                                   "folder (new or holding a results.csv)")
        self.path = self.out / name
        self.columns = list(columns)
        self.timeout = timeout
        self.announce = announce
        self._lock = _Lock(self.out / LOCK_NAME)
        self._fh = None
        self.header = None
        self.report = None

    # -- life cycle --------------------------------------------------------------
    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc):
        self.close()

    def open(self) -> "ResultsStore":
        self.out.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(self.timeout, announce=self.announce)
        try:
            self._prepare()
        except BaseException:
            self._lock.release()
            raise
        return self

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._lock.release()

    def _prepare(self) -> None:
        """Read the file; mend a partial tail or an older header atomically."""
        rep = read_results(self.path)
        self.report = rep
        if not rep.header:
            atomic_write_text(self.path, _line(self.columns))
            self.header = list(self.columns)
        else:
            header = list(rep.header)
            extra = [c for c in self.columns if c not in header]
            if extra or rep.partial_tail:
                header = header + extra
                body = "".join(_line([_clean(r.get(c)) for c in header]) for r in rep.rows)
                atomic_write_text(self.path, _line(header) + body)
            self.header = header
        self._fh = self.path.open("a", newline="", encoding="utf-8")

    # -- reading and writing ------------------------------------------------------
    def rows(self) -> list[dict]:
        """Every good row read when the store was opened, plus those appended since."""
        return list(self.report.rows) if self.report else []

    def done_keys(self) -> set:
        """Keys of the runs already finished (``ok`` or ``skipped``)."""
        return {r["key"] for r in self.rows() if is_done(r)}

    def append(self, row: dict) -> None:
        """Append one row (one line), flushed and synced to disk."""
        if self._fh is None:
            raise RuntimeError("the store is not open; use it as a context manager")
        self._fh.write(_line([_clean(row.get(c)) for c in self.header]))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.report.rows.append({c: _clean(row.get(c)) for c in self.header})
