"""Fixtures for Docker mode tests: a real engine (skip when none answers), a base image and a probe image
(see tests/docker_engine.py for what they need and how to provide it)."""
from __future__ import annotations

import pytest
from docker_helpers import probe_framework

from amlb.config import Config, load_config
from tests.docker_engine import engine_or_skip, overrides_or_skip


@pytest.fixture(scope="session")
def docker_client():
    return engine_or_skip()


@pytest.fixture(scope="session")
def docker_config(docker_client) -> Config:
    return load_config(overrides=overrides_or_skip(docker_client))


@pytest.fixture(scope="session")
def docker_overrides(docker_client) -> list[str]:
    """The same settings as -X arguments of the command line."""
    return overrides_or_skip(docker_client)


@pytest.fixture(scope="session")
def probe_image(docker_config, tmp_path_factory):
    from amlb.environments.docker_image import ensure_image  # noqa: PLC0415

    fw = probe_framework(docker_config)
    log = tmp_path_factory.mktemp("build") / "probe-build.log"
    return fw, ensure_image(fw, docker_config, log_path=log)
