"""A warm worker: imports an adapter once, then forks a fresh process per job.

Started by the runner in the framework's environment as::

    python worker.py EXEC_PY

It imports ``exec.py`` (and with it the framework's heavy modules) once, says
``ready``, then reads one JSON request per line on stdin::

    {"job_dir": ..., "log": ..., "cwd": ..., "cpus": [0], "env": {...}, "cgroup_procs": [...]}

For each request it forks a job process that joins the job's cgroups, pins itself to
its CPUs, sets its environment, redirects its output to the job log and runs the job.
The worker is a child subreaper, so processes the job leaves behind are re-parented to
it: when the job process ends, every remaining descendant is killed and reaped, and the
CPU time of the whole tree is reported. The line ``kill`` on stdin kills the running job.

Messages to the runner are JSON lines on the original stdout; everything the adapter
prints goes to stderr (worker log) or the job log. Standard library only.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid``, from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def descendants_of(pid: int) -> list[int]:
    """All descendants of ``pid`` (breadth first)."""
    out, frontier = [], [pid]
    while frontier:
        nxt = []
        for p in frontier:
            nxt.extend(children_of(p))
        out.extend(nxt)
        frontier = nxt
    return out


def kill_tree_and_reap(root: int, timeout: float = 10.0) -> int:
    """SIGKILL every descendant of ``root`` until none is left; reap our children. Returns how many were killed."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = descendants_of(root)
        live = [p for p in pids if not _is_zombie(p)]
        if not live:
            break
        for p in live:
            try:
                os.kill(p, signal.SIGKILL)
                killed.add(p)
            except ProcessLookupError:
                pass
        _reap_all()
        time.sleep(0.01)
    _reap_all()
    return len(killed)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rfind(b")") + 2:].split()[0] == b"Z"
    except OSError:
        return True


def _reap_all() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class LineReader:
    """Lines from a file descriptor, with a timeout; unbuffered so select() tells the truth."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.eof = fd, b"", False

    def readline(self, timeout: float | None) -> str | None:
        """A stripped line, "" when none arrived in time, None at end of input."""
        while b"\n" not in self.buf:
            if self.eof:
                return None
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return ""
            chunk = os.read(self.fd, 65536)
            if chunk:
                self.buf += chunk
                continue
            self.eof = True
            if not self.buf:
                return None
            self.buf += b"\n"
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode().strip()


class Worker:
    def __init__(self, exec_path: str):
        # keep the protocol channel private; anything printed goes to stderr
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.exec_path = exec_path
        self.job_pid: int | None = None
        self.stdin = LineReader(0)
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        signal.signal(signal.SIGTERM, self._terminate)
        import amlb_adapter  # noqa: PLC0415 - on sys.path next to this file

        self.adapter = amlb_adapter
        t0 = time.perf_counter()
        self.module = amlb_adapter.load_exec_module(exec_path)
        amlb_adapter.warm_up()
        version = getattr(self.module, "version", None)
        self.send(event="ready", pid=os.getpid(), python=sys.version.split()[0],
                  import_seconds=time.perf_counter() - t0,
                  framework_version=str(version()) if callable(version) else None)

    def send(self, **msg: object) -> None:
        self.out.write(json.dumps(msg) + "\n")
        self.out.flush()

    def _terminate(self, signum: int, frame: object) -> None:
        kill_tree_and_reap(os.getpid(), timeout=5)
        os._exit(143)

    def serve(self) -> None:
        while True:
            line = self.stdin.readline(timeout=None)
            if line is None or line == "exit":
                break
            if line and line != "kill":
                self.run(json.loads(line))
        kill_tree_and_reap(os.getpid(), timeout=5)

    def run(self, req: dict) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.time()
        pid = os.fork()
        if pid == 0:
            self._child(req)  # never returns
        self.job_pid = pid
        self.send(event="started", pid=pid, time=t0)
        status, killed_by_request, job_rusage = self._wait(pid)
        leftovers = kill_tree_and_reap(os.getpid())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.job_pid = None
        exit_code = os.waitstatus_to_exitcode(status) if status is not None else None
        self.send(
            event="finished", pid=pid, exit_code=exit_code, wall_s=time.time() - t0,
            cpu_user_s=after.ru_utime - before.ru_utime, cpu_sys_s=after.ru_stime - before.ru_stime,
            maxrss_mb=(job_rusage.ru_maxrss / 1024) if job_rusage else None,
            killed=killed_by_request, leftover_processes=leftovers,
        )

    def _wait(self, pid: int):
        killed = False
        while True:
            wpid, status, rusage = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                return status, killed, rusage
            line = self.stdin.readline(timeout=0.02)
            if line is None:  # the runner is gone: stop the job and leave
                kill_tree_and_reap(os.getpid(), timeout=5)
                os._exit(0)
            if line == "kill":
                killed = True
                kill_tree_and_reap(os.getpid())

    def _child(self, req: dict) -> None:
        code = 70
        try:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for procs in req.get("cgroup_procs", []):
                with open(procs, "w") as f:
                    f.write(str(os.getpid()))
            if req.get("cpus"):
                os.sched_setaffinity(0, req["cpus"])
            os.environ.update(req.get("env", {}))
            tempfile.tempdir = None
            Path(req["cwd"]).mkdir(parents=True, exist_ok=True)
            os.chdir(req["cwd"])
            fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
            os.close(self.out.fileno())
            _limit_thread_pools(len(req.get("cpus") or []) or None)
            code = self.adapter.run_job(req["job_dir"], self.module)
        except BaseException:  # noqa: BLE001 - the job process must never return into the worker loop
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _limit_thread_pools(n: int | None) -> None:
    """Cap BLAS/OpenMP pools that were created before the fork (threadpoolctl, when installed)."""
    if not n:
        return
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415
    except ImportError:
        return
    threadpool_limits(n)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    Worker(sys.argv[1]).serve()
