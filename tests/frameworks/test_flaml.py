"""FLAML through the command line: its own environment, a binary, a multiclass task with categorical
features and missing values, and a regression task, each within its budget and better than the floor."""
from __future__ import annotations

import pytest

from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, run_beside_constant

pytestmark = pytest.mark.slow
BUDGET_S = 10


@pytest.fixture(scope="module")
def flaml_run(tmp_path_factory):
    return run_beside_constant(tmp_path_factory, "FLAML", BUDGET_S, timeout=1500)[1]


def test_flaml_runs_every_task_type_within_its_budget(flaml_run):
    # at 10 s the worker's start weighs on the whole job: its fit is what FLAML controls
    assert_ok_within_budget(flaml_run, "FLAML", budget_s=BUDGET_S, version="2.7.0", job_within=False)


def test_flaml_beats_the_constant_predictor_on_each_task(flaml_run):
    assert_beats_constant(flaml_run, "FLAML")
