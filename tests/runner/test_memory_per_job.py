"""The runner's memory is flat in the number of jobs: results.csv is exported row by row, and a run
keeps the store's row ids of its finished attempts, not their records.

Memory is counted with tracemalloc (the Python objects allocated, whatever the machine's load) and
compared between a small and a larger store, or as the records still alive after the jobs.
"""
from __future__ import annotations

import contextlib
import gc
import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from rich.console import Console

from amlb.config import load_config
from amlb.constraints import load_constraint
from amlb.definitions import resolve_framework
from amlb.datasets.api import TaskSpec
from amlb.plan import Job
from amlb.progress import Progress
from amlb.record import JobRecord, Status
from amlb.run_request import RunRequest, RunSummary
from amlb.run_state import Run
from amlb.store import ResultStore


def record(i: int, status: Status = Status.OK, attempt: int = 1, **fields) -> JobRecord:
    """A finished attempt with what a real one carries: metrics, resources, energy, meta-features."""
    task = f"task{i // 10:03d}"
    r = JobRecord(id=f"builtin/{task}", task=task, framework="fw", constraint="test", fold=i % 10, type="binary",
                  result=0.5 + i / 1e4, metric="auc", version="1.0", params="{}", app_version="amlb test",
                  utc="2026-01-01T00:00:00+00:00", duration=1.5, training_duration=1.0, predict_duration=0.1,
                  models_count=i % 3 or None, seed=42 + i % 10, status=status, attempt=attempt,
                  metrics={"auc": 0.5, "logloss": 0.69, "acc": 0.5, "balacc": 0.5}, wall_seconds=1.4,
                  cpu_user_s=1.1, cpu_sys_s=0.1, peak_rss_mb=120.5, infer_seconds_per_row={1: 0.001},
                  inference_runs={1: (1, 10)}, energy={"energy_kwh": 1e-6, "energy_method": "model"},
                  meta_features={"rows": 150 + i, "columns": 5, "classes": 2, "name": task}, log_tail="x" * 200)
    for key, value in fields.items():
        setattr(r, key, value)
    return r


def store_with(out: Path, n: int) -> ResultStore:
    store = ResultStore(out)
    for i in range(n):
        store.save(record(i))
    return store


def test_results_csv_is_what_pandas_writes_of_the_final_attempts(tmp_path):
    store = ResultStore(tmp_path)
    for i in range(25):
        store.save(record(i))
    # a retried job: its final attempt counts; a running job is left out; a repeat sorts after repeat 0
    store.save(record(3, Status.INFRASTRUCTURE_ERROR, info="lost the worker", result=None))
    store.save(record(3, attempt=2))
    store.save(record(30, Status.RUNNING))
    store.save(record(4, repeat=1, metrics={"auc": 0.5, "f1": 0.25}, energy={}))  # an extra metric, no energy
    store.save(record(5, Status.TIMEOUT, result=None, metrics={}, error_type="Timeout", info='a "quoted", message'))
    finals = [r for r in store.latest().values() if r.status is not Status.RUNNING]
    store.export_csv(tmp_path / "results.csv")
    expected = tmp_path / "expected.csv"
    store.to_frame(finals).to_csv(expected, index=False)
    assert (tmp_path / "results.csv").read_text() == expected.read_text()
    rows = pd.read_csv(tmp_path / "results.csv")
    assert len(rows) == 26 and "f1" in rows.columns and "fw" == rows["framework"].iloc[0]
    store.close()


def export_peak(store: ResultStore, path: Path) -> int:
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    store.export_csv(path)
    return tracemalloc.get_traced_memory()[1] - before


def test_exporting_results_csv_takes_the_same_memory_for_5x_the_jobs(tmp_path):
    small, large = store_with(tmp_path / "small", 60), store_with(tmp_path / "large", 300)
    tracemalloc.start()
    try:
        export_peak(small, tmp_path / "warm.csv")  # first use: statements compiled, modules' caches filled
        export_peak(large, tmp_path / "warm.csv")
        peak_small = export_peak(small, tmp_path / "small.csv")
        peak_large = export_peak(large, tmp_path / "large.csv")
    finally:
        tracemalloc.stop()
        small.close()
        large.close()
    assert len(pd.read_csv(tmp_path / "large.csv")) == 300
    # every record at once (as before) made the peak ~5x: 240 more records of a few kB each
    assert peak_large < peak_small * 1.5, (peak_small, peak_large)


@contextlib.contextmanager
def quiet_run(out: Path) -> Iterator[tuple[Run, ResultStore, Callable[[int], Job]]]:
    """A run of constantpredictor on the "test" constraint in ``out``, its store, and the i-th job of it."""
    config = load_config(overrides=["job.attempts=1"])
    framework = resolve_framework("constantpredictor", config)
    constraint = load_constraint("test", config)
    request = RunRequest(frameworks=[framework], benchmark="test", constraint=constraint, mode="local",
                         config=config, out_dir=out)

    def job(i: int) -> Job:
        return Job(framework=framework, task=TaskSpec(name=f"task{i // 10:03d}"), fold=i % 10, constraint=constraint,
                   seed=42, budget_seconds=60, cores=1, memory_mb=None)

    store = ResultStore(out)
    with open(os.devnull, "w") as devnull:
        yield Run(request, store, Progress(total=0, console=Console(file=devnull)), None), store, job
    store.export_csv(out / "results.csv")  # what the run's end does (amlb/run_jobs.py)
    store.close()


def test_a_run_keeps_no_record_of_its_finished_jobs(tmp_path):
    with quiet_run(tmp_path) as (run, store, job):
        for i in range(50):
            run.finish(job(i), record(i))
    gc.collect()
    # the records are in the store (and results.csv), not in the runner's memory
    assert [o for o in gc.get_objects() if isinstance(o, JobRecord)] == []
    assert len(pd.read_csv(tmp_path / "results.csv")) == 50
    summary = RunSummary(out_dir=tmp_path, finished=run.finished)
    assert [(r.task, r.fold) for r in summary.records] == [(f"task{i // 10:03d}", i % 10) for i in range(50)]


def test_results_csv_rewrites_take_a_bounded_share_of_a_run_of_many_tiny_jobs(tmp_path):
    """Rewriting results.csv reads the whole store: after every one of N jobs it costs O(N^2). The first
    finished job is written at once; later rewrites are spaced by the time they take, so a burst of
    1,000 instant jobs gets a handful, and the run's end writes the whole file."""
    csv = tmp_path / "results.csv"
    with quiet_run(tmp_path) as (run, store, job):
        run.finish(job(0), record(0))
        assert len(pd.read_csv(csv)) == 1 and run.exports == 1  # the first finished job: written at once
        for i in range(1, 1000):
            run.finish(job(i), record(i))
        # each rewrite of k rows waits 20x its own time, far longer than the finishes of this burst take
        # (measured: 4 rewrites here); ratios of times, so alike on a slow or loaded machine
        assert 2 <= run.exports <= 200
    assert len(pd.read_csv(csv)) == 1000
