"""Fixtures for the execution tests: the CLI run with the fault-injection adapters, and a process watch.

Every test adapter has constantpredictor's requirements, so all of them (and constantpredictor)
share one virtual environment in the test cache (``tests.conftest.cache_dir()``), built once.
Adapters record the processes they start in ``$AMLB_TEST_PID_DIR``; :class:`ProcessWatch`
polls them from the outside while the run goes on and notes when each one disappeared.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT, cache_dir

ADAPTERS = Path(__file__).resolve().parent / "adapters"
BUDGET_S, GRACE_S, TOLERANCE_RATIO = 8.0, 2.0, 0.1
TIMEOUT_S = BUDGET_S * (1 + TOLERANCE_RATIO) + GRACE_S  # what the runner must enforce
MEMORY_MB = 400


def cgroups_available() -> bool:
    from amlb.execution.cgroups import open_cgroups  # noqa: PLC0415

    return open_cgroups("auto") is not None


def process_alive(pid: int, start_ticks: int) -> bool:
    """Whether the process ``pid`` that started at ``start_ticks`` still runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    fields = stat[stat.rfind(b")") + 2:].split()
    return int(fields[19]) == start_ticks and fields[0] not in (b"Z", b"X")


def processes_with_env(prefix: str) -> list[int]:
    """Running processes whose environment has a variable starting with ``prefix`` (e.g. ``AMLB_JOB_TAG=run-``)."""
    needle = b"\0" + prefix.encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = b"\0" + Path(f"/proc/{entry.name}/environ").read_bytes()
            state = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        if needle in environ and state[state.rfind(b")") + 2:].split()[0] not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


@dataclass
class Watched:
    pid: int
    start_ticks: int
    kind: str
    tag: str
    recorded_at: float  # the process's own clock reading when it recorded itself
    cwd: str  # the job's work dir: .../jobs/FRAMEWORK/TASK/foldN/attemptN/work
    gone_at: float | None = None  # first poll that found it gone (outside clock)

    @property
    def framework(self) -> str:
        return Path(self.cwd).parts[-5]

    @property
    def attempt(self) -> int:
        return int(Path(self.cwd).parts[-2].removeprefix("attempt"))


class ProcessWatch:
    """Polls the processes the adapters recorded, from outside, every ``interval`` seconds."""

    def __init__(self, pid_dir: Path, interval: float = 0.02):
        self.pid_dir, self.interval = pid_dir, interval
        self.seen: dict[str, Watched] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "ProcessWatch":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.poll()

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.poll()
            time.sleep(self.interval)

    def poll(self) -> None:
        now = time.time()
        for path in self.pid_dir.glob("*.json"):
            if path.name not in self.seen:
                entry = json.loads(path.read_text())
                self.seen[path.name] = Watched(entry["pid"], entry["start_ticks"], entry["kind"], entry["tag"],
                                               entry["time"], entry["cwd"])
        for w in self.seen.values():
            if w.gone_at is None and not process_alive(w.pid, w.start_ticks):
                w.gone_at = now

    def still_running(self) -> list[Watched]:
        return [w for w in self.seen.values() if process_alive(w.pid, w.start_ticks)]

    def of(self, framework: str, kind: str | None = None) -> list[Watched]:
        return [w for w in self.seen.values() if w.framework == framework and kind in (None, w.kind)]


@dataclass
class RunResult:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    runner_pid: int
    watch: ProcessWatch
    state_dir: Path
    results: pd.DataFrame = field(default_factory=pd.DataFrame)

    def row(self, framework: str, fold: int = 0) -> pd.Series:
        rows = self.results[(self.results.framework == framework) & (self.results.fold == fold)]
        assert len(rows) == 1, f"{len(rows)} rows for {framework} fold {fold}"
        return rows.iloc[0]

    def result_json(self, framework: str, attempt: int = 1, fold: int = 0) -> dict:
        path = self.out / "jobs" / framework / "iris" / f"fold{fold}" / f"attempt{attempt}" / "result.json"
        return json.loads(path.read_text())


def amlb_args(environments: Path, *args: str) -> list[str]:
    """The command line of ``python runbenchmark.py ARGS`` with the test adapters and the shared caches.

    The sandbox is off: these adapters record their host pids and report to folders outside their
    job (``$AMLB_TEST_PID_DIR``) so the tests can watch them from outside, which a sandboxed job can
    neither do nor be seen doing; they test the limits the executor enforces with or without one.
    The sandboxed path has its own tests (``tests/sandbox``)."""
    return [sys.executable, str(ROOT / "runbenchmark.py"), *args, "-X", f"framework_dirs=[{ADAPTERS}]",
            "-X", f"environments.dir={environments}", "-X", f"data.cache_dir={cache_dir() / 'data'}",
            "-X", "job.sandbox=off"]


def run_amlb(tmp: Path, environments: Path, frameworks: list[str], *extra: str, env: dict[str, str] | None = None,
             timeout: float = 240) -> RunResult:
    """``runbenchmark.py FRAMEWORKS example -t iris`` with the test adapters, watching their processes."""
    out, pid_dir, state_dir = tmp / "out", tmp / "pids", tmp / "state"
    pid_dir.mkdir(parents=True)
    state_dir.mkdir()
    args = amlb_args(environments, ",".join(frameworks), "example", "-t", "iris", "-o", str(out), *extra)
    full_env = {**os.environ, "AMLB_TEST_PID_DIR": str(pid_dir), "AMLB_TEST_STATE_DIR": str(state_dir),
                **(env or {})}
    start = time.time()
    with ProcessWatch(pid_dir) as watch:
        proc = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    result = RunResult(out, proc.returncode, stdout, stderr, time.time() - start, proc.pid, watch, state_dir)
    if (out / "results.csv").is_file():
        result.results = pd.read_csv(out / "results.csv")
    return result
