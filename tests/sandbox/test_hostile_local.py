"""Hostile adapters in local mode: each attack of the isolation issue, run by the CLI, ends blocked.

One run per user: as root (the runner drops every job to nobody, jobs get cgroups), and as an
unprivileged user (jobs in an unprivileged user namespace; limits by the watchdog). Every run
has the honest constant predictor next to the attackers; afterwards its row is ``ok``, the
data cache and the store are as they were, nothing was written outside the jobs' folders and
nothing any job started is running.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.sandbox.conftest import ATTACKS, NOBODY, bwrap_or_skip, check_attacks, check_common, hostile_run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def root_run(environments_dir, tmp_path_factory):
    bwrap_or_skip()
    if os.geteuid() != 0:
        pytest.skip("the runner is not root here (the non-root run covers this user)")
    return hostile_run(tmp_path_factory.mktemp("hostile-root"), environments_dir, ATTACKS)


def test_as_root_every_attack_is_blocked_and_the_run_finishes(root_run):
    check_common(root_run, "bwrap uid=65534")
    check_attacks(root_run, cgroups="no-cgroup" not in root_run.results.isolation.iloc[0])


def test_as_root_the_sandbox_is_recorded_with_the_cgroup(root_run):
    from amlb.execution.cgroups import open_cgroups  # noqa: PLC0415

    expected = "cgroup" if open_cgroups("auto") is not None else "no-cgroup"
    assert root_run.results.isolation.str.endswith(expected).all() or expected == "no-cgroup"
    assert (root_run.results.resource_method[root_run.results.status == "ok"] ==
            ("cgroup" if expected == "cgroup" else "wait4")).all()


def test_as_an_unprivileged_user_every_attack_is_blocked(environments_dir, root_run):
    """The runner as nobody: HOME, output and data cache in a temp dir it owns."""
    del root_run  # builds the shared environment first: this run only reuses it (-s skip)
    if os.geteuid() != 0:
        pytest.skip("needs root to start the runner as another user")
    tmp = Path(tempfile.mkdtemp(prefix="amlb-hostile-nobody-"))
    try:
        run = hostile_run(tmp, environments_dir, ATTACKS, as_nobody=True)
        check_common(run, f"bwrap uid={NOBODY}")
        assert run.results.isolation.str.contains("no-cgroup").all()
        check_attacks(run, cgroups=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_without_a_sandbox_the_truth_is_readable_and_the_row_says_so(environments_dir, tmp_path):
    """The same attack with ``job.sandbox=off``: it works (which is why the sandbox exists), and every row
    records that jobs ran unisolated."""
    bwrap_or_skip()
    run = hostile_run(tmp_path, environments_dir, ("read_truth",), overrides=["job.sandbox=off"])
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.results.isolation.str.startswith("none").all()
    row = run.row("hostile_read_truth")
    assert row.status == "ok" and row.result > -0.01  # a perfect score from the stolen labels


def test_require_on_a_host_without_bwrap_is_one_line_and_exit_2(tmp_path):
    """No bubblewrap on PATH: ``job.sandbox=require`` stops before anything is written; auto warns once."""
    out = tmp_path / "out"
    env = {**os.environ, "PATH": str(tmp_path / "empty-path")}
    cmd = [sys.executable, str(ROOT / "runbenchmark.py"), "constantpredictor", "example", "-t", "iris", "-o", str(out),
           "-X", "job.sandbox=require"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "job.sandbox=require" in lines[0] and "bubblewrap" in lines[0], proc.stderr
    assert not out.exists()
    check = subprocess.run([sys.executable, "-m", "amlb", "isolation"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0
    assert "local mode isolation: none (bubblewrap (bwrap) is not installed)" in check.stdout
    assert check.stderr.count("warning: jobs run without a sandbox") == 1


def test_check_reports_the_sandbox(tmp_path):
    bwrap_or_skip()
    proc = subprocess.run([sys.executable, "-m", "amlb", "isolation"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "local mode isolation: bwrap uid=" in proc.stdout
    assert "docker mode isolation:" in proc.stdout
