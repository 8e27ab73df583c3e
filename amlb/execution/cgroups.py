"""A cgroup per job, where the runner may create one (root, or a delegated subtree).

The job's process joins the cgroup before it runs anything, so every descendant is in
it: the kernel enforces the memory limit and CPU set, and the cgroup's counters give
the whole tree's CPU time and peak memory exactly. Both cgroup v1 (one hierarchy per
controller) and v2 (unified) are supported; :func:`open_cgroups` returns None where
neither can be used, and the runner then falls back to process-tree accounting.

A group's name starts with its owner, the process that made it: ``PID.START+TAG`` (pid and
start time in clock ticks, so a reused pid is not mistaken for it). A runner killed with
SIGKILL cannot remove its groups; the next one to start removes the empty groups of owners
that are gone and never touches those of a live one (:meth:`CgroupManager.remove_stale`).
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from amlb.execution.processes import process_start

V1_ROOT = Path("/sys/fs/cgroup")
V1_CONTROLLERS = ("memory", "cpuacct", "cpuset")
BASE = "amlb"
OWNER_SEP = "+"  # between the owner (PID.START) and the tag in a group's name
STALE_AGE_S = 3600.0  # an empty group without an owner in its name (older amlb) this old is left over
USER_HZ = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    cpu_user_s: float
    cpu_sys_s: float
    peak_mb: float | None
    oom_killed: bool | None  # None: this kernel does not count OOM kills per cgroup
    limit_hit: bool = False  # the memory limit was reached at least once


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _kv(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("-").isdigit():
            out[parts[0]] = int(parts[1])
    return out


def _v1_cpu(cpuacct: Path) -> tuple[float, float]:
    """User and system CPU seconds of a v1 cpuacct group.

    ``cpuacct.usage`` is the scheduler's exact runtime in ns; the user/system split comes
    from tick-sampled counters, so the split is scaled to the exact total.
    """
    total_ns = _read(cpuacct / "cpuacct.usage").strip()
    user_ns, sys_ns = _read(cpuacct / "cpuacct.usage_user").strip(), _read(cpuacct / "cpuacct.usage_sys").strip()
    if user_ns.isdigit() and sys_ns.isdigit():
        user, system = int(user_ns) / 1e9, int(sys_ns) / 1e9
    else:  # older kernels: USER_HZ ticks
        stat = _kv(_read(cpuacct / "cpuacct.stat"))
        user, system = stat.get("user", 0) / USER_HZ, stat.get("system", 0) / USER_HZ
    if total_ns.isdigit():
        total = int(total_ns) / 1e9
        sampled = user + system
        return (total * user / sampled, total * system / sampled) if sampled > 0 else (total, 0.0)
    return user, system


def _v1_memory_limit(memory: Path, limit: int) -> None:
    """Set the memory limit, and the memory+swap limit to the same value where the kernel accounts swap.

    The kernel keeps ``memory.limit_in_bytes <= memory.memsw.limit_in_bytes``: lowering goes
    memory first, raising goes memsw first, so the order depends on the current values.
    """
    memsw = memory / "memory.memsw.limit_in_bytes"
    if not memsw.exists():  # swap accounting off (swapaccount=0): the memory limit alone
        _write(memory / "memory.limit_in_bytes", str(limit))
        return
    current = _read(memory / "memory.limit_in_bytes").strip()
    order = ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"]
    if current.isdigit() and limit > int(current):
        order.reverse()
    for name in order:
        _write(memory / name, str(limit))


class JobCgroup:
    """One job's cgroup; create with :meth:`CgroupManager.create`."""

    def __init__(self, dirs: dict[str, Path], version: int):
        self.dirs, self.version = dirs, version

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in dict.fromkeys(self.dirs.values())]

    def add(self, pid: int) -> None:
        """Move process ``pid`` (not its existing children) into this cgroup; its later forks are born here."""
        for procs in self.procs_files:
            _write(Path(procs), str(pid))

    def pids(self) -> list[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            found.update(int(p) for p in _read(Path(procs)).split())
        return sorted(found)

    def usage(self) -> Usage:
        """CPU time, peak memory and OOM kills of everything that ever ran in the cgroup."""
        if self.version == 1:
            user, system = _v1_cpu(self.dirs["cpuacct"])
            mem = self.dirs["memory"]
            peak = _read(mem / "memory.max_usage_in_bytes").strip()
            oom_control = _kv(_read(mem / "memory.oom_control"))
            oom = oom_control["oom_kill"] > 0 if "oom_kill" in oom_control else None
            failcnt = _read(mem / "memory.failcnt").strip()
            return Usage(user, system, int(peak) / 2**20 if peak else None, oom,
                         limit_hit=failcnt.isdigit() and int(failcnt) > 0)
        d = self.dirs["unified"]
        stat = _kv(_read(d / "cpu.stat"))
        peak = _read(d / "memory.peak").strip()
        events = _kv(_read(d / "memory.events"))
        return Usage(stat.get("user_usec", 0) / 1e6, stat.get("system_usec", 0) / 1e6,
                     int(peak) / 2**20 if peak else None, events["oom_kill"] > 0 if "oom_kill" in events else None,
                     limit_hit=events.get("max", 0) > 0)

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL every process in the cgroup until it is empty."""
        if self.version == 2 and (self.dirs["unified"] / "cgroup.kill").exists():
            _write(self.dirs["unified"] / "cgroup.kill", "1")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.005)

    def remove(self) -> None:
        self.kill()
        for d in dict.fromkeys(self.dirs.values()):
            _remove_dir(d)


def _remove_dir(d: Path, attempts: int = 50) -> bool:
    """rmdir a cgroup, retrying while its last processes are being reaped; True when it is gone."""
    for _ in range(attempts):
        try:
            d.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.02)
    return False


def owner_of(pid: int) -> str:
    """``PID.START``: the owner part of the names of the groups process ``pid`` makes ("" when it is gone)."""
    start = process_start(pid)
    return f"{pid}.{start}" if start else ""


def owner_alive(name: str) -> bool | None:
    """Whether the owner named in a group's name runs; None when the name has no owner (older amlb)."""
    owner, sep, _ = name.partition(OWNER_SEP)
    pid, dot, start = owner.partition(".")
    if not (sep and dot and pid.isdigit() and start.isdigit()):
        return None
    return process_start(int(pid)) == start


class CgroupManager:
    """Creates job cgroups under one base group, named after their owner (this process)."""

    def __init__(self, version: int, bases: dict[str, Path]):
        self.version, self.bases = version, bases
        self.owner = owner_of(os.getpid())

    def create(self, tag: str, cpus: tuple[int, ...], memory_mb: int | None) -> JobCgroup:
        name = f"{self.owner}{OWNER_SEP}{tag}"
        dirs = {controller: base / name for controller, base in self.bases.items()}
        for d in dict.fromkeys(dirs.values()):
            _remove_dir(d)  # a stale group of that name would bring old counters along
            d.mkdir()
        cpu_list = ",".join(map(str, cpus))
        if self.version == 1:
            cpuset = dirs["cpuset"]
            _write(cpuset / "cpuset.mems", _read(self.bases["cpuset"] / "cpuset.mems").strip() or "0")
            _write(cpuset / "cpuset.cpus", cpu_list)
            if memory_mb:
                _v1_memory_limit(dirs["memory"], memory_mb * 2**20)
        else:
            d = dirs["unified"]
            if (d / "cpuset.cpus").exists():
                _write(d / "cpuset.cpus", cpu_list)
            if memory_mb:
                _write(d / "memory.max", str(memory_mb * 2**20))
                if (d / "memory.swap.max").exists():
                    _write(d / "memory.swap.max", "0")
        return JobCgroup(dirs, self.version)

    def remove_stale(self, min_age_s: float = STALE_AGE_S) -> int:
        """Remove the empty groups left by runners that are gone; returns how many.

        A group whose owner (in its name) no longer runs is removed when empty; a live owner's
        groups are never touched. A group without an owner in its name (made by an older amlb)
        is removed when empty and older than ``min_age_s``.
        """
        removed = 0
        now = time.time()
        for base in dict.fromkeys(self.bases.values()):
            for d in base.iterdir() if base.is_dir() else ():
                alive = owner_alive(d.name)
                if alive:
                    continue
                try:
                    left_over = d.is_dir() and (alive is False or now - d.stat().st_mtime > min_age_s)
                except OSError:
                    continue
                if left_over and not _read(d / "cgroup.procs").strip() and _remove_dir(d, attempts=1):
                    removed += 1
        return removed


def _v1_manager() -> CgroupManager | None:
    bases = {c: V1_ROOT / c / BASE for c in V1_CONTROLLERS}
    if not all((V1_ROOT / c / "cgroup.procs").exists() for c in V1_CONTROLLERS):
        return None
    try:
        for c, base in bases.items():
            base.mkdir(exist_ok=True)
        cpus = _read(V1_ROOT / "cpuset" / "cpuset.cpus").strip()
        mems = _read(V1_ROOT / "cpuset" / "cpuset.mems").strip()
        if not _read(bases["cpuset"] / "cpuset.cpus").strip():
            _write(bases["cpuset"] / "cpuset.cpus", cpus)
        if not _read(bases["cpuset"] / "cpuset.mems").strip():
            _write(bases["cpuset"] / "cpuset.mems", mems)
    except OSError:
        return None
    return CgroupManager(1, bases)


def _v2_manager() -> CgroupManager | None:
    root = V1_ROOT
    if not (root / "cgroup.controllers").exists():
        return None
    available = _read(root / "cgroup.controllers").split()
    if "memory" not in available or "cpu" not in available:
        return None
    base = root / BASE
    try:
        base.mkdir(exist_ok=True)
        wanted = [c for c in ("memory", "cpu", "cpuset") if c in available]
        _write(root / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
        _write(base / "cgroup.subtree_control", " ".join(f"+{c}" for c in wanted))
    except OSError:
        return None
    return CgroupManager(2, {"unified": base})


def open_cgroups(setting: str = "auto") -> CgroupManager | None:
    """A manager when per-job cgroups can be made here, else None."""
    if setting == "off" or os.geteuid() != 0:
        return None
    manager = _v2_manager() or _v1_manager()
    if manager is not None:
        manager.remove_stale()
    return manager
