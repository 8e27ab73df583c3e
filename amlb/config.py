"""Configuration: defaults, user config and ``-X key.path=value`` overrides, merged and validated.

The defaults in ``resources/config.yaml`` are also the schema: a key that is not there
is a typo, and a value must have the type of the default (or the type declared in
:data:`NULLABLE` where the default is null). Errors name the file, the key and the line.
"""
from __future__ import annotations

import copy
import difflib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from amlb.errors import UserError
from amlb.resources import resource_path

#: types of keys whose default is null
NULLABLE: dict[str, tuple[type, ...]] = {
    "seed": (str, int),  # not nullable: auto or a number (the default is text)
    "input_dir": (str,), "constraint_defaults.folds": (int,), "openml.server": (str,), "openml.apikey": (str,),
    "environments.python": (str,),
    "job.cores": (int,), "job.max_runtime_seconds": (int, float), "job.max_mem_size_mb": (int,),
    "job.ready_timeout_seconds": (int, float),
    "energy.country": (str,), "energy.region": (str,), "energy.carbon_intensity_g_per_kwh": (int, float),
    "energy.cpu_power_w": (int, float), "energy.ram_power_w_per_gb": (int, float),
    "dask.scheduler": (str,),
}
#: keys whose value maps a Python version (quoted text, e.g. "3.9") to text; a config adds to them
PYTHON_VERSION_MAPS = ("docker.base_images", "environments.pythons")


def _number(minimum: float, *, strict: bool = False) -> Callable[[Any], bool]:
    def ok(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and \
            (v > minimum if strict else v >= minimum)
    return ok


#: allowed ranges of numeric keys: (check, what the value must be)
RANGES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "seed": (lambda v: v == "auto" or (_number(0)(v) and isinstance(v, int)), "auto or a whole number >= 0"),
    "constraint_defaults.folds": (_number(1), "a whole number >= 1"),
    "constraint_defaults.max_runtime_seconds": (_number(0, strict=True), "a finite number of seconds > 0"),
    "parallel": (_number(1), "at least 1"),
    "job.cores": (_number(1), "at least 1"),
    "job.max_runtime_seconds": (_number(0, strict=True), "a finite number of seconds > 0"),
    "job.max_mem_size_mb": (_number(1), "at least 1 (MB)"),
    "job.os_mem_size_mb": (_number(0), "a whole number of MB >= 0"),
    "job.time_tolerance_ratio": (_number(0), "a finite number >= 0"),
    "job.time_grace_seconds": (_number(0), "a finite number of seconds >= 0"),
    "job.attempts": (_number(1), "at least 1"),
    "job.inference_batch_sizes": (lambda v: all(isinstance(x, int) and _number(1)(x) for x in v),
                                  "a list of whole numbers >= 1"),
    "job.inference_repeats": (_number(1), "at least 1"),
    "job.inference_max_seconds": (_number(0), "a finite number of seconds >= 0"),
    "job.inference_budget_share": (lambda v: _number(0)(v) and v <= 1, "a share of the budget from 0 to 1"),
    "job.ready_timeout_seconds": (_number(0, strict=True), "a finite number of seconds > 0"),
    "energy.carbon_intensity_g_per_kwh": (_number(0), "a finite number >= 0"),
    "energy.pue": (_number(1), "a finite number >= 1"),
    "energy.cpu_power_w": (_number(0, strict=True), "a finite number > 0"),
    "energy.ram_power_w_per_gb": (_number(0), "a finite number >= 0"),
    "dask.connect_timeout_s": (_number(0, strict=True), "a finite number of seconds > 0"),
}


@dataclass(frozen=True)
class Located:
    """Where a value came from, for error messages."""

    file: str
    line: int | None = None
    raw: str = ""  # the value as typed on the command line (-X), for text keys

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}" if self.line else self.file


