"""The tasks one leaderboard is computed on, and why the others were left out.

Every figure of a leaderboard (mean score, mean rank, intervals, Friedman test, CD,
Bradley-Terry) comes from the same tasks:

- a task some framework was never run on (no row at all for it: a partial run beside a
  full one) is left out, not counted as a failure;
- a framework's job that failed (or whose fold is missing on a task it was run on) is
  imputed as the analysis says; a task where some framework still has no result on any
  fold (``--impute none``, or nothing to impute from) is left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from amlb.analysis.normalize import impute_failures, job_grid


NOT_RUN = "not run by"
NO_RESULT = "no result on any fold for"


@dataclass
class TaskSet:
    """Tasks kept, and task -> reason for the tasks left out (in task order)."""

    tasks: list[str]
    dropped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: how many tasks are used and left out, with the reasons counted."""
        if not self.dropped:
            return f"{len(self.tasks)} tasks, none left out"
        not_run = sum(r.startswith(NOT_RUN) for r in self.dropped.values())
        parts = [f"{not_run} not run by every framework"] if not_run else []
        if len(self.dropped) - not_run:
            parts.append(f"{len(self.dropped) - not_run} where a framework has no result on any fold")
        return f"{len(self.tasks)} tasks used, {len(self.dropped)} left out ({'; '.join(parts)})"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"task": list(self.dropped), "reason": list(self.dropped.values())})


def common_tasks(df: pd.DataFrame, impute: str | None) -> TaskSet:
    """The tasks of one constraint's results every framework can be compared on."""
    grid = job_grid(df)
    ran = grid.assign(ran=grid["status"] != "missing").groupby(["task", "framework"])["ran"].any().unstack("framework")
    grid["value"] = impute_failures(grid, impute)
    has_value = grid.groupby(["task", "framework"])["value"].apply(lambda v: v.notna().any()).unstack("framework")
    kept: list[str] = []
    dropped: dict[str, str] = {}
    for task in ran.index:
        not_run = [str(f) for f in ran.columns if not ran.at[task, f]]
        no_value = [str(f) for f in has_value.columns if not has_value.at[task, f] and str(f) not in not_run]
        if not_run:
            dropped[str(task)] = f"{NOT_RUN} {_names(not_run)}"
        elif no_value:
            dropped[str(task)] = f"{NO_RESULT} {_names(no_value)}"
        else:
            kept.append(str(task))
    return TaskSet(kept, dropped)


def _names(names: list[str], at_most: int = 3) -> str:
    return ", ".join(names[:at_most]) + (f" and {len(names) - at_most} more" if len(names) > at_most else "")
