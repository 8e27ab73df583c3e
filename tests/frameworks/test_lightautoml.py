"""LightAutoML through the command line (opt-in: AMLB_TEST_HEAVY=lightautoml or all, since it installs
2.7 GB with torch, built with pip): its own environment, a binary, a multiclass task with categorical
features and missing values, and a regression task, each ending by itself within its budget and better than the floor."""
from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from tests.conftest import run_cli

HEAVY = {name.strip() for name in os.environ.get("AMLB_TEST_HEAVY", "").split(",")}
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HEAVY & {"lightautoml", "all"},
                                 reason="heavy framework: set AMLB_TEST_HEAVY=lightautoml (or all) to run")]
BUDGET_S = 30


@pytest.fixture(scope="module")
def lama_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lightautoml") / "run"
    proc = run_cli("lightautoml,constantpredictor", "example", "-t", "breast_cancer", "penguins", "diabetes",
                   "-f", "0", "-p", "1", "-o", str(out), "-X", f"job.max_runtime_seconds={BUDGET_S}",
                   "-X", "environments.installer=pip",  # torch==2.13.0: the local CPU wheel only pip sees
                   timeout=2400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def test_lightautoml_runs_every_task_type_within_its_budget(lama_run):
    lama = lama_run.loc["lightautoml"]
    assert set(lama["status"]) == {"ok"}, lama[["status", "info"]]  # not killed for time, no framework error
    assert (lama["duration"] <= 1.1 * BUDGET_S).all(), lama["duration"]
    assert not lama["info"].astype(str).str.contains("leftover").any(), lama["info"]
    assert (lama["models_count"] >= 1).all() and lama["infer_s_per_row_1"].notna().all()  # models kept in the blend
    assert set(lama["version"]) == {"0.4.2"}
    constant = lama_run.loc["constantpredictor"]
    assert set(lama["environment"]).isdisjoint(constant["environment"])  # its own environment


def test_lightautoml_beats_the_constant_predictor_on_each_task(lama_run):
    lama, constant = lama_run.loc["lightautoml"], lama_run.loc["constantpredictor"]
    assert lama.loc["breast_cancer", "auc"] > 0.95
    assert lama.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    assert lama.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in lama["result"])
