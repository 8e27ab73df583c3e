"""Framework, constraint and benchmark definitions, read from YAML.

- Frameworks: each adapter folder ``frameworks/NAME/framework.yaml`` defines NAME;
  ``resources/frameworks.yaml`` (and ``frameworks_TAG.yaml`` for ``NAME:TAG``) and the
  user's ``frameworks.yaml`` add entries that ``extends`` another one and override
  version, requirements or params.
- Constraints: named presets in ``resources/constraints.yaml`` and the user's.
- Benchmarks: ``resources/benchmarks/NAME.yaml``, the user's ``benchmarks/NAME.yaml``, a
  YAML path, or an OpenML reference resolved by :mod:`amlb.datasets`.
"""
from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from amlb.amlb_compat import translate_framework, warn_ignored_framework_keys
from amlb.benchmark_file import read_benchmark_file
from amlb.config import Config, load_yaml
from amlb.constraints import check_limits
from amlb.datasets.api import TaskSpec
from amlb.errors import UserError
from amlb.resources import frameworks_dir, resource_path

_FRAMEWORK_KEYS = {"extends", "adapter", "version", "requirements", "python", "system_packages",
                   "params", "description", "project", "setup_env", "fit_share", "budget_note", "host_commands",
                   "installer", "post_install", "min_budget_seconds", "amlb_module"}


@dataclass(frozen=True)
class FrameworkDef:
    """A resolved framework definition."""

    name: str
    adapter_dir: Path
    version: str
    requirements: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    python: str | None = None  # Python version the framework needs (Docker images use it)
    system_packages: tuple[str, ...] = ()  # Debian packages its image needs
    setup_env: dict[str, str] = field(default_factory=dict)  # environment for the install
    #: shell commands run in the environment after the install, in the adapter folder (precomputations)
    post_install: tuple[str, ...] = ()
    description: str = ""
    project: str = ""
    tag: str | None = None
    #: share of the job's budget the adapter gives its framework's fit (what `amlb check` holds it to)
    fit_share: float = 1.0
    #: why the framework cannot keep its budget, when it cannot (shown by `amlb check` and `amlb frameworks`)
    budget_note: str = ""
    #: the smallest budget per job at which its jobs end by themselves (`amlb check` runs at least this)
    min_budget_seconds: float | None = None
    #: commands a local environment needs on the host's PATH (e.g. java), checked before its jobs run
    host_commands: tuple[str, ...] = ()
    #: pip or uv for this framework's venv, when it needs one (e.g. pip, which honours pip's own config); None: config's
    installer: str | None = None

    @property
    def exec_path(self) -> Path:
        return self.adapter_dir / "exec.py"

    def source_digest(self) -> str:
        """Hash of the adapter folder's files: a changed adapter is a changed framework."""
        h = hashlib.sha256()
        for path in sorted(self.adapter_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(self.adapter_dir).as_posix().encode())
                h.update(path.read_bytes())
        return h.hexdigest()[:16]


def adapter_dirs(config: Config) -> list[Path]:
    """Folders holding adapter folders: the project's, the user's, then ``framework_dirs``."""
    dirs = [frameworks_dir(), config.path("user_dir") / "frameworks"]
    dirs += [Path(d).expanduser() for d in config["framework_dirs"]]
    return [d for d in dirs if d.is_dir()]


def _adapter_entries(config: Config) -> dict[str, dict[str, Any]]:
    """One entry per adapter folder (``NAME/framework.yaml`` + ``NAME/exec.py``); later folders win."""
    entries = {}
    for folder in adapter_dirs(config):
        for yml in sorted(folder.glob("*/framework.yaml")):
            data, _ = load_yaml(yml)
            data = dict(data or {})
            data.setdefault("adapter", str(yml.parent))
            entries[yml.parent.name] = data
    return entries


def _definition_files(config: Config, tag: str | None) -> list[Path]:
    name = f"frameworks_{tag}.yaml" if tag else "frameworks.yaml"
    files = [resource_path(name)]
    files.append(config.path("user_dir") / name)
    if not tag:
        files += [Path(f).expanduser() for f in config.get("framework_files") or ()]
    return list(dict.fromkeys(f.resolve() for f in files if f.is_file()))  # a file listed again keeps its place


