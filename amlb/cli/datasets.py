"""``amlb datasets``: prefetch datasets into the cache, show what the runner knows about a task.

    amlb datasets prefetch openml/s/271          # download and convert ahead, with progress
    amlb datasets info openml/t/59               # type, target, size, folds, meta-features
    amlb datasets info iris                      # a built-in dataset
    amlb datasets info my_bench.yaml -t mytask   # tasks of a benchmark file
    amlb datasets info data.csv --target y       # a data file
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

HELP = "Prefetch datasets into the cache and show what the runner knows about a task."

DEFAULT_CACHE_DIR = "~/.cache/amlb/data"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (("prefetch", "download and convert datasets ahead of a run"),
                         ("info", "type, target, size, folds, meta-features; how type and target were decided")):
        p = sub.add_parser(action, help=text, description=text)
        p.add_argument("what", nargs="+", help="openml/s/ID, openml/t/ID, openml/d/ID, a built-in dataset name, "
                                               "a benchmark name or YAML file, or a CSV/Parquet/ARFF file")
        p.add_argument("-t", "--task", dest="tasks", nargs="+", help="only these tasks of a benchmark")
        p.add_argument("--target", help="target column (for a data file)")
        p.add_argument("--type", choices=("binary", "multiclass", "classification", "regression"),
                       help="task type (for a data file)")
        p.add_argument("-u", "--userdir", help="user directory with config.yaml")
        p.add_argument("--config", help="an extra config file")
        p.add_argument("-X", "--extra", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a config key, e.g. -X data.cache_dir=/data/amlb")
        p.add_argument("--cache-dir", help=f"the Parquet data cache (config data.cache_dir; default {DEFAULT_CACHE_DIR})")
        p.add_argument("--openml-cache-dir", help="openml-python's cache (config openml.cache_dir)")
        if action == "prefetch":
            p.add_argument("--write-folds", action="store_true", help="also write every fold's files (of every repeat)")
        else:
            p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _openml_default_cache() -> Path:
    import openml

    return Path(openml.config._root_cache_directory)


def datasets_config(args: argparse.Namespace) -> tuple[Any, Any]:
    """The :class:`DatasetsConfig` (and the full config, when it could be loaded).

    The configuration comes from :func:`amlb.config.load_config`; ``--cache-dir`` and
    ``--openml-cache-dir`` override it, and when both are given a configuration
    that cannot be loaded is not an error.
    """
    from amlb.datasets.api import DatasetsConfig
    from amlb.errors import UserError

    explicit = bool(args.cache_dir and args.openml_cache_dir)
    config = cfg = None
    try:
        from amlb.config import load_config
        from amlb.definitions import datasets_config as from_config

        config = load_config(args.userdir, args.config, args.overrides)
        cfg = from_config(config)
    except ImportError:
        pass
    except UserError:
        if not explicit:
            raise
    if cfg is None:
        cfg = DatasetsConfig(cache_dir=Path(DEFAULT_CACHE_DIR).expanduser(), openml_cache_dir=_openml_default_cache())
    if args.cache_dir:
        cfg = dataclasses.replace(cfg, cache_dir=Path(args.cache_dir).expanduser())
    if args.openml_cache_dir:
        cfg = dataclasses.replace(cfg, openml_cache_dir=Path(args.openml_cache_dir).expanduser())
    return cfg, config


def resolve(what: str, args: argparse.Namespace, cfg: Any, config: Any) -> list[Any]:
    """Task specs for one command-line reference."""
    from amlb.datasets import TaskSpec, resolve_benchmark
    from amlb.datasets.builtin import BUILTINS
    from amlb.datasets.files import FORMATS
    from amlb.errors import UserError

    specs = resolve_benchmark(what, cfg)
    if specs is None and what in BUILTINS:
        specs = [TaskSpec(name=what, builtin=what, source_file="command line")]
    path = Path(what).expanduser()
    if specs is None and path.is_file() and (path.suffix.lower() in FORMATS or path.suffixes[-2:-1] == [".csv"]):
        dataset = {"path": str(path.resolve())}
        dataset.update({k: v for k, v in (("target", args.target), ("type", args.type)) if v})
        specs = [TaskSpec(name=path.name.split(".")[0], dataset=dataset, source_file="command line")]
    if specs is None:
        if config is None:
            raise UserError(f"{what!r} is not an OpenML reference, a built-in dataset or a data file",
                            "benchmark files need amlb's configuration (amlb.config)")
        from amlb.definitions import load_benchmark

        specs = load_benchmark(what, config)
    if args.tasks:
        chosen = [s for s in specs if s.name in args.tasks]
        unknown = sorted(set(args.tasks) - {s.name for s in specs})
        if unknown:
            raise UserError(f"no task {unknown[0]!r} in {what}", f"tasks: {', '.join(s.name for s in specs[:20])}")
        specs = chosen
    return specs


def execute(args: argparse.Namespace) -> int:
    cfg, config = datasets_config(args)
    specs = [spec for what in args.what for spec in resolve(what, args, cfg, config)]
    if args.action == "prefetch":
        return prefetch(specs, cfg, args.write_folds)
    return info(specs, cfg, args.json)


def prefetch(specs: list[Any], cfg: Any, write_folds: bool) -> int:
    """Open (download, convert) every task; print one progress line per task."""
    from amlb.datasets import open_task
    from amlb.errors import UserError

    failures = 0
    width = len(str(len(specs)))
    for i, spec in enumerate(specs, 1):
        start = time.perf_counter()
        print(f"[{i:>{width}}/{len(specs)}] {spec.name} ...", end="", flush=True, file=sys.stderr)
        try:
            task = open_task(spec, cfg)
            if write_folds:
                for repeat in range(task.n_repeats):
                    for fold in range(task.n_folds):
                        task.fold(fold, repeat)
        except UserError as e:
            failures += 1
            print(f" failed: {e.one_line()}", file=sys.stderr)
            continue
        meta = task.meta_features
        print(f" ok: {task.id}, {task.type}, {meta['n_rows']} rows x {meta['n_features']} features, "
              f"{task.n_folds} folds{f' x {task.n_repeats} repeats' if task.n_repeats > 1 else ''} "
              f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    print(f"{len(specs) - failures} of {len(specs)} task(s) in the cache {cfg.cache_dir}", file=sys.stderr)
    return 2 if failures else 0


def describe(task: Any) -> dict[str, Any]:
    """What ``info`` shows about an opened task."""
    details = dict(task.info)
    return {
        "name": task.spec.name,
        "id": task.id,
        "type": task.type,
        "type_decided": details.pop("type_note", ""),
        "target": task.target,
        "target_decided": details.pop("target_note", ""),
        "class_labels": task.class_labels,
        "folds": task.n_folds,
        "repeats": task.n_repeats,
        "folds_from": details.pop("folds", ""),
        "n_features": len(task.features),
        "meta_features": task.meta_features,
        "meta_features_from": details.pop("meta_features_source", ""),
        "notes": details.pop("notes", []),
        "details": details,
    }


def info(specs: list[Any], cfg: Any, as_json: bool) -> int:
    """Print what the runner knows about each task."""
    from amlb.datasets import open_task

    described = [describe(open_task(spec, cfg)) for spec in specs]
    if as_json:
        print(json.dumps(described if len(described) != 1 else described[0], indent=1, default=str))
        return 0
    for entry in described:
        print(_as_text(entry))
    return 0


def _as_text(entry: dict[str, Any]) -> str:
    labels = entry["class_labels"]
    shown = ", ".join(labels[:10]) + (", ..." if len(labels) > 10 else "") if labels else "-"
    repeats = f" x {entry['repeats']} repeats" if entry["repeats"] > 1 else ""
    lines = [
        f"{entry['name']}  ({entry['id']})",
        f"  type         {entry['type']}   <- {entry['type_decided']}",
        f"  target       {entry['target']}   <- {entry['target_decided']}",
        f"  classes      {shown}",
        f"  folds        {entry['folds']}{repeats}   <- {entry['folds_from']}",
        f"  meta-features ({entry['meta_features_from']}):",
    ]
    for name, value in entry["meta_features"].items():
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        lines.append(f"    {name:32} {text}")
    for note in entry["notes"]:
        lines.append(f"  note: {note}")
    for key, value in entry["details"].items():
        if value not in (None, "", []):
            lines.append(f"  {key:12} {value}")
    return "\n".join(lines)
