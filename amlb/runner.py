"""A benchmark run: config -> plan -> environments -> execution under limits -> store.

:func:`run` is what ``amlb run`` / ``runbenchmark.py`` call. Jobs run on ``parallel``
disjoint CPU slots; each slot keeps one executor per framework. Every job leaves one
final record in the store, whatever happened (setup and data failures included).
"""
from __future__ import annotations

import os
import queue
import re
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from amlb import __version__
from amlb.attempt import (
    AttemptContext,
    failed_record,
    job_settings,
    run_attempt,
    this_host,
)
from amlb.config import Config
from amlb.datasets.api import TaskData
from amlb.constraints import cpu_slots
from amlb.definitions import Constraint, FrameworkDef, datasets_config, load_benchmark
from amlb.environments import PreparedEnvironment, SetupError, prepare_environment
from amlb.errors import DataError, UserError
from amlb.execution.api import Executor
from amlb.execution.cgroups import open_cgroups
from amlb.execution.sandbox import open_sandbox
from amlb.execution.local import WorkerStartError
from amlb.metering_hook import EnergyHook
from amlb.metrics import task_metrics
from amlb.outdir import (
    DiskFull,
    OutputLock,
    check_same_run,
    claim_output_dir,
    discard_if_unused,
    extend_run,
    is_disk_full,
    run_identity,
    run_limits,
)
from amlb.plan import Job, PlannedTask, describe_plan, make_jobs, select_folds, select_repeats
from amlb.progress import Progress
from amlb.record import INTERRUPTED, JobRecord, Status
from amlb.store import ResultStore, job_key, needs_run, settle_runner_deaths


@dataclass
class RunRequest:
    frameworks: list[FrameworkDef]
    benchmark: str
    constraint: Constraint
    mode: str
    config: Config
    out_dir: Path
    folds: list[int] | None = None
    tasks: list[str] | None = None
    resume: bool = False
    extend: bool = False  # with resume: add this request's frameworks, tasks and folds to the stored run
    retry_failed: bool = False
    setup: str = "auto"
    parallel: int = 1
    exit_on_error: bool = False  # -e: stop at the first failed job


@dataclass
class RunSummary:
    out_dir: Path
    records: list[JobRecord] = field(default_factory=list)
    data_errors: list[str] = field(default_factory=list)
    setup_errors: list[str] = field(default_factory=list)
    stopped_by: str = ""  # -e: the failed job that stopped the run


def default_out_dir(config: Config, frameworks: list[FrameworkDef], benchmark: str, constraint: str, mode: str,
                    session: str | None = None) -> Path:
    names = "_".join(fw.name for fw in frameworks)
    bench = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(benchmark).stem if benchmark.endswith(".yaml") else benchmark)
    stamp = session or datetime.now().strftime("%Y%m%dT%H%M%S")
    return config.path("output_dir") / f"{names}.{bench}.{constraint}.{mode}.{stamp}"


def open_tasks(request: RunRequest, progress: Progress) -> list[PlannedTask]:
    from amlb.datasets import open_task  # noqa: PLC0415

    specs = load_benchmark(request.benchmark, request.config)
    if request.tasks:
        by_name = {s.name.lower(): s for s in specs}
        given: dict[str, str] = {}
        for t in request.tasks:
            if t.lower() in given:
                raise UserError(f"task '{t}' is given twice with -t (as '{given[t.lower()]}')", "name each task once")
            given[t.lower()] = t
        missing = [t for t in request.tasks if t.lower() not in by_name]
        if missing:
            raise UserError(f"task '{missing[0]}' is not in benchmark {request.benchmark}",
                            f"its tasks: {', '.join(s.name for s in specs)}")
        specs = [by_name[t.lower()] for t in request.tasks]
    dcfg = datasets_config(request.config)
    planned = []
    for spec in specs:
        progress.note(f"loading task {spec.name}", transient=True)
        task = PlannedTask(spec)
        try:
            task.data = open_task(spec, dcfg)
        except DataError as e:
            task.error = e
        except UserError:
            raise
        except Exception as e:  # noqa: BLE001 - data that breaks the preparation fails its task, not the run
            task.error = DataError(f"the data could not be prepared ({type(e).__name__}: "
                                   f"{str(e).strip()[:200]})", "check the dataset")
        if task.data is not None:  # a metric that cannot score the task is refused before any job runs
            task.spec = spec = task_metrics(spec, task.data.type, request.config["metrics"])
        n_folds = task.data.n_folds if task.data else None
        task.folds = select_folds(spec, n_folds, request.constraint, request.folds)
        task.n_folds = n_folds
        task.repeats = select_repeats(spec, task.data.n_repeats if task.data else None, request.constraint)
        planned.append(task)
    return planned


