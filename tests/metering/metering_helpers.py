"""Helpers for the metering tests: real busy processes, powercap zones, an NVML stand-in."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from amlb.metering import ResourceUsage

BUSY = "import time\nt = time.process_time()\nwhile time.process_time() - t < {seconds}:\n    pass\n"


@dataclass
class Busy:
    """A real process burning ``seconds`` of CPU; ``finish()`` reaps it with os.wait4."""

    proc: subprocess.Popen
    started: float

    def finish(self, cores: int = 1, memory_mb: int | None = 1024,
               phases: dict[str, dict[str, float]] | None = None) -> ResourceUsage:
        _, _, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = 0
        return ResourceUsage(wall_s=time.monotonic() - self.started, cpu_user_s=usage.ru_utime,
                             cpu_sys_s=usage.ru_stime, peak_rss_mb=usage.ru_maxrss / 1024,
                             cores_allotted=cores, memory_limit_mb=memory_mb, phases=phases or {})


def start_busy(seconds: float, cpu: int | None = None) -> Busy:
    """Start a process that burns ``seconds`` of CPU (pinned to ``cpu`` when given)."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY.format(seconds=seconds)])
    started = time.monotonic()
    if cpu is not None:
        os.sched_setaffinity(proc.pid, {cpu})  # pinned while Python is still starting
    return Busy(proc, started)


def write_zone(root: Path, entry: str, name: str, energy_uj: int, max_range_uj: int = 262143328850) -> Path:
    """One powercap zone directory like /sys/class/powercap/intel-rapl:0."""
    zone = root / entry
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text(name + "\n")
    (zone / "energy_uj").write_text(f"{energy_uj}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range_uj}\n")
    return zone


def set_energy(zone: Path, energy_uj: int) -> None:
    (zone / "energy_uj").write_text(f"{energy_uj}\n")



class FakeNvml:
    """Stands in for the NVIDIA driver: GPUs whose millijoule counters the test advances.

    It offers the same functions as ``pynvml``; the reader under test is the real one.
    """

    class NotSupported(Exception):
        pass

    def __init__(self, names: list[str], counters: list[bool]):
        self.names, self.counters = names, counters
        self.energy_mj = [10_000_000 * (i + 1) for i in range(len(names))]

    def nvmlDeviceGetCount(self) -> int:
        return len(self.names)

    def nvmlDeviceGetHandleByIndex(self, i: int) -> int:
        return i

    def nvmlDeviceGetName(self, h: int) -> bytes:
        return self.names[h].encode()

    def nvmlDeviceGetMemoryInfo(self, h: int):
        return type("Mem", (), {"total": 16 * 2**30})()

    def nvmlDeviceGetTotalEnergyConsumption(self, h: int) -> int:
        if not self.counters[h]:
            raise FakeNvml.NotSupported("NVML_ERROR_NOT_SUPPORTED")
        return self.energy_mj[h]
