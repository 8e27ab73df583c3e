"""A run killed with SIGKILL halfway completes on --resume with no lost and no duplicated rows."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

import pandas as pd
import psutil
import pytest

from tests.conftest import cli_args, run_cli, scratch_cwd

pytestmark = pytest.mark.slow

ARGS = ("RandomForest", "example", "-X", "job.max_runtime_seconds=3", "-X", "job.time_grace_seconds=5")


def _finished(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT COUNT(*) FROM attempts WHERE status != 'running'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_then_resume_completes_without_loss_or_duplicates(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.Popen(cli_args(*ARGS, "-o", str(out)), cwd=scratch_cwd(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while _finished(out / "results.db") < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed halfway"
    runner = psutil.Process(proc.pid)
    workers = runner.children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = _finished(out / "results.db")
    assert 4 <= done_before < 12
    # the runner's workers and jobs die with it
    gone, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, [p.pid for p in alive]

    again = run_cli(*ARGS, "-o", str(out), "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 12
    assert not results.duplicated(["framework", "task", "fold"]).any()
    assert set(results["status"]) == {"ok"}
    # jobs finished before the kill were not run again
    assert (results["attempt"] == 1).sum() >= done_before


def test_resume_of_a_complete_run_runs_nothing_and_retry_failed_reruns_failures(tmp_path):
    out = tmp_path / "run"
    first = run_cli("constantpredictor", "example", "-t", "iris", "wine", "-o", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    rows = pd.read_csv(out / "results.csv")
    again = run_cli("constantpredictor", "example", "-t", "iris", "wine", "-o", str(out), "--resume")
    assert again.returncode == 0
    assert pd.read_csv(out / "results.csv")["utc"].tolist() == rows["utc"].tolist()
    # mark one job failed in the store, as a crashed framework would leave it; --retry-failed reruns only it
    with sqlite3.connect(out / "results.db") as con:
        key, record = con.execute("SELECT job_key, record FROM attempts LIMIT 1").fetchone()
        con.execute("UPDATE attempts SET status='crash', record=? WHERE job_key=?",
                    (record.replace('"status": "ok"', '"status": "crash"'), key))
    retried = run_cli("constantpredictor", "example", "-t", "iris", "wine", "-o", str(out), "--resume", "--retry-failed")
    assert retried.returncode == 0, retried.stderr[-2000:]
    after = pd.read_csv(out / "results.csv")
    assert len(after) == len(rows) and set(after["status"]) == {"ok"}
    assert sorted(after["attempt"]) == sorted([1] * (len(rows) - 1) + [2])


def test_rerun_without_resume_refuses_to_overwrite(tmp_path):
    out = tmp_path / "run"
    assert run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(out)).returncode == 0
    again = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(out))
    assert again.returncode == 2
    assert "--resume" in again.stderr and "Traceback" not in again.stderr
