"""``amlb new-framework``: a new adapter folder made from ``resources/templates/adapter/``."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from amlb.config import Config
from amlb.errors import UserError
from amlb.resources import frameworks_dir, resource_path

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
RESERVED = frozenset({"shared"})  # frameworks/shared/ holds amlb_adapter, not an adapter
PLACEHOLDER = "__NAME__"


def template_dir() -> Path:
    return resource_path("templates", "adapter")


def target_folder(name: str, config: Config, userdir: str | None, parent: str | None) -> Path:
    """Where NAME's folder goes: ``--dir D`` (D/NAME), else ``USERDIR/frameworks/NAME``, else ``frameworks/NAME``."""
    if parent:
        return Path(parent).expanduser().resolve() / name
    if userdir:
        return Path(userdir).expanduser().resolve() / "frameworks" / name
    return frameworks_dir() / name


def check_name(name: str, known: list[str]) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise UserError(f"'{name}' is not a usable framework name",
                        "use a letter then letters, digits, '_' or '-' (at most 64), e.g. MyAutoML")
    if name.lower() in RESERVED:
        raise UserError(f"'{name}' is reserved (frameworks/{name}/ holds amlb's adapter library)", "choose another name")
    clash = [k for k in known if k.lower() == name.lower()]
    if clash:
        raise UserError(f"a framework named '{clash[0]}' exists already", "choose another name, or edit its folder")


def create_adapter(name: str, folder: Path) -> list[Path]:
    """Copy the template to ``folder`` with NAME filled in; returns the files written."""
    if folder.exists():
        raise UserError(f"{folder} exists already", "choose another name or remove the folder")
    source = template_dir()
    if not (source / "exec.py").is_file():
        raise UserError(f"the adapter template is missing ({source})", "reinstall amlb")
    try:
        folder.mkdir(parents=True)
    except OSError as e:
        raise UserError(f"cannot create {folder} ({e.strerror})", "choose a writable place with --dir") from None
    written = []
    try:
        for path in sorted(source.iterdir()):
            if path.is_file():
                target = folder / path.name
                target.write_text(path.read_text().replace(PLACEHOLDER, name))
                written.append(target)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return written
