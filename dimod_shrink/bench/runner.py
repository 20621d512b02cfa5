"""Run a suite on Dask, streaming rows to disk and resuming where it stopped.

* Runs go through :mod:`dask.distributed`: a :class:`~dask.distributed.LocalCluster`
  by default (one single-threaded worker process per core), or an existing
  cluster given by its scheduler address (see ``docs/security.md``: the
  scheduler and its workers run whatever they are sent).
* The output folder is held by one sweep at a time
  (:class:`~dimod_shrink.bench.store.ResultsStore`): a second sweep on the same
  folder waits for the first (or refuses, with ``lock_timeout``) and then skips
  what the first finished.
* Each finished run is appended to ``results.csv`` as one line, flushed and
  synced at once, so an interrupted sweep loses at most the runs in flight.
* Re-running the same suite skips every run whose ``key`` is already there
  with ``status`` ``ok`` or ``skipped``; errors are retried.
* A failing run becomes a row with ``status="error"`` and the message; the
  sweep goes on.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .methods import COLUMNS, run_one
from .store import ResultsStore, is_done, latest_rows, read_results
from .suite import Suite

__all__ = ["run_suite", "finished_keys", "read_rows", "SchedulerUnreachableError",
           "connect"]


class SchedulerUnreachableError(ConnectionError, ValueError):
    """The Dask scheduler given by address cannot be reached (names the address)."""


def read_rows(csv_path, *, dedupe: bool = False) -> list[dict]:
    """The good rows of a results file (damaged lines are skipped with a warning
    naming the file and line; see :func:`~dimod_shrink.bench.store.read_results`).

    Args:
        dedupe: Keep one row per key (the finished one), as summaries need.
    """
    rows = read_results(csv_path).rows
    return latest_rows(rows) if dedupe else rows


def finished_keys(csv_path) -> set:
    """Keys of runs already recorded as done (``ok`` or ``skipped``)."""
    return {r["key"] for r in read_rows(csv_path) if is_done(r)}


CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler given by address."""


def connect(scheduler: str, timeout: float | None = None):
    """A :class:`dask.distributed.Client` of the scheduler at ``scheduler``.

    Raises:
        SchedulerUnreachableError: (a :class:`ConnectionError` and a
            :class:`ValueError`) naming the address, with what to check.
    """
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise ImportError(f"--scheduler needs Dask ({exc}); install the bench extra: "
                          "pip install 'dimod-shrink[bench]'") from exc
    timeout = CONNECT_TIMEOUT if timeout is None else timeout
    try:
        return Client(scheduler, timeout=timeout)
    except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address
        raise SchedulerUnreachableError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s "
            f"({type(exc).__name__}: {exc}). Check that it runs and that the address "
            "(tcp://host:8786, or tls://host:port with TLS) is right; leave out "
            "--scheduler to use a local cluster") from exc


def _error_row(spec, message):
    return {"key": spec["key"], "instance": spec["name"], "problem": spec.get("problem"),
            "method": spec["method"], "child": spec["child"], "budget": spec["budget"],
            "seed": spec["seed"], "status": "error", "error": message[:500]}


def run_suite(suite: Suite, out_dir, *, scheduler: str | None = None,
              workers: int | None = None, progress: bool = True, client=None,
              children=None, lock_timeout: float | None = None, methods=None) -> dict:
    """Run every unfinished run of ``suite``; return counts.

    Args:
        suite: A loaded :class:`~dimod_shrink.bench.suite.Suite`.
        out_dir: Folder for ``results.csv`` (and ``errors.jsonl``).
        scheduler: Address of an existing Dask scheduler; default: a local cluster.
        workers: Worker processes of the local cluster (default: the core count).
        progress: Show a progress bar (tqdm).
        client: An existing :class:`dask.distributed.Client` (overrides the above).
        children: Run only the runs of these children (see :meth:`Suite.runs`).
        lock_timeout: Seconds to wait while another sweep holds ``out_dir``
            (``None``: wait until it ends; ``0``: refuse at once with
            :class:`~dimod_shrink.bench.store.StoreBusyError`).
        methods: Run only these methods of the suite.

    Raises:
        SchedulerUnreachableError: ``scheduler`` cannot be reached.
        StoreBusyError: another sweep holds ``out_dir`` past ``lock_timeout``.
    """
    out = Path(out_dir)
    counts = {"total": 0, "already_done": 0, "ran": 0, "errors": 0, "seconds": 0.0}
    with ResultsStore(out, COLUMNS, timeout=lock_timeout) as store:
        done = store.done_keys()
        runs = [r for r in suite.runs(children) if methods is None or r["method"] in methods]
        todo = [r for r in runs if r["key"] not in done]
        counts.update(total=len(runs), already_done=len(runs) - len(todo))
        if not todo:
            return counts
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError as exc:
            raise ImportError(f"running a suite needs Dask ({exc}); install the bench extra: "
                              "pip install 'dimod-shrink[bench]'") from exc
        own = None
        own_client = False
        if client is None:
            if scheduler:
                client = connect(scheduler)
            else:
                own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
                client = Client(own)
            own_client = True
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=len(todo), desc=suite.name, unit="run")
        t0 = time.perf_counter()
        try:
            # instance by instance (an interrupted sweep leaves whole instances, every
            # method paired), the largest budgets of each first
            rank = {}
            for r in runs:
                rank.setdefault(r["name"], len(rank))
            order = sorted(todo, key=lambda r: (rank[r["name"]], -(r["budget"] or 0)))
            futures = client.map(run_one, order, pure=False)
            spec_of = dict(zip(futures, order))
            for fut in as_completed(futures):
                try:
                    row = fut.result()
                except Exception as exc:  # a worker died: record it and go on
                    row = _error_row(spec_of[fut], f"worker: {exc}")
                store.append(row)
                counts["ran"] += 1
                if row.get("status") == "error":
                    counts["errors"] += 1
                    with (out / "errors.jsonl").open("a") as fh:
                        fh.write(json.dumps({"key": row.get("key"), "error": row.get("error"),
                                             "traceback": row.get("traceback")}) + "\n")
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
            if own_client:
                client.close()
            if own is not None:
                own.close()
        counts["seconds"] = time.perf_counter() - t0
    return counts
