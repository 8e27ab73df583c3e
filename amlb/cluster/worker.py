"""The Dask worker's side of a run: what one job needs, kept per run in the worker process.

:func:`run_job` is the Dask task. A worker process keeps, per run, the tasks it opened, the
environments it prepared, one executor per (framework, CPU slot) and its energy meter, so
the second job of a framework on a worker starts as fast as it would locally.
:func:`close_run` (sent to every worker when the run ends) stops the executors.
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amlb import __version__
from amlb.attempt import AttemptContext, failed_record, run_attempt, this_host
from amlb.cluster.adapters import PackedAdapter, unpack
from amlb.cluster.cpu_claims import claim_cpus, usable_cpus
from amlb.config import Config
from amlb.datasets.api import TaskData, TaskSpec
from amlb.definitions import FrameworkDef, datasets_config
from amlb.job_settings import job_settings
from amlb.environments import PreparedEnvironment, SetupError, prepare_environment
from amlb.errors import DataError
from amlb.execution.api import Executor
from amlb.execution.cgroups import open_cgroups
from amlb.execution.local import WorkerStartError
from amlb.metering_hook import EnergyHook
from amlb.plan import Job
from amlb.record import JobRecord, Status


class RunStopped(Exception):
    """The client ended the run: jobs that still arrive for it do nothing."""


@dataclass(frozen=True)
class RemoteRun:
    """What the client tells workers about the run (sent with every job)."""

    run_id: str
    config: Config
    mode: str
    setup: str
    out_dir: Path
    attempts: int
    topic: str  # Dask event topic where workers announce started jobs
    adapters: dict[str, PackedAdapter] = field(default_factory=dict)  # framework name -> its adapter folder
    app_version: str = __version__


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".amlb-write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return True
    except OSError:
        return False


def worker_name() -> str:
    """``host/worker-address`` inside a Dask task, the host name elsewhere."""
    try:
        from distributed import get_worker  # noqa: PLC0415

        return f"{this_host()}/{get_worker().address}"
    except ValueError:
        return this_host()


class WorkerRun:
    """One run's state in one worker process."""

    def __init__(self, run: RemoteRun):
        self.run = run
        self.lock = threading.Lock()  # guards the dicts below; never held while something slow runs
        self.key_locks: dict[tuple[str, str], threading.Lock] = {}
        self.tasks: dict[str, TaskData | DataError] = {}
        self.environments: dict[str, PreparedEnvironment | SetupError] = {}
        self.executors: dict[tuple[str, tuple[int, ...]], Executor] = {}
        self.closed = False
        self.cgroups = open_cgroups(run.config["job"]["cgroups"]) if run.mode == "local" else None
        self.energy = EnergyHook(run.config)
        # job directories go where the client asked when this machine shares that path, else to local disk
        out = run.out_dir if _writable(run.out_dir) else Path(tempfile.gettempdir()) / "amlb-dask" / run.run_id
        self.out_dir = out
        self.name = worker_name()
        self.context = AttemptContext(out, run.mode, run.run_id, job_settings(run.config), self.name)

    def _once(self, kind: str, name: str) -> threading.Lock:
        """A lock per task or framework: one thread opens or installs it, others wait for that one only."""
        with self.lock:
            return self.key_locks.setdefault((kind, name), threading.Lock())

    def task(self, spec: TaskSpec) -> TaskData | DataError:
        from amlb.datasets import open_task  # noqa: PLC0415

        with self._once("task", spec.name):
            if spec.name not in self.tasks:
                try:
                    self.tasks[spec.name] = open_task(spec, datasets_config(self.run.config))
                except DataError as e:
                    self.tasks[spec.name] = e
                except Exception as e:  # noqa: BLE001 - data that breaks the preparation fails its task only
                    self.tasks[spec.name] = DataError(f"the data could not be prepared "
                                                      f"({type(e).__name__}: {str(e).strip()[:200]})",
                                                      "check the dataset")
            return self.tasks[spec.name]

    def environment(self, fw: FrameworkDef) -> PreparedEnvironment | SetupError:
        with self._once("environment", fw.name):  # installs take minutes: jobs of other frameworks go on
            if fw.name not in self.environments:
                safe = self.name.replace("/", "_").replace(":", "_")
                if fw.name in self.run.adapters:  # the client's adapter folder, not whatever this machine has
                    fw = unpack(fw, self.run.adapters[fw.name])
                try:
                    self.environments[fw.name] = prepare_environment(
                        fw, self.run.mode, self.run.config, setup=self.run.setup,
                        log_path=self.out_dir / "logs" / f"setup.{fw.name}.{safe}.log", cgroups=self.cgroups)
                except SetupError as e:
                    self.environments[fw.name] = e
            return self.environments[fw.name]

    def executor(self, env: PreparedEnvironment, cpus: tuple[int, ...], budget_seconds: float) -> Executor:
        key = (env.framework.name, cpus)
        with self.lock:  # the CPUs are this thread's claim: no other thread asks for the same key meanwhile
            if self.closed:
                raise RunStopped
            executor = self.executors.get(key)
            fresh = executor is None
            if executor is None:
                slot = "-".join(map(str, cpus))
                log = self.out_dir / "logs" / f"worker.{env.framework.name}.{this_host()}.{os.getpid()}.cpus{slot}.log"
                executor = self.executors[key] = env.make_executor(
                    cpus, log, self.context.settings.ready_timeout(budget_seconds))
        if fresh:
            try:
                executor.prepare()  # outside the lock: importing a large framework takes a while
            except WorkerStartError:
                pass  # the job reports it as its setup error
        return executor

    def run_job(self, job: Job, first_attempt: int) -> list[JobRecord]:
        task = self.task(job.task)
        ctx = self.context
        if isinstance(task, DataError):
            return [failed_record(job, None, first_attempt, ctx, Status.DATA_ERROR, type(task).__name__,
                                  task.one_line().removeprefix(f"{job.task.name}: "))]  # the row names its task
        env = self.environment(job.framework)
        if isinstance(env, SetupError):
            return [failed_record(job, task, first_attempt, ctx, Status.SETUP_ERROR, "SetupError", str(env))]
        if job.cores > len(usable_cpus()):
            return [failed_record(job, task, first_attempt, ctx, Status.INFRASTRUCTURE_ERROR, "WorkerTooSmall",
                                  f"{self.name} has {len(usable_cpus())} CPUs; the job needs {job.cores}")]
        with claim_cpus(job.cores) as cpus:
            try:
                executor = self.executor(env, cpus, job.budget_seconds)
            except RunStopped:
                return []
            slot = "cpus" + "-".join(map(str, cpus))
            records = []
            for attempt in range(first_attempt, first_attempt + self.run.attempts):
                record = run_attempt(job, task, executor, cpus, slot, attempt, ctx, self.energy,
                                     on_start=lambda r: _announce(self.run.topic, job, r, self.name))
                if record is None or self.closed:  # the run was stopped: no retry, no result
                    break
                records.append(record)
                if record.status is not Status.INFRASTRUCTURE_ERROR:
                    break
            return records

    def close(self) -> None:
        """Stop every executor of the run, killing the jobs they run (their attempts return no record)."""
        self.closed = True
        with self.lock:
            executors = list(self.executors.values())
            self.executors.clear()
        for executor in executors:
            executor.close()
        self.energy.close()


