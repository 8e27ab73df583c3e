"""A benchmark run: config -> plan -> environments -> execution under limits -> store.

:func:`run` is what ``amlb run`` / ``runbenchmark.py`` call. It claims the output
directory, checks that the command may run there, and starts the first framework's
workers (:mod:`amlb.prestart`) before anything heavy is imported; the run itself (tasks,
jobs, slots or a Dask cluster, the store) is :func:`amlb.run_jobs.run_jobs`.
:class:`RunRequest` and :class:`RunSummary` are in :mod:`amlb.run_request`.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from amlb.config import Config
from amlb.constraints import cpu_slots
from amlb.definitions import FrameworkDef
from amlb.errors import UserError
from amlb.execution.cgroups import open_cgroups
from amlb.execution.sandbox import open_sandbox
from amlb.job_settings import job_settings
from amlb.outdir import DiskFull, OutputLock, claim_output_dir, discard_if_unused, is_disk_full
from amlb.prestart import Prestarted, prestart
from amlb.run_request import RunRequest, RunSummary
from amlb.store import ResultStore


def default_out_dir(config: Config, frameworks: list[FrameworkDef], benchmark: str, constraint: str, mode: str,
                    session: str | None = None) -> Path:
    names = "_".join(fw.name for fw in frameworks)
    bench = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(benchmark).stem if benchmark.endswith(".yaml") else benchmark)
    stamp = session or datetime.now().strftime("%Y%m%dT%H%M%S")
    return config.path("output_dir") / f"{names}.{bench}.{constraint}.{mode}.{stamp}"


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
            summary = _run_locked(request)
            if request.setup == "only" and created is not None:  # a setup-only run does not claim the folder
                discard_if_unused(out, created)
            return summary
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
    cgroups = open_cgroups(request.config["job"]["cgroups"]) if request.mode == "local" and not scheduler else None
    prestarted = Prestarted()
    if not scheduler and not request.resume and request.setup in ("auto", "skip"):  # workers start as tasks load
        ready_timeout = job_settings(request.config).ready_timeout(request.constraint.max_runtime_seconds)
        prestarted = prestart(request.frameworks, slots, request.mode, request.config, out, cgroups, ready_timeout)
    try:  # imported while the workers start: the data stack, the store, progress, metering
        from amlb.run_jobs import run_jobs  # noqa: PLC0415
    except BaseException:
        prestarted.discard(out)
        raise
    return run_jobs(request, slots, cgroups, prestarted)


__all__ = ["RunRequest", "RunSummary", "default_out_dir", "run"]
