"""One job's files and its verdict.

:func:`prepare` writes the job directory (``job.json`` for the adapter, the work and
temp dirs); :func:`conclude` reads what the adapter left there plus the executor's
:class:`~amlb.execution.api.Outcome` and fills the job record: a typed status,
scores, durations, inference times and resources. The rules are the same for every
executor (local, Docker).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from amlb.datasets.api import FoldFiles, TaskData
from amlb.execution.api import Launch, Outcome
from amlb.execution.local import thread_caps
from amlb.execution.processes import signal_name
from amlb.plan import Job
from amlb.record import JobRecord, Status, clean_float
from amlb.scoring import InvalidPredictions, main_metric, score

LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class JobSettings:
    """Run-wide settings that shape every job."""

    time_tolerance_ratio: float
    time_grace_seconds: float
    inference_batch_sizes: tuple[int, ...]
    inference_repeats: int
    inference_max_seconds: float

    def timeout(self, budget: float) -> float:
        return budget * (1 + self.time_tolerance_ratio) + self.time_grace_seconds


def job_dir(out_dir: Path, job: Job, attempt: int) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in job.task.name)
    return out_dir / "jobs" / job.framework.name / safe / f"fold{job.fold}" / f"attempt{attempt}"


def prepare(job: Job, task: TaskData, files: FoldFiles, directory: Path, cpus: tuple[int, ...],
            settings: JobSettings, tag: str) -> Launch:
    """Write ``job.json`` and the scratch dirs; return what the executor needs."""
    if directory.exists():
        shutil.rmtree(directory)
    work = directory / "work"
    for sub in ("tmp", "home", "cache"):
        (work / sub).mkdir(parents=True)
    config = {
        "framework": job.framework.name, "params": job.framework.params, "budget_seconds": job.budget_seconds,
        "cores": job.cores, "memory_mb": job.memory_mb, "seed": job.seed, "type": task.type,
        "target": task.target, "class_labels": task.class_labels,
        "metric": job.task.metric or {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}[task.type],
        "work_dir": str(work),
    }
    payload = {"config": config, "train": str(files.train), "test": str(files.test),
               "inference": {"batch_sizes": list(settings.inference_batch_sizes),
                             "repeats": settings.inference_repeats, "max_seconds": settings.inference_max_seconds}}
    (directory / "job.json").write_text(json.dumps(payload, indent=1))
    env = {**thread_caps(job.cores), "TMPDIR": str(work / "tmp"), "TEMP": str(work / "tmp"),
           "TMP": str(work / "tmp"), "HOME": str(work / "home"), "XDG_CACHE_HOME": str(work / "cache"),
           "MPLCONFIGDIR": str(work / "cache" / "matplotlib"), "AMLB_JOB_TAG": tag}
    return Launch(job_dir=directory, work_dir=work, log_path=directory / "job.log",
                  data_dir=files.train.parent, cpus=cpus, memory_mb=job.memory_mb,
                  timeout_s=settings.timeout(job.budget_seconds), env=env, tag=tag)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _read_result(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((directory / "result.json").read_text())
    except (OSError, ValueError):
        return None


def conclude(record: JobRecord, job: Job, task: TaskData, files: FoldFiles, launch: Launch,
             outcome: Outcome) -> JobRecord:
    """Fill ``record`` from the executor's outcome and the adapter's files."""
    record.environment = outcome.environment
    record.wall_seconds = clean_float(outcome.wall_s)
    record.cpu_user_s, record.cpu_sys_s = clean_float(outcome.cpu_user_s), clean_float(outcome.cpu_sys_s)
    record.peak_rss_mb = clean_float(outcome.peak_rss_mb)
    record.resource_method = outcome.resource_method
    record.leftover_processes = outcome.leftover_processes
    record.log_path = str(launch.log_path)
    record.log_tail = log_tail(launch.log_path)
    result = _read_result(launch.job_dir) or {}
    record.training_duration = clean_float(result.get("training_duration"))
    record.predict_duration = clean_float(result.get("predict_duration"))
    record.models_count = result.get("models_count")
    if result.get("framework_version"):
        record.version = str(result["framework_version"])
    record.infer_seconds_per_row = {int(k): v for k, v in (result.get("infer_seconds_per_row") or {}).items()}
    record.phases = {k: v for k, v in (result.get("phases") or {}).items() if isinstance(v, dict)}
    if record.training_duration is not None:
        record.overrun_seconds = record.training_duration - job.budget_seconds
    elif outcome.timed_out and outcome.wall_s is not None:  # a lower bound: fit never returned
        record.overrun_seconds = outcome.wall_s - job.budget_seconds
    error = result.get("error")
    status, error_type, info = _status(outcome, error, launch)
    if status is Status.OK:
        try:
            truth = pd.read_parquet(files.test_target).iloc[:, 0]
            predictions = pd.read_parquet(launch.job_dir / "predictions.parquet")
            scored = score(task.type, truth, predictions, task.class_labels, job.task.metric)
            record.metric, record.result, record.metrics = scored.metric, scored.result, scored.metrics
        except InvalidPredictions as e:
            status, error_type, info = Status.INVALID_PREDICTIONS, "InvalidPredictions", str(e)
        except (OSError, ValueError) as e:
            status, error_type, info = Status.INVALID_PREDICTIONS, type(e).__name__, f"unreadable predictions: {e}"
    if status is not Status.OK:
        record.metric = main_metric(task.type, job.task.metric)
    adapter_info = result.get("info") if isinstance(result.get("info"), dict) else {}
    if status is Status.OK and isinstance(adapter_info.get("note"), str):  # what the adapter did differently
        info = adapter_info["note"]
    if outcome.leftover_processes and not info:
        info = f"{outcome.leftover_processes} leftover process(es) killed after the job"
    record.status, record.error_type, record.info = status, error_type, info.replace("\n", " ")[:2000]
    return record


def _status(outcome: Outcome, error: dict | None, launch: Launch) -> tuple[Status, str, str]:
    if outcome.infrastructure_error:
        return Status.INFRASTRUCTURE_ERROR, "InfrastructureError", outcome.infrastructure_error
    if outcome.memory_exceeded:
        limit = f" of {launch.memory_mb} MB" if launch.memory_mb else ""
        return Status.MEMORY_LIMIT, "MemoryLimit", f"the job exceeded its memory limit{limit}"
    if outcome.timed_out:
        return Status.TIMEOUT, "Timeout", f"the job ran past its time limit of {launch.timeout_s:.1f} s and was killed"
    if error:
        if error.get("type") == "MemoryError":
            return Status.MEMORY_LIMIT, "MemoryError", error.get("message", "")
        kind = Status.DATA_ERROR if error.get("stage") == "load" else Status.FRAMEWORK_ERROR
        return kind, str(error.get("type", "")), f"{error.get('type')}: {error.get('message', '')}"
    code = outcome.exit_code
    if code is None:
        return Status.INFRASTRUCTURE_ERROR, "NotStarted", "the job did not start"
    if code < 0:
        name = signal_name(-code)
        return Status.CRASH, name, f"the job process was killed by {name}"
    if code != 0:
        return Status.CRASH, f"exit {code}", f"the job process exited with code {code} without reporting an error"
    if not (launch.job_dir / "predictions.parquet").is_file():
        return Status.INVALID_PREDICTIONS, "NoPredictions", "the job exited without writing predictions"
    return Status.OK, "", ""
