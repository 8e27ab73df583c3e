"""A warm worker: imports an adapter once, then forks a fresh process per job.

Started by the runner in the framework's environment as::

    python worker.py EXEC_PY

It imports ``exec.py`` (and with it the framework's heavy modules) once, says
``ready``, then reads one JSON request per line on stdin::

    {"job_dir": ..., "log": ..., "cwd": ..., "cpus": [0], "env": {...}, "cgroup_procs": [...],
     "deadline": 1700000000.0}

For each request it forks a job process that joins the job's cgroups, starts a new
session, pins itself to its CPUs, sets its environment (plus ``AMLB_JOB_DEADLINE``,
the epoch second at which the runner kills it), redirects its output to the job log
and runs the job. The worker is a child subreaper, so every process the job leaves
behind (double forks, setsid daemons) is re-parented to it: when the job process ends,
or on the line ``kill``, every remaining descendant is killed and reaped, and the CPU
time of the whole tree (``RUSAGE_CHILDREN``: every process the worker or a waiting
parent reaped) is reported.

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

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def process_table() -> dict[int, tuple[int, bytes]]:
    """One pass over /proc: ``pid -> (ppid, state)``."""
    table = {}
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
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants_of(pid: int, table: dict[int, tuple[int, bytes]] | None = None) -> list[int]:
    """All descendants of ``pid`` in one snapshot of the process table (breadth first)."""
    table = process_table() if table is None else table
    children: dict[int, list[int]] = {}
    for child, (parent, _) in table.items():
        children.setdefault(parent, []).append(child)
    out, frontier = [], [pid]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, ())]
        out.extend(frontier)
    return out


class Reaper:
    """Waits for every ended child; keeps the status and rusage of the one being watched."""

    def __init__(self) -> None:
        self.watched: int | None = None
        self.result: tuple[int, resource.struct_rusage] | None = None

    def watch(self, pid: int) -> None:
        self.watched, self.result = pid, None

    def reap(self) -> None:
        while True:
            try:
                pid, status, rusage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.watched:
                self.result = (status, rusage)


def kill_tree_and_reap(root: int, reaper: Reaper, timeout: float = 10.0) -> int:
    """SIGKILL every descendant of ``root`` until none is left; reap ours. Returns how many were killed.

    A snapshot of /proc can miss a process whose parent exits while it is read (the child
    is re-parented to ``root`` just after ``root``'s children were listed), so the tree
    counts as empty only after two snapshots in a row found no live process in it.
    """
    killed: set[int] = set()
    quiet = 0
    deadline = time.monotonic() + timeout
    while quiet < 2 and time.monotonic() < deadline:
        table = process_table()
        live = [p for p in descendants_of(root, table) if table[p][1] != b"Z"]
        if live:
            quiet = 0
            for p in live:
                try:
                    os.kill(p, signal.SIGKILL)
                    killed.add(p)
                except ProcessLookupError:
                    pass
        else:
            quiet += 1
        reaper.reap()
        time.sleep(0.002 if live else 0.0)
    reaper.reap()
    return len(killed)


class LineReader:
    """Lines from a file descriptor, with a timeout; unbuffered so select() tells the truth."""

    def __init__(self, fd: int):
        self.fd, self.buf, self.eof = fd, b"", False

    def readline(self, timeout: float | None, wake_fd: int | None = None) -> str | None:
        """A stripped line, "" when none arrived in time (or ``wake_fd`` woke us), None at end of input."""
        while b"\n" not in self.buf:
            if self.eof:
                return None
            fds = [self.fd] if wake_fd is None else [self.fd, wake_fd]
            ready, _, _ = select.select(fds, [], [], timeout)
            if wake_fd is not None and wake_fd in ready:
                _drain(wake_fd)
            if self.fd not in ready:
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


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


class Worker:
    def __init__(self, exec_path: str):
        # keep the protocol channel private; anything printed goes to stderr
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        self.exec_path = exec_path
        self.stdin = LineReader(0)
        self.reaper = Reaper()
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        signal.signal(signal.SIGTERM, self._terminate)
        # SIGCHLD wakes the wait loop at once: the handler does nothing, the wakeup fd does the work
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
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
        kill_tree_and_reap(os.getpid(), self.reaper, timeout=5)
        os._exit(143)

    def serve(self) -> None:
        while True:
            line = self.stdin.readline(timeout=None)
            if line is None or line == "exit":
                break
            if line and line != "kill":  # a late kill for a job that already ended
                self.run(json.loads(line))
        kill_tree_and_reap(os.getpid(), self.reaper, timeout=5)

    def run(self, req: dict) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.reaper.reap()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        worker_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._child(req, worker_pid)  # never returns
        self.reaper.watch(pid)
        inherited_rss_mb = _rss_mb(pid)  # what the fork maps of ours before it allocates anything
        self.send(event="started", pid=pid, time=time.time())
        killed_by_request = self._wait(pid)
        # the job process has ended: whatever it left behind is re-parented to us and killed now
        leftovers = kill_tree_and_reap(os.getpid(), self.reaper)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.monotonic() - t0
        status, job_rusage = self.reaper.result if self.reaper.result else (None, None)
        self.reaper.watch(-1)
        exit_code = os.waitstatus_to_exitcode(status) if status is not None else None
        if leftovers and not killed_by_request:
            _append_log(req["log"], f"[amlb worker] killed {leftovers} process(es) the job left running")
        self.send(
            event="finished", pid=pid, exit_code=exit_code, wall_s=wall,
            cpu_user_s=after.ru_utime - before.ru_utime, cpu_sys_s=after.ru_stime - before.ru_stime,
            maxrss_mb=(job_rusage.ru_maxrss / 1024) if job_rusage else None, inherited_rss_mb=inherited_rss_mb,
            killed=killed_by_request, leftover_processes=0 if killed_by_request else leftovers,
        )

    def _wait(self, pid: int) -> bool:
        """Wait for the job process (reaping orphans on the way); True when the runner had it killed."""
        killed = False
        while True:
            self.reaper.reap()
            if self.reaper.result is not None:
                return killed
            line = self.stdin.readline(timeout=1.0, wake_fd=self.wake_r)
            if line is None:  # the runner is gone: stop the job and leave
                kill_tree_and_reap(os.getpid(), self.reaper, timeout=5)
                os._exit(0)
            if line == "kill":
                killed = True
                kill_tree_and_reap(os.getpid(), self.reaper)

    def _child(self, req: dict, worker_pid: int) -> None:
        code = 70
        try:
            os.setsid()
            for procs in req.get("cgroup_procs", []):
                with open(procs, "w") as f:
                    f.write(str(os.getpid()))
            _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the job dies with its worker ...
            if os.getppid() != worker_pid:  # ... even when that happened before the line above
                os._exit(code)
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGTERM, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)
            os.close(self.wake_r)
            os.close(self.wake_w)
            if req.get("cpus"):
                os.sched_setaffinity(0, req["cpus"])
            os.environ.update(req.get("env", {}))
            if req.get("deadline"):
                os.environ["AMLB_JOB_DEADLINE"] = f"{req['deadline']:.3f}"
            tempfile.tempdir = None  # TMPDIR is the job's own now
            Path(req["cwd"]).mkdir(parents=True, exist_ok=True)
            os.chdir(req["cwd"])
            null = os.open(os.devnull, os.O_RDONLY)  # the job must not read the runner's requests
            os.dup2(null, 0)
            os.close(null)
            fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
            os.close(self.out.fileno())
            _limit_thread_pools(len(req.get("cpus") or []) or None)
            code = self.adapter.run_job(req["job_dir"], self.module)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:  # noqa: BLE001 - the job process must never return into the worker loop
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_MB
    except (OSError, ValueError, IndexError):
        return 0.0


def _append_log(path: str, line: str) -> None:
    try:
        with open(path, "a") as f:
            f.write(line + "\n")
    except OSError:
        pass


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
    # jobs ran in forks and their processes are gone: nothing in this process needs finalising, and
    # the interpreter's teardown of a framework's modules takes a noticeable time at the end of a run
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
