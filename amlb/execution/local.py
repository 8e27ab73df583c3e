"""Local mode executor: a warm worker per framework environment and CPU slot.

The worker (``frameworks/shared/worker.py``, run by the environment's Python) imports the
adapter once and forks a fresh process per job, so a job costs milliseconds of runner
overhead instead of a Python start and the framework's imports. This module enforces
the limits from outside the job: the wall-clock limit (the whole tree is killed), the
memory limit (the job's cgroup, or a watchdog over the tree's RSS where no cgroup can
be made), and the CPU set (cgroup cpuset and affinity).
"""
from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

import psutil

from amlb.execution.api import Launch, Outcome
from amlb.execution.cgroups import CgroupManager, JobCgroup
from amlb.resources import frameworks_dir

READY_TIMEOUT_S = 300.0  # importing a large framework can take a while
KILL_GRACE_S = 15.0
WATCH_INTERVAL_S = 0.1


class WorkerError(RuntimeError):
    """The worker could not be started or stopped answering."""


class WorkerStartError(WorkerError):
    """The adapter failed to import: a setup error of the framework, not of the runner."""


def thread_caps(n: int) -> dict[str, str]:
    """Environment variables that cap BLAS/OpenMP thread pools at ``n``."""
    value = str(n)
    return {k: value for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


class LocalExecutor:
    """Runs jobs of one framework on one fixed CPU slot through a warm worker."""

    def __init__(self, python: Path, exec_path: Path, cpus: tuple[int, ...], environment: str,
                 cgroups: CgroupManager | None, worker_log: Path):
        self.python, self.exec_path, self.cpus = python, exec_path, cpus
        self.environment, self.cgroups, self.worker_log = environment, cgroups, worker_log
        self.proc: subprocess.Popen | None = None
        self.buf = b""

    # --- worker lifecycle -------------------------------------------------------------
    def _start(self) -> None:
        shared = frameworks_dir() / "shared"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update(thread_caps(len(self.cpus)), PYTHONPATH=str(shared), PYTHONNOUSERSITE="1",
                   PYTHONDONTWRITEBYTECODE="1")
        self.worker_log.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.worker_log, "ab")
        cpus = set(self.cpus)
        self.proc = subprocess.Popen(
            [str(self.python), str(shared / "worker.py"), str(self.exec_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
            start_new_session=True, preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        log.close()
        msg = self._read_message(time.monotonic() + READY_TIMEOUT_S)
        if msg is None or msg.get("event") != "ready":
            tail = " | ".join(self.worker_log.read_text(errors="replace").strip().splitlines()[-3:])
            self._stop_worker()
            raise WorkerStartError(f"the adapter {self.exec_path} failed to load: {tail}")

    def _stop_worker(self) -> None:
        proc, self.proc, self.buf = self.proc, None, b""
        if proc is None:
            return
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(b"exit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop_worker()

    # --- protocol -------------------------------------------------------------------
    def _send(self, line: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def _read_message(self, deadline: float) -> dict | None:
        """The next JSON line from the worker; None at the deadline or if the worker died."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(timeout, WATCH_INTERVAL_S))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    # --- one job --------------------------------------------------------------------
    def run(self, launch: Launch) -> Outcome:
        outcome = Outcome(environment=self.environment)
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        cgroup = self.cgroups.create(launch.tag, launch.cpus, launch.memory_mb) if self.cgroups else None
        try:
            self._run(launch, cgroup, outcome)
        finally:
            if cgroup is not None:
                usage = cgroup.usage()
                outcome.cpu_user_s, outcome.cpu_sys_s = usage.cpu_user_s, usage.cpu_sys_s
                outcome.peak_rss_mb = usage.peak_mb
                outcome.memory_exceeded = outcome.memory_exceeded or usage.oom_killed
                outcome.resource_method = "cgroup"
                cgroup.remove()
        return outcome

    def _run(self, launch: Launch, cgroup: JobCgroup | None, outcome: Outcome) -> None:
        request = {"job_dir": str(launch.job_dir), "cwd": str(launch.work_dir), "log": str(launch.log_path),
                   "cpus": list(launch.cpus), "env": launch.env,
                   "cgroup_procs": cgroup.procs_files if cgroup else []}
        start = time.monotonic()
        self._send(json.dumps(request))
        started = self._read_message(start + 30)
        if started is None or started.get("event") != "started":
            self._stop_worker()
            outcome.infrastructure_error = "the worker did not start the job"
            return
        # the worker has no other children while a job runs: its descendants are the job's tree,
        # including processes the job detached (the worker is their subreaper)
        tree_root = psutil.Process(self.proc.pid)
        deadline, peak_mb, kill_sent = start + launch.timeout_s, 0.0, None
        while True:
            msg = self._read_message(time.monotonic() + WATCH_INTERVAL_S)
            if msg is not None and msg.get("event") == "finished":
                break
            if msg is None and self.proc is not None and self.proc.poll() is not None:
                outcome.infrastructure_error = f"the worker died (exit code {self.proc.returncode})"
                self._stop_worker()
                return
            now = time.monotonic()
            if kill_sent is None:
                rss = _tree_rss_mb(tree_root)
                peak_mb = max(peak_mb, rss)
                if now > deadline:
                    outcome.timed_out, kill_sent = True, now
                elif cgroup is None and launch.memory_mb and rss > launch.memory_mb:
                    outcome.memory_exceeded, kill_sent = True, now
                if kill_sent is not None:
                    self._send("kill")
                    if cgroup is not None:
                        cgroup.kill()
            elif now - kill_sent > KILL_GRACE_S:
                self._stop_worker()
                outcome.infrastructure_error = "the worker did not stop the job after a kill"
                return
        outcome.wall_s = msg["wall_s"]
        code = msg["exit_code"]
        outcome.exit_code = code
        outcome.cpu_user_s, outcome.cpu_sys_s = msg["cpu_user_s"], msg["cpu_sys_s"]
        outcome.peak_rss_mb = max(peak_mb, msg.get("maxrss_mb") or 0.0) or None
        outcome.resource_method = "wait4"
        outcome.leftover_processes = msg.get("leftover_processes", 0)


def _tree_rss_mb(root: psutil.Process) -> float:
    """Resident memory of the descendants of ``root`` (shared pages count once per process)."""
    total = 0
    try:
        procs = root.children(recursive=True)
    except psutil.Error:
        return 0.0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20
