"""The execution stage's interface: run one prepared job under enforced limits.

The runner prepares a job directory (``job.json`` naming the fold files, the framework
config and the inference-timing settings) and hands a :class:`Launch` to an
:class:`Executor`: local (a warm worker in the framework's virtual environment that
forks a process per job) or Docker (a fresh container per job). The executor enforces
the limits, measures the resources of the job's whole process tree and returns an
:class:`Outcome`. Reading ``result.json`` and ``predictions.parquet`` and deciding the
job's status is the runner's business, the same for every executor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Launch:
    """One job, ready to run."""

    job_dir: Path  # holds job.json; the adapter writes result.json and predictions.parquet here
    work_dir: Path  # the job's cwd and scratch space (TMPDIR, caches live below it)
    log_path: Path  # the job's stdout and stderr
    data_dir: Path  # folder holding the fold files (read-only for the job)
    cpus: tuple[int, ...]  # the CPUs the job may use
    memory_mb: int | None  # memory limit of the whole process tree
    timeout_s: float  # wall-clock limit (budget plus tolerance), enforced from outside
    env: dict[str, str] = field(default_factory=dict)  # extra environment (thread caps, TMPDIR, ...)
    tag: str = ""  # unique job tag (cgroup / container name)


@dataclass
class Outcome:
    """What happened to the job's processes."""

    exit_code: int | None = None  # None when it never started; negative: killed by that signal
    timed_out: bool = False
    memory_exceeded: bool = False
    infrastructure_error: str = ""  # the runner's side failed (worker died, engine unreachable, ...)
    stopped: bool = False  # the executor was closed under the job (the run was interrupted): no result
    wall_s: float | None = None
    cpu_user_s: float | None = None
    cpu_sys_s: float | None = None
    peak_rss_mb: float | None = None
    resource_method: str = ""  # cgroup | wait4 | docker-cgroup
    leftover_processes: int = 0  # processes of the job still alive after it ended (then killed)
    environment: str = ""  # venv key or image id the job ran in
    isolation: str = ""  # how the job was isolated, e.g. "bwrap uid=65534 net=none pid-ns cgroup", "none (...)"


class Executor(Protocol):
    """Runs jobs of one framework; reused across jobs, closed at the end of the run."""

    def prepare(self) -> None:
        """Start what can be started before the first job, outside any job's time (may do nothing)."""
        ...

    def run(self, launch: Launch) -> Outcome: ...

    def close(self) -> None: ...
