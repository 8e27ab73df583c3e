"""TPOT through the command line (opt-in: AMLB_TEST_HEAVY=TPOT or all; CI does not install it).

A binary, a multiclass task with categorical features and missing values, and a regression task,
each ok within its budget, better than the constant predictor, no process left behind and Dask's
scratch space inside the job's directory; a search in which no pipeline can be evaluated ends as a
framework error that says so.
"""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "TPOT"
pytestmark = heavy(FRAMEWORK)
BUDGET_S = 60  # TPOT builds and evaluates whole pipelines: below a minute it evaluates next to nothing


@pytest.fixture(scope="module")
def tpot_run(tmp_path_factory):
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S)


def test_tpot_runs_every_task_type_within_its_budget(tpot_run):
    assert_ok_within_budget(tpot_run[1], FRAMEWORK, budget_s=BUDGET_S, version="1.1.0")


def test_tpot_beats_the_constant_predictor_on_each_task(tpot_run):
    assert_beats_constant(tpot_run[1], FRAMEWORK)


def test_tpot_keeps_dask_scratch_space_in_the_job_directory(tpot_run):
    out, _ = tpot_run
    scratch = list((out / "jobs" / FRAMEWORK).glob("*/fold0/attempt*/work/dask-scratch-space"))
    assert len(scratch) == 3, scratch


def test_a_search_that_evaluates_nothing_is_a_framework_error_saying_so(tmp_path):
    userdir = tmp_path / "user"
    userdir.mkdir()
    # every pipeline evaluation times out at once: TPOT raises "No individuals could be evaluated"
    (userdir / "frameworks.yaml").write_text(
        f"TPOTNoTime:\n  extends: {FRAMEWORK}\n  params: {{max_eval_time_mins: 0.00001}}\n")
    out = tmp_path / "run"
    proc = run_cli("TPOTNoTime", "example", "-t", "breast_cancer", "-f", "0", "-u", str(userdir), "-o", str(out),
                   "-X", "job.max_runtime_seconds=20", timeout=900)
    assert proc.returncode == 1, proc.stderr[-3000:]  # the run finished, its job failed
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row["status"] == "framework_error", row[["status", "info"]]
    assert "TPOT evaluated no pipeline" in row["info"] and "larger budget" in row["info"], row["info"]
    assert "leftover" not in str(row["info"])
