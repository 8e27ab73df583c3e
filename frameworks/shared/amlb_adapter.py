"""Adapter-side helper: runs one job inside a framework's own environment.

An adapter's ``exec.py`` defines one function::

    def fit(train: TrainData, config: JobConfig) -> Fitted

and may define ``version() -> str``. This module does everything else: it reads the
job (``job.json`` and the Parquet fold files), times ``fit`` and the prediction of the
test set, measures inference time per row on batches after an untimed warm-up, and
writes ``predictions.parquet`` and ``result.json`` for the runner to validate and score.

It depends on nothing but the standard library, numpy, pandas and pyarrow, and never
imports the runner package, so it works in any framework environment (venv or image).

Run one job by hand (what Docker mode does)::

    python amlb_adapter.py path/to/exec.py path/to/job_dir
"""
from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np
import pandas as pd

PROTOCOL_VERSION = 1
#: inference timing ends this long before the runner's kill deadline, and uses at most this share of the rest
INFERENCE_MARGIN_S, INFERENCE_SHARE_OF_REST = 2.0, 0.5
#: exit codes of a job process, read by the runner
EXIT_OK, EXIT_FRAMEWORK_ERROR, EXIT_BAD_JOB = 0, 1, 3


@dataclass(frozen=True)
class JobConfig:
    """What a framework may know about its job."""

    framework: str
    params: dict[str, Any]
    budget_seconds: float
    cores: int
    memory_mb: int | None
    seed: int
    type: str  # binary | multiclass | regression
    target: str
    class_labels: list[str] | None
    metric: str  # the main metric the framework should optimise, e.g. "auc", "logloss", "rmse"
    work_dir: str  # the job's own scratch directory (also the cwd)
    #: the definition's "_"-prefixed params (AMLB's "for the integration, not the model"); not in ``params``
    integration_params: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrainData:
    """Training data: features with their dtypes (categoricals stay categorical) and the target."""

    X: pd.DataFrame
    y: pd.Series

    @property
    def is_classification(self) -> bool:
        return isinstance(self.y.dtype, pd.CategoricalDtype)


@dataclass
class Fitted:
    """A fitted model as the adapter returns it.

    ``predict`` returns labels (classification) or values (regression);
    ``predict_proba`` returns class probabilities with columns in ``config.class_labels``
    order (an array, or a DataFrame whose columns are the labels).
    ``close``, when given, is called once when the job is done with the model (after the
    inference timing, or after a failed prediction): it stops what must outlive ``fit`` to
    predict (a JVM cluster, a server). The job process ends with ``os._exit``: ``atexit``
    handlers do not run.
    """

    predict: Callable[[pd.DataFrame], Any]
    predict_proba: Callable[[pd.DataFrame], Any] | None = None
    models_count: int | None = None
    info: dict[str, Any] = field(default_factory=dict)
    close: Callable[[], None] | None = None


def ordinal_encode(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical and text columns as float codes (missing stays NaN): for estimators that need numbers."""
    out = {}
    for name, col in X.items():
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes = col.cat.codes.astype("float64")
            out[name] = codes.where(codes >= 0)
        elif col.dtype == object or pd.api.types.is_string_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            codes = pd.Categorical(col).codes.astype("float64")
            out[name] = pd.Series(codes, index=col.index).where(codes >= 0)
        else:
            out[name] = col.astype("float64")
    return pd.DataFrame(out, index=X.index)


def object_columns(X: pd.DataFrame) -> pd.DataFrame:
    """Categorical and text columns as object columns with NaN for missing values: what frameworks
    built on scikit-learn's imputers and one-hot encoders expect."""
    out = X.copy()
    for name, col in X.items():
        if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col.dtype):
            out[name] = col.astype(object).where(col.notna(), np.nan)
    return out


def seconds_left(config: JobConfig) -> float:
    """The job's budget minus what its process has already spent (at least 1 s): a Docker job imports
    the framework in its own process before fit (seconds to tens of seconds), a job forked from a warm
    worker starts at 0. For frameworks whose time limit covers the whole fit."""
    with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
        started_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22: start time since boot
        spent = float(uptime.read().split()[0]) - started_ticks / os.sysconf("SC_CLK_TCK")
    return max(1.0, config.budget_seconds - spent)


