"""The quick start, as a user runs it: two frameworks on the offline example suite, each in its own environment."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import cache_dir, run_cli
from amlb.record import AMLB_COLUMNS, METRICS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def example_run(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("example") / "run"
    proc = run_cli("constantpredictor,RandomForest", "example", "-o", str(out))
    return out, proc


def test_example_suite_runs_offline_with_one_ok_row_per_job(example_run):
    out, proc = example_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    # 6 tasks x 2 folds (example constraint) x 2 frameworks, one row each, all ok
    assert len(results) == 24
    assert not results.duplicated(["framework", "task", "fold"]).any()
    assert set(results["status"]) == {"ok"}, results[results.status != "ok"][["framework", "task", "info"]]
    assert list(results.columns[: len(AMLB_COLUMNS)]) == list(AMLB_COLUMNS)
    assert list(results.columns[len(AMLB_COLUMNS): len(AMLB_COLUMNS) + len(METRICS)]) == list(METRICS)
    assert set(results["type"]) == {"binary", "multiclass", "regression"}


def test_random_forest_scores_well_and_constant_predictor_is_the_floor(example_run):
    out, _ = example_run
    results = pd.read_csv(out / "results.csv")
    rf = results[(results.framework == "RandomForest") & (results.task == "breast_cancer")]
    assert (rf["auc"] > 0.95).all()
    const = results[(results.framework == "constantpredictor") & (results.type == "binary")]
    assert (const["auc"] == 0.5).all()
    # result is the main metric, lower-is-better metrics negated
    multi = results[results.type == "multiclass"]
    assert (multi["metric"] == "neg_logloss").all() and (multi["result"] == -multi["logloss"]).all()
    reg = results[results.type == "regression"]
    assert (reg["result"] == -reg["rmse"]).all()
    # a good model beats the floor on every task
    mean = results.groupby(["task", "framework"])["result"].mean().unstack()
    assert (mean["RandomForest"] > mean["constantpredictor"]).all()


def test_each_framework_ran_in_its_own_environment(example_run):
    out, _ = example_run
    results = pd.read_csv(out / "results.csv")
    envs = results.groupby("framework")["environment"].unique()
    assert all(len(e) == 1 for e in envs)
    assert envs["RandomForest"][0] != envs["constantpredictor"][0]
    for key in (envs["RandomForest"][0], envs["constantpredictor"][0]):
        manifest = json.loads((cache_dir() / "envs" / key / ".amlb-complete.json").read_text())
        assert manifest["requirements"]
    # scikit-learn is in RandomForest's environment only
    assert list((cache_dir() / "envs" / envs["RandomForest"][0]).glob("lib/python*/site-packages/sklearn"))
    assert not list((cache_dir() / "envs" / envs["constantpredictor"][0]).glob("lib/python*/site-packages/sklearn"))


def test_every_row_has_resources_timing_meta_features_and_energy(example_run):
    out, _ = example_run
    results = pd.read_csv(out / "results.csv")
    for col in ("training_duration", "predict_duration", "cpu_user_s", "peak_rss_mb", "wall_seconds",
                "infer_s_per_row_1", "energy_kwh", "mf_n_rows", "mf_n_features"):
        assert results[col].notna().all(), col
    # inference timing stops at 5 % of the budget (1 s here): the smallest batch is always timed, larger
    # ones when they fit (the constant predictor's all do), each with the rows and repeats it used
    constant = results[results.framework == "constantpredictor"]
    assert constant["infer_s_per_row_1000"].notna().all() and (constant["infer_repeats_1000"] >= 1).all()
    for size in (1, 10, 100, 1000):
        timed = results[f"infer_s_per_row_{size}"].notna()
        assert (timed == results[f"infer_repeats_{size}"].notna()).all(), size
        assert (results.loc[timed, f"infer_rows_{size}"] <= size).all(), size
    assert (results["energy_kwh"] > 0).all()
    assert results["energy_method"].notna().all()
    penguins = results[results.task == "penguins"].iloc[0]
    assert penguins["mf_n_categorical_features"] > 0 and penguins["mf_n_missing_values"] > 0


def test_job_logs_and_summary_are_where_the_run_says(example_run):
    out, proc = example_run
    assert str(out / "results.csv") in proc.stdout.replace("\n", "")
    assert "amlb site" in proc.stdout
    assert list((out / "jobs" / "RandomForest").rglob("job.log"))
