"""Read AMLB's user files as they are: its user directory, ``config.yaml`` and ``frameworks.yaml``.

- User directory: without ``-u``, ``~/.config/amlb`` when it exists, else AMLB's
  ``~/.config/automlbenchmark`` when that exists (:func:`default_user_dir`).
- ``config.yaml``: AMLB keys with a meaning here are mapped to amlb's (:data:`CONFIG_MAP`);
  the others (``project_repository``, ``aws.*``, ``monitoring.*`` ...) are ignored with one
  warning line per file. A key neither amlb nor AMLB knows is still a typo.
- ``frameworks.yaml``: ``module: frameworks.X`` / ``extensions.X`` names the adapter folder
  ``X``; ``setup_cmd`` runs after the install (``post_install``); ``image``, ``setup_args``,
  ``refs``, ``abstract``, ``removed`` are ignored with one warning line per key; AMLB's
  ``stable``/``latest`` version labels keep amlb's pinned version.

``{user}``, ``{root}`` and ``{input}`` in mapped paths are the user directory, amlb's own folder
and the input directory.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from amlb.errors import warn

AMLB_USER_DIR = "~/.config/automlbenchmark"
AMLB_DEFAULT_USER_DIR = "~/.config/amlb"

#: AMLB config key (dotted) -> amlb config key
CONFIG_MAP = {
    "user_dir": "user_dir", "input_dir": "input_dir", "output_dir": "output_dir", "seed": "seed",
    "benchmarks.definition_dir": "benchmark_dirs", "benchmarks.constraints_file": "constraint_files",
    "frameworks.definition_file": "framework_files", "benchmarks.os_mem_size_mb": "job.os_mem_size_mb",
    "job_scheduler.parallel_jobs": "parallel", "inference_time_measurements.batch_sizes": "job.inference_batch_sizes",
    "inference_time_measurements.repeats": "job.inference_repeats", "openml.apikey": "openml.apikey",
    "benchmarks.metrics": "metrics", "benchmarks.defaults": "constraint_defaults",
}
CONSTRAINT_KEYS = ("folds", "max_runtime_seconds", "cores", "max_mem_size_mb")
TASK_TYPES = ("binary", "multiclass", "regression")
#: keys that list files or folders (placeholders expanded, missing ones left out with a warning)
PATH_LISTS = {"benchmark_dirs", "constraint_files", "framework_files"}
#: AMLB's top-level config keys
AMLB_TOP = {"project_repository", "user_dir", "input_dir", "output_dir", "root_dir", "script", "run_mode", "sid",
            "job_history", "test_mode", "seed", "token_separator", "archive", "setup", "frameworks", "benchmarks",
            "job_scheduler", "monitoring", "results", "inference_time_measurements", "openml", "versions",
            "container", "docker", "singularity", "aws"}


def default_user_dir() -> tuple[Path, bool]:
    """The user directory without ``-u`` and whether it exists: amlb's own, else AMLB's."""
    own = Path(AMLB_DEFAULT_USER_DIR).expanduser()
    amlb_dir = Path(AMLB_USER_DIR).expanduser()
    if own.is_dir():
        return own, True
    if amlb_dir.is_dir():
        return amlb_dir, True
    return own, False


def placeholders(text: str, user_dir: Path | str | None, input_dir: str | None = None) -> str:
    from amlb.resources import home  # noqa: PLC0415

    values = {"{user}": str(Path(user_dir).expanduser()) if user_dir else AMLB_DEFAULT_USER_DIR,
              "{root}": str(home())}
    if input_dir:
        values["{input}"] = str(input_dir)
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def translate_config(data: dict, schema: dict, source: Path, user_dir: Path | str | None) -> dict:
    """A config file's content with AMLB's keys mapped to amlb's, the meaningless ones left out (one warning)."""
    out: dict[str, Any] = {}
    ignored: list[str] = []
    mapped: dict[str, Any] = {}

    def walk(value: Any, dotted: str) -> None:
        target = CONFIG_MAP.get(dotted)
        if target is not None:
            mapped[target] = value
            return
        node = _schema_node(schema, dotted)
        if node is not _MISSING and not (isinstance(node, dict) and node and isinstance(value, dict)):
            _put(out, dotted, value)  # amlb's own key (a whole value, e.g. a mapping of Python versions)
        elif isinstance(value, dict) and value:
            for k, v in value.items():
                walk(v, f"{dotted}.{k}")
        else:
            ignored.append(dotted)

    for key, value in data.items():
        if key in AMLB_TOP:
            walk(value, str(key))
        else:
            out[key] = value  # amlb's own, or a typo its checks name
    measured = data.get("inference_time_measurements")
    if not (isinstance(measured, dict) and measured.get("enabled") is True):  # AMLB measures only when enabled
        for target in ("job.inference_batch_sizes", "job.inference_repeats"):
            if mapped.pop(target, None) is not None:
                ignored.append(f"inference_time_measurements.{target.rsplit('_', 1)[-1]}")
    for target, value in mapped.items():
        value = _mapped_value(target, value, user_dir, mapped.get("input_dir"), source, ignored)
        if value is not None:
            _put(out, target, value)
    if ignored:
        shown = sorted({d if "." not in d else d.split(".", 1)[0] + ".*" for d in ignored})
        warn(f"{source}: AMLB config key(s) without a meaning in amlb, ignored: {', '.join(shown)}")
    return out


