"""Budget compliance per framework, from results rows whose durations and statuses are known."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from amlb.analysis.budget import budget_compliance


def rows(framework: str, *jobs: tuple[float, float, float, str]) -> list[dict]:
    """(budget, training, whole-job duration, status) per job."""
    return [{"framework": framework, "budget_seconds": b, "training_duration": t, "duration": d, "status": s}
            for b, t, d, s in jobs]


def test_counts_fit_and_job_compliance_kills_and_the_largest_overrun():
    df = pd.DataFrame(
        rows("early", (60, 50, 55, "ok"), (60, 58, 62, "ok"))
        + rows("late", (60, 61, 64, "ok"), (60, 70, 67, "ok"), (60, np.nan, 75, "timeout"))
        + rows("amlb", (np.nan, 3000, 3700, "ok")))  # AMLB's own rows: no budget recorded
    out = budget_compliance(df).set_index("framework")
    assert list(out.index) == ["early", "late"]
    early, late = out.loc["early"], out.loc["late"]
    assert (early.jobs, early.fit_within, early.job_within, early.killed_for_time) == (2, 2, 2, 0)
    assert math.isclose(early.max_overrun_s, 2.0) and math.isclose(early.max_overrun_pct, 100 * 2 / 60)
    # 64 s <= 66 s (60 x 1.1) counts; 67 s and the killed 75 s do not; a killed job has no training time
    assert (late.jobs, late.fit_within, late.job_within, late.killed_for_time) == (3, 0, 1, 1)
    assert math.isclose(late.max_overrun_s, 15.0)
    assert late.budget_s == "60"
    assert math.isclose(late.median_job_ratio, 67 / 60)


def test_a_tighter_slack_and_mixed_budgets():
    df = pd.DataFrame(rows("fw", (60, 50, 64, "ok"), (120, 100, 125, "ok")))
    out = budget_compliance(df, slack=1.05).iloc[0]
    assert out.budget_s == "60-120" and out.job_within == 1
    assert math.isclose(out.max_overrun_pct, 100 * 5 / 120)


def test_results_without_budgets_give_an_empty_table():
    assert budget_compliance(pd.DataFrame(rows("amlb", (np.nan, 1, 2, "ok")))).empty
    assert budget_compliance(pd.DataFrame({"framework": ["x"], "result": [1.0]})).empty
