"""GAMA through the command line (opt-in: AMLB_TEST_HEAVY=GAMA or all; CI does not install it).

Its own environment with numpy 1.26 and pandas 2.1 (GAMA needs scikit-learn 1.2), in which the
runner's adapter side must work too. A binary, a multiclass task with categorical features and
missing values, and a regression task, each ok within its budget, better than the constant
predictor and with no process left behind; with store='nothing' GAMA leaves no output folder.
"""
from __future__ import annotations

import pytest

from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "GAMA"
pytestmark = heavy(FRAMEWORK)
BUDGET_S = 30


@pytest.fixture(scope="module")
def gama_run(tmp_path_factory):
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S)


def test_gama_runs_every_task_type_within_its_budget(gama_run):
    assert_ok_within_budget(gama_run[1], FRAMEWORK, budget_s=BUDGET_S, version="23.0.0.post1")


def test_gama_beats_the_constant_predictor_on_each_task(gama_run):
    assert_beats_constant(gama_run[1], FRAMEWORK)


def test_gama_leaves_no_output_folder(gama_run):
    out, _ = gama_run
    work_dirs = list((out / "jobs" / FRAMEWORK).glob("*/fold0/attempt*/work"))
    assert len(work_dirs) == 3
    for work in work_dirs:  # only the runner's scratch folders: GAMA's own folder is removed by fit
        assert {p.name for p in work.iterdir()} <= {"tmp", "home", "cache"}, list(work.iterdir())
