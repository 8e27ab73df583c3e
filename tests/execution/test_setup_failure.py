"""A framework whose environment cannot be built: its jobs are setup errors, the others run."""
from __future__ import annotations

from tests.execution.conftest import run_amlb


def test_an_environment_that_cannot_be_built_fails_its_jobs_only(tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["uninstallable", "probe"], "-f", "0")
    assert run.returncode == 1, run.stderr[-3000:]
    assert dict(zip(run.results.framework, run.results.status)) == {"uninstallable": "setup_error", "probe": "ok"}
    errors = [line for line in run.stderr.splitlines() if line.startswith("amlb: error: setup failed: uninstallable")]
    assert len(errors) == 1, run.stderr[-3000:]
    log = (run.out / "logs" / "setup.uninstallable.log").read_text()
    assert "amlb-test-distribution-that-does-not-exist" in log


def test_a_missing_host_command_fails_its_jobs_with_one_line_before_any_install(tmp_path, environments_dir):
    run = run_amlb(tmp_path, environments_dir, ["needs_host_command", "probe"], "-f", "0")
    assert run.returncode == 1, run.stderr[-3000:]
    assert dict(zip(run.results.framework, run.results.status)) == {"needs_host_command": "setup_error", "probe": "ok"}
    errors = [line for line in run.stderr.splitlines() if line.startswith("amlb: error: setup failed: needs_host_command")]
    assert len(errors) == 1, run.stderr[-3000:]
    assert "'amlb-test-command-that-does-not-exist' on PATH" in errors[0] and "amlb-test-package" in errors[0]
    assert "-m docker" in errors[0]
    info = run.results.set_index("framework").loc["needs_host_command", "info"]
    assert "amlb-test-command-that-does-not-exist" in str(info)
    setup_log = run.out / "logs" / "setup.needs_host_command.log"
    assert not setup_log.exists() or "building environment" not in setup_log.read_text()
