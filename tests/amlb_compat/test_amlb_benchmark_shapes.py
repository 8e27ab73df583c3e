"""Benchmark files shaped like AMLB's own (its test.yaml, its custom example's validation file) load
and run; --session names the default output folder."""
from __future__ import annotations

import pandas as pd

from tests.conftest import run_cli

TEST_YAML_SHAPED = """\
---
# a documentation task, disabled: its values are AMLB's placeholders and are not checked
- name: __dummy-task
  enabled: false
  openml_task_id: 0
  metric:
    - # classification
    - acc
    - f1
    - # regression
    - rmsle
  folds: 1
  max_runtime_seconds: 600
  cores: 1
  max_mem_size_mb: -1
  ec2_instance_type: m5.large

- name: __defaults__
  folds: 1
  cores: 1
  max_runtime_seconds: 15

- name: not_a_task_yet
  openml_task_id: -1
  openml_data_id: 41147
  enabled: false

- name: iris
  builtin: iris
  description: "multiclass test dataset"
"""


def test_amlb_test_yaml_shaped_benchmark_runs(tmp_path):
    user = tmp_path / "user"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "test.yaml").write_text(TEST_YAML_SHAPED)
    proc = run_cli("constantpredictor", "test", "-u", str(user), "--session", "s42",
                   "-X", f"output_dir={tmp_path / 'results'}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (out,) = (tmp_path / "results").iterdir()
    assert out.name == "constantpredictor.test.example.local.s42"  # amlb's default constraint
    results = pd.read_csv(out / "results.csv")
    assert list(results["task"]) == ["iris"] and list(results["fold"]) == [0]  # __defaults__ folds: 1
    assert list(results["status"]) == ["ok"] and list(results["budget_seconds"]) == [15]
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line and "ec2_instance_type" in line]
    assert len(warnings) == 1
