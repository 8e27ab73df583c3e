"""The small built-in tasks every adapter is checked on: one of each kind, one fold each."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class CheckTask:
    name: str  # task name in the check's benchmark (and in the report)
    builtin: str  # dataset an installed package ships (amlb.datasets.builtin)
    kind: str  # what it exercises


CHECK_TASKS: tuple[CheckTask, ...] = (
    CheckTask("breast_cancer", "breast_cancer", "binary"),
    CheckTask("wine", "wine", "multiclass"),
    CheckTask("diabetes", "diabetes", "regression"),
    CheckTask("penguins", "penguins", "multiclass, categoricals, missing values"),
)

#: default time budget per task (seconds): short for baselines, enough for a JVM-based framework to start
DEFAULT_BUDGET_S = 30.0
#: memory limit per job (MB)
MEMORY_MB = 4096


def write_benchmark(path: Path, tasks: tuple[CheckTask, ...] = CHECK_TASKS) -> Path:
    """A benchmark file the runner reads like any other."""
    entries = [{"name": t.name, "builtin": t.builtin, "description": f"amlb check: {t.kind}"}
               for t in tasks]
    path.write_text(yaml.safe_dump(entries, sort_keys=False))
    return path
