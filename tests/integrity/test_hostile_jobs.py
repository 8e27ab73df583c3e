"""A job cannot stall the runner, bloat the store, or pass its own faults off as the runner's.

Each hostile adapter (tests/integrity/adapters/) attacks the runner one way; the run must
finish, record each with the job's own failure status, run the other jobs ``ok`` and
leave nothing running.
"""
from __future__ import annotations

import time

from tests.integrity.conftest import processes_of_runner, run_amlb


def test_hostile_jobs_end_with_their_own_status_and_the_run_goes_on(tmp_path, userdir):
    out = tmp_path / "out"
    frameworks = "constantpredictor,fifo_files,symlink_out,big_stdout,malformed_result,hang_import"
    start = time.monotonic()
    # sandbox off: this tests the runner's own defences, what stands where a host cannot sandbox (a sandboxed
    # job's links and special files are already dropped when its results leave the sandbox: tests/sandbox)
    run = run_amlb(frameworks, "example", "-t", "iris", "-f", "0", "-u", str(userdir), "-o", str(out),
                   "-X", "job.max_runtime_seconds=3", "-X", "job.sandbox=off", timeout=400)
    wall = time.monotonic() - start
    assert run.returncode == 1, run.stderr[-3000:]  # the run completed, some jobs failed (they are rows)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    rows = run.results(out).set_index("framework")
    status = rows["status"].to_dict()
    assert status == {"constantpredictor": "ok", "big_stdout": "ok", "fifo_files": "framework_error",
                      "symlink_out": "invalid_predictions", "malformed_result": "framework_error",
                      "hang_import": "setup_error"}, rows[["status", "info"]].to_string()
    assert "not a regular file" in rows.loc["fifo_files", "info"]
    assert "symbolic link" in rows.loc["symlink_out", "info"]
    assert "'training_duration'" in rows.loc["malformed_result", "info"]
    # the hanging import costs a bound from the 3 s budget (its 13.3 s limit, raised to the 60 s floor), once,
    # not two 300 s timeouts
    assert "not ready within 60 s" in rows.loc["hang_import", "info"]
    assert wall < 200, wall
    # 30 MB on one line of stdout: the full log is on disk, the record keeps a bounded tail
    big = rows.loc["big_stdout"]
    assert (out / "jobs" / "big_stdout" / "iris" / "fold0" / "attempt1" / "job.log").stat().st_size > 30 << 20
    assert 0 < len(big["log_tail"]) <= 4000 and big["log_tail"].endswith("big_stdout: done")
    assert (out / "results.csv").stat().st_size < 1 << 20
    assert (out / "results.db").stat().st_size < 4 << 20
    assert set(rows["attempt"]) == {1}  # no job's fault was taken for the runner's and retried
    assert processes_of_runner(run.pid) == []


def test_regression_predictions_too_large_to_score_are_invalid_predictions(tmp_path, userdir):
    out = tmp_path / "out"
    run = run_amlb("constantpredictor,huge_regression", "example", "-t", "diabetes", "-f", "0", "-u", str(userdir),
                   "-o", str(out))
    assert run.returncode == 1, run.stderr[-3000:]  # huge_regression failed
    rows = run.results(out).set_index("framework")
    assert rows.loc["constantpredictor", "status"] == "ok"
    assert rows.loc["huge_regression", "status"] == "invalid_predictions"
    assert "too large to score" in rows.loc["huge_regression", "info"]
    assert rows.loc["huge_regression", "attempt"] == 1


def test_a_job_that_kills_the_runner_twice_is_a_crash_and_the_run_finishes(tmp_path, userdir):
    out = tmp_path / "out"
    # sandbox off: a sandboxed job cannot see the runner, let alone kill it (tests/sandbox shows that); this is
    # what the runner does on a host that cannot sandbox
    args = ("constantpredictor,kill_runner", "example", "-t", "iris", "-f", "0", "1", "-u", str(userdir),
            "-o", str(out), "-X", "job.sandbox=off")
    first = run_amlb(*args)
    assert first.returncode == -9, first.stderr[-2000:]  # SIGKILLed by the job
    second = run_amlb(*args, "--resume")
    assert second.returncode == -9, second.stderr[-2000:]
    third = run_amlb(*args, "--resume")
    assert "Traceback" not in third.stderr, third.stderr[-3000:]
    rows = third.results(out)
    victim = rows[(rows.framework == "kill_runner") & (rows.fold == 0)].iloc[0]
    assert victim["status"] == "crash" and victim["error_type"] == "RunnerDied", victim.to_dict()
    assert "runner died while this job ran, 2 times" in victim["info"]
    # the jobs after it ran: constantpredictor on both folds
    assert set(rows[rows.framework == "constantpredictor"]["status"]) == {"ok"}
    assert len(rows[rows.framework == "constantpredictor"]) == 2
    for run in (first, second, third):
        assert processes_of_runner(run.pid) == []
