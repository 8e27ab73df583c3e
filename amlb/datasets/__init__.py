"""The datasets stage: open a task, get its folds as Parquet files.

What the runner calls:

- :func:`resolve_benchmark` turns ``openml/s/<suite>`` or ``openml/t/<task>`` into task specs;
- :func:`open_task` opens one :class:`~amlb.datasets.api.TaskSpec` (OpenML task or dataset,
  file dataset, built-in dataset) and returns a :class:`~amlb.datasets.api.TaskData` whose
  ``fold(i)`` writes (once) and returns the fold's Parquet files;
- :data:`META_FEATURES` names the task meta-features every source gives.
"""
from __future__ import annotations

import re

from amlb.datasets.api import DatasetsConfig, FoldFiles, TaskData, TaskSpec
from amlb.errors import UserError

__all__ = ["DatasetsConfig", "FoldFiles", "META_FEATURES", "TaskData", "TaskSpec", "open_task", "resolve_benchmark"]


def __getattr__(name: str):
    if name == "META_FEATURES":  # its module imports pandas: not at the runner's start-up
        from amlb.datasets.metafeatures import META_FEATURES

        return META_FEATURES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_OPENML_NAME = re.compile(r"^(?P<server>openml|test\.openml)/(?P<kind>[std])/(?P<ref>[\w.-]+)$")


def resolve_benchmark(name: str, cfg: DatasetsConfig) -> list[TaskSpec] | None:
    """Task specs of an OpenML benchmark name; None for any other name.

    ``openml/s/<id or alias>`` gives the suite's tasks, ``openml/t/<id>`` one task,
    ``openml/d/<id>`` one dataset (seeded folds over its default target); ``test.openml/...``
    the same on OpenML's test server (cached apart from the main server's).
    """
    match = _OPENML_NAME.match(name.strip())
    if not match:
        return None
    from amlb.datasets import openml_servers, openml_suites

    kind, ref, prefix = match["kind"], match["ref"], match["server"]
    cfg = openml_servers.for_name_prefix(prefix, cfg)
    if kind == "s":
        return openml_suites.suite_specs(ref, cfg)
    if not ref.isdigit():
        raise UserError(f"{name}: an OpenML {'task' if kind == 't' else 'dataset'} id is a number", f"e.g. {prefix}/{kind}/59")
    if kind == "t":
        return [openml_suites.task_spec(int(ref), cfg)]
    server = cfg.openml_server if prefix == "test.openml" else None
    return [TaskSpec(name=f"openml_d_{ref}", openml_dataset_id=int(ref), openml_server=server)]


def open_task(spec: TaskSpec, cfg: DatasetsConfig) -> TaskData:
    """Open a task: convert its dataset into the Parquet cache once, decide target,
    type and folds, compute meta-features.

    Raises
    ------
    UserError, DataError
        One line saying what is wrong and what to do.
    """
    sources = [k for k in ("openml_task_id", "openml_dataset_id", "dataset", "builtin") if getattr(spec, k) is not None]
    where = f" ({spec.source_file})" if spec.source_file else ""
    if len(sources) != 1:
        found = ", ".join(sources) if sources else "none"
        raise UserError(
            f"task {spec.name!r}{where} needs exactly one of openml_task_id, openml_dataset_id, dataset, builtin (found: {found})",
            "fix the benchmark definition",
        )
    if spec.folds is not None and (not isinstance(spec.folds, int) or spec.folds < 1):
        raise UserError(f"task {spec.name!r}{where}: folds must be a positive integer, not {spec.folds!r}", "fix `folds:`")
    if spec.builtin is not None:
        from amlb.datasets import builtin

        return builtin.open_builtin(spec, cfg)
    if spec.dataset is not None:
        from amlb.datasets import files

        return files.open_file_dataset(spec, cfg)
    from amlb.datasets import openml_source

    if spec.openml_task_id is not None:
        return openml_source.open_openml_task(spec, cfg)
    return openml_source.open_openml_dataset(spec, cfg)
