"""Run-wide settings that shape every job (time limits, inference timing, worker start-up).

Read from the ``job`` section of the config; light to import (the runner needs the worker
start-up bound before it loads anything else).
"""
from __future__ import annotations

from dataclasses import dataclass

from amlb.config import Config

#: bounds of the time a framework's worker may take to import its adapter (see JobSettings.ready_timeout)
READY_MIN_S, READY_MAX_S = 60.0, 600.0


@dataclass(frozen=True)
class JobSettings:
    """Run-wide settings that shape every job."""

    time_tolerance_ratio: float
    time_grace_seconds: float
    inference_batch_sizes: tuple[int, ...]
    inference_repeats: int
    inference_max_seconds: float
    ready_timeout_seconds: float | None = None  # None: a job's own wall-clock limit
    inference_budget_share: float = 1.0  # inference timing takes at most this share of a job's budget

    def inference_seconds(self, budget: float) -> float:
        """The most a job may spend measuring inference: the fixed cap, and a share of its budget."""
        return min(self.inference_max_seconds, self.inference_budget_share * budget)

    def timeout(self, budget: float) -> float:
        return budget * (1 + self.time_tolerance_ratio) + self.time_grace_seconds

    def ready_timeout(self, budget: float) -> float:
        """How long a framework's worker may take to import its adapter before its jobs are setup errors:
        the job's own time limit, within [READY_MIN_S, READY_MAX_S] (a loaded machine imports slowly)."""
        if self.ready_timeout_seconds is not None:
            return self.ready_timeout_seconds
        return min(max(self.timeout(budget), READY_MIN_S), READY_MAX_S)


def job_settings(config: Config) -> JobSettings:
    cfg = config["job"]
    return JobSettings(cfg["time_tolerance_ratio"], cfg["time_grace_seconds"], tuple(cfg["inference_batch_sizes"]),
                       cfg["inference_repeats"], cfg["inference_max_seconds"], cfg["ready_timeout_seconds"],
                       cfg.get("inference_budget_share", 1.0))
