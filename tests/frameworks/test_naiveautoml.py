"""NaiveAutoML through the command line (opt-in: AMLB_TEST_HEAVY=NaiveAutoML or all; CI does not install it).

Its own environment with numpy 1.26 and pandas 2.2 (naiveautoml 0.1.6 breaks under pandas 3), in
which the runner's adapter side must work too. A binary, a multiclass task with categorical features and
missing values, and a regression task, each ok within its budget, better than the constant
predictor and with no process left behind (its candidates run in pynisher subprocesses).
"""
from __future__ import annotations

import pytest

from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "NaiveAutoML"
pytestmark = heavy(FRAMEWORK)
BUDGET_S = 60  # its last candidate and the refit run past timeout_overall: the fit ends near 90%


@pytest.fixture(scope="module")
def naiveautoml_run(tmp_path_factory):
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S)[1]


def test_naiveautoml_runs_every_task_type_within_its_budget(naiveautoml_run):
    # no process left behind: its candidates run in pynisher subprocesses
    assert_ok_within_budget(naiveautoml_run, FRAMEWORK, budget_s=BUDGET_S, version="0.1.6")


def test_naiveautoml_beats_the_constant_predictor_on_each_task(naiveautoml_run):
    assert_beats_constant(naiveautoml_run, FRAMEWORK)
