#!/usr/bin/env python3
"""A run's fixed cost, the runner's memory, per-job overhead and the Dask cost, in one table.

Every figure comes from real runs of ``runbenchmark.py`` in local mode (environments and the
data cache are warmed before timing starts):

- whole command: constantpredictor, 1 task, 1 fold, start to exit;
- fixed cost per run: wall time minus the sum of the job durations, for constantpredictor and
  RandomForest on the example suite (fold 0, 6 jobs);
- runner peak RSS: the runner process's own high-water mark (VmHWM, not its workers') over the
  RandomForest run of the example suite;
- runner RSS growth per job: constantpredictor on a generated benchmark of many tiny jobs
  (``--many`` jobs, iris under different names), the slope of the runner's RSS against the
  jobs done over the second half of the run;
- RandomForest per-job overhead: job duration minus training and predict time, with the
  default inference timing;
- Dask: constantpredictor on the example suite (2 folds) on a 2-worker LocalCluster against
  local ``--parallel 2``, the difference per job.

Each timed figure is the median of ``--repeat`` runs. ``--root`` runs another checkout's
``runbenchmark.py`` (e.g. an export of main), to compare before and after in the same
conditions.

    nice -n 19 python scripts/bench_overhead.py [--repeat 3] [--many 200] [--root DIR] [--skip dask,many]
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
POLL_S = 0.05


def _status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB ({} once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


class Measured:
    def __init__(self, wall: float, results: pd.DataFrame | None, hwm_mb: float, samples: list[tuple[float, int]]):
        self.wall, self.results, self.hwm_mb, self.samples = wall, results, hwm_mb, samples

    @property
    def fixed(self) -> float:
        return self.wall - float(self.results["duration"].sum())


def run(root: Path, args: list[str], out: Path, count_jobs: bool = False) -> Measured:
    """One run of the runner; its wall time, results, own peak RSS and (RSS kB, jobs done) samples."""
    cmd = [sys.executable, str(root / "runbenchmark.py"), *args, "-o", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    hwm, samples = 0, []
    try:
        while proc.poll() is None:
            status = _status_kb(proc.pid)
            hwm = max(hwm, status.get("VmHWM", 0))
            if count_jobs and "VmRSS" in status:
                done = sum(1 for _ in (out / "jobs").glob("*/*/fold*/attempt*/result.json"))
                samples.append((status["VmRSS"], done))
            time.sleep(POLL_S)
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed ({' '.join(cmd)}):\n{stderr[-2000:]}")
    results = out / "results.csv"
    return Measured(wall, pd.read_csv(results) if results.exists() else None, hwm / 1024, samples)


def growth_per_job_kb(samples: list[tuple[int, int]]) -> float:
    """Least-squares slope of RSS against jobs done, over the second half of the jobs."""
    if not samples:
        return float("nan")
    total = max(done for _, done in samples)
    pts = [(done, rss) for rss, done in samples if done >= total / 2]
    if len({d for d, _ in pts}) < 2:
        return float("nan")
    mx = statistics.fmean(d for d, _ in pts)
    my = statistics.fmean(r for _, r in pts)
    return sum((d - mx) * (r - my) for d, r in pts) / sum((d - mx) ** 2 for d, _ in pts)


def many_jobs_benchmark(path: Path, jobs: int) -> Path:
    tasks = max(1, jobs // 3)  # iris has 3 folds as a built-in
    path.write_text("".join(f"- name: iris{i:03d}\n  builtin: iris\n" for i in range(tasks)))
    return path


def med(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per timed figure (median)")
    p.add_argument("--many", type=int, default=200, help="jobs of the memory-growth run")
    p.add_argument("--root", type=Path, default=ROOT, help="the checkout whose runbenchmark.py runs")
    p.add_argument("--skip", default="", help="comma-separated: tiny,cp,rf,many,dask")
    a = p.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    root = a.root.resolve()
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        n = iter(range(10**6))

        def out() -> Path:
            return tmp / f"run{next(n)}"

        suite = ["example", "example", "-m", "local", "-f", "0"]
        for fw in ("constantpredictor", "RandomForest"):  # environments and fold files, untimed
            run(root, [fw, *suite, "-s", "only"], out())
        run(root, ["constantpredictor", "example", "example", "-f", "0", "1", "2"], out())
        if "tiny" not in skip:
            walls = [run(root, ["constantpredictor", *suite, "-t", "iris"], out()).wall for _ in range(a.repeat)]
            rows.append(("whole command, constantpredictor, 1 task 1 fold", f"{med(walls):.2f} s"))
        if "cp" not in skip:
            runs = [run(root, ["constantpredictor", *suite], out()) for _ in range(a.repeat)]
            rows.append(("fixed cost per run, constantpredictor (6 jobs)", f"{med([r.fixed for r in runs]):.2f} s"))
        if "rf" not in skip:
            runs = [run(root, ["RandomForest", *suite], out()) for _ in range(a.repeat)]
            rows.append(("fixed cost per run, RandomForest (6 jobs)", f"{med([r.fixed for r in runs]):.2f} s"))
            rows.append(("runner peak RSS, RandomForest on the example suite", f"{med([r.hwm_mb for r in runs]):.0f} MB"))
            overhead = pd.concat([r.results.duration - r.results.training_duration - r.results.predict_duration
                                  for r in runs])
            rows.append(("RandomForest job: duration - train - predict (default inference timing)",
                         f"{overhead.median():.2f} s"))
        if "many" not in skip:
            bench = many_jobs_benchmark(tmp / "many.yaml", a.many)
            args = ["constantpredictor", str(bench), "example", "-f", "0", "1", "2", "-X", "job.inference_batch_sizes=[]"]
            run(root, [*args, "-s", "only"], out())
            m = run(root, args, out(), count_jobs=True)
            rows.append((f"runner peak RSS, {len(m.results)} constantpredictor jobs", f"{m.hwm_mb:.0f} MB"))
            rows.append((f"runner RSS growth per job over {len(m.results)} jobs (second half)",
                         f"{growth_per_job_kb(m.samples):.1f} kB"))
        if "dask" not in skip:
            from distributed import LocalCluster  # noqa: PLC0415

            sys.path.insert(0, str(root))  # the workers (spawned with this sys.path) import this checkout's amlb

            base = ["constantpredictor", "example", "example", "-f", "0", "1", "-X", "job.cores=1"]
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                              silence_logs=40) as cluster:
                run(root, [*base, "--dask", cluster.scheduler_address], out())  # warm the workers' side
                local, dask = [], []
                for _ in range(a.repeat):
                    local.append(run(root, [*base, "--parallel", "2"], out()))
                    dask.append(run(root, [*base, "--dask", cluster.scheduler_address], out()))
            jobs = len(local[0].results)
            rows.append((f"local --parallel 2, {jobs} jobs, wall", f"{med([r.wall for r in local]):.2f} s"))
            rows.append((f"Dask 2 workers, {jobs} jobs, wall", f"{med([r.wall for r in dask]):.2f} s"))
            rows.append(("Dask cost per job over local --parallel 2",
                         f"{(med([r.wall for r in dask]) - med([r.wall for r in local])) / jobs:+.3f} s"))
    width = max(len(k) for k, _ in rows)
    print(f"checkout {root}, median of {a.repeat} runs")
    for k, v in rows:
        print(f"{k:<{width}}  {v:>10}")


if __name__ == "__main__":
    main()
