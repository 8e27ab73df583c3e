"""OpenML tasks, datasets and suites, through openml-python.

openml-python downloads (or finds in its cache) the task XML, the dataset's
description, features and qualities XML and its data file (ARFF, or OpenML's
Parquet). We convert the data once into our Parquet cache
(``openml/d/<id>/f<format>-v<version>/data.parquet``) and a task once into its
folder (``openml/t/<id>/``: ``task.json`` and the split table, from OpenML's
``datasplits.arff``: fold i of repeat r is OpenML's fold i of repeat r). Once a task is
in our cache, opening it does not touch openml-python or the network.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from amlb.datasets import cache, metafeatures, openml_servers
from amlb.datasets.api import DatasetsConfig, TaskSpec
from amlb.datasets.arff import read_arff
from amlb.datasets.folds import FOLD_SEED
from amlb.datasets.task import FORMAT_VERSION, CachedTask, open_split_task, seeded_splits, seeded_task_dir, task_from_json
from amlb.errors import DataError, UserError

#: folds of an OpenML dataset (no task, so no predefined splits) when the task does not say
DEFAULT_DATASET_FOLDS = 10

_T = TypeVar("_T")
_PAGES = {"t": "search?type=task", "d": "search?type=data", "s": "search?type=benchmark"}
_server_at_start: str | None = None


def configure_openml(cfg: DatasetsConfig) -> None:
    """Point openml-python at the configured cache, server and API key."""
    import openml

    global _server_at_start
    if _server_at_start is None:
        _server_at_start = openml.config.server  # the user's own openml config, or its default
    Path(cfg.openml_cache_dir).expanduser().mkdir(parents=True, exist_ok=True)
    openml.config.set_root_cache_directory(str(Path(cfg.openml_cache_dir).expanduser()))
    openml.config.server = cfg.openml_server or _server_at_start
    if cfg.openml_apikey:
        openml.config.apikey = cfg.openml_apikey


def openml_cache_directory() -> Path:
    """openml-python's cache folder for the configured server."""
    import openml

    return Path(openml.config.get_cache_directory())


@contextlib.contextmanager
def _translated(what: str, prefetch: str) -> Iterator[None]:
    """Turn openml-python and network failures into one-line DataErrors."""
    import requests
    import urllib3
    from openml.exceptions import OpenMLHashException, OpenMLPrivateDatasetError, OpenMLServerException

    try:
        yield
    except OpenMLPrivateDatasetError as e:
        raise DataError(f"{what} is private on OpenML ({e})", "set openml.apikey to a key with access") from None
    except OpenMLServerException as e:
        message = str(e.message).removesuffix(" - None")
        raise DataError(f"{what}: OpenML says {message!r} (code {e.code})",
                        f"check the id on {_web(prefetch)}/{_PAGES.get(prefetch.split('/')[1], '')}") from None
    except OpenMLHashException as e:
        raise DataError(f"{what}: downloaded file is corrupt ({str(e)[:120]})", "try again; OpenML may be serving a broken file") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as e:
        import openml

        raise DataError(
            f"{what} is not in the cache ({openml.config.get_cache_directory()}) and OpenML is unreachable "
            f"at {openml.config.server} ({type(e).__name__})",
            f"connect to the network, or run `amlb datasets prefetch {prefetch}` while online "
            "(or copy in a cache that has it)",
        ) from None


def _web(prefetch: str) -> str:
    return "https://test.openml.org" if prefetch.startswith("test.openml/") else "https://www.openml.org"


def _call(what: str, prefetch: str, fn: Callable[[], _T]) -> _T:
    """Run an openml-python call; one at a time across processes sharing its cache
    (openml-python's own cache writes are not multiprocess-safe)."""
    with cache.locked(openml_cache_directory() / "amlb-openml"), _translated(what, prefetch):
        return fn()


# -- datasets --------------------------------------------------------------------------------


def _get_dataset(did: int, prefetch: str, download_data: bool = True) -> Any:
    import openml

    return _call(f"OpenML dataset {did}", prefetch, lambda: openml.datasets.get_dataset(
        did, download_data=download_data, download_qualities=True, download_features_meta_data=True))


