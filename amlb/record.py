"""The job record: one typed object per job attempt.

It flows from execution to the result store to the analysis and the site; the
results table (``results.csv``) is its serialisation, not a second model.

Column order: AMLB's own ``results.csv`` columns first (so existing tooling reads
our files), then the metrics, then our extra columns, then task meta-features
(``mf_*``).
"""
from __future__ import annotations

import dataclasses
import enum
import json
import math
from dataclasses import dataclass, field
from typing import Any


#: ``info`` of a ``running`` record whose runner stopped it (Ctrl-C, SIGTERM); any other ``running``
#: record found on resume was left by a runner that died under it
INTERRUPTED = "interrupted: the run was stopped while this job ran"


class Status(str, enum.Enum):
    """Final status of a job attempt. ``RUNNING`` is only ever seen in the store."""

    OK = "ok"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    FRAMEWORK_ERROR = "framework_error"
    CRASH = "crash"
    INVALID_PREDICTIONS = "invalid_predictions"
    SETUP_ERROR = "setup_error"
    DATA_ERROR = "data_error"
    INFRASTRUCTURE_ERROR = "infrastructure_error"
    RUNNING = "running"

    @property
    def is_failure(self) -> bool:
        return self not in (Status.OK, Status.RUNNING)


#: Metrics scored by the runner, in the column order AMLB uses.
METRICS: tuple[str, ...] = ("acc", "auc", "balacc", "logloss", "r2", "rmse", "mae")
#: Further metrics a task may name (``metric: [f1, mse]``): a column each, after METRICS, when scored.
EXTRA_METRICS: tuple[str, ...] = ("auc_ovo", "auc_ovr", "f05", "f1", "f2", "max_pce", "mean_pce", "pr_auc",
                                  "mse", "msle", "rmsle", "mape", "smape", "wape")
#: Metrics where lower is better: ``result`` holds them negated (``neg_logloss`` ...).
LOWER_IS_BETTER: frozenset[str] = frozenset({"logloss", "rmse", "mae", "mse", "msle", "rmsle", "max_pce", "mean_pce",
                                              "mape", "smape", "wape"})
#: Main metric per task type, as AMLB defines it.
DEFAULT_METRIC: dict[str, str] = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}
#: Metrics computed per task type.
TYPE_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("auc", "logloss", "acc", "balacc"),
    "multiclass": ("logloss", "acc", "balacc"),
    "regression": ("rmse", "r2", "mae"),
}

#: AMLB's results.csv columns, in AMLB's order (metrics follow them).
AMLB_COLUMNS: tuple[str, ...] = (
    "id", "task", "framework", "constraint", "fold", "type", "result", "metric", "mode",
    "version", "params", "app_version", "utc", "duration", "training_duration",
    "predict_duration", "models_count", "seed", "info",
)

#: AMLB's inference time columns are ``infer_batch_size_{data}_{N}``: median seconds to predict a batch of N
#: rows, ``data`` being ``file`` (read from a file by the predict call) or ``df`` (an in-memory DataFrame).
#: Our adapters time in-memory DataFrames, so our batches are AMLB's ``df`` ones.
AMLB_INFER_PREFIX = "infer_batch_size_df_"


