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

Each timed figure is the median of ``--repeat`` rounds. ``--root DIR`` (repeatable) runs
other checkouts' ``runbenchmark.py`` (e.g. an export of main), in turns, round by round, so
that a busy machine's load falls on each alike: a before/after comparison in the same
conditions. Before timing, each checkout's sources are compiled (``compileall``): with
PYTHONDONTWRITEBYTECODE set, a runner would otherwise compile them at every start.

``--amlb DIR`` adds a column for the OpenML AutoML Benchmark (an AMLB checkout), measured in the
same turns: the whole command, the fixed cost per run for constantpredictor and RandomForest on
the same 6 tasks (fold 0 of our example suite as CSV files; wall minus the sum of AMLB's job
durations, which are its ``Job._run`` times: framework run and scoring, not the job's setup nor
the saving of results; details in ``bench_amlb.py``), the runner's peak RSS and a RandomForest
job's duration - train - predict; "-" where AMLB has no such figure. Read the fixed costs with
the per-job row: amlb starts each framework's warm worker (Python and the adapter's imports)
once, before the first job, outside any job's duration; AMLB starts RandomForest's process in
its venv for every job, inside the job's duration, and runs constantpredictor inside the runner
process. Setting AMLB up (once; AMLB installs each framework into frameworks/X/venv on its first
run, which the script does untimed with AMLB's numpy pin as a pip constraint; its
requirements.txt is for Python 3.9, and installs on 3.11):

    git clone https://github.com/openml/automlbenchmark /work/amlb-ref   # or a local mirror
    cd /work/amlb-ref && git checkout dfe8d218
    uv venv --seed -p python3.11 venv     # --seed: AMLB imports pip
    uv pip install -p venv/bin/python --compile-bytecode -r requirements.txt

    nice -n 19 python scripts/bench_overhead.py [--repeat 3] [--many 200] [--root A --root B] [--skip dask,many]
        [--amlb /work/amlb-ref [--amlb-python PY]]
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.05
RUN_NUMBERS = iter(range(10**9))  # every run gets its own output folder


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
    """One run of a checkout's runner."""
    return run_cmd([sys.executable, str(root / "runbenchmark.py"), *args], out, count_jobs=count_jobs)


def run_cmd(cmd: list[str], out: Path, count_jobs: bool = False, env: dict | None = None) -> Measured:
    """One run of a runner command (``-o out`` added); its wall time, results, own peak RSS and
    (RSS kB, jobs done) samples."""
    cmd = [*cmd, "-o", str(out)]
    err = tempfile.TemporaryFile("w+")  # not a pipe: a chatty runner (a setup's pip) must not block on it
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True, env=env)
    hwm, samples = 0, []
    try:
        while proc.poll() is None:
            status = _status_kb(proc.pid)
            hwm = max(hwm, status.get("VmHWM", 0))
            if count_jobs and "VmRSS" in status:
                done = sum(1 for _ in (out / "jobs").glob("*/*/fold*/attempt*/result.json"))
                samples.append((status["VmRSS"], done))
            time.sleep(POLL_S)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    wall = time.perf_counter() - t0
    with err:
        err.seek(0)
        stderr = err.read()
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


def figures(root: Path, tmp: Path, a: argparse.Namespace, skip: set[str], clusters: dict) -> dict[str, list]:
    """One round of every figure for one checkout: figure name -> values (one per run)."""
    got: dict[str, list] = {}

    def out() -> Path:
        return tmp / f"{root.name}-run{next(RUN_NUMBERS)}"

    def add(name: str, value) -> None:
        got.setdefault(name, []).append(value)

    suite = ["example", "example", "-m", "local", "-f", "0"]
    if "tiny" not in skip:
        tiny = run(root, ["constantpredictor", *suite, "-t", "iris"], out())
        add("whole command, constantpredictor, 1 task 1 fold (s)", tiny.wall)
    if "cp" not in skip:
        add("fixed cost per run, constantpredictor, 6 jobs (s)", run(root, ["constantpredictor", *suite], out()).fixed)
    if "rf" not in skip:
        r = run(root, ["RandomForest", *suite], out())
        add("fixed cost per run, RandomForest, 6 jobs (s)", r.fixed)
        add("runner peak RSS, RandomForest on the example suite (MB)", r.hwm_mb)
        add("RandomForest job: duration - train - predict, default inference timing (s)",
            float((r.results.duration - r.results.training_duration - r.results.predict_duration).median()))
    if "dask" not in skip:
        base = ["constantpredictor", "example", "example", "-f", "0", "1", "-X", "job.cores=1"]
        local = run(root, [*base, "--parallel", "2"], out())
        dask = run(root, [*base, "--dask", clusters[root].scheduler_address], out())
        add(f"local --parallel 2, {len(local.results)} jobs, wall (s)", local.wall)
        add("Dask cost per job over local --parallel 2 (s)", (dask.wall - local.wall) / len(local.results))
    return got


