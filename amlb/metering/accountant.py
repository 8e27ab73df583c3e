"""Per-job energy and CO2e from the runner's exact resource measurements.

One :class:`EnergyAccountant` per runner process serves all job slots (it is thread-safe).
``job_started`` and ``job_finished`` each read the machine's counters once (``/proc/stat``,
RAPL, NVML: well under a millisecond without GPUs) and cut the machine's energy timeline
there (:mod:`amlb.metering.ledger`); a finishing job claims its share of every segment of
its window. No codecarbon tracker is started: its data and models are looked up once.

Row columns (see :data:`amlb.metering.api.ENERGY_COLUMNS`):

* ``energy_cpu_kwh``, ``energy_ram_kwh``, ``energy_gpu_kwh``: IT energy of the job at the
  machine; ``energy_gpu_kwh`` is 0 on a host without GPU and empty when GPUs exist but cannot
  be measured. ``energy_kwh`` is their sum, *without* PUE.
* ``co2e_kg`` = ``energy_kwh`` x ``pue`` x ``carbon_intensity_g_per_kwh`` / 1000; empty when the
  intensity is unset (no country configured: ``carbon_intensity_source`` says so).
* ``energy_method``: the methods of the components, e.g. ``rapl+nvml``, ``model:tdp+model:ram``;
  ``energy_estimated`` is true unless every component was measured.
* ``energy_<phase>_kwh`` (``fit``, ``predict``, ...): the job's energy split by the phases'
  wall time (static, RAM, GPU) and CPU time (dynamic CPU).
"""
from __future__ import annotations

import os
import re
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from amlb.metering.api import (
    MEASURED_METHODS,
    METHOD_NONE,
    METHOD_NVML,
    METHOD_RAPL,
    EnergyConfig,
    ResourceUsage,
)
from amlb.metering.carbon import CarbonIntensity, resolve_intensity
from amlb.metering.host import HostInfo, describe_host
from amlb.metering.ledger import Ledger, Segment, Share
from amlb.metering.power_model import PowerModel, build_power_model

J_PER_KWH = 3.6e6
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Counters:
    """Machine counters at one instant."""

    t: float  # time.monotonic()
    busy_s: float  # cumulative busy CPU-seconds of the whole machine (/proc/stat)
    rapl_package_j: float | None
    rapl_dram_j: float | None
    gpu_j: float | None


@dataclass(frozen=True, eq=False)
class JobWindow:
    """Opaque handle from :meth:`EnergyAccountant.job_started` (hashable by identity)."""

    boundary: int
    started: float  # time.monotonic()


@dataclass
class Attribution:
    """One job's energy (joules) by component, with the methods behind them."""

    share: Share
    cpu_method: str
    ram_method: str
    gpu_method: str | None  # None: no GPU on the host
    wall_s: float
    cpu_s: float

    @property
    def gpu_j(self) -> float | None:
        if self.gpu_method is None:
            return 0.0
        return self.share.gpu_j if self.gpu_method == METHOD_NVML else None

    @property
    def total_j(self) -> float:
        return self.share.cpu_j + self.share.ram_j + (self.gpu_j or 0.0)

    @property
    def methods(self) -> list[str]:
        out: list[str] = []
        for m in (self.cpu_method, self.ram_method, self.gpu_method):
            if m is not None and m not in out:
                out.append(m)
        return out


def read_busy_seconds(path: str = "/proc/stat") -> float:
    """Busy CPU-seconds of the machine since boot (user+nice+system+irq+softirq; not steal)."""
    try:
        with open(path, "rb") as f:
            fields = f.readline().split()
    except OSError:  # not Linux: psutil reads the same times
        import psutil  # noqa: PLC0415

        t = psutil.cpu_times()
        return sum(getattr(t, k, 0.0) for k in ("user", "nice", "system", "irq", "softirq"))
    ticks = [int(x) for x in fields[1:8]] + [0] * 7
    user, nice, system, _idle, _iowait, irq, softirq = ticks[:7]
    return (user + nice + system + irq + softirq) / _CLK_TCK


