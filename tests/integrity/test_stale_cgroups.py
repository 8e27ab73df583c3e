"""A runner killed with SIGKILL leaves its job cgroups; the next runner removes them, never a live runner's."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from amlb.execution.cgroups import open_cgroups
from tests.conftest import ROOT, cli_args, run_cli
from tests.integrity.conftest import kill_runner_tree, wait_for

MANAGER = open_cgroups("auto")
pytestmark = pytest.mark.skipif(MANAGER is None, reason="per-job cgroups need root (or a delegated cgroup)")
# sleep_fit sleeps 3 x its budget: at 300 s its job runs for the whole test
SLEEPER = ("sleep_fit", "example", "-t", "iris", "-f", "0", "-X", "job.max_runtime_seconds=300")


def groups_of(pid: int) -> list[Path]:
    """The cgroup directories (every controller) owned by process ``pid``."""
    return [d for base in dict.fromkeys(MANAGER.bases.values()) for d in base.iterdir()
            if d.is_dir() and d.name.startswith(f"{pid}.")]


def job_running(pid: int) -> bool:
    """A job group of runner ``pid`` that holds a process (the job is running in it)."""
    return any("-worker" not in d.name and (d / "cgroup.procs").read_text().strip() for d in groups_of(pid))


def test_the_next_runner_removes_a_killed_runners_cgroups_and_leaves_a_live_runners(tmp_path, userdir):
    start = [subprocess.Popen(cli_args(*SLEEPER, "-u", str(userdir), "-o", str(tmp_path / name)), cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
             for name in ("killed", "live")]
    killed, live = start
    try:
        for proc in start:
            wait_for(lambda p=proc: job_running(p.pid) or p.poll() is not None, f"a job of runner {proc.pid}")
            assert proc.poll() is None, "the runner ended before its job ran"
        kill_runner_tree(killed)
        stale = groups_of(killed.pid)
        assert stale, "a runner killed with SIGKILL cannot remove its groups: there must be some to sweep"
        wait_for(lambda: not any((d / "cgroup.procs").read_text().strip() for d in stale if d.exists()),
                 "the killed runner's groups to empty", timeout=60)
        live_groups = groups_of(live.pid)
        assert any("-worker" not in d.name for d in live_groups)

        after = run_cli("constantpredictor", "example", "-t", "iris", "-f", "0", "-o", str(tmp_path / "next"))
        assert after.returncode == 0, after.stderr[-2000:]
        assert not [d for d in stale if d.exists()], "the next runner did not remove the killed runner's groups"
        assert all(d.exists() for d in live_groups), "the next runner removed a live runner's groups"
        assert live.poll() is None and job_running(live.pid)
    finally:
        for proc in start:
            if proc.poll() is None:
                kill_runner_tree(proc)
        for proc in start:
            for _ in range(200):  # the jobs' last processes are reaped, then the groups can go
                if not any((d / "cgroup.procs").read_text().strip() for d in groups_of(proc.pid)):
                    break
                time.sleep(0.05)
        MANAGER.remove_stale()  # this test's own leftovers: both runners are gone now
