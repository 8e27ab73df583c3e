"""Adapters travel with the run: a worker runs the adapter folder the client has, wherever its own checkout is.

The client packs each framework's adapter folder (a few small files). A worker that sees the same
folder at the same path runs it from there; any other worker unpacks it once into a folder keyed
by its content digest. So user adapters (``USERDIR/frameworks/``) and a client checkout at another
path work on any worker.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from amlb.definitions import FrameworkDef


@dataclass(frozen=True)
class PackedAdapter:
    folder: str  # the adapter folder's name (Docker images keep it)
    digest: str
    files: dict[str, bytes]  # relative path -> content


def pack(fw: FrameworkDef) -> PackedAdapter:
    files = {p.relative_to(fw.adapter_dir).as_posix(): p.read_bytes() for p in sorted(fw.adapter_dir.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts}
    return PackedAdapter(fw.adapter_dir.name, content_digest(files), files)


def content_digest(files: dict[str, bytes]) -> str:
    return hashlib.sha256(b"".join(k.encode() + b"\0" + v for k, v in sorted(files.items()))).hexdigest()[:16]


def adapters_root() -> Path:
    return Path(os.environ.get("AMLB_ADAPTERS_DIR", Path(tempfile.gettempdir()) / "amlb-adapters"))


def unpack(fw: FrameworkDef, packed: PackedAdapter) -> FrameworkDef:
    """The framework with the client's adapter folder on this machine.

    The client's path itself when this machine has it with the same content (a shared filesystem
    or the same checkout), else a copy written once per content.
    """
    if fw.adapter_dir.is_dir() and pack(fw).digest == packed.digest:
        return fw
    target = adapters_root() / packed.digest / packed.folder
    if not target.is_dir():
        staging = target.parent / f".{packed.folder}.{os.getpid()}.{threading.get_ident()}"
        for relative, content in packed.files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        try:
            staging.rename(target)
        except OSError:  # another process wrote the same content first
            shutil.rmtree(staging, ignore_errors=True)
    return dataclasses.replace(fw, adapter_dir=target)