def framework_entries(config: Config, tag: str | None = None) -> dict[str, dict[str, Any]]:
    """All framework entries (unresolved) for a tag, adapter folders first."""
    entries = _adapter_entries(config)
    if tag and not _definition_files(config, tag):
        raise UserError(f"unknown framework tag '{tag}'", f"no resources/frameworks_{tag}.yaml exists")
    for path in _definition_files(config, tag):
        data, lines = load_yaml(path)
        ignored: dict[str, list[str]] = {}
        for name, entry in (data or {}).items():
            if str(name).startswith("__"):  # AMLB's documentation entries (__dummy_framework_with_defaults)
                continue
            entry = translate_framework(name, dict(entry or {}), path, ignored)
            unknown = set(entry) - _FRAMEWORK_KEYS
            if unknown:
                key = sorted(unknown)[0]
                raise UserError(f"unknown key '{key}' in framework '{name}' ({path}, line {lines.get(f'{name}.{key}')})",
                                f"allowed keys: {', '.join(sorted(_FRAMEWORK_KEYS))}")
            module_adapter = entry.get("adapter") if entry.get("amlb_module") else None
            if module_adapter and "extends" not in entry and module_adapter in entries and module_adapter != name:
                entry["extends"] = module_adapter  # AMLB's module: frameworks.X is X's definition, then the entry's
            if name in entries and "extends" not in entry:
                entries[name] = {**entries[name], **entry}
            else:
                entries[name] = entry
        warn_ignored_framework_keys(path, ignored)
    return entries


def resolve_framework(spec: str, config: Config) -> FrameworkDef:
    """``NAME`` or ``NAME:TAG`` (case-insensitive) to a resolved definition."""
    name, _, tag = spec.partition(":")
    entries = framework_entries(config, tag or None)
    by_lower = {k.lower(): k for k in entries}
    if name.lower() not in by_lower:
        close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.5)
        hint = ("did you mean " + " or ".join(by_lower[c] for c in close) + "?") if close else \
            "list them with `amlb run --list-frameworks`"
        raise UserError(f"unknown framework '{name}'", hint)
    return _resolve(by_lower[name.lower()], entries, tag or None, set(), adapter_dirs(config))


def _adapter_dir(adapter: str, dirs: list[Path]) -> Path:
    if Path(adapter).is_absolute():
        return Path(adapter)
    for folder in reversed(dirs):
        if (folder / adapter / "exec.py").is_file():
            return folder / adapter
    return frameworks_dir() / adapter


