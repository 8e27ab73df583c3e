"""Run integrity: one runner per output directory, and --resume continues the stored run only."""
from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT, assert_bad_input, cli_args, run_cli
from tests.integrity.conftest import IRIS, attempts, run_amlb, stored_meta


@pytest.mark.slow
def test_two_runners_started_at_once_on_one_output_dir_never_both_run(tmp_path):
    for i in range(20):
        out = tmp_path / f"out{i}"
        procs = [subprocess.Popen(cli_args(*IRIS, "-o", str(out)), cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, start_new_session=True) for _ in range(2)]
        try:
            errs = [p.communicate(timeout=300)[1] for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 2], (i, codes, errs)
        loser = errs[[p.returncode for p in procs].index(2)]
        lines = [line for line in loser.splitlines() if line.startswith("amlb: error:")]
        assert len(lines) == 1 and ("another amlb run" in lines[0] or "already holds results" in lines[0]), loser
        assert attempts(out) == [("constantpredictor|iris|example|0", 1, "ok")], i


def test_a_second_runner_is_refused_while_the_first_runs_and_the_lock_dies_with_it(tmp_path, userdir):
    out = tmp_path / "out"
    # the first runner is SIGKILLed by its job (kill_runner) while it holds the lock
    # sandbox off: only an unsandboxed job can reach the runner (see tests/sandbox)
    first = run_amlb("kill_runner", "example", "-t", "iris", "-f", "0", "-u", str(userdir), "-o", str(out),
                     "-X", "job.sandbox=off")
    assert first.returncode == -9
    # no stale lock: the kernel released it with the process; resume proceeds (and is killed again)
    again = run_amlb("kill_runner", "example", "-t", "iris", "-f", "0", "-u", str(userdir), "-o", str(out), "--resume",
                     "-X", "job.sandbox=off")
    assert again.returncode == -9, again.stderr[-2000:]


@pytest.mark.parametrize("args,differs", [
    (("constantpredictor,RandomForest", "example", "-t", "iris", "-f", "0"), "frameworks"),
    (("constantpredictor", "example", "-t", "iris", "wine", "-f", "0"), "tasks"),
    (("constantpredictor", "example", "-t", "iris", "-f", "0", "1"), "tasks"),
    (("constantpredictor", "example", "test", "-t", "iris", "-f", "0"), "constraint of the run"),
    (("constantpredictor", "example", "-t", "iris", "-f", "0", "-X", "seed=7"), "seed"),
])
def test_resume_of_a_different_run_is_refused_and_the_store_is_untouched(stored_run, args, differs):
    before = (stored_run / "results.csv").read_bytes(), attempts(stored_run), stored_meta(stored_run)
    assert_bad_input(run_cli(*args, "-o", str(stored_run), "--resume"), "--resume of a different run", differs)
    assert ((stored_run / "results.csv").read_bytes(), attempts(stored_run), stored_meta(stored_run)) == before


def test_resume_of_the_same_run_is_accepted(stored_run):
    again = run_cli(*IRIS, "-o", str(stored_run), "--resume")
    assert again.returncode == 0, again.stderr[-2000:]
    assert attempts(stored_run) == [("constantpredictor|iris|example|0", 1, "ok")]


def test_resume_needs_an_existing_run_and_an_output_dir(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_bad_input(run_cli(*IRIS, "-o", str(empty), "--resume"), "holds no run to continue")
    assert list(empty.iterdir()) == []
    assert_bad_input(run_cli(*IRIS, "-o", str(tmp_path / "none"), "--resume"), "holds no run to continue")
    assert not (tmp_path / "none").exists()
    assert_bad_input(run_cli(*IRIS, "--resume", cwd=tmp_path), "--resume needs the run's output directory", "-o")
    assert_bad_input(run_cli(*IRIS, "-o", str(empty), "--retry-failed"), "--retry-failed works with --resume")
    assert list(tmp_path.iterdir()) == [empty]


@pytest.mark.parametrize("args", [
    ("constantpredictor", "example", "-t", "irsi"),
    ("constantpredictor", "example", "-t", "iris", "-f", "9"),
])
def test_a_rejected_run_leaves_no_output_directory(tmp_path, args):
    proc = run_cli(*args, "-o", str(tmp_path / "a" / "b" / "out"))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []
