"""``amlb check -m docker``: the baseline passes in its image, and the job containers run without network.

Skips when no Docker engine answers or no base image is here (build one with
scripts/build_base_image.sh; ``AMLB_TEST_BASE_IMAGE`` picks another). Image builds trust the
host's CA bundle (``AMLB_TEST_EXTRA_CA``), as in tests/docker.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.check.helpers import check_cli, verdicts

pytestmark = pytest.mark.slow
LOCAL_BASE = "amlb/base:bookworm"
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def docker_overrides() -> list[str]:
    try:
        import docker  # noqa: PLC0415

        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no Docker engine reachable ({str(e).splitlines()[0][:100] if str(e) else type(e).__name__})")
    base = os.environ.get("AMLB_TEST_BASE_IMAGE", LOCAL_BASE)
    try:
        client.images.get(base)
    except Exception:  # noqa: BLE001
        pytest.skip(f"base image {base} missing: build it with scripts/build_base_image.sh")
    out = ["-X", f"docker.base_image={base}"]
    ca = os.environ.get("AMLB_TEST_EXTRA_CA", HOST_CA_BUNDLE if Path(HOST_CA_BUNDLE).is_file() else "")
    if ca:
        out += ["-X", f"docker.extra_ca_certificates=[{ca}]"]
    return out


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