@dataclass
class JobRecord:
    """Everything known about one attempt of one job (framework x task x fold x constraint)."""

    # --- identity (AMLB columns) ---
    id: str  # the task's identifier, e.g. "openml.org/t/59", "builtin/iris", "file/mytask"
    task: str
    framework: str
    constraint: str
    fold: int
    type: str = ""  # binary | multiclass | regression
    result: float | None = None  # main metric; lower-is-better metrics negated
    metric: str = ""  # main metric name as AMLB spells it, e.g. "auc", "neg_logloss"
    mode: str = "local"
    version: str = ""  # framework version
    params: str = ""  # JSON of the framework params
    app_version: str = ""
    utc: str = ""  # ISO-8601 time the attempt finished
    duration: float | None = None  # wall seconds of the whole job, as seen by the runner
    training_duration: float | None = None
    predict_duration: float | None = None
    models_count: int | None = None
    seed: int | None = None
    info: str = ""  # failure message (one line) or notes
    metrics: dict[str, float] = field(default_factory=dict)

    # --- our columns ---
    status: Status = Status.RUNNING
    #: the repeat of a repeated cross-validation (OpenML's repeat); ``fold`` is the fold within it.
    #: Records stored before repeats existed have none: repeat 0.
    repeat: int = 0
    error_type: str = ""  # exception type or signal name for failures
    attempt: int = 1
    run_id: str = ""
    budget_seconds: float | None = None
    overrun_seconds: float | None = None  # training_duration - budget
    cores: int | None = None
    cpuset: str = ""  # e.g. "0-1"
    host: str = ""  # machine that ran the attempt; "host/dask-worker-address" on a Dask cluster
    memory_mb: int | None = None
    environment: str = ""  # venv key or docker image id
    isolation: str = ""  # the job's sandbox: "bwrap uid=65534 net=none pid-ns cgroup", "docker ...", "none (why)"
    # resources, measured per job over its whole process tree
    wall_seconds: float | None = None
    cpu_user_s: float | None = None
    cpu_sys_s: float | None = None
    peak_rss_mb: float | None = None
    resource_method: str = ""  # cgroup | wait4 | docker-cgroup
    leftover_processes: int = 0  # processes of the job still alive after it ended (killed by the executor)
    # inference timing: median seconds per row, per batch size
    infer_seconds_per_row: dict[int, float] = field(default_factory=dict)
    # what each of those figures used: batch size -> (distinct test rows in the batch, timed repeats)
    inference_runs: dict[int, tuple[int, int]] = field(default_factory=dict)
    # energy and carbon (filled by amlb.metering)
    energy: dict[str, Any] = field(default_factory=dict)
    # wall and CPU seconds per phase (fit, predict, inference) as the adapter measured them; stored, not exported
    phases: dict[str, dict[str, float]] = field(default_factory=dict)
    # task meta-features (filled by amlb.datasets): exported as mf_<name>
    meta_features: dict[str, Any] = field(default_factory=dict)
    log_path: str = ""
    log_tail: str = ""

    @property
    def key(self) -> tuple[str, str, str, int, int]:
        """What makes a job unique within a run."""
        return (self.framework, self.task, self.constraint, self.fold, self.repeat)

    def to_row(self) -> dict[str, Any]:
        """Flatten to one results.csv row (AMLB columns, metrics, ours, meta-features)."""
        row: dict[str, Any] = {c: getattr(self, c) for c in AMLB_COLUMNS}
        for m in METRICS:
            row[m] = self.metrics.get(m)
        for m in EXTRA_METRICS:
            if m in self.metrics:
                row[m] = self.metrics[m]
        row["status"] = self.status.value
        for name in _OUR_COLUMNS:
            row[name] = getattr(self, name)
        for size, secs in sorted(self.infer_seconds_per_row.items()):
            row[f"infer_s_per_row_{size}"] = secs
        for size, secs in sorted(self.infer_seconds_per_row.items()):  # AMLB's name: seconds per batch
            row[f"{AMLB_INFER_PREFIX}{size}"] = secs * size
        for size, (rows, repeats) in sorted(self.inference_runs.items()):
            row[f"infer_rows_{size}"], row[f"infer_repeats_{size}"] = rows, repeats
        for k, v in self.energy.items():
            row[k] = v
        for k, v in self.meta_features.items():
            row[f"mf_{k}"] = v
        return row

    def to_json(self) -> str:
        d = dataclasses.asdict(self)
        d["status"] = self.status.value
        d["infer_seconds_per_row"] = {str(k): v for k, v in self.infer_seconds_per_row.items()}
        d["inference_runs"] = {str(k): list(v) for k, v in self.inference_runs.items()}
        return json.dumps(d, default=_json_default, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "JobRecord":
        d = json.loads(text)
        d["status"] = Status(d["status"])
        d["infer_seconds_per_row"] = {int(k): v for k, v in d.get("infer_seconds_per_row", {}).items()}
        d["inference_runs"] = {int(k): tuple(v) for k, v in d.get("inference_runs", {}).items()}
        return cls(**{k: v for k, v in d.items() if k in _FIELDS})


_NESTED = {"metrics", "infer_seconds_per_row", "inference_runs", "energy", "meta_features", "phases"}
_FIELDS = frozenset(f.name for f in dataclasses.fields(JobRecord))
#: the record's own columns after AMLB's and the metrics, in field order (the nested ones are flattened apart)
_OUR_COLUMNS = tuple(f.name for f in dataclasses.fields(JobRecord)
                     if f.name not in AMLB_COLUMNS and f.name not in _NESTED and f.name != "status")


def _json_default(o: Any) -> Any:
    if isinstance(o, enum.Enum):
        return o.value
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_float(x: Any) -> float | None:
    """A float, or None for missing / non-finite values (JSON has no NaN)."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
