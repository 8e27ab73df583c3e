"""OpenML benchmark names: ``openml/s/ID`` (a suite) and ``openml/t/ID`` (a task) as task specs,
and the same on OpenML's test server (``test.openml/s/ID``, ``test.openml/t/ID``).

Suite listings and task names are kept in our cache (one namespace per server), so a cached
suite resolves offline.
"""
from __future__ import annotations

from pathlib import Path

from amlb.datasets import cache, openml_servers
from amlb.datasets.api import DatasetsConfig, TaskSpec
from amlb.datasets.openml_source import _call, _get_dataset, configure_openml, task_dir
from amlb.errors import DataError


def _spec(cfg: DatasetsConfig, name: str, tid: int, source: str) -> TaskSpec:
    server = cfg.openml_server if openml_servers.is_test(cfg) else None
    return TaskSpec(name=name, openml_task_id=tid, source_file=source, openml_server=server)


def task_spec(tid: int, cfg: DatasetsConfig) -> TaskSpec:
    """The spec of OpenML task ``tid``, named after its dataset (AMLB's convention)."""
    ref = f"{openml_servers.name_prefix(cfg)}/t/{tid}"
    task_json = task_dir(cfg, tid) / "task.json"
    if task_json.exists():
        name = cache.read_json(task_json)["info"].get("dataset_name") or f"openml_t_{tid}"
        return _spec(cfg, name, tid, ref)
    import openml

    configure_openml(cfg)
    task = _call(f"OpenML task {tid}", ref, lambda: openml.tasks.get_task(tid, download_data=False))
    dataset = _get_dataset(task.dataset_id, ref, download_data=False)
    return _spec(cfg, dataset.name, tid, ref)


def suite_specs(ref: str, cfg: DatasetsConfig) -> list[TaskSpec]:
    """The tasks of OpenML suite ``ref`` (id or alias); the list is kept in our cache."""
    import openml

    prefetch = f"{openml_servers.name_prefix(cfg)}/s/{ref}"
    listing = Path(cfg.cache_dir) / openml_servers.cache_namespace(cfg) / "s" / f"{cache.safe_name(ref)}.json"
    if listing.exists():
        entries = cache.read_json(listing)["tasks"]
    else:
        configure_openml(cfg)
        suite = _call(f"OpenML suite {ref}", prefetch, lambda: openml.study.get_suite(int(ref) if ref.isdigit() else ref))
        ids = [int(t) for t in (suite.tasks or [])]
        if not ids:
            raise DataError(f"OpenML suite {ref} has no tasks", f"check the suite id on {openml_servers.web_url(cfg)}")
        names = _task_names(ids, prefetch)
        entries = [{"id": tid, "name": names.get(tid, f"openml_t_{tid}")} for tid in ids]
        cache.write_json({"suite": ref, "name": suite.name, "tasks": entries}, listing)
    return [_spec(cfg, e["name"], int(e["id"]), prefetch) for e in entries]


def _task_names(ids: list[int], prefetch: str) -> dict[int, str]:
    import openml

    names: dict[int, str] = {}
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        listing = _call(f"OpenML task list of {prefetch}", prefetch,
                        lambda chunk=chunk: openml.tasks.list_tasks(task_id=chunk, output_format="dataframe"))
        for tid, name in zip(listing.get("tid", []), listing.get("name", [])):
            names[int(tid)] = str(name)
    return names
