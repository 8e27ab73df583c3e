"""Which Python a framework runs on: the version it declares, and where that Python is.

A framework definition may name its Python (``python: "3.9"``). Docker mode builds its
image on the base image configured for that version (``docker.base_images``, else the
``docker.base_image`` template). Local mode needs an interpreter of that version on this
machine: ``environments.pythons`` names one per version, else the runner's own (or
``environments.python``) when its version matches, else ``python3.9`` on ``PATH``. When
none is found the framework cannot run locally: :class:`PythonUnavailable` says so and
points at Docker mode.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping

from amlb.config import Config
from amlb.definitions import FrameworkDef
from amlb.errors import UserError

_VERSION = re.compile(r"3(\.\d+){1,2}")


class PythonUnavailable(RuntimeError):
    """The framework declares a Python version this machine does not have."""


def check_version(raw: object, source: str) -> str:
    """``raw`` as a Python version text ('3.9', '3.10.14'), or a UserError naming ``source``."""
    if isinstance(raw, float):  # YAML reads 3.10 as the number 3.1
        raise UserError(f"{source} is the number {raw}", f"quote it: '{raw}'")
    version = str(raw)
    if not _VERSION.fullmatch(version):
        raise UserError(f"{source} is '{version}', not a Python version", "write it like '3.11'")
    return version


def declared_python(fw: FrameworkDef) -> str | None:
    """The Python version the framework's definition names, or None (any)."""
    if fw.python is None:
        return None
    return check_version(fw.python, f"the python key of framework {fw.name}")


def matches(actual: str, wanted: str) -> bool:
    """Does the interpreter version ``actual`` (3.9.2) satisfy ``wanted`` (3.9 or 3.9.2)?"""
    return (actual + ".").startswith(wanted + ".")


def for_version(mapping: Mapping[str, str], version: str) -> str | None:
    """The entry of a version map for ``version``: its exact key, else its major.minor."""
    if version in mapping:
        return mapping[version]
    return mapping.get(".".join(version.split(".")[:2]))


def interpreter_version(python: str) -> str | None:
    """The version of the interpreter ``python`` (3.9.2), or None when it does not run.

    The runner's own interpreter answers without a process; another is asked once per run.
    """
    real = os.path.realpath(shutil.which(python) or python)
    if real == os.path.realpath(sys.executable):
        return ".".join(map(str, sys.version_info[:3]))
    try:
        stamp = os.stat(real).st_mtime_ns  # an interpreter replaced in place is asked again
    except OSError:
        return None
    return _asked_version(real, stamp)


@functools.lru_cache(maxsize=None)
def _asked_version(python: str, stamp: int) -> str | None:
    try:
        out = subprocess.run([python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                             capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def local_interpreter(fw: FrameworkDef, config: Config) -> str:
    """The interpreter the framework's local environment is made with.

    Raises
    ------
    PythonUnavailable
        The framework declares a Python version that no interpreter here has, or the one
        ``environments.pythons`` names does not run or has another version (a machine's
        state, like a missing package: the framework's jobs get setup_error rows).
    """
    default = config["environments"]["python"] or sys.executable
    wanted = declared_python(fw)
    if wanted is None:
        return default
    configured = for_version(config["environments"]["pythons"], wanted)
    if configured:
        python = os.path.expandvars(os.path.expanduser(configured))
        found = interpreter_version(python)
        if found is None or not matches(found, wanted):
            what = "does not run" if found is None else f"is Python {found}"
            raise PythonUnavailable(f"{fw.name} needs Python {wanted}: environments.pythons names {python}, "
                                    f"which {what}; name a Python {wanted} interpreter there, or run it with -m docker")
        return python
    default_version = interpreter_version(default)
    if default_version is not None and matches(default_version, wanted):
        return default
    short = ".".join(wanted.split(".")[:2])
    on_path = shutil.which(f"python{short}")
    if on_path:
        found = interpreter_version(on_path)
        if found is not None and matches(found, wanted):
            return on_path
    raise PythonUnavailable(
        f"{fw.name} needs Python {wanted}, which is not here (runner: {default_version}, no python{short} on PATH): "
        f'run it with -m docker, or name an interpreter: -X \'environments.pythons={{"{wanted}": PATH}}\'')
