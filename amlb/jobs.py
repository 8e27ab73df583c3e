"""One job's files and its verdict.

:func:`prepare` writes the job directory (``job.json`` for the adapter, the work and
temp dirs); :func:`conclude` reads what the adapter left there plus the executor's
:class:`~amlb.execution.api.Outcome` and fills the job record: a typed status,
scores, durations, inference times and resources. The rules are the same for every
executor (local, Docker).
"""
from __future__ import annotations

import errno
import io
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from amlb.adapter_result import AdapterError, AdapterResult, MalformedResult, parse_result
from amlb.datasets.api import FoldFiles, TaskData
from amlb.definitions import folder_name
from amlb.execution.api import Launch, Outcome
from amlb.execution.local import thread_caps
from amlb.execution.processes import signal_name
from amlb.job_settings import JobSettings
from amlb.jobfiles import LOG_TAIL_LINES, RESULT_MAX_BYTES, JobFileError, file_size, read_job_file, read_log_tail
from amlb.plan import Job
from amlb.record import JobRecord, Status, clean_float
from amlb.scoring import InvalidPredictions, main_metric, score

if TYPE_CHECKING:
    import pandas as pd

#: predictions.parquet may be at most this many bytes plus this many per cell of the test set
PREDICTIONS_BASE_BYTES = 16 << 20
PREDICTIONS_BYTES_PER_CELL = 256


def job_dir(out_dir: Path, job: Job, attempt: int) -> Path:
    sample = f"fold{job.fold}" if not job.repeat else f"repeat{job.repeat}.fold{job.fold}"
    return out_dir / "jobs" / job.framework.name / folder_name(job.task.name) / sample / f"attempt{attempt}"


