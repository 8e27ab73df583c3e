#!/usr/bin/env python3
"""Runner overhead per job: job wall time minus the framework's own training and predict time.

Runs constantpredictor (its fit and predict take milliseconds, so what remains is the runner's
cost: handing the job to the warm worker, forking, reading the fold files, writing and scoring
predictions, storing the record) on the example suite, in its own environment, twice: once with
inference timing off, which gives the overhead AMLB measures, and once with the default
inference timing, whose cost is reported separately. Also prints the fixed cost per run
(process start, config, planning, environment check, worker start). Environments are built
before timing starts.

    python scripts/bench_overhead.py [--framework constantpredictor] [--mode local]
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


def run(args: list[str], out: Path) -> tuple[float, pd.DataFrame | None]:
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), *args, "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed:\n{proc.stderr[-2000:]}")
    results = out / "results.csv"
    return wall, pd.read_csv(results) if results.exists() else None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", default="constantpredictor")
    p.add_argument("--mode", default="local", choices=("local", "docker"))
    p.add_argument("-X", dest="overrides", action="append", default=[])
    a = p.parse_args()
    base = [a.framework, "example", "example", "-m", a.mode, "-f", "0", "1"]
    for o in a.overrides:
        base += ["-X", o]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run(base + ["-s", "only"], tmp / "setup")  # build or reuse the environment, untimed
        run(base + ["-t", "iris"], tmp / "warm")  # fold files into the data cache, untimed
        wall, rows = run(base + ["-X", "job.inference_batch_sizes=[]"], tmp / "plain")
        _, timed = run(base, tmp / "timed")
    overhead = rows["duration"] - rows["training_duration"] - rows["predict_duration"]
    with_inference = timed["duration"] - timed["training_duration"] - timed["predict_duration"]
    fixed = wall - rows["duration"].sum()
    print(f"framework {a.framework}, mode {a.mode}, {len(rows)} jobs")
    print(f"median per-job runner overhead: {statistics.median(overhead):.3f} s "
          f"(min {overhead.min():.3f}, max {overhead.max():.3f})")
    print(f"median per-job overhead incl. inference timing (1-1000 row batches): {statistics.median(with_inference):.3f} s")
    print(f"fixed cost per run (start, plan, environment check, worker start): {fixed:.2f} s")


if __name__ == "__main__":
    main()
