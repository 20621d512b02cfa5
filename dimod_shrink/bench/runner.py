"""Run a suite on Dask, streaming rows to disk and resuming where it stopped.

* Runs go through :mod:`dask.distributed`: a :class:`~dask.distributed.LocalCluster`
  by default (one single-threaded worker process per core), or an existing
  cluster given by its scheduler address.
* Each finished run is appended to ``results.csv`` and flushed at once, so an
  interrupted sweep loses nothing that had finished.
* Re-running the same suite reads ``results.csv`` and skips every run whose
  ``key`` is already there with ``status`` ``ok`` or ``skipped``; errors are
  retried.
* A failing run becomes a row with ``status="error"`` and the message; the
  sweep goes on.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

from .methods import COLUMNS, run_one
from .suite import Suite

__all__ = ["run_suite", "finished_keys", "read_rows"]


def read_rows(csv_path) -> list[dict]:
    path = Path(csv_path)
    if not path.exists():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def finished_keys(csv_path) -> set:
    """Keys of runs already recorded as done (``ok`` or ``skipped``)."""
    return {r["key"] for r in read_rows(csv_path)
            if r.get("status") == "ok" or str(r.get("status", "")).startswith("skipped")}


def _drop_partial_line(path: Path) -> None:
    """A sweep killed mid-write may leave half a line: cut it off."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if not data.endswith(b"\n"):
        path.write_bytes(data[:data.rfind(b"\n") + 1])


class _Writer:
    def __init__(self, path: Path):
        self.path = path
        _drop_partial_line(path)
        new = not path.exists() or path.stat().st_size == 0
        self.fh = path.open("a", newline="")
        self.w = csv.DictWriter(self.fh, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            self.w.writeheader()
            self.fh.flush()

    def write(self, row):
        self.w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
        self.fh.flush()

    def close(self):
        self.fh.close()


def run_suite(suite: Suite, out_dir, *, scheduler: str | None = None,
              workers: int | None = None, progress: bool = True, client=None,
              children=None) -> dict:
    """Run every unfinished run of ``suite``; return counts.

    Args:
        suite: A loaded :class:`~dimod_shrink.bench.suite.Suite`.
        out_dir: Folder for ``results.csv`` (and ``errors.jsonl``).
        scheduler: Address of an existing Dask scheduler; default: a local cluster.
        workers: Worker processes of the local cluster (default: the core count).
        progress: Show a progress bar (tqdm).
        client: An existing :class:`dask.distributed.Client` (overrides the above).
        children: Run only the runs of these children (see :meth:`Suite.runs`).
    """
    from dask.distributed import Client, LocalCluster, as_completed
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "results.csv"
    _drop_partial_line(csv_path)
    done = finished_keys(csv_path)
    runs = suite.runs(children)
    todo = [r for r in runs if r["key"] not in done]
    counts = {"total": len(runs), "already_done": len(runs) - len(todo), "ran": 0,
              "errors": 0, "seconds": 0.0}
    if not todo:
        return counts
    own = None
    if client is None:
        if scheduler:
            client = Client(scheduler)
        else:
            own = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
            client = Client(own)
    writer = _Writer(csv_path)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(todo), desc=suite.name, unit="run")
    t0 = time.perf_counter()
    try:
        # the slowest runs first keeps the workers busy to the end
        order = sorted(todo, key=lambda r: -(r["budget"] or 0))
        futures = client.map(run_one, order, pure=False)
        spec_of = dict(zip(futures, order))
        for fut in as_completed(futures):
            try:
                row = fut.result()
            except Exception as exc:  # a worker died: record it and go on
                spec = spec_of[fut]
                row = {"key": spec["key"], "instance": spec["name"], "method": spec["method"],
                       "child": spec["child"], "budget": spec["budget"], "seed": spec["seed"],
                       "status": "error", "error": f"worker: {exc}"[:500]}
            writer.write(row)
            counts["ran"] += 1
            if row.get("status") == "error":
                counts["errors"] += 1
                with (out / "errors.jsonl").open("a") as fh:
                    fh.write(json.dumps({"key": row.get("key"), "error": row.get("error"),
                                         "traceback": row.get("traceback")}) + "\n")
            if bar is not None:
                bar.update(1)
    finally:
        writer.close()
        if bar is not None:
            bar.close()
        if own is not None:
            client.close()
            own.close()
    counts["seconds"] = time.perf_counter() - t0
    return counts
