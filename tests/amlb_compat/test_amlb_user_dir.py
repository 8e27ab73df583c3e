"""An AMLB user's files run unchanged: user dir (found as ~/.config/automlbenchmark), config.yaml,
constraints.yaml, frameworks.yaml and a benchmark with every dataset form and metric lists."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.amlb_compat.fixtures import HttpServer, benchmark, offline_env, write_user_dir
from tests.conftest import run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "datasets"))
from conftest import breast_cancer_task  # noqa: E402  (tests/datasets/conftest.py)
from openml_files import write_openml_cache  # noqa: E402


@pytest.fixture(scope="module")
def amlb_run(tmp_path_factory):
    """One run of the baselines on the AMLB user dir, found by the fallback (no -u)."""
    home = tmp_path_factory.mktemp("home")
    user = write_user_dir(home / ".config" / "automlbenchmark")
    task = breast_cancer_task()
    write_openml_cache(home / "openml-cache", [task])
    out = home / "out"
    with HttpServer(user / "data" / "web") as server:
        (user / "benchmarks" / "mybench.yaml").write_text(benchmark(server.port, task.dataset_id))
        proc = run_cli("constantpredictor,RandomForest_small", "mybench", "MANYCORES", "-o", str(out),
                       "-X", "job.allow_fewer_cores=true", "-X", f"openml.cache_dir={home / 'openml-cache'}",
                       "--logging", "console:info", "--openml-run-tag", "x", env=offline_env(str(home)), cwd=home)
    return proc, out, user


def test_the_baselines_run_to_ok_rows(amlb_run):
    proc, out, _ = amlb_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    tasks = {"iris_string", "iris_folder", "iris_folder_minimal", "iris_zip", "iris.tgz", "iris_files",
             "iris_remote", "iris_remote_files", "bc_openml", "diabetes"}
    assert set(results["task"]) == tasks  # not_yet (enabled: false) is skipped
    assert set(results["framework"]) == {"constantpredictor", "RandomForest_small"}
    assert (results["status"] == "ok").all(), results[results["status"] != "ok"][["task", "framework", "info"]]
    folds = results[results["framework"] == "constantpredictor"].groupby("task")["fold"].count()
    assert folds["iris_folder_minimal"] == 2 and folds["iris_zip"] == 1  # the task's folds, else __defaults__
    assert (results["constraint"] == "manycores").all()  # names are case-insensitive, kept as defined


def test_ignored_amlb_keys_get_one_warning_line_each(amlb_run):
    proc, _, user = amlb_run
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("amlb: warning:")]
    config_lines = [w for w in warnings if "config.yaml" in w]
    assert len(config_lines) == 1 and "project_repository" in config_lines[0] and "aws.*" in config_lines[0]
    assert "docker.*" in config_lines[0] and "seed=auto" in config_lines[0] and "benchmarks.*" in config_lines[0]
    assert sum("ec2_instance_type" in w and "mybench.yaml" in w and "quantile_levels" in w for w in warnings) == 1
    for key in ("image", "setup_args", "version: stable"):
        assert sum(f"'{key}'" in w for w in warnings) == 1, warnings
    assert sum("--logging" in w and "--openml-run-tag" in w for w in warnings) == 1
    assert sum("asks 64 cores" in w for w in warnings) == 1


def test_metric_lists_are_all_scored_first_optimised(amlb_run):
    _, out, _ = amlb_run
    results = pd.read_csv(out / "results.csv")
    rf = results[(results["framework"] == "RandomForest_small") & (results["fold"] == 0)].set_index("task")
    assert rf.loc["iris_string", "metric"] == "neg_logloss"
    assert rf.loc["iris_string", "result"] == pytest.approx(-rf.loc["iris_string", "logloss"])
    for column in ("f1", "auc_ovr", "auc_ovo", "max_pce", "mean_pce"):
        assert 0 <= rf.loc["iris_string", column] <= 1
    assert pd.isna(rf.loc["iris_zip", "f1"])  # scored only where the task asks for it
    assert 0 <= rf.loc["iris_zip", "mean_pce"] <= 1  # config.yaml's benchmarks.metrics for multiclass tasks
    assert rf.loc["iris_zip", "metric"] == "neg_logloss"
    assert rf.loc["bc_openml", "metric"] == "auc" and rf.loc["bc_openml", "result"] == rf.loc["bc_openml", "auc"]
    for column in ("pr_auc", "f05", "f2"):
        assert 0.5 < rf.loc["bc_openml", column] <= 1
    d = rf.loc["diabetes"]
    assert d["metric"] == "neg_rmse" and d["mse"] == pytest.approx(d["rmse"] ** 2)
    assert d["rmsle"] == pytest.approx(d["msle"] ** 0.5) and d["mape"] > 0
    columns = list(results.columns)
    assert columns.index("mae") < columns.index("auc_ovo") < columns.index("status")  # after AMLB's metrics


def test_cores_and_memory_each_job_had_are_recorded(amlb_run):
    _, out, _ = amlb_run
    results = pd.read_csv(out / "results.csv")
    assert (results["cores"] == len(os.sched_getaffinity(0))).all()  # 64 asked, the machine's given
    import psutil

    expected = psutil.virtual_memory().total // (1 << 20) - 1024  # no max_mem_size_mb: memory minus os_mem_size_mb
    assert (results["memory_mb"] == expected).all()


def test_underscore_params_reach_the_adapter_not_the_model(amlb_run):
    import json

    _, out, _ = amlb_run
    job = json.loads(next((out / "jobs" / "RandomForest_small").rglob("job.json")).read_text())["config"]
    assert job["params"] == {"n_estimators": 30}
    assert job["integration_params"] == {"_save_artifacts": ["models"]}


def test_downloads_and_archives_go_to_the_data_cache(amlb_run):
    _, out, user = amlb_run
    assert not (user / "data" / "web" / "iris_single_fold").exists()  # nothing unpacked beside the archive
    assert not any(p.name.endswith(".zip") for p in out.rglob("*"))
