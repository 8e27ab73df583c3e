"""AMLB inputs amlb cannot honour are refused before any job runs: one line, exit 2, nothing created
(a data file that is not there is its task's data_error instead: the other tasks run)."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import assert_bad_input, run_cli

IRIS_TASK = "- name: iris\n  builtin: iris\n"


def _user(tmp_path, benchmark: str = IRIS_TASK, constraints: str = "", config: str = ""):
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "b.yaml").write_text(benchmark)
    (user / "data").mkdir()
    (user / "data" / "a.csv").write_text("x,y\n1,a\n2,b\n")
    (user / "data" / "b.csv").write_text("x,y\n1,a\n2,b\n")
    if constraints:
        (user / "constraints.yaml").write_text(constraints)
    if config:
        (user / "config.yaml").write_text(config)
    return user


def _refused(tmp_path, args, *needles):
    out = tmp_path / "out"
    assert_bad_input(run_cli(*args, "-o", str(out), cwd=tmp_path), *needles)
    assert not out.exists()


@pytest.mark.parametrize("task,needles", [
    ("  metric: [accuracy]\n", ("unknown metric 'accuracy'", "known metrics: acc")),
    ("  metric: mase\n", ("metric 'mase'", "time-series")),
    ("  metric: [auc, acc]\n", ("metric 'auc'", "multiclass", "auc_ovr")),
    ("  metric: {a: 1}\n", ("must be a metric name or a list",)),
    ("  enabled: maybe\n", ("enabled of task 'iris'",)),
    ("  openml_task_id: -1\n", ("openml_task_id of task 'iris'", "whole number > 0")),
])
def test_bad_task_keys(tmp_path, task, needles):
    user = _user(tmp_path, IRIS_TASK + task)
    _refused(tmp_path, ("constantpredictor", "b", "-u", str(user)), *needles)


@pytest.mark.parametrize("dataset,needles", [
    ("'{user}/data'", ("holds no NAME_train.EXT and NAME_test.EXT files",)),
    ("'{foo}/a.csv'", ("unknown placeholder {foo}",)),
    ("'s3://bucket/a.csv'", ("s3:// URLs are not supported",)),
    ("{path: '{input}/a.csv'}", ("uses {input} but no input directory is set", "-i DIR")),
    ("{path: '{user}/data/a.csv', type: timeseries}", ("time-series task",)),
    ("[1, 2]", ("must be a path or a mapping",)),
])
def test_bad_dataset_forms(tmp_path, dataset, needles):
    user = _user(tmp_path, f"- name: d\n  dataset: {dataset}\n  folds: 2\n")
    _refused(tmp_path, ("constantpredictor", "b", "-u", str(user)), *needles)


def _data_error(tmp_path, args, *needles) -> None:
    """A missing file is its task's data_error (rows saying why), not a refusal: the run finishes, exit 1."""
    out = tmp_path / "out"
    proc = run_cli(*args, "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    rows = pd.read_csv(out / "results.csv")
    assert set(rows["status"]) == {"data_error"}, rows[["status", "info"]]
    for needle in needles:
        assert needle in rows["info"].iloc[0], rows["info"].iloc[0]


def test_a_placeholder_path_to_a_missing_file_is_a_data_error(tmp_path):
    user = _user(tmp_path, "- name: d\n  dataset: '{user}/nothing.csv'\n  folds: 2\n")
    _data_error(tmp_path, ("constantpredictor", "b", "-u", str(user)), "data file not found", str(user / "nothing.csv"))


def test_input_dir_flag_gives_input_placeholder_its_folder(tmp_path):
    user = _user(tmp_path, "- name: d\n  dataset: {path: '{input}/nothing.csv'}\n  folds: 2\n")
    _data_error(tmp_path, ("constantpredictor", "b", "-u", str(user), "-i", str(user / "data")),
                "data file not found", f"{user / 'data' / 'nothing.csv'}")


def test_a_benchmark_without_enabled_tasks(tmp_path):
    user = _user(tmp_path, IRIS_TASK + "  enabled: false\n")
    _refused(tmp_path, ("constantpredictor", "b", "-u", str(user)), "has no enabled task")


@pytest.mark.parametrize("mode,needle", [("aws", "--dask"), ("singularity", "-m docker"), ("k8s", "unknown mode")])
def test_other_modes_say_what_to_use(tmp_path, mode, needle):
    _refused(tmp_path, ("constantpredictor", "example", "-m", mode), needle)


def test_jobhistory_points_to_resume(tmp_path):
    _refused(tmp_path, ("constantpredictor", "example", "--jobhistory", "old.csv"), "--resume -o DIR")


def test_more_cores_than_the_machine_refused_by_default(tmp_path):
    user = _user(tmp_path, constraints="Big: {folds: 1, max_runtime_seconds: 10, cores: 64}\n")
    _refused(tmp_path, ("constantpredictor", "b", "big", "-u", str(user)), "needs 64 cores",
             "job.allow_fewer_cores=true")


def test_unknown_constraint_keys_and_config_typos_still_refused(tmp_path):
    user = _user(tmp_path, constraints="c: {folds: 1, max_runtime_secs: 10}\n")
    _refused(tmp_path, ("constantpredictor", "b", "c", "-u", str(user)), "unknown key 'max_runtime_secs'")
    user2 = _user(tmp_path / "2", config="project_repository: x\nouput_dir: /tmp\n")
    _refused(tmp_path, ("constantpredictor", "b", "-u", str(user2)), "unknown config key 'ouput_dir'")


def test_amlb_module_without_an_adapter_says_how_to_write_one(tmp_path):
    user = _user(tmp_path)
    (user / "frameworks.yaml").write_text("GradientBoosting:\n  module: extensions.GradientBoosting\n"
                                          "  version: '0.19.2'\n  params: {n_estimators: 500}\n")
    _refused(tmp_path, ("GradientBoosting", "b", "-u", str(user)), "AMLB's module extensions.GradientBoosting",
             "amlb new-framework GradientBoosting")


def test_exit_on_error_stops_at_the_first_failed_job(tmp_path):
    out = tmp_path / "out"
    proc = run_cli("constantpredictor", "example", "-t", "iris", "wine", "-f", "0", "-e", "-o", str(out),
                   "-X", "job.max_mem_size_mb=1", "-X", "job.attempts=1", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "stopped at the first failed job (-e): constantpredictor iris fold 0" in proc.stderr
    import pandas as pd

    results = pd.read_csv(out / "results.csv")
    assert list(results["task"]) == ["iris"] and results["status"][0] != "ok"  # wine never ran