def prepare(job: Job, task: TaskData, files: FoldFiles, directory: Path, cpus: tuple[int, ...],
            settings: JobSettings, tag: str) -> Launch:
    """Write ``job.json`` and the scratch dirs; return what the executor needs."""
    if directory.exists():
        shutil.rmtree(directory)
    work = directory / "work"
    for sub in ("tmp", "home", "cache"):
        (work / sub).mkdir(parents=True)
    config = {
        # "_"-prefixed params are for the adapter, not the model (as in AMLB): they come apart
        "framework": job.framework.name, "budget_seconds": job.budget_seconds,
        "params": {k: v for k, v in job.framework.params.items() if not str(k).startswith("_")},
        "cores": job.cores, "memory_mb": job.memory_mb, "seed": job.seed, "type": task.type,
        "target": task.target, "class_labels": task.class_labels,
        "metric": job.task.metric or {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}[task.type],
        "work_dir": str(work),
    }
    integration = {k: v for k, v in job.framework.params.items() if str(k).startswith("_")}
    if integration:  # only when there are some: job.json stays what older adapter helpers read
        config["integration_params"] = integration
    payload = {"config": config, "train": str(files.train), "test": str(files.test),
               "inference": {"batch_sizes": list(settings.inference_batch_sizes),
                             "repeats": settings.inference_repeats,
                             "max_seconds": settings.inference_seconds(job.budget_seconds)}}
    (directory / "job.json").write_text(json.dumps(payload, indent=1))
    env = {**thread_caps(job.cores), "TMPDIR": str(work / "tmp"), "TEMP": str(work / "tmp"),
           "TMP": str(work / "tmp"), "HOME": str(work / "home"), "XDG_CACHE_HOME": str(work / "cache"),
           "MPLCONFIGDIR": str(work / "cache" / "matplotlib"), "AMLB_JOB_TAG": tag}
    return Launch(job_dir=directory, work_dir=work, log_path=directory / "job.log",
                  data_dir=files.train.parent, cpus=cpus, memory_mb=job.memory_mb,
                  timeout_s=settings.timeout(job.budget_seconds), env=env, tag=tag)


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The end of a job-written log, bounded (the full log stays on disk)."""
    return read_log_tail(path, lines)


def _read_result(directory: Path) -> AdapterResult | MalformedResult | None:
    """result.json, checked; None when the job wrote none, the reason when it is unusable."""
    try:
        raw = read_job_file(directory, "result.json", RESULT_MAX_BYTES)
    except JobFileError as e:
        if e.errno == errno.ENOENT:
            return None
        return MalformedResult(str(e))
    try:
        return parse_result(raw)
    except MalformedResult as e:
        return e


def _read_predictions(directory: Path, rows: int, classes: int) -> pd.DataFrame:
    """predictions.parquet, read only as a regular file of a size that fits the test set."""
    cap = PREDICTIONS_BASE_BYTES + PREDICTIONS_BYTES_PER_CELL * rows * (classes + 1)
    raw = read_job_file(directory, "predictions.parquet", cap)
    import pandas as pd  # noqa: PLC0415 - loaded with the tasks, after the workers started

    return pd.read_parquet(io.BytesIO(raw))


def conclude(record: JobRecord, job: Job, task: TaskData, files: FoldFiles, launch: Launch,
             outcome: Outcome) -> JobRecord:
    """Fill ``record`` from the executor's outcome and the adapter's files.

    Whatever the job wrote is checked before use; a job's own bad output is its failure
    (framework_error, invalid_predictions), never the runner's.
    """
    record.environment = outcome.environment
    record.wall_seconds = clean_float(outcome.wall_s)
    record.cpu_user_s, record.cpu_sys_s = clean_float(outcome.cpu_user_s), clean_float(outcome.cpu_sys_s)
    record.peak_rss_mb = clean_float(outcome.peak_rss_mb)
    record.resource_method = outcome.resource_method
    record.leftover_processes = outcome.leftover_processes
    record.log_path = str(launch.log_path)
    record.log_tail = log_tail(launch.log_path)
    read = _read_result(launch.job_dir)
    result = read if isinstance(read, AdapterResult) else AdapterResult()
    record.training_duration = result.training_duration
    record.predict_duration = result.predict_duration
    record.models_count = result.models_count
    if result.framework_version:
        record.version = result.framework_version
    record.infer_seconds_per_row = dict(result.infer_seconds_per_row)
    record.inference_runs = dict(result.inference_runs)
    record.phases = dict(result.phases)
    if record.training_duration is not None:
        record.overrun_seconds = record.training_duration - job.budget_seconds
    elif outcome.timed_out and outcome.wall_s is not None:  # a lower bound: fit never returned
        record.overrun_seconds = outcome.wall_s - job.budget_seconds
    status, error_type, info = _status(outcome, result.error, launch)
    if isinstance(read, MalformedResult) and status in (Status.OK, Status.INVALID_PREDICTIONS):
        status, error_type, info = Status.FRAMEWORK_ERROR, "MalformedResult", f"unusable result.json: {read}"
    if status is Status.OK:
        import pandas as pd  # noqa: PLC0415

        truth = pd.read_parquet(files.test_target).iloc[:, 0]  # the runner's own file: its errors are ours
        try:
            predictions = _read_predictions(launch.job_dir, len(truth), len(task.class_labels or []))
            scored = score(task.type, truth, predictions, task.class_labels, job.task.metric, job.task.extra_metrics)
            record.metric, record.result, record.metrics = scored.metric, scored.result, scored.metrics
        except InvalidPredictions as e:
            status, error_type, info = Status.INVALID_PREDICTIONS, "InvalidPredictions", str(e)
        except Exception as e:  # noqa: BLE001 - the job's file could not be read or scored: its fault
            status, error_type, info = Status.INVALID_PREDICTIONS, type(e).__name__, f"unreadable predictions: {e}"
    if status is not Status.OK:
        record.metric = main_metric(task.type, job.task.metric)
    if status is Status.OK and result.note:  # what the adapter did differently (e.g. a fallback)
        info = result.note
    if outcome.leftover_processes and not info:
        info = f"{outcome.leftover_processes} leftover process(es) killed after the job"
    record.status, record.error_type, record.info = status, error_type[:200], info.replace("\n", " ")[:2000]
    return record


def _status(outcome: Outcome, error: AdapterError | None, launch: Launch) -> tuple[Status, str, str]:
    if outcome.infrastructure_error:
        return Status.INFRASTRUCTURE_ERROR, "InfrastructureError", outcome.infrastructure_error
    if outcome.memory_exceeded:
        limit = f" of {launch.memory_mb} MB" if launch.memory_mb else ""
        return Status.MEMORY_LIMIT, "MemoryLimit", f"the job exceeded its memory limit{limit}"
    if outcome.timed_out:
        return Status.TIMEOUT, "Timeout", f"the job ran past its time limit of {launch.timeout_s:.1f} s and was killed"
    if error:
        if error.type == "MemoryError":
            return Status.MEMORY_LIMIT, "MemoryError", error.message
        kind = Status.DATA_ERROR if error.stage == "load" else Status.FRAMEWORK_ERROR
        return kind, error.type, f"{error.type}: {error.message}"
    code = outcome.exit_code
    if code is None:
        return Status.INFRASTRUCTURE_ERROR, "NotStarted", "the job did not start"
    if code < 0:
        name = signal_name(-code)
        return Status.CRASH, name, f"the job process was killed by {name}"
    if code != 0:
        return Status.CRASH, f"exit {code}", f"the job process exited with code {code} without reporting an error"
    try:
        file_size(launch.job_dir, "predictions.parquet")
    except JobFileError as e:
        if e.errno == errno.ENOENT:
            return Status.INVALID_PREDICTIONS, "NoPredictions", "the job exited without writing predictions"
        return Status.INVALID_PREDICTIONS, "UnreadablePredictions", f"unusable predictions: {e}"
    return Status.OK, "", ""
