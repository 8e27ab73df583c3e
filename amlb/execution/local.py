"""Local mode executor: a warm worker per framework environment and CPU slot.

The worker (``frameworks/shared/worker.py``, run by the environment's Python) imports the
adapter once and forks a fresh process per job, so a job costs milliseconds of runner
overhead instead of a Python start and the framework's imports. This module enforces
the limits from outside the job:

- wall clock: at ``Launch.timeout_s`` the whole tree is killed (the worker kills its
  descendants, the job's cgroup is emptied);
- memory: the job's cgroup limit, or where no cgroup can be made a watchdog over the
  memory the job's tree adds to the worker's (proportional set size, so pages a fork
  shares with the worker or with its own children count once);
- CPU: the cgroup cpuset and the affinity of the job process.

After every job, processes that escaped the worker's tree (the worker died, or a
process re-parented elsewhere) are found by the markers in their environment
(``AMLB_WORKER_ID`` of the worker, ``AMLB_JOB_TAG`` of the job) and killed.

With a :class:`~amlb.execution.sandbox.Sandbox` the worker runs inside bubblewrap as an
unprivileged user and sees only its environment, its adapter and a stage folder that holds
the running job's files (see :mod:`amlb.execution.sandbox`). The job cannot join a cgroup
from there, so the runner moves the worker into the job's cgroup for the fork and back to
the worker's own cgroup right after: the job process and everything it starts stay in the
job's cgroup, which an unprivileged user cannot leave.
"""
from __future__ import annotations

import dataclasses
import json
import os
import select
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psutil

from amlb.execution.api import Launch, Outcome
from amlb.execution.cgroups import CgroupManager, JobCgroup
from amlb.execution.processes import TreeMemory, kill_marked, signal_name
from amlb.jobfiles import append_line, read_log_tail
from amlb.execution.sandbox import INSIDE, Sandbox, Stage, ancestry, bwrap_command, host_pid, sandbox_env
from amlb.resources import frameworks_dir

READY_TIMEOUT_S = 300.0  # importing a large framework can take a while (the runner passes a bound from the budget)
START_TIMEOUT_S = 30.0
KILL_GRACE_S = 15.0
WATCH_INTERVAL_S = 0.1
WORKER_ID_VAR = "AMLB_WORKER_ID"
JOB_TAG_VAR = "AMLB_JOB_TAG"


class WorkerError(RuntimeError):
    """The worker could not be started or stopped answering."""


class WorkerStartError(WorkerError):
    """The adapter failed to import: a setup error of the framework, not of the runner."""


def thread_caps(n: int) -> dict[str, str]:
    """Environment variables that cap BLAS/OpenMP (and numba, Rayon, polars) thread pools at ``n``."""
    value = str(n)
    return {k: value for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                               "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS",
                               "RAYON_NUM_THREADS", "POLARS_MAX_THREADS")}


