"""Docker mode on a Dask cluster: workers run each job in its framework's image, on the CPUs they claim."""
from __future__ import annotations

import os
import subprocess
import sys

import dask
import distributed
import pandas as pd
import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _cli(*args: str, overrides: list[str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), *args]
    cmd += [arg for o in overrides for arg in ("-X", o)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1500, check=False)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 CPUs")
def test_docker_jobs_on_two_dask_workers(docker_overrides, tmp_path, monkeypatch):
    args = ("constantpredictor", "example", "-m", "docker", "-t", "iris", "-f", "0", "1", "-X", "job.cores=1")
    built = _cli(*args, "-s", "only", "-o", str(tmp_path / "setup"), overrides=docker_overrides)  # the image, once
    assert built.returncode == 0, built.stderr[-3000:]
    monkeypatch.setenv("AMLB_CPU_CLAIMS_DIR", str(tmp_path / "claims"))  # inherited by the worker processes
    # worker saturation 1.0: each idle worker is handed one job, so the two jobs run on the two workers
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=":0") as cluster:
        workers = set(cluster.scheduler_info["workers"])
        proc = _cli(*args, "-o", str(tmp_path / "out"), "--dask", cluster.scheduler_address, overrides=docker_overrides)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(results.status) == ["ok", "ok"], results[["status", "info"]]
    assert set(results["mode"]) == {"docker"} and results["environment"].str.startswith("sha256:").all()
    assert set(results["resource_method"]) == {"docker-cgroup"} and results["cpu_user_s"].notna().all()
    assert {h.split("/", 1)[1] for h in results["host"]} == workers
    assert results["cpuset"].notna().all()  # claimed CPUs (disjointness is tested where jobs surely overlap)
