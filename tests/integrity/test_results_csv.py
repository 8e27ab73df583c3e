"""results.csv follows the store job by job: a runner killed with SIGKILL leaves the rows of its finished jobs."""
from __future__ import annotations

import sqlite3
import subprocess
import time

import pandas as pd

from amlb.execution.cgroups import open_cgroups
from tests.conftest import ROOT, cli_args
from tests.integrity.conftest import kill_runner_tree, processes_of_runner, wait_for


def attempts_by_status(out) -> dict[str, str]:
    try:
        with sqlite3.connect(out / "results.db") as con:
            return dict(con.execute("SELECT job_key, status FROM attempts").fetchall())
    except sqlite3.Error:
        return {}


def test_results_csv_holds_the_finished_jobs_when_the_runner_is_killed(tmp_path, userdir):
    out = tmp_path / "out"
    # jobs run in task, fold, framework order: constantpredictor finishes, then sleep_fit sleeps (300 s budget)
    proc = subprocess.Popen(cli_args("constantpredictor,sleep_fit", "example", "-t", "iris", "-f", "0", "-u",
                                     str(userdir), "-o", str(out), "-X", "job.max_runtime_seconds=300"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: attempts_by_status(out).get("sleep_fit|iris|example|0") == "running" or proc.poll() is not None,
                 "the sleep_fit job to start")
        assert proc.poll() is None, "the runner ended before the sleeping job"
        time.sleep(1)
        kill_runner_tree(proc)
    finally:
        if proc.poll() is None:
            kill_runner_tree(proc)
        wait_for(lambda: not processes_of_runner(proc.pid), "the killed runner's processes to go", timeout=30)
        open_cgroups("auto")  # removes the killed runner's job cgroups (where this host makes them)
    stored = attempts_by_status(out)
    assert stored == {"constantpredictor|iris|example|0": "ok", "sleep_fit|iris|example|0": "running"}
    rows = pd.read_csv(out / "results.csv")  # written when constantpredictor's job finished, not at the end
    assert rows[["framework", "task", "fold", "status"]].to_dict("records") == [
        {"framework": "constantpredictor", "task": "iris", "fold": 0, "status": "ok"}]
