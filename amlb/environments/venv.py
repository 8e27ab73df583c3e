"""Local mode: one virtual environment per (Python version, pinned requirements).

The interpreter is the runner's (or ``environments.python``), unless the framework
declares another Python version (see :mod:`amlb.environments.pythons`).
Environments live in ``environments.dir`` under the hash of what goes into them, so two
versions of one framework never overwrite each other and an unchanged environment is
reused. A build is serialised by a file lock (two runs may ask at once), logged, and
marked complete only when it succeeded; ``force`` rebuilds.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from amlb.config import Config
from amlb.definitions import FrameworkDef
from amlb.environments.pythons import interpreter_version, local_interpreter
from amlb.errors import UserError

COMPLETE = ".amlb-complete.json"


class EnvironmentBuildError(RuntimeError):
    """Installing a framework failed; the message names the log."""


@dataclass(frozen=True)
class VirtualEnv:
    key: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def _python_version(python: str) -> str:
    version = interpreter_version(python)
    if version is None:
        raise UserError(f"cannot run the Python interpreter '{python}'", "fix environments.python in your config")
    return version


def environment_key(python_version: str, requirements: tuple[str, ...], post_install: tuple[str, ...] = ()) -> str:
    content: dict = {"python": python_version, "requirements": sorted(requirements)}
    if post_install:  # absent otherwise: existing environments keep their keys
        content["post_install"] = list(post_install)
    payload = json.dumps(content)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _installer(config: Config, fw: FrameworkDef | None = None) -> str:
    """The framework's own installer when its definition names one, else ``environments.installer``."""
    choice = (fw.installer if fw is not None else None) or config["environments"]["installer"]
    has_uv = shutil.which("uv") is not None or _uv_module_available()
    if choice == "uv" and not has_uv:
        raise UserError("environments.installer is uv but uv is not installed", "pip install uv, or set it to pip")
    return "uv" if choice == "uv" or (choice == "auto" and has_uv) else "pip"


def _uv_module_available() -> bool:
    try:
        import uv  # noqa: F401, PLC0415

        return True
    except ImportError:
        return False


def _uv() -> str:
    exe = shutil.which("uv")
    if exe:
        return exe
    import uv  # noqa: PLC0415

    return uv.find_uv_bin()


def _commands(installer: str, python: str, path: Path, requirements: Path) -> list[list[str]]:
    if installer == "uv":
        uv = _uv()
        return [[uv, "venv", "--quiet", "--python", python, str(path)],
                [uv, "pip", "install", "--compile-bytecode", "--python", str(path / "bin" / "python"),
                 "-r", str(requirements)]]
    return [[python, "-m", "venv", str(path)],
            [str(path / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
             "-r", str(requirements)]]


def check_host_commands(fw: FrameworkDef) -> None:
    """Fail with one line when a command the framework runs from its venv (``host_commands``) is not on PATH."""
    missing = [c for c in fw.host_commands if shutil.which(c) is None]
    if missing:
        hint = f" (its Docker image installs {', '.join(fw.system_packages)})" if fw.system_packages else ""
        raise EnvironmentBuildError(f"{fw.name} needs '{' '.join(missing)}' on PATH, which this machine lacks: "
                                    f"install it{hint} or run with -m docker")


def locate(fw: FrameworkDef, config: Config) -> VirtualEnv:
    """Where the framework's environment is (or will be), by its key.

    Raises :class:`~amlb.environments.pythons.PythonUnavailable` when the framework
    declares a Python version this machine does not have.
    """
    python = local_interpreter(fw, config)
    key = environment_key(_python_version(python), fw.requirements, fw.post_install)
    return VirtualEnv(key=key, path=config.path("environments.dir") / key)


def is_complete(env: VirtualEnv) -> bool:
    return (env.path / COMPLETE).is_file()


def ensure_venv(fw: FrameworkDef, config: Config, *, force: bool = False, log_path: Path,
                progress: Callable[[str], None] | None = None) -> VirtualEnv:
    """The framework's environment, built unless an identical one exists."""
    python = local_interpreter(fw, config)
    env = locate(fw, config)
    root, key = env.path.parent, env.key
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_complete(env) and not force:
            _ensure_bytecode(env, log_path, progress)
            return env
        _build(fw, env, python, _installer(config, fw), log_path, progress)
    return env


def _compile_bytecode(env: VirtualEnv, log) -> None:
    """Compile every module of the environment once, as root, at install time.

    The worker runs as an unprivileged user with ``PYTHONDONTWRITEBYTECODE`` and cannot cache
    what it compiles: an environment without bytecode recompiles pandas and the framework at
    every worker start (seconds). Files that do not compile (test data some packages ship) are
    left out; the log says which.
    """
    cmd = [str(env.python), "-m", "compileall", "-q", "-j", "0", str(env.path / "lib")]
    log.write("$ " + " ".join(cmd) + "\n")
    log.flush()
    subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)


def _ensure_bytecode(env: VirtualEnv, log_path: Path, progress: Callable[[str], None] | None) -> None:
    """An environment built before bytecode was compiled at install gets it on its next use (once)."""
    marker = env.path / COMPLETE
    try:
        manifest = json.loads(marker.read_text())
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("bytecode"):
        return
    if progress:
        progress(f"compiling the modules of environment {env.key} (once, for faster worker starts)")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a") as log:
        _compile_bytecode(env, log)
    manifest["bytecode"] = True
    marker.write_text(json.dumps(manifest, indent=1))


def _build(fw: FrameworkDef, env: VirtualEnv, python: str, installer: str, log_path: Path,
           progress: Callable[[str], None] | None) -> None:
    if env.path.exists():
        shutil.rmtree(env.path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    requirements = env.path.parent / f"{env.key}.requirements.txt"
    requirements.write_text("\n".join(fw.requirements) + "\n")
    environ = {**os.environ, **fw.setup_env, "UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INPUT": "1"}
    start = time.monotonic()
    # post_install commands run in the adapter folder with the environment first on PATH, as in an image
    activated = {**environ, "VIRTUAL_ENV": str(env.path), "PATH": f"{env.path / 'bin'}{os.pathsep}{environ.get('PATH', '')}"}
    steps = [(cmd, environ, None) for cmd in _commands(installer, python, env.path, requirements)]
    steps += [(["sh", "-c", command], activated, fw.adapter_dir) for command in fw.post_install]
    with open(log_path, "a") as log:
        log.write(f"# building environment {env.key} for {fw.name} with {installer}\n")
        for cmd, cmd_env, cwd in steps:
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=cmd_env,
                                    cwd=cwd)
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                if progress and line.strip():
                    progress(line.strip()[:100])
            if proc.wait() != 0:
                log.flush()
                tail = " | ".join(log_path.read_text().strip().splitlines()[-3:])
                raise EnvironmentBuildError(f"installing {fw.name} failed (see {log_path}): {tail}")
        _compile_bytecode(env, log)
    manifest = {"framework": fw.name, "requirements": list(fw.requirements), "python": python,
                "installer": installer, "seconds": round(time.monotonic() - start, 1),
                "built": time.strftime("%Y-%m-%dT%H:%M:%S"), "bytecode": True}
    (env.path / COMPLETE).write_text(json.dumps(manifest, indent=1))
