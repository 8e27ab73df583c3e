"""Fixtures of the integrity tests: the CLI with the hostile adapters as a user directory's frameworks.

Every hostile adapter has constantpredictor's requirements, so all of them share one
virtual environment in the test cache, built once.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, cli_args
from tests.execution.conftest import processes_with_env

ADAPTERS = Path(__file__).resolve().parent / "adapters"


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
