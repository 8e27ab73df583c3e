"""The runner's bridge to energy accounting (:mod:`amlb.metering`)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from amlb.config import Config
from amlb.metering import EnergyAccountant, EnergyConfig, JobWindow, ResourceUsage, describe_host
from amlb.record import JobRecord

if TYPE_CHECKING:
    from amlb.plan import Job


class EnergyHook:
    """Snapshots before a job; energy and CO2 columns after it."""

    def __init__(self, config: Config):
        self.host = describe_host()
        self.accountant = EnergyAccountant(EnergyConfig.from_mapping(config["energy"]), self.host)

    def host_record(self) -> dict[str, Any]:
        return self.host.to_dict()

    def start(self) -> JobWindow:
        return self.accountant.job_started()

    def finish(self, window: JobWindow, record: JobRecord, job: "Job") -> dict[str, Any]:
        if record.cpu_user_s is None or record.wall_seconds is None:
            return {}
        usage = ResourceUsage(wall_s=record.wall_seconds, cpu_user_s=record.cpu_user_s,
                              cpu_sys_s=record.cpu_sys_s or 0.0, peak_rss_mb=record.peak_rss_mb,
                              cores_allotted=job.cores, memory_limit_mb=job.memory_mb, phases=record.phases)
        return self.accountant.job_finished(window, usage)

    def close(self) -> None:
        self.accountant.close()

