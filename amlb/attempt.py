"""One attempt of one job on a CPU slot: fold files -> job directory -> executor -> record.

The runner's threads and the Dask workers (:mod:`amlb.cluster.worker`) both run jobs through
:func:`run_attempt`; only what happens around it (where records are stored, how attempts
are counted and retried) differs between them.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from amlb import __version__
from amlb.datasets.api import TaskData
from amlb.datasets.planned import planned_task_id, planned_type
from amlb.errors import DataError
from amlb.execution.api import Executor
from amlb.execution.local import WorkerStartError
from amlb.job_settings import JobSettings
from amlb.jobs import conclude, job_dir, log_tail, prepare
from amlb.metering_hook import EnergyHook
from amlb.plan import Job
from amlb.record import JobRecord, Status
from amlb.scoring import main_metric


@dataclass(frozen=True)
class AttemptContext:
    """What every attempt of a run shares."""

    out_dir: Path
    mode: str
    run_id: str
    settings: JobSettings
    host: str = ""  # where the attempt runs: the host name, and the Dask worker when there is one


def this_host() -> str:
    return socket.gethostname()


def new_record(job: Job, task: TaskData | None, attempt: int, ctx: AttemptContext) -> JobRecord:
    """The record of an attempt before it runs (status ``running``).

    Without the task's data (it could not be opened), id, type and metric are what the task
    definition says (:mod:`amlb.datasets.planned`), so failed rows still carry them.
    """
    spec = job.task
    task_type = task.type if task else planned_type(spec)
    return JobRecord(
        id=task.id if task else planned_task_id(spec), task=spec.name, framework=job.framework.name,
        constraint=job.constraint.name, fold=job.fold, repeat=job.repeat, type=task_type,
        metric=main_metric(task_type, spec.metric) if (task_type or spec.metric) else "",
        mode=ctx.mode, version=job.framework.version, params=job.params_json,
        app_version=f"amlb {__version__}", seed=job.seed, attempt=attempt, run_id=ctx.run_id,
        budget_seconds=job.budget_seconds, cores=job.cores, memory_mb=job.memory_mb, host=ctx.host,
        meta_features=dict(task.meta_features) if task else {})


def failed_record(job: Job, task: TaskData | None, attempt: int, ctx: AttemptContext, status: Status,
                  error_type: str, info: str) -> JobRecord:
    """The record of a job that could not start (its data or its environment failed)."""
    record = new_record(job, task, attempt, ctx)
    record.status, record.error_type, record.info, record.duration = status, error_type, info, 0.0
    return record


def run_attempt(job: Job, task: TaskData, executor: Executor, cpus: tuple[int, ...], slot: str, attempt: int,
                ctx: AttemptContext, energy: EnergyHook,
                on_start: Callable[[JobRecord], None] | None = None) -> JobRecord | None:
    """Run one attempt and return its final record; ``on_start`` sees the record while it runs.

    None when the run was stopped under the attempt (its executor closed): the attempt has no
    result, and its ``running`` record makes a resumed run do it again.
    """
    record = new_record(job, task, attempt, ctx)
    record.cpuset = ",".join(map(str, cpus))
    if on_start is not None:
        on_start(record)
    start = time.monotonic()
    try:
        files = task.fold(job.fold, job.repeat)
    except DataError as e:
        record.status, record.error_type = Status.DATA_ERROR, type(e).__name__
        record.info = e.one_line().removeprefix(f"{job.task.name}: ")  # the row names its task
        record.duration = time.monotonic() - start
        return record
    directory = job_dir(ctx.out_dir, job, attempt)
    tag = f"{ctx.run_id}-{slot}-{attempt}-{abs(hash(job.key)) % 10**8}"
    launch = prepare(job, task, files, directory, cpus, ctx.settings, tag=tag)
    window = energy.start()
    try:
        outcome = executor.run(launch)
    except WorkerStartError as e:
        record.status, record.error_type, record.info = Status.SETUP_ERROR, "AdapterImportError", str(e)
        record.log_path, record.log_tail = str(launch.log_path), log_tail(launch.log_path)
        record.duration = time.monotonic() - start
        return record
    if outcome.stopped:
        return None
    conclude(record, job, task, files, launch, outcome)
    record.isolation = outcome.isolation
    record.duration = time.monotonic() - start
    record.energy = energy.finish(window, record, job)
    return record
