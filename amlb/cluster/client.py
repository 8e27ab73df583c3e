"""The client's side of a run on a Dask cluster: submit one Dask task per job, store what returns.

The client keeps everything a local run keeps (the plan, the result store, progress, the
results table); workers only run jobs. A job's attempts and retries happen on the worker
that took it; if that worker dies, Dask reschedules the job elsewhere (up to its
``distributed.scheduler.allowed-failures``) and after that the job is stored as an
infrastructure error. The caller closes the client. Stopping the client cancels what has not run and stops the executors
of the run on every worker.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from amlb.attempt import new_record
from amlb.cluster.adapters import pack
from amlb.cluster.worker import RemoteRun, close_run, host_record, prepare_environments, run_job
from amlb.errors import UserError
from amlb.plan import Job, PlannedTask
from amlb.record import Status

if TYPE_CHECKING:
    from amlb.run_request import RunRequest, RunSummary
    from amlb.run_state import Run


def connect(address: str, timeout_s: float) -> Any:
    """A Dask client of the scheduler at ``address``, or a one-line error after ``timeout_s``."""
    from distributed import Client  # noqa: PLC0415

    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserError(f"cannot reach the Dask scheduler at {address} ({reason})",
                        "start one (dask scheduler; dask worker ADDRESS --nthreads N) or check -X dask.scheduler"
                        ) from None


def run_on_cluster(client: Any, address: str, request: "RunRequest", run_state: "Run", planned: list[PlannedTask],
                   todo: list[Job], summary: "RunSummary") -> None:
    from distributed import as_completed  # noqa: PLC0415

    remote = RemoteRun(run_id=run_state.run_id, config=request.config, mode=request.mode, setup=request.setup,
                       out_dir=request.out_dir, attempts=run_state.attempts, topic=f"amlb-started-{run_state.run_id}",
                       adapters={fw.name: pack(fw) for fw in request.frameworks})
    progress = run_state.progress
    futures: dict[Any, tuple[Job, int]] = {}  # Dask future -> job, attempt of its running record
    try:
        threads = client.nthreads()  # worker address -> threads
        progress.note(f"Dask scheduler {address}: {len(threads)} workers, {sum(threads.values())} threads")
        if request.setup == "only" and not threads:
            summary.setup_errors.append(f"no Dask worker is connected to {address}: nothing was installed "
                                        f"(start workers with: dask worker {address})")
            return
        if not threads:
            progress.note("no Dask worker is connected yet: jobs wait until one is (dask worker ADDRESS)")
        _record_worker_hardware(client, remote, run_state)
        if request.setup == "only":  # install on every worker, as a task (installs take minutes)
            installs = [client.submit(prepare_environments, remote, request.frameworks, workers=[worker],
                                      allow_other_workers=False, pure=False, key=f"amlb-setup-{remote.run_id}-{i}")
                        for i, worker in enumerate(threads)]
            for errors in client.gather(installs):
                summary.setup_errors.extend(errors)
            return
        tasks = {t.spec.name: t for t in planned}
        starters: dict[str, Job] = {}

        def started(event: tuple[float, dict]) -> None:
            msg = event[1]
            job = starters.get(msg.get("key", ""))
            if job is not None:
                progress.job_started(job, msg.get("where", "dask"))

        client.subscribe_topic(remote.topic, started)
        for job in run_state.jobs_with_data(planned, todo, summary):
            attempt = run_state.store.attempts_of(job.key) + 1
            run_state.save_running(new_record(job, tasks[job.task.name].data, attempt, run_state.context))
            starters[job.key] = job
            future = client.submit(run_job, remote, job, attempt, pure=False,
                                   key=f"amlb-{run_state.run_id}-{len(futures)}-{job.framework.name}")
            futures[future] = (job, attempt)
        for future in as_completed(list(futures), loop=client.loop):
            job, attempt = futures.pop(future)  # released once read: a worker dying later must not make Dask redo it
            try:
                records = future.result()
            except Exception as e:  # noqa: BLE001 - the worker died, or a runner bug on the worker
                first = str(e).splitlines()[0] if str(e) else ""
                run_state.record_failure(job, tasks[job.task.name].data, Status.INFRASTRUCTURE_ERROR,
                                         type(e).__name__, f"on the Dask cluster: {first}", attempt=attempt)
                continue
            if not records:  # stopped under way: its running record stays for --resume
                continue
            for record in records[:-1]:
                run_state.finish(job, record, final=False)
            run_state.finish(job, records[-1])
    finally:
        if futures:  # not done when the run stops early
            client.cancel(list(futures))
        try:
            client.run(close_run, remote.run_id)
        except Exception:  # noqa: BLE001, S110 - workers may be gone; their executors die with them
            pass


def _record_worker_hardware(client: Any, remote: RemoteRun, run_state: "Run") -> None:
    """The workers' machines in the store (``dask_hosts``); ``host`` becomes theirs when they are all alike."""
    hosts = {address: record for address, record in client.run(host_record, remote).items() if record}
    kinds = {json.dumps(record, sort_keys=True) for record in hosts.values()}
    with run_state.lock:
        run_state.store.set_meta("dask_hosts", hosts)
        if kinds:  # the jobs ran there, not on this client: one kind of machine, or unknown
            run_state.store.set_meta("host", json.loads(kinds.pop()) if len(kinds) == 1 else None)
