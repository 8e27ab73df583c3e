"""The plan of a run: frameworks x tasks x repeats x folds under one constraint, as typed jobs.

Seeds: with ``seed: auto`` (the default) job (repeat r, fold i) of a task with k folds runs with
``AUTO_SEED_BASE + r * k + i`` (repeat 0: ``42 + i``, the seeds runs always had); a number
fixes the seed of every job, as AMLB does with ``-Xseed=N``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from amlb.datasets.api import TaskData, TaskSpec
from amlb.constraints import Constraint
from amlb.definitions import FrameworkDef
from amlb.errors import DataError, UserError
from amlb.store import job_key


#: the first seed of ``seed: auto``
AUTO_SEED_BASE = 42


@dataclass(frozen=True)
class Job:
    """One unit of work: a framework on one fold of one repeat of one task under a constraint."""

    framework: FrameworkDef
    task: TaskSpec
    fold: int
    constraint: Constraint
    seed: int
    budget_seconds: float
    cores: int
    memory_mb: int | None
    repeat: int = 0

    @property
    def key(self) -> str:
        return job_key(self.framework.name, self.task.name, self.constraint.name, self.fold, self.repeat)

    @property
    def label(self) -> str:
        """How messages name the job's sample: ``fold 3``, or ``repeat 1 fold 3``."""
        return f"repeat {self.repeat} fold {self.fold}" if self.repeat else f"fold {self.fold}"

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
    repeats: int = 1  # repeats 0..repeats-1 run, each with ``folds``
    n_folds: int | None = None  # the task's own number of folds (seeds of repeats > 0 count them)


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


def select_repeats(spec: TaskSpec, n_repeats: int | None, constraint: Constraint) -> int:
    """How many repeats run: the task's ``repeats``, else the constraint's (default 1), at most the
    task's own (an OpenML task with 10 x 10-fold CV has 10; other tasks have 1)."""
    wanted = spec.repeats or constraint.repeats or 1
    return max(1, min(wanted, n_repeats or 1))


def job_seed(seed: int | str, fold: int, repeat: int = 0, n_folds: int | None = None) -> int:
    """The seed of one job: fixed when the user gave a number, else one per repeat and fold (see above)."""
    if seed != "auto":
        return int(seed)
    return AUTO_SEED_BASE + repeat * (n_folds or fold + 1) + fold


def make_jobs(frameworks: list[FrameworkDef], tasks: list[PlannedTask], constraint: Constraint,
              seed: int | str, max_cores: int | None = None) -> list[Job]:
    """Jobs in task, repeat, fold, framework order: results fill in task by task across frameworks.

    ``max_cores``: a task asking more cores gets these (``job.allow_fewer_cores``)."""
    jobs = []
    for task in tasks:
        extra = task.spec.extra
        n_folds = task.n_folds or (max(task.folds) + 1 if task.folds else None)
        for repeat in range(task.repeats):
            for fold in task.folds:
                for fw in frameworks:
                    jobs.append(Job(
                        framework=fw, task=task.spec, fold=fold, constraint=constraint, repeat=repeat,
                        seed=job_seed(seed, fold, repeat, n_folds),
                        budget_seconds=float(extra.get("max_runtime_seconds", constraint.max_runtime_seconds)),
                        cores=min(int(extra.get("cores", constraint.cores)), max_cores or 1 << 30),
                        memory_mb=extra.get("max_mem_size_mb", constraint.max_mem_size_mb)))
    return jobs


def describe_plan(frameworks: list[FrameworkDef], tasks: list[PlannedTask], constraint: Constraint,
                  requested_folds: list[int] | None, to_run: int) -> str:
    """One line: how many jobs, and where each task's folds come from (``-f``, the task's own
    ``folds:`` in the benchmark, or the constraint)."""
    total = len(frameworks) * sum(len(t.folds) for t in tasks)
    own = [t for t in tasks if t.spec.folds is not None and not requested_folds]
    rest = [t for t in tasks if t not in own]
    source = "-f" if requested_folds else f"constraint {constraint.name}"
    parts = []
    spans = {_span(t.folds) for t in rest}
    if len(spans) == 1:
        parts.append(f"folds {spans.pop()} ({source})")
    else:  # tasks with fewer folds than the constraint asks
        parts += [f"{t.spec.name} folds {_span(t.folds)} ({source})" for t in rest]
    constraint_folds = f"the constraint's {constraint.folds}" if constraint.folds else "all its folds"
    parts += [f"{t.spec.name} folds {_span(t.folds)} (its own `folds: {t.spec.folds}` in the benchmark, "
              f"instead of {constraint_folds})" for t in own]
    memory = f", {constraint.max_mem_size_mb} MB" if constraint.max_mem_size_mb else ""
    line = (f"plan: {_n(total, 'job')} = {_n(len(frameworks), 'framework')} x {_n(len(tasks), 'task')} x "
            f"{'; '.join(parts)}; each job {constraint.max_runtime_seconds:g} s, {_n(constraint.cores, 'core')}"
            f"{memory}")
    if to_run != total:
        line += f"; {total - to_run} done before, {to_run} to run"
    return line


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _span(folds: list[int]) -> str:
    if not folds:
        return "none"
    if folds == list(range(folds[0], folds[-1] + 1)) and len(folds) > 1:
        return f"{folds[0]}-{folds[-1]}"
    return ",".join(map(str, folds))
