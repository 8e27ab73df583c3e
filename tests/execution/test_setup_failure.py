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
