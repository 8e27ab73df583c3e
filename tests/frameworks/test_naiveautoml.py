"""NaiveAutoML through the command line (opt-in: AMLB_TEST_HEAVY=NaiveAutoML or all; CI does not install it).

Its own environment with numpy 1.26 and pandas 2.2 (naiveautoml 0.1.6 breaks under pandas 3), in
which the runner's adapter side must work too. A binary, a multiclass task with categorical features and
missing values, and a regression task, each ok within its budget, better than the constant
predictor and with no process left behind (its candidates run in pynisher subprocesses).
"""
from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from tests.conftest import run_cli

FRAMEWORK = "NaiveAutoML"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(FRAMEWORK.lower() not in os.environ.get("AMLB_TEST_HEAVY", "").lower().split(",")
                       and os.environ.get("AMLB_TEST_HEAVY", "").lower() != "all",
                       reason=f"heavy framework: set AMLB_TEST_HEAVY={FRAMEWORK} (or all) to run it"),
]
BUDGET_S = 60  # its last candidate and the refit run past timeout_overall: the fit ends near 90%


@pytest.fixture(scope="module")
def naiveautoml_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("naiveautoml") / "run"
    proc = run_cli(f"{FRAMEWORK},constantpredictor", "example", "-t", "breast_cancer", "penguins", "diabetes",
                   "-f", "0", "-p", "1", "-o", str(out), "-X", f"job.max_runtime_seconds={BUDGET_S}", timeout=2400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def test_naiveautoml_runs_every_task_type_within_its_budget(naiveautoml_run):
    _, results = naiveautoml_run
    naiveautoml = results.loc[FRAMEWORK]
    assert set(naiveautoml["status"]) == {"ok"}, naiveautoml[["status", "info"]]
    assert (naiveautoml["training_duration"] <= BUDGET_S).all(), naiveautoml["training_duration"]
    assert (naiveautoml["duration"] <= 1.1 * BUDGET_S).all(), naiveautoml["duration"]
    assert (naiveautoml["models_count"] >= 1).all() and naiveautoml["infer_s_per_row_1"].notna().all()
    assert set(naiveautoml["version"]) == {"0.1.6"}
    assert not naiveautoml["info"].astype(str).str.contains("leftover").any(), naiveautoml["info"]
    constant = results.loc["constantpredictor"]
    assert set(naiveautoml["environment"]).isdisjoint(constant["environment"])  # its own environment


def test_naiveautoml_beats_the_constant_predictor_on_each_task(naiveautoml_run):
    _, results = naiveautoml_run
    naiveautoml, constant = results.loc[FRAMEWORK], results.loc["constantpredictor"]
    assert naiveautoml.loc["breast_cancer", "auc"] > 0.95
    assert naiveautoml.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    assert naiveautoml.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in naiveautoml["result"])
