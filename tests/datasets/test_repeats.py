"""Repeated cross-validation (OpenML tasks with several repeats) and OpenML's test server,
through the CLI as a user runs it, offline against an on-disk openml-python cache."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import breast_cancer_task
from openml_files import splits_frame, write_openml_cache

from amlb.datasets import TaskSpec, open_task
from tests.conftest import ROOT, cache_dir, scratch_cwd

pytestmark = pytest.mark.slow

CONSTRAINTS = ("rep2: {folds: 2, repeats: 2, max_runtime_seconds: 10, cores: 1, max_mem_size_mb: 2048}\n"
               "once: {folds: 2, max_runtime_seconds: 10, cores: 1, max_mem_size_mb: 2048}\n")


def offline_env(root: Path) -> dict[str, str]:
    """The environment of an offline user: any connection goes to a dead proxy; openml-python tries once."""
    env = dict(os.environ, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    config = root / "xdg" / "openml" / "config"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("connection_n_retries = 1\n")
    env["XDG_CONFIG_HOME"] = str(config.parent.parent)
    return env


@pytest.fixture
def user(tmp_path: Path) -> dict:
    """A user dir with constraints, an openml-python cache holding task 9001 (10 folds x 2 repeats)
    for the main server, a fresh data cache, and an offline environment."""
    (tmp_path / "user").mkdir()
    (tmp_path / "user" / "constraints.yaml").write_text(CONSTRAINTS)
    write_openml_cache(tmp_path / "openml", [breast_cancer_task()])
    return {"root": tmp_path, "env": offline_env(tmp_path),
            "args": ["-u", str(tmp_path / "user"), "-X", f"openml.cache_dir={tmp_path / 'openml'}",
                     "-X", f"data.cache_dir={tmp_path / 'data'}"]}


def run(user: dict, *args: str, out: str = "run") -> subprocess.CompletedProcess:
    """``runbenchmark.py ARGS`` with the shared environments but this test's own data caches."""
    command = [sys.executable, str(ROOT / "runbenchmark.py"), *args, "-o", str(user["root"] / out), *user["args"],
               "-X", f"environments.dir={cache_dir() / 'envs'}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=scratch_cwd(), env=user["env"])


def test_fold_i_of_repeat_r_is_openml_split_i_of_repeat_r(cfg, no_network):
    fake = breast_cancer_task()
    write_openml_cache(cfg.openml_cache_dir, [fake])
    task = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    assert (task.n_folds, task.n_repeats) == (10, 2)
    splits = splits_frame(fake)
    for repeat, fold in ((0, 3), (1, 3), (1, 9)):
        expected = splits[(splits.repeat == repeat) & (splits.fold == fold) & (splits.type == "TEST")]["rowid"]
        truth = pd.read_parquet(task.fold(fold, repeat).test_target)["Class"].astype(str)
        np.testing.assert_array_equal(truth, fake.frame["Class"].iloc[np.sort(expected.to_numpy())].astype(str))
    assert not task.fold(3, 1).test.samefile(task.fold(3, 0).test)


def test_a_task_cached_before_repeats_gets_them_from_openml_pythons_cache(cfg, no_network):
    write_openml_cache(cfg.openml_cache_dir, [breast_cancer_task()])
    task = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    fold0 = pd.read_parquet(task.fold(0).test_target)
    task_json = task.folds_dir.parent / "task.json"  # make it a folder as amlb wrote it before repeats
    meta = json.loads(task_json.read_text())
    del meta["n_repeats"]
    task_json.write_text(json.dumps(meta))
    again = open_task(TaskSpec(name="bc", openml_task_id=9001), cfg)
    assert again.n_repeats == 2 and no_network.attempts == []
    pd.testing.assert_frame_equal(pd.read_parquet(again.fold(0).test_target), fold0)


def test_repeats_run_as_jobs_with_their_own_seeds_and_rows(user):
    proc = run(user, "constantpredictor", "openml/t/9001", "rep2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(user["root"] / "run" / "results.csv")
    assert sorted(zip(results["repeat"], results["fold"])) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert set(results["id"]) == {"openml.org/t/9001"} and set(results["status"]) == {"ok"}
    # seed auto: 42 + repeat * folds (10) + fold
    assert dict(zip(zip(results["repeat"], results["fold"]), results["seed"])) == {(0, 0): 42, (0, 1): 43, (1, 0): 52, (1, 1): 53}
    jobs = user["root"] / "run" / "jobs" / "constantpredictor" / "breast-cancer-test"
    assert sorted(p.name for p in jobs.iterdir()) == ["fold0", "fold1", "repeat1.fold0", "repeat1.fold1"]
    # the analysis takes a repeat as another fold sample of the task: fold = repeat * (highest fold + 1) + fold
    from amlb.analysis.load import load_results

    loaded = load_results([user["root"] / "run"])
    assert sorted(loaded["fold"]) == [0, 1, 2, 3] and sorted(loaded["fold_in_repeat"]) == [0, 0, 1, 1]
    # resuming it with another number of repeats is resuming another run: refused, naming it
    constraints = user["root"] / "user" / "constraints.yaml"
    constraints.write_text(CONSTRAINTS.replace("repeats: 2", "repeats: 1"))
    refused = run(user, "constantpredictor", "openml/t/9001", "rep2", "--resume")
    assert refused.returncode == 2 and "repeats of the run" in refused.stderr, refused.stderr[-2000:]
    constraints.write_text(CONSTRAINTS)
    # a second run with the constraint's default (one repeat) is today's run: repeat 0 only
    once = run(user, "constantpredictor", "openml/t/9001", "once", out="once")
    assert once.returncode == 0, once.stderr[-3000:]
    assert set(pd.read_csv(user["root"] / "once" / "results.csv")["repeat"]) == {0}


def test_a_store_written_before_repeats_resumes(user):
    proc = run(user, "constantpredictor", "openml/t/9001", "once", "-f", "0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    db = user["root"] / "run" / "results.db"
    with sqlite3.connect(db) as con:  # as an older amlb wrote it: no repeat in records or run identity
        for key, attempt, text in con.execute("SELECT job_key, attempt, record FROM attempts").fetchall():
            record = json.loads(text)
            del record["repeat"]
            con.execute("UPDATE attempts SET record = ? WHERE job_key = ? AND attempt = ?", (json.dumps(record), key, attempt))
        run_meta = json.loads(con.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()[0])
        for key in ("repeats", "seed_fixed"):
            del run_meta[key]
        con.execute("UPDATE meta SET value = ? WHERE key = 'run'", (json.dumps(run_meta),))
    (user["root"] / "run" / "results.csv").unlink()
    resumed = run(user, "constantpredictor", "openml/t/9001", "once", "-f", "0", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    results = pd.read_csv(user["root"] / "run" / "results.csv")
    assert len(results) == 1 and results.loc[0, "repeat"] == 0 and results.loc[0, "status"] == "ok"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1  # nothing ran again


def test_test_server_names_use_their_own_cache(user):
    root = user["root"]
    proc = run(user, "constantpredictor", "test.openml/t/9001", "once", "-f", "0")
    line = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 2 and "OpenML task 9001 is not in the cache" in line, proc.stderr[-2000:]
    assert "https://test.openml.org" in line and "amlb datasets prefetch test.openml/t/9001" in line
    assert not (root / "run").exists()
    suite = run(user, "constantpredictor", "test.openml/s/99", "once")
    assert suite.returncode == 2 and "prefetch test.openml/s/99" in suite.stderr.strip().splitlines()[-1]
    # the same task id on the test server is another task: its own openml-python cache and ours
    write_openml_cache(root / "openml", [breast_cancer_task()], base_url="https://test.openml.org")
    proc = run(user, "constantpredictor", "test.openml/t/9001", "once", "-f", "0")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(root / "run" / "results.csv")
    assert list(results["id"]) == ["test.openml.org/t/9001"] and list(results["status"]) == ["ok"]
    assert (root / "data" / "test.openml" / "t" / "9001").is_dir() and not (root / "data" / "openml").exists()
