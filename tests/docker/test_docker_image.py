"""Framework images: the generated Dockerfile, the content key, reuse, rebuilds and build failures."""
from __future__ import annotations

import copy
import shutil
from dataclasses import replace

import pytest
from docker_helpers import ADAPTERS, probe_framework

from amlb.config import load_config
from amlb.environments.docker_image import (
    ImageBuildError,
    _context_files,
    base_image_name,
    dockerfile_text,
    ensure_image,
    image_key,
)
from amlb.errors import UserError


def test_dockerfile_holds_what_the_framework_needs():
    config = load_config()
    fw = replace(probe_framework(config), python="3.10", system_packages=("libgomp1", "openjdk-17-jre-headless"),
                 setup_env={"PIP_PREFER_BINARY": "1"})
    text = dockerfile_text(fw, config, n_ca_files=1)
    lines = text.splitlines()
    assert "FROM python:3.10-slim-bookworm" in lines
    assert any("apt-get install" in line and "libgomp1 openjdk-17-jre-headless" in line for line in lines)
    assert any(line.startswith("COPY certs/") for line in lines)
    assert any("update-ca-certificates" in line for line in lines)
    assert any("startswith('3.10.')" in line and "python3 -m venv" in line for line in lines)
    assert any("PIP_PREFER_BINARY=1 pip install -r" in line for line in lines)
    assert "COPY frameworks/ /amlb/frameworks/" in lines
    # without CA files and system packages those steps are absent
    plain = dockerfile_text(probe_framework(config), config)
    assert "certs/" not in plain and "apt-get" not in plain


def test_base_image_is_configurable():
    config = load_config(overrides=["docker.base_image=amlb/base:bookworm", "docker.python='3.11'"])
    assert base_image_name(probe_framework(config), config) == "amlb/base:bookworm"
    with pytest.raises(UserError, match="not a Python version"):
        base_image_name(probe_framework(config, python="3.11; rm -rf /"), config)
    with pytest.raises(UserError, match="quote it"):
        base_image_name(probe_framework(config, python=3.1), config)  # YAML's reading of 3.10


def test_a_python_version_maps_to_its_base_image():
    config = load_config(overrides=['docker.base_images={"3.9": amlb/base:bullseye, "3.10.14": py31014}',
                                    "docker.base_image=python:{python}-slim"])
    assert base_image_name(probe_framework(config, python="3.9"), config) == "amlb/base:bullseye"
    assert base_image_name(probe_framework(config, python="3.9.2"), config) == "amlb/base:bullseye"
    assert base_image_name(probe_framework(config, python="3.10.14"), config) == "py31014"
    assert base_image_name(probe_framework(config, python="3.10"), config) == "python:3.10-slim"
    assert base_image_name(probe_framework(config), config) == "python:3.11-slim"  # docker.python
    assert dockerfile_text(probe_framework(config, python="3.9"), config).splitlines()[1] == "FROM amlb/base:bullseye"


def test_key_follows_every_input(tmp_path):
    config = load_config()
    fw = probe_framework(config)
    key = image_key(_context_files(fw, config, []), "sha256:base")
    assert key == image_key(_context_files(fw, config, []), "sha256:base")  # stable
    assert key != image_key(_context_files(fw, config, []), "sha256:other-base")
    assert key != image_key(_context_files(replace(fw, requirements=fw.requirements + ("scipy==1.16.0",)),
                                           config, []), "sha256:base")
    changed = tmp_path / "probe"
    shutil.copytree(ADAPTERS / "probe", changed)
    (changed / "exec.py").write_text((changed / "exec.py").read_text() + "\n# changed\n")
    assert key != image_key(_context_files(replace(fw, adapter_dir=changed), config, []), "sha256:base")
    pem = tmp_path / "proxy.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert key != image_key(_context_files(fw, config, [pem]), "sha256:base")


def test_a_ca_file_must_be_pem(tmp_path):
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("hello")
    config = load_config(overrides=[f"docker.extra_ca_certificates=[{not_pem}]"])
    with pytest.raises(UserError, match="holds no PEM certificate"):
        ensure_image(probe_framework(config), config, log_path=tmp_path / "build.log")


def test_unreachable_engine_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    config = load_config()
    with pytest.raises(UserError, match="cannot reach the Docker engine") as err:
        ensure_image(probe_framework(config), config, log_path=tmp_path / "build.log")
    assert "start_dockerd.sh" in str(err.value)


@pytest.mark.docker
def test_unchanged_image_is_reused_and_a_changed_one_rebuilt(probe_image, docker_config, docker_client, tmp_path):
    fw, image = probe_image
    log = tmp_path / "build.log"
    again = ensure_image(fw, docker_config, log_path=log)
    assert again == image
    assert "== building" not in log.read_text()
    changed = tmp_path / "probe"
    shutil.copytree(ADAPTERS / "probe", changed, ignore=shutil.ignore_patterns("__pycache__"))
    (changed / "exec.py").write_text((changed / "exec.py").read_text() + "\n# a changed adapter\n")
    progress: list[str] = []
    rebuilt = ensure_image(replace(fw, adapter_dir=changed), docker_config, log_path=log, progress=progress.append)
    try:
        assert rebuilt.key != image.key and rebuilt.id != image.id and rebuilt.tag != image.tag
        assert "== building" in log.read_text() and any(p.startswith("Step ") for p in progress)
        inside = docker_client.containers.run(rebuilt.id, ["tail", "-n", "1", "/amlb/frameworks/probe/exec.py"],
                                              remove=True, network_mode="none")
        assert b"a changed adapter" in inside
    finally:
        docker_client.images.remove(rebuilt.tag, noprune=False)


@pytest.mark.docker
def test_failed_build_names_the_log_and_its_last_lines(docker_config, docker_client, tmp_path):
    """A framework that needs another Python than the base image has: the build stops at the check."""
    pinned = copy.deepcopy(docker_config)
    pinned["docker"]["base_image"] = base_image_name(probe_framework(docker_config), docker_config)
    fw = probe_framework(pinned, python="3.9")
    log = tmp_path / "build.log"
    with pytest.raises(ImageBuildError) as err:
        ensure_image(fw, pinned, log_path=log)
    message = str(err.value)
    assert "needs 3.9" in message and str(log) in message
    assert "needs 3.9" in log.read_text()


def test_post_install_commands_run_in_the_adapter_folder_after_the_sources_are_copied():
    config = load_config()
    fw = probe_framework(config, post_install=("python prepare.py", "echo done"))
    lines = dockerfile_text(fw, config).splitlines()
    copied = lines.index("COPY frameworks/ /amlb/frameworks/")
    steps = [i for i, line in enumerate(lines) if line.startswith("RUN cd /amlb/frameworks/probe && ")]
    assert [lines[i].split(" && ", 1)[1] for i in steps] == ["python prepare.py", "echo done"]
    assert all(i > copied for i in steps)
    assert not any("/amlb/frameworks/probe &&" in line for line in dockerfile_text(probe_framework(config), config)
                   .splitlines())
