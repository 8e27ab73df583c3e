"""Running ``amlb check`` as a user does: ``python -m amlb check ...`` in a real process.

The runner's HOME is a temporary folder (so the files check never looks at the real one),
TMPDIR too (the check's own job directories land there); environments and data come from
the shared test cache.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, cache_dir

ADAPTERS = Path(__file__).resolve().parent / "adapters"


def check_cli(*args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 600
              ) -> subprocess.CompletedProcess:
    """``python -m amlb ARGS`` run from a fresh cwd (PYTHONPATH is the checkout: its code runs)."""
    command = [sys.executable, "-m", "amlb", *args]
    if args[0] != "new-framework":  # the commands that read config: the shared test caches
        command += ["-X", f"environments.dir={cache_dir() / 'envs'}", "-X", f"data.cache_dir={cache_dir() / 'data'}"]
    tmp, cwd = home.parent / "tmp", home.parent / "cwd"
    for folder in (home, tmp, cwd):
        folder.mkdir(parents=True, exist_ok=True)
    environ = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen(command, cwd=cwd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def verdicts(json_path: Path) -> dict:
    return json.loads(json_path.read_text())


def failing(report: dict) -> dict[str, set[str]]:
    """task -> the checks that failed."""
    return {t["task"]: {name for name, v in t["checks"].items() if v["state"] == "fail"} for t in report["tasks"]}


def kill_marked(name: str, value: str) -> int:
    """Kill every process whose environment has ``name=value``; how many there were."""
    needle = f"{name}={value}".encode()
    killed = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
                    killed += 1
        except (OSError, ProcessLookupError):
            continue
    if killed:
        time.sleep(0.1)
    return killed
