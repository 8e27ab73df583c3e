"""What the tests of AutoML adapters share: the opt-in switch for heavy frameworks, one run of a
framework beside the constant predictor on three tasks (binary; multiclass with categorical features
and missing values; regression), and the checks every adapter's run must pass."""
from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

#: frameworks whose tests run: AMLB_TEST_HEAVY=AutoGluon,TPOT (names, any case) or all
OPTED_IN = {name.strip().lower() for name in os.environ.get("AMLB_TEST_HEAVY", "").split(",") if name.strip()}
TASKS = ("breast_cancer", "penguins", "diabetes")


def heavy(framework: str) -> list[pytest.MarkDecorator]:
    """Marks of a heavy framework's test module: slow, and skipped unless opted in."""
    return [pytest.mark.slow,
            pytest.mark.skipif(not OPTED_IN & {framework.lower(), "all"},
                               reason=f"heavy framework: set AMLB_TEST_HEAVY={framework} (or all) to run it")]


def run_beside_constant(tmp_path_factory: pytest.TempPathFactory, framework: str, budget_s: float, *extra: str,
                        timeout: float = 2400) -> tuple[Path, pd.DataFrame]:
    """Run the framework and constantpredictor on :data:`TASKS` (fold 0, one job at a time): the output
    folder and results.csv indexed by (framework, task)."""
    out = tmp_path_factory.mktemp(framework.lower()) / "run"
    proc = run_cli(f"{framework},constantpredictor", "example", "-t", *TASKS, "-f", "0", "-p", "1",
                   "-o", str(out), "-X", f"job.max_runtime_seconds={budget_s}", *extra, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def assert_ok_within_budget(results: pd.DataFrame, framework: str, *, budget_s: float, version: str,
                            min_models: int = 1, fit_within: bool = True, job_within: bool = True) -> None:
    """Every job ok, not killed, in the framework's own environment, with its version, models and
    inference times recorded and no process left behind; its fit within the budget and the whole
    job within the budget x 1.1, unless the framework's budget note says otherwise."""
    rows = results.loc[framework]
    assert set(rows["status"]) == {"ok"}, rows[["status", "info"]]
    if fit_within:
        assert (rows["training_duration"] <= budget_s).all(), rows["training_duration"]
    if job_within:
        assert (rows["duration"] <= 1.1 * budget_s).all(), rows["duration"]
    assert (rows["models_count"] >= min_models).all(), rows["models_count"]
    assert rows["infer_s_per_row_1"].notna().all()
    assert set(rows["version"].astype(str)) == {version}
    assert not rows["info"].fillna("").astype(str).str.contains("leftover").any(), rows["info"]
    assert set(rows["environment"]).isdisjoint(results.loc["constantpredictor"]["environment"])


def assert_beats_constant(results: pd.DataFrame, framework: str, penguins_metric: str = "logloss") -> None:
    """Clearly better than the constant predictor on each task (penguins by log loss, or by accuracy
    where a framework's validation makes its probabilities overconfident)."""
    fw, constant = results.loc[framework], results.loc["constantpredictor"]
    assert fw.loc["breast_cancer", "auc"] > 0.95
    if penguins_metric == "logloss":
        assert fw.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    else:
        assert fw.loc["penguins", "acc"] > 0.9 > constant.loc["penguins", "acc"]
    assert fw.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in fw["result"])
