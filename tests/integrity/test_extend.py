"""--extend: add frameworks, tasks and folds to a stored run; what changes its finished jobs stays refused."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import assert_bad_input, run_cli
from tests.integrity.conftest import IRIS, attempts, run_meta, stored_meta

BOTH = ("constantpredictor,RandomForest", "example", "-t", "iris", "wine", "-f", "0")


def test_extend_adds_frameworks_tasks_and_folds_and_runs_only_the_new_jobs(tmp_path):
    out = tmp_path / "out"
    first = run_cli(*IRIS, "-o", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    finished = attempts(out)
    assert finished == [("constantpredictor|iris|example|0", 1, "ok")]

    extended = run_cli(*BOTH, "-o", str(out), "--extend")
    assert extended.returncode == 0, extended.stderr[-2000:]
    after = attempts(out)
    assert finished[0] in after and len(after) == 4  # the finished job was not run again
    assert {(key.split("|")[0], key.split("|")[1]) for key, _, _ in after} == {
        (fw, task) for fw in ("constantpredictor", "RandomForest") for task in ("iris", "wine")}
    assert all(attempt == 1 and status == "ok" for _, attempt, status in after), after
    rows = pd.read_csv(out / "results.csv")
    assert len(rows) == 4 and not rows.duplicated(["framework", "task", "fold"]).any()
    meta = run_meta(out)
    assert meta["frameworks"] == ["constantpredictor", "RandomForest"]
    assert meta["tasks"] == {"iris": [0], "wine": [0]}

    # a fold more of one task: only that job runs
    more = run_cli("RandomForest", "example", "-t", "wine", "-f", "1", "-o", str(out), "--extend")
    assert more.returncode == 0, more.stderr[-2000:]
    assert len(attempts(out)) == 5 and run_meta(out)["tasks"] == {"iris": [0], "wine": [0, 1]}

    # each command that made the run resumes it (nothing left to run); any other is refused
    for command in (IRIS, BOTH, ("RandomForest", "example", "-t", "wine", "-f", "1")):
        again = run_cli(*command, "-o", str(out), "--resume")
        assert again.returncode == 0, (command, again.stderr[-2000:])
    assert len(attempts(out)) == 5
    assert_bad_input(run_cli("constantpredictor", "example", "-t", "wine", "-f", "1", "-o", str(out), "--resume"),
                     "--resume of a different run", "add --extend")


@pytest.mark.parametrize("args,differs", [
    (("constantpredictor", "example", "test", "-t", "iris", "wine", "-f", "0"), "constraint of the run is example"),
    (("constantpredictor", "example", "-t", "wine", "-f", "0", "-X", "job.max_runtime_seconds=30"),
     "max_runtime_seconds of the run"),
    (("constantpredictor", "example", "-t", "wine", "-f", "0", "-X", "job.cores=2"), "cores of the run"),
    (("constantpredictor", "example", "-t", "wine", "-f", "0", "-X", "seed=7"), "seed of the run"),
])
def test_extend_refuses_what_changes_the_meaning_of_the_finished_jobs(stored_run, args, differs):
    before = (stored_run / "results.csv").read_bytes(), attempts(stored_run), stored_meta(stored_run)
    proc = run_cli(*args, "-o", str(stored_run), "--extend")
    if "job.cores=2" in args and proc.returncode == 2 and "cores but this machine" in proc.stderr:
        pytest.skip("this machine has one core: -X job.cores=2 is refused before the run is read")
    assert_bad_input(proc, "--extend of a different run", differs.replace(" of the run", f" of the run in {stored_run}"))
    assert ((stored_run / "results.csv").read_bytes(), attempts(stored_run), stored_meta(stored_run)) == before


def test_extend_of_another_benchmark_is_refused(stored_run, tmp_path):
    bench = tmp_path / "mine.yaml"
    bench.write_text("- name: iris\n  builtin: iris\n")
    before = attempts(stored_run)
    assert_bad_input(run_cli("constantpredictor", str(bench), "-f", "0", "-o", str(stored_run), "--extend"),
                     "--extend of a different run", "benchmark")
    assert attempts(stored_run) == before


def test_extend_needs_an_output_dir_that_holds_a_run(tmp_path):
    assert_bad_input(run_cli(*IRIS, "--extend", cwd=tmp_path), "--extend needs the run's output directory", "-o")
    assert_bad_input(run_cli(*IRIS, "-o", str(tmp_path / "none"), "--extend"), "--extend:", "holds no run")
    assert list(tmp_path.iterdir()) == []
