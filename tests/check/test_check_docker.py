"""``amlb check -m docker``: the baseline passes in its image, and the job containers run without network.

Skips when no Docker engine answers or no base image can be had (tests/docker_engine.py).
"""
from __future__ import annotations

import pytest

from tests.check.helpers import check_cli, verdicts
from tests.docker_engine import engine_or_skip, overrides_or_skip

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docker_overrides() -> list[str]:
    return [arg for kv in overrides_or_skip(engine_or_skip()) for arg in ("-X", kv)]


def test_constantpredictor_passes_in_docker_without_network(tmp_path, docker_overrides):
    report_path = tmp_path / "report.json"
    proc = check_cli("check", "constantpredictor", "-m", "docker", "--budget", "10", "--json", str(report_path),
                     "-X", "check.watch_dirs=[\"~\"]", *docker_overrides, home=tmp_path / "home", timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = verdicts(report_path)
    assert report["mode"] == "docker" and report["environment"].startswith("amlb/constantpredictor:")
    for task in report["tasks"]:
        assert task["checks"]["network"]["state"] == "pass", task  # seen on the running container
        assert task["checks"]["network"]["reason"] == "the container ran with network none"


def test_a_container_with_network_fails_the_network_check(tmp_path, docker_overrides):
    report_path = tmp_path / "report.json"
    proc = check_cli("check", "constantpredictor", "-m", "docker", "--budget", "10", "--json", str(report_path),
                     "-X", "check.watch_dirs=[\"~\"]", "-X", "docker.network=bridge", *docker_overrides,
                     home=tmp_path / "home", timeout=1800)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = verdicts(report_path)
    for task in report["tasks"]:
        fails = {c for c, v in task["checks"].items() if v["state"] == "fail"}
        assert fails == {"network"}, task
