"""``amlb check`` end to end: the baselines pass; each deliberately broken adapter fails exactly its check."""
from __future__ import annotations

import shutil
import uuid

import pytest

from tests.check.helpers import ADAPTERS, check_cli, failing, kill_marked, verdicts

pytestmark = pytest.mark.slow
BROKEN = ["-X", f"framework_dirs=[\"{ADAPTERS}\"]", "-X", "check.watch_dirs=[\"~\"]"]


def _check(tmp_path, name: str, *extra: str, env=None, budget: float = 5):
    report_path = tmp_path / "report.json"
    proc = check_cli("check", name, "--budget", str(budget), "--json", str(report_path), *BROKEN, *extra,
                     home=tmp_path / "home", env=env)
    report = verdicts(report_path) if report_path.is_file() else None
    return proc, report


@pytest.mark.parametrize("name,budget", [("constantpredictor", 5), ("RandomForest", 3)])
def test_baselines_pass(tmp_path, name, budget):
    proc, report = _check(tmp_path, name, budget=budget)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert report["passed"] and len(report["tasks"]) == 4
    assert {t["kind"] for t in report["tasks"]} >= {"binary", "regression"}
    assert all(not fails for fails in failing(report).values())
    assert "PASS" in proc.stdout and "predictions" in proc.stdout  # the table
    assert not list((tmp_path / "tmp").glob("amlb-check-*")), "a passing check removes its job directories"


@pytest.mark.parametrize("name,check", [
    ("wrong_length", "predictions"),
    ("bad_proba_sum", "predictions"),
    ("no_version", "metadata"),
])
def test_broken_adapter_fails_its_check_on_every_task(tmp_path, name, check):
    proc, report = _check(tmp_path, name)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    fails = failing(report)
    classification = [t["task"] for t in report["tasks"] if t["kind"] != "regression"]
    for task, checks in fails.items():
        if check == "predictions" and name == "bad_proba_sum" and task not in classification:
            assert checks == set(), (task, checks)  # regression has no probabilities
        else:
            assert checks == {check}, (task, checks, report)
    assert "✗" in proc.stdout and "FAIL" in proc.stdout


def test_wrong_class_order_fails_predictions_of_classification_tasks(tmp_path):
    proc, report = _check(tmp_path, "wrong_class_order")
    assert proc.returncode == 1, proc.stdout[-3000:]
    for t in report["tasks"]:
        expected = set() if t["kind"] == "regression" else {"predictions"}
        assert {c for c, v in t["checks"].items() if v["state"] == "fail"} == expected, t
        if expected:
            assert "class order" in t["checks"]["predictions"]["reason"]


def test_leftover_process_fails_processes(tmp_path):
    mark = uuid.uuid4().hex
    try:
        proc, report = _check(tmp_path, "leftover_process", env={"AMLB_CHECK_TEST_MARK": mark})
        assert proc.returncode == 1, proc.stdout[-3000:]
        assert set().union(*failing(report).values()) == {"processes"}, report
        assert all(fails == {"processes"} for fails in failing(report).values()), report
    finally:
        survivors = kill_marked("AMLB_CHECK_TEST_MARK", mark)
    assert survivors == 0, "the runner must have killed the sleepers"


@pytest.mark.parametrize("fanotify", [True, False], ids=["kernel-reports", "folder-walk"])
def test_file_outside_the_job_fails_files(tmp_path, fanotify):
    # without the sandbox (a host that cannot sandbox): the write lands, and the files check must catch it
    stray = tmp_path / "home" / ".cache" / "leaky-automl"
    proc, report = _check(tmp_path, "stray_file", "-X", f"check.fanotify={str(fanotify).lower()}",
                          "-X", "job.sandbox=off", env={"AMLB_CHECK_TEST_STRAY_DIR": str(stray)})
    assert proc.returncode == 1, proc.stdout[-3000:]
    fails = failing(report)
    assert set().union(*fails.values()) == {"files"}, report
    assert all(fails.values()), fails  # every job wrote one
    reasons = {t["task"]: t["checks"]["files"]["reason"] for t in report["tasks"]}
    assert str(stray) in reasons["breast_cancer"] and "model-binary" in reasons["breast_cancer"]
    assert "model-regression" in reasons["diabetes"] and "model-binary" not in reasons["diabetes"]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed: no local sandbox")
def test_in_the_sandbox_a_file_outside_the_job_cannot_be_written(tmp_path):
    stray = tmp_path / "home" / ".cache" / "leaky-automl"
    proc, report = _check(tmp_path, "stray_file", "-X", "job.sandbox=require",
                          env={"AMLB_CHECK_TEST_STRAY_DIR": str(stray)})
    assert not stray.exists()  # the job never reached the runner's HOME
    assert all("files" not in fails for fails in failing(report).values()), report
    assert "bwrap" in proc.stdout  # the isolation line names the sandbox


def test_fit_over_its_fit_share_fails_budget(tmp_path):
    proc, report = _check(tmp_path, "slow_fit", budget=6)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert all(fails == {"budget"} for fails in failing(report).values()), report
    assert all(t["status"] == "ok" for t in report["tasks"])  # it ended by itself: only the share is wrong
    assert "fit_share 0.5" in proc.stdout


def test_a_framework_with_a_min_budget_is_checked_at_it(tmp_path):
    userdir = tmp_path / "user"
    userdir.mkdir()
    (userdir / "frameworks.yaml").write_text(
        "SlowStarter: {extends: constantpredictor, min_budget_seconds: 33}\n"
        "Broken: {extends: constantpredictor, min_budget_seconds: -1}\n")
    report_path = tmp_path / "report.json"
    proc = check_cli("check", "SlowStarter", "-u", str(userdir), "--json", str(report_path), home=tmp_path / "home")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert verdicts(report_path)["budget_s"] == 33
    assert "budget: 33 s per task" in proc.stdout and "min budget: 33 s per job" in proc.stdout
    # an explicit smaller budget is honoured, and the report says it is below the framework's minimum
    proc = check_cli("check", "SlowStarter", "-u", str(userdir), "--budget", "5", home=tmp_path / "home")
    assert "this check runs below it" in proc.stdout, proc.stdout[-2000:]
    proc = check_cli("check", "Broken", "-u", str(userdir), home=tmp_path / "home")
    assert proc.returncode == 2 and "min_budget_seconds must be a positive number" in proc.stderr, proc.stderr