def dataset_dir(cfg: DatasetsConfig, did: int, version: int) -> Path:
    """Our cache folder of OpenML dataset ``did`` at ``version``."""
    return Path(cfg.cache_dir) / openml_servers.cache_namespace(cfg) / "d" / str(did) / f"f{FORMAT_VERSION}-v{version}"


def typed_from_features(frame: pd.DataFrame, features: dict[int, Any], source: Path) -> pd.DataFrame:
    """Apply OpenML's feature types: nominal -> categorical (declared order), numeric -> float."""
    by_name = {f.name: f for f in features.values()}
    missing = [name for name in by_name if name not in frame.columns]
    if missing:
        raise DataError(f"{source}: columns {missing[:5]} of the OpenML features list are missing", "clear the OpenML cache entry")
    columns = {}
    for name in frame.columns:
        feature, column = by_name.get(name), frame[name]
        if feature is None:
            columns[name] = column
        elif feature.data_type == "nominal":
            if isinstance(column.dtype, pd.CategoricalDtype):
                values = column
            elif pd.api.types.is_float_dtype(column.dtype) and _integral(column):  # 1.0 is the label "1"
                values = column.astype("Int64").astype("string").astype("category")
            else:
                values = column.astype("string").astype("category")
            declared = [str(v) for v in feature.nominal_values]
            values = values.cat.rename_categories([str(c) for c in values.cat.categories])
            extra = set(values.cat.categories) - set(declared)
            columns[name] = values.cat.set_categories(declared + sorted(extra))
        elif feature.data_type == "numeric":
            columns[name] = pd.to_numeric(column, errors="coerce").astype("float64")
        else:
            columns[name] = column if pd.api.types.is_string_dtype(column.dtype) else column.astype("str")
    return pd.DataFrame(columns)


def _integral(column: pd.Series) -> bool:
    values = column.dropna().to_numpy()
    return bool(np.all(values == np.round(values)))


def ensure_dataset(cfg: DatasetsConfig, dataset: Any) -> tuple[Path, str]:
    """Convert an OpenML dataset (ARFF or Parquet) to our Parquet cache once.

    Returns
    -------
    tuple
        The Parquet path and the file it was converted from.
    """
    did, version = int(dataset.dataset_id), int(dataset.version)
    data_path = dataset_dir(cfg, did, version) / "data.parquet"
    source = Path(dataset.parquet_file or dataset.data_file or "")

    def build() -> None:
        if not source.is_file():
            raise DataError(f"OpenML dataset {did}: no data file in openml-python's cache", "run `amlb datasets prefetch` online")
        if source.suffix == ".pq":
            frame = pd.read_parquet(source)
        else:
            frame, _ = read_arff(source)
        cache.write_dataset(typed_from_features(frame, dataset.features, source), data_path)

    cache.ensure([data_path], build)
    return data_path, str(source)


def _excluded(dataset: Any) -> tuple[str, ...]:
    names = list(dataset.ignore_attribute or [])
    if dataset.row_id_attribute:
        names.append(dataset.row_id_attribute)
    return tuple(dict.fromkeys(names))


def _qualities_maker(dataset: Any, exclude: tuple[str, ...], use: bool) -> Callable:
    def make(frame: pd.DataFrame, choice: Any, computed: dict[str, Any]) -> tuple[dict[str, Any], str]:
        if not use:
            return computed, "computed from the data (OpenML's qualities describe another target)"
        target = frame[choice.target]
        values, taken = metafeatures.from_openml_qualities(
            dataset.qualities, computed, isinstance(target.dtype, pd.CategoricalDtype), int(target.isna().sum()), len(exclude))
        if not taken:
            return values, "computed from the data (OpenML has no qualities for it)"
        return values, f"OpenML data qualities for {', '.join(taken)}; the rest computed from the data"

    return make


# -- tasks -----------------------------------------------------------------------------------


def task_dir(cfg: DatasetsConfig, tid: int) -> Path:
    """Our cache folder of OpenML task ``tid``."""
    return Path(cfg.cache_dir) / openml_servers.cache_namespace(cfg) / "t" / str(tid) / f"f{FORMAT_VERSION}"


