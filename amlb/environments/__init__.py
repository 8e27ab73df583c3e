"""Environments: where a framework runs (a virtual environment or a Docker image), and its executors.

:func:`prepare_environment` installs (or reuses) a framework's environment for a mode
and returns a :class:`PreparedEnvironment` that makes one executor per CPU slot.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from amlb.config import Config
from amlb.definitions import FrameworkDef
from amlb.execution.api import Executor
from amlb.execution.cgroups import CgroupManager

if TYPE_CHECKING:
    from amlb.environments.venv import VirtualEnv

MODES = ("local", "docker")


class SetupError(RuntimeError):
    """The framework's environment is not available; every job of it gets a setup_error row."""


@dataclass
class PreparedEnvironment:
    framework: FrameworkDef
    mode: str
    key: str  # venv key or image id
    make_executor: Callable[[tuple[int, ...], Path, float], Executor]  # (cpus, worker log, ready timeout)


def prepare_environment(fw: FrameworkDef, mode: str, config: Config, *, setup: str, log_path: Path,
                        cgroups: CgroupManager | None, progress: Callable[[str], None] | None = None
                        ) -> PreparedEnvironment:
    """Build or reuse the framework's environment. ``setup``: auto | skip | only | force."""
    if mode == "docker":
        return _docker(fw, config, setup=setup, log_path=log_path, progress=progress)
    from amlb.environments.pythons import PythonUnavailable  # noqa: PLC0415
    from amlb.execution.local import LocalExecutor  # noqa: PLC0415
    from amlb.execution.sandbox import open_sandbox  # noqa: PLC0415

    try:
        env = _local_venv(fw, config, setup=setup, log_path=log_path, progress=progress)
    except PythonUnavailable as e:
        raise SetupError(str(e)) from None
    sandbox = open_sandbox(str(config["job"]["sandbox"]))

    def make(cpus: tuple[int, ...], worker_log: Path, ready_timeout_s: float) -> Executor:
        return LocalExecutor(env.python, fw.exec_path, cpus, env.key, cgroups, worker_log, ready_timeout_s, sandbox)

    return PreparedEnvironment(fw, "local", env.key, make)


def _local_venv(fw: FrameworkDef, config: Config, *, setup: str, log_path: Path,
                progress: Callable[[str], None] | None) -> VirtualEnv:
    from amlb.environments import venv  # noqa: PLC0415

    try:
        venv.check_host_commands(fw)  # e.g. java: before any install, one line naming what is missing
    except venv.EnvironmentBuildError as e:
        raise SetupError(str(e)) from None
    if setup == "skip":
        env = venv.locate(fw, config)
        if not venv.is_complete(env):
            raise SetupError(f"no environment for {fw.name} and setup is skipped: run with -s auto to install it")
    else:
        try:
            env = venv.ensure_venv(fw, config, force=setup == "force", log_path=log_path, progress=progress)
        except venv.EnvironmentBuildError as e:
            raise SetupError(str(e)) from None
    return env


def _docker(fw: FrameworkDef, config: Config, *, setup: str, log_path: Path,
            progress: Callable[[str], None] | None) -> PreparedEnvironment:
    from amlb.environments.docker_image import ensure_image  # noqa: PLC0415
    from amlb.execution.docker_executor import DockerExecutor  # noqa: PLC0415

    try:
        image = ensure_image(fw, config, force=setup == "force", log_path=log_path, progress=progress)
    except RuntimeError as e:
        raise SetupError(str(e)) from None

    def make(cpus: tuple[int, ...], worker_log: Path, ready_timeout_s: float) -> Executor:
        return DockerExecutor(image, fw, config, cpus)  # no warm worker: imports count in the job's time

    return PreparedEnvironment(fw, "docker", image.id, make)
