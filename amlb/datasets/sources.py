"""Where a file dataset's files come from, in every form AMLB's benchmark files use.

:func:`locate` turns a task's ``dataset:`` entry into local files, before they are read:

- ``{user}``, ``{root}`` and ``{input}`` in a path are the user directory, amlb's own folder
  (holding ``resources/``) and the input directory (``-i``/``input_dir``), as in AMLB;
- an ``http(s)://`` URL is downloaded once into the data cache (``downloads/``);
- a ``.zip``, ``.tgz``/``.tar.gz`` or ``.tar`` archive is unpacked once into the data cache
  (``archives/``), members that would land outside refused;
- a folder (or an unpacked archive) holds either one data file (seeded folds are made
  from it) or AMLB's named files: ``NAME_train.EXT`` and ``NAME_test.EXT`` (one fold), or
  ``NAME_train_0.EXT``, ``NAME_test_0.EXT``, ``NAME_train_1.EXT`` ... (one fold per pair).

What is left is amlb's own form: ``path`` (one file) or ``train``/``test`` lists of files.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from amlb.datasets import cache
from amlb.datasets.api import DatasetsConfig, TaskSpec
from amlb.errors import DataError, UserError

ARCHIVES = (".zip", ".tgz", ".tar.gz", ".tar")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TRAIN = re.compile(r"^(?P<stem>.*)[_-]train(?:[_-](?P<fold>\d+))?\.\w+(\.gz)?$")
_TEST = re.compile(r"^(?P<stem>.*)[_-]test(?:[_-](?P<fold>\d+))?\.\w+(\.gz)?$")
DOWNLOAD_TIMEOUT_S = 60

Resolver = Callable[[str], Path]


def expand(text: str, cfg: DatasetsConfig, spec: TaskSpec) -> str:
    """``{user}``, ``{root}``, ``{input}`` replaced; any other ``{...}`` is refused."""
    def value(match: re.Match) -> str:
        key = match[1]
        if key == "user":
            return str(Path(cfg.base_dir).expanduser()) if cfg.base_dir else os.path.expanduser("~/.config/amlb")
        if key == "root":
            from amlb.resources import home  # noqa: PLC0415

            return str(home())
        if key == "input":
            if cfg.input_dir is None:
                raise UserError(f"task {spec.name!r}: {text!r} uses {{input}} but no input directory is set",
                                "give one with -i DIR (or input_dir in config.yaml)")
            return str(Path(cfg.input_dir).expanduser())
        raise UserError(f"task {spec.name!r}: unknown placeholder {{{key}}} in {text!r}", "use {user}, {root} or {input}")
    return _PLACEHOLDER.sub(value, text)


def _is_url(text: str) -> bool:
    return "://" in text


def _is_archive(path: Path) -> bool:
    return path.name.lower().endswith(ARCHIVES)


def locate(definition: dict[str, Any], spec: TaskSpec, cfg: DatasetsConfig, resolve: Resolver) -> dict[str, Any]:
    """``definition`` with local files only: ``path`` to one file, or ``train`` and ``test`` lists."""
    definition = dict(definition)
    if str(definition.get("type", "")).lower() == "timeseries":
        raise UserError(f"task {spec.name!r} is a time-series task", "amlb runs binary, multiclass and regression tasks")
    if "path" in definition and ("train" in definition or "test" in definition):
        raise UserError(f"task {spec.name!r}: give either `path` or `train`/`test`, not both", "fix the dataset entry")
    if "path" in definition:
        found = _local(definition["path"], spec, cfg, resolve)
        if found.is_dir():
            definition.pop("path")
            definition.update(_named_files(found, spec))
        else:
            definition["path"] = str(found)
        return definition
    listed = {role: definition[role] if isinstance(definition.get(role), (list, tuple)) else [definition.get(role)]
              for role in ("train", "test") if role in definition}
    if len(listed) == 2 and len(listed["train"]) != len(listed["test"]):
        raise UserError(f"task {spec.name!r}: {len(listed['train'])} train file(s) but {len(listed['test'])} test file(s)",
                        "give one test file per train file (one pair per fold)")
    for role in ("train", "test"):
        if role in definition:
            entries = definition[role] if isinstance(definition[role], (list, tuple)) else [definition[role]]
            definition[role] = [str(_local(e, spec, cfg, resolve)) for e in entries]
    return definition


def _local(entry: Any, spec: TaskSpec, cfg: DatasetsConfig, resolve: Resolver) -> Path:
    """One path of the definition as a local file or folder (downloaded, unpacked)."""
    if not isinstance(entry, str) or not entry.strip():
        raise UserError(f"task {spec.name!r}: a dataset path must be text, got {entry!r}", "fix the dataset entry")
    text = expand(entry.strip(), cfg, spec)
    if _is_url(text):
        path = _download(text, spec, cfg)
    else:
        path = resolve(text)
        if not path.exists():
            raise DataError(f"data file not found: {path}", "check the path in the benchmark definition")
    return _unpack(path, spec, cfg) if path.is_file() and _is_archive(path) else path


def _download(url: str, spec: TaskSpec, cfg: DatasetsConfig) -> Path:
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise UserError(f"task {spec.name!r}: {scheme}:// URLs are not supported ({url})",
                        "use an http(s) URL or download the file and give its path")
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "download"
    target = Path(cfg.cache_dir) / "downloads" / hashlib.sha1(url.encode()).hexdigest()[:16] / cache.safe_name(name)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with cache.locked(target):
        if target.is_file():
            return target
        tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(tmp, "wb") as out:
                shutil.copyfileobj(response, out)
            os.replace(tmp, target)
        except (urllib.error.URLError, OSError, ValueError) as e:
            tmp.unlink(missing_ok=True)
            reason = getattr(e, "reason", None) or getattr(e, "code", None) or e
            raise DataError(f"{spec.name}: cannot download {url} ({reason})", "check the URL and the network") from None
    return target


def _unpack(archive: Path, spec: TaskSpec, cfg: DatasetsConfig) -> Path:
    """The folder an archive unpacks to, in the data cache (unpacked once per archive version)."""
    stat = archive.stat()
    key = hashlib.sha1(f"{archive.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = Path(cfg.cache_dir) / "archives" / key
    done = folder / ".complete"
    if done.is_file():
        return folder / "content"
    folder.mkdir(parents=True, exist_ok=True)
    with cache.locked(done):
        if done.is_file():
            return folder / "content"
        content = folder / "content"
        shutil.rmtree(content, ignore_errors=True)
        try:
            if archive.name.lower().endswith(".zip"):
                with zipfile.ZipFile(archive) as zf:
                    for member in zf.namelist():
                        if not _inside(content, member):
                            raise DataError(f"{spec.name}: {archive} has a member outside its folder: {member}",
                                            "repack the archive")
                    zf.extractall(content)
            else:
                with tarfile.open(archive) as tf:
                    tf.extractall(content, filter="data")  # no links out, no devices, no absolute paths
        except (zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
            shutil.rmtree(content, ignore_errors=True)
            raise DataError(f"{spec.name}: {archive} is not a readable archive ({e})", "check the file") from None
        done.touch()
    return folder / "content"


def _inside(folder: Path, member: str) -> bool:
    target = (folder / member).resolve()
    return target == folder.resolve() or folder.resolve() in target.parents


def _named_files(folder: Path, spec: TaskSpec) -> dict[str, Any]:
    """AMLB's file naming in a folder: one data file, NAME_train/NAME_test, or NAME_train_N/NAME_test_N."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if len(files) == 1:
        return {"path": str(files[0])}
    train = {m: p for p in files if (m := _TRAIN.match(p.name))}
    test = {m: p for p in files if (m := _TEST.match(p.name))}
    if not train or not test:
        raise UserError(f"task {spec.name!r}: {folder} holds no NAME_train.EXT and NAME_test.EXT files",
                        "name them like data_train.csv, data_test.csv (or data_train_0.csv, data_test_0.csv, ...)")
    stems = {m["stem"] for m in (*train, *test)}
    if len(stems) != 1:
        raise UserError(f"task {spec.name!r}: the files in {folder} have different names ({sorted(stems)})",
                        "name all of them NAME_train_N / NAME_test_N with one NAME")
    single_train = [p for m, p in train.items() if m["fold"] is None]
    single_test = [p for m, p in test.items() if m["fold"] is None]
    if single_train and single_test:
        return {"train": [str(single_train[0])], "test": [str(single_test[0])]}
    by_fold = ({int(m["fold"]): p for m, p in train.items() if m["fold"] is not None},
               {int(m["fold"]): p for m, p in test.items() if m["fold"] is not None})
    pairs = []
    while len(pairs) in by_fold[0] and len(pairs) in by_fold[1]:
        pairs.append((by_fold[0][len(pairs)], by_fold[1][len(pairs)]))
    if not pairs:
        raise UserError(f"task {spec.name!r}: {folder} has no NAME_train_0 / NAME_test_0 pair",
                        "number the folds from 0")
    return {"train": [str(a) for a, _ in pairs], "test": [str(b) for _, b in pairs]}
