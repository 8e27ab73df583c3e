"""File datasets: CSV, Parquet and ARFF (found, downloaded or unpacked by :mod:`amlb.datasets.sources`).

Either one file (``dataset: {path: data.csv, target: y}``), from which seeded folds
are made (stratified for classification), or explicit files per fold (AMLB's
``dataset: {train: [...], test: [...], target: ..., type: ...}``). A relative path is
looked up in the input directory (``-i``), USERDIR (``DatasetsConfig.base_dir``), the benchmark
file's folder and the working directory, in that order; a file found nowhere is its task's
DataError. The
cache entry is keyed by the files' paths, sizes and modification times, so an
edited file is converted again.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from amlb.datasets import cache, folds, metafeatures, sources
from amlb.datasets.api import DatasetsConfig, TaskSpec
from amlb.datasets.arff import read_arff
from amlb.datasets.folds import FOLD_SEED
from amlb.datasets.prepare import TARGET_NAMES, categorize_features, choose, labels_of, task_frame
from amlb.datasets.task import FORMAT_VERSION, CachedTask, open_split_task, seeded_splits, seeded_task_dir, task_from_json, task_meta
from amlb.errors import DataError, UserError

#: folds made from a single file when the task does not say (OpenML's usual 10-fold CV)
DEFAULT_FOLDS = 10

FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".arff": "arff"}


def file_format(path: Path, declared: str | None = None) -> str:
    """The format of ``path`` (declared, or from its suffix; ``.gz`` allowed for CSV and ARFF)."""
    if declared:
        if declared.lower() not in ("csv", "parquet", "arff"):
            raise UserError(f"{path}: unsupported format {declared!r}", "use csv, parquet or arff")
        return declared.lower()
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = FORMATS.get(suffixes[-1] if suffixes else "")
    if kind is None:
        raise UserError(f"{path}: unsupported file format {path.suffix or '(no suffix)'!r}",
                        "use a .csv, .parquet or .arff file, or declare `format:`")
    return kind


def read_table(path: Path, declared_format: str | None = None, target: str | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet or ARFF file into a frame with categorical text columns.

    In a CSV, a column that may be the target (``target``, a column named like one, or the last)
    keeps its text when reading it as numbers would merge distinct values ("1", "1.0", "01").
    """
    kind = file_format(path, declared_format)
    if not path.is_file():
        raise DataError(f"data file not found: {path}", "check the path in the benchmark definition")
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        elif kind == "arff":
            if path.suffix == ".gz":
                raise UserError(f"{path}: compressed ARFF is not supported", "decompress it first")
            frame, _ = read_arff(path)
        else:
            frame = _read_csv(path, "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ",", target)
    except (UserError, DataError):
        raise
    except Exception as e:  # noqa: BLE001 - any parser failure means the same to the user
        raise DataError(f"{path}: unreadable {kind} file ({type(e).__name__}: {str(e).strip()[:160]})", "check the file") from None
    _check_columns(frame, path)
    return categorize_features(frame)


def _check_names(names: list[str], path: Path) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(f"{path}: column {twice[0]!r} appears more than once", "give every column a distinct name")


def _check_columns(frame: pd.DataFrame, path: Path) -> None:
    """Columns the runner can use: unique names, flat values (no lists, structs, maps)."""
    _check_names([str(c) for c in frame.columns], path)
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            sample = column.dropna().head(1000)
            nested = next((v for v in sample if isinstance(v, (list, tuple, dict, set, np.ndarray))), None)
            if nested is not None:
                raise DataError(f"{path}: column {str(name)!r} holds nested values ({type(nested).__name__})",
                                "flatten it into plain columns, or drop it")
        elif isinstance(column.dtype, pd.ArrowDtype) and not (
                pa.types.is_primitive(column.dtype.pyarrow_dtype) or pa.types.is_string(column.dtype.pyarrow_dtype)
                or pa.types.is_large_string(column.dtype.pyarrow_dtype)
                or pa.types.is_dictionary(column.dtype.pyarrow_dtype)):
            raise DataError(f"{path}: column {str(name)!r} has the nested type {column.dtype.pyarrow_dtype}",
                            "flatten it into plain columns, or drop it")


def _read_csv(path: Path, sep: str, target: str | None = None) -> pd.DataFrame:
    """pyarrow's multi-threaded CSV reader; text columns come dictionary-encoded
    (categoricals, categories sorted) and the usual NA spellings are missing."""
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True, auto_dict_encode=True,
                                             auto_dict_max_cardinality=1 << 16),
    )
    _check_names(table.column_names, path)
    frame = table.to_pandas()
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            frame[name] = column.cat.reorder_categories(sorted(column.cat.categories))
    _keep_label_text(frame, table, path, sep, target)
    return frame


