"""Processes of a job seen from the runner: their memory, their markers, killing what is left.

The runner finds a job's processes in /proc: by the tree below its warm worker (memory) and
by the markers in their environment (``AMLB_WORKER_ID``, ``AMLB_JOB_TAG``), which survive
re-parenting, so nothing a job started outlives it.
"""
from __future__ import annotations

import os
import signal
import time

import psutil


def process_start(pid: int) -> str:
    """Start time of process ``pid`` in clock ticks since boot ("" when it is gone): with the pid,
    it names one process for good (a reused pid has another start time)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return ""
    return stat[stat.rfind(")") + 2:].split()[19]


class TreeMemory:
    """Memory a job's processes add to their warm worker, sampled from /proc.

    Sum of the proportional set sizes (PSS) of the worker and all its descendants, minus
    the worker's PSS before the job: pages a forked job still shares with the worker (the
    imported framework), or a job process with its own forks, are counted once, and the
    worker's share is not the job's.
    """

    def __init__(self, worker_pid: int):
        self.worker_pid = worker_pid
        self.baseline_kb = _pss_kb(worker_pid)
        self.peak_mb = 0.0

    def sample(self) -> float:
        try:
            pids = [p.pid for p in psutil.Process(self.worker_pid).children(recursive=True)]
        except psutil.Error:
            return 0.0
        if not pids:
            return 0.0
        total_kb = _pss_kb(self.worker_pid) + sum(_pss_kb(p) for p in pids) - self.baseline_kb
        used_mb = max(0.0, total_kb / 1024)
        self.peak_mb = max(self.peak_mb, used_mb)
        return used_mb


def _pss_kb(pid: int) -> int:
    """Proportional set size of a process in kB (its resident size where smaps_rollup is missing)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def marked_processes(markers: dict[str, str], exclude: set[int] = frozenset()) -> list[int]:
    """Processes whose environment holds one of the ``NAME=value`` pairs (but this one and ``exclude``).

    A process's /proc environ is the environment it was exec'd with: forked helpers of a job
    show their worker's marker, programs the job started show both markers.
    """
    needles = [f"\0{k}={v}\0".encode() for k, v in markers.items() if v]
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid() or int(entry.name) in exclude:
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as f:
                environ = b"\0" + f.read() + b"\0"
        except OSError:
            continue
        if any(n in environ for n in needles):
            found.append(int(entry.name))
    return found


def kill_marked(markers: dict[str, str], exclude: set[int] = frozenset(), timeout: float = 5.0) -> int:
    """SIGKILL every process carrying one of ``markers`` (but ``exclude``) until none is left; returns how many."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in marked_processes(markers, exclude) if not _is_zombie(p)]
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    return len(killed)


def _is_zombie(pid: int) -> bool:
    """Dead or waiting to be reaped (nothing left to kill)."""
    try:
        return psutil.Process(pid).status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)
    except psutil.Error:
        return True


def signal_name(number: int) -> str:
    """``SIGKILL`` for 9; the number itself for a signal Python does not name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)
