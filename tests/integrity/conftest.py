"""Fixtures of the integrity tests: the CLI with the hostile adapters as a user directory's frameworks.

Every hostile adapter has constantpredictor's requirements, so all of them share one
virtual environment in the test cache, built once.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, cli_args, run_cli
from tests.execution.conftest import processes_with_env

ADAPTERS = Path(__file__).resolve().parent / "adapters"
#: the smallest real run: the constant predictor on iris, fold 0
IRIS = ("constantpredictor", "example", "-t", "iris", "-f", "0")


def attempts(out: Path) -> list[tuple[str, int, str]]:
    """(job key, attempt, status) of every attempt in the run's store, in key order."""
    with sqlite3.connect(out / "results.db") as con:
        return con.execute("SELECT job_key, attempt, status FROM attempts ORDER BY job_key, attempt").fetchall()


def stored_meta(out: Path) -> str:
    """The run's record in its store of the command that made it (frameworks, tasks, constraint, settings),
    as stored: JSON text."""
    with sqlite3.connect(out / "results.db") as con:
        return con.execute("SELECT value FROM meta WHERE key='run'").fetchone()[0]


def run_meta(out: Path) -> dict:
    """:func:`stored_meta`, read."""
    return json.loads(stored_meta(out))


@pytest.fixture(scope="module")
def stored_run(tmp_path_factory) -> Path:
    """The output directory of a finished :data:`IRIS` run, one per test module."""
    out = tmp_path_factory.mktemp("stored") / "out"
    first = run_cli(*IRIS, "-o", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    return out


@pytest.fixture
def userdir(tmp_path: Path) -> Path:
    """A user directory whose frameworks/ are the hostile adapters."""
    user = tmp_path / "user"
    user.mkdir()
    (user / "frameworks").symlink_to(ADAPTERS)
    return user


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    pid: int

    def results(self, out: Path) -> pd.DataFrame:
        return pd.read_csv(out / "results.csv")


def processes_of_runner(pid: int) -> list[int]:
    """Live processes started by the runner ``pid`` (its workers and their jobs carry its pid in a marker)."""
    return processes_with_env(f"AMLB_WORKER_ID={pid}-")


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)


def kill_runner_tree(proc: subprocess.Popen) -> None:
    """SIGKILL the runner, its process group and every process it started (sandboxed workers included)."""
    for pid in [proc.pid, *processes_of_runner(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_amlb(*args: str, timeout: float = 300, env: dict[str, str] | None = None) -> Run:
    """``python runbenchmark.py ARGS`` with the test caches, in its own process group (killed afterwards)."""
    proc = subprocess.Popen(cli_args(*args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})})
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Run(proc.returncode, stdout, stderr, proc.pid)
