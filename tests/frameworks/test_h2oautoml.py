"""H2OAutoML through the command line (opt-in: AMLB_TEST_HEAVY=H2OAutoML or all; it needs Java and h2o).

A binary, a multiclass task with categorical features and missing values, and a regression task,
each ok within its budget and better than the constant predictor; the job's H2O JVM is gone after
each job, also when the job is killed for time.
"""
from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

FRAMEWORK = "H2OAutoML"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("AMLB_TEST_HEAVY", "").lower() not in ("all", FRAMEWORK.lower()),
                       reason=f"heavy framework: set AMLB_TEST_HEAVY={FRAMEWORK} (or all) to run it"),
    pytest.mark.skipif(shutil.which("java") is None, reason="H2O needs java on PATH"),
]
BUDGET_S = 120  # the JVM alone takes 15 s to start on an idle machine, up to 60 s on a busy one


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain ``text`` (a JVM names its ice root and log dir)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


@pytest.fixture(scope="module")
def h2o_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("h2o") / "run"
    proc = run_cli(f"{FRAMEWORK},constantpredictor", "example", "-t", "breast_cancer", "penguins", "diabetes",
                   "-f", "0", "-o", str(out), "-X", f"job.max_runtime_seconds={BUDGET_S}", timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, pd.read_csv(out / "results.csv").set_index(["framework", "task"])


def test_h2o_runs_every_task_type_within_its_budget_and_stops_its_cluster(h2o_run):
    out, results = h2o_run
    h2o = results.loc[FRAMEWORK]
    assert set(h2o["status"]) == {"ok"}, h2o[["status", "info"]]
    assert (h2o["duration"] <= BUDGET_S * 1.1).all(), h2o["duration"]
    assert (h2o["models_count"] >= 2).all() and h2o["infer_s_per_row_1"].notna().all()
    assert set(h2o["version"]) == {"3.46.0.12"}
    assert not h2o["info"].fillna("").str.contains("leftover").any(), h2o["info"]  # Fitted.close stopped the JVM
    assert processes_mentioning(str(out)) == []


def test_h2o_beats_the_constant_predictor_on_each_task(h2o_run):
    _, results = h2o_run
    h2o, constant = results.loc[FRAMEWORK], results.loc["constantpredictor"]
    assert h2o.loc["breast_cancer", "auc"] > 0.95
    assert h2o.loc["penguins", "logloss"] < 0.5 * constant.loc["penguins", "logloss"]
    assert h2o.loc["diabetes", "rmse"] < 0.9 * constant.loc["diabetes", "rmse"]
    assert all(math.isfinite(v) for v in h2o["result"])


def test_a_job_killed_for_time_leaves_no_jvm(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(FRAMEWORK, "example", "-t", "iris", "-f", "0", "-o", str(out), "-X", "job.max_runtime_seconds=4",
                   "-X", "job.time_grace_seconds=0", timeout=600)
    results = pd.read_csv(out / "results.csv")
    assert results["status"].tolist() == ["timeout"], (proc.stderr[-2000:], results.get("info"))
    time.sleep(1)
    assert processes_mentioning(str(out)) == []
