"""FLAML through the command line: its own environment, a binary, a multiclass task with categorical
features and missing values, and a regression task, each within its budget and better than the floor."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow
BUDGET_S = 10


@pytest.fixture(scope="module")
def flaml_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("flaml") / "run"
    proc = run_cli("FLAML,constantpredictor", "example", "-t", "breast_cancer", "penguins", "diabetes", "-f", "0",
                   "-o", str(out), "-X", f"job.max_runtime_seconds={BUDGET_S}", timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def test_flaml_runs_every_task_type_within_its_budget(flaml_run):
    flaml = flaml_run.loc["FLAML"]
    assert set(flaml["status"]) == {"ok"}, flaml[["status", "info"]]
    assert (flaml["training_duration"] <= BUDGET_S).all(), flaml["training_duration"]
    assert (flaml["models_count"] >= 1).all() and flaml["infer_s_per_row_1"].notna().all()
    assert set(flaml["version"]) == {"2.7.0"}
    constant = flaml_run.loc["constantpredictor"]
    assert set(flaml["environment"]).isdisjoint(constant["environment"])  # its own environment


def test_flaml_beats_the_constant_predictor_on_each_task(flaml_run):
    flaml, constant = flaml_run.loc["FLAML"], flaml_run.loc["constantpredictor"]
    assert flaml.loc["breast_cancer", "auc"] > 0.95
    assert flaml.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    assert flaml.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in flaml["result"])
