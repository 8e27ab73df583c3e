"""Hostile adapters in Docker mode: the same attacks end blocked, with the same checks as in local mode.

A container gets a non-root user without capabilities, a read-only root filesystem, its training
data and test features read-only (never the test target), its job folder, no network and no
Docker socket. Needs a Docker engine (and builds the hostile adapter's image once, on
``amlb/base:bookworm`` when that exists): skips without one.
"""
from __future__ import annotations

import os

import pytest

from tests.docker_engine import engine_or_skip, overrides_or_skip
from tests.sandbox.conftest import ATTACKS, check_attacks, check_common, hostile_run

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(3000)]
DOCKER_ATTACKS = tuple(a for a in ATTACKS if a != "kill_worker")  # no warm worker in a container


@pytest.fixture(scope="module")
def docker_overrides() -> list[str]:
    return overrides_or_skip(engine_or_skip())


def test_in_docker_every_attack_is_blocked_and_the_run_finishes(environments_dir, docker_overrides, tmp_path):
    run = hostile_run(tmp_path, environments_dir, DOCKER_ATTACKS, mode="docker", overrides=docker_overrides,
                      timeout=2400)
    uid = 1000 if os.geteuid() == 0 else os.geteuid()
    check_common(run, f"docker uid={uid} net=none read-only-root")
    check_attacks(run, cgroups=True)
    tried = run.info("write_anywhere")
    assert tried["docker.sock"] == "No such file or directory" and tried["uid"] == uid
