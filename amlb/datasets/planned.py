"""What a task definition says about a task before any data is loaded: its id and, when the
definition declares it, its type. The rows of jobs that never got their data (``data_error``)
carry them, so that tools grouping results by id, type and metric (AMLB's reports) read them.
"""
from __future__ import annotations

from amlb.datasets.api import TASK_TYPES, DatasetsConfig, TaskSpec


def planned_task_id(spec: TaskSpec) -> str:
    """The id the opened task will have: ``openml.org/t/ID`` (AMLB's form), ``openml.org/d/ID``,
    ``test.openml.org/t/ID`` on the test server, ``builtin/NAME``, ``file/TASK``."""
    if spec.openml_task_id is not None or spec.openml_dataset_id is not None:
        from amlb.datasets import openml_servers  # noqa: PLC0415

        cfg = openml_servers.for_spec(spec, DatasetsConfig(cache_dir=None, openml_cache_dir=None))  # type: ignore[arg-type]
        kind, number = ("t", spec.openml_task_id) if spec.openml_task_id is not None else ("d", spec.openml_dataset_id)
        return f"{openml_servers.id_prefix(cfg)}/{kind}/{number}"
    if spec.builtin is not None:
        return f"builtin/{spec.builtin}"
    if spec.dataset is not None:
        return f"file/{spec.name}"
    return f"task/{spec.name}"


def planned_type(spec: TaskSpec) -> str:
    """The task type the definition declares (or a built-in dataset has); "" when only the data can tell."""
    declared = spec.extra.get("type")
    if declared is None and isinstance(spec.dataset, dict):
        declared = spec.dataset.get("type")
    if declared in TASK_TYPES:
        return declared
    if spec.builtin is not None and declared is None:
        from amlb.datasets.builtin import BUILTINS  # noqa: PLC0415

        builtin = BUILTINS.get(spec.builtin)
        if builtin is not None and spec.extra.get("target") in (None, builtin.target):
            return builtin.type
    return ""
