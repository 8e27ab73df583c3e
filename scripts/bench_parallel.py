#!/usr/bin/env python3
"""--parallel speed-up: two 1-core CPU-bound jobs, one after the other and side by side.

Runs the same two jobs (two folds of iris) with ``--parallel 1`` and ``--parallel 2`` and
prints the wall time of each whole run (process start included) and of the jobs alone
(first fit start to last fit end), and the parallel/sequential ratio. On a machine with
two free cores the jobs' ratio is close to 0.5; it is well above when other processes
compete for the cores.

The default job is the ``cpu_bound`` test adapter, which burns ``--cpu-seconds`` of CPU in
one thread. ``--framework RandomForest`` runs scikit-learn's forest with a fixed number
of trees instead (``--trees``, on the breast_cancer task) so both runs do the same work.
Environments are built (and the data cached) by an untimed warm-up run first.

    python scripts/bench_parallel.py [--cpu-seconds 6] [--framework cpu_bound|RandomForest] [--repeats 1]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = ROOT / "tests" / "execution" / "adapters"
CACHE = Path(os.environ.get("AMLB_TEST_CACHE", Path.home() / ".cache" / "amlb-tests"))


def run(framework: str, task: str, parallel: int, out: Path, extra: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds of the whole run and of its jobs (first fit start to last fit end)."""
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), framework, "example", "-t", task, "-f", "0", "1",
           "--parallel", str(parallel), "-o", str(out), "-X", f"framework_dirs=[{ADAPTERS}]",
           "-X", f"environments.dir={CACHE / 'envs'}", "-X", f"data.cache_dir={CACHE / 'data'}", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed:\n{proc.stderr[-2000:]}")
    results = pd.read_csv(out / "results.csv")
    if set(results.status) != {"ok"}:
        sys.exit(f"jobs failed:\n{results[['framework', 'fold', 'status', 'info']]}")
    spans = []
    for fold in (0, 1):
        result = json.loads((out / "jobs" / framework / task / f"fold{fold}" / "attempt1" / "result.json").read_text())
        info = result.get("info") or {}
        if "fit_start" in info:
            spans.append((info["fit_start"], info["fit_end"]))
    # adapters that do not report their fit times: the jobs' own wall times, summed or overlapped
    jobs = max(e for _, e in spans) - min(s for s, _ in spans) if len(spans) == 2 else \
        (results.wall_seconds.sum() if parallel == 1 else results.wall_seconds.max())
    return wall, jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="cpu_bound", choices=("cpu_bound", "RandomForest"))
    parser.add_argument("--cpu-seconds", type=float, default=6.0, help="CPU seconds per cpu_bound job")
    parser.add_argument("--trees", type=int, default=3000, help="trees per RandomForest job")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs at least 2 CPUs")
    env = {"AMLB_BENCH_CPU_SECONDS": str(args.cpu_seconds)}
    extra = ["-X", "job.cores=1", "-X", "job.max_runtime_seconds=600"]
    framework, task = args.framework, "iris"
    with tempfile.TemporaryDirectory() as tmp:
        if framework == "RandomForest":  # a fixed amount of work: all trees, whatever the budget
            userdir = Path(tmp) / "user"
            userdir.mkdir()
            (userdir / "frameworks.yaml").write_text(
                f"RandomForestFixed:\n  extends: RandomForest\n  params: {{n_estimators: {args.trees}}}\n")
            framework, task, extra = "RandomForestFixed", "breast_cancer", [*extra, "-u", str(userdir)]
        run(framework, task, 2, Path(tmp) / "warmup", extra, {**env, "AMLB_BENCH_CPU_SECONDS": "0.1"})
        rows = []
        for i in range(args.repeats):
            seq = run(framework, task, 1, Path(tmp) / f"seq{i}", extra, env)
            par = run(framework, task, 2, Path(tmp) / f"par{i}", extra, env)
            rows.append((seq, par))
    seq_wall = statistics.median(s[0] for s, _ in rows)
    par_wall = statistics.median(p[0] for _, p in rows)
    seq_jobs = statistics.median(s[1] for s, _ in rows)
    par_jobs = statistics.median(p[1] for _, p in rows)
    what = f"{args.cpu_seconds:g} CPU-s each" if framework == "cpu_bound" else f"{args.trees} trees each"
    print(f"two 1-core {framework} jobs ({what}), median of {args.repeats}:")
    print(f"  whole run   sequential {seq_wall:6.2f} s   --parallel 2 {par_wall:6.2f} s   ratio {par_wall / seq_wall:.2f}")
    print(f"  jobs alone  sequential {seq_jobs:6.2f} s   --parallel 2 {par_jobs:6.2f} s   ratio {par_jobs / seq_jobs:.2f}")


if __name__ == "__main__":
    main()
