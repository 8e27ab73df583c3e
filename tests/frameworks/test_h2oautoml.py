"""H2OAutoML through the command line (opt-in: AMLB_TEST_HEAVY=H2OAutoML or all; it needs Java and h2o).

A binary, a multiclass task with categorical features and missing values, and a regression task,
each ok within its budget and better than the constant predictor; the job's H2O JVM is gone after
each job, also when the job is killed for time.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.frameworks.heavy import assert_beats_constant, assert_ok_within_budget, heavy, run_beside_constant

FRAMEWORK = "H2OAutoML"
pytestmark = [*heavy(FRAMEWORK), pytest.mark.skipif(shutil.which("java") is None, reason="H2O needs java on PATH")]
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
    return run_beside_constant(tmp_path_factory, FRAMEWORK, BUDGET_S, timeout=1800)


def test_h2o_runs_every_task_type_within_its_budget_and_stops_its_cluster(h2o_run):
    out, results = h2o_run
    # Fitted.close stopped the JVM: no leftover, and no process names the run's folder
    assert_ok_within_budget(results, FRAMEWORK, budget_s=BUDGET_S, version="3.46.0.12", min_models=2, fit_within=False)
    assert processes_mentioning(str(out)) == []


def test_h2o_beats_the_constant_predictor_on_each_task(h2o_run):
    assert_beats_constant(h2o_run[1], FRAMEWORK)


def test_a_job_killed_for_time_leaves_no_jvm(tmp_path):
    out = tmp_path / "run"
    proc = run_cli(FRAMEWORK, "example", "-t", "iris", "-f", "0", "-o", str(out), "-X", "job.max_runtime_seconds=4",
                   "-X", "job.time_grace_seconds=0", timeout=600)
    results = pd.read_csv(out / "results.csv")
    assert results["status"].tolist() == ["timeout"], (proc.stderr[-2000:], results.get("info"))
    time.sleep(1)
    assert processes_mentioning(str(out)) == []
