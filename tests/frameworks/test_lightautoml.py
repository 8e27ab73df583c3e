"""LightAutoML through the command line (opt-in: AMLB_TEST_HEAVY=lightautoml or all, since it installs
2.7 GB with torch, built with pip): its own environment, a binary, a multiclass task with categorical
features and missing values, and a regression task, each ending by itself within its budget and better than the floor."""
from __future__ import annotations

import pytest

from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "lightautoml"
pytestmark = heavy(FRAMEWORK)
BUDGET_S = 30


@pytest.fixture(scope="module")
def lama_run(tmp_path_factory):
    # torch==2.13.0: the local CPU wheel only pip sees
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S, "-X", "environments.installer=pip")[1]


def test_lightautoml_runs_every_task_type_within_its_budget(lama_run):
    # at least one model kept in the blend
    assert_ok_within_budget(lama_run, FRAMEWORK, budget_s=BUDGET_S, version="0.4.2", fit_within=False)


def test_lightautoml_beats_the_constant_predictor_on_each_task(lama_run):
    assert_beats_constant(lama_run, FRAMEWORK)
