"""Benchmark definition files: a YAML list of tasks, in AMLB's format.

Besides amlb's keys, every key AMLB's benchmark files use is read:

- ``__defaults__``: a task of that name gives its keys to every task of the file that lacks them;
- ``enabled: false``: the task is skipped (and not checked, as AMLB skips it);
- ``openml_data_id`` (AMLB's older spelling of ``openml_dataset_id``); a non-positive
  ``openml_task_id`` beside a dataset id (AMLB's ``-1`` placeholder) means "no task";
- ``metric``: a name or a list, the first optimised, all scored (:mod:`amlb.metrics`);
- ``cores``/``max_mem_size_mb`` of ``-1`` or ``0``: unset (the constraint's, as AMLB's "auto");
- ``dataset: "PATH"``: short for ``dataset: {path: PATH}`` (:mod:`amlb.datasets.sources`);
- AWS-only keys (``ec2_instance_type``, ``ec2_volume_type``, ``min_vol_size_mb``) and
  ``quantile_levels`` (time-series forecasts, which amlb does not run) are ignored, with one
  warning line per file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from amlb.config import load_yaml
from amlb.datasets.api import TaskSpec
from amlb.errors import UserError, warn
from amlb.metrics import metric_names

#: keys of a task in amlb's own format
TASK_KEYS = {"name", "openml_task_id", "openml_dataset_id", "dataset", "builtin", "folds", "repeats", "metric",
             "description", "max_runtime_seconds", "cores", "max_mem_size_mb", "target", "type", "fold_seed"}
#: AMLB keys that have no meaning here: ignored with a warning (what they are for)
IGNORED_KEYS = {"ec2_instance_type": "AWS only", "ec2_volume_type": "AWS only", "min_vol_size_mb": "AWS only",
                "quantile_levels": "time-series forecasts only"}
#: AMLB keys read here besides amlb's own
AMLB_KEYS = {"enabled", "openml_data_id"}
SOURCES = ("openml_task_id", "openml_dataset_id", "dataset", "builtin")
DEFAULTS_TASK = "__defaults__"
#: per-task values a job reads (``TaskSpec.extra``)
EXTRA_KEYS = ("max_runtime_seconds", "cores", "max_mem_size_mb", "target", "type", "fold_seed")

LimitCheck = Callable[[dict, str], None]


def read_benchmark_file(path: Path, check_limits: LimitCheck) -> list[TaskSpec]:
    """The enabled tasks of a benchmark file, checked; ``check_limits`` checks resource values."""
    data, lines = load_yaml(path)
    if not isinstance(data, list):
        raise UserError(f"benchmark {path} must be a list of tasks", "see resources/benchmarks/example.yaml")
    entries: list[tuple[dict, str]] = []
    defaults: dict[str, Any] = {}
    ignored: set[str] = set()
    for i, entry in enumerate(data):
        where = f"{path}, line {lines.get(str(i))}"
        if not isinstance(entry, dict) or "name" not in entry:
            raise UserError(f"task {i + 1} of {where} has no name", "give every task a name")
        _check_keys(entry, where)
        ignored |= set(entry) & set(IGNORED_KEYS)
        if entry["name"] == DEFAULTS_TASK:
            defaults = {k: v for k, v in entry.items() if k not in ("name", "enabled", "description")}
        else:
            entries.append((entry, where))
    if ignored:
        warn(f"{path}: ignored AMLB task key(s): " +
             ", ".join(f"{k} ({IGNORED_KEYS[k]})" for k in sorted(ignored)))
    specs = []
    for entry, where in entries:
        merged = {**defaults, **entry}
        enabled = merged.get("enabled", True)
        if not isinstance(enabled, bool):
            raise UserError(f"enabled of task '{entry['name']}' ({where}) must be true or false, got {enabled!r}",
                            "correct its value")
        if enabled:
            specs.append(_task_spec(merged, where, path, check_limits))
    return specs


def _check_keys(entry: dict, where: str) -> None:
    unknown = set(entry) - TASK_KEYS - AMLB_KEYS - set(IGNORED_KEYS)
    if unknown:
        allowed = sorted(TASK_KEYS | AMLB_KEYS | set(IGNORED_KEYS))
        raise UserError(f"unknown key '{sorted(unknown)[0]}' in task '{entry['name']}' ({where})",
                        f"allowed keys: {', '.join(allowed)}")


def _task_spec(entry: dict, where: str, path: Path, check_limits: LimitCheck) -> TaskSpec:
    entry = {k: v for k, v in entry.items() if k not in IGNORED_KEYS and k != "enabled"}
    name = entry["name"]
    if "openml_data_id" in entry:
        if entry.get("openml_dataset_id") not in (None, entry["openml_data_id"]):
            raise UserError(f"task '{name}' ({where}) has both openml_data_id and openml_dataset_id",
                            "keep one of them")
        entry["openml_dataset_id"] = entry.pop("openml_data_id")
    task_id = entry.get("openml_task_id")
    if isinstance(task_id, int) and not isinstance(task_id, bool) and task_id <= 0 and entry.get("openml_dataset_id"):
        entry.pop("openml_task_id")  # AMLB's placeholder for "no OpenML task yet"
    for key in ("openml_task_id", "openml_dataset_id"):
        value = entry.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
            raise UserError(f"{key} of task '{name}' ({where}) must be a whole number > 0, got {value!r}",
                            "correct its value")
    for key in ("cores", "max_mem_size_mb"):  # AMLB's -1 (or 0): "auto", i.e. the constraint's
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
            entry.pop(key)
    if isinstance(entry.get("dataset"), str):
        entry["dataset"] = {"path": entry["dataset"]}
    sources = [k for k in SOURCES if entry.get(k) is not None]
    if len(sources) != 1:
        raise UserError(f"task '{name}' ({where}) needs exactly one of openml_task_id, openml_dataset_id "
                        "(or openml_data_id), dataset, builtin", f"it has {sources or 'none'}")
    if entry.get("dataset") is not None and not isinstance(entry["dataset"], dict):
        raise UserError(f"dataset of task '{name}' ({where}) must be a path or a mapping, got {entry['dataset']!r}",
                        "e.g. dataset: {train: train.csv, test: test.csv, target: y}")
    check_limits(entry, f"task '{name}' ({where})")
    metrics = metric_names(entry.get("metric"), f"task '{name}' ({where})")
    return TaskSpec(
        name=str(name), openml_task_id=entry.get("openml_task_id"),
        openml_dataset_id=entry.get("openml_dataset_id"), dataset=entry.get("dataset"),
        builtin=entry.get("builtin"), folds=entry.get("folds"), repeats=entry.get("repeats"),
        metric=metrics[0] if metrics else None,
        extra_metrics=metrics[1:], description=str(entry.get("description") or ""), source_file=str(path),
        extra={k: entry[k] for k in EXTRA_KEYS if k in entry})
