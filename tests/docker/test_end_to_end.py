"""End to end through the command line: the example benchmark in docker mode scores as in local mode.

Runs ``python runbenchmark.py constantpredictor,RandomForest example -m docker`` and ``-m local``
one after the other (the forests are grown within a time budget, so the two runs must not
compete for the cores) and compares their results.csv.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = "constantpredictor,RandomForest"

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(3000)]


def _run(mode: str, out: Path, overrides: list[str]) -> pd.DataFrame:
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), FRAMEWORKS, "example", "-m", mode, "-o", str(out)]
    cmd += [arg for o in overrides for arg in ("-X", o)]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=ROOT, timeout=1400)
    assert proc.returncode == 0, f"{mode} run failed ({proc.returncode}): {proc.stderr[-2000:] or proc.stdout[-2000:]}"
    return pd.read_csv(out / "results.csv")


def test_docker_mode_scores_as_local_mode(docker_overrides, tmp_path):
    docker = _run("docker", tmp_path / "docker", docker_overrides)
    local = _run("local", tmp_path / "local", docker_overrides)
    # the same columns, but the inference batch sizes: timing stops at 5 % of the budget, so which
    # sizes a run reached depends on the machine's speed at the time (the smallest always is)
    sized = ("infer_s_per_row_", "infer_batch_size_df_", "infer_rows_", "infer_repeats_")
    same = [[c for c in df.columns if not c.startswith(sized)] for df in (docker, local)]
    assert same[0] == same[1]
    assert docker["infer_s_per_row_1"].notna().all() and local["infer_s_per_row_1"].notna().all()
    key = ["framework", "task", "fold"]
    assert len(docker) == len(local) == 2 * 6 * 2  # 2 frameworks x 6 tasks x 2 folds
    failed = {m: df[df["status"] != "ok"][key + ["status", "info"]] for m, df in (("docker", docker), ("local", local))}
    assert all(f.empty for f in failed.values()), failed
    assert set(docker["mode"]) == {"docker"} and set(local["mode"]) == {"local"}
    assert docker["environment"].str.startswith("sha256:").all()
    assert set(docker["resource_method"]) == {"docker-cgroup"}
    assert docker["cpu_user_s"].notna().all() and docker["peak_rss_mb"].notna().all()
    both = docker[key + ["result", "metric"]].merge(local[key + ["result", "metric"]], on=key,
                                                     suffixes=("_docker", "_local"), validate="one_to_one")
    assert len(both) == len(docker)
    assert (both["metric_docker"] == both["metric_local"]).all()
    assert both["result_docker"].to_numpy() == pytest.approx(both["result_local"].to_numpy(), rel=1e-9, abs=1e-12)