def stop_joblib_workers() -> None:
    """Stop joblib's loky worker pool and the loky and multiprocessing resource trackers, if this
    process started them (frameworks that parallelise with joblib leave them running otherwise)."""
    import multiprocessing.resource_tracker  # noqa: PLC0415

    from joblib.externals.loky import reusable_executor  # noqa: PLC0415
    from joblib.externals.loky.backend import resource_tracker  # noqa: PLC0415

    if reusable_executor._executor is not None:  # noqa: SLF001 - get_reusable_executor() would start one
        reusable_executor._executor.shutdown(wait=True, kill_workers=True)  # noqa: SLF001
    resource_tracker._resource_tracker._stop()  # noqa: SLF001 - no public stop; a no-op when not running
    multiprocessing.resource_tracker._resource_tracker._stop()  # noqa: SLF001


def warm_up() -> None:
    """Load the Parquet reader and writer once (a warm worker then forks jobs that have them)."""
    import io  # noqa: PLC0415

    buf = io.BytesIO()
    frame = pd.DataFrame({"x": [1.0], "c": pd.Categorical(["a"])})
    frame.to_parquet(buf, index=False)
    buf.seek(0)
    pd.read_parquet(buf)


def load_exec_module(exec_path: str | Path) -> ModuleType:
    """Import an adapter's exec.py (its heavy imports happen here, once per worker)."""
    exec_path = Path(exec_path).resolve()
    sys.path.insert(0, str(exec_path.parent))
    spec = importlib.util.spec_from_file_location("amlb_exec", exec_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {exec_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "fit", None)):
        raise ImportError(f"{exec_path} defines no fit(train, config) function")
    return module


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _Phase:
    """Wall and CPU seconds of one phase (fit, predict, inference timing)."""

    def __init__(self, phases: dict[str, dict[str, float]], name: str):
        self.phases, self.name = phases, name

    def __enter__(self) -> "_Phase":
        self.t0, self.c0 = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.phases[self.name] = {
            "wall_s": time.perf_counter() - self.t0,
            "cpu_s": _cpu_seconds() - self.c0,
        }


#: probability columns of predictions.parquet are named PROBA_PREFIX + class label, so no class label
#: (not even one called "prediction") can collide with the "prediction" column
PROBA_PREFIX = "proba_"


def _probabilities(fitted: Fitted, X: pd.DataFrame, labels: list[str]) -> pd.DataFrame | None:
    proba = _class_probabilities(fitted, X, labels)
    return None if proba is None else proba.set_axis([PROBA_PREFIX + c for c in labels], axis=1)


def _class_probabilities(fitted: Fitted, X: pd.DataFrame, labels: list[str]) -> pd.DataFrame | None:
    if fitted.predict_proba is None:
        return None
    proba = fitted.predict_proba(X)
    if isinstance(proba, pd.DataFrame):
        proba = proba.rename(columns=str)
        missing = [c for c in labels if c not in proba.columns]
        if missing:
            raise ValueError(f"predict_proba lacks columns for classes {missing}")
        return proba[labels].reset_index(drop=True).astype("float64")
    arr = np.asarray(proba, dtype="float64")
    if arr.ndim != 2 or arr.shape[1] != len(labels):
        raise ValueError(f"predict_proba returned shape {arr.shape}, expected (n, {len(labels)})")
    return pd.DataFrame(arr, columns=labels)


def inference_deadline(max_seconds: float, now: float | None = None) -> float:
    """``time.perf_counter()`` value at which inference timing stops.

    At most ``max_seconds`` from now, and never later than ``INFERENCE_MARGIN_S`` before
    the runner kills the job (``AMLB_JOB_DEADLINE``, epoch seconds, set by the worker):
    measuring inference must not turn a finished job into a timeout.
    """
    now = time.perf_counter() if now is None else now
    seconds = max_seconds
    kill_at = os.environ.get("AMLB_JOB_DEADLINE")
    if kill_at:
        try:
            left = float(kill_at) - time.time() - INFERENCE_MARGIN_S
        except ValueError:
            left = seconds
        seconds = min(seconds, max(0.0, left * INFERENCE_SHARE_OF_REST))
    return now + seconds


