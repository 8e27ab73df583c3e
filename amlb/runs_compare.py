"""Two runs side by side: per framework and task, the difference in result and time, and whether it is significant.

Results are paired by (framework, task, repeat, fold): only folds both runs finished ``ok`` count. Per
(framework, task) the test is a Wilcoxon signed-rank test over the paired folds; per framework,
over the tasks' mean differences (as the analysis module compares frameworks across tasks). With
fewer than 6 pairs no two-sided Wilcoxon p-value can reach 0.05: the p-value is still shown,
and the significance column says ``too few``.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import pandas as pd

from amlb.record import Status
from amlb.runs import RunInfo

#: fewest pairs with which a two-sided Wilcoxon test can reach p < 0.05
MIN_PAIRS = 6
ALPHA = 0.05


@dataclass
class Comparison:
    per_task: pd.DataFrame  # framework, task, metric, n, a, b, diff, p, train_a, train_b
    per_framework: pd.DataFrame  # framework, tasks, wins, losses, ties, mean_diff, p
    only_a: list[str]  # framework/task pairs only run A has
    only_b: list[str]


def _ok_results(run: RunInfo) -> pd.DataFrame:
    rows = [{"framework": r.framework, "task": r.task, "repeat": r.repeat, "fold": r.fold, "metric": r.metric,
             "result": r.result, "training_duration": r.training_duration}
            for r in run.records if r.status is Status.OK and r.result is not None and math.isfinite(r.result)]
    return pd.DataFrame(rows, columns=["framework", "task", "repeat", "fold", "metric", "result", "training_duration"])


def _wilcoxon(diffs: pd.Series) -> float:
    from scipy.stats import wilcoxon  # noqa: PLC0415

    d = diffs.dropna()
    if len(d) == 0 or (d == 0).all():
        return math.nan if len(d) == 0 else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns about small samples: the caller says "too few"
        return float(wilcoxon(d, zero_method="zsplit").pvalue)


def compare_runs(a: RunInfo, b: RunInfo) -> Comparison:
    ra, rb = _ok_results(a), _ok_results(b)
    pairs = ra.merge(rb, on=["framework", "task", "repeat", "fold"], suffixes=("_a", "_b"))
    keys_a = {f"{f}/{t}" for f, t in {(r.framework, r.task) for r in a.records}}
    keys_b = {f"{f}/{t}" for f, t in {(r.framework, r.task) for r in b.records}}
    task_rows = []
    for (fw, task), g in pairs.groupby(["framework", "task"], sort=True):
        diff = g["result_b"] - g["result_a"]
        task_rows.append({"framework": fw, "task": task, "metric": g["metric_a"].iloc[0], "n": len(g),
                          "a": g["result_a"].mean(), "b": g["result_b"].mean(), "diff": diff.mean(),
                          "p": _wilcoxon(diff), "train_a": g["training_duration_a"].mean(),
                          "train_b": g["training_duration_b"].mean()})
    per_task = pd.DataFrame(task_rows, columns=["framework", "task", "metric", "n", "a", "b", "diff", "p",
                                                "train_a", "train_b"])
    fw_rows = []
    for fw, g in per_task.groupby("framework", sort=True):
        fw_rows.append({"framework": fw, "tasks": len(g), "wins": int((g["diff"] > 0).sum()),
                        "losses": int((g["diff"] < 0).sum()), "ties": int((g["diff"] == 0).sum()),
                        "mean_diff": g["diff"].mean(), "p": _wilcoxon(g["diff"])})
    per_framework = pd.DataFrame(fw_rows, columns=["framework", "tasks", "wins", "losses", "ties", "mean_diff", "p"])
    return Comparison(per_task=per_task, per_framework=per_framework,
                      only_a=sorted(keys_a - keys_b), only_b=sorted(keys_b - keys_a))


def significance(p: float, n: int) -> str:
    if n < MIN_PAIRS:
        return "too few"
    if math.isnan(p):
        return "-"
    return "yes" if p < ALPHA else "no"