def read_splits(path: Path) -> pd.DataFrame:
    """OpenML's ``datasplits.arff`` as a split table: every repeat, sample 0 (learning curves' other samples are left out)."""
    frame, _ = read_arff(path)
    if "sample" in frame.columns:
        frame = frame.loc[frame["sample"].to_numpy() == 0]
    return pd.DataFrame({
        "repeat": frame["repeat"].to_numpy().astype(np.int32),
        "fold": frame["fold"].to_numpy().astype(np.int32),
        "row": frame["rowid"].to_numpy().astype(np.int64),
        "test": (frame["type"].astype(str) == "TEST").to_numpy(),
    }).sort_values(["repeat", "fold", "test", "row"], kind="stable", ignore_index=True)


def _cached_split_file(cfg: DatasetsConfig | None, tid: int) -> Path:
    """Where openml-python caches the ``datasplits.arff`` of task ``tid`` (``cfg``: configure openml-python first)."""
    if cfg is not None:
        configure_openml(cfg)
    return openml_cache_directory() / "tasks" / str(tid) / "datasplits.arff"


def _ensure_split_file(task: Any, prefetch: str) -> Path:
    """openml-python's cached ``datasplits.arff`` of ``task``, downloaded if absent."""
    path = _cached_split_file(None, task.task_id)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(task, "_download_split"):  # downloads only; we parse it faster ourselves
            _call(f"OpenML task {task.task_id} splits", prefetch, lambda: task._download_split(path))
        else:
            _call(f"OpenML task {task.task_id} splits", prefetch, task.download_split)
    return path


def open_openml_task(spec: TaskSpec, cfg: DatasetsConfig) -> CachedTask:
    """Open OpenML task ``spec.openml_task_id`` (folds and repeats: the task's own splits)."""
    cfg = openml_servers.for_spec(spec, cfg)
    tid = int(spec.openml_task_id)  # type: ignore[arg-type]
    folder = task_dir(cfg, tid)
    task_json = folder / "task.json"
    if not task_json.exists():
        _build_task(spec, cfg, tid, folder)
    meta = cache.read_json(task_json)
    data_path = Path(meta["info"]["data_path"])
    # data cache cleared: rebuild both; a folder built before repeats (repeat 0 only): rebuild its split
    # table when openml-python's cache has the splits of every repeat (offline, else it keeps repeat 0)
    if not data_path.exists() or ("n_repeats" not in meta and _cached_split_file(cfg, tid).is_file()):
        task_json.unlink(missing_ok=True)
        _build_task(spec, cfg, tid, folder)
        meta = cache.read_json(task_json)
    task = task_from_json(spec, folder, meta, Path(meta["info"]["data_path"]))
    if spec.folds is not None:
        if spec.folds > task.n_folds:
            raise UserError(f"task {spec.name!r}: OpenML task {tid} has {task.n_folds} folds, {spec.folds} asked",
                            f"use folds <= {task.n_folds}")
        task.n_folds = spec.folds
    return task


def _build_task(spec: TaskSpec, cfg: DatasetsConfig, tid: int, folder: Path) -> None:
    configure_openml(cfg)
    prefetch = f"{openml_servers.name_prefix(cfg)}/t/{tid}"
    try:
        with cache.locked(folder / "openml"):  # one download per task; ensure() below locks task.json
            if not (folder / "task.json").exists():
                _download_and_convert(spec, cfg, tid, folder, prefetch)
    finally:
        cache.discard_if_unused(folder)


