"""Disjoint CPU slots among every process of one machine, by advisory file locks.

Several Dask worker threads, or several worker processes, may run jobs on one machine;
a job holds exclusive locks on the lock files of its CPUs while it runs. The kernel drops
a dead process's locks, so a crashed worker never leaves CPUs claimed.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLAIM_POLL_S = 0.2


def claims_dir() -> Path:
    d = Path(os.environ.get("AMLB_CPU_CLAIMS_DIR", Path(tempfile.gettempdir()) / "amlb-cpu-claims"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def usable_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def _try_claim(cpus: tuple[int, ...], directory: Path) -> list[int] | None:
    fds: list[int] = []
    for cpu in cpus:
        fd = os.open(directory / f"cpu{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            _release(fds)
            return None
        fds.append(fd)
    return fds


def _release(fds: list[int]) -> None:
    for fd in fds:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def claim_cpus(count: int, timeout_s: float | None = None) -> Iterator[tuple[int, ...]]:
    """Wait for ``count`` CPUs no other job on this machine holds; hold them for the block.

    Slots are aligned windows of the usable CPUs (0-1, 2-3, ... for two cores), as the local
    runner cuts them, so claims never fragment the machine.
    """
    cpus = usable_cpus()
    if count > len(cpus):
        raise ValueError(f"a job needs {count} cores but this machine gives its worker {len(cpus)}")
    windows = [tuple(cpus[i:i + count]) for i in range(0, len(cpus) - count + 1, count)]
    directory = claims_dir()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        for window in windows:
            fds = _try_claim(window, directory)
            if fds is not None:
                try:
                    yield window
                finally:
                    _release(fds)
                return
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"no {count} free CPUs on this machine after {timeout_s:.0f} s")
        time.sleep(CLAIM_POLL_S)