class Run:
    """The state of one run while its jobs execute."""

    def __init__(self, request: RunRequest, store: ResultStore, progress: Progress):
        self.request, self.store, self.progress = request, store, progress
        self.attempts = max(1, int(request.config["job"]["attempts"]))
        self.cgroups = open_cgroups(request.config["job"]["cgroups"]) if request.mode == "local" else None
        self.energy = EnergyHook(request.config)
        self.lock = threading.Lock()
        self.run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        self.context = AttemptContext(request.out_dir, request.mode, self.run_id, job_settings(request.config),
                                      this_host())
        self.records: list[JobRecord] = []
        self.in_flight: dict[str, JobRecord] = {}  # running attempts by job key
        self.failed_stop = threading.Event()  # -e: a job failed, no further job starts
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
            self.store.save(record)
            self.records.append(record)
            if final:  # results.csv follows the store job by job
                self.store.export_csv(self.request.out_dir / "results.csv")
            if final and self.request.exit_on_error and record.status.is_failure and not self.failed_stop.is_set():
                self.failed_stop.set()
                self.stopped_by = f"{record.framework} {record.task} fold {record.fold}: {record.status.value}"
        if final:
            self.progress.job_finished(job, record)
        else:
            self.progress.note(f"retrying {job.framework.name} {job.task.name} {job.label} "
                               f"after an infrastructure error: {record.info}")

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


def run(request: RunRequest) -> RunSummary:
    """Execute the plan; return what happened (records of this invocation).

    One runner at a time per output directory (:class:`OutputLock`); a run rejected as bad
    input leaves no output directory it created behind.
    """
    out = request.out_dir
    created = claim_output_dir(out)
    lock = OutputLock(out)
    try:
        try:
            return _run_locked(request)
        except Exception as e:
            if is_disk_full(e):
                raise DiskFull(out) from None
            raise
    except UserError:
        if created is not None and not ResultStore.exists(out):
            discard_if_unused(out, created)  # still locked: no other runner starts in it meanwhile
        raise
    finally:
        lock.release()


