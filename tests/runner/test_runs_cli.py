"""`amlb runs`, `amlb show` and `amlb compare` on real runs: read-only, and the numbers they print are the stored ones."""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT, run_cli, scratch_cwd

pytestmark = pytest.mark.slow


def amlb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "amlb", *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, seed in (("a", 1), ("b", 2)):
        proc = run_cli("constantpredictor,RandomForest", "example", "-t", "iris", "diabetes", "-o", str(root / name),
                       "-X", "job.max_runtime_seconds=3", "-X", f"seed={seed}", timeout=900)
        assert proc.returncode == 0, proc.stderr[-2000:]
    return root


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_runs_lists_every_run_with_its_counts_and_changes_nothing(two_runs):
    before = {p: _digest(p) for p in two_runs.rglob("results.db")}
    proc = amlb("runs", str(two_runs))
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if re.match(r"\s*[ab]\s+RandomForest,", line)]
    assert len(lines) == 2 and all(" 8 " in line and "example example" in line for line in lines), proc.stdout
    assert {p: _digest(p) for p in two_runs.rglob("results.db")} == before


def test_show_prints_the_stored_means(two_runs):
    proc = amlb("show", str(two_runs / "a"))
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(two_runs / "a" / "results.csv")
    mean = df[(df.framework == "RandomForest") & (df.task == "diabetes")]["result"].mean()
    assert f"{mean:.4f}" in proc.stdout
    assert "8 ok, 0 failed" in proc.stdout


def test_compare_prints_the_paired_differences(two_runs, tmp_path):
    out = tmp_path / "cmp.csv"
    proc = amlb("compare", str(two_runs / "a"), str(two_runs / "b"), "--csv", str(out))
    assert proc.returncode == 0, proc.stderr
    got = pd.read_csv(out).set_index(["framework", "task"])
    a, b = (pd.read_csv(two_runs / n / "results.csv").set_index(["framework", "task", "fold"])["result"] for n in "ab")
    direct = (b - a).groupby(level=["framework", "task"]).mean()
    assert got["diff"].sort_index().to_numpy() == pytest.approx(direct.sort_index().to_numpy())
    assert (got.loc["constantpredictor", "diff"] == 0).all()  # the same data, seeds do not matter
    assert "too few" in proc.stdout  # 2 folds cannot reach significance, and it says so


def test_bad_run_paths_are_one_line_and_exit_2(tmp_path):
    for args in (("show", str(tmp_path)), ("compare", str(tmp_path), str(tmp_path)), ("runs", str(tmp_path / "no"))):
        proc = amlb(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("amlb: error:")
    assert not any(tmp_path.iterdir())
    assert scratch_cwd().is_dir()