def _keep_label_text(frame: pd.DataFrame, table: Any, path: Path, sep: str, target: str | None) -> None:
    """Possible target columns read as numbers that merged distinct texts ("1", "1.0", "01") are
    read again as text: class labels stay what the file says."""
    import pyarrow.csv as pacsv

    names = table.column_names
    candidates = {c for c in names if c == target or c.lower() in TARGET_NAMES} | ({names[-1]} if names else set())
    numeric = [c for c in names if c in candidates and
               (pa.types.is_integer(table.schema.field(c).type) or pa.types.is_floating(table.schema.field(c).type))]
    if not numeric:
        return
    text = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=sep), convert_options=pacsv.ConvertOptions(
        include_columns=numeric, column_types={c: pa.string() for c in numeric}, strings_can_be_null=True))
    for name in numeric:
        raw = text.column(name).to_pandas().str.strip()
        if raw.nunique() > frame[name].nunique():  # numbers merged texts: keep the texts, in numeric order
            order = sorted(raw.dropna().unique(), key=lambda s: (float(s), s))
            frame[name] = pd.Categorical(raw, categories=order)


def _resolve(entry: Any, cfg: DatasetsConfig, spec: TaskSpec) -> Path:
    """An absolute path: a relative one is looked up against ``cfg.input_dir``, ``cfg.base_dir``
    (USERDIR), the benchmark file's folder and the working directory, in that order (the first that
    exists; none: a DataError). URLs were downloaded before (:mod:`amlb.datasets.sources`)."""
    text = str(entry)
    path = Path(text).expanduser()
    if path.is_absolute():
        return path
    folders = [Path(cfg.input_dir).expanduser()] if cfg.input_dir else []
    folders += [Path(cfg.base_dir).expanduser()] if cfg.base_dir else []
    if spec.source_file and Path(spec.source_file).suffix in (".yaml", ".yml"):
        folders.append(Path(spec.source_file).expanduser().resolve().parent)
    folders.append(Path.cwd())
    candidates = [(folder / path).resolve() for folder in folders]
    found = next((c for c in candidates if c.exists()), None)
    if found is None:
        raise DataError(f"data file not found: {text} (a relative path is looked up in "
                        f"{', then '.join(str(f.resolve()) for f in folders)})",
                        "check the path in the benchmark definition")
    return found


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha1()
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise DataError(f"data file not found: {path}", "check the path in the benchmark definition") from None
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def open_file_dataset(spec: TaskSpec, cfg: DatasetsConfig) -> CachedTask:
    """Open a file dataset task (one file with seeded folds, or explicit fold files)."""
    definition = dict(spec.dataset or {})
    unknown = set(definition) - {"path", "train", "test", "target", "type", "format", "name"}
    if unknown:
        raise UserError(f"task {spec.name!r}: unknown dataset key(s) {sorted(unknown)}", "use path or train/test, target, type, format")
    definition = sources.locate(definition, spec, cfg, lambda text: _resolve(text, cfg, spec))
    if "path" in definition:
        return _open_single(spec, cfg, definition)
    if "train" in definition and "test" in definition:
        return _open_explicit(spec, cfg, definition)
    raise UserError(f"task {spec.name!r}: the dataset entry needs `path`, or `train` and `test`", "fix the dataset entry")


def _entry_dir(cfg: DatasetsConfig, spec: TaskSpec, paths: list[Path]) -> Path:
    # "t": CSV label columns keep their text (see _keep_label_text); older entries merged "1" and "1.0"
    return Path(cfg.cache_dir) / "file" / cache.safe_name(spec.name) / f"f{FORMAT_VERSION}t-{_fingerprint(paths)}"


def _open_single(spec: TaskSpec, cfg: DatasetsConfig, definition: dict[str, Any]) -> CachedTask:
    declared_format = definition.get("format")
    file_format(Path(str(definition["path"])), declared_format)  # unsupported format: say so before anything else
    path = _resolve(definition["path"], cfg, spec)
    data_path = _entry_dir(cfg, spec, [path]) / "data.parquet"
    target = definition.get("target")
    cache.ensure([data_path], lambda: cache.write_dataset(read_table(path, declared_format, target), data_path))
    # folds: 1 (AMLB's test runs) is one fold of the default split: k-fold needs k >= 2
    n_folds = spec.folds if spec.folds and spec.folds >= 2 else DEFAULT_FOLDS
    seed = int(spec.extra.get("fold_seed", FOLD_SEED))
    task_type = definition.get("type")
    return open_split_task(
        spec, task_id=f"file/{spec.name}",
        task_dir=seeded_task_dir(data_path.parent, target, task_type, n_folds, seed),
        data_path=data_path, n_folds=n_folds, declared_target=target, declared_type=task_type,
        make_splits=seeded_splits(n_folds, seed, spec.name),
        info={"source": f"file {path}", "files": [str(path)],
              "folds": f"seeded {n_folds}-fold (seed {seed}), stratified for classification"},
    )