_SAFE_FRAMEWORK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def folder_name(name: str) -> str:
    """The folder a task's jobs use in a run's output (characters other than letters, digits, -_. become _)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _check_task_names(specs: list[TaskSpec], where: str) -> None:
    """Task names must be unique, also as folders (case and punctuation aside), and safe as folder names."""
    seen: dict[str, str] = {}
    for spec in specs:
        folder = folder_name(spec.name)
        if folder.strip(".") == "":
            raise UserError(f"task name '{spec.name}' ({where}) cannot be used as a folder name",
                            "use letters, digits, - _ or .")
        other = seen.get(folder.lower())
        if other is not None:
            same = "is defined twice" if other == spec.name else f"and '{other}' share the folder '{folder}'"
            raise UserError(f"task '{spec.name}' {same} in {where}", "give every task a distinct name")
        seen[folder.lower()] = spec.name


def _resolve(name: str, entries: dict[str, dict[str, Any]], tag: str | None, seen: set[str],
             dirs: list[Path]) -> FrameworkDef:
    if not _SAFE_FRAMEWORK.fullmatch(name):
        raise UserError(f"framework name '{name}' cannot be used as a folder name",
                        "rename it with letters, digits, - _ or . (starting with a letter or digit)")
    if name in seen:
        raise UserError(f"framework '{name}' extends itself through {sorted(seen)}", "break the extends cycle")
    entry = entries[name]
    merged: dict[str, Any] = {}
    parent_name = entry.get("extends")
    if parent_name:
        if parent_name not in entries:
            raise UserError(f"framework '{name}' extends unknown framework '{parent_name}'", "fix its extends key")
        parent = _resolve(parent_name, entries, tag, seen | {name}, dirs)
        merged = {"adapter": str(parent.adapter_dir), "version": parent.version,
                  "requirements": list(parent.requirements), "python": parent.python,
                  "system_packages": list(parent.system_packages), "params": dict(parent.params),
                  "setup_env": dict(parent.setup_env), "post_install": list(parent.post_install),
                  "description": parent.description,
                  "project": parent.project, "fit_share": parent.fit_share,
                  "budget_note": parent.budget_note, "host_commands": list(parent.host_commands),
                  "min_budget_seconds": parent.min_budget_seconds,
                  "installer": parent.installer}
    for key, value in entry.items():
        if key == "params":
            merged["params"] = {**merged.get("params", {}), **(value or {})}
        elif key != "extends":
            merged[key] = value
    adapter_dir = _adapter_dir(str(merged.get("adapter", name)), dirs)
    if not (adapter_dir / "exec.py").is_file():
        if merged.get("amlb_module"):
            raise UserError(f"framework '{name}': AMLB's module {merged['amlb_module']} has no amlb adapter "
                            f"({adapter_dir.name}/exec.py)", f"write one with `amlb new-framework {adapter_dir.name}` "
                            "(an AMLB integration does not run here; see docs/coming-from-amlb.md)")
        raise UserError(f"framework '{name}' has no adapter: {adapter_dir}/exec.py is missing",
                        "set its adapter key to a folder under frameworks/ (or USERDIR/frameworks/)")
    return FrameworkDef(
        name=name, adapter_dir=adapter_dir, version=str(merged.get("version", "")),
        requirements=tuple(str(r) for r in merged.get("requirements") or ()),
        params=dict(merged.get("params") or {}), python=_python_key(name, merged.get("python")),
        system_packages=tuple(merged.get("system_packages") or ()),
        setup_env={str(k): str(v) for k, v in (merged.get("setup_env") or {}).items()},
        post_install=tuple(str(c) for c in merged.get("post_install") or ()),
        description=str(merged.get("description", "")), project=str(merged.get("project", "")), tag=tag,
        fit_share=_fit_share(name, merged.get("fit_share", 1.0)), budget_note=str(merged.get("budget_note") or ""),
        min_budget_seconds=_min_budget(name, merged.get("min_budget_seconds")),
        host_commands=tuple(str(c) for c in merged.get("host_commands") or ()),
        installer=_installer_choice(name, merged.get("installer")))


def _installer_choice(name: str, value: Any) -> str | None:
    if value is None or value in ("pip", "uv"):
        return value
    raise UserError(f"framework '{name}': installer must be pip or uv, got {value!r}",
                    "remove the key to use environments.installer, or set pip or uv")


def _python_key(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):  # YAML reads 3.10 as the number 3.1
        raise UserError(f"framework '{name}': python is the number {value}", f"quote it: python: '{value}'")
    if not re.fullmatch(r"3(\.\d+){1,2}", str(value)):
        raise UserError(f"framework '{name}': python is '{value}', not a Python version", "write it like '3.9'")
    return str(value)


def _fit_share(name: str, value: Any) -> float:
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = float("nan")
    if not 0.0 < share <= 1.0:
        raise UserError(f"framework '{name}': fit_share must be a number in (0, 1], got {value!r}",
                        "set fit_share to the share of the budget the adapter gives its framework's fit")
    return share


def _min_budget(name: str, value: Any) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not 0.0 < seconds < float("inf"):
        raise UserError(f"framework '{name}': min_budget_seconds must be a positive number, got {value!r}",
                        "set it to the smallest budget per job at which the framework ends by itself, or remove it")
    return seconds


def _benchmark_file(name: str, config: Config) -> Path | None:
    as_path = Path(name).expanduser()
    if as_path.suffix in (".yaml", ".yml") and as_path.is_file():
        return as_path
    extra = [Path(d).expanduser() for d in config.get("benchmark_dirs") or ()]
    for folder in (config.path("user_dir") / "benchmarks", *extra, resource_path("benchmarks")):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def load_benchmark(name: str, config: Config) -> list[TaskSpec]:
    """The tasks of a benchmark: a YAML definition or an OpenML suite/task reference."""
    from amlb.datasets import resolve_benchmark  # noqa: PLC0415 - heavy (openml) only when needed

    path = _benchmark_file(name, config)
    if path is None:
        specs = resolve_benchmark(name, datasets_config(config))
        if specs is not None:  # names come from OpenML: colliding ones get their task id, not an error
            seen: set[str] = set()
            for i, spec in enumerate(specs):
                if folder_name(spec.name).lower() in seen or folder_name(spec.name).strip(".") == "":
                    specs[i] = replace(spec, name=f"{spec.name}_t{spec.openml_task_id}")
                seen.add(folder_name(specs[i].name).lower())
            _check_task_names(specs, name)
            return specs
        known = sorted(p.stem for p in resource_path("benchmarks").glob("*.yaml"))
        close = difflib.get_close_matches(name, known, n=2, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else \
            f"known: {', '.join(known)}, a YAML file, openml/s/ID or openml/t/ID"
        raise UserError(f"unknown benchmark '{name}'", hint)
    specs = read_benchmark_file(path, check_limits)
    if not specs:
        raise UserError(f"benchmark {path} has no enabled task", "enable one (enabled: true) or add a task")
    _check_task_names(specs, str(path))
    return specs


def datasets_config(config: Config):
    """The datasets stage's view of the configuration."""
    from amlb.datasets.api import DatasetsConfig  # noqa: PLC0415

    return DatasetsConfig(
        cache_dir=config.path("data.cache_dir"), openml_cache_dir=config.path("openml.cache_dir"),
        openml_server=config["openml"]["server"], openml_apikey=config["openml"]["apikey"],
        base_dir=config.path("user_dir"), input_dir=config.path("input_dir") if config.get("input_dir") else None)
