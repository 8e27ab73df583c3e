"""The AMLB side of ``bench_overhead.py --amlb DIR``: the same figures, measured on an AMLB checkout.

AMLB (https://github.com/openml/automlbenchmark) runs here in its local mode on file datasets:
fold 0 of each task of our example suite, written out once as CSV train/test files (the test
file with the target, as AMLB wants it), listed in a benchmark YAML (``dataset: {train, test,
target, type}``, ``folds: 1``), with a user directory (``-u``) whose constraint ``example`` is
ours (1 fold, 20 s, 1 core; AMLB's constraints have no memory field, and its local mode
enforces none). Every run gets its own ``-o`` folder; AMLB writes ``-o/results.csv`` and
``-o/<session>/logs/runbenchmark.<time>.log`` there.

AMLB's ``duration`` (results.csv) is the time of ``Job._run`` (``amlb/job.py``: a ``Timer``
around it): building the task config, the framework's ``run`` (reading the CSV files,
encoding, for RandomForest the data handed to and the framework process in its venv, the
predictions read back) and scoring. Not in it: the job's ``_setup`` (system resources, the
dataset object), saving results.csv after each job, and everything before the first and
after the last job. results.csv rounds it (one significant digit under 1 s, else 0.1 s), so the
sum here uses the same figure from the log line ``Job `...` executed in N seconds.`` (ms).
A RandomForest job's duration - train - predict (training and predict times as the framework
reports them, logged unrounded) is the rest of the job: for AMLB a new Python process in the
framework's venv with its imports, the data written and read back, and scoring; AMLB's default
times no inference. Jobs that failed have no training time and are left out of that figure.
"""
from __future__ import annotations

import math
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

FRAMEWORKS = ("constantpredictor", "RandomForest")
JOB_LINE = re.compile(r"Job `[^`]+` executed in ([0-9.]+) seconds\.")
STAGE_LINE = re.compile(r"'(training|predict)_duration': ([0-9.e+-]+|nan)")
# AMLB's frameworks/shared/requirements.txt pins numpy; RandomForest's setup then installs the
# newest scikit-learn, which pulls numpy 2 and breaks the pinned pyarrow 11 ("_ARRAY_API not
# found"): the pin is kept as a pip constraint for the setup, as AMLB's own pins intend.
PIN = re.compile(r"^numpy==\S+", re.M)


def export_example(root: Path, dest: Path) -> Path:
    """Fold 0 of each task of ``root``'s example suite as CSV files and an AMLB benchmark YAML."""
    sys.path.insert(0, str(root))
    try:
        from amlb.config import load_config  # noqa: PLC0415 - the measured checkout's amlb
        from amlb.datasets import open_task  # noqa: PLC0415
        from amlb.definitions import datasets_config, load_benchmark  # noqa: PLC0415

        config = load_config()
        cfg = datasets_config(config)
        entries = []
        for spec in load_benchmark("example", config):
            task = open_task(spec, cfg)
            files = task.fold(0)
            folder = dest / spec.name
            folder.mkdir(parents=True, exist_ok=True)
            pd.read_parquet(files.train).to_csv(folder / "train.csv", index=False)
            test = pd.concat([pd.read_parquet(files.test), pd.read_parquet(files.test_target)], axis=1)
            test.to_csv(folder / "test.csv", index=False)
            entries.append(f"- name: {spec.name}\n  folds: 1\n  dataset:\n"
                           f"    train: {folder / 'train.csv'}\n    test: {folder / 'test.csv'}\n"
                           f"    target: {task.target}\n    type: {task.type}\n")
    finally:
        sys.path.remove(str(root))
    bench = dest / "example.yaml"
    bench.write_text("".join(entries))
    return bench


def job_times(out: Path) -> list[tuple[float, float, float]]:
    """Each job's (duration, training, predict) seconds from the run's AMLB log (the app log, not
    the .full.log): the last durations the log shows before each job's ``executed in`` line (nan
    for a failed job)."""
    times = []
    for log in (p for p in out.glob("*/logs/runbenchmark.*.log") if not p.name.endswith(".full.log")):
        last = {"training": math.nan, "predict": math.nan}
        for line in log.read_text().splitlines():
            if m := STAGE_LINE.search(line):
                last[m[1]] = float(m[2])
            elif m := JOB_LINE.search(line):
                times.append((float(m[1]), last["training"], last["predict"]))
                last = {"training": math.nan, "predict": math.nan}
    return times


