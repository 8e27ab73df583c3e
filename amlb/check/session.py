"""One ``amlb check``: the adapter runs through the runner's normal path on the check tasks.

The environment is built (or reused) first, outside the watched time; then
:func:`amlb.runner.run` runs the check benchmark under a short constraint (1 fold, 1 core)
exactly as a benchmark run would, into the check's own temporary output directory; then
each job's record and files are checked (:mod:`amlb.check.verdicts`).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from amlb.check.files import IGNORED_DIR_NAMES, attribute, changed_files, watched_roots
from amlb.check.fswatch import WORKER, WriteWatcher
from amlb.check.tasks import CHECK_TASKS, MEMORY_MB, write_benchmark
from amlb.check.verdicts import Verdict, job_verdicts
from amlb.config import Config
from amlb.constraints import Constraint
from amlb.definitions import FrameworkDef
from amlb.environments.inventory import EnvironmentInfo, describe_environment, environment_size
from amlb.errors import UserError
from amlb.record import JobRecord

#: the runner's own caches (default environments and data): never the framework's doing
AMLB_CACHE = Path("~/.cache/amlb").expanduser()
#: files changed this long after the last job ended still count (a process killed at the job's end)
END_SLACK_S = 2.0


@dataclass
class CheckRequest:
    framework: FrameworkDef
    mode: str
    budget_s: float
    config: Config
    keep: bool = False  # keep the check's output directory (its path is reported)


@dataclass
class TaskResult:
    task: str
    kind: str
    record: JobRecord | None
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class CheckReport:
    framework: FrameworkDef
    mode: str
    budget_s: float
    environment: EnvironmentInfo
    network: str
    isolation: str
    tasks: list[TaskResult]
    wall_s: float
    setup_error: str = ""
    out_dir: Path | None = None
    files_method: str = ""  # how stray files were found

    @property
    def passed(self) -> bool:
        return not self.setup_error and all(v.state.value != "fail" for t in self.tasks for v in t.verdicts)


def _job_times(record: JobRecord) -> tuple[float, float]:
    """When the job started (its job.json was written) and ended (the last file of its directory)."""
    directory = Path(record.log_path).parent if record.log_path else None
    try:
        start = (directory / "job.json").stat().st_mtime  # type: ignore[operator]
        end = max(p.stat().st_mtime for p in directory.iterdir() if p.is_file())  # type: ignore[union-attr]
        return start, end
    except (OSError, TypeError, ValueError):
        end = datetime.fromisoformat(record.utc).timestamp() + 1.0 if record.utc else time.time()
        return end - (record.duration or 0.0) - 1.0, end


def _isolation(records: list[JobRecord], mode: str, network: str) -> str:
    levels = {str(getattr(r, "isolation", "") or "") for r in records} - {""}
    if levels:
        return ", ".join(sorted(levels)) + " (from the job records)"
    if mode == "docker":
        return (f"a container per job (network {network}, no-new-privileges, all capabilities dropped, "
                "cpuset and memory limit); only the job's directories are mounted")
    return ("a process tree per job in the framework's own venv (cpuset, memory limit, wall-clock kill of the "
            "whole tree); HOME, TMPDIR and caches point into the job's directory; no filesystem or network "
            "isolation")


def _container_watcher(fw: FrameworkDef):
    from amlb.check.containers import ContainerWatcher  # noqa: PLC0415
    from amlb.environments.inventory import docker_engine  # noqa: PLC0415

    client, _ = docker_engine()
    if client is None:
        return None
    watcher = ContainerWatcher(client, fw.name)
    watcher.start()
    return watcher


def run_check(request: CheckRequest) -> CheckReport:
    """Build the environment, run the check tasks through the runner, check every job."""
    from amlb.environments import SetupError, prepare_environment  # noqa: PLC0415

    started = time.monotonic()
    fw, config = request.framework, request.config
    root = Path(tempfile.mkdtemp(prefix=f"amlb-check-{fw.name}-"))
    out = root / "out"
    network = str(config["docker"]["network"])
    try:
        print(f"preparing the {request.mode} environment of {fw.name} (built once, then reused)", file=sys.stderr)
        try:
            prepare_environment(fw, request.mode, config, setup="auto", log_path=out / "logs" / f"setup.{fw.name}.log",
                                cgroups=None)
        except SetupError as e:
            request.keep = True  # the setup log is there
            return CheckReport(fw, request.mode, request.budget_s, describe_environment(fw, request.mode, config),
                               network, _isolation([], request.mode, network), [], time.monotonic() - started,
                               setup_error=str(e), out_dir=out)
        report = _run_and_check(request, root, out, started)
        request.keep = request.keep or not report.passed  # a failed check keeps its job logs for a look
        if not request.keep:
            report.out_dir = None
        return report
    finally:
        if not request.keep:
            shutil.rmtree(root, ignore_errors=True)


def _run_and_check(request: CheckRequest, root: Path, out: Path, started: float) -> CheckReport:
    from amlb.runner import RunRequest, run  # noqa: PLC0415

    fw, config, mode = request.framework, request.config, request.mode
    network = str(config["docker"]["network"])
    constraint = Constraint(name="check", folds=1, max_runtime_seconds=request.budget_s, cores=1,
                            max_mem_size_mb=config["job"]["max_mem_size_mb"] or MEMORY_MB)
    cwd = Path.cwd()
    env_info = describe_environment(fw, mode, config, size=False)
    with ThreadPoolExecutor(max_workers=1) as sizing:  # the venv's size is measured while the jobs run
        size = sizing.submit(environment_size, env_info)
        watched = watched_roots(list(config["check"]["watch_dirs"]),
                                [cwd, fw.adapter_dir] + ([env_info.path] if env_info.path else []))
        output_dir = config.path("output_dir")
        excluded = [root, config.path("data.cache_dir"), config.path("environments.dir"), AMLB_CACHE,
                    output_dir if output_dir.is_absolute() else cwd / output_dir]
        watcher = _container_watcher(fw) if mode == "docker" else None
        writes = WriteWatcher.start_on(watched, root) if config["check"]["fanotify"] else None
        run_start = time.time()
        try:
            summary = run(RunRequest(frameworks=[fw], benchmark=str(write_benchmark(root / "check.yaml")),
                                     constraint=constraint, mode=mode, config=config, out_dir=out, folds=[0],
                                     setup="skip", parallel=1))
        finally:
            if watcher is not None:
                watcher.stop()
            written = writes.stop() if writes is not None else None
        env_info = replace(env_info, size_bytes=size.result())
    containers = watcher.seen if watcher is not None else {}
    records = {r.task: r for r in summary.records}
    if written is not None:
        stray = _by_task(written, [t.name for t in CHECK_TASKS])
        files_method = ("files the job's processes wrote, as the kernel reports them (fanotify), on "
                        + ", ".join(sorted({str(_mount_of(p)) for p in watched})))
    else:
        times = {name: _job_times(r) for name, r in records.items()}
        run_end = max((end for _, end in times.values()), default=time.time()) + END_SLACK_S
        stray = attribute(changed_files(watched, excluded, run_start),
                          {name: start for name, (start, _) in times.items()}, run_start, run_end)
        files_method = "files created while the jobs ran in " + ", ".join(str(p) for p in watched)
    tasks = []
    for t in CHECK_TASKS:
        record = records.get(t.name)
        verdicts = job_verdicts(record, fw, mode, network, containers, stray.get(t.name, [])) if record else []
        tasks.append(TaskResult(t.name, t.kind, record, verdicts))
    return CheckReport(fw, mode, request.budget_s, env_info, network,
                       _isolation(list(records.values()), mode, network), tasks, time.monotonic() - started,
                       out_dir=out, files_method=files_method)


def _mount_of(path: Path) -> Path:
    while not path.is_mount() and path != path.parent:
        path = path.parent
    return path


def _by_task(written: dict[str, set[str]], tasks: list[str]) -> dict[str, list[Path]]:
    """Writes per task; the warm worker's (the adapter's import, before any job) go to the first task."""
    out = {name: sorted(Path(p) for p in written.get(name, ())
                        if not set(Path(p).parts) & IGNORED_DIR_NAMES) for name in tasks}
    if tasks and written.get(WORKER):
        out[tasks[0]] = sorted(set(out[tasks[0]]) | {Path(p) for p in written[WORKER]})
    return out


def check_budget_arg(budget: float) -> float:
    if not budget > 0:
        raise UserError(f"--budget must be a positive number of seconds, got {budget:g}", "e.g. --budget 30")
    return budget


__all__ = ["CheckReport", "CheckRequest", "TaskResult", "run_check", "check_budget_arg"]