def _open_explicit(spec: TaskSpec, cfg: DatasetsConfig, definition: dict[str, Any]) -> CachedTask:
    train, test = _as_list(definition["train"]), _as_list(definition["test"])
    if len(train) != len(test) or not train:
        raise UserError(f"task {spec.name!r}: {len(train)} train file(s) but {len(test)} test file(s)",
                        "give one test file per train file (one pair per fold)")
    declared_format = definition.get("format")
    for path in train + test:
        file_format(Path(str(path)), declared_format)
    n_available = len(train)
    if spec.folds is not None and spec.folds > n_available:
        raise UserError(f"task {spec.name!r}: {spec.folds} folds asked, {n_available} train/test pair(s) given",
                        f"use folds <= {n_available}")
    train, test = [_resolve(p, cfg, spec) for p in train], [_resolve(p, cfg, spec) for p in test]
    target, task_type = definition.get("target"), definition.get("type")
    task_dir = _entry_dir(cfg, spec, train + test) / f"task-{cache.safe_name(target or 'auto')}-{task_type or 'auto'}"
    task_json = task_dir / "task.json"

    def build() -> None:
        pairs = [_read_pair(tr, te, declared_format, target) for tr, te in zip(train, test)]
        first = pd.concat(pairs[0], ignore_index=True)
        choice = choose(first, spec.name, target, task_type)
        for i, (tr, te) in enumerate(pairs):
            for role, frame in (("train", tr), ("test", te)):
                if choice.target not in frame.columns:
                    raise DataError(f"{spec.name}: target {choice.target!r} missing from fold {i} {role} file",
                                    "every train and test file needs the target column")
        features = [c for c in first.columns if c != choice.target]
        if choice.class_labels is not None:
            everything = pd.concat([f[choice.target] for pair in pairs for f in pair], ignore_index=True)
            choice.class_labels = labels_of(everything)  # classes of every fold, not only fold 0's
            if choice.type == "binary" and len(choice.class_labels) > 2:
                if task_type == "binary":
                    raise DataError(f"{spec.name}: binary target {choice.target!r} has {len(choice.class_labels)} classes "
                                    "across the folds", "declare type: multiclass")
                choice.type = "multiclass"
        for i, (tr, te) in enumerate(pairs):
            files = folds.fold_paths(task_dir / "folds", i)
            train_frame = task_frame(_aligned(tr, features, i, spec), features, choice).reset_index(drop=True)
            test_frame = task_frame(_aligned(te, features, i, spec), features, choice).reset_index(drop=True)
            cache.write_parquet(train_frame, files.train)
            cache.write_parquet(test_frame.drop(columns=[choice.target]), files.test)
            cache.write_parquet(test_frame[[choice.target]], files.test_target)
        typed = task_frame(first, features, choice)
        info = {"source": f"files {train[0].parent}", "files": [str(p) for p in train + test],
                "folds": f"{n_available} explicit train/test file pair(s)", "rows_in_dataset": int(len(first)),
                "meta_features_source": "computed from fold 0's train and test files", "excluded_columns": []}
        cache.write_json(task_meta(f"file/{spec.name}", spec.name, choice, features, n_available,
                                   metafeatures.compute(typed, choice.target, choice.type), info), task_json)

    cache.ensure([task_json], build)
    task = task_from_json(spec, task_dir, cache.read_json(task_json), None)
    task.n_folds = spec.folds or n_available
    return task


def _read_pair(train: Path, test: Path, declared_format: str | None,
               target: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one fold's files with the same dtypes (categories from both files)."""
    train_frame, test_frame = read_table(train, declared_format, target), read_table(test, declared_format, target)
    both = categorize_features(pd.concat([train_frame, test_frame], keys=["train", "test"]))
    return both.loc["train"].reset_index(drop=True), both.loc["test"].reset_index(drop=True)


def _aligned(frame: pd.DataFrame, features: list[str], fold: int, spec: TaskSpec) -> pd.DataFrame:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise DataError(f"{spec.name}: fold {fold} lacks column(s) {missing[:5]} of fold 0", "give every file the same columns")
    return frame
