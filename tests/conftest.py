"""Shared test fixtures: the CLI run as a user runs it, with environments built once per machine."""
from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A shell starts background commands with SIGINT ignored (`... &` without job control), and children
# inherit that: the Ctrl-C tests' runners would then never see their SIGINT. The tests' children
# get the default Ctrl-C, however the test command was started.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
SHARED = Path(os.environ.get("AMLB_SHARED", ROOT.parent / "shared"))


def cache_dir() -> Path:
    """Framework environments and the data cache survive across test sessions (they are keyed by content)."""
    return Path(os.environ.get("AMLB_TEST_CACHE", Path.home() / ".cache" / "amlb-tests"))


def cli_args(*args: str) -> list[str]:
    base = [sys.executable, str(ROOT / "runbenchmark.py"), *args]
    return base + ["-X", f"environments.dir={cache_dir() / 'envs'}", "-X", f"data.cache_dir={cache_dir() / 'data'}"]


@functools.cache
def scratch_cwd() -> Path:
    """Where CLI runs start by default: a temp dir, so a run without -o never writes into the checkout."""
    return Path(tempfile.mkdtemp(prefix="amlb-test-cwd-"))


def run_cli(*args: str, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    """``python runbenchmark.py ARGS`` with the test caches, from a scratch cwd; output captured as text."""
    return subprocess.run(cli_args(*args), capture_output=True, text=True, timeout=timeout,
                          cwd=kwargs.pop("cwd", scratch_cwd()), **kwargs)


def assert_bad_input(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Exit 2, no traceback, exactly one error line holding every needle."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("amlb: error:")]
    assert len(errors) == 1, proc.stderr[-2000:]
    for needle in needles:
        assert needle in errors[0], errors[0]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared/ material not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def environments_dir() -> Path:
    """One environments dir for the whole session (and across sessions): venvs are built once."""
    path = cache_dir() / "envs"
    path.mkdir(parents=True, exist_ok=True)
    return path
