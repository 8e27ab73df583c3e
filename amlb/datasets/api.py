"""The datasets stage's interface: what the runner asks of a task.

A benchmark definition lists :class:`TaskSpec` entries. The runner opens each with
:func:`amlb.datasets.open_task` and, per fold, asks the :class:`TaskData` for the
fold's files. Fold files are Parquet, written once per task and fold into the data
cache and reused by every framework.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

TASK_TYPES = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class TaskSpec:
    """One entry of a benchmark definition (AMLB's format, plus ``builtin``).

    Exactly one of ``openml_task_id``, ``openml_dataset_id``, ``dataset`` (a file
    dataset: ``{train: ..., test: ..., target: ..., type: ...}`` or ``{path: ...}``)
    or ``builtin`` (a dataset an installed package ships) is set.
    """

    name: str
    openml_task_id: int | None = None
    openml_dataset_id: int | None = None
    dataset: dict[str, Any] | None = None
    builtin: str | None = None
    folds: int | None = None  # None: the task's own number of folds
    repeats: int | None = None  # repeats of the task's cross-validation to run; None: the constraint's
    metric: str | None = None  # the metric optimised and reported as ``result`` (None: the task type's default)
    extra_metrics: tuple[str, ...] = ()  # further metrics scored and recorded (AMLB's ``metric:`` list after the first)
    description: str = ""
    source_file: str = ""  # where it was defined, for error messages
    openml_server: str | None = None  # the OpenML server of an OpenML task or dataset; None: the configured one
    extra: dict[str, Any] = field(default_factory=dict)  # per-task overrides (max_runtime_seconds, cores ...)


@dataclass(frozen=True)
class FoldFiles:
    """What a framework gets for one fold, and what the runner scores against."""

    train: Path  # Parquet: features and target column
    test: Path  # Parquet: features only (the target is withheld from the framework)
    test_target: Path  # Parquet: one column, the test target, for scoring


@dataclass(frozen=True)
class DatasetsConfig:
    """Where the datasets stage keeps its files and how it reaches OpenML."""

    cache_dir: Path  # the Parquet data cache (config key data.cache_dir)
    openml_cache_dir: Path  # openml-python's cache (config key openml.cache_dir)
    openml_server: str | None = None  # None: openml-python's default
    openml_apikey: str | None = None  # never hard-coded; None: openml-python's own config
    base_dir: Path | None = None  # the user directory: {user} in dataset paths; relative paths resolve against it
    input_dir: Path | None = None  # {input} in dataset paths; relative paths are looked up there first


class TaskData(Protocol):
    """An opened task."""

    spec: TaskSpec
    id: str  # stable identifier: "openml.org/t/59", "builtin/iris", "file/<name>"
    type: str  # binary | multiclass | regression
    target: str
    n_folds: int
    n_repeats: int  # repeats of its cross-validation (OpenML tasks may have several; other tasks 1)
    class_labels: list[str] | None  # classification: labels in a fixed order
    meta_features: dict[str, Any]

    def fold(self, i: int, repeat: int = 0) -> FoldFiles:
        """Files of fold ``i`` (0-based) of repeat ``repeat``, written to the cache on first use."""
        ...