def _time_inference(fitted: Fitted, X: pd.DataFrame, sizes: list[int], repeats: int,
                    deadline: float, seed: int) -> tuple[dict[str, float], dict[str, dict[str, int]]]:
    """Median seconds per row for each batch size, after an untimed warm-up; and for each size
    what its figure used: ``rows`` (distinct test rows in the batch) and ``repeats`` (timed calls).

    Batches are rows drawn from ``X`` (with replacement when the batch is larger). Sizes
    are measured smallest first, each ``repeats`` times, until ``deadline``
    (``time.perf_counter()``): a size started is measured at least once, sizes not
    reached are left out.
    """
    if len(X) == 0 or not sizes or time.perf_counter() >= deadline:
        return {}, {}
    rng = np.random.default_rng(seed)
    fitted.predict(X.iloc[:1])  # warm-up: lazy initialisation, caches, JIT
    out: dict[str, float] = {}
    used: dict[str, dict[str, int]] = {}
    for size in sorted(set(sizes)):
        if time.perf_counter() >= deadline:
            break
        rows = rng.choice(len(X), size=size, replace=size > len(X))
        batch = X.iloc[rows]
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            fitted.predict(batch)
            times.append(time.perf_counter() - t0)
            if time.perf_counter() >= deadline:
                break
        out[str(size)] = float(np.median(times)) / size
        used[str(size)] = {"rows": min(size, len(X)), "repeats": len(times)}
    return out, used


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, default=str))
    os.replace(tmp, path)


def _close(fitted: Fitted | None, result: dict[str, Any]) -> None:
    """Call the adapter's ``close``; a failure there is noted, the results stand."""
    if fitted is None or fitted.close is None:
        return
    try:
        fitted.close()
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        result["close_error"] = f"{type(e).__name__}: {e}"


def run_job(job_dir: str | Path, module: ModuleType) -> int:
    """Run the job described in ``job_dir/job.json`` with the adapter ``module``; return an exit code."""
    job_dir = Path(job_dir)
    result: dict[str, Any] = {"protocol": PROTOCOL_VERSION, "error": None, "phases": {}}
    try:
        job = json.loads((job_dir / "job.json").read_text())
        config = JobConfig(**job["config"])
        train = pd.read_parquet(job["train"])
        X_test = pd.read_parquet(job["test"])
    except Exception as e:  # noqa: BLE001 - reported to the runner
        traceback.print_exc()
        result["error"] = {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc(),
                           "stage": "load"}
        _write_json_atomic(job_dir / "result.json", result)
        return EXIT_BAD_JOB
    phases: dict[str, dict[str, float]] = result["phases"]
    fitted: Fitted | None = None
    try:
        version = getattr(module, "version", None)
        if callable(version):
            result["framework_version"] = str(version())
        X, y = train.drop(columns=[config.target]), train[config.target]
        with _Phase(phases, "fit"):
            fitted = module.fit(TrainData(X=X, y=y), config)
        result["training_duration"] = phases["fit"]["wall_s"]
        with _Phase(phases, "predict"):
            predictions = pd.DataFrame({"prediction": np.asarray(fitted.predict(X_test)).ravel()})
            if config.class_labels:
                proba = _probabilities(fitted, X_test, config.class_labels)
                if proba is not None:
                    predictions = pd.concat([predictions, proba], axis=1)
        result["predict_duration"] = phases["predict"]["wall_s"]
        if config.class_labels:
            predictions["prediction"] = predictions["prediction"].astype(str)
        predictions.to_parquet(job_dir / "predictions.parquet", index=False)
        result["models_count"] = fitted.models_count
        result["info"] = fitted.info
    except (Exception, SystemExit) as e:  # noqa: BLE001 - the framework's own failure, reported as such
        traceback.print_exc()
        result["error"] = {"type": type(e).__name__, "message": str(e), "traceback": traceback.format_exc(),
                           "stage": "fit" if "training_duration" not in result else "predict"}
        _close(fitted, result)
        _write_json_atomic(job_dir / "result.json", result)
        return EXIT_FRAMEWORK_ERROR
    inference = job.get("inference", {})
    try:
        with _Phase(phases, "inference"):
            result["infer_seconds_per_row"], result["inference_runs"] = _time_inference(
                fitted, X_test, list(inference.get("batch_sizes", [])), int(inference.get("repeats", 3)),
                inference_deadline(float(inference.get("max_seconds", 30.0))), config.seed)
    except Exception as e:  # noqa: BLE001 - the predictions stand; only the timing is missing
        traceback.print_exc()
        result["inference_error"] = f"{type(e).__name__}: {e}"
    _close(fitted, result)
    code = EXIT_OK
    _write_json_atomic(job_dir / "result.json", result)
    return code


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python amlb_adapter.py EXEC_PY JOB_DIR", file=sys.stderr)
        return 2
    return run_job(argv[1], load_exec_module(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
