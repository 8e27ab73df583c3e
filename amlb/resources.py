"""Where the project's resources (YAML definitions) and framework adapters live.

In a checkout (``pip install -e .``) they are ``resources/`` and ``frameworks/`` next to
the ``amlb`` package; a non-editable install (``pip install .``) puts them under
``<prefix>/share/amlb/``; ``AMLB_HOME`` points elsewhere.
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

from amlb.errors import UserError


@lru_cache(maxsize=1)
def home() -> Path:
    """The folder holding ``resources/`` and ``frameworks/``."""
    env = os.environ.get("AMLB_HOME")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parent.parent)
    candidates.append(Path(sys.prefix) / "share" / "amlb")
    for candidate in candidates:
        if (candidate / "resources" / "config.yaml").is_file():
            return candidate
    raise UserError("cannot find amlb's resources/ folder",
                    "run from a checkout of the repository or set AMLB_HOME to one")


def resource_path(*parts: str) -> Path:
    return home().joinpath("resources", *parts)


def frameworks_dir() -> Path:
    return home() / "frameworks"
