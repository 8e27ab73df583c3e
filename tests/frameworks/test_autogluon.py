"""AutoGluon through the command line (opt-in: AMLB_TEST_HEAVY=AutoGluon or all; a 2.7 GB environment).

A binary, a multiclass task with categorical features and missing values, and a regression task,
each ok within its budget, better than the constant predictor, with the model families of the
[all] extras really trained; a bagging preset runs its folds in Ray and leaves no process and no
Ray directory behind.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "AutoGluon"
pytestmark = heavy(FRAMEWORK)
BUDGET_S = 60
# torch must come from the local CPU wheel (pip's configuration), which uv does not see
INSTALL = ("-X", "environments.installer=pip")


def job_infos(out: Path, framework: str = FRAMEWORK) -> dict[str, dict]:
    """The adapter's info per task, from each job's result.json."""
    return {p.parts[-4]: json.loads(p.read_text()).get("info") or {}
            for p in (out / "jobs" / framework).glob("*/fold0/attempt1/result.json")}


@pytest.fixture(scope="module")
def autogluon_run(tmp_path_factory):
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S, *INSTALL, timeout=3600)


def test_autogluon_runs_every_task_type_within_its_budget(autogluon_run):
    assert_ok_within_budget(autogluon_run[1], FRAMEWORK, budget_s=BUDGET_S, version="1.6.3", min_models=3,
                            job_within=False)


def test_autogluon_trains_the_model_families_of_its_extras(autogluon_run):
    out, _ = autogluon_run
    models = " ".join(m for info in job_infos(out).values() for m in info.get("models", []))
    for family in ("LightGBM", "CatBoost", "NeuralNet"):  # skipped silently without the [all] extras
        assert family in models, models


def test_autogluon_beats_the_constant_predictor_on_each_task(autogluon_run):
    assert_beats_constant(autogluon_run[1], FRAMEWORK)


def test_a_bagging_preset_on_one_core_fits_its_folds_without_ray(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("AutoGluon_bestquality", "example", "-t", "penguins", "-f", "0", "-o", str(out),
                   "-X", f"job.max_runtime_seconds={BUDGET_S}", *INSTALL, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row.status == "ok" and row.duration <= BUDGET_S * 1.1, (row.status, row.duration, row["info"])
    info = job_infos(out, "AutoGluon_bestquality")["penguins"]
    assert info["ray"] is False and any("BAG" in m for m in info["models"]), info
    assert not any((out / "jobs").rglob("ray/session_*"))


def test_a_bagging_preset_runs_in_ray_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "run"
    before = {p.name for p in Path("/tmp").glob("amlb-ray-*")}
    # Ray needs two cores and 600 s (below, the adapter fits the folds without it)
    proc = run_cli("AutoGluon_bestquality", "example", "-t", "penguins", "-f", "0", "-o", str(out),
                   "-X", "job.max_runtime_seconds=600", "-X", "job.cores=2", *INSTALL, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    row = pd.read_csv(out / "results.csv").iloc[0]
    assert row.status == "ok" and "leftover" not in str(row["info"]), row["info"]
    info = job_infos(out, "AutoGluon_bestquality")["penguins"]
    assert info["ray"] is True and any("BAG" in m for m in info["models"]), info  # folds fitted in Ray
    assert {p.name for p in Path("/tmp").glob("amlb-ray-*")} == before  # the short link to Ray's dir is gone
    assert any((out / "jobs").rglob("ray/session_*"))  # Ray's files stayed in the job's directory