def many_jobs(root: Path, tmp: Path, jobs: int) -> dict[str, float]:
    bench = many_jobs_benchmark(tmp / "many.yaml", jobs)
    args = ["constantpredictor", str(bench), "example", "-f", "0", "1", "2", "-X", "job.inference_batch_sizes=[]"]
    run(root, [*args, "-s", "only"], tmp / f"{root.name}-many-setup")
    m = run(root, args, tmp / f"{root.name}-many", count_jobs=True)
    return {f"runner peak RSS, {len(m.results)} constantpredictor jobs (MB)": m.hwm_mb,
            f"runner RSS growth per job over {len(m.results)} jobs, second half (kB)": growth_per_job_kb(m.samples)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="rounds of every timed figure (median)")
    p.add_argument("--many", type=int, default=200, help="jobs of the memory-growth run")
    p.add_argument("--root", type=Path, action="append",
                   help="a checkout whose runbenchmark.py runs (default: this one); several: measured in turns")
    p.add_argument("--skip", default="", help="comma-separated: tiny,cp,rf,many,dask")
    p.add_argument("--amlb", type=Path, metavar="DIR", help="an AMLB checkout, measured in turns with the checkouts")
    p.add_argument("--amlb-python", type=Path, metavar="PY", help="AMLB's python (default: DIR/venv/bin/python)")
    a = p.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    roots = [r.resolve() for r in (a.root or [ROOT])]
    table: dict[str, dict[str, list]] = {str(r): {} for r in roots}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        amlb = None
        if a.amlb:
            from bench_amlb import Amlb  # noqa: PLC0415

            amlb = Amlb(a.amlb, a.amlb_python, tmp, roots[0])
            table[amlb.label] = {}

            def amlb_out(name: str) -> Path:  # every AMLB run gets its own output folder
                return tmp / f"amlb-{name}-run{next(RUN_NUMBERS)}"
        clusters = {}
        if "dask" not in skip:
            from distributed import LocalCluster  # noqa: PLC0415

            for root in roots:  # the workers (spawned with this sys.path) import that checkout's amlb; the
                sys.path.insert(0, str(root))  # scheduler (in this process) the last one's, to read task graphs
                clusters[root] = stack.enter_context(LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40))
        for root in roots:  # sources compiled, environments, fold files, the Dask workers' side: untimed
            subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(root / "amlb")],
                           stdout=subprocess.DEVNULL, check=False)
            for fw in ("constantpredictor", "RandomForest"):
                run(root, [fw, "example", "example", "-f", "0", "-s", "only"], tmp / f"{root.name}-setup-{fw}")
            run(root, ["constantpredictor", "example", "example", "-f", "0", "1", "2"], tmp / f"{root.name}-warm")
            if root in clusters:
                run(root, ["constantpredictor", "example", "example", "-f", "0", "1", "-X", "job.cores=1", "--dask",
                           clusters[root].scheduler_address], tmp / f"{root.name}-warm-dask")
        if amlb:
            amlb.warm(run_cmd, amlb_out)
        for _ in range(a.repeat):  # in turns: A B A B ..., so a busy machine's load falls on every checkout alike
            for root in roots:
                for name, values in figures(root, tmp, a, skip, clusters).items():
                    table[str(root)].setdefault(name, []).extend(values)
            if amlb:
                for name, values in amlb.figures(run_cmd, amlb_out, skip).items():
                    table[amlb.label].setdefault(name, []).extend(values)
        if "many" not in skip:
            for root in roots:
                for name, value in many_jobs(root, tmp, a.many).items():
                    table[str(root)][name] = [value]
    columns = list(table)
    names = list(dict.fromkeys(k for c in columns for k in table[c]))
    width = max(len(k) for k in names)
    print(f"median of {a.repeat} rounds, " + ("checkouts" if not amlb else "checkouts and AMLB") + " measured in turns")
    print(f"{'':<{width}}  " + "  ".join(f"{c:>24}"[-24:] for c in columns))
    for name in names:
        print(f"{name:<{width}}  " + "  ".join(f"{med(table[c][name]):>24.2f}" if name in table[c] else f"{'-':>24}"
                                              for c in columns))
    for note in amlb.notes() if amlb else []:
        print(note)


if __name__ == "__main__":
    main()