class LocalExecutor:
    """Runs jobs of one framework on one fixed CPU slot through a warm worker."""

    def __init__(self, python: Path, exec_path: Path, cpus: tuple[int, ...], environment: str,
                 cgroups: CgroupManager | None, worker_log: Path, ready_timeout_s: float = READY_TIMEOUT_S,
                 sandbox: Sandbox | None = None):
        self.python, self.exec_path, self.cpus = python, exec_path, cpus
        self.ready_timeout_s = ready_timeout_s
        self.start_error: WorkerStartError | None = None  # the adapter failed to load once: not tried again
        self.environment, self.cgroups, self.worker_log = environment, cgroups, worker_log
        self.sandbox = sandbox if sandbox is not None and sandbox.enabled else None
        self.isolation = (sandbox or Sandbox("none")).level(cgroup=cgroups is not None)
        self.stage: Stage | None = None
        self.worker_pid = 0  # the worker's pid on the host (inside a sandbox it has another one)
        self.home: JobCgroup | None = None  # the sandboxed worker's own cgroup between jobs
        self.keep: set[int] = set()  # the worker's processes (bwrap's too): not a job's leftovers
        self.proc: subprocess.Popen | None = None
        self.worker_id = ""
        self.buf, self.eof = b"", False
        self.in_job = threading.Lock()  # held while run() runs: close() from another thread must wait for it
        self.stopped = False  # close() was called: jobs still running or arriving end as stopped

    # --- worker lifecycle -------------------------------------------------------------
    def _start(self) -> None:
        shared = frameworks_dir() / "shared"
        self.worker_id = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update(thread_caps(len(self.cpus)), PYTHONPATH=str(shared), PYTHONNOUSERSITE="1",
                   PYTHONDONTWRITEBYTECODE="1", **{WORKER_ID_VAR: self.worker_id})
        self.worker_log.parent.mkdir(parents=True, exist_ok=True)
        command = [str(self.python), str(shared / "worker.py"), str(self.exec_path)]
        if self.sandbox is not None:
            if self.stage is None:  # one per executor, kept across worker restarts, removed by close()
                self.stage = Stage(self.worker_log.parent / f".sandbox-{self.worker_id}")
            env = sandbox_env({k: env[k] for k in (*thread_caps(1), "PYTHONPATH", "PYTHONNOUSERSITE",
                                                   "PYTHONDONTWRITEBYTECODE", WORKER_ID_VAR)})
            command = bwrap_command(self.sandbox, self.python, self.exec_path, shared, self.stage.root, env)
        log = open(self.worker_log, "ab")
        cpus = set(self.cpus)
        self.buf, self.eof = b"", False
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
            start_new_session=True, preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        log.close()
        try:
            msg = self._read_message(time.monotonic() + self.ready_timeout_s)
        except ValueError:  # not a JSON line: the adapter's import printed to the protocol stream
            msg = None
        if msg is None or msg.get("event") != "ready":
            in_time = self._alive()
            self._stop_worker()
            why = f"not ready within {self.ready_timeout_s:.0f} s" if in_time else "failed to load"
            self.start_error = WorkerStartError(f"the adapter {self.exec_path} {why}: {self._worker_log_tail()}")
            raise self.start_error
        self.worker_pid = self.proc.pid
        self.keep = {self.proc.pid}
        if self.sandbox is not None:
            self.worker_pid = host_pid(self.proc.pid, int(msg.get("pid", 0)))
            if not self.worker_pid:
                self._stop_worker()
                raise WorkerStartError(f"cannot find the sandboxed worker below pid {self.proc.pid}")
            self.keep |= ancestry(self.worker_pid, self.proc.pid)
            if self.cgroups is not None:
                self.home = self.cgroups.create(f"{self.worker_id}-worker", self.cpus, None)
                self.home.add(self.worker_pid)

    def prepare(self) -> None:
        """Start the worker (Python start and the adapter's imports) before the first job."""
        with self.in_job:
            if not self.stopped and not self._alive():
                self._start()

    def _alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @staticmethod
    def _kill_tree(proc: subprocess.Popen) -> None:
        try:
            for child in psutil.Process(proc.pid).children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _stop_worker(self) -> int:
        """Kill the worker, its tree and every process carrying its marker; returns how many strays were killed."""
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        self._kill_tree(proc)
        proc.wait()
        if self.home is not None:
            self.home.remove()
            self.home = None
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        return kill_marked({WORKER_ID_VAR: self.worker_id})

    def close(self) -> None:
        """Stop the worker. Safe from another thread while a job runs: that job is killed, ends as an
        infrastructure error ("stopped"), and close returns once run() has cleaned up after it."""
        self.stopped = True  # closed for good: a later run() or prepare() does nothing
        if not self.in_job.acquire(blocking=False):
            proc = self.proc
            if proc is not None:
                self._kill_tree(proc)  # run() sees the worker die and cleans up its job
            if not self.in_job.acquire(timeout=KILL_GRACE_S + 30):
                return
        try:
            self._close_idle()
        finally:
            self.in_job.release()

    def _close_idle(self) -> None:
        if self._alive():
            try:
                self._send("exit")
                assert self.proc is not None
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop_worker()
        if self.stage is not None:
            self.stage.remove()
            self.stage = None

    def _worker_log_tail(self, lines: int = 3) -> str:
        return read_log_tail(self.worker_log, lines).replace("\n", " | ")

    # --- protocol -------------------------------------------------------------------
    def _send(self, line: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def _read_message(self, deadline: float) -> dict | None:
        """The next JSON line from the worker; None at the deadline or once the worker closed its output."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            timeout = max(0.0, deadline - time.monotonic())
            if self.eof:  # do not spin on a closed pipe while the worker exits
                time.sleep(min(timeout, WATCH_INTERVAL_S))
                return None
            ready, _, _ = select.select([fd], [], [], min(timeout, WATCH_INTERVAL_S))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.eof = True
                    continue
                self.buf += chunk
            elif time.monotonic() >= deadline:
                return None
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def _worker_died(self, outcome: Outcome) -> bool:
        """True (and the outcome says so) when the worker is gone; waits briefly for it after end of output."""
        if self.proc is None:
            return True
        if self.eof:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        code = self.proc.poll()
        if code is None:
            return False
        if self.stopped:
            outcome.infrastructure_error, outcome.stopped = "stopped: the run ended while the job ran", True
            return True
        how = f"killed by {signal_name(-code)}" if code < 0 else f"exit code {code}"
        tail = self._worker_log_tail(2)
        outcome.infrastructure_error = f"the worker died during the job ({how})" + (f": {tail}" if tail else "")
        return True

    # --- one job --------------------------------------------------------------------
    def run(self, launch: Launch) -> Outcome:
        with self.in_job:
            if self.stopped:
                return Outcome(environment=self.environment, infrastructure_error="stopped: the run ended",
                               stopped=True)
            return self._run_job(launch)

    def _run_job(self, launch: Launch) -> Outcome:
        outcome = Outcome(environment=self.environment, isolation=self.isolation)
        if self.start_error is not None:  # a hanging or failing import costs its bound once, not once per job
            _append_log(launch.log_path, f"[amlb] {self.start_error}")
            raise self.start_error
        if not self._alive():
            self._stop_worker()
            try:
                self._start()
            except WorkerStartError as e:  # the job's log says why it never ran
                _append_log(launch.log_path, f"[amlb] {e}")
                raise
        real = launch
        if self.stage is not None:
            try:
                self.stage.load(launch.job_dir, launch.work_dir)
            except (OSError, ValueError, KeyError) as e:
                outcome.infrastructure_error = f"cannot put the job's files in its sandbox: {e}"
                _append_log(launch.log_path, f"[amlb] {outcome.infrastructure_error}")
                return outcome
            launch = dataclasses.replace(launch, log_path=self.stage.log)  # the runner's notes go to the job's log
        try:
            return self._run_in_cgroup(launch, outcome)
        finally:
            if self.stage is not None:
                dropped = self.stage.unload(real.job_dir, real.log_path)
                if dropped:
                    _append_log(real.log_path, f"[amlb] dropped {dropped} link(s) or special file(s) the job "
                                               "left in its folder")

    def _run_in_cgroup(self, launch: Launch, outcome: Outcome) -> Outcome:
        cgroup = None
        if self.cgroups is not None:
            try:
                cgroup = self.cgroups.create(launch.tag, launch.cpus, launch.memory_mb)
            except OSError as e:  # e.g. a controller refused the settings: fall back to the watchdog
                _append_log(launch.log_path, f"[amlb] no cgroup for this job ({e}); using the watchdog")
        start = time.monotonic()
        try:
            self._run(launch, cgroup, outcome)
        finally:
            if outcome.infrastructure_error:
                _append_log(launch.log_path, f"[amlb] {outcome.infrastructure_error}")
                outcome.leftover_processes += self._stop_worker()
            # processes of this job outside the worker's tree (none, unless something escaped it)
            outcome.leftover_processes += kill_marked({JOB_TAG_VAR: launch.tag, WORKER_ID_VAR: self.worker_id},
                                                      exclude=self.keep if self.proc else set())
            if outcome.wall_s is None and outcome.exit_code is None:
                outcome.wall_s = time.monotonic() - start
            if cgroup is not None:
                cgroup.kill()
                usage = cgroup.usage()
                outcome.cpu_user_s, outcome.cpu_sys_s = usage.cpu_user_s, usage.cpu_sys_s
                outcome.peak_rss_mb = usage.peak_mb
                oom = usage.oom_killed or (usage.oom_killed is None and usage.limit_hit
                                           and outcome.exit_code == -signal.SIGKILL and not outcome.timed_out)
                if oom and not outcome.memory_exceeded:
                    outcome.memory_exceeded = True
                    _append_log(launch.log_path, f"[amlb] the kernel killed the job: over its memory limit of "
                                                 f"{launch.memory_mb} MB (cgroup)")
                outcome.resource_method = "cgroup"
                cgroup.remove()
        return outcome

    def _request(self, launch: Launch, cgroup: JobCgroup | None) -> dict:
        request = {"job_dir": str(launch.job_dir), "cwd": str(launch.work_dir), "log": str(launch.log_path),
                   "cpus": list(launch.cpus), "env": launch.env, "deadline": time.time() + launch.timeout_s,
                   "cgroup_procs": cgroup.procs_files if cgroup else []}
        if self.stage is not None:  # the same job, as the sandbox sees it; the runner moves it into its cgroup
            inside = str(INSIDE / "run")
            request.update(job_dir=inside, cwd=self.stage.inside(launch.work_dir, launch.job_dir),
                           log=f"{inside}/job.log", cgroup_procs=[],
                           env={k: v.replace(str(launch.job_dir), inside) for k, v in launch.env.items()})
        return request

    def _run(self, launch: Launch, cgroup: JobCgroup | None, outcome: Outcome) -> None:
        assert self.proc is not None
        request = self._request(launch, cgroup)
        memory = TreeMemory(self.proc.pid)
        start = time.monotonic()
        moved = self.stage is not None and cgroup is not None
        try:
            if moved:
                cgroup.add(self.worker_pid)  # the fork is born in the job's cgroup
            self._send(json.dumps(request))
        except OSError:
            if not self._worker_died(outcome):
                outcome.infrastructure_error = "the worker stopped reading requests"
            return
        started = self._read_message(start + START_TIMEOUT_S)
        if moved and self.home is not None:
            try:
                self.home.add(self.worker_pid)
            except OSError:
                pass
        if started is None or started.get("event") != "started":
            if not self._worker_died(outcome):
                outcome.infrastructure_error = "the worker did not start the job"
            return
        deadline, kill_sent = start + launch.timeout_s, None
        watchdog = cgroup is None and bool(launch.memory_mb)
        while True:
            now = time.monotonic()  # wake up at the deadline itself, not up to an interval after it
            wake = now + WATCH_INTERVAL_S if kill_sent is not None or now >= deadline else \
                min(now + WATCH_INTERVAL_S, deadline)
            msg = self._read_message(wake)
            if msg is not None and msg.get("event") == "finished":
                break
            if msg is None and (self.eof or not self._alive()) and self._worker_died(outcome):
                return
            now = time.monotonic()
            if kill_sent is None:
                used_mb = memory.sample() if cgroup is None else 0.0
                if now >= deadline:
                    outcome.timed_out, kill_sent = True, now
                    _append_log(launch.log_path, f"[amlb] wall-clock limit of {launch.timeout_s:.1f} s reached: "
                                                 "killing the job's processes")
                elif watchdog and used_mb > launch.memory_mb:
                    outcome.memory_exceeded, kill_sent = True, now
                    _append_log(launch.log_path, f"[amlb] the job's processes use {used_mb:.0f} MB, over its "
                                                 f"memory limit of {launch.memory_mb} MB: killing them")
                if kill_sent is not None:
                    try:
                        self._send("kill")
                    except OSError:
                        pass
                    if cgroup is not None:
                        cgroup.kill()
            elif now - kill_sent > KILL_GRACE_S:
                _append_log(launch.log_path, "[amlb] the worker did not stop the job: stopping the worker")
                outcome.leftover_processes += self._stop_worker()
                outcome.wall_s = now - start
                return
        outcome.wall_s = msg["wall_s"]
        outcome.exit_code = msg["exit_code"]
        outcome.cpu_user_s, outcome.cpu_sys_s = msg["cpu_user_s"], msg["cpu_sys_s"]
        # the job process's own peak RSS counts the worker's pages it mapped at the fork: subtract them
        own_peak = (msg.get("maxrss_mb") or 0.0) - (msg.get("inherited_rss_mb") or 0.0)
        outcome.peak_rss_mb = max(memory.peak_mb, own_peak, 0.0) if msg.get("maxrss_mb") is not None else None
        outcome.resource_method = "wait4"
        outcome.leftover_processes = msg.get("leftover_processes", 0)


def _append_log(path: Path, line: str) -> None:
    append_line(path, line)  # never follows a symlink or waits on a FIFO the job left at its log

