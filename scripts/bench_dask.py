#!/usr/bin/env python3
"""Cost of running jobs through Dask: the same jobs with --parallel 2 locally and on a 2-worker LocalCluster.

Runs constantpredictor (milliseconds of fit and predict, so the wall time is the runner's own
cost) on every task and the given folds of the example suite, once on two local CPU slots and
once on a Dask LocalCluster of two single-thread worker processes on this machine. Prints the
wall time of each run and per job, and the median job duration each way. Environments and the
data cache are warmed before timing; the cluster is started before timing (a real cluster runs
for many benchmarks).

    python scripts/bench_dask.py [--folds 0 1 2] [--framework constantpredictor]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], out: Path) -> tuple[float, pd.DataFrame]:
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), *args, "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed:\n{proc.stderr[-2000:]}")
    return wall, pd.read_csv(out / "results.csv")


def main() -> None:
    from distributed import LocalCluster  # noqa: PLC0415

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", default="constantpredictor")
    p.add_argument("--folds", nargs="+", default=["0", "1", "2"])
    a = p.parse_args()
    base = [a.framework, "example", "example", "-f", *a.folds, "-X", "job.cores=1"]
    with tempfile.TemporaryDirectory() as tmp, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=40) as cluster:
        tmp = Path(tmp)
        run(base, tmp / "warm")  # environment and fold files, untimed
        local_wall, local = run([*base, "--parallel", "2"], tmp / "local")
        dask_wall, remote = run([*base, "--dask", cluster.scheduler_address], tmp / "dask")
    n = len(local)
    assert len(remote) == n and set(remote.status) == {"ok"}, remote.status.value_counts()
    print(f"{n} jobs of {a.framework} on 2 slots")
    print(f"local --parallel 2: {local_wall:.2f} s wall, {local_wall / n:.3f} s per job, "
          f"median job duration {statistics.median(local.duration):.3f} s")
    print(f"Dask, 2 workers:    {dask_wall:.2f} s wall, {dask_wall / n:.3f} s per job, "
          f"median job duration {statistics.median(remote.duration):.3f} s")
    print(f"Dask cost: {(dask_wall - local_wall) / n:+.3f} s per job, {dask_wall - local_wall:+.2f} s per run")


if __name__ == "__main__":
    main()