def _download_and_convert(spec: TaskSpec, cfg: DatasetsConfig, tid: int, folder: Path, prefetch: str) -> None:
    import openml
    from openml.tasks import TaskType

    task = _call(f"OpenML task {tid}", prefetch, lambda: openml.tasks.get_task(
        tid, download_splits=False, download_data=False, download_qualities=True, download_features_meta_data=True))
    if task.task_type_id not in (TaskType.SUPERVISED_CLASSIFICATION, TaskType.SUPERVISED_REGRESSION):
        raise UserError(f"OpenML task {tid} is a {task.task_type} task", "use a supervised classification or regression task")
    dataset = _get_dataset(task.dataset_id, prefetch)
    data_path, source_file = ensure_dataset(cfg, dataset)
    splits = read_splits(_ensure_split_file(task, prefetch))
    n_folds, n_repeats = int(splits["fold"].max()) + 1, int(splits["repeat"].max()) + 1
    classification = task.task_type_id == TaskType.SUPERVISED_CLASSIFICATION
    exclude = tuple(c for c in _excluded(dataset) if c != task.target_name)
    if task.target_name not in [f.name for f in dataset.features.values()]:
        raise DataError(f"OpenML task {tid}: target {task.target_name!r} is not a column of dataset {dataset.dataset_id}",
                        "report it on OpenML; use another task")
    open_split_task(
        spec, task_id=f"{openml_servers.id_prefix(cfg)}/t/{tid}", task_dir=folder, data_path=data_path, n_folds=n_folds,
        declared_target=None, default_target=task.target_name, default_note="the OpenML task's target",
        declared_type="classification" if classification else "regression",
        make_splits=lambda frame, choice: splits, exclude=exclude, n_repeats=n_repeats,
        make_meta=_qualities_maker(dataset, exclude, use=True),
        type_note=f"OpenML task type: {task.task_type}",
        info={
            "source": f"OpenML task {tid}: dataset {dataset.dataset_id} {dataset.name!r} version {dataset.version}",
            "url": f"{openml_servers.web_url(cfg)}/t/{tid}",
            "dataset_name": dataset.name,
            "converted_from": source_file,
            "folds": f"OpenML's estimation procedure: {_procedure(task.estimation_procedure)}; "
                     "fold i of repeat r = OpenML's fold i of repeat r",
        },
    )


def _procedure(procedure: dict[str, Any]) -> str:
    params = procedure.get("parameters") or {}
    parts = [str(procedure.get("type") or "?")]
    if params.get("number_folds"):
        parts.append(f"{params['number_folds']} folds x {params.get('number_repeats') or 1} repeat(s)")
    if params.get("percentage"):
        parts.append(f"{params['percentage']}% holdout")
    if str(params.get("stratified_sampling", "")).lower() == "true":
        parts.append("stratified")
    return ", ".join(parts)


def open_openml_dataset(spec: TaskSpec, cfg: DatasetsConfig) -> CachedTask:
    """Open OpenML dataset ``spec.openml_dataset_id`` with seeded folds over its target."""
    cfg = openml_servers.for_spec(spec, cfg)
    configure_openml(cfg)
    did = int(spec.openml_dataset_id)  # type: ignore[arg-type]
    dataset = _get_dataset(did, f"{openml_servers.name_prefix(cfg)}/d/{did}")
    data_path, source_file = ensure_dataset(cfg, dataset)
    # folds: 1 (AMLB's test runs) is one fold of the default split: k-fold needs k >= 2
    n_folds = spec.folds if spec.folds and spec.folds >= 2 else DEFAULT_DATASET_FOLDS
    seed = int(spec.extra.get("fold_seed", FOLD_SEED))
    target, task_type = spec.extra.get("target"), spec.extra.get("type")  # default: the dataset's own target
    default = dataset.default_target_attribute
    exclude = tuple(c for c in _excluded(dataset) if c != (target or default))
    return open_split_task(
        spec, task_id=f"{openml_servers.id_prefix(cfg)}/d/{did}", task_dir=seeded_task_dir(data_path.parent, target, task_type, n_folds, seed),
        data_path=data_path, n_folds=n_folds, declared_target=target, declared_type=task_type,
        make_splits=seeded_splits(n_folds, seed, spec.name), default_target=default,
        default_note="OpenML's default target attribute of the dataset", exclude=exclude,
        make_meta=_qualities_maker(dataset, exclude, use=target in (None, default)),
        info={
            "source": f"OpenML dataset {did} {dataset.name!r} version {dataset.version}",
            "url": f"{openml_servers.web_url(cfg)}/d/{did}",
            "dataset_name": dataset.name,
            "converted_from": source_file,
            "folds": f"seeded {n_folds}-fold (seed {seed}), stratified for classification",
        },
    )
