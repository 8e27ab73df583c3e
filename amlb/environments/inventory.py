"""What is installed for a framework, without installing anything: venv or image, size, Python.

Used by ``amlb frameworks`` (one line per framework) and ``amlb check`` (the environment
line). Docker questions get an answer only from an engine that answers within a few
seconds; no engine means "unknown", never a hang.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from amlb.config import Config
from amlb.definitions import FrameworkDef

DOCKER_TIMEOUT_S = 3


@dataclass(frozen=True)
class EnvironmentInfo:
    mode: str  # local | docker
    built: bool | None  # None: unknown (no Docker engine answered)
    path: Path | None = None  # the venv (local)
    image: str = ""  # the image tag (docker)
    size_bytes: int | None = None
    python: str = ""
    note: str = ""  # why something is unknown

    def describe(self) -> str:
        where = str(self.path) if self.mode == "local" else (self.image or "image")
        if self.built is None:
            return f"{where} ({self.note or 'unknown'})"
        if not self.built:
            return f"{where} (not built)"
        size = f", {human_size(self.size_bytes)}" if self.size_bytes is not None else ""
        return f"{where} (Python {self.python}{size})"


def human_size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit == "GB" else f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def tree_size(path: Path) -> int:
    """Bytes on disk of a folder tree (hard links once)."""
    total, seen = 0, set()
    for folder, dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


@lru_cache(maxsize=8)
def _python_version(python: str) -> str:
    out = subprocess.run([python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip()


def venv_info(fw: FrameworkDef, config: Config, size: bool = True) -> EnvironmentInfo:
    from amlb.environments.venv import COMPLETE, environment_key  # noqa: PLC0415

    python = config["environments"]["python"] or sys.executable
    version = _python_version(python)
    path = config.path("environments.dir") / environment_key(version, fw.requirements)
    built = (path / COMPLETE).is_file()
    return EnvironmentInfo("local", built, path=path, python=version,
                           size_bytes=tree_size(path) if built and size else None)


def docker_engine() -> tuple[Any | None, str]:
    """A client of an engine that answered within a few seconds, or None and why not."""
    try:
        import docker  # noqa: PLC0415
    except ImportError:
        return None, "no Docker SDK"
    try:
        client = docker.from_env(timeout=DOCKER_TIMEOUT_S)
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure means: no engine
        return None, f"no Docker engine ({str(e).splitlines()[0][:60] if str(e) else type(e).__name__})"
    return client, ""


def image_info(fw: FrameworkDef, config: Config, client: Any | None, why: str = "") -> EnvironmentInfo:
    """The image the framework would run in now (its content key), and whether it exists."""
    from amlb.environments import docker_image as di  # noqa: PLC0415

    python = di.framework_python(fw, config)
    if client is None:
        return EnvironmentInfo("docker", None, python=python, note=why or "no Docker engine")
    base = di.base_image_name(fw, config)
    try:
        base_id = client.images.get(base).id
    except Exception:  # noqa: BLE001
        return EnvironmentInfo("docker", False, python=python, note=f"base image {base} missing")
    key = di.image_key(di._context_files(fw, config, di._ca_files(config)), base_id)  # noqa: SLF001
    tag = f"{di._image_name(fw)}:{key}"  # noqa: SLF001
    try:
        image = client.images.get(tag)
    except Exception:  # noqa: BLE001
        return EnvironmentInfo("docker", False, image=tag, python=python)
    return EnvironmentInfo("docker", True, image=tag, python=python, size_bytes=int(image.attrs.get("Size") or 0))


def describe_environment(fw: FrameworkDef, mode: str, config: Config, size: bool = True) -> EnvironmentInfo:
    if mode == "docker":
        client, why = docker_engine()
        return image_info(fw, config, client, why)
    return venv_info(fw, config, size=size)


def environment_size(info: EnvironmentInfo) -> int | None:
    """The size on disk: known for images, measured for a built venv."""
    if info.size_bytes is not None or info.path is None or not info.built:
        return info.size_bytes
    return tree_size(info.path)
