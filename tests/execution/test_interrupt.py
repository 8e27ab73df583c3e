"""Ctrl-C on a local run: the running job's processes die, finished jobs are kept, --resume reruns the rest."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT
from tests.execution.conftest import amlb_args, process_alive


def _recorded(pid_dir: Path, framework: str) -> list[dict]:
    entries = [json.loads(p.read_text()) for p in pid_dir.glob("*.json")]
    return [e for e in entries if f"/jobs/{framework}/" in e["cwd"]]


def test_ctrl_c_kills_the_running_job_and_resume_reruns_only_it(tmp_path, environments_dir):
    out, pid_dir = tmp_path / "out", tmp_path / "pids"
    pid_dir.mkdir()
    base = amlb_args(environments_dir, "probe,hang", "example", "-t", "iris", "-f", "0", "-o", str(out))
    env = {**os.environ, "AMLB_TEST_PID_DIR": str(pid_dir)}
    proc = subprocess.Popen([*base, "-X", "job.max_runtime_seconds=120"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(_recorded(pid_dir, "hang")) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        time.sleep(0.1)
    hang = _recorded(pid_dir, "hang")
    assert len(hang) == 2, "the hang job did not start"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode == 130, proc.stderr.read()[-3000:]
    assert time.monotonic() - sent < 30  # not the job's 120 s limit
    assert not any(process_alive(e["pid"], e["start_ticks"]) for e in hang)  # the SIGTERM-proof job and child
    stored = pd.read_csv(out / "results.csv").set_index("framework")
    assert stored.loc["probe", "status"] == "ok"
    assert "hang" not in stored.index or stored.loc["hang", "status"] == "running"  # no made-up failure
    again = subprocess.run([*base, "--resume", "-X", "job.max_runtime_seconds=1", "-X", "job.time_grace_seconds=1"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 1, again.stderr[-3000:]  # hang timed out
    results = pd.read_csv(out / "results.csv").set_index("framework")
    assert results.loc["probe", "attempt"] == 1
    assert results.loc["hang", "status"] == "timeout" and results.loc["hang", "attempt"] == 2
