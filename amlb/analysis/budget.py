"""Budget compliance per framework: did its jobs keep the time budget they were given?

amlb's promise is that the budget is the budget: the runner kills a job at
budget x (1 + tolerance) + grace, and an adapter gives its framework a share of the
budget so that its jobs end by themselves. This module measures how well each framework
kept that promise, from the results table (:func:`amlb.analysis.load.load_results`):

- ``fit_within``: jobs whose training (``training_duration``) took at most the budget;
- ``job_within``: jobs whose whole wall time (``duration``: start, fit, predict, inference
  timing) took at most budget x ``slack`` (1.1 by default, the runner's default tolerance);
- ``killed_for_time``: jobs the runner killed at its deadline (status ``timeout``);
- ``max_overrun_s`` / ``max_overrun_pct``: the largest whole-job overrun past the budget
  (negative when every job ended before the budget);
- ``median_job_ratio``: the median of duration / budget.

Rows without a recorded budget (e.g. AMLB's own results files) are left out.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: whole-job allowance over the budget counted as compliant (the runner's default tolerance)
DEFAULT_SLACK = 1.1

COLUMNS = ("framework", "jobs", "budget_s", "fit_within", "job_within", "killed_for_time",
           "max_overrun_s", "max_overrun_pct", "median_job_ratio")


def budget_compliance(results: pd.DataFrame, slack: float = DEFAULT_SLACK) -> pd.DataFrame:
    """One row per framework that has jobs with a recorded budget (columns :data:`COLUMNS`),
    sorted by framework name; empty when no row records a budget."""
    if "budget_seconds" not in results.columns or "duration" not in results.columns:
        return pd.DataFrame(columns=list(COLUMNS))
    budget = pd.to_numeric(results["budget_seconds"], errors="coerce")
    df = results.assign(_budget=budget)[budget.gt(0)]
    if df.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    duration = pd.to_numeric(df["duration"], errors="coerce")
    training = pd.to_numeric(df.get("training_duration", pd.Series(np.nan, index=df.index)), errors="coerce")
    status = df.get("status", pd.Series("", index=df.index)).fillna("").astype(str)
    df = df.assign(_fit_ok=training.le(df["_budget"]), _job_ok=duration.le(df["_budget"] * slack),
                   _killed=status.eq("timeout"), _overrun=duration - df["_budget"],
                   _ratio=duration / df["_budget"])
    rows = []
    for framework, part in df.groupby("framework", sort=True):
        budgets = sorted(set(part["_budget"].round(3)))
        worst = part["_overrun"].max()
        at = part["_overrun"].idxmax() if part["_overrun"].notna().any() else None
        rows.append({
            "framework": framework, "jobs": len(part),
            "budget_s": f"{budgets[0]:g}" if len(budgets) == 1 else f"{budgets[0]:g}-{budgets[-1]:g}",
            "fit_within": int(part["_fit_ok"].sum()), "job_within": int(part["_job_ok"].sum()),
            "killed_for_time": int(part["_killed"].sum()),
            "max_overrun_s": float(worst) if pd.notna(worst) else np.nan,
            "max_overrun_pct": float(100.0 * worst / part.loc[at, "_budget"]) if at is not None else np.nan,
            "median_job_ratio": float(part["_ratio"].median()),
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))