class EnergyAccountant:
    """Turns each job's measured resource use into energy and CO2e columns."""

    def __init__(self, cfg: EnergyConfig, host: HostInfo | None = None):
        if cfg.pue < 1.0:
            from amlb.errors import UserError

            raise UserError(f"energy.pue must be at least 1.0, got {cfg.pue}", "set the data centre's PUE, e.g. 1.2")
        self.cfg = cfg
        self.host = host or describe_host(cfg)
        self.intensity: CarbonIntensity = resolve_intensity(cfg.country, cfg.region, cfg.carbon_intensity_g_per_kwh)
        self.power: PowerModel = build_power_model(cfg, self.host.cpu_model, self.host.cores, self.host.sockets,
                                                   self.host.ram_gb, arm=self.host.is_arm)
        self.rapl = self.host.rapl_reader if self.host.rapl_reader and self.host.rapl_reader.available else None
        nvml = self.host.nvml_reader
        self.nvml = nvml if cfg.gpu and nvml is not None and nvml.available else None
        self.gpu_present = bool(self.host.gpus) and cfg.gpu
        self.cpu_method = METHOD_RAPL if self.rapl else self.power.cpu_method
        self.ram_method = METHOD_RAPL if self.rapl and self.rapl.has_dram else self.power.ram_method
        self.gpu_method = (METHOD_NVML if self.nvml else METHOD_NONE) if self.gpu_present else None
        self._dyn_j_per_cpu_s = self.power.cpu_dynamic_j_per_cpu_s(self.host.cores)
        self._lock = threading.Lock()
        self._ledger = Ledger(self.host.cores, self.host.ram_gb)
        self._open: weakref.WeakSet[JobWindow] = weakref.WeakSet()  # a window dropped unfinished stops counting
        self._last: Counters | None = None
        if self.rapl:
            self.rapl.start_refresh()
        self.host.power_model = {**self.power.to_dict(), "cpu_energy": self.cpu_method, "ram_energy": self.ram_method,
                                 "gpu_energy": self.gpu_method or "no GPU",
                                 "attribution": "dynamic CPU by CPU-seconds, static CPU by cores x wall, RAM by "
                                                "memory x wall, GPU by jobs open"}
        self.host.carbon = {"carbon_intensity_g_per_kwh": self.intensity.g_per_kwh,
                            "carbon_intensity_source": self.intensity.source, "pue": cfg.pue,
                            "country": self.intensity.country, "region": self.intensity.region}

    # --- counters and segments ------------------------------------------------------------
    def _read(self) -> Counters:
        package = dram = gpu = None
        if self.rapl:
            values = self.rapl.read()
            package, dram = values.get("package"), values.get("dram")
        if self.nvml:
            try:
                gpu = self.nvml.read()
            except Exception:  # noqa: BLE001 - a GPU fault must not fail the job's record
                gpu = None
        return Counters(time.monotonic(), read_busy_seconds(), package, dram, gpu)

    def _segment(self, a: Counters, b: Counters, open_jobs: int) -> Segment:
        dt = max(0.0, b.t - a.t)
        busy = min(max(0.0, b.busy_s - a.busy_s), self.host.cores * dt)
        static_model = self.power.cpu_static_w * dt
        if a.rapl_package_j is not None and b.rapl_package_j is not None:
            cpu = max(0.0, b.rapl_package_j - a.rapl_package_j)
            static = min(static_model, cpu)
            dynamic = cpu - static
        else:
            static, dynamic = static_model, self._dyn_j_per_cpu_s * busy
        if a.rapl_dram_j is not None and b.rapl_dram_j is not None:
            ram = max(0.0, b.rapl_dram_j - a.rapl_dram_j)
        else:
            ram = self.power.ram_power_w * dt
        gpu = None
        if a.gpu_j is not None and b.gpu_j is not None:
            gpu = max(0.0, b.gpu_j - a.gpu_j)
        return Segment(dt, busy, static, dynamic, ram, gpu, open_jobs=open_jobs)

    def _boundary(self) -> int:
        """Read the counters and cut the timeline (call with the lock held)."""
        now = self._read()
        closed = self._segment(self._last, now, len(self._open)) if self._last is not None else None
        self._last = now
        return self._ledger.add_boundary(closed)

    # --- the interface --------------------------------------------------------------------
    def job_started(self) -> JobWindow:
        """Snapshot the machine's counters at the start of a job."""
        with self._lock:
            window = JobWindow(self._boundary(), time.monotonic())
            self._open.add(window)
        return window

    def attribute(self, window: JobWindow, usage: ResourceUsage) -> Attribution:
        """Claim the job's share of the machine's energy over its window."""
        with self._lock:
            if window not in self._open:
                raise ValueError("this job window was already finished")
            end = self._boundary()
            self._open.discard(window)
            share = self._ledger.claim(window.boundary, end, usage.wall_s, usage.cpu_s,
                                       usage.cores_allotted or self.host.cores, self._memory_gb(usage))
            oldest = min((w.boundary for w in self._open), default=end)
            self._ledger.prune(oldest)
        return Attribution(share, self.cpu_method, self.ram_method, self.gpu_method, usage.wall_s, usage.cpu_s)

    def job_finished(self, window: JobWindow, usage: ResourceUsage) -> dict[str, Any]:
        """The job's energy columns for the results row."""
        return self.columns(self.attribute(window, usage), usage.phases)

    def machine_energy(self, since: JobWindow) -> Segment:
        """The whole machine's energy from ``since`` (an open window) until now, as one segment."""
        with self._lock:
            if since not in self._open:
                raise ValueError("machine_energy needs a window that is still open")
            end = self._boundary()
            return self._ledger.total(since.boundary, end)

    def close(self) -> None:
        """Stop the background RAPL reader."""
        if self.rapl:
            self.rapl.close()

    # --- columns --------------------------------------------------------------------------
    def _memory_gb(self, usage: ResourceUsage) -> float:
        if usage.memory_limit_mb:
            return usage.memory_limit_mb / 1024
        if usage.peak_rss_mb:
            return usage.peak_rss_mb / 1024
        cores = usage.cores_allotted or self.host.cores
        return self.host.ram_gb * min(1.0, cores / self.host.cores)

    def columns(self, a: Attribution, phases: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
        """Flatten an attribution to the results columns."""
        gpu_j = a.gpu_j
        total_kwh = a.total_j / J_PER_KWH
        co2 = (total_kwh * self.cfg.pue * self.intensity.g_per_kwh / 1000.0) if self.intensity.is_set else None
        row: dict[str, Any] = {
            "energy_cpu_kwh": a.share.cpu_j / J_PER_KWH,
            "energy_ram_kwh": a.share.ram_j / J_PER_KWH,
            "energy_gpu_kwh": None if gpu_j is None else gpu_j / J_PER_KWH,
            "energy_kwh": total_kwh,
            "co2e_kg": co2,
            "energy_method": "+".join(a.methods),
            "energy_estimated": any(m not in MEASURED_METHODS for m in a.methods),
            "carbon_intensity_g_per_kwh": self.intensity.g_per_kwh,
            "carbon_intensity_source": self.intensity.source,
            "pue": self.cfg.pue,
            "country": self.intensity.country,
            "region": self.intensity.region,
        }
        for name, phase in (phases or {}).items():
            column = f"energy_{re.sub(r'[^a-z0-9]+', '_', str(name).lower()).strip('_')}_kwh"
            row[column] = self._phase_j(a, phase) / J_PER_KWH
        return row

    @staticmethod
    def _phase_j(a: Attribution, phase: dict[str, float]) -> float:
        wall = max(0.0, float(phase.get("wall_s") or 0.0))
        cpu = max(0.0, float(phase.get("cpu_s") or 0.0))
        per_s = (a.share.cpu_static_j + a.share.ram_j + (a.gpu_j or 0.0)) / a.wall_s if a.wall_s > 0 else 0.0
        per_cpu_s = a.share.cpu_dynamic_j / a.cpu_s if a.cpu_s > 0 else 0.0
        return per_s * min(wall, a.wall_s) + per_cpu_s * min(cpu, a.cpu_s)
