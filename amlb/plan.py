"""The plan of a run: frameworks x tasks x folds under one constraint, as typed jobs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from amlb.datasets.api import TaskData, TaskSpec
from amlb.definitions import Constraint, FrameworkDef
from amlb.errors import DataError, UserError
from amlb.store import job_key


@dataclass(frozen=True)
class Job:
    """One unit of work: a framework on one fold of one task under a constraint."""

    framework: FrameworkDef
    task: TaskSpec
    fold: int
    constraint: Constraint
    seed: int
    budget_seconds: float
    cores: int
    memory_mb: int | None

    @property
    def key(self) -> str:
        return job_key(self.framework.name, self.task.name, self.constraint.name, self.fold)

    @property
    def params_json(self) -> str:
        return json.dumps(self.framework.params, sort_keys=True)


@dataclass
class PlannedTask:
    """A task of the benchmark, opened (``data``) or with the reason it could not be."""

    spec: TaskSpec
    data: TaskData | None = None
    error: DataError | None = None
    folds: list[int] = field(default_factory=list)


def select_folds(spec: TaskSpec, n_folds: int | None, constraint: Constraint, requested: list[int] | None) -> list[int]:
    """The folds to run: ``-f`` if given (checked against the task), else the constraint's first folds."""
    if requested:
        if n_folds is not None:
            bad = [f for f in requested if f < 0 or f >= n_folds]
            if bad:
                raise UserError(f"fold {bad[0]} is out of range for task '{spec.name}' (it has folds 0-{n_folds - 1})",
                                f"pick folds below {n_folds} with -f")
        return sorted(set(requested))
    wanted = spec.folds or constraint.folds
    limit = min(x for x in (wanted, n_folds) if x is not None) if (wanted or n_folds) else 1
    return list(range(limit))


def make_jobs(frameworks: list[FrameworkDef], tasks: list[PlannedTask], constraint: Constraint,
              seed: int, max_cores: int | None = None) -> list[Job]:
    """Jobs in task, fold, framework order: results fill in task by task across frameworks.

    ``max_cores``: a task asking more cores gets these (``job.allow_fewer_cores``)."""
    jobs = []
    for task in tasks:
        extra = task.spec.extra
        for fold in task.folds:
            for fw in frameworks:
                jobs.append(Job(
                    framework=fw, task=task.spec, fold=fold, constraint=constraint, seed=seed + fold,
                    budget_seconds=float(extra.get("max_runtime_seconds", constraint.max_runtime_seconds)),
                    cores=min(int(extra.get("cores", constraint.cores)), max_cores or 1 << 30),
                    memory_mb=extra.get("max_mem_size_mb", constraint.max_mem_size_mb)))
    return jobs