class Amlb:
    """An AMLB checkout set up to run our example suite's tasks from CSV files."""

    def __init__(self, directory: Path, python: Path | None, tmp: Path, root: Path):
        self.dir = directory.resolve()
        self.python = (python or self.dir / "venv" / "bin" / "python").absolute()
        if not self.python.exists():
            sys.exit(f"no AMLB python at {self.python}: create its venv (see bench_overhead.py) or give --amlb-python")
        commit = subprocess.run(["git", "-C", str(self.dir), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        self.label = f"AMLB {commit}" if commit else "AMLB"
        self.tmp = tmp / "amlb"
        self.user = self.tmp / "user"
        self.user.mkdir(parents=True)
        (self.user / "config.yaml").write_text(
            "benchmarks:\n  constraints_file:\n    - '{root}/resources/constraints.yaml'\n"
            "    - '{user}/constraints.yaml'\n")
        (self.user / "constraints.yaml").write_text("example:\n  folds: 1\n  max_runtime_seconds: 20\n  cores: 1\n")
        self.bench = export_example(root, self.tmp / "data")
        pins = PIN.findall((self.dir / "frameworks" / "shared" / "requirements.txt").read_text())
        (self.tmp / "pip-constraint.txt").write_text("".join(f"{p}\n" for p in pins))
        self.env = {**os.environ, "PIP_CONSTRAINT": str(self.tmp / "pip-constraint.txt")}
        self.failures: dict[str, list[str]] = {}  # framework -> the errors of its failed jobs in timed runs

    def command(self, framework: str, *extra: str) -> list[str]:
        return [str(self.python), str(self.dir / "runbenchmark.py"), framework, str(self.bench), "example",
                "-m", "local", "-u", str(self.user), "-f", "0", *extra]

    def warm(self, run: Callable, out: Callable[[str], Path]) -> None:
        """Untimed: AMLB's sources compiled (PYTHONDONTWRITEBYTECODE may be set), each framework
        installed when it is not (``-s auto``: AMLB's own setup, its venv under frameworks/X/venv)
        and run once over the suite."""
        subprocess.run([str(self.python), "-m", "compileall", "-q", "-j", "0", str(self.dir / "amlb"),
                        str(self.dir / "frameworks")], stdout=subprocess.DEVNULL, check=False)
        for fw in FRAMEWORKS:
            run(self.command(fw, "-s", "auto"), out(f"warm-{fw}"), env=self.env)

    def _timed(self, run: Callable, out: Path, framework: str, *extra: str, jobs: int):
        m = run(self.command(framework, *extra), out, env=self.env)
        times = job_times(out)
        if len(times) != jobs or m.results is None or len(m.results) != jobs:
            sys.exit(f"AMLB run in {out}: expected {jobs} jobs, found {len(times)} durations "
                     f"and {0 if m.results is None else len(m.results)} results.csv rows")
        failed = m.results[m.results["info"].notna()] if "info" in m.results else m.results.iloc[:0]
        self.failures.setdefault(framework, []).extend(str(i).split(":")[0] for i in failed["info"])
        return m, times

    def figures(self, run: Callable, out: Callable[[str], Path], skip: set[str]) -> dict[str, list]:
        """One round of the figures AMLB has (names as in bench_overhead.figures)."""
        got: dict[str, list] = {}
        if "tiny" not in skip:
            m, _ = self._timed(run, out("tiny"), "constantpredictor", "-t", "iris", jobs=1)
            got["whole command, constantpredictor, 1 task 1 fold (s)"] = [m.wall]
        if "cp" not in skip:
            m, times = self._timed(run, out("cp"), "constantpredictor", jobs=6)
            got["fixed cost per run, constantpredictor, 6 jobs (s)"] = [m.wall - sum(t[0] for t in times)]
        if "rf" not in skip:
            m, times = self._timed(run, out("rf"), "RandomForest", jobs=6)
            got["fixed cost per run, RandomForest, 6 jobs (s)"] = [m.wall - sum(t[0] for t in times)]
            got["runner peak RSS, RandomForest on the example suite (MB)"] = [m.hwm_mb]
            rest = [d - t - p for d, t, p in times if not math.isnan(t + p)]  # the jobs that finished
            if rest:
                got["RandomForest job: duration - train - predict, default inference timing (s)"] = \
                    [statistics.median(rest)]
        return got

    def notes(self) -> list[str]:
        return [f"{self.label}: {len(errors)} {fw} jobs of the timed runs failed ({', '.join(sorted(set(errors)))}); "
                "their durations count like any job's" for fw, errors in self.failures.items() if errors]