_MISSING = object()


def _schema_node(schema: dict, dotted: str) -> Any:
    node: Any = schema
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _put(out: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = out
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _mapped_value(target: str, value: Any, user_dir, input_dir, source: Path, ignored: list[str]) -> Any:
    if value is None:  # AMLB's "set by the caller"
        return None
    if target == "seed" and not (isinstance(value, int) and not isinstance(value, bool)):
        ignored.append(f"seed={value}")  # AMLB's auto/none: amlb's seed stays fixed
        return None
    if target == "metrics" and isinstance(value, dict):
        ignored.extend(f"benchmarks.metrics.{k}" for k in value if k not in TASK_TYPES)  # timeseries
        return {k: v for k, v in value.items() if k in TASK_TYPES}
    if target == "constraint_defaults" and isinstance(value, dict):
        ignored.extend(f"benchmarks.defaults.{k}" for k in value if k not in CONSTRAINT_KEYS)  # min_vol_size_mb ...
        return {k: v for k, v in value.items() if k in CONSTRAINT_KEYS and v is not None}
    if target in PATH_LISTS:
        entries = value if isinstance(value, list) else [value]
        paths = [os.path.expanduser(placeholders(str(e), user_dir, input_dir)) for e in entries]
        missing = [p for p in paths if not Path(p).exists()]
        if missing:
            warn(f"{source}: {target} entries not found, left out: {', '.join(missing)}")
        return [p for p in paths if Path(p).exists()]
    if isinstance(value, str):
        return placeholders(value, user_dir, input_dir)
    return value


#: AMLB framework keys without a meaning here, and why
IGNORED_FRAMEWORK_KEYS = {
    "image": "amlb builds each framework's Docker image from its adapter folder",
    "setup_args": "amlb installs the pinned requirements of the adapter folder",
    "refs": "references only", "abstract": "every entry can be extended", "removed": "AMLB's removal mark",
}
AMLB_VERSION_LABELS = {"stable", "latest"}


def translate_framework(name: str, entry: dict, source: Path, ignored: dict[str, list[str]]) -> dict:
    """An AMLB framework entry in amlb's keys; ``ignored`` collects key -> framework names."""
    out = {}
    for key, value in entry.items():
        if key in IGNORED_FRAMEWORK_KEYS:
            ignored.setdefault(key, []).append(name)
        elif key == "module":
            if value and "adapter" not in entry:
                out["adapter"] = str(value).rsplit(".", 1)[-1]
                out["amlb_module"] = str(value)
        elif key == "setup_cmd":
            commands = value if isinstance(value, list) else [value]
            out["post_install"] = [str(c).replace("{{", "{").replace("}}", "}") for c in commands if c]
        elif key == "version" and str(value).lower() in AMLB_VERSION_LABELS:
            ignored.setdefault(f"version: {value}", []).append(name)
        else:
            out[key] = value
    return out


def warn_ignored_framework_keys(source: Path, ignored: dict[str, list[str]]) -> None:
    for key, names in sorted(ignored.items()):
        why = IGNORED_FRAMEWORK_KEYS.get(key, "amlb's adapters pin their versions")
        warn(f"{source}: AMLB framework key '{key}' ignored ({why}): {', '.join(sorted(set(names)))}")
