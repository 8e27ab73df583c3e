"""Files written by the job's own processes, seen by the kernel as they are written (fanotify).

Where the runner may use fanotify (Linux, CAP_SYS_ADMIN: e.g. root), the check marks the mounts
of the watched places and hears of every file closed after writing, with the writer's pid. A
writer belongs to a check job when it, or one of its ancestors, works in that job's folder (its
cwd; a container's process: its HOME), and to the framework's warm worker when it descends from
the runner otherwise. The runner's descendants are noted every few milliseconds while they live. Files other processes write (on a shared machine) are not counted, which
the walk in :mod:`amlb.check.files` cannot tell. Without the capability the check falls back to
that walk. A process gone before its event is read cannot be identified and is not counted.
"""
from __future__ import annotations

import ctypes
import os
import select
import struct
import threading
from pathlib import Path

FAN_CLOEXEC, FAN_NONBLOCK, FAN_CLASS_NOTIF = 0x1, 0x2, 0x0
FAN_MARK_ADD, FAN_MARK_MOUNT = 0x1, 0x10
FAN_CLOSE_WRITE, FAN_Q_OVERFLOW = 0x8, 0x4000
AT_FDCWD = -100
EVENT = struct.Struct("=IBBHQii")  # struct fanotify_event_metadata
WORKER = "(worker)"
SCAN_S = 0.05  # how often the runner's descendants are noted


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fanotify_init.argtypes = [ctypes.c_uint, ctypes.c_uint]
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
    return libc


class WriteWatcher(threading.Thread):
    """Collects ``task -> files written outside the check's folder`` while the check runs."""

    def __init__(self, fd: int, root: Path):
        super().__init__(daemon=True, name="amlb-check-fanotify")
        self.fd, self.root = fd, root.resolve()
        self.writes: dict[str, set[str]] = {}
        self.overflow = False
        self._owners: dict[int, str | None] = {}
        self._stopping = threading.Event()

    @classmethod
    def start_on(cls, roots: list[Path], root: Path) -> "WriteWatcher | None":
        """A running watcher of the mounts of ``roots``; None where fanotify is not allowed."""
        try:
            libc = _libc()
            fd = libc.fanotify_init(FAN_CLOEXEC | FAN_NONBLOCK | FAN_CLASS_NOTIF, os.O_RDONLY | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        if fd < 0:
            return None
        for path in roots:
            if libc.fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_WRITE, AT_FDCWD,
                                  str(path).encode()) != 0:
                os.close(fd)
                return None
        watcher = cls(fd, root)
        watcher.start()
        return watcher

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self._register()
                ready, _, _ = select.select([self.fd], [], [], SCAN_S)
                if ready:
                    self._drain()
            self._drain()
        finally:
            os.close(self.fd)

    def _register(self) -> None:
        """Note the runner's descendants while they live: a process may be gone when its write is read."""
        for pid in descendants(os.getpid()):
            self._reclassify(pid)

    def stop(self) -> dict[str, set[str]]:
        self._stopping.set()
        self.join(timeout=10)
        return self.writes

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return
            if not data:
                return
            offset = 0
            while offset + EVENT.size <= len(data):
                length, _, _, _, mask, fd, pid = EVENT.unpack_from(data, offset)
                offset += max(length, EVENT.size)
                if mask & FAN_Q_OVERFLOW:
                    self.overflow = True
                if fd < 0:
                    continue
                try:
                    path = os.readlink(f"/proc/self/fd/{fd}")
                except OSError:
                    path = ""
                finally:
                    os.close(fd)
                owner = self._owner(pid)
                if owner is not None and path and not Path(path.removesuffix(" (deleted)")).is_relative_to(self.root):
                    self.writes.setdefault(owner, set()).add(path)

    def _owner(self, pid: int) -> str | None:
        """The check task whose job ``pid`` belongs to, WORKER for the warm worker, None for others."""
        self._reclassify(pid)
        return self._owners.get(pid)

    def _reclassify(self, pid: int) -> None:
        """Classify ``pid`` unless it is known to be a job's: a fresh fork of the worker has not
        entered its job's folder yet, so WORKER (or unknown) is asked again while it lives."""
        if self._owners.get(pid) in (None, WORKER):
            owner = _classify(pid, self.root)
            if owner is not None or pid not in self._owners:
                self._owners[pid] = owner


def _task_of(path: Path | None, root: Path) -> str | None:
    """The task of a path under the check's job directories (``.../jobs/FRAMEWORK/TASK/...``)."""
    if path is None or not path.is_relative_to(root):
        return None
    parts = path.relative_to(root).parts
    if "jobs" in parts and len(parts) > parts.index("jobs") + 2:
        return parts[parts.index("jobs") + 2]
    return None


def _stat(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rfind(b")") + 2:].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _cwd(pid: int) -> Path | None:
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd"))
    except OSError:
        return None


def _classify(pid: int, root: Path) -> str | None:
    """A job's process works in its job's folder (cwd), or descends from one that does; the warm
    worker is a child of the runner; a container's process has its job's HOME in its environment."""
    me, current, depth = os.getpid(), pid, 0
    while current and current > 1 and depth < 32:
        if current == me:
            return WORKER
        task = _task_of(_cwd(current), root)
        if task is not None:
            return task
        current, depth = _stat(current), depth + 1
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)
    except OSError:
        return None
    return _task_of(Path(os.fsdecode(env.get(b"HOME", b"/"))), root)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, from one pass over /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            parent = _stat(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    out, frontier = [], [pid]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, ())]
        out.extend(frontier)
    return out
