"""The body of a run: open the tasks, plan the jobs, set up the environments and run every
job on the CPU slots (or on a Dask cluster); the store gets one final record per job.

Called by :func:`amlb.runner.run` once the output directory is claimed and the first
framework's workers are starting. Jobs run on ``parallel`` disjoint CPU slots; each slot
keeps one executor per framework. Every job leaves one final record in the store, whatever
happened (setup and data failures included).
"""
from __future__ import annotations

import os
import queue
import threading
import traceback

from amlb import __version__
from amlb.definitions import datasets_config, load_benchmark
from amlb.environments import PreparedEnvironment, SetupError, prepare_environment
from amlb.errors import DataError, UserError
from amlb.execution.api import Executor
from amlb.execution.cgroups import CgroupManager
from amlb.execution.local import WorkerStartError
from amlb.metrics import task_metrics
from amlb.outdir import check_same_run, extend_run, is_disk_full, run_identity, run_limits
from amlb.plan import Job, PlannedTask, describe_plan, make_jobs, select_folds, select_repeats
from amlb.prestart import Prestarted, close_all, worker_log
from amlb.progress import Progress
from amlb.record import Status
from amlb.run_request import RunRequest, RunSummary
from amlb.run_state import Run
from amlb.store import ResultStore, needs_run, settle_runner_deaths


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


def run_jobs(request: RunRequest, slots: list[tuple[int, ...]], cgroups: CgroupManager | None,
             prestarted: Prestarted) -> RunSummary:
    """Run the request's jobs in its (claimed, locked) output directory."""
    out = request.out_dir
    scheduler = request.config["dask"]["scheduler"]
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
        if request.setup == "only" and cluster is None:  # install environments only: no store, no run here
            _setup(request, cgroups, progress, summary, None)
            progress.close()
            return summary
    except BaseException:
        if cluster is not None:
            cluster.close()
        prestarted.discard(out)
        progress.close()
        raise
    store = ResultStore(out)
    executors: dict[tuple[str, int], Executor] = dict(prestarted.executors)
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
        run_state = Run(request, store, progress, cgroups)
        if not request.resume:  # a resumed run stays the run it was
            store.set_meta("run", {**identity, "limits": limits, "app_version": __version__,
                                   "parallel": request.parallel, "dask_scheduler": scheduler})
        elif extended is not None:  # an extended one has this command's jobs too
            store.set_meta("run", extended)
        store.set_meta("host", run_state.energy.host_record())
        if cluster is not None:
            from amlb.cluster.client import run_on_cluster  # noqa: PLC0415

            run_on_cluster(cluster, scheduler, request, run_state, planned, todo, summary)
            summary.finished = run_state.finished
            return summary
        environments = _setup(request, cgroups, progress, summary, {j.framework.name for j in todo})
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
            ready: set[tuple[str, int]] = set()
            while not stopping.is_set() and not run_state.failed_stop.is_set():
                try:
                    job = queue_.get_nowait()
                except queue.Empty:  # this slot is done: stop its workers while the other slots finish
                    close_all([executors.pop(k) for k in list(executors) if k[1] == slot_index])
                    return
                key = (job.framework.name, slot_index)
                if key not in ready:
                    if key not in executors:  # else prestarted: prepare() waits until it is up
                        executors[key] = environments[job.framework.name].make_executor(
                            cpus, worker_log(out, job.framework.name, slot_index),
                            run_state.context.settings.ready_timeout(job.budget_seconds))
                    try:
                        executors[key].prepare()  # start up before the first job's clock runs
                    except WorkerStartError:
                        pass  # the job reports it as its setup error
                    ready.add(key)
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
        summary.finished = run_state.finished
        summary.stopped_by = run_state.stopped_by
    finally:
        stopping.set()
        if cluster is not None:
            cluster.close()
        # a job still running (interrupted run) is killed; it stays "running" for --resume
        close_all(list(executors.values()))
        prestarted.closed.set()
        if run_state is not None:
            _unless_disk_full(run_state.mark_interrupted)
            run_state.energy.close()
        progress.close()
        _unless_disk_full(lambda: store.has_results() and store.export_csv(out / "results.csv"))
        store.close()
    return summary


def _unless_disk_full(action) -> None:
    """Run a closing write; a full disk (already being reported) does not stop the cleanup."""
    try:
        action()
    except Exception as e:
        if not is_disk_full(e):
            raise


def _setup(request: RunRequest, cgroups: CgroupManager | None, progress: Progress, summary: RunSummary,
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
                log_path=request.out_dir / "logs" / f"setup.{fw.name}.log", cgroups=cgroups,
                progress=progress.status)
        except SetupError as e:
            environments[fw.name] = e
            summary.setup_errors.append(f"{fw.name}: {e}")
            progress.note(f"setup of {fw.name} failed: {e}")
    return environments