def _run_locked(request: RunRequest) -> RunSummary:
    out = request.out_dir
    if ResultStore.exists(out) and not request.resume:
        raise UserError(f"{out} already holds results", "add --resume to continue that run, or choose another -o")
    if request.resume and not ResultStore.exists(out):
        flag = "--extend" if request.extend else "--resume"
        raise UserError(f"{flag}: {out} holds no run to continue", f"drop {flag} to start a new run there")
    if request.mode == "local":  # job.sandbox=require on a host that cannot: stop before anything is written
        open_sandbox(str(request.config["job"]["sandbox"]))
    scheduler = request.config["dask"]["scheduler"]
    slots = [] if scheduler else cpu_slots(request.parallel, request.constraint.cores)
    summary = RunSummary(out_dir=out)
    progress = Progress(total=0)
    cluster = None
    try:
        if scheduler:
            from amlb.cluster.client import connect  # noqa: PLC0415

            progress.note(f"connecting to the Dask scheduler at {scheduler}")
            cluster = connect(scheduler, float(request.config["dask"]["connect_timeout_s"]))
        planned = open_tasks(request, progress)  # bad input stops here, before anything is written
        identity = run_identity([f.name for f in request.frameworks], request.benchmark, request.constraint.name,
                                request.mode, {t.spec.name: t.folds for t in planned}, request.config["seed"],
                                {t.spec.name: t.repeats for t in planned})
        limits = run_limits(request.constraint.max_runtime_seconds, request.constraint.cores,
                            request.constraint.max_mem_size_mb)
        extended = None
        if request.resume:
            stored = ResultStore(out)
            try:
                stored_run = stored.get_meta("run", {})
            finally:
                stored.close()
            if request.extend:
                extended = extend_run(stored_run, identity, limits, out)
            else:
                check_same_run(stored_run, identity, out)
    except BaseException:
        if cluster is not None:
            cluster.close()
        progress.close()
        raise
    store = ResultStore(out)
    executors: dict[tuple[str, int], Executor] = {}
    stopping = threading.Event()  # set when the run ends early (Ctrl-C): slots take no further job
    run_state: Run | None = None
    try:
        jobs = make_jobs(request.frameworks, planned, request.constraint, request.config["seed"],
                         len(os.sched_getaffinity(0)) if request.config["job"]["allow_fewer_cores"] and not scheduler
                         else None)
        if request.resume:
            for record in settle_runner_deaths(store):
                progress.note(f"{record.framework} {record.task} {'repeat %d ' % record.repeat if record.repeat else ''}"
                              f"fold {record.fold}: {record.info}")
        previous = store.latest() if request.resume else {}
        todo = [j for j in jobs if needs_run(previous.get(j.key), request.retry_failed)]
        progress.plan(todo, len(slots) or None)
        if request.setup != "only":
            progress.note(describe_plan(request.frameworks, planned, request.constraint, request.folds, len(todo)))
        run_state = Run(request, store, progress)
        if not request.resume:  # a resumed run stays the run it was
            store.set_meta("run", {**identity, "limits": limits, "app_version": __version__,
                                   "parallel": request.parallel, "dask_scheduler": scheduler})
        elif extended is not None:  # an extended one has this command's jobs too
            store.set_meta("run", extended)
        store.set_meta("host", run_state.energy.host_record())
        if cluster is not None:
            from amlb.cluster.client import run_on_cluster  # noqa: PLC0415

            run_on_cluster(cluster, scheduler, request, run_state, planned, todo, summary)
            summary.records = run_state.records
            return summary
        environments = _setup(request, run_state, progress, summary,
                              {j.framework.name for j in todo} if request.setup != "only" else None)
        if request.setup == "only":
            return summary
        tasks = {t.spec.name: t for t in planned}
        queue_: queue.Queue[Job] = queue.Queue()
        for job in run_state.jobs_with_data(planned, todo, summary):
            env = environments.get(job.framework.name)
            if run_state.failed_stop.is_set():
                break
            if isinstance(env, SetupError):
                run_state.record_failure(job, tasks[job.task.name].data, Status.SETUP_ERROR, "SetupError", str(env))
            else:
                queue_.put(job)

        disk_full: list[Exception] = []

        def worker(slot_index: int) -> None:
            cpus = slots[slot_index]
            while not stopping.is_set() and not run_state.failed_stop.is_set():
                try:
                    job = queue_.get_nowait()
                except queue.Empty:
                    return
                key = (job.framework.name, slot_index)
                if key not in executors:
                    executors[key] = environments[job.framework.name].make_executor(
                        cpus, out / "logs" / f"worker.{job.framework.name}.slot{slot_index}.log",
                        run_state.context.settings.ready_timeout(job.budget_seconds))
                    try:
                        executors[key].prepare()  # start up before the first job's clock runs
                    except WorkerStartError:
                        pass  # the job reports it as its setup error
                try:
                    run_state.execute(job, tasks[job.task.name].data, executors[key], cpus, f"slot{slot_index}")
                except Exception as e:  # noqa: BLE001 - a runner bug must cost one job, not the run
                    if is_disk_full(e):  # no job can be recorded: stop the run (resume continues it)
                        disk_full.append(e)
                        stopping.set()
                        return
                    (out / "logs").mkdir(exist_ok=True)
                    with open(out / "logs" / "runner-errors.log", "a") as log:
                        log.write(f"{job.key}\n{traceback.format_exc()}\n")
                    run_state.record_failure(job, tasks[job.task.name].data, Status.INFRASTRUCTURE_ERROR,
                                             type(e).__name__, f"runner error: {e} (see logs/runner-errors.log)")

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(len(slots))]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5)
        if disk_full:
            raise disk_full[0]
        summary.records = run_state.records
        summary.stopped_by = run_state.stopped_by
    finally:
        stopping.set()
        if cluster is not None:
            cluster.close()
        for executor in list(executors.values()):
            executor.close()  # a job still running (interrupted run) is killed; it stays "running" for --resume
        if run_state is not None:
            _unless_disk_full(run_state.mark_interrupted)
            run_state.energy.close()
        progress.close()
        _unless_disk_full(lambda: store.latest() and store.export_csv(out / "results.csv"))
        store.close()
    return summary


def _unless_disk_full(action) -> None:
    """Run a closing write; a full disk (already being reported) does not stop the cleanup."""
    try:
        action()
    except Exception as e:
        if not is_disk_full(e):
            raise


def _setup(request: RunRequest, run_state: Run, progress: Progress, summary: RunSummary,
           needed: set[str] | None) -> dict[str, PreparedEnvironment | SetupError]:
    environments: dict[str, PreparedEnvironment | SetupError] = {}
    for fw in request.frameworks:
        if needed is not None and fw.name not in needed:
            continue
        progress.note(f"setting up {fw.name} ({request.mode})", transient=True)
        if fw.min_budget_seconds and request.constraint.max_runtime_seconds < fw.min_budget_seconds:
            progress.note(f"{fw.name} needs at least {fw.min_budget_seconds:g} s per job to end by itself "
                          f"(its framework.yaml); this run gives {request.constraint.max_runtime_seconds:g} s")
        try:
            environments[fw.name] = prepare_environment(
                fw, request.mode, request.config, setup=request.setup,
                log_path=request.out_dir / "logs" / f"setup.{fw.name}.log", cgroups=run_state.cgroups,
                progress=progress.status)
        except SetupError as e:
            environments[fw.name] = e
            summary.setup_errors.append(f"{fw.name}: {e}")
            progress.note(f"setup of {fw.name} failed: {e}")
    return environments