def _announce(topic: str, job: Job, record: JobRecord, name: str) -> None:
    try:
        from distributed import get_worker  # noqa: PLC0415

        get_worker().log_event(topic, {"key": job.key, "where": f"{name} cpus {record.cpuset}"})
    except ValueError:
        pass  # not inside a Dask worker (a direct call)


_RUNS: dict[str, WorkerRun] = {}
_CLOSED: set[str] = set()
_RUNS_LOCK = threading.Lock()


def _state(run: RemoteRun) -> WorkerRun | None:
    """This process's state of the run; None once the run was closed here."""
    with _RUNS_LOCK:
        if run.run_id in _CLOSED:
            return None
        if run.run_id not in _RUNS:
            _RUNS[run.run_id] = WorkerRun(run)
        return _RUNS[run.run_id]


def run_job(run: RemoteRun, job: Job, first_attempt: int) -> list[JobRecord]:
    """The Dask task of one job: its attempts' records (the last is final; none when the run was stopped)."""
    if run.app_version != __version__:
        ctx = AttemptContext(run.out_dir, run.mode, run.run_id, job_settings(run.config), worker_name())
        return [failed_record(job, None, first_attempt, ctx, Status.INFRASTRUCTURE_ERROR, "VersionMismatch",
                              f"worker {worker_name()} runs amlb {__version__}, the client amlb {run.app_version}: "
                              f"install the same amlb on every worker")]
    state = _state(run)
    return [] if state is None else state.run_job(job, first_attempt)


def prepare_environments(run: RemoteRun, frameworks: list[FrameworkDef]) -> list[str]:
    """``-s only`` on a cluster: install the frameworks on this worker; the errors, one line each."""
    state = _state(run)
    if state is None:
        return []
    return [f"{fw.name} on {state.name}: {env}" for fw in frameworks
            if isinstance(env := state.environment(fw), SetupError)]


def host_record(run: RemoteRun) -> dict[str, Any]:
    """This worker's machine as the run's energy accounting sees it (the results' hardware line)."""
    hook = EnergyHook(run.config)
    try:
        return hook.host_record()
    finally:
        hook.close()


def close_run(run_id: str) -> bool:
    """Stop this worker's executors of a run; True when it had any state for it."""
    with _RUNS_LOCK:
        state = _RUNS.pop(run_id, None)
        _CLOSED.add(run_id)
    if state is not None:
        state.close()
    return state is not None
