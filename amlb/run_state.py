"""The bookkeeping of one run while its jobs execute (:class:`Run`: attempts, records, the
store, progress, energy), shared by local slots and the Dask client.
"""
from __future__ import annotations

import threading
import time
from array import array
from datetime import datetime, timezone

from amlb.attempt import AttemptContext, failed_record, run_attempt, this_host
from amlb.datasets.api import TaskData
from amlb.execution.api import Executor
from amlb.execution.cgroups import CgroupManager
from amlb.job_settings import job_settings
from amlb.metering_hook import EnergyHook
from amlb.plan import Job, PlannedTask
from amlb.progress import Progress
from amlb.record import INTERRUPTED, JobRecord, Status
from amlb.run_request import RunRequest, RunSummary
from amlb.store import ResultStore, job_key


#: results.csv rewrites during a run take at most 1/EXPORT_SPACING of its time (the run's end writes it anyway)
EXPORT_SPACING = 20


class Run:
    """The state of one run while its jobs execute."""

    def __init__(self, request: RunRequest, store: ResultStore, progress: Progress, cgroups: CgroupManager | None):
        self.request, self.store, self.progress = request, store, progress
        self.attempts = max(1, int(request.config["job"]["attempts"]))
        self.cgroups = cgroups
        self.energy = EnergyHook(request.config)
        self.lock = threading.Lock()
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        self.context = AttemptContext(request.out_dir, request.mode, self.run_id, job_settings(request.config),
                                      this_host())
        self.finished = array("q")  # store rows of the finished attempts: a run of many jobs keeps no records
        self.in_flight: dict[str, JobRecord] = {}  # running attempts by job key
        self.failed_stop = threading.Event()  # -e: a job failed, no further job starts
        self.next_export = 0.0  # monotonic time from which results.csv may be rewritten again
        self.exports = 0  # results.csv rewrites so far
        self.stopped_by = ""

    def save_running(self, record: JobRecord) -> None:
        """An attempt under way: a run interrupted now reruns the job on resume."""
        with self.lock:
            self.store.save(record)
            self.in_flight[job_key(record.framework, record.task, record.constraint, record.fold, record.repeat)] = record

    def mark_interrupted(self) -> None:
        """The run is stopping (Ctrl-C): its running attempts were stopped by us, not the cause of a runner death."""
        with self.lock:
            for record in self.in_flight.values():
                record.info = INTERRUPTED
                self.store.save(record)
            self.in_flight.clear()

    def finish(self, job: Job, record: JobRecord, final: bool = True) -> None:
        """Store an attempt's record; ``final`` when no retry follows it."""
        record.utc = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.lock:
            self.in_flight.pop(job.key, None)
            self.finished.append(self.store.save(record))
            if final:
                self._follow_store()
            if final and self.request.exit_on_error and record.status.is_failure and not self.failed_stop.is_set():
                self.failed_stop.set()
                self.stopped_by = f"{record.framework} {record.task} fold {record.fold}: {record.status.value}"
        if final:
            self.progress.job_finished(job, record)
        else:
            self.progress.note(f"retrying {job.framework.name} {job.task.name} {job.label} "
                               f"after an infrastructure error: {record.info}")

    def _follow_store(self) -> None:
        """Rewrite results.csv from the store after a finished job, unless the last rewrite was too recent.

        A rewrite reads the whole store (about 0.1 ms a job): done after every job, a run of thousands of
        tiny jobs would spend most of its time rewriting. Rewrites are spaced so that they take at most
        1/EXPORT_SPACING of the run's time; a run of real jobs still gets one after every job, and the
        run's end always writes the final file.
        """
        now = time.monotonic()
        if now < self.next_export:
            return
        self.store.export_csv(self.request.out_dir / "results.csv")
        self.exports += 1
        took = time.monotonic() - now
        self.next_export = now + took * (1 + EXPORT_SPACING)

    def record_failure(self, job: Job, task: TaskData | None, status: Status, error_type: str, info: str,
                       attempt: int | None = None) -> None:
        """A job that never ran, or whose attempt ``attempt`` (its running record) failed outside the executor."""
        attempt = attempt or self.store.attempts_of(job.key) + 1
        self.finish(job, failed_record(job, task, attempt, self.context, status, error_type, info))

    def jobs_with_data(self, planned: list[PlannedTask], todo: list[Job], summary: RunSummary) -> list[Job]:
        """Record a data_error for each job whose task could not be opened; return the others."""
        errors = {t.spec.name: (type(t.error).__name__, t.error.one_line().removeprefix(f"{t.spec.name}: "))
                  for t in planned if t.error is not None}  # the row names its task: the message does not again
        summary.data_errors += [f"{name}: {message}" for name, (_, message) in errors.items()]
        runnable = []
        for job in todo:
            error = errors.get(job.task.name)
            if error is None:
                runnable.append(job)
            else:
                self.record_failure(job, None, Status.DATA_ERROR, *error)
        return runnable

    def execute(self, job: Job, task: TaskData, executor: Executor, cpus: tuple[int, ...], slot: str) -> None:
        def started(record: JobRecord) -> None:
            self.save_running(record)
            self.progress.job_started(job, slot)

        for remaining in reversed(range(self.attempts)):
            attempt = self.store.attempts_of(job.key) + 1
            record = run_attempt(job, task, executor, cpus, slot, attempt, self.context, self.energy, started)
            if record is None:  # interrupted: stays "running" in the store, so --resume reruns it
                return
            retry = record.status is Status.INFRASTRUCTURE_ERROR and remaining > 0
            self.finish(job, record, final=not retry)
            if not retry:
                return
