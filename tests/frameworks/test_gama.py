"""GAMA through the command line (opt-in: AMLB_TEST_HEAVY=GAMA or all; CI does not install it).

Its own environment with numpy 1.26 and pandas 2.1 (GAMA needs scikit-learn 1.2), in which the
runner's adapter side must work too. A binary, a multiclass task with categorical features and
missing values, and a regression task, each ok within its budget, better than the constant
predictor and with no process left behind; with store='nothing' GAMA leaves no output folder.
"""
from __future__ import annotations

import math
import os

import pandas as pd
import pytest

from tests.conftest import run_cli

FRAMEWORK = "GAMA"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(FRAMEWORK.lower() not in os.environ.get("AMLB_TEST_HEAVY", "").lower().split(",")
                       and os.environ.get("AMLB_TEST_HEAVY", "").lower() != "all",
                       reason=f"heavy framework: set AMLB_TEST_HEAVY={FRAMEWORK} (or all) to run it"),
]
BUDGET_S = 30


@pytest.fixture(scope="module")
def gama_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gama") / "run"
    proc = run_cli(f"{FRAMEWORK},constantpredictor", "example", "-t", "breast_cancer", "penguins", "diabetes",
                   "-f", "0", "-p", "1", "-o", str(out), "-X", f"job.max_runtime_seconds={BUDGET_S}", timeout=2400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def test_gama_runs_every_task_type_within_its_budget(gama_run):
    _, results = gama_run
    gama = results.loc[FRAMEWORK]
    assert set(gama["status"]) == {"ok"}, gama[["status", "info"]]
    assert (gama["training_duration"] <= BUDGET_S).all(), gama["training_duration"]
    assert (gama["duration"] <= 1.1 * BUDGET_S).all(), gama["duration"]
    assert (gama["models_count"] >= 1).all() and gama["infer_s_per_row_1"].notna().all()
    assert set(gama["version"]) == {"23.0.0.post1"}
    assert not gama["info"].astype(str).str.contains("leftover").any(), gama["info"]
    constant = results.loc["constantpredictor"]
    assert set(gama["environment"]).isdisjoint(constant["environment"])  # its own environment


def test_gama_beats_the_constant_predictor_on_each_task(gama_run):
    _, results = gama_run
    gama, constant = results.loc[FRAMEWORK], results.loc["constantpredictor"]
    assert gama.loc["breast_cancer", "auc"] > 0.95
    assert gama.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    assert gama.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in gama["result"])


def test_gama_leaves_no_output_folder(gama_run):
    out, _ = gama_run
    work_dirs = list((out / "jobs" / FRAMEWORK).glob("*/fold0/attempt*/work"))
    assert len(work_dirs) == 3
    for work in work_dirs:  # only the runner's scratch folders: GAMA's own folder is removed by fit
        assert {p.name for p in work.iterdir()} <= {"tmp", "home", "cache"}, list(work.iterdir())
