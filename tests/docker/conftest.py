"""Fixtures for Docker mode tests: a real engine (skip when none answers), a base image and a probe image.

The tests start nothing: start an engine with ``scripts/start_dockerd.sh``. On a host without
a registry build the base image first (``scripts/build_base_image.sh``); the tests use
``amlb/base:bookworm`` when it exists, else the config's default (an official Python image).
``AMLB_TEST_BASE_IMAGE`` picks another one. Pip inside builds trusts the host's CA bundle
(``AMLB_TEST_EXTRA_CA``, default ``/etc/ssl/certs/ca-certificates.crt`` when present) through
the product's ``docker.extra_ca_certificates`` option.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from docker_helpers import probe_framework

from amlb.config import Config, load_config

LOCAL_BASE = "amlb/base:bookworm"
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _engine_or_skip():
    try:
        import docker  # noqa: PLC0415
    except ImportError:
        pytest.skip("Docker SDK for Python not installed (pip install docker)")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no Docker engine reachable ({str(e).splitlines()[0][:120]}): start one with "
                    "scripts/start_dockerd.sh")
    return client


@pytest.fixture(scope="session")
def docker_client():
    return _engine_or_skip()


def _overrides(client) -> list[str]:
    import docker.errors  # noqa: PLC0415

    base = os.environ.get("AMLB_TEST_BASE_IMAGE")
    if base is None:
        try:
            client.images.get(LOCAL_BASE)
            base = LOCAL_BASE
        except docker.errors.ImageNotFound:
            base = None
    if base is None:
        _default_base_or_skip(client)
    out = [f"docker.base_image={base}"] if base else []
    ca = os.environ.get("AMLB_TEST_EXTRA_CA", HOST_CA_BUNDLE if Path(HOST_CA_BUNDLE).is_file() else "")
    if ca:
        out.append(f"docker.extra_ca_certificates=[{ca}]")
    return out


def _default_base_or_skip(client) -> None:
    """The config's default base image must be here or pullable; else the Docker tests skip, saying how to fix it."""
    import docker.errors  # noqa: PLC0415

    from amlb.environments.docker_image import base_image_name  # noqa: PLC0415

    name = base_image_name(probe_framework(load_config()), load_config())
    try:
        client.images.get(name)
        return
    except docker.errors.ImageNotFound:
        pass
    try:
        client.images.pull(name)
    except Exception as e:  # noqa: BLE001 - no registry, offline, refused: all mean "cannot be had"
        pytest.skip(f"no base image for Docker tests: {name} is not here and cannot be pulled "
                    f"({str(e).splitlines()[0][:100]}); build the local one with scripts/build_base_image.sh")


@pytest.fixture(scope="session")
def docker_config(docker_client) -> Config:
    return load_config(overrides=_overrides(docker_client))


@pytest.fixture(scope="session")
def docker_overrides(docker_client) -> list[str]:
    """The same settings as -X arguments of the command line."""
    return _overrides(docker_client)


@pytest.fixture(scope="session")
def probe_image(docker_config, tmp_path_factory):
    from amlb.environments.docker_image import ensure_image  # noqa: PLC0415

    fw = probe_framework(docker_config)
    log = tmp_path_factory.mktemp("build") / "probe-build.log"
    return fw, ensure_image(fw, docker_config, log_path=log)
