"""The Docker engine and base image the Docker-mode tests use, or a skip that says what is missing.

The tests start nothing: start an engine with ``scripts/start_dockerd.sh``. On a host without a
registry build the base image first (``scripts/build_base_image.sh``): the tests use
``amlb/base:bookworm`` when it exists, else the config's default (an official Python image) when it
is here or can be pulled. ``AMLB_TEST_BASE_IMAGE`` picks another one. Pip inside builds trusts the
host's CA bundle (``AMLB_TEST_EXTRA_CA``, default ``/etc/ssl/certs/ca-certificates.crt`` when
present) through the product's ``docker.extra_ca_certificates`` option.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

LOCAL_BASE = "amlb/base:bookworm"
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def engine_or_skip():
    """A Docker client whose engine answers, or a skip saying how to start one."""
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


def overrides_or_skip(client) -> list[str]:
    """``-X`` settings (key=value) selecting the base image and CA bundle; a skip when no base image can be had."""
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
    """The config's default base image must be here or pullable; else skip, saying how to fix it."""
    import docker.errors  # noqa: PLC0415

    from amlb.config import load_config  # noqa: PLC0415
    from amlb.definitions import resolve_framework  # noqa: PLC0415
    from amlb.environments.docker_image import base_image_name  # noqa: PLC0415

    config = load_config()
    name = base_image_name(resolve_framework("constantpredictor", config), config)
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