#: libyaml's parser where PyYAML was built with it (ten times faster than the pure-Python one)
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Parse a YAML file; return the data and the line of every dotted key path.

    Malformed YAML raises a one-line UserError naming the file and line.
    """
    try:
        text = path.read_text()
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror}", "check the path") from None
    loader = _SafeLoader(text)
    try:  # parsed once: the node tree gives the lines, then the data is built from it
        node = loader.get_single_node()
        _check_expansion(node, path)  # before anything walks or builds the expanded document
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise UserError(f"malformed YAML in {path}{where}: {problem}", "fix the file's syntax") from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    _collect_lines(node, "", lines)
    return data, lines


#: a YAML document may expand (through aliases) to at most this many nodes, and at most
#: EXPANSION_RATIO times the nodes it spells out: alias bombs are refused before they are built
EXPANSION_MAX_NODES = 100_000
EXPANSION_RATIO = 50


def _check_expansion(root: Any, path: Path) -> None:
    """Refuse a composed document whose aliases expand out of proportion (or refer to themselves)."""
    if root is None:
        return
    expanded: dict[int, int] = {}  # node id -> its size once every alias is expanded
    distinct: set[int] = set()
    on_path: set[int] = set()
    limit = EXPANSION_MAX_NODES
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:  # iterative post-order walk: deep documents do not hit the recursion limit
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = _children(node)
            expanded[key] = 1 + sum(expanded[id(k)] for k in kids)
            if expanded[key] > limit:
                break
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise UserError(f"{path} has a YAML alias that refers to itself", "remove the recursive alias")
        distinct.add(key)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in expanded)
    total = expanded.get(id(root), limit + 1)
    if total > limit or total > EXPANSION_RATIO * max(len(distinct), 100):
        raise UserError(f"{path} expands through YAML aliases to over {min(total, limit):,} values from "
                        f"{len(distinct):,} written ones", "write the document without nested aliases")


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _collect_lines(node: Any, prefix: str, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}{key_node.value}"
            out[path] = key_node.start_mark.line + 1
            _collect_lines(value_node, path + ".", out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[f"{prefix}{i}"] = item.start_mark.line + 1
            _collect_lines(item, f"{prefix}{i}.", out)


class Config(dict):
    """The merged configuration: a nested dict with dotted access via :meth:`get_path`."""

    def get_path(self, dotted: str) -> Any:
        value: Any = self
        for part in dotted.split("."):
            value = value[part]
        return value

    def path(self, dotted: str) -> Path:
        """A configured directory or file, with ``~`` and environment variables expanded."""
        return Path(os.path.expandvars(os.path.expanduser(str(self.get_path(dotted)))))


def _check_and_merge(base: dict, update: dict, where: Located, lines: dict[str, int], prefix: str = "") -> None:
    for key, value in update.items():
        dotted = f"{prefix}{key}"
        loc = Located(where.file, lines.get(dotted), where.raw)
        if key not in base:
            close = difflib.get_close_matches(str(key), [str(k) for k in base], n=1)
            hint = f"did you mean '{prefix}{close[0]}'?" if close else "see resources/config.yaml for the keys"
            raise UserError(f"unknown config key '{dotted}' ({loc})", hint)
        default = base[key]
        if dotted in PYTHON_VERSION_MAPS:
            base[key] = {**default, **_checked_version_map(dotted, value, loc)}
            continue
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise UserError(f"config key '{dotted}' must be a mapping ({loc})", "indent its sub-keys below it")
            _check_and_merge(default, value, where, lines, dotted + ".")
            continue
        base[key] = _checked_value(dotted, default, value, loc)


def _checked_version_map(dotted: str, value: Any, loc: Located) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(f"config key '{dotted}' must map Python versions to text ({loc})",
                        'e.g. {"3.9": VALUE}')
    out = {}
    for version, text in value.items():
        if not isinstance(version, str) or not re.fullmatch(r"3\.\d+(\.\d+)?", version):
            raise UserError(f"config key '{dotted}' has the key {version!r}, not a quoted Python version ({loc})",
                            'quote it like "3.9" (YAML reads 3.10 as the number 3.1)')
        if not isinstance(text, str) or not text.strip():
            raise UserError(f"config key '{dotted}.\"{version}\"' must be text, got {text!r} ({loc})",
                            "correct its value")
        out[version] = text.strip()
    return out


def _checked_value(dotted: str, default: Any, value: Any, loc: Located) -> Any:
    value = _typed_value(dotted, default, value, loc)
    check = RANGES.get(dotted)
    if value is not None and check is not None and not check[0](value):
        raise UserError(f"config key '{dotted}' must be {check[1]}, got {value!r} ({loc})", "correct its value")
    return value


def _typed_value(dotted: str, default: Any, value: Any, loc: Located) -> Any:
    if value is None:
        return None
    allowed = NULLABLE.get(dotted) or (type(default),)
    if allowed == (str,) and isinstance(value, (bool, int, float)):
        if loc.raw:  # -X docker.python=3.10 or -X job.cgroups=off: keep the text as typed
            return loc.raw
        if isinstance(value, bool):  # YAML 1.1 reads off/on/no/yes as booleans
            return "on" if value else "off"
        raise UserError(f"config key '{dotted}' must be text, got the number {value!r} ({loc})",
                        "quote the value (YAML reads 3.10 as the number 3.1)")
    if float in allowed and isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, bool) != (bool in allowed) or not isinstance(value, allowed):
        names = " or ".join(t.__name__ for t in allowed)
        raise UserError(f"config key '{dotted}' must be {names}, got {value!r} ({loc})", "correct its value")
    return value


def parse_override(text: str) -> tuple[str, Any]:
    """``key.path=value`` with the value parsed as YAML (``-X job.cores=2``)."""
    if "=" not in text:
        raise UserError(f"-X takes key.path=value, got '{text}'", "e.g. -X job.cores=2")
    key, _, raw = text.partition("=")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def _nest(dotted: str, value: Any) -> dict:
    out: dict = {}
    node = out
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def load_config(user_dir: str | Path | None = None, config_file: str | Path | None = None,
                overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Defaults, then ``USERDIR/config.yaml``, then ``config_file``, then ``-X`` overrides.

    Without ``user_dir`` the user directory is ``~/.config/amlb`` when it exists, else AMLB's
    ``~/.config/automlbenchmark`` when that exists; AMLB's config keys are mapped or ignored
    (:mod:`amlb.amlb_compat`).
    """
    from amlb.amlb_compat import default_user_dir, translate_config  # noqa: PLC0415

    defaults_path = resource_path("config.yaml")
    defaults, _ = load_yaml(defaults_path)
    config = Config(copy.deepcopy(defaults))
    sources: list[Path] = []
    if user_dir is not None:
        if not Path(user_dir).expanduser().is_dir():
            raise UserError(f"the user directory {user_dir} does not exist", "check the -u path")
    else:
        found, exists = default_user_dir()
        user_dir = found if exists else None
    if user_dir is not None:
        user_file = Path(user_dir).expanduser() / "config.yaml"
        if user_file.exists():
            sources.append(user_file)
        config["user_dir"] = str(Path(user_dir).expanduser())
    if config_file is not None:
        if not Path(config_file).exists():
            raise UserError(f"config file {config_file} does not exist", "check the --config path")
        sources.append(Path(config_file))
    for source in sources:
        data, lines = load_yaml(source)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise UserError(f"{source} must hold a mapping of config keys", "see resources/config.yaml")
        data = translate_config(data, defaults, source, config["user_dir"])
        _check_and_merge(config, data, Located(str(source)), lines)
    for text in overrides:
        key, value = parse_override(text)
        _check_and_merge(config, _nest(key, value), Located(f"-X {text}", raw=text.partition("=")[2].strip()), {})
    return config
