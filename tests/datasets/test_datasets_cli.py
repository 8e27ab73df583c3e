"""`amlb datasets info` and `amlb datasets prefetch`, run as the user runs them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import breast_cancer_task
from openml_files import write_openml_cache

from test_files import mixed_frame


def amlb(cfg, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # any attempt to reach the internet goes to a dead proxy and fails at once
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    openml_config = Path(cfg.cache_dir).parent / "xdg" / "openml" / "config"  # openml-python's own config file:
    openml_config.parent.mkdir(parents=True, exist_ok=True)  # one try, no back-off sleeps
    openml_config.write_text("connection_n_retries = 1\n")
    env["XDG_CONFIG_HOME"] = str(openml_config.parent.parent)
    command = [sys.executable, "-m", "amlb", "datasets", *args,
               "--cache-dir", str(cfg.cache_dir), "--openml-cache-dir", str(cfg.openml_cache_dir)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_info_builtin_as_json(cfg):
    result = amlb(cfg, "info", "penguins", "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert (info["id"], info["type"], info["target"], info["folds"]) == ("builtin/penguins", "multiclass", "species", 3)
    assert info["meta_features"]["n_missing_values"] == 19
    assert info["type_decided"] == "the built-in dataset's type"


def test_info_data_file_explains_inference(cfg, tmp_path):
    mixed_frame().to_csv(tmp_path / "people.csv", index=False)
    result = amlb(cfg, "info", str(tmp_path / "people.csv"))
    assert result.returncode == 0, result.stderr
    assert "file/people" in result.stdout
    assert "type         binary   <- inferred: the target is categorical with 2 classes" in result.stdout
    assert "target       label   <- inferred: the column named 'label'" in result.stdout
    assert "n_categorical_features" in result.stdout


def test_info_openml_task_from_the_cache(cfg):
    write_openml_cache(cfg.openml_cache_dir, [breast_cancer_task()])
    result = amlb(cfg, "info", "openml/t/9001")
    assert result.returncode == 0, result.stderr
    assert "openml.org/t/9001" in result.stdout and "OpenML data qualities" in result.stdout
    assert "crossvalidation, 10 folds x 2 repeat(s), stratified; fold i of repeat r = OpenML's fold i of repeat r" in result.stdout


def test_prefetch_benchmark_file_with_progress(cfg, tmp_path):
    mixed_frame().to_csv(tmp_path / "people.csv", index=False)
    (tmp_path / "bench.yaml").write_text(
        "- name: people\n  dataset:\n    path: people.csv\n    target: label\n  folds: 2\n"
        "- name: iris\n  builtin: iris\n"
        "- name: broken\n  dataset:\n    path: people.csv\n    target: nope\n")
    result = amlb(cfg, "prefetch", str(tmp_path / "bench.yaml"), "--write-folds", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("[1/3] people ... ok: file/people, binary, 120 rows x 3 features, 2 folds")
    assert lines[1].startswith("[2/3] iris ... ok: builtin/iris")
    assert lines[2].startswith("[3/3] broken ... failed: broken: target column 'nope' not found")
    assert lines[3].startswith("2 of 3 task(s) in the cache")
    assert len(list(Path(cfg.cache_dir).rglob("test_target.parquet"))) == 2 + 3


@pytest.mark.parametrize("args, message", [
    (("info", "openml/t/abc"), "an OpenML task id is a number"),
    (("info", "no-such-benchmark"), "unknown benchmark"),
    (("prefetch", "openml/t/123456789"), "amlb datasets prefetch openml/t/123456789"),
])
def test_errors_are_one_line_exit_2(cfg, args, message):
    result = amlb(cfg, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
